// Lines of real PyTorch programs as their natural Swift translation: positional dims, Swift numbers and
// ranges where PyTorch takes them, layers that subclass and replace, recurrent layers that return their
// state. Each compiles as written and gives PyTorch's values.
import Ember
import EmberVision
import Foundation
import XCTest

/// `class MyLinear(nn.Linear)`: a layer subclassed to change its forward.
final class ScaledLinear: Linear {
    override func forward(_ input: Tensor) -> Tensor { super.forward(input) * 2 }
}

/// A model with two inputs and two outputs, as a siamese network or a VAE is written.
final class TwoHeaded: Module {
    let shared = Linear(3, 2)
    func callAsFunction(_ a: Tensor, _ b: Tensor) -> (Tensor, Tensor) { (shared(a), shared(b)) }
    func callAsFunction(_ x: Tensor) -> (mu: Tensor, logvar: Tensor) { (shared(x), shared(x).exp()) }
}

final class PortingTests: XCTestCase {
    private let x = Tensor([[1, -2, 3, 0.5], [4, 5, -6, 2]] as [[Float]])

    private func values(_ t: Tensor) -> [Double] { t.toArray(as: Double.self) }

    func testPositionalDimsAsPyTorchWritesThem() {
        XCTAssertEqual(values(x.sum(0)), [5, 3, -3, 2.5])
        XCTAssertEqual(values(x.mean(1)), [0.625, 1.25])
        XCTAssertEqual(values(x.argmax(1)), [2, 1])
        XCTAssertEqual(values(x.max(1).values), [3, 5])
        XCTAssertEqual(x.flatten(1).shape, [2, 4])
        XCTAssertEqual(Tensor.zeros(2, 3, 4).flatten(1).shape, [2, 12])
        XCTAssertEqual(values(x.narrow(1, 1, 2)), [-2, 3, 5, -6])
        assertClose(x.norm(2, 1), [(1 + 4 + 9 + 0.25).squareRoot(), (16 + 25 + 36 + 4).squareRoot()])
        XCTAssertEqual(Tensor.cat([x, x], 1).shape, [2, 8])
        XCTAssertEqual(values(x.topk(2, 1, true).indices), [2, 0, 1, 0])
        XCTAssertEqual(values(Tensor.arange(0, 7, 2)), [0, 2, 4, 6])
        XCTAssertEqual(values(x.std(0)), values(x.std(dim: 0)))
        XCTAssertEqual(values(x.softmax(1)), values(x.softmax(dim: 1)))
    }

    func testLayersWithPyTorchsPositionalAndKeywordArguments() {
        Ember.manualSeed(0)
        let lstm = LSTM(4, 8, 2)
        XCTAssertEqual(lstm.numLayers, 2)
        XCTAssertEqual(LSTM(inputSize: 4, hiddenSize: 8).hiddenSize, 8)
        XCTAssertEqual(GRU(inputSize: 4, hiddenSize: 3, numLayers: 2).numLayers, 2)
        XCTAssertEqual(LeakyReLU(0.2).negativeSlope, 0.2)
        XCTAssertEqual(Dropout(p: 0.3).p, 0.3)
        XCTAssertEqual(Softmax(1).dim, 1)
        let w = Tensor.empty(3, 4)
        Init.uniform_(w, -0.1, 0.1)
        XCTAssertTrue(values(w).allSatisfy { Swift.abs($0) <= 0.1 })
        Init.normal_(w, 0, 0.02)
        XCTAssertLessThan(w.abs().max().item(), 0.2)
        let labels = Tensor.randint(10, size: [5])
        XCTAssertEqual(labels.shape, [5])
        XCTAssertEqual(labels.dtype, .int64)
    }

