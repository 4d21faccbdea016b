// Kernel launches on a GPU: modules compiled by NVRTC (through the kernel cache), loaded once into the GPU's primary
// context, launched on the calling thread's current stream.
import CCUDA
import Foundation

/// Launches Ember's kernels on one GPU. A module is compiled for the GPU's compute capability on first use (or read
/// from the kernel cache) and loaded once (`cuModuleLoadData`); each kernel is looked up once. Launches go to the
/// calling thread's current stream of the GPU (`CUDAStream`), so they run in order there, and every copy to or from
/// the host on that stream waits for them. A failure stops with the driver's or NVRTC's message, naming the kernel.
final class CUDADriverLauncher: CUDAKernelLauncher, @unchecked Sendable {   // modules and functions guarded by lock
    /// Threads per block of a grid-stride kernel.
    static let threadsPerBlock = 256

    private let driver: CUDADriver
    private let context: CUDAContext
    private let nvrtc: NVRTC
    private let cache: CUDAKernelCache
    private let properties: CUDADeviceProperties
    private let driverVersion: String
    private let ordinal: Int
    private let lock = NSLock()
    private var modules: [String: CUmodule] = [:]
    private var functions: [String: CUfunction] = [:]

    init(driver: CUDADriver, context: CUDAContext, ordinal: Int, nvrtc: NVRTC, cache: CUDAKernelCache) throws(CUDAError) {
        (self.driver, self.context, self.ordinal, self.nvrtc, self.cache) = (driver, context, ordinal, nvrtc, cache)
        properties = try driver.properties(ofDevice: ordinal)
        let version = try driver.version()
        driverVersion = "\(version.major).\(version.minor)"
    }

    /// Blocks of `threadsPerBlock` for `work`: one thread per element or one block per row, at most 32 blocks per
    /// multiprocessor (the grid-stride loops cover the rest).
    static func blocks(for work: CUDAKernelWork, multiprocessors: Int) -> Int {
        let wanted: Int
        switch work {
        case .elements(let count): wanted = (count + threadsPerBlock - 1) / threadsPerBlock
        case .rows(let count): wanted = count
        }
        return max(1, min(wanted, max(multiprocessors, 1) * 32))
    }

    func launch(_ kernel: String, of module: CUDAKernelModule, work: CUDAKernelWork, arguments: UnsafeMutablePointer<UnsafeMutableRawPointer?>) {
        context.makeCurrent()
        do throws(CUDAError) {
            let function = try self.function(kernel, of: module)
            let blocks = CUDADriverLauncher.blocks(for: work, multiprocessors: properties.multiProcessorCount)
            try driver.check(driver.launchKernel(function, UInt32(blocks), 1, 1, UInt32(CUDADriverLauncher.threadsPerBlock), 1, 1,
                                                 0, CUDAStream.currentHandle(ordinal), arguments, nil), "cuLaunchKernel (\(kernel))")
        } catch {
            fail("cuda:\(ordinal)", error.description)
        }
    }

    /// `kernel` of `module`, compiling and loading the module on first use.
    private func function(_ kernel: String, of module: CUDAKernelModule) throws(CUDAError) -> CUfunction {
        lock.lock(); defer { lock.unlock() }
        if let function = functions[kernel] { return function }
        let loaded: CUmodule
        if let existing = modules[module.name] {
            loaded = existing
        } else {
            let image = try cache.image(of: module, major: properties.major, minor: properties.minor, driverVersion: driverVersion,
                                        nvrtc: nvrtc)
            var made: CUmodule?
            let result = image.withUnsafeBytes { driver.moduleLoadData(&made, $0.baseAddress) }
            try driver.check(result, "cuModuleLoadData (\(module.name))")
            loaded = made!
            modules[module.name] = loaded
        }
        var function: CUfunction?
        try driver.check(driver.moduleGetFunction(&function, loaded, kernel), "cuModuleGetFunction (\(kernel))")
        functions[kernel] = function!
        return function!
    }
}
