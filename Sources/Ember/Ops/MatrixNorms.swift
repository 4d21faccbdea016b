// Functions of a matrix's singular values: matrix norms, the condition number, the numerical rank and the
// pseudo-inverse, composed as PyTorch composes them (so their nodes are PyTorch's).

/// The order of a matrix norm (`ord` of `torch.linalg.matrix_norm`): Frobenius, nuclear, or ±1 (largest
/// column sum), ±2 (singular values), ±∞ (largest row sum); the negative orders take the minimum.
public enum MatrixNormOrder: Hashable, Sendable, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
    /// The Frobenius norm (`"fro"`).
    case fro
    /// The nuclear norm, the sum of singular values (`"nuc"`).
    case nuc
    /// A numeric order: ±1, ±2 or ±∞.
    case p(Double)

    /// The ∞-norm: the largest sum of absolute values along a row.
    public static let infinity = MatrixNormOrder.p(.infinity)

    /// A literal order: `ord=2`.
    public init(integerLiteral value: Int) { self = .p(Double(value)) }
    /// A literal order: `ord=.infinity` or `-.infinity`.
    public init(floatLiteral value: Double) { self = .p(value) }
}

extension Tensor {
    /// The matrix norm of each matrix spanned by `dims` (`torch.linalg.matrix_norm`).
    public func matrixNorm(ord: MatrixNormOrder = .fro, dims: [Int] = [-2, -1], keepdim: Bool = false,
                           file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(dims.count == 2, "linalg.matrix_norm", "dim must be a 2-tuple. Got \(dims)", file: file, line: line)
        let d = dims.map { normalizeDim($0, rank: dim, op: "linalg.matrix_norm", file: file, line: line) }
        check(d[0] != d[1], "linalg.matrix_norm", "dims must be different. Got (\(dims[0]), \(dims[1]))", file: file, line: line)
        switch ord {
        case .fro:
            return norm(p: 2, dims: d, keepdim: keepdim, file: file, line: line)
        case .nuc:
            return singularValueNorm(d, keepdim: keepdim, file: file, line: line) { $0.sum(dim: -1, keepdim: keepdim) }
        case .p(let p):
            check([1, 2, .infinity].contains(Swift.abs(p)), "linalg.matrix_norm", "Order \(p) not supported.", file: file, line: line)
            let extreme = { (t: Tensor, axis: Int) in p > 0 ? t.amax(dim: axis, keepdim: keepdim) : t.amin(dim: axis, keepdim: keepdim) }
            if Swift.abs(p) == 2 { return singularValueNorm(d, keepdim: keepdim, file: file, line: line) { extreme($0, -1) } }
            // The ∞-norm is the 1-norm of the transpose; the first reduction shifts a later dim down by one.
            var (sumOver, extremeOver) = Swift.abs(p) == .infinity ? (d[1], d[0]) : (d[0], d[1])
            if !keepdim && sumOver < extremeOver { extremeOver -= 1 }
            return extreme(norm(p: 1, dims: [sumOver], keepdim: keepdim, file: file, line: line), extremeOver)
        }
    }

    /// `reduce` (over the last dim, keeping it when `keepdim`) of the singular values of the matrices spanned
    /// by `dims`, with those dims put back as ones when `keepdim`.
    private func singularValueNorm(_ dims: [Int], keepdim: Bool, file: StaticString, line: UInt, _ reduce: (Tensor) -> Tensor) -> Tensor {
        let permutation = (0..<dim).filter { !dims.contains($0) } + dims
        let result = reduce(permute(permutation).svdvals(file: file, line: line))
        guard keepdim else { return result }
        var inverse = [Int](repeating: 0, count: dim)
        for (position, axis) in permutation.enumerated() { inverse[axis] = position }
        return result.unsqueeze(-1).permute(inverse)
    }

