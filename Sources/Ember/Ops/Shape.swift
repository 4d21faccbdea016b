// Views and rearrangements: view, reshape, transpose, permute, expand, squeeze, cat, stack, split…

/// Strides that let a tensor of `oldShape`/`oldStrides` be viewed as `newShape` without copying, or nil
/// (ATen's `computeStride`).
func viewStrides(oldShape: [Int], oldStrides: [Int], newShape: [Int]) -> [Int]? {
    if oldShape.isEmpty { return [Int](repeating: 1, count: newShape.count) }
    if Layout.count(oldShape) == 0 { return Layout.rowMajorStrides(newShape) }
    var newStrides = [Int](repeating: 0, count: newShape.count)
    var viewD = newShape.count - 1
    var chunkBaseStride = oldStrides.last!
    var tensorNumel = 1, viewNumel = 1
    for tensorD in stride(from: oldShape.count - 1, through: 0, by: -1) {
        tensorNumel *= oldShape[tensorD]
        if tensorD == 0 || (oldShape[tensorD - 1] != 1 && oldStrides[tensorD - 1] != tensorNumel * chunkBaseStride) {
            while viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1) {
                newStrides[viewD] = viewNumel * chunkBaseStride
                viewNumel *= newShape[viewD]
                viewD -= 1
            }
            if viewNumel != tensorNumel { return nil }
            if tensorD > 0 {
                chunkBaseStride = oldStrides[tensorD - 1]
                tensorNumel = 1
                viewNumel = 1
            }
        }
    }
    return viewD == -1 ? newStrides : nil
}

extension Tensor {
    /// Resolves one `-1` in a requested shape and checks the element count.
    func inferShape(_ requested: [Int], op: String, file: StaticString, line: UInt) -> [Int] {
        var shape = requested
        let unknown = requested.indices.filter { requested[$0] == -1 }
        check(unknown.count <= 1, op, "only one dimension can be inferred", file: file, line: line)
        let known = requested.filter { $0 != -1 }.reduce(1, *)
        if let index = unknown.first {
            check(known != 0 && numel % known == 0, op,
                  "shape '\(shapeText(requested))' is invalid for input of size \(numel)", file: file, line: line)
            shape[index] = numel / known
        }
        check(Layout.count(shape) == numel && shape.allSatisfy { $0 >= 0 }, op,
              "shape '\(shapeText(requested))' is invalid for input of size \(numel)", file: file, line: line)
        return shape
    }

    /// Records a view op whose backward is `backward(grad)`.
    func recordView(_ out: Tensor, _ name: String, _ backward: @escaping (Tensor) -> Tensor) -> Tensor {
        if needsGrad(self) { record(name, inputs: [self], outputs: [out]) { g in [backward(g[0])] } }
        return out
    }

    /// The same elements with another shape, sharing storage; stops if the strides do not allow it (`view`).
    public func view(_ shape: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let newShape = inferShape(shape, op: "view", file: file, line: line)
        guard let newStrides = viewStrides(oldShape: self.shape, oldStrides: strides, newShape: newShape) else {
            fail("view", "view size is not compatible with input tensor's size and stride (at least one dimension "
                 + "spans across two contiguous subspaces); input shape \(shapeText(self.shape)), strides "
                 + "\(shapeText(strides)), requested \(shapeText(shape)). Use .reshape(...) instead.", file: file, line: line)
        }
        let inputShape = self.shape
        return recordView(makeView(shape: newShape, strides: newStrides, offset: storageOffset), "ViewBackward0") {
            $0.reshape(inputShape)
        }
    }
    /// The same values in another shape, sharing storage; -1 infers one size (`view`).
    public func view(_ shape: Int..., file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        view(shape, file: file, line: line)
    }

    /// `view` when the strides allow it, else a contiguous copy with the new shape (`reshape`).
    public func reshape(_ shape: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let newShape = inferShape(shape, op: "reshape", file: file, line: line)
        if viewStrides(oldShape: self.shape, oldStrides: strides, newShape: newShape) != nil {
            return view(newShape, file: file, line: line)
        }
        let copy = copied(as: dtype)
        let inputShape = self.shape
        return recordView(copy.makeView(shape: newShape, strides: Layout.rowMajorStrides(newShape), offset: 0),
                          "UnsafeViewBackward0") { $0.reshape(inputShape) }
    }
    /// The same values in another shape: a view when the strides allow, else a copy (`reshape`).
    public func reshape(_ shape: Int..., file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        reshape(shape, file: file, line: line)
    }

