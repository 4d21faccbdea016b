// A restricted unpickler: reads the pickles `torch.save` writes and nothing else. It runs no code: the
// only callables are the allow-listed globals below (those `torch.load(weights_only=True)` needs for
// tensors and state dicts), implemented here in Swift. Every length, index, shape and offset is checked
// before it is used.

/// The storage types of PyTorch's pickles and the dtypes they hold.
let storageTypes: [String: DType] = [
    "FloatStorage": .float32, "DoubleStorage": .float64, "HalfStorage": .float16, "BFloat16Storage": .bfloat16,
    "LongStorage": .int64, "IntStorage": .int32, "CharStorage": .int8, "ByteStorage": .uint8, "BoolStorage": .bool,
    "ComplexFloatStorage": .complex64, "ComplexDoubleStorage": .complex128,
]

/// A storage named by a pickle's persistent id: its type, key and element count, and for the legacy
/// format's views, the root storage it is part of.
struct PersistentStorageID {
    let dtype: DType
    let key: String
    let count: Int
    /// Legacy views: (view key, offset in elements, element count).
    let view: (key: String, offset: Int, count: Int)?
}

/// Elements `offset ..< offset + count` of a storage, typed.
struct StorageSlice {
    let storage: Storage
    let dtype: DType
    let offset: Int
    let count: Int
}

/// A Python object while the pickle is read: containers are references, so a memo entry sees items
/// added after it was stored.
private final class PyObject {
    enum Content {
        case value(CheckpointValue)
        case list([PyObject])
        case tuple([PyObject])
        case dict([(PyObject, PyObject)])
        /// An allow-listed global, "module.name".
        case global(String)
        case storage(StorageSlice)
    }
    var content: Content
    init(_ content: Content) { self.content = content }
    static func value(_ v: CheckpointValue) -> PyObject { PyObject(.value(v)) }
}

/// The globals a pickle may name. Anything else is refused by name.
private let allowedGlobals = Set([
    "collections.OrderedDict", "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2",
    "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state", "torch.Size", "torch.device",
    "_codecs.encode",
] + storageTypes.keys.map { "torch.\($0)" })

/// Nesting beyond this is refused (real checkpoints nest a few levels; this keeps recursion shallow).
private let maximumDepth = 200

struct Unpickler {
    private var reader: ByteReader
    private let loadStorage: (PersistentStorageID) throws -> StorageSlice
    private var stack: [PyObject] = []
    private var marks: [Int] = []
    private var memo: [Int: PyObject] = [:]
    /// Every object made, so their links can be cut one by one at the end: releasing a forged
    /// 100,000-deep chain of lists recursively would overflow the stack.
    private var created: [PyObject] = []

    /// Reads one pickle from `reader`; `loadStorage` resolves each persistent id to its storage.
    init(_ reader: ByteReader, loadStorage: @escaping (PersistentStorageID) throws -> StorageSlice) {
        self.reader = reader
        self.loadStorage = loadStorage
    }

    /// Where the pickle ended (the legacy format stores data after it).
    var offset: Int { reader.offset }

    private func corrupt(_ message: String) -> CheckpointError {
        CheckpointError(.corrupt, "pickle: \(message) (offset \(reader.offset))")
    }

    private mutating func pop() throws -> PyObject {
        guard let top = stack.popLast(), stack.count >= (marks.last ?? 0) else { throw corrupt("stack underflow") }
        return top
    }

    private mutating func popToMark() throws -> [PyObject] {
        guard let mark = marks.popLast(), mark <= stack.count else { throw corrupt("no mark on the stack") }
        defer { stack.removeSubrange(mark...) }
        return Array(stack[mark...])
    }

    private func top() throws -> PyObject {
        guard let top = stack.last, stack.count > (marks.last ?? 0) else { throw corrupt("stack underflow") }
        return top
    }

    private mutating func make(_ content: PyObject.Content) -> PyObject {
        let object = PyObject(content)
        created.append(object)
        return object
    }

