// The CUDA backend without a GPU: `CUDABackend` serving a test device, its generated kernels compiled for the
// host by the system's C++ compiler (with the CUDA wheels' half-precision headers) and launched through the same
// argument packing the driver reads. The results must equal the CPU's.
import CCUDA
@testable import Ember
import EmberVision
import Foundation
import Synchronization
import XCTest

final class CUDABackendTests: XCTestCase {
    static let device = Device.privateUse(7)

    /// The backend, registered once: host memory counted by an emulated allocator, host-compiled kernels, the fake
    /// cuBLAS (Fixtures/FakeCUDA/fake_cublas.c) for matrix products and the fake cuFFT (fake_cufft.c) for Fourier
    /// transforms.
    static let launcher: HostKernelLauncher? = {
        guard let include = (try? CUDATests.loadNVRTC())?.includeFolder,
              FileManager.default.fileExists(atPath: include + "/nv/target") else { return nil }
        let launcher = HostKernelLauncher(includeFolder: include)
        let blas = try! CUBLASSession(CUBLAS(searching: [fakeLibrariesFolder]), context: nil, ordinal: 0)
        let fft = CUFFTSession(try! CUFFT(searching: [fakeLibrariesFolder]), context: nil, ordinal: 0)
        Backends.register(CUDABackend(device: device, allocator: EmulatedDevice(device), launcher: launcher, blas: blas, fft: fft))
        let dnn = try! CUDNNSession(CUDNN(searching: [fakeLibrariesFolder]), context: nil, ordinal: 0)
        Backends.register(CUDABackend(device: cudnnDevice, allocator: EmulatedDevice(cudnnDevice), launcher: launcher, blas: blas, fft: fft,
                                      dnn: dnn))
        return launcher
    }()

    /// A second test device whose backend also has cuDNN (the fake one, Fixtures/FakeCUDA/fake_cudnn.c).
    static let cudnnDevice = Device.privateUse(8)

    /// A folder holding `libcublas.so.13`, `libcufft.so.12` and `libcudnn.so.9` built from Fixtures/FakeCUDA/fake_cublas.c,
    /// fake_cufft.c and fake_cudnn.c.
    static let fakeLibrariesFolder: String = {
        let folder = processFolder("ember-fake-cuda-libraries")
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/FakeCUDA").path
        for (library, source) in [("libcublas.so.13", "fake_cublas.c"), ("libcufft.so.12", "fake_cufft.c"), ("libcudnn.so.9", "fake_cudnn.c")] {
            let compile = try! runProcess("/usr/bin/env", ["cc", "-shared", "-fPIC", "-O1", "-o", "\(folder)/\(library)", "\(fixtures)/\(source)",
                                                           "-lm"])
            precondition(compile.status == 0, "cc could not build the fake \(library): \(compile.output)")
        }
        return folder
    }()

    /// A folder holding a fake GPU: the fake driver with every kernel module compiled for the host linked in
    /// (`libcuda.so.1`), the fake cuBLAS, cuFFT and cuDNN, and the fake NCCL (Fixtures/FakeCUDA/fake_nccl.c,
    /// `libnccl.so.2`); built once per test run, nil without the CUDA wheels' headers.
    static let fakeGPUFolder: String? = {
        guard let launcher else { return nil }
        let folder = processFolder("ember-fake-gpu")
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/FakeCUDA").path
        var commands = [["cc", "-c", "-fPIC", "-O1", "-DFAKE_HOST_KERNELS", "-o", "\(folder)/fake.o", "\(fixtures)/fake_cuda.c"],
                        ["cc", "-shared", "-fPIC", "-O1", "-o", "\(folder)/libnccl.so.2", "\(fixtures)/fake_nccl.c"],
                        ["cp", "\(fakeLibrariesFolder)/libcublas.so.13", "\(fakeLibrariesFolder)/libcufft.so.12",
                         "\(fakeLibrariesFolder)/libcudnn.so.9", folder]]
        for module in CUDAKernelSources.all {
            try! HostKernelLauncher.hostSource(module).write(toFile: "\(folder)/\(module.name).cpp", atomically: true, encoding: .utf8)
            commands.append(HostKernelLauncher.compileCommand(launcher.includeFolder)
                            + ["-c", "-o", "\(folder)/\(module.name).o", "\(folder)/\(module.name).cpp"])
        }
        let failures = Mutex([String]())
        DispatchQueue.concurrentPerform(iterations: commands.count) { [commands] index in
            guard let run = try? runProcess("/usr/bin/env", commands[index]), run.status == 0 else {
                return failures.withLock { $0.append(commands[index].last!) }
            }
        }
        precondition(failures.withLock { $0.isEmpty }, "not built for the fake GPU: \(failures.withLock { $0 })")
        let link = try! runProcess("/usr/bin/env", ["c++", "-shared", "-pthread", "-o", "\(folder)/libcuda.so.1", "\(folder)/fake.o"]
                                   + CUDAKernelSources.all.map { "\(folder)/\($0.name).o" } + ["-ldl"])
        precondition(link.status == 0, "the fake GPU's driver did not link: \(link.output)")
        return folder
    }()

    /// The kernel cache of the tests that run the fake GPU, so that NVRTC compiles each module once per test run.
    static let kernelCacheFolder = processFolder("ember-fake-gpu-kernels")

    /// The fake GPU's folder; skips without the CUDA wheels' headers, which its kernels need (and fails when
    /// `EMBER_REQUIRE_NVRTC` is set, as `make test` does).
    static func requireFakeGPU() throws -> String {
        guard let folder = fakeGPUFolder else {
            if ProcessInfo.processInfo.environment["EMBER_REQUIRE_NVRTC"] != nil { XCTFail("the fake GPU could not be built") }
            throw XCTSkip("the CUDA wheels' headers are not installed (make cuda-tools installs them)")
        }
        return folder
    }

    /// The environment of a child process whose `Ember.cuda` is the fake GPU (its folder first in `EMBER_CUDA_PATH`,
    /// compiled kernels in the shared cache).
    static func fakeGPUChildEnvironment() throws -> [String: String] {
        let search = [try requireFakeGPU()] + (ProcessInfo.processInfo.environment["EMBER_CUDA_PATH"].map { [$0] } ?? [])
        return ["EMBER_CUDA_PATH": search.joined(separator: ":"), "EMBER_KERNEL_CACHE": kernelCacheFolder]
    }

    /// A runtime on the fake GPU, its GPU 0 serving `device` (a device of the test's own, so that tests never share
    /// one), and the fake GPU's folder.
    static func fakeGPURuntime(serving device: Device) throws -> (runtime: CUDARuntime, folder: String) {
        let folder = try requireFakeGPU()
        let runtime = CUDARuntime(searching: [folder] + CUDALibrarySearch.folders(), kernelCacheFolder: URL(fileURLWithPath: kernelCacheFolder))
        _ = try runtime.backend(0, serving: device)
        return (runtime, folder)
    }