    /// Dimensions `startDim` through `endDim` merged into one (`flatten`).
    public func flatten(startDim: Int = 0, endDim: Int = -1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        if dim == 0 { return reshape([1]) }
        let start = normalizeDim(startDim, rank: dim, op: "flatten", file: file, line: line)
        let end = normalizeDim(endDim, rank: dim, op: "flatten", file: file, line: line)
        if start == end { return self }
        let merged = shape[start...end].reduce(1, *)
        return reshape(Array(shape[..<start]) + [merged] + Array(shape[(end + 1)...]), file: file, line: line)
    }

    /// Swaps two dimensions, sharing storage (`transpose`).
    public func transpose(_ dim0: Int, _ dim1: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let a = normalizeDim(dim0, rank: dim, op: "transpose", file: file, line: line)
        let b = normalizeDim(dim1, rank: dim, op: "transpose", file: file, line: line)
        if dim == 0 { return recordView(detach(), "TransposeBackward0") { $0 } }
        var newShape = shape, newStrides = strides
        newShape.swapAt(a, b)
        newStrides.swapAt(a, b)
        return recordView(makeView(shape: newShape, strides: newStrides, offset: storageOffset), "TransposeBackward0") {
            $0.transpose(a, b)
        }
    }

    /// The transpose of a matrix; vectors and scalars unchanged (`t()`).
    public func t(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(dim <= 2, "t", "t() expects a tensor with <= 2 dimensions, but self is \(dim)D (shape \(shapeText(shape)))",
              file: file, line: line)
        let out = dim == 2 ? makeView(shape: [shape[1], shape[0]], strides: [strides[1], strides[0]], offset: storageOffset)
                           : detach()
        return recordView(out, "TBackward0") { $0.t() }
    }

    /// The matrix transpose of the last two dimensions (`mT`).
    public var mT: Tensor { transpose(-2, -1) }

    /// Reorders the dimensions, sharing storage (`permute`).
    public func permute(_ dims: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(dims.count == dim, "permute", "number of dims don't match in permute (shape \(shapeText(shape)), dims \(dims))",
              file: file, line: line)
        let order = dims.map { normalizeDim($0, rank: dim, op: "permute", file: file, line: line) }
        check(Set(order).count == dim, "permute", "repeated dim in permute (dims \(dims))", file: file, line: line)
        var inverse = [Int](repeating: 0, count: dim)
        for (i, d) in order.enumerated() { inverse[d] = i }
        return recordView(makeView(shape: order.map { shape[$0] }, strides: order.map { strides[$0] }, offset: storageOffset),
                          "PermuteBackward0") { $0.permute(inverse) }
    }
    /// The dimensions in the order `dims` gives, as a view (`permute`).
    public func permute(_ dims: Int..., file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        permute(dims, file: file, line: line)
    }

    /// Broadcasts size-1 dimensions to `sizes` without copying; -1 keeps a size (`expand`).
    public func expand(_ sizes: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(sizes.count >= dim, "expand", "the number of sizes provided (\(sizes.count)) must be greater or equal to "
              + "the number of dimensions in the tensor (\(dim))", file: file, line: line)
        let lead = sizes.count - dim
        var newShape = sizes, newStrides = [Int](repeating: 0, count: sizes.count)
        for i in 0..<sizes.count {
            if i < lead {
                check(sizes[i] >= 0, "expand", "the expanded size -1 isn't allowed in a leading, non-existing dimension",
                      file: file, line: line)
                continue
            }
            let size = shape[i - lead]
            if sizes[i] == -1 || sizes[i] == size {
                newShape[i] = size
                newStrides[i] = strides[i - lead]
            } else {
                check(size == 1, "expand", "The expanded size of the tensor (\(sizes[i])) must match the existing size "
                      + "(\(size)) at non-singleton dimension \(i). Target sizes: \(shapeText(sizes)). Tensor sizes: "
                      + "\(shapeText(shape))", file: file, line: line)
            }
        }
        if newShape == shape { return recordView(detach(), "ExpandBackward0") { $0 } }
        let input = self
        return recordView(makeView(shape: newShape, strides: newStrides, offset: storageOffset), "ExpandBackward0") {
            $0.sumTo(input)
        }
    }
    /// A view that repeats size-1 dimensions to `sizes` without copying; -1 keeps a size (`expand`).
    public func expand(_ sizes: Int..., file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        expand(sizes, file: file, line: line)
    }
    /// Expanded to the shape of `other` (`expand_as`).
    public func expandAs(_ other: Tensor) -> Tensor { expand(other.shape) }

