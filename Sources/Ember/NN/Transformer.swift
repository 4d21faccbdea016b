// The decoder side of the transformer and the whole encoder–decoder model: TransformerDecoderLayer,
// TransformerDecoder, Transformer (`nn.Transformer`), with PyTorch's module names and initialisation.

/// Self-attention over the target, attention over the encoder's memory, and a feed-forward block, each with
/// a residual connection and layer norm (`nn.TransformerDecoderLayer`, post-norm unless `normFirst`).
open class TransformerDecoderLayer: Module {
    /// The `self_attn` submodule.
    public let selfAttn: MultiheadAttention
    /// The `multihead_attn` submodule.
    public let multiheadAttn: MultiheadAttention
    /// The `linear1` submodule.
    public let linear1: Linear
    /// The `dropout` submodule.
    public let dropout: Dropout
    /// The `linear2` submodule.
    public let linear2: Linear
    /// The `norm1`, `norm2` and `norm3` submodules.
    public let norm1: LayerNorm, norm2: LayerNorm, norm3: LayerNorm
    /// The `dropout1`, `dropout2` and `dropout3` submodules.
    public let dropout1: Dropout, dropout2: Dropout, dropout3: Dropout
    /// The `d_model`, `nhead`, `dim_feedforward`, `dropout_rate` and `activation` arguments it was made with.
    public let dModel: Int, nhead: Int, dimFeedforward: Int, dropoutRate: Double, activation: String
    /// The `layer_norm_eps`, `batch_first` and `norm_first` arguments it was made with.
    public let layerNormEps: Double, batchFirst: Bool, normFirst: Bool

    /// `TransformerDecoderLayer(…)`, with PyTorch's arguments and defaults.
    public init(dModel: Int, nhead: Int, dimFeedforward: Int = 2048, dropout: Double = 0.1, activation: String = "relu",
                layerNormEps: Double = 1e-5, batchFirst: Bool = false, normFirst: Bool = false) {
        (self.dModel, self.nhead, self.dimFeedforward, self.dropoutRate, self.activation) = (dModel, nhead, dimFeedforward, dropout, activation)
        (self.layerNormEps, self.batchFirst, self.normFirst) = (layerNormEps, batchFirst, normFirst)
        selfAttn = MultiheadAttention(dModel, nhead, dropout: dropout, batchFirst: batchFirst)
        multiheadAttn = MultiheadAttention(dModel, nhead, dropout: dropout, batchFirst: batchFirst)
        linear1 = Linear(dModel, dimFeedforward)
        self.dropout = Dropout(dropout)
        linear2 = Linear(dimFeedforward, dModel)
        (norm1, norm2, norm3) = (LayerNorm(dModel, eps: layerNormEps), LayerNorm(dModel, eps: layerNormEps), LayerNorm(dModel, eps: layerNormEps))
        (dropout1, dropout2, dropout3) = (Dropout(dropout), Dropout(dropout), Dropout(dropout))
        super.init()
    }

    /// `TransformerDecoderLayer(d_model, nhead, dim_feedforward, dropout)`, positional.
    public convenience init(_ dModel: Int, _ nhead: Int, _ dimFeedforward: Int = 2048, _ dropout: Double = 0.1,
                            activation: String = "relu", layerNormEps: Double = 1e-5, batchFirst: Bool = false, normFirst: Bool = false) {
        self.init(dModel: dModel, nhead: nhead, dimFeedforward: dimFeedforward, dropout: dropout, activation: activation,
                  layerNormEps: layerNormEps, batchFirst: batchFirst, normFirst: normFirst)
    }

    /// Decodes `tgt` attending to `memory`, with optional attention and key padding masks for each.
    public func callAsFunction(_ tgt: Tensor, _ memory: Tensor, tgtMask: Tensor? = nil, memoryMask: Tensor? = nil,
                               tgtKeyPaddingMask: Tensor? = nil, memoryKeyPaddingMask: Tensor? = nil) -> Tensor {
        func selfAttention(_ x: Tensor) -> Tensor {
            dropout1(selfAttn(x, x, x, keyPaddingMask: tgtKeyPaddingMask, needWeights: false, attnMask: tgtMask).output)
        }
        func memoryAttention(_ x: Tensor) -> Tensor {
            dropout2(multiheadAttn(x, memory, memory, keyPaddingMask: memoryKeyPaddingMask, needWeights: false, attnMask: memoryMask).output)
        }
        func feedForward(_ x: Tensor) -> Tensor { dropout3(transformerFeedForward(x, linear1, dropout, linear2, activation: activation)) }
        var x = tgt
        if normFirst {
            x = x + selfAttention(norm1(x))
            x = x + memoryAttention(norm2(x))
            return x + feedForward(norm3(x))
        }
        x = norm1(x + selfAttention(x))
        x = norm2(x + memoryAttention(x))
        return norm3(x + feedForward(x))
    }

    /// A decoder layer needs the memory too: call it as `layer(tgt, memory)`.
    open override func forward(_ input: Tensor) -> Tensor {
        preconditionFailure("TransformerDecoderLayer: call it with the encoder's memory, layer(tgt, memory)")
    }

