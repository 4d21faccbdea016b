// Sliding patches: `F.unfold` (im2col: every kernel-sized patch of an image as a column), its adjoint
// `F.fold` (col2im: columns summed back into an image), and `Tensor.unfold` (the windows along one
// dimension, as a view). unfold and fold are linear and each other's transpose, so each one's gradient is
// the other.

/// The geometry of sliding a kernel over an image: sizes, and for each column the input pixel each kernel
/// element reads.
private struct PatchGeometry {
    let channels: Int, height: Int, width: Int
    let kernel: IntPair, dilation: IntPair, padding: IntPair, stride: IntPair
    let outHeight: Int, outWidth: Int

    init(channels: Int, height: Int, width: Int, kernel: IntPair, dilation: IntPair, padding: IntPair, stride: IntPair) {
        (self.channels, self.height, self.width) = (channels, height, width)
        (self.kernel, self.dilation, self.padding, self.stride) = (kernel, dilation, padding, stride)
        outHeight = (height + 2 * padding.first - dilation.first * (kernel.first - 1) - 1) / stride.first + 1
        outWidth = (width + 2 * padding.second - dilation.second * (kernel.second - 1) - 1) / stride.second + 1
    }

    var rows: Int { channels * kernel.first * kernel.second }
    var blocks: Int { outHeight * outWidth }

    /// Calls `body(column index, image index)` for every element of the columns that reads inside the image.
    func forEachPair(_ body: (Int, Int) -> Void) {
        for c in 0..<channels {
            for i in 0..<kernel.first {
                for j in 0..<kernel.second {
                    let row = (c * kernel.first + i) * kernel.second + j
                    for oh in 0..<outHeight {
                        let y = oh * stride.first - padding.first + i * dilation.first
                        guard y >= 0 && y < height else { continue }
                        for ow in 0..<outWidth {
                            let x = ow * stride.second - padding.second + j * dilation.second
                            guard x >= 0 && x < width else { continue }
                            body(row * blocks + oh * outWidth + ow, (c * height + y) * width + x)
                        }
                    }
                }
            }
        }
    }

    /// [C·kH·kW, L] columns of one [C, H, W] image.
    func columns(of image: ArraySlice<Double>) -> [Double] {
        var out = [Double](repeating: 0, count: rows * blocks)
        let base = image.startIndex
        forEachPair { column, pixel in out[column] = image[base + pixel] }
        return out
    }

    /// The [C, H, W] image whose pixels sum the columns that read them.
    func image(of columns: ArraySlice<Double>) -> [Double] {
        var out = [Double](repeating: 0, count: channels * height * width)
        let base = columns.startIndex
        forEachPair { column, pixel in out[pixel] += columns[base + column] }
        return out
    }
}

extension Tensor {
    /// Every kernel-sized patch of each [C, H, W] image of `input` ([N, C, H, W] or unbatched) as a column:
    /// [N, C·kH·kW, L] with L patches (`F.unfold`, im2col).
    public static func unfold(_ input: Tensor, kernelSize: IntPair, dilation: IntPair = 1, padding: IntPair = 0, stride: IntPair = 1,
                              file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        if input.dim == 3 {
            return unfold(input.unsqueeze(0), kernelSize: kernelSize, dilation: dilation, padding: padding, stride: stride,
                          file: file, line: line).squeeze(0)
        }
        check(input.dim == 4, "im2col", "Expected 3D or 4D (batch mode) tensor for input with possible 0 batch size and non-zero "
              + "dimensions, but got: \(shapeText(input.shape))", file: file, line: line)
        let geometry = PatchGeometry(channels: input.shape[1], height: input.shape[2], width: input.shape[3], kernel: kernelSize,
                                     dilation: dilation, padding: padding, stride: stride)
        check(geometry.outHeight > 0 && geometry.outWidth > 0, "im2col", "Given input with spatial size (\(input.shape[2]), "
              + "\(input.shape[3])), kernel_size=\(kernelSize), dilation=\(dilation), padding=\(padding), calculated shape of the "
              + "array of sliding blocks as (\(geometry.outHeight), \(geometry.outWidth)), which is too small (non-positive)",
              file: file, line: line)
        let out = input.perItem(size: geometry.channels * geometry.height * geometry.width, [geometry.rows, geometry.blocks],
                                geometry.columns)
        if needsGrad(input) {
            record("Im2ColBackward0", inputs: [input], outputs: [out]) { g in
                [fold(g[0], outputSize: IntPair(geometry.height, geometry.width), kernelSize: kernelSize, dilation: dilation,
                      padding: padding, stride: stride, file: file, line: line)]
            }
        }
        return out
    }

