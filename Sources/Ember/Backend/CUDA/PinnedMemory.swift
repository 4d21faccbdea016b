// Pinned (page-locked) host memory: the memory of `Tensor.pinMemory()`, which GPUs copy from without the host waiting
// (`to(device, nonBlocking: true)`).
import CCUDA
import Foundation

/// Page-locked host memory from the driver (`cuMemHostAlloc`, portable to every GPU of the process). A block that
/// non-blocking copies read is given back (`cuMemFreeHost`) only after the GPU has done them: each such copy records an
/// event, which freeing waits for. Blocks are not cached (PyTorch's host allocator keeps them for reuse): pinning a
/// tensor costs a driver allocation.
final class PinnedHostAllocator: @unchecked Sendable {   // readers guarded by lock
    private let driver: CUDADriver
    private let context: CUDAContext
    /// Events after the copies that still read each block, by the block's address.
    private var readers: [UnsafeMutableRawPointer: [CUDAEvent]] = [:]
    private let lock = NSLock()

    /// Pinned memory through `driver`, in `context` (the first GPU's primary context; the memory is portable).
    init(driver: CUDADriver, context: CUDAContext) { (self.driver, self.context) = (driver, context) }

    /// `byteCount` bytes of pinned memory.
    func allocate(_ byteCount: Int) throws(CUDAError) -> UnsafeMutableRawPointer {
        context.makeCurrent()
        var address: UnsafeMutableRawPointer?
        try driver.check(driver.memHostAlloc(&address, Swift.max(byteCount, 1), UInt32(CU_MEMHOSTALLOC_PORTABLE)), "cuMemHostAlloc")
        return address!
    }

    /// Gives the block at `address` back, after the copies reading it are done.
    func free(_ address: UnsafeMutableRawPointer) {
        let pending = lock.withLock { readers.removeValue(forKey: address) ?? [] }
        pending.forEach { $0.waitUntilPassed() }
        context.makeCurrent()
        _ = driver.memFreeHost(address)
    }

    /// Notes that the copy `event` follows reads the block at `address`.
    func recordRead(of address: UnsafeMutableRawPointer, until event: CUDAEvent) {
        lock.withLock {
            var events = readers[address, default: []]
            events.removeAll { $0.hasPassed }
            events.append(event)
            readers[address] = events
        }
    }
}

extension Tensor {
    /// A copy of this CPU tensor in pinned (page-locked) host memory, or itself when it is pinned already
    /// (`Tensor.pin_memory()`): GPUs copy pinned memory without the host waiting (`to(device, nonBlocking: true)`).
    /// Throws `CUDAError` when CUDA is not available.
    public func pinMemory(file: StaticString = #fileID, line: UInt = #line) throws -> Tensor {
        try pinMemory(runtime: .shared, file: file, line: line)
    }

    func pinMemory(runtime: CUDARuntime, file: StaticString = #fileID, line: UInt = #line) throws -> Tensor {
        if isPinned { return self }
        guard device == .cpu else { fail("pinMemory", "cannot pin a tensor on \(device): only CPU tensors can be pinned", file: file, line: line) }
        let storage = try Storage(pinnedByteCount: numel * dtype.itemSize, allocator: runtime.pinnedAllocator())
        let out = Tensor(storage: storage, layout: Layout(contiguous: shape), dtype: dtype)
        copyElements(into: out)
        if needsGrad(self) { record("PinMemoryBackward0", inputs: [self], outputs: [out]) { grads in [grads[0]] } }
        return out
    }

    /// Whether the tensor's memory is pinned host memory (`Tensor.is_pinned()`).
    public var isPinned: Bool { storage.pinned != nil }
}
