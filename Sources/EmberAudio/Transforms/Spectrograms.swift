// The spectral transforms of torchaudio as modules: Spectrogram, MelScale, MelSpectrogram, MFCC and
// AmplitudeToDB, with torchaudio's defaults, buffers and state-dict keys.
import Ember
import Foundation

/// The spectrogram of waveforms [..., time]: [..., nFFT/2 + 1, frames] (`torchaudio.transforms.Spectrogram`). The
/// window (default: periodic Hann of `winLength`) is the `window` buffer. With `power` nil it is the complex spectrum.
public final class Spectrogram: Module {
    /// The `n_fft`, `win_length`, `hop_length` and `pad` arguments it was made with.
    public let nFFT: Int, winLength: Int, hopLength: Int, pad: Int
    /// The `power` argument it was made with.
    public let power: Double?
    /// The `normalized` argument it was made with.
    public let normalized: SpectrogramNormalization
    /// The `center`, `pad_mode` and `onesided` arguments it was made with.
    public let center: Bool, padMode: PaddingMode, onesided: Bool
    /// The `window` buffer, saved in the state dict.
    @Buffer public var window: Tensor?

    /// `Spectrogram(…)`, with torchaudio's arguments and defaults.
    ///
    /// - Parameters:
    ///   - nFFT: the Fourier transform's size; nFFT / 2 + 1 frequencies come out.
    ///   - winLength: the window's length, nFFT when nil.
    ///   - hopLength: samples between frames, winLength / 2 when nil.
    ///   - pad: zeros added on both sides of the waveform first.
    ///   - windowFn: makes the window from its length (`window_fn`; pass a closure for `wkwargs`).
    ///   - power: the exponent of the magnitude (2: power, 1: magnitude); nil keeps the complex spectrum.
    ///   - normalized: scales by the window's norm (`true`, `.window`) or by the frame length (`.frameLength`).
    ///   - center: pads each side by nFFT / 2, so frame t is centred on sample t · hopLength.
    ///   - padMode: how that padding is made.
    ///   - onesided: only the non-negative frequencies.
    public init(nFFT: Int = 400, winLength: Int? = nil, hopLength: Int? = nil, pad: Int = 0,
                windowFn: (Int) -> Tensor = { Tensor.hannWindow($0) }, power: Double? = 2, normalized: SpectrogramNormalization = false,
                center: Bool = true, padMode: PaddingMode = .reflect, onesided: Bool = true) {
        self.nFFT = nFFT
        self.winLength = winLength ?? nFFT
        self.hopLength = hopLength ?? self.winLength / 2
        (self.pad, self.power, self.normalized) = (pad, power, normalized)
        (self.center, self.padMode, self.onesided) = (center, padMode, onesided)
        super.init()
        window = windowFn(self.winLength)
    }

    /// The spectrogram of `waveform` [..., time].
    public override func forward(_ waveform: Tensor) -> Tensor {
        AudioFunctional.spectrogram(waveform, pad: pad, window: window!, nFFT: nFFT, hopLength: hopLength, winLength: winLength,
                                    power: power, normalized: normalized, center: center, padMode: padMode, onesided: onesided)
    }
}

/// Spectrograms [..., freq, time] to mel spectrograms [..., nMels, time] through triangular filters, the `fb`
/// buffer [nSTFT, nMels] (`torchaudio.transforms.MelScale`).
public final class MelScale: Module {
    /// The `n_mels`, `sample_rate`, `f_min`, `f_max` and `n_stft` arguments it was made with.
    public let nMels: Int, sampleRate: Int, fMin: Double, fMax: Double, nSTFT: Int
    /// The `norm` argument it was made with.
    public let norm: MelNorm?
    /// The `mel_scale` argument it was made with.
    public let melScale: MelScaleKind
    /// The `fb` buffer, saved in the state dict.
    @Buffer public var fb: Tensor?