    private func requireLauncher() throws -> HostKernelLauncher {
        guard let launcher = Self.launcher else {
            if ProcessInfo.processInfo.environment["EMBER_REQUIRE_NVRTC"] != nil {
                XCTFail("EMBER_REQUIRE_NVRTC is set, but the CUDA headers (cuda_fp16.h, nv/target) were not found")
            }
            throw XCTSkip("the CUDA wheels' headers are not installed (make cuda-tools installs them)")
        }
        return launcher
    }

    /// Asserts that `body` gives the same values on the CPU and on the CUDA backend, and that the backend ran kernels
    /// (no host fallback) for it.
    private func assertSame(_ name: String, _ inputs: [Tensor], file: StaticString = #filePath, line: UInt = #line,
                            _ body: ([Tensor]) -> Tensor) throws {
        let launcher = try requireLauncher()
        let expected = body(inputs)
        let launchesBefore = launcher.launches
        let result = body(inputs.map { $0.to(Self.device) })
        XCTAssertEqual(result.device, Self.device, name, file: file, line: line)
        XCTAssertGreaterThan(launcher.launches, launchesBefore, "\(name) launched no kernel", file: file, line: line)
        XCTAssertEqual(result.dtype, expected.dtype, name, file: file, line: line)
        XCTAssertEqual(result.shape, expected.shape, name, file: file, line: line)
        let got = result.cpu().to(.float64).toArray(as: Double.self), want = expected.to(.float64).toArray(as: Double.self)
        for (index, (g, w)) in zip(got, want).enumerated() where !(g == w || (g.isNaN && w.isNaN)) {
            XCTFail("\(name): element \(index) is \(g) on the CUDA backend, \(w) on the CPU", file: file, line: line)
            return
        }
    }

    func testPointwiseFamiliesRunAsKernelsWithTheCPUsValues() throws {
        let values: [Double] = [-3.5, -1, -0.5, -0.0, 0, 0.25, 0.5, 1, 2.5, 7, .infinity, -.infinity, .nan, 100, -100, 3]
        let base = Tensor(values, shape: [4, 4])
        for dtype in [DType.float32, .float64] {
            let x = base.to(dtype).t()   // strided
            let row = Tensor([2, -1.5, 0.5, 3]).to(dtype)   // broadcast
            try assertSame("exp \(dtype)", [x]) { $0[0].exp() }
            try assertSame("sigmoid \(dtype)", [x]) { $0[0].sigmoid() }
            try assertSame("leaky relu \(dtype)", [x]) { F.leakyRelu($0[0], negativeSlope: 0.2) }
            try assertSame("pow scalar \(dtype)", [x]) { $0[0].pow(2.5) }
            try assertSame("add \(dtype)", [x, row]) { $0[0] + $0[1] }
            try assertSame("add scaled \(dtype)", [x, row]) { $0[0].add($0[1], alpha: -2) }
            try assertSame("divide \(dtype)", [x, row]) { $0[0] / $0[1] }
            try assertSame("atan2 \(dtype)", [x, row]) { $0[0].atan2($0[1]) }
            try assertSame("maximum \(dtype)", [x, row]) { $0[0].maximum($0[1]) }
            try assertSame("clamp \(dtype)", [x]) { $0[0].clamp(min: -1, max: 2) }
            try assertSame("greater \(dtype)", [x, row]) { $0[0] .> $0[1] }
            try assertSame("where \(dtype)", [x, row]) { Tensor.where($0[0] .> 0, $0[0], $0[1]) }
        }
        for dtype in [DType.int64, .int32, .int8, .uint8] {
            let x = Tensor([7, -3, 0, 5, 127, -128, 2, 9] as [Int64], shape: [2, 4]).to(dtype)
            let y = Tensor([2, 0, -1, 3] as [Int64]).to(dtype)
            try assertSame("floor divide \(dtype)", [x, y]) { $0[0].div($0[1], roundingMode: .floor) }
            try assertSame("remainder \(dtype)", [x, y]) { $0[0].remainder($0[1]) }
            try assertSame("multiply \(dtype)", [x, y]) { $0[0] * $0[1] }
            try assertSame("neg \(dtype)", [x]) { -$0[0] }
            try assertSame("abs \(dtype)", [x]) { $0[0].abs() }
            try assertSame("less or equal \(dtype)", [x, y]) { $0[0] .<= $0[1] }
        }
        let bits = Tensor([5, -8, 1 << 40, 3] as [Int64])
        try assertSame("bitwise and", [bits, Tensor([3, 12, -1, 1] as [Int64])]) { $0[0].bitwiseAnd($0[1]) }
        try assertSame("left shift", [bits, Tensor([1, 63, 64, 2] as [Int64])]) { $0[0].bitwiseLeftShift($0[1]) }
    }

    func testCopiesCastsAndFillsCoverEveryDtype() throws {
        let values = Tensor([-2.75, -1, -0.0, 0, 0.5, 1.5, 2.5, 65504, 1e-8, 300, .nan, .infinity], shape: [3, 4])
        for source in DType.allCases {
            let x = values.to(source)
            for destination in DType.allCases where destination != source {
                try assertSame("cast \(source) to \(destination)", [x]) { $0[0].t().to(destination) }
            }
            try assertSame("contiguous \(source)", [x]) { $0[0].t().contiguous() }
            try assertSame("fill \(source)", [x]) { $0[0].clone().fill_(3.5) }
        }
        // A fill of a strided view writes only the view's elements.
        try assertSame("fill a column", [Tensor.zeros([3, 4])]) { inputs in
            let copy = inputs[0].clone()
            copy[.all, 1].fill_(9)
            return copy
        }
    }

