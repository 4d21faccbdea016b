// Streams (`torch.cuda.Stream`) on the fake driver: made, pooled, made current per thread and scope, ordered with
// events; and on the fake GPU, every kind of work an op queues — kernels, copies, cuBLAS products, cuFFT transforms,
// the caching allocator's blocks — going to the current stream.
import CCUDA
@testable import Ember
import Foundation
import Synchronization
import XCTest

final class CUDAStreamTests: XCTestCase {
    /// What the fake driver last saw of streams (Fixtures/FakeCUDA/fake_cuda.c: `fake_streams`).
    struct DriverStreams {
        var launch, copy, record, waiting, synchronized: CUstream?
        var made: Int32 = 0

        init(_ folder: String) {
            typealias Read = @convention(c) (UnsafeMutablePointer<CUstream?>, UnsafeMutablePointer<CUstream?>, UnsafeMutablePointer<CUstream?>,
                                             UnsafeMutablePointer<CUstream?>, UnsafeMutablePointer<CUstream?>, UnsafeMutablePointer<Int32>) -> Void
            let driver = dlopen("\(folder)/libcuda.so.1", RTLD_NOW | RTLD_NOLOAD)
            unsafeBitCast(dlsym(driver, "fake_streams"), to: Read.self)(&launch, &copy, &record, &waiting, &synchronized, &made)
        }
    }

    func testStreamsAreMadeWithClampedPrioritiesAndKeptForReuse() throws {
        let folder = try CUDATests.buildFakeDriver(self)
        let cuda = CUDARuntime(searching: [folder], kernelCacheFolder: nil)
        if !Ember.cuda.isAvailable { XCTAssertThrowsError(try CUDAStream()) }
        let made = DriverStreams(folder).made
        var first: CUDAStream? = try CUDAStream(runtime: cuda, device: nil, priority: -9)
        XCTAssertEqual(first?.device, 0)
        XCTAssertEqual(first?.priority, -5, "clamped to the driver's greatest priority")
        XCTAssertEqual(try CUDAStream(runtime: cuda, device: 0, priority: 4).priority, 0, "clamped to the least")
        let handle = first?.handle
        XCTAssertNotNil(handle)
        first = nil
        let second = try CUDAStream(runtime: cuda, device: 0, priority: -5)
        XCTAssertEqual(second.handle, handle, "a stream no one holds is taken again, never destroyed")
        XCTAssertEqual(DriverStreams(folder).made - made, 2)
        let third = try CUDAStream(runtime: cuda, device: 0, priority: -5)
        XCTAssertNotEqual(third, second)
        XCTAssertEqual(Set([second, third, second]).count, 2)
        XCTAssertThrowsError(try CUDAStream(runtime: cuda, device: 1, priority: 0)) {
            XCTAssertTrue("\($0)".contains("invalid device ordinal 1"), "\($0)")
        }
        XCTAssertEqual(try cuda.defaultStream(0).description, "<CUDAStream device=cuda:0 default>")
        XCTAssertTrue(second.description.hasPrefix("<CUDAStream device=cuda:0 cuda_stream="), second.description)
    }

    func testTheCurrentStreamIsPerThreadAndScoped() throws {
        let cuda = CUDARuntime(searching: [try CUDATests.buildFakeDriver(self)], kernelCacheFolder: nil)
        let outer = try CUDAStream(runtime: cuda, device: 0, priority: 0), inner = try CUDAStream(runtime: cuda, device: 0, priority: 0)
        let initial = try cuda.currentStream()
        XCTAssertEqual(initial, try cuda.defaultStream(), "every thread starts on the default stream")
        XCTAssertNil(initial.handle)
        try cuda.stream(outer) {
            XCTAssertEqual(try cuda.currentStream(0), outer)
            try cuda.stream(inner) { XCTAssertEqual(try cuda.currentStream(), inner) }
            XCTAssertEqual(try cuda.currentStream(), outer, "restored when the inner scope ends")
            let seen = Mutex<CUDAStream?>(nil), done = DispatchSemaphore(value: 0)
            Thread {
                seen.withLock { $0 = try? cuda.currentStream() }
                done.signal()
            }.start()
            done.wait()
            XCTAssertEqual(seen.withLock { $0 }, initial, "another thread keeps its own current stream")
            try cuda.stream(try cuda.defaultStream()) { XCTAssertNil(try cuda.currentStream().handle) }
        }
        XCTAssertEqual(try cuda.currentStream(), initial)
        cuda.setStream(inner)
        XCTAssertEqual(try cuda.currentStream(), inner)
        cuda.setStream(try cuda.defaultStream())
        XCTAssertEqual(try cuda.currentStream(), initial)
    }

