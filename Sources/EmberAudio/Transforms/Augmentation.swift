// Augmentations: SpecAugment's frequency and time masks (drawing from Ember's generator as torchaudio draws from
// torch's, so a seed masks the same bands), volume and fades.
import Ember
import Foundation

extension AudioFunctional {
    /// Masks one band [v₀, v₀ + v) of `axis` (one of the last two) in every spectrogram alike, v drawn from
    /// uniform(0, maxV) and v₀ from uniform(0, size - v), maxV = maskParam (or at most p·size)
    /// (`torchaudio.functional.mask_along_axis`).
    public static func maskAlongAxis(_ specgram: Tensor, maskParam: Int, maskValue: Double, axis: Int, p: Double = 1) -> Tensor {
        let dim = specgram.dim, size = specgram.size(axis)
        let maskParam = checkedMaskParam("mask_along_axis", maskParam, rank: dim, minimumRank: 2, axis: axis, size: size, p: p)
        if maskParam < 1 { return specgram }
        let value = Tensor.rand(1) * Double(maskParam)
        let minValue = Tensor.rand(1) * (Double(size) - value)
        let start = minValue.long().item(), end = start + value.long().item()  // item() is a Double
        let positions = Tensor.arange(Double(0), Double(size), dtype: specgram.dtype, device: specgram.device)
        var mask = (positions .>= start) & (positions .< end)
        if axis == dim - 2 { mask = mask.unsqueeze(-1) }
        return specgram.maskedFill(mask, maskValue)
    }

    /// Masks a band of `axis` (one of the last two) drawn independently for every example and channel of
    /// spectrograms [..., freq, time] with at least 3 dimensions (`torchaudio.functional.mask_along_axis_iid`).
    public static func maskAlongAxisIID(_ specgrams: Tensor, maskParam: Int, maskValue: Double, axis: Int, p: Double = 1) -> Tensor {
        let dim = specgrams.dim, size = specgrams.size(axis)
        let maskParam = checkedMaskParam("mask_along_axis_iid", maskParam, rank: dim, minimumRank: 3, axis: axis, size: size, p: p)
        if maskParam < 1 { return specgrams }
        let batchShape = Array(specgrams.shape.prefix(dim - 2))
        let value = Tensor.rand(batchShape, dtype: specgrams.dtype, device: specgrams.device) * Double(maskParam)
        let minValue = Tensor.rand(batchShape, dtype: specgrams.dtype, device: specgrams.device) * (Double(size) - value)
        let start = minValue.long().unsqueeze(-1).unsqueeze(-1), end = (minValue.long() + value.long()).unsqueeze(-1).unsqueeze(-1)
        let positions = Tensor.arange(Double(0), Double(size), dtype: specgrams.dtype, device: specgrams.device)
        let moved = specgrams.transpose(axis, -1)
        return moved.maskedFill((positions .>= start) & (positions .< end), maskValue).transpose(axis, -1)
    }

    /// The largest mask length, maskParam or at most p·size, after torchaudio's checks of the arguments.
    private static func checkedMaskParam(_ op: String, _ maskParam: Int, rank: Int, minimumRank: Int, axis: Int, size: Int,
                                         p: Double) -> Int {
        precondition(rank >= minimumRank, "\(op): Spectrogram must have at least \(minimumRank) dimensions (\(rank) given).")
        precondition(axis == rank - 2 || axis == rank - 1, "\(op): Only Frequency and Time masking are supported "
                     + "(axis \(rank - 2) and axis \(rank - 1) supported; \(axis) given).")
        precondition(p >= 0 && p <= 1, "\(op): The value of p must be between 0.0 and 1.0 (\(p) given).")
        return p == 1 ? maskParam : Swift.min(maskParam, Int(Double(size) * p))
    }

