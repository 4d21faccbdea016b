// `SummaryWriter.addImage` and `addImages` of tensors: PyTorch's conversion to 8-bit RGB, then PNG.
import Ember

/// Images as tensors, encoded to PNG by EmberVision.
extension SummaryWriter {
    /// An image (`add_image`): `imgTensor` laid out as `dataformats` says ("CHW", "HWC" or "HW"), uint8 as it is,
    /// any other dtype scaled by 255; values clipped to 0…255 and truncated, one channel repeated into three, as
    /// PyTorch converts them; stored as PNG.
    ///
    /// - Throws: `VisionError` when the PNG cannot be encoded; a layout that does not fit the tensor, or a channel count
    ///   other than 1, 3 or 4, stops with a message naming the caller.
    public func addImage(_ tag: String, _ imgTensor: Tensor, globalStep: Int? = nil, walltime: Double? = nil,
                         dataformats: String = "CHW", file: StaticString = #fileID, line: UInt = #line) throws {
        let layout = Array(dataformats.uppercased())
        precondition(layout.count == imgTensor.dim && Set(layout).isSubset(of: ["C", "H", "W"]) && layout.count == Set(layout).count
                     && layout.contains("H") && layout.contains("W"),
                     "addImage: dataformats \(dataformats) does not describe an image of shape \(imgTensor.shape) (\(file):\(line))")
        var image = imgTensor
        if !layout.contains("C") { image = image.unsqueeze(0) }
        let order = layout.contains("C") ? ["C", "H", "W"].map { layout.firstIndex(of: Character($0))! } : [0, 1, 2]
        try add(tag, chw: image.permute(order), globalStep: globalStep, walltime: walltime, file: file, line: line)
    }

    /// A batch of images as one grid (`add_images`): `imgTensor` laid out as `dataformats` says ("NCHW", "NHWC"), the
    /// images side by side in rows of at most eight, without padding, as PyTorch's grid.
    public func addImages(_ tag: String, _ imgTensor: Tensor, globalStep: Int? = nil, walltime: Double? = nil,
                          dataformats: String = "NCHW", file: StaticString = #fileID, line: UInt = #line) throws {
        let layout = Array(dataformats.uppercased())
        precondition(imgTensor.dim == 4 && layout.count == 4 && Set(layout) == ["N", "C", "H", "W"] && imgTensor.shape[0] > 0,
                     "addImages: dataformats \(dataformats) does not describe images of shape \(imgTensor.shape) (\(file):\(line))")
        let batch = imgTensor.permute(["N", "C", "H", "W"].map { layout.firstIndex(of: Character($0))! })
        let (count, channels, height, width) = (batch.shape[0], batch.shape[1], batch.shape[2], batch.shape[3])
        let columns = Swift.min(count, 8), rows = (count + columns - 1) / columns
        // Whole rows of the grid: the batch padded with blank images, then [rows, columns, C, H, W] → [C, rows·H, columns·W].
        let blanks = rows * columns - count
        let padded = blanks == 0 ? batch : Tensor.cat([batch, Tensor.zeros([blanks, channels, height, width], dtype: batch.dtype)])
        let grid = padded.reshape([rows, columns, channels, height, width]).permute([2, 0, 3, 1, 4])
            .reshape([channels, rows * height, columns * width])
        try add(tag, chw: grid, globalStep: globalStep, walltime: walltime, file: file, line: line)
    }

    /// Converts a [C, H, W] image as PyTorch does and adds it as PNG.
    private func add(_ tag: String, chw image: Tensor, globalStep: Int?, walltime: Double?, file: StaticString, line: UInt) throws {
        precondition([1, 3, 4].contains(image.shape[0]), "addImage: an image has 1, 3 or 4 channels, not \(image.shape[0]) (\(file):\(line))")
        let scale: Double = image.dtype == .uint8 ? 1 : 255
        var pixels = (image.detach().cpu().to(.float32) * scale).clamp(min: 0, max: 255).to(.uint8)
        if pixels.shape[0] == 1 { pixels = pixels.expand([3, pixels.shape[1], pixels.shape[2]]) }
        let png = try encodePNG(pixels.contiguous())
        addImage(tag, encodedImage: png, height: pixels.shape[1], width: pixels.shape[2], channels: pixels.shape[0],
                 globalStep: globalStep, walltime: walltime)
    }
}
