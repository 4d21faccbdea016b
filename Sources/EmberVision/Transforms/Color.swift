// Colour transforms (`torchvision.transforms`): Grayscale and ColorJitter, with torchvision's tensor arithmetic.
import Ember

/// ITU-R 601 luma (`F.rgb_to_grayscale`): 0.2989 R + 0.587 G + 0.114 B, truncated for uint8 images;
/// `outputChannels` 1 or 3. One-channel images pass through.
public func rgbToGrayscale(_ image: Tensor, outputChannels: Int = 1) -> Tensor {
    let channels = image.imageChannels
    precondition(channels == 1 || channels == 3, "rgbToGrayscale: expects 1 or 3 channels, got \(image.shape)")
    var gray = image
    if channels == 3 {
        let rgb = image.to(.float32)
        let (r, g, b) = (rgb.select(image.dim - 3, 0), rgb.select(image.dim - 3, 1), rgb.select(image.dim - 3, 2))
        let luma = 0.2989 * r + 0.587 * g + 0.114 * b
        gray = (image.dtype.isFloatingPoint ? luma : luma.clamp(min: 0, max: 255)).to(image.dtype).unsqueeze(image.dim - 3)
    }
    if outputChannels == 3 {
        var shape = gray.shape
        shape[shape.count - 3] = 3
        return gray.expand(shape).contiguous()
    }
    return gray
}

/// Converts to gray with 1 or 3 channels (`transforms.Grayscale`).
public struct Grayscale: Transform {
    /// The `num_output_channels` argument it was made with.
    public let numOutputChannels: Int
    /// `Grayscale(…)`, with torchvision's arguments and defaults.
    public init(numOutputChannels: Int = 1) { self.numOutputChannels = numOutputChannels }
    /// The image in grayscale, with `numOutputChannels` equal channels.
    public func callAsFunction(_ image: Tensor) -> Tensor { rgbToGrayscale(image, outputChannels: numOutputChannels) }
}

/// `ratio · image + (1 − ratio) · other`, clamped to the image's range (torchvision's `_blend`).
private func blend(_ image: Tensor, _ other: Tensor, _ ratio: Double) -> Tensor {
    let bound = image.dtype.isFloatingPoint ? 1.0 : 255.0
    let compute: DType = image.dtype.isFloatingPoint ? image.dtype : .float32
    let mixed = ratio * image.to(compute) + (1 - ratio) * other.to(compute)
    return mixed.clamp(min: 0, max: bound).to(image.dtype)
}

/// `F.adjust_brightness`: scales towards black (factor 0) or beyond the image (factor > 1).
public func adjustBrightness(_ image: Tensor, _ factor: Double) -> Tensor {
    blend(image, image.zerosLike(), factor)
}

/// `F.adjust_contrast`: blends with the mean gray level.
public func adjustContrast(_ image: Tensor, _ factor: Double) -> Tensor {
    let gray = image.imageChannels == 3 ? rgbToGrayscale(image) : image
    let mean = gray.to(.float32).mean(dims: [-3, -2, -1], keepdim: true)
    return blend(image, mean, factor)
}

/// `F.adjust_saturation`: blends with the grayscale image.
public func adjustSaturation(_ image: Tensor, _ factor: Double) -> Tensor {
    image.imageChannels == 1 ? image : blend(image, rgbToGrayscale(image), factor)
}

/// `F.adjust_hue`: shifts the hue by `factor` turns (in [-0.5, 0.5]) through HSV.
public func adjustHue(_ image: Tensor, _ factor: Double) -> Tensor {
    precondition(abs(factor) <= 0.5, "adjustHue: factor must be in [-0.5, 0.5], got \(factor)")
    if image.imageChannels == 1 { return image }
    var planes = Planes(convertImage(image, to: .float32))
    let pixels = planes.height * planes.width
    for group in 0..<(planes.count / 3) {
        let base = group * 3 * pixels
        for p in 0..<pixels {
            let (r, g, b) = (planes.values[base + p], planes.values[base + pixels + p], planes.values[base + 2 * pixels + p])
            var (h, s, v) = rgbToHSV(r, g, b)
            h = (h + Float(factor)).truncatingRemainder(dividingBy: 1)
            if h < 0 { h += 1 }
            (planes.values[base + p], planes.values[base + pixels + p], planes.values[base + 2 * pixels + p]) = hsvToRGB(h, s, v)
        }
    }
    return convertImage(planes.tensor(.float32), to: image.dtype)
}

