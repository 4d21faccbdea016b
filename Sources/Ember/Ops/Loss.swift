// Loss functions with PyTorch's reductions, fused where PyTorch has a fused backward node.

/// How a loss combines its elements (`reduction=`).
public enum Reduction: String, Sendable {
    /// How a loss reduces over the batch (`reduction="mean"`, `"sum"`, `"none"`).
    case mean, sum, none
    /// KL divergence only: the sum divided by the batch size.
    case batchMean = "batchmean"
}

extension Tensor {
    /// Applies a reduction to a tensor of per-element losses.
    func reduced(_ reduction: Reduction) -> Tensor {
        switch reduction {
        case .mean: return mean()
        case .sum: return sum()
        case .none: return self
        case .batchMean: return sum() / Double(Swift.max(dim > 0 ? shape[0] : 1, 1))
        }
    }

    /// log σ(z) = -log(1 + e^-z), computed without overflow.
    fileprivate static func logSigmoid(_ z: Tensor) -> Tensor { -((-z.abs()).exp().log1p() + (-z).clamp(min: 0)) }

    /// Divides by a number as ATen's C++ does (`DivBackward1`: the divisor is not a tensor).
    func dividedByScalar(_ divisor: Double) -> Tensor {
        let out = noGrad { self / divisor }
        record("DivBackward1", inputs: [self], outputs: [out]) { g in [g[0] / divisor] }
        return out
    }

    /// A loss whose per-element value and gradients are given by closures over (input, target), recorded
    /// as one node named `name`. The target's derivative defaults to minus the input's, right for losses of
    /// `input - target`.
    static func elementwiseLoss(_ name: String, _ input: Tensor, _ target: Tensor, _ reduction: Reduction,
                                file: StaticString, line: UInt,
                                value: (Tensor, Tensor) -> Tensor,
                                derivative: @escaping (Tensor, Tensor) -> Tensor,
                                targetDerivative: ((Tensor, Tensor) -> Tensor)? = nil) -> Tensor {
        check(input.shape == target.shape || Layout.broadcastShapes(input.shape, target.shape) != nil, name,
              "input \(shapeText(input.shape)) and target \(shapeText(target.shape)) do not broadcast", file: file, line: line)
        let perElement = noGrad { value(input, target) }
        let out = noGrad { perElement.reduced(reduction) }
        let count = Double(Swift.max(perElement.numel, 1))
        record(name, inputs: [input, target], outputs: [out], saving: [SavedTensor(input), SavedTensor(target)]) { g in
            var upstream = g[0]
            if reduction == .mean { upstream = upstream / count }
            let needsInputDerivative = input.requiresGrad || (target.requiresGrad && targetDerivative == nil)
            let inputLocal = needsInputDerivative ? derivative(input, target) * upstream : nil
            let targetLocal = target.requiresGrad ? targetDerivative.map { $0(input, target) * upstream } ?? -inputLocal! : nil
            return [input.requiresGrad ? inputLocal!.sumTo(input) : nil, targetLocal?.sumTo(target)]
        }
        return out
    }

