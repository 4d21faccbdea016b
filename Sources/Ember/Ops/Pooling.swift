// Pooling: max (with indices), average and adaptive average over the last two dimensions.

extension Tensor {
    private var planeCount: Int { shape.dropLast(2).reduce(1, *) }

    private static func pooledSize(_ size: Int, kernel: Int, stride: Int, padding: Int, dilation: Int, ceilMode: Bool) -> Int {
        let span = size + 2 * padding - dilation * (kernel - 1) - 1
        var out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1
        // A last window that starts inside the right padding is dropped, as in PyTorch.
        if ceilMode && (out - 1) * stride >= size + padding { out -= 1 }
        return out
    }

    /// 2-d max pooling with the flat index of each max in its plane (`F.max_pool2d(…, return_indices=True)`).
    public static func maxPool2dWithIndices(_ input: Tensor, kernelSize: IntPair, stride: IntPair? = nil, padding: IntPair = 0,
                                            dilation: IntPair = 1, ceilMode: Bool = false,
                                            file: StaticString = #fileID, line: UInt = #line) -> (output: Tensor, indices: Tensor) {
        let (output, indices) = maxPool2d(input, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation,
                                          ceilMode: ceilMode, indices: true, file: file, line: line)
        return (output, indices!)
    }

    /// Max pooling, with the indices (and the backward node, which needs them) only when `indices` is true.
    private static func maxPool2d(_ input: Tensor, kernelSize: IntPair, stride: IntPair?, padding: IntPair, dilation: IntPair,
                                  ceilMode: Bool, indices wantIndices: Bool, file: StaticString,
                                  line: UInt) -> (output: Tensor, indices: Tensor?) {
        check(input.dim == 3 || input.dim == 4, "max_pool2d", "expected 3-d or 4-d input, got \(shapeText(input.shape))",
              file: file, line: line)
        let stride = stride ?? kernelSize
        check(padding.first * 2 <= kernelSize.first && padding.second * 2 <= kernelSize.second, "max_pool2d",
              "pad should be at most half of effective kernel size, but got pad=\(padding.array), kernel_size=\(kernelSize.array)",
              file: file, line: line)
        let (h, w) = (input.shape[input.dim - 2], input.shape[input.dim - 1])
        let g = PoolGeometry(height: h, width: w,
                             outH: pooledSize(h, kernel: kernelSize.first, stride: stride.first, padding: padding.first, dilation: dilation.first, ceilMode: ceilMode),
                             outW: pooledSize(w, kernel: kernelSize.second, stride: stride.second, padding: padding.second, dilation: dilation.second, ceilMode: ceilMode),
                             kernelH: kernelSize.first, kernelW: kernelSize.second, strideH: stride.first, strideW: stride.second,
                             padH: padding.first, padW: padding.second, dilationH: dilation.first, dilationW: dilation.second)
        check(g.outH > 0 && g.outW > 0, "max_pool2d", "output size is too small for input \(shapeText(input.shape))", file: file, line: line)
        let type = input.dtype.floatingCounterpart, compute = type.computeType
        let x = input.kernelInput(compute).contiguous()
        let outShape = Array(input.shape.dropLast(2)) + [g.outH, g.outW]
        let output = Tensor(uninitializedShape: outShape, dtype: compute, backend: x.backend)
        let planes = input.planeCount
        guard wantIndices else {
            x.backend.maxPool(x.operand, planes: planes, g, into: output.operand, indices: nil)
            return (output.kernelInput(type), nil)
        }
        let indices = Tensor(uninitializedShape: outShape, dtype: .int64, backend: x.backend)
        x.backend.maxPool(x.operand, planes: planes, g, into: output.operand, indices: indices.operand)
        let result = output.kernelInput(type)
        record("MaxPool2DWithIndicesBackward0", inputs: [input], outputs: [result, indices]) { grads in
            let gradInput = Tensor.zeros(input.shape, dtype: compute, device: input.device)
            gradInput.backend.maxPoolBackward(grads[0].kernelInput(compute).contiguous().operand, indices: indices.operand,
                                              planes: planes, g, into: gradInput.operand)
            return [gradInput.kernelInput(input.dtype)]
        }
        return (result, indices)
    }

