// Fourier transforms of tensors: the short-time Fourier transform (`torch.stft`) and the frequency helpers of
// `torch.fft`. Inside, complex values are carried as real pairs in a trailing dimension of 2, the layout of
// `torch.view_as_real`; the transforms themselves run in the backend (`fourierTransform`).
import Foundation

/// The frequency helpers of `torch.fft`.
public enum FFT {
    /// The sample frequencies of an n-point transform with sample spacing `d`: [0, 1, …, -2, -1] / (d·n)
    /// (`torch.fft.fftfreq`).
    public static func fftfreq(_ n: Int, d: Double = 1, dtype: DType = defaultFloatDType, device: Device = .cpu) -> Tensor {
        let result = Tensor.arange(Double(0), Double(n), dtype: dtype, device: device)
        let negative = (n + 1) / 2
        if negative < n { result.narrow(0, start: negative, length: n - negative).sub_(Tensor(Double(n))) }
        return result * (1 / (Double(n) * d))
    }

    /// The non-negative sample frequencies of an n-point real transform: [0, 1, …, n/2] / (d·n)
    /// (`torch.fft.rfftfreq`).
    public static func rfftfreq(_ n: Int, d: Double = 1, dtype: DType = defaultFloatDType, device: Device = .cpu) -> Tensor {
        Tensor.arange(Double(0), Double(n / 2 + 1), dtype: dtype, device: device) * (1 / (Double(n) * d))
    }

    /// Moves the zero frequency to the centre of `dims` (all when nil) (`torch.fft.fftshift`).
    public static func fftshift(_ input: Tensor, dim dims: [Int]? = nil) -> Tensor {
        shifted(input, dims) { $0 / 2 }
    }

    /// The inverse of `fftshift` (`torch.fft.ifftshift`).
    public static func ifftshift(_ input: Tensor, dim dims: [Int]? = nil) -> Tensor {
        shifted(input, dims) { ($0 + 1) / 2 }
    }

