// Adamax, NAdam, RAdam and Adadelta: PyTorch's single-tensor update rules, in the same order of operations.
import Foundation

/// Adam with the infinity norm (`optim.Adamax`).
public final class Adamax: Optimizer {
    /// `Adamax(…)`, with PyTorch's arguments and defaults.
    public convenience init(_ params: [Tensor], lr: Double = 2e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                            weightDecay: Double = 0, maximize: Bool = false, file: StaticString = #fileID, line: UInt = #line) {
        self.init([ParamGroup(params: params)], lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, maximize: maximize,
                  file: file, line: line)
    }
    /// Over parameter groups, each with its own hyperparameters where it sets them.
    public init(_ groups: [ParamGroup], lr: Double = 2e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                weightDecay: Double = 0, maximize: Bool = false, file: StaticString = #fileID, line: UInt = #line) {
        super.init(groups, lr: lr, defaults: ["beta1": betas.0, "beta2": betas.1, "eps": eps, "weight_decay": weightDecay,
                                              "maximize": maximize ? 1 : 0], file: file, line: line)
    }

    public override func update(_ group: ParamGroup) {
        let beta1 = group["beta1"]!, beta2 = group["beta2"]!, eps = group["eps"]!, weightDecay = group["weight_decay"]!
        for p in group.params {
            guard var g = p.grad else { continue }
            if group["maximize"]! != 0 { g = -g }
            let s = state(for: p)
            if s["exp_avg"] == nil { (s["exp_avg"], s["exp_inf"]) = (p.zerosLike(), p.zerosLike()) }
            s.step += 1
            if weightDecay != 0 { g = g.add(p, alpha: weightDecay) }
            let expAvg = s["exp_avg"]!, expInf = s["exp_inf"]!
            expAvg.add_(g.sub(expAvg), alpha: 1 - beta1)                                    // lerp_(g, 1 - beta1)
            expInf.copy_(expInf.mul_(Tensor.wrapped(beta2)).maximum(g.abs() + eps))
            let clr = group.lr / (1 - Foundation.pow(beta1, Double(s.step)))
            p.add_(expAvg / expInf, alpha: -clr)                                            // addcdiv_(exp_avg, exp_inf, -clr)
        }
    }
}

/// Adam with Nesterov momentum and momentum decay (`optim.NAdam`).
public final class NAdam: Optimizer {
    /// `NAdam(…)`, with PyTorch's arguments and defaults.
    public convenience init(_ params: [Tensor], lr: Double = 2e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                            weightDecay: Double = 0, momentumDecay: Double = 4e-3, decoupledWeightDecay: Bool = false,
                            maximize: Bool = false, file: StaticString = #fileID, line: UInt = #line) {
        self.init([ParamGroup(params: params)], lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, momentumDecay: momentumDecay,
                  decoupledWeightDecay: decoupledWeightDecay, maximize: maximize, file: file, line: line)
    }
    /// Over parameter groups, each with its own hyperparameters where it sets them.
    public init(_ groups: [ParamGroup], lr: Double = 2e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                weightDecay: Double = 0, momentumDecay: Double = 4e-3, decoupledWeightDecay: Bool = false,
                maximize: Bool = false, file: StaticString = #fileID, line: UInt = #line) {
        super.init(groups, lr: lr, defaults: ["beta1": betas.0, "beta2": betas.1, "eps": eps, "weight_decay": weightDecay,
                                              "momentum_decay": momentumDecay, "decoupled_weight_decay": decoupledWeightDecay ? 1 : 0,
                                              "maximize": maximize ? 1 : 0], file: file, line: line)
    }

    public override func update(_ group: ParamGroup) {
        let beta1 = group["beta1"]!, beta2 = group["beta2"]!, eps = group["eps"]!, weightDecay = group["weight_decay"]!
        let momentumDecay = group["momentum_decay"]!, lr = group.lr
        for p in group.params {
            guard var g = p.grad else { continue }
            if group["maximize"]! != 0 { g = -g }
            let s = state(for: p)
            if s["exp_avg"] == nil {
                // PyTorch keeps the running product of the momentum factors as a float32 scalar tensor.
                (s["mu_product"], s["exp_avg"], s["exp_avg_sq"]) = (Tensor(Float(1)), p.zerosLike(), p.zerosLike())
            }
            s.step += 1
            let step = Double(s.step)
            let biasCorrection2 = 1 - Foundation.pow(beta2, step)
            if weightDecay != 0 {
                if group["decoupled_weight_decay"]! != 0 { p.mul_(Tensor.wrapped(1 - lr * weightDecay)) } else { g = g.add(p, alpha: weightDecay) }
            }
            let mu = beta1 * (1 - 0.5 * Foundation.pow(0.96, step * momentumDecay))
            let muNext = beta1 * (1 - 0.5 * Foundation.pow(0.96, (step + 1) * momentumDecay))
            let muProductTensor = s["mu_product"]!
            muProductTensor.mul_(Tensor.wrapped(mu))
            let muProduct = muProductTensor.item(), muProductNext = muProduct * muNext
            let expAvg = s["exp_avg"]!, expAvgSq = s["exp_avg_sq"]!
            expAvg.add_(g.sub(expAvg), alpha: 1 - beta1)
            expAvgSq.mul_(Tensor.wrapped(beta2)).add_(g * g, alpha: 1 - beta2)
            let denominator = (expAvgSq / biasCorrection2).sqrt() + eps
            p.add_(g / denominator, alpha: -lr * (1 - mu) / (1 - muProduct))
            p.add_(expAvg / denominator, alpha: (-lr * muNext) / (1 - muProductNext))
        }
    }
}

