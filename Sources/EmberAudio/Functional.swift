// torchaudio.functional: the computations behind the transforms, written with Ember's tensor ops in the order
// torchaudio writes them, so that the numbers agree and gradients flow where torchaudio's do.
import Ember
import Foundation

/// How a spectrogram is normalised (torchaudio's `normalized`: a Bool or "window"/"frame_length"). Boolean
/// literals work too: `true` is `.window`, `false` is `.none`.
public enum SpectrogramNormalization: String, StringOption, Sendable, ExpressibleByBooleanLiteral {
    /// Not normalised.
    case none
    /// Divided by the window's L2 norm.
    case window
    /// Divided by √nFFT (the frame length).
    case frameLength = "frame_length"

    /// `true` normalises by the window, as torchaudio's `normalized=True`; `false` does not.
    public init(booleanLiteral value: Bool) { self = value ? .window : .none }
}

/// The mel scale's formula (torchaudio's `mel_scale`).
public enum MelScaleKind: String, StringOption, Sendable {
    /// 2595·log10(1 + f/700).
    case htk
    /// Linear below 1 kHz, logarithmic above (Slaney's Auditory Toolbox).
    case slaney
}

/// Whether mel filters are area-normalised (torchaudio's `norm="slaney"`).
public enum MelNorm: String, StringOption, Sendable {
    /// Each triangle divided by the width of its mel band.
    case slaney
}

/// The normalisation of the DCT matrix of MFCCs (torchaudio's `norm="ortho"`).
public enum DCTNorm: String, StringOption, Sendable {
    /// An orthonormal DCT-II.
    case ortho
}

/// What a spectrogram holds, for the decibel conversion (torchaudio's `stype`).
public enum SpectrumType: String, StringOption, Sendable {
    /// Squared magnitudes: 10·log10.
    case power
    /// Magnitudes: 20·log10.
    case magnitude
}

/// The interpolation window of `resample` (torchaudio's `resampling_method`).
public enum ResamplingMethod: String, StringOption, Sendable {
    /// A sinc filter under a Hann window.
    case sincInterpHann = "sinc_interp_hann"
    /// A sinc filter under a Kaiser window.
    case sincInterpKaiser = "sinc_interp_kaiser"
}

/// The functional forms of the transforms (`torchaudio.functional`).
public enum AudioFunctional {
    /// The spectrogram of waveforms [..., time] (`torchaudio.functional.spectrogram`): [..., nFFT/2 + 1, frames] of
    /// magnitudes raised to `power`; with `power` nil, the complex spectrum.
    public static func spectrogram(_ waveform: Tensor, pad: Int, window: Tensor, nFFT: Int, hopLength: Int, winLength: Int,
                                   power: Double?, normalized: SpectrogramNormalization, center: Bool = true,
                                   padMode: PaddingMode = .reflect, onesided: Bool = true) -> Tensor {
        var waveform = waveform
        if pad > 0 { waveform = F.pad(waveform, [pad, pad], mode: .constant) }
        let shape = waveform.shape
        let packed = waveform.reshape(-1, shape.last!)
        var spectrum = packed.stft(nFFT: nFFT, hopLength: hopLength, winLength: winLength, window: window, center: center,
                                   padMode: padMode, normalized: normalized == .frameLength, onesided: onesided, returnComplex: false)
        spectrum = spectrum.reshape(Array(shape.dropLast()) + Array(spectrum.shape.suffix(3)))
        if normalized == .window { spectrum = spectrum / window.pow(2).sum().sqrt() }
        guard let power else { return spectrum.viewAsComplex() }
        if power == 2 { return squaredMagnitude(spectrum) }
        let magnitude = pairMagnitude(spectrum)
        return power == 1 ? magnitude : magnitude.pow(power)
    }

