// The CUDA backend without a GPU: loading the driver and its failures through a fake driver library built for
// the tests, and every generated kernel source compiled by NVRTC for Hopper (sm_90).
@testable import Ember
import Foundation
import XCTest

final class CUDATests: XCTestCase {
    // MARK: Loading the driver

    func testThisMachineSaysWhetherCUDAIsAvailableAndWhy() {
        let cuda = Ember.cuda
        XCTAssertEqual(cuda.isAvailable, cuda.unavailableReason == nil)
        if dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL) == nil && !cuda.isAvailable {
            XCTAssertEqual(cuda.deviceCount, 0)
            XCTAssertTrue(cuda.unavailableReason?.contains("libcuda.so.1") ?? false, cuda.unavailableReason ?? "")
            XCTAssertThrowsError(try cuda.deviceProperties(0))
        }
    }

    func testAMissingLibraryIsATypedErrorNamingItAndTheFolders() throws {
        let folder = try temporaryFolder()
        XCTAssertThrowsError(try SharedLibrary.open(["libember-absent.so.1"], in: [folder])) { error in
            guard case SharedLibraryError.libraryNotFound(let library, let searched, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(library, "libember-absent.so.1")
            XCTAssertEqual(searched, [folder])
            XCTAssertTrue("\(error)".contains("libember-absent.so.1 could not be loaded (searched \(folder)"), "\(error)")
        }
    }

    func testTheFakeDriverLoadsWithItsDevice() throws {
        let folder = try fakeDriver()
        let cuda = CUDARuntime(searching: [folder], kernelCacheFolder: nil)
        XCTAssertEqual(cuda.deviceCount, 1)
        // Without NVRTC no kernel can be compiled, so tensors cannot go there: a program choosing its device by
        // `isAvailable` stays on the CPU.
        if (try? NVRTC(searching: [folder])) == nil {
            XCTAssertFalse(cuda.isAvailable)
            XCTAssertTrue(cuda.unavailableReason?.hasPrefix("NVRTC, which compiles Ember's CUDA kernels, could not be loaded") ?? false,
                          cuda.unavailableReason ?? "")
        }
        if (try? CUDATests.loadNVRTC()) != nil {
            XCTAssertTrue(CUDARuntime(searching: [folder] + CUDALibrarySearch.folders(), kernelCacheFolder: nil).isAvailable)
        }
        XCTAssertEqual(cuda.driverVersion, "13.0")
        XCTAssertEqual(cuda.currentDevice, 0)
        XCTAssertThrowsError(try cuda.setDevice(1))
        try cuda.setDevice(0)
        try cuda.synchronize()
        cuda.manualSeedAll(5)
        let drawn = Tensor.rand(3).toArray(as: Float.self)
        Ember.manualSeed(5)
        XCTAssertEqual(Tensor.rand(3).toArray(as: Float.self), drawn, "a GPU's random numbers come from the host's stream")
        XCTAssertEqual(try cuda.deviceProperties(0),
                       CUDADeviceProperties(name: "Fake GPU", major: 9, minor: 0, multiProcessorCount: 132, totalMemory: 1 << 30))
        XCTAssertEqual(try cuda.deviceName(), "Fake GPU")
        let libraries = [("libcublas.so.13", cuda.cublasUnavailableReason), ("libcufft.so.12", cuda.cufftUnavailableReason),
                         ("libcudnn.so.9", cuda.cudnnUnavailableReason)]
        for (library, reason) in libraries where dlopen(library, RTLD_NOW | RTLD_LOCAL) == nil {
            XCTAssertTrue(reason?.contains(library) ?? false, "\(library): \(reason ?? "no reason")")
        }
        if dlopen("libcudnn.so.9", RTLD_NOW | RTLD_LOCAL) == nil { XCTAssertNil(cuda.cudnnVersion) }
        let capability = try cuda.deviceCapability(0)
        XCTAssertEqual([capability.major, capability.minor], [9, 0])
        cuda.manualSeed(5)
        XCTAssertEqual(Tensor.rand(3).toArray(as: Float.self), drawn, "torch.cuda.manual_seed seeds the host's stream too")
        XCTAssertThrowsError(try cuda.deviceProperties(1)) { error in
            XCTAssertTrue("\(error)".contains("invalid device ordinal 1"), "\(error)")
        }
    }

    /// Events through the driver (`torch.cuda.Event`): recorded, queried, waited for and timed; timing needs both
    /// events recorded and made with timing, as the driver says.
    func testEventsAreRecordedWaitedForAndTimed() throws {
        if !Ember.cuda.isAvailable { XCTAssertThrowsError(try CUDAEvent()) }
        let cuda = CUDARuntime(searching: [try fakeDriver()], kernelCacheFolder: nil)
        let start = try CUDAEvent(runtime: cuda, enableTiming: true, device: nil), end = try CUDAEvent(runtime: cuda, enableTiming: true, device: 0)
        XCTAssertEqual(start.device, 0)
        XCTAssertTrue(try end.query(), "an event never recorded has passed")
        XCTAssertThrowsError(try start.elapsedTime(end)) { XCTAssertTrue("\($0)".contains("CUDA_ERROR_INVALID_HANDLE"), "\($0)") }
        try start.record()
        usleep(20_000)
        try end.record()
        try end.synchronize()
        XCTAssertTrue(try end.query())
        let elapsed = try start.elapsedTime(end)
        XCTAssertGreaterThanOrEqual(elapsed, 15)
        XCTAssertLessThan(elapsed, 10_000)
        let untimed = try CUDAEvent(runtime: cuda, enableTiming: false, device: 0)
        try untimed.record()
        XCTAssertThrowsError(try start.elapsedTime(untimed)) { XCTAssertTrue("\($0)".contains("cuEventElapsedTime failed"), "\($0)") }
        XCTAssertThrowsError(try CUDAEvent(runtime: cuda, enableTiming: false, device: 1)) {
            XCTAssertTrue("\($0)".contains("invalid device ordinal 1"), "\($0)")
        }
        let busy = CUDARuntime(searching: [try fakeDriver(["-DFAKE_EVENTS_NEVER_COMPLETE"])], kernelCacheFolder: nil)
        let pending = try CUDAEvent(runtime: busy, enableTiming: false, device: 0)
        try pending.record()
        XCTAssertFalse(try pending.query(), "work the GPU has not finished")
    }

    func testADriverWithoutAnEntryPointIsUnavailableNamingIt() throws {
        let cuda = CUDARuntime(searching: [try fakeDriver(["-DFAKE_OMIT_MEM_ALLOC"])])
        XCTAssertFalse(cuda.isAvailable)
        XCTAssertEqual(cuda.deviceCount, 0)
        XCTAssertEqual(cuda.unavailableReason, "libcuda.so.1 has no entry point cuMemAlloc_v2 (a library older than Ember needs)")
    }

    func testADriverErrorIsReportedWithTheDriversOwnWords() throws {
        let cuda = CUDARuntime(searching: [try fakeDriver(["-DFAKE_INIT_ERROR=100"])])
        XCTAssertFalse(cuda.isAvailable)
        XCTAssertEqual(cuda.unavailableReason, "cuInit failed: no CUDA-capable device is detected (CUDA_ERROR_NO_DEVICE, code 100)")
    }

    func testAnErrorCodeTheDriverCannotNameIsStillReported() throws {
        let cuda = CUDARuntime(searching: [try fakeDriver(["-DFAKE_INIT_ERROR=999"])])
        XCTAssertEqual(cuda.unavailableReason, "cuInit failed: unknown error (CUDA_ERROR_UNKNOWN, code 999)")
    }

    func testADriverWithoutGPUsIsUnavailable() throws {
        let cuda = CUDARuntime(searching: [try fakeDriver(["-DFAKE_DEVICE_COUNT=0"])])
        XCTAssertFalse(cuda.isAvailable)
        XCTAssertEqual(cuda.unavailableReason, "the CUDA driver found no GPU")
    }

    func testSearchFoldersComeFromEmberCUDAPathFirst() throws {
        let folder = try temporaryFolder()
        try FileManager.default.createDirectory(atPath: folder + "/lib", withIntermediateDirectories: true)
        let folders = CUDALibrarySearch.folders(environment: ["EMBER_CUDA_PATH": "\(folder):/nonexistent", "HOME": folder])
        XCTAssertEqual(Array(folders.prefix(2)), [folder, folder + "/lib"])
        XCTAssertFalse(folders.contains { $0.hasPrefix("/nonexistent") })
    }

    // MARK: Kernels compiled by NVRTC

    func testEveryKernelModuleCompilesForHopperWithoutWarnings() throws {
        let nvrtc = try Self.loadNVRTC()
        XCTAssertNotNil(nvrtc.includeFolder, "cuda_fp16.h not found beside \(nvrtc.library.path)")
        let modules = CUDAKernelSources.all
        XCTAssertEqual(Set(modules.map(\.name)).count, modules.count, "module names repeat")
        for module in modules {
            let output = try nvrtc.compile(module.source, name: module.name, architecture: "sm_90")
            XCTAssertEqual(output.log, "", "\(module.name) compiled with messages")
            XCTAssertEqual(Array(output.image.prefix(4)), [0x7F, 0x45, 0x4C, 0x46], "\(module.name): a CUBIN is an ELF file")
            let image = String(decoding: output.image, as: UTF8.self)
            for kernel in module.kernels {
                XCTAssertTrue(image.contains(kernel), "\(module.name) lacks kernel \(kernel)")
            }
        }
    }

    func testPTXIsTheFallbackForAVirtualArchitecture() throws {
        let nvrtc = try Self.loadNVRTC()
        let module = CUDAKernelSources.fill()
        let output = try nvrtc.compile(module.source, name: module.name, architecture: "compute_90")
        let ptx = String(decoding: output.image.prefix { $0 != 0 }, as: UTF8.self)
        XCTAssertTrue(ptx.contains(".target sm_90"), String(ptx.prefix(400)))
        XCTAssertTrue(ptx.contains(".entry fill_float32("), "fill_float32 missing from the PTX")
    }

    func testACompileErrorThrowsWithTheCompilersLog() throws {
        let nvrtc = try Self.loadNVRTC()
        XCTAssertThrowsError(try nvrtc.compile("extern \"C\" __global__ void broken() { undeclared(); }",
                                               name: "broken", architecture: "sm_90")) { error in
            guard case CUDAError.compilation(let kernel, let log) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(kernel, "broken")
            XCTAssertTrue(log.contains("undeclared"), log)
        }
    }

    func testEveryOpOfTheVocabularyHasItsKernel() {
        let unary = Set(CUDAKernelSources.floatUnary(.float32).kernels)
        for op in [FloatUnaryOp.leakyRelu(slope: 0.2), .elementary(.sinc), .softplus(beta: 2, threshold: 20)] {
            XCTAssertTrue(unary.contains(CUDAKernelSources.kernelName(op.cuda, .float32)), "\(op)")
        }
        XCTAssertEqual(FloatUnaryOp.elu(alpha: 1, scale: 2, inputScale: 3).cuda.parameters, [1, 2, 3])
        XCTAssertEqual(ArithmeticUnaryOp.clamp(min: nil, max: 4).cuda.parameters, [0, 1, 0, 4])
        XCTAssertEqual(CUDAKernelSources.arithmeticBinary(.int64).kernels.count, ArithmeticBinaryOp.cudaKernelCases.count)
        XCTAssertEqual(CUDAKernelSources.cast(from: .float16).kernels.count, 9)
        let reductions = Set(CUDAKernelSources.reductions(.float64).kernels)
        let rowReductions: [RowReduction] = [.sum, .prod, .max, .min, .logsumexp, .sumAbs, .norm(0), .norm(1), .norm(2), .norm(.infinity),
                                             .norm(-.infinity), .norm(3.5), .variance(correction: 1)]
        for op in rowReductions {
            XCTAssertTrue(reductions.contains(CUDAKernelSources.rowReductionKernel(op).name + "_float64"), "\(op)")
        }
        let transforms = Set(CUDAKernelSources.rowTransforms(.float32).kernels)
        for op in [RowTransform.softmax, .logSoftmax, .cumsum, .cumprod, .logcumsumexp] {
            XCTAssertTrue(transforms.contains(CUDAKernelSources.rowTransformKernel(op) + "_float32"), "\(op)")
        }
    }

    // MARK: Helpers

    /// NVRTC from `EMBER_CUDA_PATH` or site-packages; skips when absent, unless `EMBER_REQUIRE_NVRTC` is set
    /// (as `make test` sets it, after installing NVRTC's wheel).
    static func loadNVRTC() throws -> NVRTC {
        do {
            return try NVRTC(searching: CUDALibrarySearch.folders())
        } catch {
            if ProcessInfo.processInfo.environment["EMBER_REQUIRE_NVRTC"] != nil { throw error }
            throw XCTSkip("NVRTC is not installed here (\(error)); `make test` installs it")
        }
    }

    private func fakeDriver(_ flags: [String] = []) throws -> String { try Self.buildFakeDriver(self, flags) }

    /// A folder holding `libcuda.so.1` built from Fixtures/FakeCUDA/fake_cuda.c with `flags`, removed after `test`.
    static func buildFakeDriver(_ test: XCTestCase, _ flags: [String] = []) throws -> String {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/FakeCUDA/fake_cuda.c").path
        let folder = try temporaryFolder(test)
        let compile = try runProcess("/usr/bin/env", ["cc", "-shared", "-fPIC", "-O1", "-o", folder + "/libcuda.so.1", source] + flags)
        XCTAssertEqual(compile.status, 0, "cc could not build the fake driver: \(compile.output)")
        return folder
    }

    private func temporaryFolder() throws -> String { try Self.temporaryFolder(self) }

    /// A new empty folder, removed after `test`.
    static func temporaryFolder(_ test: XCTestCase) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ember-cuda-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        return folder
    }
}

