// Device memory cached for reuse, after PyTorch's CUDACachingAllocator: a training step allocates nothing new from
// the driver after the first, because freed blocks are kept and split for later requests.

/// Raw device memory as the driver gives it: whole segments, slow to get and to give back.
protocol DeviceMemory: AnyObject {
    /// A new segment of `byteCount` bytes, or nil when the device has no memory for it.
    func allocateSegment(_ byteCount: Int) -> UInt64?
    /// Gives a segment back.
    func freeSegment(_ address: UInt64)
    /// The device's free and total memory in bytes, as the driver reports them.
    var memoryInfo: (free: Int, total: Int) { get }
    /// Marks the work queued on `stream` so far, to learn when the device has done it.
    func mark(_ stream: Int) -> DeviceMarker
}

/// A point in a stream's work (a CUDA event): whether the device has passed it, and a wait until it has.
protocol DeviceMarker: AnyObject {
    var hasPassed: Bool { get }
    func waitUntilPassed()
}

/// A caching allocator for one device. Requests are rounded up to 512 bytes; those of at most 1 MiB are cut from
/// 2 MiB segments (the small pool), larger ones from 20 MiB segments, or their own segment rounded to 2 MiB from
/// 10 MiB up (the large pool). A request takes the smallest cached free block of its pool and stream that fits
/// (best fit), split when the rest is worth keeping; a freed block merges with free neighbours of its segment.
/// When the device is out of memory, the unused cached segments go back to the driver and the request is tried
/// once more.
///
/// A block belongs to the stream current when it was requested: freed, it serves that stream's later requests,
/// which the stream runs after the work queued before (PyTorch's rule). A block used on other streams too
/// (`recordStream`) is held when freed until those streams have passed a marker placed then.
final class CachingAllocator {
    /// A range of a segment, in use or cached.
    final class Block {
        let segment: UInt64
        let stream: Int
        let isSmallPool: Bool
        fileprivate(set) var address: UInt64
        fileprivate(set) var size: Int
        fileprivate(set) var isFree = false
        fileprivate var previous: Block?
        fileprivate var next: Block?
        /// The streams other than its own that used the block while it was in use.
        fileprivate var otherStreams: Set<Int> = []

        fileprivate init(segment: UInt64, address: UInt64, size: Int, stream: Int, isSmallPool: Bool) {
            (self.segment, self.address, self.size, self.stream, self.isSmallPool) = (segment, address, size, stream, isSmallPool)
        }

        /// Whether the block is a whole segment (it can go back to the driver).
        fileprivate var isWholeSegment: Bool { previous == nil && next == nil }
    }

    static let minimumBlock = 512
    static let smallRequest = 1 << 20
    static let smallSegment = 2 << 20
    static let largeSegment = 20 << 20
    static let ownSegmentFrom = 10 << 20
    static let largeRounding = 2 << 20

    private let memory: DeviceMemory
    /// The device's index, for messages.
    let device: Int
    /// Cached free blocks of each pool, ordered by (stream, size, address) for best fit.
    private var freeSmall: [Block] = [], freeLarge: [Block] = []
    /// Blocks handed out, by address.
    private var inUse: [UInt64: Block] = [:]
    /// Freed blocks other streams may still be using, with a marker in each of those streams.
    private var held: [(block: Block, markers: [DeviceMarker])] = []

    /// Bytes in blocks handed out (`torch.cuda.memory_allocated`).
    private(set) var allocatedBytes = 0
    /// The most `allocatedBytes` has been (`torch.cuda.max_memory_allocated`).
    private(set) var peakAllocatedBytes = 0
    /// Bytes in segments taken from the driver (`torch.cuda.memory_reserved`).
    private(set) var reservedBytes = 0 {
        didSet { peakReservedBytes = max(peakReservedBytes, reservedBytes) }
    }
    /// The most `reservedBytes` has been (`torch.cuda.max_memory_reserved`).
    private(set) var peakReservedBytes = 0

    /// Starts the peaks again from the present amounts (`torch.cuda.reset_peak_memory_stats`).
    func resetPeaks() { (peakAllocatedBytes, peakReservedBytes) = (allocatedBytes, reservedBytes) }

