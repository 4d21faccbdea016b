// μ-law companding as modules (`torchaudio.transforms.MuLawEncoding`, `MuLawDecoding`).
import Ember

/// A signal in [-1, 1] to μ-law codes 0 … quantizationChannels-1, int64 (`torchaudio.transforms.MuLawEncoding`).
public final class MuLawEncoding: Module {
    /// The `quantization_channels` argument it was made with.
    public let quantizationChannels: Int

    /// `MuLawEncoding(…)`, with torchaudio's arguments and defaults.
    public init(quantizationChannels: Int = 256) {
        self.quantizationChannels = quantizationChannels
        super.init()
    }

    /// The μ-law codes of `x` in [-1, 1], int64 in 0 ..< quantizationChannels.
    public override func forward(_ x: Tensor) -> Tensor {
        AudioFunctional.muLawEncoding(x, quantizationChannels: quantizationChannels)
    }
}

/// μ-law codes 0 … quantizationChannels-1 back to a signal in [-1, 1] (`torchaudio.transforms.MuLawDecoding`).
public final class MuLawDecoding: Module {
    /// The `quantization_channels` argument it was made with.
    public let quantizationChannels: Int

    /// `MuLawDecoding(…)`, with torchaudio's arguments and defaults.
    public init(quantizationChannels: Int = 256) {
        self.quantizationChannels = quantizationChannels
        super.init()
    }

    /// The waveform in [-1, 1] of μ-law codes `xMu`.
    public override func forward(_ xMu: Tensor) -> Tensor {
        AudioFunctional.muLawDecoding(xMu, quantizationChannels: quantizationChannels)
    }
}
