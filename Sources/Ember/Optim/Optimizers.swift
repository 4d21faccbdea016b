// SGD, Adam, AdamW, RMSprop, Adagrad: PyTorch's single-tensor update rules, in the same order of operations.
import Foundation

/// Stochastic gradient descent with momentum, dampening, Nesterov, weight decay and maximize (`optim.SGD`).
public final class SGD: Optimizer {
    /// `SGD(…)`, with PyTorch's arguments and defaults.
    public convenience init(_ params: [Tensor], lr: Double = 1e-3, momentum: Double = 0, dampening: Double = 0,
                            weightDecay: Double = 0, nesterov: Bool = false, maximize: Bool = false,
                            file: StaticString = #fileID, line: UInt = #line) {
        self.init([ParamGroup(params: params)], lr: lr, momentum: momentum, dampening: dampening, weightDecay: weightDecay,
                  nesterov: nesterov, maximize: maximize, file: file, line: line)
    }
    /// Over parameter groups, each with its own hyperparameters where it sets them.
    public init(_ groups: [ParamGroup], lr: Double = 1e-3, momentum: Double = 0, dampening: Double = 0, weightDecay: Double = 0,
                nesterov: Bool = false, maximize: Bool = false, file: StaticString = #fileID, line: UInt = #line) {
        check(!nesterov || (momentum > 0 && dampening == 0), "SGD", "Nesterov momentum requires a momentum and zero dampening",
              file: file, line: line)
        super.init(groups, lr: lr,
                   defaults: ["momentum": momentum, "dampening": dampening, "weight_decay": weightDecay,
                              "nesterov": nesterov ? 1 : 0, "maximize": maximize ? 1 : 0], file: file, line: line)
    }

    public override func update(_ group: ParamGroup) {
        let momentum = group["momentum"]!, dampening = group["dampening"]!, weightDecay = group["weight_decay"]!
        let nesterov = group["nesterov"]! != 0, maximize = group["maximize"]! != 0
        for p in group.params {
            guard var g = p.grad else { continue }
            if maximize { g = -g }
            if weightDecay != 0 { g = g.add(p, alpha: weightDecay) }
            if momentum != 0 {
                let s = state(for: p)
                if let buffer = s["momentum_buffer"] {
                    buffer.mul_(Tensor.wrapped(momentum)).add_(g, alpha: 1 - dampening)
                } else {
                    s["momentum_buffer"] = g.clone()
                }
                let buffer = s["momentum_buffer"]!
                g = nesterov ? g.add(buffer, alpha: momentum) : buffer
            }
            p.add_(g, alpha: -group.lr)
        }
    }
}

/// Adam and AdamW (decoupled weight decay) with optional AMSGrad (`optim.Adam`, `optim.AdamW`).
public class Adam: Optimizer {
    let decoupled: Bool

    /// `Adam(…)`, with PyTorch's arguments and defaults.
    public convenience init(_ params: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                            weightDecay: Double = 0, amsgrad: Bool = false, maximize: Bool = false,
                            file: StaticString = #fileID, line: UInt = #line) {
        self.init(groups: [ParamGroup(params: params)], lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, amsgrad: amsgrad,
                  maximize: maximize, decoupled: false, file: file, line: line)
    }
    /// Over parameter groups, each with its own hyperparameters where it sets them.
    public convenience init(_ groups: [ParamGroup], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                            weightDecay: Double = 0, amsgrad: Bool = false, maximize: Bool = false,
                            file: StaticString = #fileID, line: UInt = #line) {
        self.init(groups: groups, lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, amsgrad: amsgrad,
                  maximize: maximize, decoupled: false, file: file, line: line)
    }

    init(groups: [ParamGroup], lr: Double, betas: (Double, Double), eps: Double, weightDecay: Double, amsgrad: Bool, maximize: Bool,
         decoupled: Bool, file: StaticString, line: UInt) {
        self.decoupled = decoupled
        super.init(groups, lr: lr, defaults: Adam.defaults(betas, eps, weightDecay, amsgrad, maximize), file: file, line: line)
    }

