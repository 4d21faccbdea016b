// Generic pointwise loops: contiguous fast paths, a strided general path, threads for large tensors.
//
// The element function is a value of a small struct type (an "operation"), not a closure: a closure
// captured by the per-thread block is called indirectly per element, while an operation's type is a
// generic parameter, so each loop is specialised and the function inlined.

/// A function of one element.
protocol UnaryOperation {
    associatedtype Input
    associatedtype Output
    func callAsFunction(_ x: Input) -> Output
}

/// A function of two elements.
protocol BinaryOperation {
    associatedtype First
    associatedtype Second
    associatedtype Output
    func callAsFunction(_ a: First, _ b: Second) -> Output
}

/// out[i] = op(a[i]) over a strided input; `out` is contiguous with `shape`.
func mapKernel<Op: UnaryOperation>(_ a: UnsafePointer<Op.Input>, _ aStrides: [Int], _ out: UnsafeMutablePointer<Op.Output>,
                                   shape: [Int], _ op: Op) {
    let count = Layout.count(shape)
    if Layout.isRowMajor(shape: shape, strides: aStrides) {
        parallelFor(count, grain: pointwiseGrain) { range in
            for i in range { out[i] = op(a[i]) }
        }
        return
    }
    let loop = StridedLoop(shape: shape, strides: [Layout.rowMajorStrides(shape), aStrides])
    parallelFor(loop.count, grain: pointwiseGrain) { range in
        let sa = loop.innerStride(1), so = loop.innerStride(0)
        loop.forEachRun(in: range) { offsets, n in
            let o = out + offsets[0], pa = a + offsets[1]
            for i in 0..<n { o[i * so] = op(pa[i * sa]) }
        }
    }
}

/// out[i] = op(a[i], b[i]) over broadcast strided inputs; `out` is contiguous with `shape`.
func zipKernel<Op: BinaryOperation>(_ a: UnsafePointer<Op.First>, _ aStrides: [Int], _ b: UnsafePointer<Op.Second>,
                                    _ bStrides: [Int], _ out: UnsafeMutablePointer<Op.Output>, shape: [Int], _ op: Op) {
    let count = Layout.count(shape)
    if Layout.isRowMajor(shape: shape, strides: aStrides) && Layout.isRowMajor(shape: shape, strides: bStrides) {
        parallelFor(count, grain: pointwiseGrain) { range in
            for i in range { out[i] = op(a[i], b[i]) }
        }
        return
    }
    let loop = StridedLoop(shape: shape, strides: [Layout.rowMajorStrides(shape), aStrides, bStrides])
    parallelFor(loop.count, grain: pointwiseGrain) { range in
        let so = loop.innerStride(0), sa = loop.innerStride(1), sb = loop.innerStride(2)
        loop.forEachRun(in: range) { offsets, n in
            let o = out + offsets[0], pa = a + offsets[1], pb = b + offsets[2]
            if so == 1 && sa == 1 && sb == 0 {
                let y = pb[0]
                for i in 0..<n { o[i] = op(pa[i], y) }
            } else if so == 1 && sa == 0 && sb == 1 {
                let x = pa[0]
                for i in 0..<n { o[i] = op(x, pb[i]) }
            } else if so == 1 && sa == 1 && sb == 1 {
                for i in 0..<n { o[i] = op(pa[i], pb[i]) }
            } else {
                for i in 0..<n { o[i * so] = op(pa[i * sa], pb[i * sb]) }
            }
        }
    }
}

/// out[i] = condition[i] ? a[i] : b[i] over broadcast strided inputs; `out` is contiguous with `shape`.
func selectKernel<T>(_ condition: UnsafePointer<Bool>, _ cStrides: [Int], _ a: UnsafePointer<T>, _ aStrides: [Int],
                     _ b: UnsafePointer<T>, _ bStrides: [Int], _ out: UnsafeMutablePointer<T>, shape: [Int]) {
    let loop = StridedLoop(shape: shape, strides: [Layout.rowMajorStrides(shape), cStrides, aStrides, bStrides])
    parallelFor(loop.count, grain: pointwiseGrain) { range in
        let so = loop.innerStride(0), sc = loop.innerStride(1), sa = loop.innerStride(2), sb = loop.innerStride(3)
        loop.forEachRun(in: range) { offsets, n in
            let o = out + offsets[0], pc = condition + offsets[1], pa = a + offsets[2], pb = b + offsets[3]
            for i in 0..<n { o[i * so] = pc[i * sc] ? pa[i * sa] : pb[i * sb] }
        }
    }
}

/// Converts one element type to another as a C cast does (bool(x) is x != 0).
struct Convert<S: TensorScalar, D: TensorScalar>: UnaryOperation {
    @inline(__always) func callAsFunction(_ x: S) -> D {
        if D.dtype == .bool { return D(fromInt64: x.doubleValue == 0 ? 0 : 1) }
        if S.dtype.isFloatingPoint { return D(fromDouble: x.doubleValue) }   // to an integer: each type casts as C does
        return D(fromInt64: x.int64Value)
    }
}

/// Copies a strided source into a strided destination of the same shape, converting the element type.
func copyCastKernel<S: TensorScalar, D: TensorScalar>(_ src: UnsafeMutablePointer<S>, _ source: Layout,
                                                       _ dst: UnsafeMutablePointer<D>, _ destination: Layout) {
    let shape = destination.shape, count = destination.count
    let srcStrides = source.strides, dstStrides = destination.strides
    if S.self == D.self && source.isContiguous && destination.isContiguous {
        let bytes = UnsafeMutableRawPointer(dst), source = UnsafeRawPointer(src)
        parallelFor(count, grain: pointwiseGrain * 4) { range in
            (bytes + range.lowerBound * MemoryLayout<S>.stride)
                .copyMemory(from: source + range.lowerBound * MemoryLayout<S>.stride, byteCount: range.count * MemoryLayout<S>.stride)
        }
        return
    }
    let loop = StridedLoop(shape: shape, strides: [dstStrides, srcStrides])
    let convert = Convert<S, D>()
    parallelFor(loop.count, grain: pointwiseGrain * 4) { range in
        let sd = loop.innerStride(0), ss = loop.innerStride(1)
        loop.forEachRun(in: range) { offsets, n in
            let d = dst + offsets[0], s = src + offsets[1]
            if sd == 1 && ss == 1 {
                for i in 0..<n { d[i] = convert(s[i]) }
            } else {
                for i in 0..<n { d[i * sd] = convert(s[i * ss]) }
            }
        }
    }
}

/// Sets every element of `destination` (any layout) to `value` converted as a cast from a number does.
func fillKernel(_ destination: KernelOperand, _ value: Double) {
    struct Fill: ScalarTypeVisitor {
        let destination: KernelOperand, value: Double
        func visit<T: TensorScalar>(_ type: T.Type) {
            let v = T.dtype.isFloatingPoint ? T(fromDouble: value)
                : (T.dtype == .bool ? T(fromDouble: value == 0 ? 0 : 1) : T(fromInt64: saturatingInt64(value)))
            let p = destination.pointer(as: T.self)
            if destination.isContiguous {
                parallelFor(destination.numel, grain: pointwiseGrain * 4) { range in
                    (p + range.lowerBound).update(repeating: v, count: range.count)
                }
            } else {
                let loop = StridedLoop(shape: destination.shape, strides: [destination.strides])
                loop.forEachRun(in: 0..<loop.count) { offsets, n in
                    let s = loop.innerStride(0)
                    for i in 0..<n { p[offsets[0] + i * s] = v }
                }
            }
        }
    }
    destination.dtype.visit(Fill(destination: destination, value: value))
}
