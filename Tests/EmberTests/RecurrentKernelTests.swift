// The fused recurrent layers (one kernel per sequence) against the same steps unrolled with the cells'
// differentiable ops, forward and every gradient, on shapes that take each path: every cell, both directions,
// several layers, no bias, one step, batch 1, hidden size 1, gradients reaching only the final states.
import CEmberKernels
import Ember
import XCTest

final class RecurrentKernelTests: XCTestCase {
    private enum Kind: CaseIterable { case tanh, relu, lstm, gru }

    private func makeLayer(_ kind: Kind, _ inputSize: Int, _ hiddenSize: Int, layers: Int, bias: Bool, bidirectional: Bool) -> RecurrentBase {
        switch kind {
        case .tanh, .relu:
            return RNN(inputSize, hiddenSize, numLayers: layers, nonlinearity: kind == .relu ? "relu" : "tanh", bias: bias,
                       bidirectional: bidirectional)
        case .lstm: return LSTM(inputSize, hiddenSize, numLayers: layers, bias: bias, bidirectional: bidirectional)
        case .gru: return GRU(inputSize, hiddenSize, numLayers: layers, bias: bias, bidirectional: bidirectional)
        }
    }

    private func makeCell(_ kind: Kind, _ inputSize: Int, _ hiddenSize: Int, bias: Bool) -> RecurrentCellBase {
        switch kind {
        case .tanh, .relu: return RNNCell(inputSize, hiddenSize, bias: bias, nonlinearity: kind == .relu ? "relu" : "tanh")
        case .lstm: return LSTMCell(inputSize, hiddenSize, bias: bias)
        case .gru: return GRUCell(inputSize, hiddenSize, bias: bias)
        }
    }

    /// The layer's computation written out with one cell per layer and direction, holding copies of its weights:
    /// the output sequence, the final states, and the cells by the layer's parameter suffix.
    private func unrolled(_ kind: Kind, _ layer: RecurrentBase, _ x: Tensor, _ h0: Tensor, _ c0: Tensor?)
        -> (output: Tensor, h: Tensor, c: Tensor?, cells: [String: RecurrentCellBase]) {
        let directions = layer.bidirectional ? 2 : 1
        var layerInput = x, finalH: [Tensor] = [], finalC: [Tensor] = [], cells: [String: RecurrentCellBase] = [:]
        for l in 0..<layer.numLayers {
            var outputs: [Tensor] = []
            for d in 0..<directions {
                let suffix = "_l\(l)" + (d == 1 ? "_reverse" : "")
                let cell = makeCell(kind, layerInput.shape[2], layer.hiddenSize, bias: layer.hasBias)
                cell.to(x.dtype)
                noGrad { for (name, p) in cell.namedParameters() { p.copy_(layer.parameter(name + suffix)!) } }
                cells[suffix] = cell
                var h = h0[l * directions + d], c = c0?[l * directions + d]
                var steps = [Tensor?](repeating: nil, count: x.shape[0])
                for t in d == 0 ? Array(0..<x.shape[0]) : Array((0..<x.shape[0]).reversed()) {
                    if let lstm = cell as? LSTMCell {
                        (h, c) = lstm(layerInput[t], (h, c!))
                    } else {
                        h = (cell as! HiddenStateCell)(layerInput[t], h)
                    }
                    steps[t] = h
                }
                outputs.append(Tensor.stack(steps.map { $0! }, dim: 0))
                finalH.append(h)
                if let c { finalC.append(c) }
            }
            layerInput = Tensor.cat(outputs, dim: 2)
        }
        return (layerInput, Tensor.stack(finalH, dim: 0), finalC.isEmpty ? nil : Tensor.stack(finalC, dim: 0), cells)
    }

