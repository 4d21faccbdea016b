// The margin, embedding and likelihood losses of `torch.nn.functional`, computed as PyTorch computes them
// (the composites with the same operations, so the same last node; the fused ones as one node).
import Foundation

extension Tensor {
    /// `log(1 + exp(-target * input))` (`F.soft_margin_loss`).
    public static func softMarginLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean,
                                      file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        elementwiseLoss("SoftMarginLossBackward0", input, target, reduction, file: file, line: line,
                        value: { x, y in (-y * x).exp().log1p() },
                        derivative: { x, y in -y * (-y * x).sigmoid() },
                        targetDerivative: { x, y in -x * (-y * x).sigmoid() })
    }

    /// `max(0, -target * (input1 - input2) + margin)` (`F.margin_ranking_loss`).
    public static func marginRankingLoss(_ input1: Tensor, _ input2: Tensor, _ target: Tensor, margin: Double = 0,
                                         reduction: Reduction = .mean) -> Tensor {
        (-target * (input1 - input2) + margin).clampMin(0).reduced(reduction)
    }

    /// `input` where the target is 1, `max(0, margin - input)` where it is -1 (`F.hinge_embedding_loss`).
    public static func hingeEmbeddingLoss(_ input: Tensor, _ target: Tensor, margin: Double = 1, reduction: Reduction = .mean) -> Tensor {
        let zeros = input.zerosLike()
        let marginPart = Tensor.where(target .!= 1, (margin - input).clampMin(0), zeros)
        let selfPart = Tensor.where(target .!= -1, input, zeros)
        return (marginPart + selfPart).reduced(reduction)
    }

    /// `1 - cos(x1, x2)` where the target is 1, `max(0, cos(x1, x2) - margin)` where it is -1
    /// (`F.cosine_embedding_loss`).
    public static func cosineEmbeddingLoss(_ input1: Tensor, _ input2: Tensor, _ target: Tensor, margin: Double = 0,
                                           reduction: Reduction = .mean) -> Tensor {
        let dim = input1.dim - 1
        let epsilon = 1e-12
        let product = (input1 * input2).sum(dim: dim)
        let magnitude1 = (input1 * input1).sum(dim: dim) + epsilon, magnitude2 = (input2 * input2).sum(dim: dim) + epsilon
        let cosine = product / (magnitude1 * magnitude2).sqrt()
        let zeros = cosine.zerosLike()
        let positive = Tensor.where(target .== 1, 1 - cosine, zeros)
        let negative = Tensor.where(target .== -1, (cosine - margin).clampMin(0), zeros)
        return (positive + negative).reduced(reduction)
    }

    /// The negative log likelihood of a Gaussian, `0.5 * (log(var) + (input - target)² / var)`, var clamped to
    /// `eps` without stopping its gradient (`F.gaussian_nll_loss`).
    public static func gaussianNLLLoss(_ input: Tensor, _ target: Tensor, _ variance: Tensor, full: Bool = false, eps: Double = 1e-6,
                                       reduction: Reduction = .mean, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        var v = variance
        if v.shape != input.shape && Array(input.shape.dropLast()) == v.shape { v = v.unsqueeze(-1) }
        check(Layout.broadcastShapes(input.shape, v.shape) != nil, "gaussian_nll_loss", "var is of incorrect size", file: file, line: line)
        let clamped = v + (v.clamp(min: eps) - v).detach()
        var loss = 0.5 * (clamped.log() + (input - target).pow(2) / clamped)
        if full { loss = loss + 0.5 * Foundation.log(2 * Double.pi) }
        return loss.reduced(reduction)
    }

    /// The negative log likelihood of a Poisson target: `exp(input) - target * input` for log rates, else
    /// `input - target * log(input + eps)`; with `full`, Stirling's term for targets above 1 (`F.poisson_nll_loss`).
    public static func poissonNLLLoss(_ input: Tensor, _ target: Tensor, logInput: Bool = true, full: Bool = false, eps: Double = 1e-8,
                                      reduction: Reduction = .mean) -> Tensor {
        var loss = logInput ? input.exp() - target * input : input - target * (input + eps).log()
        if full {
            let stirling = target * target.log() - target + 0.5 * (2 * Double.pi * target).log()
            loss = loss + stirling.maskedFill(target .<= 1, 0)
        }
        return loss.reduced(reduction)
    }

    /// `max(0, margin + d(anchor, positive) - d(anchor, negative))` with pairwise distances; `swap` uses the
    /// smaller negative distance (`F.triplet_margin_loss`).
    public static func tripletMarginLoss(_ anchor: Tensor, _ positive: Tensor, _ negative: Tensor, margin: Double = 1, p: Double = 2,
                                         eps: Double = 1e-6, swap: Bool = false, reduction: Reduction = .mean) -> Tensor {
        let positiveDistance = pairwiseDistance(anchor, positive, p: p, eps: eps)
        var negativeDistance = pairwiseDistance(anchor, negative, p: p, eps: eps)
        if swap { negativeDistance = negativeDistance.minimum(pairwiseDistance(positive, negative, p: p, eps: eps)) }
        return (margin + positiveDistance - negativeDistance).clampMin(0).reduced(reduction)
    }

    /// The mean over classes of the binary logistic losses (`F.multilabel_soft_margin_loss`).
    public static func multilabelSoftMarginLoss(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil,
                                                reduction: Reduction = .mean) -> Tensor {
        var loss = -(target * input.logSigmoid() + (1 - target) * (-input).logSigmoid())
        if let weight { loss = loss * weight }
        let classDim = input.dim - 1
        return (loss.sum(dim: classDim) / Double(input.shape[classDim])).reduced(reduction)
    }

    /// Σ_{j≠y} max(0, margin - x_y + x_j)^p / C per sample, times `weight[y]` (`F.multi_margin_loss`).
    public static func multiMarginLoss(_ input: Tensor, _ target: Tensor, p: Int = 1, margin: Double = 1, weight: Tensor? = nil,
                                       reduction: Reduction = .mean, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(p == 1 || p == 2, "multi_margin_loss", "only p == 1 and p == 2 supported", file: file, line: line)
        let x = input.dim <= 1 ? input.reshape([1, -1]) : input
        let y = target.reshape([-1, 1])
        let classes = x.shape.last ?? 1
        let (perSample, active) = noGrad { () -> (Tensor, Tensor) in
            let hinge = (margin - x.gather(1, y) + x).clampMin(0)
            let notTarget = Tensor.ones(x.shape, dtype: .bool, device: x.device).scatter(1, y, value: 0)
            var terms = Tensor.where(notTarget, p == 1 ? hinge : hinge * hinge, Tensor.zeros([], dtype: x.dtype))
            if let weight { terms = terms * weight.gather(0, y.reshape([-1])).unsqueeze(1) }
            return (terms.sum(dim: 1) / Double(classes), hinge)
        }
        let shaped = input.dim <= 1 ? perSample.reshape([]) : perSample
        let out = noGrad { shaped.reduced(reduction) }
        if needsGrad(input) {
            record("MultiMarginLossBackward0", inputs: [input], outputs: [out]) { g in
                let scale = reduction == .mean ? 1 / Double(Swift.max(perSample.numel, 1)) : 1
                let upstream = (reduction == .none ? g[0].reshape([-1, 1]) : g[0]) * scale
                let notTarget = Tensor.ones(x.shape, dtype: .bool, device: x.device).scatter(1, y, value: 0).logicalAnd(active .> 0)
                var slope = Tensor.where(notTarget, p == 1 ? Tensor.onesScalar(x.dtype) : 2 * active, Tensor.zeros([], dtype: x.dtype))
                if let weight { slope = slope * weight.gather(0, y.reshape([-1])).unsqueeze(1) }
                slope = slope / Double(classes)
                let gradient = slope.scatter(1, y, -slope.sum(dim: 1, keepdim: true)) * upstream
                return [input.dim <= 1 ? gradient.reshape(input.shape) : gradient]
            }
        }
        return out
    }
}

