// Convolutions (conv1d, conv2d, conv_transpose1d/2d) as im2col + GEMM on the backend, recorded as `ConvolutionBackward0`.

/// A size given as one number for every spatial dimension or one per dimension (`stride: 2`, `stride: [2, 1]`).
public struct IntPair: ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral, Equatable, Sendable, CustomStringConvertible {
    /// The `first` and `second` arguments it was made with.
    public let first: Int, second: Int
    /// Whether it was given as one number (PyTorch prints it back the way it was given).
    public let isScalar: Bool
    /// Two sizes, `(first, second)`.
    public init(_ first: Int, _ second: Int) { self.first = first; self.second = second; isScalar = false }
    /// The same size in both dimensions, printed as one number.
    public init(_ value: Int) { first = value; second = value; isScalar = true }
    /// A literal `3`: the same size in both dimensions.
    public init(integerLiteral value: Int) { self.init(value) }
    /// A literal `[3, 5]`: one size per dimension (`[3]` is both).
    public init(arrayLiteral elements: Int...) { self.init(elements) }
    /// One size for both dimensions, or one for each.
    public init(_ values: [Int]) {
        precondition(values.count == 1 || values.count == 2, "expected 1 or 2 sizes, got \(values)")
        if values.count == 1 { self.init(values[0]) } else { self.init(values[0], values[1]) }
    }
    var array: [Int] { [first, second] }
    /// Whether both entries are equal.
    public static func == (lhs: IntPair, rhs: IntPair) -> Bool { lhs.first == rhs.first && lhs.second == rhs.second }
    /// `2` or `(3, 2)`, as Python prints what was given.
    public var description: String { isScalar ? "\(first)" : "(\(first), \(second))" }
    /// Always as a tuple: `(3, 3)`.
    var tupleDescription: String { "(\(first), \(second))" }
}

/// Convolution padding: explicit sizes, `"same"` (output as large as the input at stride 1) or `"valid"` (none).
public enum ConvPadding: ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral, ExpressibleByStringLiteral, Equatable, Sendable {
    /// The same padding on both sides of each dimension.
    case explicit(IntPair)
    /// `padding="same"`: the output as large as the input (stride 1).
    case same
    /// `padding="valid"`: no padding.
    case valid

    /// A literal `1`: the same padding on both sides of each dimension.
    public init(integerLiteral value: Int) { self = .explicit(IntPair(value, value)) }
    /// A literal `[1, 2]`: the padding of each dimension.
    public init(arrayLiteral elements: Int...) { self = .explicit(IntPair(elements)) }
    /// `"same"` or `"valid"`, as PyTorch spells them; another string stops.
    public init(stringLiteral value: String) {
        switch value {
        case "same": self = .same
        case "valid": self = .valid
        default: preconditionFailure("padding must be \"same\", \"valid\" or sizes, got \"\(value)\"")
        }
    }
}

extension Tensor {
    /// 2-d convolution of [N, C, H, W] by [O, C/groups, kH, kW] (`F.conv2d`).
    public static func conv2d(_ input: Tensor, _ weight: Tensor, _ bias: Tensor? = nil, stride: IntPair = 1,
                              padding: ConvPadding = 0, dilation: IntPair = 1, groups: Int = 1,
                              file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        if input.dim == 3 {   // an unbatched image [C, H, W], as PyTorch accepts
            return conv2d(input.unsqueeze(0), weight, bias, stride: stride, padding: padding, dilation: dilation, groups: groups,
                          file: file, line: line).squeeze(0)
        }
        check(input.dim == 4 && weight.dim == 4, "conv2d", "expected 4-d input and weight, got input \(shapeText(input.shape)) "
              + "and weight \(shapeText(weight.shape))", file: file, line: line)
        check(input.shape[1] == weight.shape[1] * groups && weight.shape[0] % groups == 0, "conv2d",
              "Given groups=\(groups), weight of size \(shapeText(weight.shape)), expected input\(shapeText(input.shape)) to have "
              + "\(weight.shape[1] * groups) channels, but got \(input.shape[1]) channels instead", file: file, line: line)
        let pad: IntPair
        var input = input
        switch padding {
        case .explicit(let p): pad = p
        case .valid: pad = 0
        case .same:
            check(stride == 1, "conv2d", "padding='same' is not supported for strided convolutions", file: file, line: line)
            let total = (dilation.first * (weight.shape[2] - 1), dilation.second * (weight.shape[3] - 1))
            pad = IntPair(total.0 / 2, total.1 / 2)
            // An odd total (an even kernel with odd dilation) puts the extra row and column at the end, as PyTorch.
            if total.0 % 2 == 1 || total.1 % 2 == 1 { input = F.pad(input, [0, total.1 % 2, 0, total.0 % 2]) }
        }
        let plan = ConvolutionPlan(input: input.shape, weight: weight.shape, stride: stride, padding: pad,
                                   dilation: dilation, groups: groups, transposed: false, outputPadding: 0)
        check(plan.outH > 0 && plan.outW > 0, "conv2d", "input \(shapeText(input.shape)) is too small for kernel "
              + "\(shapeText(weight.shape)) with padding \(pad.array) and dilation \(dilation.array)", file: file, line: line)
        return plan.run(input, weight, bias, file: file, line: line)
    }

