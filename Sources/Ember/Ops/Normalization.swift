// Batch, layer and group normalisation: statistics over some dimensions, then an affine map.

extension Tensor {
    /// (x - mean) / sqrt(var + eps) over `dims` (biased variance), and 1 / sqrt(var + eps) with keepdim.
    fileprivate func standardized(over dims: [Int], eps: Double) -> (normalized: Tensor, invStd: Tensor, mean: Tensor, variance: Tensor) {
        noGrad {
            let mean = self.mean(dims: dims, keepdim: true)
            let variance = self.variance(dims: dims, correction: 0, keepdim: true)
            let invStd = (variance + eps).rsqrt()
            return ((self - mean) * invStd, invStd, mean, variance)
        }
    }

    /// The normalised values as a layer's output: a copy when no affine map makes a new tensor, so an in-place
    /// op on the output (`ReLU(inplace: true)`) cannot change what backward reads.
    fileprivate func distinctOutput(_ weight: Tensor?, _ bias: Tensor?) -> Tensor {
        weight == nil && bias == nil ? clone() : self
    }

    /// The gradient of a normalisation: dx = invStd · (ĝ − mean(ĝ) − x̂ · mean(ĝ x̂)) with ĝ = g·γ, means over `dims`.
    fileprivate static func standardizedGradient(_ gradNormalized: Tensor, normalized: Tensor, invStd: Tensor, dims: [Int]) -> Tensor {
        invStd * (gradNormalized - gradNormalized.mean(dims: dims, keepdim: true)
                  - normalized * (gradNormalized * normalized).mean(dims: dims, keepdim: true))
    }