    /// The waveforms [..., time] of complex spectra [..., freq, frames] (`torchaudio.functional.inverse_spectrogram`):
    /// the window normalisation undone, then `Tensor.istft`. With `length`, the result is `length` samples after `pad`
    /// is removed from both ends.
    public static func inverseSpectrogram(_ spectrogram: Tensor, length: Int? = nil, pad: Int, window: Tensor, nFFT: Int, hopLength: Int,
                                          winLength: Int, normalized: SpectrogramNormalization, center: Bool = true,
                                          onesided: Bool = true) -> Tensor {
        precondition(spectrogram.isComplex && spectrogram.dim >= 2, "inverse_spectrogram: expected a complex spectrum [..., freq, "
                     + "frames], got \(spectrogram.dtype) \(spectrogram.shape)")
        var spectrum = spectrogram.viewAsReal()
        if normalized == .window { spectrum = spectrum * window.pow(2).sum().sqrt() }
        let shape = spectrum.shape
        let packed = spectrum.reshape([-1] + Array(shape.suffix(3)))
        var waveform = packed.istft(nFFT: nFFT, hopLength: hopLength, winLength: winLength, window: window, center: center,
                                    normalized: normalized == .frameLength, onesided: onesided, length: length.map { $0 + 2 * pad })
        if length != nil && pad > 0 { waveform = waveform.narrow(1, start: pad, length: waveform.shape[1] - 2 * pad) }
        return waveform.reshape(Array(shape.dropLast(3)) + [waveform.shape[1]])
    }

    /// A waveform [..., time] whose spectrogram is close to `specgram` [..., freq, frames], by the Griffin-Lim
    /// algorithm with momentum (`torchaudio.functional.griffinlim`): phases start random (drawn from the default
    /// generator as torchaudio draws a complex `torch.rand`, real and imaginary parts in turn) or all 1, and each of
    /// `nIter` rounds inverts the magnitudes with the current phases and takes the phases of the result's spectrum.
    public static func griffinlim(_ specgram: Tensor, window: Tensor, nFFT: Int, hopLength: Int, winLength: Int, power: Double,
                                  nIter: Int, momentum: Double, length: Int?, randInit: Bool) -> Tensor {
        precondition((0..<1).contains(momentum), "griffinlim: momentum must be in range [0, 1). Found: \(momentum)")
        let momentum = momentum / (1 + momentum)
        let shape = specgram.shape
        let magnitudes = specgram.reshape([-1] + Array(shape.suffix(2))).pow(1 / power).unsqueeze(-1)
        let pairsShape = magnitudes.shape.dropLast() + [2]
        var angles = randInit ? Tensor.rand(Array(pairsShape), dtype: specgram.dtype, device: specgram.device)
            : Tensor.cat([Tensor.ones(Array(magnitudes.shape), dtype: specgram.dtype, device: specgram.device),
                          Tensor.zeros(Array(magnitudes.shape), dtype: specgram.dtype, device: specgram.device)], dim: -1)
        func invert(_ phases: Tensor) -> Tensor {
            (magnitudes * phases).istft(nFFT: nFFT, hopLength: hopLength, winLength: winLength, window: window, length: length)
        }
        var previous: Tensor? = nil
        for _ in 0..<nIter {
            let rebuilt = invert(angles).stft(nFFT: nFFT, hopLength: hopLength, winLength: winLength, window: window, center: true,
                                              padMode: .reflect, normalized: false, onesided: true, returnComplex: false)
            angles = rebuilt
            if momentum != 0, let previous { angles = angles - previous * momentum }
            angles = angles / (pairMagnitude(angles) + 1e-16).unsqueeze(-1)
            previous = rebuilt
        }
        let waveform = invert(angles)
        return waveform.reshape(Array(shape.dropLast(2)) + [waveform.shape[1]])
    }

