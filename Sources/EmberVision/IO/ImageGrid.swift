// `torchvision.utils.make_grid` and `save_image`.
import Ember

/// Tiles a batch of images [B, C, H, W] into one image [3 or C, H', W'], `nrow` per row with
/// `padding` pixels of `padValue` between them (`torchvision.utils.make_grid`). One-channel images
/// become three-channel; with `normalize` the values are shifted and scaled into [0, 1] using
/// `valueRange` (or the min and max, per image with `scaleEach`).
public func makeGrid(_ images: Tensor, nrow: Int = 8, padding: Int = 2, normalize: Bool = false,
                     valueRange: (Double, Double)? = nil, scaleEach: Bool = false, padValue: Double = 0,
                     file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    var batch: Tensor
    switch images.dim {
    case 2: batch = images.unsqueeze(0).unsqueeze(0)
    case 3: batch = images.shape[0] == 1 ? images.unsqueeze(0) : images.unsqueeze(1)
    case 4: batch = images
    default: preconditionFailure("makeGrid: expects images [B, C, H, W], [C, H, W] or [H, W], got \(images.shape) (\(file):\(line))")
    }
    if batch.shape[1] == 1 { batch = Tensor.cat([batch, batch, batch], dim: 1) }
    if normalize {
        batch = batch.clone()
        func scale(_ t: Tensor) {
            let (low, high) = valueRange ?? (t.min().item(), t.max().item())
            t.clamp_(min: low, max: high)
            t.sub_(Tensor(low)).div_(Tensor(Swift.max(high - low, 1e-5)))
        }
        if scaleEach { for k in 0..<batch.shape[0] { scale(batch[k]) } } else { scale(batch) }
    }
    let count = batch.shape[0]
    if count == 1 { return batch.squeeze(0) }
    let columns = Swift.min(nrow, count), rows = (count + columns - 1) / columns
    let (height, width) = (batch.shape[2] + padding, batch.shape[3] + padding)
    let grid = Tensor.full([batch.shape[1], height * rows + padding, width * columns + padding], padValue, dtype: batch.dtype)
    for k in 0..<count {
        let (y, x) = (k / columns, k % columns)
        grid.narrow(1, start: y * height + padding, length: height - padding)
            .narrow(2, start: x * width + padding, length: width - padding)
            .copy_(batch[k])
    }
    return grid
}

/// An image in [0, 1] as uint8 [0, 255], rounded as `save_image` rounds it: (x · 255 + 0.5) clamped.
public func imageBytes(_ image: Tensor) -> Tensor {
    (image * 255 + 0.5).clamp(min: 0, max: 255).to(.uint8)
}

/// Writes images in [0, 1] as one PNG (or JPEG, by the extension) file, tiled by `makeGrid`
/// (`torchvision.utils.save_image`). Throws a `VisionError` when the file cannot be written.
public func saveImage(_ images: Tensor, to path: String, nrow: Int = 8, padding: Int = 2, normalize: Bool = false,
                      valueRange: (Double, Double)? = nil, scaleEach: Bool = false, padValue: Double = 0) throws {
    let grid = makeGrid(images, nrow: nrow, padding: padding, normalize: normalize, valueRange: valueRange,
                        scaleEach: scaleEach, padValue: padValue)
    let pixels = imageBytes(grid)
    let lower = path.lowercased()
    if lower.hasSuffix(".jpg") || lower.hasSuffix(".jpeg") {
        try writeJPEG(pixels, to: path)
    } else {
        try writePNG(pixels, to: path)
    }
}