/// GPU memory through the driver's entry points, on the fake driver (its device memory is host memory).
final class CUDAMemoryTests: XCTestCase {
    func testBytesGoThroughTheDriverAndTheCachingAllocator() throws {
        let folder = try CUDATests.buildFakeDriver(self)
        let cuda = CUDARuntime(searching: [folder])
        let allocator = try cuda.allocator(0)
        XCTAssertTrue(try cuda.allocator(0) === allocator, "one allocator per GPU")
        XCTAssertThrowsError(try cuda.allocator(1))
        let values: [Float] = [1, -2, 3.5, 1e-3]
        guard let address = allocator.allocate(values.count * 4) else { return XCTFail("no memory") }
        values.withUnsafeBytes { allocator.copyFromHost($0.baseAddress!, to: address, byteCount: 16) }
        var back = [Float](repeating: 0, count: 4)
        back.withUnsafeMutableBytes { allocator.copyToHost(address, to: $0.baseAddress!, byteCount: 16) }
        XCTAssertEqual(back, values)
        XCTAssertEqual(cuda.memoryAllocated(), 512)
        XCTAssertEqual(cuda.memoryReserved(), 2 << 20)
        let info = try cuda.memGetInfo()
        XCTAssertEqual(info.total, 1 << 30)
        XCTAssertEqual(info.free, (1 << 30) - (2 << 20), "the driver's view: one small segment taken")
        allocator.free(address, byteCount: 16)
        XCTAssertEqual(cuda.memoryAllocated(), 0)
        XCTAssertEqual(cuda.maxMemoryAllocated(), 512)
        cuda.emptyCache()
        XCTAssertEqual(cuda.memoryReserved(), 0)
        XCTAssertEqual(cuda.maxMemoryReserved(), 2 << 20)
        cuda.resetPeakMemoryStats()
        XCTAssertEqual([cuda.maxMemoryAllocated(), cuda.maxMemoryReserved()], [0, 0], "the peaks start again from now")
        XCTAssertEqual(cuda.memoryAllocated(1), 0, "a GPU never used holds nothing")
        XCTAssertThrowsError(try cuda.memGetInfo(1))
    }

