// Pinned host memory (`pin_memory()`) and non-blocking copies (`to(device, non_blocking=True)`) on the fake GPU: the
// driver's page-locked allocations, copies queued on the current stream without a wait, and a pinned block freed only
// after the copies reading it.
import CCUDA
@testable import Ember
import Foundation
import XCTest

final class PinnedMemoryTests: XCTestCase {
    /// What the fake driver counted of pinned memory (Fixtures/FakeCUDA/fake_cuda.c: `fake_pinned`).
    private func pinnedCounts(_ folder: String) -> (allocations: Int32, frees: Int32, eventWaits: Int32) {
        typealias Read = @convention(c) (UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>) -> Void
        var counts: (Int32, Int32, Int32) = (0, 0, 0)
        let driver = dlopen("\(folder)/libcuda.so.1", RTLD_NOW | RTLD_NOLOAD)
        unsafeBitCast(dlsym(driver, "fake_pinned"), to: Read.self)(&counts.0, &counts.1, &counts.2)
        return counts
    }

    /// `DataLoader(…, pinMemory: true)` in a child process whose `Ember.cuda` is the fake GPU (the worker below).
    func testDataLoadersPinTheirBatches() throws {
        let environment = try CUDABackendTests.fakeGPUChildEnvironment().merging(["EMBER_PINNED_WORKER": "1"]) { $1 }
        let run = try runProcess("/proc/self/exe", ["EmberTests.PinnedMemoryTests/testPinnedBatchesWorker"], environment: environment)
        XCTAssertEqual(run.status, 0, run.output.suffix(3_000).description)
        XCTAssertTrue(run.output.contains("Executed 1 test, with 0 failures"), run.output.suffix(3_000).description)
        XCTAssertFalse(run.output.contains("skipped"), "the worker did not run")
    }

    /// The worker of `testDataLoadersPinTheirBatches`; skipped in a normal test run.
    func testPinnedBatchesWorker() throws {
        guard ProcessInfo.processInfo.environment["EMBER_PINNED_WORKER"] != nil else {
            throw XCTSkip("runs only as the pinned-batch test's worker process")
        }
        XCTAssertTrue(Ember.cuda.isAvailable, Ember.cuda.unavailableReason ?? "")
        let (x, y) = (Tensor.randn([10, 3]), Tensor.arange(0, 10))
        for workers in [0, 2] {
            var seen = 0
            for (images, labels) in DataLoader(TensorDataset(x, y), batchSize: 4, numWorkers: workers, pinMemory: true) {
                XCTAssertTrue(images.isPinned && labels.isPinned, "both parts of a pair batch are pinned")
                XCTAssertEqual(images.to(.cuda(0), nonBlocking: true).cpu().toArray(as: Float.self), images.toArray(as: Float.self))
                seen += images.shape[0]
            }
            XCTAssertEqual(seen, 10)
        }
        let rows = DataLoader(TensorDataset(tensors: [x, x]), batchSize: 5, pinMemory: true)
        XCTAssertTrue(rows.allSatisfy { $0.allSatisfy(\.isPinned) }, "arrays of tensors pin each")
        XCTAssertTrue(DataLoader(TensorDataset(x), batchSize: 5, pinMemory: true).allSatisfy(\.isPinned))
        XCTAssertFalse(DataLoader(TensorDataset(x), batchSize: 5).contains(where: \.isPinned), "pinned only when asked")
    }

    func testWithoutCUDANothingIsPinned() throws {
        try XCTSkipIf(Ember.cuda.isAvailable, "this machine has a GPU")
        XCTAssertThrowsError(try Tensor.ones([2]).pinMemory())
        XCTAssertFalse(Tensor.ones([2]).isPinned)
    }

    func testPinnedTensorsCopyToTheGPUWithoutWaitingAndAreFreedAfterTheCopy() throws {
        let gpu = Device.cuda(6)
        let (cuda, folder) = try CUDABackendTests.fakeGPURuntime(serving: gpu)
        let side = try CUDAStream(runtime: cuda, device: 0, priority: 0)

        let before = pinnedCounts(folder)
        let x = Tensor.randn([3, 5]).t().detach().requiresGrad_()   // not contiguous, and recorded by autograd
        var pinned: Tensor? = try x.pinMemory(runtime: cuda)
        XCTAssertTrue(pinned!.isPinned)
        XCTAssertFalse(x.isPinned)
        XCTAssertEqual(pinned!.device, .cpu)
        XCTAssertEqual(pinned!.toArray(as: Float.self), x.toArray(as: Float.self))
        XCTAssertTrue(try pinned!.pinMemory(runtime: cuda) === pinned!, "a pinned tensor is pinned already")
        XCTAssertFalse((pinned! * 2).isPinned, "results of ops on pinned tensors are ordinary host memory")
        XCTAssertEqual(pinned!.gradFn?.name, "PinMemoryBackward0")
        pinned!.sum().backward()
        XCTAssertEqual(x.grad?.toArray(as: Float.self), [Float](repeating: 1, count: 15))
        XCTAssertEqual(pinnedCounts(folder).allocations - before.allocations, 1)

        // Non-blocking from pinned memory: queued on the current stream, which the host does not wait for.
        let onGPU = cuda.stream(side) { pinned!.to(gpu, nonBlocking: true) }
        var seen = CUDAStreamTests.DriverStreams(folder)
        XCTAssertEqual(seen.copy, side.handle)
        XCTAssertNotEqual(seen.synchronized, side.handle, "the host did not wait for the copy")
        XCTAssertEqual(onGPU.cpu().toArray(as: Float.self), x.toArray(as: Float.self))
        // Blocking, or from pageable memory: the host waits for the stream.
        for (source, nonBlocking) in [(pinned!, false), (x.detach(), true)] {
            _ = cuda.stream(side) { source.to(gpu, nonBlocking: nonBlocking) }
            seen = CUDAStreamTests.DriverStreams(folder)
            XCTAssertEqual([seen.copy, seen.synchronized], [side.handle, side.handle])
        }

        // Freed only after waiting for the copy that read it.
        let waits = pinnedCounts(folder).eventWaits
        pinned = nil
        let after = pinnedCounts(folder)
        XCTAssertEqual(after.frees - before.frees, 1)
        XCTAssertEqual(after.eventWaits - waits, 1, "the event after the non-blocking copy")
    }
}
