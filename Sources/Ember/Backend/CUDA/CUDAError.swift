// What can go wrong between Ember and the CUDA libraries: a typed error, never a crash.

/// A failure to load or use CUDA: a missing library or entry point, a driver call that failed, a kernel that did
/// not compile.
public enum CUDAError: Error, Equatable, CustomStringConvertible {
    /// No file of the library's name opened in any searched folder, nor through the system's search.
    case libraryNotFound(library: String, searched: [String], reason: String)
    /// The library opened but lacks an entry point Ember needs (an older driver than the entry point).
    case symbolNotFound(symbol: String, library: String)
    /// A driver call returned an error code.
    case driver(call: String, code: Int32, name: String, message: String)
    /// NVRTC refused a kernel source; `log` is its compiler output.
    case compilation(kernel: String, log: String)
    /// NVRTC failed outside compilation proper.
    case nvrtc(call: String, code: Int32, message: String)

    public var description: String {
        switch self {
        case let .libraryNotFound(library, searched, reason):
            let folders = searched.isEmpty ? "" : " (searched \(searched.joined(separator: ", ")), then the system's library path)"
            return "\(library) could not be loaded\(folders): \(reason)"
        case let .symbolNotFound(symbol, library):
            return "\(library) has no entry point \(symbol) (a library older than Ember needs)"
        case let .driver(call, code, name, message):
            return "\(call) failed: \(message) (\(name), code \(code))"
        case let .compilation(kernel, log):
            return "NVRTC could not compile kernel \(kernel):\n\(log)"
        case let .nvrtc(call, code, message):
            return "\(call) failed: \(message) (code \(code))"
        }
    }
}
