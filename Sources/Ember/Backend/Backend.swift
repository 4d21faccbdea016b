// The device seam: each device is a `Backend` that owns its memory through a `DeviceAllocator`. Storage
// allocates through its device's backend and frees through it; tensors move between devices by the
// allocators' copies. The CPU's backend is the host itself, whose memory kernels read directly.
import Foundation

/// The memory of one device: allocation, and copies to, from and within it. Addresses it hands out are the
/// device's own; only a host allocator's can be read by the CPU.
public protocol DeviceAllocator: AnyObject {
    /// `byteCount` bytes on the device, or nil when the device has no memory for them.
    func allocate(_ byteCount: Int) -> UnsafeMutableRawPointer?
    /// Returns memory from `allocate`.
    func free(_ address: UnsafeMutableRawPointer, byteCount: Int)
    /// Copies `byteCount` bytes from host memory to the device.
    func copyFromHost(_ source: UnsafeRawPointer, to address: UnsafeMutableRawPointer, byteCount: Int)
    /// Copies `byteCount` bytes from the device to host memory.
    func copyToHost(_ address: UnsafeRawPointer, to destination: UnsafeMutableRawPointer, byteCount: Int)
}

/// One device's implementation of what tensors need from it (`torch.device`'s backend).
public protocol Backend: AnyObject {
    /// The device this backend serves.
    var device: Device { get }
    /// Its memory.
    var allocator: DeviceAllocator { get }
}

/// The backends by device: the CPU's always, others as they are registered (a GPU backend when its driver
/// loads, a test backend in the tests).
public enum Backends {
    nonisolated(unsafe) private static var registered: [Device: Backend] = [.cpu: CPUBackend.shared]
    private static let lock = NSLock()

    /// The backend of `device`, or nil when none serves it.
    public static func backend(for device: Device) -> Backend? {
        lock.lock(); defer { lock.unlock() }
        return registered[device]
    }

    /// Makes `backend` serve its device (replacing one registered before, except the CPU's).
    public static func register(_ backend: Backend) {
        precondition(backend.device != .cpu, "Backends.register: the CPU's backend is built in")
        lock.lock(); defer { lock.unlock() }
        registered[backend.device] = backend
    }
}

/// The host: memory from Ember's caching allocator, read directly by the CPU kernels.
final class CPUBackend: Backend, DeviceAllocator {
    static let shared = CPUBackend()
    var device: Device { .cpu }
    var allocator: DeviceAllocator { self }

    func allocate(_ byteCount: Int) -> UnsafeMutableRawPointer? { CPUAllocator.tryAllocate(byteCount) }
    func free(_ address: UnsafeMutableRawPointer, byteCount: Int) { CPUAllocator.free(address, byteCount: byteCount) }
    func copyFromHost(_ source: UnsafeRawPointer, to address: UnsafeMutableRawPointer, byteCount: Int) {
        address.copyMemory(from: source, byteCount: byteCount)
    }
    func copyToHost(_ address: UnsafeRawPointer, to destination: UnsafeMutableRawPointer, byteCount: Int) {
        destination.copyMemory(from: address, byteCount: byteCount)
    }
}