    static func defaults(_ betas: (Double, Double), _ eps: Double, _ weightDecay: Double, _ amsgrad: Bool,
                         _ maximize: Bool) -> [String: Double] {
        ["beta1": betas.0, "beta2": betas.1, "eps": eps, "weight_decay": weightDecay, "amsgrad": amsgrad ? 1 : 0,
         "maximize": maximize ? 1 : 0]
    }

    public override func update(_ group: ParamGroup) {
        let beta1 = group["beta1"]!, beta2 = group["beta2"]!, eps = group["eps"]!, weightDecay = group["weight_decay"]!
        let amsgrad = group["amsgrad"]! != 0, maximize = group["maximize"]! != 0, lr = group.lr
        for p in group.params {
            guard var g = p.grad else { continue }
            if maximize { g = -g }
            let s = state(for: p)
            if s["exp_avg"] == nil {
                s["exp_avg"] = p.zerosLike()
                s["exp_avg_sq"] = p.zerosLike()
                if amsgrad { s["max_exp_avg_sq"] = p.zerosLike() }
            }
            s.step += 1
            if weightDecay != 0 {
                if decoupled { p.mul_(Tensor.wrapped(1 - lr * weightDecay)) } else { g = g.add(p, alpha: weightDecay) }
            }
            let expAvg = s["exp_avg"]!, expAvgSq = s["exp_avg_sq"]!
            let step = Double(s.step)
            let biasCorrection1 = 1 - Foundation.pow(beta1, step), biasCorrection2Sqrt = (1 - Foundation.pow(beta2, step)).squareRoot()
            if p.dtype.isFloatingPoint && p.dtype.computeType == p.dtype && [p, g, expAvg, expAvgSq].allSatisfy({ $0.isContiguous && $0.dtype == p.dtype }) {
                // One pass over the elements instead of a dozen tensor ops, with the same arithmetic.
                let constants = AdamStep(beta1: beta1, beta2: beta2, eps: eps, stepSize: lr / biasCorrection1,
                                         biasCorrection2Sqrt: biasCorrection2Sqrt)
                p.backend.adamStep(constants, param: p.operand, grad: g.operand, expAvg: expAvg.operand, expAvgSq: expAvgSq.operand,
                                   maxExpAvgSq: s["max_exp_avg_sq"]?.operand)
                p.bumpVersion()
                continue
            }
            expAvg.add_(g.sub(expAvg), alpha: 1 - beta1)                        // lerp_(g, 1 - beta1)
            expAvgSq.mul_(Tensor.wrapped(beta2)).add_(g * g, alpha: 1 - beta2)  // addcmul_(g, g, 1 - beta2)
            var second = expAvgSq
            if amsgrad {
                let maximum = s["max_exp_avg_sq"]!
                maximum.copy_(maximum.maximum(expAvgSq))
                second = maximum
            }
            let denominator = (second.sqrt() / biasCorrection2Sqrt) + eps
            p.add_(expAvg / denominator, alpha: -lr / biasCorrection1)
        }
    }
}

/// Adam with decoupled weight decay (`optim.AdamW`; weight decay defaults to 0.01).
public final class AdamW: Adam {
    /// `AdamW(…)`, with PyTorch's arguments and defaults.
    public convenience init(_ params: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                            weightDecay: Double = 1e-2, amsgrad: Bool = false, maximize: Bool = false,
                            file: StaticString = #fileID, line: UInt = #line) {
        self.init([ParamGroup(params: params)], lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, amsgrad: amsgrad,
                  maximize: maximize, file: file, line: line)
    }
    /// Over parameter groups, each with its own hyperparameters where it sets them.
    public init(_ groups: [ParamGroup], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                weightDecay: Double = 1e-2, amsgrad: Bool = false, maximize: Bool = false,
                file: StaticString = #fileID, line: UInt = #line) {
        super.init(groups: groups, lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, amsgrad: amsgrad, maximize: maximize,
                   decoupled: true, file: file, line: line)
    }
}

