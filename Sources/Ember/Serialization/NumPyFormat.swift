// NumPy's `.npy` (magic, version, a Python-literal header with descr, fortran_order and shape, then the
// data) and `.npz` (a zip of `.npy` files, possibly deflated; ZIPFoundation for the container).
import Foundation
import OrderedCollections
import ZIPFoundation

enum NumPyFormat {
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// NumPy's type strings. bfloat16 has none in NumPy itself; it is written as a 2-byte void ('<V2'),
    /// which `ml_dtypes` users view as bfloat16, and '<V2' reads back as bfloat16.
    static let descriptors: [DType: String] = [.float64: "<f8", .float32: "<f4", .float16: "<f2", .bfloat16: "<V2",
                                               .int64: "<i8", .int32: "<i4", .int8: "|i1", .uint8: "|u1", .bool: "|b1",
                                               .complex64: "<c8", .complex128: "<c16"]

    private static func dtype(for descriptor: String) throws -> DType {
        // '=' and '|' mean native / not applicable: little-endian here.
        let normalized = descriptor.replacingOccurrences(of: "=", with: "<")
        if let match = descriptors.first(where: { $0.value == normalized || $0.value.dropFirst() == normalized.dropFirst() }) {
            return match.key
        }
        if normalized.hasPrefix(">") { throw CheckpointError(.unsupported, "big-endian NumPy dtype '\(descriptor)'") }
        throw CheckpointError(.unsupported, "NumPy dtype '\(descriptor)'")
    }

    // MARK: .npy

    static func readArray(_ url: URL) throws -> Tensor {
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw CheckpointError(.io, "cannot read the file (\(Ember.reason(error)))")
        }
        return try data.withUnsafeBytes { try parseArray($0) }
    }

    static func parseArray(_ raw: UnsafeRawBufferPointer) throws -> Tensor {
        do {
            var reader = ByteReader(raw, what: ".npy file")
            guard Array(try reader.take(6)) == magic else { throw CheckpointError(.corrupt, "not a .npy file (bad magic)") }
            let major = try reader.byte()
            _ = try reader.byte()
            guard (1...3).contains(major) else { throw CheckpointError(.unsupported, ".npy version \(major)") }
            let headerSize = try reader.length(major == 1 ? 2 : 4)
            let header = String(decoding: try reader.take(headerSize), as: UTF8.self)
            let (descriptor, fortranOrder, shape) = try parseHeader(header)
            let dtype = try dtype(for: descriptor)
            let bytes = try Tensor.checkedByteCount(shape, dtype, name: "array")
            guard bytes <= reader.remaining else {
                throw CheckpointError(.truncated, ".npy data holds \(reader.remaining) bytes, shape \(shape) of \(dtype) needs \(bytes)")
            }
            let body = try reader.take(bytes)
            // Fortran order: the bytes are the transpose's, read as the reversed shape and transposed back.
            let stored = Tensor(copying: body, shape: fortranOrder ? shape.reversed() : shape, dtype: dtype)
            guard fortranOrder, shape.count > 1 else { return stored }
            return stored.permute(Array((0..<shape.count).reversed())).contiguous()
        }
    }

    /// The header dict: `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`, read as NumPy reads it:
    /// a Python dict literal with exactly these three keys and literal values (a string, a bool, a tuple of
    /// non-negative ints); anything else is refused, as `numpy.load` refuses it.
    private static func parseHeader(_ header: String) throws -> (String, Bool, [Int]) {
        var scanner = HeaderScanner(text: Array(header.utf8))
        var fields: [String: HeaderScanner.Value] = [:]
        try scanner.expect("{")
        while !scanner.consume("}") {
            guard case .string(let key) = try scanner.value() else { throw scanner.failure("a key that is not a string") }
            try scanner.expect(":")
            guard ["descr", "fortran_order", "shape"].contains(key), fields[key] == nil else {
                throw CheckpointError(.corrupt, ".npy header holds '\(key)', which a NumPy header may not (\(header))")
            }
            fields[key] = try scanner.value()
            if !scanner.consume(",") { try scanner.expect("}"); break }
        }
        guard scanner.isAtEnd() else { throw scanner.failure("text after the dict") }
        guard case .string(let descriptor)? = fields["descr"] else {
            throw CheckpointError(fields["descr"] == nil ? .corrupt : .unsupported, ".npy descr is not a simple type string: \(header)")
        }
        guard case .bool(let fortran)? = fields["fortran_order"] else { throw CheckpointError(.corrupt, ".npy fortran_order: \(header)") }
        guard case .tuple(let shape)? = fields["shape"] else { throw CheckpointError(.corrupt, ".npy shape: \(header)") }
        return (descriptor, fortran, shape)
    }

    /// The bytes of a version 1.0 `.npy` file of `tensor` in C order.
    static func encodeArray(_ tensor: Tensor) throws -> Data {
        guard let descriptor = descriptors[tensor.dtype] else { throw CheckpointError(.unsupported, "dtype \(tensor.dtype) in .npy") }
        let shape = tensor.shape.count == 1 ? "(\(tensor.shape[0]),)" : "(\(tensor.shape.map(String.init).joined(separator: ", ")))"
        var header = "{'descr': '\(descriptor)', 'fortran_order': False, 'shape': \(shape), }"
        // Magic, version, length and header are padded to a multiple of 64 bytes, ending in a newline.
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var data = Data(magic + [1, 0])
        withUnsafeBytes(of: UInt16(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: Array(header.utf8))
        data.append(tensor.contiguousBytes)
        return data
    }

    static func writeArray(_ tensor: Tensor, to url: URL) throws {
        do { try encodeArray(tensor).write(to: url) } catch let error as CheckpointError { throw error } catch {
            throw CheckpointError(.io, "cannot write the file (\(Ember.reason(error)))")
        }
    }

    // MARK: .npz

    static func readArchive(_ url: URL) throws -> OrderedDictionary<String, Tensor> {
        let file: Data
        do { file = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw CheckpointError(.io, "cannot read the file (\(Ember.reason(error)))")
        }
        let archive = try file.withUnsafeBytes { try ZipReader(url: url, file: $0) }
        var arrays = OrderedDictionary<String, Tensor>()
        for entry in archive.entries where !entry.name.hasSuffix("/") {
            let name = entry.name.hasSuffix(".npy") ? String(entry.name.dropLast(4)) : entry.name
            arrays[name] = try archive.bytes(of: entry).withUnsafeBytes { try parseArray($0) }
        }
        return arrays
    }

    static func writeArchive(_ arrays: OrderedDictionary<String, Tensor>, to url: URL) throws {
        let archive: Archive
        do { archive = try Archive(url: url, accessMode: .create) } catch {
            throw CheckpointError(.io, "cannot create the archive (\(Ember.reason(error)))")
        }
        for (name, tensor) in arrays {
            let data = try encodeArray(tensor)
            do {
                try archive.addEntry(with: name + ".npy", type: .file, uncompressedSize: Int64(data.count),
                                     modificationDate: PyTorchFormat.entryDate, compressionMethod: .none,
                                     bufferSize: Swift.max(1, Swift.min(data.count, 1 << 22))) { position, size in
                    data.subdata(in: Int(position)..<Int(position) + size)
                }
            } catch {
                throw CheckpointError(.io, "cannot write '\(name).npy' (\(Ember.reason(error)))")
            }
        }
    }
}

