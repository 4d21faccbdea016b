// Pooling layers: max and average pooling in 1, 2 and 3 dimensions, adaptive average pooling.

/// 2-d max pooling (`nn.MaxPool2d`).
open class MaxPool2d: Module {
    /// The `kernel_size`, `stride`, `padding` and `dilation` arguments it was made with.
    public let kernelSize: IntPair, stride: IntPair, padding: IntPair, dilation: IntPair
    /// The `return_indices` and `ceil_mode` arguments it was made with.
    public let returnIndices: Bool, ceilMode: Bool

    /// `MaxPool2d(…)`, with PyTorch's arguments and defaults.
    public init(_ kernelSize: IntPair, stride: IntPair? = nil, padding: IntPair = 0, dilation: IntPair = 1,
                returnIndices: Bool = false, ceilMode: Bool = false) {
        (self.kernelSize, self.stride, self.padding, self.dilation) = (kernelSize, stride ?? kernelSize, padding, dilation)
        (self.returnIndices, self.ceilMode) = (returnIndices, ceilMode)
        super.init()
    }

    open override func forward(_ input: Tensor) -> Tensor {
        F.maxPool2d(input, kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }

    /// The pooled values and the flat index of each max in its plane (`return_indices=True`).
    public func forwardWithIndices(_ input: Tensor) -> (output: Tensor, indices: Tensor) {
        F.maxPool2dWithIndices(input, kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }

    open override var extraDescription: String {
        "kernel_size=\(kernelSize), stride=\(stride), padding=\(padding), dilation=\(dilation), ceil_mode=\(pythonBool(ceilMode))"
    }
}

/// 2-d average pooling (`nn.AvgPool2d`).
open class AvgPool2d: Module {
    /// The `kernel_size`, `stride` and `padding` arguments it was made with.
    public let kernelSize: IntPair, stride: IntPair, padding: IntPair
    /// The `ceil_mode`, `count_include_pad` and `divisor_override` arguments it was made with.
    public let ceilMode: Bool, countIncludePad: Bool, divisorOverride: Int?

    /// `AvgPool2d(…)`, with PyTorch's arguments and defaults.
    public init(_ kernelSize: IntPair, stride: IntPair? = nil, padding: IntPair = 0, ceilMode: Bool = false,
                countIncludePad: Bool = true, divisorOverride: Int? = nil) {
        (self.kernelSize, self.stride, self.padding) = (kernelSize, stride ?? kernelSize, padding)
        (self.ceilMode, self.countIncludePad, self.divisorOverride) = (ceilMode, countIncludePad, divisorOverride)
        super.init()
    }

    open override func forward(_ input: Tensor) -> Tensor {
        F.avgPool2d(input, kernelSize, stride: stride, padding: padding, ceilMode: ceilMode, countIncludePad: countIncludePad,
                    divisorOverride: divisorOverride)
    }

    open override var extraDescription: String { "kernel_size=\(kernelSize), stride=\(stride), padding=\(padding)" }
}

/// Average pooling to a fixed output size (`nn.AdaptiveAvgPool2d`).
open class AdaptiveAvgPool2d: Module {
    /// The `output_size` argument it was made with.
    public let outputSize: IntPair
    /// `AdaptiveAvgPool2d(…)`, with PyTorch's arguments and defaults.
    public init(_ outputSize: IntPair) { self.outputSize = outputSize; super.init() }
    open override func forward(_ input: Tensor) -> Tensor { F.adaptiveAvgPool2d(input, outputSize) }
    open override var extraDescription: String { "output_size=\(outputSize)" }
}

/// 1-d max pooling (`nn.MaxPool1d`).
open class MaxPool1d: Module {
    /// The `kernel_size`, `stride`, `padding`, `dilation` and `ceil_mode` arguments it was made with.
    public let kernelSize: Int, stride: Int, padding: Int, dilation: Int, ceilMode: Bool

    /// `MaxPool1d(…)`, with PyTorch's arguments and defaults.
    public init(_ kernelSize: Int, stride: Int? = nil, padding: Int = 0, dilation: Int = 1, ceilMode: Bool = false) {
        (self.kernelSize, self.stride, self.padding, self.dilation, self.ceilMode) = (kernelSize, stride ?? kernelSize, padding, dilation, ceilMode)
        super.init()
    }

    open override func forward(_ input: Tensor) -> Tensor {
        F.maxPool1d(input, kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }

    open override var extraDescription: String {
        "kernel_size=\(kernelSize), stride=\(stride), padding=\(padding), dilation=\(dilation), ceil_mode=\(pythonBool(ceilMode))"
    }
}

/// 1-d average pooling (`nn.AvgPool1d`).
open class AvgPool1d: Module {
    /// The `kernel_size`, `stride`, `padding`, `ceil_mode` and `count_include_pad` arguments it was made with.
    public let kernelSize: Int, stride: Int, padding: Int, ceilMode: Bool, countIncludePad: Bool

    /// `AvgPool1d(…)`, with PyTorch's arguments and defaults.
    public init(_ kernelSize: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false, countIncludePad: Bool = true) {
        (self.kernelSize, self.stride, self.padding) = (kernelSize, stride ?? kernelSize, padding)
        (self.ceilMode, self.countIncludePad) = (ceilMode, countIncludePad)
        super.init()
    }

    open override func forward(_ input: Tensor) -> Tensor {
        F.avgPool1d(input, kernelSize, stride: stride, padding: padding, ceilMode: ceilMode, countIncludePad: countIncludePad)
    }

    open override var extraDescription: String { "kernel_size=(\(kernelSize),), stride=(\(stride),), padding=(\(padding),)" }
}

/// 3-d max pooling (`nn.MaxPool3d`).
open class MaxPool3d: Module {
    /// The `kernel_size`, `stride`, `padding`, `dilation` and `ceil_mode` arguments it was made with.
    public let kernelSize: Triple, stride: Triple, padding: Triple, dilation: Triple, ceilMode: Bool

    /// `MaxPool3d(…)`, with PyTorch's arguments and defaults.
    public init(_ kernelSize: Triple, stride: Triple? = nil, padding: Triple = 0, dilation: Triple = 1, ceilMode: Bool = false) {
        (self.kernelSize, self.stride, self.padding, self.dilation, self.ceilMode) = (kernelSize, stride ?? kernelSize, padding, dilation, ceilMode)
        super.init()
    }

    open override func forward(_ input: Tensor) -> Tensor {
        F.maxPool3d(input, kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }

    open override var extraDescription: String {
        "kernel_size=\(kernelSize), stride=\(stride), padding=\(padding), dilation=\(dilation), ceil_mode=\(pythonBool(ceilMode))"
    }
}

/// 3-d average pooling (`nn.AvgPool3d`).
open class AvgPool3d: Module {
    /// The `kernel_size`, `stride` and `padding` arguments it was made with.
    public let kernelSize: Triple, stride: Triple, padding: Triple
    /// The `ceil_mode`, `count_include_pad` and `divisor_override` arguments it was made with.
    public let ceilMode: Bool, countIncludePad: Bool, divisorOverride: Int?

    /// `AvgPool3d(…)`, with PyTorch's arguments and defaults.
    public init(_ kernelSize: Triple, stride: Triple? = nil, padding: Triple = 0, ceilMode: Bool = false, countIncludePad: Bool = true,
                divisorOverride: Int? = nil) {
        (self.kernelSize, self.stride, self.padding) = (kernelSize, stride ?? kernelSize, padding)
        (self.ceilMode, self.countIncludePad, self.divisorOverride) = (ceilMode, countIncludePad, divisorOverride)
        super.init()
    }

    open override func forward(_ input: Tensor) -> Tensor {
        F.avgPool3d(input, kernelSize, stride: stride, padding: padding, ceilMode: ceilMode, countIncludePad: countIncludePad,
                    divisorOverride: divisorOverride)
    }

    open override var extraDescription: String { "kernel_size=\(kernelSize), stride=\(stride), padding=\(padding)" }
}

/// Average pooling of [N, C, L] to a fixed length (`nn.AdaptiveAvgPool1d`).
open class AdaptiveAvgPool1d: Module {
    /// The `output_size` argument it was made with.
    public let outputSize: Int
    /// `AdaptiveAvgPool1d(…)`, with PyTorch's arguments and defaults.
    public init(_ outputSize: Int) { self.outputSize = outputSize; super.init() }
    open override func forward(_ input: Tensor) -> Tensor { F.adaptiveAvgPool1d(input, outputSize) }
    open override var extraDescription: String { "output_size=\(outputSize)" }
}

/// Average pooling of [N, C, D, H, W] to a fixed size (`nn.AdaptiveAvgPool3d`).
open class AdaptiveAvgPool3d: Module {
    /// The `output_size` argument it was made with.
    public let outputSize: SpatialSize
    /// `AdaptiveAvgPool3d(…)`, with PyTorch's arguments and defaults.
    public init(_ outputSize: SpatialSize) { self.outputSize = outputSize; super.init() }
    open override func forward(_ input: Tensor) -> Tensor { F.adaptiveAvgPool3d(input, outputSize) }
    open override var extraDescription: String { "output_size=\(outputSize)" }
}