    /// `MelScale(…)`, with torchaudio's arguments and defaults.
    ///
    /// - Parameters:
    ///   - nMels: mel filters, the output's frequencies.
    ///   - sampleRate: the waveform's sample rate.
    ///   - fMin: the lowest frequency.
    ///   - fMax: the highest frequency, sampleRate / 2 when nil.
    ///   - nSTFT: the input's frequencies (nFFT / 2 + 1).
    ///   - norm: `.slaney` divides each filter by its width in Hz; nil leaves the filters' peaks at 1.
    ///   - melScale: the htk or Slaney mel scale.
    public init(nMels: Int = 128, sampleRate: Int = 16000, fMin: Double = 0, fMax: Double? = nil, nSTFT: Int = 201,
                norm: MelNorm? = nil, melScale: MelScaleKind = .htk) {
        let fMax = fMax ?? Double(sampleRate / 2)
        precondition(fMin <= fMax, "MelScale: Require f_min: \(fMin) <= f_max: \(fMax)")
        (self.nMels, self.sampleRate, self.fMin, self.fMax, self.nSTFT) = (nMels, sampleRate, fMin, fMax, nSTFT)
        (self.norm, self.melScale) = (norm, melScale)
        super.init()
        fb = AudioFunctional.melscaleFbanks(nFreqs: nSTFT, fMin: fMin, fMax: fMax, nMels: nMels, sampleRate: sampleRate, norm: norm,
                                            melScale: melScale)
    }

    /// The mel spectrogram of `specgram` [..., freq, time].
    public override func forward(_ specgram: Tensor) -> Tensor {
        AudioFunctional.alongFrequency(specgram, fb!)
    }
}

/// The mel spectrogram of waveforms [..., time]: a `Spectrogram` then a `MelScale` (`torchaudio.transforms.MelSpectrogram`).
public final class MelSpectrogram: Module {
    /// The `sample_rate`, `n_fft`, `win_length`, `hop_length` and `n_mels` arguments it was made with.
    public let sampleRate: Int, nFFT: Int, winLength: Int, hopLength: Int, nMels: Int
    /// The `spectrogram` submodule.
    public let spectrogram: Spectrogram
    /// The `mel_scale` submodule.
    public let melScale: MelScale

    /// `MelSpectrogram(…)`, with torchaudio's arguments and defaults.
    public init(sampleRate: Int = 16000, nFFT: Int = 400, winLength: Int? = nil, hopLength: Int? = nil, fMin: Double = 0,
                fMax: Double? = nil, pad: Int = 0, nMels: Int = 128, windowFn: (Int) -> Tensor = { Tensor.hannWindow($0) },
                power: Double = 2, normalized: SpectrogramNormalization = false, center: Bool = true, padMode: PaddingMode = .reflect,
                norm: MelNorm? = nil, melScale: MelScaleKind = .htk) {
        self.sampleRate = sampleRate
        self.nFFT = nFFT
        self.winLength = winLength ?? nFFT
        self.hopLength = hopLength ?? self.winLength / 2
        self.nMels = nMels
        spectrogram = Spectrogram(nFFT: nFFT, winLength: self.winLength, hopLength: self.hopLength, pad: pad, windowFn: windowFn,
                                  power: power, normalized: normalized, center: center, padMode: padMode, onesided: true)
        self.melScale = MelScale(nMels: nMels, sampleRate: sampleRate, fMin: fMin, fMax: fMax, nSTFT: nFFT / 2 + 1, norm: norm,
                                 melScale: melScale)
        super.init()
    }

    /// A mel spectrogram with the arguments of `options` (MFCC's `melkwargs`).
    public convenience init(sampleRate: Int, options: MelSpectrogramOptions) {
        self.init(sampleRate: sampleRate, nFFT: options.nFFT, winLength: options.winLength, hopLength: options.hopLength,
                  fMin: options.fMin, fMax: options.fMax, pad: options.pad, nMels: options.nMels, windowFn: options.windowFn,
                  power: options.power, normalized: options.normalized, center: options.center, padMode: options.padMode,
                  norm: options.norm, melScale: options.melScale)
    }

    /// The mel spectrogram of `waveform` [..., time].
    public override func forward(_ waveform: Tensor) -> Tensor {
        melScale(spectrogram(waveform))
    }
}

