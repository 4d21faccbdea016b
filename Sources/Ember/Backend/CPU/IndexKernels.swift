// Index kernels: gather/scatter along a dimension, and copies at precomputed element offsets.

/// Visits every position of `shape` in row-major order with the element offsets of several operands.
@inline(__always)
func forEachOffset(_ shape: [Int], _ strides: [[Int]], _ body: (UnsafeBufferPointer<Int>) -> Void) {
    let loop = StridedLoop(shape: shape, strides: strides)
    guard loop.count > 0 else { return }
    let inner = strides.map { _ in 0 }
    var offsets = inner
    let innerStrides = (0..<strides.count).map { loop.innerStride($0) }
    loop.forEachRun(in: 0..<loop.count) { start, n in
        for i in 0..<n {
            for k in 0..<offsets.count { offsets[k] = start[k] + i * innerStrides[k] }
            offsets.withUnsafeBufferPointer(body)
        }
    }
}

/// out[p] = input[p with dim replaced by index[p]] (`torch.gather`); out has index's shape and input's dtype.
/// Gives the first index outside the dimension, if any (nothing is read for it).
struct GatherKernel: ScalarTypeVisitor {
    let input: KernelOperand, index: KernelOperand, dim: Int, out: KernelOperand
    func visit<T: TensorScalar>(_ type: T.Type) -> Int64? {
        let src = input.pointer(as: T.self), dst = out.pointer(as: T.self), ix = index.pointer(as: Int64.self)
        var inputStrides = input.strides
        inputStrides[dim] = 0
        let dimStride = input.strides[dim], size = Int64(input.shape[dim])
        var outside: Int64? = nil
        forEachOffset(index.shape, [out.strides, inputStrides, index.strides]) { o in
            let i = ix[o[2]]
            guard i >= 0 && i < size else { outside = outside ?? i; return }
            dst[o[0]] = src[o[1] + Int(i) * dimStride]
        }
        return outside
    }
}

/// target[p with dim replaced by index[p]] (+)= source[p] for p over index's shape (`scatter_`, `scatter_add_`).
/// Gives the first index outside the dimension, if any (nothing is written for it).
struct ScatterKernel: ScalarTypeVisitor {
    let target: KernelOperand, index: KernelOperand, source: KernelOperand, dim: Int, accumulate: Bool
    func visit<T: TensorScalar>(_ type: T.Type) -> Int64? {
        let dst = target.pointer(as: T.self), src = source.pointer(as: T.self), ix = index.pointer(as: Int64.self)
        var targetStrides = target.strides
        targetStrides[dim] = 0
        let dimStride = target.strides[dim], size = Int64(target.shape[dim])
        let accumulate = self.accumulate
        var outside: Int64? = nil
        forEachOffset(index.shape, [targetStrides, source.strides, index.strides]) { o in
            let i = ix[o[2]]
            guard i >= 0 && i < size else { outside = outside ?? i; return }
            let at = o[0] + Int(i) * dimStride
            dst[at] = accumulate ? T(fromDouble: dst[at].doubleValue + src[o[1]].doubleValue) : src[o[1]]
        }
        return outside
    }
}

/// For each base offset b: out[b, r] = source[base[b] + r] over a strided inner block (advanced indexing).
struct TakeKernel: ScalarTypeVisitor {
    let source: KernelOperand, bases: [Int], block: Layout, out: KernelOperand
    func visit<T: TensorScalar>(_ type: T.Type) {
        let src = source.pointer(as: T.self), dst = out.pointer(as: T.self)
        let innerCount = block.count
        if block.shape.allSatisfy({ $0 == 1 }) {
            // One element per base (an index on the last dimensions): a plain gather.
            for (b, base) in bases.enumerated() { dst[b] = src[base] }
            return
        }
        let contiguousInner = Layout.rowMajorStrides(block.shape)
        for (b, base) in bases.enumerated() {
            let row = dst + b * innerCount
            forEachOffset(block.shape, [contiguousInner, block.strides]) { o in row[o[0]] = src[base + o[1]] }
        }
    }
}

/// For each base offset b: target[base[b] + r] (+)= values[b, r] (index_put).
struct PutKernel: ScalarTypeVisitor {
    let target: KernelOperand, bases: [Int], block: Layout, values: KernelOperand, accumulate: Bool
    func visit<T: TensorScalar>(_ type: T.Type) {
        let dst = target.pointer(as: T.self), src = values.pointer(as: T.self)
        let innerCount = block.count
        let contiguousInner = Layout.rowMajorStrides(block.shape)
        let accumulate = self.accumulate
        if block.shape.allSatisfy({ $0 == 1 }) {
            for (b, base) in bases.enumerated() { dst[base] = accumulate ? T(fromDouble: dst[base].doubleValue + src[b].doubleValue) : src[b] }
            return
        }
        for (b, base) in bases.enumerated() {
            let row = src + b * innerCount
            forEachOffset(block.shape, [contiguousInner, block.strides]) { o in
                let at = base + o[1]
                dst[at] = accumulate ? T(fromDouble: dst[at].doubleValue + row[o[0]].doubleValue) : row[o[0]]
            }
        }
    }
}

/// Sorts each row of a contiguous [rows, K] tensor (stable), giving values and int64 indices; NaN sorts last
/// ascending and first descending, as in PyTorch.
struct SortKernel: ScalarTypeVisitor {
    let input: KernelOperand, rows: Int, k: Int, descending: Bool, values: KernelOperand, indices: KernelOperand
    func visit<T: TensorScalar>(_ type: T.Type) {
        let src = input.pointer(as: T.self), dst = values.pointer(as: T.self), ix = indices.pointer(as: Int64.self)
        var order = [Int](repeating: 0, count: k)
        for r in 0..<rows {
            let row = src + r * k
            for i in 0..<k { order[i] = i }
            let descending = self.descending
            order.sort { a, b in
                let x = row[a].doubleValue, y = row[b].doubleValue
                if x.isNaN || y.isNaN {
                    if x.isNaN && y.isNaN { return a < b }
                    return descending ? x.isNaN : y.isNaN
                }
                if x != y { return descending ? x > y : x < y }
                return a < b
            }
            for i in 0..<k {
                dst[r * k + i] = row[order[i]]
                ix[r * k + i] = Int64(order[i])
            }
        }
    }
}
