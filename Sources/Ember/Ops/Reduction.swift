// Reductions with `dim`/`keepdim`: sum, mean, prod, max/min, argmax, var/std, norm, logsumexp, softmax, cumsum.

/// Which dimensions a reduction removes, and the shapes around it.
struct ReductionPlan {
    let dims: [Int]           // reduced, ascending
    let keptShape: [Int]      // shape of the result with keepdim
    let outShape: [Int]       // shape of the result as asked
    let rows: Int
    let k: Int
}

extension Tensor {
    func reductionPlan(_ dims: [Int]?, keepdim: Bool, op: String, file: StaticString, line: UInt) -> ReductionPlan {
        let reduced: [Int]
        if let dims = dims, !dims.isEmpty {
            // A 0-d tensor accepts dim 0 or -1 and has nothing to reduce.
            reduced = Set(dims.map { normalizeDim($0, rank: dim, op: op, file: file, line: line) }).sorted().filter { $0 < dim }
        } else {
            reduced = Array(0..<dim)
        }
        var kept = shape, out: [Int] = []
        for d in 0..<dim {
            if reduced.contains(d) { kept[d] = 1 } else { out.append(shape[d]) }
        }
        let k = reduced.reduce(1) { $0 * shape[$1] }
        return ReductionPlan(dims: reduced, keptShape: kept, outShape: keepdim ? kept : out,
                             rows: Layout.count(kept), k: k)
    }

    /// This tensor's elements as a contiguous [rows, K] block in `dtype`, the reduced dims last.
    func reductionRows(_ plan: ReductionPlan, dtype: DType) -> Tensor {
        let keptDims = (0..<dim).filter { !plan.dims.contains($0) }
        let order = keptDims + plan.dims
        let permuted = order == Array(0..<dim) ? self
            : makeView(shape: order.map { shape[$0] }, strides: order.map { strides[$0] }, offset: storageOffset)
        return permuted.isContiguous && permuted.dtype == dtype ? permuted : permuted.copied(as: dtype)
    }

    func reshapedResult(_ flat: Tensor, _ shape: [Int]) -> Tensor {
        flat.makeView(shape: shape, strides: Layout.rowMajorStrides(shape), offset: flat.storageOffset)
    }