/// The arguments of a `MelSpectrogram` other than its sample rate, with its defaults (MFCC's `melkwargs`).
public struct MelSpectrogramOptions {
    /// The Fourier transform's size (`n_fft`).
    public var nFFT = 400
    /// The window length and the hop, nFFT and winLength / 2 when nil.
    public var winLength: Int? = nil, hopLength: Int? = nil
    /// The lowest frequency of the mel filters.
    public var fMin = 0.0
    /// The highest frequency of the mel filters, sampleRate / 2 when nil.
    public var fMax: Double? = nil
    /// Zeros padded on both sides, and the number of mel filters.
    public var pad = 0, nMels = 128
    /// Makes the window from its length (`window_fn`).
    public var windowFn: (Int) -> Tensor = { Tensor.hannWindow($0) }
    /// The exponent of the magnitude.
    public var power = 2.0
    /// How frames are normalised.
    public var normalized: SpectrogramNormalization = false
    /// Whether frames are centred on their samples.
    public var center = true
    /// How the centring pads.
    public var padMode = PaddingMode.reflect
    /// The mel filters' normalisation.
    public var norm: MelNorm? = nil
    /// The mel scale.
    public var melScale = MelScaleKind.htk

    /// `MelSpectrogramOptions(…)`, with torchaudio's arguments and defaults.
    public init(nFFT: Int = 400, winLength: Int? = nil, hopLength: Int? = nil, fMin: Double = 0, fMax: Double? = nil, pad: Int = 0,
                nMels: Int = 128, windowFn: @escaping (Int) -> Tensor = { Tensor.hannWindow($0) }, power: Double = 2,
                normalized: SpectrogramNormalization = false, center: Bool = true, padMode: PaddingMode = .reflect, norm: MelNorm? = nil,
                melScale: MelScaleKind = .htk) {
        (self.nFFT, self.winLength, self.hopLength, self.fMin, self.fMax, self.pad) = (nFFT, winLength, hopLength, fMin, fMax, pad)
        (self.nMels, self.windowFn, self.power, self.normalized) = (nMels, windowFn, power, normalized)
        (self.center, self.padMode, self.norm, self.melScale) = (center, padMode, norm, melScale)
    }
}

/// Power or amplitude spectrograms to decibels (`torchaudio.transforms.AmplitudeToDB`), floored `topDB` below
/// each spectrogram's maximum when given.
public final class AmplitudeToDB: Module {
    /// The `stype` argument it was made with.
    public let stype: SpectrumType
    /// The `top_db` argument it was made with.
    public let topDB: Double?
    let multiplier: Double, amin = 1e-10, dbMultiplier: Double

    /// `AmplitudeToDB(…)`, with torchaudio's arguments and defaults.
    public init(stype: SpectrumType = .power, topDB: Double? = nil) {
        precondition(topDB.map { $0 >= 0 } ?? true, "AmplitudeToDB: top_db must be positive value")
        (self.stype, self.topDB) = (stype, topDB)
        multiplier = stype == .power ? 10 : 20
        dbMultiplier = log10(Swift.max(amin, 1))
        super.init()
    }

    /// `x` in decibels, clamped `topDB` below its maximum when set.
    public override func forward(_ x: Tensor) -> Tensor {
        AudioFunctional.amplitudeToDB(x, multiplier: multiplier, amin: amin, dbMultiplier: dbMultiplier, topDB: topDB)
    }
}

/// Mel-frequency cepstral coefficients of waveforms [..., time]: [..., nMFCC, time] (`torchaudio.transforms.MFCC`):
/// the DCT-II (`dct_mat` buffer) of the decibel (or, with `logMels`, log) mel spectrogram.
public final class MFCC: Module {
    /// The `sample_rate`, `n_mfcc` and `dct_type` arguments it was made with.
    public let sampleRate: Int, nMFCC: Int, dctType: Int
    /// The `norm` argument it was made with.
    public let norm: DCTNorm?
    /// The `log_mels` argument it was made with.
    public let logMels: Bool
    /// The decibels' dynamic range, fixed at 80 as in torchaudio's MFCC.
    public let topDB = 80.0
    /// The `amplitude_to_db` submodule.
    public let amplitudeToDB: AmplitudeToDB
    /// The `mel_spectrogram` submodule.
    public let melSpectrogram: MelSpectrogram
    /// The `dct_mat` buffer, saved in the state dict.
    @Buffer public var dctMat: Tensor?

