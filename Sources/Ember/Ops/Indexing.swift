// NumPy-style indexing and assignment, gather/scatter, index_select, masked_select, nonzero, sort, topk.

/// One position of a subscript: `x[.all, 1]`, `x[.ellipsis, .newAxis]`, `x[.range(1..<3)]`, `x[.tensor(mask)]`.
public enum TensorIndex: ExpressibleByIntegerLiteral {
    /// One element of a dimension, removing it (`x[1]`).
    case index(Int)
    /// `start..<end` by `step`; nil bounds run to the ends (`x[1:5:2]`).
    case slice(start: Int?, end: Int?, step: Int)
    /// The whole dimension (`x[:]`).
    case all
    /// As many `.all` as needed to cover the remaining dimensions (`x[...]`).
    case ellipsis
    /// A new size-1 dimension (`x[None]`).
    case newAxis
    /// An int64 index tensor or a bool mask (advanced indexing).
    case tensor(Tensor)

    /// A literal integer index.
    public init(integerLiteral value: Int) { self = .index(value) }

    /// A Swift range (`1..<3`, `2...`, `..<(-1)`) by `step`.
    public static func range(_ r: some TensorIndexExpression, step: Int = 1) -> TensorIndex {
        guard case .slice(let start, let end, _) = r.tensorIndex else { preconditionFailure("range: \(r) is not a range") }
        return .slice(start: start, end: end, step: step)
    }
}

/// Anything that can stand in a subscript position, as in Python: an `Int`, a Swift range (`1..<3`, `2...`,
/// `..<(-1)`, `...4`), a stride, an index or mask tensor, or a `TensorIndex` (`.all`, `.ellipsis`, `.newAxis`,
/// `.range(0, n, step: 2)`).
public protocol TensorIndexExpression {
    /// The index term this value stands for.
    var tensorIndex: TensorIndex { get }
}

/// The value behind `.all`, `.ellipsis`, `.newAxis`, `.range(…)` and `.tensor(…)` in a subscript list.
public struct TensorIndexTerm: TensorIndexExpression {
    /// The index term.
    public let tensorIndex: TensorIndex
}

extension TensorIndexExpression where Self == TensorIndexTerm {
    /// The whole dimension (`x[:]`).
    public static var all: TensorIndexTerm { TensorIndexTerm(tensorIndex: .all) }
    /// As many `.all` as needed to cover the remaining dimensions (`x[...]`).
    public static var ellipsis: TensorIndexTerm { TensorIndexTerm(tensorIndex: .ellipsis) }
    /// A new size-1 dimension (`x[None]`).
    public static var newAxis: TensorIndexTerm { TensorIndexTerm(tensorIndex: .newAxis) }
    /// One element of a dimension, removing it.
    public static func index(_ i: Int) -> TensorIndexTerm { TensorIndexTerm(tensorIndex: .index(i)) }
    /// `start..<end` by `step`; nil bounds run to the ends (`x[1:5:2]`).
    public static func slice(start: Int?, end: Int?, step: Int = 1) -> TensorIndexTerm {
        TensorIndexTerm(tensorIndex: .slice(start: start, end: end, step: step))
    }
    /// `x[start:end:step]` (`.range(0, n, step: 2)`).
    public static func range(_ start: Int?, _ end: Int?, step: Int = 1) -> TensorIndexTerm { slice(start: start, end: end, step: step) }
    /// `x[a..<b]`, `x[a...b]`, `x[a...]`, `x[..<b]` with a step.
    public static func range(_ r: some TensorIndexExpression, step: Int = 1) -> TensorIndexTerm {
        TensorIndexTerm(tensorIndex: TensorIndex.range(r, step: step))
    }
    /// An index or mask tensor (advanced indexing).
    public static func tensor(_ t: Tensor) -> TensorIndexTerm { TensorIndexTerm(tensorIndex: .tensor(t)) }
}

