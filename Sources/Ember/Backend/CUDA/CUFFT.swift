// cuFFT, NVIDIA's Fourier transforms for its GPUs: Ember's `torch.fft` and `stft` on a GPU, loaded at run time like
// the driver.
import CCUDA
import Foundation

/// The cuFFT library (`libcufft.so.12`, from the `nvidia-cufft` wheel or the system), opened once per process.
final class CUFFT: @unchecked Sendable {   // immutable after init: entry points
    let library: SharedLibrary
    let getVersion: PFN_cufftGetVersion
    let planMany: PFN_cufftPlanMany
    let destroy: PFN_cufftDestroy
    let setStream: PFN_cufftSetStream
    let execC2C: PFN_cufftExecComplex
    let execZ2Z: PFN_cufftExecComplex
    let execR2C: PFN_cufftExecReal
    let execD2Z: PFN_cufftExecReal

    /// Opens cuFFT from `folders` (then the system's search) and resolves the entry points Ember calls.
    init(searching folders: [String]) throws(CUDAError) {
        let library = try SharedLibrary.openCUDA(["libcufft.so.12", "libcufft.so.11", "libcufft.so"], in: folders)
        self.library = library
        getVersion = try library.entryPoint("cufftGetVersion")
        planMany = try library.entryPoint("cufftPlanMany")
        destroy = try library.entryPoint("cufftDestroy")
        setStream = try library.entryPoint("cufftSetStream")
        execC2C = try library.entryPoint("cufftExecC2C")
        execZ2Z = try library.entryPoint("cufftExecZ2Z")
        execR2C = try library.entryPoint("cufftExecR2C")
        execD2Z = try library.entryPoint("cufftExecD2Z")
    }

    /// Throws cufft.h's name of `result` unless it is success.
    func check(_ result: cufftResult, _ call: String) throws(CUDAError) {
        guard result != CUFFT_SUCCESS else { return }
        let names = ["CUFFT_SUCCESS", "CUFFT_INVALID_PLAN", "CUFFT_ALLOC_FAILED", "CUFFT_INVALID_TYPE", "CUFFT_INVALID_VALUE",
                     "CUFFT_INTERNAL_ERROR", "CUFFT_EXEC_FAILED", "CUFFT_SETUP_FAILED", "CUFFT_INVALID_SIZE", "CUFFT_UNALIGNED_DATA"]
        throw .cufft(call: call, result: result, name: names.indices.contains(Int(result)) ? names[Int(result)] : "CUFFT_UNKNOWN_ERROR")
    }
}

/// cuFFT on one GPU: its plans, made in the GPU's context on first use of each (kind, dtype, length, batch) on each
/// stream (a plan's workspace must not be shared by streams that may run at once) and kept (up to 64, as plans hold
/// GPU workspace), used under a lock.
final class CUFFTSession: @unchecked Sendable {   // plans guarded by lock
    private struct Key: Hashable {
        let type: Int32, length: Int, batch: Int, stream: Int
    }

    private let library: CUFFT
    private let context: CUDAContext?
    /// The GPU whose current stream the transforms go to.
    private let ordinal: Int
    private let lock = NSLock()
    private var plans: [Key: cufftHandle] = [:]
    private static let planLimit = 64

    /// A session on GPU `ordinal` in `context` (nil: whatever context is current, as on the tests' host devices).
    init(_ library: CUFFT, context: CUDAContext?, ordinal: Int) { (self.library, self.context, self.ordinal) = (library, context, ordinal) }

    /// The unscaled `transform` of the contiguous rows of `source` ([batch, length] reals or [batch, length, 2] pairs,
    /// float32 or float64) into the contiguous complex rows of `destination`, on the calling thread's current stream.
    /// A cuFFT failure stops, naming the call.
    func transform(_ transform: FourierTransform, _ source: KernelOperand, into destination: KernelOperand, device: Device) {
        lock.lock(); defer { lock.unlock() }
        context?.makeCurrent()
        let isFloat = source.dtype == .float32
        do throws(CUDAError) {
            switch transform.kind {
            case .complexToComplex(let inverse):
                let plan = try self.plan(isFloat ? CUFFT_C2C : CUFFT_Z2Z, transform)
                let direction = inverse ? CUFFT_INVERSE : CUFFT_FORWARD
                try library.check((isFloat ? library.execC2C : library.execZ2Z)(plan, source.address, destination.address, direction),
                                  isFloat ? "cufftExecC2C" : "cufftExecZ2Z")
            case .realToComplex:
                let plan = try self.plan(isFloat ? CUFFT_R2C : CUFFT_D2Z, transform)
                try library.check((isFloat ? library.execR2C : library.execD2Z)(plan, source.address, destination.address),
                                  isFloat ? "cufftExecR2C" : "cufftExecD2Z")
            }
        } catch {
            fail("\(device)", error.description)
        }
    }

    /// The plan of `batch` contiguous transforms of `length` of `type` on the current stream, made on first use.
    private func plan(_ type: Int32, _ transform: FourierTransform) throws(CUDAError) -> cufftHandle {
        let stream = CUDAStream.currentHandle(ordinal)
        let key = Key(type: type, length: transform.length, batch: transform.batch, stream: Int(bitPattern: stream))
        if let plan = plans[key] { return plan }
        if plans.count == CUFFTSession.planLimit {
            for plan in plans.values { _ = library.destroy(plan) }
            plans.removeAll()
        }
        var plan: cufftHandle = 0
        var length = Int32(transform.length)
        let inputDistance = type == CUFFT_R2C || type == CUFFT_D2Z ? transform.length : transform.outputLength
        try library.check(library.planMany(&plan, 1, &length, nil, 1, Int32(inputDistance), nil, 1, Int32(transform.outputLength), type,
                                           Int32(transform.batch)), "cufftPlanMany")
        plans[key] = plan
        try library.check(library.setStream(plan, stream), "cufftSetStream")
        return plan
    }
}
