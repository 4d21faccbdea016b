// Pooling layers: MaxPool2d, AvgPool2d, AdaptiveAvgPool2d.

/// 2-d max pooling (`nn.MaxPool2d`).
open class MaxPool2d: Module {
    public let kernelSize: IntPair, stride: IntPair, padding: IntPair, dilation: IntPair
    public let returnIndices: Bool, ceilMode: Bool

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
    public let kernelSize: IntPair, stride: IntPair, padding: IntPair
    public let ceilMode: Bool, countIncludePad: Bool, divisorOverride: Int?

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
    public let outputSize: IntPair
    public init(_ outputSize: IntPair) { self.outputSize = outputSize; super.init() }
    open override func forward(_ input: Tensor) -> Tensor { F.adaptiveAvgPool2d(input, outputSize) }
    open override var extraDescription: String { "output_size=\(outputSize)" }
}
