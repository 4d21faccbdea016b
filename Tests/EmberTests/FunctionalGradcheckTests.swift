// The layer functions of F, checked against finite differences in float64.
import Ember
import XCTest

final class FunctionalGradcheckTests: XCTestCase {
    override func setUp() { Ember.manualSeed(21) }

    func testConvolutions() {
        let x = Tensor.randn([2, 4, 6, 5], dtype: .float64), w = Tensor.randn([6, 2, 3, 2], dtype: .float64)
        let b = Tensor.randn([6], dtype: .float64)
        gradcheck("conv2d groups stride dilation", [x, w, b]) {
            F.conv2d($0[0], $0[1], $0[2], stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 2)
        }
        gradcheck("conv2d same", [x, Tensor.randn([3, 4, 3, 3], dtype: .float64)]) { F.conv2d($0[0], $0[1], padding: "same") }
        gradcheck("conv1d", [Tensor.randn([2, 3, 9], dtype: .float64), Tensor.randn([4, 3, 3], dtype: .float64)]) {
            F.conv1d($0[0], $0[1], stride: 2, padding: 1)
        }
        gradcheck("conv transpose", [Tensor.randn([2, 4, 3, 3], dtype: .float64), Tensor.randn([4, 3, 3, 2], dtype: .float64), Tensor.randn([6], dtype: .float64)]) {
            F.convTranspose2d($0[0], $0[1], $0[2], stride: 2, padding: 1, outputPadding: 1, groups: 2)
        }
    }

    func testScaledDotProductAttentionNode() {
        let q = Tensor.randn([2, 2, 3, 4], dtype: .float64), k = Tensor.randn([2, 2, 5, 4], dtype: .float64)
        let v = Tensor.randn([2, 2, 5, 3], dtype: .float64)
        gradcheck("attention", [q, k, v]) { F.scaledDotProductAttention($0[0], $0[1], $0[2]) }
        gradcheck("causal attention", [q, k, v]) { F.scaledDotProductAttention($0[0], $0[1], $0[2], isCausal: true, scale: 0.3) }
        let mask = Tensor.rand([3, 5]) .> 0.3
        gradcheck("masked attention", [q, k, v]) { F.scaledDotProductAttention($0[0], $0[1], $0[2], attnMask: mask) }
    }

    func testVolumetricAndResampling() {
        let x = Tensor.randn([1, 2, 4, 5, 4], dtype: .float64), w = Tensor.randn([3, 2, 2, 3, 2], dtype: .float64)
        gradcheck("conv3d", [x, w]) { Tensor.conv3d($0[0], $0[1], stride: [1, 2, 1], padding: 1) }
        gradcheck("max pool 3d", [x]) { Tensor.maxPool3d($0[0], kernelSize: 2, stride: 1, padding: 1) }
        gradcheck("avg pool 3d", [x]) { Tensor.avgPool3d($0[0], kernelSize: [2, 3, 2], padding: 1, countIncludePad: false) }
        gradcheck("trilinear", [x]) { F.interpolate($0[0], size: [3, 7, 5], mode: "trilinear") }
        gradcheck("bicubic", [x[0]]) { F.interpolate($0[0], scaleFactor: 1.5, mode: "bicubic", alignCorners: true) }
        gradcheck("reflect pad", [x]) { F.pad($0[0], [1, 2, 0, 1], mode: .reflect) }
    }

    func testPoolingAndResizing() {
        let x = Tensor.randn([2, 3, 7, 6], dtype: .float64)
        gradcheck("max pool", [x]) { F.maxPool2d($0[0], 3, stride: 2, padding: 1) }
        gradcheck("avg pool", [x]) { F.avgPool2d($0[0], 3, stride: 2, padding: 1, countIncludePad: false) }
        gradcheck("adaptive", [x]) { F.adaptiveAvgPool2d($0[0], [3, 4]) }
        gradcheck("bilinear", [x]) { F.interpolate($0[0], size: [5, 9], mode: "bilinear") }
        gradcheck("nearest", [x]) { F.interpolate($0[0], scaleFactor: 2) }
        gradcheck("pad", [x]) { F.pad($0[0], [1, -1, 2, 0], value: 0.5) }
    }