    /// The waveform amplified by `gainDB` decibels (`torchaudio.functional.gain`).
    public static func gain(_ waveform: Tensor, gainDB: Double = 1) -> Tensor {
        gainDB == 0 ? waveform : waveform * pow(10, gainDB / 20)
    }
}

/// SpecAugment's frequency masking of spectrograms [..., freq, time] (`torchaudio.transforms.FrequencyMasking`).
public final class FrequencyMasking: Module {
    /// The `freq_mask_param` and `iid_masks` arguments it was made with.
    public let freqMaskParam: Int, iidMasks: Bool

    /// `FrequencyMasking(…)`, with torchaudio's arguments and defaults.
    ///
    /// - Parameters:
    ///   - freqMaskParam: the widest mask, in frequencies; each width is drawn from [0, freqMaskParam).
    ///   - iidMasks: a different mask for each example and channel (inputs of 3 or more dimensions).
    public init(freqMaskParam: Int, iidMasks: Bool = false) {
        (self.freqMaskParam, self.iidMasks) = (freqMaskParam, iidMasks)
        super.init()
    }

    /// `specgram` with one frequency band masked to zero.
    public override func forward(_ specgram: Tensor) -> Tensor { callAsFunction(specgram, maskValue: 0) }

    /// Masks with `maskValue`.
    public func callAsFunction(_ specgram: Tensor, maskValue: Double) -> Tensor {
        axisMasked(specgram, maskParam: freqMaskParam, maskValue: maskValue, axis: specgram.dim - 2, iid: iidMasks, p: 1)
    }
}

/// SpecAugment's time masking of spectrograms [..., freq, time], at most `p` of the frames
/// (`torchaudio.transforms.TimeMasking`).
public final class TimeMasking: Module {
    /// The `time_mask_param`, `iid_masks` and `p` arguments it was made with.
    public let timeMaskParam: Int, iidMasks: Bool, p: Double

    /// `TimeMasking(…)`, with torchaudio's arguments and defaults.
    public init(timeMaskParam: Int, iidMasks: Bool = false, p: Double = 1) {
        precondition(p >= 0 && p <= 1, "TimeMasking: The value of p must be between 0.0 and 1.0 (\(p) given).")
        (self.timeMaskParam, self.iidMasks, self.p) = (timeMaskParam, iidMasks, p)
        super.init()
    }

    /// `specgram` with one time band masked to zero.
    public override func forward(_ specgram: Tensor) -> Tensor { callAsFunction(specgram, maskValue: 0) }

    /// Masks with `maskValue`.
    public func callAsFunction(_ specgram: Tensor, maskValue: Double) -> Tensor {
        axisMasked(specgram, maskParam: timeMaskParam, maskValue: maskValue, axis: specgram.dim - 1, iid: iidMasks, p: p)
    }
}

private func axisMasked(_ specgram: Tensor, maskParam: Int, maskValue: Double, axis: Int, iid: Bool, p: Double) -> Tensor {
    iid && specgram.dim >= 3
        ? AudioFunctional.maskAlongAxisIID(specgram, maskParam: maskParam, maskValue: maskValue, axis: axis, p: p)
        : AudioFunctional.maskAlongAxis(specgram, maskParam: maskParam, maskValue: maskValue, axis: axis, p: p)
}

/// How `Vol`'s gain is given (torchaudio's `gain_type`).
public enum GainType: String, StringOption, Sendable {
    /// An amplitude ratio.
    case amplitude
    /// A power ratio.
    case power
    /// Decibels.
    case db
}

/// The waveform's volume changed by `gain` and clamped to [-1, 1] (`torchaudio.transforms.Vol`).
public final class Vol: Module {
    /// The `gain` and `gain_type` arguments it was made with.
    public let gain: Double, gainType: GainType

    /// `Vol(…)`, with torchaudio's arguments and defaults.
    public init(gain: Double, gainType: GainType = .amplitude) {
        precondition(gainType == .db || gain >= 0, "Vol: If gain_type = amplitude or power, gain must be positive.")
        (self.gain, self.gainType) = (gain, gainType)
        super.init()
    }

