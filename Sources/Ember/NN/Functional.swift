// `F`: the functional interface of torch.nn.functional, over Ember's ops.

/// Stateless layer functions, as `torch.nn.functional` (`F.relu`, `F.conv2d`, `F.crossEntropy`…).
public enum F {
    // MARK: Activations
    /// max(x, 0) (`F.relu`).
    public static func relu(_ x: Tensor) -> Tensor { x.relu() }
    /// x for x ≥ 0, else negativeSlope·x (`F.leaky_relu`).
    public static func leakyRelu(_ x: Tensor, negativeSlope: Double = 0.01) -> Tensor { x.leakyRelu(negativeSlope: negativeSlope) }
    /// ELU: x for x > 0, else α·(exp(x) − 1) (`F.elu`).
    public static func elu(_ x: Tensor, alpha: Double = 1) -> Tensor { x.elu(alpha: alpha) }
    /// GELU: x·Φ(x), exactly or with the tanh approximation (`F.gelu`).
    public static func gelu(_ x: Tensor, approximate: String = "none") -> Tensor { x.gelu(approximate: approximate) }
    /// x·sigmoid(x) (`F.silu`).
    public static func silu(_ x: Tensor) -> Tensor { x.silu() }
    /// log(1 + exp(β·x)) / β, linear above `threshold` (`F.softplus`).
    public static func softplus(_ x: Tensor, beta: Double = 1, threshold: Double = 20) -> Tensor {
        x.softplus(beta: beta, threshold: threshold)
    }
    /// 1 / (1 + exp(−x)) (`F.sigmoid`).
    public static func sigmoid(_ x: Tensor) -> Tensor { x.sigmoid() }
    /// The hyperbolic tangent (`F.tanh`).
    public static func tanh(_ x: Tensor) -> Tensor { x.tanh() }
    /// exp(x) / Σ exp(x) along `dim`, computed stably (`F.softmax`).
    public static func softmax(_ x: Tensor, dim: Int) -> Tensor { x.softmax(dim: dim) }
    /// log(softmax(x)) along `dim`, computed stably (`F.log_softmax`).
    public static func logSoftmax(_ x: Tensor, dim: Int) -> Tensor { x.logSoftmax(dim: dim) }

