// L-BFGS with an optional strong-Wolfe line search (`optim.LBFGS`), step for step as PyTorch runs it.
// The scalars PyTorch keeps as 0-d tensors (curvatures, step lengths, directional derivatives) are
// Doubles here: the same numbers for float64 parameters, the same algorithm for float32.

/// Limited-memory BFGS over all parameters flattened into one vector (`optim.LBFGS`). Each `step`
/// runs up to `maxIter` iterations and needs a closure that recomputes the loss and its gradients:
///
///     optimizer.step {
///         optimizer.zeroGrad()
///         let loss = criterion(model(input), target)
///         loss.backward()
///         return loss
///     }
public final class LBFGS: Optimizer {
    /// The `max_iter`, `max_eval`, `tolerance_grad`, `tolerance_change` and `history_size` arguments it was made with.
    public let maxIter: Int, maxEval: Int, toleranceGrad: Double, toleranceChange: Double, historySize: Int
    /// `"strong_wolfe"` or nil (a fixed step of `lr`).
    public let lineSearchFn: String?
    /// The `maximize` argument it was made with.
    public let maximize: Bool
    private var params: [Tensor] { paramGroups[0].params }

    // The state carried from one step to the next (`state[params[0]]` in PyTorch).
    private var direction: Tensor?, stepLength = 0.0, previousFlatGrad: Tensor?, previousLoss = 0.0
    private var oldDirections: [Tensor] = [], oldSteps: [Tensor] = [], inverseCurvatures: [Double] = [], hessianDiagonal = 1.0
    /// Iterations and function evaluations so far (`state["n_iter"]`, `state["func_evals"]`).
    public private(set) var iterations = 0, functionEvaluations = 0

    /// `LBFGS(params, lr=1, max_iter=20, …)`, with PyTorch's arguments and defaults.
    ///
    /// - Precondition: `lineSearchFn` is nil or `"strong_wolfe"`.
    public init(_ params: [Tensor], lr: Double = 1, maxIter: Int = 20, maxEval: Int? = nil, toleranceGrad: Double = 1e-7,
                toleranceChange: Double = 1e-9, historySize: Int = 100, lineSearchFn: String? = nil, maximize: Bool = false,
                file: StaticString = #fileID, line: UInt = #line) {
        check(lineSearchFn == nil || lineSearchFn == "strong_wolfe", "LBFGS", "only 'strong_wolfe' is supported, got "
              + "\(lineSearchFn ?? "")", file: file, line: line)
        (self.maxIter, self.maxEval, self.toleranceGrad) = (maxIter, maxEval ?? maxIter * 5 / 4, toleranceGrad)
        (self.toleranceChange, self.historySize, self.lineSearchFn, self.maximize) = (toleranceChange, historySize, lineSearchFn, maximize)
        super.init([ParamGroup(params: params)], lr: lr, file: file, line: line)
    }

    /// L-BFGS needs the closure: `step { … }`.
    public override func update(_ group: ParamGroup) {
        preconditionFailure("LBFGS: step() needs a closure that recomputes the loss (step { ... })")
    }

    /// Runs up to `maxIter` L-BFGS iterations, calling `closure` for the loss and gradients; returns the
    /// loss of the first call.
    @discardableResult public override func step(_ closure: () -> Tensor) -> Tensor {
        noGrad {
            let originalLoss = enableGrad(closure)
            var loss = signed(originalLoss.item())
            var currentEvaluations = 1
            functionEvaluations += 1
            var flatGrad = gatherFlatGrad()
            if flatGrad.abs().max().item() <= toleranceGrad { return originalLoss }
            var iteration = 0
            while iteration < maxIter {
                iteration += 1
                iterations += 1
                let d = nextDirection(flatGrad)
                direction = d
                if previousFlatGrad == nil { previousFlatGrad = flatGrad.clone() } else { previousFlatGrad!.copy_(flatGrad) }
                previousLoss = loss
                let lr = paramGroups[0].lr
                stepLength = iterations == 1 ? Swift.min(1, 1 / flatGrad.abs().sum().item()) * lr : lr
                let directional = flatGrad.dot(d).item()
                if directional > -toleranceChange { break }
                var evaluations = 0
                var optimal = false
                if lineSearchFn != nil {
                    let start = params.map { $0.clone() }
                    let result = strongWolfe(closure, start, stepLength, d, loss, flatGrad, directional,
                                             maxLineSearch: maxEval - currentEvaluations)
                    (loss, flatGrad, stepLength, evaluations) = (result.loss, result.flatGrad, result.t, result.evaluations)
                    addGrad(stepLength, d)
                    optimal = flatGrad.abs().max().item() <= toleranceGrad
                } else {
                    addGrad(stepLength, d)
                    if iteration != maxIter {
                        loss = signed(enableGrad(closure).item())
                        flatGrad = gatherFlatGrad()
                        optimal = flatGrad.abs().max().item() <= toleranceGrad
                        evaluations = 1
                    }
                }
                currentEvaluations += evaluations
                functionEvaluations += evaluations
                if iteration == maxIter || currentEvaluations >= maxEval || optimal { break }
                if (d * stepLength).abs().max().item() <= toleranceChange { break }
                if Swift.abs(loss - previousLoss) < toleranceChange { break }
            }
            return originalLoss
        }
    }

