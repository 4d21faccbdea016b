// Masked reductions and normalisations (`torch.masked`): masked-out elements are replaced by the identity of
// the operation (0 for sums, 1 for products, -inf for maxima…) and the ordinary op runs, as PyTorch's
// `torch.masked` does for strided tensors. A nil mask masks nothing; a mask broadcasts to the input.

/// `torch.masked`: reductions and normalisations over the elements where `mask` is true.
public enum Masked {
    /// The input with masked-out elements replaced by `identity`.
    static func combined(_ input: Tensor, _ mask: Tensor?, _ identity: Double) -> Tensor {
        guard let mask else { return input }
        return Tensor.where(mask.bool().expand(input.shape), input, Tensor.full([], identity, dtype: input.dtype))
    }

    private static func allDims(_ input: Tensor, _ dims: [Int]?) -> [Int] { dims ?? Array(0..<input.dim) }

    /// The identity of max-like reductions: -inf, or the dtype's smallest integer.
    private static func lowest(_ input: Tensor) -> Double { input.dtype.isFloatingPoint ? -.infinity : input.dtype.integerRange.lowerBound }
    private static func highest(_ input: Tensor) -> Double { input.dtype.isFloatingPoint ? .infinity : input.dtype.integerRange.upperBound }

    /// The sum of the elements `mask` keeps (`torch.masked._ops.sum`).
    public static func sum(_ input: Tensor, dims: [Int]? = nil, keepdim: Bool = false, dtype: DType? = nil, mask: Tensor? = nil) -> Tensor {
        combined(input, mask, 0).sum(dims: allDims(input, dims), keepdim: keepdim, dtype: dtype)
    }

    /// The product of the elements `mask` keeps.
    public static func prod(_ input: Tensor, dims: [Int]? = nil, keepdim: Bool = false, mask: Tensor? = nil) -> Tensor {
        allDims(input, dims).map { $0 < 0 ? $0 + input.dim : $0 }.sorted().reversed()
            .reduce(combined(input, mask, 1)) { $0.prod(dim: $1, keepdim: keepdim) }
    }

    /// The maximum of the elements `mask` keeps.
    public static func amax(_ input: Tensor, dims: [Int]? = nil, keepdim: Bool = false, mask: Tensor? = nil) -> Tensor {
        combined(input, mask, lowest(input)).amax(dims: allDims(input, dims), keepdim: keepdim)
    }

    /// The minimum of the elements `mask` keeps.
    public static func amin(_ input: Tensor, dims: [Int]? = nil, keepdim: Bool = false, mask: Tensor? = nil) -> Tensor {
        combined(input, mask, highest(input)).amin(dims: allDims(input, dims), keepdim: keepdim)
    }

    /// The index of the largest unmasked element, in `dtype` (the input's by default, as `torch.masked.argmax`).
    public static func argmax(_ input: Tensor, dim: Int? = nil, keepdim: Bool = false, dtype: DType? = nil, mask: Tensor? = nil) -> Tensor {
        combined(input, mask, lowest(input)).argmax(dim: dim, keepdim: keepdim).to(dtype ?? input.dtype)
    }

    /// The index of the smallest unmasked element, in `dtype` (the input's by default).
    public static func argmin(_ input: Tensor, dim: Int? = nil, keepdim: Bool = false, dtype: DType? = nil, mask: Tensor? = nil) -> Tensor {
        combined(input, mask, highest(input)).argmin(dim: dim, keepdim: keepdim).to(dtype ?? input.dtype)
    }

    /// The sum of the unmasked elements divided by their count.
    public static func mean(_ input: Tensor, dims: [Int]? = nil, keepdim: Bool = false, dtype: DType? = nil, mask: Tensor? = nil) -> Tensor {
        let inside = mask.map { $0.bool().expand(input.shape) } ?? Tensor.ones(input.shape, dtype: .bool, device: input.device)
        let count = inside.sum(dims: allDims(input, dims), keepdim: keepdim)
        return sum(input, dims: dims, keepdim: keepdim, dtype: dtype, mask: inside) / count
    }

    /// The cumulative sum along `dim`, with the masked-out elements counted as 0.
    public static func cumsum(_ input: Tensor, dim: Int, mask: Tensor? = nil) -> Tensor { combined(input, mask, 0).cumsum(dim: dim) }
    /// The cumulative product along `dim`, with the masked-out elements counted as 1.
    public static func cumprod(_ input: Tensor, dim: Int, mask: Tensor? = nil) -> Tensor { combined(input, mask, 1).cumprod(dim: dim) }

    /// The log-sum-exp of the elements `mask` keeps.
    public static func logsumexp(_ input: Tensor, dims: [Int]? = nil, keepdim: Bool = false, mask: Tensor? = nil) -> Tensor {
        combined(input, mask, lowest(input)).logsumexp(dims: allDims(input, dims), keepdim: keepdim)
    }

    /// The vector p-norm of the unmasked elements.
    public static func norm(_ input: Tensor, ord: Double = 2, dims: [Int]? = nil, keepdim: Bool = false, mask: Tensor? = nil) -> Tensor {
        combined(input, mask, ord == -.infinity ? .infinity : 0).norm(p: ord, dims: allDims(input, dims), keepdim: keepdim)
    }

    /// The softmax along `dim` over the elements `mask` keeps; the others come out 0.
    public static func softmax(_ input: Tensor, dim: Int, mask: Tensor? = nil) -> Tensor {
        combined(input, mask, lowest(input)).softmax(dim: dim)
    }
    /// The log-softmax along `dim` over the elements `mask` keeps.
    public static func logSoftmax(_ input: Tensor, dim: Int, mask: Tensor? = nil) -> Tensor {
        combined(input, mask, lowest(input)).logSoftmax(dim: dim)
    }
    /// The softmin along `dim` over the elements `mask` keeps.
    public static func softmin(_ input: Tensor, dim: Int, mask: Tensor? = nil) -> Tensor {
        combined(input, mask, highest(input)).softmin(dim: dim)
    }
}

extension DType {
    /// The smallest and largest values of an integer dtype, as Doubles.
    var integerRange: ClosedRange<Double> {
        switch self {
        case .uint8: return 0...255
        case .int8: return -128...127
        case .int32: return Double(Int32.min)...Double(Int32.max)
        case .bool: return 0...1
        default: return Double(Int64.min)...Double(Int64.max)
        }
    }
}
