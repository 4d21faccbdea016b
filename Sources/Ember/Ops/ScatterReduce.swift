// Reducing scatters and index writes: scatterReduce (sum, prod, mean, amax, amin; with or without the
// existing values), indexReduce, indexPut with accumulation, put, maskedScatter. The reductions run over the
// groups of elements that land on one position; their gradients follow PyTorch's (shared evenly among tied
// extrema, products of the other members for prod).

/// How `scatterReduce`/`indexReduce` combine the values that land on one position.
public enum ScatterReduction: String, Sendable {
    /// The sum, product, mean, maximum or minimum of the values at a position (`reduce="sum"`…).
    case sum, prod, mean, amax, amin
}

extension Tensor {
    /// A copy with the values of `source` combined into the positions `index` names along `dim`
    /// (`Tensor.scatter_reduce`); `includeSelf` counts the existing value as one member of each group.
    public func scatterReduce(_ dim: Int, _ index: Tensor, _ source: Tensor, reduce: ScatterReduction, includeSelf: Bool = true,
                              file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        reduced(into: dim, index, source, reduce: reduce, includeSelf: includeSelf, name: "ScatterReduceBackward0",
                op: "scatter_reduce", file: file, line: line)
    }

    /// `scatterReduce` with a 1-d `index` choosing slices along `dim` (`Tensor.index_reduce`).
    public func indexReduce(_ dim: Int, _ index: Tensor, _ source: Tensor, reduce: ScatterReduction, includeSelf: Bool = true,
                            file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let d = normalizeDim(dim, rank: self.dim, op: "index_reduce", file: file, line: line)
        let spread = index.to(.int64).reshape((0..<source.dim).map { $0 == d ? -1 : 1 }).expand(source.shape).contiguous()
        return reduced(into: d, spread, source, reduce: reduce, includeSelf: includeSelf, name: "IndexReduceBackward0",
                       op: "index_reduce", file: file, line: line)
    }

    private func reduced(into dim: Int, _ index: Tensor, _ source: Tensor, reduce: ScatterReduction, includeSelf: Bool, name: String,
                         op: String, file: StaticString, line: UInt) -> Tensor {
        let d = normalizeDim(dim, rank: self.dim, op: op, file: file, line: line)
        let index = positions(index, op: op, file: file, line: line)
        check(index.dim == self.dim && source.dim == self.dim, op, "index \(shapeText(index.shape)), source \(shapeText(source.shape)) "
              + "and self \(shapeText(shape)) must have the same number of dimensions", file: file, line: line)
        checkIndexRange(index, size: self.dim == 0 ? 1 : shape[d], op: op, file: file, line: line)
        let groups = ScatterGroups(target: shape, index: index, source: source.shape, dim: d)
        let selfValues = contiguous().toArray(as: Double.self), sourceValues = source.contiguous().toArray(as: Double.self)
        var result = selfValues
        for (target, members) in groups.members {
            let values = (includeSelf ? [selfValues[target]] : []) + members.map { sourceValues[$0] }
            switch reduce {
            case .sum: result[target] = values.reduce(0, +)
            case .prod: result[target] = values.reduce(1, *)
            case .mean:
                let mean = values.reduce(0, +) / Double(values.count)
                result[target] = dtype.isFloatingPoint ? mean : mean.rounded(.down)
            case .amax: result[target] = values.contains { $0.isNaN } ? .nan : values.max()!
            case .amin: result[target] = values.contains { $0.isNaN } ? .nan : values.min()!
            }
        }
        let out = Tensor(result, shape: shape).to(dtype).placed(on: device)
        if needsGrad(self, source) {
            record(name, inputs: [self, source], outputs: [out]) { [self] g in
                let gradient = g[0].contiguous().toArray(as: Double.self)
                var selfGrad = gradient, sourceGrad = [Double](repeating: 0, count: sourceValues.count)
                for (target, members) in groups.members {
                    let values = (includeSelf ? [selfValues[target]] : []) + members.map { sourceValues[$0] }
                    let shares: [Double]
                    switch reduce {
                    case .sum: shares = values.map { _ in 1 }
                    case .mean: shares = values.map { _ in 1 / Double(values.count) }
                    case .prod: shares = values.indices.map { i in values.indices.reduce(1.0) { $1 == i ? $0 : $0 * values[$1] } }
                    case .amax, .amin:
                        let winners = values.map { $0 == result[target] || ($0.isNaN && result[target].isNaN) ? 1.0 : 0 }
                        let count = winners.reduce(0, +)
                        shares = winners.map { $0 / count }
                    }
                    selfGrad[target] = includeSelf ? gradient[target] * shares[0] : 0
                    for (k, member) in members.enumerated() { sourceGrad[member] = gradient[target] * shares[k + (includeSelf ? 1 : 0)] }
                }
                return [self.requiresGrad ? Tensor(selfGrad, shape: self.shape).to(g[0].dtype).placed(on: g[0].device) : nil,
                        source.requiresGrad ? Tensor(sourceGrad, shape: source.shape).to(g[0].dtype).placed(on: g[0].device) : nil]
            }
        }
        return out
    }