/// A term is its own index.
extension TensorIndex: TensorIndexExpression { public var tensorIndex: TensorIndex { self } }
/// An integer picks one position and removes the dimension.
extension Int: TensorIndexExpression { public var tensorIndex: TensorIndex { .index(self) } }
/// An integer or bool tensor indexes as PyTorch's advanced indexing does.
extension Tensor: TensorIndexExpression { public var tensorIndex: TensorIndex { .tensor(self) } }
/// `a..<b` is the slice `a:b`.
extension Range<Int>: TensorIndexExpression { public var tensorIndex: TensorIndex { .slice(start: lowerBound, end: upperBound, step: 1) } }
/// `a...` is the slice `a:`.
extension PartialRangeFrom<Int>: TensorIndexExpression { public var tensorIndex: TensorIndex { .slice(start: lowerBound, end: nil, step: 1) } }
/// `..<b` is the slice `:b`.
extension PartialRangeUpTo<Int>: TensorIndexExpression { public var tensorIndex: TensorIndex { .slice(start: nil, end: upperBound, step: 1) } }
/// `a...b` is the slice `a:b+1` (`a...-1` runs to the end).
extension ClosedRange<Int>: TensorIndexExpression {
    /// The slice from `lowerBound` through `upperBound`.
    public var tensorIndex: TensorIndex { .slice(start: lowerBound, end: upperBound == -1 ? nil : upperBound + 1, step: 1) }
}
/// `...b` is the slice `:b+1` (`...-1` is everything).
extension PartialRangeThrough<Int>: TensorIndexExpression {
    /// The slice from the start through `upperBound`.
    public var tensorIndex: TensorIndex { .slice(start: nil, end: upperBound == -1 ? nil : upperBound + 1, step: 1) }
}
/// `stride(from:to:by:)` picks those positions.
extension StrideTo<Int>: TensorIndexExpression { public var tensorIndex: TensorIndex { Array(self).stridedSlice } }
/// `stride(from:through:by:)` picks those positions.
extension StrideThrough<Int>: TensorIndexExpression { public var tensorIndex: TensorIndex { Array(self).stridedSlice } }

extension Array where Element == Int {
    /// The slice that visits these evenly spaced, increasing positions.
    fileprivate var stridedSlice: TensorIndex {
        guard let first = first else { return .slice(start: 0, end: 0, step: 1) }
        let step = count > 1 ? self[1] - first : 1
        precondition(step > 0, "index: a stride in a subscript must step forward, got step \(step)")
        return .slice(start: first, end: last! + 1, step: step)
    }
}

extension Tensor {
    /// Indexing and assignment with PyTorch's rules (`x[i, ..<3, .newAxis]`, `x[.all, 1]`, `x[mask] = 0`).
    public subscript(_ indices: any TensorIndexExpression..., file file: StaticString = #fileID, line line: UInt = #line) -> Tensor {
        get { getItem(indices.map(\.tensorIndex), file: file, line: line) }
        set { setItem(indices.map(\.tensorIndex), newValue, file: file, line: line) }
    }

    /// Indexing with a key built at run time (`x[indices: [.all, .index(i)]]`).
    public subscript(indices indices: [TensorIndex], file file: StaticString = #fileID, line line: UInt = #line) -> Tensor {
        get { getItem(indices, file: file, line: line) }
        set { setItem(indices, newValue, file: file, line: line) }
    }

    /// `x[i]` with an Int.
    public subscript(_ i: Int, file file: StaticString = #fileID, line line: UInt = #line) -> Tensor {
        get { getItem([.index(i)], file: file, line: line) }
        set { setItem([.index(i)], newValue, file: file, line: line) }
    }

    /// `x[mask]` or `x[indices]`.
    public subscript(_ index: Tensor, file file: StaticString = #fileID, line line: UInt = #line) -> Tensor {
        get { getItem([.tensor(index)], file: file, line: line) }
        set { setItem([.tensor(index)], newValue, file: file, line: line) }
    }

    /// `x[a..<b]`.
    public subscript(_ range: Range<Int>, file file: StaticString = #fileID, line line: UInt = #line) -> Tensor {
        get { getItem([.range(range)], file: file, line: line) }
        set { setItem([.range(range)], newValue, file: file, line: line) }
    }

