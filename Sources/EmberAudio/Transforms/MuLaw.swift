// μ-law companding as modules (`torchaudio.transforms.MuLawEncoding`, `MuLawDecoding`).
import Ember

/// A signal in [-1, 1] to μ-law codes 0 … quantizationChannels-1, int64 (`torchaudio.transforms.MuLawEncoding`).
public final class MuLawEncoding: Module {
    public let quantizationChannels: Int

    public init(quantizationChannels: Int = 256) {
        self.quantizationChannels = quantizationChannels
        super.init()
    }

    public override func forward(_ x: Tensor) -> Tensor {
        AudioFunctional.muLawEncoding(x, quantizationChannels: quantizationChannels)
    }
}

/// μ-law codes 0 … quantizationChannels-1 back to a signal in [-1, 1] (`torchaudio.transforms.MuLawDecoding`).
public final class MuLawDecoding: Module {
    public let quantizationChannels: Int

    public init(quantizationChannels: Int = 256) {
        self.quantizationChannels = quantizationChannels
        super.init()
    }

    public override func forward(_ xMu: Tensor) -> Tensor {
        AudioFunctional.muLawDecoding(xMu, quantizationChannels: quantizationChannels)
    }
}
