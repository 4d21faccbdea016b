// A device emulated on the host: separate memory the op layer may reach only through the device's backend,
// with every byte and copy counted. It lets device code be tested on a machine without the device.
import Foundation

/// A device whose memory is host memory that the op layer treats as another device's: tensors must be moved to
/// it, ops on it run Ember's CPU kernels through its own backend, mixing it with the CPU stops as mixing CUDA and
/// CPU does, and reading its tensors' values copies them to the host. It counts live bytes and copies, so a test
/// can check that a program keeps its data on the device and frees it.
///
/// ```swift
/// let emulated = EmulatedDevice.register(.privateUse(0))
/// let model = MNISTNet().to(emulated.device)
/// ```
public final class EmulatedDevice: DeviceAllocator, @unchecked Sendable {   // counts guarded by lock
    /// The device this emulates.
    public let device: Device
    private let lock = NSLock()
    private var counts = (liveBytes: 0, copiesToHost: 0, bytesToHost: 0, copiesFromHost: 0)

    init(_ device: Device) { self.device = device }

    /// Emulates `device` (replacing what served it before) and returns the emulation; the CPU cannot be emulated.
    public static func register(_ device: Device) -> EmulatedDevice {
        let emulated = EmulatedDevice(device)
        Backends.register(CPUBackend(serving: device, allocator: emulated))
        return emulated
    }

    /// Bytes allocated on the device and not yet freed.
    public var liveBytes: Int { locked { counts.liveBytes } }
    /// Copies from the device to the host so far, and their bytes.
    public var copiesToHost: Int { locked { counts.copiesToHost } }
    /// Bytes copied from the device to the host so far.
    public var bytesToHost: Int { locked { counts.bytesToHost } }
    /// Copies from the host to the device so far.
    public var copiesFromHost: Int { locked { counts.copiesFromHost } }

    public func allocate(_ byteCount: Int) -> UnsafeMutableRawPointer? {
        locked { counts.liveBytes += byteCount }
        return UnsafeMutableRawPointer.allocate(byteCount: Swift.max(byteCount, 1), alignment: 64)
    }

    public func free(_ address: UnsafeMutableRawPointer, byteCount: Int) {
        locked { counts.liveBytes -= byteCount }
        address.deallocate()
    }

    public func copyFromHost(_ source: UnsafeRawPointer, to address: UnsafeMutableRawPointer, byteCount: Int) {
        locked { counts.copiesFromHost += 1 }
        address.copyMemory(from: source, byteCount: byteCount)
    }

    public func copyToHost(_ address: UnsafeRawPointer, to destination: UnsafeMutableRawPointer, byteCount: Int) {
        locked { (counts.copiesToHost, counts.bytesToHost) = (counts.copiesToHost + 1, counts.bytesToHost + byteCount) }
        destination.copyMemory(from: address, byteCount: byteCount)
    }

    private func locked<R>(_ body: () -> R) -> R {
        lock.lock(); defer { lock.unlock() }
        return body()
    }
}
