// Reads the entries of a zip archive (PyTorch checkpoints, `.npz`) once `ZipDirectory` has checked its
// directories: stored entries go straight from the file into their destination with pread(2), each
// piece checksummed while it is in cache; compressed ones are inflated by ZIPFoundation.
import CEmberKernels
import Foundation
import Synchronization
import ZIPFoundation

final class ZipReader {
    let url: URL
    /// The entries in directory order.
    let entries: [ZipEntry]
    private let byName: [String: ZipEntry]
    private let descriptor: Int32
    /// Opened on the first compressed entry.
    private var archive: Archive?

    /// Parses the archive's directories from `file`, the mapped contents of `url`.
    init(url: URL, file: UnsafeRawBufferPointer) throws {
        self.url = url
        entries = try ZipDirectory.entries(of: file)
        byName = Dictionary(entries.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        descriptor = open(url.path, O_RDONLY)
        guard descriptor >= 0 else { throw CheckpointError(.io, "cannot open the file (\(String(cString: strerror(errno))))") }
    }

    deinit { close(descriptor) }

    subscript(name: String) -> ZipEntry? { byName[name] }

    /// The bytes of an entry.
    func bytes(of entry: ZipEntry) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: entry.uncompressedSize)
        try bytes.withUnsafeMutableBytes { try read(entry, into: $0.baseAddress) }
        return bytes
    }

    /// Copies an entry's `uncompressedSize` bytes to `destination`, checking them against its CRC-32.
    func read(_ entry: ZipEntry, into destination: UnsafeMutableRawPointer?) throws {
        guard entry.uncompressedSize > 0, let destination else {
            guard entry.crc32 == 0 else { throw CheckpointError(.corrupt, "entry '\(entry.name)' fails its CRC-32 check") }
            return
        }
        let crc: UInt32
        if entry.method == 0 {
            guard entry.compressedSize == entry.uncompressedSize else {
                throw CheckpointError(.corrupt, "stored entry '\(entry.name)' has two sizes")
            }
            let failed = Atomic<Bool>(false), descriptor = self.descriptor
            crc = Self.crc32(destination, count: entry.uncompressedSize) { at, length in
                var done = 0
                while done < length {
                    let count = pread(descriptor, destination + at + done, length - done, off_t(entry.dataOffset + at + done))
                    guard count > 0 else { return failed.store(true, ordering: .relaxed) }
                    done += count
                }
            }
            guard !failed.load(ordering: .relaxed) else { throw CheckpointError(.io, "cannot read entry '\(entry.name)'") }
        } else {
            try inflate(entry, into: destination)
            crc = Self.crc32(destination, count: entry.uncompressedSize)
        }
        guard crc == entry.crc32 else { throw CheckpointError(.corrupt, "entry '\(entry.name)' fails its CRC-32 check") }
    }

    /// A compressed entry through ZIPFoundation (whose own CRC-32 is skipped: it is a byte loop on Linux).
    private func inflate(_ entry: ZipEntry, into destination: UnsafeMutableRawPointer) throws {
        do {
            if archive == nil { archive = try Archive(url: url, accessMode: .read, pathEncoding: nil) }
            guard let archive, let found = archive[entry.name] else {
                throw CheckpointError(.corrupt, "entry '\(entry.name)' cannot be found")
            }
            var written = 0
            _ = try archive.extract(found, bufferSize: Swift.max(1, Swift.min(entry.uncompressedSize, 1 << 20)), skipCRC32: true) { chunk in
                guard written + chunk.count <= entry.uncompressedSize else {
                    throw CheckpointError(.corrupt, "entry '\(entry.name)' holds more bytes than it declares")
                }
                chunk.copyBytes(to: (destination + written).assumingMemoryBound(to: UInt8.self), count: chunk.count)
                written += chunk.count
            }
            guard written == entry.uncompressedSize else {
                throw CheckpointError(.truncated, "entry '\(entry.name)' holds \(written) of \(entry.uncompressedSize) bytes")
            }
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError(.corrupt, "entry '\(entry.name)' cannot be read (\(Ember.reason(error)))")
        }
    }

    /// The CRC-32 of `count` bytes at `bytes`, in 256 KiB chunks split across threads and combined;
    /// `prepare(offset, length)` first fills each chunk, so the checksum reads it from cache.
    private static func crc32(_ bytes: UnsafeRawPointer, count: Int, preparing prepare: ((Int, Int) -> Void)? = nil) -> UInt32 {
        let pieces = Swift.min(cpuThreadCount, Swift.max(1, count >> 21)), length = (count + pieces - 1) / pieces
        var partial = [UInt32](repeating: 0, count: pieces)
        partial.withUnsafeMutableBufferPointer { results in
            parallelFor(pieces, grain: 1) { range in
                for piece in range {
                    var crc: UInt32 = 0, at = piece * length
                    let end = Swift.min(count, at + length)
                    while at < end {
                        let chunk = Swift.min(1 << 18, end - at)
                        prepare?(at, chunk)
                        crc = ember_crc32(crc, bytes + at, chunk)
                        at += chunk
                    }
                    results[piece] = crc
                }
            }
        }
        var crc = partial[0]
        for piece in 1..<pieces { crc = ember_crc32_combine(crc, partial[piece], Swift.min(length, count - piece * length)) }
        return crc
    }
}