extension F {
    /// The two-class logistic loss of scores against targets ±1 (`F.soft_margin_loss`).
    public static func softMarginLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
        Tensor.softMarginLoss(input, target, reduction: reduction)
    }
    /// The loss of ranking `x1` above `x2` (target 1) or below (−1) by a margin (`F.margin_ranking_loss`).
    public static func marginRankingLoss(_ input1: Tensor, _ input2: Tensor, _ target: Tensor, margin: Double = 0,
                                         reduction: Reduction = .mean) -> Tensor {
        Tensor.marginRankingLoss(input1, input2, target, margin: margin, reduction: reduction)
    }
    /// The hinge loss of distances whose targets say similar (1) or dissimilar (−1) (`F.hinge_embedding_loss`).
    public static func hingeEmbeddingLoss(_ input: Tensor, _ target: Tensor, margin: Double = 1, reduction: Reduction = .mean) -> Tensor {
        Tensor.hingeEmbeddingLoss(input, target, margin: margin, reduction: reduction)
    }
    /// The loss of pairs that should be similar (target 1) or dissimilar (−1) by cosine similarity (`F.cosine_embedding_loss`).
    public static func cosineEmbeddingLoss(_ input1: Tensor, _ input2: Tensor, _ target: Tensor, margin: Double = 0,
                                           reduction: Reduction = .mean) -> Tensor {
        Tensor.cosineEmbeddingLoss(input1, input2, target, margin: margin, reduction: reduction)
    }
    /// The negative log-likelihood of targets under Gaussians of the given means and variances (`F.gaussian_nll_loss`).
    public static func gaussianNLLLoss(_ input: Tensor, _ target: Tensor, _ variance: Tensor, full: Bool = false, eps: Double = 1e-6,
                                       reduction: Reduction = .mean) -> Tensor {
        Tensor.gaussianNLLLoss(input, target, variance, full: full, eps: eps, reduction: reduction)
    }
    /// The negative log-likelihood of targets under Poisson distributions (`F.poisson_nll_loss`).
    public static func poissonNLLLoss(_ input: Tensor, _ target: Tensor, logInput: Bool = true, full: Bool = false, eps: Double = 1e-8,
                                      reduction: Reduction = .mean) -> Tensor {
        Tensor.poissonNLLLoss(input, target, logInput: logInput, full: full, eps: eps, reduction: reduction)
    }
    /// The loss of anchors closer to positives than to negatives by a margin (`F.triplet_margin_loss`).
    public static func tripletMarginLoss(_ anchor: Tensor, _ positive: Tensor, _ negative: Tensor, margin: Double = 1, p: Double = 2,
                                         eps: Double = 1e-6, swap: Bool = false, reduction: Reduction = .mean) -> Tensor {
        Tensor.tripletMarginLoss(anchor, positive, negative, margin: margin, p: p, eps: eps, swap: swap, reduction: reduction)
    }
    /// The multi-label one-versus-all logistic loss (`F.multilabel_soft_margin_loss`).
    public static func multilabelSoftMarginLoss(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil,
                                                reduction: Reduction = .mean) -> Tensor {
        Tensor.multilabelSoftMarginLoss(input, target, weight: weight, reduction: reduction)
    }
    /// The multi-class hinge loss of scores against class indices (`F.multi_margin_loss`).
    public static func multiMarginLoss(_ input: Tensor, _ target: Tensor, p: Int = 1, margin: Double = 1, weight: Tensor? = nil,
                                       reduction: Reduction = .mean) -> Tensor {
        Tensor.multiMarginLoss(input, target, p: p, margin: margin, weight: weight, reduction: reduction)
    }
}
