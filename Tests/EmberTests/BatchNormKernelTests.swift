// BatchNorm's fused float32 passes (statistics, affine map, the two backward passes) against the composed tensor ops
// that float64 runs, on shapes that take every path: planes shorter than a vector and longer than a 4096 block, a
// batch of one, 2-d and 3-d inputs, no affine parameters, evaluation with running statistics, and each version of the
// kernels (AVX2 and the portable loops).
import CEmberKernels
import Ember
import XCTest

final class BatchNormKernelTests: XCTestCase {
    /// Output, running statistics and the gradients of Σ out·upstream for input, weight and bias.
    struct Results {
        let out: Tensor, runningMean: Tensor, runningVar: Tensor, gradInput: Tensor, gradWeight: Tensor?, gradBias: Tensor?
    }

    func run(_ x: Tensor, _ upstream: Tensor, affine: Bool, training: Bool, dtype: DType) -> Results {
        let channels = x.shape[1]
        let input = x.to(dtype).detach().requiresGrad_()
        let weight = affine ? Tensor.linspace(0.5, 1.5, steps: channels, dtype: dtype).requiresGrad_() : nil
        let bias = affine ? Tensor.linspace(-0.2, 0.3, steps: channels, dtype: dtype).requiresGrad_() : nil
        let runningMean = Tensor.linspace(-0.1, 0.1, steps: channels, dtype: dtype)
        let runningVar = Tensor.linspace(0.8, 1.2, steps: channels, dtype: dtype)
        let out = F.batchNorm(input, runningMean: runningMean, runningVar: runningVar, weight: weight, bias: bias,
                              training: training, momentum: 0.1, eps: 1e-5)
        (out * upstream.to(dtype)).sum().backward()
        return Results(out: out, runningMean: runningMean, runningVar: runningVar, gradInput: input.grad!,
                       gradWeight: weight?.grad, gradBias: bias?.grad)
    }

    func assertAgree(_ actual: Tensor?, _ expected: Tensor?, _ what: String) {
        guard let actual, let expected else { return XCTAssertTrue(actual == nil && expected == nil, what) }
        let a = actual.toArray(as: Double.self), e = expected.toArray(as: Double.self)
        let scale = Swift.max(1, e.map(abs).max() ?? 1)
        let worst = zip(a, e).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThan(worst, 2e-5 * scale, "\(what): largest difference \(worst)")
    }

    func testFusedFloat32MatchesComposedFloat64() {
        defer { ember_limit_cpu_capability(2) }
        Ember.manualSeed(11)
        let shapes: [[Int]] = [[4, 3, 5, 7], [1, 2, 70, 70], [3, 5], [6, 4, 9], [2, 16, 3, 3]]
        for capability in [2, 1, 0] {
            ember_limit_cpu_capability(Int32(capability))
            for shape in shapes {
                let x = Tensor.randn(shape) * 3 + 1, upstream = Tensor.randn(shape)
                for (affine, training) in [(true, true), (false, true), (true, false)] {
                    let fused = run(x, upstream, affine: affine, training: training, dtype: .float32)
                    let reference = run(x, upstream, affine: affine, training: training, dtype: .float64)
                    let label = "\(shape) affine \(affine) training \(training) capability \(capability)"
                    assertAgree(fused.out, reference.out, "\(label) output")
                    assertAgree(fused.runningMean, reference.runningMean, "\(label) running mean")
                    assertAgree(fused.runningVar, reference.runningVar, "\(label) running variance")
                    assertAgree(fused.gradInput, reference.gradInput, "\(label) input gradient")
                    assertAgree(fused.gradWeight, reference.gradWeight, "\(label) weight gradient")
                    assertAgree(fused.gradBias, reference.gradBias, "\(label) bias gradient")
                }
            }
        }
    }

    /// The fused passes read only contiguous float32 memory; a transposed input takes the composed ops and agrees.
    func testNonContiguousInputAgreesWithItsContiguousCopy() {
        Ember.manualSeed(12)
        let x = Tensor.randn(5, 3, 4, 6).transpose(2, 3), upstream = Tensor.randn(5, 3, 6, 4)
        let strided = run(x, upstream, affine: true, training: true, dtype: .float32)
        let contiguous = run(x.contiguous(), upstream, affine: true, training: true, dtype: .float32)
        assertAgree(strided.out, contiguous.out, "output")
        assertAgree(strided.gradInput, contiguous.gradInput, "input gradient")
        assertAgree(strided.gradWeight, contiguous.gradWeight, "weight gradient")
    }
}
