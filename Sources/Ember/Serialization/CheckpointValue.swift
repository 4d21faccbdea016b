// What a checkpoint holds: tensors inside the nested Python values `torch.save` stores, and the Swift
// types that convert to and from it (tensors, state dicts, optimizer state dicts).
import OrderedCollections

/// A value stored in a checkpoint: what `torch.save` writes for a typical training checkpoint
/// (`{"epoch": 3, "model": model.state_dict(), "optimizer": …}`) — numbers, strings, lists, tuples and
/// dictionaries around tensors.
public indirect enum CheckpointValue {
    /// Python's `None`.
    case none
    /// A bool.
    case bool(Bool)
    /// An int.
    case int(Int)
    /// A float.
    case double(Double)
    /// A string.
    case string(String)
    /// A `bytes` value.
    case bytes([UInt8])
    /// A list.
    case list([CheckpointValue])
    /// A tuple.
    case tuple([CheckpointValue])
    /// A dictionary in insertion order. Keys are usually strings, or ints (an optimizer's `state`).
    case dict([(key: CheckpointValue, value: CheckpointValue)])
    /// A tensor.
    case tensor(Tensor)

    /// The value under a string key of a dictionary.
    public subscript(key: String) -> CheckpointValue? {
        guard case .dict(let pairs) = self else { return nil }
        return pairs.first { if case .string(key) = $0.key { return true } else { return false } }?.value
    }

    /// The tensor, if this is one.
    public var tensor: Tensor? { if case .tensor(let t) = self { t } else { nil } }
    /// The string, if this is one.
    public var string: String? { if case .string(let s) = self { s } else { nil } }
    /// The value of an int or a bool (Python's bools are ints).
    public var int: Int? {
        switch self {
        case .int(let i): i
        case .bool(let b): b ? 1 : 0
        default: nil
        }
    }
    /// The value of a float, int or bool.
    public var double: Double? { if case .double(let d) = self { d } else { int.map(Double.init) } }
    /// The elements of a list or a tuple.
    public var elements: [CheckpointValue]? {
        switch self {
        case .list(let items), .tuple(let items): items
        default: nil
        }
    }

    /// The name of this value's kind, for messages (`dict`, `tensor`…).
    var kindName: String {
        switch self {
        case .none: "None"
        case .bool: "bool"
        case .int: "int"
        case .double: "float"
        case .string: "str"
        case .bytes: "bytes"
        case .list: "list"
        case .tuple: "tuple"
        case .dict: "dict"
        case .tensor: "tensor"
        }
    }
}

extension CheckpointValue: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    /// An int from a literal.
    public init(integerLiteral value: Int) { self = .int(value) }
    /// A float from a literal.
    public init(floatLiteral value: Double) { self = .double(value) }
    /// A bool from a literal.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// A string from a literal.
    public init(stringLiteral value: String) { self = .string(value) }
    /// A list from a literal.
    public init(arrayLiteral elements: CheckpointValue...) { self = .list(elements) }
    /// A dictionary from a literal, keeping its order.
    public init(dictionaryLiteral elements: (CheckpointValue, CheckpointValue)...) {
        self = .dict(elements.map { (key: $0.0, value: $0.1) })
    }
}

/// A type that `Ember.save` can store and `Ember.load` can return.
public protocol CheckpointConvertible {
    /// This value as checkpoint contents.
    var checkpointValue: CheckpointValue { get }
    /// Reads a value of this type from checkpoint contents; throws `CheckpointError` (`.typeMismatch`)
    /// when they hold something else.
    init(checkpointValue: CheckpointValue) throws
}

extension CheckpointValue: CheckpointConvertible {
    public var checkpointValue: CheckpointValue { self }
    public init(checkpointValue: CheckpointValue) { self = checkpointValue }
}

extension Tensor: CheckpointConvertible {
    public var checkpointValue: CheckpointValue { .tensor(self) }
    /// The stored tensor itself (a view of the loaded storage).
    public convenience init(checkpointValue: CheckpointValue) throws {
        guard let t = checkpointValue.tensor else {
            throw CheckpointError(.typeMismatch, "expected a tensor, the file holds a \(checkpointValue.kindName)")
        }
        self.init(storage: t.storage, shape: t.shape, strides: t.strides, offset: t.storageOffset, dtype: t.dtype)
    }
}

/// The `(name, tensor)` pairs of a dictionary of string keys and tensor values, in order.
private func namedTensors(_ value: CheckpointValue) throws -> [(String, Tensor)] {
    guard case .dict(let pairs) = value else {
        throw CheckpointError(.typeMismatch, "expected a dictionary of tensors, the file holds a \(value.kindName)")
    }
    return try pairs.map { pair in
        guard let name = pair.key.string, let tensor = pair.value.tensor else {
            throw CheckpointError(.typeMismatch, "expected string keys and tensor values, found a \(pair.key.kindName) key "
                                  + "with a \(pair.value.kindName) value")
        }
        return (name, tensor)
    }
}