    /// The basic part of an index applied as views; advanced (tensor) indices returned with the view dim they act on.
    func basicIndex(_ key: [TensorIndex], file: StaticString, line: UInt) -> (Tensor, [(dim: Int, index: Tensor)]) {
        var expanded: [TensorIndex] = []
        var consumed = 0
        for k in key {
            switch k {
            case .newAxis, .ellipsis: break
            case .tensor(let t) where t.dtype == .bool: consumed += Swift.max(t.dim, 1) == 0 ? 1 : t.dim
            default: consumed += 1
            }
        }
        check(consumed <= dim, "index", "too many indices for tensor of dimension \(dim) (shape \(shapeText(shape)))",
              file: file, line: line)
        var sawEllipsis = false
        for k in key {
            if case .ellipsis = k {
                check(!sawEllipsis, "index", "an index can only have a single ellipsis ('...')", file: file, line: line)
                sawEllipsis = true
                expanded += [TensorIndex](repeating: .all, count: dim - consumed)
            } else {
                expanded.append(k)
            }
        }
        var view = self
        var d = 0
        var source = 0   // the dimension of self that the next index addresses, for messages
        var advanced: [(dim: Int, index: Tensor)] = []
        for k in expanded {
            defer {
                switch k {
                case .newAxis, .ellipsis: break
                case .tensor(let t) where t.dtype == .bool: source += t.dim
                default: source += 1
                }
            }
            switch k {
            case .index(let i):
                check(d < view.dim, "index", "too many indices for tensor of dimension \(dim)", file: file, line: line)
                let size = view.shape[d]
                check(i >= -size && i < size, "index", "index \(i) is out of bounds for dimension \(source) with size \(size) "
                      + "(shape \(shapeText(shape)))", file: file, line: line)
                view = view.select(d, i)
            case .slice(let start, let end, let step):
                check(step > 0, "index", "step must be greater than zero", file: file, line: line)
                let size = view.shape[d]
                func clampBound(_ v: Int?, _ fallback: Int) -> Int {
                    guard var v = v else { return fallback }
                    if v < 0 { v += size }
                    return Swift.min(Swift.max(v, 0), size)
                }
                let s = clampBound(start, 0), e = Swift.max(clampBound(end, size), s)
                view = view.slice(d, s, e, step)
                d += 1
            case .all:
                d += 1
            case .newAxis:
                view = view.unsqueeze(d)
                d += 1
            case .ellipsis:
                break
            case .tensor(let t):
                if t.dtype == .bool {
                    check(t.shape == Array(view.shape[d..<(d + t.dim)]), "index", "The shape of the mask "
                          + "\(shapeText(t.shape)) does not match the shape of the indexed tensor \(shapeText(view.shape)) "
                          + "starting at dimension \(d)", file: file, line: line)
                    let positions = t.nonzero()
                    for j in 0..<t.dim { advanced.append((d + j, positions.select(1, j))) }
                    d += t.dim
                } else {
                    check(!t.dtype.isFloatingPoint, "index", "tensors used as indices must be long, int, byte or bool tensors",
                          file: file, line: line)
                    advanced.append((d, t.to(.int64)))
                    d += 1
                }
            }
        }
        return (view, advanced)
    }

    /// Where an advanced index reads: the result's shape, base offsets into `view`, and the inner block.
    private struct AdvancedPlan {
        var resultShape: [Int]
        var bases: [Int]
        var innerShape: [Int]
        var innerStrides: [Int]
        var batchShape: [Int]
        var frontPermutation: [Int]?   // moves the batch block from the front to its place, when adjacent

        /// The strided block each base offset starts.
        var block: Layout { Layout(shape: innerShape, strides: innerStrides, offset: 0) }
    }