    func testNormalisation() {
        let x = Tensor.randn([4, 3, 2, 2], dtype: .float64), w = Tensor.randn([3], dtype: .float64), b = Tensor.randn([3], dtype: .float64)
        gradcheck("batch norm", [x, w, b]) { F.batchNorm($0[0], runningMean: nil, runningVar: nil, weight: $0[1], bias: $0[2], training: true) }
        // Evaluation: running statistics, PyTorch's per-channel scale and shift.
        let runningMean = Tensor.randn([3], dtype: .float64), runningVar = Tensor.rand([3], dtype: .float64) + 0.5
        gradcheck("batch norm eval", [x, w, b]) {
            F.batchNorm($0[0], runningMean: runningMean, runningVar: runningVar, weight: $0[1], bias: $0[2], training: false)
        }
        let expected = (x - runningMean.view(1, 3, 1, 1)) / (runningVar.view(1, 3, 1, 1) + 1e-5).sqrt() * w.view(1, 3, 1, 1) + b.view(1, 3, 1, 1)
        assertClose(F.batchNorm(x, runningMean: runningMean, runningVar: runningVar, weight: w, bias: b), expected.toArray(as: Double.self),
                    tolerance: 1e-12)
        assertClose(F.batchNorm(x, runningMean: runningMean, runningVar: runningVar),
                    ((x - runningMean.view(1, 3, 1, 1)) / (runningVar.view(1, 3, 1, 1) + 1e-5).sqrt()).toArray(as: Double.self),
                    tolerance: 1e-12)
        gradcheck("layer norm", [x, Tensor.randn([2, 2], dtype: .float64)]) { F.layerNorm($0[0], [2, 2], weight: $0[1]) }
        gradcheck("group norm", [Tensor.randn([2, 4, 3], dtype: .float64), Tensor.randn([4], dtype: .float64)]) {
            F.groupNorm($0[0], 2, weight: $0[1])
        }
    }

    func testLossesAndLayers() {
        let logits = Tensor.randn([5, 4], dtype: .float64), labels = Tensor([Int64(1), 0, 3, 3, 2])
        gradcheck("cross entropy", [logits]) { F.crossEntropy($0[0], labels, labelSmoothing: 0.1) }
        gradcheck("nll 2d", [Tensor.randn([2, 3, 2, 2], dtype: .float64)]) {
            F.nllLoss($0[0].logSoftmax(dim: 1), Tensor([Int64(0), 2, 1, 1, 2, 0, 0, 1], shape: [2, 2, 2]))
        }
        let p = Tensor.rand([5, 4], dtype: .float64) * 0.8 + 0.1, t = Tensor.rand([5, 4], dtype: .float64)
        gradcheck("bce", [p]) { F.binaryCrossEntropy($0[0], t) }
        gradcheck("bce logits", [logits]) { F.binaryCrossEntropyWithLogits($0[0], t, posWeight: Tensor.full([4], 2, dtype: .float64)) }
        gradcheck("smooth l1", [logits]) { F.smoothL1Loss($0[0], t, beta: 0.5) }
        gradcheck("huber", [logits]) { F.huberLoss($0[0], t, delta: 0.7) }
        gradcheck("mse", [logits]) { F.mseLoss($0[0], t, reduction: .sum) }
        gradcheck("linear 3d", [Tensor.randn([2, 3, 4], dtype: .float64), Tensor.randn([5, 4], dtype: .float64), Tensor.randn([5], dtype: .float64)]) {
            F.linear($0[0], $0[1], $0[2])
        }
        gradcheck("embedding", [Tensor.randn([6, 3], dtype: .float64)]) { F.embedding(Tensor([Int64(1), 5, 1, 0]), $0[0]) }
        gradcheck("attention", [Tensor.randn([2, 3, 4], dtype: .float64), Tensor.randn([2, 5, 4], dtype: .float64), Tensor.randn([2, 5, 2], dtype: .float64)]) {
            F.scaledDotProductAttention($0[0], $0[1], $0[2])
        }
    }

    func testEmbeddingPaddingRowGetsNoGradient() {
        let weight = Tensor.randn([4, 2]).requiresGrad_()
        F.embedding(Tensor([Int64(0), 2, 0]), weight, paddingIdx: 0).sum().backward()
        XCTAssertEqual(weight.grad!.toArray(as: Float.self), [0, 0, 0, 0, 1, 1, 0, 0])
    }
}