    /// Runs the pickle to its STOP and returns the value it built.
    mutating func load() throws -> CheckpointValue {
        defer {
            for object in created { object.content = .value(.none) }
            created = []
        }
        while true {
            let opcode = try reader.byte()
            switch opcode {
            case 0x80: // PROTO
                let version = try reader.byte()
                guard version <= 5 else { throw CheckpointError(.unsupported, "pickle protocol \(version)") }
            case 0x95: try reader.skip(8) // FRAME: a length hint
            case 0x2E: // STOP
                let result = try pop()
                var converted: [ObjectIdentifier: CheckpointValue] = [:], open: Set<ObjectIdentifier> = []
                return try value(of: result, depth: 0, converted: &converted, open: &open)
            case 0x28: marks.append(stack.count) // MARK
            case 0x29: stack.append(make(.tuple([]))) // EMPTY_TUPLE
            case 0x5D: stack.append(make(.list([]))) // EMPTY_LIST
            case 0x7D: stack.append(make(.dict([]))) // EMPTY_DICT
            case 0x74: // TUPLE
                let items = try popToMark()
                stack.append(make(.tuple(items)))
            case 0x85, 0x86, 0x87: // TUPLE1, TUPLE2, TUPLE3
                var items: [PyObject] = []
                for _ in 0..<Int(opcode - 0x84) { items.insert(try pop(), at: 0) }
                stack.append(make(.tuple(items)))
            // (Each pop is its own statement: an argument that mutates the stack must run before the call reads it.)
            case 0x61: // APPEND
                let item = try pop()
                try append([item])
            case 0x65: // APPENDS
                let items = try popToMark()
                try append(items)
            case 0x73: // SETITEM
                let value = try pop(), key = try pop()
                try setItems([key, value])
            case 0x75: // SETITEMS
                let items = try popToMark()
                try setItems(items)
            case 0x71, 0x72: // BINPUT, LONG_BINPUT
                let index = opcode == 0x71 ? Int(try reader.byte()) : try reader.length(4)
                memo[index] = try top()
            case 0x94: memo[memo.count] = try top() // MEMOIZE
            case 0x68, 0x6A: // BINGET, LONG_BINGET
                let index = opcode == 0x68 ? Int(try reader.byte()) : try reader.length(4)
                guard let object = memo[index] else { throw corrupt("memo entry \(index) was never stored") }
                stack.append(object)
            case 0x30: _ = try pop() // POP
            case 0x31: _ = try popToMark() // POP_MARK
            case 0x32: // DUP
                let object = try top()
                stack.append(object)
            case 0x4E: stack.append(.value(.none)) // NONE
            case 0x88: stack.append(.value(.bool(true))) // NEWTRUE
            case 0x89: stack.append(.value(.bool(false))) // NEWFALSE
            case 0x4B: stack.append(.value(.int(Int(try reader.byte())))) // BININT1
            case 0x4D: stack.append(.value(.int(Int(try reader.unsigned(2))))) // BININT2
            case 0x4A: stack.append(.value(.int(Int(Int32(truncatingIfNeeded: try reader.unsigned(4)))))) // BININT
            case 0x8A, 0x8B: // LONG1, LONG4
                let count = opcode == 0x8A ? Int(try reader.byte()) : try reader.length(4)
                guard count <= 8 else { throw CheckpointError(.unsupported, "pickle: an integer of \(count) bytes does not fit in 64 bits") }
                var value = try reader.unsigned(count)
                if count > 0 && count < 8 && value & (1 << (8 * UInt64(count) - 1)) != 0 { value |= ~0 << (8 * UInt64(count)) }
                stack.append(.value(.int(Int(Int64(bitPattern: value)))))
            case 0x47: // BINFLOAT: big-endian
                let raw = try reader.take(8)
                stack.append(.value(.double(Double(bitPattern: raw.reduce(0) { $0 << 8 | UInt64($1) }))))
            case 0x58, 0x8C, 0x8D, 0x54, 0x55: // BINUNICODE, SHORT_BINUNICODE, BINUNICODE8, BINSTRING, SHORT_BINSTRING
                let size = opcode == 0x8C || opcode == 0x55 ? 1 : opcode == 0x8D ? 8 : 4
                let raw = try reader.take(try reader.length(size))
                stack.append(.value(.string(String(decoding: raw, as: UTF8.self))))
            case 0x42, 0x43, 0x8E: // BINBYTES, SHORT_BINBYTES, BINBYTES8
                let size = opcode == 0x43 ? 1 : opcode == 0x8E ? 8 : 4
                stack.append(.value(.bytes(Array(try reader.take(try reader.length(size))))))
            case 0x63: // GLOBAL
                let module = try reader.line(), name = try reader.line()
                let object = try global(module, name)
                stack.append(object)
            case 0x93: // STACK_GLOBAL
                let name = try pop(), module = try pop()
                guard case .value(.string(let n)) = name.content, case .value(.string(let m)) = module.content else {
                    throw corrupt("STACK_GLOBAL needs two strings")
                }
                let object = try global(m, n)
                stack.append(object)
            case 0x52: // REDUCE
                let arguments = try pop(), callable = try pop()
                guard case .global(let name) = callable.content, case .tuple(let items) = arguments.content else {
                    throw corrupt("REDUCE needs an allowed global and a tuple of arguments")
                }
                let result = try call(name, items)
                stack.append(result)
            case 0x51: // BINPERSID
                let pid = try pop()
                let slice = try persistentLoad(pid)
                stack.append(make(.storage(slice)))
            case 0x62: // BUILD: only the attribute dictionary of an OrderedDict (a state dict's `_metadata`)
                let state = try pop()
                guard case .dict = try top().content else { throw corrupt("BUILD on a \(try kindName(of: top()))") }
                switch state.content {
                case .dict, .value(.none), .tuple: break
                default: throw corrupt("BUILD with a \(kindName(of: state)) state")
                }
            default:
                throw CheckpointError(.forbiddenOpcode, "pickle: opcode 0x\(String(opcode, radix: 16)) (\(openingName(opcode))) "
                                      + "at offset \(reader.offset - 1) is not allowed in a checkpoint")
            }
        }
    }