    private func advancedPlan(_ view: Tensor, _ advanced: [(dim: Int, index: Tensor)], file: StaticString, line: UInt) -> AdvancedPlan {
        var batch = advanced[0].index.shape
        for a in advanced.dropFirst() {
            guard let b = Layout.broadcastShapes(batch, a.index.shape) else {
                fail("index", "shape mismatch: indexing tensors could not be broadcast together with shapes "
                     + advanced.map { shapeText($0.index.shape) }.joined(separator: ", "), file: file, line: line)
            }
            batch = b
        }
        let advancedDims = advanced.map(\.dim)
        let rest = (0..<view.dim).filter { !advancedDims.contains($0) }
        let count = Layout.count(batch)
        var bases = [Int](repeating: view.storageOffset, count: count)
        for a in advanced {
            let size = view.shape[a.dim], stride = view.strides[a.dim]
            let values = a.index.expand(batch).contiguous().toArray(as: Int64.self)
            for (b, v) in values.enumerated() {
                let i = Int(v)
                check(i >= -size && i < size, "index", "index \(i) is out of bounds for dimension \(a.dim) with size \(size)",
                      file: file, line: line)
                bases[b] += (i < 0 ? i + size : i) * stride
            }
        }
        let innerShape = rest.map { view.shape[$0] }, innerStrides = rest.map { view.strides[$0] }
        let adjacent = advancedDims == Array(advancedDims[0]...advancedDims[advancedDims.count - 1])
        var permutation: [Int]? = nil
        var resultShape = batch + innerShape
        if adjacent && advancedDims[0] > 0 {
            let before = advancedDims[0]
            let b = batch.count
            // result dims: [batch..., rest...] → [rest[..<before], batch..., rest[before...]]
            permutation = Array(b..<(b + before)) + Array(0..<b) + Array((b + before)..<(b + innerShape.count))
            resultShape = permutation!.map { resultShape[$0] }
        }
        return AdvancedPlan(resultShape: resultShape, bases: bases, innerShape: innerShape, innerStrides: innerStrides,
                            batchShape: batch, frontPermutation: permutation)
    }

    func getItem(_ key: [TensorIndex], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let (view, advanced) = basicIndex(key, file: file, line: line)
        if advanced.isEmpty { return view }
        let plan = advancedPlan(view, advanced, file: file, line: line)
        let front = Tensor(uninitializedShape: plan.batchShape + plan.innerShape, dtype: dtype, backend: view.backend)
        view.backend.takeElements(view.asBase().operand, bases: plan.bases, block: plan.block, into: front.operand)
        let out = plan.frontPermutation.map { front.permute($0).contiguous() } ?? front
        if needsGrad(view) {
            record("IndexBackward0", inputs: [view], outputs: [out]) { g in
                let grad = Tensor.zeros(view.shape, dtype: g[0].dtype, device: view.device)
                let frontGrad = plan.frontPermutation.map { p -> Tensor in
                    var inverse = [Int](repeating: 0, count: p.count)
                    for (i, d) in p.enumerated() { inverse[d] = i }
                    return g[0].permute(inverse)
                } ?? g[0]
                let values = frontGrad.contiguous()
                // Bases were computed against the view's offset; the zero tensor is contiguous like the view's shape.
                let gradPlan = grad.advancedPlan(grad, advanced, file: file, line: line)
                grad.backend.putElements(values.operand, bases: gradPlan.bases, block: gradPlan.block, accumulate: true, into: grad.asBase().operand)
                return [grad]
            }
        }
        return out
    }

    /// A tensor with this storage whose element 0 is the storage's first element (offsets become absolute).
    private func asBase() -> Tensor { makeView(shape: shape, strides: strides, offset: 0) }