    func testAGPUOutOfMemoryGivesNoAddressAndSaysWhy() throws {
        let cuda = CUDARuntime(searching: [try CUDATests.buildFakeDriver(self)])
        let allocator = try cuda.allocator(0)
        XCTAssertNil(allocator.allocate(2 << 30), "the fake GPU has 1 GiB")
        XCTAssertTrue(allocator.lastFailure?.description.hasPrefix("CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 "
                                                                   + "has a total capacity of 1024.00 MiB of which 1024.00 MiB is free") ?? false,
                      allocator.lastFailure?.description ?? "no failure recorded")
    }
}

/// Compiled modules cached in memory and on disk.
final class CUDAKernelCacheTests: XCTestCase {
    private func nvrtc() throws -> NVRTC { try CUDATests.loadNVRTC() }

    private func folder() throws -> URL { URL(fileURLWithPath: try CUDATests.temporaryFolder(self)) }

    func testAModuleIsCompiledOncePerMachine() throws {
        let nvrtc = try nvrtc(), folder = try folder(), module = CUDAKernelSources.fill()
        let cache = CUDAKernelCache(folder: folder)
        let image = try cache.image(of: module, major: 9, minor: 0, driverVersion: "13.0", nvrtc: nvrtc)
        XCTAssertEqual(try cache.image(of: module, major: 9, minor: 0, driverVersion: "13.0", nvrtc: nvrtc), image)
        XCTAssertEqual(cache.compilations, 1)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        XCTAssertEqual(files.count, 1)
        XCTAssertTrue(files[0].hasPrefix("fill-"), files[0])

        let nextProcess = CUDAKernelCache(folder: folder)
        XCTAssertEqual(try nextProcess.image(of: module, major: 9, minor: 0, driverVersion: "13.0", nvrtc: nvrtc), image)
        XCTAssertEqual(nextProcess.compilations, 0, "read from disk")
        _ = try nextProcess.image(of: module, major: 9, minor: 0, driverVersion: "13.1", nvrtc: nvrtc)
        _ = try nextProcess.image(of: module, major: 8, minor: 0, driverVersion: "13.0", nvrtc: nvrtc)
        XCTAssertEqual(nextProcess.compilations, 2, "another driver or architecture is another key")
    }

