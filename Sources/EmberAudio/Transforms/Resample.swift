// Band-limited resampling: torchaudio's windowed-sinc filter bank, one filter per output phase, applied as a
// convolution with a stride of the (reduced) input rate.
import Ember
import Foundation

/// Resampling from `origFreq` to `newFreq` (both divided by their gcd): its filters, and how to apply them.
struct SincResampler {
    let origFreq: Int, newFreq: Int
    /// Input samples each filter reaches on either side.
    let width: Int
    private let lowpassFilterWidth: Int, baseFreq: Double, method: ResamplingMethod, beta: Double?

    init(origFreq: Int, newFreq: Int, lowpassFilterWidth: Int, rolloff: Double, method: ResamplingMethod, beta: Double?) {
        precondition(lowpassFilterWidth > 0, "resample: Low pass filter width should be positive.")
        let gcd = greatestCommonDivisor(origFreq, newFreq)
        (self.origFreq, self.newFreq) = (origFreq / gcd, newFreq / gcd)
        (self.lowpassFilterWidth, self.method, self.beta) = (lowpassFilterWidth, method, beta)
        baseFreq = Double(Swift.min(self.origFreq, self.newFreq)) * rolloff
        width = Int((Double(lowpassFilterWidth) * Double(self.origFreq) / baseFreq).rounded(.up))
    }

    /// The filter of each output phase, [newFreq, 1, 2·width + origFreq], built in `dtype` with tensor ops as
    /// torchaudio's `_get_sinc_resample_kernel` builds them; the output phases j/newFreq are computed in
    /// `phaseDType` (float32 where torchaudio divides an integer arange by default).
    func filters(dtype: DType, phaseDType: DType) -> Tensor {
        let (orig, new) = (origFreq, newFreq)
        let filterWidth = Double(lowpassFilterWidth)
        let index = Tensor.arange(Double(-width), Double(width + orig), dtype: dtype).view(1, 1, -1) / Double(orig)
        let phases = Tensor.arange(Double(0), Double(-new), step: -1, dtype: phaseDType).view(-1, 1, 1) / Double(new)
        var t = phases.to(dtype) + index
        t = (t * baseFreq).clamp(min: -filterWidth, max: filterWidth)
        let window: Tensor
        switch method {
        case .sincInterpHann:
            window = (t * Double.pi / filterWidth / 2).cos().pow(2)
        case .sincInterpKaiser:
            let beta = Tensor(beta ?? 14.769656459379492).to(.float32)  // torch.tensor(float(beta)), a float32 scalar
            window = (beta * (1 - (t / filterWidth).pow(2)).sqrt()).i0() / beta.i0()
        }
        t = t * Double.pi
        let scale = baseFreq / Double(orig)
        let one = Tensor.ones([], dtype: dtype)
        return Tensor.where(t .== 0, one, t.sin() / t) * (window * scale)
    }

    /// Resamples waveforms [..., time] with `filters` (these filters, on the waveform's device and in a dtype it
    /// combines with): the output has ⌈newFreq·time / origFreq⌉ samples.
    func apply(_ waveform: Tensor, filters: Tensor) -> Tensor {
        let shape = waveform.shape, length = shape.last!
        let rows = waveform.reshape(-1, length)
        let padded = F.pad(rows, [width, width + origFreq], mode: .constant)
        let phases = F.conv1d(padded.unsqueeze(1), filters, stride: origFreq)
        let interleaved = phases.transpose(1, 2).reshape(rows.size(0), -1)
        let targetLength = Int((Double(newFreq) * Double(length) / Double(origFreq)).rounded(.up))
        let resampled = interleaved.narrow(1, start: 0, length: Swift.min(targetLength, interleaved.size(1)))
        return resampled.reshape(Array(shape.dropLast()) + [resampled.size(1)])
    }
}

func greatestCommonDivisor(_ a: Int, _ b: Int) -> Int { b == 0 ? a : greatestCommonDivisor(b, a % b) }

/// Resamples waveforms [..., time] from `origFreq` to `newFreq` Hz (`torchaudio.transforms.Resample`). The filters
/// are built once, in float64 and kept in float32 (`dtype: .float64` keeps them in float64), as the `kernel` buffer.
public final class Resample: Module {
    /// The `orig_freq` and `new_freq` arguments it was made with.
    public let origFreq: Int, newFreq: Int
    /// The `resampling_method` argument it was made with.
    public let resamplingMethod: ResamplingMethod
    /// The `lowpass_filter_width` argument it was made with.
    public let lowpassFilterWidth: Int
    /// The `rolloff` argument it was made with.
    public let rolloff: Double
    /// The `beta` argument it was made with.
    public let beta: Double?
    private let resampler: SincResampler?
    /// The `kernel` buffer, saved in the state dict.
    @Buffer public var kernel: Tensor?

    /// `Resample(…)`, with torchaudio's arguments and defaults.
    public init(origFreq: Int = 16000, newFreq: Int = 16000, resamplingMethod: ResamplingMethod = .sincInterpHann,
                lowpassFilterWidth: Int = 6, rolloff: Double = 0.99, beta: Double? = nil, dtype: DType? = nil) {
        precondition(origFreq > 0 && newFreq > 0, "Resample: Original frequency and desired frequency should be positive")
        (self.origFreq, self.newFreq, self.resamplingMethod) = (origFreq, newFreq, resamplingMethod)
        (self.lowpassFilterWidth, self.rolloff, self.beta) = (lowpassFilterWidth, rolloff, beta)
        if origFreq != newFreq {
            let resampler = SincResampler(origFreq: origFreq, newFreq: newFreq, lowpassFilterWidth: lowpassFilterWidth, rolloff: rolloff,
                                          method: resamplingMethod, beta: beta)
            self.resampler = resampler
            kernel = resampler.filters(dtype: dtype ?? .float64, phaseDType: dtype ?? .float32).to(dtype ?? .float32)
        } else {
            resampler = nil
        }
        super.init()
    }

    /// `waveform` [..., time] at the new rate.
    public override func forward(_ waveform: Tensor) -> Tensor {
        guard let resampler, let kernel else { return waveform }
        precondition(waveform.dtype.isFloatingPoint, "Resample: Expected floating point type for waveform tensor, but received \(waveform.dtype)")
        return resampler.apply(waveform, filters: kernel)
    }
}
