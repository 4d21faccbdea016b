// Float32 reductions on large inputs against float64 references: sums, norms, statistics, normalisation
// layers, softmax and losses must keep PyTorch's accumulation accuracy (adding float32 values one after
// another drifts by 1e-4 to 1e-3 on these sizes).
import Ember
import XCTest

final class PrecisionTests: XCTestCase {
    /// The largest relative error of `float32` against `reference` computed in float64, over all elements.
    private func relativeError(_ float32: Tensor, _ reference: Tensor) -> Double {
        XCTAssertEqual(float32.dtype, .float32)
        XCTAssertEqual(float32.shape, reference.shape)
        let a = float32.toArray(as: Double.self), e = reference.toArray(as: Double.self)
        return zip(a, e).map { Swift.abs($0 - $1) / Swift.max(Swift.abs($1), 1e-30) }.max() ?? 0
    }

    /// A float32 tensor whose values sit far from zero, where sequential float sums lose the most digits.
    private func offsetNormal(_ shape: [Int], mean: Double, std: Double, seed: UInt64 = 7) -> Tensor {
        Ember.manualSeed(seed)
        return Tensor.randn(shape) * std + mean
    }

    func testSumAndMeanOfAllElements() {
        let x = offsetNormal([3361, 200], mean: 1, std: 0.1)
        XCTAssertLessThan(relativeError(x.sum(), x.double().sum()), 1e-6)
        XCTAssertLessThan(relativeError(x.mean(), x.double().mean()), 1e-6)
    }

    func testSumOverLeadingDimension() {
        // A bias-gradient shape: many rows summed per column (the streaming middle-axis path).
        let x = offsetNormal([200_000, 3], mean: 0.1, std: 0.01)
        XCTAssertLessThan(relativeError(x.sum(dim: 0), x.double().sum(dim: 0)), 1e-6)
        XCTAssertLessThan(relativeError(x.mean(dim: 0), x.double().mean(dim: 0)), 1e-6)
    }

    /// A gradient whose first row is large: its squares make the running sum big before the many small
    /// squares arrive (a float32 running sum of squares is 1e-3 off here; PyTorch's is 5e-5).
    private func gradientWithALargeRow() -> Tensor {
        let g = offsetNormal([3361, 200], mean: 0, std: 0.01)
        g[0] = Tensor(Float(3))
        return g
    }

    func testNormOfALargeGradient() {
        let g = gradientWithALargeRow()
        for p in [1.0, 2, 3, 0.5] {
            XCTAssertLessThan(relativeError(g.norm(p: p), g.double().norm(p: p)), 1e-6, "p = \(p)")
        }
        XCTAssertLessThan(relativeError(g.norm(p: 2, dim: 0), g.double().norm(p: 2, dim: 0)), 1e-6)
    }

    func testClipGradNormMatchesFloat64() {
        let w = Tensor.zeros(3361, 200).requiresGrad_()
        w.grad = gradientWithALargeRow()
        let expected = w.grad!.double().norm()
        let total = clipGradNorm_([w], maxNorm: 1)
        XCTAssertLessThan(relativeError(total, expected), 1e-6)
        XCTAssertEqual(w.grad!.double().norm().item(), 1, accuracy: 1e-5)
    }

    func testVarianceAndStandardDeviation() {
        let x = offsetNormal([1 << 20], mean: 100, std: 0.5)
        XCTAssertLessThan(relativeError(x.var(), x.double().var()), 1e-6)
        XCTAssertLessThan(relativeError(x.std(unbiased: false), x.double().std(unbiased: false)), 1e-6)
        let rows = offsetNormal([4, 100_000], mean: -30, std: 2)
        XCTAssertLessThan(relativeError(rows.var(dim: 1), rows.double().var(dim: 1)), 1e-6)
    }

    func testBatchNormStatisticsOnALargeChannel() {
        // With momentum 1 the running statistics are the batch's own (variance unbiased).
        let x = offsetNormal([4, 3, 112, 112], mean: 3, std: 0.2)
        let layer = BatchNorm2d(3, momentum: 1)
        let y = layer(x)
        let reference = BatchNorm2d(3, momentum: 1).double()
        let expected = reference(x.double())
        XCTAssertLessThan((y.double() - expected).abs().max().item(), 2e-5)
        XCTAssertLessThan(relativeError(layer.runningVar!, reference.runningVar!), 1e-6)
        XCTAssertLessThan(relativeError(layer.runningMean!, reference.runningMean!), 1e-6)
    }

    func testLayerNormAndGroupNormStatistics() {
        // Centred data, so the error left is the variance's (the mean of off-centre data rounds to float32 first).
        let x = offsetNormal([2, 4, 250_000], mean: 0, std: 1)
        let layer = F.layerNorm(x, [250_000])
        XCTAssertLessThan((layer.double() - F.layerNorm(x.double(), [250_000])).abs().max().item(), 1e-5)
        let group = F.groupNorm(x, 2)
        XCTAssertLessThan((group.double() - F.groupNorm(x.double(), 2)).abs().max().item(), 1e-5)
    }

    func testSoftmaxOverALongRow() {
        let x = offsetNormal([2, 300_000], mean: 0, std: 0.01)
        let softmax = x.softmax(dim: 1)
        XCTAssertLessThan(relativeError(softmax, x.double().softmax(dim: 1)), 1e-5)
        XCTAssertLessThan(relativeError(x.logSoftmax(dim: 1), x.double().logSoftmax(dim: 1)), 1e-6)
        XCTAssertLessThan(relativeError(x.logsumexp(dim: 1), x.double().logsumexp(dim: 1)), 1e-6)
    }

    func testCumulativeSum() {
        let x = offsetNormal([1_000_000], mean: 0.1, std: 0.01)
        let sums = x.cumsum(dim: 0)
        XCTAssertLessThan(relativeError(sums.narrow(0, start: 999_000, length: 1000),
                                        x.double().cumsum(dim: 0).narrow(0, start: 999_000, length: 1000)), 1e-6)
    }

    func testLossesOverManyElements() {
        let input = offsetNormal([1000, 1000], mean: 0.5, std: 0.1, seed: 3)
        let target = offsetNormal([1000, 1000], mean: 0.4, std: 0.1, seed: 4)
        XCTAssertLessThan(relativeError(F.mseLoss(input, target), F.mseLoss(input.double(), target.double())), 1e-6)
        XCTAssertLessThan(relativeError(F.l1Loss(input, target), F.l1Loss(input.double(), target.double())), 1e-6)
        let logits = offsetNormal([100_000, 10], mean: 0, std: 1, seed: 5)
        let labels = Tensor.randint(0, 10, [100_000])
        XCTAssertLessThan(relativeError(F.crossEntropy(logits, labels), F.crossEntropy(logits.double(), labels)), 1e-6)
    }
}