    func testADamagedFileIsCompiledAgainAndReplaced() throws {
        let nvrtc = try nvrtc(), folder = try folder(), module = CUDAKernelSources.fill()
        let image = try CUDAKernelCache(folder: folder).image(of: module, major: 9, minor: 0, driverVersion: "13.0", nvrtc: nvrtc)
        let file = folder.appendingPathComponent(try FileManager.default.contentsOfDirectory(atPath: folder.path)[0])
        for damage in [Data(), Data([1, 2, 3]), try Data(contentsOf: file).prefix(40), Data(repeating: 0xFF, count: 100)] {
            try damage.write(to: file)
            let cache = CUDAKernelCache(folder: folder)
            XCTAssertEqual(try cache.image(of: module, major: 9, minor: 0, driverVersion: "13.0", nvrtc: nvrtc), image)
            XCTAssertEqual(cache.compilations, 1)
        }
    }

    func testTheCacheFolderComesFromTheEnvironment() {
        XCTAssertEqual(CUDAKernelCache.defaultFolder(environment: ["EMBER_KERNEL_CACHE": "/x/k", "HOME": "/h"]).path, "/x/k")
        XCTAssertEqual(CUDAKernelCache.defaultFolder(environment: ["HOME": "/h"]).path, "/h/.cache/ember/kernels")
        XCTAssertNotEqual(fnv1a("a"), fnv1a("b"))
        XCTAssertEqual(fnv1a(""), 0xcbf2_9ce4_8422_2325)
    }
}

