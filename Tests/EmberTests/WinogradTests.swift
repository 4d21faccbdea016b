// 3 × 3 stride-1 float32 convolutions take Winograd's F(4×4, 3×3) when they have at least 16 channels on each side
// and 32 output tiles. Their output and both gradients (all three by Winograd's method) are checked against the
// float64 convolution (im2col + GEMM) on shapes that take each path of the transforms: output sizes that are and are
// not multiples of the 4 × 4 tile, paddings 0, 1 and 2, planes wider than one 64-tile segment, a batch of one, many
// blocks of tile rows (forward and weight gradient), bias or none, more output than input channels and fewer, and
// each version of the transforms (AVX2 and the portable loops).
import CEmberKernels
import Ember
import XCTest

final class WinogradTests: XCTestCase {
    struct Case {
        let batch: Int, inChannels: Int, outChannels: Int, height: Int, width: Int, padding: Int, bias: Bool
    }

    /// Output and the gradients of Σ out·upstream for input, weight and bias, computed in `dtype`.
    func run(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ upstream: Tensor, padding: Int, dtype: DType) -> [Tensor?] {
        let input = x.to(dtype).detach().requiresGrad_(), weight = w.to(dtype).detach().requiresGrad_()
        let bias = b.map { $0.to(dtype).detach().requiresGrad_() }
        let out = F.conv2d(input, weight, bias, padding: .explicit(IntPair(padding)))
        (out * upstream.to(dtype)).sum().backward()
        return [out, input.grad, weight.grad, bias?.grad]
    }

    /// The largest difference relative to the reference's largest magnitude.
    func relativeError(_ actual: Tensor, _ expected: Tensor) -> Double {
        let a = actual.toArray(as: Double.self), e = expected.toArray(as: Double.self)
        let scale = Swift.max(e.map(abs).max() ?? 1, 1e-30)
        return (zip(a, e).map { abs($0 - $1) }.max() ?? 0) / scale
    }

    func testFloat32AgreesWithFloat64() {
        defer { ember_limit_cpu_capability(2) }
        Ember.manualSeed(5)
        let cases = [
            Case(batch: 3, inChannels: 16, outChannels: 24, height: 13, width: 10, padding: 1, bias: true),
            Case(batch: 1, inChannels: 32, outChannels: 16, height: 28, width: 28, padding: 1, bias: false),
            Case(batch: 6, inChannels: 17, outChannels: 16, height: 11, width: 9, padding: 0, bias: true),
            Case(batch: 4, inChannels: 16, outChannels: 16, height: 9, width: 7, padding: 2, bias: false),
            Case(batch: 1, inChannels: 16, outChannels: 20, height: 5, width: 270, padding: 1, bias: true),
            Case(batch: 4, inChannels: 24, outChannels: 16, height: 100, width: 30, padding: 1, bias: true),
        ]
        for capability in [2, 1, 0] {
            ember_limit_cpu_capability(Int32(capability))
            for c in cases {
                let x = Tensor.randn(c.batch, c.inChannels, c.height, c.width)
                let w = Tensor.randn(c.outChannels, c.inChannels, 3, 3) * 0.2
                let b = c.bias ? Tensor.randn(c.outChannels) : nil
                let outH = c.height + 2 * c.padding - 2, outW = c.width + 2 * c.padding - 2
                let upstream = Tensor.randn(c.batch, c.outChannels, outH, outW)
                let fast = run(x, w, b, upstream, padding: c.padding, dtype: .float32)
                let reference = run(x, w, b, upstream, padding: c.padding, dtype: .float64)
                for (index, name) in ["output", "input gradient", "weight gradient", "bias gradient"].enumerated() {
                    guard let actual = fast[index], let expected = reference[index] else {
                        XCTAssertTrue(fast[index] == nil && reference[index] == nil, "\(c) \(name)")
                        continue
                    }
                    XCTAssertEqual(actual.shape, expected.shape, "\(c) \(name)")
                    XCTAssertLessThan(relativeError(actual, expected), 1e-5, "\(c) \(name) at capability \(capability)")
                }
            }
        }
    }

    /// ResNet-sized layers: the largest error of the output and of both gradients against float64 stays under 2e-5
    /// of the largest value (the output's measured 0.7–1.2e-5, about 12–25 times the direct method's, which is also
    /// computed here as im2col and one GEMM: F(4×4, 3×3) trades accuracy for a quarter of the multiply-adds).
    func testErrorBoundAtResNetSizes() {
        Ember.manualSeed(6)
        for (channels, size) in [(64, 56), (128, 28), (256, 14), (512, 16)] {
            let x = Tensor.randn(2, channels, size, size), w = Tensor.randn(channels, channels, 3, 3) * (2 / Double(9 * channels)).squareRoot()
            let upstream = Tensor.randn(2, channels, size, size)
            let fast = run(x, w, nil, upstream, padding: 1, dtype: .float32)
            let reference = run(x, w, nil, upstream, padding: 1, dtype: .float64)
            for (index, name) in ["output", "input gradient", "weight gradient"].enumerated() {
                XCTAssertLessThan(relativeError(fast[index]!, reference[index]!), 2e-5, "\(channels) channels at \(size)×\(size): \(name)")
            }
            let direct = w.reshape(channels, -1).matmul(F.unfold(x, kernelSize: 3, padding: 1)).reshape(2, channels, size, size)
            XCTAssertLessThan(relativeError(direct, reference[0]!), 2e-6, "\(channels) channels at \(size)×\(size): the direct method")
        }
    }
}