    /// Reductions accumulate in double on the GPU, so a float32 reduction is the exact one rounded once (the CPU's
    /// float lanes may differ from it in the last bits): each result must be within one float32 ulp of the float64
    /// reduction (plus 1e-6 for softmax and log-softmax, computed in float32 as on the CPU; and for float64, sums
    /// taken in another order, within 1e-13 of the row's magnitude).
    func testRowReductionsAndTransformsAreKernels() throws {
        let launcher = try requireLauncher()
        Ember.manualSeed(5)
        for dtype in [DType.float32, .float64] {
            let x = (Tensor.randn([37, 300]) * 100).to(dtype)
            x[3, 7] = Tensor(Double.nan).to(dtype)
            x[5] = Tensor.full([300], -Double.infinity).to(dtype)
            x[6, 0..<150] = Tensor.full([150], Double.infinity).to(dtype)
            let small = (Tensor.rand([9, 41]) + 0.5).to(dtype)   // products that stay finite, rows shorter than a block's grid
            small[2, 5] = Tensor(Double.nan).to(dtype)
            let cases: [(String, Tensor, Double, (Tensor) -> Tensor)] = [
                ("sum", x, 0, { $0.sum(dim: 1) }), ("max", x, 0, { $0.amax(dim: 1) }), ("min", x, 0, { $0.amin(dim: 1) }),
                ("whole sum", x, 0, { $0.sum() }), ("empty rows", x, 0, { $0[.all, 0..<0].sum(dim: 1) }),
                ("middle axis sum", x, 0, { $0.reshape([37, 20, 15]).sum(dim: 1) }), ("column sums", x, 0, { $0.sum(dim: 0) }),
                ("prod", small, 0, { $0.prod(dim: 1) }), ("logsumexp", x, 0, { $0.logsumexp(dim: 1) }),
                ("variance", x, 0, { $0.var(dim: 1) }), ("biased variance", small, 0, { $0.var(dim: 1, unbiased: false) })]
                + [0, 1, 2, 3, Double.infinity, -.infinity].map { p in ("\(p)-norm", small, 0, { $0.norm(p: p, dim: 1) }) }
                + [("softmax", x, 1e-6, { $0.softmax(dim: 1) }), ("log softmax", x, 1e-6, { $0.logSoftmax(dim: 1) }),
                   ("softmax of short rows", small, 1e-6, { $0.softmax(dim: 0) }), ("cumsum", x, 0, { $0.cumsum(dim: 1) }),
                   ("cumprod", small, 0, { $0.cumprod(dim: 1) }), ("logcumsumexp", x, 0, { $0.logcumsumexp(dim: 1) })]
            for (name, input, slack, reduce) in cases {
                let got = reduce(input.to(Self.device)).cpu().to(.float64).toArray(as: Double.self)
                let want = reduce(input.to(.float64)).toArray(as: Double.self)
                let magnitude = input.to(.float64).abs().nanToNum(posinf: 0, neginf: 0).max().item()
                XCTAssertEqual(got.count, want.count, name)
                for (index, (g, w)) in zip(got, want).enumerated() where !(g.isNaN && w.isNaN) && g != w {
                    let tolerance = dtype == .float32 ? Double(Float(w).ulp) + slack : 1e-13 * Swift.max(magnitude * 300, 1)
                    XCTAssertLessThanOrEqual(Swift.abs(g - w), tolerance, "\(name) \(dtype) element \(index): \(g) vs \(w)")
                }
            }
            for stem in ["row_sum", "row_max", "row_min", "row_prod", "row_logsumexp", "row_variance", "row_count_nonzero",
                         "row_norm2", "row_norm", "row_max_abs", "row_min_abs", "middle_sum", "softmax", "log_softmax", "cumsum",
                         "cumprod", "logcumsumexp"] {
                XCTAssertTrue(launcher.kernels.contains("\(stem)_\(dtype)"), "\(stem)_\(dtype) was not launched")
            }
        }
    }

    /// Arg max and min give the CPU's values and first indices, NaN counting as the extreme, for every arithmetic dtype.
    func testArgMaxAndMinAreKernels() throws {
        Ember.manualSeed(3)
        let base = Tensor.randint(-5, 6, [23, 70]).to(.float64)
        base[4, 9] = Tensor(Double.nan)
        base[4, 50] = Tensor(Double.nan)
        for dtype in [DType.float32, .float64, .int64, .int32, .int8, .uint8] {
            let x = dtype == .uint8 ? (base + 5).nanToNum(nan: 0).to(dtype) : dtype.isFloatingPoint ? base.to(dtype) : base.nanToNum(nan: 0).to(dtype)
            try assertSame("argmax \(dtype)", [x]) { $0[0].argmax(dim: 1) }
            try assertSame("argmin \(dtype)", [x]) { $0[0].argmin(dim: 0) }
            try assertSame("max values \(dtype)", [x]) { $0[0].max(dim: 1).values }
        }
    }

    /// Gather, scatter (plain and accumulating), index select, advanced indexing and index_put run as kernels for every
    /// dtype, with strided operands; an index outside the dimension is reported back as on the CPU.
    func testIndexingRunsAsKernelsWithTheCPUsValues() throws {
        let launcher = try requireLauncher()
        Ember.manualSeed(9)
        let base = (Tensor.randn([6, 5]) * 10).round()
        let index = Tensor([[0, 2, 1], [5, 4, 0], [3, 1, 4]] as [[Int64]])
        let rows = Tensor([4, 0, 4, 2] as [Int64])
        for dtype in DType.allCases {
            let x = base.to(dtype), source = (base.t() + 1).to(dtype).t()   // source strided
            try assertSame("gather \(dtype)", [x]) { $0[0].t().gather(1, index.to($0[0].device)) }
            try assertSame("index select \(dtype)", [x]) { $0[0].indexSelect(0, rows.to($0[0].device)) }
            try assertSame("advanced index \(dtype)", [x]) { $0[0][rows.to($0[0].device)] }
            try assertSame("advanced index of a column \(dtype)", [x]) { $0[0][.all, Tensor([1, 3] as [Int64]).to($0[0].device)] }
            try assertSame("index put \(dtype)", [x, source]) { inputs in
                let copy = inputs[0].clone()
                copy[Tensor([5, 1] as [Int64]).to(copy.device)] = inputs[1][0..<2]
                return copy
            }
            if dtype != .bool {
                try assertSame("scatter \(dtype)", [x, source]) { $0[0].scatter(0, index.t().contiguous().to($0[0].device), $0[1][.all, 0..<3]) }
            }
            if CUDAKernelSources.atomicTypes.contains(dtype) {
                try assertSame("scatter add \(dtype)", [x, source]) { $0[0].scatterAdd(0, Tensor([[0, 0, 1], [0, 0, 1]] as [[Int64]]).to($0[0].device), $0[1][0..<2, 0..<3]) }
                try assertSame("index put accumulating \(dtype)", [x, source]) { inputs in
                    inputs[0].indexPut([Tensor([1, 1, 3] as [Int64]).to(inputs[0].device)], inputs[1][0..<3], accumulate: true)
                }
            }
        }
        for dtype in [DType.float32, .float64] {
            // Advanced indexing's backward adds the gradient of each repeated row into place.
            try assertSame("advanced index backward \(dtype)", [base.to(dtype)]) { inputs in
                let x = inputs[0].detach().requiresGrad_()
                (x[Tensor([4, 0, 4, 2, 4] as [Int64]).to(x.device)] * Tensor.arange(0, 25).view([5, 5]).to(dtype).to(x.device)).sum().backward()
                return x.grad!
            }
        }
        for stem in ["gather", "scatter", "scatter_add", "take", "put", "put_add"] {
            XCTAssertTrue(launcher.kernels.contains("\(stem)_float32"), "\(stem)_float32 was not launched")
        }
        // The backend reports an index outside the dimension (the op then stops with the CPU's message).
        let backend = try XCTUnwrap(Backends.backend(for: Self.device))
        let x = Tensor.zeros([3, 4]).to(Self.device), out = Tensor.zeros([3, 2]).to(Self.device)
        let bad = Tensor([[0, 1], [7, 2], [1, -1]] as [[Int64]]).to(Self.device)
        let reported = backend.gather(x.operand, index: bad.operand, dim: 1, into: out.operand)
        XCTAssertTrue(reported == 7 || reported == -1, "reported \(String(describing: reported))")   // which one is the GPU's race
        XCTAssertNotNil(backend.scatter(out.operand, index: bad.operand, dim: 1, accumulate: true, into: x.operand))
        XCTAssertNil(backend.gather(x.operand, index: Tensor([[0, 3]] as [[Int64]]).to(Self.device).operand, dim: 1, into: out[0..<1].operand))
    }

