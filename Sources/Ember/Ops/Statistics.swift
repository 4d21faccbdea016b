// Cumulative and order statistics beyond sum/mean/max: cumprod, logcumsumexp, cummax/cummin, aminmax,
// nansum/nanmean, stdMean/varMean, diff, kthvalue, median/nanmedian, mode, msort, argsort, countNonzero.

extension Tensor {
    /// Running products along `dim` (`torch.cumprod`); the gradient is exact where elements are zero.
    public func cumprod(dim: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let type = dtype.isFloatingPoint ? dtype : .int64
        let out = alongDim(dim, .cumprod, dtype: type.computeType, opName: "cumprod", file: file, line: line).kernelInput(type)
        if needsGrad(self) {
            record("CumprodBackward0", inputs: [self], outputs: [out], saving: [SavedTensor(self)]) { [self] g in
                [self.cumprodGradient(g[0], dim: dim)]
            }
        }
        return out
    }

    /// ∂/∂x_i of Σ_k g_k·Π_{j≤k} x_j = (Π_{j<i} x_j)·S_i, with S_i = g_i + x_{i+1}·S_{i+1}: no division, so
    /// zeros are exact.
    private func cumprodGradient(_ g: Tensor, dim: Int) -> Tensor {
        guard self.dim > 0 else { return g }
        let d = normalizeDim(dim, rank: self.dim, op: "cumprod", file: #fileID, line: #line)
        let n = shape[d]
        guard n > 0 else { return g.zerosLike() }
        var suffix = [Tensor](repeating: g.select(d, n - 1), count: n)
        for i in Swift.stride(from: n - 2, through: 0, by: -1) { suffix[i] = g.select(d, i) + select(d, i + 1) * suffix[i + 1] }
        let exclusive = Tensor.cat([Tensor.ones([], dtype: dtype, device: device).expand(shape.enumerated().map { $0.offset == d ? 1 : $0.element }),
                                    narrow(d, start: 0, length: n - 1).cumprod(dim: d)], dim: d)
        return exclusive * Tensor.stack(suffix, dim: d)
    }

    /// `log(cumsum(exp(x)))` along `dim`, without overflow (`torch.logcumsumexp`).
    public func logcumsumexp(dim: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let type = dtype.floatingCounterpart
        let out = alongDim(dim, .logcumsumexp, dtype: type.computeType, opName: "logcumsumexp", file: file, line: line).kernelInput(type)
        if needsGrad(self) {
            let result = out.detach()
            record("LogcumsumexpBackward0", inputs: [self], outputs: [out], saving: [SavedTensor(self)]) { [self] g in
                // Σ_{k≥i} g_k·exp(x_i − out_k), in the log domain for the positive and negative parts of g.
                func reverseLogCumSumExp(_ t: Tensor) -> Tensor { t.flip([dim]).logcumsumexp(dim: dim).flip([dim]) }
                let zero = Tensor.zeros([], dtype: g[0].dtype)
                let positive = reverseLogCumSumExp(Tensor.where(g[0] .> 0, g[0], zero).log() - result)
                let negative = reverseLogCumSumExp(Tensor.where(g[0] .< 0, -g[0], zero).log() - result)
                return [(self + positive).exp() - (self + negative).exp()]
            }
        }
        return out
    }

    /// The running maximum along `dim` and where it was found (`torch.cummax`); NaN, once seen, stays.
    public func cummax(dim: Int, file: StaticString = #fileID, line: UInt = #line) -> (values: Tensor, indices: Tensor) {
        runningExtremum(dim, name: "cummax", file: file, line: line) { x, best in x >= best }
    }

    /// The running minimum along `dim` and where it was found (`torch.cummin`).
    public func cummin(dim: Int, file: StaticString = #fileID, line: UInt = #line) -> (values: Tensor, indices: Tensor) {
        runningExtremum(dim, name: "cummin", file: file, line: line) { x, best in x <= best }
    }

    private func runningExtremum(_ dim: Int, name: String, file: StaticString, line: UInt,
                                 replaces: (Double, Double) -> Bool) -> (values: Tensor, indices: Tensor) {
        let d = self.dim == 0 ? 0 : normalizeDim(dim, rank: self.dim, op: name, file: file, line: line)
        let rows = self.dim == 0 ? reshape([1, 1]) : transpose(d, self.dim - 1).detach()
        let k = rows.shape.last!, data = rows.contiguous().toArray(as: Double.self)
        var values = data, indices = [Int64](repeating: 0, count: data.count)
        for start in Swift.stride(from: 0, to: data.count, by: Swift.max(k, 1)) {
            var best = data[start], at = 0
            for i in 0..<k {
                let x = data[start + i]
                if !best.isNaN && (x.isNaN || replaces(x, best)) { (best, at) = (x, i) }
                (values[start + i], indices[start + i]) = (best, Int64(at))
            }
        }
        func shaped(_ t: Tensor) -> Tensor { self.dim == 0 ? t.reshape([]) : t.reshape(rows.shape).transpose(d, self.dim - 1).contiguous() }
        let outValues = shaped(Tensor(values).to(dtype).placed(on: device)), outIndices = shaped(Tensor(indices).placed(on: device))
        if needsGrad(self) {
            record(name == "cummax" ? "CummaxBackward0" : "CumminBackward0", inputs: [self], outputs: [outValues, outIndices]) { [self] g in
                [Tensor.zeros(self.shape, dtype: g[0].dtype, device: self.device).scatterAdd(d, outIndices, g[0])]
            }
        }
        return (outValues, outIndices)
    }

    /// The minimum and maximum, over everything or along `dim` (`torch.aminmax`).
    public func aminmax(dim: Int? = nil, keepdim: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> (min: Tensor, max: Tensor) {
        let dims = dim.map { [$0] } ?? Array(0..<self.dim)
        let (low, high) = noGrad { (amin(dims: dims, keepdim: keepdim, file: file, line: line), amax(dims: dims, keepdim: keepdim, file: file, line: line)) }
        if needsGrad(self) {
            record("AminmaxBackward0", inputs: [self], outputs: [low, high]) { [self] g in
                // Each gradient is shared evenly among the elements equal to its extremum, as amin/amax do.
                func spread(_ grad: Tensor, _ value: Tensor) -> Tensor {
                    let kept = keepdim || dims.isEmpty ? value : value.reshape(self.keptShape(dims))
                    let gradKept = keepdim || dims.isEmpty ? grad : grad.reshape(self.keptShape(dims))
                    let mask = (self .== kept).to(grad.dtype)
                    return mask * gradKept / mask.sum(dims: dims, keepdim: true)
                }
                return [spread(g[0], low) + spread(g[1], high)]
            }
        }
        return (low, high)
    }

    /// The shape with the reduced `dims` kept as 1.
    private func keptShape(_ dims: [Int]) -> [Int] {
        let normalized = Set(dims.map { $0 < 0 ? $0 + dim : $0 })
        return shape.enumerated().map { normalized.contains($0.offset) ? 1 : $0.element }
    }

    /// The sum treating NaN as zero (`torch.nansum`).
    public func nansum(dims: [Int]? = nil, keepdim: Bool = false) -> Tensor {
        let cleaned = noGrad { Tensor.where(isnan(), Tensor.zeros([], dtype: dtype), self) }
        let out = noGrad { dims.map { cleaned.sum(dims: $0, keepdim: keepdim) } ?? cleaned.sum() }
        if needsGrad(self) {
            record("NansumBackward0", inputs: [self], outputs: [out], saving: [SavedTensor(self)]) { [self] g in
                let grad = dims.map { keepdim ? g[0] : g[0].reshape(self.keptShape($0)) } ?? g[0]
                return [Tensor.where(self.isnan(), Tensor.zeros([], dtype: g[0].dtype), grad.expand(self.shape))]
            }
        }
        return out
    }

    /// The mean of the elements that are not NaN (`torch.nanmean`).
    public func nanmean(dims: [Int]? = nil, keepdim: Bool = false) -> Tensor {
        let count = isnan().logicalNot()
        return nansum(dims: dims, keepdim: keepdim) / (dims.map { count.sum(dims: $0, keepdim: keepdim) } ?? count.sum())
    }

    /// The standard deviation and the mean, in one call (`torch.std_mean`).
    public func stdMean(dims: [Int]? = nil, correction: Double = 1, keepdim: Bool = false) -> (std: Tensor, mean: Tensor) {
        let (spread, mean) = momentAndMean(dims, correction: correction, keepdim: keepdim, name: "StdMeanBackward0", root: true)
        return (spread, mean)
    }

    /// The variance and the mean, in one call (`torch.var_mean`).
    public func varMean(dims: [Int]? = nil, correction: Double = 1, keepdim: Bool = false) -> (var: Tensor, mean: Tensor) {
        let (spread, mean) = momentAndMean(dims, correction: correction, keepdim: keepdim, name: "VarMeanBackward0", root: false)
        return (spread, mean)
    }

    private func momentAndMean(_ dims: [Int]?, correction: Double, keepdim: Bool, name: String, root: Bool) -> (Tensor, Tensor) {
        let reduced = dims ?? Array(0..<dim)
        let (spread, mean) = noGrad { () -> (Tensor, Tensor) in
            let v = root ? standardDeviation(dims: dims, correction: correction, keepdim: keepdim)
                         : variance(dims: dims, correction: correction, keepdim: keepdim)
            return (v, reduced.isEmpty ? clone() : self.mean(dims: reduced, keepdim: keepdim))
        }
        if needsGrad(self) {
            let spreadValue = spread.detach()
            record(name, inputs: [self], outputs: [spread, mean], saving: [SavedTensor(self)]) { [self] g in
                func kept(_ t: Tensor) -> Tensor { keepdim || reduced.isEmpty ? t : t.reshape(self.keptShape(reduced)) }
                let count = Double(reduced.reduce(1) { $0 * (self.dim == 0 ? 1 : self.shape[$1 < 0 ? $1 + self.dim : $1]) })
                let centered = self - kept(self.mean(dims: reduced, keepdim: true).reshape(kept(mean).shape))
                let varianceGradient = kept(g[0]) * 2 * centered / Swift.max(count - correction, 0)
                let spreadGradient = root ? varianceGradient / (2 * kept(spreadValue)) : varianceGradient
                return [spreadGradient + kept(g[1]).expand(self.shape) / count]
            }
        }
        return (spread, mean)
    }

    /// The `n`-th forward difference along `dim`, after joining `prepend` and `append` (`torch.diff`).
    public func diff(n: Int = 1, dim: Int = -1, prepend: Tensor? = nil, append: Tensor? = nil,
                     file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let d = normalizeDim(dim, rank: self.dim, op: "diff", file: file, line: line)
        if n == 0 {   // a copy, as PyTorch's
            let out = noGrad { clone() }
            if needsGrad(self) { record("CopyBackwards", inputs: [self], outputs: [out]) { g in [g[0]] } }
            return out
        }
        var x = prepend == nil && append == nil ? self : Tensor.cat([prepend, self, append].compactMap { $0 }, dim: d, file: file, line: line)
        for _ in 0..<n where x.shape[d] > 0 {
            let length = x.shape[d] - 1
            x = x.dtype == .bool ? x.narrow(d, start: 1, length: length).logicalXor(x.narrow(d, start: 0, length: length))
                                 : x.narrow(d, start: 1, length: length) - x.narrow(d, start: 0, length: length)
        }
        return x
    }

    /// The `k`-th smallest element along `dim` (1-based) and its index (`torch.kthvalue`).
    public func kthvalue(_ k: Int, dim: Int = -1, keepdim: Bool = false, file: StaticString = #fileID,
                         line: UInt = #line) -> (values: Tensor, indices: Tensor) {
        let size = self.dim == 0 ? 1 : shape[normalizeDim(dim, rank: self.dim, op: "kthvalue", file: file, line: line)]
        check(k >= 1 && k <= size, "kthvalue", "kthvalue(): selected number k out of range for dimension \(dim) of size \(size)",
              file: file, line: line)
        return selectedByRank(dim, keepdim: keepdim, name: "KthvalueBackward0") { _, _ in k - 1 }
    }

    /// The lower median of all elements; NaN if any is NaN (`torch.median`).
    public func median() -> Tensor { wholeMedian(reshape([-1]).median(dim: 0).values, "MedianBackward0") }

    /// The lower median of the elements that are not NaN (`torch.nanmedian`).
    public func nanmedian() -> Tensor { wholeMedian(reshape([-1]).nanmedian(dim: 0).values, "NanmedianBackward0") }

    /// A median of all elements whose gradient is shared among the elements equal to it.
    private func wholeMedian(_ value: @autoclosure () -> Tensor, _ name: String) -> Tensor {
        let out = noGrad { value().detach() }
        if needsGrad(self) {
            record(name, inputs: [self], outputs: [out], saving: [SavedTensor(self)]) { [self] g in
                let weights = (out.isnan().item() != 0 ? self.isnan() : (self .== out)).to(g[0].dtype)
                return [weights * g[0] / weights.sum()]
            }
        }
        return out
    }

    /// The lower median along `dim` and its index; a row with NaN gives NaN and the NaN's index (`torch.median`).
    public func median(dim: Int, keepdim: Bool = false) -> (values: Tensor, indices: Tensor) {
        selectedByRank(dim, keepdim: keepdim, name: "MedianBackward1") { count, nans in nans > 0 ? count - nans : (count - 1) / 2 }
    }

    /// The lower median of the non-NaN elements along `dim` and its index (`torch.nanmedian`).
    public func nanmedian(dim: Int, keepdim: Bool = false) -> (values: Tensor, indices: Tensor) {
        selectedByRank(dim, keepdim: keepdim, name: "NanmedianBackward1") { count, nans in
            nans == count ? 0 : (count - nans - 1) / 2
        }
    }

    /// The element of each row of `dim` at the sorted position `rank(count, nanCount)` (NaN sorts last), with its
    /// index; the gradient goes to that index.
    private func selectedByRank(_ dim: Int, keepdim: Bool, name: String,
                                rank: @escaping (_ count: Int, _ nanCount: Int) -> Int) -> (values: Tensor, indices: Tensor) {
        let x = self.dim == 0 ? reshape([1]) : self
        let d = normalizeDim(dim, rank: x.dim, op: name, file: #fileID, line: #line)
        let (values, indices) = noGrad { () -> (Tensor, Tensor) in
            let sorted = x.detach().sort(dim: d)
            let nans = x.isnan().sum(dim: d, keepdim: true).toArray(as: Int64.self)
            let position = Tensor(nans.map { Int64(rank(x.shape[d], Int($0))) }, shape: x.keptShape([d])).placed(on: x.device)
            let keptValues = sorted.values.gather(d, position), keptIndices = sorted.indices.gather(d, position)
            if self.dim == 0 { return (keptValues.reshape([]), keptIndices.reshape([])) }
            return keepdim ? (keptValues, keptIndices) : (keptValues.squeeze(d), keptIndices.squeeze(d))
        }
        if needsGrad(self) {
            record(name, inputs: [self], outputs: [values, indices]) { [self] g in
                if self.dim == 0 { return [g[0]] }
                let index = keepdim ? indices : indices.unsqueeze(d)
                let grad = keepdim ? g[0] : g[0].unsqueeze(d)
                return [Tensor.zeros(self.shape, dtype: g[0].dtype, device: self.device).scatter(d, index, grad)]
            }
        }
        return (values, indices)
    }

    /// The most frequent value along `dim` (the smallest among ties) and the index of its last occurrence
    /// (`torch.mode`).
    public func mode(dim: Int = -1, keepdim: Bool = false) -> (values: Tensor, indices: Tensor) {
        let x = self.dim == 0 ? reshape([1]) : self
        let d = normalizeDim(dim, rank: x.dim, op: "mode", file: #fileID, line: #line)
        // The other dimensions keep their order, so the results reshape to the input's shape without `dim`.
        let rows = x.detach().movedim(d, -1).contiguous()
        let k = rows.shape.last!, data = rows.toArray(as: Double.self)
        var values: [Double] = [], indices: [Int64] = []
        for start in Swift.stride(from: 0, to: data.count, by: Swift.max(k, 1)) where k > 0 {
            let row = data[start..<(start + k)]
            let order = row.indices.sorted { (row[$0], $0) < (row[$1], $1) }
            var best = (count: 0, value: 0.0, index: 0), run = 0
            for (position, i) in order.enumerated() {
                run = position > 0 && row[order[position - 1]] == row[i] ? run + 1 : 1
                if run > best.count { best = (run, row[i], i - start) } else if run == best.count && row[i] == best.value { best.index = i - start }
            }
            values.append(best.value)
            indices.append(Int64(best.index))
        }
        let keptDim = { (t: Tensor) -> Tensor in
            if self.dim == 0 { return t.reshape([]) }
            var moved = Array(self.shape)
            moved.remove(at: d)
            return keepdim ? t.reshape(moved).unsqueeze(d) : t.reshape(moved)
        }
        let outValues = keptDim(Tensor(values).to(dtype).placed(on: device)), outIndices = keptDim(Tensor(indices).placed(on: device))
        if needsGrad(self) {
            record("ModeBackward0", inputs: [self], outputs: [outValues, outIndices]) { [self] g in
                if self.dim == 0 { return [g[0]] }
                let index = keepdim ? outIndices : outIndices.unsqueeze(d), grad = keepdim ? g[0] : g[0].unsqueeze(d)
                return [Tensor.zeros(self.shape, dtype: g[0].dtype, device: self.device).scatter(d, index, grad)]
            }
        }
        return (outValues, outIndices)
    }

    /// Sorted along the first dimension (`torch.msort`).
    public func msort() -> Tensor { sort(dim: 0).values }

    /// The indices that sort `dim` (`torch.argsort`).
    public func argsort(dim: Int = -1, descending: Bool = false, stable: Bool = false) -> Tensor {
        noGrad { sort(dim: dim, descending: descending).indices }
    }

    /// The number of nonzero elements, over everything or along `dims` (`torch.count_nonzero`).
    public func countNonzero(dims: [Int]? = nil) -> Tensor {
        let flags = ne(Tensor.zeros([], dtype: dtype)).to(.int64)
        return dims.map { flags.sum(dims: $0) } ?? flags.sum()
    }
}

extension Tensor {
    /// How `quantile` reads between two order statistics.
    public enum QuantileInterpolation: String, Sendable {
        /// Between the two nearest values: linearly, the lower, the higher, their midpoint, or the nearer.
        case linear, lower, higher, midpoint, nearest
    }

    /// The `q`-quantiles (0 ≤ q ≤ 1) along `dim`, or of all elements; a row with NaN gives NaN
    /// (`torch.quantile`). A 1-d `q` adds a leading dimension of its length.
    public func quantile(_ q: Tensor, dim: Int? = nil, keepdim: Bool = false, interpolation: QuantileInterpolation = .linear,
                         file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let qs = q.to(.float64).reshape([-1]).toArray(as: Double.self)
        check(qs.allSatisfy { $0 >= 0 && $0 <= 1 }, "quantile", "quantile() q values must be in the range [0, 1]", file: file, line: line)
        let x = dim == nil || self.dim == 0 ? reshape([-1]) : self
        let d = dim.map { normalizeDim($0, rank: Swift.max(self.dim, 1), op: "quantile", file: file, line: line) } ?? 0
        check(x.shape[d] > 0, "quantile", "quantile() input tensor must be non-empty", file: file, line: line)
        let sorted = x.sort(dim: d).values   // NaN sorts last, so a row with NaN reads NaN at its end
        let n = x.shape[d]
        let hasNaN = x.isnan().any(dims: [d], keepdim: true)
        let results = qs.map { qValue -> Tensor in
            let rank = qValue * Double(n - 1)
            let (low, high) = (Int(rank.rounded(.down)), Int(rank.rounded(.up)))
            let lower = sorted.narrow(d, start: low, length: 1), upper = sorted.narrow(d, start: high, length: 1)
            let value: Tensor
            switch interpolation {
            case .lower: value = lower
            case .higher: value = upper
            case .midpoint: value = low == high ? lower : (lower + upper) * 0.5
            case .nearest: value = rank.rounded(.toNearestOrEven) == Double(low) ? lower : upper
            case .linear: value = low == high ? lower : lower.lerp(upper, Tensor(rank - Double(low)).to(lower.dtype))
            }
            let withNaN = Tensor.where(hasNaN, Tensor.full([], .nan, dtype: value.dtype), value)
            if keepdim && self.dim > 0 { return dim == nil ? withNaN.reshape([Int](repeating: 1, count: self.dim)) : withNaN }
            return withNaN.squeeze(d, nodeName: "SqueezeBackward4")   // PyTorch squeezes in place
        }
        return q.dim == 0 ? results[0] : Tensor.stack(results, dim: 0)
    }

    /// `quantile` with one number.
    public func quantile(_ q: Double, dim: Int? = nil, keepdim: Bool = false, interpolation: QuantileInterpolation = .linear) -> Tensor {
        quantile(Tensor(q), dim: dim, keepdim: keepdim, interpolation: interpolation)
    }

    /// `quantile` ignoring NaN (`torch.nanquantile`): each row reads its non-NaN elements.
    public func nanquantile(_ q: Double, dim: Int? = nil, keepdim: Bool = false) -> Tensor {
        let x = dim == nil ? reshape([-1]) : self
        let d = dim.map { normalizeDim($0, rank: x.dim, op: "nanquantile", file: #fileID, line: #line) } ?? 0
        let moved = x.movedim(d, -1)
        let flat = moved.reshape([-1, x.shape[d]])
        let values = (0..<flat.shape[0]).map { r -> Tensor in
            let row = flat[r]
            let kept = row.maskedSelect(row.isnan().logicalNot())
            return kept.numel == 0 ? Tensor.full([], .nan, dtype: dtype) : kept.quantile(q)
        }
        var shape = moved.shape
        shape.removeLast()
        let out = Tensor.stack(values, dim: 0).reshape(shape)
        return keepdim ? (dim == nil ? out.reshape([Int](repeating: 1, count: self.dim)) : out.unsqueeze(d)) : out
    }
}
