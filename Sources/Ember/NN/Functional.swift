// `F`: the functional interface of torch.nn.functional, over Ember's ops.

/// Stateless layer functions, as `torch.nn.functional` (`F.relu`, `F.conv2d`, `F.crossEntropy`…).
public enum F {
    // MARK: Activations
    public static func relu(_ x: Tensor) -> Tensor { x.relu() }
    public static func leakyRelu(_ x: Tensor, negativeSlope: Double = 0.01) -> Tensor { x.leakyRelu(negativeSlope: negativeSlope) }
    public static func elu(_ x: Tensor, alpha: Double = 1) -> Tensor { x.elu(alpha: alpha) }
    public static func gelu(_ x: Tensor, approximate: String = "none") -> Tensor { x.gelu(approximate: approximate) }
    public static func silu(_ x: Tensor) -> Tensor { x.silu() }
    public static func softplus(_ x: Tensor, beta: Double = 1, threshold: Double = 20) -> Tensor {
        x.softplus(beta: beta, threshold: threshold)
    }
    public static func sigmoid(_ x: Tensor) -> Tensor { x.sigmoid() }
    public static func tanh(_ x: Tensor) -> Tensor { x.tanh() }
    public static func softmax(_ x: Tensor, dim: Int) -> Tensor { x.softmax(dim: dim) }
    public static func logSoftmax(_ x: Tensor, dim: Int) -> Tensor { x.logSoftmax(dim: dim) }

