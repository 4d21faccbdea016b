// Geometric transforms (`torchvision.transforms`): Resize, CenterCrop, Pad, RandomCrop, the flips,
// RandomResizedCrop, RandomRotation, with torchvision's tensor arithmetic and random draws.
import Ember
import Foundation

/// How resampling transforms interpolate (`InterpolationMode`).
public enum Interpolation: Sendable {
    /// How resizing and rotation sample (`InterpolationMode.NEAREST`, `BILINEAR`, `BICUBIC`).
    case nearest, bilinear, bicubic
}

/// How `Pad` and `RandomCrop` fill the border (`padding_mode`).
public enum PaddingMode: Sendable {
    /// The constant `fill`.
    case constant
    /// The last pixel repeated.
    case edge
    /// Mirrored without repeating the edge pixel: [1, 2, 3] padded by 2 is [3, 2, 1, 2, 3, 2, 1].
    case reflect
    /// Mirrored with the edge pixel: [1, 2, 3] padded by 2 is [2, 1, 1, 2, 3, 3, 2].
    case symmetric
}

/// An output size: one number for the smaller edge (aspect ratio kept) or exact height and width.
public enum ImageSize: ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral, Sendable {
    /// The smaller edge becomes this long, keeping the aspect ratio (`size=256`).
    case smallerEdge(Int)
    /// Exactly this height and width (`size=(h, w)`).
    case exact(height: Int, width: Int)
    /// A literal `256`: the smaller edge's length.
    public init(integerLiteral value: Int) { self = .smallerEdge(value) }
    /// A literal `[h, w]`: the exact size (`[n]`: the smaller edge's length).
    public init(arrayLiteral elements: Int...) { self.init(elements) }
    /// [size] or [height, width].
    public init(_ elements: [Int]) {
        precondition(elements.count == 2 || elements.count == 1, "ImageSize: give [size] or [height, width], got \(elements)")
        self = elements.count == 1 ? .exact(height: elements[0], width: elements[0]) : .exact(height: elements[0], width: elements[1])
    }

    /// The size of a crop: one number is a square (`CenterCrop(32)` crops 32×32).
    var dimensions: (height: Int, width: Int) {
        switch self {
        case .smallerEdge(let size): return (size, size)
        case .exact(let height, let width): return (height, width)
        }
    }
}

/// A size as torchvision takes it, from a literal or a variable: an `Int` (the smaller edge; a square for
/// crops), `[Int]` ([size] or [height, width]) or an `ImageSize` (`Resize(size)`, `CenterCrop([h, w])`).
public protocol ImageSizeConvertible {
    /// The size this value stands for.
    var imageSize: ImageSize { get }
}
/// A size is itself.
extension ImageSize: ImageSizeConvertible { public var imageSize: ImageSize { self } }
/// One number is the smaller edge's length.
extension Int: ImageSizeConvertible { public var imageSize: ImageSize { .smallerEdge(self) } }
/// `[h, w]` is the exact size; `[n]` the smaller edge's length.
extension Array: ImageSizeConvertible where Element == Int { public var imageSize: ImageSize { ImageSize(self) } }

/// Border widths: one number for all four sides (`padding: 4`), [left/right, top/bottom], or
/// [left, top, right, bottom], as torchvision takes them.
public struct ImagePadding: ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral, Sendable, CustomStringConvertible {
    /// The `left`, `top`, `right` and `bottom` arguments it was made with.
    public let left: Int, top: Int, right: Int, bottom: Int

    /// Padding on each side.
    public init(left: Int, top: Int, right: Int, bottom: Int) {
        (self.left, self.top, self.right, self.bottom) = (left, top, right, bottom)
    }

    /// A literal `4`: the same padding on every side.
    public init(integerLiteral value: Int) { self.init(left: value, top: value, right: value, bottom: value) }

    /// A literal `[4]`, `[left/right, top/bottom]` or `[left, top, right, bottom]`, as torchvision reads a padding.
    public init(arrayLiteral values: Int...) { self.init(values) }