    /// Batch normalisation over all dimensions but 1 (`F.batch_norm`). In training, batch statistics are
    /// used and the running ones updated in place with `momentum` (nil: cumulative average over `batchesTracked`).
    public static func batchNorm(_ input: Tensor, runningMean: Tensor?, runningVar: Tensor?, weight: Tensor? = nil,
                                 bias: Tensor? = nil, training: Bool = false, momentum: Double? = 0.1, eps: Double = 1e-5,
                                 batchesTracked: Int = 1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(input.dim >= 2, "batch_norm", "expected at least 2-d input, got \(shapeText(input.shape))", file: file, line: line)
        let channels = input.shape[1]
        let dims = [0] + Array(2..<input.dim)
        let perChannel = [1, channels] + [Int](repeating: 1, count: input.dim - 2)
        for (name, t) in [("running_mean", runningMean), ("running_var", runningVar), ("weight", weight), ("bias", bias)] {
            if let t = t {
                check(t.numel == channels, "batch_norm", "\(name) should contain \(channels) elements not \(t.numel) "
                      + "(input \(shapeText(input.shape)))", file: file, line: line)
            }
        }
        let count = input.numel / Swift.max(channels, 1)
        check(!training || count > 1, "batch_norm", "Expected more than 1 value per channel when training, got input size "
              + "\(shapeText(input.shape))", file: file, line: line)
        let useBatchStats = training || runningMean == nil
        // Whole passes per channel where the backend has them (float32, contiguous), else composed tensor ops.
        let shape = ChannelShape(batch: input.shape[0], channels: channels, inner: count / Swift.max(input.shape[0], 1))
        let fused = input.numel > 0 && input.isContiguous && input.dtype == .float32
            && [runningMean, runningVar, weight, bias].allSatisfy { $0 == nil || ($0!.dtype == .float32 && $0!.isContiguous) }
        /// α = γ/√(var + ε) and β = b − mean·α per channel, so that y = x·α + β (PyTorch's inference form).
        func coefficients(mean: Tensor, invStd: Tensor) -> (scale: Tensor, shift: Tensor) {
            let scale = weight.map { invStd * $0 } ?? invStd
            return (scale, bias.map { $0 - mean * scale } ?? -(mean * scale))
        }
        /// x·scale[c] + shift[c] in one pass, or nil where the backend has no such pass.
        func channelAffine(_ coefficients: (scale: Tensor, shift: Tensor)) -> Tensor? {
            guard fused else { return nil }
            let out = Tensor(uninitializedShape: input.shape, dtype: input.dtype, backend: input.backend)
            let done = input.backend.channelAffine(input.operand, shape, scale: coefficients.scale.contiguous().operand,
                                                   shift: coefficients.shift.contiguous().operand, into: out.operand)
            return done ? out : nil
        }
        /// x̂ = (x − mean) / √(var + ε) for per-channel `mean` and `invStd`, without a graph.
        func normalized(mean: Tensor, invStd: Tensor) -> Tensor {
            noGrad { (input - mean.view(perChannel)) * invStd.view(perChannel) }
        }
        // The statistics backward uses: the mean and 1/√(var + ε) per channel, x̂ when it was materialised, and whether
        // the backend computed the statistics in its own passes (it then has the backward passes too).
        let mean: Tensor, invStd: Tensor, out: Tensor, savedNormalized: Tensor?, statisticsInPasses: Bool
        if useBatchStats {
            let variance: Tensor
            let statistics = fused ? Tensor(uninitializedShape: [2, channels], dtype: input.dtype, backend: input.backend) : nil
            if let statistics, input.backend.channelStatistics(input.operand, shape, mean: statistics[0].operand,
                                                               variance: statistics[1].operand) {
                (mean, variance, savedNormalized, statisticsInPasses) = (statistics[0], statistics[1], nil, true)
                invStd = noGrad { (variance + eps).rsqrt() }
            } else {
                let stats = input.standardized(over: dims, eps: eps)
                (mean, variance, invStd, savedNormalized) = (stats.mean.reshape([channels]), stats.variance.reshape([channels]),
                                                             stats.invStd.reshape([channels]), stats.normalized)
                statisticsInPasses = false
            }
            if training, let rm = runningMean, let rv = runningVar {
                let factor = momentum ?? 1 / Double(batchesTracked)
                noGrad {
                    let unbiased = variance * (Double(count) / Double(Swift.max(count - 1, 1)))
                    rm.copy_(rm * (1 - factor) + mean * factor)
                    rv.copy_(rv * (1 - factor) + unbiased * factor)
                }
            }
            out = noGrad { () -> Tensor in
                if statisticsInPasses, let y = channelAffine(coefficients(mean: mean, invStd: invStd)) { return y }
                var y = (savedNormalized ?? normalized(mean: mean, invStd: invStd)).distinctOutput(weight, bias)
                if let w = weight { y = y * w.view(perChannel) }
                if let b = bias { y = y + b.view(perChannel) }
                return y.kernelInput(input.dtype)
            }
        } else {
            // Copies, so that backward reads the statistics this forward used.
            mean = noGrad { runningMean!.reshape([channels]).clone() }
            invStd = noGrad { (runningVar!.reshape([channels]) + eps).rsqrt() }
            (savedNormalized, statisticsInPasses) = (nil, false)
            // PyTorch's inference kernel: y = x·α + β per channel (one pass).
            out = noGrad { () -> Tensor in
                let (scale, shift) = coefficients(mean: mean, invStd: invStd)
                return channelAffine((scale, shift))
                    ?? (input * scale.view(perChannel) + shift.view(perChannel)).kernelInput(input.dtype)
            }
        }
        let inputs = [input] + [weight, bias].compactMap { $0 }
        record("NativeBatchNormBackward0", inputs: inputs, outputs: [out]) { g in
            if statisticsInPasses, !GradMode.isEnabled,
               let grads = fusedBatchNormBackward(g[0].contiguous(), input: input, shape: shape, mean: mean, invStd: invStd,
                                                  weight: weight, bias: bias) {
                return grads
            }
            let needsNormalized = (input.requiresGrad && useBatchStats) || weight?.requiresGrad == true
            let xHat = needsNormalized ? savedNormalized ?? normalized(mean: mean, invStd: invStd) : nil
            let gradNormalized = weight.map { g[0] * $0.view(perChannel) } ?? g[0]
            var grads: [Tensor?] = [input.requiresGrad
                ? (useBatchStats ? standardizedGradient(gradNormalized, normalized: xHat!, invStd: invStd.view(perChannel), dims: dims)
                                 : gradNormalized * invStd.view(perChannel))
                : nil]
            if let w = weight, w.requiresGrad {
                grads.append((g[0] * xHat!).sum(dims: dims).reshape(w.shape))
            } else if weight != nil {
                grads.append(nil)
            }
            if let b = bias { grads.append(b.requiresGrad ? g[0].sum(dims: dims).reshape(b.shape) : nil) }
            return grads
        }
        return out
    }

