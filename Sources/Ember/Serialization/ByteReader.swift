// Bounds-checked reads from a byte buffer: every parser of untrusted files goes through it, so a
// truncated or forged length becomes an error instead of a read past the end.

/// A cursor over borrowed bytes that throws `CheckpointError` (`.truncated`) instead of reading past the end.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    private(set) var offset: Int
    /// Names the structure being read, for messages ("pickle", "safetensors header"…).
    let what: String

    init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0, what: String) {
        self.bytes = bytes
        self.offset = offset
        self.what = what
    }

    var remaining: Int { bytes.count - offset }
    var isAtEnd: Bool { offset >= bytes.count }

    /// Checks that `count` more bytes exist (a forged length fails here, before anything is allocated).
    func require(_ count: Int) throws {
        guard count >= 0, count <= remaining else {
            throw CheckpointError(.truncated, "\(what) ends at byte \(bytes.count), \(count) more bytes were expected at offset \(offset)")
        }
    }

    mutating func byte() throws -> UInt8 {
        try require(1)
        defer { offset += 1 }
        return bytes[offset]
    }

    /// `count` bytes as a slice of the underlying buffer.
    mutating func take(_ count: Int) throws -> UnsafeRawBufferPointer {
        try require(count)
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count])
    }

    /// An unsigned little-endian integer of `size` bytes (at most 8).
    mutating func unsigned(_ size: Int) throws -> UInt64 {
        let raw = try take(size)
        var value: UInt64 = 0
        for (shift, byte) in raw.enumerated() { value |= UInt64(byte) << (8 * shift) }
        return value
    }

    /// A length field: an unsigned little-endian integer that must fit in `Int`.
    mutating func length(_ size: Int) throws -> Int {
        let value = try unsigned(size)
        guard value <= UInt64(Int.max) else { throw CheckpointError(.corrupt, "\(what): length \(value) at offset \(offset) is too large") }
        return Int(value)
    }

    mutating func skip(_ count: Int) throws { _ = try take(count) }

    /// Bytes up to (not including) the next `terminator`, which is consumed.
    mutating func line(terminator: UInt8 = 0x0A) throws -> String {
        guard let end = bytes[offset...].firstIndex(of: terminator) else {
            throw CheckpointError(.truncated, "\(what): a line starting at offset \(offset) has no end")
        }
        defer { offset = end + 1 }
        return String(decoding: bytes[offset..<end], as: UTF8.self)
    }
}
