// The spectral transforms of torchaudio as modules: Spectrogram, MelScale, MelSpectrogram, MFCC and
// AmplitudeToDB, with torchaudio's defaults, buffers and state-dict keys.
import Ember
import Foundation

/// The spectrogram of waveforms [..., time]: [..., nFFT/2 + 1, frames] (`torchaudio.transforms.Spectrogram`). The
/// window (default: periodic Hann of `winLength`) is the `window` buffer. With `power` nil the complex spectrum
/// comes as real pairs [..., freq, frames, 2], as Ember has no complex dtypes yet.
public final class Spectrogram: Module {
    public let nFFT: Int, winLength: Int, hopLength: Int, pad: Int
    public let power: Double?
    public let normalized: SpectrogramNormalization
    public let center: Bool, padMode: PaddingMode, onesided: Bool
    @Buffer public var window: Tensor?

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

    public override func forward(_ waveform: Tensor) -> Tensor {
        AudioFunctional.spectrogram(waveform, pad: pad, window: window!, nFFT: nFFT, hopLength: hopLength, winLength: winLength,
                                    power: power, normalized: normalized, center: center, padMode: padMode, onesided: onesided)
    }
}

/// Spectrograms [..., freq, time] to mel spectrograms [..., nMels, time] through triangular filters, the `fb`
/// buffer [nSTFT, nMels] (`torchaudio.transforms.MelScale`).
public final class MelScale: Module {
    public let nMels: Int, sampleRate: Int, fMin: Double, fMax: Double, nSTFT: Int
    public let norm: MelNorm?
    public let melScale: MelScaleKind
    @Buffer public var fb: Tensor?

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

    public override func forward(_ specgram: Tensor) -> Tensor {
        AudioFunctional.alongFrequency(specgram, fb!)
    }
}

/// The mel spectrogram of waveforms [..., time]: a `Spectrogram` then a `MelScale` (`torchaudio.transforms.MelSpectrogram`).
public final class MelSpectrogram: Module {
    public let sampleRate: Int, nFFT: Int, winLength: Int, hopLength: Int, nMels: Int
    public let spectrogram: Spectrogram
    public let melScale: MelScale

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

    public override func forward(_ waveform: Tensor) -> Tensor {
        melScale(spectrogram(waveform))
    }
}

/// The arguments of a `MelSpectrogram` other than its sample rate, with its defaults (MFCC's `melkwargs`).
public struct MelSpectrogramOptions {
    public var nFFT = 400
    public var winLength: Int? = nil, hopLength: Int? = nil
    public var fMin = 0.0
    public var fMax: Double? = nil
    public var pad = 0, nMels = 128
    public var windowFn: (Int) -> Tensor = { Tensor.hannWindow($0) }
    public var power = 2.0
    public var normalized: SpectrogramNormalization = false
    public var center = true
    public var padMode = PaddingMode.reflect
    public var norm: MelNorm? = nil
    public var melScale = MelScaleKind.htk

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
    public let stype: SpectrumType
    public let topDB: Double?
    let multiplier: Double, amin = 1e-10, dbMultiplier: Double

    public init(stype: SpectrumType = .power, topDB: Double? = nil) {
        precondition(topDB.map { $0 >= 0 } ?? true, "AmplitudeToDB: top_db must be positive value")
        (self.stype, self.topDB) = (stype, topDB)
        multiplier = stype == .power ? 10 : 20
        dbMultiplier = log10(Swift.max(amin, 1))
        super.init()
    }

    public override func forward(_ x: Tensor) -> Tensor {
        AudioFunctional.amplitudeToDB(x, multiplier: multiplier, amin: amin, dbMultiplier: dbMultiplier, topDB: topDB)
    }
}

/// Mel-frequency cepstral coefficients of waveforms [..., time]: [..., nMFCC, time] (`torchaudio.transforms.MFCC`):
/// the DCT-II (`dct_mat` buffer) of the decibel (or, with `logMels`, log) mel spectrogram.
public final class MFCC: Module {
    public let sampleRate: Int, nMFCC: Int, dctType: Int
    public let norm: DCTNorm?
    public let logMels: Bool
    public let topDB = 80.0
    public let amplitudeToDB: AmplitudeToDB
    public let melSpectrogram: MelSpectrogram
    @Buffer public var dctMat: Tensor?

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

    public override func forward(_ waveform: Tensor) -> Tensor {
        AudioFunctional.cepstrum(melSpectrogram(waveform), logarithmic: logMels, decibels: amplitudeToDB, dct: dctMat!)
    }
}

/// Mel spectrograms [..., nMels, time] back to linear spectrograms [..., nSTFT, time] by least squares against the
/// mel filters, negative values clipped (`torchaudio.transforms.InverseMelScale`).
public final class InverseMelScale: Module {
    public let nSTFT: Int, nMels: Int, sampleRate: Int, fMin: Double, fMax: Double
    public let norm: MelNorm?
    public let melScale: MelScaleKind
    /// The LAPACK driver of the least squares: "gels", "gelsy", "gelsd" or "gelss".
    public let driver: String
    @Buffer public var fb: Tensor?

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
    public let sampleRate: Int, nFilter: Int, fMin: Double, fMax: Double, nLFCC: Int, dctType: Int
    public let norm: DCTNorm?
    public let logLf: Bool
    public let topDB = 80.0
    public let amplitudeToDB: AmplitudeToDB
    public let spectrogram: Spectrogram
    @Buffer public var filterMat: Tensor?
    @Buffer public var dctMat: Tensor?

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

    public override func forward(_ waveform: Tensor) -> Tensor {
        let filtered = AudioFunctional.alongFrequency(spectrogram(waveform), filterMat!)
        return AudioFunctional.cepstrum(filtered, logarithmic: logLf, decibels: amplitudeToDB, dct: dctMat!)
    }
}
