// 3-d convolution and pooling, and 1-d pooling. conv3d adds up 2-d convolutions of depth slices; 3-d pooling
// reduces the strided views at each kernel offset. Each is recorded as PyTorch's one node; 1-d pooling runs as
// 2-d pooling of height 1, as PyTorch does.

/// Three sizes for the three spatial dimensions, or one for all (`kernelSize: 2`, `stride: [1, 2, 2]`).
public struct Triple: ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral, Equatable, Sendable, CustomStringConvertible {
    /// The `values` argument it was made with.
    public let values: [Int]
    /// Whether one size was given for all three (printed as PyTorch prints an int argument).
    let isUniformLiteral: Bool
    /// One size for all three dimensions, or one for each.
    public init(_ values: [Int]) {
        precondition(values.count == 1 || values.count == 3, "expected 1 or 3 sizes, got \(values)")
        self.values = values.count == 1 ? [Int](repeating: values[0], count: 3) : values
        isUniformLiteral = values.count == 1
    }
    /// A literal `3`: the same size in all three dimensions.
    public init(integerLiteral value: Int) { self.init([value]) }
    /// A literal `[1, 3, 3]`: one size per dimension.
    public init(arrayLiteral elements: Int...) { self.init(elements) }
    subscript(_ d: Int) -> Int { values[d] }
    /// Whether all three entries are equal.
    public static func == (a: Triple, b: Triple) -> Bool { a.values == b.values }
    /// One number when all three are equal, else the triple, as PyTorch prints a layer's sizes.
    public var description: String { isUniformLiteral ? "\(values[0])" : tupleDescription }
    /// The sizes as a Python tuple, `(1, 2, 2)`.
    var tupleDescription: String { "(" + values.map(String.init).joined(separator: ", ") + ")" }
}

extension Tensor {
    /// 3-d convolution of [N, C, D, H, W] (or unbatched [C, D, H, W]) by [O, C/groups, kD, kH, kW] (`F.conv3d`).
    public static func conv3d(_ input: Tensor, _ weight: Tensor, _ bias: Tensor? = nil, stride: Triple = 1, padding: Triple = 0,
                              dilation: Triple = 1, groups: Int = 1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        if input.dim == 4 {   // unbatched [C, D, H, W]
            return conv3d(input.unsqueeze(0), weight, bias, stride: stride, padding: padding, dilation: dilation, groups: groups,
                          file: file, line: line).squeeze(0)
        }
        check(input.dim == 5 && weight.dim == 5 && input.shape[1] == weight.shape[1] * groups, "conv3d",
              "expected input [N, C, D, H, W] and weight [O, C/groups, kD, kH, kW], got input \(shapeText(input.shape)) and weight "
              + "\(shapeText(weight.shape)) with groups=\(groups)", file: file, line: line)
        let depth = input.shape[2] + 2 * padding[0], kernelDepth = weight.shape[2]
        let outDepth = (depth - dilation[0] * (kernelDepth - 1) - 1) / stride[0] + 1
        check(outDepth > 0, "conv3d", "input \(shapeText(input.shape)) is too small for kernel \(shapeText(weight.shape))",
              file: file, line: line)
        let compute = { (t: [Tensor]) -> Tensor in
            let x = padding[0] == 0 ? t[0] : Tensor.pad(t[0], [0, 0, 0, 0, padding[0], padding[0]])
            let planes = (0..<outDepth).map { d in
                let slices = (0..<kernelDepth).map { k in
                    conv2d(x.select(2, d * stride[0] + k * dilation[0]), t[1].select(2, k), stride: IntPair(stride[1], stride[2]),
                           padding: .explicit(IntPair(padding[1], padding[2])), dilation: IntPair(dilation[1], dilation[2]), groups: groups)
                }
                return slices.dropFirst().reduce(slices[0], +)
            }
            let out = Tensor.stack(planes, dim: 2)
            return t.count > 2 ? out + t[2].reshape([1, -1, 1, 1, 1]) : out
        }
        let inputs = [input, weight] + (bias.map { [$0] } ?? [])
        let out = noGrad { compute(inputs) }
        recordRecomputed("ConvolutionBackward0", inputs: inputs, output: out, compute: compute)
        return out
    }

