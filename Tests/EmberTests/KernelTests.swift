// The float32 convolution and pooling kernels (vectorised, split across threads) against plain loops
// written out here, on sizes that take every path: rows longer than a vector, padding on both sides,
// dilation, strides, and batches large enough to split across threads.
import CEmberKernels
import Ember
import XCTest

final class KernelTests: XCTestCase {
    override func setUp() { Ember.manualSeed(5) }

    /// Convolution geometry for the reference loops.
    struct Window { let stride: Int, padding: Int, dilation: Int }

    /// out[n, o, y, x] = Σ w[o, c, i, j] · x[n, c, y·s − p + i·d, x·s − p + j·d], and the gradients of
    /// Σ out · upstream with respect to x and w, by direct summation in double precision.
    func referenceConvolution(_ x: [Double], _ xShape: [Int], _ w: [Double], _ wShape: [Int], _ upstream: [Double],
                              _ window: Window) -> (out: [Double], gradX: [Double], gradW: [Double]) {
        let (n, c, h, width) = (xShape[0], xShape[1], xShape[2], xShape[3])
        let (o, k) = (wShape[0], wShape[2])
        let outH = (h + 2 * window.padding - window.dilation * (k - 1) - 1) / window.stride + 1
        let outW = (width + 2 * window.padding - window.dilation * (k - 1) - 1) / window.stride + 1
        var out = [Double](repeating: 0, count: n * o * outH * outW)
        var gradX = [Double](repeating: 0, count: x.count), gradW = [Double](repeating: 0, count: w.count)
        for b in 0..<n { for oc in 0..<o { for oy in 0..<outH { for ox in 0..<outW {
            let at = ((b * o + oc) * outH + oy) * outW + ox
            for ic in 0..<c { for i in 0..<k { for j in 0..<k {
                let iy = oy * window.stride - window.padding + i * window.dilation
                let ix = ox * window.stride - window.padding + j * window.dilation
                guard iy >= 0, iy < h, ix >= 0, ix < width else { continue }
                let xi = ((b * c + ic) * h + iy) * width + ix, wi = ((oc * c + ic) * k + i) * k + j
                out[at] += w[wi] * x[xi]
                gradX[xi] += w[wi] * upstream[at]
                gradW[wi] += x[xi] * upstream[at]
            } } }
        } } } }
        return (out, gradX, gradW)
    }

    func assertNear(_ actual: [Float], _ expected: [Double], _ what: String) {
        XCTAssertEqual(actual.count, expected.count, what)
        let scale = expected.map(abs).max() ?? 1
        let worst = zip(actual, expected).map { abs(Double($0) - $1) }.max() ?? 0
        XCTAssertLessThan(worst, 1e-5 * Swift.max(scale, 1), "\(what): largest difference \(worst)")
    }

    func testConvolutionForwardAndGradientsMatchDirectSums() {
        let cases: [([Int], [Int], Window)] = [
            ([6, 8, 20, 20], [8, 8, 3, 3], Window(stride: 1, padding: 1, dilation: 1)),  // split across threads
            ([3, 3, 11, 13], [4, 3, 5, 5], Window(stride: 1, padding: 2, dilation: 1)),  // rows of 13: a partial vector
            ([2, 2, 9, 17], [3, 2, 3, 3], Window(stride: 1, padding: 3, dilation: 2)),   // dilation, wide padding
            ([2, 3, 10, 9], [2, 3, 3, 3], Window(stride: 2, padding: 1, dilation: 1)),   // strided rows
            ([4, 3, 5, 3], [2, 3, 3, 3], Window(stride: 1, padding: 1, dilation: 1)),    // rows shorter than a vector
            ([1, 3, 30, 30], [8, 3, 5, 5], Window(stride: 1, padding: 2, dilation: 1)),  // one image, rows split mid-channel
        ]
        for (xShape, wShape, window) in cases {
            let x = Tensor.randn(xShape).requiresGrad_(), w = Tensor.randn(wShape).requiresGrad_()
            let out = F.conv2d(x, w, stride: IntPair(window.stride), padding: .explicit(IntPair(window.padding)),
                               dilation: IntPair(window.dilation))
            let upstream = Tensor.randn(out.shape)
            out.backward(gradient: upstream)
            let reference = referenceConvolution(x.toArray(as: Double.self), xShape, w.toArray(as: Double.self), wShape,
                                                 upstream.toArray(as: Double.self), window)
            let label = "conv \(xShape) * \(wShape)"
            assertNear(out.toArray(as: Float.self), reference.out, "\(label) output")
            assertNear(x.grad!.toArray(as: Float.self), reference.gradX, "\(label) input gradient")
            assertNear(w.grad!.toArray(as: Float.self), reference.gradW, "\(label) weight gradient")
        }
    }

