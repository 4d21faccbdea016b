// Convolution layers: Conv1d, Conv2d, ConvTranspose2d.

/// Weight and bias initialisation shared by the convolution layers (as `_ConvNd.reset_parameters`).
private func resetConvolution(_ weight: Tensor, _ bias: Tensor?) {
    Init.kaimingUniform_(weight, a: 5.0.squareRoot())
    if let b = bias {
        let fanIn = Init.fanInAndFanOut(weight).fanIn
        if fanIn != 0 { Init.uniform_(b, a: -1 / Double(fanIn).squareRoot(), b: 1 / Double(fanIn).squareRoot()) }
    }
}

/// `_ConvNd.extra_repr`.
private func convolutionDescription(_ inChannels: Int, _ outChannels: Int, kernel: [Int], stride: [Int], padding: String?,
                                    dilation: [Int], outputPadding: [Int], groups: Int, hasBias: Bool) -> String {
    func tuple(_ v: [Int]) -> String { "(" + v.map(String.init).joined(separator: ", ") + (v.count == 1 ? ",)" : ")") }
    var s = "\(inChannels), \(outChannels), kernel_size=\(tuple(kernel)), stride=\(tuple(stride))"
    if let p = padding { s += ", padding=\(p)" }
    if dilation.contains(where: { $0 != 1 }) { s += ", dilation=\(tuple(dilation))" }
    if outputPadding.contains(where: { $0 != 0 }) { s += ", output_padding=\(tuple(outputPadding))" }
    if groups != 1 { s += ", groups=\(groups)" }
    if !hasBias { s += ", bias=False" }
    return s
}

/// 2-d convolution (`nn.Conv2d`). Weight [out, in/groups, kH, kW].
open class Conv2d: Module {
    /// The learnable `weight`.
    @Parameter public var weight: Tensor
    /// The learnable `bias`.
    @OptionalParameter public var bias: Tensor?
    /// The `in_channels`, `out_channels` and `groups` arguments it was made with.
    public let inChannels: Int, outChannels: Int, groups: Int
    /// The `kernel_size`, `stride`, `padding` and `dilation` arguments it was made with.
    public let kernelSize: IntPair, stride: IntPair, padding: ConvPadding, dilation: IntPair

    /// `Conv2d(…)`, with PyTorch's arguments and defaults.
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: IntPair, stride: IntPair = 1, padding: ConvPadding = 0,
                dilation: IntPair = 1, groups: Int = 1, bias: Bool = true) {
        precondition(inChannels % groups == 0 && outChannels % groups == 0, "Conv2d: in_channels and out_channels must be divisible by groups")
        (self.inChannels, self.outChannels, self.groups) = (inChannels, outChannels, groups)
        (self.kernelSize, self.stride, self.padding, self.dilation) = (kernelSize, stride, padding, dilation)
        weight = Tensor.empty([outChannels, inChannels / groups, kernelSize.first, kernelSize.second])
        self.bias = bias ? Tensor.empty([outChannels]) : nil
        super.init()
        resetConvolution(weight, self.bias)
    }

    open override func forward(_ input: Tensor) -> Tensor {
        check(input.dim == 4 && input.shape[1] == inChannels, "Conv2d", "expected input [N, \(inChannels), H, W], got "
              + shapeText(input.shape), file: #fileID, line: #line)
        return F.conv2d(input, weight, bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }

    open override var extraDescription: String {
        let paddingText: String?
        switch padding {
        case .explicit(let p): paddingText = p == 0 ? nil : p.tupleDescription
        case .same: paddingText = "same"
        case .valid: paddingText = "valid"
        }
        return convolutionDescription(inChannels, outChannels, kernel: kernelSize.array, stride: stride.array, padding: paddingText,
                                      dilation: dilation.array, outputPadding: [0], groups: groups, hasBias: bias != nil)
    }
}

/// 1-d convolution (`nn.Conv1d`). Weight [out, in/groups, k].
open class Conv1d: Module {
    /// The learnable `weight`.
    @Parameter public var weight: Tensor
    /// The learnable `bias`.
    @OptionalParameter public var bias: Tensor?
    /// The `in_channels`, `out_channels`, `kernel_size`, `stride`, `padding`, `dilation` and `groups` arguments it was made with.
    public let inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int, padding: Int, dilation: Int, groups: Int

    /// `Conv1d(…)`, with PyTorch's arguments and defaults.
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
                groups: Int = 1, bias: Bool = true) {
        (self.inChannels, self.outChannels, self.kernelSize) = (inChannels, outChannels, kernelSize)
        (self.stride, self.padding, self.dilation, self.groups) = (stride, padding, dilation, groups)
        weight = Tensor.empty([outChannels, inChannels / groups, kernelSize])
        self.bias = bias ? Tensor.empty([outChannels]) : nil
        super.init()
        resetConvolution(weight, self.bias)
    }

    open override func forward(_ input: Tensor) -> Tensor {
        F.conv1d(input, weight, bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }

    open override var extraDescription: String {
        convolutionDescription(inChannels, outChannels, kernel: [kernelSize], stride: [stride],
                               padding: padding == 0 ? nil : "(\(padding),)", dilation: [dilation], outputPadding: [0],
                               groups: groups, hasBias: bias != nil)
    }
}

/// Transposed 2-d convolution (`nn.ConvTranspose2d`). Weight [in, out/groups, kH, kW].
open class ConvTranspose2d: Module {
    /// The learnable `weight`.
    @Parameter public var weight: Tensor
    /// The learnable `bias`.
    @OptionalParameter public var bias: Tensor?
    /// The `in_channels`, `out_channels` and `groups` arguments it was made with.
    public let inChannels: Int, outChannels: Int, groups: Int
    /// The `kernel_size`, `stride`, `padding`, `output_padding` and `dilation` arguments it was made with.
    public let kernelSize: IntPair, stride: IntPair, padding: IntPair, outputPadding: IntPair, dilation: IntPair

    /// `ConvTranspose2d(…)`, with PyTorch's arguments and defaults.
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: IntPair, stride: IntPair = 1, padding: IntPair = 0,
                outputPadding: IntPair = 0, groups: Int = 1, bias: Bool = true, dilation: IntPair = 1) {
        (self.inChannels, self.outChannels, self.groups) = (inChannels, outChannels, groups)
        (self.kernelSize, self.stride, self.padding, self.outputPadding, self.dilation) = (kernelSize, stride, padding, outputPadding, dilation)
        weight = Tensor.empty([inChannels, outChannels / groups, kernelSize.first, kernelSize.second])
        self.bias = bias ? Tensor.empty([outChannels]) : nil
        super.init()
        resetConvolution(weight, self.bias)
    }

    open override func forward(_ input: Tensor) -> Tensor {
        F.convTranspose2d(input, weight, bias, stride: stride, padding: padding, outputPadding: outputPadding, groups: groups,
                          dilation: dilation)
    }

    open override var extraDescription: String {
        convolutionDescription(inChannels, outChannels, kernel: kernelSize.array, stride: stride.array,
                               padding: padding == 0 ? nil : padding.tupleDescription, dilation: dilation.array,
                               outputPadding: outputPadding.array, groups: groups, hasBias: bias != nil)
    }
}

