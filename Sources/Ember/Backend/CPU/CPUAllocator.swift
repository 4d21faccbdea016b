// A caching allocator for CPU tensor memory: freed buffers wait in per-size lists for the next tensor
// of the same size, so a training loop stops paying for fresh pages (mmap, page faults, zeroing) per op.
import Foundation

enum CPUAllocator {
    /// Buffers below this size come straight from malloc, which already recycles small blocks well.
    static let cachedMinimum = 1 << 16
    /// Bytes always allowed to wait idle in the cache. Beyond them the cache holds at most twice the most ever in
    /// use at once, and freed buffers past that go back to the system. Buffers are reused by exact size, and a
    /// step frees buffers of many sizes at different times, so keeping the next step's buffers can take more than
    /// the step's peak (with the cache capped at the peak, a ResNet-18 training step spent 16 % of its time
    /// clearing fresh pages).
    static let cacheFloor = 1 << 30

    nonisolated(unsafe) private static var freeLists: [Int: [UnsafeMutableRawPointer]] = [:]
    nonisolated(unsafe) private static var cachedBytes = 0
    nonisolated(unsafe) private static var bytesInUse = 0
    nonisolated(unsafe) private static var peakBytesInUse = 0
    private static let lock = NSLock()

    /// Rounds a request to the size class it is cached under (4 KiB pages).
    @inline(__always) static func sizeClass(_ byteCount: Int) -> Int { (byteCount + 4095) & ~4095 }

    /// Memory for at least `byteCount` bytes: 64-byte aligned for cached sizes, malloc's 16 below them
    /// (an aligned allocation costs a small tensor more than its op; the kernels load unaligned). A request
    /// the system cannot meet stops with PyTorch's message.
    static func allocate(_ byteCount: Int) -> UnsafeMutableRawPointer {
        guard let pointer = tryAllocate(byteCount) else {
            fail("DefaultCPUAllocator", "not enough memory: you tried to allocate \(byteCount) bytes.")
        }
        return pointer
    }

    /// `allocate`, or nil when the system has no memory for the request.
    static func tryAllocate(_ byteCount: Int) -> UnsafeMutableRawPointer? {
        guard byteCount >= cachedMinimum else { return malloc(Swift.max(byteCount, 1)) }
        let size = sizeClass(byteCount)
        lock.lock()
        bytesInUse += size
        peakBytesInUse = Swift.max(peakBytesInUse, bytesInUse)
        if let pointer = freeLists[size]?.popLast() {
            cachedBytes -= size
            lock.unlock()
            return pointer
        }
        lock.unlock()
        // When the system is out of memory, the cached buffers go back to it and the request is tried once more.
        var pointer: UnsafeMutableRawPointer?
        if posix_memalign(&pointer, 64, size) == 0 { return pointer }
        emptyCache()
        if posix_memalign(&pointer, 64, size) == 0 { return pointer }
        lock.lock()
        bytesInUse -= size
        lock.unlock()
        return nil
    }

    /// Returns memory from `allocate`.
    static func free(_ pointer: UnsafeMutableRawPointer, byteCount: Int) {
        guard byteCount >= cachedMinimum else { pointer.deallocate(); return }
        let size = sizeClass(byteCount)
        lock.lock()
        bytesInUse -= size
        if cachedBytes + size <= Swift.max(cacheFloor, 2 * peakBytesInUse) {
            freeLists[size, default: []].append(pointer)
            cachedBytes += size
            lock.unlock()
            return
        }
        lock.unlock()
        pointer.deallocate()
    }

    /// Bytes waiting in the cache.
    static var cachedByteCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return cachedBytes
    }

    /// Releases every cached buffer to the system.
    static func emptyCache() {
        lock.lock()
        let lists = freeLists
        freeLists = [:]
        cachedBytes = 0
        lock.unlock()
        for pointer in lists.values.joined() { pointer.deallocate() }
    }
}

/// Runs `body` with `count` uninitialised elements from the caching allocator (a kernel's scratch memory, reused
/// from call to call without page faults).
func withScratch<T, R>(_: T.Type, _ count: Int, _ body: (UnsafeMutablePointer<T>) -> R) -> R {
    let bytes = Swift.max(count, 1) * MemoryLayout<T>.stride
    let raw = CPUAllocator.allocate(bytes)
    defer { CPUAllocator.free(raw, byteCount: bytes) }
    return body(raw.bindMemory(to: T.self, capacity: Swift.max(count, 1)))
}
