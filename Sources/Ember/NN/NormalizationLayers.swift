// Normalisation layers: BatchNorm1d/2d (with running statistics), LayerNorm, GroupNorm, InstanceNorm1d/2d/3d.

/// The parameters and running statistics batch and instance normalisation share (PyTorch's `_NormBase`):
/// per-channel weight and bias when `affine`, running mean, variance and batch count when `trackRunningStats`.
open class NormBase: Module {
    /// The learnable `weight`.
    @OptionalParameter public var weight: Tensor?
    /// The learnable `bias`.
    @OptionalParameter public var bias: Tensor?
    /// The `running_mean` buffer, saved in the state dict.
    @Buffer public var runningMean: Tensor?
    /// The `running_var` buffer, saved in the state dict.
    @Buffer public var runningVar: Tensor?
    /// The `num_batches_tracked` buffer, saved in the state dict.
    @Buffer public var numBatchesTracked: Tensor?
    /// The `num_features`, `eps`, `momentum`, `affine` and `track_running_stats` arguments it was made with.
    public let numFeatures: Int, eps: Double, momentum: Double?, affine: Bool, trackRunningStats: Bool

    init(_ numFeatures: Int, eps: Double, momentum: Double?, affine: Bool, trackRunningStats: Bool) {
        (self.numFeatures, self.eps, self.momentum, self.affine, self.trackRunningStats) = (numFeatures, eps, momentum, affine, trackRunningStats)
        weight = affine ? Tensor.ones([numFeatures]) : nil
        bias = affine ? Tensor.zeros([numFeatures]) : nil
        if trackRunningStats {
            runningMean = Tensor.zeros([numFeatures])
            runningVar = Tensor.ones([numFeatures])
            numBatchesTracked = Tensor.zeros([], dtype: .int64)
        }
        super.init()
    }
}

/// Batch normalisation over channel dimension 1 (`nn.BatchNorm1d`, `nn.BatchNorm2d`).
open class BatchNorm: NormBase {
    let expectedRanks: [Int]

    init(_ numFeatures: Int, eps: Double, momentum: Double?, affine: Bool, trackRunningStats: Bool, ranks: [Int]) {
        expectedRanks = ranks
        super.init(numFeatures, eps: eps, momentum: momentum, affine: affine, trackRunningStats: trackRunningStats)
    }

