// Kaldi's archive (`ark`) and script (`scp`) files, as torchaudio's former `kaldi_io` read them: float and double
// matrices and vectors, int32 vectors, binary or text, each entry a key and a tensor. Every size is checked against
// the bytes that exist before anything is allocated.
import Ember
import Foundation

/// Reading and writing Kaldi archives (`torchaudio.kaldi_io`): `for (key, feats) in try KaldiIO.readMatArk("feats.ark")`.
public enum KaldiIO {
    /// The kinds of objects an archive holds.
    public enum ObjectKind: Sendable {
        /// Matrices of float32 or float64 (`FM`/`DM` binary, `[ rows ]` text).
        case matrix
        /// Vectors of float32 or float64 (`FV`/`DV` binary, `[ … ]` text).
        case floatVector
        /// Vectors of int32.
        case intVector
    }

    /// The matrices of the archive at `path`, in file order (`read_mat_ark`): float32 or float64 as stored.
    public static func readMatArk(_ path: String) throws -> [(key: String, value: Tensor)] { try readArk(path, .matrix) }
    /// The float vectors of the archive at `path` (`read_vec_flt_ark`).
    public static func readVecFltArk(_ path: String) throws -> [(key: String, value: Tensor)] { try readArk(path, .floatVector) }
    /// The int32 vectors of the archive at `path` (`read_vec_int_ark`).
    public static func readVecIntArk(_ path: String) throws -> [(key: String, value: Tensor)] { try readArk(path, .intVector) }
    /// The matrices a script file lists as `key file:offset` (or `key file`) (`read_mat_scp`).
    public static func readMatScp(_ path: String) throws -> [(key: String, value: Tensor)] { try readScp(path, .matrix) }
    /// The float vectors a script file lists (`read_vec_flt_scp`).
    public static func readVecFltScp(_ path: String) throws -> [(key: String, value: Tensor)] { try readScp(path, .floatVector) }

    /// Writes `entries` to an archive at `path`, atomically: matrices ([rows, cols]) or vectors (1-d; int32 and
    /// int64 ones as int vectors), binary unless `binary` is false. Returns each key's `file:offset` for a script file.
    @discardableResult
    public static func writeArk(_ path: String, _ entries: [(key: String, value: Tensor)], binary: Bool = true) throws -> [(key: String, offset: Int)] {
        var bytes: [UInt8] = [], offsets: [(key: String, offset: Int)] = []
        for (key, value) in entries {
            guard !key.isEmpty, !key.contains(where: \.isWhitespace) else {
                throw AudioError(.unsupported, "a Kaldi key must be non-empty without spaces, got \(key.debugDescription)", path: path)
            }
            bytes += Array((key + " ").utf8)
            offsets.append((key, bytes.count))
            bytes += try encode(value, binary: binary, path: path)
        }
        do {
            try Ember.writeAtomically(to: URL(fileURLWithPath: path)) { try Data(bytes).write(to: $0) }
        } catch {
            throw AudioError(.io, "cannot write the archive: \(error)", path: path)
        }
        return offsets
    }

    /// Writes a script file listing `offsets` (from `writeArk`) into the archive `arkPath`.
    public static func writeScp(_ path: String, arkPath: String, offsets: [(key: String, offset: Int)]) throws {
        let text = offsets.map { "\($0.key) \(arkPath):\($0.offset)\n" }.joined()
        do {
            try Ember.writeAtomically(to: URL(fileURLWithPath: path)) { try Data(text.utf8).write(to: $0) }
        } catch {
            throw AudioError(.io, "cannot write the script file: \(error)", path: path)
        }
    }

    // MARK: Reading

