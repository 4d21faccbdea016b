// Loss modules: MSELoss, L1Loss, SmoothL1Loss, HuberLoss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, KLDivLoss.

/// A loss module: called with (input, target).
open class Loss: Module {
    /// The `reduction` argument it was made with.
    public let reduction: Reduction
    /// `Loss(…)`, with PyTorch's arguments and defaults.
    public init(reduction: Reduction) { self.reduction = reduction; super.init() }
    /// The loss of `input` against `target`.
    open func loss(_ input: Tensor, _ target: Tensor) -> Tensor { fatalError("\(typeName) must override loss(_:_:)") }
    /// The loss of `input` against `target`; a shape or class out of range stops naming the caller's line.
    public func callAsFunction(_ input: Tensor, _ target: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        CallSites.calling(from: file, line) { loss(input, target) }
    }
    /// The loss as a `(input, target)` function value (`lossFunction.callAsFunction`).
    @_disfavoredOverload public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor { loss(input, target) }
}

/// The mean squared error (`nn.MSELoss`); `reduction` chooses the mean, the sum or none.
open class MSELoss: Loss {
    /// `MSELoss(…)`, with PyTorch's arguments and defaults.
    public override init(reduction: Reduction = .mean) { super.init(reduction: reduction) }
    public override func loss(_ input: Tensor, _ target: Tensor) -> Tensor { F.mseLoss(input, target, reduction: reduction) }
}

/// The mean absolute error (`nn.L1Loss`).
open class L1Loss: Loss {
    /// `L1Loss(…)`, with PyTorch's arguments and defaults.
    public override init(reduction: Reduction = .mean) { super.init(reduction: reduction) }
    public override func loss(_ input: Tensor, _ target: Tensor) -> Tensor { F.l1Loss(input, target, reduction: reduction) }
}

/// Squared error below `beta`, absolute error above it (`nn.SmoothL1Loss`).
open class SmoothL1Loss: Loss {
    /// The `beta` argument it was made with.
    public let beta: Double
    /// `SmoothL1Loss(…)`, with PyTorch's arguments and defaults.
    public init(reduction: Reduction = .mean, beta: Double = 1) { self.beta = beta; super.init(reduction: reduction) }
    public override func loss(_ input: Tensor, _ target: Tensor) -> Tensor { F.smoothL1Loss(input, target, reduction: reduction, beta: beta) }
}

/// Squared error below `delta`, absolute error above it, scaled by `delta` (`nn.HuberLoss`).
open class HuberLoss: Loss {
    /// The `delta` argument it was made with.
    public let delta: Double
    /// `HuberLoss(…)`, with PyTorch's arguments and defaults.
    public init(reduction: Reduction = .mean, delta: Double = 1) { self.delta = delta; super.init(reduction: reduction) }
    public override func loss(_ input: Tensor, _ target: Tensor) -> Tensor { F.huberLoss(input, target, reduction: reduction, delta: delta) }
}

/// The cross entropy of logits against class indices or probabilities, with class weights, an ignored index and label smoothing (`nn.CrossEntropyLoss`).
open class CrossEntropyLoss: Loss {
    /// The `weight`, `ignore_index` and `label_smoothing` arguments it was made with.
    public let weight: Tensor?, ignoreIndex: Int, labelSmoothing: Double
    /// `CrossEntropyLoss(…)`, with PyTorch's arguments and defaults.
    public init(weight: Tensor? = nil, ignoreIndex: Int = -100, reduction: Reduction = .mean, labelSmoothing: Double = 0) {
        (self.weight, self.ignoreIndex, self.labelSmoothing) = (weight, ignoreIndex, labelSmoothing)
        super.init(reduction: reduction)
    }
    public override func loss(_ input: Tensor, _ target: Tensor) -> Tensor {
        F.crossEntropy(input, target, weight: weight, ignoreIndex: ignoreIndex, reduction: reduction, labelSmoothing: labelSmoothing)
    }
}

/// The negative log-likelihood of log-probabilities against class indices (`nn.NLLLoss`).
open class NLLLoss: Loss {
    /// The `weight` and `ignore_index` arguments it was made with.
    public let weight: Tensor?, ignoreIndex: Int
    /// `NLLLoss(…)`, with PyTorch's arguments and defaults.
    public init(weight: Tensor? = nil, ignoreIndex: Int = -100, reduction: Reduction = .mean) {
        (self.weight, self.ignoreIndex) = (weight, ignoreIndex)
        super.init(reduction: reduction)
    }
    public override func loss(_ input: Tensor, _ target: Tensor) -> Tensor {
        F.nllLoss(input, target, weight: weight, ignoreIndex: ignoreIndex, reduction: reduction)
    }
}