    /// Max, average and adaptive average pooling, forward and backward, give the CPU's exact values: padding,
    /// dilation, strides, ceil mode, the divisor rules, bins that overlap and bins wider than the input; NaN and
    /// ties in the max windows, and overlapping windows whose gradients add up.
    func testPoolingRunsAsKernelsWithTheCPUsValues() throws {
        let launcher = try requireLauncher()
        Ember.manualSeed(4)
        for dtype in [DType.float32, .float64] {
            let x = (Tensor.randn([2, 3, 9, 11]) * 4).round().to(dtype)   // rounded: ties in the max windows
            x[0, 1, 2, 3] = Tensor(Double.nan).to(dtype)
            let cases: [(String, (Tensor) -> Tensor)] = [
                ("max pool", { F.maxPool2d($0, 3, stride: 2, padding: 1) }),
                ("max pool dilated, ceil mode", { F.maxPool2d($0, [2, 3], stride: [2, 1], padding: [1, 1], dilation: [2, 2], ceilMode: true) }),
                ("max pool indices", { F.maxPool2dWithIndices($0, 3, stride: 2, padding: 1).indices.to(dtype) }),
                ("avg pool", { F.avgPool2d($0, 3, stride: 2, padding: 1) }),
                ("avg pool without padding in the count, ceil mode", { F.avgPool2d($0, [3, 2], stride: 2, padding: 1, ceilMode: true, countIncludePad: false) }),
                ("avg pool divisor override", { F.avgPool2d($0, 2, divisorOverride: 3) }),
                ("adaptive avg pool down", { F.adaptiveAvgPool2d($0, [4, 5]) }),
                ("adaptive avg pool up", { F.adaptiveAvgPool2d($0, [13, 17]) })]
            for (name, pool) in cases {
                try assertSame("\(name) \(dtype)", [x]) { pool($0[0]) }
                guard !name.hasSuffix("indices") else { continue }
                try assertSame("\(name) backward \(dtype)", [x.nanToNum(nan: 0)]) { inputs in
                    let input = inputs[0].detach().requiresGrad_()
                    let y = pool(input)
                    (y * Tensor.arange(0, Double(y.numel)).view(y.shape).to(dtype).to(input.device)).sum().backward()
                    return input.grad!
                }
            }
        }
        for stem in ["max_pool", "max_pool_backward", "avg_pool", "avg_pool_backward", "adaptive_avg_pool", "adaptive_avg_pool_backward"] {
            XCTAssertTrue(launcher.kernels.contains("\(stem)_float64"), "\(stem)_float64 was not launched")
        }
    }

    /// Matrix products go to cuBLAS (here the fake one, a reference GEMM that refuses a wrong leading dimension) in
    /// every orientation cuBLAS reads without a copy: row- and column-major operands, batches, a broadcast batch,
    /// a linear layer's forward and backward; float32 without TF32 unless `allowTF32`.
    func testMatrixProductsGoThroughCUBLASInEveryOrientation() throws {
        _ = try requireLauncher()
        let library = try XCTUnwrap(dlopen(Self.fakeLibrariesFolder + "/libcublas.so.13", RTLD_NOW | RTLD_NOLOAD))
        typealias Counter = @convention(c) () -> Int32
        let calls = unsafeBitCast(dlsym(library, "fake_cublas_calls"), to: Counter.self)
        let lastCompute = unsafeBitCast(dlsym(library, "fake_cublas_last_compute"), to: Counter.self)
        Ember.manualSeed(2)
        for dtype in [DType.float32, .float64] {
            let a = Tensor.randn([4, 5, 7], dtype: dtype), b = Tensor.randn([4, 7, 3], dtype: dtype)
            let cases: [(String, [Tensor], ([Tensor]) -> Tensor)] = [
                ("matrix product", [a[0], b[0]], { $0[0].matmul($0[1]) }),
                ("transposed left", [a[0].t().contiguous(), b[0]], { $0[0].t().matmul($0[1]) }),
                ("transposed right", [a[0], b[0].t().contiguous()], { $0[0].matmul($0[1].t()) }),
                ("both transposed", [a[0].t().contiguous(), b[0].t().contiguous()], { $0[0].t().matmul($0[1].t()) }),
                ("row times matrix", [a[0][0..<1], b[0]], { $0[0].matmul($0[1]) }),
                ("matrix times column", [a[0], b[0][.all, 0..<1]], { $0[0].matmul($0[1]) }),
                ("batched", [a, b], { $0[0].matmul($0[1]) }),
                ("batched, transposed", [a.transpose(1, 2).contiguous(), b], { $0[0].transpose(1, 2).matmul($0[1].transpose(1, 2).transpose(1, 2)) }),
                ("broadcast batch", [a, b[0]], { $0[0].matmul($0[1]) }),
                ("empty inner dimension", [a[0][.all, 0..<0], b[0][0..<0]], { $0[0].matmul($0[1]) }),
                ("linear layer backward", [a[0], b[0].t().contiguous()], { inputs in
                    let x = inputs[0].detach().requiresGrad_(), w = inputs[1].detach().requiresGrad_()
                    (F.linear(x, w) * F.linear(x, w)).sum().backward()
                    return Tensor.cat([x.grad!.reshape([-1]), w.grad!.reshape([-1])])
                })]
            for (name, inputs, product) in cases {
                let before = calls()
                let want = product(inputs).to(.float64).toArray(as: Double.self)
                let got = product(inputs.map { $0.to(Self.device) }).cpu().to(.float64).toArray(as: Double.self)
                XCTAssertEqual(got.count, want.count, name)
                let tolerance = dtype == .float32 ? 1e-5 : 1e-12
                for (g, w) in zip(got, want) where Swift.abs(g - w) > tolerance * Swift.max(1, Swift.abs(w)) {
                    XCTFail("\(name) \(dtype): \(g) on the CUDA backend, \(w) on the CPU")
                    break
                }
                if name != "empty inner dimension" { XCTAssertGreaterThan(calls(), before, "\(name) did not call cuBLAS") }
            }
            XCTAssertEqual(lastCompute(), dtype == .float32 ? 68 : 70, "CUBLAS_COMPUTE_32F (no TF32) or CUBLAS_COMPUTE_64F")
        }
        Ember.cuda.allowTF32 = true
        defer { Ember.cuda.allowTF32 = false }
        _ = Tensor.ones([2, 2]).to(Self.device).matmul(Tensor.ones([2, 2]).to(Self.device))
        XCTAssertEqual(lastCompute(), 77, "allowTF32 asks for CUBLAS_COMPUTE_32F_FAST_TF32")
    }

