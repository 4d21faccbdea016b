// The device seam: each device is a `Backend` that owns its memory through a `DeviceAllocator` and runs every
// primitive the ops are built from. An op checks its operands share a device, allocates its result there and
// calls that device's backend; kernels read and write `KernelOperand`s (memory plus layout), never `Tensor`s.
import Foundation

/// The memory of one device: allocation, and copies to, from and within it. Addresses it hands out are the
/// device's own; only a host allocator's can be read by the CPU.
public protocol DeviceAllocator: AnyObject, Sendable {
    /// `byteCount` bytes on the device, or nil when the device has no memory for them.
    func allocate(_ byteCount: Int) -> UnsafeMutableRawPointer?
    /// Returns memory from `allocate`.
    func free(_ address: UnsafeMutableRawPointer, byteCount: Int)
    /// Copies `byteCount` bytes from host memory to the device.
    func copyFromHost(_ source: UnsafeRawPointer, to address: UnsafeMutableRawPointer, byteCount: Int)
    /// Copies `byteCount` bytes from the device to host memory.
    func copyToHost(_ address: UnsafeRawPointer, to destination: UnsafeMutableRawPointer, byteCount: Int)
}

/// One device's implementation of what tensors need from it (`torch.device`'s backend): memory, and the
/// primitives of the op vocabulary. Every operand a primitive receives lives on this backend's device; outputs
/// are allocated by the op (contiguous unless said otherwise) and written, never allocated, by the primitive.
protocol Backend: AnyObject, Sendable {
    /// The device this backend serves.
    var device: Device { get }
    /// Its memory.
    var allocator: DeviceAllocator { get }

    // MARK: Copies

    /// destination ← source elementwise, converting the dtype (C casts; bool is x != 0); same shape, any layouts.
    func copy(_ source: KernelOperand, into destination: KernelOperand)
    /// Sets every element of `destination` (any layout) to `value` converted to its dtype.
    func fill(_ destination: KernelOperand, with value: Double)

    // MARK: Pointwise (inputs broadcast to the output's shape)

    /// out = op(x) in float32/float64, x of out's dtype.
    func floatUnary(_ op: FloatUnaryOp, _ x: KernelOperand, into out: KernelOperand)
    /// out = op(x) for an arithmetic dtype, x of out's dtype.
    func arithmeticUnary(_ op: ArithmeticUnaryOp, _ x: KernelOperand, into out: KernelOperand)
    /// out = op(x, y), x and y of out's dtype (an arithmetic one); `out` may be x itself (an in-place update).
    func arithmeticBinary(_ op: ArithmeticBinaryOp, _ x: KernelOperand, _ y: KernelOperand, into out: KernelOperand)
    /// out = op(x, y) in float32/float64.
    func floatBinary(_ op: FloatBinaryOp, _ x: KernelOperand, _ y: KernelOperand, into out: KernelOperand)
    /// out (bool) = x op y, x and y of one arithmetic dtype.
    func compare(_ op: ComparisonOp, _ x: KernelOperand, _ y: KernelOperand, into out: KernelOperand)
    /// out = x op y over int64 operands (`bitwise_and`, shifts…).
    func bitwise(_ op: BitwiseOp, _ x: KernelOperand, _ y: KernelOperand, into out: KernelOperand)
    /// out = condition ? x : y, x and y of out's dtype (any).
    func select(_ condition: KernelOperand, _ x: KernelOperand, _ y: KernelOperand, into out: KernelOperand)

    // MARK: Rows of a contiguous [rows, k] operand

    /// out[r] = op(row r).
    func reduceRows(_ op: RowReduction, _ x: KernelOperand, rows: Int, k: Int, into out: KernelOperand)
    /// out[o, i] = Σ_j x[o, j, i] over a contiguous [outer, k, inner] operand.
    func sumMiddle(_ x: KernelOperand, outer: Int, k: Int, inner: Int, into out: KernelOperand)
    /// The max or min of each row and the index of its first occurrence (NaN counts as the extreme).
    func argExtremeRows(_ x: KernelOperand, rows: Int, k: Int, isMax: Bool, values: KernelOperand, indices: KernelOperand)
    /// out[r] = op(row r), a row of the same length (softmax, cumulative sums…).
    func transformRows(_ op: RowTransform, _ x: KernelOperand, rows: Int, k: Int, into out: KernelOperand)
    /// Each row sorted (stable; NaN last ascending, first descending), with the int64 source indices.
    func sortRows(_ x: KernelOperand, rows: Int, k: Int, descending: Bool, values: KernelOperand, indices: KernelOperand)