    init(memory: DeviceMemory, device: Int) {
        (self.memory, self.device) = (memory, device)
    }

    /// The size a request of `byteCount` bytes is served with.
    static func roundedSize(_ byteCount: Int) -> Int {
        byteCount < minimumBlock ? minimumBlock : (byteCount + minimumBlock - 1) / minimumBlock * minimumBlock
    }

    /// The segment size a request of `size` (rounded) bytes would need from the driver.
    static func segmentSize(_ size: Int) -> Int {
        if size <= smallRequest { return smallSegment }
        if size < ownSegmentFrom { return largeSegment }
        return (size + largeRounding - 1) / largeRounding * largeRounding
    }

    /// A device address with room for `byteCount` bytes, for work on `stream`; throws PyTorch's out-of-memory
    /// message when the device cannot give it even after the cache is emptied.
    func allocate(_ byteCount: Int, stream: Int = 0) throws(CUDAMemoryError) -> UInt64 {
        releaseHeldBlocks(waiting: false)
        let size = Self.roundedSize(byteCount), isSmall = size <= Self.smallRequest
        var block: Block
        if let cached = takeCachedBlock(size: size, stream: stream, isSmall: isSmall) {
            block = cached
        } else {
            block = try newSegment(size: size, stream: stream, isSmall: isSmall)
        }
        split(block, keeping: size)
        block.isFree = false
        inUse[block.address] = block
        allocatedBytes += block.size
        peakAllocatedBytes = max(peakAllocatedBytes, allocatedBytes)
        return block.address
    }

    /// Returns the block at `address` to the cache, merged with free neighbours; a block other streams used is held
    /// until they have passed the work queued on them now.
    func free(_ address: UInt64) {
        guard let block = inUse.removeValue(forKey: address) else {
            preconditionFailure("CachingAllocator.free: \(address) was not allocated here")
        }
        allocatedBytes -= block.size
        if block.otherStreams.isEmpty {
            cache(block)
        } else {
            held.append((block, block.otherStreams.map(memory.mark)))
            block.otherStreams = []
        }
    }

    /// Notes that work on `stream` uses the block at `address` (`Tensor.record_stream`).
    func recordStream(_ address: UInt64, stream: Int) {
        guard let block = inUse[address] else {
            preconditionFailure("CachingAllocator.recordStream: \(address) was not allocated here")
        }
        if stream != block.stream { block.otherStreams.insert(stream) }
    }

    /// Caches the held blocks whose streams have passed their markers (after waiting for all, with `waiting`).
    private func releaseHeldBlocks(waiting: Bool) {
        guard !held.isEmpty else { return }
        if waiting { held.forEach { $0.markers.forEach { $0.waitUntilPassed() } } }
        let candidates = held
        held = []
        for entry in candidates {
            if entry.markers.allSatisfy(\.hasPassed) { cache(entry.block) } else { held.append(entry) }
        }
    }

    /// Puts a block no one uses among the free ones, merged with its free neighbours.
    private func cache(_ block: Block) {
        var merged = block
        if let previous = block.previous, previous.isFree {
            removeFree(previous)
            previous.size += block.size
            previous.next = block.next
            block.next?.previous = previous
            merged = previous
        }
        if let next = merged.next, next.isFree {
            removeFree(next)
            merged.size += next.size
            merged.next = next.next
            next.next?.previous = merged
        }
        insertFree(merged)
    }

    /// Gives every cached segment no block of which is in use back to the driver (`torch.cuda.empty_cache`), after
    /// waiting for the streams still using freed blocks.
    func emptyCache() {
        releaseHeldBlocks(waiting: true)
        for pool in [freeSmall, freeLarge] {
            for block in pool where block.isWholeSegment {
                removeFree(block)
                memory.freeSegment(block.segment)
                reservedBytes -= block.size
            }
        }
    }

    /// The size of the block handed out at `address`.
    func blockSize(at address: UInt64) -> Int? { inUse[address]?.size }

    // MARK: Blocks