    private func kindName(of object: PyObject) -> String {
        switch object.content {
        case .value(let v): v.kindName
        case .list: "list"
        case .tuple: "tuple"
        case .dict: "dict"
        case .global(let name): name
        case .storage: "storage"
        }
    }

    /// A readable name for refused opcodes that run code.
    private func openingName(_ opcode: UInt8) -> String {
        switch opcode {
        case 0x69: "INST"
        case 0x6F: "OBJ"
        case 0x81: "NEWOBJ"
        case 0x92: "NEWOBJ_EX"
        case 0x50: "PERSID"
        case 0x82, 0x83, 0x84: "EXT"
        default: "unsupported"
        }
    }

    private func append(_ items: [PyObject]) throws {
        let list = try top()
        guard case .list(let existing) = list.content else { throw corrupt("APPEND to a \(kindName(of: list)), not a list") }
        list.content = .list(existing + items)
    }

    /// SETITEM(S): only on dictionaries (CVE-2026-24747 applied them to other objects).
    private func setItems(_ items: [PyObject]) throws {
        let dict = try top()
        guard case .dict(var pairs) = dict.content else { throw corrupt("SETITEM on a \(kindName(of: dict)), not a dict") }
        guard items.count % 2 == 0 else { throw corrupt("SETITEMS with an odd number of items") }
        for i in stride(from: 0, to: items.count, by: 2) { pairs.append((items[i], items[i + 1])) }
        dict.content = .dict(pairs)
    }

    private func global(_ module: String, _ name: String) throws -> PyObject {
        let full = "\(module).\(name)"
        guard allowedGlobals.contains(full) else {
            throw CheckpointError(.forbiddenGlobal, "pickle: global '\(full)' is not allowed in a checkpoint (only tensors, "
                                  + "storages and plain Python values are loaded; nothing is executed)")
        }
        return PyObject(.global(full))
    }

    /// Runs an allow-listed callable on its arguments.
    private mutating func call(_ name: String, _ arguments: [PyObject]) throws -> PyObject {
        switch name {
        case "collections.OrderedDict":
            guard arguments.isEmpty else { throw corrupt("OrderedDict with arguments") }
            return make(.dict([]))
        case "torch.Size":
            guard arguments.count == 1, case .tuple = arguments[0].content else { throw corrupt("torch.Size needs a tuple") }
            return arguments[0]
        case "torch.device":
            guard let first = arguments.first, case .value(.string) = first.content else { throw corrupt("torch.device needs a string") }
            return first
        case "_codecs.encode":
            guard arguments.count == 2, case .value(.string(let text)) = arguments[0].content else {
                throw corrupt("_codecs.encode needs a string and an encoding")
            }
            let scalars = text.unicodeScalars
            guard scalars.allSatisfy({ $0.value < 256 }) else { throw corrupt("_codecs.encode of a non-latin-1 string") }
            return .value(.bytes(scalars.map { UInt8($0.value) }))
        case "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2":
            guard arguments.count >= 4, case .storage(let slice) = arguments[0].content else {
                throw corrupt("\(name) needs a storage, an offset, a size and a stride")
            }
            return .value(.tensor(try rebuildTensor(slice, offset: arguments[1], size: arguments[2], stride: arguments[3])))
        case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state":
            guard arguments.count >= 2, case .value(.tensor(let data)) = arguments[0].content,
                  case .value(.bool(let requiresGrad)) = arguments[1].content else {
                throw corrupt("\(name) needs a tensor and a flag")
            }
            if requiresGrad && data.dtype.isFloatingPoint { data._requiresGrad = true }
            return .value(.tensor(data))
        default:
            throw CheckpointError(.forbiddenGlobal, "pickle: '\(name)' cannot be called")
        }
    }

