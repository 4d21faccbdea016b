// Where the CUDA libraries are searched for: an explicit path, then pip's CUDA wheels, then the system.
import Foundation

/// Where Ember looks for the CUDA libraries, in order: the folders of `EMBER_CUDA_PATH` (colon-separated; each
/// folder and its `lib`, `lib64`, `nvidia/cu13/lib` and `nvidia/nccl/lib` below it), then the `nvidia/cu13/lib`,
/// `nvidia/cudnn/lib` and `nvidia/nccl/lib` folders of Python's site-packages (where pip's CUDA wheels put them). The
/// system's search comes last.
enum CUDALibrarySearch {
    /// The library folders to try, from `environment` (the process's by default).
    static func folders(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        let explicit = (environment["EMBER_CUDA_PATH"] ?? "").split(separator: ":").map(String.init)
            .flatMap { [$0, "\($0)/lib", "\($0)/lib64", "\($0)/nvidia/cu13/lib", "\($0)/nvidia/nccl/lib"] }
        let wheels = sitePackages(environment: environment).flatMap {
            ["\($0)/nvidia/cu13/lib", "\($0)/nvidia/cudnn/lib", "\($0)/nvidia/nccl/lib"]
        }
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