    /// `waveform` scaled by the gain, then clamped to [-1, 1].
    public override func forward(_ waveform: Tensor) -> Tensor {
        let scaled: Tensor
        switch gainType {
        case .amplitude: scaled = waveform * gain
        case .db: scaled = AudioFunctional.gain(waveform, gainDB: gain)
        case .power: scaled = AudioFunctional.gain(waveform, gainDB: 10 * log10(gain))
        }
        return scaled.clamp(min: -1, max: 1)
    }
}

/// The curve of a fade (torchaudio's `fade_shape`).
public enum FadeShape: String, StringOption, Sendable {
    /// A linear, exponential or logarithmic ramp.
    case linear, exponential, logarithmic
    /// A quarter of a sine period.
    case quarterSine = "quarter_sine"
    /// Half a sine period.
    case halfSine = "half_sine"
}

/// A fade-in over the first `fadeInLen` and a fade-out over the last `fadeOutLen` samples (`torchaudio.transforms.Fade`).
public final class Fade: Module {
    /// The `fade_in_len`, `fade_out_len` and `fade_shape` arguments it was made with.
    public let fadeInLen: Int, fadeOutLen: Int, fadeShape: FadeShape

    /// `Fade(…)`, with torchaudio's arguments and defaults.
    public init(fadeInLen: Int = 0, fadeOutLen: Int = 0, fadeShape: FadeShape = .linear) {
        (self.fadeInLen, self.fadeOutLen, self.fadeShape) = (fadeInLen, fadeOutLen, fadeShape)
        super.init()
    }

    /// `waveform` with its fade-in and fade-out applied.
    public override func forward(_ waveform: Tensor) -> Tensor {
        let length = waveform.size(-1), device = waveform.device
        return fadeIn(length).to(device) * fadeOut(length).to(device) * waveform
    }

    private func fadeIn(_ length: Int) -> Tensor {
        var fade = Tensor.linspace(0, 1, steps: fadeInLen)
        switch fadeShape {
        case .linear: break
        case .exponential: fade = Tensor(2.0).pow(fade - 1) * fade
        case .logarithmic: fade = (fade + 0.1).log10() + 1
        case .quarterSine: fade = (fade * Double.pi / 2).sin()
        case .halfSine: fade = (fade * Double.pi - Double.pi / 2).sin() / 2 + 0.5
        }
        return Tensor.cat([fade, Tensor.ones(length - fadeInLen)]).clamp(min: 0, max: 1)
    }

    private func fadeOut(_ length: Int) -> Tensor {
        var fade = Tensor.linspace(0, 1, steps: fadeOutLen)
        switch fadeShape {
        case .linear: fade = -fade + 1
        case .exponential: fade = Tensor(2.0).pow(-fade) * (1 - fade)
        case .logarithmic: fade = (1.1 - fade).log10() + 1
        case .quarterSine: fade = (fade * Double.pi / 2 + Double.pi / 2).sin()
        case .halfSine: fade = (fade * Double.pi + Double.pi / 2).sin() / 2 + 0.5
        }
        return Tensor.cat([Tensor.ones(length - fadeOutLen), fade]).clamp(min: 0, max: 1)
    }
}

/// SpecAugment: `nTimeMasks` time masks then `nFreqMasks` frequency masks, filled with the spectrogram's mean (zero
/// with `zeroMasking`), independent per example and channel with `iidMasks` (`torchaudio.transforms.SpecAugment`).
public final class SpecAugment: Module {
    /// The `n_time_masks`, `time_mask_param`, `n_freq_masks` and `freq_mask_param` arguments it was made with.
    public let nTimeMasks: Int, timeMaskParam: Int, nFreqMasks: Int, freqMaskParam: Int
    /// The `iid_masks`, `p` and `zero_masking` arguments it was made with.
    public let iidMasks: Bool, p: Double, zeroMasking: Bool