    func testInplaceActivationsOverwriteTheirInput() {
        let h = Tensor([-1, 2, -3] as [Float])
        let y = ReLU(inplace: true)(h)
        XCTAssertEqual(values(h), [0, 2, 0])
        XCTAssertTrue(y === h)
        let g = Tensor([-1, 2] as [Float])
        _ = LeakyReLU(0.5, inplace: true)(g)
        XCTAssertEqual(values(g), [-0.5, 2])
        XCTAssertEqual(LeakyReLU(0.2, inplace: true).description, "LeakyReLU(negative_slope=0.2, inplace=True)")
        // Through autograd: the gradient of relu_ on a non-leaf is the mask of the result.
        let leaf = Tensor([-1, 2, 3] as [Float]).requiresGrad_()
        let hidden = leaf * 1
        ReLU(inplace: true)(hidden).sum().backward()
        XCTAssertEqual(values(leaf.grad!), [0, 1, 1])
    }

    func testSwiftNumbersWherePyTorchTakesNumbers() {
        let t = Tensor.zeros(4)
        t[1] = 1
        t[t .== 0] = 0.5
        XCTAssertEqual(values(t), [0.5, 1, 0.5, 0.5])
        XCTAssertEqual(t.dtype, .float32)
        let picked = Tensor.where(x .> 0, 1, 0)
        XCTAssertEqual(values(picked), [1, 0, 1, 1, 1, 1, 0, 1])
        XCTAssertEqual(picked.dtype, .int64)
        XCTAssertEqual(Tensor.where(x .> 0, x, 0).dtype, .float32)
        XCTAssertEqual(Tensor(1, dtype: .int64).dtype, .int64)
        XCTAssertEqual(Tensor([1, 2], dtype: .float32).dtype, .float32)
        let n = 3
        XCTAssertEqual(Tensor.full([2], n).dtype, .int64)
        XCTAssertEqual(values(Tensor.zeros(2).fill_(n)), [3, 3])
        // A one-element tensor into a 0-d slot, as PyTorch accepts.
        let u = Tensor.zeros(3)
        u[0] = Tensor([Float(7)])
        XCTAssertEqual(values(u), [7, 0, 0])
    }

    func testSwiftRangesAndStridesIndex() {
        let v = Tensor.arange(10)
        let m = 4
        XCTAssertEqual(values(v[..<m]), [0, 1, 2, 3])
        XCTAssertEqual(values(v[7...]), [7, 8, 9])
        XCTAssertEqual(values(v[2...4]), [2, 3, 4])
        XCTAssertEqual(values(v[...(-1)]), values(v))
        XCTAssertEqual(values(x[.all, ..<(-1)]), [1, -2, 3, 4, 5, -6])
        XCTAssertEqual(values(v[.range(0, 10, step: 3)]), [0, 3, 6, 9])
        XCTAssertEqual(values(v[stride(from: 1, to: 10, by: 4)]), [1, 5, 9])
        XCTAssertEqual(values(x[1, Tensor([0, 3])]), [4, 2])
        let view = v[2..<5]
        view[0] = 100
        XCTAssertEqual(v[2].item(), 100, "range subscripts are views")
    }

    func testIteratingATensorWalksItsRows() {
        var sums: [Double] = []
        for row in x { sums.append(row.sum().item()) }
        XCTAssertEqual(sums, [2.5, 5])
        for (i, row) in x.enumerated() { XCTAssertEqual(row.shape, [4], "row \(i)") }
        XCTAssertEqual(x.map { $0.shape[0] }, [4, 4])
    }

    func testATensorIsARandomAccessCollectionOfItsRows() {
        let v = Tensor.arange(6).reshape(3, 2)
        XCTAssertEqual(v.count, 3, "len(v)")
        XCTAssertEqual(values(v.first!), [0, 1])
        XCTAssertEqual(values(v.last!), [4, 5])
        XCTAssertEqual(v.reversed().map { values($0) }, [[4, 5], [2, 3], [0, 1]])
        XCTAssertEqual(Array(v.indices), [0, 1, 2])
        let tail = v.dropFirst()
        XCTAssertEqual(tail.shape, [2, 2], "slices are tensors")
        XCTAssertEqual(values(tail[0]), [2, 3], "a slice is indexed from 0, as v[1:] in PyTorch")
        XCTAssertEqual(values(v[1...].first!), values(v[1]))
        XCTAssertEqual(v.firstIndex { ($0.sum().item() as Double) > 4 }, 1)
        XCTAssertTrue(Tensor.zeros(0, 3).isEmpty)
        XCTAssertEqual(Tensor.zeros(0, 3).map { $0 }.count, 0)
    }

