// Diagonals and the scatter functions that write a view's elements into a copy: diagonal, diagonalScatter,
// diagEmbed, diag, diagflat, trace, selectScatter, sliceScatter; and outer/inner products.

extension Tensor {
    /// The diagonal `offset` of the planes spanned by `dim1` and `dim2`, as a view whose last dimension runs
    /// along it (`torch.diagonal`).
    public func diagonal(offset: Int = 0, dim1: Int = 0, dim2: Int = 1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let (view, a, b) = diagonalView(offset, dim1, dim2, op: "diagonal", file: file, line: line)
        let inputShape = shape
        return recordView(view, "DiagonalBackward0") { g in
            Tensor.zeros(inputShape, dtype: g.dtype, device: g.device).diagonalScatter(g, offset: offset, dim1: a, dim2: b)
        }
    }

    /// The diagonal view and the normalised dims, recording nothing.
    private func diagonalView(_ offset: Int, _ dim1: Int, _ dim2: Int, op: String, file: StaticString, line: UInt) -> (Tensor, Int, Int) {
        let a = normalizeDim(dim1, rank: dim, op: op, file: file, line: line)
        let b = normalizeDim(dim2, rank: dim, op: op, file: file, line: line)
        check(a != b, op, "diagonal dimensions cannot be identical \(dim1), \(dim2)", file: file, line: line)
        let length = Swift.max(0, offset >= 0 ? Swift.min(shape[a], shape[b] - offset) : Swift.min(shape[a] + offset, shape[b]))
        let start = length == 0 ? 0 : (offset >= 0 ? offset * strides[b] : -offset * strides[a])
        let kept = (0..<dim).filter { $0 != a && $0 != b }
        let view = makeView(shape: kept.map { shape[$0] } + [length], strides: kept.map { strides[$0] } + [strides[a] + strides[b]],
                            offset: storageOffset + start)
        return (view, a, b)
    }

    /// A copy with `source` written on the diagonal `offset` of the planes of `dim1` and `dim2`
    /// (`torch.diagonal_scatter`).
    public func diagonalScatter(_ source: Tensor, offset: Int = 0, dim1: Int = 0, dim2: Int = 1,
                                file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        scatteredView(source, "DiagonalScatterBackward0", file: file, line: line) {
            $0.diagonalView(offset, dim1, dim2, op: "diagonal_scatter", file: file, line: line).0
        } sourceGradient: { $0.diagonal(offset: offset, dim1: dim1, dim2: dim2) }
    }

    /// A copy with `source` written at `index` of `dim` (`torch.select_scatter`).
    public func selectScatter(_ source: Tensor, dim: Int, index: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        scatteredView(source, "SelectScatterBackward0", file: file, line: line) { copy in
            copy.select(dim, index, file: file, line: line)
        } sourceGradient: { $0.select(dim, index) }
    }

    /// A copy with `source` written over `start..<end` by `step` along `dim` (`torch.slice_scatter`).
    public func sliceScatter(_ source: Tensor, dim: Int = 0, start: Int? = nil, end: Int? = nil, step: Int = 1,
                             file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let d = normalizeDim(dim, rank: self.dim, op: "slice_scatter", file: file, line: line)
        let size = shape[d]
        func clamped(_ i: Int) -> Int { Swift.min(Swift.max(i < 0 ? i + size : i, 0), size) }
        let (from, to) = (clamped(start ?? 0), clamped(end ?? size))
        return scatteredView(source, "SliceScatterBackward0", file: file, line: line) { copy in
            copy.slice(d, from, Swift.max(from, to), step)
        } sourceGradient: { $0.slice(d, from, Swift.max(from, to), step) }
    }

    /// A copy of self with `source` written into the view `region` picks; the gradient of self is zero there,
    /// that of `source` is the gradient's view.
    private func scatteredView(_ source: Tensor, _ name: String, file: StaticString, line: UInt, region: @escaping (Tensor) -> Tensor,
                               sourceGradient: @escaping (Tensor) -> Tensor) -> Tensor {
        let out = noGrad { clone() }
        let target = region(out)
        check(Layout.broadcastShapes(source.shape, target.shape) == target.shape, name.replacingOccurrences(of: "Backward0", with: ""),
              "source of shape \(shapeText(source.shape)) does not fit the region \(shapeText(target.shape))", file: file, line: line)
        target.writeBroadcast(source.to(dtype))
        if needsGrad(self, source) {
            record(name, inputs: [self, source], outputs: [out]) { [self] g in
                let selfGradient: Tensor? = self.requiresGrad ? {
                    let copy = noGrad { g[0].clone() }
                    region(copy).writeBroadcast(Tensor.zeros([], dtype: g[0].dtype))
                    return copy
                }() : nil
                return [selfGradient, source.requiresGrad ? sourceGradient(g[0]).sumTo(source) : nil]
            }
        }
        return out
    }