    private func signed(_ loss: Double) -> Double { maximize ? -loss : loss }

    /// The search direction: the negative gradient at first, then the two-loop recursion over the history.
    private func nextDirection(_ flatGrad: Tensor) -> Tensor {
        guard iterations > 1, let d = direction, let previous = previousFlatGrad else {
            (oldDirections, oldSteps, inverseCurvatures, hessianDiagonal) = ([], [], [], 1)
            return flatGrad.neg()
        }
        let y = flatGrad - previous, s = d * stepLength
        let ys = y.dot(s).item()
        if ys > 1e-10 {
            if oldDirections.count == historySize {
                oldDirections.removeFirst(); oldSteps.removeFirst(); inverseCurvatures.removeFirst()
            }
            oldDirections.append(y)
            oldSteps.append(s)
            inverseCurvatures.append(1 / ys)
            hessianDiagonal = ys / y.dot(y).item()
        }
        var alphas = [Double](repeating: 0, count: oldDirections.count)
        let q = flatGrad.neg()
        for i in oldDirections.indices.reversed() {
            alphas[i] = oldSteps[i].dot(q).item() * inverseCurvatures[i]
            q.add_(oldDirections[i], alpha: -alphas[i])
        }
        let r = q * hessianDiagonal
        for i in oldDirections.indices {
            let beta = oldDirections[i].dot(r).item() * inverseCurvatures[i]
            r.add_(oldSteps[i], alpha: alphas[i] - beta)
        }
        return r
    }

    /// Every parameter's gradient (zeros where there is none), flattened into one vector.
    private func gatherFlatGrad() -> Tensor {
        let flat = Tensor.cat(params.map { ($0.grad ?? $0.zerosLike()).reshape([-1]) }, dim: 0)
        return maximize ? flat.neg() : flat
    }

    /// Moves the parameters by `t · d`.
    private func addGrad(_ t: Double, _ d: Tensor) {
        var offset = 0
        for p in params {
            p.add_(d.narrow(0, start: offset, length: p.numel).view(p.shape), alpha: t)
            offset += p.numel
        }
    }

    /// The loss and gradient at `x + t · d`; the parameters are put back to `x` afterwards.
    private func evaluate(_ closure: () -> Tensor, _ x: [Tensor], _ t: Double, _ d: Tensor) -> (Double, Tensor) {
        addGrad(t, d)
        let loss = signed(enableGrad(closure).item())
        let flatGrad = gatherFlatGrad()
        for (p, saved) in zip(params, x) { p.copy_(saved) }
        return (loss, flatGrad)
    }

    /// The minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clamped to `bounds`.
    private static func cubicInterpolate(_ x1: Double, _ f1: Double, _ g1: Double, _ x2: Double, _ f2: Double, _ g2: Double,
                                         bounds: (Double, Double)? = nil) -> Double {
        let (low, high) = bounds ?? (x1 <= x2 ? (x1, x2) : (x2, x1))
        let d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
        let d2Square = d1 * d1 - g1 * g2
        guard d2Square >= 0 else { return (low + high) / 2 }
        let d2 = d2Square.squareRoot()
        let position = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
                                : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return Swift.min(Swift.max(position, low), high)
    }

