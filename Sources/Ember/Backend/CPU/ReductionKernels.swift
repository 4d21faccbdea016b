// Reductions over the last axis of a contiguous [rows, K] block, and sums over a middle axis.
import CEmberKernels
import RealModule

/// Sums `count` terms in float64 over eight interleaved partial sums. Float32 reductions accumulate in
/// float64 as PyTorch's CPU kernels do where a float sum would drift (var/std, cumsum), and the lanes keep
/// each float64 partial sum an eighth as long (PyTorch's cascade sum serves the same end).
@inline(__always)
func accurateSum(_ count: Int, _ term: (Int) -> Double) -> Double {
    var lanes = SIMD8<Double>()
    var i = 0
    while i + 8 <= count {
        lanes += SIMD8(term(i), term(i + 1), term(i + 2), term(i + 3), term(i + 4), term(i + 5), term(i + 6), term(i + 7))
        i += 8
    }
    var total = lanes.sum()
    while i < count { total += term(i); i += 1 }
    return total
}

/// Sums a contiguous run: float32 through the vector kernel (float lanes per block, a float64 total),
/// float64 through `accurateSum`, integers exactly (wrapping).
@inline(__always)
func sumRun<T: ArithmeticScalar>(_ p: UnsafePointer<T>, _ n: Int) -> T {
    if T.self == Float.self {
        return T(fromDouble: ember_sum_f32(UnsafeRawPointer(p).assumingMemoryBound(to: Float.self), n))
    }
    if T.self == Double.self {
        let q = UnsafeRawPointer(p).assumingMemoryBound(to: Double.self)
        return T(fromDouble: accurateSum(n) { q[$0] })
    }
    var total = T.zero
    for i in 0..<n { total = T.add(total, p[i]) }
    return total
}

/// Reduces each row of a contiguous [rows, K] operand to one value of out ([rows], the same dtype).
func rowReduceKernel(_ op: RowReduction, _ x: KernelOperand, rows: Int, k: Int, _ out: KernelOperand) {
    if x.dtype.isFloatingPoint {
        x.dtype.visitFloat(FloatRowReduction(x: x, out: out, rows: rows, k: k, op: op))
    } else {
        x.dtype.visitArithmetic(ArithmeticRowReduction(x: x, out: out, rows: rows, k: k, op: op))
    }
}

