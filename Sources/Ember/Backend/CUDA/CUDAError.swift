// What can go wrong between Ember and the CUDA libraries: a typed error, never a crash.

/// A failure to load or use CUDA: a missing library or entry point, a driver call that failed, a kernel that did
/// not compile.
public enum CUDAError: Error, Equatable, CustomStringConvertible {
    /// A library could not be opened, or lacks an entry point Ember needs (a driver older than the entry point).
    case library(SharedLibraryError)
    /// A driver call returned an error code.
    case driver(call: String, code: Int32, name: String, message: String)
    /// NVRTC refused a kernel source; `log` is its compiler output.
    case compilation(kernel: String, log: String)
    /// NVRTC failed outside compilation proper.
    case nvrtc(call: String, code: Int32, message: String)
    /// A cuBLAS call returned an error status.
    case cublas(call: String, status: Int32, message: String)
    /// A cuFFT call returned an error result; `name` is cufft.h's.
    case cufft(call: String, result: Int32, name: String)
    /// A cuDNN call returned an error status (or the library is older than Ember needs).
    case cudnn(call: String, status: Int32, message: String)

    /// What went wrong, in a sentence.
    public var description: String {
        switch self {
        case let .library(error):
            return error.description
        case let .driver(call, code, name, message):
            return "\(call) failed: \(message) (\(name), code \(code))"
        case let .compilation(kernel, log):
            return "NVRTC could not compile kernel \(kernel):\n\(log)"
        case let .nvrtc(call, code, message):
            return "\(call) failed: \(message) (code \(code))"
        case let .cublas(call, status, message):
            return "\(call) failed: \(message) (status \(status))"
        case let .cufft(call, result, name):
            return "\(call) failed: \(name) (result \(result))"
        case let .cudnn(call, status, message):
            return "\(call) failed: \(message) (status \(status))"
        }
    }
}

extension CUDAError {
    /// Runs `body`, a failure to open a library or find an entry point thrown as a CUDA error.
    static func loading<T>(_ body: () throws(SharedLibraryError) -> T) throws(CUDAError) -> T {
        do { return try body() } catch { throw .library(error) }
    }
}

extension SharedLibrary {
    /// The first of the CUDA library `names` found in `folders`, then through the system's search; its absence a
    /// CUDA error.
    static func openCUDA(_ names: [String], in folders: [String]) throws(CUDAError) -> SharedLibrary {
        try CUDAError.loading { () throws(SharedLibraryError) in try open(names, in: folders) }
    }

    /// The entry point `symbol` of a CUDA library, as the function type asked for; its absence a CUDA error.
    func entryPoint<T>(_ symbol: String) throws(CUDAError) -> T {
        try CUDAError.loading { () throws(SharedLibraryError) in try function(symbol, as: T.self) }
    }
}
