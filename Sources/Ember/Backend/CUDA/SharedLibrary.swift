// Opening the CUDA libraries at run time: Ember links none of them, so it builds and runs without CUDA.
import Foundation

/// A shared library opened with `dlopen` and never closed (CUDA libraries keep threads and state for the life of
/// the process), with typed lookups of its entry points.
struct SharedLibrary {
    /// The file name asked for (`libcuda.so.1`).
    let name: String
    /// The path it was opened from, or the bare name when the system's search found it.
    let path: String
    private let handle: UnsafeMutableRawPointer

    /// Opens the first of `names` found in `folders` (in order), then through the system's search.
    static func open(_ names: [String], in folders: [String]) throws(CUDAError) -> SharedLibrary {
        var reason = "not found"
        for folder in folders {
            for name in names {
                let path = (folder as NSString).appendingPathComponent(name)
                guard FileManager.default.fileExists(atPath: path) else { continue }
                if let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) { return SharedLibrary(name: name, path: path, handle: handle) }
                reason = lastError()
            }
        }
        for name in names {
            if let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) { return SharedLibrary(name: name, path: name, handle: handle) }
            if reason == "not found" { reason = lastError() }
        }
        throw .libraryNotFound(library: names[0], searched: folders, reason: reason)
    }

    /// The entry point `symbol` as a C function pointer of type `T`.
    func function<T>(_ symbol: String, as type: T.Type) throws(CUDAError) -> T {
        guard let address = dlsym(handle, symbol) else { throw .symbolNotFound(symbol: symbol, library: name) }
        return unsafeBitCast(address, to: type)
    }

    /// The entry point `symbol`, or nil when this version of the library lacks it.
    func optionalFunction<T>(_ symbol: String, as type: T.Type) -> T? {
        dlsym(handle, symbol).map { unsafeBitCast($0, to: type) }
    }

    private static func lastError() -> String { dlerror().map { String(cString: $0) } ?? "not found" }
}

/// Where Ember looks for the CUDA libraries, in order: the folders of `EMBER_CUDA_PATH` (colon-separated; each
/// folder and its `lib`, `lib64` and `nvidia/cu13/lib` below it), then the `nvidia/cu13/lib` and `nvidia/cudnn/lib`
/// folders of Python's site-packages (where pip's CUDA wheels put them). The system's search comes last.
enum CUDALibrarySearch {
    /// The library folders to try, from `environment` (the process's by default).
    static func folders(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        let explicit = (environment["EMBER_CUDA_PATH"] ?? "").split(separator: ":").map(String.init)
            .flatMap { [$0, "\($0)/lib", "\($0)/lib64", "\($0)/nvidia/cu13/lib"] }
        let wheels = sitePackages(environment: environment).flatMap { ["\($0)/nvidia/cu13/lib", "\($0)/nvidia/cudnn/lib"] }
        return (explicit + wheels).filter { FileManager.default.fileExists(atPath: $0) }
    }

    /// The folder of CUDA headers beside a library folder (`…/nvidia/cu13/include` for the wheels' `lib`), if any.
    static func includeFolder(besideLibraryAt path: String) -> String? {
        let folder = ((path as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
        let include = (folder as NSString).appendingPathComponent("include")
        return FileManager.default.fileExists(atPath: (include as NSString).appendingPathComponent("cuda_fp16.h")) ? include : nil
    }

    /// Python site-packages folders that may hold pip's `nvidia` wheels: the active virtual environment's, the
    /// user's, pyenv's and the system's.
    private static func sitePackages(environment: [String: String]) -> [String] {
        let home = environment["HOME"] ?? NSHomeDirectory()
        let prefixes = [environment["VIRTUAL_ENV"], environment["CONDA_PREFIX"], "\(home)/.local", "/usr/local", "/usr", "/opt/conda"]
            .compactMap { $0 } + subfolders(of: "\(home)/.pyenv/versions")
        return prefixes.flatMap { prefix in
            subfolders(of: "\(prefix)/lib").filter { ($0 as NSString).lastPathComponent.hasPrefix("python3") }
                .flatMap { ["\($0)/site-packages", "\($0)/dist-packages"] }
        }
    }

    private static func subfolders(of folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted().map { "\(folder)/\($0)" }
    }
}