    /// One, two or four numbers, as torchvision reads a padding; other counts stop naming the caller.
    public init(_ values: [Int], file: StaticString = #fileID, line: UInt = #line) {
        switch values.count {
        case 1: self.init(left: values[0], top: values[0], right: values[0], bottom: values[0])
        case 2: self.init(left: values[0], top: values[1], right: values[0], bottom: values[1])
        case 4: self.init(left: values[0], top: values[1], right: values[2], bottom: values[3])
        default: preconditionFailure("padding must have 1, 2 or 4 numbers, got \(values) (\(file):\(line))")
        }
    }

    /// `[left, top, right, bottom]`.
    public var description: String { "[\(left), \(top), \(right), \(bottom)]" }
}

// MARK: Resize

/// Resizes to `size` (`transforms.Resize`): bilinear with torchvision's antialiasing when shrinking by
/// default, or nearest. uint8 images are computed in float32 and rounded, as torchvision does.
public struct Resize: Transform {
    /// The `size` argument it was made with.
    public let size: ImageSize
    /// The `interpolation` argument it was made with.
    public let interpolation: Interpolation
    /// The `max_size` argument it was made with.
    public let maxSize: Int?
    /// The `antialias` argument it was made with.
    public let antialias: Bool

    /// `Resize(…)`, with torchvision's arguments and defaults.
    public init(_ size: some ImageSizeConvertible, interpolation: Interpolation = .bilinear, maxSize: Int? = nil, antialias: Bool = true) {
        (self.size, self.interpolation, self.maxSize, self.antialias) = (size.imageSize, interpolation, maxSize, antialias)
    }

    /// The image resized.
    public func callAsFunction(_ image: Tensor) -> Tensor {
        let (height, width) = image.imageSize
        let (outHeight, outWidth) = outputSize(height: height, width: width)
        return resize(image, height: outHeight, width: outWidth, interpolation: interpolation, antialias: antialias)
    }

    /// torchvision's `_compute_resized_output_size`.
    func outputSize(height: Int, width: Int) -> (Int, Int) {
        switch size {
        case .exact(let h, let w): return (h, w)
        case .smallerEdge(let requested):
            let (short, long) = width <= height ? (width, height) : (height, width)
            var (newShort, newLong) = (requested, Int(Double(requested) * Double(long) / Double(short)))
            if let maxSize, newLong > maxSize {
                (newShort, newLong) = (Int(Double(maxSize) * Double(newShort) / Double(newLong)), maxSize)
            }
            return width <= height ? (newLong, newShort) : (newShort, newLong)
        }
    }
}

/// Resamples the last two dimensions to `height`×`width` (`F.resize`). uint8 images with an antialiased
/// bilinear or bicubic filter are resampled as Pillow does (what torchvision computes on the PIL images its
/// data sets give); floating-point images as torchvision's tensor path does.
/// - Precondition: bicubic without antialiasing is not available yet.
public func resize(_ image: Tensor, height outHeight: Int, width outWidth: Int, interpolation: Interpolation = .bilinear,
                   antialias: Bool = true) -> Tensor {
    if image.imageSize == (outHeight, outWidth) { return image }
    if image.dtype == .uint8 && antialias && interpolation != .nearest {
        return pilResize(image, height: outHeight, width: outWidth, filter: interpolation == .bicubic ? PILFilter.bicubic : .bilinear)
    }
    let source = Planes(image)
    let horizontal = resamplingWeights(from: source.width, to: outWidth, interpolation: interpolation, antialias: antialias)
    let vertical = resamplingWeights(from: source.height, to: outHeight, interpolation: interpolation, antialias: antialias)
    var wide = [Float](repeating: 0, count: source.count * source.height * outWidth)
    for plane in 0..<(source.count * source.height) {
        let row = plane * source.width
        for (x, taps) in horizontal.enumerated() {
            wide[plane * outWidth + x] = weightedSum(taps.weights) { source.values[row + taps.start + $0] }
        }
    }
    var out = [Float](repeating: 0, count: source.count * outHeight * outWidth)
    for plane in 0..<source.count {
        let base = plane * source.height * outWidth
        for (y, taps) in vertical.enumerated() {
            for x in 0..<outWidth {
                out[(plane * outHeight + y) * outWidth + x] = weightedSum(taps.weights) { wide[base + (taps.start + $0) * outWidth + x] }
            }
        }
    }
    return Planes(values: out, leading: source.leading, height: outHeight, width: outWidth).tensor(image.dtype)
}