    /// 3-d convolution with `"same"` or `"valid"` padding; an odd total of "same" padding puts the extra element at
    /// the end of its dimension, as PyTorch.
    public static func conv3d(_ input: Tensor, _ weight: Tensor, _ bias: Tensor? = nil, stride: Triple = 1, padding: String,
                              dilation: Triple = 1, groups: Int = 1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(padding == "same" || padding == "valid", "conv3d", "padding must be 'same', 'valid' or sizes, got '\(padding)'",
              file: file, line: line)
        guard padding == "same" else {
            return conv3d(input, weight, bias, stride: stride, padding: 0, dilation: dilation, groups: groups, file: file, line: line)
        }
        check(stride == 1, "conv3d", "padding='same' is not supported for strided convolutions", file: file, line: line)
        let totals = (0..<3).map { dilation[$0] * (weight.shape[weight.dim - 3 + $0] - 1) }
        let x = totals.contains { $0 % 2 == 1 } ? F.pad(input, [0, totals[2] % 2, 0, totals[1] % 2, 0, totals[0] % 2]) : input
        return conv3d(x, weight, bias, stride: 1, padding: Triple(totals.map { $0 / 2 }), dilation: dilation, groups: groups,
                      file: file, line: line)
    }

    /// 1-d max pooling of [N, C, L] or [C, L] (`F.max_pool1d`).
    public static func maxPool1d(_ input: Tensor, kernelSize: Int, stride: Int? = nil, padding: Int = 0, dilation: Int = 1,
                                 ceilMode: Bool = false) -> Tensor {
        maxPool2d(input.unsqueeze(-2), kernelSize: IntPair(1, kernelSize), stride: IntPair(1, stride ?? kernelSize),
                  padding: IntPair(0, padding), dilation: IntPair(1, dilation), ceilMode: ceilMode).squeeze(-2)
    }

    /// 1-d max pooling with the index of each maximum along the length (`F.max_pool1d(…, return_indices=True)`).
    public static func maxPool1dWithIndices(_ input: Tensor, kernelSize: Int, stride: Int? = nil, padding: Int = 0, dilation: Int = 1,
                                            ceilMode: Bool = false) -> (output: Tensor, indices: Tensor) {
        let r = maxPool2dWithIndices(input.unsqueeze(-2), kernelSize: IntPair(1, kernelSize), stride: IntPair(1, stride ?? kernelSize),
                                     padding: IntPair(0, padding), dilation: IntPair(1, dilation), ceilMode: ceilMode)
        return (r.output.squeeze(-2), r.indices.squeeze(-2))
    }

    /// 1-d average pooling of [N, C, L] or [C, L] (`F.avg_pool1d`).
    public static func avgPool1d(_ input: Tensor, kernelSize: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false,
                                 countIncludePad: Bool = true) -> Tensor {
        avgPool2d(input.unsqueeze(-2), kernelSize: IntPair(1, kernelSize), stride: IntPair(1, stride ?? kernelSize),
                  padding: IntPair(0, padding), ceilMode: ceilMode, countIncludePad: countIncludePad).squeeze(-2)
    }

    /// 3-d max pooling of [N, C, D, H, W] or [C, D, H, W] (`F.max_pool3d`).
    public static func maxPool3d(_ input: Tensor, kernelSize: Triple, stride: Triple? = nil, padding: Triple = 0, dilation: Triple = 1,
                                 ceilMode: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        maxPool3dWithIndices(input, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode,
                             file: file, line: line).output
    }

    /// 3-d max pooling with the flat index of each maximum in its D·H·W volume
    /// (`F.max_pool3d(…, return_indices=True)`).
    public static func maxPool3dWithIndices(_ input: Tensor, kernelSize: Triple, stride: Triple? = nil, padding: Triple = 0,
                                            dilation: Triple = 1, ceilMode: Bool = false, file: StaticString = #fileID,
                                            line: UInt = #line) -> (output: Tensor, indices: Tensor) {
        let windows = PoolWindows(input, kernelSize, stride ?? kernelSize, padding, dilation, ceilMode, op: "max_pool3d", file: file, line: line)
        let compute = { (t: [Tensor]) -> Tensor in Tensor.stack(windows.views(of: t[0], fill: -.infinity), dim: -1).max(dim: -1).values }
        let (out, offsets) = noGrad { () -> (Tensor, Tensor) in
            let r = Tensor.stack(windows.views(of: input.detach(), fill: -.infinity), dim: -1).max(dim: -1)
            return (r.values, r.indices)
        }
        recordRecomputed("MaxPool3DWithIndicesBackward0", inputs: [input], output: out, compute: compute)
        return (out, windows.flatIndices(ofOffsets: offsets))
    }

