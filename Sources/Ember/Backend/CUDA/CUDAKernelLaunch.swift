// What a kernel launch passes: the C arguments of Ember's generated kernels, packed as the driver reads them.

/// Runs compiled kernels: the CUDA driver on a GPU. `CUDABackend` decides what to launch; a launcher only loads
/// modules and starts kernels, so the tests can run the same generated sources compiled for the host.
protocol CUDAKernelLauncher: AnyObject, Sendable {
    /// Starts `kernel` of `module` over `work` (grid-stride loops cover it all whatever the grid), with `arguments[i]`
    /// pointing at the value of the kernel's i-th C parameter.
    func launch(_ kernel: String, of module: CUDAKernelModule, work: CUDAKernelWork, arguments: UnsafeMutablePointer<UnsafeMutableRawPointer?>)
}

/// What one launch covers, which sets its grid.
enum CUDAKernelWork {
    /// One thread per element.
    case elements(Int)
    /// One block of cooperating threads per row.
    case rows(Int)
}

/// One C argument of a generated kernel.
enum CUDAKernelArgument {
    /// `long long`.
    case int64(Int64)
    /// `double`.
    case double(Double)
    /// A device address (`T*`).
    case address(UnsafeRawPointer?)
    /// `EmberLayout`, by value.
    case layout(CUDAKernelLayout)
    /// A struct of 8-byte fields (`long long`, `double`), by value.
    case words([Int64])

    /// Calls `body` with the driver's `kernelParams` for `arguments`: each value in an 8-byte aligned slot of one
    /// buffer on the stack, and a pointer to each slot.
    static func withParameters<R>(_ arguments: [CUDAKernelArgument],
                                  _ body: (UnsafeMutablePointer<UnsafeMutableRawPointer?>) -> R) -> R {
        let byteCount = arguments.reduce(0) { $0 + $1.byteCount }
        return withUnsafeTemporaryAllocation(byteCount: byteCount, alignment: 16) { buffer in
            withUnsafeTemporaryAllocation(of: UnsafeMutableRawPointer?.self, capacity: arguments.count) { pointers in
                var slot = buffer.baseAddress!
                for (index, argument) in arguments.enumerated() {
                    switch argument {
                    case .int64(let value): slot.storeBytes(of: value, as: Int64.self)
                    case .double(let value): slot.storeBytes(of: value, as: Double.self)
                    case .address(let value): slot.storeBytes(of: value, as: UnsafeRawPointer?.self)
                    case .layout(let layout): layout.words.withUnsafeBytes { slot.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                    case .words(let words): words.withUnsafeBytes { slot.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                    }
                    pointers[index] = slot
                    slot += argument.byteCount
                }
                return body(pointers.baseAddress!)
            }
        }
    }

    /// The bytes of the C parameter.
    private var byteCount: Int {
        switch self {
        case .layout: return CUDAKernelLayout.byteCount
        case .words(let words): return 8 * words.count
        default: return 8
        }
    }
}

/// The `EmberLayout` argument of a pointwise kernel (`CUDAKernelSources.prelude`): the output's shape and every
/// operand's strides over it, as the C struct lays them out (`int rank; int contiguous; long long
/// size[16]; long long stride[4][16]`).
struct CUDAKernelLayout {
    static let byteCount = 8 + 8 * CUDAKernelSources.maxDims * (1 + CUDAKernelSources.maxOperands)
    /// The struct as 8-byte words.
    let words: [Int64]

    /// The layout of `out` and `inputs` (each broadcast to out's shape), with dimensions merged where every operand
    /// allows; nil when more than `maxDims` dimensions remain.
    init?(out: KernelOperand, inputs: [KernelOperand]) {
        let shape = out.shape, count = out.numel
        self.init(shape: shape, strides: [out.strides] + inputs.map { Layout.broadcastStrides(shape: $0.shape, strides: $0.strides, to: shape) },
                  contiguous: out.isContiguous && inputs.allSatisfy { $0.isContiguous && $0.numel == count })
    }

    /// Positions of `shape` with each operand's `strides` (at most `maxOperands`), merged where all allow; `contiguous`
    /// when every operand is row-major over the shape. Nil when more than `maxDims` dimensions remain.
    init?(shape: [Int], strides: [[Int]], contiguous: Bool) {
        let loop = StridedLoop(shape: shape, strides: strides)
        guard loop.shape.count <= CUDAKernelSources.maxDims, strides.count <= CUDAKernelSources.maxOperands else { return nil }
        var words = [Int64](repeating: 0, count: CUDAKernelLayout.byteCount / 8)
        words[0] = Int64(loop.shape.count) | (contiguous ? 1 << 32 : 0)   // rank, then contiguous, little-endian
        for (d, size) in loop.shape.enumerated() { words[1 + d] = Int64(size) }
        for (k, strides) in loop.strides.enumerated() {
            for (d, stride) in strides.enumerated() { words[1 + CUDAKernelSources.maxDims * (1 + k) + d] = Int64(stride) }
        }
        self.words = words
    }
}