    // MARK: Layers
    public static func linear(_ x: Tensor, _ weight: Tensor, _ bias: Tensor? = nil,
                              file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        Tensor.linear(x, weight, bias, file: file, line: line)
    }
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
    public static func conv2d(_ x: Tensor, _ weight: Tensor, _ bias: Tensor? = nil, stride: IntPair = 1, padding: ConvPadding = 0,
                              dilation: IntPair = 1, groups: Int = 1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        Tensor.conv2d(x, weight, bias, stride: stride, padding: padding, dilation: dilation, groups: groups, file: file, line: line)
    }
    public static func convTranspose2d(_ x: Tensor, _ weight: Tensor, _ bias: Tensor? = nil, stride: IntPair = 1,
                                       padding: IntPair = 0, outputPadding: IntPair = 0, groups: Int = 1,
                                       dilation: IntPair = 1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        Tensor.convTranspose2d(x, weight, bias, stride: stride, padding: padding, outputPadding: outputPadding,
                               groups: groups, dilation: dilation, file: file, line: line)
    }
    public static func maxPool2d(_ x: Tensor, _ kernelSize: IntPair, stride: IntPair? = nil, padding: IntPair = 0,
                                 dilation: IntPair = 1, ceilMode: Bool = false,
                                 file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        Tensor.maxPool2d(x, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode,
                         file: file, line: line)
    }
    public static func maxPool2dWithIndices(_ x: Tensor, _ kernelSize: IntPair, stride: IntPair? = nil, padding: IntPair = 0,
                                            dilation: IntPair = 1, ceilMode: Bool = false) -> (output: Tensor, indices: Tensor) {
        Tensor.maxPool2dWithIndices(x, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }
    public static func avgPool2d(_ x: Tensor, _ kernelSize: IntPair, stride: IntPair? = nil, padding: IntPair = 0,
                                 ceilMode: Bool = false, countIncludePad: Bool = true, divisorOverride: Int? = nil) -> Tensor {
        Tensor.avgPool2d(x, kernelSize: kernelSize, stride: stride, padding: padding, ceilMode: ceilMode,
                         countIncludePad: countIncludePad, divisorOverride: divisorOverride)
    }
    public static func adaptiveAvgPool2d(_ x: Tensor, _ outputSize: IntPair) -> Tensor { Tensor.adaptiveAvgPool2d(x, outputSize) }
    public static func batchNorm(_ x: Tensor, runningMean: Tensor?, runningVar: Tensor?, weight: Tensor? = nil, bias: Tensor? = nil,
                                 training: Bool = false, momentum: Double? = 0.1, eps: Double = 1e-5) -> Tensor {
        Tensor.batchNorm(x, runningMean: runningMean, runningVar: runningVar, weight: weight, bias: bias, training: training,
                         momentum: momentum, eps: eps)
    }
    public static func layerNorm(_ x: Tensor, _ normalizedShape: [Int], weight: Tensor? = nil, bias: Tensor? = nil,
                                 eps: Double = 1e-5) -> Tensor {
        Tensor.layerNorm(x, normalizedShape, weight: weight, bias: bias, eps: eps)
    }
    public static func groupNorm(_ x: Tensor, _ numGroups: Int, weight: Tensor? = nil, bias: Tensor? = nil, eps: Double = 1e-5) -> Tensor {
        Tensor.groupNorm(x, numGroups: numGroups, weight: weight, bias: bias, eps: eps)
    }
    public static func embedding(_ x: Tensor, _ weight: Tensor, paddingIdx: Int? = nil) -> Tensor {
        Tensor.embedding(x, weight, paddingIdx: paddingIdx)
    }
    public static func dropout(_ x: Tensor, p: Double = 0.5, training: Bool = true) -> Tensor {
        Tensor.dropout(x, p: p, training: training)
    }
    public static func dropout2d(_ x: Tensor, p: Double = 0.5, training: Bool = true) -> Tensor {
        Tensor.dropout2d(x, p: p, training: training)
    }
    public static func oneHot(_ x: Tensor, numClasses: Int = -1) -> Tensor { Tensor.oneHot(x, numClasses: numClasses) }
    public static func pad(_ x: Tensor, _ pad: [Int], mode: PaddingMode = .constant, value: Double = 0) -> Tensor {
        Tensor.pad(x, pad, mode: mode, value: value)
    }
    public static func interpolate(_ x: Tensor, size: SpatialSize? = nil, scaleFactor: Double? = nil, mode: String = "nearest",
                                   alignCorners: Bool = false, recomputeScaleFactor: Bool = false) -> Tensor {
        Tensor.interpolate(x, size: size, scaleFactor: scaleFactor, mode: mode, alignCorners: alignCorners,
                           recomputeScaleFactor: recomputeScaleFactor)
    }
    public static func adaptiveAvgPool1d(_ x: Tensor, _ outputSize: Int) -> Tensor { Tensor.adaptiveAvgPool1d(x, outputSize) }
    public static func adaptiveAvgPool3d(_ x: Tensor, _ outputSize: SpatialSize) -> Tensor { Tensor.adaptiveAvgPool3d(x, outputSize) }
    public static func gridSample(_ input: Tensor, _ grid: Tensor, mode: String = "bilinear", paddingMode: String = "zeros",
                                  alignCorners: Bool = false) -> Tensor {
        Tensor.gridSample(input, grid, mode: mode, paddingMode: paddingMode, alignCorners: alignCorners)
    }
    public static func affineGrid(_ theta: Tensor, size: [Int], alignCorners: Bool = false) -> Tensor {
        Tensor.affineGrid(theta, size: size, alignCorners: alignCorners)
    }
    public static func scaledDotProductAttention(_ query: Tensor, _ key: Tensor, _ value: Tensor, attnMask: Tensor? = nil,
                                                 isCausal: Bool = false, scale: Double? = nil) -> Tensor {
        Tensor.scaledDotProductAttention(query, key, value, attnMask: attnMask, isCausal: isCausal, scale: scale)
    }

    // MARK: Losses
    public static func mseLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
        Tensor.mseLoss(input, target, reduction: reduction)
    }
    public static func l1Loss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
        Tensor.l1Loss(input, target, reduction: reduction)
    }
    public static func smoothL1Loss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean, beta: Double = 1) -> Tensor {
        Tensor.smoothL1Loss(input, target, reduction: reduction, beta: beta)
    }
    public static func huberLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean, delta: Double = 1) -> Tensor {
        Tensor.huberLoss(input, target, reduction: reduction, delta: delta)
    }
    public static func crossEntropy(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
                                    reduction: Reduction = .mean, labelSmoothing: Double = 0,
                                    file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        Tensor.crossEntropy(input, target, weight: weight, ignoreIndex: ignoreIndex, reduction: reduction,
                            labelSmoothing: labelSmoothing, file: file, line: line)
    }
    public static func nllLoss(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
                               reduction: Reduction = .mean, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        Tensor.nllLoss(input, target, weight: weight, ignoreIndex: ignoreIndex, reduction: reduction, file: file, line: line)
    }
    public static func binaryCrossEntropy(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil,
                                          reduction: Reduction = .mean) -> Tensor {
        Tensor.binaryCrossEntropy(input, target, weight: weight, reduction: reduction)
    }
    public static func binaryCrossEntropyWithLogits(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil,
                                                    posWeight: Tensor? = nil, reduction: Reduction = .mean) -> Tensor {
        Tensor.binaryCrossEntropyWithLogits(input, target, weight: weight, posWeight: posWeight, reduction: reduction)
    }
    public static func klDiv(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean, logTarget: Bool = false) -> Tensor {
        Tensor.klDiv(input, target, reduction: reduction, logTarget: logTarget)
    }
}
