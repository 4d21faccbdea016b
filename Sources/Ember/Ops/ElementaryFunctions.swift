// Inverse trigonometric, hyperbolic and base-2/10 logarithm functions, and atan2, with PyTorch's gradients.
import Foundation

extension Tensor {
    /// Arccosine (`torch.acos`).
    public func acos() -> Tensor { unary(.elementary(.acos), "AcosBackward0") { x, _ in -(1 - x * x).rsqrt() } }
    /// Arcsine (`torch.asin`).
    public func asin() -> Tensor { unary(.elementary(.asin), "AsinBackward0") { x, _ in (1 - x * x).rsqrt() } }
    /// Arctangent (`torch.atan`).
    public func atan() -> Tensor { unary(.elementary(.atan), "AtanBackward0") { x, _ in (x * x + 1).reciprocal() } }
    /// Inverse hyperbolic cosine (`torch.acosh`).
    public func acosh() -> Tensor { unary(.elementary(.acosh), "AcoshBackward0") { x, _ in (x * x - 1).rsqrt() } }
    /// Inverse hyperbolic sine (`torch.asinh`).
    public func asinh() -> Tensor { unary(.elementary(.asinh), "AsinhBackward0") { x, _ in (x * x + 1).rsqrt() } }
    /// Inverse hyperbolic tangent (`torch.atanh`).
    public func atanh() -> Tensor { unary(.elementary(.atanh), "AtanhBackward0") { x, _ in (1 - x * x).reciprocal() } }
    /// Hyperbolic cosine (`torch.cosh`).
    public func cosh() -> Tensor { unary(.elementary(.cosh), "CoshBackward0") { x, _ in x.sinh() } }
    /// Hyperbolic sine (`torch.sinh`).
    public func sinh() -> Tensor { unary(.elementary(.sinh), "SinhBackward0") { x, _ in x.cosh() } }
    /// Tangent (`torch.tan`).
    public func tan() -> Tensor { unary(.elementary(.tan), "TanBackward0", savesOutput: true) { _, y in 1 + y * y } }
    /// Base-2 logarithm (`torch.log2`).
    public func log2() -> Tensor { unary(.elementary(.log2), "Log2Backward0") { x, _ in (x * M_LN2).reciprocal() } }
    /// Base-10 logarithm (`torch.log10`).
    public func log10() -> Tensor { unary(.elementary(.log10), "Log10Backward0") { x, _ in (x * M_LN10).reciprocal() } }

    /// The angle of the point (`other`, `self`) in radians, in (-π, π] (`torch.atan2(input, other)`).
    public func atan2(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        _ = Tensor.broadcastShape(self, other, op: "atan2", file: file, line: line)
        let out = Tensor.floatBinary(self, other, .atan2)
        if needsGrad(self, other) {
            record("Atan2Backward0", inputs: [self, other], outputs: [out],
                   saving: [SavedTensor(self), SavedTensor(other)]) { [self] g in
                let scale = g[0] / (self * self + other * other)
                return [self.requiresGrad ? (scale * other).sumTo(self) : nil,
                        other.requiresGrad ? (-scale * self).sumTo(other) : nil]
            }
        }
        return out
    }
}

/// `torch.acos`.
public func acos(_ x: Tensor) -> Tensor { x.acos() }
/// `torch.asin`.
public func asin(_ x: Tensor) -> Tensor { x.asin() }
/// `torch.atan`.
public func atan(_ x: Tensor) -> Tensor { x.atan() }
/// `torch.acosh`.
public func acosh(_ x: Tensor) -> Tensor { x.acosh() }
/// `torch.asinh`.
public func asinh(_ x: Tensor) -> Tensor { x.asinh() }
/// `torch.atanh`.
public func atanh(_ x: Tensor) -> Tensor { x.atanh() }
/// `torch.cosh`.
public func cosh(_ x: Tensor) -> Tensor { x.cosh() }
/// `torch.sinh`.
public func sinh(_ x: Tensor) -> Tensor { x.sinh() }
/// `torch.tan`.
public func tan(_ x: Tensor) -> Tensor { x.tan() }
/// `torch.log2`.
public func log2(_ x: Tensor) -> Tensor { x.log2() }
/// `torch.log10`.
public func log10(_ x: Tensor) -> Tensor { x.log10() }
/// `torch.atan2(input, other)`.
public func atan2(_ input: Tensor, _ other: Tensor) -> Tensor { input.atan2(other) }
