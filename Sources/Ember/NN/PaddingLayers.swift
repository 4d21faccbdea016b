// Padding layers: ReflectionPad1d/2d/3d, ReplicationPad1d/2d/3d, CircularPad1d/2d/3d, ZeroPad1d/2d/3d,
// ConstantPad1d/2d/3d — one class per mode, the rank fixed by the subclass as in PyTorch.

/// Pads the last `rank` dimensions by `mode`; `padding` is one amount for every side or (left, right, top,
/// bottom, front, back) from the last dimension backwards.
open class PaddingLayer: Module {
    /// The `padding`, `mode` and `value` arguments it was made with.
    public let padding: [Int], mode: PaddingMode, value: Double
    init(rank: Int, _ padding: [Int], mode: PaddingMode, value: Double = 0) {
        precondition(padding.count == 1 || padding.count == 2 * rank, "\(mode.rawValue) padding of rank \(rank) takes 1 or "
                     + "\(2 * rank) amounts, got \(padding)")
        self.padding = padding.count == 1 ? [Int](repeating: padding[0], count: 2 * rank) : padding
        (self.mode, self.value) = (mode, value)
        super.init()
    }
    open override func forward(_ input: Tensor) -> Tensor { F.pad(input, padding, mode: mode, value: value) }
    open override var extraDescription: String { "(" + padding.map(String.init).joined(separator: ", ") + ")" }
}

/// `nn.ReflectionPad1d`.
open class ReflectionPad1d: PaddingLayer {
    /// `ReflectionPad1d(…)`, with PyTorch's arguments and defaults.
    public init(_ padding: Int...) { super.init(rank: 1, padding, mode: .reflect) }
}
/// `nn.ReflectionPad2d`.
open class ReflectionPad2d: PaddingLayer {
    /// `ReflectionPad2d(…)`, with PyTorch's arguments and defaults.
    public init(_ padding: Int...) { super.init(rank: 2, padding, mode: .reflect) }
}
/// `nn.ReflectionPad3d`.
open class ReflectionPad3d: PaddingLayer {
    /// `ReflectionPad3d(…)`, with PyTorch's arguments and defaults.
    public init(_ padding: Int...) { super.init(rank: 3, padding, mode: .reflect) }
}
/// `nn.ReplicationPad1d`.
open class ReplicationPad1d: PaddingLayer {
    /// `ReplicationPad1d(…)`, with PyTorch's arguments and defaults.
    public init(_ padding: Int...) { super.init(rank: 1, padding, mode: .replicate) }
}
/// `nn.ReplicationPad2d`.
open class ReplicationPad2d: PaddingLayer {
    /// `ReplicationPad2d(…)`, with PyTorch's arguments and defaults.
    public init(_ padding: Int...) { super.init(rank: 2, padding, mode: .replicate) }
}
/// `nn.ReplicationPad3d`.
open class ReplicationPad3d: PaddingLayer {
    /// `ReplicationPad3d(…)`, with PyTorch's arguments and defaults.
    public init(_ padding: Int...) { super.init(rank: 3, padding, mode: .replicate) }
}
/// `nn.CircularPad1d`.
open class CircularPad1d: PaddingLayer {
    /// `CircularPad1d(…)`, with PyTorch's arguments and defaults.
    public init(_ padding: Int...) { super.init(rank: 1, padding, mode: .circular) }
}
/// `nn.CircularPad2d`.
open class CircularPad2d: PaddingLayer {
    /// `CircularPad2d(…)`, with PyTorch's arguments and defaults.
    public init(_ padding: Int...) { super.init(rank: 2, padding, mode: .circular) }
}
/// `nn.CircularPad3d`.
open class CircularPad3d: PaddingLayer {
    /// `CircularPad3d(…)`, with PyTorch's arguments and defaults.
    public init(_ padding: Int...) { super.init(rank: 3, padding, mode: .circular) }
}
/// `nn.ZeroPad1d`.
open class ZeroPad1d: PaddingLayer {
    /// `ZeroPad1d(…)`, with PyTorch's arguments and defaults.
    public init(_ padding: Int...) { super.init(rank: 1, padding, mode: .constant) }
}
/// `nn.ZeroPad2d`.
open class ZeroPad2d: PaddingLayer {
    /// `ZeroPad2d(…)`, with PyTorch's arguments and defaults.
    public init(_ padding: Int...) { super.init(rank: 2, padding, mode: .constant) }
}
/// `nn.ZeroPad3d`.
open class ZeroPad3d: PaddingLayer {
    /// `ZeroPad3d(…)`, with PyTorch's arguments and defaults.
    public init(_ padding: Int...) { super.init(rank: 3, padding, mode: .constant) }
}

/// `nn.ConstantPad1d`/`2d`/`3d`: pads with `value`.
open class ConstantPadding: PaddingLayer {
    open override var extraDescription: String { "padding=" + super.extraDescription + ", value=\(pythonFloat(value))" }
}
/// `nn.ConstantPad1d`.
open class ConstantPad1d: ConstantPadding {
    /// `ConstantPad1d(…)`, with PyTorch's arguments and defaults.
    public init(_ padding: [Int], _ value: Double) { super.init(rank: 1, padding, mode: .constant, value: value) }
}
/// `nn.ConstantPad2d`.
open class ConstantPad2d: ConstantPadding {
    /// `ConstantPad2d(…)`, with PyTorch's arguments and defaults.
    public init(_ padding: [Int], _ value: Double) { super.init(rank: 2, padding, mode: .constant, value: value) }
}
/// `nn.ConstantPad3d`.
open class ConstantPad3d: ConstantPadding {
    /// `ConstantPad3d(…)`, with PyTorch's arguments and defaults.
    public init(_ padding: [Int], _ value: Double) { super.init(rank: 3, padding, mode: .constant, value: value) }
}