/// A state dict is a dictionary of tensors.
extension OrderedDictionary: CheckpointConvertible where Key == String, Value == Tensor {
    public var checkpointValue: CheckpointValue { .dict(map { (key: .string($0.key), value: .tensor($0.value)) }) }
    public init(checkpointValue: CheckpointValue) throws {
        self.init()
        for (name, tensor) in try namedTensors(checkpointValue) { self[name] = tensor }
    }
}

/// A dictionary of tensors, saved with its keys sorted.
extension Dictionary: CheckpointConvertible where Key == String, Value == Tensor {
    /// Sorted by key, so the same dictionary always writes the same file.
    public var checkpointValue: CheckpointValue {
        .dict(sorted { $0.key < $1.key }.map { (key: .string($0.key), value: .tensor($0.value)) })
    }
    public init(checkpointValue: CheckpointValue) throws {
        self.init()
        for (name, tensor) in try namedTensors(checkpointValue) { self[name] = tensor }
    }
}

/// Options whose values PyTorch keeps as bools; every other option is a number.
private let booleanOptions: Set<String> = ["nesterov", "maximize", "amsgrad", "centered", "capturable", "differentiable",
                                           "foreach", "fused", "decoupled_weight_decay"]

extension OptimizerStateDict: CheckpointConvertible {
    /// PyTorch's layout: `{"state": {index: {"step": …, buffers…}}, "param_groups": [{"lr": …, "betas": (…),
    /// "params": [indices]}]}`.
    public var checkpointValue: CheckpointValue {
        let states = state.keys.sorted().map { index -> (key: CheckpointValue, value: CheckpointValue) in
            let buffers = state[index]!
            let names = (buffers["step"] == nil ? [] : ["step"]) + buffers.keys.filter { $0 != "step" }.sorted()
            return (key: .int(index), value: .dict(names.map { (key: .string($0), value: .tensor(buffers[$0]!)) }))
        }
        let groups = zip(paramGroups, groupParams).map { options, params -> CheckpointValue in
            var pairs: [(key: CheckpointValue, value: CheckpointValue)] = []
            for name in options.keys.sorted() where name != "beta2" {
                let value = options[name]!
                if name == "beta1" {
                    pairs.append((key: "betas", value: .tuple([.double(value), .double(options["beta2"] ?? 0.999)])))
                } else {
                    pairs.append((key: .string(name), value: booleanOptions.contains(name) ? .bool(value != 0) : .double(value)))
                }
            }
            pairs.append((key: "params", value: .list(params.map { .int($0) })))
            return .dict(pairs)
        }
        return ["state": .dict(states), "param_groups": .list(groups)]
    }

    public init(checkpointValue: CheckpointValue) throws {
        func mismatch(_ what: String) -> CheckpointError {
            CheckpointError(.typeMismatch, "not an optimizer state dict: \(what)")
        }
        guard case .dict(let statePairs)? = checkpointValue["state"], let groups = checkpointValue["param_groups"]?.elements else {
            throw mismatch("expected a dictionary with 'state' and 'param_groups'")
        }
        var state: [Int: [String: Tensor]] = [:]
        for pair in statePairs {
            guard let index = pair.key.int else { throw mismatch("a state key is a \(pair.key.kindName), not an int") }
            state[index] = Dictionary(uniqueKeysWithValues: try namedTensors(pair.value))
        }
        var paramGroups: [[String: Double]] = [], groupParams: [[Int]] = []
        for group in groups {
            guard case .dict(let pairs) = group else { throw mismatch("a parameter group is a \(group.kindName)") }
            var options: [String: Double] = [:], params: [Int] = []
            for pair in pairs {
                guard let name = pair.key.string else { throw mismatch("a parameter group key is a \(pair.key.kindName)") }
                switch (name, pair.value) {
                case ("params", .list(let items)):
                    params = try items.map { try $0.int ?? { throw mismatch("a parameter index is not an int") }() }
                case ("betas", let betas):
                    guard let pair = betas.elements, pair.count == 2, let b1 = pair[0].double, let b2 = pair[1].double else {
                        throw mismatch("betas is not a pair of numbers")
                    }
                    options["beta1"] = b1
                    options["beta2"] = b2
                case (_, .none):
                    continue
                case (_, let value):
                    guard let number = value.double else { throw mismatch("option '\(name)' is a \(value.kindName)") }
                    options[name] = number
                }
            }
            paramGroups.append(options)
            groupParams.append(params)
        }
        self.init(state: state, paramGroups: paramGroups, groupParams: groupParams)
    }
}

extension CheckpointValue {
    /// This value with every tensor moved to `device` (`torch.load`'s `map_location`).
    func moved(to device: Device) -> CheckpointValue {
        switch self {
        case .tensor(let tensor):
            let moved = noGrad { tensor.to(device) }
            if tensor.requiresGrad && moved !== tensor { moved.requiresGrad = true }
            return .tensor(moved)
        case .list(let items): return .list(items.map { $0.moved(to: device) })
        case .tuple(let items): return .tuple(items.map { $0.moved(to: device) })
        case .dict(let pairs): return .dict(pairs.map { (key: $0.key, value: $0.value.moved(to: device)) })
        default: return self
        }
    }
}