    /// Runs `layer` and the unrolled cells on the same data, backpropagates the same weighted sums through both
    /// (to the outputs and states that `reached` names), and compares values and every gradient.
    private func check(_ kind: Kind, steps: Int, batch: Int, inputSize: Int, hiddenSize: Int, layers: Int = 1, bias: Bool = true,
                       bidirectional: Bool = false, reached: Set<String> = ["output", "h", "c"], dtype: DType = .float64,
                       tolerance: Double = 1e-10, file: StaticString = #filePath, line: UInt = #line) {
        Ember.manualSeed(7)
        let layer = makeLayer(kind, inputSize, hiddenSize, layers: layers, bias: bias, bidirectional: bidirectional)
        layer.to(dtype)
        let states = layers * (bidirectional ? 2 : 1)
        let x = Tensor.randn([steps, batch, inputSize], dtype: dtype).requiresGrad_()
        let h0 = Tensor.randn([states, batch, hiddenSize], dtype: dtype).requiresGrad_()
        let c0 = kind == .lstm ? Tensor.randn([states, batch, hiddenSize], dtype: dtype).requiresGrad_() : nil
        let fused: (output: Tensor, h: Tensor, c: Tensor?)
        if let lstm = layer as? LSTM {
            let result = lstm(x, (h0, c0!))
            fused = (result.output, result.state.h, result.state.c)
        } else if let gru = layer as? GRU {
            let result = gru(x, h0)
            fused = (result.output, result.hidden, nil)
        } else {
            let result = (layer as! RNN)(x, h0)
            fused = (result.output, result.hidden, nil)
        }
        let (xReference, h0Reference) = (x.detach().double().requiresGrad_(), h0.detach().double().requiresGrad_())
        let c0Reference = c0.map { $0.detach().double().requiresGrad_() }
        let reference = unrolled(kind, layer, xReference, h0Reference, c0Reference)
        let context = "\(kind) steps \(steps) batch \(batch) input \(inputSize) hidden \(hiddenSize) layers \(layers) "
            + "bias \(bias) bidirectional \(bidirectional) reached \(reached.sorted()) \(dtype)"
        assertClose(fused.output, reference.output.toArray(as: Double.self), tolerance: tolerance, file: file, line: line)
        assertClose(fused.h, reference.h.toArray(as: Double.self), tolerance: tolerance, file: file, line: line)
        if let c = fused.c { assertClose(c, reference.c!.toArray(as: Double.self), tolerance: tolerance, file: file, line: line) }

        func weightedSum(_ outputs: (output: Tensor, h: Tensor, c: Tensor?)) -> Tensor {
            func weighted(_ t: Tensor) -> Tensor {
                (t * Tensor.linspace(-1, 2, steps: t.numel, dtype: t.dtype).reshape(t.shape)).sum()
            }
            var total = Tensor.zeros([], dtype: outputs.output.dtype)
            if reached.contains("output") { total = total + weighted(outputs.output) }
            if reached.contains("h") { total = total + weighted(outputs.h) }
            if reached.contains("c"), let c = outputs.c { total = total + weighted(c) }
            return total
        }
        weightedSum(fused).backward()
        weightedSum((reference.output, reference.h, reference.c)).backward()
        for (name, p) in layer.namedParameters() {
            let suffix = String(name[name.range(of: "_l")!.lowerBound...])
            let cellName = String(name[..<name.range(of: "_l")!.lowerBound])
            let cellParameter = reference.cells[suffix]!.namedParameters().first { $0.0 == cellName }!.1
            XCTAssertNotNil(p.grad, "\(context): \(name) has a gradient", file: file, line: line)
            guard let grad = p.grad, let expected = cellParameter.grad else { continue }
            assertClose(grad, expected.toArray(as: Double.self), tolerance: tolerance, file: file, line: line)
        }
        for (input, referenceInput) in zip([x, h0] + (c0.map { [$0] } ?? []), [xReference, h0Reference] + (c0Reference.map { [$0] } ?? [])) {
            XCTAssertNotNil(input.grad, "\(context): an input has a gradient", file: file, line: line)
            guard let grad = input.grad, let expected = referenceInput.grad else { continue }
            assertClose(grad, expected.toArray(as: Double.self), tolerance: tolerance, file: file, line: line)
        }
    }

    func testEveryCellMatchesItsUnrolledSteps() {
        for kind in Kind.allCases {
            check(kind, steps: 5, batch: 3, inputSize: 4, hiddenSize: 6)
            check(kind, steps: 4, batch: 2, inputSize: 3, hiddenSize: 5, layers: 2, bidirectional: true)
            check(kind, steps: 3, batch: 2, inputSize: 3, hiddenSize: 4, bias: false)
        }
    }

