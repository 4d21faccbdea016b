// The transform protocol and the transforms that only compose or convert: Compose, Lambda, ToTensor,
// PILToTensor, ConvertImageDtype, Normalize.
import Ember

/// A function of an image (`torchvision.transforms`). Images are tensors [..., C, H, W]: uint8 as
/// data sets and `readImage` return them (the PIL image's equivalent), or floating point in [0, 1]
/// after `ToTensor`. Random transforms draw from `Generator.current`: the default generator, or in a
/// `DataLoader` worker a generator seeded per batch from the epoch's base seed, so `Ember.manualSeed`
/// reproduces an epoch's augmentations with or without workers.
public protocol Transform {
    /// The transformed image.
    func callAsFunction(_ image: Tensor) -> Tensor
}

/// Several transforms, applied in order (`transforms.Compose`).
public struct Compose: Transform {
    /// The `transforms` argument it was made with.
    public let transforms: [any Transform]
    /// `Compose(…)`, with torchvision's arguments and defaults.
    public init(_ transforms: [any Transform]) { self.transforms = transforms }
    /// The image through each transform in turn.
    public func callAsFunction(_ image: Tensor) -> Tensor { transforms.reduce(image) { $1($0) } }
}

/// A transform from a closure (`transforms.Lambda`).
public struct Lambda: Transform {
    /// The `body` argument it was made with.
    public let body: (Tensor) -> Tensor
    /// `Lambda(…)`, with torchvision's arguments and defaults.
    public init(_ body: @escaping (Tensor) -> Tensor) { self.body = body }
    /// `body(image)`.
    public func callAsFunction(_ image: Tensor) -> Tensor { body(image) }
}

/// A uint8 image [C, H, W] (or [H, W]) as float32 in [0, 1] (`transforms.ToTensor`); floating-point
/// images pass through unchanged.
public struct ToTensor: Transform {
    /// `ToTensor(…)`, with torchvision's arguments and defaults.
    public init() {}
    /// A uint8 image [C, H, W] (or [H, W]) as float32 in [0, 1]; floating-point images pass unchanged.
    public func callAsFunction(_ image: Tensor) -> Tensor {
        let chw = image.dim == 2 ? image.unsqueeze(0) : image
        return chw.dtype.isFloatingPoint ? chw : chw.to(.float32) / 255
    }
}

/// The image as a uint8 tensor [C, H, W], unscaled (`transforms.PILToTensor`).
public struct PILToTensor: Transform {
    /// `PILToTensor(…)`, with torchvision's arguments and defaults.
    public init() {}
    /// The image as uint8 [C, H, W].
    public func callAsFunction(_ image: Tensor) -> Tensor {
        let chw = image.dim == 2 ? image.unsqueeze(0) : image
        return chw.dtype == .uint8 ? chw : (chw * 255).round().clamp(min: 0, max: 255).to(.uint8)
    }
}

/// Converts between uint8 [0, 255] and floating-point [0, 1] images (`transforms.ConvertImageDtype`).
public struct ConvertImageDtype: Transform {
    /// The `dtype` argument it was made with.
    public let dtype: DType
    /// `ConvertImageDtype(…)`, with torchvision's arguments and defaults.
    public init(_ dtype: DType) { self.dtype = dtype }
    /// The image in `dtype`, rescaled between integer and floating-point ranges.
    public func callAsFunction(_ image: Tensor) -> Tensor { convertImage(image, to: dtype) }
}

/// Subtracts a mean and divides by a standard deviation per channel (`transforms.Normalize`).
public struct Normalize: Transform {
    /// The `mean` argument it was made with.
    public let mean: [Double]
    /// The `std` argument it was made with.
    public let std: [Double]
    private let meanColumn: Tensor
    private let stdColumn: Tensor

    /// `Normalize(…)`, with torchvision's arguments and defaults.
    public init(mean: [Double], std: [Double], file: StaticString = #fileID, line: UInt = #line) {
        precondition(mean.count == std.count && !std.contains(0),
                     "Normalize: mean \(mean) and std \(std) must have one nonzero std per mean (\(file):\(line))")
        self.mean = mean
        self.std = std
        meanColumn = Tensor(mean.map { Float($0) }, shape: [mean.count, 1, 1])
        stdColumn = Tensor(std.map { Float($0) }, shape: [std.count, 1, 1])
    }

    /// `Normalize(mean, std)`, positional as torchvision code writes it.
    public init(_ mean: [Double], _ std: [Double], file: StaticString = #fileID, line: UInt = #line) {
        self.init(mean: mean, std: std, file: file, line: line)
    }

    /// (image − mean) / std, per channel.
    public func callAsFunction(_ image: Tensor) -> Tensor {
        precondition(image.dtype.isFloatingPoint, "Normalize: needs a floating-point image (ToTensor first), got \(image.dtype)")
        return (image - meanColumn.to(image.dtype)) / stdColumn.to(image.dtype)
    }
}

/// `image` in `dtype`, rescaled between uint8's [0, 255] and floating point's [0, 1] as needed.
func convertImage(_ image: Tensor, to dtype: DType) -> Tensor {
    if image.dtype == dtype { return image }
    switch (image.dtype.isFloatingPoint, dtype.isFloatingPoint) {
    case (false, true): return image.to(dtype) / 255
    case (true, false): return (image * (256 - 1e-3)).clamp(min: 0, max: 256 - 1e-3).to(dtype)   // torchvision's scaling
    default: return image.to(dtype)
    }
}
