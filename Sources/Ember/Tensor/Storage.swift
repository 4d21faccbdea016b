// A reference-counted, 64-byte aligned buffer of elements: what every view of a tensor shares.

/// The memory behind one or more tensors (`torch.UntypedStorage`).
public final class Storage {
    /// The first byte of the buffer.
    public let pointer: UnsafeMutableRawPointer
    /// The buffer's size in bytes.
    public let byteCount: Int
    /// The device the buffer lives on.
    public let device: Device
    /// Bumped by every in-place write, so autograd can tell a saved tensor was modified.
    @exclusivity(unchecked) var version = 0

    /// Allocates uninitialised memory for `byteCount` bytes on the CPU.
    init(byteCount: Int) {
        self.byteCount = byteCount
        self.device = .cpu
        self.pointer = CPUAllocator.allocate(byteCount)
    }

    /// Allocates `byteCount` bytes, zero-filled when `zeroed`, or nil when the system has no memory for them.
    init?(tryingByteCount byteCount: Int, zeroed: Bool) {
        guard let pointer = CPUAllocator.tryAllocate(byteCount) else { return nil }
        (self.byteCount, self.device, self.pointer) = (byteCount, .cpu, pointer)
        if zeroed { pointer.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount) }
    }

    /// Allocates zero-filled memory.
    convenience init(zeroedByteCount byteCount: Int) {
        self.init(byteCount: byteCount)
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
    }

    deinit { CPUAllocator.free(pointer, byteCount: byteCount) }
}