    /// The weight gradient sums over images on several threads; the sum must not depend on which thread
    /// took which image (PyTorch's CPU results are the same bits for a seed and a thread count).
    func testConvolutionWeightGradientIsTheSameOnEveryRun() {
        Ember.manualSeed(21)
        let x = Tensor.randn([64, 8, 16, 16]), w = Tensor.randn([16, 8, 3, 3]).requiresGrad_()
        let upstream = Tensor.randn([64, 16, 16, 16])
        var first: [Float]?
        for run in 0..<40 {
            w.grad = nil
            F.conv2d(x, w, padding: 1).backward(gradient: upstream)
            let gradient = w.grad!.toArray(as: Float.self)
            if let first, gradient != first {
                XCTFail("run \(run) differs from run 0 in \(zip(gradient, first).filter { $0 != $1 }.count) of \(first.count) elements")
                break
            }
            first = first ?? gradient
        }
    }

    func testMaxPoolValuesIndicesAndNaNsMatchPlainLoops() {
        let (planes, h, w, k, s) = (5, 13, 21, 3, 2)
        var values = Tensor.randn([1, planes, h, w]).toArray(as: Float.self)
        for i in stride(from: 7, to: values.count, by: 97) { values[i] = .nan }
        let x = Tensor(values, shape: [1, planes, h, w])
        let (output, indices) = F.maxPool2dWithIndices(x, IntPair(k), stride: IntPair(s))
        let outH = (h - k) / s + 1, outW = (w - k) / s + 1
        XCTAssertEqual(output.shape, [1, planes, outH, outW])
        let got = output.toArray(as: Float.self), gotIndices = indices.toArray(as: Int64.self)
        for p in 0..<planes { for oy in 0..<outH { for ox in 0..<outW {
            var best = -Float.infinity, at = -1
            for i in 0..<k { for j in 0..<k {
                let position = (oy * s + i) * w + ox * s + j, v = values[p * h * w + position]
                if at < 0 || v > best || v.isNaN { best = v; at = position }
            } }
            let o = (p * outH + oy) * outW + ox
            XCTAssertEqual(gotIndices[o], Int64(at), "index of window \(o)")
            XCTAssert(got[o] == best || (got[o].isNaN && best.isNaN), "value of window \(o): \(got[o]) vs \(best)")
        } } }
    }