    private static func contents(_ path: String) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else { throw AudioError(.missingFile, "no such file", path: path) }
        do {
            return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw AudioError(.io, "cannot read the file: \(error)", path: path)
        }
    }

    private static func readArk(_ path: String, _ kind: ObjectKind) throws -> [(key: String, value: Tensor)] {
        var reader = KaldiReader(bytes: try contents(path), path: path)
        var entries: [(key: String, value: Tensor)] = []
        while let key = try reader.key() { entries.append((key, try reader.object(kind))) }
        return entries
    }

    private static func readScp(_ path: String, _ kind: ObjectKind) throws -> [(key: String, value: Tensor)] {
        let text = String(decoding: try contents(path), as: UTF8.self)
        var files: [String: [UInt8]] = [:]
        var entries: [(key: String, value: Tensor)] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            let fields = line.split(separator: " ", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 2, !fields[1].isEmpty else {
                throw AudioError(.corrupt, "line \(number + 1) is not `key file[:offset]`", path: path)
            }
            var file = fields[1], offset = 0
            if let colon = file.lastIndex(of: ":"), let value = Int(file[file.index(after: colon)...]) {
                (file, offset) = (String(file[..<colon]), value)
            }
            if files[file] == nil { files[file] = try contents(file) }
            var reader = KaldiReader(bytes: files[file]!, path: file)
            guard offset >= 0 && offset <= files[file]!.count else {
                throw AudioError(.corrupt, "line \(number + 1): offset \(offset) is outside \(file)", path: path)
            }
            reader.position = offset
            entries.append((fields[0], try reader.object(kind)))
        }
        return entries
    }

    // MARK: Writing

    private static func encode(_ value: Tensor, binary: Bool, path: String) throws -> [UInt8] {
        let isInteger = value.dtype == .int32 || value.dtype == .int64
        guard value.dim == 1 || (value.dim == 2 && !isInteger), value.dtype.isFloatingPoint || isInteger else {
            throw AudioError(.unsupported, "Kaldi archives hold float matrices and float or int vectors, not a \(value.dtype) tensor "
                             + "of shape \(value.shape)", path: path)
        }
        let isDouble = value.dtype == .float64
        if binary {
            var bytes: [UInt8] = [0, 66]  // "\0B"
            func int32(_ v: Int) { bytes.append(4); appendLittleEndian(&bytes, v, 4) }
            if isInteger {
                guard value.numel <= Int(Int32.max) else { throw AudioError(.unsupported, "the vector is too long", path: path) }
                int32(value.numel)
                for v in value.toArray(as: Int64.self) {
                    guard let narrow = Int32(exactly: v) else {
                        throw AudioError(.unsupported, "\(v) does not fit an int32 Kaldi vector", path: path)
                    }
                    int32(Int(narrow))
                }
                return bytes
            }
            bytes += Array(((isDouble ? "D" : "F") + (value.dim == 2 ? "M " : "V ")).utf8)
            if value.dim == 2 { int32(value.size(0)); int32(value.size(1)) } else { int32(value.size(0)) }
            if isDouble {
                for v in value.toArray(as: Double.self) { appendLittleEndian(&bytes, Int(Int64(bitPattern: v.bitPattern)), 8) }
            } else {
                for v in value.toArray(as: Float.self) { appendLittleEndian(&bytes, Int(v.bitPattern), 4) }
            }
            return bytes
        }
        func number(_ v: Double) -> String { isInteger ? String(Int64(v)) : (isDouble ? "\(v)" : "\(Float(v))") }
        if isInteger { return Array((value.toArray(as: Double.self).map(number).joined(separator: " ") + "\n").utf8) }
        if value.dim == 1 { return Array(("[ " + value.toArray(as: Double.self).map(number).joined(separator: " ") + " ]\n").utf8) }
        let rows = (0..<value.size(0)).map { "  " + value[$0].toArray(as: Double.self).map(number).joined(separator: " ") }
        return Array((" [\n" + rows.joined(separator: " \n") + " ]\n").utf8)
    }
}

/// A cursor over the bytes of an archive.
private struct KaldiReader {
    let bytes: [UInt8], path: String
    var position = 0

    init(bytes: [UInt8], path: String) { (self.bytes, self.path) = (bytes, path) }

    private func fail(_ kind: AudioError.Kind, _ message: String) -> AudioError {
        AudioError(kind, "\(message) at byte \(position)", path: path)
    }

    /// The next entry's key (up to a space), or nil at the end.
    mutating func key() throws -> String? {
        while position < bytes.count, bytes[position] == 10 || bytes[position] == 32 { position += 1 }
        guard position < bytes.count else { return nil }
        let start = position
        while position < bytes.count, bytes[position] != 32 { position += 1 }
        guard position < bytes.count else { throw fail(.truncated, "the archive ends after a key") }
        let key = String(decoding: bytes[start..<position], as: UTF8.self)
        position += 1
        return key
    }

    private mutating func take(_ count: Int, _ what: String) throws -> ArraySlice<UInt8> {
        guard count >= 0, position + count <= bytes.count else { throw fail(.truncated, "the file ends inside \(what)") }
        defer { position += count }
        return bytes[position..<(position + count)]
    }