    /// A tensor whose planes of `dim1`/`dim2` carry the last dimension of self on diagonal `offset`
    /// (`torch.diag_embed`).
    public func diagEmbed(offset: Int = 0, dim1: Int = -2, dim2: Int = -1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let rank = dim + 1
        let a = normalizeDim(dim1, rank: rank, op: "diag_embed", file: file, line: line)
        let b = normalizeDim(dim2, rank: rank, op: "diag_embed", file: file, line: line)
        let n = (shape.last ?? 1) + Swift.abs(offset)
        var outShape = Array(shape.dropLast())
        for d in [a, b].sorted() { outShape.insert(n, at: d) }
        let out = Tensor.zeros(outShape, dtype: dtype, device: device)
        out.diagonalView(offset, a, b, op: "diag_embed", file: file, line: line).0.writeBroadcast(detach())
        if needsGrad(self) {
            record("DiagEmbedBackward0", inputs: [self], outputs: [out]) { g in [g[0].diagonal(offset: offset, dim1: a, dim2: b)] }
        }
        return out
    }

    /// A vector's square diagonal matrix, or a matrix's diagonal as a vector (`torch.diag`).
    public func diag(_ diagonal: Int = 0, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(dim == 1 || dim == 2, "diag", "Supports 1D or 2D tensors. Got \(dim)D", file: file, line: line)
        if dim == 1 { return diagEmbed(offset: diagonal, dim1: 0, dim2: 1) }
        let out = noGrad { self.diagonal(offset: diagonal).contiguous() }
        let inputShape = shape
        if needsGrad(self) {
            record("DiagonalBackward0_copy", inputs: [self], outputs: [out]) { g in
                [Tensor.zeros(inputShape, dtype: g[0].dtype, device: g[0].device).diagonalScatter(g[0], offset: diagonal)]
            }
        }
        return out
    }

    /// The flattened tensor as the diagonal `offset` of a square matrix (`torch.diagflat`).
    public func diagflat(_ offset: Int = 0) -> Tensor { reshape([-1]).diagEmbed(offset: offset, dim1: 0, dim2: 1) }

    /// The sum of a matrix's main diagonal (`torch.trace`).
    public func trace(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(dim == 2, "trace", "expected a matrix, but got tensor with dim \(dim)", file: file, line: line)
        let out = noGrad { diagonal().sum() }
        let inputShape = shape
        if needsGrad(self) {
            record("TraceBackward0", inputs: [self], outputs: [out]) { g in
                let length = Swift.min(inputShape[0], inputShape[1])
                return [Tensor.zeros(inputShape, dtype: g[0].dtype, device: g[0].device).diagonalScatter(g[0].expand([length]))]
            }
        }
        return out
    }

    /// The outer product of two vectors (`torch.outer`).
    public func outer(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(dim == 1 && other.dim == 1, "outer", "expects two 1-d tensors, got \(shapeText(shape)) and \(shapeText(other.shape))",
              file: file, line: line)
        return unsqueeze(1) * other
    }

    /// Sums of products over the last dimension of both (`torch.inner`): shape `self[:-1] + other[:-1]`.
    public func inner(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        if dim == 0 || other.dim == 0 { return self * other }
        check(shape.last == other.shape.last, "inner", "inner() the last dimension must match on both input tensors but got "
              + "shapes \(shapeText(shape)) and \(shapeText(other.shape))", file: file, line: line)
        let k = shape[dim - 1]
        let product = reshape([-1, k]).matmul(other.reshape([-1, k]).t())
        return product.view(Array(shape.dropLast()) + Array(other.shape.dropLast()))
    }
}

/// `torch.outer`.
public func outer(_ a: Tensor, _ b: Tensor) -> Tensor { a.outer(b) }
