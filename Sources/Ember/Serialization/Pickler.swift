// Writes checkpoint values as a protocol-2 pickle, the way `torch.save` writes them: tensors as
// `torch._utils._rebuild_tensor_v2` over storages named by persistent ids, whose bytes go to
// `data/<key>` records. Tensors that share a storage share its key, so views stay views.

struct Pickler {
    private(set) var bytes: [UInt8] = [0x80, 2]
    /// The storages to write, by key, in the order their keys were given.
    private(set) var storages: [(key: String, storage: Storage)] = []
    /// Host copies of the device storages written so far, so views of one device storage share one copy.
    private var hostCopies: [ObjectIdentifier: Storage] = [:]
    private var keys: [ObjectIdentifier: (key: String, dtype: DType)] = [:]

    /// Appends `value` and STOP.
    mutating func dump(_ value: CheckpointValue) throws {
        try write(value)
        bytes.append(0x2E)
    }

    private mutating func write(_ value: CheckpointValue) throws {
        switch value {
        case .none: bytes.append(0x4E)
        case .bool(let b): bytes.append(b ? 0x88 : 0x89)
        case .int(let i): writeInt(i)
        case .double(let d):
            bytes.append(0x47)
            withUnsafeBytes(of: d.bitPattern.bigEndian) { bytes.append(contentsOf: $0) }
        case .string(let s):
            let utf8 = Array(s.utf8)
            bytes.append(0x58)
            appendLength(utf8.count, size: 4)
            bytes.append(contentsOf: utf8)
        case .bytes(let b):
            bytes.append(0x42)
            appendLength(b.count, size: 4)
            bytes.append(contentsOf: b)
        case .list(let items):
            bytes.append(0x5D)
            guard !items.isEmpty else { return }
            bytes.append(0x28)
            for item in items { try write(item) }
            bytes.append(0x65)
        case .tuple(let items):
            if items.isEmpty || items.count > 3 { bytes.append(items.isEmpty ? 0x29 : 0x28) }
            for item in items { try write(item) }
            if !items.isEmpty { bytes.append(items.count <= 3 ? 0x84 + UInt8(items.count) : 0x74) }
        case .dict(let pairs):
            bytes.append(0x7D)
            guard !pairs.isEmpty else { return }
            bytes.append(0x28)
            for (key, value) in pairs {
                try write(key)
                try write(value)
            }
            bytes.append(0x75)
        case .tensor(let t): try writeTensor(t)
        }
    }

    private mutating func writeInt(_ i: Int) {
        switch i {
        case 0...0xFF: bytes += [0x4B, UInt8(i)]
        case 0...0xFFFF: bytes += [0x4D, UInt8(i & 0xFF), UInt8(i >> 8)]
        case Int(Int32.min)...Int(Int32.max):
            bytes.append(0x4A)
            withUnsafeBytes(of: Int32(i).littleEndian) { bytes.append(contentsOf: $0) }
        default:
            bytes += [0x8A, 8]
            withUnsafeBytes(of: Int64(i).littleEndian) { bytes.append(contentsOf: $0) }
        }
    }

    private mutating func appendLength(_ count: Int, size: Int) {
        for shift in 0..<size { bytes.append(UInt8(truncatingIfNeeded: count >> (8 * shift))) }
    }

    private mutating func hostCopy(of storage: Storage) -> Storage {
        if let copy = hostCopies[ObjectIdentifier(storage)] { return copy }
        let copy = storage.hostCopy()
        hostCopies[ObjectIdentifier(storage)] = copy
        return copy
    }

    private mutating func writeGlobal(_ module: String, _ name: String) {
        bytes.append(0x63)
        bytes.append(contentsOf: Array("\(module)\n\(name)\n".utf8))
    }

    /// `_rebuild_tensor_v2(storage, offset, size, stride, requires_grad=False, OrderedDict())`.
    private mutating func writeTensor(_ tensor: Tensor) throws {
        guard let typeName = storageTypes.first(where: { $0.value == tensor.dtype })?.key else {
            throw CheckpointError(.unsupported, "saving dtype \(tensor.dtype)")
        }
        // A device's storage is written from a host copy and keeps its location, as torch.save writes it.
        let storage = tensor.storage.isHost ? tensor.storage : hostCopy(of: tensor.storage), id = ObjectIdentifier(storage)
        let key: String
        if let known = keys[id], known.dtype == tensor.dtype {
            key = known.key
        } else {
            key = String(storages.count)
            storages.append((key, storage))
            if keys[id] == nil { keys[id] = (key, tensor.dtype) }
        }
        writeGlobal("torch._utils", "_rebuild_tensor_v2")
        bytes.append(0x28)
        // Persistent id: ('storage', torch.<Type>Storage, key, 'cpu', element count).
        bytes.append(0x28)
        try write(.string("storage"))
        writeGlobal("torch", typeName)
        try write(.string(key))
        try write(.string(tensor.device.description))
        writeInt(storage.byteCount / tensor.dtype.itemSize)
        bytes += [0x74, 0x51]
        writeInt(tensor.storageOffset)
        try write(.tuple(tensor.shape.map { .int($0) }))
        try write(.tuple(tensor.strides.map { .int($0) }))
        bytes.append(0x89)
        writeGlobal("collections", "OrderedDict")
        bytes += [0x29, 0x52]
        bytes += [0x74, 0x52]
    }
}