    /// A step length satisfying the strong Wolfe conditions (`_strong_wolfe`): bracketing, then zooming.
    private func strongWolfe(_ closure: () -> Tensor, _ x: [Tensor], _ initialT: Double, _ d: Tensor, _ f: Double, _ g: Tensor,
                             _ gtd: Double, c1: Double = 1e-4, c2: Double = 0.9, maxLineSearch: Int)
        -> (loss: Double, flatGrad: Tensor, t: Double, evaluations: Int) {
        let directionNorm = d.abs().max().item()
        var t = initialT
        var (fNew, gNew) = evaluate(closure, x, t, d)
        var evaluations = 1
        var gtdNew = gNew.dot(d).item()
        var (tPrevious, fPrevious, gPrevious, gtdPrevious) = (0.0, f, g.clone(), gtd)
        var done = false
        var iteration = 0
        var bracket: [Double] = [], bracketF: [Double] = [], bracketG: [Tensor] = [], bracketGtd: [Double] = []
        while iteration < maxLineSearch {
            if fNew > f + c1 * t * gtd || (iteration > 1 && fNew >= fPrevious) {
                (bracket, bracketF, bracketG, bracketGtd) = ([tPrevious, t], [fPrevious, fNew], [gPrevious, gNew.clone()], [gtdPrevious, gtdNew])
                break
            }
            if Swift.abs(gtdNew) <= -c2 * gtd {
                (bracket, bracketF, bracketG, done) = ([t], [fNew], [gNew], true)
                break
            }
            if gtdNew >= 0 {
                (bracket, bracketF, bracketG, bracketGtd) = ([tPrevious, t], [fPrevious, fNew], [gPrevious, gNew.clone()], [gtdPrevious, gtdNew])
                break
            }
            let next = LBFGS.cubicInterpolate(tPrevious, fPrevious, gtdPrevious, t, fNew, gtdNew,
                                              bounds: (t + 0.01 * (t - tPrevious), t * 10))
            (tPrevious, fPrevious, gPrevious, gtdPrevious) = (t, fNew, gNew.clone(), gtdNew)
            t = next
            (fNew, gNew) = evaluate(closure, x, t, d)
            evaluations += 1
            gtdNew = gNew.dot(d).item()
            iteration += 1
        }
        if iteration == maxLineSearch { (bracket, bracketF, bracketG) = ([0, t], [f, fNew], [g, gNew]) }

        var insufficientProgress = false
        var (low, high) = bracketF[0] <= bracketF[bracketF.count - 1] ? (0, 1) : (1, 0)
        while !done && iteration < maxLineSearch {
            if Swift.abs(bracket[1] - bracket[0]) * directionNorm < toleranceChange { break }
            t = LBFGS.cubicInterpolate(bracket[0], bracketF[0], bracketGtd[0], bracket[1], bracketF[1], bracketGtd[1])
            let (top, bottom) = (bracket.max()!, bracket.min()!)
            let margin = 0.1 * (top - bottom)
            if Swift.min(top - t, t - bottom) < margin {
                if insufficientProgress || t >= top || t <= bottom {
                    t = Swift.abs(t - top) < Swift.abs(t - bottom) ? top - margin : bottom + margin
                    insufficientProgress = false
                } else {
                    insufficientProgress = true
                }
            } else {
                insufficientProgress = false
            }
            (fNew, gNew) = evaluate(closure, x, t, d)
            evaluations += 1
            gtdNew = gNew.dot(d).item()
            iteration += 1
            if fNew > f + c1 * t * gtd || fNew >= bracketF[low] {
                (bracket[high], bracketF[high], bracketG[high], bracketGtd[high]) = (t, fNew, gNew.clone(), gtdNew)
                (low, high) = bracketF[0] <= bracketF[1] ? (0, 1) : (1, 0)
            } else {
                if Swift.abs(gtdNew) <= -c2 * gtd {
                    done = true
                } else if gtdNew * (bracket[high] - bracket[low]) >= 0 {
                    (bracket[high], bracketF[high], bracketG[high], bracketGtd[high]) = (bracket[low], bracketF[low], bracketG[low], bracketGtd[low])
                }
                (bracket[low], bracketF[low], bracketG[low], bracketGtd[low]) = (t, fNew, gNew.clone(), gtdNew)
            }
        }
        return (bracketF[low], bracketG[low], bracket[low], evaluations)
    }
}
