// The device the golden cases run on: the CPU, or with EMBER_GOLDEN_DEVICE=test a second device whose memory the
// op layer may not read (the CPU kernels run on it only through its own backend), so a case passes there only when
// every op, module and optimizer it uses goes through the backend seam.
import Foundation
@testable import Ember

enum GoldenDevice {
    static let variable = "EMBER_GOLDEN_DEVICE"

    /// The device of this process's cases.
    static let current: Device = {
        guard ProcessInfo.processInfo.environment[variable] == "test" else { return .cpu }
        Backends.register(CPUBackend(serving: .privateUse(0), allocator: CountingAllocator.shared))
        return .privateUse(0)
    }()
}

/// Host memory counted byte by byte, behind the test device.
final class CountingAllocator: DeviceAllocator {
    static let shared = CountingAllocator()
    private let lock = NSLock()
    private(set) var liveBytes = 0

    func allocate(_ byteCount: Int) -> UnsafeMutableRawPointer? {
        lock.lock(); defer { lock.unlock() }
        liveBytes += byteCount
        return UnsafeMutableRawPointer.allocate(byteCount: Swift.max(byteCount, 1), alignment: 64)
    }
    func free(_ address: UnsafeMutableRawPointer, byteCount: Int) {
        lock.lock(); defer { lock.unlock() }
        liveBytes -= byteCount
        address.deallocate()
    }
    func copyFromHost(_ source: UnsafeRawPointer, to address: UnsafeMutableRawPointer, byteCount: Int) {
        address.copyMemory(from: source, byteCount: byteCount)
    }
    func copyToHost(_ address: UnsafeRawPointer, to destination: UnsafeMutableRawPointer, byteCount: Int) {
        destination.copyMemory(from: address, byteCount: byteCount)
    }
}