    func setItem(_ key: [TensorIndex], _ assigned: Tensor, file: StaticString = #fileID, line: UInt = #line) {
        checkInPlaceAllowed("setitem", file: file, line: line)
        // Leading size-1 dims of the value are dropped first, as PyTorch's copy_to does (`x[0] = t` with t of shape [1]).
        let leadingOnes = assigned.shape.prefix { $0 == 1 }.count
        let value = leadingOnes == 0 ? assigned : assigned.reshape(Array(assigned.shape.dropFirst(leadingOnes)))
        let (view, advanced) = noGrad { basicIndex(key, file: file, line: line) }
        let previous = detach()
        previous.gradFn = gradFn
        previous.outputNumber = outputNumber
        previous._requiresGrad = _requiresGrad
        var name = "CopySlices"
        if advanced.isEmpty {
            let shape = Tensor.broadcastShape(view, value, op: "setitem", file: file, line: line)
            check(shape == view.shape, "setitem", "shape mismatch: value tensor of shape \(shapeText(value.shape)) cannot "
                  + "be broadcast to indexing result of shape \(shapeText(view.shape))", file: file, line: line)
            value.expand(view.shape).copyElements(into: view)
        } else {
            let plan = advancedPlan(view, advanced, file: file, line: line)
            var values = value.to(dtype).to(device)
            if let p = plan.frontPermutation {
                var inverse = [Int](repeating: 0, count: p.count)
                for (i, d) in p.enumerated() { inverse[d] = i }
                values = values.expand(plan.resultShape).permute(inverse)
            }
            let front = values.detach().expand(plan.batchShape + plan.innerShape).contiguous()
            backend.putElements(front.operand, bases: plan.bases, block: plan.block, accumulate: false, into: asBase().operand)
            let isMask = key.count == 1 && { if case .tensor(let t) = key[0] { return t.dtype == .bool }; return false }()
            name = isMask && value.numel == 1 && !value.requiresGrad ? "MaskedFillBackward0" : "IndexPutBackward0"
        }
        bumpVersion()
        if GradMode.isEnabled && (previous.requiresGrad || value.requiresGrad) {
            let node = ClosureNode(name: name, nextFunctions: [previous.gradientEdge, value.gradientEdge], outputCount: 1,
                                   saved: [], backward: { g in
                let selfGrad = g[0].clone()
                noGrad { selfGrad.setItem(key, Tensor.zeros([], dtype: selfGrad.dtype)) }
                let valueGrad = value.requiresGrad ? g[0].getItem(key).sumTo(value) : nil
                return [previous.requiresGrad ? selfGrad : nil, valueGrad]
            })
            gradFn = node
            outputNumber = 0
        }
    }

    // MARK: Gather and scatter

    /// Values along `dim` at `index` (`torch.gather`).
    public func gather(_ dim: Int, _ index: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let d = normalizeDim(dim, rank: self.dim, op: "gather", file: file, line: line)
        let index = positions(index, op: "gather", file: file, line: line)
        // A 0-d input gathers as its one-element vector; an empty index gathers nothing whatever its rank.
        let source = self.dim == 0 ? detach().reshape([1]) : detach()
        let rows = self.dim == 0 ? index.reshape([-1]) : index
        check(rows.dim == source.dim || index.numel == 0, "gather", "index must have the input's rank "
              + "(input \(shapeText(shape)), index \(shapeText(index.shape)))", file: file, line: line)
        Tensor.checkSameDevice(self, index, op: "gather", file: file, line: line)
        let out = Tensor(uninitializedShape: index.shape, dtype: dtype, backend: backend)
        if index.numel > 0, let v = backend.gatherElements(source.operand, index: rows.operand, dim: d, into: out.reshape(rows.shape).operand) {
            fail("gather", "index \(v) is out of bounds for dimension with size \(source.shape[d])", file: file, line: line)
        }
        if needsGrad(self) {
            record("GatherBackward0", inputs: [self], outputs: [out]) { [self] g in
                [Tensor.zeros(self.shape, dtype: g[0].dtype, device: g[0].device).scatterAdd(d, index, g[0])]
            }
        }
        return out
    }

    /// Stops when an index lies outside `0..<size`, naming it.
    func checkIndexRange(_ index: Tensor, size: Int, op: String, file: StaticString, line: UInt) {
        if let v = index.firstOutside(size) { fail(op, "index \(v) is out of bounds for dimension with size \(size)", file: file, line: line) }
    }

    /// The first of these int64 indices outside `0..<size` (other than `ignored`), or nil. On a device: the smallest
    /// or largest, from two reductions there, so that only two numbers come back to the host.
    func firstOutside(_ size: Int, ignoring ignored: Int64? = nil) -> Int64? {
        guard numel > 0 else { return nil }
        if storage.isHost {
            return toArray(as: Int64.self).first { $0 != ignored && ($0 < 0 || $0 >= size) }
        }
        let kept = noGrad { ignored.map { maskedFill(eq(Tensor($0)), 0) } ?? self }
        let (lowest, highest) = noGrad { (Int64(kept.min().item()), Int64(kept.max().item())) }
        return lowest < 0 ? lowest : highest >= size ? highest : nil
    }

