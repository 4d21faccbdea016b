// PyTorch's checkpoint format: a zip archive (`<name>/data.pkl`, `<name>/data/<key>`, `byteorder`,
// `version`; read by `ZipReader`, written with ZIPFoundation) whose pickle names its storages by key, and, for reading,
// the legacy pre-1.6 format: pickles followed by the raw storages.
import Foundation
import ZIPFoundation

enum PyTorchFormat {
    /// The pickle that opens a legacy file: `torch.serialization.MAGIC_NUMBER`, 0x1950a86a20f9469cfc6c
    /// (an 80-bit integer, compared as bytes).
    static let legacyMagic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]

    // MARK: Reading

    static func read(_ url: URL) throws -> CheckpointValue {
        let file: Data
        do { file = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw CheckpointError(.io, "cannot read the file (\(Ember.reason(error)))")
        }
        return try file.withUnsafeBytes { raw in
            if raw.starts(with: [0x50, 0x4B, 0x03, 0x04]) || raw.starts(with: [0x50, 0x4B, 0x05, 0x06]) {
                return try readZip(ZipReader(url: url, file: raw))
            }
            return try readLegacy(raw)
        }
    }

    private static func readZip(_ archive: ZipReader) throws -> CheckpointValue {
        guard let pickleEntry = archive.entries.first(where: { $0.name.hasSuffix("/data.pkl") && !$0.name.dropLast(9).contains("/") })
                ?? archive["data.pkl"] else {
            throw CheckpointError(.corrupt, "the archive has no data.pkl")
        }
        let prefix = String(pickleEntry.name.dropLast("data.pkl".count))
        if let order = archive[prefix + "byteorder"] {
            let text = String(decoding: try archive.bytes(of: order), as: UTF8.self)
            guard text == "little" else { throw CheckpointError(.unsupported, "byte order '\(text)'") }
        }
        let pickle = try archive.bytes(of: pickleEntry)
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
                guard let entry = archive[prefix + "data/" + id.key] else {
                    throw CheckpointError(.corrupt, "storage '\(id.key)' is missing from the archive")
                }
                // CVE-2026-24747: the declared element count must match the bytes actually stored.
                guard entry.uncompressedSize == bytes.partialValue else {
                    throw CheckpointError(.corrupt, "storage '\(id.key)' declares \(id.count) \(id.dtype) elements "
                                          + "(\(bytes.partialValue) bytes), the archive holds \(entry.uncompressedSize)")
                }
                let storage = Storage(byteCount: bytes.partialValue)
                try archive.read(entry, into: storage.pointer)
                storages[id.key] = storage
                return StorageSlice(storage: storage, dtype: id.dtype, offset: 0, count: id.count)
            }
            return try unpickler.load()
        }
    }

    /// Legacy files: magic number, protocol version, system info, the pickle, its storage keys, then each
    /// storage as an 8-byte element count and its bytes.
    private static func readLegacy(_ raw: UnsafeRawBufferPointer) throws -> CheckpointValue {
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

    // MARK: Writing

    /// The modification date of every archive entry: a fixed one (1980-01-01, the first a zip can hold), so
    /// equal contents make equal files, as PyTorch's writer leaves the date out.
    static let entryDate = Date(timeIntervalSince1970: 315_532_800)

    /// Writes `value` as `torch.save` does (zip, pickle protocol 2), archive records named after the file.
    static func write(_ value: CheckpointValue, to url: URL, archiveName: String) throws {
        var pickler = Pickler()
        try pickler.dump(value)
        let archive: Archive
        do { archive = try Archive(url: url, accessMode: .create) } catch {
            throw CheckpointError(.io, "cannot create the archive (\(Ember.reason(error)))")
        }
        func add(_ name: String, count: Int, bytes: @escaping (Int, Int) -> Data) throws {
            do {
                try archive.addEntry(with: "\(archiveName)/\(name)", type: .file, uncompressedSize: Int64(count),
                                     modificationDate: entryDate, compressionMethod: .none, bufferSize: Swift.max(1, Swift.min(count, 1 << 22))) { position, size in
                    bytes(Int(position), size)
                }
            } catch {
                throw CheckpointError(.io, "cannot write '\(name)' (\(Ember.reason(error)))")
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