    /// Sums without autograd in `dtype`, taking the streaming path when the reduced dims are one contiguous block.
    func sumKernel(_ plan: ReductionPlan, dtype: DType) -> Tensor {
        if dtype.isComplex {
            // The sums of the real pairs, the pair dimension kept.
            if plan.dims.isEmpty { return copied(as: dtype) }
            let pairs = kernelInput(dtype).realPairs
            let pairPlan = pairs.reductionPlan(plan.dims, keepdim: plan.outShape.count == self.dim, op: "sum", file: #fileID, line: #line)
            return pairs.sumKernel(pairPlan, dtype: dtype.realCounterpart).complexNumbers
        }
        let compute = dtype.computeType
        if isContiguous, let first = plan.dims.first, plan.dims == Array(first...plan.dims.last!), plan.dims.last! < dim - 1 {
            let outer = shape[..<first].reduce(1, *), inner = shape[(plan.dims.last! + 1)...].reduce(1, *)
            let flat = kernelInput(compute).summingMiddle(outer: outer, k: plan.k, inner: inner)
            return reshapedResult(compute == dtype ? flat : flat.copied(as: dtype), plan.outShape)
        }
        let flat = reductionRows(plan, dtype: compute).reducingRows(.sum, rows: plan.rows, k: plan.k)
        return reshapedResult(compute == dtype ? flat : flat.copied(as: dtype), plan.outShape)
    }

    /// A reduction's gradient broadcast back over the input's shape.
    func expandGrad(_ g: Tensor, _ plan: ReductionPlan) -> Tensor { g.reshape(plan.keptShape).expand(shape) }

    // MARK: Sum and mean

    /// The sum of all elements; integers and bools sum to int64 (`torch.sum`).
    public func sum(dtype: DType? = nil) -> Tensor { reduceSum(nil, keepdim: false, dtype: dtype, name: "SumBackward0") }

    /// The sum over `dim` (`torch.sum(x, dim)`).
    public func sum(dim: Int, keepdim: Bool = false, dtype: DType? = nil, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        reduceSum([dim], keepdim: keepdim, dtype: dtype, name: "SumBackward1", file: file, line: line)
    }

    /// The sum over several dimensions.
    public func sum(dims: [Int], keepdim: Bool = false, dtype: DType? = nil, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        reduceSum(dims, keepdim: keepdim, dtype: dtype, name: "SumBackward1", file: file, line: line)
    }

    private func reduceSum(_ dims: [Int]?, keepdim: Bool, dtype: DType?, name: String,
                           file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let plan = reductionPlan(dims, keepdim: keepdim, op: "sum", file: file, line: line)
        let type = dtype ?? (self.dtype.isDifferentiable ? self.dtype : .int64)
        let out = sumKernel(plan, dtype: type)
        if needsGrad(self) {
            record(name, inputs: [self], outputs: [out]) { [self] g in [self.expandGrad(g[0], plan).to(self.dtype)] }
        }
        return out
    }

    /// The mean of all elements (`torch.mean`).
    public func mean(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        reduceMean(nil, keepdim: false, name: "MeanBackward0", file: file, line: line)
    }

    /// The mean over `dim`.
    public func mean(dim: Int, keepdim: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        reduceMean([dim], keepdim: keepdim, name: "MeanBackward1", file: file, line: line)
    }

    /// The mean over several dimensions.
    public func mean(dims: [Int], keepdim: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        reduceMean(dims, keepdim: keepdim, name: "MeanBackward1", file: file, line: line)
    }

    private func reduceMean(_ dims: [Int]?, keepdim: Bool, name: String, file: StaticString, line: UInt) -> Tensor {
        check(dtype.isDifferentiable, "mean", "mean(): could not infer output dtype. Input dtype must be either a "
              + "floating point or complex dtype. Got: \(dtype.name.capitalized)", file: file, line: line)
        let plan = reductionPlan(dims, keepdim: keepdim, op: "mean", file: file, line: line)
        let count = Double(plan.k)
        let out = noGrad { sumKernel(plan, dtype: dtype) / count }
        if needsGrad(self) {
            record(name, inputs: [self], outputs: [out]) { [self] g in [self.expandGrad(g[0], plan) / count] }
        }
        return out
    }

    // MARK: Product

    /// The product of all elements (`torch.prod`).
    public func prod() -> Tensor { reduceProd(nil, keepdim: false, name: "ProdBackward0", file: #fileID, line: #line) }

    /// The product over `dim`.
    public func prod(dim: Int, keepdim: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        reduceProd([dim], keepdim: keepdim, name: "ProdBackward1", file: file, line: line)
    }

    private func reduceProd(_ dims: [Int]?, keepdim: Bool, name: String, file: StaticString, line: UInt) -> Tensor {
        let plan = reductionPlan(dims, keepdim: keepdim, op: "prod", file: file, line: line)
        let type = dtype.isFloatingPoint ? dtype : .int64
        let compute = type.computeType
        let flat = reductionRows(plan, dtype: compute).reducingRows(.prod, rows: plan.rows, k: plan.k)
        let out = reshapedResult(flat.kernelInput(type), plan.outShape)
        if needsGrad(self) {
            record(name, inputs: [self], outputs: [out], saving: [SavedTensor(self)]) { [self] g in
                if self.numel == 0 { return [Tensor.zeros(self.shape, dtype: g[0].dtype, device: self.device)] }
                // The product of the other elements, exact when zeros are present.
                let rows = self.reductionRows(plan, dtype: self.dtype).reshape([plan.rows, plan.k])
                let others = Tensor.productOfOthers(rows)
                let keptOrder = (0..<self.dim).filter { !plan.dims.contains($0) } + plan.dims
                var inverse = [Int](repeating: 0, count: self.dim)
                for (i, d) in keptOrder.enumerated() { inverse[d] = i }
                let permutedShape = keptOrder.map { self.shape[$0] }
                let othersFull = others.reshape(permutedShape).permute(inverse)
                return [self.expandGrad(g[0], plan) * othersFull]
            }
        }
        return out
    }

    /// For each element of a [rows, K] block, the product of the other K-1 elements of its row
    /// (exclusive prefix times exclusive suffix products, so zeros need no division).
    static func productOfOthers(_ rows: Tensor) -> Tensor {
        let k = rows.shape[1]
        let block = rows
        let ones = Tensor.ones([block.shape[0], 1], dtype: block.dtype, device: block.device)
        var prefix: [Tensor] = [ones], suffix: [Tensor] = [ones]
        for i in 0..<Swift.max(k - 1, 0) {
            prefix.append(prefix[i] * block.narrow(1, start: i, length: 1))
            suffix.append(suffix[i] * block.narrow(1, start: k - 1 - i, length: 1))
        }
        let left = Tensor.cat(prefix, dim: 1)
        let right = Tensor.cat(suffix.reversed(), dim: 1)
        return left * right
    }

    // MARK: Max and min

    /// The largest element (`torch.max`); NaN propagates.
    public func max(file: StaticString = #fileID, line: UInt = #line) -> Tensor { extremeAll(isMax: true, file: file, line: line) }
    /// The smallest element (`torch.min`).
    public func min(file: StaticString = #fileID, line: UInt = #line) -> Tensor { extremeAll(isMax: false, file: file, line: line) }

    private func extremeAll(isMax: Bool, file: StaticString, line: UInt) -> Tensor {
        check(numel > 0, isMax ? "max" : "min", "Expected reduction dim to be specified for input.numel() == 0. "
              + "Specify the reduction dim with the 'dim' argument (shape \(shapeText(shape))).", file: file, line: line)
        return reduceExtreme(nil, keepdim: false, isMax: isMax, name: isMax ? "MaxBackward1" : "MinBackward1",
                             file: file, line: line)
    }

    /// The largest elements over `dims` (`torch.amax`); the gradient is shared among ties.
    public func amax(dims: [Int], keepdim: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        reduceExtreme(dims, keepdim: keepdim, isMax: true, name: "AmaxBackward0", file: file, line: line)
    }
    /// The maximum along `dim`, without indices (`amax`).
    public func amax(dim: Int, keepdim: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        amax(dims: [dim], keepdim: keepdim, file: file, line: line)
    }
    /// The smallest elements over `dims` (`torch.amin`).
    public func amin(dims: [Int], keepdim: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        reduceExtreme(dims, keepdim: keepdim, isMax: false, name: "AminBackward0", file: file, line: line)
    }
    /// The minimum along `dim`, without indices (`amin`).
    public func amin(dim: Int, keepdim: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        amin(dims: [dim], keepdim: keepdim, file: file, line: line)
    }

    private func reduceExtreme(_ dims: [Int]?, keepdim: Bool, isMax: Bool, name: String, file: StaticString, line: UInt) -> Tensor {
        let plan = reductionPlan(dims, keepdim: keepdim, op: isMax ? "amax" : "amin", file: file, line: line)
        let compute = dtype.computeType
        let flat = reductionRows(plan, dtype: compute).reducingRows(isMax ? .max : .min, rows: plan.rows, k: plan.k)
        let out = reshapedResult(flat.kernelInput(dtype), plan.outShape)
        if needsGrad(self) {
            record(name, inputs: [self], outputs: [out], saving: [SavedTensor(self), SavedTensor(out.detach(), isOutput: true)]) { [self] g in
                let mask = (self .== self.expandGrad(out.detach(), plan)).to(g[0].dtype)
                let count = mask.sum(dims: plan.dims, keepdim: true)
                return [self.expandGrad(g[0], plan) * mask / count]
            }
        }
        return out
    }

    /// The largest values over `dim` and their indices (`torch.max(x, dim)`).
    public func max(dim: Int, keepdim: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> (values: Tensor, indices: Tensor) {
        extremeWithIndices(dim, keepdim: keepdim, isMax: true, name: "MaxBackward0", file: file, line: line)
    }
    /// The smallest values over `dim` and their indices (`torch.min(x, dim)`).
    public func min(dim: Int, keepdim: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> (values: Tensor, indices: Tensor) {
        extremeWithIndices(dim, keepdim: keepdim, isMax: false, name: "MinBackward0", file: file, line: line)
    }

    private func extremeWithIndices(_ dim: Int, keepdim: Bool, isMax: Bool, name: String,
                                    file: StaticString, line: UInt) -> (values: Tensor, indices: Tensor) {
        let plan = reductionPlan([dim], keepdim: keepdim, op: isMax ? "max" : "min", file: file, line: line)
        check(plan.k > 0, isMax ? "max" : "min", "Expected reduction dim \(dim) to have non-zero size (shape \(shapeText(shape)))",
              file: file, line: line)
        let compute = dtype.computeType
        let (v, i) = reductionRows(plan, dtype: compute).rowExtremes(rows: plan.rows, k: plan.k, isMax: isMax)
        let values = reshapedResult(v.kernelInput(dtype), plan.outShape)
        let indices = reshapedResult(i, plan.outShape)
        if needsGrad(self) {
            let d = plan.dims.first ?? 0
            record(name, inputs: [self], outputs: [values, indices]) { [self] g in
                if self.dim == 0 { return [g[0]] }   // a 0-d tensor is its own maximum
                let grad = Tensor.zeros(self.shape, dtype: g[0].dtype, device: self.device)
                return [grad.scatter(d, indices.reshape(plan.keptShape), g[0].reshape(plan.keptShape))]
            }
        }
        return (values, indices)
    }

    /// The index of the largest element of the flattened tensor, or over `dim` (`torch.argmax`).
    public func argmax(dim: Int? = nil, keepdim: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        argExtreme(dim, keepdim: keepdim, isMax: true, file: file, line: line)
    }
    /// The index of the smallest element (`torch.argmin`).
    public func argmin(dim: Int? = nil, keepdim: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        argExtreme(dim, keepdim: keepdim, isMax: false, file: file, line: line)
    }

    private func argExtreme(_ dim: Int?, keepdim: Bool, isMax: Bool, file: StaticString, line: UInt) -> Tensor {
        guard let dim = dim else {
            let flat = reshape([-1])
            let index = flat.argExtreme(0, keepdim: false, isMax: isMax, file: file, line: line)
            return keepdim ? index.reshape([Int](repeating: 1, count: self.dim)) : index
        }
        let plan = reductionPlan([dim], keepdim: keepdim, op: isMax ? "argmax" : "argmin", file: file, line: line)
        let (_, i) = reductionRows(plan, dtype: dtype.computeType).rowExtremes(rows: plan.rows, k: plan.k, isMax: isMax)
        return reshapedResult(i, plan.outShape)
    }

    // MARK: Statistics

    /// The variance over `dims` (all when nil) with Bessel's `correction` (`torch.var`).
    public func variance(dims: [Int]? = nil, correction: Double = 1, keepdim: Bool = false,
                         file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let plan = reductionPlan(dims, keepdim: keepdim, op: "var", file: file, line: line)
        let compute = dtype.floatingCounterpart.computeType
        let flat = reductionRows(plan, dtype: compute).reducingRows(.variance(correction: correction), rows: plan.rows, k: plan.k)
        let out = reshapedResult(flat.kernelInput(dtype.floatingCounterpart), plan.outShape)
        if needsGrad(self) {
            record("VarBackward0", inputs: [self], outputs: [out], saving: [SavedTensor(self)]) { [self] g in
                let centered = self - self.mean(dims: plan.dims, keepdim: true)
                return [self.expandGrad(g[0], plan) * centered * (2 / Swift.max(Double(plan.k) - correction, 0))]
            }
        }
        return out
    }

    /// `torch.var(x, dim, unbiased)`.
    public func `var`(dim: Int? = nil, unbiased: Bool = true, keepdim: Bool = false,
                      file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        variance(dims: dim.map { [$0] }, correction: unbiased ? 1 : 0, keepdim: keepdim, file: file, line: line)
    }

    /// The standard deviation over `dims` with `correction` (`torch.std`).
    public func standardDeviation(dims: [Int]? = nil, correction: Double = 1, keepdim: Bool = false,
                                  file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let v = noGrad { variance(dims: dims, correction: correction, keepdim: keepdim, file: file, line: line) }
        let out = noGrad { v.sqrt() }
        if needsGrad(self) {
            let plan = reductionPlan(dims, keepdim: keepdim, op: "std", file: file, line: line)
            record("StdBackward0", inputs: [self], outputs: [out], saving: [SavedTensor(self), SavedTensor(out.detach(), isOutput: true)]) { [self] g in
                let centered = self - self.mean(dims: plan.dims, keepdim: true)
                let scale = self.expandGrad(g[0] / out.detach(), plan) / Swift.max(Double(plan.k) - correction, 0)
                return [scale * centered]
            }
        }
        return out
    }

    /// `torch.std(x, dim, unbiased)`.
    public func std(dim: Int? = nil, unbiased: Bool = true, keepdim: Bool = false,
                    file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        standardDeviation(dims: dim.map { [$0] }, correction: unbiased ? 1 : 0, keepdim: keepdim, file: file, line: line)
    }

    /// The vector p-norm over `dims` (all when nil) (`torch.linalg.vector_norm`, `Tensor.norm`).
    public func norm(p: Double = 2, dims: [Int]? = nil, keepdim: Bool = false,
                     file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        norm(p: p, dims: dims, keepdim: keepdim, name: "LinalgVectorNormBackward0", file: file, line: line)
    }

    /// The p-norm recorded under `name` (ATen's own `norm`, which some composites call, is `NormBackward1`).
    func norm(p: Double, dims: [Int]?, keepdim: Bool, name: String, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let plan = reductionPlan(dims, keepdim: keepdim, op: "norm", file: file, line: line)
        let compute = dtype.floatingCounterpart.computeType
        let rows = reductionRows(plan, dtype: compute)
        let flat = rows.reducingRows(p == 1 ? .sumAbs : .norm(p), rows: plan.rows, k: plan.k)
        let out = reshapedResult(flat.kernelInput(dtype.floatingCounterpart), plan.outShape)
        if needsGrad(self) {
            let result = out.detach()
            record(name, inputs: [self], outputs: [out], saving: [SavedTensor(self)]) { [self] g in
                [self.expandGrad(g[0], plan) * Tensor.normGradient(self, norm: result.reshape(plan.keptShape), p: p, dims: plan.dims)]
            }
        }
        return out
    }
    /// The p-norm along `dim` (`norm(p, dim)`).
    public func norm(p: Double = 2, dim: Int, keepdim: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        norm(p: p, dims: [dim], keepdim: keepdim, file: file, line: line)
    }

    /// `log(sum(exp(x)))` over `dims`, computed stably (`torch.logsumexp`).
    public func logsumexp(dims: [Int], keepdim: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let plan = reductionPlan(dims, keepdim: keepdim, op: "logsumexp", file: file, line: line)
        let compute = dtype.floatingCounterpart.computeType
        let flat = reductionRows(plan, dtype: compute).reducingRows(.logsumexp, rows: plan.rows, k: plan.k)
        let out = reshapedResult(flat.kernelInput(dtype.floatingCounterpart), plan.outShape)
        if needsGrad(self) {
            let result = out.detach()
            record("LogsumexpBackward0", inputs: [self], outputs: [out], saving: [SavedTensor(self)]) { [self] g in
                [self.expandGrad(g[0], plan) * (self - self.expandGrad(result, plan)).exp()]
            }
        }
        return out
    }
    /// log Σ exp along `dim`, computed stably (`logsumexp`).
    public func logsumexp(dim: Int, keepdim: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        logsumexp(dims: [dim], keepdim: keepdim, file: file, line: line)
    }

    /// Whether every element is true (nonzero) (`torch.all`).
    public func all() -> Tensor { (self.bool().to(.uint8).sum() .== numel) }
    /// Whether every element over `dim` is true.
    public func all(dim: Int, keepdim: Bool = false) -> Tensor { all(dims: [dim], keepdim: keepdim) }
    /// Whether every element over `dims` is true (`torch.all(x, dim=(0, 1))`).
    public func all(dims: [Int], keepdim: Bool = false) -> Tensor {
        self.bool().logicalNot().to(.uint8).sum(dims: dims, keepdim: keepdim) .== 0
    }
    /// Whether any element over `dims` is true.
    public func any(dims: [Int], keepdim: Bool = false) -> Tensor { self.bool().to(.uint8).sum(dims: dims, keepdim: keepdim) .> 0 }

    /// Whether any element is true (`torch.any`).
    public func any() -> Tensor { self.bool().to(.uint8).sum() .> 0 }
    /// Whether any element over `dim` is true.
    public func any(dim: Int, keepdim: Bool = false) -> Tensor { any(dims: [dim], keepdim: keepdim) }

    // MARK: Along one dimension

    /// Runs a row transform with the given dim moved last, and moves it back.
    func alongDim(_ dim: Int, _ op: RowTransform, dtype: DType, opName: String, file: StaticString, line: UInt) -> Tensor {
        let d = normalizeDim(dim, rank: self.dim, op: opName, file: file, line: line)
        if self.dim == 0 { return alongDimScalar(op, dtype: dtype) }
        let moved = transpose(d, self.dim - 1).detach()
        let rows = moved.isContiguous && moved.dtype == dtype ? moved : moved.copied(as: dtype)
        let k = shape[d]
        let out = rows.transformingRows(op, rows: numel / Swift.max(k, 1), k: k)
        return out.transpose(d, self.dim - 1).detach()
    }

    private func alongDimScalar(_ op: RowTransform, dtype: DType) -> Tensor {
        switch op {
        case .softmax: return Tensor.ones([], dtype: dtype)
        case .logSoftmax: return Tensor.zeros([], dtype: dtype)
        case .cumsum, .cumprod, .logcumsumexp: return self.copied(as: dtype)
        }
    }

    /// `exp(x) / sum(exp(x))` along `dim` (`torch.softmax`).
    public func softmax(dim: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let type = dtype.floatingCounterpart
        let out = alongDim(dim, .softmax, dtype: type.computeType, opName: "softmax", file: file, line: line).kernelInput(type)
        if needsGrad(self) {
            let y = out.detach()
            record("SoftmaxBackward0", inputs: [self], outputs: [out], saving: [SavedTensor(y, isOutput: true)]) { g in
                [y * (g[0] - (g[0] * y).sum(dim: dim, keepdim: true))]
            }
        }
        return out
    }

    /// `x - log(sum(exp(x)))` along `dim` (`torch.log_softmax`).
    public func logSoftmax(dim: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let type = dtype.floatingCounterpart
        let out = alongDim(dim, .logSoftmax, dtype: type.computeType, opName: "log_softmax", file: file, line: line).kernelInput(type)
        if needsGrad(self) {
            let y = out.detach()
            record("LogSoftmaxBackward0", inputs: [self], outputs: [out], saving: [SavedTensor(y, isOutput: true)]) { g in
                [g[0] - y.exp() * g[0].sum(dim: dim, keepdim: true)]
            }
        }
        return out
    }

    /// Running sums along `dim` (`torch.cumsum`); integers accumulate in int64.
    public func cumsum(dim: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let type = dtype.isFloatingPoint ? dtype : .int64
        let out = alongDim(dim, .cumsum, dtype: type.computeType, opName: "cumsum", file: file, line: line).kernelInput(type)
        if needsGrad(self) {
            record("CumsumBackward0", inputs: [self], outputs: [out]) { g in [g[0].flip([dim]).cumsum(dim: dim).flip([dim])] }
        }
        return out
    }
}
