// Fully connected layers: Linear, Bilinear, Identity, Flatten, Unflatten.
import Foundation

/// Python's repr of a float: `1e-05`, `0.1`, `1.0`.
func pythonFloat(_ value: Double) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value < 0 ? "-inf" : "inf" }
    return "\(value)"
}

/// Python's repr of a bool.
func pythonBool(_ value: Bool) -> String { value ? "True" : "False" }

/// `y = x·Wᵀ + b` (`nn.Linear`). Weight [out, in]; both initialised as PyTorch does.
open class Linear: Module {
    /// The learnable `weight`.
    @Parameter public var weight: Tensor
    /// The learnable `bias`.
    @OptionalParameter public var bias: Tensor?
    /// The `in_features` and `out_features` arguments it was made with.
    public let inFeatures: Int, outFeatures: Int

    /// `Linear(…)`, with PyTorch's arguments and defaults.
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, dtype: DType = defaultFloatDType) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = Tensor.empty([outFeatures, inFeatures], dtype: dtype)
        self.bias = bias ? Tensor.empty([outFeatures], dtype: dtype) : nil
        super.init()
        resetParameters()
    }

    /// Kaiming-uniform weight (a = √5) and a uniform bias in ±1/√fan_in (`reset_parameters`).
    public func resetParameters() {
        Init.kaimingUniform_(weight, a: 5.0.squareRoot())
        if let b = bias {
            let fanIn = Init.fanInAndFanOut(weight).fanIn
            let bound = fanIn > 0 ? 1 / Double(fanIn).squareRoot() : 0
            Init.uniform_(b, a: -bound, b: bound)
        }
    }

    open override func forward(_ input: Tensor) -> Tensor { F.linear(input, weight, bias) }

    open override var extraDescription: String {
        "in_features=\(inFeatures), out_features=\(outFeatures), bias=\(pythonBool(bias != nil))"
    }
}

/// `y = x1ᵀ A x2 + b` (`nn.Bilinear`). Weight [out, in1, in2].
open class Bilinear: Module {
    /// The learnable `weight`.
    @Parameter public var weight: Tensor
    /// The learnable `bias`.
    @OptionalParameter public var bias: Tensor?
    /// The `in1_features`, `in2_features` and `out_features` arguments it was made with.
    public let in1Features: Int, in2Features: Int, outFeatures: Int

    /// `Bilinear(…)`, with PyTorch's arguments and defaults.
    public init(_ in1Features: Int, _ in2Features: Int, _ outFeatures: Int, bias: Bool = true) {
        (self.in1Features, self.in2Features, self.outFeatures) = (in1Features, in2Features, outFeatures)
        let bound = 1 / Double(in1Features).squareRoot()
        weight = Init.uniform_(Tensor.empty([outFeatures, in1Features, in2Features]), a: -bound, b: bound)
        self.bias = bias ? Init.uniform_(Tensor.empty([outFeatures]), a: -bound, b: bound) : nil
        super.init()
    }

    /// Applies the form to two inputs [N, in1] and [N, in2].
    public func callAsFunction(_ x1: Tensor, _ x2: Tensor) -> Tensor {
        // out[n, o] = Σ_ij x1[n, i] W[o, i, j] x2[n, j]
        let left = x1.matmul(weight.permute(1, 0, 2).reshape([in1Features, -1])).reshape([-1, outFeatures, in2Features])
        let out = (left * x2.unsqueeze(1)).sum(dim: 2)
        return bias.map { out + $0 } ?? out
    }

    open override var extraDescription: String {
        "in1_features=\(in1Features), in2_features=\(in2Features), out_features=\(outFeatures), bias=\(pythonBool(bias != nil))"
    }
}

/// Returns its input (`nn.Identity`).
open class Identity: Module {
    /// `Identity(…)`, with PyTorch's arguments and defaults.
    public override init() { super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input }
}

/// Merges dimensions `startDim` through `endDim` (`nn.Flatten`).
open class Flatten: Module {
    /// The `start_dim` and `end_dim` arguments it was made with.
    public let startDim: Int, endDim: Int
    /// `Flatten(…)`, with PyTorch's arguments and defaults.
    public init(startDim: Int = 1, endDim: Int = -1) { (self.startDim, self.endDim) = (startDim, endDim); super.init() }
    open override func forward(_ input: Tensor) -> Tensor { input.flatten(startDim: startDim, endDim: endDim) }
    open override var extraDescription: String { "start_dim=\(startDim), end_dim=\(endDim)" }
}

/// Splits dimension `dim` into `sizes` (`nn.Unflatten`).
open class Unflatten: Module {
    /// The `dim` and `sizes` arguments it was made with.
    public let dim: Int, sizes: [Int]
    /// `Unflatten(…)`, with PyTorch's arguments and defaults.
    public init(dim: Int, sizes: [Int]) { (self.dim, self.sizes) = (dim, sizes); super.init() }
    open override func forward(_ input: Tensor) -> Tensor {
        let d = dim < 0 ? dim + input.dim : dim
        return input.view(Array(input.shape[..<d]) + sizes + Array(input.shape[(d + 1)...]))
    }
    open override var extraDescription: String {
        "dim=\(dim), unflattened_size=(" + sizes.map(String.init).joined(separator: ", ") + (sizes.count == 1 ? ",)" : ")")
    }
}
