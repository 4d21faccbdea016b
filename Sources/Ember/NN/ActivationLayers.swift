// Activation layers, Dropout and Embedding.

/// `max(x, 0)` (`nn.ReLU`).
public final class ReLU: Module {
    public let inplace: Bool
    public init(inplace: Bool = false) { self.inplace = inplace; super.init() }
    public override func forward(_ input: Tensor) -> Tensor { input.relu() }
    public override var extraDescription: String { inplace ? "inplace=True" : "" }
}

/// `nn.LeakyReLU`.
public final class LeakyReLU: Module {
    public let negativeSlope: Double
    public init(negativeSlope: Double = 0.01) { self.negativeSlope = negativeSlope; super.init() }
    public override func forward(_ input: Tensor) -> Tensor { input.leakyRelu(negativeSlope: negativeSlope) }
    public override var extraDescription: String { "negative_slope=\(pythonFloat(negativeSlope))" }
}

/// `nn.ELU`.
public final class ELU: Module {
    public let alpha: Double
    public init(alpha: Double = 1) { self.alpha = alpha; super.init() }
    public override func forward(_ input: Tensor) -> Tensor { input.elu(alpha: alpha) }
    public override var extraDescription: String { "alpha=\(pythonFloat(alpha))" }
}

/// `nn.GELU`, exact (`"none"`) or with the tanh approximation.
public final class GELU: Module {
    public let approximate: String
    public init(approximate: String = "none") { self.approximate = approximate; super.init() }
    public override func forward(_ input: Tensor) -> Tensor { input.gelu(approximate: approximate) }
    public override var extraDescription: String { "approximate='\(approximate)'" }
}

/// `nn.SiLU`.
public final class SiLU: Module {
    public override init() { super.init() }
    public override func forward(_ input: Tensor) -> Tensor { input.silu() }
}

/// `nn.Softplus`.
public final class Softplus: Module {
    public let beta: Double, threshold: Double
    public init(beta: Double = 1, threshold: Double = 20) { (self.beta, self.threshold) = (beta, threshold); super.init() }
    public override func forward(_ input: Tensor) -> Tensor { input.softplus(beta: beta, threshold: threshold) }
    public override var extraDescription: String { "beta=\(pythonFloat(beta)), threshold=\(pythonFloat(threshold))" }
}

/// `nn.Tanh`.
public final class Tanh: Module {
    public override init() { super.init() }
    public override func forward(_ input: Tensor) -> Tensor { input.tanh() }
}

/// `nn.Sigmoid`.
public final class Sigmoid: Module {
    public override init() { super.init() }
    public override func forward(_ input: Tensor) -> Tensor { input.sigmoid() }
}

/// `nn.Softmax` along `dim`.
public final class Softmax: Module {
    public let dim: Int
    public init(dim: Int) { self.dim = dim; super.init() }
    public override func forward(_ input: Tensor) -> Tensor { input.softmax(dim: dim) }
    public override var extraDescription: String { "dim=\(dim)" }
}

/// `nn.LogSoftmax` along `dim`.
public final class LogSoftmax: Module {
    public let dim: Int
    public init(dim: Int) { self.dim = dim; super.init() }
    public override func forward(_ input: Tensor) -> Tensor { input.logSoftmax(dim: dim) }
    public override var extraDescription: String { "dim=\(dim)" }
}

/// Zeroes elements with probability `p` in training mode (`nn.Dropout`).
public final class Dropout: Module {
    public let p: Double, inplace: Bool
    public init(_ p: Double = 0.5, inplace: Bool = false) { (self.p, self.inplace) = (p, inplace); super.init() }
    public override func forward(_ input: Tensor) -> Tensor { F.dropout(input, p: p, training: isTraining) }
    public override var extraDescription: String { "p=\(pythonFloat(p)), inplace=\(pythonBool(inplace))" }
}

/// Zeroes whole channels with probability `p` in training mode (`nn.Dropout2d`).
public final class Dropout2d: Module {
    public let p: Double, inplace: Bool
    public init(_ p: Double = 0.5, inplace: Bool = false) { (self.p, self.inplace) = (p, inplace); super.init() }
    public override func forward(_ input: Tensor) -> Tensor { F.dropout2d(input, p: p, training: isTraining) }
    public override var extraDescription: String { "p=\(pythonFloat(p)), inplace=\(pythonBool(inplace))" }
}

/// A lookup table of `numEmbeddings` vectors (`nn.Embedding`), initialised N(0, 1) with the padding row zero.
public final class Embedding: Module {
    @Parameter public var weight: Tensor
    public let numEmbeddings: Int, embeddingDim: Int, paddingIdx: Int?

    public init(_ numEmbeddings: Int, _ embeddingDim: Int, paddingIdx: Int? = nil) {
        (self.numEmbeddings, self.embeddingDim) = (numEmbeddings, embeddingDim)
        self.paddingIdx = paddingIdx.map { $0 < 0 ? $0 + numEmbeddings : $0 }
        weight = Init.normal_(Tensor.empty([numEmbeddings, embeddingDim]))
        super.init()
        if let p = self.paddingIdx { noGrad { weight[p].zero_() } }
    }

    public override func forward(_ input: Tensor) -> Tensor { F.embedding(input, weight, paddingIdx: paddingIdx) }

    public override var extraDescription: String {
        "\(numEmbeddings), \(embeddingDim)" + (paddingIdx.map { ", padding_idx=\($0)" } ?? "")
    }
}
