// Numerical helpers of `torch.*`: trapezoid rules, covariance and correlation, renorm, block_diag,
// cartesian_prod, combinations, membership, floating-point decomposition (ldexp, frexp, nextafter), and the
// identities of complex functions on real tensors (conj, real, angle…).
import RealModule

extension Tensor {
    /// Multiplies by a number as ATen's C++ does (`MulBackward1`: the factor is not a tensor).
    func multipliedByScalar(_ factor: Double) -> Tensor {
        let out = noGrad { self * factor }
        record("MulBackward1", inputs: [self], outputs: [out]) { g in [g[0] * factor] }
        return out
    }

    /// The argument of each element: 0 for non-negative numbers, π for negative ones, NaN kept; atan2(imag, real)
    /// for complex numbers (`torch.angle`).
    public func angle() -> Tensor {
        if isComplex { return complexAngle() }
        let type = dtype.floatingCounterpart
        let out = noGrad { Tensor.where(self .< 0, Tensor.full([], Double.pi, dtype: type), Tensor.zeros([], dtype: type)) + self.to(type) * 0 }
        if needsGrad(self) { record("AngleBackward0", inputs: [self], outputs: [out]) { g in [g[0] * 0] } }
        return out
    }
    /// Whether each element is real: true everywhere for real dtypes, imaginary part 0 for complex ones (`torch.isreal`).
    public func isreal() -> Tensor { isComplex ? complexPart(1) .== 0 : Tensor.ones(shape, dtype: .bool, device: device) }

    /// A tensor of this shape filled with `value` (`torch.fill`); its gradient is zero.
    public func fill(_ value: Double) -> Tensor {
        let out = Tensor.full(shape, value, dtype: dtype, device: device)
        if needsGrad(self) { record("FillBackward0", inputs: [self], outputs: [out]) { g in [g[0] * 0] } }
        return out
    }

    /// Sums broadcast dimensions away until the tensor has `shape` (`Tensor.sum_to_size`).
    public func sumToSize(_ shape: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(Layout.broadcastShapes(shape, self.shape) == self.shape, "sum_to_size", "size \(shapeText(shape)) is not expandable to "
              + "\(shapeText(self.shape))", file: file, line: line)
        if shape.isEmpty { return sum() }
        let lead = dim - shape.count
        let dims = Array(0..<lead) + (0..<shape.count).filter { shape[$0] == 1 && self.shape[lead + $0] != 1 }.map { $0 + lead }
        let summed = dims.isEmpty ? self : sum(dims: dims, keepdim: true)
        return lead > 0 ? summed.view(shape) : summed
    }