    /// `MFCC(…)`, with torchaudio's arguments and defaults.
    ///
    /// - Parameters:
    ///   - sampleRate: the waveform's sample rate.
    ///   - nMFCC: the coefficients kept.
    ///   - dctType: the DCT's type; only 2, as torchaudio.
    ///   - norm: the DCT's normalisation (`.ortho`), or none.
    ///   - logMels: the log of the mel spectrogram (plus 1e-6) instead of its decibels.
    ///   - melkwargs: the mel spectrogram's arguments (its defaults when nil).
    public init(sampleRate: Int = 16000, nMFCC: Int = 40, dctType: Int = 2, norm: DCTNorm? = .ortho, logMels: Bool = false,
                melkwargs: MelSpectrogramOptions? = nil) {
        precondition(dctType == 2, "MFCC: DCT type not supported: \(dctType)")
        (self.sampleRate, self.nMFCC, self.dctType, self.norm, self.logMels) = (sampleRate, nMFCC, dctType, norm, logMels)
        amplitudeToDB = AmplitudeToDB(stype: .power, topDB: topDB)
        melSpectrogram = MelSpectrogram(sampleRate: sampleRate, options: melkwargs ?? MelSpectrogramOptions())
        precondition(nMFCC <= melSpectrogram.nMels, "MFCC: Cannot select more MFCC coefficients than # mel bins")
        super.init()
        dctMat = AudioFunctional.createDCT(nMFCC: nMFCC, nMels: melSpectrogram.nMels, norm: norm)
    }

    /// torchaudio's attribute names, which are not camelCase: `amplitude_to_DB`, `MelSpectrogram`, `dct_mat`.
    public override var members: [(name: String, member: Member)] {
        [("amplitude_to_DB", .module(amplitudeToDB)), ("MelSpectrogram", .module(melSpectrogram)), ("dct_mat", .buffer(dctMat))]
    }

    /// The MFCCs of `waveform` [..., time].
    public override func forward(_ waveform: Tensor) -> Tensor {
        AudioFunctional.cepstrum(melSpectrogram(waveform), logarithmic: logMels, decibels: amplitudeToDB, dct: dctMat!)
    }
}

/// Mel spectrograms [..., nMels, time] back to linear spectrograms [..., nSTFT, time] by least squares against the
/// mel filters, negative values clipped (`torchaudio.transforms.InverseMelScale`).
public final class InverseMelScale: Module {
    /// The `n_stft`, `n_mels`, `sample_rate`, `f_min` and `f_max` arguments it was made with.
    public let nSTFT: Int, nMels: Int, sampleRate: Int, fMin: Double, fMax: Double
    /// The `norm` argument it was made with.
    public let norm: MelNorm?
    /// The `mel_scale` argument it was made with.
    public let melScale: MelScaleKind
    /// The LAPACK driver of the least squares: "gels", "gelsy", "gelsd" or "gelss".
    public let driver: String
    /// The `fb` buffer, saved in the state dict.
    @Buffer public var fb: Tensor?

    /// `InverseMelScale(…)`, with torchaudio's arguments and defaults.
    public init(nSTFT: Int, nMels: Int = 128, sampleRate: Int = 16000, fMin: Double = 0, fMax: Double? = nil, norm: MelNorm? = nil,
                melScale: MelScaleKind = .htk, driver: String = "gels") {
        let fMax = fMax ?? Double(sampleRate / 2)
        precondition(fMin <= fMax, "InverseMelScale: Require f_min: \(fMin) <= f_max: \(fMax)")
        precondition(["gels", "gelsy", "gelsd", "gelss"].contains(driver),
                     "InverseMelScale: driver must be one of [\"gels\", \"gelsy\", \"gelsd\", \"gelss\"]. Found \(driver).")
        (self.nSTFT, self.nMels, self.sampleRate, self.fMin, self.fMax) = (nSTFT, nMels, sampleRate, fMin, fMax)
        (self.norm, self.melScale, self.driver) = (norm, melScale, driver)
        super.init()
        fb = AudioFunctional.melscaleFbanks(nFreqs: nSTFT, fMin: fMin, fMax: fMax, nMels: nMels, sampleRate: sampleRate, norm: norm,
                                            melScale: melScale)
    }

    /// The linear spectrogram whose mel spectrogram is closest to `melspec`, by least squares.
    public override func forward(_ melspec: Tensor) -> Tensor {
        let shape = melspec.shape
        precondition(shape.count >= 2 && shape[shape.count - 2] == nMels,
                     "InverseMelScale: Expected an input with \(nMels) mel bins. Found: \(shape.count >= 2 ? shape[shape.count - 2] : 0)")
        let packed = melspec.reshape(-1, nMels, shape.last!)
        let solution = Tensor.lstsq(fb!.t().unsqueeze(0), packed, driver: driver).solution.relu()
        return solution.reshape(Array(shape.dropLast(2)) + [nSTFT, shape.last!])
    }
}

