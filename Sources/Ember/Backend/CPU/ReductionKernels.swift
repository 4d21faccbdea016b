// Reductions over the last axis of a contiguous [rows, K] block, and sums over a middle axis.
import CEmberKernels
import RealModule

/// Reductions from K values to one.
enum RowReduction {
    case sum, prod, max, min, logsumexp, sumAbs, norm(Double), variance(correction: Double)
}

/// Sums a contiguous run; float32 sums use vector lanes per block and a double-precision total, so long
/// sums stay accurate (PyTorch uses a cascade sum for the same reason).
@inline(__always)
func sumRun<T: ArithmeticScalar>(_ p: UnsafePointer<T>, _ n: Int) -> T {
    if T.self == Float.self {
        return T(fromDouble: ember_sum_f32(UnsafeRawPointer(p).assumingMemoryBound(to: Float.self), n))
    }
    var total = T.zero
    for i in 0..<n { total = T.add(total, p[i]) }
    return total
}

/// Reduces each row of a contiguous [rows, K] tensor to one value (a new [rows] tensor of the same dtype).
func rowReduceKernel(_ x: Tensor, rows: Int, k: Int, _ op: RowReduction) -> Tensor {
    let out = Tensor(uninitializedShape: [rows], dtype: x.dtype)
    if x.dtype.isFloatingPoint {
        x.dtype.visitFloat(FloatRowReduction(x: x, out: out, rows: rows, k: k, op: op))
    } else {
        x.dtype.visitArithmetic(ArithmeticRowReduction(x: x, out: out, rows: rows, k: k, op: op))
    }
    return out
}

/// Runs `reduce` on each row, in parallel over rows; one long row is summed in parallel pieces.
@inline(__always)
private func reduceRows<T: ArithmeticScalar>(_ x: Tensor, _ out: Tensor, rows: Int, k: Int, isSum: Bool,
                                             _ reduce: (UnsafePointer<T>) -> T) {
    let p = UnsafePointer(x.pointer(as: T.self)), o = out.pointer(as: T.self)
    if rows == 1 && isSum && k >= 2 * pointwiseGrain {
        let threads = Swift.min(cpuThreadCount, k / pointwiseGrain)
        let chunk = (k + threads - 1) / threads
        var partials = [Double](repeating: 0, count: threads)
        partials.withUnsafeMutableBufferPointer { buffer in
            let b = buffer.baseAddress!
            parallelFor(threads, grain: 1) { range in
                for t in range {
                    let start = t * chunk, end = Swift.min(k, start + chunk)
                    b[t] = sumRun(p + start, end - start).doubleValue
                }
            }
        }
        o[0] = T(fromDouble: partials.reduce(0, +))
        return
    }
    parallelFor(rows, grain: Swift.max(1, pointwiseGrain / Swift.max(k, 1))) { range in
        for r in range { o[r] = reduce(p + r * k) }
    }
}

/// Sum, product, max and min: the reductions every arithmetic dtype has.
private func basicRowReduce<T: ArithmeticScalar>(_: T.Type, _ x: Tensor, _ out: Tensor, rows: Int, k: Int, _ op: RowReduction) {
    switch op {
    case .sum: reduceRows(x, out, rows: rows, k: k, isSum: true) { (p: UnsafePointer<T>) in sumRun(p, k) }
    case .prod:
        reduceRows(x, out, rows: rows, k: k, isSum: false) { (p: UnsafePointer<T>) -> T in
            var acc = T.one
            for i in 0..<k { acc = T.multiply(acc, p[i]) }
            return acc
        }
    case .max, .min:
        let isMax: Bool = { if case .max = op { return true }; return false }()
        reduceRows(x, out, rows: rows, k: k, isSum: false) { (p: UnsafePointer<T>) -> T in
            var best = p[0]
            for i in 0..<k {
                if p[i].isNaNValue { return p[i] }
                if isMax ? p[i] > best : p[i] < best { best = p[i] }
            }
            return best
        }
    default: preconditionFailure("rowReduceKernel: \(op) needs a floating-point dtype")
    }
}

private struct ArithmeticRowReduction: ArithmeticTypeVisitor {
    let x: Tensor, out: Tensor, rows: Int, k: Int, op: RowReduction
    func visit<T: ArithmeticScalar>(_ type: T.Type) { basicRowReduce(type, x, out, rows: rows, k: k, op) }
}

private struct FloatRowReduction: FloatTypeVisitor {
    let x: Tensor, out: Tensor, rows: Int, k: Int, op: RowReduction
    func visit<T: FloatScalar>(_: T.Type) {
        let k = self.k
        switch op {
        case .logsumexp:
            reduceRows(x, out, rows: rows, k: k, isSum: false) { (p: UnsafePointer<T>) -> T in
                var m = -T.infinity
                for i in 0..<k where p[i] > m || p[i].isNaN { m = p[i] }
                if m.isNaN { return m }
                if m.isInfinite { m = 0 }
                var s = T.zero
                for i in 0..<k { s += T.exp(p[i] - m) }
                return T.log(s) + m
            }
        case .sumAbs:
            reduceRows(x, out, rows: rows, k: k, isSum: false) { (p: UnsafePointer<T>) -> T in
                var s = T.zero
                for i in 0..<k { s += Swift.abs(p[i]) }
                return s
            }
        case .norm(let order):
            let e = T(order)
            reduceRows(x, out, rows: rows, k: k, isSum: false) { (p: UnsafePointer<T>) -> T in
                var s = T.zero
                if order == 2 { for i in 0..<k { s += p[i] * p[i] }; return s.squareRoot() }
                if order == .infinity { for i in 0..<k { s = Swift.max(s, Swift.abs(p[i])) }; return s }
                for i in 0..<k { s += T.pow(Swift.abs(p[i]), e) }
                return T.pow(s, 1 / e)
            }
        case .variance(let correction):
            let c = T(correction)
            reduceRows(x, out, rows: rows, k: k, isSum: false) { (p: UnsafePointer<T>) -> T in
                var mean = T.zero
                for i in 0..<k { mean += p[i] }
                mean /= T(k)
                var s = T.zero
                for i in 0..<k { let d = p[i] - mean; s += d * d }
                return s / Swift.max(T(k) - c, 0)
            }
        default: basicRowReduce(T.self, x, out, rows: rows, k: k, op)
        }
    }
}

