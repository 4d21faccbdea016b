// Learning-rate schedulers, stepped after the optimizer, with PyTorch's recursive formulas.
import Foundation

/// The base of epoch-based schedulers (`LRScheduler`): it sets every group's lr for epoch 0 on creation
/// and for the next epoch on each `step()`.
open class LRScheduler {
    /// The optimizer whose learning rates this scheduler sets.
    public let optimizer: Optimizer
    /// The epoch of the last `step()` (`last_epoch`), -1 before the first.
    public private(set) var lastEpoch = -1
    /// Each group's learning rate when the scheduler was made (`base_lrs`).
    public let baseLRs: [Double]

    init(_ optimizer: Optimizer) {
        self.optimizer = optimizer
        baseLRs = optimizer.paramGroups.map(\.lr)
        step()
    }

    /// The learning rates of the next epoch, from the current ones.
    open func nextLRs() -> [Double] { fatalError("\(type(of: self)) must override nextLRs()") }

    /// Advances one epoch and sets the groups' learning rates.
    public func step() {
        lastEpoch += 1
        for (group, lr) in zip(optimizer.paramGroups, nextLRs()) { group.lr = lr }
    }

    /// The learning rates set by the last step (`get_last_lr()`).
    public var lastLR: [Double] { optimizer.paramGroups.map(\.lr) }

    var currentLRs: [Double] { optimizer.paramGroups.map(\.lr) }
}

/// Multiplies the lr by `gamma` every `stepSize` epochs (`StepLR`).
public final class StepLR: LRScheduler {
    /// The `step_size` and `gamma` arguments it was made with.
    public let stepSize: Int, gamma: Double
    /// `StepLR(…)`, with PyTorch's arguments and defaults.
    public init(_ optimizer: Optimizer, stepSize: Int, gamma: Double = 0.1) {
        (self.stepSize, self.gamma) = (stepSize, gamma)
        super.init(optimizer)
    }
    public override func nextLRs() -> [Double] {
        if lastEpoch == 0 || lastEpoch % stepSize != 0 { return currentLRs }
        return currentLRs.map { $0 * gamma }
    }
}

/// Multiplies the lr by `gamma` at each milestone epoch (`MultiStepLR`).
public final class MultiStepLR: LRScheduler {
    /// The `milestones` and `gamma` arguments it was made with.
    public let milestones: [Int], gamma: Double
    /// `MultiStepLR(…)`, with PyTorch's arguments and defaults.
    public init(_ optimizer: Optimizer, milestones: [Int], gamma: Double = 0.1) {
        (self.milestones, self.gamma) = (milestones, gamma)
        super.init(optimizer)
    }
    public override func nextLRs() -> [Double] {
        let hits = milestones.filter { $0 == lastEpoch }.count
        if hits == 0 { return currentLRs }
        return currentLRs.map { $0 * Foundation.pow(gamma, Double(hits)) }
    }
}

/// Multiplies the lr by `gamma` every epoch (`ExponentialLR`).
public final class ExponentialLR: LRScheduler {
    /// The `gamma` argument it was made with.
    public let gamma: Double
    /// `ExponentialLR(…)`, with PyTorch's arguments and defaults.
    public init(_ optimizer: Optimizer, gamma: Double) {
        self.gamma = gamma
        super.init(optimizer)
    }
    public override func nextLRs() -> [Double] { lastEpoch == 0 ? currentLRs : currentLRs.map { $0 * gamma } }
}