/// Linear-frequency cepstral coefficients of waveforms [..., time]: [..., nLFCC, time] (`torchaudio.transforms.LFCC`):
/// the DCT-II of the decibel (or, with `logLf`, log) spectrogram through `nFilter` linear triangular filters.
public final class LFCC: Module {
    /// The `sample_rate`, `n_filter`, `f_min`, `f_max`, `n_lfcc` and `dct_type` arguments it was made with.
    public let sampleRate: Int, nFilter: Int, fMin: Double, fMax: Double, nLFCC: Int, dctType: Int
    /// The `norm` argument it was made with.
    public let norm: DCTNorm?
    /// The `log_lf` argument it was made with.
    public let logLf: Bool
    /// The decibels' dynamic range, fixed at 80 as in torchaudio's LFCC.
    public let topDB = 80.0
    /// The `amplitude_to_db` submodule.
    public let amplitudeToDB: AmplitudeToDB
    /// The `spectrogram` submodule.
    public let spectrogram: Spectrogram
    /// The `filter_mat` buffer, saved in the state dict.
    @Buffer public var filterMat: Tensor?
    /// The `dct_mat` buffer, saved in the state dict.
    @Buffer public var dctMat: Tensor?

    /// `LFCC(…)`, with torchaudio's arguments and defaults.
    ///
    /// - Parameters:
    ///   - sampleRate: the waveform's sample rate.
    ///   - nFilter: the linear triangular filters.
    ///   - fMin: the lowest frequency.
    ///   - fMax: the highest frequency, sampleRate / 2 when nil.
    ///   - nLFCC: the coefficients kept.
    ///   - dctType: the DCT's type; only 2, as torchaudio.
    ///   - norm: the DCT's normalisation (`.ortho`), or none.
    ///   - logLf: the log of the filtered spectrogram (plus 1e-6) instead of its decibels.
    ///   - spectrogram: the spectrogram to start from (torchaudio's `speckwargs`), `Spectrogram()` when nil.
    public init(sampleRate: Int = 16000, nFilter: Int = 128, fMin: Double = 0, fMax: Double? = nil, nLFCC: Int = 40, dctType: Int = 2,
                norm: DCTNorm? = .ortho, logLf: Bool = false, spectrogram: Spectrogram? = nil) {
        precondition(dctType == 2, "LFCC: DCT type not supported: \(dctType)")
        (self.sampleRate, self.nFilter, self.fMin, self.fMax) = (sampleRate, nFilter, fMin, fMax ?? Double(sampleRate / 2))
        (self.nLFCC, self.dctType, self.norm, self.logLf) = (nLFCC, dctType, norm, logLf)
        amplitudeToDB = AmplitudeToDB(stype: .power, topDB: topDB)
        self.spectrogram = spectrogram ?? Spectrogram()
        precondition(nLFCC <= self.spectrogram.nFFT, "LFCC: Cannot select more LFCC coefficients than # fft bins")
        super.init()
        filterMat = AudioFunctional.linearFbanks(nFreqs: self.spectrogram.nFFT / 2 + 1, fMin: fMin, fMax: self.fMax, nFilter: nFilter,
                                                 sampleRate: sampleRate)
        dctMat = AudioFunctional.createDCT(nMFCC: nLFCC, nMels: nFilter, norm: norm)
    }

    /// torchaudio's attribute names: `amplitude_to_DB`, `Spectrogram`, `filter_mat`, `dct_mat`.
    public override var members: [(name: String, member: Member)] {
        [("amplitude_to_DB", .module(amplitudeToDB)), ("Spectrogram", .module(spectrogram)), ("filter_mat", .buffer(filterMat)),
         ("dct_mat", .buffer(dctMat))]
    }

    /// The LFCCs of `waveform` [..., time].
    public override func forward(_ waveform: Tensor) -> Tensor {
        let filtered = AudioFunctional.alongFrequency(spectrogram(waveform), filterMat!)
        return AudioFunctional.cepstrum(filtered, logarithmic: logLf, decibels: amplitudeToDB, dct: dctMat!)
    }
}
