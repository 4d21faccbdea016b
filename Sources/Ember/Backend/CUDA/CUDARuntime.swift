// `Ember.cuda`: whether CUDA can be used here, the GPUs and their memory (`torch.cuda`).
import CCUDA
import Foundation

/// CUDA as this process finds it (`torch.cuda`). Ember loads the driver at run time: on a machine without one,
/// `isAvailable` is false and `unavailableReason` says why; nothing crashes.
public final class CUDARuntime: @unchecked Sendable {
    /// The driver found through `EMBER_CUDA_PATH`, Python's site-packages and the system's library path.
    static let shared = CUDARuntime(searching: CUDALibrarySearch.folders())

    /// The loaded driver and its device count, or why there is none.
    private let state: Result<(driver: CUDADriver, deviceCount: Int), CUDAError>
    /// NVRTC, which compiles Ember's kernels, or why it cannot be loaded; nil without a GPU.
    private let compiler: Result<NVRTC, CUDAError>?
    /// Compiled kernels, on disk and in memory.
    let kernelCache: CUDAKernelCache
    /// Each GPU's allocator and backend, made on first use.
    private var allocators: [Int: CUDADeviceAllocator] = [:]
    private var backends: [Int: CUDABackend] = [:]
    private var current = 0
    /// Pinned host memory, made on first use.
    private var pinned: PinnedHostAllocator?
    /// Streams no `CUDAStream` holds any more, by GPU and priority, for the next ones made.
    private var idleStreams: [Int: [Int: [CUstream]]] = [:]
    private let lock = NSLock()
    /// Where the libraries are searched.
    private let folders: [String]
    /// cuBLAS, or why it could not be loaded; loaded with the first GPU's backend.
    private lazy var cublas = Result { () throws(CUDAError) in try CUBLAS(searching: folders) }
    /// cuFFT, or why it could not be loaded; loaded with the first GPU's backend.
    private lazy var cufft = Result { () throws(CUDAError) in try CUFFT(searching: folders) }
    /// cuDNN, or why it could not be loaded; loaded with the first GPU's backend.
    private lazy var cudnn = Result { () throws(CUDAError) in try CUDNN(searching: folders) }

    /// Whether float32 matrix products on a GPU may round their inputs to TF32 for speed
    /// (`torch.backends.cuda.matmul.allow_tf32`); false by default, as in PyTorch.
    public var allowTF32: Bool {
        get { lock.lock(); defer { lock.unlock() }; return tf32 }
        set { lock.lock(); defer { lock.unlock() }; tf32 = newValue }
    }
    private var tf32 = false

    /// Whether convolutions on a GPU go to cuDNN when it is present (`torch.backends.cudnn.enabled`); true by default.
    /// Off, they run as im2col and cuBLAS products.
    public var cudnnEnabled: Bool {
        get { lock.lock(); defer { lock.unlock() }; return cudnnOn }
        set { lock.lock(); defer { lock.unlock() }; cudnnOn = newValue }
    }
    private var cudnnOn = true

    /// Whether cuDNN may only use algorithms that give the same result every run (`torch.backends.cudnn.deterministic`);
    /// false by default, as in PyTorch.
    public var cudnnDeterministic: Bool {
        get { lock.lock(); defer { lock.unlock() }; return deterministic }
        set { lock.lock(); defer { lock.unlock() }; deterministic = newValue }
    }
    private var deterministic = false

    /// Loads the driver and NVRTC from `folders` (then the system's search); compiled kernels are kept in
    /// `kernelCacheFolder` (nil: in memory only).
    init(searching folders: [String], kernelCacheFolder: URL? = CUDAKernelCache.defaultFolder()) {
        self.folders = folders
        kernelCache = CUDAKernelCache(folder: kernelCacheFolder)
        state = Result { () throws(CUDAError) in
            let driver = try CUDADriver(searching: folders)
            return (driver, try driver.deviceCount())
        }
        let hasGPU = ((try? state.get())?.deviceCount ?? 0) > 0
        compiler = hasGPU ? Result { () throws(CUDAError) in try NVRTC(searching: folders) } : nil
    }

    /// Whether tensors can go to a GPU (`torch.cuda.is_available()`): a CUDA driver loaded and sees at least one GPU,
    /// and NVRTC, which compiles Ember's kernels for it, loaded.
    public var isAvailable: Bool { unavailableReason == nil }