    /// Convolutions (forward and transposed, groups, strides, padding, dilation, 1-d) run as im2col, batched cuBLAS
    /// products per group and col2im: values and the input, weight and bias gradients within float rounding of the CPU's.
    func testConvolutionsRunAsIm2colAndCUBLASProducts() throws {
        let launcher = try requireLauncher()
        for dtype in [DType.float32, .float64] {
            assertConvolutionsMatchTheCPU(on: Self.device, dtype)
            XCTAssertTrue(launcher.kernels.isSuperset(of: ["im2col_\(dtype)", "col2im_\(dtype)"]))
        }
    }

    /// With cuDNN, every pass of every convolution goes to it: forward, backward data (also a transposed
    /// convolution's forward), backward filter; float32 with FMA math unless TF32 is allowed.
    func testConvolutionsRunThroughCUDNNWhenItIsPresent() throws {
        _ = try requireLauncher()
        let library = dlopen("\(Self.fakeLibrariesFolder)/libcudnn.so.9", RTLD_NOW | RTLD_NOLOAD)
        typealias Calls = @convention(c) (Int32) -> Int32
        typealias Last = @convention(c) () -> Int32
        let calls = unsafeBitCast(dlsym(library, "fake_cudnn_calls"), to: Calls.self)
        let lastMath = unsafeBitCast(dlsym(library, "fake_cudnn_last_math"), to: Last.self)
        for dtype in [DType.float32, .float64] {
            let before: [Int32] = [calls(0), calls(1), calls(2)]
            assertConvolutionsMatchTheCPU(on: Self.cudnnDevice, dtype)
            // Five convolutions, two of them transposed; each backward computes both gradients: five of each pass.
            let made: [Int32] = [calls(0) - before[0], calls(1) - before[1], calls(2) - before[2]]
            XCTAssertEqual(made, [5, 5, 5], "cuDNN calls per pass (forward, backward data, backward filter), \(dtype)")
            XCTAssertEqual(lastMath(), dtype == .float32 ? CUDNN_FMA_MATH : CUDNN_DEFAULT_MATH)
        }
        let lastAlgorithm = unsafeBitCast(dlsym(library, "fake_cudnn_last_algo"), to: Last.self)
        XCTAssertEqual(lastAlgorithm(), 1, "the first algorithm the heuristics rank that cuDNN can run")
        let (x, w) = (Tensor.ones([1, 1, 3, 3], device: Self.cudnnDevice), Tensor.ones([1, 1, 2, 2], device: Self.cudnnDevice))
        Ember.cuda.cudnnDeterministic = true
        _ = F.conv2d(x, w)
        XCTAssertEqual(lastAlgorithm(), 2, "only a deterministic one")
        Ember.cuda.cudnnDeterministic = false
        Ember.cuda.allowTF32 = true
        _ = F.conv2d(x, w)
        Ember.cuda.allowTF32 = false
        XCTAssertEqual(lastMath(), CUDNN_DEFAULT_MATH, "TF32 allowed")
        Ember.cuda.cudnnEnabled = false
        let forwardCalls = calls(0)
        XCTAssertEqual(F.conv2d(x, w).cpu().toArray(as: Float.self), [4, 4, 4, 4])
        Ember.cuda.cudnnEnabled = true
        XCTAssertEqual(calls(0), forwardCalls, "cuDNN turned off")
    }

    /// Output, input, weight and bias gradients of convolutions (grouped, strided, dilated, 1-d, transposed) on
    /// `device` against the CPU's.
    private func assertConvolutionsMatchTheCPU(on device: Device, _ dtype: DType, file: StaticString = #filePath, line: UInt = #line) {
        Ember.manualSeed(8)
        let cases: [(String, Tensor, Tensor, (Tensor, Tensor, Tensor) -> Tensor)] = [
            ("conv2d", Tensor.randn([2, 4, 9, 8]), Tensor.randn([6, 2, 3, 3]), { F.conv2d($0, $1, $2, stride: 2, padding: 1, groups: 2) }),
            ("conv2d dilated", Tensor.randn([3, 3, 10, 7]), Tensor.randn([5, 3, 2, 3]), { F.conv2d($0, $1, $2, stride: [1, 2], padding: 2, dilation: [2, 1]) }),
            ("conv1d", Tensor.randn([2, 3, 17]), Tensor.randn([4, 3, 5]), { F.conv1d($0, $1, $2, stride: 3, padding: 2) }),
            ("transposed conv2d", Tensor.randn([2, 4, 5, 6]), Tensor.randn([4, 3, 3, 2]),
             { F.convTranspose2d($0, $1, $2, stride: 2, padding: 1, outputPadding: 1, groups: 2) }),
            ("transposed conv2d dilated", Tensor.randn([1, 2, 4, 4]), Tensor.randn([2, 5, 2, 3]),
             { F.convTranspose2d($0, $1, $2, stride: [2, 1], padding: [0, 1], dilation: [1, 2]) })]
        for (name, x, w, conv) in cases {
            let outChannels = name.hasPrefix("transposed") ? w.shape[1] * (name == "transposed conv2d" ? 2 : 1) : w.shape[0]
            let bias = Tensor.randn([outChannels])
            let runs = [Device.cpu, device].map { device -> [[Double]] in
                let (xi, wi, bi) = (x.to(dtype).to(device).detach().requiresGrad_(), w.to(dtype).to(device).detach().requiresGrad_(),
                                    bias.to(dtype).to(device).detach().requiresGrad_())
                let y = conv(xi, wi, bi)
                (y * y).sum().backward()
                return [y, xi.grad!, wi.grad!, bi.grad!].map { $0.cpu().to(.float64).toArray(as: Double.self) }
            }
            for (part, (got, want)) in zip(["output", "input gradient", "weight gradient", "bias gradient"], zip(runs[1], runs[0])) {
                XCTAssertEqual(got.count, want.count, "\(name) \(part)", file: file, line: line)
                let scale = want.map(Swift.abs).max() ?? 1, tolerance = dtype == .float32 ? 1e-5 : 1e-12
                for (index, (g, w)) in zip(got, want).enumerated() where Swift.abs(g - w) > tolerance * Swift.max(1, scale) {
                    XCTFail("\(name) \(dtype) \(part) element \(index): \(g) on \(device), \(w) on the CPU", file: file, line: line)
                    break
                }
            }
        }
    }

