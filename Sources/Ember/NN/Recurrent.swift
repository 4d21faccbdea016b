// Recurrent layers: RNN, LSTM, GRU (layers, batchFirst, bidirectional, dropout between layers, initial states).

/// The shared machinery of `RNN`, `LSTM` and `GRU` (`nn.RNNBase`). Parameters are named as PyTorch
/// names them: `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`, `…_reverse` for the backward direction.
open class RecurrentBase: Module {
    /// The cell kind (`RecurrentCell`).
    public typealias Cell = RecurrentCell

    /// The `cell` argument it was made with.
    public let cell: Cell
    /// The `input_size`, `hidden_size`, `num_layers`, `has_bias`, `batch_first`, `dropout` and `bidirectional` arguments it was made with.
    public let inputSize: Int, hiddenSize: Int, numLayers: Int, hasBias: Bool, batchFirst: Bool, dropout: Double, bidirectional: Bool
    /// The parameters in PyTorch's order, by name.
    public fileprivate(set) var weights: [(name: String, tensor: Tensor)] = []

    init(cell: Cell, inputSize: Int, hiddenSize: Int, numLayers: Int, bias: Bool, batchFirst: Bool, dropout: Double,
         bidirectional: Bool) {
        (self.cell, self.inputSize, self.hiddenSize, self.numLayers) = (cell, inputSize, hiddenSize, numLayers)
        (self.hasBias, self.batchFirst, self.dropout, self.bidirectional) = (bias, batchFirst, dropout, bidirectional)
        super.init()
        let gates = cell.gates
        let directions = bidirectional ? 2 : 1
        for layer in 0..<numLayers {
            for direction in 0..<directions {
                let suffix = "_l\(layer)" + (direction == 1 ? "_reverse" : "")
                let layerInput = layer == 0 ? inputSize : hiddenSize * directions
                weights.append(("weight_ih" + suffix, Tensor.empty([gates * hiddenSize, layerInput]).requiresGrad_()))
                weights.append(("weight_hh" + suffix, Tensor.empty([gates * hiddenSize, hiddenSize]).requiresGrad_()))
                if bias {
                    weights.append(("bias_ih" + suffix, Tensor.empty([gates * hiddenSize]).requiresGrad_()))
                    weights.append(("bias_hh" + suffix, Tensor.empty([gates * hiddenSize]).requiresGrad_()))
                }
            }
        }
        let bound = 1 / Double(hiddenSize).squareRoot()
        for (_, w) in weights { Init.uniform_(w, a: -bound, b: bound) }
    }

    open override var members: [(name: String, member: Member)] { weights.map { ($0.name, .parameter($0.tensor)) } }

    override func tensorSlots() -> [TensorSlot] { weights.indices.map { RecurrentWeightSlot(owner: self, index: $0) } }

    /// The parameter named `name` (`weight_ih_l0`…).
    public func parameter(_ name: String) -> Tensor? { weights.first { $0.name == name }?.tensor }

    open override var extraDescription: String {
        var s = "\(inputSize), \(hiddenSize)"
        if numLayers != 1 { s += ", num_layers=\(numLayers)" }
        if !hasBias { s += ", bias=False" }
        if batchFirst { s += ", batch_first=True" }
        if dropout != 0 { s += ", dropout=\(pythonFloat(dropout))" }
        if bidirectional { s += ", bidirectional=True" }
        return s
    }