    /// 1-d convolution of [N, C, L] by [O, C/groups, k] (`F.conv1d`).
    public static func conv1d(_ input: Tensor, _ weight: Tensor, _ bias: Tensor? = nil, stride: Int = 1, padding: Int = 0,
                              dilation: Int = 1, groups: Int = 1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        if input.dim == 2 {   // an unbatched sequence [C, L]
            return conv1d(input.unsqueeze(0), weight, bias, stride: stride, padding: padding, dilation: dilation, groups: groups,
                          file: file, line: line).squeeze(0)
        }
        check(input.dim == 3 && weight.dim == 3, "conv1d", "expected 3-d input and weight, got input \(shapeText(input.shape)) "
              + "and weight \(shapeText(weight.shape))", file: file, line: line)
        check(input.shape[1] == weight.shape[1] * groups, "conv1d", "Given groups=\(groups), weight of size "
              + "\(shapeText(weight.shape)), expected input\(shapeText(input.shape)) to have \(weight.shape[1] * groups) channels",
              file: file, line: line)
        let plan = ConvolutionPlan(input: [input.shape[0], input.shape[1], 1, input.shape[2]],
                                   weight: [weight.shape[0], weight.shape[1], 1, weight.shape[2]],
                                   stride: IntPair(1, stride), padding: IntPair(0, padding), dilation: IntPair(1, dilation),
                                   groups: groups, transposed: false, outputPadding: 0)
        check(plan.outW > 0, "conv1d", "input \(shapeText(input.shape)) is too small for kernel \(shapeText(weight.shape))",
              file: file, line: line)
        return plan.run(input, weight, bias, file: file, line: line)
    }

    /// 1-d convolution with `"same"` or `"valid"` padding (`F.conv1d(x, w, padding="same")`); an odd total of
    /// "same" padding puts the extra element at the end, as PyTorch. Disfavoured, so an integer padding keeps the
    /// form above.
    @_disfavoredOverload
    public static func conv1d(_ input: Tensor, _ weight: Tensor, _ bias: Tensor? = nil, stride: Int = 1, padding: ConvPadding,
                              dilation: Int = 1, groups: Int = 1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        switch padding {
        case .explicit(let p):
            return conv1d(input, weight, bias, stride: stride, padding: p.second, dilation: dilation, groups: groups, file: file, line: line)
        case .valid:
            return conv1d(input, weight, bias, stride: stride, padding: 0, dilation: dilation, groups: groups, file: file, line: line)
        case .same:
            check(stride == 1, "conv1d", "padding='same' is not supported for strided convolutions", file: file, line: line)
            let total = dilation * ((weight.shape.last ?? 1) - 1)
            let x = total % 2 == 1 ? F.pad(input, [0, 1]) : input
            return conv1d(x, weight, bias, stride: 1, padding: total / 2, dilation: dilation, groups: groups, file: file, line: line)
        }
    }

    /// Transposed 2-d convolution of [N, C, H, W] by [C, O/groups, kH, kW] (`F.conv_transpose2d`).
    public static func convTranspose2d(_ input: Tensor, _ weight: Tensor, _ bias: Tensor? = nil, stride: IntPair = 1,
                                       padding: IntPair = 0, outputPadding: IntPair = 0, groups: Int = 1, dilation: IntPair = 1,
                                       file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        if input.dim == 3 {   // an unbatched image [C, H, W]
            return convTranspose2d(input.unsqueeze(0), weight, bias, stride: stride, padding: padding, outputPadding: outputPadding,
                                   groups: groups, dilation: dilation, file: file, line: line).squeeze(0)
        }
        check(input.dim == 4 && weight.dim == 4 && input.shape[1] == weight.shape[0], "conv_transpose2d",
              "expected input [N, C, H, W] and weight [C, O/groups, kH, kW] with the same C, got input "
              + "\(shapeText(input.shape)) and weight \(shapeText(weight.shape))", file: file, line: line)
        let plan = ConvolutionPlan(input: input.shape, weight: weight.shape, stride: stride, padding: padding,
                                   dilation: dilation, groups: groups, transposed: true, outputPadding: outputPadding)
        return plan.run(input, weight, bias, file: file, line: line)
    }