    /// `length` elements of dimension `dim` from `start`, sharing storage (`narrow`).
    /// `narrow` with the start given as a 0-d tensor (`x.narrow(0, torch.tensor(1), 2)`).
    public func narrow(_ dim: Int, start: Tensor, length: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(start.numel == 1 && !start.dtype.isFloatingPoint, "narrow", "start must be an 0-dim integral Tensor, got "
              + "\(start.dtype) \(shapeText(start.shape))", file: file, line: line)
        return narrow(dim, start: Int(start.item()), length: length, file: file, line: line)
    }

    /// The view of `length` positions from `start` along `dim` (`narrow`).
    public func narrow(_ dim: Int, start: Int, length: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let d = normalizeDim(dim, rank: self.dim, op: "narrow", file: file, line: line)
        let begin = start < 0 ? start + shape[d] : start
        check(begin >= 0 && length >= 0 && begin + length <= shape[d], "narrow",
              "start (\(start)) + length (\(length)) exceeds dimension size (\(shape[d])) of shape \(shapeText(shape))",
              file: file, line: line)
        return slice(d, begin, begin + length, 1)
    }

    /// Elements `start..<end` by `step` along `dim`, sharing storage (bounds already clamped).
    func slice(_ d: Int, _ start: Int, _ end: Int, _ step: Int) -> Tensor {
        var newShape = shape, newStrides = strides
        newShape[d] = Swift.max(0, (end - start + step - 1) / step)
        newStrides[d] = strides[d] * step
        let inputShape = shape
        return recordView(makeView(shape: newShape, strides: newStrides, offset: storageOffset + start * strides[d]),
                          "SliceBackward0") { g in
            let full = Tensor.zeros(inputShape, dtype: g.dtype, device: g.device)
            full.slice(d, start, end, step).writeBroadcast(g)
            return full
        }
    }

    /// Writes `values`, broadcast, into this view's memory (for backward formulas; records nothing).
    func writeBroadcast(_ values: Tensor) {
        values.expand(shape).copyElements(into: self)
        bumpVersion()
    }

    /// The sub-tensor at `index` of dimension `dim`, removing that dimension (`select`).
    public func select(_ dim: Int, _ index: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let d = normalizeDim(dim, rank: self.dim, op: "select", file: file, line: line)
        check(self.dim > 0, "select", "select() cannot be applied to a 0-dim tensor.", file: file, line: line)
        let i = index < 0 ? index + shape[d] : index
        check(i >= 0 && i < shape[d], "select", "index \(index) is out of bounds for dimension \(d) with size \(shape[d]) "
              + "(shape \(shapeText(shape)))", file: file, line: line)
        var newShape = shape, newStrides = strides
        newShape.remove(at: d)
        newStrides.remove(at: d)
        let inputShape = shape
        return recordView(makeView(shape: newShape, strides: newStrides, offset: storageOffset + i * strides[d]),
                          "SelectBackward0") { g in
            let full = Tensor.zeros(inputShape, dtype: g.dtype, device: g.device)
            full.select(d, i).writeBroadcast(g)
            return full
        }
    }

    /// Removes every size-1 dimension (`squeeze()`).
    public func squeeze() -> Tensor {
        let keep = (0..<dim).filter { shape[$0] != 1 }
        let inputShape = shape
        return recordView(makeView(shape: keep.map { shape[$0] }, strides: keep.map { strides[$0] }, offset: storageOffset),
                          "SqueezeBackward0") { $0.reshape(inputShape) }
    }

    /// Removes dimension `dim` if its size is 1 (`squeeze(dim)`).
    public func squeeze(_ dim: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        squeeze(dim, nodeName: "SqueezeBackward1", file: file, line: line)
    }

