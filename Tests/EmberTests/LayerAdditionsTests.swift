// The layers and loss modules added for PyTorch's op surface: printing as PyTorch prints them, parameters
// in state dicts, the same values as their functions (whose values and gradients the OpInfo cases check).
import Ember
import XCTest

final class LayerAdditionsTests: XCTestCase {
    func testLayersPrintAsPyTorch() {
        XCTAssertEqual(PReLU().description, "PReLU(num_parameters=1)")
        XCTAssertEqual(PReLU(numParameters: 3).description, "PReLU(num_parameters=3)")
        XCTAssertEqual(GLU().description, "GLU(dim=-1)")
        XCTAssertEqual(Softmin(dim: 1).description, "Softmin(dim=1)")
        XCTAssertEqual(PixelShuffle(2).description, "PixelShuffle(upscale_factor=2)")
        XCTAssertEqual(PixelUnshuffle(2).description, "PixelUnshuffle(downscale_factor=2)")
        XCTAssertEqual(ChannelShuffle(2).description, "ChannelShuffle(groups=2)")
        XCTAssertEqual(TripletMarginLoss().description, "TripletMarginLoss()")
    }

    func testPReLULearnsItsSlope() {
        let prelu = PReLU(numParameters: 2)
        XCTAssertEqual(Array(prelu.stateDict().keys), ["weight"])
        XCTAssertEqual(prelu.weight.toArray(as: Float.self), [0.25, 0.25])
        let x = Tensor([[-2, 1], [3, -4]] as [[Float]])
        let y = prelu(x)
        XCTAssertEqual(y.toArray(as: Float.self), [-0.5, 1, 3, -1])
        y.sum().backward()
        XCTAssertEqual(prelu.weight.grad?.toArray(as: Float.self), [-2, -4])
    }

    func testPixelShuffleRoundTrips() {
        let x = Tensor.arange(32).reshape(1, 8, 2, 2).to(.float32)
        let up = PixelShuffle(2)(x)
        XCTAssertEqual(up.shape, [1, 2, 4, 4])
        XCTAssertEqual(up[0, 0, 0].toArray(as: Float.self), [0, 4, 1, 5], "channels interleave into the columns")
        XCTAssertEqual(PixelUnshuffle(2)(up).toArray(as: Float.self), x.toArray(as: Float.self))
        XCTAssertEqual(ChannelShuffle(2)(x)[0, .all, 0, 0].toArray(as: Float.self), [0, 16, 4, 20, 8, 24, 12, 28])
    }

    func testLossModulesComputeTheirFunctions() {
        let a = Tensor([[0.2, -1.0, 0.5], [1.5, 0.3, -0.7]] as [[Double]])
        let b = Tensor([[0.1, 0.4, -0.2], [0.9, -0.5, 0.6]] as [[Double]])
        let c = Tensor([[1.0, 0.0, 0.3], [0.2, 0.8, -0.1]] as [[Double]])
        let sign = Tensor([1.0, -1.0])
        XCTAssertEqual(TripletMarginLoss(margin: 0.5)(a, b, c).item(), F.tripletMarginLoss(a, b, c, margin: 0.5).item())
        XCTAssertEqual(CosineEmbeddingLoss()(a, b, sign).item(), F.cosineEmbeddingLoss(a, b, sign).item())
        XCTAssertEqual(MarginRankingLoss(margin: 0.1)(a[.all, 0], b[.all, 0], sign).item(),
                       F.marginRankingLoss(a[.all, 0], b[.all, 0], sign, margin: 0.1).item())
        XCTAssertEqual(GaussianNLLLoss()(a, b, c.abs()).item(), F.gaussianNLLLoss(a, b, c.abs()).item())
        XCTAssertEqual(MultiMarginLoss()(a, Tensor([2, 0] as [Int64])).item(), F.multiMarginLoss(a, Tensor([2, 0] as [Int64])).item())
        // Hand-computed: max(0, 1 - x_y + x_j) / C summed over j ≠ y.
        XCTAssertEqual(F.multiMarginLoss(Tensor([0.1, 0.2, 0.4] as [Double]), Tensor(Int64(2))).item(), (0.7 + 0.8) / 3, accuracy: 1e-12)
        XCTAssertEqual(CosineSimilarity(dim: 1)(a, a).toArray(as: Double.self).map { ($0 * 1e9).rounded() / 1e9 }, [1, 1])
        XCTAssertEqual(PairwiseDistance()(a, a).toArray(as: Double.self)[0], 3.0.squareRoot() * 1e-6, accuracy: 1e-12)
    }

    func testMatrixPowerAndProducts() {
        let m = Tensor([[1, 1], [1, 0]] as [[Double]])
        XCTAssertEqual(m.matrixPower(10).toArray(as: Double.self), [89, 55, 55, 34], "Fibonacci numbers")
        XCTAssertEqual(m.matrixPower(0).toArray(as: Double.self), [1, 0, 0, 1])
        let chained = Tensor.multiDot([Tensor([1, 2] as [Double]), m, Tensor([3, 4] as [Double])])
        let expected: Double = 13   // [1, 2]·m = [3, 1]; [3, 1]·[3, 4] = 13
        XCTAssertEqual(chained.item(), expected)
    }