    func testEventsOrderWorkAcrossStreams() throws {
        let folder = try CUDATests.buildFakeDriver(self)
        let cuda = CUDARuntime(searching: [folder], kernelCacheFolder: nil)
        let producer = try CUDAStream(runtime: cuda, device: 0, priority: 0), consumer = try CUDAStream(runtime: cuda, device: 0, priority: -1)
        try consumer.waitStream(producer)
        var seen = DriverStreams(folder)
        XCTAssertEqual(seen.record, producer.handle, "an event recorded on the stream waited for")
        XCTAssertEqual(seen.waiting, consumer.handle)
        let event = try CUDAEvent(runtime: cuda, enableTiming: false, device: 0)
        try cuda.stream(producer) { try event.record() }
        XCTAssertEqual(DriverStreams(folder).record, producer.handle, "recorded on the current stream")
        try event.record(consumer)
        XCTAssertEqual(DriverStreams(folder).record, consumer.handle)
        try event.wait(producer)
        XCTAssertEqual(DriverStreams(folder).waiting, producer.handle)
        try cuda.stream(consumer) { try event.wait() }
        XCTAssertEqual(DriverStreams(folder).waiting, consumer.handle)
        let recorded = try producer.recordEvent()
        XCTAssertEqual(recorded.device, 0)
        XCTAssertTrue(try recorded.query())
        try producer.synchronize()
        seen = DriverStreams(folder)
        XCTAssertEqual(seen.synchronized, producer.handle)
        XCTAssertTrue(try producer.query())

        let busy = CUDARuntime(searching: [try CUDATests.buildFakeDriver(self, ["-DFAKE_EVENTS_NEVER_COMPLETE"])], kernelCacheFolder: nil)
        XCTAssertFalse(try CUDAStream(runtime: busy, device: 0, priority: 0).query(), "work the GPU has not finished")
    }

    /// On the fake GPU (the driver running the kernels compiled for the host, the fake cuBLAS and cuFFT): an op's
    /// kernels, copies, products and transforms go to the current stream, and its result's memory belongs to it.
    func testAnOpsWorkAndMemoryGoToTheCurrentStream() throws {
        let gpu = Device.cuda(4)
        let (cuda, folder) = try CUDABackendTests.fakeGPURuntime(serving: gpu)
        let side = try CUDAStream(runtime: cuda, device: 0, priority: 0)
        typealias LastStream = @convention(c) () -> CUstream?
        func last(_ library: String, _ symbol: String) -> CUstream? {
            unsafeBitCast(dlsym(dlopen("\(folder)/\(library)", RTLD_NOW | RTLD_NOLOAD), symbol), to: LastStream.self)()
        }

        let x = Tensor.randn([4, 4]).to(gpu)
        XCTAssertNil(DriverStreams(folder).copy, "made on the default stream")
        let (product, spectrum, doubled) = cuda.stream(side) { (x.matmul(x), FFT.fft(x), (x * 2).cpu()) }
        let seen = DriverStreams(folder)
        XCTAssertEqual(seen.launch, side.handle, "kernels")
        XCTAssertEqual(seen.copy, side.handle, "the copy to the host")
        XCTAssertEqual(seen.synchronized, side.handle, "which waits for the stream")
        XCTAssertEqual(last("libcublas.so.13", "fake_cublas_last_stream"), side.handle, "cuBLAS products")
        XCTAssertEqual(last("libcufft.so.12", "fake_cufft_last_stream"), side.handle, "cuFFT transforms")
        assertClose(product.cpu(), x.cpu().matmul(x.cpu()).toArray(as: Double.self))
        XCTAssertEqual(doubled.toArray(as: Float.self), (x.cpu() * 2).toArray(as: Float.self))
        XCTAssertEqual(spectrum.shape, [4, 4])
        _ = x + 1
        XCTAssertNil(DriverStreams(folder).launch, "back on the default stream after the scope")
        _ = FFT.fft(x)
        XCTAssertNil(last("libcufft.so.12", "fake_cufft_last_stream"), "a plan per stream")

        // A block freed on the side stream serves that stream's next request, not the default stream's.
        let address = cuda.stream(side) { Tensor.empty([1000], device: gpu).storage.pointer }
        XCTAssertNotEqual(Tensor.empty([1000], device: gpu).storage.pointer, address)
        XCTAssertEqual(cuda.stream(side) { Tensor.empty([1000], device: gpu).storage.pointer }, address)

        // A tensor the side stream also used is freed behind a marker on that stream.
        var used: Tensor? = Tensor.ones([1000], device: gpu)
        used!.recordStream(side)
        used = nil
        XCTAssertEqual(DriverStreams(folder).record, side.handle)
    }
}