/// 3-d convolution (`nn.Conv3d`). Weight [out, in/groups, kD, kH, kW].
open class Conv3d: Module {
    /// The learnable `weight`.
    @Parameter public var weight: Tensor
    /// The learnable `bias`.
    @OptionalParameter public var bias: Tensor?
    /// The `in_channels`, `out_channels` and `groups` arguments it was made with.
    public let inChannels: Int, outChannels: Int, groups: Int
    /// The `kernel_size`, `stride`, `padding` and `dilation` arguments it was made with.
    public let kernelSize: Triple, stride: Triple, padding: Triple, dilation: Triple

    /// `Conv3d(…)`, with PyTorch's arguments and defaults.
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Triple, stride: Triple = 1, padding: Triple = 0,
                dilation: Triple = 1, groups: Int = 1, bias: Bool = true) {
        precondition(inChannels % groups == 0 && outChannels % groups == 0, "Conv3d: in_channels and out_channels must be divisible by groups")
        (self.inChannels, self.outChannels, self.groups) = (inChannels, outChannels, groups)
        (self.kernelSize, self.stride, self.padding, self.dilation) = (kernelSize, stride, padding, dilation)
        weight = Tensor.empty([outChannels, inChannels / groups] + kernelSize.values)
        self.bias = bias ? Tensor.empty([outChannels]) : nil
        super.init()
        resetConvolution(weight, self.bias)
    }

    open override func forward(_ input: Tensor) -> Tensor {
        F.conv3d(input, weight, bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }

    open override var extraDescription: String {
        convolutionDescription(inChannels, outChannels, kernel: kernelSize.values, stride: stride.values,
                               padding: padding == 0 ? nil : padding.tupleDescription, dilation: dilation.values, outputPadding: [0],
                               groups: groups, hasBias: bias != nil)
    }
}

/// Transposed 1-d convolution (`nn.ConvTranspose1d`). Weight [in, out/groups, k].
open class ConvTranspose1d: Module {
    /// The learnable `weight`.
    @Parameter public var weight: Tensor
    /// The learnable `bias`.
    @OptionalParameter public var bias: Tensor?
    /// The `in_channels`, `out_channels`, `kernel_size`, `stride`, `padding`, `output_padding` and `groups` arguments it was made with.
    public let inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int, padding: Int, outputPadding: Int, groups: Int
    /// The `dilation` argument it was made with.
    public let dilation: Int

    /// `ConvTranspose1d(…)`, with PyTorch's arguments and defaults.
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, outputPadding: Int = 0,
                groups: Int = 1, bias: Bool = true, dilation: Int = 1) {
        (self.inChannels, self.outChannels, self.kernelSize, self.stride) = (inChannels, outChannels, kernelSize, stride)
        (self.padding, self.outputPadding, self.groups, self.dilation) = (padding, outputPadding, groups, dilation)
        weight = Tensor.empty([inChannels, outChannels / groups, kernelSize])
        self.bias = bias ? Tensor.empty([outChannels]) : nil
        super.init()
        resetConvolution(weight, self.bias)
    }

    open override func forward(_ input: Tensor) -> Tensor {
        F.convTranspose1d(input, weight, bias, stride: stride, padding: padding, outputPadding: outputPadding, groups: groups,
                          dilation: dilation)
    }

    open override var extraDescription: String {
        convolutionDescription(inChannels, outChannels, kernel: [kernelSize], stride: [stride], padding: padding == 0 ? nil : "(\(padding),)",
                               dilation: [dilation], outputPadding: [outputPadding], groups: groups, hasBias: bias != nil)
    }
}