    /// The condition number of each matrix in the norm `p` (`torch.linalg.cond`): the ratio of extreme
    /// singular values for nil or ±2, else ‖A‖·‖A⁻¹‖ (infinite for a singular matrix); 0 for empty matrices.
    public func cond(p: MatrixNormOrder? = nil, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(dim >= 2, "linalg.cond", "The input tensor A must have at least 2 dimensions.", file: file, line: line)
        if numel == 0 { return Tensor.zeros(batchShape, dtype: dtype.floatingCounterpart, device: device) }
        switch p ?? 2 {
        case .p(let order) where Swift.abs(order) == 2:
            let values = svdvals(file: file, line: line)
            let (largest, smallest) = (values.narrow(-1, 0, 1), values.narrow(-1, values.shape[values.dim - 1] - 1, 1))
            return (order < 0 ? smallest / largest : largest / smallest).squeeze(-1)
        case let order:
            checkSquareMatrices("linalg.cond", file: file, line: line)
            let (inverse, info) = inverseEx(file: file, line: line)
            let singular = (info .> 0).unsqueeze(-1).unsqueeze(-1)
            let inverseOrInfinite = inverse.maskedFill(singular, .infinity)
            return matrixNorm(ord: order, file: file, line: line) * inverseOrInfinite.matrixNorm(ord: order, file: file, line: line)
        }
    }

    /// The numerical rank of each matrix: how many singular values (eigenvalue magnitudes when `hermitian`)
    /// exceed max(atol, rtol·σ₁) (`torch.linalg.matrix_rank`); with neither tolerance given, rtol is the
    /// dtype's epsilon times the larger dimension.
    public func matrixRank(atol: Double? = nil, rtol: Double? = nil, hermitian: Bool = false,
                           file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let values = noGrad { spectrum(hermitian: hermitian, file: file, line: line) }
        return (values .> singularValueTolerance(values, atol: atol, rtol: rtol)).sum(dim: -1).to(.int64)
    }

    /// The Moore–Penrose pseudo-inverse of each matrix, singular values at or below max(atol, rtol·σ₁) taken as
    /// zero (`torch.linalg.pinv`; tolerances as `matrixRank`); `hermitian` uses the symmetric eigendecomposition.
    public func pinv(atol: Double? = nil, rtol: Double? = nil, hermitian: Bool = false,
                     file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let out = noGrad { () -> Tensor in
            if hermitian {
                let (values, vectors) = eigh(file: file, line: line)
                let tolerance = singularValueTolerance(values.abs(), atol: atol, rtol: rtol)
                let inverted = Tensor.where(values.abs() .> tolerance, values.reciprocal(), values.zerosLike())
                return (vectors * inverted.unsqueeze(-2)).matmul(vectors.mT)
            }
            let (u, s, vh) = svd(fullMatrices: false, file: file, line: line)
            let tolerance = singularValueTolerance(s, atol: atol, rtol: rtol)
            let inverted = Tensor.where(s .> tolerance, s.reciprocal(), s.zerosLike())
            return (vh.mT * inverted.unsqueeze(-2)).matmul(u.mT)
        }
        if needsGrad(self) {
            let (a, pseudoInverse) = (detach(), out.detach())
            record("LinalgPinvBackward0", inputs: [self], outputs: [out]) { g in [Tensor.pinvGradient(g[0], pseudoInverse, a)] }
        }
        return out
    }

    /// The deprecated `torch.pinverse`: `pinv` with relative tolerance `rcond`.
    public func pinverse(rcond: Double = 1e-15, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        pinv(atol: 0, rtol: rcond, file: file, line: line)
    }

