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
    if let f = p as? UnsafePointer<Float> { return T(fromDouble: sumFloats(f, n)) }
    var total = T.zero
    for i in 0..<n { total = T.add(total, p[i]) }
    return total
}

@inline(__always)
func sumFloats(_ p: UnsafePointer<Float>, _ n: Int) -> Double { ember_sum_f32(p, n) }

/// Reduces each row of a contiguous [rows, K] tensor to one value (a new [rows] tensor of the same dtype).
func rowReduceKernel(_ x: Tensor, rows: Int, k: Int, _ op: RowReduction) -> Tensor {
    let out = Tensor(uninitializedShape: [rows], dtype: x.dtype)
    func reduce<T: ArithmeticScalar>(_: T.Type, _ f: @escaping (UnsafePointer<T>) -> T) {
        let p = x.pointer(as: T.self), o = out.pointer(as: T.self)
        if rows == 1 && k >= 2 * pointwiseGrain, case .sum = op {
            // One long row: split the row across threads.
            let threads = min(cpuThreadCount, k / pointwiseGrain)
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
        parallelFor(rows, grain: max(1, pointwiseGrain / max(k, 1))) { range in
            for r in range { o[r] = f(p + r * k) }
        }
    }
    func arithmetic<T: ArithmeticScalar>(_ t: T.Type) {
        switch op {
        case .sum: reduce(t) { sumRun($0, k) }
        case .prod: reduce(t) { p in var acc = T.one; for i in 0..<k { acc = T.multiply(acc, p[i]) }; return acc }
        case .max:
            reduce(t) { p in
                var best = p[0]
                for i in 0..<k { if p[i].isNaNValue { return p[i] }; if p[i] > best { best = p[i] } }
                return best
            }
        case .min:
            reduce(t) { p in
                var best = p[0]
                for i in 0..<k { if p[i].isNaNValue { return p[i] }; if p[i] < best { best = p[i] } }
                return best
            }
        default: preconditionFailure("rowReduceKernel: \(op) needs a float dtype")
        }
    }
    func floating<T: FloatScalar>(_ t: T.Type) {
        switch op {
        case .logsumexp:
            reduce(t) { p in
                var m = -T.infinity
                for i in 0..<k where p[i] > m || p[i].isNaN { m = p[i] }
                if m.isNaN { return m }
                if m.isInfinite { m = 0 }
                var s = T.zero
                for i in 0..<k { s += T.exp(p[i] - m) }
                return T.log(s) + m
            }
        case .sumAbs: reduce(t) { p in var s = T.zero; for i in 0..<k { s += Swift.abs(p[i]) }; return s }
        case .norm(let order):
            let e = T(order)
            reduce(t) { p in
                if order == 2 { var s = T.zero; for i in 0..<k { s += p[i] * p[i] }; return s.squareRoot() }
                if order == .infinity { var s = T.zero; for i in 0..<k { s = Swift.max(s, Swift.abs(p[i])) }; return s }
                var s = T.zero
                for i in 0..<k { s += T.pow(Swift.abs(p[i]), e) }
                return T.pow(s, 1 / e)
            }
        case .variance(let correction):
            let c = T(correction)
            reduce(t) { p in
                var mean = T.zero
                for i in 0..<k { mean += p[i] }
                mean /= T(k)
                var s = T.zero
                for i in 0..<k { let d = p[i] - mean; s += d * d }
                return s / Swift.max(T(k) - c, 0)
            }
        default: arithmetic(t)
        }
    }
    switch x.dtype {
    case .float32: floating(Float.self)
    case .float64: floating(Double.self)
    case .int64: arithmetic(Int64.self)
    case .int32: arithmetic(Int32.self)
    case .int8: arithmetic(Int8.self)
    case .uint8: arithmetic(UInt8.self)
    default: preconditionFailure("rowReduceKernel: \(x.dtype)")
    }
    return out
}

/// Sums a contiguous [outer, K, inner] tensor over K, giving [outer, inner]; reads rows in order so
/// a reduction over leading dimensions (a bias gradient) streams memory once.
func middleSumKernel(_ x: Tensor, outer: Int, k: Int, inner: Int) -> Tensor {
    let out = Tensor.zeros([outer * inner], dtype: x.dtype)
    func run<T: ArithmeticScalar>(_: T.Type) {
        let p = x.pointer(as: T.self), o = out.pointer(as: T.self)
        parallelFor(outer * inner, grain: max(1, pointwiseGrain / max(k, 1))) { range in
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
    switch x.dtype {
    case .float32: run(Float.self)
    case .float64: run(Double.self)
    case .int64: run(Int64.self)
    case .int32: run(Int32.self)
    case .int8: run(Int8.self)
    case .uint8: run(UInt8.self)
    default: preconditionFailure("middleSumKernel: \(x.dtype)")
    }
    return out
}

/// The max or min of each row of a contiguous [rows, K] tensor and the index of its first occurrence
/// (NaN counts as the extreme, as in PyTorch).
func rowArgExtremeKernel(_ x: Tensor, rows: Int, k: Int, isMax: Bool) -> (values: Tensor, indices: Tensor) {
    let values = Tensor(uninitializedShape: [rows], dtype: x.dtype)
    let indices = Tensor(uninitializedShape: [rows], dtype: .int64)
    func run<T: ArithmeticScalar>(_: T.Type) {
        let p = x.pointer(as: T.self), v = values.pointer(as: T.self), ix = indices.pointer(as: Int64.self)
        parallelFor(rows, grain: max(1, pointwiseGrain / max(k, 1))) { range in
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
    switch x.dtype {
    case .float32: run(Float.self)
    case .float64: run(Double.self)
    case .int64: run(Int64.self)
    case .int32: run(Int32.self)
    case .int8: run(Int8.self)
    case .uint8: run(UInt8.self)
    default: preconditionFailure("rowArgExtremeKernel: \(x.dtype)")
    }
    return (values, indices)
}

/// Row-wise transforms of a contiguous [rows, K] float tensor: softmax, log-softmax, cumulative sum.
enum RowTransform { case softmax, logSoftmax, cumsum }

func rowTransformKernel(_ x: Tensor, rows: Int, k: Int, _ op: RowTransform) -> Tensor {
    let out = Tensor(uninitializedShape: x.shape, dtype: x.dtype)
    func floating<T: FloatScalar>(_: T.Type) {
        let p = x.pointer(as: T.self), o = out.pointer(as: T.self)
        parallelFor(rows, grain: max(1, pointwiseGrain / max(k, 1))) { range in
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
    func integral<T: ArithmeticScalar>(_: T.Type) {
        let p = x.pointer(as: T.self), o = out.pointer(as: T.self)
        for r in 0..<rows {
            var s = T.zero
            for i in 0..<k { s = T.add(s, p[r * k + i]); o[r * k + i] = s }
        }
    }
    switch x.dtype {
    case .float32: floating(Float.self)
    case .float64: floating(Double.self)
    case .int64: integral(Int64.self)
    default: preconditionFailure("rowTransformKernel: \(x.dtype)")
    }
    return out
}