/// Cosine annealing from the base lr to `etaMin` over `tMax` epochs (`CosineAnnealingLR`).
public final class CosineAnnealingLR: LRScheduler {
    /// The `t_max` and `eta_min` arguments it was made with.
    public let tMax: Int, etaMin: Double
    /// `CosineAnnealingLR(…)`, with PyTorch's arguments and defaults.
    public init(_ optimizer: Optimizer, tMax: Int, etaMin: Double = 0) {
        (self.tMax, self.etaMin) = (tMax, etaMin)
        super.init(optimizer)
    }
    public override func nextLRs() -> [Double] {
        if lastEpoch == 0 { return currentLRs }
        let t = Double(tMax), e = Double(lastEpoch)
        if (lastEpoch - 1 - tMax) % (2 * tMax) == 0 {
            return zip(currentLRs, baseLRs).map { lr, base in lr + (base - etaMin) * (1 - Foundation.cos(Double.pi / t)) / 2 }
        }
        return currentLRs.map { lr in
            (1 + Foundation.cos(Double.pi * e / t)) / (1 + Foundation.cos(Double.pi * (e - 1) / t)) * (lr - etaMin) + etaMin
        }
    }
}

/// An lr given by a function of the epoch times the base lr (`LambdaLR`).
public final class LambdaLR: LRScheduler {
    /// The `lambda` argument it was made with.
    public let lambda: (Int) -> Double
    /// `LambdaLR(…)`, with PyTorch's arguments and defaults.
    public init(_ optimizer: Optimizer, lrLambda: @escaping (Int) -> Double) {
        lambda = lrLambda
        super.init(optimizer)
    }
    public override func nextLRs() -> [Double] { baseLRs.map { $0 * lambda(lastEpoch) } }
}

/// The 1cycle policy: warm up to `maxLR`, then anneal far below the start, cycling momentum
/// the other way (`OneCycleLR`, cosine annealing, two phases).
public final class OneCycleLR: LRScheduler {
    /// The `total_steps`, `max_lr`, `pct_start`, `div_factor` and `final_div_factor` arguments it was made with.
    public let totalSteps: Int, maxLR: Double, pctStart: Double, divFactor: Double, finalDivFactor: Double
    /// The `cycle_momentum`, `base_momentum` and `max_momentum` arguments it was made with.
    public let cycleMomentum: Bool, baseMomentum: Double, maxMomentum: Double

    /// `OneCycleLR(…)`, with PyTorch's arguments and defaults.
    public init(_ optimizer: Optimizer, maxLR: Double, totalSteps: Int, pctStart: Double = 0.3, cycleMomentum: Bool = true,
                baseMomentum: Double = 0.85, maxMomentum: Double = 0.95, divFactor: Double = 25, finalDivFactor: Double = 1e4) {
        (self.totalSteps, self.maxLR, self.pctStart, self.divFactor, self.finalDivFactor) = (totalSteps, maxLR, pctStart, divFactor, finalDivFactor)
        (self.cycleMomentum, self.baseMomentum, self.maxMomentum) = (cycleMomentum, baseMomentum, maxMomentum)
        for group in optimizer.paramGroups {
            group.lr = maxLR / divFactor
            if cycleMomentum {
                if group["beta1"] != nil { group["beta1"] = maxMomentum } else { group["momentum"] = maxMomentum }
            }
        }
        super.init(optimizer)
    }

    private func anneal(_ start: Double, _ end: Double, _ pct: Double) -> Double {
        end + (start - end) / 2 * (Foundation.cos(Double.pi * pct) + 1)
    }

    public override func nextLRs() -> [Double] {
        let initial = maxLR / divFactor, minimum = initial / finalDivFactor
        let phases: [(end: Double, lr: (Double, Double), momentum: (Double, Double))] = [
            (pctStart * Double(totalSteps) - 1, (initial, maxLR), (maxMomentum, baseMomentum)),
            (Double(totalSteps) - 1, (maxLR, minimum), (baseMomentum, maxMomentum)),
        ]
        let step = Double(lastEpoch)
        var start = 0.0
        for (i, phase) in phases.enumerated() {
            guard step <= phase.end || i == phases.count - 1 else { start = phase.end; continue }
            let pct = (step - start) / (phase.end - start)
            if cycleMomentum {
                let momentum = anneal(phase.momentum.0, phase.momentum.1, pct)
                for group in optimizer.paramGroups {
                    if group["beta1"] != nil { group["beta1"] = momentum } else { group["momentum"] = momentum }
                }
            }
            return optimizer.paramGroups.map { _ in anneal(phase.lr.0, phase.lr.1, pct) }
        }
        return currentLRs
    }

}