    /// Runs every layer and direction; `h0` (and `c0` for LSTM) are [layers·directions, N, H] or nil for zeros.
    /// Returns the output [T, N, directions·H] (batch first if set) and the final states.
    func run(_ input: Tensor, _ h0: Tensor?, _ c0: Tensor?, file: StaticString, line: UInt) -> (Tensor, Tensor, Tensor?) {
        let unbatched = input.dim == 2
        check(input.dim == 3 || unbatched, typeName, "expected 2-d or 3-d input, got \(shapeText(input.shape))", file: file, line: line)
        var x = unbatched ? input.unsqueeze(batchFirst ? 0 : 1) : input
        if batchFirst { x = x.transpose(0, 1) }
        check(x.shape[2] == inputSize, typeName, "input.size(-1) must be equal to input_size. Expected \(inputSize), got "
              + "\(x.shape[2])", file: file, line: line)
        check(x.shape[0] > 0, typeName, "Expected sequence length to be larger than 0 in RNN", file: file, line: line)
        let batch = x.shape[1]
        let directions = bidirectional ? 2 : 1
        let stateShape = [numLayers * directions, batch, hiddenSize]
        func prepare(_ state: Tensor?) -> Tensor {
            guard let s = state else { return Tensor.zeros(stateShape, dtype: input.dtype, device: input.device) }
            let batched = unbatched ? s.unsqueeze(1) : s
            check(batched.shape == stateShape, typeName, "Expected hidden size \(shapeText(stateShape)), got \(shapeText(batched.shape))",
                  file: file, line: line)
            return batched
        }
        let hInitial = prepare(h0), cInitial = cell == .lstm ? prepare(c0) : nil
        for t in [hInitial] + (cInitial.map { [$0] } ?? []) + weights.map(\.tensor) {
            Tensor.checkSameDevice(x, t, op: typeName, file: file, line: line)
        }
        var layerInput = x
        var finalH: [Tensor] = [], finalC: [Tensor] = []
        var index = 0
        for layer in 0..<numLayers {
            var outputs: [Tensor] = []
            for direction in 0..<directions {
                let wIh = weights[index].tensor, wHh = weights[index + 1].tensor
                let bIh = hasBias ? weights[index + 2].tensor : nil, bHh = hasBias ? weights[index + 3].tensor : nil
                index += hasBias ? 4 : 2
                let stateIndex = layer * directions + direction
                let (output, h, c) = cell.layer(layerInput, h0: hInitial[stateIndex], c0: cInitial?[stateIndex], weightIh: wIh,
                                                weightHh: wHh, biasIh: bIh, biasHh: bHh, reverse: direction == 1)
                outputs.append(output)
                finalH.append(h)
                if let c = c { finalC.append(c) }
            }
            layerInput = directions == 1 ? outputs[0] : Tensor.cat(outputs, dim: 2)
            if dropout > 0 && layer < numLayers - 1 { layerInput = F.dropout(layerInput, p: dropout, training: isTraining) }
        }
        var output = batchFirst ? layerInput.transpose(0, 1) : layerInput
        var hN = Tensor.stack(finalH, dim: 0), cN = finalC.isEmpty ? nil : Tensor.stack(finalC, dim: 0)
        if unbatched {
            output = output.squeeze(batchFirst ? 0 : 1)
            hN = hN.squeeze(1)
            cN = cN?.squeeze(1)
        }
        return (output, hN, cN)
    }