    /// Sums columns of patches ([N, C·kH·kW, L] or unbatched) back into [N, C, H, W] images of `outputSize`, each
    /// pixel the sum of the patch elements that cover it (`F.fold`, col2im; the transpose of `unfold`).
    public static func fold(_ input: Tensor, outputSize: IntPair, kernelSize: IntPair, dilation: IntPair = 1, padding: IntPair = 0,
                            stride: IntPair = 1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        if input.dim == 2 {
            return fold(input.unsqueeze(0), outputSize: outputSize, kernelSize: kernelSize, dilation: dilation, padding: padding,
                        stride: stride, file: file, line: line).squeeze(0)
        }
        let patchSize = kernelSize.first * kernelSize.second
        check(input.dim == 3 && input.shape[1] % patchSize == 0, "col2im", "Expected size of input's dimension 1 to be divisible by "
              + "the product of kernel_size, but got input.size(1)=\(input.dim == 3 ? input.shape[1] : 0) and kernel_size=\(kernelSize)",
              file: file, line: line)
        let geometry = PatchGeometry(channels: input.shape[1] / patchSize, height: outputSize.first, width: outputSize.second,
                                     kernel: kernelSize, dilation: dilation, padding: padding, stride: stride)
        check(input.shape[2] == geometry.blocks, "col2im", "Given output_size=\(outputSize), kernel_size=\(kernelSize), "
              + "dilation=\(dilation), padding=\(padding), stride=\(stride), expected size of input's dimension 2 to match the "
              + "calculated number of sliding blocks \(geometry.outHeight) * \(geometry.outWidth) = \(geometry.blocks), but got "
              + "input.size(2)=\(input.shape[2]).", file: file, line: line)
        let out = input.perItem(size: geometry.rows * geometry.blocks, [geometry.channels, geometry.height, geometry.width], geometry.image)
        if needsGrad(input) {
            record("Col2ImBackward0", inputs: [input], outputs: [out]) { g in
                [unfold(g[0], kernelSize: kernelSize, dilation: dilation, padding: padding, stride: stride, file: file, line: line)]
            }
        }
        return out
    }

    /// `transform` applied to each item of the leading dimension (`size` elements each), stacked as
    /// [N] + `itemShape` in this tensor's floating-point dtype.
    private func perItem(size: Int, _ itemShape: [Int], _ transform: (ArraySlice<Double>) -> [Double]) -> Tensor {
        let values = contiguous().toArray(as: Double.self)
        let items = (0..<shape[0]).flatMap { n in transform(values[(n * size)..<((n + 1) * size)]) }
        return Tensor(items, shape: [shape[0]] + itemShape).to(dtype.floatingCounterpart).placed(on: device)
    }

    /// The windows of `size` elements every `step` along `dimension`, as a new last dimension of a view
    /// (`Tensor.unfold`).
    public func unfold(_ dimension: Int, _ size: Int, _ step: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let d = dim == 0 ? 0 : normalizeDim(dimension, rank: dim, op: "unfold", file: file, line: line)
        let length = dim == 0 ? 1 : shape[d]
        check(size <= length, "unfold", "maximum size for tensor at dimension \(d) is \(length) but size is \(size)", file: file, line: line)
        check(step > 0, "unfold", "step is \(step) but must be > 0", file: file, line: line)
        guard dim > 0 else {
            return recordView(makeView(shape: [size], strides: [1], offset: storageOffset), "UnfoldBackward0") { $0.sum() }
        }
        let windows = (length - size) / step + 1
        var windowShape = shape, windowStrides = strides
        windowShape[d] = windows
        windowStrides[d] = strides[d] * step
        let out = makeView(shape: windowShape + [size], strides: windowStrides + [strides[d]], offset: storageOffset)
        let inputShape = shape
        return recordView(out, "UnfoldBackward0") { g in
            // Each window's elements go back to positions w·step + e along `d`, overlapping windows adding up.
            let positions = (0..<windows).flatMap { w in (0..<size).map { Int64(w * step + $0) } }
            var mergedShape = inputShape
            mergedShape[d] = windows * size
            let merged = g.movedim(-1, d + 1).reshape(mergedShape)
            return Tensor.zeros(inputShape, dtype: g.dtype, device: g.device).indexAdd(d, Tensor(positions).placed(on: g.device), merged)
        }
    }
}

extension F {
    /// Extracts sliding local blocks of a batched image as columns (`F.unfold`).
    public static func unfold(_ input: Tensor, kernelSize: IntPair, dilation: IntPair = 1, padding: IntPair = 0, stride: IntPair = 1) -> Tensor {
        Tensor.unfold(input, kernelSize: kernelSize, dilation: dilation, padding: padding, stride: stride)
    }
    /// Sums sliding local blocks back into a batched image, the inverse of `unfold` (`F.fold`).
    public static func fold(_ input: Tensor, outputSize: IntPair, kernelSize: IntPair, dilation: IntPair = 1, padding: IntPair = 0,
                            stride: IntPair = 1) -> Tensor {
        Tensor.fold(input, outputSize: outputSize, kernelSize: kernelSize, dilation: dilation, padding: padding, stride: stride)
    }
}
