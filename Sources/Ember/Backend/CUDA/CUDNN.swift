// cuDNN, NVIDIA's deep-learning primitives: Ember's convolutions on a GPU when the library is present, loaded at run
// time like cuBLAS.
import CCUDA
import Foundation

/// The cuDNN library (`libcudnn.so.9`, from the `nvidia-cudnn-cu13` wheel PyTorch installs, or the system), opened
/// once per process; version 9 or later.
final class CUDNN: @unchecked Sendable {   // immutable after init: entry points
    let library: SharedLibrary
    /// `cudnnGetVersion`'s number: major·10000 + minor·100 + patch (92600 is 9.26.0).
    let version: Int
    let getErrorString: PFN_cudnnGetErrorString
    let create: PFN_cudnnCreate
    let setStream: PFN_cudnnSetStream
    let createTensor: PFN_cudnnCreateTensorDescriptor
    let setTensor: PFN_cudnnSetTensorNdDescriptor
    let destroyTensor: PFN_cudnnDestroyTensorDescriptor
    let createFilter: PFN_cudnnCreateFilterDescriptor
    let setFilter: PFN_cudnnSetFilterNdDescriptor
    let destroyFilter: PFN_cudnnDestroyFilterDescriptor
    let createConvolution: PFN_cudnnCreateConvolutionDescriptor
    let setConvolution: PFN_cudnnSetConvolutionNdDescriptor
    let setGroupCount: PFN_cudnnSetConvolutionGroupCount
    let setMathType: PFN_cudnnSetConvolutionMathType
    let destroyConvolution: PFN_cudnnDestroyConvolutionDescriptor
    let forwardAlgorithms: PFN_cudnnGetConvolutionAlgorithm
    let backwardDataAlgorithms: PFN_cudnnGetConvolutionAlgorithm
    let backwardFilterAlgorithms: PFN_cudnnGetConvolutionAlgorithm
    let forward: PFN_cudnnConvolutionForward
    let backwardData: PFN_cudnnConvolutionBackwardData
    let backwardFilter: PFN_cudnnConvolutionBackwardFilter

    /// Opens cuDNN from `folders` (then the system's search) and resolves the entry points Ember calls; a cuDNN older
    /// than 9 is refused.
    init(searching folders: [String]) throws(CUDAError) {
        let library = try SharedLibrary.openCUDA(["libcudnn.so.9", "libcudnn.so"], in: folders)
        self.library = library
        let getVersion: PFN_cudnnGetVersion = try library.entryPoint("cudnnGetVersion")
        version = Int(getVersion())
        guard version >= 90000 else {
            throw .cudnn(call: "cudnnGetVersion", status: 0, message: "cuDNN version \(version) is older than the 9.0 Ember needs")
        }
        getErrorString = try library.entryPoint("cudnnGetErrorString")
        create = try library.entryPoint("cudnnCreate")
        setStream = try library.entryPoint("cudnnSetStream")
        createTensor = try library.entryPoint("cudnnCreateTensorDescriptor")
        setTensor = try library.entryPoint("cudnnSetTensorNdDescriptor")
        destroyTensor = try library.entryPoint("cudnnDestroyTensorDescriptor")
        createFilter = try library.entryPoint("cudnnCreateFilterDescriptor")
        setFilter = try library.entryPoint("cudnnSetFilterNdDescriptor")
        destroyFilter = try library.entryPoint("cudnnDestroyFilterDescriptor")
        createConvolution = try library.entryPoint("cudnnCreateConvolutionDescriptor")
        setConvolution = try library.entryPoint("cudnnSetConvolutionNdDescriptor")
        setGroupCount = try library.entryPoint("cudnnSetConvolutionGroupCount")
        setMathType = try library.entryPoint("cudnnSetConvolutionMathType")
        destroyConvolution = try library.entryPoint("cudnnDestroyConvolutionDescriptor")
        forwardAlgorithms = try library.entryPoint("cudnnGetConvolutionForwardAlgorithm_v7")
        backwardDataAlgorithms = try library.entryPoint("cudnnGetConvolutionBackwardDataAlgorithm_v7")
        backwardFilterAlgorithms = try library.entryPoint("cudnnGetConvolutionBackwardFilterAlgorithm_v7")
        forward = try library.entryPoint("cudnnConvolutionForward")
        backwardData = try library.entryPoint("cudnnConvolutionBackwardData")
        backwardFilter = try library.entryPoint("cudnnConvolutionBackwardFilter")
    }