/// torchvision's `_rgb2hsv`, per pixel.
private func rgbToHSV(_ r: Float, _ g: Float, _ b: Float) -> (Float, Float, Float) {
    let maxc = Swift.max(r, g, b), minc = Swift.min(r, g, b)
    let equal = maxc == minc
    let cr = maxc - minc
    let s = cr / (equal ? 1 : maxc)
    let divisor = equal ? 1 : cr
    let (rc, gc, bc) = ((maxc - r) / divisor, (maxc - g) / divisor, (maxc - b) / divisor)
    var h: Float
    if maxc == r { h = bc - gc } else if maxc == g { h = 2 + rc - bc } else { h = 4 + gc - rc }
    h = (h / 6 + 1).truncatingRemainder(dividingBy: 1)
    return (h, s, maxc)
}

/// torchvision's `_hsv2rgb`, per pixel.
private func hsvToRGB(_ h: Float, _ s: Float, _ v: Float) -> (Float, Float, Float) {
    let i = (h * 6).rounded(.down)
    let f = h * 6 - i
    let p = Swift.min(Swift.max(v * (1 - s), 0), 1)
    let q = Swift.min(Swift.max(v * (1 - s * f), 0), 1)
    let t = Swift.min(Swift.max(v * (1 - s * (1 - f)), 0), 1)
    switch ((Int(i) % 6) + 6) % 6 {
    case 0: return (v, t, p)
    case 1: return (q, v, p)
    case 2: return (p, v, t)
    case 3: return (p, q, v)
    case 4: return (t, p, v)
    default: return (v, p, q)
    }
}

/// Random brightness, contrast, saturation and hue changes in a random order (`transforms.ColorJitter`).
/// A number `b` for brightness, contrast or saturation draws the factor from [max(0, 1 − b), 1 + b];
/// `hue: h` draws from [−h, h] with h ≤ 0.5.
public struct ColorJitter: Transform {
    /// The `brightness` argument it was made with.
    public let brightness: (Double, Double)?
    /// The `contrast` argument it was made with.
    public let contrast: (Double, Double)?
    /// The `saturation` argument it was made with.
    public let saturation: (Double, Double)?
    /// The `hue` argument it was made with.
    public let hue: (Double, Double)?

    /// `ColorJitter(…)`, with torchvision's arguments and defaults.
    public init(brightness: Double = 0, contrast: Double = 0, saturation: Double = 0, hue: Double = 0) {
        func around1(_ v: Double) -> (Double, Double)? { v == 0 ? nil : (Swift.max(0, 1 - v), 1 + v) }
        precondition(hue >= 0 && hue <= 0.5, "ColorJitter: hue must be in [0, 0.5], got \(hue)")
        self.init(brightness: around1(brightness), contrast: around1(contrast), saturation: around1(saturation),
                  hue: hue == 0 ? nil : (-hue, hue))
    }

    /// Explicit factor ranges; nil leaves that property alone.
    public init(brightness: (Double, Double)?, contrast: (Double, Double)?, saturation: (Double, Double)?, hue: (Double, Double)?) {
        (self.brightness, self.contrast, self.saturation, self.hue) = (brightness, contrast, saturation, hue)
    }

    /// The image with brightness, contrast, saturation and hue changed by random factors, in a random order.
    public func callAsFunction(_ image: Tensor) -> Tensor {
        let order = randomPermutation(4)
        let b = brightness.map { randomUniform($0.0, $0.1) }
        let c = contrast.map { randomUniform($0.0, $0.1) }
        let s = saturation.map { randomUniform($0.0, $0.1) }
        let h = hue.map { randomUniform($0.0, $0.1) }
        var image = image
        for step in order {
            switch step {
            case 0: if let b { image = adjustBrightness(image, b) }
            case 1: if let c { image = adjustContrast(image, c) }
            case 2: if let s { image = adjustSaturation(image, s) }
            default: if let h { image = adjustHue(image, h) }
            }
        }
        return image
    }
}