    private mutating func sizedInt32(_ what: String) throws -> Int {
        let field = try take(5, what)
        guard field.first == 4 else { throw fail(.corrupt, "\(what) is not a 4-byte integer") }
        return Int(Int32(bitPattern: littleEndian32(Array(field), 1)))
    }

    /// The object at the cursor, binary (after "\0B") or text.
    mutating func object(_ kind: KaldiIO.ObjectKind) throws -> Tensor {
        if position + 1 < bytes.count, bytes[position] == 0, bytes[position + 1] == 66 {
            position += 2
            return try binaryObject(kind)
        }
        return try textObject(kind)
    }

    private mutating func binaryObject(_ kind: KaldiIO.ObjectKind) throws -> Tensor {
        if kind == .intVector {
            let count = try sizedInt32("the vector size")
            guard count >= 0 else { throw fail(.corrupt, "negative vector size \(count)") }
            guard count <= (bytes.count - position) / 5 else { throw fail(.truncated, "the file ends inside a vector of \(count) ints") }
            return Tensor(try (0..<count).map { _ in Int32(try sizedInt32("a vector element")) }, shape: [count])
        }
        let token = String(decoding: try take(3, "the type token"), as: UTF8.self)
        let isMatrix = token.dropFirst().first == "M"
        guard ["FM ", "DM ", "FV ", "DV "].contains(token) else {
            throw fail(.unsupported, "Kaldi object \(token.debugDescription) is not supported (compressed matrices are not)")
        }
        guard isMatrix == (kind == .matrix) else {
            throw fail(.corrupt, "expected a \(kind == .matrix ? "matrix" : "vector"), found \(token.debugDescription)")
        }
        let shape = isMatrix ? [try sizedInt32("the row count"), try sizedInt32("the column count")] : [try sizedInt32("the vector size")]
        guard shape.allSatisfy({ $0 >= 0 }) else { throw fail(.corrupt, "negative size \(shape)") }
        let isDouble = token.first == "D", width = isDouble ? 8 : 4
        let (count, overflow) = shape[0].multipliedReportingOverflow(by: shape.count == 2 ? shape[1] : 1)
        guard !overflow, count <= (bytes.count - position) / width else {
            throw fail(.truncated, "the file ends inside a \(shape) \(isDouble ? "double" : "float") object")
        }
        let data = Array(try take(count * width, "the values"))
        return data.withUnsafeBytes { raw in
            isDouble
                ? Tensor((0..<count).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self))) }, shape: shape)
                : Tensor((0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }, shape: shape)
        }
    }

    /// Text: an int vector is numbers to the end of the line; a float vector `[ … ]`; a matrix `[` rows `]`.
    private mutating func textObject(_ kind: KaldiIO.ObjectKind) throws -> Tensor {
        let start = position
        if kind == .intVector {
            while position < bytes.count, bytes[position] != 10 { position += 1 }
            let fields = String(decoding: bytes[start..<position], as: UTF8.self).split(separator: " ").filter { $0 != "[" && $0 != "]" }
            return Tensor(try fields.map { field -> Int32 in
                guard let value = Int32(field) else { throw fail(.corrupt, "\(field.debugDescription) is not an int32") }
                return value
            }, shape: [fields.count])
        }
        guard let close = bytes[position...].firstIndex(of: 93) else { throw fail(.truncated, "a text object has no closing ]") }  // ]
        position = close + 1
        let text = String(decoding: bytes[start..<close], as: UTF8.self)
        guard let open = text.firstIndex(of: "[") else { throw fail(.corrupt, "a text object does not start with [") }
        let lines = text[text.index(after: open)...].split(separator: "\n").map { $0.split(separator: " ") }.filter { !$0.isEmpty }
        let values = try lines.flatMap { $0 }.map { field -> Double in
            guard let value = Double(field) else { throw fail(.corrupt, "\(field.debugDescription) is not a number") }
            return value
        }
        guard kind == .matrix else { return Tensor(values.map { Float($0) }, shape: [values.count]) }
        let columns = lines.first?.count ?? 0
        guard lines.allSatisfy({ $0.count == columns }) else { throw fail(.corrupt, "the rows of a text matrix differ in length") }
        return Tensor(values.map { Float($0) }, shape: [lines.count, columns])
    }
}
