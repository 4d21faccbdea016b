// Pillow's resampling of 8-bit images (`ImagingResample` in libImaging/Resample.c). torchvision's data
// sets hand PIL images to the transforms, so a PyTorch program resizes uint8 images with this arithmetic:
// separable antialiased filters, coefficients in 22-bit fixed point, a horizontal pass rounded to 8 bits,
// then a vertical one.
import Ember

/// The filters Pillow resamples with: the kernel and its support at scale 1.
enum PILFilter {
    case bilinear, bicubic

    var support: Double { self == .bilinear ? 1 : 2 }

    func callAsFunction(_ x: Double) -> Double {
        let x = Swift.abs(x)
        switch self {
        case .bilinear: return x < 1 ? 1 - x : 0
        case .bicubic:
            let a = -0.5
            if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
            if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
            return 0
        }
    }
}

/// Fixed-point bits of the coefficients: 8 for the pixel, 2 for overshoot, the rest of an Int32.
private let precisionBits: Int32 = 32 - 8 - 2

/// The first input pixel and the fixed-point weights of each output pixel along one axis (`precompute_coeffs`
/// then `normalize_coeffs_8bpc`), for the input span [start, end) of `inputSize` pixels.
private func pilCoefficients(inputSize: Int, start: Float, end: Float, outputSize: Int, filter: PILFilter)
    -> [(first: Int, weights: [Int32])] {
    let scale = Double(end - start) / Double(outputSize)
    let filterScale = Swift.max(scale, 1)
    let support = filter.support * filterScale
    return (0..<outputSize).map { i in
        let center = Double(start) + (Double(i) + 0.5) * scale
        let first = Swift.max(Int(center - support + 0.5), 0)
        let count = Swift.min(Int(center + support + 0.5), inputSize) - first
        let inverseScale = 1 / filterScale
        var weights = (0..<Swift.max(count, 0)).map { x in filter((Double(x + first) - center + 0.5) * inverseScale) }
        let total = weights.reduce(0, +)
        if total != 0 { weights = weights.map { $0 / total } }
        let one = Double(1 << precisionBits)
        return (first, weights.map { Int32($0 < 0 ? -0.5 + $0 * one : 0.5 + $0 * one) })
    }
}

/// One output pixel: the rounded fixed-point sum, clamped to [0, 255] (`clip8`).
@inline(__always)
private func resampledPixel(_ weights: [Int32], _ pixel: (Int) -> UInt8) -> UInt8 {
    var sum: Int32 = 1 << (precisionBits - 1)
    for (k, w) in weights.enumerated() { sum &+= Int32(pixel(k)) &* w }
    return UInt8(clamping: sum >> precisionBits)
}

/// Resizes the last two dimensions of a uint8 image to `height`×`width` as Pillow's `Image.resize` does
/// for 8-bit modes (each channel on its own, as in an RGB or L image).
func pilResize(_ image: Tensor, height outHeight: Int, width outWidth: Int, filter: PILFilter) -> Tensor {
    precondition(image.dtype == .uint8, "pilResize: expects a uint8 image, got \(image.dtype)")
    let leading = Array(image.shape.dropLast(2))
    let (height, width) = image.imageSize
    let planes = leading.reduce(1, *)
    var pixels = image.contiguous().toArray(as: UInt8.self)
    var currentWidth = width
    if outWidth != width {
        let columns = pilCoefficients(inputSize: width, start: 0, end: Float(width), outputSize: outWidth, filter: filter)
        var wide = [UInt8](repeating: 0, count: planes * height * outWidth)
        for row in 0..<(planes * height) {
            for (x, taps) in columns.enumerated() {
                wide[row * outWidth + x] = resampledPixel(taps.weights) { pixels[row * width + taps.first + $0] }
            }
        }
        (pixels, currentWidth) = (wide, outWidth)
    }
    if outHeight != height {
        let rows = pilCoefficients(inputSize: height, start: 0, end: Float(height), outputSize: outHeight, filter: filter)
        var tall = [UInt8](repeating: 0, count: planes * outHeight * currentWidth)
        for plane in 0..<planes {
            let base = plane * height * currentWidth
            for (y, taps) in rows.enumerated() {
                for x in 0..<currentWidth {
                    tall[(plane * outHeight + y) * currentWidth + x] =
                        resampledPixel(taps.weights) { pixels[base + (taps.first + $0) * currentWidth + x] }
                }
            }
        }
        pixels = tall
    }
    return Tensor(pixels, shape: leading + [outHeight, currentWidth])
}
