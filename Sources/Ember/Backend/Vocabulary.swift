// The op vocabulary every backend implements: which function a pointwise kernel applies, which reduction or
// transform a row kernel runs, and the geometry of convolution and pooling windows.
/// Unary functions computed in floating point.
enum FloatUnaryOp {
    case exp, expm1, log, log1p, sqrt, rsqrt, sin, cos, tanh, sigmoid, erf, reciprocal
    case gelu, geluTanh, silu, leakyRelu(slope: Double), softplus(beta: Double, threshold: Double)
    /// `scale * x` for positive x, else `scale * alpha * (exp(inputScale * x) - 1)` (ELU, SELU, CELU).
    case elu(alpha: Double, scale: Double, inputScale: Double)
    case hardtanh(min: Double, max: Double), hardswish, hardsigmoid, mish, logSigmoid
    /// `x` where `|x| > lambda`, else 0; soft shrinking also moves the rest toward 0 by `lambda`.
    case shrink(lambda: Double, soft: Bool)
    case threshold(Double, value: Double)
    case powScalar(Double)
    case elementary(ElementaryFunction)
}

/// The functions of `RealModule` that need no parameter, computed by one kernel.
enum ElementaryFunction: CaseIterable {
    case acos, asin, atan, acosh, asinh, atanh, cosh, sinh, tan, log2, log10, exp2, erfc, frac, sinc
}

/// Unary functions that keep the dtype.
enum ArithmeticUnaryOp {
    case neg, abs, sign, floor, ceil, round, trunc, relu, square
    case clamp(min: Double?, max: Double?)
}

/// Binary functions that give the promoted dtype.
enum ArithmeticBinaryOp: Equatable {
    case add, subtract, multiply, divide, floorDivide, remainder, maximum, minimum
    case fmod, fmax, fmin   // C's fmod; maximum and minimum that ignore NaN
    case addScaled(Double)       // a + alpha * b
}

/// Binary functions computed in floating point.
enum FloatBinaryOp: Equatable {
    case pow, atan2, hypot, copysign, logaddexp, logaddexp2
    case reluBackward, sigmoidBackward, tanhBackward   // (grad, result) → grad input
    case thresholdBackward(Double)                      // (grad, input): grad where input > threshold
}

enum ComparisonOp: CaseIterable { case eq, ne, lt, le, gt, ge }

/// Bitwise functions of int64 values; shifts by the width (`bits` of the result's dtype) or more give 0, or the
/// sign for an arithmetic right shift, as PyTorch's do.
enum BitwiseOp { case and, or, xor, leftShift(bits: Int64), rightShift(bits: Int64) }

/// Reductions from K values to one.
enum RowReduction {
    case sum, prod, max, min, logsumexp, sumAbs, norm(Double), variance(correction: Double)
}

/// Row-wise transforms of a contiguous [rows, K] float tensor: softmax, log-softmax, cumulative sum.
enum RowTransform { case softmax, logSoftmax, cumsum, cumprod, logcumsumexp }

/// A pooling window's geometry over one plane.
struct PoolGeometry {
    let height: Int, width: Int, outH: Int, outW: Int
    let kernelH: Int, kernelW: Int, strideH: Int, strideW: Int
    let padH: Int, padW: Int, dilationH: Int, dilationW: Int
}

/// The geometry of a 2-d convolution window over one image.
struct ConvolutionGeometry {
    let channels: Int, height: Int, width: Int
    let kernelH: Int, kernelW: Int
    let strideH: Int, strideW: Int
    let padH: Int, padW: Int
    let dilationH: Int, dilationW: Int
    let outH: Int, outW: Int

    /// Rows of the column matrix: channels × kernel positions.
    var columnRows: Int { channels * kernelH * kernelW }
    /// Columns of the column matrix: output positions.
    var columnCount: Int { outH * outW }
}

/// The shapes of one 2-d convolution call (a 1-d one has height 1), forward or transposed; forward and backward
/// share them.
struct ConvolutionPlan {
    let batch: Int, inChannels: Int, height: Int, width: Int
    let outChannels: Int, kernelH: Int, kernelW: Int
    let stride: IntPair, padding: IntPair, dilation: IntPair, groups: Int
    let transposed: Bool
    let outH: Int, outW: Int

    init(input: [Int], weight: [Int], stride: IntPair, padding: IntPair, dilation: IntPair, groups: Int,
         transposed: Bool, outputPadding: IntPair) {
        (batch, inChannels, height, width) = (input[0], input[1], input[2], input[3])
        (kernelH, kernelW) = (weight[2], weight[3])
        outChannels = transposed ? weight[1] * groups : weight[0]
        (self.stride, self.padding, self.dilation, self.groups, self.transposed) = (stride, padding, dilation, groups, transposed)
        if transposed {
            outH = (height - 1) * stride.first - 2 * padding.first + dilation.first * (kernelH - 1) + outputPadding.first + 1
            outW = (width - 1) * stride.second - 2 * padding.second + dilation.second * (kernelW - 1) + outputPadding.second + 1
        } else {
            outH = (height + 2 * padding.first - dilation.first * (kernelH - 1) - 1) / stride.first + 1
            outW = (width + 2 * padding.second - dilation.second * (kernelW - 1) - 1) / stride.second + 1
        }
    }

