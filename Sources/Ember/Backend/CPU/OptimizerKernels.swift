// Fused optimizer updates: one pass over a parameter's elements instead of a dozen tensor ops.
import CEmberKernels

/// Adam's update of one contiguous parameter in a single loop, in PyTorch's order of operations.
struct FusedAdam: FloatTypeVisitor {
    let step: AdamStep
    let param: KernelOperand, grad: KernelOperand, expAvg: KernelOperand, expAvgSq: KernelOperand, maxExpAvgSq: KernelOperand?

    func visit<T: FloatScalar>(_: T.Type) {
        let p = param.pointer(as: T.self), g = grad.pointer(as: T.self)
        let m = expAvg.pointer(as: T.self), v = expAvgSq.pointer(as: T.self), vMax = maxExpAvgSq?.pointer(as: T.self)
        let (beta1, beta2, eps, stepSize, biasCorrection2Sqrt) = (step.beta1, step.beta2, step.eps, step.stepSize,
                                                                  step.biasCorrection2Sqrt)
        let (b1, b2, e) = (T(1 - beta1), T(beta2), T(eps))
        let (oneMinusB2, size, correction) = (T(1 - beta2), T(stepSize), T(biasCorrection2Sqrt))
        if T.self == Float.self {
            // The AVX2 loop, same arithmetic in 8 lanes.
            let f = { (t: UnsafeMutablePointer<T>) in UnsafeMutableRawPointer(t).assumingMemoryBound(to: Float.self) }
            let vMaxFloat = vMax.map(f)
            parallelFor(param.numel, grain: pointwiseGrain / 4) { range in
                let start = range.lowerBound
                ember_adam_f32(f(p) + start, f(g) + start, f(m) + start, f(v) + start, vMaxFloat.map { $0 + start }, range.count,
                               Float(1 - beta1), Float(beta2), Float(1 - beta2), Float(eps), Float(stepSize), Float(biasCorrection2Sqrt))
            }
            return
        }
        parallelFor(param.numel, grain: pointwiseGrain / 4) { range in
            for i in range {
                let gi = g[i]
                m[i] += b1 * (gi - m[i])
                v[i] = v[i] * b2 + oneMinusB2 * (gi * gi)
                var second = v[i]
                if let vm = vMax { vm[i] = Swift.max(vm[i], second); second = vm[i] }
                p[i] -= size * (m[i] / (second.squareRoot() / correction + e))
            }
        }
    }
}