    /// Mean squared error (`F.mse_loss`).
    public static func mseLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean,
                               file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        elementwiseLoss("MseLossBackward0", input, target, reduction, file: file, line: line,
                        value: { ($0 - $1).square() }, derivative: { 2 * ($0 - $1) })
    }

    /// Mean absolute error (`F.l1_loss`).
    public static func l1Loss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean,
                              file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        (input - target).abs().reduced(reduction)
    }

    /// Squared below `beta`, absolute above (`F.smooth_l1_loss`).
    public static func smoothL1Loss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean, beta: Double = 1,
                                    file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        if beta == 0 { return l1Loss(input, target, reduction: reduction) }
        return elementwiseLoss("SmoothL1LossBackward0", input, target, reduction, file: file, line: line, value: { x, y in
            let d = (x - y).abs()
            return Tensor.where(d .< beta, 0.5 * d * d / beta, d - 0.5 * beta)
        }, derivative: { x, y in
            let d = x - y
            return Tensor.where(d.abs() .< beta, d / beta, d.sign())
        })
    }

    /// Squared below `delta`, linear above (`F.huber_loss`).
    public static func huberLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean, delta: Double = 1,
                                 file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        elementwiseLoss("HuberLossBackward0", input, target, reduction, file: file, line: line, value: { x, y in
            let d = (x - y).abs()
            return Tensor.where(d .< delta, 0.5 * d * d, delta * (d - 0.5 * delta))
        }, derivative: { x, y in
            let d = x - y
            return Tensor.where(d.abs() .<= delta, d, delta * d.sign())
        })
    }

    /// Binary cross entropy of probabilities (`F.binary_cross_entropy`); logs are clamped at -100 as in PyTorch.
    public static func binaryCrossEntropy(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil, reduction: Reduction = .mean,
                                          file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(input.shape == target.shape, "binary_cross_entropy", "Using a target size (\(shapeText(target.shape))) that is "
              + "different to the input size (\(shapeText(input.shape))) is deprecated", file: file, line: line)
        return elementwiseLoss("BinaryCrossEntropyBackward0", input, target, reduction, file: file, line: line, value: { x, y in
            let loss = -(y * x.log().clamp(min: -100) + (1 - y) * (1 - x).log().clamp(min: -100))
            return weight.map { loss * $0 } ?? loss
        }, derivative: { x, y in
            let d = (x - y) / ((1 - x) * x).clamp(min: 1e-12)
            return weight.map { d * $0 } ?? d
        }, targetDerivative: { x, _ in
            let d = ((1 - x) / x).log()   // -logit(x), as PyTorch's binary_cross_entropy_target_backward
            return weight.map { d * $0 } ?? d
        })
    }

    /// Binary cross entropy of logits, computed stably (`F.binary_cross_entropy_with_logits`).
    public static func binaryCrossEntropyWithLogits(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil,
                                                    posWeight: Tensor? = nil, reduction: Reduction = .mean,
                                                    file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        elementwiseLoss("BinaryCrossEntropyWithLogitsBackward0", input, target, reduction, file: file, line: line, value: { x, y in
            let logSigmoidNeg = -logSigmoid(x)   // log(1 + e^-x)
            let loss: Tensor
            if let pw = posWeight {
                loss = (1 - y) * x + (1 + (pw - 1) * y) * logSigmoidNeg
            } else {
                loss = (1 - y) * x + logSigmoidNeg
            }
            return weight.map { loss * $0 } ?? loss
        }, derivative: { x, y in
            let s = x.sigmoid()
            let d = posWeight.map { pw in (pw * y + 1 - y) * s - pw * y } ?? (s - y)
            return weight.map { d * $0 } ?? d
        }, targetDerivative: { x, _ in
            // log σ(-x) - pos_weight · log σ(x), or -x without pos_weight (binary_cross_entropy_with_logits_target_backward)
            let d = posWeight.map { pw in logSigmoid(-x) - pw * logSigmoid(x) } ?? -x
            return weight.map { d * $0 } ?? d
        })
    }

    /// Negative log likelihood of class indices given log-probabilities [N, C, …] (`F.nll_loss`).
    public static func nllLoss(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
                               reduction: Reduction = .mean, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(input.dim >= 1 && target.dtype == .int64, "nll_loss", "expected log-probabilities [N, C, …] and int64 targets, "
              + "got \(shapeText(input.shape)) and \(target.dtype) \(shapeText(target.shape))", file: file, line: line)
        let classes = input.dim == 1 ? input.shape[0] : input.shape[1]
        let expectedTarget = input.dim == 1 ? [] : [input.shape[0]] + Array(input.shape.dropFirst(2))
        check(target.shape == expectedTarget, "nll_loss", "Expected target of shape \(shapeText(expectedTarget)) for input "
              + "\(shapeText(input.shape)), got \(shapeText(target.shape))", file: file, line: line)
        if let label = target.firstOutside(classes, ignoring: Int64(ignoreIndex)) {
            fail("nll_loss", "Target \(label) is out of bounds (\(classes) classes, input \(shapeText(input.shape)))", file: file, line: line)
        }
        let count = target.numel
        // Move classes last: [M, C] rows, one label per row.
        let rows = input.dim == 1 ? input.reshape([1, classes]) : input.movedClassesLast()
        let valid = target.ne(Tensor(Int64(ignoreIndex))).reshape([-1])
        let safeTarget = target.reshape([-1]).maskedFill(valid.logicalNot(), 0).unsqueeze(1)
        let rowWeight = noGrad { () -> Tensor in
            let w = weight.map { $0.kernelInput(input.dtype).gather(0, safeTarget.squeeze(1)) } ?? Tensor.ones([count], dtype: input.dtype, device: input.device)
            return w * valid.to(input.dtype)
        }
        let picked = noGrad { rows.gather(1, safeTarget).squeeze(1) }
        let losses = noGrad { -picked * rowWeight }
        let out: Tensor = noGrad {
            switch reduction {
            case .none: return losses.reshape(target.shape)
            case .sum: return losses.sum()
            default: return losses.sum() / rowWeight.sum()
            }
        }
        record(input.dim == 4 ? "NllLoss2DBackward0" : "NllLossBackward0", inputs: [input], outputs: [out]) { g in
            var upstream = reduction == .none ? g[0].reshape([-1]) : g[0].expand([count])
            if reduction == .mean || reduction == .batchMean { upstream = upstream / rowWeight.sum() }
            let gradRows = Tensor.zeros(rows.shape, dtype: g[0].dtype, device: g[0].device).scatter(1, safeTarget, (-upstream * rowWeight).unsqueeze(1))
            return [input.dim == 1 ? gradRows.reshape(input.shape) : gradRows.restoredClassesFrom(input.shape)]
        }
        return out
    }

    /// [N, C, d1, …] as [N·d1·…, C] rows; [N, C] unchanged.
    private func movedClassesLast() -> Tensor {
        if dim == 2 { return self }
        let order = [0] + Array(2..<dim) + [1]
        return permute(order).reshape([-1, shape[1]])
    }

    /// The inverse of `movedClassesLast` for a tensor of `shape`.
    private func restoredClassesFrom(_ shape: [Int]) -> Tensor {
        if shape.count == 2 { return self }
        let permutedShape = [shape[0]] + Array(shape.dropFirst(2)) + [shape[1]]
        var inverse = [0, shape.count - 1]
        inverse += Array(1..<(shape.count - 1))
        return reshape(permutedShape).permute(inverse).contiguous()
    }

    /// Cross entropy of logits [N, C, …] against class indices or class probabilities (`F.cross_entropy`).
    public static func crossEntropy(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
                                    reduction: Reduction = .mean, labelSmoothing: Double = 0,
                                    file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let classDim = input.dim == 1 ? 0 : 1
        let classes = input.shape[classDim]
        let logProbabilities = input.logSoftmax(dim: classDim)
        if target.dtype.isFloatingPoint {
            check(target.shape == input.shape, "cross_entropy", "probability targets must have the input's shape "
                  + "\(shapeText(input.shape)), got \(shapeText(target.shape))", file: file, line: line)
            var probabilities = target
            if labelSmoothing > 0 { probabilities = target * (1 - labelSmoothing) + labelSmoothing / Double(classes) }
            var weighted = logProbabilities
            if let w = weight {
                var shape = [Int](repeating: 1, count: input.dim)
                shape[classDim] = classes
                weighted = weighted * w.view(shape)
            }
            switch reduction {
            case .none: return -(weighted * probabilities).sum(dim: classDim)
            case .sum: return -(weighted * probabilities).sum()
            default: return (-(weighted * probabilities).sum()).dividedByScalar(Double(input.numel / classes))
            }
        }
        let nll = nllLoss(logProbabilities, target, weight: weight, ignoreIndex: ignoreIndex, reduction: reduction,
                          file: file, line: line)
        guard labelSmoothing > 0 else { return nll }
        let ignored = target .== Tensor(Int64(ignoreIndex))
        var smooth: Tensor
        if let w = weight {
            var shape = [Int](repeating: 1, count: input.dim)
            shape[classDim] = classes
            smooth = -(logProbabilities * w.view(shape)).sum(dim: classDim)
        } else {
            smooth = -logProbabilities.sum(dim: classDim)
        }
        smooth = smooth.maskedFill(ignored, 0)
        let smoothReduced: Tensor
        switch reduction {
        case .none: smoothReduced = smooth
        case .sum: smoothReduced = smooth.sum()
        default:
            if let w = weight {
                smoothReduced = smooth.sum() / w.gather(0, target.maskedSelect(ignored.logicalNot()).reshape([-1])).sum()
            } else {
                smoothReduced = smooth.sum() / ignored.logicalNot().sum()
            }
        }
        return (1 - labelSmoothing) * nll + smoothReduced * (labelSmoothing / Double(classes))
    }

    /// Kullback–Leibler divergence of log-probabilities `input` from `target` (`F.kl_div`).
    public static func klDiv(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean, logTarget: Bool = false,
                             file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let pointwise: Tensor
        if logTarget {
            pointwise = target.exp() * (target - input)
        } else {
            pointwise = Tensor.xlogy(target, target) - target * input
        }
        switch reduction {
        case .none: return pointwise
        case .sum: return pointwise.sum()
        case .mean: return pointwise.mean()
        case .batchMean: return pointwise.sum() / Double(input.dim > 0 ? input.shape[0] : 1)
        }
    }
}