    /// Removes those of `dims` that have size 1 (`torch.squeeze(x, (1, 3))`).
    public func squeeze(dims: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let removed = Set(dims.map { normalizeDim($0, rank: dim, op: "squeeze", file: file, line: line) }.filter { dim > 0 && shape[$0] == 1 })
        let kept = (0..<dim).filter { !removed.contains($0) }
        let inputShape = shape
        return recordView(makeView(shape: kept.map { shape[$0] }, strides: kept.map { strides[$0] }, offset: storageOffset),
                          "SqueezeBackward2") { $0.reshape(inputShape) }
    }

    /// `squeeze(dim)` recorded under `nodeName` (ATen's in-place `squeeze_` records `SqueezeBackward4`).
    func squeeze(_ dim: Int, nodeName: String, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let d = normalizeDim(dim, rank: self.dim, op: "squeeze", file: file, line: line)
        let inputShape = shape
        if self.dim == 0 || shape[d] != 1 { return recordView(detach(), nodeName) { $0.reshape(inputShape) } }
        var newShape = shape, newStrides = strides
        newShape.remove(at: d)
        newStrides.remove(at: d)
        return recordView(makeView(shape: newShape, strides: newStrides, offset: storageOffset), nodeName) {
            $0.reshape(inputShape)
        }
    }

    /// Inserts a size-1 dimension at `dim` (`unsqueeze`).
    public func unsqueeze(_ dim: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let d = normalizeDim(dim, rank: self.dim + 1, op: "unsqueeze", file: file, line: line)
        var newShape = shape, newStrides = strides
        newShape.insert(1, at: d)
        newStrides.insert(d < self.dim ? strides[d] * shape[d] : 1, at: d)
        return recordView(makeView(shape: newShape, strides: newStrides, offset: storageOffset), "UnsqueezeBackward0") {
            $0.squeeze(d)
        }
    }

    /// Reverses the order of elements along `dims` (`flip`); copies.
    public func flip(_ dims: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let ds = dims.map { normalizeDim($0, rank: dim, op: "flip", file: file, line: line) }
        var newStrides = strides, offset = storageOffset
        for d in ds where dim > 0 && shape[d] > 0 {   // a 0-d tensor flips to itself
            offset += (shape[d] - 1) * strides[d]
            newStrides[d] = -strides[d]
        }
        let out = makeView(shape: shape, strides: newStrides, offset: offset).copied(as: dtype)
        return recordView(out, "FlipBackward0") { $0.flip(ds) }
    }

    /// Rotates elements along `dims` by `shifts` (`roll`).
    /// Rolls the flattened elements by `shift` and restores the shape (`torch.roll(x, shift)` without dims).
    public func roll(_ shift: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        reshape([-1]).roll([shift], dims: [0], file: file, line: line).reshape(shape)
    }

    /// The elements shifted by `shifts` along `dims`, wrapping around (`roll`).
    public func roll(_ shifts: [Int], dims: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(shifts.count == dims.count, "roll", "shifts and dims must align (got \(shifts.count) and \(dims.count))",
              file: file, line: line)
        var result = self.detach()
        for (shift, dim) in zip(shifts, dims) {
            let d = normalizeDim(dim, rank: self.dim, op: "roll", file: file, line: line)
            let n = shape[d]
            guard n > 0 else { continue }
            let s = ((shift % n) + n) % n
            if s == 0 { continue }
            result = Tensor.concatenate([result.slice(d, n - s, n, 1), result.slice(d, 0, n - s, 1)], dim: d)
        }
        let out = result.isContiguous && result.storage !== storage ? result : result.copied(as: dtype)
        let negated = shifts.map { -$0 }
        return recordView(out, "RollBackward0") { $0.roll(negated, dims: dims) }
    }