/// Reads the Python literals of a `.npy` header: strings, `True`/`False`, tuples of ints; nothing else.
private struct HeaderScanner {
    enum Value { case string(String), bool(Bool), tuple([Int]) }
    let text: [UInt8]
    var position = 0

    /// Whether only whitespace (the header's padding) is left.
    mutating func isAtEnd() -> Bool {
        skipWhitespace()
        return position == text.count
    }

    private mutating func skipWhitespace() {
        while position < text.count, [0x20, 0x0A, 0x0D, 0x09].contains(text[position]) { position += 1 }
    }

    func failure(_ what: String) -> CheckpointError {
        CheckpointError(.corrupt, ".npy header: \(what) at byte \(position) of '\(String(decoding: text, as: UTF8.self))'")
    }

    /// Skips whitespace, then takes `character` if it is next.
    mutating func consume(_ character: Character) -> Bool {
        skipWhitespace()
        guard position < text.count, text[position] == character.asciiValue! else { return false }
        position += 1
        return true
    }

    mutating func expect(_ character: Character) throws {
        guard consume(character) else { throw failure("expected '\(character)'") }
    }

    mutating func value() throws -> Value {
        skipWhitespace()
        guard position < text.count else { throw failure("a missing value") }
        switch text[position] {
        case UInt8(ascii: "'"), UInt8(ascii: "\""):
            let quote = text[position]
            guard let end = text[(position + 1)...].firstIndex(of: quote) else { throw failure("an unterminated string") }
            let string = String(decoding: text[(position + 1)..<end], as: UTF8.self)
            guard !string.contains("\\") else { throw failure("an escape in a string") }
            position = end + 1
            return .string(string)
        case UInt8(ascii: "("):
            position += 1
            var items: [Int] = []
            while !consume(")") {
                items.append(try integer())
                if !consume(",") { try expect(")"); break }
            }
            return .tuple(items)
        default:
            for (word, truth) in [("True", true), ("False", false)] where text[position...].starts(with: Array(word.utf8)) {
                position += word.utf8.count
                return .bool(truth)
            }
            throw failure("a value that is not a literal")
        }
    }

    /// A non-negative integer (Python 2 headers may end it in `L`).
    private mutating func integer() throws -> Int {
        skipWhitespace()
        let start = position
        while position < text.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(text[position]) { position += 1 }
        guard let value = Int(String(decoding: text[start..<position], as: UTF8.self)) else { throw failure("a shape entry that is not a size") }
        if position < text.count, text[position] == UInt8(ascii: "L") { position += 1 }
        return value
    }
}
