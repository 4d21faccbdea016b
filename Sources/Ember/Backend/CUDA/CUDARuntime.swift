// `Ember.cuda`: whether CUDA can be used here, the GPUs and their memory (`torch.cuda`).
import Foundation

/// CUDA as this process finds it (`torch.cuda`). Ember loads the driver at run time: on a machine without one,
/// `isAvailable` is false and `unavailableReason` says why; nothing crashes.
public final class CUDARuntime: @unchecked Sendable {
    /// The driver found through `EMBER_CUDA_PATH`, Python's site-packages and the system's library path.
    static let shared = CUDARuntime(searching: CUDALibrarySearch.folders())

    /// The loaded driver and its device count, or why there is none.
    private let state: Result<(driver: CUDADriver, deviceCount: Int), CUDAError>
    /// Each GPU's allocator, made on first use.
    private var allocators: [Int: CUDADeviceAllocator] = [:]
    private let lock = NSLock()

    /// Loads the driver from `folders` (then the system's search).
    init(searching folders: [String]) {
        state = Result { () throws(CUDAError) in
            let driver = try CUDADriver(searching: folders)
            return (driver, try driver.deviceCount())
        }
    }

    /// Whether tensors can go to a GPU (`torch.cuda.is_available()`): a CUDA driver loaded, sees at least one GPU,
    /// and a backend runs Ember's ops there.
    public var isAvailable: Bool { unavailableReason == nil }

    /// Why CUDA cannot be used here (the missing library or entry point, the driver's error, no GPU, no backend
    /// for the GPUs in this build), or nil.
    public var unavailableReason: String? {
        switch state {
        case .failure(let error): return error.description
        case .success(let loaded) where loaded.deviceCount == 0: return "the CUDA driver found no GPU"
        case .success(let loaded):
            guard Backends.backend(for: .cuda(0)) == nil else { return nil }
            return "the CUDA driver found \(loaded.deviceCount) GPU(s), but this build of Ember compiles its CUDA kernels "
                + "without running ops on a GPU yet"
        }
    }

    /// The number of GPUs the driver sees (`torch.cuda.device_count()`); 0 when no driver loaded.
    public var deviceCount: Int { (try? state.get().deviceCount) ?? 0 }

    /// The driver's CUDA version ("13.0"), or nil when no driver loaded.
    public var driverVersion: String? {
        guard let driver = try? state.get().driver, let version = try? driver.version() else { return nil }
        return "\(version.major).\(version.minor)"
    }

    /// What the driver says of GPU `index` (`torch.cuda.get_device_properties`).
    public func deviceProperties(_ index: Int) throws -> CUDADeviceProperties {
        try driver(forGPU: index).properties(ofDevice: index)
    }

    /// The driver, when `ordinal` names one of its GPUs.
    private func driver(forGPU ordinal: Int) throws -> CUDADriver {
        let loaded = try state.get()
        guard (0..<loaded.deviceCount).contains(ordinal) else {
            throw CUDAError.driver(call: "cuDeviceGet", code: 101, name: "CUDA_ERROR_INVALID_DEVICE",
                                   message: "invalid device ordinal \(ordinal) (\(loaded.deviceCount) GPUs)")
        }
        return loaded.driver
    }
}

extension CUDARuntime {
    /// GPU `ordinal`'s memory (its caching allocator), made on first use.
    func allocator(_ ordinal: Int) throws -> CUDADeviceAllocator {
        let driver = try driver(forGPU: ordinal)
        lock.lock(); defer { lock.unlock() }
        if let allocator = allocators[ordinal] { return allocator }
        let allocator = try CUDADeviceAllocator(driver: driver, ordinal: ordinal)
        allocators[ordinal] = allocator
        return allocator
    }

    /// Bytes in tensors on GPU `device` (`torch.cuda.memory_allocated`).
    public func memoryAllocated(_ device: Int = 0) -> Int { statistic(device) { $0.allocatedBytes } }

    /// The most bytes tensors have held on GPU `device` (`torch.cuda.max_memory_allocated`).
    public func maxMemoryAllocated(_ device: Int = 0) -> Int { statistic(device) { $0.peakAllocatedBytes } }

    /// Bytes Ember's caching allocator holds from the driver on GPU `device` (`torch.cuda.memory_reserved`).
    public func memoryReserved(_ device: Int = 0) -> Int { statistic(device) { $0.reservedBytes } }

    /// Gives the cached, unused GPU memory of every device back to the driver (`torch.cuda.empty_cache`).
    public func emptyCache() {
        lock.lock()
        let all = Array(allocators.values)
        lock.unlock()
        for allocator in all { allocator.withCache { $0.emptyCache() } }
    }

    private func statistic(_ device: Int, _ read: (CachingAllocator) -> Int) -> Int {
        lock.lock()
        let allocator = allocators[device]
        lock.unlock()
        return allocator?.withCache(read) ?? 0
    }
}

extension Ember {
    /// CUDA in this process (`torch.cuda`): `Ember.cuda.isAvailable`, `deviceCount`, …
    public static var cuda: CUDARuntime { CUDARuntime.shared }
}