    /// Transposed 1-d convolution of [N, C, L] (or unbatched [C, L]) by [C, O/groups, k] (`F.conv_transpose1d`),
    /// run as a transposed 2-d convolution of height 1.
    public static func convTranspose1d(_ input: Tensor, _ weight: Tensor, _ bias: Tensor? = nil, stride: Int = 1, padding: Int = 0,
                                       outputPadding: Int = 0, groups: Int = 1, dilation: Int = 1,
                                       file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        if input.dim == 2 {
            return convTranspose1d(input.unsqueeze(0), weight, bias, stride: stride, padding: padding, outputPadding: outputPadding,
                                   groups: groups, dilation: dilation, file: file, line: line).squeeze(0)
        }
        check(input.dim == 3 && weight.dim == 3 && input.shape[1] == weight.shape[0], "conv_transpose1d",
              "expected input [N, C, L] and weight [C, O/groups, k] with the same C, got input \(shapeText(input.shape)) "
              + "and weight \(shapeText(weight.shape))", file: file, line: line)
        let plan = ConvolutionPlan(input: [input.shape[0], input.shape[1], 1, input.shape[2]],
                                   weight: [weight.shape[0], weight.shape[1], 1, weight.shape[2]], stride: IntPair(1, stride),
                                   padding: IntPair(0, padding), dilation: IntPair(1, dilation), groups: groups, transposed: true,
                                   outputPadding: IntPair(0, outputPadding))
        return plan.run(input, weight, bias, file: file, line: line)
    }
}

extension ConvolutionPlan {
    /// Runs the convolution on `input`/`weight` (4-d, or 3-d for a 1-d convolution, viewed with height 1).
    func run(_ input: Tensor, _ weight: Tensor, _ bias: Tensor?, file: StaticString, line: UInt) -> Tensor {
        Tensor.checkSameDevice(input, weight, op: "convolution", file: file, line: line)
        if let bias { Tensor.checkSameDevice(input, bias, op: "convolution", file: file, line: line) }
        let type = resultType([input, weight]).floatingCounterpart
        let compute = type.computeType
        let oneDimensional = input.dim == 3
        let x = input.kernelInput(compute).contiguous().reshape([batch, inChannels, height, width])
        let w = weight.kernelInput(compute).contiguous().reshape([weight.shape[0], weight.shape[1], kernelH, kernelW])
        let b = bias.map { $0.kernelInput(compute).contiguous() }
        var out = Tensor(uninitializedShape: [batch, outChannels, outH, outW], dtype: compute, backend: x.backend)
        x.backend.convolution(self, input: x.operand, weight: w.operand, bias: b?.operand, into: out.operand)
        if compute != type { out = out.copied(as: type) }
        if oneDimensional { out = out.reshape([batch, outChannels, outW]) }
        let inputs = [input, weight] + (bias.map { [$0] } ?? [])
        record("ConvolutionBackward0", inputs: inputs, outputs: [out],
               saving: [SavedTensor(input), SavedTensor(weight)]) { g in
            let gradOut = g[0].kernelInput(compute).contiguous().reshape([batch, outChannels, outH, outW])
            let gradInput = input.requiresGrad ? Tensor.zeros(x.shape, dtype: compute, device: x.device) : nil
            let gradWeight = weight.requiresGrad ? Tensor.zeros(w.shape, dtype: compute, device: x.device) : nil
            x.backend.convolutionBackward(self, input: x.operand, weight: w.operand, gradOutput: gradOut.operand,
                                          gradInput: gradInput?.operand, gradWeight: gradWeight?.operand)
            let gradBias = bias.flatMap { $0.requiresGrad ? gradOut.sum(dims: [0, 2, 3]).to($0.dtype) : nil }
            return [gradInput?.reshape(input.shape).to(input.dtype), gradWeight?.reshape(weight.shape).to(weight.dtype)]
                + (bias == nil ? [] : [gradBias])
        }
        return out
    }
}