    private static func shifted(_ input: Tensor, _ dims: [Int]?, by shift: (Int) -> Int) -> Tensor {
        let dims = (dims ?? Array(0..<input.dim)).map { normalizeDim($0, rank: input.dim, op: "fftshift", file: #fileID, line: #line) }
        return input.roll(dims.map { shift(input.shape[$0]) }, dims: dims)
    }
}

extension Tensor {
    /// The short-time Fourier transform of a signal [time] or a batch of them [batch, time] (`torch.stft`):
    /// complex [batch, nFFT/2 + 1, frames] (`onesided`) or [batch, nFFT, frames] with `returnComplex`, else the
    /// same as real pairs [..., 2] (`torch.view_as_real` of it). Frames of `nFFT`
    /// samples every `hopLength` (default nFFT/4) are multiplied by `window` (`winLength` long, default nFFT,
    /// centred in the frame; ones of `winLength` when nil), after padding the signal by nFFT/2 on both sides with `padMode` when
    /// `center`. `normalized` multiplies by nFFT^-1/2.
    public func stft(nFFT: Int, hopLength: Int? = nil, winLength: Int? = nil, window: Tensor? = nil, center: Bool = true,
                     padMode: PaddingMode = .reflect, normalized: Bool = false, onesided: Bool = true, returnComplex: Bool,
                     file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let op = "stft"
        check(dim == 1 || dim == 2, op, "expected a 1D or 2D tensor, but got a tensor of shape \(shapeText(shape))", file: file, line: line)
        check(dtype == .float32 || dtype == .float64, op, "expected a float32 or float64 signal, but got \(dtype)", file: file, line: line)
        let hop = hopLength ?? nFFT / 4, windowLength = winLength ?? nFFT
        var signal = dim == 1 ? unsqueeze(0) : self
        if center {
            let padding = nFFT / 2
            signal = Tensor.pad(signal.unsqueeze(0), [padding, padding], mode: padMode, file: file, line: line).squeeze(0)
        }
        let length = signal.shape[1]
        check(nFFT > 0 && nFFT <= length, op, "expected 0 < n_fft <= \(length), but got n_fft=\(nFFT)", file: file, line: line)
        check(hop > 0, op, "expected hop_length > 0, but got hop_length=\(hop)", file: file, line: line)
        check(windowLength > 0 && windowLength <= nFFT, op, "expected 0 < win_length <= n_fft, but got win_length=\(windowLength)",
              file: file, line: line)
        let weights = frameWindow(window, length: windowLength, nFFT: nFFT, op: op, file: file, line: line)
        let spectrum = signal.framedRealFourierPairs(frameLength: nFFT, hop: hop, window: weights,
                                                     scale: normalized ? 1 / Double(nFFT).squareRoot() : 1)
        let pairs = (onesided ? spectrum : spectrum.hermitianExtension(toLength: nFFT)).transpose(1, 2)
        let result = returnComplex ? pairs.viewAsComplex() : pairs
        return dim == 1 ? result.squeeze(0) : result
    }

    /// The inverse short-time Fourier transform (`torch.istft`): the signal [length] or [batch, length] whose `stft`
    /// is the spectrum `self`: complex [freq, frames] or [batch, freq, frames], or the same as real pairs [..., 2] (the
    /// layout of `torch.view_as_real`). Each frame's inverse transform (of its first nFFT/2 + 1
    /// bins, as `torch.fft.irfft` reads them) is multiplied by `window` and overlap-added every `hopLength` samples,
    /// then divided by the overlap-added squared window; `center` trims nFFT/2 samples from each end, and `length`
    /// trims or pads the result with zeros. `onesided` defaults to whether there are fewer than nFFT frequencies.
    /// Stops with PyTorch's message where the window's overlap-add comes near zero, where the result could not be
    /// divided by it.
    public func istft(nFFT: Int, hopLength: Int? = nil, winLength: Int? = nil, window: Tensor? = nil, center: Bool = true,
                      normalized: Bool = false, onesided: Bool? = nil, length: Int? = nil, returnComplex: Bool = false,
                      file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let op = "istft"
        check(!returnComplex, op, "complex signals are not supported; pass returnComplex: false", file: file, line: line)
        if isComplex {
            return viewAsReal().istft(nFFT: nFFT, hopLength: hopLength, winLength: winLength, window: window, center: center,
                                      normalized: normalized, onesided: onesided, length: length, file: file, line: line)
        }
        check((dim == 3 || dim == 4) && shape.last == 2, op, "expected a complex spectrum [freq, frames] or [batch, freq, frames], "
              + "or its real pairs [..., 2], but got a tensor of shape \(shapeText(shape))", file: file, line: line)
        check(dtype == .float32 || dtype == .float64, op, "expected a float32 or float64 spectrum, but got \(dtype)", file: file, line: line)
        let windowLength = winLength ?? nFFT, hop = hopLength ?? windowLength / 4
        let spectrum = dim == 3 ? unsqueeze(0) : self
        let bins = spectrum.shape[1], frameCount = spectrum.shape[2]
        let isOnesided = onesided ?? (bins != nFFT)
        if isOnesided {
            check(bins == nFFT / 2 + 1, op, "expected the frequency dimension (3rd to the last) of the input tensor to match n_fft / 2 + 1 "
                  + "when onesided=True, but got \(bins)", file: file, line: line)
        } else {
            check(bins == nFFT, op, "expected the frequency dimension (3rd to the last) of the input tensor to match n_fft when "
                  + "onesided=False, but got \(bins)", file: file, line: line)
        }
        check(0 < hop && hop <= windowLength, op, "expected 0 < hop_length <= win_length", file: file, line: line)
        check(0 < windowLength && windowLength <= nFFT, op, "expected 0 < win_length <= n_fft", file: file, line: line)
        let weights = frameWindow(window, length: windowLength, nFFT: nFFT, op: op, file: file, line: line)
            ?? Tensor.ones([nFFT], dtype: dtype, device: device)
        // Each frame's samples [batch, frames, nFFT], windowed, then overlap-added along time.
        let halfSpectrum = spectrum.narrow(1, start: 0, length: nFFT / 2 + 1).transpose(1, 2)
        let frames = halfSpectrum.inverseRealFourierPairs(length: nFFT, scale: normalized ? 1 / Double(nFFT).squareRoot() : 1 / Double(nFFT))
        let expectedLength = nFFT + hop * (frameCount - 1)
        func overlapAdd(_ columns: Tensor) -> Tensor {
            F.fold(columns.transpose(1, 2), outputSize: IntPair(1, expectedLength), kernelSize: IntPair(1, nFFT), stride: IntPair(1, hop))
                .reshape(columns.shape[0], expectedLength)
        }
        var signal = overlapAdd(frames * weights)
        var envelope = overlapAdd(weights.pow(2).expand(1, frameCount, nFFT))
        let start = center ? nFFT / 2 : 0
        let end = length.map { start + $0 } ?? (center ? expectedLength - nFFT / 2 : expectedLength)
        let kept = Swift.max(0, Swift.min(end, expectedLength) - start)
        signal = signal.narrow(1, start: start, length: kept)
        envelope = envelope.narrow(1, start: start, length: kept)
        let tooSmall = noGrad { kept > 0 && envelope.abs().min().item() < 1e-11 }
        check(!tooSmall, op, "window overlap add min: 1", file: file, line: line)
        signal = signal / envelope
        if end > expectedLength { signal = Tensor.pad(signal, [0, end - expectedLength], value: 0) }
        return dim == 3 ? signal.squeeze(0) : signal
    }

    /// The window each frame of `nFFT` samples is multiplied by (PyTorch's rule for `stft` and `istft`): `window`, or
    /// ones when nil, `length` long and centred in the frame with zeros; nil when there is no window and it would be
    /// all ones. Stops naming `op` when `window` is not 1-D of `length` or is on another device.
    func frameWindow(_ window: Tensor?, length windowLength: Int, nFFT: Int, op: String, file: StaticString, line: UInt) -> Tensor? {
        if let window {
            check(window.dim == 1 && window.shape[0] == windowLength, op, "expected a 1D window tensor of size equal to win_length="
                  + "\(windowLength), but got window with size \(shapeText(window.shape))", file: file, line: line)
            Tensor.checkSameDevice(self, window, op: op, file: file, line: line)
        } else if windowLength == nFFT {
            return nil
        }
        let window = window ?? Tensor.ones([windowLength], dtype: dtype, device: device)
        guard windowLength < nFFT else { return window }
        let left = (nFFT - windowLength) / 2
        return Tensor.pad(window, [left, nFFT - windowLength - left], value: 0)
    }

    /// The full spectrum of `length` bins whose first length/2 + 1 bins are the pairs [..., bins, 2] along the
    /// second-to-last dimension: bins length-1 … length/2+1 are the conjugates of bins 1 … (length-1)/2, as the
    /// transform of a real signal has them.
    func hermitianExtension(toLength n: Int) -> Tensor {
        let axis = dim - 2
        let mirrored = narrow(axis, start: 1, length: n - shape[axis]).flip([axis]) * Tensor([1, -1] as [Double]).to(dtype).to(device)
        return Tensor.cat([self, mirrored], dim: axis)
    }

    /// The real signal of `length` samples whose one-sided transform is the pairs [..., bins, 2] along the
    /// second-to-last dimension, times `scale` (`torch.fft.irfft` under `viewAsComplex`): the imaginary parts of
    /// the zero and Nyquist bins are ignored, as in `irfft`.
    func inverseRealFourierPairs(length n: Int, scale: Double) -> Tensor {
        hermitianExtension(toLength: n).complexFourierPairs(inverse: true, scale: scale).select(-1, 0)
    }

    /// The one-sided transforms of the frames of `frameLength` samples every `hop` samples of each row of a real
    /// [batch, length] signal, each frame multiplied by `window` first, times `scale`: real pairs [batch, frames,
    /// frameLength/2 + 1, 2]. Without autograd, and with enough frames per signal to fill the transform's eight lanes,
    /// the frames go from the signal straight into the transform (one pass, never copied out); otherwise they are
    /// `unfold`ed and multiplied as separate ops, which give the same values.
    func framedRealFourierPairs(frameLength n: Int, hop: Int, window: Tensor?, scale: Double) -> Tensor {
        let frameCount = (shape[1] - n) / hop + 1
        guard !needsGrad(self), window.map({ !needsGrad($0) && $0.dtype == dtype }) ?? true, frameCount >= 8 else {
            let frames = unfold(1, n, hop)
            return (window.map { frames * $0 } ?? frames).realFourierPairs(scale: scale)
        }
        let signal = contiguous(), weights = window?.contiguous()
        let out = Tensor(uninitializedShape: [shape[0], frameCount, n / 2 + 1, 2], dtype: dtype, backend: backend)
        guard out.numel > 0 else { return out }
        let transform = FourierTransform(kind: .realToComplex, batch: frameCount, length: n, scale: scale, inputRowStride: hop)
        for row in 0..<shape[0] {
            // One signal at a time: the frames of a signal are equally spaced, those of two signals need not be.
            let samples = signal.makeView(shape: [shape[1]], strides: [1], offset: signal.storageOffset + row * shape[1])
            let spectra = out.makeView(shape: Array(out.shape.dropFirst()), strides: Array(out.strides.dropFirst()),
                                       offset: row * out.strides[0])
            backend.fourierTransform(transform, samples.operand, window: weights?.operand, into: spectra.operand)
        }
        return out
    }

    /// The one-sided discrete Fourier transform of the last dimension of a real tensor times `scale`, as real pairs
    /// [..., n/2 + 1, 2] (`torch.fft.rfft` under `viewAsReal`).
    func realFourierPairs(scale: Double) -> Tensor {
        let n = shape.last!, rows = numel / Swift.max(n, 1)
        let input = contiguous()
        let out = Tensor(uninitializedShape: Array(shape.dropLast()) + [n / 2 + 1, 2], dtype: dtype, backend: backend)
        if out.numel > 0 {
            backend.fourierTransform(FourierTransform(kind: .realToComplex, batch: rows, length: n, scale: scale), input.operand,
                                     window: nil, into: out.operand)
        }
        let inputShape = shape
        record("FftR2CBackward0", inputs: [self], outputs: [out]) { g in
            // The adjoint: the gradient's bins, zero above n/2, through the unscaled inverse; its real part.
            let bins = g[0].shape[g[0].dim - 2]
            let padded = Tensor.pad(g[0], [0, 0, 0, n - bins], value: 0)
            return [padded.complexFourierPairs(inverse: true, scale: scale).select(-1, 0).reshape(inputShape)]
        }
        return out
    }

    /// The discrete Fourier transform (or its unscaled inverse) of the complex values [..., n, 2] along the
    /// second-to-last dimension, times `scale` (`torch.fft.fft`/`ifft` under `viewAsReal`).
    func complexFourierPairs(inverse: Bool, scale: Double) -> Tensor {
        let n = shape[dim - 2], rows = numel / Swift.max(2 * n, 1)
        let input = contiguous()
        let out = Tensor(uninitializedShape: shape, dtype: dtype, backend: backend)
        if out.numel > 0 {
            backend.fourierTransform(FourierTransform(kind: .complexToComplex(inverse: inverse), batch: rows, length: n, scale: scale),
                                     input.operand, window: nil, into: out.operand)
        }
        record("FftC2CBackward0", inputs: [self], outputs: [out]) { g in
            [g[0].complexFourierPairs(inverse: !inverse, scale: scale)]
        }
        return out
    }
}
