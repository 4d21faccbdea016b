// The discrete Fourier transforms of `torch.fft`: complex (fft, ifft), real (rfft, irfft), in two and n
// dimensions, each a chain of one-dimensional transforms of the real pairs of `viewAsReal`, differentiable as
// PyTorch's (`FftC2CBackward0`, `FftR2CBackward0`).

extension FFT {
    /// How a transform is scaled (`norm` of `torch.fft`): `backward` divides the inverse by n, `forward` the
    /// forward transform, `ortho` both by √n.
    public enum Norm: String, Sendable {
        /// No scaling forward, 1/n on the inverse (the default).
        case backward
        /// 1/√n both ways: the transforms are unitary.
        case ortho
        /// 1/n forward, none on the inverse.
        case forward

        /// The same scaling seen from the other direction (`hfft` is `irfft` the other way round).
        var opposite: Norm {
            switch self {
            case .backward: return .forward
            case .forward: return .backward
            case .ortho: return .ortho
            }
        }
    }

    /// The factor an n-point transform's outputs are multiplied by.
    static func scale(_ norm: Norm, n: Int, inverse: Bool) -> Double {
        switch norm {
        case .backward: return inverse ? 1 / Double(n) : 1
        case .forward: return inverse ? 1 : 1 / Double(n)
        case .ortho: return 1 / Double(n).squareRoot()
        }
    }

    /// The one-dimensional discrete Fourier transform of `input` along `dim` (`torch.fft.fft`): X_k = Σ_j x_j·e^(-2πi·jk/n).
    /// Real inputs are taken as complex; `n` trims or zero-pads the dimension first.
    public static func fft(_ input: Tensor, n: Int? = nil, dim: Int = -1, norm: Norm = .backward,
                           file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        complexTransform(input, n: n, dim: dim, norm: norm, inverse: false, op: "fft_fft", file: file, line: line)
    }

    /// The inverse of `fft` (`torch.fft.ifft`): x_j = (1/n)·Σ_k X_k·e^(2πi·jk/n) under the default `norm`.
    public static func ifft(_ input: Tensor, n: Int? = nil, dim: Int = -1, norm: Norm = .backward,
                            file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        complexTransform(input, n: n, dim: dim, norm: norm, inverse: true, op: "fft_ifft", file: file, line: line)
    }

    /// The transform of a real `input` along `dim`, its n/2 + 1 non-negative frequencies (`torch.fft.rfft`).
    public static func rfft(_ input: Tensor, n: Int? = nil, dim: Int = -1, norm: Norm = .backward,
                            file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        realTransform(input, n: n, dim: dim, norm: norm, op: "fft_rfft", file: file, line: line)
    }

    /// The real signal of `n` samples (default 2·(bins - 1)) whose `rfft` along `dim` is `input` (`torch.fft.irfft`).
    public static func irfft(_ input: Tensor, n: Int? = nil, dim: Int = -1, norm: Norm = .backward,
                             file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        inverseRealTransform(input, n: n, dim: dim, norm: norm, op: "fft_irfft", file: file, line: line)
    }

    /// The real signal of `n` samples (default 2·(bins - 1)) of a Hermitian-symmetric one given by its first half
    /// (`torch.fft.hfft`): `irfft` of the conjugate, scaled by the opposite `norm`.
    public static func hfft(_ input: Tensor, n: Int? = nil, dim: Int = -1, norm: Norm = .backward,
                            file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        inverseRealTransform(complexInput(input, op: "fft_hfft", file: file, line: line).conj(), n: n, dim: dim,
                             norm: norm.opposite, op: "fft_hfft", file: file, line: line)
    }

    /// The inverse of `hfft` (`torch.fft.ihfft`): the conjugate of `rfft`, scaled by the opposite `norm`.
    public static func ihfft(_ input: Tensor, n: Int? = nil, dim: Int = -1, norm: Norm = .backward,
                             file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        realTransform(input, n: n, dim: dim, norm: norm.opposite, op: "fft_ihfft", file: file, line: line).conj()
    }

    /// `fft` over the last two dimensions, or `dim` (`torch.fft.fft2`); `s` gives their lengths.
    public static func fft2(_ input: Tensor, s: [Int]? = nil, dim: [Int] = [-2, -1], norm: Norm = .backward,
                            file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        fftn(input, s: s, dim: dim, norm: norm, file: file, line: line)
    }

