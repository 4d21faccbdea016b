// Opening a shared library at run time: Ember links neither CUDA nor MPI, so it builds and runs without them.
import Foundation

/// Why a library Ember opens at run time could not be used.
public enum SharedLibraryError: Error, Equatable, CustomStringConvertible {
    /// No file of the library's name opened in any searched folder, nor through the system's search.
    case libraryNotFound(library: String, searched: [String], reason: String)
    /// The library opened but lacks an entry point Ember needs (a library older than Ember needs).
    case symbolNotFound(symbol: String, library: String)

    /// Which library or entry point is missing, and why.
    public var description: String {
        switch self {
        case let .libraryNotFound(library, searched, reason):
            let folders = searched.isEmpty ? "" : " (searched \(searched.joined(separator: ", ")), then the system's library path)"
            return "\(library) could not be loaded\(folders): \(reason)"
        case let .symbolNotFound(symbol, library):
            return "\(library) has no entry point \(symbol) (a library older than Ember needs)"
        }
    }
}

/// A shared library opened with `dlopen` and never closed (CUDA and MPI keep threads and state for the life of
/// the process), with typed lookups of its entry points.
struct SharedLibrary {
    /// The file name asked for (`libcuda.so.1`).
    let name: String
    /// The path it was opened from, or the bare name when the system's search found it.
    let path: String
    private let handle: UnsafeMutableRawPointer

    /// Opens the first of `names` found in `folders` (in order), then through the system's search. A `global`
    /// library's symbols resolve the plug-ins it opens itself (Open MPI's components need that).
    static func open(_ names: [String], in folders: [String], global: Bool = false) throws(SharedLibraryError) -> SharedLibrary {
        let mode = RTLD_NOW | (global ? RTLD_GLOBAL : RTLD_LOCAL)
        var reason = "not found"
        for folder in folders {
            for name in names {
                let path = (folder as NSString).appendingPathComponent(name)
                guard FileManager.default.fileExists(atPath: path) else { continue }
                if let handle = dlopen(path, mode) { return SharedLibrary(name: name, path: path, handle: handle) }
                reason = lastError()
            }
        }
        for name in names {
            if let handle = dlopen(name, mode) { return SharedLibrary(name: name, path: name, handle: handle) }
            if reason == "not found" { reason = lastError() }
        }
        throw .libraryNotFound(library: names[0], searched: folders, reason: reason)
    }

    /// The entry point `symbol` as a C function pointer of type `T`.
    func function<T>(_ symbol: String, as type: T.Type) throws(SharedLibraryError) -> T {
        unsafeBitCast(try address(of: symbol), to: type)
    }

    /// The address of the exported object or function `symbol`.
    func address(of symbol: String) throws(SharedLibraryError) -> UnsafeMutableRawPointer {
        guard let address = dlsym(handle, symbol) else { throw .symbolNotFound(symbol: symbol, library: name) }
        return address
    }

    /// The entry point `symbol`, or nil when this version of the library lacks it.
    func optionalFunction<T>(_ symbol: String, as type: T.Type) -> T? {
        dlsym(handle, symbol).map { unsafeBitCast($0, to: type) }
    }

    private static func lastError() -> String { dlerror().map { String(cString: $0) } ?? "not found" }
}