/// Σ value(k) · weights[k], accumulated with fused multiply–adds after the first product, as ATen's
/// AVX2 build of the resampling loop does (so uint8 results round the same way).
@inline(__always) private func weightedSum(_ weights: [Float], _ value: (Int) -> Float) -> Float {
    var sum = value(0) * weights[0]
    for k in 1..<weights.count { sum = sum.addingProduct(value(k), weights[k]) }
    return sum
}

/// The input pixels and weights behind each output pixel along one axis: ATen's antialiased bilinear or
/// bicubic filter (`_upsample_bilinear2d_aa`, `_upsample_bicubic2d_aa`), plain bilinear (align_corners=False)
/// or nearest.
func resamplingWeights(from input: Int, to output: Int, interpolation: Interpolation, antialias: Bool) -> [(start: Int, weights: [Float])] {
    let scale = Float(input) / Float(output)
    return (0..<output).map { i in
        switch interpolation {
        case .nearest:
            return (Swift.min(Int((Float(i) * scale).rounded(.down)), input - 1), [1])
        case .bilinear where antialias, .bicubic where antialias:
            // ATen's _compute_weights_aa, with its mix of float and double arithmetic
            let halfWidth: Float = interpolation == .bicubic ? 2 : 1
            let support: Float = scale >= 1 ? halfWidth * scale : halfWidth
            let center = Float(Double(scale) * (Double(i) + 0.5))
            let inverse: Float = scale >= 1 ? 1 / scale : 1
            let start = Swift.max(Int(Double(center - support) + 0.5), 0)
            let size = Swift.min(Int(Double(center + support) + 0.5), input) - start
            var weights = (0..<size).map { j -> Float in
                let x = abs(Float((Double(Float(j + start) - center) + 0.5) * Double(inverse)))
                if interpolation == .bilinear { return x < 1 ? 1 - x : 0 }
                let a: Float = -0.5   // the antialiasing bicubic kernel's a, as in ATen
                if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
                return x < 2 ? ((a * x - 5 * a) * x + 8 * a) * x - 4 * a : 0
            }
            let total = weights.reduce(0, +)
            if total != 0 { weights = weights.map { $0 / total } }
            return (start, weights)
        case .bicubic:
            preconditionFailure("resize: bicubic without antialiasing is not available; use antialias: true")
        case .bilinear:
            let source = Swift.max(scale * (Float(i) + 0.5) - 0.5, 0)
            let low = Swift.min(Int(source), input - 1)
            let fraction = source - Float(low)
            return low + 1 < input ? (low, [1 - fraction, fraction]) : (low, [1])
        }
    }
}

// MARK: Crops and padding

/// The region of `image` with top-left corner (`top`, `left`) (`F.crop`); parts outside the image are zero.
public func crop(_ image: Tensor, top: Int, left: Int, height: Int, width: Int) -> Tensor {
    let (h, w) = image.imageSize
    if top >= 0, left >= 0, top + height <= h, left + width <= w {
        return image.narrow(-2, start: top, length: height).narrow(-1, start: left, length: width)
    }
    let padding = ImagePadding(left: Swift.max(-left, 0), top: Swift.max(-top, 0),
                               right: Swift.max(left + width - w, 0), bottom: Swift.max(top + height - h, 0))
    let padded = pad(image, padding)
    return padded.narrow(-2, start: Swift.max(top, 0), length: height).narrow(-1, start: Swift.max(left, 0), length: width)
}