    /// Tiles the tensor `repeats[i]` times along each dimension (`repeat`).
    public func `repeat`(_ repeats: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(repeats.count >= dim, "repeat", "Number of dimensions of repeat dims can not be smaller than number of "
              + "dimensions of tensor (repeats \(repeats), shape \(shapeText(shape)))", file: file, line: line)
        let lead = repeats.count - dim
        let padded = [Int](repeating: 1, count: lead) + shape
        // View as [r0, s0, r1, s1, …] with zero strides for the repeats, then copy.
        var viewShape: [Int] = [], viewStrides: [Int] = []
        let paddedStrides = [Int](repeating: 0, count: lead) + strides
        for i in 0..<repeats.count {
            viewShape += [repeats[i], padded[i]]
            viewStrides += [0, paddedStrides[i]]
        }
        let outShape = zip(repeats, padded).map { $0 * $1 }
        let out = makeView(shape: viewShape, strides: viewStrides, offset: storageOffset).copied(as: dtype)
            .makeView(shape: outShape, strides: Layout.rowMajorStrides(outShape), offset: 0)
        let input = self
        return recordView(out, "RepeatBackward0") { g in
            g.reshape(viewShape).sum(dims: Array(Swift.stride(from: 0, to: viewShape.count, by: 2)))
                .reshape(padded).sumTo(input)
        }
    }
    /// The tensor tiled `repeats` times along each dimension (`repeat`).
    public func `repeat`(_ repeats: Int..., file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        self.repeat(repeats, file: file, line: line)
    }

    /// The lower triangle of the last two dimensions, the rest zero (`tril`).
    public func tril(_ diagonal: Int = 0) -> Tensor { triangle(diagonal, lower: true) }
    /// The upper triangle of the last two dimensions, the rest zero (`triu`).
    public func triu(_ diagonal: Int = 0) -> Tensor { triangle(diagonal, lower: false) }

    private func triangle(_ diagonal: Int, lower: Bool) -> Tensor {
        let rows = shape[dim - 2], cols = shape[dim - 1]
        let r = Tensor.arange(rows, device: device).view(rows, 1), c = Tensor.arange(cols, device: device).view(1, cols)
        let keep = lower ? (c - r) .<= diagonal : (c - r) .>= diagonal
        let out = Tensor.selecting(keep, detach(), Tensor.zeros([], dtype: dtype), shape: shape)
        return recordView(out, lower ? "TrilBackward0" : "TriuBackward0") { g in g.triangle(diagonal, lower: lower) }
    }

    /// Splits into pieces of `size` along `dim` (the last may be smaller), sharing storage (`split`).
    public func split(_ size: Int, dim: Int = 0, file: StaticString = #fileID, line: UInt = #line) -> [Tensor] {
        let d = normalizeDim(dim, rank: self.dim, op: "split", file: file, line: line)
        check(size > 0 || shape[d] == 0, "split", "split_size must be positive (got \(size))", file: file, line: line)
        let count = Swift.max(1, (shape[d] + size - 1) / Swift.max(size, 1))
        let sizes = (0..<count).map { Swift.min(size, shape[d] - $0 * size) }
        return splitPieces(sizes, d, name: "SplitBackward0")
    }

    /// Splits into pieces of the given sizes along `dim` (`split` with a list).
    public func split(sizes: [Int], dim: Int = 0, file: StaticString = #fileID, line: UInt = #line) -> [Tensor] {
        let d = normalizeDim(dim, rank: self.dim, op: "split", file: file, line: line)
        check(sizes.reduce(0, +) == shape[d], "split", "split_with_sizes expects split_sizes to sum exactly to "
              + "\(shape[d]) (input tensor's size at dimension \(d)), but got split_sizes=\(sizes)", file: file, line: line)
        return splitPieces(sizes, d, name: "SplitWithSizesBackward0")
    }

    /// `chunks` pieces of equal size along `dim`, the last possibly smaller (`chunk`).
    public func chunk(_ chunks: Int, dim: Int = 0, file: StaticString = #fileID, line: UInt = #line) -> [Tensor] {
        let d = normalizeDim(dim, rank: self.dim, op: "chunk", file: file, line: line)
        check(chunks > 0, "chunk", "chunk expects `chunks` to be greater than 0, got: \(chunks)", file: file, line: line)
        return split((shape[d] + chunks - 1) / chunks, dim: d, file: file, line: line)
    }

    private func splitPieces(_ sizes: [Int], _ d: Int, name: String) -> [Tensor] {
        var start = 0
        var pieces: [Tensor] = []
        for size in sizes {
            var newShape = shape
            newShape[d] = size
            pieces.append(makeView(shape: newShape, strides: strides, offset: storageOffset + start * strides[d]))
            start += size
        }
        if needsGrad(self) {
            record(name, inputs: [self], outputs: pieces) { grads in [Tensor.concatenate(grads, dim: d)] }
        }
        return pieces
    }

