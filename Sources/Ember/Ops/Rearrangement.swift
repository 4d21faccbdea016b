// Rearranging elements, as PyTorch's composite shape functions do (same last node, same gradients):
// unbind, movedim, tile, ravel, atleast_1d/2d/3d, unflatten, the stacks, tensorSplit and its h/v/d forms,
// fliplr/flipud, rot90, broadcasting helpers, meshgrid, repeatInterleave.

extension Tensor {
    /// The slices along `dim`, that dimension removed (`torch.unbind`); one node for all of them.
    public func unbind(_ dim: Int = 0, file: StaticString = #fileID, line: UInt = #line) -> [Tensor] {
        let d = normalizeDim(dim, rank: self.dim, op: "unbind", file: file, line: line)
        let parts = noGrad { (0..<shape[d]).map { select(d, $0) } }
        if needsGrad(self) {
            record("UnbindBackward0", inputs: [self], outputs: parts) { g in [Tensor.stack(g, dim: d)] }
        }
        return parts
    }

    /// Moves dimensions `source` to positions `destination`, keeping the others in order (`torch.movedim`).
    public func movedim(_ source: [Int], _ destination: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(source.count == destination.count, "movedim", "Invalid source or destination dims: source (\(source)) and "
              + "destination (\(destination)) must have the same number of elements", file: file, line: line)
        let from = source.map { normalizeDim($0, rank: dim, op: "movedim", file: file, line: line) }
        let to = destination.map { normalizeDim($0, rank: dim, op: "movedim", file: file, line: line) }
        var order = [Int?](repeating: nil, count: dim)
        for (s, t) in zip(from, to) { order[t] = s }
        var rest = (0..<dim).filter { !from.contains($0) }[...]
        return permute(order.map { $0 ?? rest.removeFirst() }, file: file, line: line)
    }

    /// `movedim` of one dimension.
    public func movedim(_ source: Int, _ destination: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        movedim([source], [destination], file: file, line: line)
    }

    /// Repeats the tensor `dims` times along each dimension, missing leading counts taken as 1 (`torch.tile`).
    public func tile(_ dims: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        `repeat`([Int](repeating: 1, count: Swift.max(0, dim - dims.count)) + dims, file: file, line: line)
    }

    /// The elements as a 1-d tensor (`torch.ravel`).
    public func ravel() -> Tensor { contiguous().view([-1]) }

    /// The tensor with at least one dimension (`torch.atleast_1d`).
    public func atleast1d() -> Tensor { dim >= 1 ? self : reshape([1]) }
    /// The tensor with at least two dimensions, a vector as a row (`torch.atleast_2d`).
    public func atleast2d() -> Tensor { dim >= 2 ? self : (dim == 1 ? unsqueeze(0) : reshape([1, 1])) }
    /// The tensor with at least three dimensions (`torch.atleast_3d`): a vector `[n]` becomes `[1, n, 1]`,
    /// a matrix `[m, n]` becomes `[m, n, 1]`.
    public func atleast3d() -> Tensor {
        switch dim {
        case 0: return reshape([1, 1, 1])
        case 1: return unsqueeze(0).unsqueeze(-1)
        case 2: return unsqueeze(-1)
        default: return self
        }
    }

    /// Splits dimension `dim` into `sizes` (one may be -1) (`Tensor.unflatten`).
    public func unflatten(_ dim: Int, _ sizes: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let d = normalizeDim(dim, rank: self.dim, op: "unflatten", file: file, line: line)
        return view(Array(shape[..<d]) + sizes + Array(shape[(d + 1)...]), file: file, line: line)
    }

    /// Splits into `sections` parts as equal as possible, the first ones one larger (`torch.tensor_split`).
    public func tensorSplit(_ sections: Int, dim: Int = 0, file: StaticString = #fileID, line: UInt = #line) -> [Tensor] {
        check(sections > 0, "tensor_split", "number of sections must be larger than 0, got \(sections)", file: file, line: line)
        let d = normalizeDim(dim, rank: self.dim, op: "tensor_split", file: file, line: line)
        let size = shape[d], base = size / sections, extra = size % sections
        var start = 0
        return (0..<sections).map { i in
            let length = base + (i < extra ? 1 : 0)
            defer { start += length }
            return slice(d, start, start + length, 1)
        }
    }

    /// Splits before each of `indices` (`torch.tensor_split(x, indices)`); indices past the end give empty parts.
    public func tensorSplit(indices: [Int], dim: Int = 0, file: StaticString = #fileID, line: UInt = #line) -> [Tensor] {
        let d = normalizeDim(dim, rank: self.dim, op: "tensor_split", file: file, line: line)
        let size = shape[d]
        func clamped(_ i: Int) -> Int { Swift.min(Swift.max(i < 0 ? i + size : i, 0), size) }
        let bounds = [0] + indices.map(clamped) + [size]
        return (0..<(bounds.count - 1)).map { k in slice(d, bounds[k], Swift.max(bounds[k], bounds[k + 1]), 1) }
    }

