// Generic pointwise loops: contiguous fast paths, a strided general path, threads for large tensors.

/// out[i] = f(a[i]) over a strided input; `out` is contiguous with `shape`.
@inline(__always)
func mapKernel<A, R>(_ a: UnsafePointer<A>, _ aStrides: [Int], _ out: UnsafeMutablePointer<R>, shape: [Int],
                     _ f: (A) -> R) {
    let loop = StridedLoop(shape: shape, strides: [contiguousStrides(shape), aStrides])
    if loop.isFlatContiguous {
        parallelFor(loop.count, grain: pointwiseGrain) { range in
            for i in range { out[i] = f(a[i]) }
        }
        return
    }
    parallelFor(loop.count, grain: pointwiseGrain) { range in
        let sa = loop.innerStride(1), so = loop.innerStride(0)
        loop.forEachRun(in: range) { offsets, n in
            let o = out + offsets[0], pa = a + offsets[1]
            if so == 1 && sa == 1 {
                for i in 0..<n { o[i] = f(pa[i]) }
            } else {
                for i in 0..<n { o[i * so] = f(pa[i * sa]) }
            }
        }
    }
}

/// out[i] = f(a[i], b[i]) over broadcast strided inputs; `out` is contiguous with `shape`.
@inline(__always)
func zipKernel<A, B, R>(_ a: UnsafePointer<A>, _ aStrides: [Int], _ b: UnsafePointer<B>, _ bStrides: [Int],
                        _ out: UnsafeMutablePointer<R>, shape: [Int], _ f: (A, B) -> R) {
    let loop = StridedLoop(shape: shape, strides: [contiguousStrides(shape), aStrides, bStrides])
    if loop.isFlatContiguous {
        parallelFor(loop.count, grain: pointwiseGrain) { range in
            for i in range { out[i] = f(a[i], b[i]) }
        }
        return
    }
    parallelFor(loop.count, grain: pointwiseGrain) { range in
        let so = loop.innerStride(0), sa = loop.innerStride(1), sb = loop.innerStride(2)
        loop.forEachRun(in: range) { offsets, n in
            let o = out + offsets[0], pa = a + offsets[1], pb = b + offsets[2]
            if so == 1 && sa == 1 && sb == 0 {
                let y = pb[0]
                for i in 0..<n { o[i] = f(pa[i], y) }
            } else if so == 1 && sa == 0 && sb == 1 {
                let x = pa[0]
                for i in 0..<n { o[i] = f(x, pb[i]) }
            } else if so == 1 && sa == 1 && sb == 1 {
                for i in 0..<n { o[i] = f(pa[i], pb[i]) }
            } else {
                for i in 0..<n { o[i * so] = f(pa[i * sa], pb[i * sb]) }
            }
        }
    }
}

/// out[i] = f(a[i], b[i], c[i]) over broadcast strided inputs; `out` is contiguous with `shape`.
@inline(__always)
func zip3Kernel<A, B, C, R>(_ a: UnsafePointer<A>, _ aStrides: [Int], _ b: UnsafePointer<B>, _ bStrides: [Int],
                            _ c: UnsafePointer<C>, _ cStrides: [Int], _ out: UnsafeMutablePointer<R>, shape: [Int],
                            _ f: (A, B, C) -> R) {
    let loop = StridedLoop(shape: shape, strides: [contiguousStrides(shape), aStrides, bStrides, cStrides])
    parallelFor(loop.count, grain: pointwiseGrain) { range in
        let so = loop.innerStride(0), sa = loop.innerStride(1), sb = loop.innerStride(2), sc = loop.innerStride(3)
        loop.forEachRun(in: range) { offsets, n in
            let o = out + offsets[0], pa = a + offsets[1], pb = b + offsets[2], pc = c + offsets[3]
            for i in 0..<n { o[i * so] = f(pa[i * sa], pb[i * sb], pc[i * sc]) }
        }
    }
}

/// Copies a strided source into a strided destination of the same shape, converting the element type.
func copyCastKernel<S: TensorScalar, D: TensorScalar>(_ src: UnsafePointer<S>, _ srcStrides: [Int],
                                                       _ dst: UnsafeMutablePointer<D>, _ dstStrides: [Int],
                                                       shape: [Int]) {
    let loop = StridedLoop(shape: shape, strides: [dstStrides, srcStrides])
    if S.self == D.self {
        let same = UnsafeMutableRawPointer(dst).assumingMemoryBound(to: S.self)
        runCopy(loop, src, same) { $0 }
    } else if D.dtype == .bool {
        runCopy(loop, src, dst) { D(fromInt64: $0.doubleValue == 0 ? 0 : 1) }  // bool(x) is x != 0, NaN too
    } else if S.dtype.isFloatingPoint && D.dtype.isFloatingPoint {
        runCopy(loop, src, dst) { D(fromDouble: $0.doubleValue) }
    } else {
        runCopy(loop, src, dst) { D(fromInt64: $0.int64Value) }  // float → integer truncates like a C cast
    }
}

@inline(__always)
private func runCopy<S, D>(_ loop: StridedLoop, _ src: UnsafePointer<S>, _ dst: UnsafeMutablePointer<D>,
                           _ convert: (S) -> D) {
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