    func testTensorConveniencesOfPyTorch() {
        XCTAssertEqual(x.T.shape, [4, 2])
        XCTAssertEqual(values(x.T), values(x.t()))
        XCTAssertEqual(Tensor.zeros(2, 3, 4).mT.shape, [2, 4, 3])
        XCTAssertEqual(values(x ** 2), values(x * x))
        XCTAssertEqual(values(2 ** Tensor([1, 3] as [Float])), [2, 8])
        XCTAssertEqual(x.newZeros([3]).dtype, .float32)
        XCTAssertEqual(x.newOnes(2, 2).shape, [2, 2])
        XCTAssertEqual(x.newFull([2], 7).toArray(as: Float.self), [7, 7])
        XCTAssertEqual(Tensor.arange(8).viewAs(Tensor.zeros(2, 4)).shape, [2, 4])
        XCTAssertEqual(zerosLike(x).shape, x.shape)
        Ember.manualSeed(1)
        let a = randnLike(x)
        Ember.manualSeed(1)
        XCTAssertEqual(values(a), values(x.randnLike()))
        assertClose(log1p(Tensor([0, 1] as [Float])), [0, Foundation.log(2)])
        let w = Tensor([1] as [Float]).requiresGrad_()
        let y = setGradEnabled(false) { w * 2 }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertTrue(GradMode.isEnabled)
    }

    func testRecurrentLayersReturnOutputAndState() {
        Ember.manualSeed(0)
        let lstm = LSTM(3, 5)
        let input = Tensor.randn(7, 2, 3)
        let (output, (h, c)) = lstm(input)
        XCTAssertEqual(output.shape, [7, 2, 5])
        XCTAssertEqual(h.shape, [1, 2, 5])
        XCTAssertEqual(c.shape, [1, 2, 5])
        XCTAssertEqual(values(h[0]), values(output[6]))
        let gru = GRU(3, 4)
        let (gruOutput, hidden) = gru(input)
        XCTAssertEqual(gruOutput.shape, [7, 2, 4])
        XCTAssertEqual(hidden.shape, [1, 2, 4])
        // In a Sequential the layer gives its output sequence.
        XCTAssertEqual(Sequential(RNN(3, 6)).forward(input).shape, [7, 2, 6])
    }

    func testCellsAgreeWithOneStepOfTheirLayers() {
        Ember.manualSeed(3)
        let input = Tensor.randn(2, 3), h0 = Tensor.randn(2, 4), c0 = Tensor.randn(2, 4)
        for (cellType, layerType) in [("lstm", "LSTM"), ("gru", "GRU"), ("rnn", "RNN")] {
            let layer: RecurrentBase = layerType == "LSTM" ? LSTM(3, 4) : layerType == "GRU" ? GRU(3, 4) : RNN(3, 4)
            let cell: RecurrentCellBase = cellType == "lstm" ? LSTMCell(3, 4) : cellType == "gru" ? GRUCell(3, 4) : RNNCell(3, 4)
            XCTAssertEqual(cell.stateDict().keys.elements, ["weight_ih", "weight_hh", "bias_ih", "bias_hh"])
            noGrad {
                for (name, p) in cell.namedParameters() { p.copy_(layer.parameter(name + "_l0")!) }
            }
            let expected: Tensor, got: Tensor
            switch cell {
            case let lstmCell as LSTMCell:
                expected = (layer as! LSTM)(input.unsqueeze(0), (h0.unsqueeze(0), c0.unsqueeze(0))).state.c[0]
                got = lstmCell(input, (h0, c0)).c
            case let gruCell as GRUCell:
                expected = (layer as! GRU)(input.unsqueeze(0), h0.unsqueeze(0)).hidden[0]
                got = gruCell(input, h0)
            default:
                expected = (layer as! RNN)(input.unsqueeze(0), h0.unsqueeze(0)).hidden[0]
                got = (cell as! RNNCell)(input, h0)
            }
            assertClose(got, values(expected), tolerance: 1e-6)
        }
        XCTAssertEqual(LSTMCell(10, 20).description, "LSTMCell(10, 20)")
        XCTAssertEqual(RNNCell(10, 20, bias: false, nonlinearity: "relu").description, "RNNCell(10, 20, bias=False, nonlinearity=relu)")
        XCTAssertEqual(GRUCell(3, 4)(Tensor.randn(3)).shape, [4], "unbatched input")
    }