    func testPaddingLayers() {
        XCTAssertEqual(ReflectionPad2d(2).description, "ReflectionPad2d((2, 2, 2, 2))")
        XCTAssertEqual(ReflectionPad2d(1, 2, 3, 4).description, "ReflectionPad2d((1, 2, 3, 4))")
        XCTAssertEqual(ConstantPad1d([2], 3.5).description, "ConstantPad1d(padding=(2, 2), value=3.5)")
        XCTAssertEqual(ReplicationPad3d(1).description, "ReplicationPad3d((1, 1, 1, 1, 1, 1))")
        let x = Tensor([1, 2, 3] as [Float]).reshape(1, 1, 3)
        XCTAssertEqual(ReflectionPad1d(2)(x).toArray(as: Float.self), [3, 2, 1, 2, 3, 2, 1])
        XCTAssertEqual(ReplicationPad1d(2)(x).toArray(as: Float.self), [1, 1, 1, 2, 3, 3, 3])
        XCTAssertEqual(CircularPad1d(2)(x).toArray(as: Float.self), [2, 3, 1, 2, 3, 1, 2])
        XCTAssertEqual(ZeroPad1d(1)(x).toArray(as: Float.self), [0, 1, 2, 3, 0])
        let leaf = x.clone().requiresGrad_()
        ReflectionPad1d(2)(leaf).sum().backward()
        XCTAssertEqual(leaf.grad?.toArray(as: Float.self), [2, 3, 2], "each read of an element adds to its gradient")
    }

    func testVolumetricAndOneDimensionalLayersPrintAsPyTorch() {
        XCTAssertEqual(Conv3d(1, 2, kernelSize: 3).description, "Conv3d(1, 2, kernel_size=(3, 3, 3), stride=(1, 1, 1))")
        XCTAssertEqual(Conv3d(1, 2, kernelSize: 3, padding: 1).description,
                       "Conv3d(1, 2, kernel_size=(3, 3, 3), stride=(1, 1, 1), padding=(1, 1, 1))")
        XCTAssertEqual(MaxPool3d(2).description, "MaxPool3d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)")
        XCTAssertEqual(AvgPool3d(2).description, "AvgPool3d(kernel_size=2, stride=2, padding=0)")
        XCTAssertEqual(AvgPool1d(3).description, "AvgPool1d(kernel_size=(3,), stride=(3,), padding=(0,))")
        XCTAssertEqual(MaxPool1d(3).description, "MaxPool1d(kernel_size=3, stride=3, padding=0, dilation=1, ceil_mode=False)")
        XCTAssertEqual(AdaptiveAvgPool3d(1).description, "AdaptiveAvgPool3d(output_size=1)")
        XCTAssertEqual(AdaptiveAvgPool3d([1, nil, 2]).description, "AdaptiveAvgPool3d(output_size=(1, None, 2))")
        XCTAssertEqual(AdaptiveAvgPool1d(4).description, "AdaptiveAvgPool1d(output_size=4)")
        XCTAssertEqual(BatchNorm3d(4).description, "BatchNorm3d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)")
        XCTAssertEqual(ConvTranspose1d(2, 3, kernelSize: 3, stride: 2).description, "ConvTranspose1d(2, 3, kernel_size=(3,), stride=(2,))")
    }

    func testVolumetricAndOneDimensionalLayersComputeTheirFunctions() {
        Ember.manualSeed(9)
        let volume = Tensor.randn([2, 3, 4, 6, 6])
        let conv = Conv3d(3, 4, kernelSize: [1, 3, 3], padding: [0, 1, 1])
        XCTAssertEqual(Array(conv.stateDict().keys), ["weight", "bias"])
        XCTAssertEqual(conv.weight.shape, [4, 3, 1, 3, 3])
        XCTAssertEqual(conv(volume).toArray(as: Float.self),
                       F.conv3d(volume, conv.weight, conv.bias, padding: [0, 1, 1]).toArray(as: Float.self))
        XCTAssertEqual(MaxPool3d(2)(volume).shape, [2, 3, 2, 3, 3])
        XCTAssertEqual(AvgPool3d(2)(volume).toArray(as: Float.self), F.avgPool3d(volume, 2).toArray(as: Float.self))
        XCTAssertEqual(AdaptiveAvgPool3d(1)(volume).shape, [2, 3, 1, 1, 1])
        let norm = BatchNorm3d(3)
        let normalised = norm(volume)
        assertClose(normalised.mean(dims: [0, 2, 3, 4]), [0, 0, 0], tolerance: 1e-5)
        XCTAssertEqual(Array(norm.stateDict().keys), ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"])
        let sequence = Tensor.randn([2, 3, 8])
        XCTAssertEqual(MaxPool1d(2)(sequence).toArray(as: Float.self), F.maxPool1d(sequence, 2).toArray(as: Float.self))
        XCTAssertEqual(AvgPool1d(4)(sequence).shape, [2, 3, 2])
        XCTAssertEqual(AdaptiveAvgPool1d(2)(sequence).toArray(as: Float.self), AvgPool1d(4)(sequence).toArray(as: Float.self))
        let transposed = ConvTranspose1d(3, 2, kernelSize: 3, stride: 2)
        XCTAssertEqual(transposed(sequence).shape, [2, 2, 17])
    }
}
