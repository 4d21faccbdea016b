// `ember inspect` and `ember convert`: what PyTorch users otherwise open Python for — the keys, shapes and dtypes
// in a checkpoint, and a state dict moved between `.pt`, `.safetensors` and `.npz`.
import ArgumentParser
import Ember
import Foundation
import OrderedCollections

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the tensors of a checkpoint (.pt, .pth, .bin, .safetensors, .npy, .npz): keys, shapes, dtypes, sizes.")

    @Argument(help: "The checkpoint file.")
    var file: String

    func run() throws {
        let contents = try Ember.load(file)
        var rows: [(key: String, shape: String, dtype: String, bytes: Int)] = []
        var others: [(key: String, value: String)] = []
        CheckpointListing.walk(contents, path: "") { key, value in
            if let tensor = value.tensor {
                rows.append((key, "[" + tensor.shape.map(String.init).joined(separator: ", ") + "]", tensor.dtype.name,
                             tensor.numel * tensor.dtype.itemSize))
            } else {
                others.append((key, CheckpointListing.describe(value)))
            }
        }
        let keyWidth = max(3, rows.map(\.key.count).max() ?? 0), shapeWidth = max(5, rows.map(\.shape.count).max() ?? 0)
        print("\("key".padding(keyWidth))  \("shape".padding(shapeWidth))  dtype     bytes")
        for row in rows {
            print("\(row.key.padding(keyWidth))  \(row.shape.padding(shapeWidth))  \(row.dtype.padding(8))  \(row.bytes)")
        }
        for other in others { print("\(other.key.padding(keyWidth))  \(other.value)") }
        let elements = rows.reduce(0) { $0 + $1.bytes }
        print("\(rows.count) tensor\(rows.count == 1 ? "" : "s"), \(elements) bytes (\(CheckpointListing.size(elements)))")
    }
}

struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a checkpoint's state dict in another format: .pt, .safetensors or .npz, chosen by OUT's extension.")

    @Argument(help: "The checkpoint to read.")
    var input: String

    @Argument(help: "The file to write (.pt, .pth, .bin, .safetensors or .npz); written whole or not at all.")
    var output: String

    @Option(help: "The dictionary of tensors to take from a nested checkpoint, as a dotted path (model, or state.0).")
    var key: String?

    @Option(help: "Cast the floating-point tensors to this dtype (float32, float16, bfloat16, float64); others keep theirs.")
    var dtype: String?

    func run() throws {
        let cast = try dtype.map { name -> DType in
            guard let type = DType(name: name), type.isFloatingPoint else {
                throw ValidationError("--dtype must be a floating-point dtype (float16, bfloat16, float32, float64), got \(name)")
            }
            return type
        }
        var contents = try Ember.load(input)
        for part in key.map({ $0.split(separator: ".").map(String.init) }) ?? [] {
            guard let inner = CheckpointListing.child(of: contents, part) else { throw CheckpointContentsError("\(input) has no key \(part) (from --key \(key!))") }
            contents = inner
        }
        guard let pairs = CheckpointListing.stateDict(contents) else {
            throw CheckpointContentsError("\(input) holds no flat dictionary of tensors\(key == nil ? "; name one inside it with --key" : "")")
        }
        let state = OrderedDictionary(uniqueKeysWithValues: pairs.map { key, tensor in
            (key, cast.map { tensor.dtype.isFloatingPoint ? tensor.to($0) : tensor } ?? tensor)
        })
        try Ember.save(state, to: output)
        print("wrote \(state.count) tensors to \(output)")
    }
}

/// A checkpoint that does not hold what the command needs (printed as it is, without the usage text).
struct CheckpointContentsError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// How the commands read a checkpoint's nested values.
enum CheckpointListing {
    /// Calls `visit` with the dotted key path of every tensor and plain value, dictionaries and lists opened.
    static func walk(_ value: CheckpointValue, path: String, _ visit: (String, CheckpointValue) -> Void) {
        func joined(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
        switch value {
        case .dict(let pairs):
            for (key, inner) in pairs { walk(inner, path: joined(keyName(key)), visit) }
        case .list(let items), .tuple(let items):
            for (index, inner) in items.enumerated() { walk(inner, path: joined(String(index)), visit) }
        default:
            visit(path.isEmpty ? "(root)" : path, value)
        }
    }

    /// The value under `part` of a dictionary (a string key, or an int key as an optimizer's `state` has) or a list.
    static func child(of value: CheckpointValue, _ part: String) -> CheckpointValue? {
        switch value {
        case .dict(let pairs): return pairs.first { keyName($0.key) == part }?.value
        case .list(let items), .tuple(let items): return Int(part).flatMap { items.indices.contains($0) ? items[$0] : nil }
        default: return nil
        }
    }

    /// The tensors of a flat dictionary of string keys, in order, or nil when it is something else.
    static func stateDict(_ value: CheckpointValue) -> [(String, Tensor)]? {
        if let tensor = value.tensor { return [("tensor", tensor)] }
        guard case .dict(let pairs) = value else { return nil }
        var tensors: [(String, Tensor)] = []
        for (key, inner) in pairs {
            guard case .string(let name) = key, let tensor = inner.tensor else { return nil }
            tensors.append((name, tensor))
        }
        return tensors
    }

    /// A plain value as one line.
    static func describe(_ value: CheckpointValue) -> String {
        switch value {
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .string(let s): return "\"\(s)\""
        case .bytes(let b): return "\(b.count) bytes"
        case .list, .tuple: return "[]"
        case .dict: return "{}"
        case .tensor(let t): return "tensor \(t.shape)"
        }
    }

    private static func keyName(_ key: CheckpointValue) -> String {
        if case .string(let s) = key { return s }
        return describe(key)
    }

    /// Bytes in KiB, MiB or GiB.
    static func size(_ bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB"]
        var value = Double(bytes), unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
}

private extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