    /// `SpecAugment(…)`, with torchaudio's arguments and defaults.
    public init(nTimeMasks: Int, timeMaskParam: Int, nFreqMasks: Int, freqMaskParam: Int, iidMasks: Bool = true, p: Double = 1,
                zeroMasking: Bool = false) {
        (self.nTimeMasks, self.timeMaskParam, self.nFreqMasks, self.freqMaskParam) = (nTimeMasks, timeMaskParam, nFreqMasks, freqMaskParam)
        (self.iidMasks, self.p, self.zeroMasking) = (iidMasks, p, zeroMasking)
        super.init()
    }

    /// `specgram` with SpecAugment's time and frequency masks.
    public override func forward(_ specgram: Tensor) -> Tensor {
        let maskValue = zeroMasking ? 0 : specgram.mean().item()
        let timeDim = specgram.dim - 1, iid = iidMasks && specgram.dim > 2
        var masked = specgram
        for _ in 0..<nTimeMasks {
            masked = axisMasked(masked, maskParam: timeMaskParam, maskValue: maskValue, axis: timeDim, iid: iid, p: p)
        }
        for _ in 0..<nFreqMasks {
            masked = axisMasked(masked, maskParam: freqMaskParam, maskValue: maskValue, axis: timeDim - 1, iid: iid, p: p)
        }
        return masked
    }
}

extension AudioFunctional {
    /// Delta coefficients of spectrograms [..., freq, time] along time: Σₖ k·(x[t+k] - x[t-k]) / (2·Σₖ k²) for
    /// k ≤ (winLength - 1)/2, the edges padded by `mode` (`torchaudio.functional.compute_deltas`).
    public static func computeDeltas(_ specgram: Tensor, winLength: Int = 5, mode: PaddingMode = .replicate) -> Tensor {
        precondition(winLength >= 3, "compute_deltas: Window length should be greater than or equal to 3. Found win_length \(winLength)")
        let shape = specgram.shape
        let rows = specgram.reshape(1, -1, shape.last!)
        let n = (winLength - 1) / 2
        let denominator = Double(n * (n + 1) * (2 * n + 1)) / 3
        let padded = F.pad(rows, [n, n], mode: mode)
        let kernel = Tensor.arange(Double(-n), Double(n + 1), dtype: specgram.dtype, device: specgram.device)
            .view(1, 1, -1).expand([rows.size(1), 1, 2 * n + 1])
        return (F.conv1d(padded, kernel, groups: rows.size(1)) / denominator).reshape(shape)
    }

    /// The waveform [..., time] with y[t] = x[t] - coeff·x[t-1] (`torchaudio.functional.preemphasis`).
    public static func preemphasis(_ waveform: Tensor, coeff: Double = 0.97) -> Tensor {
        let length = waveform.size(-1)
        guard length > 1 else { return waveform.clone() }
        let head = waveform.narrow(-1, start: 0, length: 1)
        let rest = waveform.narrow(-1, start: 1, length: length - 1) - waveform.narrow(-1, start: 0, length: length - 1) * coeff
        return Tensor.cat([head, rest], dim: -1)
    }
}

/// Delta coefficients of spectrograms along time (`torchaudio.transforms.ComputeDeltas`).
public final class ComputeDeltas: Module {
    /// The `win_length` and `mode` arguments it was made with.
    public let winLength: Int, mode: PaddingMode

    /// `ComputeDeltas(…)`, with torchaudio's arguments and defaults.
    public init(winLength: Int = 5, mode: PaddingMode = .replicate) {
        (self.winLength, self.mode) = (winLength, mode)
        super.init()
    }

    /// The deltas of `specgram` along time.
    public override func forward(_ specgram: Tensor) -> Tensor {
        AudioFunctional.computeDeltas(specgram, winLength: winLength, mode: mode)
    }
}