    /// 3-d average pooling of [N, C, D, H, W] or [C, D, H, W] (`F.avg_pool3d`): padding counts in the divisor unless
    /// `countIncludePad` is false; `divisorOverride` replaces the divisor.
    public static func avgPool3d(_ input: Tensor, kernelSize: Triple, stride: Triple? = nil, padding: Triple = 0, ceilMode: Bool = false,
                                 countIncludePad: Bool = true, divisorOverride: Int? = nil,
                                 file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let windows = PoolWindows(input, kernelSize, stride ?? kernelSize, padding, 1, ceilMode, op: "avg_pool3d", file: file, line: line)
        let divisor = divisorOverride.map { Tensor(Double($0)).to(input.dtype) } ?? windows.counts(includingPadding: countIncludePad, on: input.device).to(input.dtype)
        let compute = { (t: [Tensor]) -> Tensor in
            let views = windows.views(of: t[0], fill: 0)
            return views.dropFirst().reduce(views[0], +) / divisor
        }
        let out = noGrad { compute([input]) }
        recordRecomputed("AvgPool3DBackward0", inputs: [input], output: out, compute: compute)
        return out
    }
}

/// The windows of a 3-d pooling: output sizes, and for each kernel offset the strided view of the padded input.
private struct PoolWindows {
    let inSizes: [Int], outSizes: [Int], kernel: Triple, stride: Triple, padding: Triple, dilation: Triple
    let rightPadding: [Int]

    init(_ input: Tensor, _ kernel: Triple, _ stride: Triple, _ padding: Triple, _ dilation: Triple, _ ceilMode: Bool, op: String,
         file: StaticString, line: UInt) {
        check(input.dim == 4 || input.dim == 5, op, "expected 4-d or 5-d input, got \(shapeText(input.shape))", file: file, line: line)
        (self.kernel, self.stride, self.padding, self.dilation) = (kernel, stride, padding, dilation)
        let sizes = Array(input.shape.suffix(3))
        let outs = (0..<3).map { d in
            check(padding[d] * 2 <= kernel[d], op, "pad should be at most half of effective kernel size, but got pad=\(padding[d]) "
                  + "and kernel_size=\(kernel[d])", file: file, line: line)
            let span = sizes[d] + 2 * padding[d] - dilation[d] * (kernel[d] - 1) - 1
            var out = (ceilMode ? (span + stride[d] - 1) / stride[d] : span / stride[d]) + 1
            if ceilMode && (out - 1) * stride[d] >= sizes[d] + padding[d] { out -= 1 }
            return out
        }
        check(outs.allSatisfy { $0 > 0 }, op, "output size is too small for input \(shapeText(input.shape))", file: file, line: line)
        (inSizes, outSizes) = (sizes, outs)
        rightPadding = (0..<3).map { d in
            Swift.max(padding[d], (outs[d] - 1) * stride[d] + dilation[d] * (kernel[d] - 1) + 1 - sizes[d] - padding[d])
        }
    }

    /// For each kernel offset, the view of the padded input that offset reads for every output position.
    func views(of input: Tensor, fill: Double) -> [Tensor] {
        let padded = Tensor.pad(input, [padding[2], rightPadding[2], padding[1], rightPadding[1], padding[0], rightPadding[0]], value: fill)
        let first = padded.dim - 3
        var result: [Tensor] = []
        for a in 0..<kernel[0] { for b in 0..<kernel[1] { for c in 0..<kernel[2] {
            var view = padded
            for (d, k) in [a, b, c].enumerated() {
                let start = k * dilation[d]
                view = view.slice(first + d, start, start + (outSizes[d] - 1) * stride[d] + 1, stride[d])
            }
            result.append(view)
        } } }
        return result
    }