    private func integers(_ object: PyObject, _ what: String) throws -> [Int] {
        guard case .tuple(let items) = object.content else { throw corrupt("tensor \(what) is a \(kindName(of: object)), not a tuple") }
        return try items.map { item in
            guard case .value(.int(let v)) = item.content, v >= 0 else { throw corrupt("tensor \(what) holds a negative or non-integer entry") }
            return v
        }
    }

    /// A tensor over a storage slice, once its size, stride and offset are known to stay inside it.
    private func rebuildTensor(_ slice: StorageSlice, offset: PyObject, size: PyObject, stride: PyObject) throws -> Tensor {
        guard case .value(.int(let start)) = offset.content, start >= 0 else { throw corrupt("tensor offset is not a non-negative int") }
        let shape = try integers(size, "size"), strides = try integers(stride, "stride")
        guard shape.count == strides.count else { throw corrupt("tensor size \(shape) and stride \(strides) differ in length") }
        var count = 1, last = start
        for (extent, step) in zip(shape, strides) {
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            guard !overflow else { throw corrupt("tensor size \(shape) overflows") }
            count = product
            if extent > 0 {
                let (reach, o1) = (extent - 1).multipliedReportingOverflow(by: step)
                let (sum, o2) = last.addingReportingOverflow(reach)
                guard !o1, !o2 else { throw corrupt("tensor strides \(strides) overflow") }
                last = sum
            }
        }
        guard count == 0 || last < slice.count else {
            throw CheckpointError(.corrupt, "pickle: tensor of size \(shape), stride \(strides) and offset \(start) reads element "
                                  + "\(last) of a storage of \(slice.count)")
        }
        return Tensor(storage: slice.storage, shape: shape, strides: strides, offset: slice.offset + start, dtype: slice.dtype)
    }

    /// ('storage', type, key, location, count) — and in the legacy format a sixth entry, the view.
    private func persistentLoad(_ pid: PyObject) throws -> StorageSlice {
        guard case .tuple(let items) = pid.content, items.count == 5 || items.count == 6,
              case .value(.string("storage")) = items[0].content, case .global(let typeName) = items[1].content,
              case .value(.string(let key)) = items[2].content, case .value(.int(let count)) = items[4].content, count >= 0 else {
            throw corrupt("a persistent id is not ('storage', type, key, location, size)")
        }
        guard let dtype = storageTypes[String(typeName.dropFirst("torch.".count))] else {
            throw CheckpointError(.unsupported, "pickle: storage type \(typeName)")
        }
        var view: (String, Int, Int)?
        if items.count == 6, case .tuple(let v) = items[5].content {
            guard v.count == 3, case .value(.string(let viewKey)) = v[0].content, case .value(.int(let start)) = v[1].content,
                  case .value(.int(let size)) = v[2].content, start >= 0, size >= 0 else { throw corrupt("a storage view is malformed") }
            view = (viewKey, start, size)
        }
        return try loadStorage(PersistentStorageID(dtype: dtype, key: key, count: count, view: view))
    }

    /// The finished value of an object; shared objects convert once, cycles and runaway nesting throw.
    private func value(of object: PyObject, depth: Int, converted: inout [ObjectIdentifier: CheckpointValue],
                       open: inout Set<ObjectIdentifier>) throws -> CheckpointValue {
        guard depth < maximumDepth else { throw corrupt("nesting deeper than \(maximumDepth)") }
        let id = ObjectIdentifier(object)
        if let done = converted[id] { return done }
        guard open.insert(id).inserted else { throw corrupt("a container contains itself") }
        defer { open.remove(id) }
        let result: CheckpointValue
        switch object.content {
        case .value(let v): result = v
        case .list(let items):
            result = .list(try items.map { try value(of: $0, depth: depth + 1, converted: &converted, open: &open) })
        case .tuple(let items):
            result = .tuple(try items.map { try value(of: $0, depth: depth + 1, converted: &converted, open: &open) })
        case .dict(let pairs):
            result = .dict(try pairs.map { (key: try value(of: $0.0, depth: depth + 1, converted: &converted, open: &open),
                                            value: try value(of: $0.1, depth: depth + 1, converted: &converted, open: &open)) })
        case .global(let name): throw corrupt("the pickle leaves the global \(name) as a value")
        case .storage: throw corrupt("the pickle leaves a bare storage as a value")
        }
        converted[id] = result
        return result
    }
}
