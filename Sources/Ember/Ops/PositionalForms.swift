// The spellings PyTorch programs use, so a line ports as it reads: positional dims (`x.sum(0)`,
// `x.flatten(1)`, `Tensor.cat(xs, 1)`), `torch.*` free functions,
// `torch.zeros_like(x)` as `zerosLike(x)`, `new_zeros`, `.T`, `**`. Each forwards to the labeled form documented with the op.

extension Tensor {
    // MARK: Reductions with a positional dim

    /// `x.sum(dim)`.
    public func sum(_ dim: Int, keepdim: Bool = false, dtype: DType? = nil, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        sum(dim: dim, keepdim: keepdim, dtype: dtype, file: file, line: line)
    }
    /// `x.sum((d0, d1))`.
    public func sum(_ dims: [Int], keepdim: Bool = false, dtype: DType? = nil, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        sum(dims: dims, keepdim: keepdim, dtype: dtype, file: file, line: line)
    }
    /// `x.mean(dim)`.
    public func mean(_ dim: Int, keepdim: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        mean(dim: dim, keepdim: keepdim, file: file, line: line)
    }
    /// `x.mean((d0, d1))`.
    public func mean(_ dims: [Int], keepdim: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        mean(dims: dims, keepdim: keepdim, file: file, line: line)
    }
    /// `x.prod(dim)`.
    public func prod(_ dim: Int, keepdim: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        prod(dim: dim, keepdim: keepdim, file: file, line: line)
    }
    /// `x.max(dim)`: the values and their indices.
    public func max(_ dim: Int, keepdim: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> (values: Tensor, indices: Tensor) {
        max(dim: dim, keepdim: keepdim, file: file, line: line)
    }
    /// `x.min(dim)`: the values and their indices.
    public func min(_ dim: Int, keepdim: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> (values: Tensor, indices: Tensor) {
        min(dim: dim, keepdim: keepdim, file: file, line: line)
    }
    /// `x.amax(dim)`.
    public func amax(_ dim: Int, keepdim: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        amax(dim: dim, keepdim: keepdim, file: file, line: line)
    }
    /// `x.amin(dim)`.
    public func amin(_ dim: Int, keepdim: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        amin(dim: dim, keepdim: keepdim, file: file, line: line)
    }
    /// `x.argmax(dim)`.
    public func argmax(_ dim: Int, keepdim: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        argmax(dim: dim, keepdim: keepdim, file: file, line: line)
    }
    /// `x.argmin(dim)`.
    public func argmin(_ dim: Int, keepdim: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        argmin(dim: dim, keepdim: keepdim, file: file, line: line)
    }
    /// `x.all(dim)`.
    public func all(_ dim: Int, keepdim: Bool = false) -> Tensor { all(dim: dim, keepdim: keepdim) }
    /// `x.any(dim)`.
    public func any(_ dim: Int, keepdim: Bool = false) -> Tensor { any(dim: dim, keepdim: keepdim) }
    /// `x.std(dim)`.
    public func std(_ dim: Int, unbiased: Bool = true, keepdim: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        std(dim: dim, unbiased: unbiased, keepdim: keepdim, file: file, line: line)
    }
    /// `x.var(dim)`.
    public func `var`(_ dim: Int, unbiased: Bool = true, keepdim: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        self.var(dim: dim, unbiased: unbiased, keepdim: keepdim, file: file, line: line)
    }
    /// `x.norm(p)`, `x.norm(p, dim)`.
    public func norm(_ p: Double, _ dim: Int? = nil, keepdim: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        norm(p: p, dims: dim.map { [$0] }, keepdim: keepdim, file: file, line: line)
    }
    /// `x.logsumexp(dim)`.
    public func logsumexp(_ dim: Int, keepdim: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        logsumexp(dim: dim, keepdim: keepdim, file: file, line: line)
    }
    /// `x.softmax(dim)`.
    public func softmax(_ dim: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor { softmax(dim: dim, file: file, line: line) }
    /// `x.log_softmax(dim)`.
    public func logSoftmax(_ dim: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        logSoftmax(dim: dim, file: file, line: line)
    }
    /// `x.cumsum(dim)`.
    public func cumsum(_ dim: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor { cumsum(dim: dim, file: file, line: line) }

    // MARK: Shape ops with positional arguments

    /// `x.flatten(start_dim, end_dim)`.
    public func flatten(_ startDim: Int, _ endDim: Int = -1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        flatten(startDim: startDim, endDim: endDim, file: file, line: line)
    }
    /// `x.narrow(dim, start, length)`.
    public func narrow(_ dim: Int, _ start: Int, _ length: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        narrow(dim, start: start, length: length, file: file, line: line)
    }
    /// `x.topk(k, dim, largest, sorted)`.
    public func topk(_ k: Int, _ dim: Int, _ largest: Bool = true, _ sorted: Bool = true,
                     file: StaticString = #fileID, line: UInt = #line) -> (values: Tensor, indices: Tensor) {
        topk(k, dim: dim, largest: largest, sorted: sorted, file: file, line: line)
    }
    /// `x.sort(dim, descending)`.
    public func sort(_ dim: Int, _ descending: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> (values: Tensor, indices: Tensor) {
        sort(dim: dim, descending: descending, file: file, line: line)
    }
    /// `x.split(size, dim)`.
    public func split(_ size: Int, _ dim: Int, file: StaticString = #fileID, line: UInt = #line) -> [Tensor] {
        split(size, dim: dim, file: file, line: line)
    }
    /// `x.chunk(chunks, dim)`.
    public func chunk(_ chunks: Int, _ dim: Int, file: StaticString = #fileID, line: UInt = #line) -> [Tensor] {
        chunk(chunks, dim: dim, file: file, line: line)
    }
    /// `torch.cat(tensors, dim)`.
    public static func cat(_ tensors: [Tensor], _ dim: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        cat(tensors, dim: dim, file: file, line: line)
    }
    /// `torch.stack(tensors, dim)`.
    public static func stack(_ tensors: [Tensor], _ dim: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        stack(tensors, dim: dim, file: file, line: line)
    }
    /// `x.view_as(other)`.
    public func viewAs(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor { view(other.shape, file: file, line: line) }
    /// `x.reshape_as(other)`.
    public func reshapeAs(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        reshape(other.shape, file: file, line: line)
    }
    /// `x.T`: the dimensions reversed.
    public var T: Tensor { permute(Array((0..<dim).reversed())) }

    // MARK: Creation in PyTorch's spellings

    /// `torch.arange(start, end, step)`.
    public static func arange(_ start: Int, _ end: Int, _ step: Int, dtype: DType = .int64) -> Tensor {
        arange(start, end, step: step, dtype: dtype)
    }
    /// `torch.arange(start, end, step)` with floating-point bounds.
    public static func arange(_ start: Double, _ end: Double, _ step: Double, dtype: DType = defaultFloatDType) -> Tensor {
        arange(start, end, step: step, dtype: dtype)
    }
    /// `torch.randint(high, size)`.
    public static func randint(_ high: Int, size: [Int], dtype: DType = .int64) -> Tensor { randint(0, high, size, dtype: dtype) }
    /// `torch.randint(low, high, size)`.
    public static func randint(_ low: Int, _ high: Int, size: [Int], dtype: DType = .int64) -> Tensor { randint(low, high, size, dtype: dtype) }
    /// `torch.full(size, n)` with an integer: int64, as PyTorch infers from an int.
    public static func full(_ shape: [Int], _ value: Int, dtype: DType = .int64) -> Tensor { full(shape, Double(value), dtype: dtype) }
    /// `x.new_zeros(size)`: same dtype unless given.
    public func newZeros(_ shape: [Int], dtype: DType? = nil) -> Tensor { Tensor.zeros(shape, dtype: dtype ?? self.dtype, device: device) }
    /// `x.new_ones(size)`.
    public func newOnes(_ shape: [Int], dtype: DType? = nil) -> Tensor { Tensor.ones(shape, dtype: dtype ?? self.dtype, device: device) }
    /// `x.new_empty(size)`.
    public func newEmpty(_ shape: [Int], dtype: DType? = nil) -> Tensor { Tensor.empty(shape, dtype: dtype ?? self.dtype, device: device) }
    /// `x.new_full(size, value)`.
    public func newFull(_ shape: [Int], _ value: Double, dtype: DType? = nil) -> Tensor {
        Tensor.full(shape, value, dtype: dtype ?? self.dtype, device: device)
    }
    /// `x.new_zeros(2, 3)`.
    public func newZeros(_ shape: Int..., dtype: DType? = nil) -> Tensor { newZeros(shape, dtype: dtype) }
    /// `x.new_ones(2, 3)`.
    public func newOnes(_ shape: Int..., dtype: DType? = nil) -> Tensor { newOnes(shape, dtype: dtype) }

    /// `torch.tensor(value, dtype=...)`: one number as a 0-d tensor of `dtype`.
    public convenience init<T: TensorScalar>(_ value: T, dtype: DType) {
        self.init([value], shape: [])
        data = to(dtype)
    }
    /// `torch.tensor(values, dtype=...)`.
    public convenience init<T: TensorScalar>(_ values: [T], dtype: DType) {
        self.init(values, shape: [values.count])
        data = to(dtype)
    }

    /// `x.new_tensor(values)`: a new 1-d tensor (or of `shape`) of self's dtype.
    public func newTensor<T: TensorScalar>(_ values: [T], shape: [Int]? = nil, dtype: DType? = nil) -> Tensor {
        Tensor(values, shape: shape ?? [values.count]).to(dtype ?? self.dtype).placed(on: device)
    }
    /// `torch.scalar_tensor(value)`: a 0-d tensor.
    public static func scalarTensor(_ value: Double, dtype: DType = defaultFloatDType) -> Tensor { Tensor.full([], value, dtype: dtype) }

    /// `x.swapaxes(a, b)` (NumPy's name for `transpose`).
    public func swapaxes(_ axis0: Int, _ axis1: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        transpose(axis0, axis1, file: file, line: line)
    }
    /// `x.moveaxis(source, destination)` (NumPy's name for `movedim`).
    public func moveaxis(_ source: Int, _ destination: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        movedim(source, destination, file: file, line: line)
    }
    /// Moves the dimensions `source` to the positions `destination` (`torch.moveaxis`).
    public func moveaxis(_ source: [Int], _ destination: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        movedim(source, destination, file: file, line: line)
    }
    /// `torch.concat` (an alias of `cat`).
    public static func concat(_ tensors: [Tensor], dim: Int = 0, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        cat(tensors, dim: dim, file: file, line: line)
    }

    /// `x.fill_(n)` with an integer.
    @discardableResult public func fill_(_ value: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        fill_(Double(value), file: file, line: line)
    }
}

// MARK: `**`

precedencegroup PowerPrecedence {
    higherThan: MultiplicationPrecedence
    associativity: right
}
infix operator **: PowerPrecedence

extension Tensor {
    /// `x ** y` (`torch.pow`).
    public static func ** (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.pow(rhs) }
    /// `x ** 2`.
    public static func ** <S: ScalarOperand>(lhs: Tensor, rhs: S) -> Tensor { lhs.pow(rhs.wrappedTensor) }
    /// `2 ** x`.
    public static func ** <S: ScalarOperand>(lhs: S, rhs: Tensor) -> Tensor { lhs.wrappedTensor.pow(rhs) }
}

// MARK: More `torch.*` free functions

/// `torch.zeros_like(x)`.
public func zerosLike(_ x: Tensor, dtype: DType? = nil) -> Tensor { x.zerosLike(dtype: dtype) }
/// `torch.swapaxes(x, a, b)`.
public func swapaxes(_ x: Tensor, _ axis0: Int, _ axis1: Int) -> Tensor { x.swapaxes(axis0, axis1) }
/// `torch.concat(tensors, dim)`.
public func concat(_ tensors: [Tensor], dim: Int = 0) -> Tensor { Tensor.cat(tensors, dim: dim) }
/// `torch.get_default_dtype()`: the dtype of floating-point tensors made from Swift numbers.
public func getDefaultDtype() -> DType { defaultFloatDType }
/// `torch.ones_like(x)`.
public func onesLike(_ x: Tensor, dtype: DType? = nil) -> Tensor { x.onesLike(dtype: dtype) }
/// `torch.empty_like(x)`.
public func emptyLike(_ x: Tensor, dtype: DType? = nil) -> Tensor { x.emptyLike(dtype: dtype) }
/// `torch.full_like(x, value)`.
public func fullLike(_ x: Tensor, _ value: Double, dtype: DType? = nil) -> Tensor { x.fullLike(value, dtype: dtype) }
/// `torch.rand_like(x)`.
public func randLike(_ x: Tensor, dtype: DType? = nil) -> Tensor { x.randLike(dtype: dtype) }
/// `torch.randn_like(x)`.
public func randnLike(_ x: Tensor, dtype: DType? = nil) -> Tensor { x.randnLike(dtype: dtype) }
/// `torch.log1p`.
public func log1p(_ x: Tensor) -> Tensor { x.log1p() }
/// `torch.expm1`.
public func expm1(_ x: Tensor) -> Tensor { x.expm1() }
/// `torch.rsqrt`.
public func rsqrt(_ x: Tensor) -> Tensor { x.rsqrt() }
/// `torch.floor`.
public func floor(_ x: Tensor) -> Tensor { x.floor() }
/// `torch.ceil`.
public func ceil(_ x: Tensor) -> Tensor { x.ceil() }
/// `torch.round`.
public func round(_ x: Tensor) -> Tensor { x.round() }
/// `torch.trunc`.
public func trunc(_ x: Tensor) -> Tensor { x.trunc() }
/// `torch.sign`.
public func sign(_ x: Tensor) -> Tensor { x.sign() }
/// `torch.erf`.
public func erf(_ x: Tensor) -> Tensor { x.erf() }
/// `torch.square`.
public func square(_ x: Tensor) -> Tensor { x.square() }
/// `torch.neg`.
public func neg(_ x: Tensor) -> Tensor { x.neg() }
/// `torch.reciprocal`.
public func reciprocal(_ x: Tensor) -> Tensor { x.reciprocal() }
/// `torch.pow(x, y)` with a tensor exponent.
public func pow(_ a: Tensor, _ exponent: Tensor) -> Tensor { a.pow(exponent) }
/// `torch.clamp`.
public func clamp(_ x: Tensor, min: Double? = nil, max: Double? = nil) -> Tensor { x.clamp(min: min, max: max) }
/// `torch.softmax(x, dim)`.
public func softmax(_ x: Tensor, dim: Int) -> Tensor { x.softmax(dim: dim) }
/// `torch.log_softmax(x, dim)`.
public func logSoftmax(_ x: Tensor, dim: Int) -> Tensor { x.logSoftmax(dim: dim) }
/// `torch.mm`.
public func mm(_ a: Tensor, _ b: Tensor) -> Tensor { a.mm(b) }
/// `torch.bmm`.
public func bmm(_ a: Tensor, _ b: Tensor) -> Tensor { a.bmm(b) }
/// `torch.flatten(x, start_dim)`.
public func flatten(_ x: Tensor, _ startDim: Int = 0, _ endDim: Int = -1) -> Tensor { x.flatten(startDim: startDim, endDim: endDim) }

/// Runs `body` with recording switched on or off, then restores the previous mode
/// (`with torch.set_grad_enabled(flag):`).
@discardableResult
public func setGradEnabled<R>(_ enabled: Bool, _ body: () throws -> R) rethrows -> R {
    enabled ? try enableGrad(body) : try noGrad(body)
}