    /// BatchNorm's gradients (input, then weight and bias where present) from the backend's two passes over a
    /// contiguous float32 upstream gradient, or nil where the backend has none.
    private static func fusedBatchNormBackward(_ gradOutput: Tensor, input: Tensor, shape: ChannelShape, mean: Tensor,
                                               invStd: Tensor, weight: Tensor?, bias: Tensor?) -> [Tensor?]? {
        let sums = Tensor(uninitializedShape: [2, shape.channels], dtype: input.dtype, backend: input.backend)
        let gradInput = input.requiresGrad ? Tensor(uninitializedShape: input.shape, dtype: input.dtype, backend: input.backend) : nil
        guard input.backend.batchNormBackward(shape, gradOutput: gradOutput.operand, input: input.operand, mean: mean.operand,
                                              invStd: invStd.operand, weight: weight?.operand, sums: sums[0].operand,
                                              centredSums: sums[1].operand, gradInput: gradInput?.operand) else { return nil }
        var grads: [Tensor?] = [gradInput]
        if let w = weight { grads.append(w.requiresGrad ? (sums[1] * invStd).reshape(w.shape) : nil) }
        if let b = bias { grads.append(b.requiresGrad ? sums[0].reshape(b.shape) : nil) }
        return grads
    }

    /// Layer normalisation over the trailing `normalizedShape` dimensions (`F.layer_norm`).
    public static func layerNorm(_ input: Tensor, _ normalizedShape: [Int], weight: Tensor? = nil, bias: Tensor? = nil,
                                 eps: Double = 1e-5, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(input.dim >= normalizedShape.count && Array(input.shape.suffix(normalizedShape.count)) == normalizedShape,
              "layer_norm", "Given normalized_shape=\(normalizedShape), expected input with shape [*, "
              + "\(normalizedShape.map(String.init).joined(separator: ", "))], but got input of size \(shapeText(input.shape))",
              file: file, line: line)
        let dims = Array((input.dim - normalizedShape.count)..<input.dim)
        let stats = input.standardized(over: dims, eps: eps)
        let out = noGrad { () -> Tensor in
            var y = stats.normalized.distinctOutput(weight, bias)
            if let w = weight { y = y * w }
            if let b = bias { y = y + b }
            return y
        }
        let inputs = [input] + [weight, bias].compactMap { $0 }
        let lead = Array(0..<(input.dim - normalizedShape.count))
        record("NativeLayerNormBackward0", inputs: inputs, outputs: [out]) { g in
            let gradNormalized = weight.map { g[0] * $0 } ?? g[0]
            var grads: [Tensor?] = [input.requiresGrad
                ? standardizedGradient(gradNormalized, normalized: stats.normalized, invStd: stats.invStd, dims: dims) : nil]
            if let w = weight { grads.append(w.requiresGrad ? (g[0] * stats.normalized).sum(dims: lead).reshape(w.shape) : nil) }
            if let b = bias { grads.append(b.requiresGrad ? g[0].sum(dims: lead).reshape(b.shape) : nil) }
            return grads
        }
        return out
    }

    /// Group normalisation: channels split into `numGroups` groups, each normalised over its channels and
    /// positions (`F.group_norm`).
    public static func groupNorm(_ input: Tensor, numGroups: Int, weight: Tensor? = nil, bias: Tensor? = nil,
                                 eps: Double = 1e-5, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(input.dim >= 2 && input.shape[1] % numGroups == 0, "group_norm", "Expected number of channels in input to be "
              + "divisible by num_groups, but got input of shape \(shapeText(input.shape)) and num_groups=\(numGroups)",
              file: file, line: line)
        let channels = input.shape[1]
        // The group size spelled out, so an empty batch reshapes too.
        let groupSize = channels / numGroups * input.shape.dropFirst(2).reduce(1, *)
        let grouped = noGrad { input.reshape([input.shape[0], numGroups, groupSize]) }
        let stats = grouped.standardized(over: [2], eps: eps)
        let perChannel = [1, channels] + [Int](repeating: 1, count: input.dim - 2)
        let normalized = noGrad { stats.normalized.reshape(input.shape) }
        let out = noGrad { () -> Tensor in
            var y = normalized.distinctOutput(weight, bias)
            if let w = weight { y = y * w.view(perChannel) }
            if let b = bias { y = y + b.view(perChannel) }
            return y
        }
        let dims = [0] + Array(2..<input.dim)
        let inputs = [input] + [weight, bias].compactMap { $0 }
        record("NativeGroupNormBackward0", inputs: inputs, outputs: [out]) { g in
            let gradNormalized = (weight.map { g[0] * $0.view(perChannel) } ?? g[0]).reshape(grouped.shape)
            var grads: [Tensor?] = [input.requiresGrad
                ? standardizedGradient(gradNormalized, normalized: stats.normalized, invStd: stats.invStd, dims: [2]).reshape(input.shape)
                : nil]
            if let w = weight { grads.append(w.requiresGrad ? (g[0] * normalized).sum(dims: dims).reshape(w.shape) : nil) }
            if let b = bias { grads.append(b.requiresGrad ? g[0].sum(dims: dims).reshape(b.shape) : nil) }
            return grads
        }
        return out
    }
}
