// Activation layers, Dropout and Embedding.

/// `f(input)` written back into `input` when `inplace` (PyTorch's `inplace=True`: the caller's tensor changes,
/// and autograd records the copy), else a new tensor.
private func applied(to input: Tensor, inplace: Bool, _ f: (Tensor) -> Tensor) -> Tensor {
    inplace ? input.copy_(f(input)) : f(input)
}

/// `max(x, 0)` (`nn.ReLU`).
open class ReLU: Module {
    /// Whether the result overwrites the input (`inplace=True`).
    public let inplace: Bool
    /// With `inplace`, the input is overwritten (`relu_`), as PyTorch's `ReLU(inplace=True)` does.
    public init(inplace: Bool = false) { self.inplace = inplace; super.init() }
    open override func forward(_ input: Tensor) -> Tensor { inplace ? input.relu_() : input.relu() }
    open override var extraDescription: String { inplace ? "inplace=True" : "" }
}

/// `nn.LeakyReLU`.
open class LeakyReLU: Module {
    /// The `negative_slope` and `inplace` arguments it was made with.
    public let negativeSlope: Double, inplace: Bool
    /// `LeakyReLU(…)`, with PyTorch's arguments and defaults.
    public init(negativeSlope: Double = 0.01, inplace: Bool = false) {
        (self.negativeSlope, self.inplace) = (negativeSlope, inplace)
        super.init()
    }
    /// `LeakyReLU(0.2)`.
    public convenience init(_ negativeSlope: Double, inplace: Bool = false) { self.init(negativeSlope: negativeSlope, inplace: inplace) }
    open override func forward(_ input: Tensor) -> Tensor {
        applied(to: input, inplace: inplace) { $0.leakyRelu(negativeSlope: negativeSlope) }
    }
    open override var extraDescription: String { "negative_slope=\(pythonFloat(negativeSlope))" + (inplace ? ", inplace=True" : "") }
}

/// `nn.ELU`.
open class ELU: Module {
    /// The `alpha` and `inplace` arguments it was made with.
    public let alpha: Double, inplace: Bool
    /// `ELU(…)`, with PyTorch's arguments and defaults.
    public init(alpha: Double = 1, inplace: Bool = false) { (self.alpha, self.inplace) = (alpha, inplace); super.init() }
    open override func forward(_ input: Tensor) -> Tensor { applied(to: input, inplace: inplace) { $0.elu(alpha: alpha) } }
    open override var extraDescription: String { "alpha=\(pythonFloat(alpha))" + (inplace ? ", inplace=True" : "") }
}

/// `nn.GELU`, exact (`"none"`) or with the tanh approximation.
open class GELU: Module {
    /// The `approximate` argument it was made with.
    public let approximate: String
    /// `GELU(…)`, with PyTorch's arguments and defaults.
    public init(approximate: String = "none") { self.approximate = approximate; super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input.gelu(approximate: approximate) }
    open override var extraDescription: String { "approximate='\(approximate)'" }
}

/// `nn.SiLU`.
open class SiLU: Module {
    /// Whether the result overwrites the input (`inplace=True`).
    public let inplace: Bool
    /// `SiLU(…)`, with PyTorch's arguments and defaults.
    public init(inplace: Bool = false) { self.inplace = inplace; super.init() }
    open override func forward(_ input: Tensor) -> Tensor { applied(to: input, inplace: inplace) { $0.silu() } }
    open override var extraDescription: String { inplace ? "inplace=True" : "" }
}

/// `nn.Softplus`.
open class Softplus: Module {
    /// The `beta` and `threshold` arguments it was made with.
    public let beta: Double, threshold: Double
    /// `Softplus(…)`, with PyTorch's arguments and defaults.
    public init(beta: Double = 1, threshold: Double = 20) { (self.beta, self.threshold) = (beta, threshold); super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input.softplus(beta: beta, threshold: threshold) }
    open override var extraDescription: String { "beta=\(pythonFloat(beta)), threshold=\(pythonFloat(threshold))" }
}

/// `nn.Tanh`.
open class Tanh: Module {
    /// `Tanh(…)`, with PyTorch's arguments and defaults.
    public override init() { super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input.tanh() }
}

/// `nn.Sigmoid`.
open class Sigmoid: Module {
    /// `Sigmoid(…)`, with PyTorch's arguments and defaults.
    public override init() { super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input.sigmoid() }
}