    /// `tensorSplit` along the columns (dim 1; dim 0 of a vector) into equal parts (`torch.hsplit`).
    public func hsplit(_ sections: Int, file: StaticString = #fileID, line: UInt = #line) -> [Tensor] {
        equalSplit(sections, dim: dim == 1 ? 0 : 1, op: "hsplit", file: file, line: line)
    }
    /// `tensorSplit` along the rows into equal parts (`torch.vsplit`).
    public func vsplit(_ sections: Int, file: StaticString = #fileID, line: UInt = #line) -> [Tensor] {
        equalSplit(sections, dim: 0, op: "vsplit", file: file, line: line)
    }
    /// `tensorSplit` along the depth (dim 2) into equal parts (`torch.dsplit`).
    public func dsplit(_ sections: Int, file: StaticString = #fileID, line: UInt = #line) -> [Tensor] {
        equalSplit(sections, dim: 2, op: "dsplit", file: file, line: line)
    }

    private func equalSplit(_ sections: Int, dim d: Int, op: String, file: StaticString, line: UInt) -> [Tensor] {
        check(dim > d && sections > 0 && shape[d] % sections == 0, op, "\(op) needs a dimension \(d) divisible into "
              + "\(sections) equal parts, got shape \(shapeText(shape))", file: file, line: line)
        return tensorSplit(sections, dim: d, file: file, line: line)
    }

    /// Columns in reverse order (`torch.fliplr`).
    public func fliplr() -> Tensor { flip([1]) }
    /// Rows in reverse order (`torch.flipud`).
    public func flipud() -> Tensor { flip([0]) }

    /// Rotates by 90° `k` times in the plane of `dims`, from the first axis toward the second (`torch.rot90`).
    public func rot90(_ k: Int = 1, dims: [Int] = [0, 1], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(dims.count == 2 && self.dim >= 2, "rot90", "expected total rotation dims == 2 and total dims >= 2, but got "
              + "dims \(dims) for shape \(shapeText(shape))", file: file, line: line)
        let a = normalizeDim(dims[0], rank: dim, op: "rot90", file: file, line: line)
        let b = normalizeDim(dims[1], rank: dim, op: "rot90", file: file, line: line)
        check(a != b, "rot90", "expected rotation dims to be different, got \(dims)", file: file, line: line)
        let turns = ((k % 4) + 4) % 4
        let out = noGrad { () -> Tensor in
            switch turns {
            case 1: return flip([b]).transpose(a, b).contiguous()
            case 2: return flip([a, b])
            case 3: return flip([a]).transpose(a, b).contiguous()
            default: return clone()
            }
        }
        if needsGrad(self) { record("Rot90Backward0", inputs: [self], outputs: [out]) { g in [g[0].rot90(-k, dims: [a, b])] } }
        return out
    }

    /// The tensor expanded to `shape` (`torch.broadcast_to`).
    public func broadcastTo(_ shape: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor { expand(shape, file: file, line: line) }

    /// Copies of `tensor` repeated `repeats` times each, along `dim` or over the flattened tensor
    /// (`torch.repeat_interleave`).
    public func repeatInterleave(_ repeats: Int, dim: Int? = nil, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let x = dim == nil ? reshape([-1]) : self
        let d = normalizeDim(dim ?? 0, rank: x.dim, op: "repeat_interleave", file: file, line: line)
        var sizes = x.shape
        sizes.insert(repeats, at: d + 1)
        return x.unsqueeze(d + 1).expand(sizes).contiguous().flatten(startDim: d, endDim: d + 1)
    }

    /// Element `i` repeated `repeats[i]` times along `dim` or over the flattened tensor (`torch.repeat_interleave`).
    public func repeatInterleave(_ repeats: Tensor, dim: Int? = nil, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        if repeats.numel == 1 { return repeatInterleave(Int(repeats.item()), dim: dim, file: file, line: line) }
        let x = dim == nil ? reshape([-1]) : self
        let counts = repeats.toArray(as: Int64.self)
        let d = normalizeDim(dim ?? 0, rank: x.dim, op: "repeat_interleave", file: file, line: line)
        check(counts.count == x.shape[d] && counts.allSatisfy { $0 >= 0 }, "repeat_interleave", "repeats must have the same "
              + "size as input along dim \(d) and be non-negative, got \(counts.count) for \(shapeText(x.shape))", file: file, line: line)
        let index = Tensor(counts.enumerated().flatMap { i, n in [Int64](repeating: Int64(i), count: Int(n)) }).placed(on: device)
        return x.indexSelect(d, index, file: file, line: line)
    }
}

extension Tensor {
    /// `tensors` side by side: along dim 1, or dim 0 for vectors (`torch.hstack`).
    public static func hstack(_ tensors: [Tensor], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let parts = tensors.map { $0.atleast1d() }
        return cat(parts, dim: parts.first?.dim == 1 ? 0 : 1, file: file, line: line)
    }
    /// `tensors` on top of each other, vectors as rows (`torch.vstack`).
    public static func vstack(_ tensors: [Tensor], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        cat(tensors.map { $0.atleast2d() }, dim: 0, file: file, line: line)
    }
    /// `tensors` along the third dimension (`torch.dstack`).
    public static func dstack(_ tensors: [Tensor], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        cat(tensors.map { $0.atleast3d() }, dim: 2, file: file, line: line)
    }
    /// Vectors (and numbers) as columns of a matrix, matrices side by side (`torch.column_stack`).
    public static func columnStack(_ tensors: [Tensor], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        cat(tensors.map { $0.dim <= 1 ? $0.reshape([$0.numel, 1]) : $0 }, dim: 1, file: file, line: line)
    }