    private func takeCachedBlock(size: Int, stream: Int, isSmall: Bool) -> Block? {
        let pool = isSmall ? freeSmall : freeLarge
        let index = firstIndex(in: pool, notBefore: (stream, size, 0))
        guard index < pool.count, pool[index].stream == stream else { return nil }
        let block = pool[index]
        removeFree(block)
        return block
    }

    private func newSegment(size: Int, stream: Int, isSmall: Bool) throws(CUDAMemoryError) -> Block {
        let segmentSize = Self.segmentSize(size)
        var address = memory.allocateSegment(segmentSize)
        if address == nil {
            emptyCache()
            address = memory.allocateSegment(segmentSize)
        }
        guard let address else {
            let info = memory.memoryInfo
            throw CUDAMemoryError(device: device, requested: size, total: info.total, free: info.free,
                                  allocated: allocatedBytes, reserved: reservedBytes)
        }
        reservedBytes += segmentSize
        return Block(segment: address, address: address, size: segmentSize, stream: stream, isSmallPool: isSmall)
    }

    /// Cuts `block` to `size` when the rest is worth caching (any rest in the small pool, more than 1 MiB in the
    /// large one); the rest becomes a free block after it.
    private func split(_ block: Block, keeping size: Int) {
        let rest = block.size - size
        guard block.isSmallPool ? rest >= Self.minimumBlock : rest > Self.smallRequest else { return }
        let remainder = Block(segment: block.segment, address: block.address + UInt64(size), size: rest,
                              stream: block.stream, isSmallPool: block.isSmallPool)
        remainder.previous = block
        remainder.next = block.next
        block.next?.previous = remainder
        block.next = remainder
        block.size = size
        insertFree(remainder)
    }

    // MARK: Free lists, ordered by (stream, size, address)

    private func key(_ block: Block) -> (Int, Int, UInt64) { (block.stream, block.size, block.address) }

    private func firstIndex(in pool: [Block], notBefore key: (Int, Int, UInt64)) -> Int {
        var low = 0, high = pool.count
        while low < high {
            let middle = (low + high) / 2
            if self.key(pool[middle]) < key { low = middle + 1 } else { high = middle }
        }
        return low
    }

    private func insertFree(_ block: Block) {
        block.isFree = true
        if block.isSmallPool {
            freeSmall.insert(block, at: firstIndex(in: freeSmall, notBefore: key(block)))
        } else {
            freeLarge.insert(block, at: firstIndex(in: freeLarge, notBefore: key(block)))
        }
    }

    private func removeFree(_ block: Block) {
        if block.isSmallPool {
            freeSmall.remove(at: firstIndex(in: freeSmall, notBefore: key(block)))
        } else {
            freeLarge.remove(at: firstIndex(in: freeLarge, notBefore: key(block)))
        }
    }
}

/// A device out of memory even after its cache was emptied, described as PyTorch describes it.
public struct CUDAMemoryError: Error, Equatable, CustomStringConvertible {
    /// The GPU that ran out of memory.
    public let device: Int
    /// The bytes asked for (rounded as the allocator serves them).
    public let requested: Int
    /// The GPU's total and free bytes at the time.
    public let total: Int, free: Int
    /// Bytes in tensors, and bytes the allocator holds from the driver.
    public let allocated: Int, reserved: Int

    /// PyTorch's message: "CUDA out of memory. Tried to allocate …".
    public var description: String {
        "CUDA out of memory. Tried to allocate \(memorySize(requested)). GPU \(device) has a total capacity of "
            + "\(memorySize(total)) of which \(memorySize(free)) is free. Of the allocated memory \(memorySize(allocated)) "
            + "is allocated by Ember, and \(memorySize(reserved - allocated)) is reserved by Ember but unallocated."
    }
}

/// Bytes as PyTorch's memory messages write them (`format_size`): up to 1024 in bytes, then KiB, MiB or GiB with two
/// decimals.
func memorySize(_ bytes: Int) -> String {
    if bytes <= 1024 { return "\(bytes) bytes" }
    if bytes <= 1 << 20 { return String(format: "%.2f KiB", Double(bytes) / 1024) }
    if bytes <= 1 << 30 { return String(format: "%.2f MiB", Double(bytes) / 1048576) }
    return String(format: "%.2f GiB", Double(bytes) / 1073741824)
}