    // MARK: Indexing

    /// out[p] = input[p with `dim` replaced by index[p]] (`gather`); out has index's shape. Gives the first index
    /// outside the dimension, if any (the op then stops, so what was written does not matter).
    func gather(_ input: KernelOperand, index: KernelOperand, dim: Int, into out: KernelOperand) -> Int64?
    /// target[p with `dim` replaced by index[p]] (+)= source[p] for p over index's shape (`scatter_`, `scatter_add_`).
    /// Gives the first index outside the dimension, if any.
    func scatter(_ source: KernelOperand, index: KernelOperand, dim: Int, accumulate: Bool, into target: KernelOperand) -> Int64?
    /// out[b, r] = source[bases[b] + r] for r over the strided block `block` (advanced indexing).
    func take(_ source: KernelOperand, bases: [Int], block: Layout, into out: KernelOperand)
    /// target[bases[b] + r] (+)= values[b, r] for r over the strided block `block` (`index_put_`).
    func put(_ values: KernelOperand, bases: [Int], block: Layout, accumulate: Bool, into target: KernelOperand)

    // MARK: Products, convolution, pooling

    /// out[b] = a[b] · b[b] for [B, m, k] and [B, k, n] operands whose matrices are row- or column-major.
    func batchedMatrixProduct(_ a: KernelOperand, _ b: KernelOperand, into out: KernelOperand)
    /// out = conv(input, weight) + bias over contiguous operands shaped by `plan`.
    func convolution(_ plan: ConvolutionPlan, input: KernelOperand, weight: KernelOperand, bias: KernelOperand?,
                     into out: KernelOperand)
    /// Adds the input and weight gradients of a convolution into zeroed contiguous operands.
    func convolutionBackward(_ plan: ConvolutionPlan, input: KernelOperand, weight: KernelOperand, gradOutput: KernelOperand,
                             gradInput: KernelOperand?, gradWeight: KernelOperand?)
    /// Max pooling of `planes` contiguous planes, with each max's flat index in its plane (-1 for an empty window)
    /// when `indices` is given (no gradient will be asked for when it is not).
    func maxPool(_ input: KernelOperand, planes: Int, _ g: PoolGeometry, into out: KernelOperand, indices: KernelOperand?)
    /// Adds each output gradient to the input position its max came from (into a zeroed input gradient).
    func maxPoolBackward(_ gradOutput: KernelOperand, indices: KernelOperand, planes: Int, _ g: PoolGeometry,
                         into gradInput: KernelOperand)
    /// Average pooling, or (`backward`) its adjoint added into a zeroed input gradient.
    func avgPool(_ source: KernelOperand, planes: Int, _ g: PoolGeometry, countIncludePad: Bool, divisorOverride: Int?,
                 backward: Bool, into destination: KernelOperand)
    /// Adaptive average pooling of [planes, height, width] to [planes, outH, outW], or (`backward`) its adjoint.
    func adaptiveAvgPool(_ source: KernelOperand, planes: Int, height: Int, width: Int, outH: Int, outW: Int, backward: Bool,
                         into destination: KernelOperand)

    // MARK: Fourier transforms

    /// The transforms `transform` describes, from contiguous `source` into contiguous `destination`; real input rows
    /// are first multiplied by `window` (contiguous, one value per sample) when given.
    func fourierTransform(_ transform: FourierTransform, _ source: KernelOperand, window: KernelOperand?, into destination: KernelOperand)

    // MARK: Attention

    /// softmax(Q·Kᵀ·scale + mask)·V for every (batch, head) pair: the probabilities into contiguous [B1, B2, L, S],
    /// the output into contiguous [B1, B2, L, Ev]. `mask` is boolean (true takes part) or additive, [B1, B2, L, S]
    /// with any strides.
    func attention(_ plan: AttentionPlan, query: KernelOperand, key: KernelOperand, value: KernelOperand, mask: KernelOperand?,
                   probabilities: KernelOperand, into out: KernelOperand)
    /// The gradients of `attention` into contiguous operands, each written whole when given.
    func attentionBackward(_ plan: AttentionPlan, query: KernelOperand, key: KernelOperand, value: KernelOperand,
                           probabilities: KernelOperand, gradOutput: KernelOperand, gradQuery: KernelOperand?,
                           gradKey: KernelOperand?, gradValue: KernelOperand?)