/// Pads the last two dimensions (`F.pad`).
public func pad(_ image: Tensor, _ padding: ImagePadding, fill: Double = 0, mode: PaddingMode = .constant) -> Tensor {
    let (left, top, right, bottom) = (padding.left, padding.top, padding.right, padding.bottom)
    let (h, w) = image.imageSize
    if mode == .constant {
        let out = Tensor.full(Array(image.shape.dropLast(2)) + [h + top + bottom, w + left + right], fill, dtype: image.dtype)
        out.narrow(-2, start: top, length: h).narrow(-1, start: left, length: w).copy_(image)
        return out
    }
    precondition(mode != .reflect || (top < h && bottom < h && left < w && right < w),
                 "pad: reflect padding must be smaller than the image (\(padding) for \(h)×\(w))")
    func sources(_ before: Int, _ after: Int, _ n: Int) -> Tensor {
        Tensor((-before..<(n + after)).map { Int64(mirror($0, n, mode)) })
    }
    return image.indexSelect(-2, sources(top, bottom, h)).indexSelect(-1, sources(left, right, w))
}

/// The source position of padded position `i` on an axis of `n` pixels.
private func mirror(_ i: Int, _ n: Int, _ mode: PaddingMode) -> Int {
    switch mode {
    case .constant, .edge: return Swift.min(Swift.max(i, 0), n - 1)
    case .reflect:
        if n == 1 { return 0 }
        let period = 2 * (n - 1)
        let m = ((i % period) + period) % period
        return m < n ? m : period - m
    case .symmetric:
        let period = 2 * n
        let m = ((i % period) + period) % period
        return m < n ? m : period - 1 - m
    }
}

/// Pads the image (`transforms.Pad`).
public struct Pad: Transform {
    /// The `padding`, `fill` and `mode` arguments it was made with.
    public let padding: ImagePadding, fill: Double, mode: PaddingMode
    /// `Pad(…)`, with torchvision's arguments and defaults.
    public init(_ padding: ImagePadding, fill: Double = 0, mode: PaddingMode = .constant) {
        (self.padding, self.fill, self.mode) = (padding, fill, mode)
    }
    /// The image padded.
    public func callAsFunction(_ image: Tensor) -> Tensor { pad(image, padding, fill: fill, mode: mode) }
}

/// The central `size` region (`transforms.CenterCrop`), zero-padded first when the image is smaller.
public struct CenterCrop: Transform {
    /// The `size` argument it was made with.
    public let size: ImageSize
    /// `CenterCrop(…)`, with torchvision's arguments and defaults.
    public init(_ size: some ImageSizeConvertible) { self.size = size.imageSize }

    /// The centre crop of the image (padded first when it is smaller).
    public func callAsFunction(_ image: Tensor) -> Tensor {
        let (cropHeight, cropWidth) = size.dimensions
        var image = image
        var (h, w) = image.imageSize
        if cropHeight > h || cropWidth > w {
            let padding = ImagePadding(left: cropWidth > w ? (cropWidth - w) / 2 : 0, top: cropHeight > h ? (cropHeight - h) / 2 : 0,
                                       right: cropWidth > w ? (cropWidth - w + 1) / 2 : 0, bottom: cropHeight > h ? (cropHeight - h + 1) / 2 : 0)
            image = pad(image, padding)
            (h, w) = image.imageSize
            if cropHeight == h && cropWidth == w { return image }
        }
        let top = Int((Double(h - cropHeight) / 2).rounded(.toNearestOrEven))
        let left = Int((Double(w - cropWidth) / 2).rounded(.toNearestOrEven))
        return crop(image, top: top, left: left, height: cropHeight, width: cropWidth)
    }
}

/// A random `size` region (`transforms.RandomCrop`), after optional padding.
public struct RandomCrop: Transform {
    /// The `size` argument it was made with.
    public let size: ImageSize
    /// Padding added before cropping, or none.
    public let padding: ImagePadding?
    /// The `pad_if_needed` argument it was made with.
    public let padIfNeeded: Bool
    /// The `fill` argument it was made with.
    public let fill: Double
    /// The `padding_mode` argument it was made with.
    public let paddingMode: PaddingMode