    /// The least-squares solutions X minimising ‖A·X − B‖ for each A (m×n) and B (m×k, or a vector), the
    /// minimum-norm one when A is wide or rank-deficient (`torch.linalg.lstsq`). As PyTorch on the CPU, what
    /// comes with it depends on the LAPACK `driver` ("gelsy" by default, "gels", "gelsd", "gelss"): residuals
    /// (squared, per column) only from "gels", "gelsd" and "gelss" for tall full-rank A, the rank from all but
    /// "gels", the singular values from "gelsd" and "gelss"; the rest are empty.
    public static func lstsq(_ a: Tensor, _ b: Tensor, rcond: Double? = nil, driver: String? = nil,
                             file: StaticString = #fileID, line: UInt = #line)
        -> (solution: Tensor, residuals: Tensor, rank: Tensor, singularValues: Tensor) {
        let driver = driver ?? "gelsy"
        check(["gelsy", "gels", "gelsd", "gelss"].contains(driver), "linalg.lstsq", "parameter `driver` should be one of "
              + "(gels, gelsy, gelsd, gelss)", file: file, line: line)
        let vector = b.dim == a.dim - 1
        let rhs = vector ? b.unsqueeze(-1) : b
        check(a.dim >= 2 && rhs.dim >= 2 && rhs.shape[rhs.dim - 2] == a.shape[a.dim - 2], "linalg.lstsq", "input.size(-2) should match "
              + "other.size(-2), got \(shapeText(a.shape)) and \(shapeText(b.shape))", file: file, line: line)
        let compute = { (t: [Tensor]) -> Tensor in
            let x = t[0].pinv(rtol: rcond, file: file, line: line).matmul(vector ? t[1].unsqueeze(-1) : t[1])
            return vector ? x.squeeze(-1) : x
        }
        let solution = noGrad { compute([a, b]) }
        recordRecomputed("LinalgLstsqBackward0", inputs: [a, b], output: solution, compute: compute)
        let type = solution.dtype
        let (m, n) = (a.shape[a.dim - 2], a.shape[a.dim - 1])
        let rank = driver == "gels" ? Tensor.empty([0], dtype: .int64, device: a.device) : noGrad { a.matrixRank(rtol: rcond, file: file, line: line) }
        let fullRank = driver == "gels" || noGrad { rank.min().item() } == Double(n)
        let residuals = driver != "gelsy" && m > n && fullRank && a.numel > 0
            ? noGrad { (a.matmul(vector ? solution.unsqueeze(-1) : solution) - rhs).square().sum(dim: -2) }
            : Tensor.empty([0], dtype: type, device: a.device)
        let singularValues = ["gelsd", "gelss"].contains(driver) ? noGrad { a.svdvals(file: file, line: line) } : Tensor.empty([0], dtype: type, device: a.device)
        return (solution, vector ? residuals.squeeze(-1) : residuals, rank, singularValues)
    }

    /// The singular values, or with `hermitian` the eigenvalue magnitudes in descending order.
    private func spectrum(hermitian: Bool, file: StaticString, line: UInt) -> Tensor {
        guard hermitian else { return svdvals(file: file, line: line) }
        return eigvalsh(file: file, line: line).abs().sort(dim: -1, descending: true).values
    }

    /// max(atol, rtol·σ₁) per matrix, kept as a trailing dim; rtol defaults to ε·max(m, n) when neither is given.
    private func singularValueTolerance(_ values: Tensor, atol: Double?, rtol: Double?) -> Tensor {
        let relative = rtol ?? (atol == nil ? dtype.floatingCounterpart.epsilon * Double(Swift.max(shape[dim - 2], shape[dim - 1])) : 0)
        let largest = values.shape[values.dim - 1] == 0 ? values.sum(dim: -1, keepdim: true) : values.abs().amax(dim: -1, keepdim: true)
        return (largest * relative).clampMin(atol ?? 0)
    }

    /// The gradient of A⁺ (PyTorch's `pinv_backward`), arranged to multiply the smallest matrices.
    private static func pinvGradient(_ grad: Tensor, _ pinv: Tensor, _ a: Tensor) -> Tensor {
        let (m, n) = (a.shape[a.dim - 2], a.shape[a.dim - 1])
        let (pinvT, gradT) = (pinv.mT, grad.mT)
        if m <= n {
            let k = gradT.matmul(pinv), kPinvT = k.matmul(pinvT)
            return -pinv.matmul(k).mT + kPinvT - a.matmul(pinv).matmul(kPinvT) + pinvT.matmul(pinv).matmul(gradT - k.matmul(a))
        }
        let k = pinv.matmul(gradT), pinvTK = pinvT.matmul(k)
        return -k.matmul(pinv).mT + (gradT - a.matmul(k)).matmul(pinv).matmul(pinvT) + pinvTK - pinvTK.matmul(pinv).matmul(a)
    }
}

extension DType {
    /// The distance from 1 to the next larger representable number (`torch.finfo(dtype).eps`).
    var epsilon: Double {
        switch self {
        case .float64: return Double.ulpOfOne
        case .float16: return 0x1p-10
        case .bfloat16: return 0x1p-7
        default: return Double(Float.ulpOfOne)
        }
    }
}
