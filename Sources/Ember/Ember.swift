// The library's global settings (`torch.manual_seed`, `torch.set_num_threads`, …).

/// Library-wide functions, as `torch.*` has them.
public enum Ember {
    /// The library version.
    public static let version = "0.1.0"

    /// The number of threads CPU kernels and BLAS use (`torch.get_num_threads`).
    public static var numThreads: Int { cpuThreadCount }

    /// Gives the CPU memory cached for reuse back to the system.
    public static func emptyCache() { CPUAllocator.emptyCache() }

    /// Sets the number of threads for CPU kernels and matrix products (`torch.set_num_threads`).
    public static func setNumThreads(_ count: Int) { cpuThreadCount = max(1, count) }
}