/// Cuts the lr by `factor` when a metric stops improving for `patience` epochs (`ReduceLROnPlateau`).
public final class ReduceLROnPlateau {
    /// Whether the metric should go down (`min`: a loss) or up (`max`: an accuracy).
    public enum Mode: String {
        /// The metric should go down (`min`) or up (`max`).
        case min, max
    }
    /// The optimizer whose learning rates this scheduler sets.
    public let optimizer: Optimizer
    /// The arguments it was made with, by PyTorch's names (`relativeThreshold`: `threshold_mode="rel"`).
    public let mode: Mode, factor: Double, patience: Int, threshold: Double, relativeThreshold: Bool
    /// The `cooldown`, `min_lr` and `eps` arguments it was made with.
    public let cooldown: Int, minLR: Double, eps: Double
    /// The best metric so far.
    public private(set) var best: Double
    /// Epochs since the metric last improved (`num_bad_epochs`).
    public private(set) var badEpochs = 0
    private var cooldownCounter = 0

    /// `ReduceLROnPlateau(…)`, with PyTorch's arguments and defaults.
    public init(_ optimizer: Optimizer, mode: Mode = .min, factor: Double = 0.1, patience: Int = 10, threshold: Double = 1e-4,
                thresholdMode: String = "rel", cooldown: Int = 0, minLR: Double = 0, eps: Double = 1e-8) {
        precondition(factor < 1, "ReduceLROnPlateau: factor should be < 1.0")
        (self.optimizer, self.mode, self.factor, self.patience, self.threshold) = (optimizer, mode, factor, patience, threshold)
        (self.relativeThreshold, self.cooldown, self.minLR, self.eps) = (thresholdMode == "rel", cooldown, minLR, eps)
        best = mode == .min ? .infinity : -.infinity
    }

    private func isBetter(_ value: Double) -> Bool {
        switch (mode, relativeThreshold) {
        case (.min, true): return value < best * (1 - threshold)
        case (.min, false): return value < best - threshold
        case (.max, true): return value > best * (1 + threshold)
        case (.max, false): return value > best + threshold
        }
    }

    /// Records this epoch's metric and reduces the lr if it has not improved for long enough.
    public func step(_ metric: Double) {
        if isBetter(metric) { best = metric; badEpochs = 0 } else { badEpochs += 1 }
        if cooldownCounter > 0 { cooldownCounter -= 1; badEpochs = 0 }
        if badEpochs > patience {
            for group in optimizer.paramGroups {
                let reduced = Swift.max(group.lr * factor, minLR)
                if group.lr - reduced > eps { group.lr = reduced }
            }
            cooldownCounter = cooldown
            badEpochs = 0
        }
    }
}

/// Rescales gradients so their total norm is at most `maxNorm`; returns the norm before clipping (`clip_grad_norm_`).
/// As in PyTorch, the per-gradient norms, their total and the coefficient `min(maxNorm / (total + 1e-6), 1)` are
/// tensors in the gradients' dtype, and every gradient is multiplied by the coefficient.
@discardableResult
public func clipGradNorm_(_ parameters: [Tensor], maxNorm: Double, normType: Double = 2) -> Tensor {
    let grads = parameters.compactMap(\.grad)
    guard !grads.isEmpty else { return Tensor(Float(0)) }
    return noGrad {
        let dtype = grads[0].dtype
        let total = Tensor.stack(grads.map { $0.norm(p: normType).to(dtype) }).norm(p: normType)
        let coefficient = (maxNorm / (total + 1e-6)).clamp(max: 1)
        for g in grads { g.mul_(coefficient.to(g.dtype)) }
        return total
    }
}

/// Clamps every gradient element to [-clipValue, clipValue] (`clip_grad_value_`).
public func clipGradValue_(_ parameters: [Tensor], clipValue: Double) {
    noGrad { for p in parameters { p.grad?.clamp_(min: -clipValue, max: clipValue) } }
}