    /// 2-d max pooling (`F.max_pool2d`).
    public static func maxPool2d(_ input: Tensor, kernelSize: IntPair, stride: IntPair? = nil, padding: IntPair = 0,
                                 dilation: IntPair = 1, ceilMode: Bool = false,
                                 file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        maxPool2d(input, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode,
                  indices: needsGrad(input), file: file, line: line).output
    }

    /// 2-d average pooling (`F.avg_pool2d`).
    public static func avgPool2d(_ input: Tensor, kernelSize: IntPair, stride: IntPair? = nil, padding: IntPair = 0,
                                 ceilMode: Bool = false, countIncludePad: Bool = true, divisorOverride: Int? = nil,
                                 file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(input.dim == 3 || input.dim == 4, "avg_pool2d", "expected 3-d or 4-d input, got \(shapeText(input.shape))",
              file: file, line: line)
        let stride = stride ?? kernelSize
        let (h, w) = (input.shape[input.dim - 2], input.shape[input.dim - 1])
        let g = PoolGeometry(height: h, width: w,
                             outH: pooledSize(h, kernel: kernelSize.first, stride: stride.first, padding: padding.first, dilation: 1, ceilMode: ceilMode),
                             outW: pooledSize(w, kernel: kernelSize.second, stride: stride.second, padding: padding.second, dilation: 1, ceilMode: ceilMode),
                             kernelH: kernelSize.first, kernelW: kernelSize.second, strideH: stride.first, strideW: stride.second,
                             padH: padding.first, padW: padding.second, dilationH: 1, dilationW: 1)
        let type = input.dtype.floatingCounterpart, compute = type.computeType
        let outShape = Array(input.shape.dropLast(2)) + [g.outH, g.outW]
        let output = Tensor(uninitializedShape: outShape, dtype: compute, backend: input.backend)
        let planes = input.planeCount
        input.backend.avgPool(input.kernelInput(compute).contiguous().operand, planes: planes, g, countIncludePad: countIncludePad,
                              divisorOverride: divisorOverride, backward: false, into: output.operand)
        let result = output.kernelInput(type)
        record("AvgPool2DBackward0", inputs: [input], outputs: [result]) { grads in
            let gradInput = Tensor.zeros(input.shape, dtype: compute, device: input.device)
            input.backend.avgPool(grads[0].kernelInput(compute).contiguous().operand, planes: planes, g, countIncludePad: countIncludePad,
                                  divisorOverride: divisorOverride, backward: true, into: gradInput.operand)
            return [gradInput.kernelInput(input.dtype)]
        }
        return result
    }

    /// Average pooling to a fixed output size (`F.adaptive_avg_pool2d`); a 1×1 output is a mean.
    public static func adaptiveAvgPool2d(_ input: Tensor, _ outputSize: IntPair,
                                         file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(input.dim == 3 || input.dim == 4, "adaptive_avg_pool2d", "expected 3-d or 4-d input, got \(shapeText(input.shape))",
              file: file, line: line)
        if outputSize == 1 { return input.mean(dims: [-2, -1], keepdim: true) }
        let (h, w) = (input.shape[input.dim - 2], input.shape[input.dim - 1])
        let type = input.dtype.floatingCounterpart, compute = type.computeType
        let outShape = Array(input.shape.dropLast(2)) + [outputSize.first, outputSize.second]
        let output = Tensor.zeros(outShape, dtype: compute, device: input.device)
        let planes = input.planeCount
        input.backend.adaptiveAvgPool(input.kernelInput(compute).contiguous().operand, planes: planes, height: h, width: w,
                                      outH: outputSize.first, outW: outputSize.second, backward: false, into: output.operand)
        let result = output.kernelInput(type)
        record("AdaptiveAvgPool2DBackward0", inputs: [input], outputs: [result]) { grads in
            let gradInput = Tensor.zeros(input.shape, dtype: compute, device: input.device)
            input.backend.adaptiveAvgPool(grads[0].kernelInput(compute).contiguous().operand, planes: planes, height: h, width: w,
                                          outH: outputSize.first, outW: outputSize.second, backward: true, into: gradInput.operand)
            return [gradInput.kernelInput(input.dtype)]
        }
        return result
    }
}
