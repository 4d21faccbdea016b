// A caching allocator for CPU tensor memory: freed buffers wait in per-size lists for the next tensor
// of the same size, so a training loop stops paying for fresh pages (mmap, page faults, zeroing) per op.
import Foundation

enum CPUAllocator {
    /// Buffers below this size come straight from malloc, which already recycles small blocks well.
    static let cachedMinimum = 1 << 16
    /// The most bytes kept idle in the cache; beyond it, freed buffers go back to the system.
    nonisolated(unsafe) static var cacheLimit = 1 << 30

    nonisolated(unsafe) private static var freeLists: [Int: [UnsafeMutableRawPointer]] = [:]
    nonisolated(unsafe) private static var cachedBytes = 0
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
        if let pointer = freeLists[size]?.popLast() {
            cachedBytes -= size
            lock.unlock()
            return pointer
        }
        lock.unlock()
        var pointer: UnsafeMutableRawPointer?
        return posix_memalign(&pointer, 64, size) == 0 ? pointer : nil
    }

    /// Returns memory from `allocate`.
    static func free(_ pointer: UnsafeMutableRawPointer, byteCount: Int) {
        guard byteCount >= cachedMinimum else { pointer.deallocate(); return }
        let size = sizeClass(byteCount)
        lock.lock()
        if cachedBytes + size <= cacheLimit {
            freeLists[size, default: []].append(pointer)
            cachedBytes += size
            lock.unlock()
            return
        }
        lock.unlock()
        pointer.deallocate()
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