    /// Joins tensors along an existing dimension, without autograd.
    static func concatenate(_ tensors: [Tensor], dim d: Int) -> Tensor {
        var shape = tensors[0].shape
        shape[d] = tensors.reduce(0) { $0 + $1.shape[d] }
        let type = resultType(tensors)
        let out = Tensor(uninitializedShape: shape, dtype: type, backend: tensors[0].backend)
        var start = 0
        for t in tensors {
            let piece = out.makeView(shape: t.shape, strides: out.strides, offset: start * out.strides[d])
            t.copyElements(into: piece)
            start += t.shape[d]
        }
        return out
    }

    /// Joins tensors along an existing dimension (`torch.cat`).
    public static func cat(_ tensors: [Tensor], dim: Int = 0, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(!tensors.isEmpty, "cat", "expected a non-empty list of Tensors", file: file, line: line)
        // Legacy rule: 1-d empty tensors are skipped.
        let parts = tensors.filter { !($0.dim == 1 && $0.numel == 0) }
        let first = parts.first ?? tensors[0]
        let d = parts.isEmpty ? 0 : normalizeDim(dim, rank: first.dim, op: "cat", file: file, line: line)
        for (i, t) in parts.enumerated() {
            Tensor.checkSameDevice(first, t, op: "cat", file: file, line: line)
            check(t.dim == first.dim, "cat", "Tensors must have same number of dimensions: got \(first.dim) and \(t.dim)",
                  file: file, line: line)
            for k in 0..<t.dim where k != d {
                check(t.shape[k] == first.shape[k], "cat", "Sizes of tensors must match except in dimension \(d). "
                      + "Expected size \(first.shape[k]) but got size \(t.shape[k]) for tensor number \(i) in the list "
                      + "(shapes \(parts.map { shapeText($0.shape) }.joined(separator: ", ")))", file: file, line: line)
            }
        }
        let out = parts.isEmpty ? first.detach().clone() : concatenate(parts, dim: d)
        if GradMode.isEnabled && tensors.contains(where: { $0.requiresGrad }) {
            let sizes = parts.map { $0.shape[d] }
            record("CatBackward0", inputs: tensors, outputs: [out]) { g in
                // A skipped empty input still gets its (empty) gradient, as in PyTorch.
                var pieces = g[0].split(sizes: sizes, dim: d)[...]
                return tensors.map { input -> Tensor? in
                    let piece = input.dim == 1 && input.numel == 0 ? input.zerosLike(dtype: g[0].dtype) : pieces.removeFirst()
                    return input.requiresGrad ? piece.to(input.dtype) : nil
                }
            }
        }
        return out
    }

    /// Joins tensors of one shape along a new dimension (`torch.stack`).
    public static func stack(_ tensors: [Tensor], dim: Int = 0, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(!tensors.isEmpty, "stack", "expects a non-empty TensorList", file: file, line: line)
        let d = normalizeDim(dim, rank: tensors[0].dim + 1, op: "stack", file: file, line: line)
        for (i, t) in tensors.enumerated() {
            check(t.shape == tensors[0].shape, "stack", "stack expects each tensor to be equal size, but got "
                  + "\(shapeText(tensors[0].shape)) at entry 0 and \(shapeText(t.shape)) at entry \(i)", file: file, line: line)
        }
        let out = noGrad { concatenate(tensors.map { $0.unsqueeze(d) }, dim: d) }
        if GradMode.isEnabled && tensors.contains(where: { $0.requiresGrad }) {
            record("StackBackward0", inputs: tensors, outputs: [out]) { g in
                (0..<tensors.count).map { i in tensors[i].requiresGrad ? g[0].select(d, i) : nil }
            }
        }
        return out
    }
}

/// `torch.cat`.
public func cat(_ tensors: [Tensor], dim: Int = 0, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    Tensor.cat(tensors, dim: dim, file: file, line: line)
}

/// `torch.stack`.
public func stack(_ tensors: [Tensor], dim: Int = 0, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    Tensor.stack(tensors, dim: dim, file: file, line: line)
}