    /// `RandomCrop(…)`, with torchvision's arguments and defaults.
    public init(_ size: some ImageSizeConvertible, padding: ImagePadding? = nil, padIfNeeded: Bool = false, fill: Double = 0,
                paddingMode: PaddingMode = .constant) {
        (self.size, self.padding, self.padIfNeeded, self.fill, self.paddingMode) = (size.imageSize, padding, padIfNeeded, fill, paddingMode)
    }

    /// A crop at a random position.
    public func callAsFunction(_ image: Tensor) -> Tensor {
        let (th, tw) = size.dimensions
        var image = image
        if let padding { image = pad(image, padding, fill: fill, mode: paddingMode) }
        if padIfNeeded && image.imageSize.width < tw {
            image = pad(image, [tw - image.imageSize.width, 0], fill: fill, mode: paddingMode)
        }
        if padIfNeeded && image.imageSize.height < th {
            image = pad(image, [0, th - image.imageSize.height], fill: fill, mode: paddingMode)
        }
        let (h, w) = image.imageSize
        precondition(h >= th && w >= tw, "RandomCrop: crop \(th)×\(tw) is larger than the image \(h)×\(w)")
        if h == th && w == tw { return image }
        let top = randomInt(below: h - th + 1), left = randomInt(below: w - tw + 1)
        return crop(image, top: top, left: left, height: th, width: tw)
    }
}

/// Flips left–right with probability `p` (`transforms.RandomHorizontalFlip`).
public struct RandomHorizontalFlip: Transform {
    /// The `p` argument it was made with.
    public let p: Double
    /// `RandomHorizontalFlip(…)`, with torchvision's arguments and defaults.
    public init(p: Double = 0.5) { self.p = p }
    /// The image flipped left to right with probability `p`.
    public func callAsFunction(_ image: Tensor) -> Tensor { randomUniform() < p ? image.flip([-1]) : image }
}

/// Flips upside down with probability `p` (`transforms.RandomVerticalFlip`).
public struct RandomVerticalFlip: Transform {
    /// The `p` argument it was made with.
    public let p: Double
    /// `RandomVerticalFlip(…)`, with torchvision's arguments and defaults.
    public init(p: Double = 0.5) { self.p = p }
    /// The image flipped top to bottom with probability `p`.
    public func callAsFunction(_ image: Tensor) -> Tensor { randomUniform() < p ? image.flip([-2]) : image }
}

/// A random region of random area and aspect ratio, resized to `size` (`transforms.RandomResizedCrop`).
public struct RandomResizedCrop: Transform {
    /// The `size` argument it was made with.
    public let size: ImageSize
    /// The `scale` argument it was made with.
    public let scale: (Double, Double)
    /// The `ratio` argument it was made with.
    public let ratio: (Double, Double)
    /// The `interpolation` argument it was made with.
    public let interpolation: Interpolation
    /// The `antialias` argument it was made with.
    public let antialias: Bool

    /// `RandomResizedCrop(…)`, with torchvision's arguments and defaults.
    public init(_ size: some ImageSizeConvertible, scale: (Double, Double) = (0.08, 1), ratio: (Double, Double) = (3.0 / 4, 4.0 / 3),
                interpolation: Interpolation = .bilinear, antialias: Bool = true) {
        (self.size, self.scale, self.ratio, self.interpolation, self.antialias) = (size.imageSize, scale, ratio, interpolation, antialias)
    }