    /// The rows and columns of one group's weight matrix as the GEMMs read it.
    var weightRows: Int { transposed ? inChannels / groups : outChannels / groups }
    var weightCols: Int { (transposed ? outChannels : inChannels) / groups * kernelH * kernelW }

    /// im2col geometry of the image side that has the larger spatial size (the output, when transposed).
    var geometry: ConvolutionGeometry {
        let channels = (transposed ? outChannels : inChannels) / groups
        return ConvolutionGeometry(channels: channels, height: transposed ? outH : height, width: transposed ? outW : width,
                                   kernelH: kernelH, kernelW: kernelW, strideH: stride.first, strideW: stride.second,
                                   padH: padding.first, padW: padding.second, dilationH: dilation.first,
                                   dilationW: dilation.second, outH: transposed ? height : outH, outW: transposed ? width : outW)
    }
}

/// The cell of a recurrent layer: Elman with tanh or ReLU, LSTM (gates i, f, g, o) or GRU (gates r, z, n).
public enum RecurrentCell: Sendable {
    /// The cell of `nn.RNN` (tanh or ReLU), `nn.LSTM` or `nn.GRU`.
    case tanh, relu, lstm, gru

    /// Gates per hidden unit: the rows of `weight_ih` are `gates × hiddenSize`.
    public var gates: Int { self == .lstm ? 4 : (self == .gru ? 3 : 1) }
}

/// The shapes of one direction of one recurrent layer run over a whole sequence.
///
/// Operands, all contiguous: input [steps, batch, inputSize]; h0 and c0 [batch, H]; weights as the layer holds
/// them ([gates·H, inputSize], [gates·H, H], [gates·H]); output [steps, batch, H]; `saved` [steps, batch,
/// savedWidth] holds what backward needs of each step (LSTM: the activated gates; GRU: r, z, n and the hidden
/// side of n before r scales it; RNN: the output again); `cells` [steps, batch, H] the LSTM's cell states.
struct RecurrentPlan {
    let cell: RecurrentCell
    let steps: Int, batch: Int, inputSize: Int, hiddenSize: Int
    /// Runs from the last step to the first (the backward direction of a bidirectional layer).
    let reverse: Bool

    /// Width of a row of gate pre-activations.
    var gateWidth: Int { cell.gates * hiddenSize }
    /// Width of a row of `saved`.
    var savedWidth: Int { cell == .lstm || cell == .gru ? 4 * hiddenSize : hiddenSize }
    /// The step processed `index`-th.
    func step(_ index: Int) -> Int { reverse ? steps - 1 - index : index }
    /// The step whose output is the state entering the step processed `index`-th (nil: the initial state).
    func previousStep(_ index: Int) -> Int? { index == 0 ? nil : step(index - 1) }
}

/// A recurrent layer's weights, or their gradients.
struct RecurrentWeights {
    let inputHidden: KernelOperand, hiddenHidden: KernelOperand
    let inputBias: KernelOperand?, hiddenBias: KernelOperand?

    /// The four operands in the layer's order, for code that moves operands as a list.
    var operands: [KernelOperand?] { [inputHidden, hiddenHidden, inputBias, hiddenBias] }

    init(inputHidden: KernelOperand, hiddenHidden: KernelOperand, inputBias: KernelOperand?, hiddenBias: KernelOperand?) {
        (self.inputHidden, self.hiddenHidden, self.inputBias, self.hiddenBias) = (inputHidden, hiddenHidden, inputBias, hiddenBias)
    }

    /// The weights from `operands`' four entries, or nil when the matrices are missing.
    init?(_ operands: ArraySlice<KernelOperand?>) {
        let list = Array(operands)
        guard list.count == 4, let inputHidden = list[0], let hiddenHidden = list[1] else { return nil }
        self.init(inputHidden: inputHidden, hiddenHidden: hiddenHidden, inputBias: list[2], hiddenBias: list[3])
    }
}

/// The shapes of scaled dot-product attention over [B1, B2, L, E] queries, [B1, B2, S, E] keys and
/// [B1, B2, S, Ev] values, each with a contiguous last dimension and any other strides.
struct AttentionPlan {
    let batch: Int, heads: Int, queryLength: Int, keyLength: Int, embedding: Int, valueEmbedding: Int
    let scale: Double
    /// Query i attends to keys j <= i only.
    let isCausal: Bool
}

/// A batch of discrete Fourier transforms along contiguous rows: `batch` rows of `length` points each.
struct FourierTransform {
    enum Kind {
        /// Complex rows [batch, length, 2] to complex rows, forward (negative exponent) or inverse (positive).
        case complexToComplex(inverse: Bool)
        /// Real rows [batch, length] to their one-sided transform [batch, length/2 + 1, 2].
        case realToComplex
    }
    let kind: Kind
    let batch: Int, length: Int
    /// The factor every output is multiplied by (the `norm` of `torch.fft`).
    let scale: Double
    /// Reals between the starts of consecutive real input rows, when not `length`: overlapping frames of one signal,
    /// `hop` apart (`stft`).
    var inputRowStride: Int? = nil

    /// Complex values per output row: length/2 + 1 from real rows, `length` from complex ones.
    var outputLength: Int {
        if case .realToComplex = kind { return length / 2 + 1 }
        return length
    }
}