/// `DataParallel` where no GPU can be used: the module itself, under PyTorch's names.
final class DataParallelTests: XCTestCase {
    func testWithoutAGPUItCallsTheModuleAndKeepsPyTorchsKeys() throws {
        try XCTSkipIf(Ember.cuda.isAvailable, "a GPU is usable here")
        Ember.manualSeed(0)
        let net = Sequential(Linear(3, 4), ReLU(), Linear(4, 2))
        let parallel = DataParallel(net)
        XCTAssertTrue(parallel.module === net)
        XCTAssertEqual(parallel.deviceIDs, [])
        XCTAssertEqual(DataParallel(net, deviceIDs: [0, 1]).deviceIDs, [], "no GPU: no devices, as PyTorch")
        let x = Tensor.randn(5, 3)
        XCTAssertEqual(parallel(x).toArray(as: Float.self), net(x).toArray(as: Float.self))
        parallel(x).sum().backward()
        let viaWrapper = net.parameters().map { $0.grad!.toArray(as: Float.self) }
        net.zeroGrad()
        net(x).sum().backward()
        XCTAssertEqual(net.parameters().map { $0.grad!.toArray(as: Float.self) }, viaWrapper)
        XCTAssertEqual(Array(parallel.stateDict().keys), ["module.0.weight", "module.0.bias", "module.2.weight", "module.2.bias"])
        XCTAssertTrue(parallel.description.hasPrefix("DataParallel(\n  (module): Sequential(\n"), parallel.description)
    }