    /// An index tensor of `gather`/`scatter` as int64: int32 is accepted as PyTorch accepts it, other dtypes stop.
    func positions(_ index: Tensor, op: String, file: StaticString, line: UInt) -> Tensor {
        check(index.dtype == .int64 || index.dtype == .int32 || index.numel == 0, op,
              "\(op)(): Expected dtype int32/int64 for index, got \(index.dtype)", file: file, line: line)
        return index.to(.int64)
    }

    private func scattered(_ dim: Int, _ index: Tensor, _ source: Tensor, accumulate: Bool, op: String,
                           file: StaticString, line: UInt) -> Tensor {
        let d = normalizeDim(dim, rank: self.dim, op: op, file: file, line: line)
        if self.dim == 0 {
            // A 0-d tensor scatters as its one-element vector.
            return detach().reshape([1]).scattered(0, index.reshape([-1]), source.detach().reshape([-1]), accumulate: accumulate,
                                                   op: op, file: file, line: line).reshape([])
        }
        let index = positions(index, op: op, file: file, line: line)
        if index.numel == 0 { return copied(as: dtype) }   // an empty index of any rank writes nothing
        check(index.dim == self.dim && source.dim == self.dim
              && (0..<index.dim).allSatisfy { k in index.shape[k] <= source.shape[k] && (k == d || index.shape[k] <= shape[k]) },
              op, "Expected index \(shapeText(index.shape)) to be smaller than self \(shapeText(shape)) apart from dimension \(d) "
              + "and to be smaller size than src \(shapeText(source.shape))", file: file, line: line)
        Tensor.checkSameDevice(self, index, op: op, file: file, line: line)
        Tensor.checkSameDevice(self, source, op: op, file: file, line: line)
        let out = copied(as: dtype)
        if let v = backend.scatterElements(source.to(dtype).operand(for: backend), index: index.operand, dim: d, accumulate: accumulate,
                                   into: out.operand) {
            fail(op, "index \(v) is out of bounds for dimension with size \(shape[d])", file: file, line: line)
        }
        return out
    }

    /// A copy with `source` values written along `dim` at `index` (`torch.scatter`).
    public func scatter(_ dim: Int, _ index: Tensor, _ source: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let out = scattered(dim, index, source, accumulate: false, op: "scatter", file: file, line: line)
        if needsGrad(self, source) {
            let d = normalizeDim(dim, rank: self.dim, op: "scatter", file: file, line: line)
            record("ScatterBackward0", inputs: [self, source], outputs: [out]) { g in
                [g[0].scatter(d, index, Tensor.zeros(index.shape, dtype: g[0].dtype, device: g[0].device)), g[0].gather(d, index)]
            }
        }
        return out
    }

    /// A copy with `value` written along `dim` at `index` (`torch.scatter(x, dim, index, value)`).
    public func scatter(_ dim: Int, _ index: Tensor, value: Double, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        scatter(dim, index, Tensor.full(index.shape, value, dtype: dtype, device: device), file: file, line: line)
    }

    /// A copy with `source` values added along `dim` at `index` (`torch.scatter_add`).
    public func scatterAdd(_ dim: Int, _ index: Tensor, _ source: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let out = scattered(dim, index, source, accumulate: true, op: "scatter_add", file: file, line: line)
        if needsGrad(self, source) {
            let d = normalizeDim(dim, rank: self.dim, op: "scatter_add", file: file, line: line)
            record("ScatterAddBackward0", inputs: [self, source], outputs: [out]) { g in [g[0], g[0].gather(d, index)] }
        }
        return out
    }