    /// Complex spectra [..., freq, frames] sped up by `rate` without changing their pitch
    /// (`torchaudio.functional.phase_vocoder`): ceil(frames / rate) frames whose magnitudes interpolate the nearest
    /// two and whose phases advance by the measured phase differences; `phaseAdvance` [freq, 1] is each bin's
    /// expected advance per hop.
    public static func phaseVocoder(_ specgrams: Tensor, rate: Double, phaseAdvance: Tensor) -> Tensor {
        precondition(specgrams.isComplex && specgrams.dim >= 2, "phase_vocoder: expected complex spectra [..., freq, frames], "
                     + "got \(specgrams.dtype) \(specgrams.shape)")
        if rate == 1 { return specgrams }
        let pairs = specgrams.viewAsReal(), shape = pairs.shape
        let packed = pairs.reshape([-1] + Array(shape.suffix(3)))
        let timeSteps = Tensor.arange(0, Double(packed.shape[2]), step: rate, dtype: pairs.dtype, device: pairs.device)
        let alphas = timeSteps - timeSteps.floor()
        func angle(_ pairs: Tensor) -> Tensor { atan2(pairs.select(-1, 1), pairs.select(-1, 0)) }
        let firstPhase = angle(packed.narrow(2, start: 0, length: 1))
        let padded = F.pad(packed, [0, 0, 0, 2])
        let before = padded.indexSelect(2, timeSteps.long()), after = padded.indexSelect(2, (timeSteps + 1).long())
        var phase = angle(after) - angle(before) - phaseAdvance
        let twoPi = 2 * Double.pi   // a Double: in one expression with a tensor, `2` would become a tensor literal
        phase = phase - (phase / twoPi).round() * twoPi
        phase = Tensor.cat([firstPhase, (phase + phaseAdvance).narrow(-1, start: 0, length: timeSteps.numel - 1)], dim: -1)
        let accumulated = phase.cumsum(dim: -1)
        let magnitude = alphas * pairMagnitude(after) + (1 - alphas) * pairMagnitude(before)
        let stretched = Tensor.stack([magnitude * accumulated.cos(), magnitude * accumulated.sin()], dim: -1)
        return stretched.reshape(Array(shape.dropLast(3)) + Array(stretched.shape.suffix(3))).viewAsComplex()
    }

    /// re² + im² of complex values held as real pairs [..., freq, frames, 2]: computed frame-major, where an stft's
    /// pairs lie contiguous so both parts are read in runs, and seen frequency-major again (a transposed view, as
    /// PyTorch's result of a transposed spectrum is).
    static func squaredMagnitude(_ pairs: Tensor) -> Tensor {
        let frameMajor = pairs.transpose(-3, -2)
        let real = frameMajor.select(-1, 0), imaginary = frameMajor.select(-1, 1)
        return (real * real + imaginary * imaginary).transpose(-2, -1)
    }

    /// |z| of complex values held as real pairs [..., 2], with the gradient PyTorch gives `abs` of a complex tensor
    /// (zero at z = 0, where the square root's derivative is not finite).
    static func pairMagnitude(_ pairs: Tensor) -> Tensor {
        let squared = squaredMagnitude(pairs)
        let isZero = squared .== 0
        let zero = Tensor.zeros([], dtype: squared.dtype, device: squared.device)
        return Tensor.where(isZero, zero, Tensor.where(isZero, zero + 1, squared).sqrt())
    }

    /// Decibels from a power or amplitude spectrogram (`torchaudio.functional.amplitude_to_DB`):
    /// multiplier·log10(max(x, amin)) - multiplier·dbMultiplier, floored at `topDB` below the maximum of each
    /// spectrogram (the last three dimensions together, as torchaudio).
    public static func amplitudeToDB(_ x: Tensor, multiplier: Double, amin: Double, dbMultiplier: Double, topDB: Double? = nil) -> Tensor {
        var db = x.clamp(min: amin).log10() * multiplier
        db = db - multiplier * dbMultiplier
        guard let topDB else { return db }
        let shape = db.shape
        let packedChannels = db.dim > 2 ? shape[shape.count - 3] : 1
        let packed = db.reshape(-1, packedChannels, shape[shape.count - 2], shape[shape.count - 1])
        let floor = packed.amax(dims: [-3, -2, -1]) - topDB
        return packed.maximum(floor.view(-1, 1, 1, 1)).reshape(shape)
    }

