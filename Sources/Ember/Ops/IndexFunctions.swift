// Indexing functions built on gather/scatter: take, takeAlongDim, indexAdd, indexCopy, indexFill.

extension Tensor {
    /// The elements of the flattened tensor at `index` (negative counts from the end), in `index`'s shape
    /// (`torch.take`).
    public func take(_ index: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let flatIndex = positions(index, op: "take", file: file, line: line).reshape([-1])
        let wrapped = noGrad { Tensor.where(flatIndex .< 0, flatIndex + numel, flatIndex) }
        let out = noGrad { reshape([-1]).gather(0, wrapped, file: file, line: line).reshape(index.shape) }
        let inputShape = shape
        if needsGrad(self) {
            record("TakeBackward0", inputs: [self], outputs: [out]) { g in
                [Tensor.zeros([inputShape.reduce(1, *)], dtype: g[0].dtype, device: g[0].device).scatterAdd(0, wrapped, g[0].reshape([-1])).reshape(inputShape)]
            }
        }
        return out
    }

    /// `gather` with `indices` broadcast against self outside `dim`; without a dim, over the flattened tensor
    /// (`torch.take_along_dim`).
    public func takeAlongDim(_ indices: Tensor, dim: Int? = nil, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        guard let dim else { return reshape([-1]).gather(0, indices.reshape([-1]), file: file, line: line) }
        let d = normalizeDim(dim, rank: self.dim, op: "take_along_dim", file: file, line: line)
        check(indices.dim == self.dim, "take_along_dim", "input and indices should have the same number of dimensions, but got "
              + "\(self.dim) and \(indices.dim)", file: file, line: line)
        var selfShape = shape, indexShape = indices.shape
        (selfShape[d], indexShape[d]) = (1, 1)
        guard let common = Layout.broadcastShapes(selfShape, indexShape) else {
            fail("take_along_dim", "shapes \(shapeText(shape)) and \(shapeText(indices.shape)) do not broadcast outside dim \(d)",
                 file: file, line: line)
        }
        var sourceShape = common, targetShape = common
        (sourceShape[d], targetShape[d]) = (shape[d], indices.shape[d])
        let wrapped = noGrad { Tensor.where(indices .< 0, indices + shape[d], indices) }   // negative counts from the end
        return expand(sourceShape).gather(d, wrapped.expand(targetShape), file: file, line: line)
    }

    /// A copy with `alpha * source` added at `index` along `dim` (`index_add`).
    public func indexAdd(_ dim: Int, _ index: Tensor, _ source: Tensor, alpha: Double = 1,
                         file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let (d, spread) = indexAlong(dim, index, source, op: "index_add", file: file, line: line)
        let out = noGrad { scatterAdd(d, spread, alpha == 1 ? source : source * alpha, file: file, line: line) }
        if needsGrad(self, source) {
            record("IndexAddBackward0", inputs: [self, source], outputs: [out]) { [self] g in
                [self.requiresGrad ? g[0] : nil, source.requiresGrad ? (g[0].gather(d, spread) * alpha).sumTo(source) : nil]
            }
        }
        return out
    }

    /// A copy with `source` written at `index` along `dim` (`index_copy`).
    public func indexCopy(_ dim: Int, _ index: Tensor, _ source: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let (d, spread) = indexAlong(dim, index, source, op: "index_copy", file: file, line: line)
        let out = noGrad { scatter(d, spread, source, file: file, line: line) }
        if needsGrad(self, source) {
            record("IndexCopyBackward0", inputs: [self, source], outputs: [out]) { [self] g in
                [self.requiresGrad ? g[0].scatter(d, spread, Tensor.zeros(spread.shape, dtype: g[0].dtype, device: g[0].device)) : nil,
                 source.requiresGrad ? g[0].gather(d, spread) : nil]
            }
        }
        return out
    }

    /// A copy with `value` written at every `index` of `dim` (`index_fill`).
    public func indexFill(_ dim: Int, _ index: Tensor, _ value: Double, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let d = normalizeDim(dim, rank: self.dim, op: "index_fill", file: file, line: line)
        var selected = self.dim == 0 ? [1] : shape
        if self.dim > 0 { selected[d] = index.numel }
        let spread = indexSpread(index, shape: selected, dim: d)
        let out = noGrad { (self.dim == 0 ? reshape([1]) : self).scatter(d, spread, value: value, file: file, line: line).reshape(shape) }
        if needsGrad(self) {
            record("IndexFillBackward0", inputs: [self], outputs: [out]) { [self] g in
                [g[0].reshape(spread.dim == self.dim ? self.shape : [1]).scatter(d, spread, value: 0).reshape(self.shape)]
            }
        }
        return out
    }

    /// A copy with a 0-d tensor's value written at every `index` of `dim`, differentiable in the value too
    /// (`index_fill` with a tensor value).
    @_disfavoredOverload
    public func indexFill(_ dim: Int, _ index: Tensor, _ value: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(value.dim == 0, "index_fill", "only supports a 0-dimensional value tensor, but got tensor with \(value.dim) dimension(s)",
              file: file, line: line)
        let out = noGrad { indexFill(dim, index, value.item(), file: file, line: line) }
        if needsGrad(self, value) {
            let mask = noGrad { Tensor.zeros(shape, dtype: dtype, device: device).indexFill(dim, index, 1).bool() }
            record("IndexFillBackward1", inputs: [self, value], outputs: [out]) { [self] g in
                let zero = Tensor.zeros([], dtype: g[0].dtype)
                return [self.requiresGrad ? Tensor.where(mask, zero, g[0]) : nil,
                        value.requiresGrad ? Tensor.where(mask, g[0], zero).sum().to(value.dtype) : nil]
            }
        }
        return out
    }

    /// The dim and `index` spread over `source`'s shape, for scatter and gather along `dim`.
    private func indexAlong(_ dim: Int, _ index: Tensor, _ source: Tensor, op: String, file: StaticString, line: UInt) -> (Int, Tensor) {
        let d = normalizeDim(dim, rank: self.dim, op: op, file: file, line: line)
        check(index.dim <= 1 && source.dim == self.dim && (self.dim == 0 || source.shape[d] == index.numel), op,
              "\(op)(): index \(shapeText(index.shape)) and source \(shapeText(source.shape)) do not match self \(shapeText(shape)) "
              + "along dim \(d)", file: file, line: line)
        return (d, indexSpread(index, shape: source.shape, dim: d))
    }

    /// A 1-d `index` viewed along `dim` and expanded to `shape`, contiguous.
    private func indexSpread(_ index: Tensor, shape: [Int], dim d: Int) -> Tensor {
        guard !shape.isEmpty else { return index.reshape([]) }
        return index.to(.int64).reshape((0..<shape.count).map { $0 == d ? -1 : 1 }).expand(shape).contiguous()
    }
}