    open override func forward(_ input: Tensor) -> Tensor {
        check(expectedRanks.contains(input.dim), typeName, "expected \(expectedRanks.map { "\($0)D" }.joined(separator: " or ")) "
              + "input (got \(input.dim)D input, shape \(shapeText(input.shape)))", file: #fileID, line: #line)
        check(input.shape[1] == numFeatures, typeName, "expected \(numFeatures) channels, got input \(shapeText(input.shape))",
              file: #fileID, line: #line)
        var tracked = 1
        if isTraining, let counter = numBatchesTracked {
            noGrad { counter.add_(Tensor(Int64(1))) }
            tracked = Int(counter.item())
        }
        let useBatchStatistics = isTraining || runningMean == nil
        return F.batchNorm(input, runningMean: useBatchStatistics && !isTraining ? nil : runningMean,
                           runningVar: useBatchStatistics && !isTraining ? nil : runningVar, weight: weight, bias: bias,
                           training: useBatchStatistics, momentum: momentum, eps: eps, batchesTracked: tracked)
    }

    open override var extraDescription: String {
        "\(numFeatures), eps=\(pythonFloat(eps)), momentum=\(momentum.map(pythonFloat) ?? "None"), affine=\(pythonBool(affine)), "
            + "bias=\(pythonBool(affine)), track_running_stats=\(pythonBool(trackRunningStats))"
    }
}

extension F {
    /// `F.batch_norm` with the cumulative-average count for `momentum: nil`.
    static func batchNorm(_ x: Tensor, runningMean: Tensor?, runningVar: Tensor?, weight: Tensor?, bias: Tensor?,
                          training: Bool, momentum: Double?, eps: Double, batchesTracked: Int) -> Tensor {
        Tensor.batchNorm(x, runningMean: runningMean, runningVar: runningVar, weight: weight, bias: bias, training: training,
                         momentum: momentum, eps: eps, batchesTracked: batchesTracked)
    }
}

/// Batch normalisation of [N, C] or [N, C, L] inputs (`nn.BatchNorm1d`).
open class BatchNorm1d: BatchNorm {
    /// `BatchNorm1d(…)`, with PyTorch's arguments and defaults.
    public init(_ numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true, trackRunningStats: Bool = true) {
        super.init(numFeatures, eps: eps, momentum: momentum, affine: affine, trackRunningStats: trackRunningStats, ranks: [2, 3])
    }
}

/// Batch normalisation of [N, C, H, W] inputs (`nn.BatchNorm2d`).
open class BatchNorm2d: BatchNorm {
    /// `BatchNorm2d(…)`, with PyTorch's arguments and defaults.
    public init(_ numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true, trackRunningStats: Bool = true) {
        super.init(numFeatures, eps: eps, momentum: momentum, affine: affine, trackRunningStats: trackRunningStats, ranks: [4])
    }
}

/// Batch normalisation of [N, C, D, H, W] inputs (`nn.BatchNorm3d`).
open class BatchNorm3d: BatchNorm {
    /// `BatchNorm3d(…)`, with PyTorch's arguments and defaults.
    public init(_ numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true, trackRunningStats: Bool = true) {
        super.init(numFeatures, eps: eps, momentum: momentum, affine: affine, trackRunningStats: trackRunningStats, ranks: [5])
    }
}

/// Layer normalisation over the trailing `normalizedShape` dimensions (`nn.LayerNorm`).
open class LayerNorm: Module {
    /// The learnable `weight`.
    @OptionalParameter public var weight: Tensor?
    /// The learnable `bias`.
    @OptionalParameter public var bias: Tensor?
    /// The `normalized_shape`, `eps` and `elementwise_affine` arguments it was made with.
    public let normalizedShape: [Int], eps: Double, elementwiseAffine: Bool

    /// `LayerNorm(…)`, with PyTorch's arguments and defaults.
    public init(_ normalizedShape: [Int], eps: Double = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true) {
        (self.normalizedShape, self.eps, self.elementwiseAffine) = (normalizedShape, eps, elementwiseAffine)
        weight = elementwiseAffine ? Tensor.ones(normalizedShape) : nil
        self.bias = elementwiseAffine && bias ? Tensor.zeros(normalizedShape) : nil
        super.init()
    }
    /// `LayerNorm(…)`, with PyTorch's arguments and defaults.
    public convenience init(_ size: Int, eps: Double = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true) {
        self.init([size], eps: eps, elementwiseAffine: elementwiseAffine, bias: bias)
    }

    open override func forward(_ input: Tensor) -> Tensor { F.layerNorm(input, normalizedShape, weight: weight, bias: bias, eps: eps) }

    open override var extraDescription: String {
        "(" + normalizedShape.map(String.init).joined(separator: ", ") + (normalizedShape.count == 1 ? ",)" : ")")
            + ", eps=\(pythonFloat(eps)), elementwise_affine=\(pythonBool(elementwiseAffine)), bias=\(pythonBool(bias != nil))"
    }
}

/// Group normalisation (`nn.GroupNorm`).
open class GroupNorm: Module {
    /// The learnable `weight`.
    @OptionalParameter public var weight: Tensor?
    /// The learnable `bias`.
    @OptionalParameter public var bias: Tensor?
    /// The `num_groups`, `num_channels`, `eps` and `affine` arguments it was made with.
    public let numGroups: Int, numChannels: Int, eps: Double, affine: Bool

    /// `GroupNorm(…)`, with PyTorch's arguments and defaults.
    public init(_ numGroups: Int, _ numChannels: Int, eps: Double = 1e-5, affine: Bool = true) {
        precondition(numChannels % numGroups == 0, "GroupNorm: num_channels must be divisible by num_groups")
        (self.numGroups, self.numChannels, self.eps, self.affine) = (numGroups, numChannels, eps, affine)
        weight = affine ? Tensor.ones([numChannels]) : nil
        bias = affine ? Tensor.zeros([numChannels]) : nil
        super.init()
    }

    open override func forward(_ input: Tensor) -> Tensor { F.groupNorm(input, numGroups, weight: weight, bias: bias, eps: eps) }

    open override var extraDescription: String {
        "\(numGroups), \(numChannels), eps=\(pythonFloat(eps)), affine=\(pythonBool(affine))"
    }
}

extension F {
    /// Normalises each channel of each sample over its spatial positions (`F.instance_norm`): batch
    /// normalisation of the input viewed as one sample with N·C channels, running statistics averaged over N.
    public static func instanceNorm(_ input: Tensor, runningMean: Tensor? = nil, runningVar: Tensor? = nil, weight: Tensor? = nil,
                                    bias: Tensor? = nil, useInputStats: Bool = true, momentum: Double = 0.1, eps: Double = 1e-5,
                                    file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(input.dim >= 2, "instance_norm", "expected an input with a batch and a channel dimension, got \(shapeText(input.shape))",
              file: file, line: line)
        let (n, c) = (input.shape[0], input.shape[1])
        let reshaped = input.contiguous().view([1, n * c] + Array(input.shape.dropFirst(2)))
        let repeatedMean = runningMean.map { $0.repeat([n]) }, repeatedVar = runningVar.map { $0.repeat([n]) }
        let out = batchNorm(reshaped, runningMean: repeatedMean, runningVar: repeatedVar, weight: weight.map { $0.repeat([n]) },
                            bias: bias.map { $0.repeat([n]) }, training: useInputStats, momentum: momentum, eps: eps)
        noGrad {
            if let runningMean, let repeatedMean { runningMean.copy_(repeatedMean.view([n, c]).mean(dim: 0)) }
            if let runningVar, let repeatedVar { runningVar.copy_(repeatedVar.view([n, c]).mean(dim: 0)) }
        }
        return out.view(input.shape)
    }
}

/// Instance normalisation (`nn.InstanceNorm1d/2d/3d`): without affine parameters or running statistics unless
/// asked; an input without a batch dimension is normalised as a batch of one.
open class InstanceNorm: NormBase {
    let spatialRank: Int

    init(_ numFeatures: Int, eps: Double, momentum: Double, affine: Bool, trackRunningStats: Bool, spatialRank: Int) {
        self.spatialRank = spatialRank
        super.init(numFeatures, eps: eps, momentum: momentum, affine: affine, trackRunningStats: trackRunningStats)
    }

    open override func forward(_ input: Tensor) -> Tensor {
        check(input.dim == spatialRank + 1 || input.dim == spatialRank + 2, typeName, "expected \(spatialRank + 1)D or "
              + "\(spatialRank + 2)D input (got \(input.dim)D input)", file: #fileID, line: #line)
        let batched = input.dim == spatialRank + 1 ? input.unsqueeze(0) : input
        let useInputStats = isTraining || !trackRunningStats
        let out = F.instanceNorm(batched, runningMean: runningMean, runningVar: runningVar, weight: weight, bias: bias,
                                 useInputStats: useInputStats, momentum: momentum ?? 0.1, eps: eps)
        return input.dim == spatialRank + 1 ? out.squeeze(0) : out
    }

    open override var extraDescription: String {
        "\(numFeatures), eps=\(pythonFloat(eps)), momentum=\(momentum.map(pythonFloat) ?? "None"), affine=\(pythonBool(affine)), "
            + "track_running_stats=\(pythonBool(trackRunningStats))"
    }
}

/// `nn.InstanceNorm1d`: inputs [N, C, L] or [C, L].
open class InstanceNorm1d: InstanceNorm {
    /// `InstanceNorm1d(…)`, with PyTorch's arguments and defaults.
    public init(_ numFeatures: Int, eps: Double = 1e-5, momentum: Double = 0.1, affine: Bool = false, trackRunningStats: Bool = false) {
        super.init(numFeatures, eps: eps, momentum: momentum, affine: affine, trackRunningStats: trackRunningStats, spatialRank: 1)
    }
}

/// `nn.InstanceNorm2d`: inputs [N, C, H, W] or [C, H, W].
open class InstanceNorm2d: InstanceNorm {
    /// `InstanceNorm2d(…)`, with PyTorch's arguments and defaults.
    public init(_ numFeatures: Int, eps: Double = 1e-5, momentum: Double = 0.1, affine: Bool = false, trackRunningStats: Bool = false) {
        super.init(numFeatures, eps: eps, momentum: momentum, affine: affine, trackRunningStats: trackRunningStats, spatialRank: 2)
    }
}

/// `nn.InstanceNorm3d`: inputs [N, C, D, H, W] or [C, D, H, W].
open class InstanceNorm3d: InstanceNorm {
    /// `InstanceNorm3d(…)`, with PyTorch's arguments and defaults.
    public init(_ numFeatures: Int, eps: Double = 1e-5, momentum: Double = 0.1, affine: Bool = false, trackRunningStats: Bool = false) {
        super.init(numFeatures, eps: eps, momentum: momentum, affine: affine, trackRunningStats: trackRunningStats, spatialRank: 3)
    }
}