/// `nn.Softmax` along `dim`.
open class Softmax: Module {
    /// The `dim` argument it was made with.
    public let dim: Int
    /// `Softmax(…)`, with PyTorch's arguments and defaults.
    public init(dim: Int) { self.dim = dim; super.init() }
    /// `Softmax(1)`.
    public convenience init(_ dim: Int) { self.init(dim: dim) }
    open override func forward(_ input: Tensor) -> Tensor { input.softmax(dim: dim) }
    open override var extraDescription: String { "dim=\(dim)" }
}

/// `nn.LogSoftmax` along `dim`.
open class LogSoftmax: Module {
    /// The `dim` argument it was made with.
    public let dim: Int
    /// `LogSoftmax(…)`, with PyTorch's arguments and defaults.
    public init(dim: Int) { self.dim = dim; super.init() }
    /// `LogSoftmax(1)`.
    public convenience init(_ dim: Int) { self.init(dim: dim) }
    open override func forward(_ input: Tensor) -> Tensor { input.logSoftmax(dim: dim) }
    open override var extraDescription: String { "dim=\(dim)" }
}

/// Zeroes elements with probability `p` in training mode (`nn.Dropout`).
open class Dropout: Module {
    /// The `p` and `inplace` arguments it was made with.
    public let p: Double, inplace: Bool
    /// `Dropout(…)`, with PyTorch's arguments and defaults.
    public init(_ p: Double = 0.5, inplace: Bool = false) { (self.p, self.inplace) = (p, inplace); super.init() }
    /// `Dropout(p=0.2)`.
    public convenience init(p: Double, inplace: Bool = false) { self.init(p, inplace: inplace) }
    open override func forward(_ input: Tensor) -> Tensor {
        applied(to: input, inplace: inplace && isTraining) { F.dropout($0, p: p, training: isTraining) }
    }
    open override var extraDescription: String { "p=\(pythonFloat(p)), inplace=\(pythonBool(inplace))" }
}

/// Zeroes whole channels with probability `p` in training mode (`nn.Dropout2d`).
open class Dropout2d: Module {
    /// The `p` and `inplace` arguments it was made with.
    public let p: Double, inplace: Bool
    /// `Dropout2d(…)`, with PyTorch's arguments and defaults.
    public init(_ p: Double = 0.5, inplace: Bool = false) { (self.p, self.inplace) = (p, inplace); super.init() }
    /// `Dropout2d(p=0.2)`.
    public convenience init(p: Double, inplace: Bool = false) { self.init(p, inplace: inplace) }
    open override func forward(_ input: Tensor) -> Tensor {
        applied(to: input, inplace: inplace && isTraining) { F.dropout2d($0, p: p, training: isTraining) }
    }
    open override var extraDescription: String { "p=\(pythonFloat(p)), inplace=\(pythonBool(inplace))" }
}

/// A lookup table of `numEmbeddings` vectors (`nn.Embedding`), initialised N(0, 1) with the padding row zero.
open class Embedding: Module {
    /// The learnable `weight`.
    @Parameter public var weight: Tensor
    /// The `num_embeddings`, `embedding_dim` and `padding_idx` arguments it was made with.
    public let numEmbeddings: Int, embeddingDim: Int, paddingIdx: Int?

    /// `Embedding(…)`, with PyTorch's arguments and defaults.
    public init(_ numEmbeddings: Int, _ embeddingDim: Int, paddingIdx: Int? = nil) {
        (self.numEmbeddings, self.embeddingDim) = (numEmbeddings, embeddingDim)
        self.paddingIdx = paddingIdx.map { $0 < 0 ? $0 + numEmbeddings : $0 }
        weight = Init.normal_(Tensor.empty([numEmbeddings, embeddingDim]))
        super.init()
        if let p = self.paddingIdx { noGrad { weight[p].zero_() } }
    }

    open override func forward(_ input: Tensor) -> Tensor { F.embedding(input, weight, paddingIdx: paddingIdx) }

    open override var extraDescription: String {
        "\(numEmbeddings), \(embeddingDim)" + (paddingIdx.map { ", padding_idx=\($0)" } ?? "")
    }
}

