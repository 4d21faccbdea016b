// The CUDA caching allocator's bookkeeping on a fake device memory: reuse, packing of small requests, best fit,
// splitting and merging, streams (a block held while other streams use it), emptying the cache, and out-of-memory with
// one retry.
@testable import Ember
import XCTest

/// Device memory that hands out addresses from a counter up to a capacity, and counts segments.
private final class FakeDeviceMemory: DeviceMemory {
    let capacity: Int
    private(set) var segments: [UInt64: Int] = [:]
    private var nextAddress: UInt64 = 1 << 40
    init(capacity: Int) { self.capacity = capacity }

    var used: Int { segments.values.reduce(0, +) }
    var memoryInfo: (free: Int, total: Int) { (capacity - used, capacity) }

    func allocateSegment(_ byteCount: Int) -> UInt64? {
        guard used + byteCount <= capacity else { return nil }
        let address = nextAddress
        nextAddress += UInt64(byteCount) + (1 << 30)   // segments never touch, so merging across them would show
        segments[address] = byteCount
        return address
    }

    func freeSegment(_ address: UInt64) {
        XCTAssertNotNil(segments.removeValue(forKey: address), "freed a segment twice")
    }

    /// The markers placed, in order: a test says when a stream passes one.
    private(set) var markers: [(stream: Int, marker: FakeMarker)] = []

    func mark(_ stream: Int) -> DeviceMarker {
        let marker = FakeMarker()
        markers.append((stream, marker))
        return marker
    }
}

/// A marker the test passes by hand; waiting for it passes it.
private final class FakeMarker: DeviceMarker {
    var hasPassed = false
    private(set) var waited = false
    func waitUntilPassed() { (waited, hasPassed) = (true, true) }
}

final class CachingAllocatorTests: XCTestCase {
    private let mib = 1 << 20

    func testAFreedBlockIsReusedWithoutTheDriver() throws {
        let memory = FakeDeviceMemory(capacity: 100 * mib), allocator = CachingAllocator(memory: memory, device: 0)
        let first = try allocator.allocate(1000)
        XCTAssertEqual(allocator.blockSize(at: first), 1024)
        XCTAssertEqual(allocator.allocatedBytes, 1024)
        allocator.free(first)
        XCTAssertEqual(allocator.allocatedBytes, 0)
        XCTAssertEqual(try allocator.allocate(1000), first)
        XCTAssertEqual(memory.segments.count, 1)
        XCTAssertEqual(allocator.reservedBytes, 2 * mib)
    }

    func testSmallRequestsArePackedInTwoMiBSegments() throws {
        let memory = FakeDeviceMemory(capacity: 100 * mib), allocator = CachingAllocator(memory: memory, device: 0)
        let addresses = try (0..<4).map { _ in try allocator.allocate(mib / 2) }
        XCTAssertEqual(memory.segments.count, 1)
        XCTAssertEqual(addresses.map { $0 - addresses[0] }, [0, 1, 2, 3].map { UInt64($0 * mib / 2) })
        _ = try allocator.allocate(1)
        XCTAssertEqual(memory.segments.count, 2)
        XCTAssertEqual(allocator.reservedBytes, 4 * mib)
        XCTAssertEqual(allocator.peakAllocatedBytes, 2 * mib + 512)
    }

    func testLargeRequestsTakeTwentyMiBSegmentsOrTheirOwn() throws {
        let memory = FakeDeviceMemory(capacity: 200 * mib), allocator = CachingAllocator(memory: memory, device: 0)
        let five = try allocator.allocate(5 * mib)
        XCTAssertEqual(memory.segments[five], 20 * mib)
        let seven = try allocator.allocate(7 * mib)
        XCTAssertEqual(seven, five + UInt64(5 * mib), "the rest of the 20 MiB segment serves the next request")
        let twelve = try allocator.allocate(12 * mib + 1)
        XCTAssertEqual(memory.segments[twelve], 14 * mib, "10 MiB and up: a segment of its own, rounded to 2 MiB")
        XCTAssertEqual(allocator.reservedBytes, 34 * mib)
    }

    func testTheSmallestCachedBlockThatFitsIsTaken() throws {
        let memory = FakeDeviceMemory(capacity: 100 * mib), allocator = CachingAllocator(memory: memory, device: 0)
        // Each block is followed by one kept in use, so the freed ones cannot merge.
        let blocks = try [4096, 1024, 2048, 8192].map { size -> UInt64 in
            let block = try allocator.allocate(size)
            _ = try allocator.allocate(512)
            return block
        }
        for block in blocks { allocator.free(block) }
        XCTAssertEqual(try allocator.allocate(1500), blocks[2], "the 2048-byte block is the best fit, not the first")
        XCTAssertEqual(try allocator.allocate(1000), blocks[1])
        XCTAssertEqual(try allocator.allocate(5000), blocks[3])
    }