/// The binary cross entropy of probabilities (`nn.BCELoss`).
open class BCELoss: Loss {
    /// The `weight` argument it was made with.
    public let weight: Tensor?
    /// `BCELoss(…)`, with PyTorch's arguments and defaults.
    public init(weight: Tensor? = nil, reduction: Reduction = .mean) { self.weight = weight; super.init(reduction: reduction) }
    public override func loss(_ input: Tensor, _ target: Tensor) -> Tensor {
        F.binaryCrossEntropy(input, target, weight: weight, reduction: reduction)
    }
}

/// The binary cross entropy of logits, with a weight for positive examples (`nn.BCEWithLogitsLoss`).
open class BCEWithLogitsLoss: Loss {
    /// The `weight` and `pos_weight` arguments it was made with.
    public let weight: Tensor?, posWeight: Tensor?
    /// `BCEWithLogitsLoss(…)`, with PyTorch's arguments and defaults.
    public init(weight: Tensor? = nil, reduction: Reduction = .mean, posWeight: Tensor? = nil) {
        (self.weight, self.posWeight) = (weight, posWeight)
        super.init(reduction: reduction)
    }
    public override func loss(_ input: Tensor, _ target: Tensor) -> Tensor {
        F.binaryCrossEntropyWithLogits(input, target, weight: weight, posWeight: posWeight, reduction: reduction)
    }
}

/// The Kullback–Leibler divergence of the target from log-probabilities (`nn.KLDivLoss`).
open class KLDivLoss: Loss {
    /// The `log_target` argument it was made with.
    public let logTarget: Bool
    /// `KLDivLoss(…)`, with PyTorch's arguments and defaults.
    public init(reduction: Reduction = .mean, logTarget: Bool = false) { self.logTarget = logTarget; super.init(reduction: reduction) }
    public override func loss(_ input: Tensor, _ target: Tensor) -> Tensor {
        F.klDiv(input, target, reduction: reduction, logTarget: logTarget)
    }
}

/// A loss module called with three tensors: (input1, input2, target) or (anchor, positive, negative).
open class TripleInputLoss: Module {
    /// The `reduction` argument it was made with.
    public let reduction: Reduction
    /// `TripleInputLoss(…)`, with PyTorch's arguments and defaults.
    public init(reduction: Reduction) { self.reduction = reduction; super.init() }
    /// The loss of the three tensors.
    open func loss(_ a: Tensor, _ b: Tensor, _ c: Tensor) -> Tensor { fatalError("\(typeName) must override loss(_:_:_:)") }
    /// The loss of the three inputs.
    public func callAsFunction(_ a: Tensor, _ b: Tensor, _ c: Tensor) -> Tensor { loss(a, b, c) }
}

/// The two-class logistic loss against targets ±1 (`nn.SoftMarginLoss`).
open class SoftMarginLoss: Loss {
    /// `SoftMarginLoss(…)`, with PyTorch's arguments and defaults.
    public override init(reduction: Reduction = .mean) { super.init(reduction: reduction) }
    public override func loss(_ input: Tensor, _ target: Tensor) -> Tensor { F.softMarginLoss(input, target, reduction: reduction) }
}

/// The hinge loss of distances labelled similar (1) or dissimilar (−1) (`nn.HingeEmbeddingLoss`).
open class HingeEmbeddingLoss: Loss {
    /// The `margin` argument it was made with.
    public let margin: Double
    /// `HingeEmbeddingLoss(…)`, with PyTorch's arguments and defaults.
    public init(margin: Double = 1, reduction: Reduction = .mean) { self.margin = margin; super.init(reduction: reduction) }
    public override func loss(_ input: Tensor, _ target: Tensor) -> Tensor {
        F.hingeEmbeddingLoss(input, target, margin: margin, reduction: reduction)
    }
}

/// The negative log-likelihood under Poisson distributions (`nn.PoissonNLLLoss`).
open class PoissonNLLLoss: Loss {
    /// The `log_input`, `full` and `eps` arguments it was made with.
    public let logInput: Bool, full: Bool, eps: Double
    /// `PoissonNLLLoss(…)`, with PyTorch's arguments and defaults.
    public init(logInput: Bool = true, full: Bool = false, eps: Double = 1e-8, reduction: Reduction = .mean) {
        (self.logInput, self.full, self.eps) = (logInput, full, eps)
        super.init(reduction: reduction)
    }
    public override func loss(_ input: Tensor, _ target: Tensor) -> Tensor {
        F.poissonNLLLoss(input, target, logInput: logInput, full: full, eps: eps, reduction: reduction)
    }
}