    func testSubclassedAndReplacedLayers() {
        let layer = ScaledLinear(2, 1)
        noGrad { layer.weight.fill_(1); layer.bias!.fill_(0) }
        XCTAssertEqual(layer(Tensor([[1, 2]] as [[Float]])).item(), 6)
        // Transfer learning: a new head is seen by parameters(), stateDict() and the description.
        let model = resnet18()
        XCTAssertEqual(model.fc.inFeatures, 512)
        model.fc = Linear(model.fc.inFeatures, 2)
        XCTAssertEqual(model.stateDict()["fc.weight"]?.shape, [2, 512])
        XCTAssertTrue(model.parameters().contains { $0 === model.fc.weight })
        model.requiresGrad_(false)
        model.fc = Linear(512, 2)
        XCTAssertEqual(model.parameters().filter(\.requiresGrad).count, 2, "only the new head trains")
    }

    func testApplyReachesWeightsWithoutCasts() {
        Ember.manualSeed(0)
        let model = Sequential(Linear(4, 3), ReLU(), Linear(3, 2, bias: false), BatchNorm1d(2))
        var initialised = 0
        model.apply { m in
            if m is Linear, let w = m.weight {
                Init.constant_(w, 0.5)
                if let b = m.bias { Init.zeros_(b) }
                initialised += 1
            }
        }
        XCTAssertEqual(initialised, 2)
        XCTAssertEqual(model.parameters()[0].toArray(as: Float.self), [Float](repeating: 0.5, count: 12))
        XCTAssertNil(model[2].bias, "bias: false")
        XCTAssertEqual(model[3].runningMean?.shape, [2])
        XCTAssertNil(model[1].weight)
    }

    func testModelsWithSeveralInputsAndOutputs() {
        let model = TwoHeaded()
        let (a, b) = model(Tensor.ones(1, 3), Tensor.zeros(1, 3))
        XCTAssertEqual(a.shape, [1, 2])
        XCTAssertEqual(values(b), values(model.shared.bias!))
        let (mu, logvar) = model(Tensor.ones(4, 3))
        XCTAssertEqual(mu.shape, [4, 2])
        XCTAssertEqual(logvar.shape, [4, 2])
    }

    func testModuleDtypeConversion() {
        let net = Sequential(Linear(3, 2), BatchNorm1d(2))
        let weight = net.parameters()[0]
        net.double()
        XCTAssertTrue(net.parameters().allSatisfy { $0.dtype == .float64 })
        XCTAssertTrue(net.buffers().filter { $0.dtype.isFloatingPoint }.allSatisfy { $0.dtype == .float64 })
        XCTAssertTrue(net.parameters()[0] === weight, "the same parameter objects, converted")
        XCTAssertEqual(net(Tensor.randn([4, 3], dtype: .float64)).dtype, .float64)
        net.float()
        XCTAssertEqual(weight.dtype, .float32)
    }

    func testWholeCheckpointLoadsWithoutATypeAndSubscriptsInPlace() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("porting-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("run.pt").path
        let net = Linear(3, 2)
        try Ember.save(["epoch": 3, "model": net.stateDict().checkpointValue] as CheckpointValue, to: path)
        let checkpoint = try Ember.load(path)
        XCTAssertEqual(checkpoint["epoch"]?.int, 3)
        let copy = Linear(3, 2)
        try copy.loadStateDict(Ember.load(path)["model"])
        XCTAssertEqual(values(copy.weight), values(net.weight))
        XCTAssertThrowsError(try copy.loadStateDict(checkpoint["optimizer"]))
    }
}