/// `nn.Hardtanh`: clamps to `[minVal, maxVal]`.
open class Hardtanh: Module {
    /// The `min_val`, `max_val` and `inplace` arguments it was made with.
    public let minVal: Double, maxVal: Double, inplace: Bool
    /// `Hardtanh(…)`, with PyTorch's arguments and defaults.
    public init(minVal: Double = -1, maxVal: Double = 1, inplace: Bool = false) {
        (self.minVal, self.maxVal, self.inplace) = (minVal, maxVal, inplace)
        super.init()
    }
    open override func forward(_ input: Tensor) -> Tensor {
        applied(to: input, inplace: inplace) { $0.hardtanh(minVal: minVal, maxVal: maxVal) }
    }
    open override var extraDescription: String {
        "min_val=\(pythonFloat(minVal)), max_val=\(pythonFloat(maxVal))" + (inplace ? ", inplace=True" : "")
    }
}

/// `nn.ReLU6`: `min(max(x, 0), 6)`.
open class ReLU6: Hardtanh {
    /// `ReLU6(…)`, with PyTorch's arguments and defaults.
    public init(inplace: Bool = false) { super.init(minVal: 0, maxVal: 6, inplace: inplace) }
    open override var extraDescription: String { inplace ? "inplace=True" : "" }
}

/// An activation without parameters: `nn.Hardswish`, `nn.Hardsigmoid`, `nn.Mish`, `nn.SELU`… share it.
open class ElementwiseActivation: Module {
    /// Whether the result overwrites the input (`inplace=True`).
    public let inplace: Bool
    let function: (Tensor) -> Tensor
    init(inplace: Bool = false, _ function: @escaping (Tensor) -> Tensor) {
        (self.inplace, self.function) = (inplace, function)
        super.init()
    }
    open override func forward(_ input: Tensor) -> Tensor { applied(to: input, inplace: inplace, function) }
}

/// `nn.Hardswish`.
open class Hardswish: ElementwiseActivation {
    /// `Hardswish(…)`, with PyTorch's arguments and defaults.
    public init(inplace: Bool = false) { super.init(inplace: inplace) { $0.hardswish() } }
}
/// `nn.Hardsigmoid`.
open class Hardsigmoid: ElementwiseActivation {
    /// `Hardsigmoid(…)`, with PyTorch's arguments and defaults.
    public init(inplace: Bool = false) { super.init(inplace: inplace) { $0.hardsigmoid() } }
}
/// `nn.Mish`.
open class Mish: ElementwiseActivation {
    /// `Mish(…)`, with PyTorch's arguments and defaults.
    public init(inplace: Bool = false) { super.init(inplace: inplace) { $0.mish() } }
}
/// `nn.LogSigmoid`.
open class LogSigmoid: ElementwiseActivation {
    /// `LogSigmoid(…)`, with PyTorch's arguments and defaults.
    public init() { super.init { $0.logSigmoid() } }
}
/// `nn.Softsign`.
open class Softsign: ElementwiseActivation {
    /// `Softsign(…)`, with PyTorch's arguments and defaults.
    public init() { super.init { $0.softsign() } }
}
/// `nn.Tanhshrink`.
open class Tanhshrink: ElementwiseActivation {
    /// `Tanhshrink(…)`, with PyTorch's arguments and defaults.
    public init() { super.init { $0.tanhshrink() } }
}

/// `nn.SELU`.
open class SELU: ElementwiseActivation {
    /// `SELU(…)`, with PyTorch's arguments and defaults.
    public init(inplace: Bool = false) { super.init(inplace: inplace) { $0.selu() } }
    open override var extraDescription: String { inplace ? "inplace=True" : "" }
}

/// `nn.CELU`.
open class CELU: ElementwiseActivation {
    /// The `alpha` argument it was made with.
    public let alpha: Double
    /// `CELU(…)`, with PyTorch's arguments and defaults.
    public init(alpha: Double = 1, inplace: Bool = false) {
        self.alpha = alpha
        super.init(inplace: inplace) { $0.celu(alpha: alpha) }
    }
    open override var extraDescription: String { "alpha=\(pythonFloat(alpha))" + (inplace ? ", inplace=True" : "") }
}

/// `nn.Hardshrink`.
open class Hardshrink: ElementwiseActivation {
    /// The `lambd` argument it was made with.
    public let lambd: Double
    /// `Hardshrink(…)`, with PyTorch's arguments and defaults.
    public init(lambd: Double = 0.5) {
        self.lambd = lambd
        super.init { $0.hardshrink(lambd: lambd) }
    }
    open override var extraDescription: String { pythonFloat(lambd) }
}

