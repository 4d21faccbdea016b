// cuBLAS, NVIDIA's BLAS for its GPUs: Ember's matrix products on a GPU, loaded at run time like the driver.
import CCUDA
import Foundation

/// The cuBLAS library (`libcublas.so.13`, from the `nvidia-cublas` wheel or the system), opened once per process.
final class CUBLAS: @unchecked Sendable {   // immutable after init: entry points
    let library: SharedLibrary
    private let create: PFN_cublasCreate
    private let setStream: PFN_cublasSetStream
    private let getStatusString: PFN_cublasGetStatusString
    private let gemmStridedBatched: PFN_cublasGemmStridedBatchedEx

    /// Opens cuBLAS from `folders` (then the system's search) and resolves the entry points Ember calls.
    init(searching folders: [String]) throws(CUDAError) {
        let library = try SharedLibrary.openCUDA(["libcublas.so.13", "libcublas.so.12", "libcublas.so"], in: folders)
        self.library = library
        create = try library.entryPoint("cublasCreate_v2")
        setStream = try library.entryPoint("cublasSetStream_v2")
        getStatusString = try library.entryPoint("cublasGetStatusString")
        gemmStridedBatched = try library.entryPoint("cublasGemmStridedBatchedEx")
    }

    /// A handle for the current context whose work goes to `stream` (nil: the default stream), in order with the
    /// kernels queued there.
    func makeHandle(stream: CUstream?) throws(CUDAError) -> cublasHandle_t {
        var handle: cublasHandle_t?
        try check(create(&handle), "cublasCreate_v2")
        try check(setStream(handle, stream), "cublasSetStream_v2")
        return handle!
    }

    /// The batched product out[b] = scale·a[b]·b[b] of [batch, m, k] and [batch, k, n] float32 or float64 operands in
    /// device memory, each matrix row- or column-major (`Layout.blasOrientation`; a batch stride may be 0), into
    /// [batch, m, n] row-major matrices of out (any row and batch strides; a single column any layout); nil when an
    /// operand's matrices have no unit stride. Float32 accumulates in float32 without TF32 unless `allowTF32`
    /// (PyTorch's `torch.backends.cuda.matmul.allow_tf32`, off by default).
    ///
    /// cuBLAS is column-major, so it computes outᵀ = bᵀ·aᵀ: a row-major matrix read column-major is its transpose.
    func batchedProduct(_ handle: cublasHandle_t, _ a: KernelOperand, _ b: KernelOperand, into out: KernelOperand, scale: Double,
                        allowTF32: Bool) throws(CUDAError) -> Bool? {
        let (batch, m, k, n) = (a.shape[0], a.shape[1], a.shape[2], b.shape[2])
        guard let left = a.layout.blasOrientation(rows: m, columns: k), let right = b.layout.blasOrientation(rows: k, columns: n),
              n == 1 || out.strides[2] == 1, a.dtype == .float32 || a.dtype == .float64 else { return nil }
        let isFloat = a.dtype == .float32
        let type = isFloat ? CUDA_R_32F : CUDA_R_64F
        let compute = isFloat ? (allowTF32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F) : CUBLAS_COMPUTE_64F
        // alpha and beta (0) in the compute type, which cuBLAS reads from host memory.
        let status = withUnsafeTemporaryAllocation(byteCount: 16, alignment: 8) { scalars in
            let (alpha, beta) = (scalars.baseAddress!, scalars.baseAddress! + 8)
            if isFloat {
                alpha.storeBytes(of: Float(scale), as: Float.self)
                beta.storeBytes(of: Float(0), as: Float.self)
            } else {
                alpha.storeBytes(of: scale, as: Double.self)
                beta.storeBytes(of: 0.0, as: Double.self)
            }
            return gemmStridedBatched(handle, right.transposed ? CUBLAS_OP_T : CUBLAS_OP_N, left.transposed ? CUBLAS_OP_T : CUBLAS_OP_N,
                                      Int32(n), Int32(m), Int32(k), alpha, b.address, type, Int32(right.leading), Int64(b.strides[0]),
                                      a.address, type, Int32(left.leading), Int64(a.strides[0]), beta, out.address, type,
                                      Int32(Swift.max(out.strides[1], n, 1)), Int64(out.strides[0]), Int32(batch), compute,
                                      CUBLAS_GEMM_DEFAULT)
        }
        try check(status, "cublasGemmStridedBatchedEx")
        return true
    }

    private func check(_ status: cublasStatus_t, _ call: String) throws(CUDAError) {
        guard status != CUBLAS_STATUS_SUCCESS else { return }
        throw .cublas(call: call, status: status, message: getStatusString(status).map { String(cString: $0) } ?? "unknown status")
    }
}

/// cuBLAS on one GPU: the library and a handle per stream, made in the GPU's context on the stream's first product.
/// A handle serves one thread at a time, so calls take a lock.
final class CUBLASSession: @unchecked Sendable {   // handles are made and used under lock
    private let library: CUBLAS
    private let context: CUDAContext?
    private var handles: StreamHandles<cublasHandle_t>
    private let lock = NSLock()

    /// A session on GPU `ordinal` in `context` (nil: whatever context is current, as on the tests' host devices).
    init(_ library: CUBLAS, context: CUDAContext?, ordinal: Int) throws(CUDAError) {
        context?.makeCurrent()
        (self.library, self.context) = (library, context)
        handles = try StreamHandles(ordinal: ordinal, make: library.makeHandle)
    }

    /// `CUBLAS.batchedProduct` on this GPU, with `Ember.cuda.allowTF32`; false when cuBLAS cannot take the operands.
    /// A cuBLAS failure stops, naming the call and its status.
    func batchedProduct(_ a: KernelOperand, _ b: KernelOperand, into out: KernelOperand, scale: Double = 1, device: Device) -> Bool {
        lock.lock(); defer { lock.unlock() }
        context?.makeCurrent()
        do throws(CUDAError) {
            return try library.batchedProduct(handles.current(), a, b, into: out, scale: scale, allowTF32: CUDARuntime.shared.allowTF32) ?? false
        } catch {
            fail("\(device)", error.description)
        }
    }

    /// `count` batched products, the i-th of `operands(i)` = (a, b, out), each scaled by `scale`: views a composite op
    /// (`op`, for the message) builds so that cuBLAS reads them without copies.
    func products(_ count: Int, scale: Double = 1, op: String, device: Device,
                  _ operands: (Int) -> (KernelOperand, KernelOperand, KernelOperand)) {
        for i in 0..<count {
            let (a, b, out) = operands(i)
            precondition(batchedProduct(a, b, into: out, scale: scale, device: device),
                         "\(op): cuBLAS refused a product of views it reads without copies")
        }
    }
}