    /// A copy with `values` written (or added, with `accumulate`) at the positions advanced indexing with
    /// `indices` selects (`Tensor.index_put`).
    public func indexPut(_ indices: [Tensor], _ values: Tensor, accumulate: Bool = false,
                         file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let flat = noGrad { Tensor.arange(0, numel, device: device).view(shape).getItem(indices.map { .tensor($0) }, file: file, line: line) }
        return writtenAt(flat, values, accumulate: accumulate, name: "IndexPutBackward0")
    }

    /// A copy with `source` written (or added) at the positions `index` names in the flattened tensor (`Tensor.put`).
    public func put(_ index: Tensor, _ source: Tensor, accumulate: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let flatIndex = positions(index, op: "put", file: file, line: line)
        let wrapped = noGrad { Tensor.where(flatIndex .< 0, flatIndex + numel, flatIndex) }
        check(source.numel == index.numel, "put", "source and index should have the same number of elements, got "
              + "\(source.numel) and \(index.numel)", file: file, line: line)
        return writtenAt(wrapped, source.reshape(index.shape), accumulate: accumulate, name: "PutBackward0")
    }

    /// A copy with `values` (broadcast to `flatPositions`) written or added at those flat positions.
    private func writtenAt(_ flatPositions: Tensor, _ values: Tensor, accumulate: Bool, name: String) -> Tensor {
        let positions = flatPositions.reshape([-1])
        let spread = { (v: Tensor) in v.expand(flatPositions.shape).reshape([-1]).to(self.dtype) }
        let out = noGrad { () -> Tensor in
            let flat = reshape([-1])
            let written = accumulate ? flat.scatterAdd(0, positions, spread(values)) : flat.scatter(0, positions, spread(values))
            return written.reshape(shape)
        }
        if needsGrad(self, values) {
            record(name, inputs: [self, values], outputs: [out]) { [self] g in
                let flat = g[0].reshape([-1])
                let selfGrad = accumulate ? g[0] : flat.scatter(0, positions, Tensor.zeros([positions.numel], dtype: g[0].dtype, device: g[0].device)).reshape(self.shape)
                return [self.requiresGrad ? selfGrad : nil,
                        values.requiresGrad ? flat.gather(0, positions).reshape(flatPositions.shape).sumTo(values) : nil]
            }
        }
        return out
    }

    /// A copy with the elements of `source`, in order, written where `mask` (broadcast) is true
    /// (`Tensor.masked_scatter`).
    public func maskedScatter(_ mask: Tensor, _ source: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let shape = Tensor.broadcastShape(self, mask, op: "masked_scatter", file: file, line: line)
        let full = mask.expand(shape).contiguous()
        let count = Int(full.to(.int64).sum().item())
        check(source.numel >= count, "masked_scatter", "Number of elements of source < number of ones in mask", file: file, line: line)
        let positions = noGrad { Tensor.arange(0, full.numel, device: device).view(shape).getItem([.tensor(full)], file: file, line: line) }
        let taken = source.reshape([-1]).narrow(0, start: 0, length: count)
        let out = noGrad { expand(shape).contiguous().reshape([-1]).scatter(0, positions, taken.to(dtype)).reshape(shape) }
        if needsGrad(self, source) {
            record("MaskedScatterBackward0", inputs: [self, source], outputs: [out]) { [self] g in
                let flat = g[0].reshape([-1])
                let sourceGrad = Tensor.cat([flat.gather(0, positions), Tensor.zeros([source.numel - count], dtype: g[0].dtype, device: g[0].device)])
                return [self.requiresGrad ? Tensor.where(full, Tensor.zeros([], dtype: g[0].dtype), g[0]).sumTo(self) : nil,
                        source.requiresGrad ? sourceGrad.reshape(source.shape) : nil]
            }
        }
        return out
    }
}

/// For a scatter along `dim`: which source elements (flat, row-major) land on each target position.
private struct ScatterGroups {
    var members: [Int: [Int]] = [:]

    init(target: [Int], index: Tensor, source: [Int], dim: Int) {
        let rank = target.count
        guard index.numel > 0 else { return }
        let indexValues = index.contiguous().toArray(as: Int64.self)
        let targetStrides = Layout.rowMajorStrides(target), sourceStrides = Layout.rowMajorStrides(source)
        var coordinate = [Int](repeating: 0, count: rank)
        for k in 0..<indexValues.count {
            var targetOffset = 0, sourceOffset = 0
            for d in 0..<rank {
                targetOffset += (d == dim ? Int(indexValues[k]) : coordinate[d]) * targetStrides[d]
                sourceOffset += coordinate[d] * sourceStrides[d]
            }
            members[targetOffset, default: []].append(sourceOffset)
            for d in stride(from: rank - 1, through: 0, by: -1) {
                coordinate[d] += 1
                if coordinate[d] < index.shape[d] { break }
                coordinate[d] = 0
            }
        }
    }
}