    /// A handle for the current context whose work goes to `stream` (nil: the default stream).
    func makeHandle(stream: CUstream?) throws(CUDAError) -> cudnnHandle_t {
        var handle: cudnnHandle_t?
        try check(create(&handle), "cudnnCreate")
        try check(setStream(handle, stream), "cudnnSetStream")
        return handle!
    }

    /// Throws cuDNN's own description of `status` unless it is success.
    func check(_ status: cudnnStatus_t, _ call: String) throws(CUDAError) {
        guard status != CUDNN_STATUS_SUCCESS else { return }
        throw .cudnn(call: call, status: status, message: getErrorString(status).map { String(cString: $0) } ?? "unknown status")
    }
}

/// One 2-d convolution as cuDNN sees it, always in the forward direction: `x` [N, C, H, W] convolved (cross-
/// correlated) with `w` [K, C/groups, kH, kW] gives `y` [N, K, oH, oW]. A transposed convolution is the same
/// convolution run backwards (its output is `x`, its input `y`).
struct CUDNNConvolution: Hashable {
    let x: [Int32], w: [Int32], y: [Int32]
    let padding: [Int32], stride: [Int32], dilation: [Int32]
    let groups: Int32
    let dtype: DType

    /// The convolution of `plan`, or nil when its sizes exceed cuDNN's 32-bit dimensions.
    init?(_ plan: ConvolutionPlan, dtype: DType) {
        let input = [plan.batch, plan.inChannels, plan.height, plan.width], output = [plan.batch, plan.outChannels, plan.outH, plan.outW]
        let (x, y) = plan.transposed ? (output, input) : (input, output)
        let w = [y[1], x[1] / plan.groups, plan.kernelH, plan.kernelW]
        guard [x, y, w].allSatisfy({ $0.reduce(1, *) <= Int(Int32.max) }) else { return nil }
        (self.x, self.w, self.y) = (x.map(Int32.init), w.map(Int32.init), y.map(Int32.init))
        padding = [plan.padding.first, plan.padding.second].map(Int32.init)
        stride = [plan.stride.first, plan.stride.second].map(Int32.init)
        dilation = [plan.dilation.first, plan.dilation.second].map(Int32.init)
        (groups, self.dtype) = (Int32(plan.groups), dtype)
    }
}

/// cuDNN on one GPU: a handle per stream, made in the GPU's context on the stream's first convolution; the algorithm
/// of each convolution and direction chosen once from cuDNN's heuristics (the first it can run, as PyTorch does
/// without `benchmark`), its workspace taken from the caching allocator for each call. Float32 convolutions use plain
/// FMA math unless `Ember.cuda.allowTF32`, so they agree with the CPU. Used under a lock.
final class CUDNNSession: @unchecked Sendable {   // handles and algorithms guarded by lock
    /// The three passes of a convolution: y from x (`forward`), dx from dy (`backwardData`), dw from x and dy
    /// (`backwardFilter`).
    enum Pass: Hashable { case forward, backwardData, backwardFilter }

    private struct AlgorithmKey: Hashable {
        let convolution: CUDNNConvolution, pass: Pass, allowTF32: Bool, deterministic: Bool
    }

    private let library: CUDNN
    private let context: CUDAContext?
    private var handles: StreamHandles<cudnnHandle_t>
    private var algorithms: [AlgorithmKey: [cudnnAlgorithmPerformance]] = [:]
    private let lock = NSLock()

