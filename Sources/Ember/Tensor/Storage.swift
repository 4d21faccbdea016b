// A reference-counted, 64-byte aligned buffer of elements: what every view of a tensor shares.

/// The memory behind one or more tensors (`torch.UntypedStorage`), on the device of the backend that
/// allocated it.
public final class Storage {
    /// The first byte of the buffer: a host address for CPU storage, the device's own address otherwise.
    public let pointer: UnsafeMutableRawPointer
    /// The buffer's size in bytes.
    public let byteCount: Int
    /// The backend of a device other than the CPU that owns the buffer; nil for host memory (no reference to
    /// count on the path every small op's result takes).
    let deviceBackend: Backend?
    /// Bumped by every in-place write, so autograd can tell a saved tensor was modified.
    @exclusivity(unchecked) var version = 0

    /// Whether the CPU may read the buffer directly.
    @inline(__always) var isHost: Bool { deviceBackend == nil }
    /// The backend that owns the buffer.
    var backend: Backend { deviceBackend ?? CPUBackend.host }
    /// The device the buffer lives on.
    public var device: Device { deviceBackend?.device ?? .cpu }

    /// Allocates uninitialised memory for `byteCount` bytes on the CPU.
    init(byteCount: Int) {
        self.byteCount = byteCount
        self.deviceBackend = nil
        self.pointer = CPUAllocator.allocate(byteCount)
    }

    /// Allocates uninitialised memory for `byteCount` bytes on the device of `backend`; a device out of memory
    /// stops with the size (an op's result: the caller asked for the op, not for the bytes).
    convenience init(byteCount: Int, backend: Backend) {
        if backend === CPUBackend.host {
            self.init(byteCount: byteCount)
            return
        }
        guard let pointer = backend.allocator.allocate(byteCount) else {
            fail("allocate", "\(backend.device) out of memory: tried to allocate \(byteCount) bytes")
        }
        self.init(pointer: pointer, byteCount: byteCount, deviceBackend: backend)
    }

    private init(pointer: UnsafeMutableRawPointer, byteCount: Int, deviceBackend: Backend) {
        (self.pointer, self.byteCount, self.deviceBackend) = (pointer, byteCount, deviceBackend)
    }

    /// Allocates `byteCount` bytes with `backend`, zero-filled when `zeroed`, or nil when the device has no memory
    /// for them.
    init?(tryingByteCount byteCount: Int, zeroed: Bool, backend: Backend = CPUBackend.host) {
        guard let pointer = backend.allocator.allocate(byteCount) else { return nil }
        (self.byteCount, self.pointer) = (byteCount, pointer)
        deviceBackend = backend === CPUBackend.host ? nil : backend
        guard zeroed, byteCount > 0 else { return }
        if isHost {
            pointer.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
        } else {
            backend.fill(KernelOperand(storage: self, layout: Layout(contiguous: [byteCount]), dtype: .uint8), with: 0)
        }
    }

    /// Allocates zero-filled memory.
    convenience init(zeroedByteCount byteCount: Int) {
        self.init(byteCount: byteCount)
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
    }

    deinit {
        if let deviceBackend { deviceBackend.allocator.free(pointer, byteCount: byteCount) } else { CPUAllocator.free(pointer, byteCount: byteCount) }
    }
}