    /// Sorting (and what is built on it: topk, argsort, median) runs as a kernel with the CPU's values and stable
    /// indices for every arithmetic dtype: ties, NaN last ascending and first descending, rows of one element.
    func testSortingIsAKernelWithTheCPUsOrder() throws {
        let launcher = try requireLauncher()
        Ember.manualSeed(6)
        let base = Tensor.randint(-4, 5, [7, 33]).to(.float64)
        base[2, 3] = Tensor(Double.nan)
        base[2, 30] = Tensor(Double.nan)
        for dtype in [DType.float32, .float64, .int64, .int32, .int8, .uint8] {
            let x = dtype.isFloatingPoint ? base.to(dtype) : (base.nanToNum(nan: 0) + 4).to(dtype)
            for descending in [false, true] {
                try assertSame("sort values \(dtype) \(descending)", [x]) { $0[0].sort(dim: 1, descending: descending).values }
                try assertSame("sort indices \(dtype) \(descending)", [x]) { $0[0].sort(dim: 1, descending: descending).indices }
                try assertSame("sort along dim 0 \(dtype) \(descending)", [x]) { $0[0].sort(dim: 0, descending: descending).indices }
            }
            try assertSame("topk \(dtype)", [x]) { $0[0].topk(5, dim: 1).indices }
            try assertSame("single elements \(dtype)", [x]) { $0[0][.all, 0..<1].sort(dim: 1).values }
        }
        XCTAssertTrue(launcher.kernels.contains("sort_float32"))
    }

    /// Scaled dot-product attention (strided heads, boolean, additive and causal masks, keys longer than queries) runs
    /// as cuBLAS products and kernels: outputs and the query, key and value gradients within float rounding of the CPU's.
    func testAttentionRunsAsCUBLASProductsAndKernels() throws {
        let launcher = try requireLauncher()
        Ember.manualSeed(12)
        for dtype in [DType.float32, .float64] {
            let q = Tensor.randn([2, 5, 3, 4]).transpose(1, 2), k = Tensor.randn([2, 3, 7, 4]), v = Tensor.randn([2, 3, 7, 6])
            let keep = Tensor.rand([5, 7]) .> 0.3, bias = Tensor.randn([2, 1, 5, 7])
            keep[.all, 0] = Tensor.ones([5], dtype: .bool)   // every query keeps a key
            let cases: [(String, (Tensor, Tensor, Tensor, Device) -> Tensor)] = [
                ("plain", { q, k, v, _ in F.scaledDotProductAttention(q, k, v) }),
                ("boolean mask", { q, k, v, device in F.scaledDotProductAttention(q, k, v, attnMask: keep.to(device)) }),
                ("additive mask", { q, k, v, device in F.scaledDotProductAttention(q, k, v, attnMask: bias.to(dtype).to(device), scale: 0.3) }),
                ("causal", { q, k, v, _ in F.scaledDotProductAttention(q, k, v, isCausal: true) })]
            for (name, attend) in cases {
                let runs = [Device.cpu, Self.device].map { device -> [[Double]] in
                    let inputs = [q, k, v].map { $0.to(dtype).to(device).detach().requiresGrad_() }
                    let y = attend(inputs[0], inputs[1], inputs[2], device)
                    (y * y).sum().backward()
                    return ([y] + inputs.map { $0.grad! }).map { $0.cpu().to(.float64).toArray(as: Double.self) }
                }
                for (part, (got, want)) in zip(["output", "query gradient", "key gradient", "value gradient"], zip(runs[1], runs[0])) {
                    XCTAssertEqual(got.count, want.count, "\(name) \(part)")
                    let tolerance = dtype == .float32 ? 1e-5 : 1e-12
                    for (index, (g, w)) in zip(got, want).enumerated() where Swift.abs(g - w) > tolerance * Swift.max(1, Swift.abs(w)) {
                        XCTFail("\(name) \(dtype) \(part) element \(index): \(g) on the CUDA backend, \(w) on the CPU")
                        break
                    }
                }
            }
            XCTAssertTrue(launcher.kernels.contains("softmax_\(dtype)"))
        }
    }

    func testTheAdamStepIsOneKernelWithTheCPUsValues() throws {
        let launcher = try requireLauncher()
        for dtype in [DType.float32, .float64] {
            for amsgrad in [false, true] {
                func train(on device: Device) -> [Double] {
                    Ember.manualSeed(11)
                    let weights = Tensor.randn([5, 7], dtype: dtype).to(device).requiresGrad_()
                    let optimizer = Adam([weights], lr: 0.01, weightDecay: 0.1, amsgrad: amsgrad)
                    for _ in 0..<3 {
                        optimizer.zeroGrad()
                        (weights * weights * weights).sum().backward()
                        optimizer.step()
                    }
                    return weights.detach().cpu().to(.float64).toArray(as: Double.self)
                }
                XCTAssertEqual(train(on: Self.device), train(on: .cpu), "\(dtype), amsgrad \(amsgrad)")
                XCTAssertTrue(launcher.kernels.contains("adam_\(dtype)"))
            }
        }
    }

    /// The MNIST CNN trains on the backend (kernels, cuBLAS products and convolutions) as on the CPU.
    func testTheMNISTCNNTrainsAsOnTheCPU() throws {
        _ = try requireLauncher()
        let host = trainMNISTCNN(on: .cpu), moved = trainMNISTCNN(on: Self.device)
        assertSameTraining(moved, host)
    }

    /// The recurrent layers run on the backend — cuBLAS products and the cell kernels, forward and backward — with
    /// the CPU's values and gradients to rounding (the products add in another order): every cell, both directions,
    /// stacked layers, with and without biases, given initial states, float32 and float64.
    func testRecurrentLayersRunOnKernelsWithTheCPUsValues() throws {
        let launcher = try requireLauncher()
        for dtype in [DType.float32, .float64] {
            let launchesBefore = launcher.launches
            let runs = [Device.cpu, Self.device].map { device -> [[Double]] in
                Ember.manualSeed(5)
                let lstm = LSTM(3, 4, numLayers: 2, bidirectional: true).to(dtype).to(device)
                let gru = GRU(3, 5, bias: false).to(dtype).to(device), gruBiased = GRU(3, 2, batchFirst: true).to(dtype).to(device)
                let rnn = RNN(3, 4, numLayers: 2, nonlinearity: "relu", bidirectional: true).to(dtype).to(device)
                let tanhRNN = RNN(3, 3, bias: false).to(dtype).to(device)
                let x = Tensor.randn(6, 2, 3).to(dtype).to(device).requiresGrad_()
                let h0 = Tensor.randn(4, 2, 4).to(dtype).to(device).requiresGrad_(), c0 = Tensor.randn(4, 2, 4).to(dtype).to(device).requiresGrad_()
                let (output, state) = lstm(x, (h0, c0))
                let gruOut = gru(x).output, biasedOut = gruBiased(x.transpose(0, 1)).hidden
                let (rnnOut, rnnHidden) = rnn(x), tanhOut = tanhRNN(x).output
                let loss = (output * output).sum() + state.c.sum() + state.h.sum() + (gruOut * gruOut).sum() + biasedOut.sum()
                    + (rnnOut * rnnOut).sum() + rnnHidden.sum() + tanhOut.sum()
                loss.backward()
                XCTAssertEqual(output.device, device)
                let modules: [Module] = [lstm, gru, gruBiased, rnn, tanhRNN]
                let results = [output, state.h, state.c, gruOut, biasedOut, rnnOut, tanhOut, x.grad!, h0.grad!, c0.grad!]
                    + modules.flatMap { $0.parameters().map { $0.grad! } }
                return results.map { $0.cpu().to(.float64).toArray(as: Double.self) }
            }
            let tolerance = dtype == .float32 ? 1e-5 : 1e-12
            XCTAssertEqual(runs[1].count, runs[0].count)
            for (index, (got, want)) in zip(runs[1], runs[0]).enumerated() {
                let scale = want.map(Swift.abs).max() ?? 0
                let error = zip(got, want).map { Swift.abs($0 - $1) }.max() ?? 0
                XCTAssertLessThanOrEqual(error, tolerance * Swift.max(scale, 1), "\(dtype): result \(index)")
            }
            for kernel in ["recurrent_forward_\(dtype)", "recurrent_backward_\(dtype)"] {
                XCTAssertTrue(launcher.kernels.contains(kernel), "\(kernel) did not run")
            }
            XCTAssertGreaterThan(launcher.launches, launchesBefore)
        }
    }