    func testEdgeShapes() {
        for kind in Kind.allCases {
            check(kind, steps: 1, batch: 1, inputSize: 1, hiddenSize: 1)
            check(kind, steps: 1, batch: 4, inputSize: 2, hiddenSize: 3, bidirectional: true)
            check(kind, steps: 6, batch: 1, inputSize: 9, hiddenSize: 11)
        }
    }

    func testGradientsReachingOnlyTheFinalStates() {
        for kind in Kind.allCases {
            check(kind, steps: 4, batch: 2, inputSize: 3, hiddenSize: 5, bidirectional: true, reached: ["h"])
            check(kind, steps: 4, batch: 2, inputSize: 3, hiddenSize: 5, reached: ["output"])
        }
        check(.lstm, steps: 4, batch: 2, inputSize: 3, hiddenSize: 5, reached: ["c"])
    }

    /// float32 runs the vectorised sigmoid and tanh and the packed recurrent product; they stay within a few ulp of
    /// the float64 reference. The shapes take the product's tiles (14 rows with AVX-512, 6 with AVX2) whole and with
    /// rows left, its 32-column panels and their 16-column halves whole and cut (gate widths 11 to 4·300), and
    /// depths past one 256-row block. Each version of the kernels runs: AVX-512, AVX2 and the portable loops.
    func testFloat32AgreesWithFloat64() {
        defer { ember_limit_cpu_capability(2) }
        for capability in [2, 1, 0] {
            ember_limit_cpu_capability(Int32(capability))
            for kind in Kind.allCases {
                check(kind, steps: 35, batch: 4, inputSize: 16, hiddenSize: 40, layers: 2, dtype: .float32, tolerance: 2e-5)
                for (batch, hidden) in [(7, 11), (9, 17), (11, 33), (6, 16), (20, 64), (15, 300)] {
                    check(kind, steps: 3, batch: batch, inputSize: 5, hiddenSize: hidden, dtype: .float32, tolerance: 2e-5)
                }
            }
        }
    }

    /// Finite differences through the whole fused layer, for the input and the initial states.
    func testGradcheckOfInputsAndStates() {
        Ember.manualSeed(2)
        let lstm = LSTM(3, 4, bidirectional: true), gru = GRU(3, 4), rnn = RNN(3, 4)
        for layer in [lstm, gru, rnn] as [RecurrentBase] { layer.to(.float64) }
        let x = Tensor.randn(5, 2, 3), h0 = Tensor.randn(2, 2, 4), c0 = Tensor.randn(2, 2, 4)
        gradcheck("LSTM", [x, h0, c0]) { args in
            let (output, state) = lstm(args[0], (args[1], args[2]))
            return Tensor.cat([output.flatten(), state.h.flatten(), state.c.flatten()])
        }
        gradcheck("GRU", [x, h0[0 ..< 1]]) { args in gru(args[0], args[1]).output }
        gradcheck("RNN", [x, h0[0 ..< 1]]) { args in rnn(args[0], args[1]).hidden }
    }

    func testNodesAndBatchFirstAndEmptyBatches() {
        Ember.manualSeed(4)
        let lstm = LSTM(3, 4, batchFirst: true), x = Tensor.randn(2, 5, 3).requiresGrad_()
        let (output, state) = lstm(x)
        XCTAssertEqual(output.shape, [2, 5, 4])
        XCTAssertEqual(state.h[0].toArray(as: Float.self), output.select(1, 4).toArray(as: Float.self))
        XCTAssertEqual(LSTM(3, 4)(Tensor.randn(5, 2, 3)).output.gradFn?.name, "MkldnnRnnLayerBackward0")
        XCTAssertEqual(GRU(3, 4)(Tensor.randn(5, 2, 3)).output.gradFn?.name, "StackBackward0")
        let empty = GRU(3, 4)(Tensor.randn(5, 0, 3).requiresGrad_())
        XCTAssertEqual(empty.output.shape, [5, 0, 4])
        empty.output.sum().backward()
    }
}