/// The multi-label one-versus-all logistic loss (`nn.MultiLabelSoftMarginLoss`).
open class MultiLabelSoftMarginLoss: Loss {
    /// The `weight` argument it was made with.
    public let weight: Tensor?
    /// `MultiLabelSoftMarginLoss(…)`, with PyTorch's arguments and defaults.
    public init(weight: Tensor? = nil, reduction: Reduction = .mean) { self.weight = weight; super.init(reduction: reduction) }
    public override func loss(_ input: Tensor, _ target: Tensor) -> Tensor {
        F.multilabelSoftMarginLoss(input, target, weight: weight, reduction: reduction)
    }
}

/// The multi-class hinge loss (`nn.MultiMarginLoss`).
open class MultiMarginLoss: Loss {
    /// The `p`, `margin` and `weight` arguments it was made with.
    public let p: Int, margin: Double, weight: Tensor?
    /// `MultiMarginLoss(…)`, with PyTorch's arguments and defaults.
    public init(p: Int = 1, margin: Double = 1, weight: Tensor? = nil, reduction: Reduction = .mean) {
        (self.p, self.margin, self.weight) = (p, margin, weight)
        super.init(reduction: reduction)
    }
    public override func loss(_ input: Tensor, _ target: Tensor) -> Tensor {
        F.multiMarginLoss(input, target, p: p, margin: margin, weight: weight, reduction: reduction)
    }
}

/// The loss of ranking one input above (target 1) or below (−1) the other by a margin (`nn.MarginRankingLoss`).
open class MarginRankingLoss: TripleInputLoss {
    /// The `margin` argument it was made with.
    public let margin: Double
    /// `MarginRankingLoss(…)`, with PyTorch's arguments and defaults.
    public init(margin: Double = 0, reduction: Reduction = .mean) { self.margin = margin; super.init(reduction: reduction) }
    public override func loss(_ input1: Tensor, _ input2: Tensor, _ target: Tensor) -> Tensor {
        F.marginRankingLoss(input1, input2, target, margin: margin, reduction: reduction)
    }
}

/// The loss of pairs labelled similar (1) or dissimilar (−1) by cosine similarity (`nn.CosineEmbeddingLoss`).
open class CosineEmbeddingLoss: TripleInputLoss {
    /// The `margin` argument it was made with.
    public let margin: Double
    /// `CosineEmbeddingLoss(…)`, with PyTorch's arguments and defaults.
    public init(margin: Double = 0, reduction: Reduction = .mean) { self.margin = margin; super.init(reduction: reduction) }
    public override func loss(_ input1: Tensor, _ input2: Tensor, _ target: Tensor) -> Tensor {
        F.cosineEmbeddingLoss(input1, input2, target, margin: margin, reduction: reduction)
    }
}

/// `nn.GaussianNLLLoss`, called with (input, target, var).
open class GaussianNLLLoss: TripleInputLoss {
    /// The `full` and `eps` arguments it was made with.
    public let full: Bool, eps: Double
    /// `GaussianNLLLoss(…)`, with PyTorch's arguments and defaults.
    public init(full: Bool = false, eps: Double = 1e-6, reduction: Reduction = .mean) {
        (self.full, self.eps) = (full, eps)
        super.init(reduction: reduction)
    }
    public override func loss(_ input: Tensor, _ target: Tensor, _ variance: Tensor) -> Tensor {
        F.gaussianNLLLoss(input, target, variance, full: full, eps: eps, reduction: reduction)
    }
}

/// The loss of anchors closer to positives than to negatives by a margin (`nn.TripletMarginLoss`).
open class TripletMarginLoss: TripleInputLoss {
    /// The `margin`, `p`, `eps` and `swap` arguments it was made with.
    public let margin: Double, p: Double, eps: Double, swap: Bool
    /// `TripletMarginLoss(…)`, with PyTorch's arguments and defaults.
    public init(margin: Double = 1, p: Double = 2, eps: Double = 1e-6, swap: Bool = false, reduction: Reduction = .mean) {
        (self.margin, self.p, self.eps, self.swap) = (margin, p, eps, swap)
        super.init(reduction: reduction)
    }
    public override func loss(_ anchor: Tensor, _ positive: Tensor, _ negative: Tensor) -> Tensor {
        F.tripletMarginLoss(anchor, positive, negative, margin: margin, p: p, eps: eps, swap: swap, reduction: reduction)
    }
}
