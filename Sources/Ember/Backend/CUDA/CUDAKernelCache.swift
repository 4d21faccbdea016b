// Compiled kernel modules kept in memory and on disk, so NVRTC runs once per module on a machine.
import Foundation

/// Compiled kernel modules (CUBIN, or PTX as the fallback) by source, GPU architecture, NVRTC version and driver
/// version, in memory and in a folder (`EMBER_KERNEL_CACHE`, else `~/.cache/ember/kernels`). A file records its
/// whole key, which is compared on reading, so neither a hash collision nor a file from another version is ever
/// loaded; an unreadable or damaged file is compiled again and replaced.
final class CUDAKernelCache: @unchecked Sendable {   // images and compilations guarded by lock
    /// Where compiled modules are kept across processes; nil keeps them in memory only.
    let folder: URL?
    private var images: [String: [UInt8]] = [:]
    private let lock = NSLock()
    /// How many modules this cache had NVRTC compile.
    private(set) var compilations = 0

    init(folder: URL?) { self.folder = folder }

    /// The folder of `EMBER_KERNEL_CACHE`, else `~/.cache/ember/kernels`.
    static func defaultFolder(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let path = environment["EMBER_KERNEL_CACHE"], !path.isEmpty { return URL(fileURLWithPath: path) }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return URL(fileURLWithPath: home).appendingPathComponent(".cache/ember/kernels")
    }

    /// `module` compiled for compute capability `major`.`minor`: a CUBIN for `sm_XY`, or PTX for `compute_XY` when
    /// this NVRTC cannot make that CUBIN.
    func image(of module: CUDAKernelModule, major: Int, minor: Int, driverVersion: String,
               nvrtc: NVRTC) throws(CUDAError) -> [UInt8] {
        let key = "ember kernel cache 1\nsm_\(major)\(minor)\nnvrtc \(nvrtc.version.major).\(nvrtc.version.minor)\n"
            + "driver \(driverVersion)\n\(module.source)"
        lock.lock(); defer { lock.unlock() }
        if let image = images[key] { return image }
        let file = folder?.appendingPathComponent("\(module.name)-\(String(fnv1a(key), radix: 16)).bin")
        if let file, let image = Self.read(file, key: key) {
            images[key] = image
            return image
        }
        let image: [UInt8]
        do {
            image = try nvrtc.compile(module.source, name: module.name, architecture: "sm_\(major)\(minor)").image
        } catch .compilation(_, let log) where log.contains("--gpu-architecture") || log.contains("-arch") {
            image = try nvrtc.compile(module.source, name: module.name, architecture: "compute_\(major)\(minor)").image
        }
        compilations += 1
        images[key] = image
        if let file { Self.write(image, key: key, to: file) }
        return image
    }

    // MARK: Files: the key's length (8 bytes, little-endian), the key, the image

    private static func read(_ file: URL, key: String) -> [UInt8]? {
        guard let data = try? Data(contentsOf: file), data.count >= 8 else { return nil }
        let keyBytes = Array(key.utf8)
        let length = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        guard length == keyBytes.count, data.count > 8 + length, Array(data[8..<(8 + length)]) == keyBytes else { return nil }
        return Array(data[(8 + length)...])
    }

    /// Writes atomically; a cache that cannot be written (a read-only home) only costs the next process a compile.
    private static func write(_ image: [UInt8], key: String, to file: URL) {
        let keyBytes = Array(key.utf8)
        let length = (0..<8).map { UInt8(truncatingIfNeeded: keyBytes.count >> (8 * $0)) }
        try? FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? Ember.writeAtomically(to: file) { try Data(length + keyBytes + image).write(to: $0) }
    }
}

/// The 64-bit FNV-1a hash of a string's UTF-8 bytes: a short, stable file name for a cache key.
func fnv1a(_ text: String) -> UInt64 {
    text.utf8.reduce(0xcbf2_9ce4_8422_2325 as UInt64) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
}
