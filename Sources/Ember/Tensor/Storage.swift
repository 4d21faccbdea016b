// A reference-counted, 64-byte aligned buffer of elements: what every view of a tensor shares.

/// The memory behind one or more tensors (`torch.UntypedStorage`), on the device of the backend that
/// allocated it.
public final class Storage {
    /// The first byte of the buffer: a host address for CPU storage, the device's own address otherwise.
    public let pointer: UnsafeMutableRawPointer
    /// The buffer's size in bytes.
    public let byteCount: Int
    /// The backend that owns the buffer. Backends live as long as the process (`Backends` keeps every one it was
    /// given), so storage holds it without reference counting, which would cost every small op's result.
    unowned(unsafe) let backend: Backend
    /// Whether the CPU may read the buffer directly.
    let isHost: Bool
    /// The allocator of a buffer in pinned host memory (`Tensor.pinMemory()`), which frees it; nil for the others.
    let pinned: PinnedHostAllocator?
    /// Bumped by every in-place write, so autograd can tell a saved tensor was modified.
    @exclusivity(unchecked) var version = 0

    /// The device the buffer lives on.
    public var device: Device { isHost ? .cpu : backend.device }

    /// Allocates uninitialised memory for `byteCount` bytes on the CPU.
    convenience init(byteCount: Int) {
        self.init(byteCount: byteCount, backend: CPUBackend.host)
    }

    /// Allocates uninitialised memory for `byteCount` bytes on the device of `backend`; a device out of memory
    /// stops with the size (an op's result: the caller asked for the op, not for the bytes).
    init(byteCount: Int, backend: Backend) {
        (self.byteCount, self.backend, self.isHost, pinned) = (byteCount, backend, backend.device == .cpu, nil)
        pointer = isHost ? CPUAllocator.allocate(byteCount) : Storage.allocate(byteCount, on: backend)
    }

    /// Allocates uninitialised memory for `byteCount` bytes on the device of `other` (its backend is copied as it
    /// is held, without reference counting: this is on every small op's path).
    init(byteCount: Int, onDeviceOf other: Storage) {
        (self.byteCount, self.backend, self.isHost, pinned) = (byteCount, other.backend, other.isHost, nil)
        pointer = isHost ? CPUAllocator.allocate(byteCount) : Storage.allocate(byteCount, on: other.backend)
    }

    /// Device memory for an op's result, or a stop naming the size.
    private static func allocate(_ byteCount: Int, on backend: Backend) -> UnsafeMutableRawPointer {
        guard let address = backend.allocator.allocate(byteCount) else {
            fail("allocate", "\(backend.device) out of memory: tried to allocate \(byteCount) bytes")
        }
        return address
    }

    /// Allocates `byteCount` bytes with `backend`, zero-filled when `zeroed`, or nil when the device has no memory
    /// for them.
    init?(tryingByteCount byteCount: Int, zeroed: Bool, backend: Backend = CPUBackend.host) {
        guard let pointer = backend.allocator.allocate(byteCount) else { return nil }
        (self.byteCount, self.pointer, self.backend, self.isHost, pinned) = (byteCount, pointer, backend, backend.device == .cpu, nil)
        guard zeroed, byteCount > 0 else { return }
        if isHost {
            pointer.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
        } else {
            backend.fill(Tensor(storage: self, layout: Layout(contiguous: [byteCount]), dtype: .uint8).operand, with: 0)
        }
    }

    /// Allocates `byteCount` bytes of pinned host memory from `allocator`: host memory to the CPU kernels.
    init(pinnedByteCount byteCount: Int, allocator: PinnedHostAllocator) throws(CUDAError) {
        pointer = try allocator.allocate(byteCount)
        (self.byteCount, self.backend, self.isHost, pinned) = (byteCount, CPUBackend.host, true, allocator)
    }

    /// Allocates zero-filled memory.
    convenience init(zeroedByteCount byteCount: Int) {
        self.init(byteCount: byteCount)
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
    }

    /// A host buffer holding a copy of this one's bytes (read through its device's allocator).
    func hostCopy() -> Storage {
        let copy = Storage(byteCount: byteCount)
        if byteCount > 0 { backend.allocator.copyToHost(pointer, to: copy.pointer, byteCount: byteCount) }
        return copy
    }

    deinit {
        if let pinned {
            pinned.free(pointer)
        } else if isHost {
            CPUAllocator.free(pointer, byteCount: byteCount)
        } else {
            backend.allocator.free(pointer, byteCount: byteCount)
        }
    }
}
