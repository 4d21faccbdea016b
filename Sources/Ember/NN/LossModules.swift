// Loss modules: MSELoss, L1Loss, SmoothL1Loss, HuberLoss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, KLDivLoss.

/// A loss module: called with (input, target).
open class Loss: Module {
    public let reduction: Reduction
    public init(reduction: Reduction) { self.reduction = reduction; super.init() }
    /// The loss of `input` against `target`.
    open func loss(_ input: Tensor, _ target: Tensor) -> Tensor { fatalError("\(typeName) must override loss(_:_:)") }
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor { loss(input, target) }
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