    /// The integral of samples spaced `dx` apart along `dim` by the trapezoid rule (`torch.trapezoid`).
    public func trapezoid(dx: Double = 1, dim: Int = -1) -> Tensor {
        let d = normalizeDim(dim, rank: self.dim, op: "trapezoid", file: #fileID, line: #line)
        if shape[d] == 0 { return sum(dim: d) }
        return (sum(dim: d) - (select(d, 0) + select(d, -1)).multipliedByScalar(0.5)).multipliedByScalar(dx)
    }

    /// The integral of samples at positions `x` along `dim` by the trapezoid rule (`torch.trapezoid(y, x)`).
    public func trapezoid(x: Tensor, dim: Int = -1) -> Tensor {
        let d = normalizeDim(dim, rank: self.dim, op: "trapezoid", file: #fileID, line: #line)
        let n = shape[d]
        if n == 0 { return sum(dim: d) }
        let spacing = x.dim == 1 ? x.diff().view((0..<self.dim).map { $0 == d ? -1 : 1 }) : x.diff(dim: d)
        return (spacing * (narrow(d, start: 1, length: n - 1) + narrow(d, start: 0, length: n - 1))).sum(dim: d).dividedByScalar(2)
    }

    /// The running trapezoid integral along `dim` (`torch.cumulative_trapezoid`).
    public func cumulativeTrapezoid(dx: Double = 1, dim: Int = -1) -> Tensor {
        let d = normalizeDim(dim, rank: self.dim, op: "cumulative_trapezoid", file: #fileID, line: #line)
        return (neighbourSums(d) * (dx / 2)).cumsum(dim: d)
    }

    /// The running trapezoid integral of samples at positions `x` along `dim` (`torch.cumulative_trapezoid(y, x)`).
    public func cumulativeTrapezoid(x: Tensor, dim: Int = -1) -> Tensor {
        let d = normalizeDim(dim, rank: self.dim, op: "cumulative_trapezoid", file: #fileID, line: #line)
        let spacing = x.dim == 1 ? x.diff().view((0..<self.dim).map { $0 == d ? -1 : 1 }) : x.diff(dim: d)
        return (spacing * neighbourSums(d)).cumsum(dim: d).dividedByScalar(2)
    }

    /// `y[i] + y[i + 1]` along `d`.
    private func neighbourSums(_ d: Int) -> Tensor {
        let n = Swift.max(shape[d] - 1, 0)
        return narrow(d, start: 0, length: n) + narrow(d, start: Swift.min(1, shape[d]), length: n)
    }

    /// The covariance matrix of the variables in the rows, observations in the columns (`torch.cov`), with
    /// frequency and reliability weights.
    public func cov(correction: Int = 1, fweights: Tensor? = nil, aweights: Tensor? = nil,
                    file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(dim <= 2, "cov", "expected input to have two or fewer dimensions but got an input with \(dim) dimensions",
              file: file, line: line)
        let x = dim < 2 ? view([1, -1]) : self
        let weights: Tensor? = {
            switch (fweights, aweights) {
            case let (f?, a?): return f * a
            case let (f?, nil): return f
            case let (nil, a?): return a
            default: return nil
            }
        }()
        let total = weights.map { $0.sum() } ?? Tensor(Double(x.shape[1])).to(x.dtype.floatingCounterpart)
        let mean = (weights.map { x * $0 } ?? x).sum(dim: 1) / total
        var normalizer = total
        if correction != 0 {
            if let a = aweights, let w = weights { normalizer = total - Double(correction) * (w * a).sum() / total }
            else { normalizer = total - Double(correction) }
        }
        normalizer = noGrad { normalizer.clampMin(0) }.detach() + (normalizer - normalizer.detach())
        let centered = x - mean.unsqueeze(1)
        return (centered.mm((weights.map { centered * $0 } ?? centered).t()) / normalizer).squeeze()
    }

    /// The Pearson correlation coefficients of the rows (`torch.corrcoef`).
    public func corrcoef() -> Tensor {
        let c = cov()
        if c.dim == 0 { return c / c }
        let deviation = c.diagonal().sqrt()
        return (c / deviation.unsqueeze(1) / deviation.unsqueeze(0)).clamp(min: -1, max: 1)
    }

    /// Each slice along `dim` whose p-norm exceeds `maxnorm` scaled down to that norm (`torch.renorm`).
    public func renorm(p: Double, dim: Int, maxnorm: Double, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let d = normalizeDim(dim, rank: self.dim, op: "renorm", file: file, line: line)
        let others = (0..<self.dim).filter { $0 != d }
        let compute = { (t: [Tensor]) -> Tensor in
            let norms = t[0].norm(p: p, dims: others, keepdim: true)
            let factor = Tensor.where(norms .> maxnorm, maxnorm / (norms + 1e-7), Tensor.onesScalar(norms.dtype))
            return t[0] * factor
        }
        let out = noGrad { compute([self]) }
        recordRecomputed("RenormBackward0", inputs: [self], output: out, compute: compute)
        return out
    }

    /// The tensors on the diagonal blocks of a matrix (numbers as 1×1, vectors as rows) (`torch.block_diag`).
    public static func blockDiag(_ tensors: [Tensor], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let blocks = tensors.map { $0.dim == 0 ? $0.view([1, 1]) : ($0.dim == 1 ? $0.view([1, -1]) : $0) }
        check(blocks.allSatisfy { $0.dim == 2 }, "block_diag", "Input tensors must have 2 or fewer dimensions", file: file, line: line)
        let type = resultType(tensors)
        let (rows, cols) = (blocks.reduce(0) { $0 + $1.shape[0] }, blocks.reduce(0) { $0 + $1.shape[1] })
        var corners: [(Int, Int)] = [], r = 0, c = 0
        for b in blocks { corners.append((r, c)); r += b.shape[0]; c += b.shape[1] }
        let out = Tensor.zeros([rows, cols], dtype: type, device: tensors.first?.device ?? .cpu)
        for (b, corner) in zip(blocks, corners) {
            out.slice(0, corner.0, corner.0 + b.shape[0], 1).slice(1, corner.1, corner.1 + b.shape[1], 1).writeBroadcast(b.detach().to(type))
        }
        if GradMode.isEnabled && tensors.contains(where: \.requiresGrad) {
            record("BlockDiagBackward0", inputs: tensors, outputs: [out]) { g in
                zip(zip(tensors, blocks), corners).map { pair, corner in
                    let (t, b) = pair
                    guard t.requiresGrad else { return nil }
                    return g[0].slice(0, corner.0, corner.0 + b.shape[0], 1).slice(1, corner.1, corner.1 + b.shape[1], 1)
                        .reshape(t.shape).to(t.dtype)
                }
            }
        }
        return out
    }

    /// Every combination of one element from each vector, one per row (`torch.cartesian_prod`).
    public static func cartesianProd(_ tensors: [Tensor]) -> Tensor {
        if tensors.count == 1 { return tensors[0] }
        return Tensor.stack(Tensor.meshgrid(tensors).map { $0.flatten() }, dim: 1)
    }

    /// The `r`-element combinations of a vector's elements, in order, one per row (`torch.combinations`).
    public func combinations(r: Int = 2, withReplacement: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(dim == 1, "combinations", "Expect a 1D vector, but got shape \(shapeText(shape))", file: file, line: line)
        let n = shape[0]
        var rows: [[Int64]] = [], current: [Int64] = []
        func extend(from start: Int) {
            if current.count == r { rows.append(current); return }
            guard start < n else { return }
            for i in start..<n {
                current.append(Int64(i))
                extend(from: withReplacement ? i : i + 1)
                current.removeLast()
            }
        }
        if r > 0 { extend(from: 0) }
        return self[Tensor(rows.flatMap { $0 }, shape: [rows.count, r])]
    }

    /// The coordinates of the nonzero elements, one row each (`torch.argwhere`).
    public func argwhere() -> Tensor { nonzero() }

    /// True where the element occurs in `testElements` (false with `invert`) (`torch.isin`).
    public func isin(_ testElements: Tensor, invert: Bool = false) -> Tensor {
        let values = Set(testElements.contiguous().toArray(as: Double.self).map { $0 == 0 ? 0 : $0 })   // -0 equals 0
        let flags = contiguous().toArray(as: Double.self).map { values.contains($0 == 0 ? 0 : $0) != invert }
        return Tensor(flags, shape: shape).placed(on: device)
    }

    /// `self * 2^exponent` (`torch.ldexp`).
    public func ldexp(_ exponent: Tensor) -> Tensor {
        let scale = { Tensor.full([], 2, dtype: .float64).pow(exponent).to(resultType(self, exponent).floatingCounterpart) }
        let out = noGrad { self * scale() }
        if needsGrad(self, exponent) {
            record("LdexpBackward0", inputs: [self, exponent], outputs: [out]) { [self] g in
                [self.requiresGrad ? (g[0] * scale()).sumTo(self) : nil,
                 exponent.requiresGrad ? (g[0] * out * 0.6931471805599453).sumTo(exponent) : nil]
            }
        }
        return out
    }

    /// The mantissa in ±[0.5, 1) and the int32 exponent with `self = mantissa * 2^exponent` (`torch.frexp`).
    public func frexp(file: StaticString = #fileID, line: UInt = #line) -> (mantissa: Tensor, exponent: Tensor) {
        check(dtype.isFloatingPoint, "frexp", "torch.frexp() only supports floating-point dtypes", file: file, line: line)
        let values = contiguous().toArray(as: Double.self)
        let parts = values.map { x -> (Double, Int32) in
            guard x.isFinite && x != 0 else { return (x, 0) }
            let e = (dtype == .float32 ? Int(Float(x).exponent) : Int(x.exponent)) + 1
            return (x / Double.pow(2, Double(e)), Int32(e))
        }
        let mantissa = Tensor(parts.map(\.0), shape: shape).to(dtype).placed(on: device)
        let exponent = Tensor(parts.map(\.1), shape: shape).placed(on: device)
        if needsGrad(self) {
            record("FrexpBackward0", inputs: [self], outputs: [mantissa, exponent]) { g in
                [g[0] / Tensor.full([], 2, dtype: g[0].dtype).pow(exponent.to(g[0].dtype))]
            }
        }
        return (mantissa, exponent)
    }

    /// The next representable value after each element in the direction of `other` (`torch.nextafter`).
    public func nextafter(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let shape = Tensor.broadcastShape(self, other, op: "nextafter", file: file, line: line)
        let type = resultType(self, other)
        let a = expand(shape).contiguous().toArray(as: Double.self), b = other.expand(shape).contiguous().toArray(as: Double.self)
        func step<F: BinaryFloatingPoint>(_ x: F, toward y: F) -> F { x.isNaN || y.isNaN ? .nan : (x == y ? y : (x < y ? x.nextUp : x.nextDown)) }
        let values = zip(a, b).map { x, y in type == .float32 ? Double(step(Float(x), toward: Float(y))) : step(x, toward: y) }
        let out = Tensor(values, shape: shape).to(type).placed(on: device)
        if needsGrad(self, other) {
            record("NextafterBackward0", inputs: [self, other], outputs: [out]) { [self] g in
                [self.requiresGrad ? g[0].sumTo(self) : nil, other.requiresGrad ? other.zerosLike(dtype: g[0].dtype) : nil]
            }
        }
        return out
    }
}

/// `torch.block_diag`.
public func blockDiag(_ tensors: Tensor...) -> Tensor { Tensor.blockDiag(tensors) }
/// `torch.cartesian_prod`.
public func cartesianProd(_ tensors: Tensor...) -> Tensor { Tensor.cartesianProd(tensors) }
