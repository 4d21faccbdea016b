// One time step of a recurrent layer: RNNCell, LSTMCell, GRUCell (`nn.RNNCellBase`), for loops written by hand.

/// The shared part of the cells: `weight_ih` [gates·H, input], `weight_hh` [gates·H, H] and the optional
/// biases, all initialised U(-1/√H, 1/√H) in that order, as PyTorch does.
open class RecurrentCellBase: Module {
    /// The learnable `weight_ih`.
    @Parameter public var weightIh: Tensor
    /// The learnable `weight_hh`.
    @Parameter public var weightHh: Tensor
    /// The learnable `bias_ih`.
    @OptionalParameter public var biasIh: Tensor?
    /// The learnable `bias_hh`.
    @OptionalParameter public var biasHh: Tensor?
    /// The `input_size` and `hidden_size` arguments it was made with.
    public let inputSize: Int, hiddenSize: Int
    let cell: RecurrentCell

    init(cell: RecurrentCell, inputSize: Int, hiddenSize: Int, bias: Bool) {
        (self.cell, self.inputSize, self.hiddenSize) = (cell, inputSize, hiddenSize)
        let rows = cell.gates * hiddenSize
        weightIh = Tensor.empty([rows, inputSize])
        weightHh = Tensor.empty([rows, hiddenSize])
        biasIh = bias ? Tensor.empty([rows]) : nil
        biasHh = bias ? Tensor.empty([rows]) : nil
        super.init()
        let bound = 1 / Double(hiddenSize).squareRoot()
        for p in parameters() { Init.uniform_(p, a: -bound, b: bound) }
    }

    /// One step from `input` [N, input] (or [input]) and the states, zeros when nil.
    func step(_ input: Tensor, _ h: Tensor?, _ c: Tensor?, file: StaticString, line: UInt) -> (h: Tensor, c: Tensor?) {
        check(input.dim == 1 || input.dim == 2, typeName, "Expected input to be 1D or 2D, got \(input.dim)D instead "
              + "(shape \(shapeText(input.shape)))", file: file, line: line)
        check(input.shape.last == inputSize, typeName, "input has inconsistent input_size: got \(input.shape.last ?? 0) "
              + "expected \(inputSize)", file: file, line: line)
        let batched = input.dim == 2 ? input : input.unsqueeze(0)
        func state(_ s: Tensor?) -> Tensor {
            guard let s = s else { return Tensor.zeros([batched.shape[0], hiddenSize], dtype: input.dtype, device: input.device) }
            return input.dim == 2 ? s : s.unsqueeze(0)
        }
        let hPrevious = state(h)
        let next = cell.step(F.linear(batched, weightIh, biasIh), F.linear(hPrevious, weightHh, biasHh),
                             h: hPrevious, c: cell == .lstm ? state(c) : nil)
        return input.dim == 2 ? next : (next.h.squeeze(0), next.c?.squeeze(0))
    }

    open override var extraDescription: String {
        "\(inputSize), \(hiddenSize)" + (biasIh == nil ? ", bias=False" : "") + (cell == .relu ? ", nonlinearity=relu" : "")
    }
}

/// A cell whose state is one hidden tensor (RNNCell, GRUCell): `cell(x, h)` gives the next `h`.
open class HiddenStateCell: RecurrentCellBase {
    /// The next hidden state (`cell(x, h)`); `h` defaults to zeros.
    public func callAsFunction(_ input: Tensor, _ h: Tensor?, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        step(input, h, nil, file: file, line: line).h
    }
    open override func forward(_ input: Tensor) -> Tensor { step(input, nil, nil, file: #fileID, line: #line).h }
}

/// An Elman RNN cell, `h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)` (`nn.RNNCell`).
public final class RNNCell: HiddenStateCell {
    /// `RNNCell(…)`, with PyTorch's arguments and defaults.
    public init(_ inputSize: Int, _ hiddenSize: Int, bias: Bool = true, nonlinearity: String = "tanh") {
        super.init(cell: nonlinearity == "relu" ? .relu : .tanh, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias)
    }
    /// `RNNCell(…)`, with PyTorch's arguments and defaults.
    public convenience init(inputSize: Int, hiddenSize: Int, bias: Bool = true, nonlinearity: String = "tanh") {
        self.init(inputSize, hiddenSize, bias: bias, nonlinearity: nonlinearity)
    }
}

/// A GRU cell (`nn.GRUCell`).
public final class GRUCell: HiddenStateCell {
    /// `GRUCell(…)`, with PyTorch's arguments and defaults.
    public init(_ inputSize: Int, _ hiddenSize: Int, bias: Bool = true) {
        super.init(cell: .gru, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias)
    }
    /// `GRUCell(…)`, with PyTorch's arguments and defaults.
    public convenience init(inputSize: Int, hiddenSize: Int, bias: Bool = true) { self.init(inputSize, hiddenSize, bias: bias) }
}

/// An LSTM cell (`nn.LSTMCell`): `cell(x, (h, c))` gives the next `(h, c)`.
public final class LSTMCell: RecurrentCellBase {
    /// `LSTMCell(…)`, with PyTorch's arguments and defaults.
    public init(_ inputSize: Int, _ hiddenSize: Int, bias: Bool = true) {
        super.init(cell: .lstm, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias)
    }
    /// `LSTMCell(…)`, with PyTorch's arguments and defaults.
    public convenience init(inputSize: Int, hiddenSize: Int, bias: Bool = true) { self.init(inputSize, hiddenSize, bias: bias) }

    /// The next `(h, c)`; the state defaults to zeros.
    public func callAsFunction(_ input: Tensor, _ state: (h: Tensor, c: Tensor)?,
                               file: StaticString = #fileID, line: UInt = #line) -> (h: Tensor, c: Tensor) {
        let next = step(input, state?.h, state?.c, file: file, line: line)
        return (next.h, next.c!)
    }
    /// `h, c = cell(x)`, from zeros.
    public func callAsFunction(_ input: Tensor, file: StaticString = #fileID, line: UInt = #line) -> (h: Tensor, c: Tensor) {
        callAsFunction(input, nil, file: file, line: line)
    }
    /// The next hidden state alone, so the cell fits where one tensor is expected.
    public override func forward(_ input: Tensor) -> Tensor { step(input, nil, nil, file: #fileID, line: #line).h }
}

extension RecurrentCell {
    /// One time step from the input and hidden projections (`x W_ihᵀ + b_ih`, `h W_hhᵀ + b_hh`), with
    /// differentiable ops: the new hidden state and, for LSTM, the new cell state (PyTorch's gate order: i, f, g,
    /// o and r, z, n).
    func step(_ gatesX: Tensor, _ gatesH: Tensor, h: Tensor, c: Tensor?) -> (h: Tensor, c: Tensor?) {
        switch self {
        case .tanh: return ((gatesX + gatesH).tanh(), nil)
        case .relu: return ((gatesX + gatesH).relu(), nil)
        case .lstm:
            let g = (gatesX + gatesH).chunk(4, dim: -1)
            let cell = g[1].sigmoid() * c! + g[0].sigmoid() * g[2].tanh()
            return (g[3].sigmoid() * cell.tanh(), cell)
        case .gru:
            let gx = gatesX.chunk(3, dim: -1), gh = gatesH.chunk(3, dim: -1)
            let r = (gx[0] + gh[0]).sigmoid(), z = (gx[1] + gh[1]).sigmoid()
            let n = (gx[2] + r * gh[2]).tanh()
            return ((1 - z) * n + z * h, nil)
        }
    }
}