    /// The output sequence only, so the layer fits in a `Sequential`.
    open override func forward(_ input: Tensor) -> Tensor { run(input, nil, nil, file: #fileID, line: #line).0 }
}

/// An Elman RNN with tanh or ReLU (`nn.RNN`).
open class RNN: RecurrentBase {
    /// `RNN(input_size, hidden_size, num_layers)`, positional as PyTorch code writes it.
    public convenience init(_ inputSize: Int, _ hiddenSize: Int, _ numLayers: Int, nonlinearity: String = "tanh", bias: Bool = true,
                            batchFirst: Bool = false, dropout: Double = 0, bidirectional: Bool = false) {
        self.init(inputSize, hiddenSize, numLayers: numLayers, nonlinearity: nonlinearity, bias: bias, batchFirst: batchFirst, dropout: dropout,
                  bidirectional: bidirectional)
    }
    /// `RNN(input_size=…, hidden_size=…)`.
    public convenience init(inputSize: Int, hiddenSize: Int, numLayers: Int = 1, nonlinearity: String = "tanh", bias: Bool = true,
                            batchFirst: Bool = false, dropout: Double = 0, bidirectional: Bool = false) {
        self.init(inputSize, hiddenSize, numLayers: numLayers, nonlinearity: nonlinearity, bias: bias, batchFirst: batchFirst, dropout: dropout,
                  bidirectional: bidirectional)
    }
    /// `RNN(…)`, with PyTorch's arguments and defaults.
    public init(_ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1, nonlinearity: String = "tanh", bias: Bool = true,
                batchFirst: Bool = false, dropout: Double = 0, bidirectional: Bool = false) {
        super.init(cell: nonlinearity == "relu" ? .relu : .tanh, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers,
                   bias: bias, batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional)
    }

    /// The output sequence and the final hidden state (`output, h_n = rnn(x, h0)`).
    public func callAsFunction(_ input: Tensor, _ h0: Tensor?, file: StaticString = #fileID, line: UInt = #line) -> (output: Tensor, hidden: Tensor) {
        let (output, h, _) = run(input, h0, nil, file: file, line: line)
        return (output, h)
    }

    /// `output, h_n = rnn(x)`, starting from zeros.
    public func callAsFunction(_ input: Tensor, file: StaticString = #fileID, line: UInt = #line) -> (output: Tensor, hidden: Tensor) {
        callAsFunction(input, nil, file: file, line: line)
    }

    open override var extraDescription: String {
        super.extraDescription + (cell == .relu ? ", nonlinearity=relu" : "")
    }
}

/// Long short-term memory (`nn.LSTM`).
open class LSTM: RecurrentBase {
    /// `LSTM(input_size, hidden_size, num_layers)`, positional as PyTorch code writes it.
    public convenience init(_ inputSize: Int, _ hiddenSize: Int, _ numLayers: Int, bias: Bool = true,
                            batchFirst: Bool = false, dropout: Double = 0, bidirectional: Bool = false) {
        self.init(inputSize, hiddenSize, numLayers: numLayers, bias: bias, batchFirst: batchFirst, dropout: dropout,
                  bidirectional: bidirectional)
    }
    /// `LSTM(input_size=…, hidden_size=…)`.
    public convenience init(inputSize: Int, hiddenSize: Int, numLayers: Int = 1, bias: Bool = true,
                            batchFirst: Bool = false, dropout: Double = 0, bidirectional: Bool = false) {
        self.init(inputSize, hiddenSize, numLayers: numLayers, bias: bias, batchFirst: batchFirst, dropout: dropout,
                  bidirectional: bidirectional)
    }
    /// `LSTM(…)`, with PyTorch's arguments and defaults.
    public init(_ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1, bias: Bool = true, batchFirst: Bool = false,
                dropout: Double = 0, bidirectional: Bool = false) {
        super.init(cell: .lstm, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias,
                   batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional)
    }

    /// The output sequence and the final (hidden, cell) states; `state` defaults to zeros.
    public func callAsFunction(_ input: Tensor, _ state: (h: Tensor, c: Tensor)?,
                               file: StaticString = #fileID, line: UInt = #line) -> (output: Tensor, state: (h: Tensor, c: Tensor)) {
        let (output, h, c) = run(input, state?.h, state?.c, file: file, line: line)
        return (output, (h, c!))
    }

    /// `output, (h_n, c_n) = lstm(x)`, starting from zeros.
    public func callAsFunction(_ input: Tensor, file: StaticString = #fileID, line: UInt = #line) -> (output: Tensor, state: (h: Tensor, c: Tensor)) {
        callAsFunction(input, nil, file: file, line: line)
    }
}

/// Gated recurrent unit (`nn.GRU`).
open class GRU: RecurrentBase {
    /// `GRU(input_size, hidden_size, num_layers)`, positional as PyTorch code writes it.
    public convenience init(_ inputSize: Int, _ hiddenSize: Int, _ numLayers: Int, bias: Bool = true,
                            batchFirst: Bool = false, dropout: Double = 0, bidirectional: Bool = false) {
        self.init(inputSize, hiddenSize, numLayers: numLayers, bias: bias, batchFirst: batchFirst, dropout: dropout,
                  bidirectional: bidirectional)
    }
    /// `GRU(input_size=…, hidden_size=…)`.
    public convenience init(inputSize: Int, hiddenSize: Int, numLayers: Int = 1, bias: Bool = true,
                            batchFirst: Bool = false, dropout: Double = 0, bidirectional: Bool = false) {
        self.init(inputSize, hiddenSize, numLayers: numLayers, bias: bias, batchFirst: batchFirst, dropout: dropout,
                  bidirectional: bidirectional)
    }
    /// `GRU(…)`, with PyTorch's arguments and defaults.
    public init(_ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1, bias: Bool = true, batchFirst: Bool = false,
                dropout: Double = 0, bidirectional: Bool = false) {
        super.init(cell: .gru, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias,
                   batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional)
    }

    /// The output sequence and the final hidden state (`output, h_n = gru(x, h0)`).
    public func callAsFunction(_ input: Tensor, _ h0: Tensor?, file: StaticString = #fileID, line: UInt = #line) -> (output: Tensor, hidden: Tensor) {
        let (output, h, _) = run(input, h0, nil, file: file, line: line)
        return (output, h)
    }

    /// `output, h_n = gru(x)`, starting from zeros.
    public func callAsFunction(_ input: Tensor, file: StaticString = #fileID, line: UInt = #line) -> (output: Tensor, hidden: Tensor) {
        callAsFunction(input, nil, file: file, line: line)
    }
}

/// One of a recurrent layer's weights, as a slot `DataParallel` can fill.
private final class RecurrentWeightSlot: TensorSlot {
    unowned let owner: RecurrentBase
    let index: Int

    init(owner: RecurrentBase, index: Int) { (self.owner, self.index) = (owner, index) }

    var tensor: Tensor? {
        get { owner.weights[index].tensor }
        set { owner.weights[index].tensor = newValue! }
    }
}
