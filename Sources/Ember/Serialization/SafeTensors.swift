// safetensors: an 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape
// and byte range, then the bytes. Read through a memory map; every range is checked before it is used.
import Foundation
import OrderedCollections

/// Reading and writing safetensors files (Hugging Face's format), with their string metadata.
public enum SafeTensors {
    static let dtypeNames: [DType: String] = [.float64: "F64", .float32: "F32", .float16: "F16", .bfloat16: "BF16",
                                              .int64: "I64", .int32: "I32", .int8: "I8", .uint8: "U8", .bool: "BOOL"]

    /// The tensors of a safetensors file, in the order of their bytes, and its `__metadata__`.
    ///
    /// - Throws: `CheckpointError` for a missing, truncated or malformed file.
    public static func load(_ path: String) throws -> (tensors: OrderedDictionary<String, Tensor>, metadata: [String: String]) {
        do { return try read(URL(fileURLWithPath: path)) } catch var error as CheckpointError {
            error.path = path
            throw error
        }
    }

    /// Writes `tensors` (made contiguous) with `metadata` to `path`, atomically.
    public static func save(_ tensors: OrderedDictionary<String, Tensor>, metadata: [String: String] = [:], to path: String) throws {
        try Ember.writeAtomically(to: URL(fileURLWithPath: path)) { try write(tensors, metadata: metadata, to: $0) }
    }

    static func read(_ url: URL) throws -> (tensors: OrderedDictionary<String, Tensor>, metadata: [String: String]) {
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw CheckpointError(.io, "cannot read the file (\(Ember.reason(error)))")
        }
        return try data.withUnsafeBytes { raw in
            var reader = ByteReader(raw, what: "safetensors file")
            let headerSize = try reader.length(8)
            let header = try reader.take(headerSize)
            let body = UnsafeRawBufferPointer(rebasing: raw[reader.offset...])
            let json: Any
            do { json = try JSONSerialization.jsonObject(with: Data(header)) } catch {
                throw CheckpointError(.corrupt, "the safetensors header is not JSON (\(Ember.reason(error)))")
            }
            guard let entries = json as? [String: Any] else { throw CheckpointError(.corrupt, "the safetensors header is not an object") }
            var metadata: [String: String] = [:]
            var layout: [(name: String, dtype: DType, shape: [Int], begin: Int, end: Int)] = []
            for (name, entry) in entries {
                if name == "__metadata__" {
                    guard let pairs = entry as? [String: String] else { throw CheckpointError(.corrupt, "__metadata__ is not a map of strings") }
                    metadata = pairs
                    continue
                }
                guard let fields = entry as? [String: Any], let dtypeName = fields["dtype"] as? String,
                      let shape = (fields["shape"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                      shape.count == (fields["shape"] as? [Any])?.count, shape.allSatisfy({ $0 >= 0 }),
                      let offsets = (fields["data_offsets"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }), offsets.count == 2 else {
                    throw CheckpointError(.corrupt, "tensor '\(name)' has no valid dtype, shape and data_offsets")
                }
                guard let dtype = dtypeNames.first(where: { $0.value == dtypeName })?.key else {
                    throw CheckpointError(.unsupported, "tensor '\(name)' has dtype \(dtypeName)")
                }
                let bytes = try Tensor.checkedByteCount(shape, dtype, name: name)
                guard offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= body.count, offsets[1] - offsets[0] == bytes else {
                    throw CheckpointError(.corrupt, "tensor '\(name)' of shape \(shape) (\(bytes) bytes) has data_offsets "
                                          + "\(offsets) in \(body.count) bytes of data")
                }
                layout.append((name, dtype, shape, offsets[0], offsets[1]))
            }
            layout.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
            var expected = 0
            for entry in layout {
                guard entry.begin == expected else {
                    throw CheckpointError(.corrupt, "tensor '\(entry.name)' starts at byte \(entry.begin) of the data, expected \(expected) "
                                          + "(ranges must not overlap or leave holes)")
                }
                expected = entry.end
            }
            var tensors = OrderedDictionary<String, Tensor>()
            for entry in layout {
                tensors[entry.name] = Tensor(copying: UnsafeRawBufferPointer(rebasing: body[entry.begin..<entry.end]),
                                             shape: entry.shape, dtype: entry.dtype)
            }
            return (tensors, metadata)
        }
    }

    static func write(_ tensors: OrderedDictionary<String, Tensor>, metadata: [String: String], to url: URL) throws {
        var header = "{"
        var offset = 0
        func quoted(_ s: String) -> String {
            let data = try! JSONSerialization.data(withJSONObject: [s], options: [.fragmentsAllowed])
            return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
        }
        if !metadata.isEmpty {
            header += "\"__metadata__\":{" + metadata.keys.sorted().map { "\(quoted($0)):\(quoted(metadata[$0]!))" }.joined(separator: ",") + "},"
        }
        var parts: [Data] = []
        for (name, tensor) in tensors {
            guard let dtype = dtypeNames[tensor.dtype] else { throw CheckpointError(.unsupported, "dtype \(tensor.dtype) in safetensors") }
            let bytes = tensor.numel * tensor.dtype.itemSize
            header += "\(quoted(name)):{\"dtype\":\"\(dtype)\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],"
                + "\"data_offsets\":[\(offset),\(offset + bytes)]},"
            offset += bytes
            parts.append(tensor.contiguousBytes)
        }
        if header.hasSuffix(",") { header.removeLast() }
        header += "}"
        while header.utf8.count % 8 != 0 { header += " " }
        var file = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(contentsOf: Array(header.utf8))
        for part in parts { file.append(part) }
        do { try file.write(to: url) } catch { throw CheckpointError(.io, "cannot write the file (\(Ember.reason(error)))") }
    }

    /// The tensors of a dictionary of string keys and tensor values (safetensors and .npz hold only that).
    static func tensors(of value: CheckpointValue) throws -> OrderedDictionary<String, Tensor> {
        do { return try OrderedDictionary<String, Tensor>(checkpointValue: value) } catch {
            throw CheckpointError(.typeMismatch, "this format holds a dictionary of named tensors, not a \(value.kindName)")
        }
    }
}