    // MARK: Recurrent layers

    /// Runs one direction of a recurrent layer over every step (shapes in `plan`), keeping in `saved` and
    /// `cells` what backward needs.
    func recurrentForward(_ plan: RecurrentPlan, input: KernelOperand, h0: KernelOperand, c0: KernelOperand?,
                          weights: RecurrentWeights, output: KernelOperand, saved: KernelOperand, cells: KernelOperand?)
    /// The gradients of `recurrentForward` from those of its output and final states (nil: zero). Each gradient
    /// operand that is given is written whole.
    func recurrentBackward(_ plan: RecurrentPlan, input: KernelOperand, h0: KernelOperand, c0: KernelOperand?,
                           weights: RecurrentWeights, output: KernelOperand, saved: KernelOperand, cells: KernelOperand?,
                           gradOutput: KernelOperand, gradH: KernelOperand?, gradC: KernelOperand?,
                           gradInput: KernelOperand?, gradH0: KernelOperand, gradC0: KernelOperand?, gradWeights: RecurrentWeights?)

    // MARK: Normalisation

    /// Per-channel mean and biased variance of a contiguous [batch, channels, inner] operand into [channels]
    /// operands of its dtype; false when this backend leaves them to composed ops.
    func channelStatistics(_ x: KernelOperand, _ shape: ChannelShape, mean: KernelOperand, variance: KernelOperand) -> Bool

    /// out = x · scale[c] + shift[c] over contiguous [batch, channels, inner] operands; false when this backend leaves
    /// it to composed ops.
    func channelAffine(_ x: KernelOperand, _ shape: ChannelShape, scale: KernelOperand, shift: KernelOperand,
                       into out: KernelOperand) -> Bool

    /// BatchNorm's backward with batch statistics: sums[c] = Σ g and centredSums[c] = Σ g·(x − mean) per channel, and
    /// the input gradient when `gradInput` is given; false when this backend leaves it to composed ops.
    func batchNormBackward(_ shape: ChannelShape, gradOutput: KernelOperand, input: KernelOperand, mean: KernelOperand,
                           invStd: KernelOperand, weight: KernelOperand?, sums: KernelOperand, centredSums: KernelOperand,
                           gradInput: KernelOperand?) -> Bool

    // MARK: Optimizers

    /// One Adam/AdamW step over contiguous operands of one float dtype, in PyTorch's order of operations.
    func adamStep(_ step: AdamStep, param: KernelOperand, grad: KernelOperand, expAvg: KernelOperand, expAvgSq: KernelOperand,
                  maxExpAvgSq: KernelOperand?)
}

/// The constants of one Adam step.
struct AdamStep {
    let beta1: Double, beta2: Double, eps: Double, stepSize: Double, biasCorrection2Sqrt: Double
}

/// The backends by device: the CPU's always, others as they are registered (a GPU backend when its driver
/// loads, an `EmulatedDevice`).
enum Backends {
    nonisolated(unsafe) private static var registered: [Device: Backend] = [.cpu: CPUBackend.host]
    /// Every backend ever registered, replaced ones too: storage refers to its backend without counting.
    nonisolated(unsafe) private static var everRegistered: [Backend] = []
    private static let lock = NSLock()

    /// The backend of `device`, or nil when none serves it; a GPU's is made on first use.
    static func backend(for device: Device) -> Backend? {
        lock.lock()
        let backend = registered[device]
        lock.unlock()
        if backend == nil, case .cuda(let ordinal) = device, CUDARuntime.shared.isAvailable {
            return try? CUDARuntime.shared.backend(ordinal)
        }
        return backend
    }

    /// The backend of `device`, or a stop naming `op` and why the device cannot be used.
    static func backend(for device: Device, op: String, file: StaticString, line: UInt) -> Backend {
        if let backend = backend(for: device) { return backend }
        var reason = "no backend serves it in this build"
        if case .cuda(let ordinal) = device, let cudaReason = CUDARuntime.shared.unavailableReason(forGPU: ordinal) {
            reason = cudaReason
        }
        fail(op, "device \(device) is not available: \(reason)", file: file, line: line)
    }

    /// Makes `backend` serve its device (replacing one registered before, except the CPU's).
    static func register(_ backend: Backend) {
        precondition(backend.device != .cpu, "Backends.register: the CPU's backend is built in")
        lock.lock(); defer { lock.unlock() }
        registered[backend.device] = backend
        everRegistered.append(backend)
    }
}