    func testFreedNeighboursMergeAndAnEmptySegmentGoesBackToTheDriver() throws {
        let memory = FakeDeviceMemory(capacity: 100 * mib), allocator = CachingAllocator(memory: memory, device: 0)
        let a = try allocator.allocate(mib / 2), b = try allocator.allocate(mib / 2), c = try allocator.allocate(mib / 2)
        allocator.free(b)
        allocator.emptyCache()
        XCTAssertEqual(memory.segments.count, 1, "a segment with blocks in use stays")
        allocator.free(a)
        allocator.free(c)
        XCTAssertEqual(try allocator.allocate(mib), a, "the three blocks and the rest merged into one free block")
        XCTAssertEqual(memory.segments.count, 1)
        allocator.free(a)
        allocator.emptyCache()
        XCTAssertTrue(memory.segments.isEmpty)
        XCTAssertEqual(allocator.reservedBytes, 0)
    }

    func testABlockFreedOnOneStreamServesOnlyThatStream() throws {
        let memory = FakeDeviceMemory(capacity: 100 * mib), allocator = CachingAllocator(memory: memory, device: 0)
        let onOne = try allocator.allocate(4096, stream: 1)
        allocator.free(onOne)
        let onZero = try allocator.allocate(4096, stream: 0)
        XCTAssertNotEqual(onZero, onOne)
        XCTAssertEqual(memory.segments.count, 2)
        XCTAssertEqual(try allocator.allocate(4096, stream: 1), onOne)
    }

    func testABlockAnotherStreamUsedIsHeldUntilThatStreamPassesItsMarker() throws {
        let memory = FakeDeviceMemory(capacity: 100 * mib), allocator = CachingAllocator(memory: memory, device: 0)
        let shared = try allocator.allocate(4096, stream: 1)
        allocator.recordStream(shared, stream: 1)   // its own stream: nothing to wait for
        allocator.recordStream(shared, stream: 2)
        allocator.recordStream(shared, stream: 3)
        allocator.free(shared)
        XCTAssertEqual(allocator.allocatedBytes, 0, "freed as far as the statistics go")
        XCTAssertEqual(memory.markers.map(\.stream).sorted(), [2, 3], "a marker on each other stream, none on its own")
        let meanwhile = try allocator.allocate(4096, stream: 1)
        XCTAssertNotEqual(meanwhile, shared, "held while streams 2 and 3 may still use it")
        memory.markers[0].marker.hasPassed = true
        XCTAssertNotEqual(try allocator.allocate(4096, stream: 1), shared, "stream \(memory.markers[1].stream) has not passed")
        memory.markers[1].marker.hasPassed = true
        XCTAssertEqual(try allocator.allocate(4096, stream: 1), shared, "both streams passed: cached for its own stream again")
        XCTAssertEqual(memory.markers.count, 2)

        let plain = try allocator.allocate(4096, stream: 1)
        allocator.free(plain)
        XCTAssertEqual(memory.markers.count, 2, "a block only its own stream used is cached at once, with no marker")
        XCTAssertEqual(try allocator.allocate(4096, stream: 1), plain)
    }

    func testEmptyingTheCacheWaitsForTheStreamsHoldingFreedBlocks() throws {
        let memory = FakeDeviceMemory(capacity: 100 * mib), allocator = CachingAllocator(memory: memory, device: 0)
        let block = try allocator.allocate(12 * mib)
        allocator.recordStream(block, stream: 5)
        allocator.free(block)
        allocator.emptyCache()
        XCTAssertTrue(memory.markers[0].marker.waited)
        XCTAssertTrue(memory.segments.isEmpty, "the held block went back to the driver after the wait")
        XCTAssertEqual(allocator.reservedBytes, 0)
    }

    func testOutOfMemoryEmptiesTheCacheRetriesOnceThenThrowsPyTorchsMessage() throws {
        let memory = FakeDeviceMemory(capacity: 24 * mib), allocator = CachingAllocator(memory: memory, device: 0)
        allocator.free(try allocator.allocate(12 * mib))
        _ = try allocator.allocate(100)
        let big = try allocator.allocate(22 * mib)
        XCTAssertEqual(memory.segments[big], 22 * mib, "the cached 12 MiB segment went back so this one fits")
        XCTAssertEqual(allocator.reservedBytes, 24 * mib)
        XCTAssertThrowsError(try allocator.allocate(4 * mib)) { error in
            XCTAssertEqual("\(error)", "CUDA out of memory. Tried to allocate 4.00 MiB. GPU 0 has a total capacity of "
                           + "24.00 MiB of which 0 bytes is free. Of the allocated memory 22.00 MiB is allocated by Ember, "
                           + "and 2.00 MiB is reserved by Ember but unallocated.")
        }
        XCTAssertEqual(allocator.allocatedBytes, 22 * mib + 512, "a failed request changes nothing")
    }

    func testSizesArePrintedAsPyTorchPrintsThem() {
        XCTAssertEqual(memorySize(1024), "1024 bytes")
        XCTAssertEqual(memorySize(1536), "1.50 KiB")
        XCTAssertEqual(memorySize(1 << 20), "1024.00 KiB")
        XCTAssertEqual(memorySize(3 << 30), "3.00 GiB")
    }
}