    /// The entries of `index` along `dim` (`torch.index_select`).
    public func indexSelect(_ dim: Int, _ index: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let d = normalizeDim(dim, rank: self.dim, op: "index_select", file: file, line: line)
        Tensor.checkSameDevice(self, index, op: "index_select", file: file, line: line)
        check(index.dim <= 1, "index_select", "index_select(): Index is supposed to be a vector (got shape \(shapeText(index.shape)))",
              file: file, line: line)
        // A 0-d input selects from its one-element vector and stays 0-d.
        let source = self.dim == 0 ? detach().reshape([1]) : detach()
        let selected = source.getItem([TensorIndex](repeating: .all, count: d) + [.tensor(index.reshape([-1]))], file: file, line: line)
        let out = self.dim == 0 ? selected.reshape([]) : selected
        if needsGrad(self) {
            record("IndexSelectBackward0", inputs: [self], outputs: [out]) { [self] g in
                var shape = source.shape
                shape[d] = index.numel
                let expandedIndex = index.reshape((0..<source.dim).map { $0 == d ? -1 : 1 }).expand(shape).contiguous()
                return [Tensor.zeros(source.shape, dtype: g[0].dtype, device: g[0].device).scatterAdd(d, expandedIndex, g[0].reshape(shape)).reshape(self.shape)]
            }
        }
        return out
    }

    /// The elements where `mask` is true, as a 1-d tensor (`torch.masked_select`).
    public func maskedSelect(_ mask: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let shape = Tensor.broadcastShape(self, mask, op: "masked_select", file: file, line: line)
        // Flattened first, so 0-d operands give a 1-d result too.
        let flatMask = mask.expand(shape).reshape([-1])
        let out = noGrad { expand(shape).reshape([-1]).getItem([.tensor(flatMask)], file: file, line: line) }
        if needsGrad(self) {
            record("MaskedSelectBackward0", inputs: [self], outputs: [out]) { [self] g in
                let grad = Tensor.zeros([flatMask.numel], dtype: g[0].dtype, device: g[0].device)
                noGrad { grad.setItem([.tensor(flatMask)], g[0]) }
                return [grad.reshape(shape).sumTo(self)]
            }
        }
        return out
    }

    /// The indices of the nonzero elements, one int64 vector per dimension (`nonzero(as_tuple=True)`); a 0-d
    /// tensor gives one vector of zeros, as long as the count of its nonzero elements.
    public func nonzero(asTuple: Bool) -> [Tensor] {
        let positions = nonzero()
        guard asTuple else { return [positions] }
        if dim == 0 { return [Tensor.zeros([positions.shape[0]], dtype: .int64, device: device)] }
        return (0..<dim).map { positions.select(1, $0).contiguous() }
    }

    /// The indices of nonzero elements, one row per element (`torch.nonzero`).
    public func nonzero() -> Tensor {
        let flags = self.bool().contiguous().toArray(as: Bool.self)
        let rank = dim
        let strides = Layout.rowMajorStrides(shape)
        var coordinates: [Int64] = []
        var count = 0
        for (i, flag) in flags.enumerated() where flag {
            count += 1
            var rest = i
            for d in 0..<rank {
                coordinates.append(Int64(rest / strides[d]))
                rest %= strides[d]
            }
        }
        return Tensor(coordinates, shape: [count, rank]).placed(on: device)
    }

    // MARK: Sorting

    /// The values along `dim` in order, with their original indices (`torch.sort`).
    /// The sort is always stable; passing `stable` selects PyTorch's `sort.stable` overload (node `SortBackward1`).
    public func sort(dim: Int = -1, descending: Bool = false, stable: Bool? = nil, file: StaticString = #fileID,
                     line: UInt = #line) -> (values: Tensor, indices: Tensor) {
        let d = normalizeDim(dim, rank: self.dim, op: "sort", file: file, line: line)
        if self.dim == 0 { return (clone(), Tensor.zeros([], dtype: .int64)) }
        let moved = transpose(d, self.dim - 1).detach().contiguous()
        let k = shape[d], rows = numel / Swift.max(k, 1)
        let values = Tensor(uninitializedShape: moved.shape, dtype: dtype, backend: backend)
        let indices = Tensor(uninitializedShape: moved.shape, dtype: .int64, backend: backend)
        backend.sortRows(moved.operand, rows: rows, k: k, descending: descending, values: values.operand, indices: indices.operand)
        let outValues = values.transpose(d, self.dim - 1).contiguous(), outIndices = indices.transpose(d, self.dim - 1).contiguous()
        if needsGrad(self) {
            record(stable == nil ? "SortBackward0" : "SortBackward1", inputs: [self], outputs: [outValues, outIndices]) { [self] g in
                [Tensor.zeros(self.shape, dtype: g[0].dtype, device: g[0].device).scatter(d, outIndices, g[0])]
            }
        }
        return (outValues, outIndices)
    }