/// `nn.Softshrink`.
open class Softshrink: ElementwiseActivation {
    /// The `lambd` argument it was made with.
    public let lambd: Double
    /// `Softshrink(…)`, with PyTorch's arguments and defaults.
    public init(lambd: Double = 0.5) {
        self.lambd = lambd
        super.init { $0.softshrink(lambd: lambd) }
    }
    open override var extraDescription: String { pythonFloat(lambd) }
}

/// `nn.Threshold`: `x` where `x > threshold`, else `value`.
open class Threshold: ElementwiseActivation {
    /// The `threshold` and `value` arguments it was made with.
    public let threshold: Double, value: Double
    /// `Threshold(…)`, with PyTorch's arguments and defaults.
    public init(_ threshold: Double, _ value: Double, inplace: Bool = false) {
        (self.threshold, self.value) = (threshold, value)
        super.init(inplace: inplace) { $0.threshold(threshold, value) }
    }
    open override var extraDescription: String {
        "threshold=\(pythonFloat(threshold)), value=\(pythonFloat(value))" + (inplace ? ", inplace=True" : "")
    }
}

/// `nn.PReLU`: a learnt negative slope, one for all channels or one per channel, initialised to `initialValue`.
open class PReLU: Module {
    /// The learnable `weight`.
    @Parameter public var weight: Tensor
    /// The `num_parameters` argument it was made with.
    public let numParameters: Int
    /// `PReLU(…)`, with PyTorch's arguments and defaults.
    public init(numParameters: Int = 1, initialValue: Double = 0.25, dtype: DType = defaultFloatDType) {
        self.numParameters = numParameters
        weight = Tensor.full([numParameters], initialValue, dtype: dtype)
        super.init()
    }
    open override func forward(_ input: Tensor) -> Tensor { input.prelu(weight) }
    open override var extraDescription: String { "num_parameters=\(numParameters)" }
}

/// `nn.GLU`: the first half along `dim` gated by the sigmoid of the second.
open class GLU: Module {
    /// The `dim` argument it was made with.
    public let dim: Int
    /// `GLU(…)`, with PyTorch's arguments and defaults.
    public init(dim: Int = -1) { self.dim = dim; super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input.glu(dim: dim) }
    open override var extraDescription: String { "dim=\(dim)" }
}

/// `nn.Softmin`: `softmax(-x)` along `dim`.
open class Softmin: Module {
    /// The `dim` argument it was made with.
    public let dim: Int
    /// `Softmin(…)`, with PyTorch's arguments and defaults.
    public init(dim: Int) { self.dim = dim; super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input.softmin(dim: dim) }
    open override var extraDescription: String { "dim=\(dim)" }
}

/// `nn.EmbeddingBag`: an embedding table whose rows are summed, averaged or maxed per bag of indices.
open class EmbeddingBag: Module {
    /// The learnable `weight`.
    @Parameter public var weight: Tensor
    /// The `num_embeddings`, `embedding_dim`, `mode`, `include_last_offset` and `padding_idx` arguments it was made with.
    public let numEmbeddings: Int, embeddingDim: Int, mode: EmbeddingBagMode, includeLastOffset: Bool, paddingIdx: Int?

    /// `EmbeddingBag(…)`, with PyTorch's arguments and defaults.
    public init(_ numEmbeddings: Int, _ embeddingDim: Int, mode: EmbeddingBagMode = .mean, includeLastOffset: Bool = false,
                paddingIdx: Int? = nil) {
        (self.numEmbeddings, self.embeddingDim, self.mode, self.includeLastOffset) = (numEmbeddings, embeddingDim, mode, includeLastOffset)
        self.paddingIdx = paddingIdx.map { $0 < 0 ? $0 + numEmbeddings : $0 }
        weight = Init.normal_(Tensor.empty([numEmbeddings, embeddingDim]))
        super.init()
        if let p = self.paddingIdx { noGrad { weight[p].zero_() } }
    }

    /// The bags of a 2-d input, or of a 1-d input split at `offsets`.
    public func callAsFunction(_ input: Tensor, offsets: Tensor? = nil, perSampleWeights: Tensor? = nil) -> Tensor {
        F.embeddingBag(input, weight, offsets: offsets, mode: mode, perSampleWeights: perSampleWeights,
                       includeLastOffset: includeLastOffset, paddingIdx: paddingIdx)
    }

    open override func forward(_ input: Tensor) -> Tensor { self(input, offsets: nil) }

    open override var extraDescription: String {
        "\(numEmbeddings), \(embeddingDim), mode='\(mode.rawValue)'" + (paddingIdx.map { ", padding_idx=\($0)" } ?? "")
    }
}