    /// The flat D·H·W input position of each output's chosen kernel offset (row-major over the kernel).
    func flatIndices(ofOffsets offsets: Tensor) -> Tensor {
        var remaining = offsets, position: Tensor? = nil
        for d in (0..<3).reversed() {
            let k = Int64(kernel[d])
            let along = remaining.remainder(Tensor(k))
            remaining = remaining.div(Tensor(k), roundingMode: .floor)
            var shape = [Int](repeating: 1, count: offsets.dim)
            shape[offsets.dim - 3 + d] = outSizes[d]
            let start = Tensor((0..<outSizes[d]).map { Int64($0 * stride[d] - padding[d]) }).view(shape).placed(on: offsets.device)
            let coordinate = start + along * Tensor(Int64(dilation[d]))
            let scale = Tensor(Int64(inSizes[(d + 1)...].reduce(1, *)))
            position = position.map { $0 + coordinate * scale } ?? coordinate * scale
        }
        return position!
    }

    /// How many positions each window averages: those inside the input and its padding, or inside the input only.
    func counts(includingPadding: Bool, on device: Device) -> Tensor {
        let perDim = (0..<3).map { d in
            (0..<outSizes[d]).map { o -> Double in
                let start = o * stride[d] - padding[d], end = Swift.min(start + kernel[d], inSizes[d] + padding[d])
                return Double(includingPadding ? end - start : Swift.min(end, inSizes[d]) - Swift.max(start, 0))
            }
        }
        return (Tensor(perDim[0]).view(-1, 1, 1) * Tensor(perDim[1]).view(1, -1, 1) * Tensor(perDim[2]).view(1, 1, -1)).placed(on: device)
    }
}

extension F {
    /// A 3-d convolution (cross-correlation) of [N, C, D, H, W] inputs (`F.conv3d`).
    public static func conv3d(_ x: Tensor, _ weight: Tensor, _ bias: Tensor? = nil, stride: Triple = 1, padding: Triple = 0,
                              dilation: Triple = 1, groups: Int = 1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        Tensor.conv3d(x, weight, bias, stride: stride, padding: padding, dilation: dilation, groups: groups, file: file, line: line)
    }
    /// `F.conv3d(x, w, padding="same")`.
    public static func conv3d(_ x: Tensor, _ weight: Tensor, _ bias: Tensor? = nil, stride: Triple = 1, padding: String,
                              dilation: Triple = 1, groups: Int = 1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        Tensor.conv3d(x, weight, bias, stride: stride, padding: padding, dilation: dilation, groups: groups, file: file, line: line)
    }
    /// A 1-d transposed convolution, the gradient of `conv1d` with respect to its input (`F.conv_transpose1d`).
    public static func convTranspose1d(_ x: Tensor, _ weight: Tensor, _ bias: Tensor? = nil, stride: Int = 1, padding: Int = 0,
                                       outputPadding: Int = 0, groups: Int = 1, dilation: Int = 1) -> Tensor {
        Tensor.convTranspose1d(x, weight, bias, stride: stride, padding: padding, outputPadding: outputPadding, groups: groups,
                               dilation: dilation)
    }
    /// Max pooling over windows of the last dimension (`F.max_pool1d`).
    public static func maxPool1d(_ x: Tensor, _ kernelSize: Int, stride: Int? = nil, padding: Int = 0, dilation: Int = 1,
                                 ceilMode: Bool = false) -> Tensor {
        Tensor.maxPool1d(x, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }
    /// Average pooling over windows of the last dimension (`F.avg_pool1d`).
    public static func avgPool1d(_ x: Tensor, _ kernelSize: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false,
                                 countIncludePad: Bool = true) -> Tensor {
        Tensor.avgPool1d(x, kernelSize: kernelSize, stride: stride, padding: padding, ceilMode: ceilMode, countIncludePad: countIncludePad)
    }
    /// Max pooling over windows of the last three dimensions (`F.max_pool3d`).
    public static func maxPool3d(_ x: Tensor, _ kernelSize: Triple, stride: Triple? = nil, padding: Triple = 0, dilation: Triple = 1,
                                 ceilMode: Bool = false) -> Tensor {
        Tensor.maxPool3d(x, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }
    /// Average pooling over windows of the last three dimensions (`F.avg_pool3d`).
    public static func avgPool3d(_ x: Tensor, _ kernelSize: Triple, stride: Triple? = nil, padding: Triple = 0, ceilMode: Bool = false,
                                 countIncludePad: Bool = true, divisorOverride: Int? = nil) -> Tensor {
        Tensor.avgPool3d(x, kernelSize: kernelSize, stride: stride, padding: padding, ceilMode: ceilMode,
                         countIncludePad: countIncludePad, divisorOverride: divisorOverride)
    }
}
