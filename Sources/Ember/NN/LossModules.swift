// Loss modules: MSELoss, L1Loss, SmoothL1Loss, HuberLoss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, KLDivLoss.

/// A loss module: called with (input, target).
open class Loss: Module {
    public let reduction: Reduction
    public init(reduction: Reduction) { self.reduction = reduction; super.init() }
    /// The loss of `input` against `target`.
    open func loss(_ input: Tensor, _ target: Tensor) -> Tensor { fatalError("\(typeName) must override loss(_:_:)") }
    public func callAsFunction(_ input: Tensor, _ target: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        CallSites.calling(from: file, line) { loss(input, target) }
    }
    /// The loss as a `(input, target)` function value (`lossFunction.callAsFunction`).
    @_disfavoredOverload public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor { loss(input, target) }
}

open class MSELoss: Loss {
    public override init(reduction: Reduction = .mean) { super.init(reduction: reduction) }
    public override func loss(_ input: Tensor, _ target: Tensor) -> Tensor { F.mseLoss(input, target, reduction: reduction) }
}

open class L1Loss: Loss {
    public override init(reduction: Reduction = .mean) { super.init(reduction: reduction) }
    public override func loss(_ input: Tensor, _ target: Tensor) -> Tensor { F.l1Loss(input, target, reduction: reduction) }
}

open class SmoothL1Loss: Loss {
    public let beta: Double
    public init(reduction: Reduction = .mean, beta: Double = 1) { self.beta = beta; super.init(reduction: reduction) }
    public override func loss(_ input: Tensor, _ target: Tensor) -> Tensor { F.smoothL1Loss(input, target, reduction: reduction, beta: beta) }
}

open class HuberLoss: Loss {
    public let delta: Double
    public init(reduction: Reduction = .mean, delta: Double = 1) { self.delta = delta; super.init(reduction: reduction) }
    public override func loss(_ input: Tensor, _ target: Tensor) -> Tensor { F.huberLoss(input, target, reduction: reduction, delta: delta) }
}

open class CrossEntropyLoss: Loss {
    public let weight: Tensor?, ignoreIndex: Int, labelSmoothing: Double
    public init(weight: Tensor? = nil, ignoreIndex: Int = -100, reduction: Reduction = .mean, labelSmoothing: Double = 0) {
        (self.weight, self.ignoreIndex, self.labelSmoothing) = (weight, ignoreIndex, labelSmoothing)
        super.init(reduction: reduction)
    }
    public override func loss(_ input: Tensor, _ target: Tensor) -> Tensor {
        F.crossEntropy(input, target, weight: weight, ignoreIndex: ignoreIndex, reduction: reduction, labelSmoothing: labelSmoothing)
    }
}

open class NLLLoss: Loss {
    public let weight: Tensor?, ignoreIndex: Int
    public init(weight: Tensor? = nil, ignoreIndex: Int = -100, reduction: Reduction = .mean) {
        (self.weight, self.ignoreIndex) = (weight, ignoreIndex)
        super.init(reduction: reduction)
    }
    public override func loss(_ input: Tensor, _ target: Tensor) -> Tensor {
        F.nllLoss(input, target, weight: weight, ignoreIndex: ignoreIndex, reduction: reduction)
    }
}

open class BCELoss: Loss {
    public let weight: Tensor?
    public init(weight: Tensor? = nil, reduction: Reduction = .mean) { self.weight = weight; super.init(reduction: reduction) }
    public override func loss(_ input: Tensor, _ target: Tensor) -> Tensor {
        F.binaryCrossEntropy(input, target, weight: weight, reduction: reduction)
    }
}

open class BCEWithLogitsLoss: Loss {
    public let weight: Tensor?, posWeight: Tensor?
    public init(weight: Tensor? = nil, reduction: Reduction = .mean, posWeight: Tensor? = nil) {
        (self.weight, self.posWeight) = (weight, posWeight)
        super.init(reduction: reduction)
    }
    public override func loss(_ input: Tensor, _ target: Tensor) -> Tensor {
        F.binaryCrossEntropyWithLogits(input, target, weight: weight, posWeight: posWeight, reduction: reduction)
    }
}

open class KLDivLoss: Loss {
    public let logTarget: Bool
    public init(reduction: Reduction = .mean, logTarget: Bool = false) { self.logTarget = logTarget; super.init(reduction: reduction) }
    public override func loss(_ input: Tensor, _ target: Tensor) -> Tensor {
        F.klDiv(input, target, reduction: reduction, logTarget: logTarget)
    }
}