    /// torchvision's `get_params`: ten tries at a region inside the image, then a central crop.
    func region(height: Int, width: Int) -> (top: Int, left: Int, height: Int, width: Int) {
        let area = Double(height * width)
        let logRatio = (Double(Float(Foundation.log(Float(ratio.0)))), Double(Float(Foundation.log(Float(ratio.1)))))
        for _ in 0..<10 {
            let targetArea = area * randomUniform(scale.0, scale.1)
            let aspect = Double(Foundation.exp(Float(randomUniform(logRatio.0, logRatio.1))))
            let w = Int((targetArea * aspect).squareRoot().rounded(.toNearestOrEven))
            let h = Int((targetArea / aspect).squareRoot().rounded(.toNearestOrEven))
            if 0 < w && w <= width && 0 < h && h <= height {
                let top = randomInt(below: height - h + 1), left = randomInt(below: width - w + 1)
                return (top, left, h, w)
            }
        }
        let inRatio = Double(width) / Double(height)
        var (h, w) = (height, width)
        if inRatio < Swift.min(ratio.0, ratio.1) {
            h = Int((Double(w) / Swift.min(ratio.0, ratio.1)).rounded(.toNearestOrEven))
        } else if inRatio > Swift.max(ratio.0, ratio.1) {
            w = Int((Double(h) * Swift.max(ratio.0, ratio.1)).rounded(.toNearestOrEven))
        }
        return ((height - h) / 2, (width - w) / 2, h, w)
    }

    /// A crop of random area and aspect ratio, resized to `size`.
    public func callAsFunction(_ image: Tensor) -> Tensor {
        let r = region(height: image.imageSize.height, width: image.imageSize.width)
        let (outHeight, outWidth) = size.dimensions
        return resize(crop(image, top: r.top, left: r.left, height: r.height, width: r.width),
                      height: outHeight, width: outWidth, interpolation: interpolation, antialias: antialias)
    }
}

// MARK: Rotation

/// Rotates by a random angle in `degrees` (`transforms.RandomRotation`), counter-clockwise, about the
/// centre (or `center`, in pixels), nearest-neighbour by default; pixels from outside are `fill`.
public struct RandomRotation: Transform {
    /// The `degrees` argument it was made with.
    public let degrees: (Double, Double)
    /// The `interpolation` argument it was made with.
    public let interpolation: Interpolation
    /// The `expand` argument it was made with.
    public let expand: Bool
    /// The `center` argument it was made with.
    public let center: (Double, Double)?
    /// The `fill` argument it was made with.
    public let fill: Double

    /// `degrees: 30` draws from [-30, 30].
    public init(degrees: Double, interpolation: Interpolation = .nearest, expand: Bool = false,
                center: (Double, Double)? = nil, fill: Double = 0) {
        self.init(degrees: (-degrees, degrees), interpolation: interpolation, expand: expand, center: center, fill: fill)
    }

    /// `RandomRotation(…)`, with torchvision's arguments and defaults.
    public init(degrees: (Double, Double), interpolation: Interpolation = .nearest, expand: Bool = false,
                center: (Double, Double)? = nil, fill: Double = 0) {
        (self.degrees, self.interpolation, self.expand, self.center, self.fill) = (degrees, interpolation, expand, center, fill)
    }

    /// The image rotated by a random angle.
    public func callAsFunction(_ image: Tensor) -> Tensor {
        let angle = randomUniform(degrees.0, degrees.1)
        return rotate(image, angle: angle, interpolation: interpolation, expand: expand, center: center, fill: fill)
    }
}