/// Adam with the variance of the adaptive learning rate rectified (`optim.RAdam`).
public final class RAdam: Optimizer {
    /// `RAdam(…)`, with PyTorch's arguments and defaults.
    public convenience init(_ params: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                            weightDecay: Double = 0, decoupledWeightDecay: Bool = false, maximize: Bool = false,
                            file: StaticString = #fileID, line: UInt = #line) {
        self.init([ParamGroup(params: params)], lr: lr, betas: betas, eps: eps, weightDecay: weightDecay,
                  decoupledWeightDecay: decoupledWeightDecay, maximize: maximize, file: file, line: line)
    }
    /// Over parameter groups, each with its own hyperparameters where it sets them.
    public init(_ groups: [ParamGroup], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                weightDecay: Double = 0, decoupledWeightDecay: Bool = false, maximize: Bool = false,
                file: StaticString = #fileID, line: UInt = #line) {
        super.init(groups, lr: lr, defaults: ["beta1": betas.0, "beta2": betas.1, "eps": eps, "weight_decay": weightDecay,
                                              "decoupled_weight_decay": decoupledWeightDecay ? 1 : 0, "maximize": maximize ? 1 : 0],
                   file: file, line: line)
    }

    public override func update(_ group: ParamGroup) {
        let beta1 = group["beta1"]!, beta2 = group["beta2"]!, eps = group["eps"]!, weightDecay = group["weight_decay"]!, lr = group.lr
        for p in group.params {
            guard var g = p.grad else { continue }
            if group["maximize"]! != 0 { g = -g }
            let s = state(for: p)
            if s["exp_avg"] == nil { (s["exp_avg"], s["exp_avg_sq"]) = (p.zerosLike(), p.zerosLike()) }
            s.step += 1
            let step = Double(s.step)
            if weightDecay != 0 {
                if group["decoupled_weight_decay"]! != 0 { p.mul_(Tensor.wrapped(1 - lr * weightDecay)) } else { g = g.add(p, alpha: weightDecay) }
            }
            let expAvg = s["exp_avg"]!, expAvgSq = s["exp_avg_sq"]!
            expAvg.add_(g.sub(expAvg), alpha: 1 - beta1)
            expAvgSq.mul_(Tensor.wrapped(beta2)).add_(g * g, alpha: 1 - beta2)
            let biasCorrection1 = 1 - Foundation.pow(beta1, step), biasCorrection2 = 1 - Foundation.pow(beta2, step)
            let correctedAverage = expAvg / biasCorrection1
            let rhoInfinity = 2 / (1 - beta2) - 1
            let rho = rhoInfinity - 2 * step * Foundation.pow(beta2, step) / biasCorrection2
            if rho > 5 {
                let rectification = ((rho - 4) * (rho - 2) * rhoInfinity / ((rhoInfinity - 4) * (rhoInfinity - 2) * rho)).squareRoot()
                // Python's `number / tensor` is `tensor.reciprocal() * number`.
                let adaptive = (expAvgSq.sqrt() + eps).reciprocal() * biasCorrection2.squareRoot()
                p.add_(correctedAverage * lr * adaptive * rectification, alpha: -1)
            } else {
                p.add_(correctedAverage * lr, alpha: -1)
            }
        }
    }
}

/// Adadelta (`optim.Adadelta`).
public final class Adadelta: Optimizer {
    /// `Adadelta(…)`, with PyTorch's arguments and defaults.
    public convenience init(_ params: [Tensor], lr: Double = 1, rho: Double = 0.9, eps: Double = 1e-6, weightDecay: Double = 0,
                            maximize: Bool = false, file: StaticString = #fileID, line: UInt = #line) {
        self.init([ParamGroup(params: params)], lr: lr, rho: rho, eps: eps, weightDecay: weightDecay, maximize: maximize,
                  file: file, line: line)
    }
    /// Over parameter groups, each with its own hyperparameters where it sets them.
    public init(_ groups: [ParamGroup], lr: Double = 1, rho: Double = 0.9, eps: Double = 1e-6, weightDecay: Double = 0,
                maximize: Bool = false, file: StaticString = #fileID, line: UInt = #line) {
        super.init(groups, lr: lr, defaults: ["rho": rho, "eps": eps, "weight_decay": weightDecay, "maximize": maximize ? 1 : 0],
                   file: file, line: line)
    }

    public override func update(_ group: ParamGroup) {
        let rho = group["rho"]!, eps = group["eps"]!, weightDecay = group["weight_decay"]!
        for p in group.params {
            guard var g = p.grad else { continue }
            if group["maximize"]! != 0 { g = -g }
            let s = state(for: p)
            if s["square_avg"] == nil { (s["square_avg"], s["acc_delta"]) = (p.zerosLike(), p.zerosLike()) }
            s.step += 1
            if weightDecay != 0 { g = g.add(p, alpha: weightDecay) }
            let squareAvg = s["square_avg"]!, accDelta = s["acc_delta"]!
            squareAvg.mul_(Tensor.wrapped(rho)).add_(g * g, alpha: 1 - rho)
            let std = (squareAvg + eps).sqrt()
            let delta = (accDelta + eps).sqrt() / std * g
            accDelta.mul_(Tensor.wrapped(rho)).add_(delta * delta, alpha: 1 - rho)
            p.add_(delta, alpha: -group.lr)
        }
    }
}