    /// The inverse of `fft2` (`torch.fft.ifft2`).
    public static func ifft2(_ input: Tensor, s: [Int]? = nil, dim: [Int] = [-2, -1], norm: Norm = .backward,
                             file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        ifftn(input, s: s, dim: dim, norm: norm, file: file, line: line)
    }

    /// `rfft` over the last of two dimensions and `fft` over the other (`torch.fft.rfft2`).
    public static func rfft2(_ input: Tensor, s: [Int]? = nil, dim: [Int] = [-2, -1], norm: Norm = .backward,
                             file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        rfftn(input, s: s, dim: dim, norm: norm, file: file, line: line)
    }

    /// The inverse of `rfft2` (`torch.fft.irfft2`).
    public static func irfft2(_ input: Tensor, s: [Int]? = nil, dim: [Int] = [-2, -1], norm: Norm = .backward,
                              file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        irfftn(input, s: s, dim: dim, norm: norm, file: file, line: line)
    }

    /// `fft` over every dimension in `dim` (all, or the last `s.count` when `s` is given) (`torch.fft.fftn`).
    public static func fftn(_ input: Tensor, s: [Int]? = nil, dim: [Int]? = nil, norm: Norm = .backward,
                            file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let plan = dimensions(input, s: s, dim: dim, op: "fft_fftn", file: file, line: line)
        return complexTransforms(input, plan.dims[...], plan.lengths[...], norm: norm, inverse: false, op: "fft_fftn", file: file, line: line)
    }

    /// The inverse of `fftn` (`torch.fft.ifftn`).
    public static func ifftn(_ input: Tensor, s: [Int]? = nil, dim: [Int]? = nil, norm: Norm = .backward,
                             file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let plan = dimensions(input, s: s, dim: dim, op: "fft_ifftn", file: file, line: line)
        return complexTransforms(input, plan.dims[...], plan.lengths[...], norm: norm, inverse: true, op: "fft_ifftn", file: file, line: line)
    }

    /// `rfft` over the last dimension of `dim` and `fft` over the others (`torch.fft.rfftn`).
    public static func rfftn(_ input: Tensor, s: [Int]? = nil, dim: [Int]? = nil, norm: Norm = .backward,
                             file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let plan = dimensions(input, s: s, dim: dim, op: "fft_rfftn", file: file, line: line)
        guard let last = plan.dims.last else { return input }
        let halfSpectrum = realTransform(input, n: plan.lengths.last.flatMap { $0 }, dim: last, norm: norm, op: "fft_rfftn", file: file, line: line)
        return complexTransforms(halfSpectrum, plan.dims.dropLast(), plan.lengths.dropLast(), norm: norm, inverse: false, op: "fft_rfftn",
                                 file: file, line: line)
    }

    /// The inverse of `rfftn` (`torch.fft.irfftn`): `ifft` over all but the last dimension of `dim`, `irfft` over
    /// that one (of `s.last` samples, default 2·(bins - 1)).
    public static func irfftn(_ input: Tensor, s: [Int]? = nil, dim: [Int]? = nil, norm: Norm = .backward,
                              file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let op = "fft_irfftn"
        let plan = dimensions(input, s: s, dim: dim, op: op, file: file, line: line)
        guard let last = plan.dims.last else { return input }
        let spectrum = complexTransforms(input, plan.dims.dropLast(), plan.lengths.dropLast(), norm: norm, inverse: true, op: op,
                                         file: file, line: line)
        return inverseRealTransform(spectrum, n: plan.lengths.last.flatMap { $0 }, dim: last, norm: norm, op: op, file: file, line: line)
    }

    // MARK: One dimension

    /// The dimensions an n-dimensional transform runs over and their lengths (nil: as they are), as PyTorch
    /// resolves `s` and `dim`.
    private static func dimensions(_ input: Tensor, s: [Int]?, dim: [Int]?, op: String, file: StaticString,
                                   line: UInt) -> (dims: [Int], lengths: [Int?]) {
        let dims = (dim ?? s.map { Array((input.dim - $0.count)..<input.dim) } ?? Array(0..<input.dim))
            .map { normalizeDim($0, rank: input.dim, op: op, file: file, line: line) }
        check(Set(dims).count == dims.count, op, "FFT dims must be unique (got \(dims))", file: file, line: line)
        guard let s else { return (dims, dims.map { _ in nil }) }
        check(s.count == dims.count, op, "When given, dim and shape arguments must have the same length (s \(s), dim \(dims))",
              file: file, line: line)
        return (dims, s.map { $0 == -1 ? nil : $0 })
    }

