// Layers that rearrange or compare without parameters: PixelShuffle, PixelUnshuffle, ChannelShuffle,
// CosineSimilarity, PairwiseDistance.

/// `nn.PixelShuffle`: `[*, C·r², H, W]` to `[*, C, H·r, W·r]`.
open class PixelShuffle: Module {
    /// The `upscale_factor` argument it was made with.
    public let upscaleFactor: Int
    /// `PixelShuffle(…)`, with PyTorch's arguments and defaults.
    public init(_ upscaleFactor: Int) { self.upscaleFactor = upscaleFactor; super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input.pixelShuffle(upscaleFactor) }
    open override var extraDescription: String { "upscale_factor=\(upscaleFactor)" }
}

/// `nn.PixelUnshuffle`: `[*, C, H·r, W·r]` to `[*, C·r², H, W]`.
open class PixelUnshuffle: Module {
    /// The `downscale_factor` argument it was made with.
    public let downscaleFactor: Int
    /// `PixelUnshuffle(…)`, with PyTorch's arguments and defaults.
    public init(_ downscaleFactor: Int) { self.downscaleFactor = downscaleFactor; super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input.pixelUnshuffle(downscaleFactor) }
    open override var extraDescription: String { "downscale_factor=\(downscaleFactor)" }
}

/// `nn.ChannelShuffle`: interleaves the channels of `groups` groups.
open class ChannelShuffle: Module {
    /// The `groups` argument it was made with.
    public let groups: Int
    /// `ChannelShuffle(…)`, with PyTorch's arguments and defaults.
    public init(_ groups: Int) { self.groups = groups; super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input.channelShuffle(groups) }
    open override var extraDescription: String { "groups=\(groups)" }
}

/// `nn.CosineSimilarity`, called with two tensors.
open class CosineSimilarity: Module {
    /// The `dim` and `eps` arguments it was made with.
    public let dim: Int, eps: Double
    /// `CosineSimilarity(…)`, with PyTorch's arguments and defaults.
    public init(dim: Int = 1, eps: Double = 1e-8) { (self.dim, self.eps) = (dim, eps); super.init() }
    /// The cosine similarity of `x1` and `x2` along `dim`.
    public func callAsFunction(_ x1: Tensor, _ x2: Tensor) -> Tensor { Tensor.cosineSimilarity(x1, x2, dim: dim, eps: eps) }
}

/// `nn.PairwiseDistance`, called with two tensors.
open class PairwiseDistance: Module {
    /// The `p`, `eps` and `keepdim` arguments it was made with.
    public let p: Double, eps: Double, keepdim: Bool
    /// `PairwiseDistance(…)`, with PyTorch's arguments and defaults.
    public init(p: Double = 2, eps: Double = 1e-6, keepdim: Bool = false) { (self.p, self.eps, self.keepdim) = (p, eps, keepdim); super.init() }
    /// The p-norm distance between `x1` and `x2` along the last dimension.
    public func callAsFunction(_ x1: Tensor, _ x2: Tensor) -> Tensor { Tensor.pairwiseDistance(x1, x2, p: p, eps: eps, keepdim: keepdim) }
}
