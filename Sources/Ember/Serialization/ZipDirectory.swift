// A zip's directories, checked against the file before anything reads an entry: ZIPFoundation trusts
// the 64-bit sizes and offsets it finds there, and a forged one traps in its integer conversions
// (found by fuzzing). Every offset and size is checked to lie inside the file, and each entry's data
// range is recorded, so stored entries can be copied straight out of a memory-mapped file.
import Foundation

/// One entry of a zip archive, as its central directory and local header describe it.
struct ZipEntry {
    let name: String
    /// Where the entry's (possibly compressed) bytes start in the file.
    let dataOffset: Int
    let compressedSize: Int
    let uncompressedSize: Int
    let crc32: UInt32
    /// 0: stored; 8: deflated.
    let method: Int
}

enum ZipDirectory {
    private static func corrupt(_ message: String) -> CheckpointError { CheckpointError(.corrupt, "zip: \(message)") }

    /// The entries of the archive in `raw`, in directory order, every range inside `raw`.
    static func entries(of raw: UnsafeRawBufferPointer) throws -> [ZipEntry] {
        let size = raw.count
        func value(_ at: Int, _ width: Int) throws -> UInt64 {
            var reader = ByteReader(raw, offset: at, what: "zip archive")
            guard at >= 0 else { throw corrupt("negative offset") }
            return try reader.unsigned(width)
        }
        func signature(_ at: Int) -> UInt64? { at >= 0 && at + 4 <= size ? try? value(at, 4) : nil }
        // The end-of-central-directory record: the last signature within the final 64 KiB + 22 bytes.
        guard size >= 22 else { throw corrupt("file of \(size) bytes is too short") }
        guard let end = stride(from: size - 22, through: Swift.max(0, size - 22 - 0xFFFF), by: -1)
            .first(where: { signature($0) == 0x0605_4B50 }) else { throw corrupt("no end of central directory record") }
        var count = try value(end + 10, 2), directorySize = try value(end + 12, 4), directoryOffset = try value(end + 16, 4)
        // ZIP64: the locator sits just before that record, the ZIP64 record just before the locator.
        if end >= 76, signature(end - 20) == 0x0706_4B50 {
            let record = end - 76
            guard signature(record) == 0x0606_4B50 else { throw corrupt("ZIP64 locator without a ZIP64 record") }
            count = try value(record + 32, 8)
            directorySize = try value(record + 40, 8)
            directoryOffset = try value(record + 48, 8)
        }
        let fileSize = UInt64(size)
        guard directoryOffset <= fileSize, directorySize <= fileSize - directoryOffset else {
            throw corrupt("central directory at \(directoryOffset) of \(directorySize) bytes lies outside the file of \(size)")
        }
        var at = Int(directoryOffset)
        // Entries of a valid archive do not overlap, so their sizes add up to at most the file's; a forged
        // directory that points many entries at the same bytes would otherwise multiply the memory a
        // reader allocates.
        var totalCompressed: UInt64 = 0, totalUncompressed: UInt64 = 0
        var entries: [ZipEntry] = []
        for _ in 0..<Swift.min(count, fileSize / 46) {
            guard signature(at) == 0x0201_4B50 else { break }  // ZIPFoundation stops at the first missing entry too
            var compressed = try value(at + 20, 4), uncompressed = try value(at + 24, 4), local = try value(at + 42, 4)
            let nameLength = Int(try value(at + 28, 2)), extraLength = Int(try value(at + 30, 2))
            let commentLength = Int(try value(at + 32, 2))
            // ZIP64 extended information replaces the fields set to 0xFFFFFFFF, in this order.
            var extra = at + 46 + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let tag = try value(extra, 2), length = Int(try value(extra + 2, 2))
                if tag == 1 {
                    var field = extra + 4
                    for slot in [0, 1, 2] {
                        let current = [uncompressed, compressed, local][slot]
                        guard current == 0xFFFF_FFFF, field + 8 <= extra + 4 + length else { continue }
                        let wide = try value(field, 8)
                        if slot == 0 { uncompressed = wide } else if slot == 1 { compressed = wide } else { local = wide }
                        field += 8
                    }
                }
                extra += 4 + length
            }
            guard compressed <= fileSize, uncompressed <= fileSize * 1032, local <= fileSize, fileSize - local >= 30 else {
                throw corrupt("entry sizes \(compressed)/\(uncompressed) or header offset \(local) do not fit a file of \(size) bytes")
            }
            guard signature(Int(local)) == 0x0403_4B50 else { throw corrupt("entry header at \(local) is missing") }
            let dataOffset = local + 30 + (try value(Int(local) + 26, 2)) + (try value(Int(local) + 28, 2))
            guard dataOffset <= fileSize, compressed <= fileSize - dataOffset else {
                throw corrupt("entry data at \(dataOffset) of \(compressed) bytes lies outside the file of \(size)")
            }
            guard at + 46 + nameLength <= size else { throw corrupt("entry name runs past the end of the file") }
            entries.append(ZipEntry(name: String(decoding: UnsafeRawBufferPointer(rebasing: raw[(at + 46)..<(at + 46 + nameLength)]), as: UTF8.self),
                                    dataOffset: Int(dataOffset), compressedSize: Int(compressed), uncompressedSize: Int(uncompressed),
                                    crc32: UInt32(try value(at + 16, 4)), method: Int(try value(at + 10, 2))))
            totalCompressed += compressed
            totalUncompressed += uncompressed
            guard totalCompressed <= fileSize, totalUncompressed <= fileSize * 1032 else {
                throw corrupt("entries declare more bytes than the file of \(size) can hold")
            }
            at += 46 + nameLength + extraLength + commentLength
        }
        return entries
    }
}