    /// A session on GPU `ordinal` in `context` (nil: whatever context is current, as on the tests' host devices).
    init(_ library: CUDNN, context: CUDAContext?, ordinal: Int) throws(CUDAError) {
        context?.makeCurrent()
        (self.library, self.context) = (library, context)
        handles = try StreamHandles(ordinal: ordinal, make: library.makeHandle)
    }

    /// Whether cuDNN runs convolutions of `dtype`.
    static func runs(_ dtype: DType) -> Bool { dtype == .float32 || dtype == .float64 }

    /// Runs `pass` of `convolution` over the contiguous `x`, `w` and `y` of `backend`, overwriting the one the pass
    /// computes; false when cuDNN offers no algorithm it can run with the memory there is (the caller then computes it
    /// otherwise). A cuDNN failure stops, naming the call and its status.
    func run(_ pass: Pass, _ convolution: CUDNNConvolution, x: KernelOperand, w: KernelOperand, y: KernelOperand,
             on backend: CUDABackend) -> Bool {
        lock.lock(); defer { lock.unlock() }
        context?.makeCurrent()
        do throws(CUDAError) {
            let handle = try handles.current(), cuda = CUDARuntime.shared
            let key = AlgorithmKey(convolution: convolution, pass: pass, allowTF32: cuda.allowTF32, deterministic: cuda.cudnnDeterministic)
            let descriptors = try Descriptors(convolution, allowTF32: key.allowTF32, library)
            defer { descriptors.destroy(library) }
            for choice in try algorithms(key, descriptors, handle) {
                guard let workspace = Storage(tryingByteCount: choice.memory, zeroed: false, backend: backend) else { continue }
                let space = workspace.pointer, bytes = choice.memory
                let status = withExtendedLifetime(workspace) { withScalars(convolution.dtype) { one, zero in
                    switch pass {
                    case .forward:
                        library.forward(handle, one, descriptors.x, x.address, descriptors.w, w.address, descriptors.convolution,
                                        choice.algo, space, bytes, zero, descriptors.y, y.address)
                    case .backwardData:
                        library.backwardData(handle, one, descriptors.w, w.address, descriptors.y, y.address, descriptors.convolution,
                                             choice.algo, space, bytes, zero, descriptors.x, x.address)
                    case .backwardFilter:
                        library.backwardFilter(handle, one, descriptors.x, x.address, descriptors.y, y.address, descriptors.convolution,
                                               choice.algo, space, bytes, zero, descriptors.w, w.address)
                    }
                } }
                try library.check(status, CUDNNSession.calls[pass]!)
                return true
            }
            return false
        } catch {
            fail("\(backend.device)", error.description)
        }
    }

    // MARK: Descriptors and algorithms

    /// The algorithms cuDNN's heuristics rank first for the key's pass and convolution, those it can run (and only
    /// deterministic ones when the key says so), best first; asked once per key.
    private func algorithms(_ key: AlgorithmKey, _ descriptors: Descriptors,
                            _ handle: cudnnHandle_t) throws(CUDAError) -> [cudnnAlgorithmPerformance] {
        if let known = algorithms[key] { return known }
        var results = [cudnnAlgorithmPerformance](repeating: cudnnAlgorithmPerformance(), count: 10)
        var count: Int32 = 0
        let (query, name, a, b, c): (PFN_cudnnGetConvolutionAlgorithm, String, OpaquePointer, OpaquePointer, OpaquePointer)
        switch key.pass {
        case .forward: (query, name, a, b, c) = (library.forwardAlgorithms, "cudnnGetConvolutionForwardAlgorithm_v7",
                                                 descriptors.x, descriptors.w, descriptors.y)
        case .backwardData: (query, name, a, b, c) = (library.backwardDataAlgorithms, "cudnnGetConvolutionBackwardDataAlgorithm_v7",
                                                      descriptors.w, descriptors.y, descriptors.x)
        case .backwardFilter: (query, name, a, b, c) = (library.backwardFilterAlgorithms, "cudnnGetConvolutionBackwardFilterAlgorithm_v7",
                                                        descriptors.x, descriptors.y, descriptors.w)
        }
        try library.check(query(handle, UnsafeRawPointer(a), UnsafeRawPointer(b), descriptors.convolution, UnsafeRawPointer(c),
                                Int32(results.count), &count, &results), name)
        let usable = results.prefix(Int(count)).filter {
            $0.status == CUDNN_STATUS_SUCCESS && (!key.deterministic || $0.determinism == CUDNN_DETERMINISTIC)
        }
        algorithms[key] = usable
        return usable
    }

