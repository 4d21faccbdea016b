// Attention: MultiheadAttention, TransformerEncoderLayer and TransformerEncoder.

/// A copy of `original` with its own parameters and buffers: `make` builds a module of the same configuration,
/// without drawing from the generator (PyTorch's `copy.deepcopy` of a layer draws nothing), and the state is copied in.
func deepCopy<M: Module>(of original: M, _ make: () -> M) -> M {
    let copy = Generator.default.preservingState(make)
    try! copy.loadStateDict(original.stateDict())
    return copy
}

/// The feed-forward block of a transformer layer: `linear2(dropout(activation(linear1(x))))`.
func transformerFeedForward(_ x: Tensor, _ linear1: Linear, _ dropout: Dropout, _ linear2: Linear, activation: String) -> Tensor {
    let hidden = activation == "gelu" ? linear1(x).gelu() : linear1(x).relu()
    return linear2(dropout(hidden))
}

/// Multi-head attention with a packed input projection (`nn.MultiheadAttention`).
open class MultiheadAttention: Module {
    /// The learnable `in_proj_weight`.
    @Parameter public var inProjWeight: Tensor
    /// The learnable `in_proj_bias`.
    @OptionalParameter public var inProjBias: Tensor?
    /// The `out_proj` submodule.
    public let outProj: Linear
    /// The `embed_dim`, `num_heads`, `dropout` and `batch_first` arguments it was made with.
    public let embedDim: Int, numHeads: Int, dropout: Double, batchFirst: Bool

    /// `MultiheadAttention(…)`, with PyTorch's arguments and defaults.
    public init(_ embedDim: Int, _ numHeads: Int, dropout: Double = 0, bias: Bool = true, batchFirst: Bool = false) {
        precondition(embedDim % numHeads == 0, "MultiheadAttention: embed_dim must be divisible by num_heads")
        (self.embedDim, self.numHeads, self.dropout, self.batchFirst) = (embedDim, numHeads, dropout, batchFirst)
        inProjWeight = Tensor.empty([3 * embedDim, embedDim])
        inProjBias = bias ? Tensor.empty([3 * embedDim]) : nil
        outProj = Linear(embedDim, embedDim, bias: bias)   // initialised (drawing from the generator) before the rest, as in PyTorch
        super.init()
        Init.xavierUniform_(inProjWeight)
        if let b = inProjBias { Init.zeros_(b) }
        if let b = outProj.bias { Init.zeros_(b) }
    }

    /// Attention of `query` over `key`/`value`. Returns the output and, with `needWeights`, the attention
    /// weights (averaged over heads unless `averageAttnWeights` is false).
    public func callAsFunction(_ query: Tensor, _ key: Tensor, _ value: Tensor, keyPaddingMask: Tensor? = nil,
                               needWeights: Bool = true, attnMask: Tensor? = nil, averageAttnWeights: Bool = true)
        -> (output: Tensor, weights: Tensor?) {
        if !needWeights && (dropout == 0 || !isTraining) {
            return (fusedAttention(query, key, value, keyPaddingMask: keyPaddingMask, attnMask: attnMask), nil)
        }
        // Work in [N, L, E].
        let unbatched = query.dim == 2
        func batchMajor(_ t: Tensor) -> Tensor { unbatched ? t.unsqueeze(0) : (batchFirst ? t : t.transpose(0, 1)) }
        let q0 = batchMajor(query), k0 = batchMajor(key), v0 = batchMajor(value)
        let (n, l, s) = (q0.shape[0], q0.shape[1], k0.shape[1])
        let headDim = embedDim / numHeads
        let w = inProjWeight.chunk(3, dim: 0), b = inProjBias?.chunk(3, dim: 0)
        func heads(_ t: Tensor, _ length: Int) -> Tensor { t.reshape([n, length, numHeads, headDim]).transpose(1, 2) }
        let q = heads(F.linear(q0, w[0], b?[0]), l), k = heads(F.linear(k0, w[1], b?[1]), s), v = heads(F.linear(v0, w[2], b?[2]), s)
        var scores = (q * (1 / Double(headDim)).squareRoot()).matmul(k.transpose(-2, -1))   // [N, H, L, S]
        if let attnMask {
            let mask = attnMask.dim == 3 ? attnMask.view(n, numHeads, l, s) : attnMask   // [N·heads, L, S] per head
            scores = mask.dtype == .bool ? scores.maskedFill(mask, -.infinity) : scores + mask
        }
        if let padding = keyPaddingMask {
            scores = scores.maskedFill(padding.view(n, 1, 1, s).expand([n, numHeads, l, s]), -.infinity)
        }
        var weights = scores.softmax(dim: -1)
        if dropout > 0 { weights = F.dropout(weights, p: dropout, training: isTraining) }
        var output = weights.matmul(v).transpose(1, 2).reshape([n, l, embedDim])
        output = outProj(output)
        output = unbatched ? output.squeeze(0) : (batchFirst ? output : output.transpose(0, 1))
        guard needWeights else { return (output, nil) }
        var returned = averageAttnWeights ? weights.mean(dim: 1) : weights
        if unbatched { returned = returned.squeeze(0) }
        return (output, returned)
    }