    /// The `k` largest (or smallest) values along `dim` and their indices (`torch.topk`).
    public func topk(_ k: Int, dim: Int = -1, largest: Bool = true, sorted: Bool = true,
                     file: StaticString = #fileID, line: UInt = #line) -> (values: Tensor, indices: Tensor) {
        let d = normalizeDim(dim, rank: self.dim, op: "topk", file: file, line: line)
        check(k >= 0 && k <= (self.dim == 0 ? 1 : shape[d]), "topk", "selected index k out of range (k \(k), shape \(shapeText(shape)))",
              file: file, line: line)
        if self.dim == 0 {
            let r = reshape([1]).topk(k, dim: 0, largest: largest, sorted: sorted, file: file, line: line)
            return (r.values.reshape(k == 1 ? [] : [0]), r.indices.reshape(k == 1 ? [] : [0]))
        }
        let (allValues, allIndices) = noGrad { sort(dim: d, descending: largest) }
        let values = allValues.narrow(d, start: 0, length: k).contiguous()
        let indices = allIndices.narrow(d, start: 0, length: k).contiguous()
        if needsGrad(self) {
            record("TopkBackward0", inputs: [self], outputs: [values, indices]) { [self] g in
                [Tensor.zeros(self.shape, dtype: g[0].dtype, device: g[0].device).scatter(d, indices, g[0])]
            }
        }
        return (values, indices)
    }
}

/// `torch.where(condition, x, y)`.
public func `where`(_ condition: Tensor, _ x: Tensor, _ y: Tensor) -> Tensor { Tensor.where(condition, x, y) }

/// A tensor is a random-access collection of its first dimension, as PyTorch iterates it (`for row in w`,
/// `w.enumerated()`, `w.map { … }`): element `i` is the view `w[i]`, and a slice `w[a..<b]` is again a
/// tensor, indexed from 0 as PyTorch indexes `w[a:b]` (unlike `ArraySlice`, it does not keep its parent's
/// indices). A 0-d tensor has no first dimension to iterate.
extension Tensor: RandomAccessCollection {
    /// A position along the first dimension.
    public typealias Index = Int
    /// The positions along the first dimension.
    public typealias Indices = Range<Int>
    /// A slice along the first dimension is a tensor (a view).
    public typealias SubSequence = Tensor

    // The collection's element and slice accessors; `x[i]` and `x[a..<b]` in code pick the subscripts that
    // also take the caller's location.
    /// The view at `position` of the first dimension (`x[i]`).
    @_disfavoredOverload public subscript(_ position: Int) -> Tensor {
        get { getItem([.index(position)]) }
        set { setItem([.index(position)], newValue) }
    }
    /// The view of `bounds` along the first dimension (`x[a:b]`).
    @_disfavoredOverload public subscript(_ bounds: Range<Int>) -> Tensor {
        get { getItem([.range(bounds)]) }
        set { setItem([.range(bounds)], newValue) }
    }

    /// Iterates the first dimension, as iterating a tensor does in Python.
    public struct Iterator: IteratorProtocol {
        let tensor: Tensor
        var position = 0

        /// The next view along the first dimension.
        public mutating func next() -> Tensor? {
            guard position < tensor.shape[0] else { return nil }
            defer { position += 1 }
            return tensor[position]
        }
    }

    /// An iterator over the first dimension.
    public func makeIterator() -> Iterator { Iterator(tensor: self, position: startIndex) }

    /// The first index, 0.
    public var startIndex: Int { 0 }

    /// The length of the first dimension (`len(w)`).
    public var endIndex: Int {
        precondition(dim > 0, "len() of a 0-d tensor: iteration over a 0-d tensor")
        return shape[0]
    }
}