/// A loss module called with three tensors: (input1, input2, target) or (anchor, positive, negative).
open class TripleInputLoss: Module {
    public let reduction: Reduction
    public init(reduction: Reduction) { self.reduction = reduction; super.init() }
    /// The loss of the three tensors.
    open func loss(_ a: Tensor, _ b: Tensor, _ c: Tensor) -> Tensor { fatalError("\(typeName) must override loss(_:_:_:)") }
    public func callAsFunction(_ a: Tensor, _ b: Tensor, _ c: Tensor) -> Tensor { loss(a, b, c) }
}

open class SoftMarginLoss: Loss {
    public override init(reduction: Reduction = .mean) { super.init(reduction: reduction) }
    public override func loss(_ input: Tensor, _ target: Tensor) -> Tensor { F.softMarginLoss(input, target, reduction: reduction) }
}

open class HingeEmbeddingLoss: Loss {
    public let margin: Double
    public init(margin: Double = 1, reduction: Reduction = .mean) { self.margin = margin; super.init(reduction: reduction) }
    public override func loss(_ input: Tensor, _ target: Tensor) -> Tensor {
        F.hingeEmbeddingLoss(input, target, margin: margin, reduction: reduction)
    }
}

open class PoissonNLLLoss: Loss {
    public let logInput: Bool, full: Bool, eps: Double
    public init(logInput: Bool = true, full: Bool = false, eps: Double = 1e-8, reduction: Reduction = .mean) {
        (self.logInput, self.full, self.eps) = (logInput, full, eps)
        super.init(reduction: reduction)
    }
    public override func loss(_ input: Tensor, _ target: Tensor) -> Tensor {
        F.poissonNLLLoss(input, target, logInput: logInput, full: full, eps: eps, reduction: reduction)
    }
}

open class MultiLabelSoftMarginLoss: Loss {
    public let weight: Tensor?
    public init(weight: Tensor? = nil, reduction: Reduction = .mean) { self.weight = weight; super.init(reduction: reduction) }
    public override func loss(_ input: Tensor, _ target: Tensor) -> Tensor {
        F.multilabelSoftMarginLoss(input, target, weight: weight, reduction: reduction)
    }
}

open class MultiMarginLoss: Loss {
    public let p: Int, margin: Double, weight: Tensor?
    public init(p: Int = 1, margin: Double = 1, weight: Tensor? = nil, reduction: Reduction = .mean) {
        (self.p, self.margin, self.weight) = (p, margin, weight)
        super.init(reduction: reduction)
    }
    public override func loss(_ input: Tensor, _ target: Tensor) -> Tensor {
        F.multiMarginLoss(input, target, p: p, margin: margin, weight: weight, reduction: reduction)
    }
}

open class MarginRankingLoss: TripleInputLoss {
    public let margin: Double
    public init(margin: Double = 0, reduction: Reduction = .mean) { self.margin = margin; super.init(reduction: reduction) }
    public override func loss(_ input1: Tensor, _ input2: Tensor, _ target: Tensor) -> Tensor {
        F.marginRankingLoss(input1, input2, target, margin: margin, reduction: reduction)
    }
}

open class CosineEmbeddingLoss: TripleInputLoss {
    public let margin: Double
    public init(margin: Double = 0, reduction: Reduction = .mean) { self.margin = margin; super.init(reduction: reduction) }
    public override func loss(_ input1: Tensor, _ input2: Tensor, _ target: Tensor) -> Tensor {
        F.cosineEmbeddingLoss(input1, input2, target, margin: margin, reduction: reduction)
    }
}

/// `nn.GaussianNLLLoss`, called with (input, target, var).
open class GaussianNLLLoss: TripleInputLoss {
    public let full: Bool, eps: Double
    public init(full: Bool = false, eps: Double = 1e-6, reduction: Reduction = .mean) {
        (self.full, self.eps) = (full, eps)
        super.init(reduction: reduction)
    }
    public override func loss(_ input: Tensor, _ target: Tensor, _ variance: Tensor) -> Tensor {
        F.gaussianNLLLoss(input, target, variance, full: full, eps: eps, reduction: reduction)
    }
}

open class TripletMarginLoss: TripleInputLoss {
    public let margin: Double, p: Double, eps: Double, swap: Bool
    public init(margin: Double = 1, p: Double = 2, eps: Double = 1e-6, swap: Bool = false, reduction: Reduction = .mean) {
        (self.margin, self.p, self.eps, self.swap) = (margin, p, eps, swap)
        super.init(reduction: reduction)
    }
    public override func loss(_ anchor: Tensor, _ positive: Tensor, _ negative: Tensor) -> Tensor {
        F.tripletMarginLoss(anchor, positive, negative, margin: margin, p: p, eps: eps, swap: swap, reduction: reduction)
    }
}
