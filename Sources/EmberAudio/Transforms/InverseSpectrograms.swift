// From spectrograms back to waveforms, and spectrograms stretched in time: torchaudio's InverseSpectrogram, GriffinLim
// and TimeStretch as modules, with its defaults and buffers.
import Ember

/// The waveforms [..., time] of complex spectra [..., freq, frames], the inverse of
/// `Spectrogram(power: nil)` with the same arguments (`torchaudio.transforms.InverseSpectrogram`).
public final class InverseSpectrogram: Module {
    /// The `n_fft`, `win_length`, `hop_length` and `pad` arguments it was made with.
    public let nFFT: Int, winLength: Int, hopLength: Int, pad: Int
    /// The `normalized` argument it was made with.
    public let normalized: SpectrogramNormalization
    /// The `center`, `pad_mode` and `onesided` arguments it was made with (`pad_mode` is not used, as in torchaudio).
    public let center: Bool, padMode: PaddingMode, onesided: Bool
    /// The `window` buffer, saved in the state dict.
    @Buffer public var window: Tensor?

    /// `InverseSpectrogram(…)`, with torchaudio's arguments and defaults.
    ///
    /// - Parameters:
    ///   - nFFT: the Fourier transform's size.
    ///   - winLength: the window's length, nFFT when nil.
    ///   - hopLength: samples between frames, winLength / 2 when nil.
    ///   - pad: the padding the spectrogram was made with, removed again when a length is given.
    ///   - windowFn: makes the window from its length (`window_fn`).
    ///   - normalized: the normalisation the spectrogram was made with.
    ///   - center: whether the spectrogram's frames were centred.
    ///   - padMode: kept for symmetry with `Spectrogram`; not used.
    ///   - onesided: whether the spectrogram holds only the non-negative frequencies.
    public init(nFFT: Int = 400, winLength: Int? = nil, hopLength: Int? = nil, pad: Int = 0,
                windowFn: (Int) -> Tensor = { Tensor.hannWindow($0) }, normalized: SpectrogramNormalization = false,
                center: Bool = true, padMode: PaddingMode = .reflect, onesided: Bool = true) {
        self.nFFT = nFFT
        self.winLength = winLength ?? nFFT
        self.hopLength = hopLength ?? self.winLength / 2
        (self.pad, self.normalized) = (pad, normalized)
        (self.center, self.padMode, self.onesided) = (center, padMode, onesided)
        super.init()
        window = windowFn(self.winLength)
    }

    /// The waveforms of `spectrogram`, `length` samples long when given.
    public func callAsFunction(_ spectrogram: Tensor, length: Int?) -> Tensor {
        AudioFunctional.inverseSpectrogram(spectrogram, length: length, pad: pad, window: window!, nFFT: nFFT, hopLength: hopLength,
                                           winLength: winLength, normalized: normalized, center: center, onesided: onesided)
    }

    /// The waveforms of `spectrogram`.
    public override func forward(_ spectrogram: Tensor) -> Tensor { self(spectrogram, length: nil) }
}

/// Waveforms [..., time] from magnitude or power spectrograms [..., freq, frames] by the Griffin-Lim algorithm
/// (`torchaudio.transforms.GriffinLim`). With `randInit`, the first phases are drawn from the default generator, so a
/// seed gives torchaudio's waveform.
public final class GriffinLim: Module {
    /// The `n_fft`, `n_iter`, `win_length` and `hop_length` arguments it was made with.
    public let nFFT: Int, nIter: Int, winLength: Int, hopLength: Int
    /// The `power`, `momentum`, `length` and `rand_init` arguments it was made with.
    public let power: Double, momentum: Double, length: Int?, randInit: Bool
    /// The `window` buffer, saved in the state dict.
    @Buffer public var window: Tensor?

    /// `GriffinLim(…)`, with torchaudio's arguments and defaults.
    ///
    /// - Parameters:
    ///   - nFFT: the Fourier transform's size the spectrogram was made with.
    ///   - nIter: rounds of phase estimation.
    ///   - winLength: the window's length, nFFT when nil.
    ///   - hopLength: samples between frames, winLength / 2 when nil.
    ///   - windowFn: makes the window from its length (`window_fn`).
    ///   - power: the exponent the spectrogram was made with (2: power, 1: magnitude).
    ///   - momentum: the fast Griffin-Lim momentum, in [0, 1).
    ///   - length: the output's length, or as the frames give.
    ///   - randInit: random first phases, or all 1.
    public init(nFFT: Int = 400, nIter: Int = 32, winLength: Int? = nil, hopLength: Int? = nil,
                windowFn: (Int) -> Tensor = { Tensor.hannWindow($0) }, power: Double = 2, momentum: Double = 0.99,
                length: Int? = nil, randInit: Bool = true) {
        precondition((0..<1).contains(momentum), "GriffinLim: momentum must be in the range [0, 1). Found: \(momentum)")
        (self.nFFT, self.nIter) = (nFFT, nIter)
        self.winLength = winLength ?? nFFT
        self.hopLength = hopLength ?? self.winLength / 2
        (self.power, self.momentum, self.length, self.randInit) = (power, momentum, length, randInit)
        super.init()
        window = windowFn(self.winLength)
    }

    /// A waveform whose spectrogram is close to `specgram`.
    public override func forward(_ specgram: Tensor) -> Tensor {
        AudioFunctional.griffinlim(specgram, window: window!, nFFT: nFFT, hopLength: hopLength, winLength: winLength, power: power,
                                   nIter: nIter, momentum: momentum, length: length, randInit: randInit)
    }
}

/// Complex spectra [..., freq, frames] sped up by a rate without changing their pitch, by a phase
/// vocoder (`torchaudio.transforms.TimeStretch`); `phase_advance` [nFreq, 1] is its buffer.
public final class TimeStretch: Module {
    /// The `fixed_rate` argument it was made with: the rate `forward` uses.
    public let fixedRate: Double?
    /// Each bin's expected phase advance per hop, π·hopLength·k / (nFreq - 1), saved in the state dict.
    @Buffer public var phaseAdvance: Tensor?

    /// `TimeStretch(…)`, with torchaudio's arguments and defaults.
    ///
    /// - Parameters:
    ///   - hopLength: samples between the spectra's frames, nFFT / 2 when nil (nFFT = 2·(nFreq - 1)).
    ///   - nFreq: the spectra's frequencies.
    ///   - fixedRate: the rate `forward` stretches by; `rate > 1` speeds up.
    public init(hopLength: Int? = nil, nFreq: Int = 201, fixedRate: Double? = nil) {
        self.fixedRate = fixedRate
        let hop = hopLength ?? (nFreq - 1)
        super.init()
        phaseAdvance = Tensor.linspace(0, Double.pi * Double(hop), steps: nFreq).unsqueeze(-1)
    }

    /// `specgrams` stretched by `overridingRate`, or by `fixedRate` when nil.
    public func callAsFunction(_ specgrams: Tensor, overridingRate: Double?) -> Tensor {
        guard let rate = overridingRate ?? fixedRate else {
            preconditionFailure("TimeStretch: If no fixed_rate is specified, must pass a valid rate to the forward method.")
        }
        return AudioFunctional.phaseVocoder(specgrams, rate: rate, phaseAdvance: phaseAdvance!)
    }

    /// `specgrams` stretched by `fixedRate`.
    public override func forward(_ specgrams: Tensor) -> Tensor { self(specgrams, overridingRate: nil) }
}