/// RMSprop, optionally centered and with momentum (`optim.RMSprop`).
public final class RMSprop: Optimizer {
    /// `RMSprop(…)`, with PyTorch's arguments and defaults.
    public convenience init(_ params: [Tensor], lr: Double = 1e-2, alpha: Double = 0.99, eps: Double = 1e-8, weightDecay: Double = 0,
                            momentum: Double = 0, centered: Bool = false, file: StaticString = #fileID, line: UInt = #line) {
        self.init([ParamGroup(params: params)], lr: lr, alpha: alpha, eps: eps, weightDecay: weightDecay, momentum: momentum,
                  centered: centered, file: file, line: line)
    }
    /// Over parameter groups, each with its own hyperparameters where it sets them.
    public init(_ groups: [ParamGroup], lr: Double = 1e-2, alpha: Double = 0.99, eps: Double = 1e-8, weightDecay: Double = 0,
                momentum: Double = 0, centered: Bool = false, file: StaticString = #fileID, line: UInt = #line) {
        super.init(groups, lr: lr,
                   defaults: ["alpha": alpha, "eps": eps, "weight_decay": weightDecay, "momentum": momentum,
                              "centered": centered ? 1 : 0], file: file, line: line)
    }

    public override func update(_ group: ParamGroup) {
        let alpha = group["alpha"]!, eps = group["eps"]!, weightDecay = group["weight_decay"]!
        let momentum = group["momentum"]!, centered = group["centered"]! != 0
        for p in group.params {
            guard var g = p.grad else { continue }
            let s = state(for: p)
            if s["square_avg"] == nil {
                s["square_avg"] = p.zerosLike()
                if momentum > 0 { s["momentum_buffer"] = p.zerosLike() }
                if centered { s["grad_avg"] = p.zerosLike() }
            }
            s.step += 1
            if weightDecay != 0 { g = g.add(p, alpha: weightDecay) }
            let squareAvg = s["square_avg"]!
            squareAvg.mul_(Tensor.wrapped(alpha)).add_(g * g, alpha: 1 - alpha)
            var average: Tensor
            if centered {
                let gradAvg = s["grad_avg"]!
                gradAvg.add_(g.sub(gradAvg), alpha: 1 - alpha)
                average = (squareAvg - gradAvg * gradAvg).sqrt()
            } else {
                average = squareAvg.sqrt()
            }
            average = average + eps
            if momentum > 0 {
                let buffer = s["momentum_buffer"]!
                buffer.mul_(Tensor.wrapped(momentum)).add_(g / average)
                p.add_(buffer, alpha: -group.lr)
            } else {
                p.add_(g / average, alpha: -group.lr)
            }
        }
    }
}

/// Adagrad (`optim.Adagrad`).
public final class Adagrad: Optimizer {
    /// `Adagrad(…)`, with PyTorch's arguments and defaults.
    public convenience init(_ params: [Tensor], lr: Double = 1e-2, lrDecay: Double = 0, weightDecay: Double = 0,
                            initialAccumulatorValue: Double = 0, eps: Double = 1e-10, file: StaticString = #fileID, line: UInt = #line) {
        self.init([ParamGroup(params: params)], lr: lr, lrDecay: lrDecay, weightDecay: weightDecay,
                  initialAccumulatorValue: initialAccumulatorValue, eps: eps, file: file, line: line)
    }
    /// Over parameter groups, each with its own hyperparameters where it sets them.
    public init(_ groups: [ParamGroup], lr: Double = 1e-2, lrDecay: Double = 0, weightDecay: Double = 0,
                initialAccumulatorValue: Double = 0, eps: Double = 1e-10, file: StaticString = #fileID, line: UInt = #line) {
        super.init(groups, lr: lr,
                   defaults: ["lr_decay": lrDecay, "weight_decay": weightDecay, "initial_accumulator_value": initialAccumulatorValue,
                              "eps": eps], file: file, line: line)
        // Adagrad creates its accumulators eagerly, as PyTorch does.
        for group in paramGroups {
            for p in group.params { state(for: p)["sum"] = p.fullLike(group["initial_accumulator_value"]!) }
        }
    }

    public override func update(_ group: ParamGroup) {
        let lrDecay = group["lr_decay"]!, weightDecay = group["weight_decay"]!, eps = group["eps"]!
        for p in group.params {
            guard var g = p.grad else { continue }
            let s = state(for: p)
            s.step += 1
            if weightDecay != 0 { g = g.add(p, alpha: weightDecay) }
            let clr = group.lr / (1 + Double(s.step - 1) * lrDecay)
            let sum = s["sum"]!
            sum.add_(g * g)
            p.add_(g / (sum.sqrt() + eps), alpha: -clr)
        }
    }
}
