// PyTorch's checkpoint format: a zip archive (`<name>/data.pkl`, `<name>/data/<key>`, `byteorder`,
// `version`; ZIPFoundation for the container) whose pickle names its storages by key, and, for reading,
// the legacy pre-1.6 format: pickles followed by the raw storages.
import CEmberKernels
import Foundation
import Synchronization
import ZIPFoundation

enum PyTorchFormat {
    /// The pickle that opens a legacy file: `torch.serialization.MAGIC_NUMBER`, 0x1950a86a20f9469cfc6c
    /// (an 80-bit integer, compared as bytes).
    static let legacyMagic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]

    // MARK: Reading

    static func read(_ url: URL) throws -> CheckpointValue {
        let head = try FileHandle(forReadingFrom: url).readPrefix(4)
        if head == [0x50, 0x4B, 0x03, 0x04] || head == [0x50, 0x4B, 0x05, 0x06] { return try readZip(url) }
        return try readLegacy(Array(try Data(contentsOf: url)))
    }

    /// Stored records are read straight into tensor memory, their CRC-32 checked as they arrive; a
    /// compressed record (PyTorch writes none) goes through ZIPFoundation.
    private static func readZip(_ url: URL) throws -> CheckpointValue {
        let file: Data
        do { file = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw CheckpointError(.io, "cannot read the file (\(error))")
        }
        // Records are read with pread(2) straight into tensor memory: the map is only for the directories.
        let descriptor = open(url.path, O_RDONLY)
        guard descriptor >= 0 else { throw CheckpointError(.io, "cannot open the file (\(String(cString: strerror(errno))))") }
        defer { close(descriptor) }
        return try file.withUnsafeBytes { raw in
            var entries: [String: ZipEntry] = [:]
            for entry in try ZipDirectory.entries(of: raw) { entries[entry.name] = entry }
            guard let pickleEntry = entries.values.first(where: { $0.name.hasSuffix("/data.pkl") && !$0.name.dropLast(9).contains("/") })
                    ?? entries["data.pkl"] else {
                throw CheckpointError(.corrupt, "the archive has no data.pkl")
            }
            var archive: Archive?
            func read(_ entry: ZipEntry, into destination: UnsafeMutableRawPointer?) throws {
                if entry.method == 0 {
                    guard entry.compressedSize == entry.uncompressedSize else {
                        throw CheckpointError(.corrupt, "stored entry '\(entry.name)' has two sizes")
                    }
                    try readChecked(descriptor, entry, into: destination)
                    return
                }
                if archive == nil {
                    do {
                        let opened = try Archive(url: url, accessMode: .read)
                        archive = opened
                    } catch {
                        throw CheckpointError(.corrupt, "not a valid zip archive (\(error))")
                    }
                }
                guard let archive, let zipEntry = archive[entry.name] else {
                    throw CheckpointError(.corrupt, "entry '\(entry.name)' cannot be found")
                }
                try extract(zipEntry, from: archive, fileSize: raw.count, into: destination)
            }
            func bytes(of entry: ZipEntry) throws -> [UInt8] {
                var bytes = [UInt8](repeating: 0, count: entry.uncompressedSize)
                try bytes.withUnsafeMutableBytes { try read(entry, into: $0.baseAddress) }
                return bytes
            }
            let prefix = String(pickleEntry.name.dropLast("data.pkl".count))
            if let order = entries[prefix + "byteorder"] {
                let text = String(decoding: try bytes(of: order), as: UTF8.self)
                guard text == "little" else { throw CheckpointError(.unsupported, "byte order '\(text)'") }
            }
            let pickle = try bytes(of: pickleEntry)
            var storages: [String: Storage] = [:]
            return try pickle.withUnsafeBytes { pickleBytes in
                var unpickler = Unpickler(ByteReader(pickleBytes, what: "data.pkl")) { id in
                    let bytes = id.count.multipliedReportingOverflow(by: id.dtype.itemSize)
                    guard !bytes.overflow else { throw CheckpointError(.corrupt, "storage '\(id.key)' of \(id.count) elements overflows") }
                    if let storage = storages[id.key] {
                        guard storage.byteCount == bytes.partialValue else {
                            throw CheckpointError(.corrupt, "storage '\(id.key)' is named with two sizes")
                        }
                        return StorageSlice(storage: storage, dtype: id.dtype, offset: 0, count: id.count)
                    }
                    guard let entry = entries[prefix + "data/" + id.key] else {
                        throw CheckpointError(.corrupt, "storage '\(id.key)' is missing from the archive")
                    }
                    // CVE-2026-24747: the declared element count must match the bytes actually stored.
                    guard entry.uncompressedSize == bytes.partialValue else {
                        throw CheckpointError(.corrupt, "storage '\(id.key)' declares \(id.count) \(id.dtype) elements "
                                              + "(\(bytes.partialValue) bytes), the archive holds \(entry.uncompressedSize)")
                    }
                    let storage = Storage(byteCount: bytes.partialValue)
                    try read(entry, into: storage.pointer)
                    storages[id.key] = storage
                    return StorageSlice(storage: storage, dtype: id.dtype, offset: 0, count: id.count)
                }
                return try unpickler.load()
            }
        }
    }

    /// Reads a stored entry's bytes into `destination` and checks its CRC-32, each piece checksummed
    /// while it is in cache.
    private static func readChecked(_ descriptor: Int32, _ entry: ZipEntry, into destination: UnsafeMutableRawPointer?) throws {
        let failed = Atomic<Bool>(false)
        let crc = destination.map { destination in
            crc32(destination, count: entry.uncompressedSize) { at, length in
                var done = 0
                while done < length {
                    let count = pread(descriptor, destination + at + done, length - done, off_t(entry.dataOffset + at + done))
                    guard count > 0 else { return failed.store(true, ordering: .relaxed) }
                    done += count
                }
            }
        } ?? 0
        guard !failed.load(ordering: .relaxed) else { throw CheckpointError(.io, "cannot read entry '\(entry.name)'") }
        guard crc == entry.crc32, entry.uncompressedSize == 0 || destination != nil else {
            throw CheckpointError(.corrupt, "entry '\(entry.name)' fails its CRC-32 check")
        }
    }

    /// The bytes of a small entry.
    static func extract(_ entry: Entry, from archive: Archive, fileSize: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: try checkedSize(entry, fileSize: fileSize))
        try bytes.withUnsafeMutableBytes { try extract(entry, from: archive, fileSize: fileSize, into: $0.baseAddress) }
        return bytes
    }

    /// An entry's declared size, refused when it cannot be true of a file this large.
    private static func checkedSize(_ entry: Entry, fileSize: Int) throws -> Int {
        let limit = entry.isCompressed ? UInt64(fileSize) * 1032 : UInt64(fileSize)  // deflate expands at most ~1032×
        guard entry.uncompressedSize <= limit, entry.compressedSize <= UInt64(fileSize) else {
            throw CheckpointError(.corrupt, "entry '\(entry.path)' declares \(entry.uncompressedSize) bytes in a file of \(fileSize)")
        }
        return Int(entry.uncompressedSize)
    }

    /// Copies an entry's bytes to `destination`, verifying its size and CRC-32.
    static func extract(_ entry: Entry, from archive: Archive, fileSize: Int, into destination: UnsafeMutableRawPointer?) throws {
        let size = try checkedSize(entry, fileSize: fileSize)
        var written = 0
        do {
            // ZIPFoundation's own CRC-32 is a byte-at-a-time loop on Linux; zlib's is checked below instead.
            _ = try archive.extract(entry, bufferSize: Swift.max(1, Swift.min(size, 1 << 20)), skipCRC32: true) { chunk in
                guard written + chunk.count <= size, let destination else {
                    throw CheckpointError(.corrupt, "entry '\(entry.path)' holds more bytes than it declares")
                }
                chunk.copyBytes(to: (destination + written).assumingMemoryBound(to: UInt8.self), count: chunk.count)
                written += chunk.count
            }
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError(.corrupt, "entry '\(entry.path)' cannot be read (\(error))")
        }
        guard written == size else { throw CheckpointError(.truncated, "entry '\(entry.path)' holds \(written) of \(size) bytes") }
        guard crc32(destination, count: size) == entry.checksum else {
            throw CheckpointError(.corrupt, "entry '\(entry.path)' fails its CRC-32 check")
        }
    }

    /// The CRC-32 of `count` bytes at `bytes`, in 256 KiB chunks split across threads and combined;
    /// `prepare(offset, length)` first fills each chunk (copies it into place), so the checksum reads
    /// it from cache.
    private static func crc32(_ bytes: UnsafeRawPointer?, count: Int, preparing prepare: ((Int, Int) -> Void)? = nil) -> UInt32 {
        guard let bytes, count > 0 else { return 0 }
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

    /// Legacy files: magic number, protocol version, system info, the pickle, its storage keys, then each
    /// storage as an 8-byte element count and its bytes.
    private static func readLegacy(_ bytes: [UInt8]) throws -> CheckpointValue {
        try bytes.withUnsafeBytes { raw in
            func header(at offset: Int) throws -> (CheckpointValue, Int) {
                var unpickler = Unpickler(ByteReader(raw, offset: offset, what: "legacy header")) { _ in
                    throw CheckpointError(.corrupt, "a legacy header names a storage")
                }
                return (try unpickler.load(), unpickler.offset)
            }
            guard raw.starts(with: legacyMagic) else {
                throw CheckpointError(.corrupt, "not a PyTorch file (neither a zip archive nor the legacy magic number)")
            }
            let (version, afterVersion) = try header(at: legacyMagic.count)
            guard version.int == 1001 else { throw CheckpointError(.unsupported, "legacy protocol version \(version.int ?? -1)") }
            let (systemInfo, afterInfo) = try header(at: afterVersion)
            if let littleEndian = systemInfo["little_endian"], case .bool(false) = littleEndian {
                throw CheckpointError(.unsupported, "big-endian legacy file")
            }
            // Storages are created empty while the main pickle names them, and filled from the tail.
            var roots: [String: (storage: Storage, dtype: DType, count: Int)] = [:]
            // The storages' bytes follow the pickle in the file, so together they cannot exceed it.
            var declaredBytes = 0
            var unpickler = Unpickler(ByteReader(raw, offset: afterInfo, what: "legacy pickle")) { id in
                let root: (storage: Storage, dtype: DType, count: Int)
                if let existing = roots[id.key] {
                    guard existing.dtype == id.dtype, existing.count == id.count else {
                        throw CheckpointError(.corrupt, "storage '\(id.key)' is named with two types or sizes")
                    }
                    root = existing
                } else {
                    let bytes = id.count.multipliedReportingOverflow(by: id.dtype.itemSize)
                    guard !bytes.overflow, bytes.partialValue <= raw.count - declaredBytes else {
                        throw CheckpointError(.corrupt, "storage '\(id.key)' declares \(id.count) elements, more than the file of "
                                              + "\(raw.count) bytes holds")
                    }
                    declaredBytes += bytes.partialValue
                    root = (Storage(zeroedByteCount: bytes.partialValue), id.dtype, id.count)
                    roots[id.key] = root
                }
                guard let view = id.view else { return StorageSlice(storage: root.storage, dtype: id.dtype, offset: 0, count: id.count) }
                guard view.offset <= id.count, view.count <= id.count - view.offset else {
                    throw CheckpointError(.corrupt, "view '\(view.key)' lies outside storage '\(id.key)'")
                }
                return StorageSlice(storage: root.storage, dtype: id.dtype, offset: view.offset, count: view.count)
            }
            let result = try unpickler.load()
            let (keys, dataStart) = try header(at: unpickler.offset)
            guard let keyList = keys.elements else { throw CheckpointError(.corrupt, "the legacy storage key list is missing") }
            var reader = ByteReader(raw, offset: dataStart, what: "legacy storage data")
            for key in keyList {
                guard let name = key.string, let root = roots[name] else {
                    throw CheckpointError(.corrupt, "storage key \(key) was not named by the pickle")
                }
                let count = try reader.unsigned(8)
                guard count == UInt64(root.count) else {
                    throw CheckpointError(.corrupt, "storage '\(name)' declares \(root.count) elements, its data \(count)")
                }
                let data = try reader.take(root.storage.byteCount)
                if let base = data.baseAddress { root.storage.pointer.copyMemory(from: base, byteCount: data.count) }
            }
            return result
        }
    }

    // MARK: Writing

    /// Writes `value` as `torch.save` does (zip, pickle protocol 2), archive records named after the file.
    static func write(_ value: CheckpointValue, to url: URL, archiveName: String) throws {
        var pickler = Pickler()
        try pickler.dump(value)
        let archive: Archive
        do { archive = try Archive(url: url, accessMode: .create) } catch {
            throw CheckpointError(.io, "cannot create the archive (\(error))")
        }
        func add(_ name: String, count: Int, bytes: @escaping (Int, Int) -> Data) throws {
            do {
                try archive.addEntry(with: "\(archiveName)/\(name)", type: .file, uncompressedSize: Int64(count),
                                     compressionMethod: .none, bufferSize: Swift.max(1, Swift.min(count, 1 << 22))) { position, size in
                    bytes(Int(position), size)
                }
            } catch {
                throw CheckpointError(.io, "cannot write '\(name)' (\(error))")
            }
        }
        func add(_ name: String, _ bytes: [UInt8]) throws {
            try add(name, count: bytes.count) { Data(bytes[$0..<$0 + $1]) }
        }
        try add("data.pkl", pickler.bytes)
        try add("byteorder", Array("little".utf8))
        for (key, storage) in pickler.storages {
            try add("data/\(key)", count: storage.byteCount) { Data(bytes: storage.pointer + $0, count: $1) }
        }
        try add("version", Array("3\n".utf8))
    }
}

private extension FileHandle {
    /// Up to `count` bytes from the start of the file.
    func readPrefix(_ count: Int) throws -> [UInt8] {
        defer { try? close() }
        return Array(try read(upToCount: count) ?? Data())
    }
}