    /// Padded windows (the C loop over a plane framed by -inf), with dilation, ceil mode, NaNs and windows whose real
    /// values are all -inf (PyTorch then keeps the window's first position inside the plane).
    func testPaddedMaxPoolMatchesPyTorchsLoop() {
        let (planes, h, w) = (3, 11, 14)
        var values = Tensor.randn([1, planes, h, w]).toArray(as: Float.self)
        for i in stride(from: 5, to: values.count, by: 61) { values[i] = .nan }
        for row in 0..<4 { for column in 0..<5 { values[row * w + column] = -.infinity } }   // plane 0's top-left corner
        let x = Tensor(values, shape: [1, planes, h, w])
        for (k, s, pad, dilation, ceil) in [(3, 2, 1, 1, false), (3, 1, 1, 1, false), (2, 2, 1, 1, true), (3, 2, 1, 2, false), (5, 3, 2, 1, true)] {
            let (output, indices) = F.maxPool2dWithIndices(x, IntPair(k), stride: IntPair(s), padding: IntPair(pad), dilation: IntPair(dilation),
                                                           ceilMode: ceil)
            let outH = output.shape[2], outW = output.shape[3]
            let got = output.toArray(as: Float.self), gotIndices = indices.toArray(as: Int64.self)
            for p in 0..<planes { for oy in 0..<outH { for ox in 0..<outW {
                var best = -Float.infinity, at = -1
                for i in 0..<k { for j in 0..<k {
                    let (iy, jx) = (oy * s - pad + i * dilation, ox * s - pad + j * dilation)
                    guard iy >= 0 && iy < h && jx >= 0 && jx < w else { continue }
                    let v = values[p * h * w + iy * w + jx]
                    if at < 0 || v > best || v.isNaN { best = v; at = iy * w + jx }
                } }
                let o = (p * outH + oy) * outW + ox, label = "window \(o), kernel \(k) stride \(s) padding \(pad) dilation \(dilation)"
                XCTAssertEqual(gotIndices[o], Int64(at), "index of \(label)")
                XCTAssert(got[o] == best || (got[o].isNaN && best.isNaN), "value of \(label): \(got[o]) vs \(best)")
            } } }
        }
    }

    /// Without autograd (`F.maxPool2d` of a tensor that needs no gradient) the kernels form no indices; the maxima
    /// are those of the indexed pooling, bit for bit, on the same padded, dilated, ceil-mode and NaN windows, in
    /// float32 (AVX2 and portable loops) and float64. A tensor that needs its gradient still gets one.
    func testMaxPoolWithoutIndicesGivesTheSameMaxima() {
        defer { ember_limit_cpu_capability(2) }
        let (planes, h, w) = (3, 11, 14)
        var values = Tensor.randn([2, planes, h, w]).toArray(as: Float.self)
        for i in stride(from: 5, to: values.count, by: 61) { values[i] = .nan }
        for row in 0..<4 { for column in 0..<5 { values[row * w + column] = -.infinity } }
        let x = Tensor(values, shape: [2, planes, h, w])
        for capability in [2, 1, 0] {
            ember_limit_cpu_capability(Int32(capability))
            for dtype in [DType.float32, .float64] {
                for (k, s, pad, dilation, ceil) in [(3, 2, 0, 1, false), (3, 2, 1, 1, false), (2, 2, 1, 1, true), (3, 2, 1, 2, false),
                                                    (5, 3, 2, 1, true)] {
                    let input = x.to(dtype)
                    let indexed = F.maxPool2dWithIndices(input, IntPair(k), stride: IntPair(s), padding: IntPair(pad),
                                                         dilation: IntPair(dilation), ceilMode: ceil).output.toArray(as: Double.self)
                    let plain = F.maxPool2d(input, IntPair(k), stride: IntPair(s), padding: IntPair(pad), dilation: IntPair(dilation),
                                            ceilMode: ceil).toArray(as: Double.self)
                    let label = "kernel \(k) stride \(s) padding \(pad) dilation \(dilation) \(dtype) capability \(capability)"
                    XCTAssertEqual(plain.count, indexed.count, label)
                    for (a, b) in zip(plain, indexed) { XCTAssert(a == b || (a.isNaN && b.isNaN), "\(label): \(a) vs \(b)") }
                }
            }
        }
        let leaf = Tensor.randn([1, 2, 6, 6]).requiresGrad_()
        F.maxPool2d(leaf, IntPair(2)).sum().backward()
        XCTAssertEqual(leaf.grad?.sum().item(), 18)
    }
}