/// Sums a contiguous [outer, K, inner] tensor over K, giving [outer, inner]; reads rows in order so
/// a reduction over leading dimensions (a bias gradient) streams memory once.
func middleSumKernel(_ x: Tensor, outer: Int, k: Int, inner: Int) -> Tensor {
    struct Run: ArithmeticTypeVisitor {
        let x: Tensor, out: Tensor, outer: Int, k: Int, inner: Int
        func visit<T: ArithmeticScalar>(_: T.Type) {
            let p = x.pointer(as: T.self), o = out.pointer(as: T.self), k = self.k, inner = self.inner
            parallelFor(outer * inner, grain: Swift.max(1, pointwiseGrain / Swift.max(k, 1))) { range in
                // Each thread owns a range of output columns; walk K rows over that range.
                var position = range.lowerBound
                while position < range.upperBound {
                    let block = position / inner, column = position % inner
                    let width = Swift.min(inner - column, range.upperBound - position)
                    let dst = o + position
                    for r in 0..<k {
                        let src = p + (block * k + r) * inner + column
                        for j in 0..<width { dst[j] = T.add(dst[j], src[j]) }
                    }
                    position += width
                }
            }
        }
    }
    let out = Tensor.zeros([outer * inner], dtype: x.dtype)
    x.dtype.visitArithmetic(Run(x: x, out: out, outer: outer, k: k, inner: inner))
    return out
}

/// The max or min of each row of a contiguous [rows, K] tensor and the index of its first occurrence
/// (NaN counts as the extreme, as in PyTorch).
func rowArgExtremeKernel(_ x: Tensor, rows: Int, k: Int, isMax: Bool) -> (values: Tensor, indices: Tensor) {
    struct Run: ArithmeticTypeVisitor {
        let x: Tensor, values: Tensor, indices: Tensor, rows: Int, k: Int, isMax: Bool
        func visit<T: ArithmeticScalar>(_: T.Type) {
            let p = x.pointer(as: T.self), v = values.pointer(as: T.self), ix = indices.pointer(as: Int64.self)
            let k = self.k, isMax = self.isMax
            parallelFor(rows, grain: Swift.max(1, pointwiseGrain / Swift.max(k, 1))) { range in
                for r in range {
                    let row = p + r * k
                    var best = row[0], at = 0
                    for i in 0..<k {
                        let value = row[i]
                        if value.isNaNValue { best = value; at = i; break }
                        if isMax ? value > best : value < best { best = value; at = i }
                    }
                    v[r] = best
                    ix[r] = Int64(at)
                }
            }
        }
    }
    let values = Tensor(uninitializedShape: [rows], dtype: x.dtype)
    let indices = Tensor(uninitializedShape: [rows], dtype: .int64)
    x.dtype.visitArithmetic(Run(x: x, values: values, indices: indices, rows: rows, k: k, isMax: isMax))
    return (values, indices)
}

/// Row-wise transforms of a contiguous [rows, K] float tensor: softmax, log-softmax, cumulative sum.
enum RowTransform { case softmax, logSoftmax, cumsum }

func rowTransformKernel(_ x: Tensor, rows: Int, k: Int, _ op: RowTransform) -> Tensor {
    struct Floating: FloatTypeVisitor {
        let x: Tensor, out: Tensor, rows: Int, k: Int, op: RowTransform
        func visit<T: FloatScalar>(_: T.Type) {
            let p = x.pointer(as: T.self), o = out.pointer(as: T.self), k = self.k, op = self.op
            parallelFor(rows, grain: Swift.max(1, pointwiseGrain / Swift.max(k, 1))) { range in
                for r in range {
                    let src = p + r * k, dst = o + r * k
                    switch op {
                    case .softmax, .logSoftmax:
                        var m = -T.infinity
                        for i in 0..<k where src[i] > m { m = src[i] }
                        var s = T.zero
                        for i in 0..<k { let e = T.exp(src[i] - m); if op == .softmax { dst[i] = e }; s += e }
                        if op == .softmax {
                            let inv = 1 / s
                            for i in 0..<k { dst[i] *= inv }
                        } else {
                            let logSum = T.log(s) + m
                            for i in 0..<k { dst[i] = src[i] - logSum }
                        }
                    case .cumsum:
                        var s = T.zero
                        for i in 0..<k { s += src[i]; dst[i] = s }
                    }
                }
            }
        }
    }
    let out = Tensor(uninitializedShape: x.shape, dtype: x.dtype)
    if x.dtype.isFloatingPoint {
        x.dtype.visitFloat(Floating(x: x, out: out, rows: rows, k: k, op: op))
    } else {
        precondition(op == .cumsum && x.dtype == .int64, "rowTransformKernel: \(op) on \(x.dtype)")
        let p = x.pointer(as: Int64.self), o = out.pointer(as: Int64.self)
        for r in 0..<rows {
            var s: Int64 = 0
            for i in 0..<k { s &+= p[r * k + i]; o[r * k + i] = s }
        }
    }
    return out
}
