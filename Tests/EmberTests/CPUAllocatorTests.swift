// The CPU caching allocator keeps what a step frees for the next step, up to the most the program ever had in use.
@testable import Ember
import XCTest

final class CPUAllocatorTests: XCTestCase {
    /// 1.5 GiB in 64 MiB buffers (address space only: nothing touches the pages), more than the 1 GiB always
    /// cached: all of it waits in the cache after being freed, and the same buffers come back.
    func testEverythingFreedUpToThePeakInUseIsKeptAndReused() {
        let size = 64 << 20, count = 24
        Ember.emptyCache()
        let first = (0..<count).map { _ in CPUAllocator.allocate(size) }
        for pointer in first { CPUAllocator.free(pointer, byteCount: size) }
        XCTAssertEqual(CPUAllocator.cachedByteCount, size * count)
        let second = (0..<count).map { _ in CPUAllocator.allocate(size) }
        XCTAssertEqual(Set(second), Set(first))
        XCTAssertEqual(CPUAllocator.cachedByteCount, 0)
        for pointer in second { CPUAllocator.free(pointer, byteCount: size) }
        Ember.emptyCache()
        XCTAssertEqual(CPUAllocator.cachedByteCount, 0)
    }

    /// Buffers of other sizes freed after a peak are kept too, up to twice the peak: 1.5 GiB in 64 MiB buffers,
    /// then 1 GiB in 80 MiB ones (address space only), and both sets come back.
    func testBuffersOfOtherSizesAreKeptBeyondThePeak() {
        let sizes = [(64 << 20, 24), (80 << 20, 13)]
        Ember.emptyCache()
        let firstRound = sizes.map { size, count in
            let buffers = (0..<count).map { _ in CPUAllocator.allocate(size) }
            for pointer in buffers { CPUAllocator.free(pointer, byteCount: size) }
            return buffers
        }
        XCTAssertEqual(CPUAllocator.cachedByteCount, sizes.map { $0 * $1 }.reduce(0, +))
        for ((size, count), buffers) in zip(sizes, firstRound) {
            let again = (0..<count).map { _ in CPUAllocator.allocate(size) }
            XCTAssertEqual(Set(again), Set(buffers))
            for pointer in again { CPUAllocator.free(pointer, byteCount: size) }
        }
        Ember.emptyCache()
    }

    /// Small buffers come from malloc and are never cached.
    func testSmallBuffersAreNotCached() {
        let before = CPUAllocator.cachedByteCount
        let pointer = CPUAllocator.allocate(100)
        CPUAllocator.free(pointer, byteCount: 100)
        XCTAssertEqual(CPUAllocator.cachedByteCount, before)
    }
}