    /// A new layer with the same configuration and a copy of this one's parameters, built without drawing
    /// from the generator (PyTorch deep-copies the layer).
    public func copy() -> TransformerDecoderLayer {
        deepCopy(of: self) {
            TransformerDecoderLayer(dModel: dModel, nhead: nhead, dimFeedforward: dimFeedforward, dropout: dropoutRate,
                                    activation: activation, layerNormEps: layerNormEps, batchFirst: batchFirst, normFirst: normFirst)
        }
    }
}

/// A stack of `numLayers` copies of a decoder layer (`nn.TransformerDecoder`), with an optional final norm.
open class TransformerDecoder: Module {
    /// The `layers` submodule.
    public let layers: ModuleList
    /// The `norm` submodule.
    public let norm: Module?

    /// `TransformerDecoder(…)`, with PyTorch's arguments and defaults.
    public init(_ decoderLayer: TransformerDecoderLayer, numLayers: Int, norm: Module? = nil) {
        layers = ModuleList((0..<numLayers).map { _ in decoderLayer.copy() })
        self.norm = norm
        super.init()
    }

    /// `tgt` through every layer, attending to `memory`, with masks.
    public func callAsFunction(_ tgt: Tensor, _ memory: Tensor, tgtMask: Tensor? = nil, memoryMask: Tensor? = nil,
                               tgtKeyPaddingMask: Tensor? = nil, memoryKeyPaddingMask: Tensor? = nil) -> Tensor {
        var x = tgt
        for case let layer as TransformerDecoderLayer in layers.items {
            x = layer(x, memory, tgtMask: tgtMask, memoryMask: memoryMask, tgtKeyPaddingMask: tgtKeyPaddingMask,
                      memoryKeyPaddingMask: memoryKeyPaddingMask)
        }
        return norm.map { $0(x) } ?? x
    }

    /// A decoder needs the memory too: call it as `decoder(tgt, memory)`.
    open override func forward(_ input: Tensor) -> Tensor {
        preconditionFailure("TransformerDecoder: call it with the encoder's memory, decoder(tgt, memory)")
    }
}

/// The encoder–decoder transformer of "Attention Is All You Need" (`nn.Transformer`): an encoder stack
/// and a decoder stack, each with a final layer norm; every matrix re-initialised Xavier-uniform.
open class Transformer: Module {
    /// The `encoder` submodule.
    public let encoder: TransformerEncoder
    /// The `decoder` submodule.
    public let decoder: TransformerDecoder
    /// The `d_model`, `nhead` and `batch_first` arguments it was made with.
    public let dModel: Int, nhead: Int, batchFirst: Bool

    /// `Transformer(…)`, with PyTorch's arguments and defaults.
    public init(dModel: Int = 512, nhead: Int = 8, numEncoderLayers: Int = 6, numDecoderLayers: Int = 6, dimFeedforward: Int = 2048,
                dropout: Double = 0.1, activation: String = "relu", layerNormEps: Double = 1e-5, batchFirst: Bool = false,
                normFirst: Bool = false) {
        (self.dModel, self.nhead, self.batchFirst) = (dModel, nhead, batchFirst)
        let encoderLayer = TransformerEncoderLayer(dModel: dModel, nhead: nhead, dimFeedforward: dimFeedforward, dropout: dropout,
                                                   activation: activation, layerNormEps: layerNormEps, batchFirst: batchFirst,
                                                   normFirst: normFirst)
        encoder = TransformerEncoder(encoderLayer, numLayers: numEncoderLayers, norm: LayerNorm(dModel, eps: layerNormEps))
        let decoderLayer = TransformerDecoderLayer(dModel: dModel, nhead: nhead, dimFeedforward: dimFeedforward, dropout: dropout,
                                                   activation: activation, layerNormEps: layerNormEps, batchFirst: batchFirst,
                                                   normFirst: normFirst)
        decoder = TransformerDecoder(decoderLayer, numLayers: numDecoderLayers, norm: LayerNorm(dModel, eps: layerNormEps))
        super.init()
        for p in parameters() where p.dim > 1 { Init.xavierUniform_(p) }
    }

    /// Encodes `src` and decodes `tgt` against it (`transformer(src, tgt)`), with PyTorch's optional masks.
    public func callAsFunction(_ src: Tensor, _ tgt: Tensor, srcMask: Tensor? = nil, tgtMask: Tensor? = nil, memoryMask: Tensor? = nil,
                               srcKeyPaddingMask: Tensor? = nil, tgtKeyPaddingMask: Tensor? = nil,
                               memoryKeyPaddingMask: Tensor? = nil) -> Tensor {
        let memory = encoder(src, mask: srcMask, srcKeyPaddingMask: srcKeyPaddingMask)
        return decoder(tgt, memory, tgtMask: tgtMask, memoryMask: memoryMask, tgtKeyPaddingMask: tgtKeyPaddingMask,
                       memoryKeyPaddingMask: memoryKeyPaddingMask)
    }

    /// A transformer needs a source and a target: call it as `transformer(src, tgt)`.
    open override func forward(_ input: Tensor) -> Tensor {
        preconditionFailure("Transformer: call it with a source and a target, transformer(src, tgt)")
    }

    /// A float mask that hides later positions: 0 on and below the diagonal, -inf above
    /// (`generate_square_subsequent_mask`).
    public static func generateSquareSubsequentMask(_ size: Int) -> Tensor {
        Tensor.full([size, size], -Double.infinity).triu(1)
    }
}