    /// The inverse of `amplitudeToDB`: ref·(10^(0.1·x))^power (`torchaudio.functional.DB_to_amplitude`).
    public static func dbToAmplitude(_ x: Tensor, ref: Double, power: Double) -> Tensor {
        Tensor(10.0).pow(x * 0.1).pow(power) * ref
    }

    /// Slaney's mel scale: linear at `linearStep` Hz per mel up to `minLogHz`, logarithmic by `logStep` above.
    private enum Slaney {
        static let linearStep = 200.0 / 3, minLogHz = 1000.0, minLogMel = minLogHz / linearStep, logStep = log(6.4) / 27
    }

    /// Hz to mels on `scale`.
    static func hzToMel(_ frequency: Double, scale: MelScaleKind) -> Double {
        if scale == .htk { return 2595 * log10(1 + frequency / 700) }
        return frequency >= Slaney.minLogHz ? Slaney.minLogMel + log(frequency / Slaney.minLogHz) / Slaney.logStep
            : frequency / Slaney.linearStep
    }

    /// Mels to Hz on `scale`, elementwise.
    static func melToHz(_ mels: Tensor, scale: MelScaleKind) -> Tensor {
        if scale == .htk { return (Tensor(10.0).pow(mels / 2595) - 1) * 700 }
        let linear = mels * Slaney.linearStep
        let logarithmic = ((mels - Slaney.minLogMel) * Slaney.logStep).exp() * Slaney.minLogHz
        return Tensor.where(mels .>= Slaney.minLogMel, logarithmic, linear)
    }

    /// The triangular mel filter bank [nFreqs, nMels] (`torchaudio.functional.melscale_fbanks`).
    public static func melscaleFbanks(nFreqs: Int, fMin: Double, fMax: Double, nMels: Int, sampleRate: Int, norm: MelNorm? = nil,
                                      melScale: MelScaleKind = .htk) -> Tensor {
        let allFreqs = Tensor.linspace(0, Double(sampleRate / 2), steps: nFreqs)
        let mels = Tensor.linspace(hzToMel(fMin, scale: melScale), hzToMel(fMax, scale: melScale), steps: nMels + 2)
        let points = melToHz(mels, scale: melScale)
        var bank = triangularFilterbank(allFreqs, points)
        if norm == .slaney {
            let widths = points.narrow(0, start: 2, length: nMels) - points.narrow(0, start: 0, length: nMels)
            bank = bank * (2.0 / widths).unsqueeze(0)
        }
        return bank
    }

    /// The linear triangular filter bank [nFreqs, nFilter] (`torchaudio.functional.linear_fbanks`).
    public static func linearFbanks(nFreqs: Int, fMin: Double, fMax: Double, nFilter: Int, sampleRate: Int) -> Tensor {
        triangularFilterbank(Tensor.linspace(0, Double(sampleRate / 2), steps: nFreqs),
                             Tensor.linspace(fMin, fMax, steps: nFilter + 2))
    }

    /// Triangles rising from each point to the next and falling to the one after: [frequencies, points - 2].
    private static func triangularFilterbank(_ frequencies: Tensor, _ points: Tensor) -> Tensor {
        let n = points.size(0)
        let difference = points.narrow(0, start: 1, length: n - 1) - points.narrow(0, start: 0, length: n - 1)
        let slopes = points.unsqueeze(0) - frequencies.unsqueeze(1)
        let down = (slopes.narrow(1, start: 0, length: n - 2) * -1.0) / difference.narrow(0, start: 0, length: n - 2)
        let up = slopes.narrow(1, start: 2, length: n - 2) / difference.narrow(0, start: 1, length: n - 2)
        return Tensor.zeros(1).maximum(down.minimum(up))
    }