    /// Self-attention output only.
    open override func forward(_ input: Tensor) -> Tensor { self(input, input, input, needWeights: false).output }

    /// The output through `F.scaledDotProductAttention`'s single kernel, as PyTorch's fast path without weights:
    /// the projections keep the inputs' layout, and the heads are strided views of them.
    private func fusedAttention(_ query: Tensor, _ key: Tensor, _ value: Tensor, keyPaddingMask: Tensor?, attnMask: Tensor?) -> Tensor {
        let unbatched = query.dim == 2
        let batchDim = batchFirst || unbatched ? 0 : 1
        func batched(_ t: Tensor) -> Tensor { unbatched ? t.unsqueeze(0) : t }
        let (q0, k0, v0) = (batched(query), batched(key), batched(value))
        let (n, l, s) = (q0.shape[batchDim], q0.shape[1 - batchDim], k0.shape[1 - batchDim])
        let headDim = embedDim / numHeads
        let w = inProjWeight.chunk(3, dim: 0), b = inProjBias?.chunk(3, dim: 0)
        /// [N, heads, length, headDim] as a strided view of the projection.
        func heads(_ t: Tensor, _ length: Int) -> Tensor {
            batchDim == 0 ? t.view(n, length, numHeads, headDim).permute(0, 2, 1, 3)
                : t.view(length, n, numHeads, headDim).permute(1, 2, 0, 3)
        }
        let q = heads(F.linear(q0, w[0], b?[0]), l), k = heads(F.linear(k0, w[1], b?[1]), s), v = heads(F.linear(v0, w[2], b?[2]), s)
        let mask = scaledDotProductMask(attnMask: attnMask, keyPaddingMask: keyPaddingMask, n: n, l: l, s: s, dtype: q.dtype)
        let attended = F.scaledDotProductAttention(q, k, v, attnMask: mask)   // [N, heads, L, headDim]
        let tokens = batchDim == 0 ? attended.permute(0, 2, 1, 3).reshape([n, l, embedDim])
            : attended.permute(2, 0, 1, 3).reshape([l, n, embedDim])
        let output = outProj(tokens)
        return unbatched ? output.squeeze(0) : output
    }

    /// MultiheadAttention's masks (boolean: true is left out; or additive; [L, S] or [N·heads, L, S], and [N, S] for
    /// padding) as one mask in `scaledDotProductAttention`'s convention, broadcastable to [N, heads, L, S].
    private func scaledDotProductMask(attnMask: Tensor?, keyPaddingMask: Tensor?, n: Int, l: Int, s: Int, dtype: DType) -> Tensor? {
        func additive(_ mask: Tensor) -> Tensor {
            mask.dtype == .bool ? Tensor.zeros(mask.shape, dtype: dtype, device: mask.device).maskedFill(mask, -.infinity) : mask
        }
        let attention = attnMask.map { $0.dim == 3 ? $0.view(n, numHeads, l, s) : $0 }
        let padding = keyPaddingMask.map { $0.view(n, 1, 1, s) }
        switch (attention, padding) {
        case (nil, nil): return nil
        case let (mask?, nil), let (nil, mask?): return mask.dtype == .bool ? mask.logicalNot() : mask
        case let (mask?, pad?): return additive(mask) + additive(pad)
        }
    }

    public override var description: String {
        "MultiheadAttention(\n  (out_proj): NonDynamicallyQuantizableLinear(in_features=\(embedDim), out_features=\(embedDim), "
            + "bias=\(pythonBool(outProj.bias != nil)))\n)"
    }
}

/// Self-attention and a feed-forward block, each with a residual connection and layer norm
/// (`nn.TransformerEncoderLayer`, post-norm unless `normFirst`).
open class TransformerEncoderLayer: Module {
    /// The `self_attn` submodule.
    public let selfAttn: MultiheadAttention
    /// The `linear1` submodule.
    public let linear1: Linear
    /// The `dropout` submodule.
    public let dropout: Dropout
    /// The `linear2` submodule.
    public let linear2: Linear
    /// The `norm1` and `norm2` submodules.
    public let norm1: LayerNorm, norm2: LayerNorm
    /// The `dropout1` and `dropout2` submodules.
    public let dropout1: Dropout, dropout2: Dropout
    /// The `d_model`, `nhead`, `dim_feedforward`, `dropout_rate` and `activation` arguments it was made with.
    public let dModel: Int, nhead: Int, dimFeedforward: Int, dropoutRate: Double, activation: String
    /// The `layer_norm_eps`, `batch_first` and `norm_first` arguments it was made with.
    public let layerNormEps: Double, batchFirst: Bool, normFirst: Bool

