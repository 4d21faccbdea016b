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
                                               .int64: "<i8", .int32: "<i4", .int8: "|i1", .uint8: "|u1", .bool: "|b1"]

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
            throw CheckpointError(.io, "cannot read the file (\(error))")
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

    /// The header dict: `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
    private static func parseHeader(_ header: String) throws -> (String, Bool, [Int]) {
        func field(_ name: String) throws -> Substring {
            guard let key = header.range(of: "'\(name)'"), let colon = header[key.upperBound...].firstIndex(of: ":") else {
                throw CheckpointError(.corrupt, ".npy header has no '\(name)': \(header)")
            }
            return header[header.index(after: colon)...].drop(while: { $0 == " " })
        }
        let descrField = try field("descr")
        guard let quote = descrField.first, quote == "'" || quote == "\"",
              let end = descrField.dropFirst().firstIndex(of: quote) else {
            throw CheckpointError(.unsupported, ".npy descr is not a simple type string: \(header)")
        }
        let descriptor = String(descrField[descrField.index(after: descrField.startIndex)..<end])
        let fortran = try field("fortran_order")
        guard fortran.hasPrefix("True") || fortran.hasPrefix("False") else { throw CheckpointError(.corrupt, ".npy fortran_order: \(header)") }
        let shapeField = try field("shape")
        guard shapeField.first == "(", let close = shapeField.firstIndex(of: ")") else { throw CheckpointError(.corrupt, ".npy shape: \(header)") }
        let parts = shapeField[shapeField.index(after: shapeField.startIndex)..<close].split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let shape = try parts.map { part -> Int in
            guard let extent = Int(part.hasSuffix("L") ? String(part.dropLast()) : part), extent >= 0 else {
                throw CheckpointError(.corrupt, ".npy shape entry '\(part)'")
            }
            return extent
        }
        return (descriptor, fortran.hasPrefix("True"), shape)
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
            throw CheckpointError(.io, "cannot write the file (\(error))")
        }
    }

    // MARK: .npz

    static func readArchive(_ url: URL) throws -> OrderedDictionary<String, Tensor> {
        let file: Data
        do { file = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw CheckpointError(.io, "cannot read the file (\(error))")
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
            throw CheckpointError(.io, "cannot create the archive (\(error))")
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
                throw CheckpointError(.io, "cannot write '\(name).npy' (\(error))")
            }
        }
    }
}