    /// The tensor, filter and convolution descriptors of one convolution, made for one call.
    private struct Descriptors {
        let x: cudnnTensorDescriptor_t, y: cudnnTensorDescriptor_t, w: cudnnFilterDescriptor_t
        let convolution: cudnnConvolutionDescriptor_t

        init(_ c: CUDNNConvolution, allowTF32: Bool, _ library: CUDNN) throws(CUDAError) {
            let type = c.dtype == .float32 ? CUDNN_DATA_FLOAT : CUDNN_DATA_DOUBLE
            func tensor(_ sizes: [Int32]) throws(CUDAError) -> cudnnTensorDescriptor_t {
                var made: cudnnTensorDescriptor_t?
                try library.check(library.createTensor(&made), "cudnnCreateTensorDescriptor")
                let strides = [sizes[1] * sizes[2] * sizes[3], sizes[2] * sizes[3], sizes[3], 1]
                try library.check(library.setTensor(made, type, 4, sizes, strides), "cudnnSetTensorNdDescriptor")
                return made!
            }
            (x, y) = (try tensor(c.x), try tensor(c.y))
            var filter: cudnnFilterDescriptor_t?
            try library.check(library.createFilter(&filter), "cudnnCreateFilterDescriptor")
            try library.check(library.setFilter(filter, type, CUDNN_TENSOR_NCHW, 4, c.w), "cudnnSetFilterNdDescriptor")
            w = filter!
            var made: cudnnConvolutionDescriptor_t?
            try library.check(library.createConvolution(&made), "cudnnCreateConvolutionDescriptor")
            try library.check(library.setConvolution(made, 2, c.padding, c.stride, c.dilation, CUDNN_CROSS_CORRELATION, type),
                              "cudnnSetConvolutionNdDescriptor")
            try library.check(library.setGroupCount(made, c.groups), "cudnnSetConvolutionGroupCount")
            let math = c.dtype == .float32 && !allowTF32 ? CUDNN_FMA_MATH : CUDNN_DEFAULT_MATH
            try library.check(library.setMathType(made, math), "cudnnSetConvolutionMathType")
            convolution = made!
        }

        func destroy(_ library: CUDNN) {
            _ = library.destroyTensor(x)
            _ = library.destroyTensor(y)
            _ = library.destroyFilter(w)
            _ = library.destroyConvolution(convolution)
        }
    }

    /// The cuDNN call of each pass, for messages.
    private static let calls: [Pass: String] = [.forward: "cudnnConvolutionForward", .backwardData: "cudnnConvolutionBackwardData",
                                                .backwardFilter: "cudnnConvolutionBackwardFilter"]

    /// Runs `body` with host pointers to 1 and 0 in the compute type of `dtype` (cuDNN's alpha and beta).
    private func withScalars(_ dtype: DType, _ body: (UnsafeRawPointer, UnsafeRawPointer) -> cudnnStatus_t) -> cudnnStatus_t {
        withUnsafeTemporaryAllocation(byteCount: 16, alignment: 8) { scalars in
            let (one, zero) = (scalars.baseAddress!, scalars.baseAddress! + 8)
            if dtype == .float32 {
                one.storeBytes(of: Float(1), as: Float.self)
                zero.storeBytes(of: Float(0), as: Float.self)
            } else {
                one.storeBytes(of: 1.0, as: Double.self)
                zero.storeBytes(of: 0.0, as: Double.self)
            }
            return body(UnsafeRawPointer(one), UnsafeRawPointer(zero))
        }
    }
}