    /// `TransformerEncoderLayer(…)`, with PyTorch's arguments and defaults.
    public init(dModel: Int, nhead: Int, dimFeedforward: Int = 2048, dropout: Double = 0.1, activation: String = "relu",
                layerNormEps: Double = 1e-5, batchFirst: Bool = false, normFirst: Bool = false) {
        (self.dModel, self.nhead, self.dimFeedforward, self.dropoutRate, self.activation) = (dModel, nhead, dimFeedforward, dropout, activation)
        (self.layerNormEps, self.batchFirst, self.normFirst) = (layerNormEps, batchFirst, normFirst)
        selfAttn = MultiheadAttention(dModel, nhead, dropout: dropout, batchFirst: batchFirst)
        linear1 = Linear(dModel, dimFeedforward)
        self.dropout = Dropout(dropout)
        linear2 = Linear(dimFeedforward, dModel)
        norm1 = LayerNorm(dModel, eps: layerNormEps)
        norm2 = LayerNorm(dModel, eps: layerNormEps)
        dropout1 = Dropout(dropout)
        dropout2 = Dropout(dropout)
        super.init()
    }

    private func selfAttentionBlock(_ x: Tensor, mask: Tensor?, paddingMask: Tensor?) -> Tensor {
        dropout1(selfAttn(x, x, x, keyPaddingMask: paddingMask, needWeights: false, attnMask: mask).output)
    }

    private func feedForwardBlock(_ x: Tensor) -> Tensor {
        dropout2(transformerFeedForward(x, linear1, dropout, linear2, activation: activation))
    }

    /// Encodes a sequence, with an optional attention mask and key padding mask.
    public func callAsFunction(_ src: Tensor, mask: Tensor? = nil, srcKeyPaddingMask: Tensor? = nil) -> Tensor {
        if normFirst {
            let x = src + selfAttentionBlock(norm1(src), mask: mask, paddingMask: srcKeyPaddingMask)
            return x + feedForwardBlock(norm2(x))
        }
        let x = norm1(src + selfAttentionBlock(src, mask: mask, paddingMask: srcKeyPaddingMask))
        return norm2(x + feedForwardBlock(x))
    }

    open override func forward(_ input: Tensor) -> Tensor { self(input, mask: nil, srcKeyPaddingMask: nil) }

    /// `TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout)`, positional.
    public convenience init(_ dModel: Int, _ nhead: Int, _ dimFeedforward: Int = 2048, _ dropout: Double = 0.1,
                            activation: String = "relu", layerNormEps: Double = 1e-5, batchFirst: Bool = false, normFirst: Bool = false) {
        self.init(dModel: dModel, nhead: nhead, dimFeedforward: dimFeedforward, dropout: dropout, activation: activation,
                  layerNormEps: layerNormEps, batchFirst: batchFirst, normFirst: normFirst)
    }

    /// A new layer with the same configuration and a copy of this one's parameters, built without drawing
    /// from the generator (PyTorch deep-copies the layer).
    public func copy() -> TransformerEncoderLayer {
        deepCopy(of: self) {
            TransformerEncoderLayer(dModel: dModel, nhead: nhead, dimFeedforward: dimFeedforward, dropout: dropoutRate,
                                    activation: activation, layerNormEps: layerNormEps, batchFirst: batchFirst, normFirst: normFirst)
        }
    }
}

/// A stack of `numLayers` copies of an encoder layer (`nn.TransformerEncoder`), with an optional final norm.
open class TransformerEncoder: Module {
    /// The `layers` submodule.
    public let layers: ModuleList
    /// The `norm` submodule.
    public let norm: Module?

    /// `TransformerEncoder(…)`, with PyTorch's arguments and defaults.
    public init(_ encoderLayer: TransformerEncoderLayer, numLayers: Int, norm: Module? = nil) {
        layers = ModuleList((0..<numLayers).map { _ in encoderLayer.copy() })
        self.norm = norm
        super.init()
    }

    /// `src` through every layer, with an attention mask and a key padding mask.
    public func callAsFunction(_ src: Tensor, mask: Tensor? = nil, srcKeyPaddingMask: Tensor? = nil) -> Tensor {
        var x = src
        for case let layer as TransformerEncoderLayer in layers.items { x = layer(x, mask: mask, srcKeyPaddingMask: srcKeyPaddingMask) }
        return norm.map { $0(x) } ?? x
    }

    open override func forward(_ input: Tensor) -> Tensor { self(input, mask: nil, srcKeyPaddingMask: nil) }
}