    // MARK: Layers
    /// x·weightᵀ + bias (`F.linear`).
    public static func linear(_ x: Tensor, _ weight: Tensor, _ bias: Tensor? = nil,
                              file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        Tensor.linear(x, weight, bias, file: file, line: line)
    }
    /// A 1-d convolution (cross-correlation) of [N, C, L] inputs (`F.conv1d`).
    public static func conv1d(_ x: Tensor, _ weight: Tensor, _ bias: Tensor? = nil, stride: Int = 1, padding: Int = 0,
                              dilation: Int = 1, groups: Int = 1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        Tensor.conv1d(x, weight, bias, stride: stride, padding: padding, dilation: dilation, groups: groups, file: file, line: line)
    }
    /// `F.conv1d(x, w, padding="same")`.
    @_disfavoredOverload
    public static func conv1d(_ x: Tensor, _ weight: Tensor, _ bias: Tensor? = nil, stride: Int = 1, padding: ConvPadding,
                              dilation: Int = 1, groups: Int = 1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        Tensor.conv1d(x, weight, bias, stride: stride, padding: padding, dilation: dilation, groups: groups, file: file, line: line)
    }
    /// A 2-d convolution (cross-correlation) of [N, C, H, W] inputs (`F.conv2d`).
    public static func conv2d(_ x: Tensor, _ weight: Tensor, _ bias: Tensor? = nil, stride: IntPair = 1, padding: ConvPadding = 0,
                              dilation: IntPair = 1, groups: Int = 1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        Tensor.conv2d(x, weight, bias, stride: stride, padding: padding, dilation: dilation, groups: groups, file: file, line: line)
    }
    /// A 2-d transposed convolution, the gradient of `conv2d` with respect to its input (`F.conv_transpose2d`).
    public static func convTranspose2d(_ x: Tensor, _ weight: Tensor, _ bias: Tensor? = nil, stride: IntPair = 1,
                                       padding: IntPair = 0, outputPadding: IntPair = 0, groups: Int = 1,
                                       dilation: IntPair = 1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        Tensor.convTranspose2d(x, weight, bias, stride: stride, padding: padding, outputPadding: outputPadding,
                               groups: groups, dilation: dilation, file: file, line: line)
    }
    /// Max pooling over windows of the last two dimensions (`F.max_pool2d`).
    public static func maxPool2d(_ x: Tensor, _ kernelSize: IntPair, stride: IntPair? = nil, padding: IntPair = 0,
                                 dilation: IntPair = 1, ceilMode: Bool = false,
                                 file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        Tensor.maxPool2d(x, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode,
                         file: file, line: line)
    }
    /// Max pooling with the flat index of each maximum (`F.max_pool2d(…, return_indices=True)`).
    public static func maxPool2dWithIndices(_ x: Tensor, _ kernelSize: IntPair, stride: IntPair? = nil, padding: IntPair = 0,
                                            dilation: IntPair = 1, ceilMode: Bool = false) -> (output: Tensor, indices: Tensor) {
        Tensor.maxPool2dWithIndices(x, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }
    /// Average pooling over windows of the last two dimensions (`F.avg_pool2d`).
    public static func avgPool2d(_ x: Tensor, _ kernelSize: IntPair, stride: IntPair? = nil, padding: IntPair = 0,
                                 ceilMode: Bool = false, countIncludePad: Bool = true, divisorOverride: Int? = nil) -> Tensor {
        Tensor.avgPool2d(x, kernelSize: kernelSize, stride: stride, padding: padding, ceilMode: ceilMode,
                         countIncludePad: countIncludePad, divisorOverride: divisorOverride)
    }
    /// Average pooling to a fixed output height and width, whatever the input's (`F.adaptive_avg_pool2d`).
    public static func adaptiveAvgPool2d(_ x: Tensor, _ outputSize: IntPair) -> Tensor { Tensor.adaptiveAvgPool2d(x, outputSize) }
    /// Batch normalisation over the batch and spatial dimensions, with running statistics in training (`F.batch_norm`).
    public static func batchNorm(_ x: Tensor, runningMean: Tensor?, runningVar: Tensor?, weight: Tensor? = nil, bias: Tensor? = nil,
                                 training: Bool = false, momentum: Double? = 0.1, eps: Double = 1e-5) -> Tensor {
        Tensor.batchNorm(x, runningMean: runningMean, runningVar: runningVar, weight: weight, bias: bias, training: training,
                         momentum: momentum, eps: eps)
    }
    /// Normalisation over the trailing `normalizedShape` dimensions (`F.layer_norm`).
    public static func layerNorm(_ x: Tensor, _ normalizedShape: [Int], weight: Tensor? = nil, bias: Tensor? = nil,
                                 eps: Double = 1e-5) -> Tensor {
        Tensor.layerNorm(x, normalizedShape, weight: weight, bias: bias, eps: eps)
    }
    /// Normalisation over groups of channels (`F.group_norm`).
    public static func groupNorm(_ x: Tensor, _ numGroups: Int, weight: Tensor? = nil, bias: Tensor? = nil, eps: Double = 1e-5) -> Tensor {
        Tensor.groupNorm(x, numGroups: numGroups, weight: weight, bias: bias, eps: eps)
    }
    /// The rows of `weight` that the indices name (`F.embedding`).
    public static func embedding(_ x: Tensor, _ weight: Tensor, paddingIdx: Int? = nil) -> Tensor {
        Tensor.embedding(x, weight, paddingIdx: paddingIdx)
    }
    /// Zeros each element with probability `p` in training and scales the rest by 1 / (1 − p) (`F.dropout`).
    public static func dropout(_ x: Tensor, p: Double = 0.5, training: Bool = true) -> Tensor {
        Tensor.dropout(x, p: p, training: training)
    }
    /// Zeros whole channels with probability `p` in training and scales the rest by 1 / (1 − p) (`F.dropout2d`).
    public static func dropout2d(_ x: Tensor, p: Double = 0.5, training: Bool = true) -> Tensor {
        Tensor.dropout2d(x, p: p, training: training)
    }
    /// int64 one-hot rows of class indices (`F.one_hot`).
    public static func oneHot(_ x: Tensor, numClasses: Int = -1) -> Tensor { Tensor.oneHot(x, numClasses: numClasses) }
    /// Pads the trailing dimensions with a constant, or by reflecting, replicating or wrapping (`F.pad`).
    public static func pad(_ x: Tensor, _ pad: [Int], mode: PaddingMode = .constant, value: Double = 0) -> Tensor {
        Tensor.pad(x, pad, mode: mode, value: value)
    }
    /// Resizes by nearest, linear, bilinear, bicubic or trilinear interpolation, to a size or by a scale (`F.interpolate`).
    public static func interpolate(_ x: Tensor, size: SpatialSize? = nil, scaleFactor: Double? = nil, mode: String = "nearest",
                                   alignCorners: Bool = false, recomputeScaleFactor: Bool = false) -> Tensor {
        Tensor.interpolate(x, size: size, scaleFactor: scaleFactor, mode: mode, alignCorners: alignCorners,
                           recomputeScaleFactor: recomputeScaleFactor)
    }
    /// Average pooling to a fixed output length, whatever the input's (`F.adaptive_avg_pool1d`).
    public static func adaptiveAvgPool1d(_ x: Tensor, _ outputSize: Int) -> Tensor { Tensor.adaptiveAvgPool1d(x, outputSize) }
    /// Average pooling to a fixed output depth, height and width (`F.adaptive_avg_pool3d`).
    public static func adaptiveAvgPool3d(_ x: Tensor, _ outputSize: SpatialSize) -> Tensor { Tensor.adaptiveAvgPool3d(x, outputSize) }
    /// Samples the input at the grid's normalised coordinates, bilinearly, by nearest or bicubic (`F.grid_sample`).
    public static func gridSample(_ input: Tensor, _ grid: Tensor, mode: String = "bilinear", paddingMode: String = "zeros",
                                  alignCorners: Bool = false) -> Tensor {
        Tensor.gridSample(input, grid, mode: mode, paddingMode: paddingMode, alignCorners: alignCorners)
    }
    /// The sampling grid of affine transforms `theta` [N, 2, 3] for `gridSample` (`F.affine_grid`).
    public static func affineGrid(_ theta: Tensor, size: [Int], alignCorners: Bool = false) -> Tensor {
        Tensor.affineGrid(theta, size: size, alignCorners: alignCorners)
    }
    /// softmax(q·kᵀ·scale + mask)·v, with an optional causal mask and dropout (`F.scaled_dot_product_attention`).
    public static func scaledDotProductAttention(_ query: Tensor, _ key: Tensor, _ value: Tensor, attnMask: Tensor? = nil,
                                                 isCausal: Bool = false, scale: Double? = nil) -> Tensor {
        Tensor.scaledDotProductAttention(query, key, value, attnMask: attnMask, isCausal: isCausal, scale: scale)
    }

    // MARK: Losses
    /// The mean (or sum) squared error (`F.mse_loss`).
    public static func mseLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
        Tensor.mseLoss(input, target, reduction: reduction)
    }
    /// The mean (or sum) absolute error (`F.l1_loss`).
    public static func l1Loss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
        Tensor.l1Loss(input, target, reduction: reduction)
    }
    /// Squared error below `beta`, absolute error above it, joined smoothly (`F.smooth_l1_loss`).
    public static func smoothL1Loss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean, beta: Double = 1) -> Tensor {
        Tensor.smoothL1Loss(input, target, reduction: reduction, beta: beta)
    }
    /// Squared error below `delta`, absolute error above it (`F.huber_loss`).
    public static func huberLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean, delta: Double = 1) -> Tensor {
        Tensor.huberLoss(input, target, reduction: reduction, delta: delta)
    }
    /// The cross entropy of logits against class indices or class probabilities (`F.cross_entropy`).
    public static func crossEntropy(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
                                    reduction: Reduction = .mean, labelSmoothing: Double = 0,
                                    file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        Tensor.crossEntropy(input, target, weight: weight, ignoreIndex: ignoreIndex, reduction: reduction,
                            labelSmoothing: labelSmoothing, file: file, line: line)
    }
    /// The negative log-likelihood of log-probabilities against class indices (`F.nll_loss`).
    public static func nllLoss(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
                               reduction: Reduction = .mean, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        Tensor.nllLoss(input, target, weight: weight, ignoreIndex: ignoreIndex, reduction: reduction, file: file, line: line)
    }
    /// The binary cross entropy of probabilities against targets in [0, 1] (`F.binary_cross_entropy`).
    public static func binaryCrossEntropy(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil,
                                          reduction: Reduction = .mean) -> Tensor {
        Tensor.binaryCrossEntropy(input, target, weight: weight, reduction: reduction)
    }
    /// The binary cross entropy of logits, computed stably through log-sigmoid (`F.binary_cross_entropy_with_logits`).
    public static func binaryCrossEntropyWithLogits(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil,
                                                    posWeight: Tensor? = nil, reduction: Reduction = .mean) -> Tensor {
        Tensor.binaryCrossEntropyWithLogits(input, target, weight: weight, posWeight: posWeight, reduction: reduction)
    }
    /// The Kullback–Leibler divergence of the target from log-probabilities `input` (`F.kl_div`).
    public static func klDiv(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean, logTarget: Bool = false) -> Tensor {
        Tensor.klDiv(input, target, reduction: reduction, logTarget: logTarget)
    }
}