    /// Why CUDA cannot be used here (the missing library or entry point, the driver's error, no GPU, no NVRTC), or
    /// nil.
    public var unavailableReason: String? {
        switch (state, compiler) {
        case (.failure(let error), _): return error.description
        case (.success(let loaded), _) where loaded.deviceCount == 0: return "the CUDA driver found no GPU"
        case (_, .failure(let error)?):
            return "NVRTC, which compiles Ember's CUDA kernels, could not be loaded (pip install nvidia-cuda-nvrtc, or set "
                + "EMBER_CUDA_PATH): \(error)"
        default: return nil
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

    /// The product name of GPU `index`, the current one by default (`torch.cuda.get_device_name`).
    public func deviceName(_ index: Int? = nil) throws -> String { try deviceProperties(index ?? currentDevice).name }

    /// The compute capability of GPU `index`, the current one by default (`torch.cuda.get_device_capability`).
    public func deviceCapability(_ index: Int? = nil) throws -> (major: Int, minor: Int) {
        let properties = try deviceProperties(index ?? currentDevice)
        return (properties.major, properties.minor)
    }

    /// The driver, when `ordinal` names one of its GPUs.
    func driver(forGPU ordinal: Int) throws -> CUDADriver {
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
        return try allocatorLocked(ordinal, driver)
    }

    private func allocatorLocked(_ ordinal: Int, _ driver: CUDADriver) throws -> CUDADeviceAllocator {
        if let allocator = allocators[ordinal] { return allocator }
        let allocator = try CUDADeviceAllocator(driver: driver, ordinal: ordinal)
        allocators[ordinal] = allocator
        return allocator
    }

    /// The backend of GPU `ordinal` serving `device` (`.cuda(ordinal)` unless a test says otherwise), made and
    /// registered on first use: the GPU's allocator, and a launcher of kernels compiled by NVRTC.
    func backend(_ ordinal: Int, serving device: Device? = nil) throws -> CUDABackend {
        let driver = try driver(forGPU: ordinal), nvrtc = try compiler!.get()
        lock.lock(); defer { lock.unlock() }
        if device == nil, let backend = backends[ordinal] { return backend }
        let allocator = try allocatorLocked(ordinal, driver)
        let launcher = try CUDADriverLauncher(driver: driver, context: allocator.context, ordinal: ordinal, nvrtc: nvrtc,
                                              cache: kernelCache)
        let blas = (try? cublas.get()).flatMap { try? CUBLASSession($0, context: allocator.context, ordinal: ordinal) }
        let fft = (try? cufft.get()).map { CUFFTSession($0, context: allocator.context, ordinal: ordinal) }
        let dnn = (try? cudnn.get()).flatMap { try? CUDNNSession($0, context: allocator.context, ordinal: ordinal) }
        let backend = CUDABackend(device: device ?? .cuda(ordinal), allocator: allocator, launcher: launcher, blas: blas, fft: fft,
                                  dnn: dnn)
        if device == nil { backends[ordinal] = backend }
        Backends.register(backend)
        return backend
    }

    /// The pinned host memory of the process, made with the first GPU's context on first use.
    func pinnedAllocator() throws -> PinnedHostAllocator {
        let driver = try driver(forGPU: 0), context = try allocator(0).context
        lock.lock(); defer { lock.unlock() }
        if let pinned { return pinned }
        let made = PinnedHostAllocator(driver: driver, context: context)
        pinned = made
        return made
    }

    /// A stream of GPU `ordinal` with `priority` that no `CUDAStream` holds, or nil.
    func idleStream(_ ordinal: Int, priority: Int) -> CUstream? {
        lock.lock(); defer { lock.unlock() }
        return idleStreams[ordinal, default: [:]][priority, default: []].popLast()
    }

    /// Keeps a stream whose `CUDAStream` is gone for the next one made with its GPU and priority.
    func keepIdleStream(_ stream: CUstream, _ ordinal: Int, priority: Int) {
        lock.lock(); defer { lock.unlock() }
        idleStreams[ordinal, default: [:]][priority, default: []].append(stream)
    }

    /// Why matrix products on a GPU run on the host (cuBLAS could not be loaded), or nil.
    public var cublasUnavailableReason: String? { reason(\.cublas) }

    /// Why Fourier transforms on a GPU run on the host (cuFFT could not be loaded), or nil.
    public var cufftUnavailableReason: String? { reason(\.cufft) }

    /// Why convolutions on a GPU run as im2col and cuBLAS products (cuDNN could not be loaded), or nil.
    public var cudnnUnavailableReason: String? { reason(\.cudnn) }

    /// Why the library `loaded` (loaded on first use) could not be loaded, or nil.
    private func reason<Library>(_ loaded: ReferenceWritableKeyPath<CUDARuntime, Result<Library, CUDAError>>) -> String? {
        lock.lock(); defer { lock.unlock() }
        if case .failure(let error) = self[keyPath: loaded] { return error.description }
        return nil
    }

    /// The cuDNN version loaded for the GPUs (`torch.backends.cudnn.version()`: 92600 for 9.26.0), or nil.
    public var cudnnVersion: Int? {
        lock.lock(); defer { lock.unlock() }
        return try? cudnn.get().version
    }

    /// Why GPU `ordinal` cannot run ops, or nil.
    func unavailableReason(forGPU ordinal: Int) -> String? {
        if let reason = unavailableReason { return reason }
        do {
            _ = try backend(ordinal)
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// Bytes in tensors on GPU `device` (`torch.cuda.memory_allocated`).
    public func memoryAllocated(_ device: Int = 0) -> Int { statistic(device) { $0.allocatedBytes } }

    /// The most bytes tensors have held on GPU `device` (`torch.cuda.max_memory_allocated`).
    public func maxMemoryAllocated(_ device: Int = 0) -> Int { statistic(device) { $0.peakAllocatedBytes } }

    /// Bytes Ember's caching allocator holds from the driver on GPU `device` (`torch.cuda.memory_reserved`).
    public func memoryReserved(_ device: Int = 0) -> Int { statistic(device) { $0.reservedBytes } }

    /// The most bytes Ember's caching allocator has held on GPU `device` (`torch.cuda.max_memory_reserved`).
    public func maxMemoryReserved(_ device: Int = 0) -> Int { statistic(device) { $0.peakReservedBytes } }

    /// Starts `maxMemoryAllocated` and `maxMemoryReserved` of GPU `device` again from the present amounts
    /// (`torch.cuda.reset_peak_memory_stats`).
    public func resetPeakMemoryStats(_ device: Int = 0) { withCache(device) { $0.resetPeaks() } }

    /// GPU `device`'s free and total memory in bytes as the driver reports them (`torch.cuda.mem_get_info`).
    public func memGetInfo(_ device: Int = 0) throws -> (free: Int, total: Int) {
        let driver = try driver(forGPU: device)
        try allocator(device).context.makeCurrent()
        var free = 0, total = 0
        try driver.check(driver.memGetInfo(&free, &total), "cuMemGetInfo_v2")
        return (free, total)
    }

    /// Gives the cached, unused GPU memory of every device back to the driver (`torch.cuda.empty_cache`).
    public func emptyCache() {
        lock.lock()
        let all = Array(allocators.values)
        lock.unlock()
        for allocator in all { allocator.withCache { $0.emptyCache() } }
    }

    /// `body` on GPU `device`'s cache, under its lock; nil when the GPU has not been used.
    private func withCache<R>(_ device: Int, _ body: (CachingAllocator) -> R) -> R? {
        lock.lock()
        let allocator = allocators[device]
        lock.unlock()
        return allocator?.withCache(body)
    }

    private func statistic(_ device: Int, _ read: (CachingAllocator) -> Int) -> Int { withCache(device, read) ?? 0 }
}

extension CUDARuntime {
    /// The GPU `tensor.cuda()` and `Device.cuda` without an index mean (`torch.cuda.current_device()`).
    public var currentDevice: Int {
        lock.lock(); defer { lock.unlock() }
        return current
    }

    /// Makes GPU `index` the current one (`torch.cuda.set_device`); throws when no such GPU can be used.
    public func setDevice(_ index: Int) throws {
        _ = try driver(forGPU: index)
        lock.lock(); defer { lock.unlock() }
        current = index
    }

    /// Waits until every kernel launched on GPU `device` (the current one by default) has finished
    /// (`torch.cuda.synchronize`); a kernel's failure is thrown here with the driver's message.
    public func synchronize(_ device: Int? = nil) throws {
        let index = device ?? currentDevice
        let driver = try driver(forGPU: index)
        try allocator(index).context.makeCurrent()
        try driver.check(driver.ctxSynchronize(), "cuCtxSynchronize")
    }

    /// Seeds the random numbers of every GPU (`torch.cuda.manual_seed_all`). Ember draws a GPU's random numbers from the
    /// host's generator and copies them, so they equal PyTorch's CPU stream for the seed; seeding the GPUs therefore
    /// seeds the host's generator (where PyTorch keeps a separate generator per GPU).
    public func manualSeedAll(_ seed: UInt64) { Ember.manualSeed(seed) }

    /// Seeds the random numbers of the current GPU (`torch.cuda.manual_seed`): the host's generator, as `manualSeedAll`.
    public func manualSeed(_ seed: UInt64) { Ember.manualSeed(seed) }
}

extension Ember {
    /// CUDA in this process (`torch.cuda`): `Ember.cuda.isAvailable`, `deviceCount`, …
    public static var cuda: CUDARuntime { CUDARuntime.shared }
}