    /// The tensors expanded to their common broadcast shape (`torch.broadcast_tensors`).
    public static func broadcastTensors(_ tensors: [Tensor], file: StaticString = #fileID, line: UInt = #line) -> [Tensor] {
        guard let shape = tensors.dropFirst().reduce(tensors.first?.shape, { s, t in s.flatMap { Layout.broadcastShapes($0, t.shape) } }) else {
            fail("broadcast_tensors", "shapes \(tensors.map { shapeText($0.shape) }) cannot be broadcast together", file: file, line: line)
        }
        return tensors.map { $0.expand(shape, file: file, line: line) }
    }

    /// Coordinate grids from 1-d tensors (`torch.meshgrid`): with `"ij"` output k varies along dim k; with
    /// `"xy"` the first two dimensions are swapped, as NumPy's meshgrid.
    public static func meshgrid(_ tensors: [Tensor], indexing: String = "ij", file: StaticString = #fileID, line: UInt = #line) -> [Tensor] {
        check(indexing == "ij" || indexing == "xy", "meshgrid", "indexing must be 'ij' or 'xy', got '\(indexing)'", file: file, line: line)
        check(tensors.allSatisfy { $0.dim <= 1 }, "meshgrid", "expects 0-d or 1-d tensors, got shapes "
              + "\(tensors.map { shapeText($0.shape) })", file: file, line: line)
        var axes = Array(tensors.indices)
        if indexing == "xy" && tensors.count >= 2 { axes.swapAt(0, 1) }
        var shape = [Int](repeating: 0, count: tensors.count)
        for (i, t) in tensors.enumerated() { shape[axes[i]] = t.numel }
        return tensors.enumerated().map { i, t in
            var view = [Int](repeating: 1, count: tensors.count)
            view[axes[i]] = -1
            return t.view(view).expand(shape)
        }
    }
}

/// `torch.meshgrid`.
public func meshgrid(_ tensors: Tensor..., indexing: String = "ij") -> [Tensor] { Tensor.meshgrid(tensors, indexing: indexing) }

extension Tensor {
    /// A view with the given sizes and strides over this tensor's storage, starting at `storageOffset` (its own
    /// offset by default) (`torch.as_strided`). Every element it reads must be one of this tensor's.
    public func asStrided(_ size: [Int], _ stride: [Int], storageOffset: Int? = nil,
                          file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(size.count == stride.count, "as_strided", "mismatch in length of strides and shape", file: file, line: line)
        let offset = storageOffset ?? self.storageOffset
        // The storage position of each element of self, and of each element of the view.
        let ownPositions = Tensor.storagePositions(shape: shape, strides: strides, offset: self.storageOffset)
        let index = Dictionary(ownPositions.enumerated().map { ($1, Int64($0)) }, uniquingKeysWith: { first, _ in first })
        let viewPositions = Tensor.storagePositions(shape: size, strides: stride, offset: offset)
        let sources = viewPositions.map { index[$0] }
        check(!sources.contains(nil), "as_strided", "the view \(shapeText(size)) with strides \(shapeText(stride)) and offset "
              + "\(offset) reads outside the tensor \(shapeText(shape))", file: file, line: line)
        let out = makeView(shape: size, strides: stride, offset: offset)
        let flatSources = Tensor(sources.map { $0! }).placed(on: device)
        let inputShape = shape
        return recordView(out, "AsStridedBackward0") { g in
            Tensor.zeros([inputShape.reduce(1, *)], dtype: g.dtype, device: g.device).indexAdd(0, flatSources, g.reshape([-1])).view(inputShape)
        }
    }

    /// Storage positions of the elements of a layout, in row-major order.
    private static func storagePositions(shape: [Int], strides: [Int], offset: Int) -> [Int] {
        var positions = [offset]
        for (size, stride) in zip(shape, strides) {
            positions = positions.flatMap { base in (0..<size).map { base + $0 * stride } }
        }
        return positions
    }
}