/// Runs `reduce` on each row, in parallel over rows; one long row is summed in parallel pieces.
@inline(__always)
private func reduceRows<T: ArithmeticScalar>(_ x: KernelOperand, _ out: KernelOperand, rows: Int, k: Int, isSum: Bool,
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
private func basicRowReduce<T: ArithmeticScalar>(_: T.Type, _ x: KernelOperand, _ out: KernelOperand, rows: Int, k: Int, _ op: RowReduction) {
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
    let x: KernelOperand, out: KernelOperand, rows: Int, k: Int, op: RowReduction
    func visit<T: ArithmeticScalar>(_ type: T.Type) { basicRowReduce(type, x, out, rows: rows, k: k, op) }
}

private struct FloatRowReduction: FloatTypeVisitor {
    let x: KernelOperand, out: KernelOperand, rows: Int, k: Int, op: RowReduction
    func visit<T: FloatScalar>(_: T.Type) {
        let k = self.k
        switch op {
        case .logsumexp:
            reduceRows(x, out, rows: rows, k: k, isSum: false) { (p: UnsafePointer<T>) -> T in
                var m = -T.infinity
                for i in 0..<k where p[i] > m || p[i].isNaN { m = p[i] }
                if m.isNaN { return m }
                if m.isInfinite { m = 0 }
                return T.log(T(accurateSum(k) { Double(T.exp(p[$0] - m)) })) + m
            }
        case .sumAbs:
            reduceRows(x, out, rows: rows, k: k, isSum: false) { (p: UnsafePointer<T>) -> T in
                T(accurateSum(k) { Double(Swift.abs(p[$0])) })
            }
        case .norm(let order):
            reduceRows(x, out, rows: rows, k: k, isSum: false) { (p: UnsafePointer<T>) -> T in
                vectorNorm(p, k, order: order)
            }
        case .variance(let correction):
            reduceRows(x, out, rows: rows, k: k, isSum: false) { (p: UnsafePointer<T>) -> T in
                let mean = accurateSum(k) { Double(p[$0]) } / Double(k)
                let squares = accurateSum(k) { let d = Double(p[$0]) - mean; return d * d }
                return T(squares / Swift.max(Double(k) - correction, 0))
            }
        default: basicRowReduce(T.self, x, out, rows: rows, k: k, op)
        }
    }
}

/// The p-norm of a run (`torch.linalg.vector_norm`): p = 0 counts the nonzeros, ±inf take the largest and
/// smallest magnitude, other orders sum |x|^p in float64.
@inline(__always)
private func vectorNorm<T: FloatScalar>(_ p: UnsafePointer<T>, _ k: Int, order: Double) -> T {
    switch order {
    case 0: return T(accurateSum(k) { p[$0] != 0 ? 1 : 0 })
    case .infinity, -.infinity:
        guard k > 0 else { return order > 0 ? 0 : .infinity }
        var best = Swift.abs(p[0])
        for i in 0..<k {
            let a = Swift.abs(p[i])
            if a.isNaN { return a }
            if order > 0 ? a > best : a < best { best = a }
        }
        return best
    case 2: return T(accurateSum(k) { let v = Double(p[$0]); return v * v }.squareRoot())
    default:
        return T(Double.pow(accurateSum(k) { Double.pow(Double(Swift.abs(p[$0])), order) }, 1 / order))
    }
}

/// Sums a contiguous [outer, K, inner] operand over K into out ([outer · inner]); reads rows in order so
/// a reduction over leading dimensions (a bias gradient) streams memory once.
func middleSumKernel(_ x: KernelOperand, outer: Int, k: Int, inner: Int, _ out: KernelOperand) {
    struct Run: ArithmeticTypeVisitor {
        let x: KernelOperand, out: KernelOperand, outer: Int, k: Int, inner: Int
        func visit<T: ArithmeticScalar>(_: T.Type) {
            let p = x.pointer(as: T.self), o = out.pointer(as: T.self), k = self.k, inner = self.inner
            let tile = 256
            parallelFor(outer * inner, grain: Swift.max(1, pointwiseGrain / Swift.max(k, 1))) { range in
                // Each thread owns a range of output columns; walk K rows over a tile of them at a time,
                // summing in T's accumulator type (float64 for floats).
                withUnsafeTemporaryAllocation(of: T.Accumulator.self, capacity: tile) { sums in
                    var position = range.lowerBound
                    while position < range.upperBound {
                        let block = position / inner, column = position % inner
                        let width = Swift.min(inner - column, range.upperBound - position, tile)
                        if T.self == Float.self {
                            // The AVX2 loop: the same float64 sums in the same row order, four lanes at a time.
                            ember_column_sums_f32(UnsafeRawPointer(p + block * k * inner + column).assumingMemoryBound(to: Float.self),
                                                  k, inner, width,
                                                  UnsafeMutableRawPointer(sums.baseAddress!).assumingMemoryBound(to: Double.self))
                        } else {
                            for j in 0..<width { sums[j] = .zero }
                            for r in 0..<k {
                                let src = p + (block * k + r) * inner + column
                                for j in 0..<width { sums[j] = T.Accumulator.add(sums[j], src[j].accumulated) }
                            }
                        }
                        for j in 0..<width { o[position + j] = T(accumulated: sums[j]) }
                        position += width
                    }
                }
            }
        }
    }
    x.dtype.visitArithmetic(Run(x: x, out: out, outer: outer, k: k, inner: inner))
}

/// The max or min of each row of a contiguous [rows, K] tensor and the index of its first occurrence
/// (NaN counts as the extreme, as in PyTorch).
func rowArgExtremeKernel(_ x: KernelOperand, rows: Int, k: Int, isMax: Bool, values: KernelOperand, indices: KernelOperand) {
    struct Run: ArithmeticTypeVisitor {
        let x: KernelOperand, values: KernelOperand, indices: KernelOperand, rows: Int, k: Int, isMax: Bool
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
    x.dtype.visitArithmetic(Run(x: x, values: values, indices: indices, rows: rows, k: k, isMax: isMax))
}

/// The largest value of a row, for shifting exponentials (NaN is passed over: it spreads through exp anyway).
@inline(__always)
private func rowMaximum<T: FloatScalar>(_ p: UnsafePointer<T>, _ k: Int) -> T {
    var m = -T.infinity
    for i in 0..<k where p[i] > m { m = p[i] }
    return m
}

/// dst = softmax(src) over one contiguous row of k values (a float64 total); `dst` may be `src`.
func softmaxRow<T: FloatScalar>(_ src: UnsafePointer<T>, _ dst: UnsafeMutablePointer<T>, _ k: Int) {
    let m = rowMaximum(src, k)
    let total = accurateSum(k) { i in let e = T.exp(src[i] - m); dst[i] = e; return Double(e) }
    let inverse = 1 / T(total)
    for i in 0..<k { dst[i] *= inverse }
}

/// out = op(row) for each row of a contiguous [rows, K] operand (float, or int64 for cumulative sums and products).
func rowTransformKernel(_ op: RowTransform, _ x: KernelOperand, rows: Int, k: Int, _ out: KernelOperand) {
    struct Floating: FloatTypeVisitor {
        let x: KernelOperand, out: KernelOperand, rows: Int, k: Int, op: RowTransform
        func visit<T: FloatScalar>(_: T.Type) {
            let p = x.pointer(as: T.self), o = out.pointer(as: T.self), k = self.k, op = self.op
            parallelFor(rows, grain: Swift.max(1, pointwiseGrain / Swift.max(k, 1))) { range in
                for r in range {
                    let src = p + r * k, dst = o + r * k
                    switch op {
                    case .softmax:
                        softmaxRow(src, dst, k)
                    case .logSoftmax:
                        let m = rowMaximum(src, k)
                        let logTotal = T.log(T(accurateSum(k) { Double(T.exp(src[$0] - m)) }))
                        for i in 0..<k { dst[i] = src[i] - m - logTotal }
                    case .cumsum:
                        // PyTorch's cumsum carries a float64 running sum for float32.
                        var s = 0.0
                        for i in 0..<k { s += Double(src[i]); dst[i] = T(s) }
                    case .cumprod:
                        var product = 1.0
                        for i in 0..<k { product *= Double(src[i]); dst[i] = T(product) }
                    case .logcumsumexp:
                        // A running log-sum-exp; equal infinities stay that infinity.
                        var total = -Double.infinity
                        for i in 0..<k {
                            let x = Double(src[i])
                            if !(total.isInfinite && total == x) {
                                let m = Swift.max(total, x)
                                total = m.isNaN ? .nan : m + Double.log(onePlus: Double.exp(-Swift.abs(total - x)))
                            }
                            dst[i] = T(total)
                        }
                    }
                }
            }
        }
    }
    if x.dtype.isFloatingPoint {
        x.dtype.visitFloat(Floating(x: x, out: out, rows: rows, k: k, op: op))
    } else {
        precondition((op == .cumsum || op == .cumprod) && x.dtype == .int64, "rowTransformKernel: \(op) on \(x.dtype)")
        let p = x.pointer(as: Int64.self), o = out.pointer(as: Int64.self)
        for r in 0..<rows {
            var s: Int64 = op == .cumsum ? 0 : 1
            for i in 0..<k {
                s = op == .cumsum ? s &+ p[r * k + i] : s &* p[r * k + i]
                o[r * k + i] = s
            }
        }
    }
}