    /// The DCT-II matrix [nMels, nMFCC] that MFCC right-multiplies (`torchaudio.functional.create_dct`).
    public static func createDCT(nMFCC: Int, nMels: Int, norm: DCTNorm?) -> Tensor {
        let n = Tensor.arange(Double(0), Double(nMels))
        let k = Tensor.arange(Double(0), Double(nMFCC)).unsqueeze(1)
        var dct = ((n + 0.5) * (Double.pi / Double(nMels)) * k).cos()
        if norm == .ortho {
            dct[0] = dct[0] * (1 / 2.0.squareRoot())
            dct = dct * (2 / Double(nMels)).squareRoot()
        } else {
            dct = dct * 2
        }
        return dct.t().contiguous()
    }

    /// Spectrograms [..., freq, time] through `matrix` [freq, out]: [..., out, time] (a filter bank or a DCT applied
    /// along the frequency axis, as torchaudio's transforms apply theirs).
    static func alongFrequency(_ specgram: Tensor, _ matrix: Tensor) -> Tensor {
        specgram.transpose(-1, -2).matmul(matrix).transpose(-1, -2)
    }

    /// The cepstral coefficients of filtered spectrograms, MFCC's and LFCC's last step: the DCT (`dct`) of their log
    /// (offset by 1e-6) when `logarithmic`, else of their decibels (`decibels`).
    static func cepstrum(_ filtered: Tensor, logarithmic: Bool, decibels: AmplitudeToDB, dct: Tensor) -> Tensor {
        alongFrequency(logarithmic ? (filtered + 1e-6).log() : decibels(filtered), dct)
    }

    /// μ-law companding of a signal in [-1, 1] to integers 0 … channels-1, int64 (`mu_law_encoding`).
    public static func muLawEncoding(_ x: Tensor, quantizationChannels: Int) -> Tensor {
        let x = x.dtype.isFloatingPoint ? x : x.float()
        let mu = Tensor(Double(quantizationChannels - 1)).to(x.dtype)
        let companded = x.sign() * (mu * x.abs()).log1p() / mu.log1p()
        return ((companded + 1) / 2 * mu + 0.5).to(.int64)
    }

    /// The inverse of `muLawEncoding`: integers 0 … channels-1 back to [-1, 1] (`mu_law_decoding`).
    public static func muLawDecoding(_ xMu: Tensor, quantizationChannels: Int) -> Tensor {
        let xMu = xMu.dtype.isFloatingPoint ? xMu : xMu.float()
        let mu = Tensor(Double(quantizationChannels - 1)).to(xMu.dtype)
        let x = xMu / mu * 2 - 1.0
        return x.sign() * ((x.abs() * mu.log1p()).exp() - 1.0) / mu
    }

    /// Band-limited resampling of waveforms [..., time] from `origFreq` to `newFreq` Hz (`torchaudio.functional.resample`):
    /// a windowed-sinc filter bank applied as a strided convolution; the filters are built in the waveform's dtype.
    public static func resample(_ waveform: Tensor, origFreq: Int, newFreq: Int, lowpassFilterWidth: Int = 6, rolloff: Double = 0.99,
                                resamplingMethod: ResamplingMethod = .sincInterpHann, beta: Double? = nil) -> Tensor {
        precondition(origFreq > 0 && newFreq > 0, "resample: Original frequency and desired frequency should be positive")
        if origFreq == newFreq { return waveform }
        precondition(waveform.dtype.isFloatingPoint, "resample: Expected floating point type for waveform tensor, but received \(waveform.dtype)")
        let resampler = SincResampler(origFreq: origFreq, newFreq: newFreq, lowpassFilterWidth: lowpassFilterWidth, rolloff: rolloff,
                                      method: resamplingMethod, beta: beta)
        return resampler.apply(waveform, filters: resampler.filters(dtype: waveform.dtype, phaseDType: waveform.dtype).to(waveform.device))
    }
}