    /// `complexTransform` along each of `dims` in turn, to its length in `lengths` (nil: as it is).
    private static func complexTransforms(_ input: Tensor, _ dims: ArraySlice<Int>, _ lengths: ArraySlice<Int?>, norm: Norm, inverse: Bool,
                                          op: String, file: StaticString, line: UInt) -> Tensor {
        zip(dims, lengths).reduce(input) {
            complexTransform($0, n: $1.1, dim: $1.0, norm: norm, inverse: inverse, op: op, file: file, line: line)
        }
    }

    /// `x` with its dimension `axis` cut to, or zero-padded at the end to, `length`.
    private static func resized(_ x: Tensor, axis: Int, to length: Int) -> Tensor {
        let size = x.shape[axis]
        if length == size { return x }
        if length < size { return x.narrow(axis, start: 0, length: length) }
        return Tensor.pad(x, Array(repeating: 0, count: 2 * (x.dim - 1 - axis)) + [0, length - size], value: 0)
    }

    /// Stops naming `op` unless `length` points can be transformed.
    private static func checkLength(_ length: Int, op: String, file: StaticString, line: UInt) {
        check(length >= 1, op, "Invalid number of data points (\(length)) specified", file: file, line: line)
    }

    /// `input` as a float32 or float64 tensor (integers and bool become float32; float16 has no transforms here).
    private static func realInput(_ input: Tensor, op: String, file: StaticString, line: UInt) -> Tensor {
        check(input.dtype != .float16 && input.dtype != .bfloat16, op, "Unsupported dtype \(input.dtype)", file: file, line: line)
        return input.to(input.dtype.floatingCounterpart)
    }

    /// `input` as a complex tensor: complex64 from float32 and integers, complex128 from float64.
    private static func complexInput(_ input: Tensor, op: String, file: StaticString, line: UInt) -> Tensor {
        input.isComplex ? input : realInput(input, op: op, file: file, line: line).to(input.dtype.floatingCounterpart.complexCounterpart)
    }

    private static func complexTransform(_ input: Tensor, n: Int?, dim: Int, norm: Norm, inverse: Bool, op: String,
                                         file: StaticString, line: UInt) -> Tensor {
        let z = complexInput(input, op: op, file: file, line: line)
        let d = normalizeDim(dim, rank: z.dim, op: op, file: file, line: line)
        let length = n ?? z.shape[d]
        checkLength(length, op: op, file: file, line: line)
        // The pairs [..., length, 2] with the transformed dimension second to last.
        let pairs = resized(z.viewAsReal().movedim(d, z.dim - 1), axis: z.dim - 1, to: length)
        let out = pairs.complexFourierPairs(inverse: inverse, scale: scale(norm, n: length, inverse: inverse))
        return out.movedim(z.dim - 1, d).viewAsComplex()
    }

    private static func realTransform(_ input: Tensor, n: Int?, dim: Int, norm: Norm, op: String, file: StaticString,
                                      line: UInt) -> Tensor {
        check(!input.isComplex, op, "\(op.dropFirst(4)) expects a real input tensor, but got \(input.dtype)", file: file, line: line)
        let x = realInput(input, op: op, file: file, line: line)
        let d = normalizeDim(dim, rank: x.dim, op: op, file: file, line: line)
        let length = n ?? x.shape[d]
        checkLength(length, op: op, file: file, line: line)
        let rows = resized(x.movedim(d, x.dim - 1), axis: x.dim - 1, to: length)
        return rows.realFourierPairs(scale: scale(norm, n: length, inverse: false)).movedim(x.dim - 1, d).viewAsComplex()
    }

    private static func inverseRealTransform(_ input: Tensor, n: Int?, dim: Int, norm: Norm, op: String, file: StaticString,
                                             line: UInt) -> Tensor {
        let z = complexInput(input, op: op, file: file, line: line)
        let d = normalizeDim(dim, rank: z.dim, op: op, file: file, line: line)
        let length = n ?? 2 * (z.shape[d] - 1)
        checkLength(length, op: op, file: file, line: line)
        let pairs = resized(z.viewAsReal().movedim(d, z.dim - 1), axis: z.dim - 1, to: length / 2 + 1)
        return pairs.inverseRealFourierPairs(length: length, scale: scale(norm, n: length, inverse: true)).movedim(z.dim - 1, d)
    }
}