/// Rotates the image by `angle` degrees counter-clockwise (`F.rotate` on tensors: an inverse affine map
/// sampled as `grid_sample` does, align_corners=False).
public func rotate(_ image: Tensor, angle: Double, interpolation: Interpolation = .nearest, expand: Bool = false,
                   center: (Double, Double)? = nil, fill: Double = 0) -> Tensor {
    let source = Planes(image)
    let (h, w) = (source.height, source.width)
    let (cx, cy) = center.map { ($0.0 - Double(w) * 0.5, $0.1 - Double(h) * 0.5) } ?? (0, 0)
    let r = -angle * Double.pi / 180
    // _get_inverse_affine_matrix(center, -angle, translate 0, scale 1, shear 0)
    var m = [cos(r), sin(r), 0, -sin(r), cos(r), 0]
    m[2] += m[0] * -cx + m[1] * -cy + cx
    m[5] += m[3] * -cx + m[4] * -cy + cy
    var (outHeight, outWidth) = (h, w)
    if expand {
        let corners = [(-0.5 * Double(w), -0.5 * Double(h)), (-0.5 * Double(w), 0.5 * Double(h)),
                       (0.5 * Double(w), 0.5 * Double(h)), (0.5 * Double(w), -0.5 * Double(h))]
        let xs = corners.map { Float(m[0] * $0.0 + m[1] * $0.1 + m[2]) }, ys = corners.map { Float(m[3] * $0.0 + m[4] * $0.1 + m[5]) }
        func extent(_ v: [Float], _ half: Float) -> Int {
            let high = (((v.max()! + half) * 10_000).rounded(.towardZero) * 1e-4).rounded(.up)
            let low = (((v.min()! + half) * 10_000).rounded(.towardZero) * 1e-4).rounded(.down)
            return Int(high - low)
        }
        (outWidth, outHeight) = (extent(xs, Float(w) / 2), extent(ys, Float(h) / 2))
    }
    // affine_grid with theta rescaled by [w/2, h/2], then grid_sample's unnormalisation (align_corners=False)
    let theta = m.map { Float($0) }
    let (halfWidth, halfHeight) = (Float(0.5 * Double(w)), Float(0.5 * Double(h)))
    let tx = [theta[0] / halfWidth, theta[1] / halfWidth, theta[2] / halfWidth]
    let ty = [theta[3] / halfHeight, theta[4] / halfHeight, theta[5] / halfHeight]
    var out = [Float](repeating: 0, count: source.count * outHeight * outWidth)
    for y in 0..<outHeight {
        let gy = -Float(outHeight) * 0.5 + 0.5 + Float(y)
        for x in 0..<outWidth {
            let gx = -Float(outWidth) * 0.5 + 0.5 + Float(x)
            let sx = ((gx * tx[0] + gy * tx[1] + tx[2] + 1) * Float(w) - 1) / 2
            let sy = ((gx * ty[0] + gy * ty[1] + ty[2] + 1) * Float(h) - 1) / 2
            for plane in 0..<source.count {
                out[(plane * outHeight + y) * outWidth + x] = sample(source, plane: plane, x: sx, y: sy,
                                                                     interpolation: interpolation, fill: Float(fill))
            }
        }
    }
    return Planes(values: out, leading: source.leading, height: outHeight, width: outWidth).tensor(image.dtype)
}

/// The value at (x, y): nearest (half to even) or bilinear, with `fill` outside the image.
private func sample(_ image: Planes, plane: Int, x: Float, y: Float, interpolation: Interpolation, fill: Float) -> Float {
    let base = plane * image.height * image.width
    func at(_ row: Int, _ column: Int) -> Float {
        row >= 0 && row < image.height && column >= 0 && column < image.width ? image.values[base + row * image.width + column] : fill
    }
    switch interpolation {
    case .nearest:
        return at(Int(y.rounded(.toNearestOrEven)), Int(x.rounded(.toNearestOrEven)))
    case .bilinear:
        let (x0, y0) = (Int(x.rounded(.down)), Int(y.rounded(.down)))
        let (fx, fy) = (x - Float(x0), y - Float(y0))
        let top = at(y0, x0) * (1 - fx) + at(y0, x0 + 1) * fx
        let bottom = at(y0 + 1, x0) * (1 - fx) + at(y0 + 1, x0 + 1) * fx
        return top * (1 - fy) + bottom * fy
    case .bicubic:
        preconditionFailure("rotate: interpolation must be nearest or bilinear, as torchvision's rotate on tensors")
    }
}

// MARK: Random draws, as torchvision makes them (from `Generator.current`)

/// `torch.rand(1).item()` (or `torch.empty(1).uniform_(low, high).item()`): one float32 draw.
func randomUniform(_ low: Double = 0, _ high: Double = 1) -> Double {
    Tensor.empty([1]).uniform_(from: low, to: high, generator: .current).item()
}

/// `torch.randint(0, n, size=(1,)).item()`.
func randomInt(below n: Int) -> Int { Int(Tensor.randint(0, n, [1], generator: .current).item()) }

/// `torch.randperm(n)`.
func randomPermutation(_ n: Int) -> [Int] { Tensor.randperm(n, generator: .current).toArray(as: Int.self) }