    /// Fourier transforms go to cuFFT (here the fake one, direct DFTs in double), with the CPU's values to rounding:
    /// complex and real transforms forward and inverse, scaled, of float32 and float64, along an inner dimension, and
    /// the short-time transform's overlapping windowed frames; and their gradients.
    func testFourierTransformsRunOnCUFFTWithTheCPUsValues() throws {
        _ = try requireLauncher()
        let library = try XCTUnwrap(dlopen(Self.fakeLibrariesFolder + "/libcufft.so.12", RTLD_NOW | RTLD_NOLOAD))
        typealias Counter = @convention(c) () -> Int32
        let calls = unsafeBitCast(dlsym(library, "fake_cufft_calls"), to: Counter.self)
        for dtype in [DType.float32, .float64] {
            let callsBefore = calls()
            let runs = [Device.cpu, Self.device].map { device -> [[Double]] in
                Ember.manualSeed(3)
                let x = Tensor.randn(3, 12, dtype: dtype).to(device).requiresGrad_()
                let signal = Tensor.randn(2, 50, dtype: dtype).to(device).requiresGrad_()
                let window = Tensor.hannWindow(16, dtype: dtype).to(device)
                let spectrum = FFT.fft(x, norm: .ortho), inverse = FFT.ifft(spectrum), half = FFT.rfft(x, n: 10, dim: 0)
                let frames = signal.stft(nFFT: 16, hopLength: 5, window: window, returnComplex: false)
                // Without autograd the windowed frames go to the transform straight from the signal.
                let plainFrames = noGrad { signal.detach().stft(nFFT: 16, hopLength: 5, window: window, returnComplex: false) }
                let real = FFT.irfft(FFT.rfft(x))
                let loss = spectrum.abs().sum() + (half.abs() * half.abs()).sum() + frames.sum() + (real * x).sum()
                loss.backward()
                XCTAssertEqual(frames.device, device)
                return [spectrum.viewAsReal(), inverse.viewAsReal(), half.viewAsReal(), frames, plainFrames, real, x.grad!,
                        signal.grad!].map { $0.cpu().to(.float64).toArray(as: Double.self) }
            }
            XCTAssertGreaterThan(calls(), callsBefore, "cuFFT ran no transform")
            let tolerance = dtype == .float32 ? 2e-5 : 1e-11
            for (index, (got, want)) in zip(runs[1], runs[0]).enumerated() {
                let scale = Swift.max(want.map(Swift.abs).max() ?? 0, 1)
                XCTAssertLessThanOrEqual(zip(got, want).map { Swift.abs($0 - $1) }.max() ?? 0, tolerance * scale, "\(dtype): result \(index)")
            }
        }
    }

    /// The whole GPU path but the GPU: the runtime finds a fake driver and NVRTC, makes the backend of a GPU, compiles
    /// each module with NVRTC for sm_90 (through the kernel cache), loads it, looks its kernels up by name and launches
    /// them with the packed arguments; the fake driver, with the modules compiled for the host linked in, runs each
    /// kernel's host copy. The MNIST CNN trains there as on the CPU.
    func testTheDriverPathTrainsTheMNISTCNNOnAFakeGPU() throws {
        _ = try requireLauncher()
        let folder = try XCTUnwrap(Self.fakeGPUFolder, "the fake GPU could not be built")
        let runtime = CUDARuntime(searching: [folder] + CUDALibrarySearch.folders(), kernelCacheFolder: nil)
        XCTAssertTrue(runtime.isAvailable, runtime.unavailableReason ?? "")
        let gpu = Device.cuda(3)
        _ = try runtime.backend(0, serving: gpu)
        let host = trainMNISTCNN(on: .cpu), fakeGPU = trainMNISTCNN(on: gpu)
        assertSameTraining(fakeGPU, host)
        XCTAssertGreaterThan(runtime.kernelCache.compilations, 0, "NVRTC compiled the modules")

        // Grid-stride launches: blocks of 256 threads, one thread per element up to 32 blocks per multiprocessor.
        XCTAssertEqual((Tensor.ones([1000]).to(gpu) * 2).cpu().sum().item(), 2000)
        let handle = dlopen("\(folder)/libcuda.so.1", RTLD_NOW | RTLD_NOLOAD)
        typealias LastLaunch = @convention(c) (UnsafeMutablePointer<UInt32>, UnsafeMutablePointer<UInt32>) -> Void
        var grid: UInt32 = 0, block: UInt32 = 0
        unsafeBitCast(dlsym(handle, "fake_last_launch"), to: LastLaunch.self)(&grid, &block)
        XCTAssertEqual([grid, block], [4, 256])
        XCTAssertEqual(CUDADriverLauncher.blocks(for: .elements(1 << 30), multiprocessors: 132), 132 * 32)
        XCTAssertEqual(CUDADriverLauncher.blocks(for: .rows(10), multiprocessors: 132), 10)
    }

    /// The runs agree to float32 rounding: every op gives the CPU's exact values except sums over long rows, which
    /// the GPU accumulates in double and the CPU in float lanes (the convolution bias gradients: about 1e-6 apart).
    private func assertSameTraining(_ run: (losses: [Float], parameters: [[Float]]), _ host: (losses: [Float], parameters: [[Float]]),
                                    file: StaticString = #filePath, line: UInt = #line) {
        func close(_ a: [Float], _ b: [Float]) -> Bool {
            a.count == b.count && zip(a, b).allSatisfy { Swift.abs($0 - $1) <= 1e-6 * (1 + Swift.abs($1)) }
        }
        XCTAssertTrue(close(run.losses, host.losses), "losses \(run.losses) and \(host.losses)", file: file, line: line)
        for (index, (a, b)) in zip(run.parameters, host.parameters).enumerated() {
            XCTAssertTrue(close(a, b), "parameter \(index) differs from the CPU's", file: file, line: line)
        }
        XCTAssertEqual(run.parameters.count, host.parameters.count, file: file, line: line)
    }