    /// Two emulated devices stand for two GPUs: DataParallel's replication is the same on any devices.
    static let gpus = [EmulatedDevice.register(.privateUse(1)), EmulatedDevice.register(.privateUse(2))]

    /// The same model twice, with equal weights: one on the first emulated device, one on the CPU as the reference.
    private func twins(_ make: () -> Module) throws -> (onDevice: Module, reference: Module) {
        let reference = make().double()
        let onDevice = make().double()
        try onDevice.loadStateDict(reference.stateDict())
        return (onDevice.to(Self.gpus[0].device), reference)
    }

    func testReplicasGiveTheWholeBatchsOutputsAndGradients() throws {
        Ember.manualSeed(0)
        let (net, reference) = try twins { Sequential(Linear(3, 4), Tanh(), Linear(4, 2)) }
        let parameters = net.parameters()
        let parallel = DataParallel(net, devices: Self.gpus.map(\.device))
        XCTAssertEqual(parallel.deviceIDs, [1, 2])
        XCTAssertEqual(parallel.outputDevice, 1)
        let copiesBefore = Self.gpus[1].copiesFromHost
        let x = Tensor.randn([5, 3], dtype: .float64)
        let y = parallel(x)
        XCTAssertEqual(y.device, Self.gpus[0].device)
        XCTAssertEqual(y.shape, [5, 2])
        let expected = reference(x)
        assertClose(y.cpu(), expected.toArray(as: Double.self), tolerance: 1e-14)
        XCTAssertEqual(Self.gpus[1].copiesFromHost - copiesBefore, 5, "the second chunk and four parameters copied to the second device")
        (y * y).sum().backward()
        (expected * expected).sum().backward()
        XCTAssertTrue(zip(net.parameters(), parameters).allSatisfy { $0 === $1 }, "the module keeps its own parameters")
        for (mine, theirs) in zip(net.parameters(), reference.parameters()) {
            XCTAssertEqual(mine.grad?.device, Self.gpus[0].device)
            assertClose(mine.grad!.cpu(), theirs.grad!.toArray(as: Double.self), tolerance: 1e-12)
        }
    }

    func testRecurrentWeightsAreReplicatedAndAShortBatchUsesFewerDevices() throws {
        Ember.manualSeed(1)
        let (gru, reference) = try twins { GRU(3, 4, batchFirst: true) }
        let parallel = DataParallel(gru, devices: Self.gpus.map(\.device), outputDevice: Self.gpus[1].device)
        let x = Tensor.randn([3, 2, 3], dtype: .float64)
        let y = parallel(x)
        XCTAssertEqual(y.device, Self.gpus[1].device)
        assertClose(y.cpu(), reference(x).toArray(as: Double.self), tolerance: 1e-14)
        y.sum().backward()
        reference(x).sum().backward()
        for (mine, theirs) in zip(gru.parameters(), reference.parameters()) {
            assertClose(mine.grad!.cpu(), theirs.grad!.toArray(as: Double.self), tolerance: 1e-12)
        }
        let single = Tensor.randn([1, 2, 3], dtype: .float64)
        let copiesBefore = Self.gpus[1].copiesFromHost
        assertClose(parallel(single).cpu(), reference(single).toArray(as: Double.self), tolerance: 1e-14)
        XCTAssertEqual(Self.gpus[1].copiesFromHost, copiesBefore + 1, "one chunk: only the output moves to the second device")
    }

    func testScalarOutputsAreGatheredIntoAVector() throws {
        final class Loss: Module {
            let linear = Linear(2, 1)
            override func forward(_ input: Tensor) -> Tensor { linear(input).sum() }
        }
        Ember.manualSeed(2)
        let (loss, reference) = try twins { Loss() }
        let parallel = DataParallel(loss, devices: Self.gpus.map(\.device))
        let x = Tensor.randn([4, 2], dtype: .float64)
        let perReplica = parallel(x)
        XCTAssertEqual(perReplica.shape, [2])
        let halves = x.chunk(2)
        assertClose(perReplica.cpu(), halves.map { reference($0).item() }, tolerance: 1e-14)
    }
}