    /// Two Adam steps of the MNIST CNN on `device` from the same seed and batches: the losses and the final weights.
    private func trainMNISTCNN(on device: Device) -> (losses: [Float], parameters: [[Float]]) {
        Ember.manualSeed(7)
        let model = MNISTNet().to(device)
        let optimizer = Adam(model.parameters(), lr: 1e-3)
        var losses: [Float] = []
        for _ in 0..<2 {
            let (x, y) = (Tensor.randn([4, 1, 28, 28]), Tensor.randint(0, 10, [4]))
            optimizer.zeroGrad()
            let loss = F.crossEntropy(model(x.to(device)), y.to(device))
            loss.backward()
            optimizer.step()
            losses.append(Float(loss.item()))
        }
        XCTAssertTrue(model.parameters().allSatisfy { $0.device == device && $0.grad?.device == device })
        return (losses, model.parameters().map { $0.toArray(as: Float.self) })
    }
}

/// Runs generated kernels compiled for the host: each module once per test run, by the system's C++ compiler, into a
/// shared library with a thunk per kernel that runs it over the shim's grid with the values the driver's argument
/// array points at.
final class HostKernelLauncher: CUDAKernelLauncher, @unchecked Sendable {   // state guarded by lock
    let includeFolder: String
    private let lock = NSLock()
    private var libraries: [String: UnsafeMutableRawPointer] = [:]
    private var launchCount = 0
    private var launchedKernels = Set<String>()

    init(includeFolder: String) { self.includeFolder = includeFolder }

    /// Kernels launched so far.
    var launches: Int {
        lock.lock(); defer { lock.unlock() }
        return launchCount
    }

    /// The names of the kernels launched so far.
    var kernels: Set<String> {
        lock.lock(); defer { lock.unlock() }
        return launchedKernels
    }

    /// What the host compiler needs to read a module: no execution-space keywords, and a grid of three blocks of
    /// eight threads, each block's threads real threads that meet at `__syncthreads()` and share its `__shared__`
    /// arrays (the blocks run one after another), so the block-cooperative reductions are checked as a GPU runs them.
    /// `ember_launch(kernel, arguments…)` runs a kernel over that grid; `ember_call` does so from an array of
    /// pointers to its arguments, as the driver reads them.
    static let shim = """
        #include <cmath>
        #include <cstdio>
        #include <barrier>
        #include <thread>
        #include <vector>
        #include <utility>
        #include <type_traits>
        using namespace std;
        #define __global__
        #define __device__
        #define __forceinline__ inline
        #define __shared__ static
        struct EmberHostDim { unsigned x; };
        namespace {
        thread_local EmberHostDim blockIdx = {0}, threadIdx = {0};
        const EmberHostDim blockDim = {8}, gridDim = {3};
        barrier<>* ember_block_barrier;
        }
        #define __syncthreads() ember_block_barrier->arrive_and_wait()
        namespace {   // each module's own copy, also when several are linked into one library
        template <typename T> inline T atomicAdd(T* address, T value) {
            T old = *address, updated;
            do { updated = old + value; } while (!__atomic_compare_exchange(address, &old, &updated, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
            return old;
        }
        template <typename T> inline T atomicCAS(T* address, T compare, T value) {
            __atomic_compare_exchange(address, &compare, &value, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
            return compare;
        }
        template <typename... A, typename... V> void ember_launch(void (*f)(A...), V... values) {
            for (unsigned b = 0; b < gridDim.x; ++b) {
                barrier<> block(blockDim.x);
                ember_block_barrier = &block;
                vector<thread> threads;
                for (unsigned t = 0; t < blockDim.x; ++t) {
                    threads.emplace_back([=] { blockIdx.x = b; threadIdx.x = t; f(values...); });
                }
                for (auto& thread : threads) thread.join();
            }
        }
        template <typename... A, size_t... I> void ember_call(void (*f)(A...), void** p, index_sequence<I...>) {
            ember_launch(f, *static_cast<remove_reference_t<A>*>(p[I])...);
        }
        template <typename... A> void ember_call(void (*f)(A...), void** p) { ember_call(f, p, index_sequence_for<A...>{}); }
        }

        """

    func launch(_ kernel: String, of module: CUDAKernelModule, work: CUDAKernelWork, arguments: UnsafeMutablePointer<UnsafeMutableRawPointer?>) {
        let library = load(module)
        guard let thunk = dlsym(library, kernel + "_host") else { fatalError("\(module.name) has no kernel \(kernel)") }
        typealias Thunk = @convention(c) (UnsafeMutablePointer<UnsafeMutableRawPointer?>) -> Void
        unsafeBitCast(thunk, to: Thunk.self)(arguments)
        lock.lock()
        launchCount += 1
        launchedKernels.insert(kernel)
        lock.unlock()
    }

    /// `module` as C++ for the host, with a `<kernel>_host(void **arguments)` thunk per kernel. The module's code sits in
    /// a namespace of its own (its #includes before it), so that modules linked into one library (the fake driver's)
    /// keep their own instances of the helpers they share by name.
    static func hostSource(_ module: CUDAKernelModule) -> String {
        let lines = module.source.split(separator: "\n", omittingEmptySubsequences: false)
        let includes = lines.filter { $0.hasPrefix("#include") }, code = lines.filter { !$0.hasPrefix("#include") }
        return shim + includes.joined(separator: "\n") + "\nnamespace ember_\(module.name) {\n" + code.joined(separator: "\n") + "\n"
            + module.kernels.map { "extern \"C\" void \($0)_host(void** p) { ember_call(\($0), p); }" }.joined(separator: "\n") + "\n}\n"
    }

    /// Where the compiled modules are kept.
    private static let folder = processFolder("ember-host-kernels")

    /// The compiler and its flags for host kernels.
    static func compileCommand(_ includeFolder: String) -> [String] {
        ["c++", "-std=c++20", "-O1", "-fPIC", "-w", "-pthread", "-I", includeFolder]
    }

    private func load(_ module: CUDAKernelModule) -> UnsafeMutableRawPointer {
        lock.lock(); defer { lock.unlock() }
        if let library = libraries[module.name] { return library }
        let folder = HostKernelLauncher.folder
        let source = "\(folder)/\(module.name).cpp", library = "\(folder)/\(module.name).so"
        try! HostKernelLauncher.hostSource(module).write(toFile: source, atomically: true, encoding: .utf8)
        let compile = try! runProcess("/usr/bin/env", HostKernelLauncher.compileCommand(includeFolder) + ["-shared", "-o", library, source])
        guard compile.status == 0, let handle = dlopen(library, RTLD_NOW | RTLD_LOCAL) else {
            fatalError("could not compile \(module.name) for the host:\n\(compile.output)")
        }
        libraries[module.name] = handle
        return handle
    }
}
