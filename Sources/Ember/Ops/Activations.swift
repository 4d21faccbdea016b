// Piecewise and smooth activations beyond ReLU/GELU/SiLU (`F.relu6`, `F.hardswish`, `F.mish`, `F.selu`…),
// more unary math (`exp2`, `erfc`, `frac`, `sinc`, `logit`, `nan_to_num`…) and the float predicates
// (`isnan`, `isfinite`…), with PyTorch's gradients and node names.
import Foundation

extension Tensor {
    /// Clamps to `[minVal, maxVal]` (`F.hardtanh`); the gradient passes strictly inside.
    public func hardtanh(minVal: Double = -1, maxVal: Double = 1) -> Tensor {
        unary(.hardtanh(min: minVal, max: maxVal), "HardtanhBackward0") { x, _ in
            Tensor.where((x .<= minVal).logicalOr(x .>= maxVal), 0, Tensor.onesScalar(x.dtype))
        }
    }

    /// `min(max(x, 0), 6)` (`F.relu6`, a hardtanh as in PyTorch).
    public func relu6() -> Tensor { hardtanh(minVal: 0, maxVal: 6) }

    /// `x * relu6(x + 3) / 6` (`F.hardswish`).
    public func hardswish() -> Tensor {
        unary(.hardswish, "HardswishBackward0") { x, _ in
            Tensor.where(x .< -3, 0, Tensor.where(x .<= 3, x / 3 + 0.5, Tensor.onesScalar(x.dtype)))
        }
    }

    /// `relu6(x + 3) / 6` (`F.hardsigmoid`).
    public func hardsigmoid() -> Tensor {
        unary(.hardsigmoid, "HardsigmoidBackward0") { x, _ in
            Tensor.where((x .> -3).logicalAnd(x .< 3), Tensor.full([], 1.0 / 6, dtype: x.dtype), 0)
        }
    }

    /// `x * tanh(softplus(x))` (`F.mish`).
    public func mish() -> Tensor {
        unary(.mish, "MishBackward0") { x, _ in
            let t = x.softplus().tanh()
            return t + x * x.sigmoid() * (1 - t * t)
        }
    }

    /// `log(sigmoid(x))`, stable for large |x| (`F.logsigmoid`).
    public func logSigmoid() -> Tensor { unary(.logSigmoid, "LogSigmoidBackward0") { x, _ in 1 - x.sigmoid() } }

    /// ELU scaled by PyTorch's fixed constants (`F.selu`).
    public func selu() -> Tensor {
        let alpha = 1.6732632423543772848170429916717, scale = 1.0507009873554804934193349852946
        return unary(.elu(alpha: alpha, scale: scale, inputScale: 1), "EluBackward0") { x, _ in
            Tensor.where(x .<= 0, (scale * alpha) * x.exp(), Tensor.full([], scale, dtype: x.dtype))
        }
    }

    /// `max(0, x) + min(0, alpha * (exp(x / alpha) - 1))` (`F.celu`).
    public func celu(alpha: Double = 1) -> Tensor {
        unary(.elu(alpha: alpha, scale: 1, inputScale: 1 / alpha), "CeluBackward0") { x, _ in
            Tensor.where(x .<= 0, (x / alpha).exp(), Tensor.onesScalar(x.dtype))
        }
    }

    /// `x / (1 + |x|)` (`F.softsign`).
    public func softsign() -> Tensor { self / (abs() + 1) }

    /// `x - tanh(x)` (`F.tanhshrink`).
    public func tanhshrink() -> Tensor { self - tanh() }

    /// `x` where `|x| > lambd`, else 0 (`F.hardshrink`).
    public func hardshrink(lambd: Double = 0.5) -> Tensor {
        unary(.shrink(lambda: lambd, soft: false), "HardshrinkBackward0") { x, _ in x.outsideBand(lambd) }
    }

    /// `x ∓ lambd` where `|x| > lambd`, else 0 (`F.softshrink`).
    public func softshrink(lambd: Double = 0.5) -> Tensor {
        unary(.shrink(lambda: lambd, soft: true), "SoftshrinkBackward0") { x, _ in x.outsideBand(lambd) }
    }

    /// 1 where `|x| > lambda` (or NaN), else 0: the shrink functions' derivative.
    private func outsideBand(_ lambda: Double) -> Tensor {
        Tensor.where((self .>= -lambda).logicalAnd(self .<= lambda), 0, Tensor.onesScalar(dtype))
    }

    /// `x` where `x > threshold`, else `value` (`F.threshold`).
    public func threshold(_ threshold: Double, _ value: Double) -> Tensor {
        unary(.threshold(threshold, value: value), "ThresholdBackward0") { x, _ in
            Tensor.where(x .<= threshold, 0, Tensor.onesScalar(x.dtype))
        }
    }

    /// `2 ** x` (`torch.exp2`).
    public func exp2() -> Tensor { unary(.elementary(.exp2), "Exp2Backward0", savesOutput: true) { _, y in y * M_LN2 } }
    /// `1 - erf(x)`, accurate for large x (`torch.erfc`).
    public func erfc() -> Tensor { unary(.elementary(.erfc), "ErfcBackward0") { x, _ in -1.1283791670955126 * (-(x * x)).exp() } }
    /// The fractional part, `x - trunc(x)` (`torch.frac`).
    public func frac() -> Tensor { unary(.elementary(.frac), "FracBackward0") { x, _ in Tensor.onesScalar(x.dtype) } }
    /// `sin(πx) / (πx)`, 1 at 0 (`torch.sinc`).
    public func sinc() -> Tensor {
        unary(.elementary(.sinc), "SincBackward0") { x, _ in
            let product = Double.pi * x
            return ((product * product.cos() - product.sin()) / (product * x)).maskedFill(x .== 0, 0)
        }
    }

    /// Degrees to radians (`torch.deg2rad`).
    public func deg2rad() -> Tensor { scaled(by: Double.pi / 180, "Deg2RadBackward0") }
    /// Radians to degrees (`torch.rad2deg`).
    public func rad2deg() -> Tensor { scaled(by: 180 / Double.pi, "Rad2DegBackward0") }

    private func scaled(by factor: Double, _ name: String) -> Tensor {
        let out = noGrad { self.asFloatingPoint * factor }
        if needsGrad(self) { record(name, inputs: [self], outputs: [out]) { g in [g[0] * factor] } }
        return out
    }

    /// `log(x / (1 - x))`, with x clamped to `[eps, 1 - eps]` when `eps` is given (`torch.logit`).
    public func logit(eps: Double? = nil) -> Tensor {
        // As PyTorch's kernel: below eps gives eps, else above 1 - eps gives 1 - eps (an eps over 0.5 gives eps).
        let x = asFloatingPoint.detach()
        let z = eps.map { Tensor.where(x .< $0, Tensor.full([], $0, dtype: x.dtype), x.clamp(max: 1 - $0)) } ?? x
        let out = noGrad { (z / (1 - z)).log() }
        if needsGrad(self) {
            record("LogitBackward0", inputs: [self], outputs: [out], saving: [SavedTensor(self)]) { [self] g in
                let derivative = g[0] / (self * (1 - self))
                guard let eps else { return [derivative] }
                return [Tensor.where((self .< eps).logicalOr(self .> 1 - eps), 0, derivative)]
            }
        }
        return out
    }

    /// NaN, +inf and -inf replaced by `nan`, `posinf` and `neginf` (by default 0 and the dtype's largest and
    /// lowest finite values) (`torch.nan_to_num`).
    public func nanToNum(nan: Double = 0, posinf: Double? = nil, neginf: Double? = nil) -> Tensor {
        guard dtype.isFloatingPoint else { return clone() }
        let largest = dtype.largestFiniteValue
        let out = noGrad {
            Tensor.where(isnan(), Tensor.full([], nan, dtype: dtype),
                         Tensor.where(isposinf(), Tensor.full([], posinf ?? largest, dtype: dtype),
                                      Tensor.where(isneginf(), Tensor.full([], neginf ?? -largest, dtype: dtype), self)))
        }
        if needsGrad(self) {
            record("NanToNumBackward0", inputs: [self], outputs: [out], saving: [SavedTensor(self)]) { [self] g in
                [Tensor.where(self.isfinite(), g[0], 0)]
            }
        }
        return out
    }

    /// The value in its floating-point counterpart dtype (integers become float32).
    var asFloatingPoint: Tensor { dtype.isFloatingPoint ? self : to(dtype.floatingCounterpart) }

    /// True where the element is NaN (`torch.isnan`).
    public func isnan() -> Tensor { dtype.isFloatingPoint ? ne(self) : Tensor.zeros(shape, dtype: .bool, device: device) }
    /// True where the element is +inf or -inf (`torch.isinf`).
    public func isinf() -> Tensor { dtype.isFloatingPoint ? abs().eq(Tensor(Double.infinity)) : Tensor.zeros(shape, dtype: .bool, device: device) }
    /// True where the element is +inf (`torch.isposinf`).
    public func isposinf() -> Tensor { dtype.isFloatingPoint ? eq(Tensor(Double.infinity)) : Tensor.zeros(shape, dtype: .bool, device: device) }
    /// True where the element is -inf (`torch.isneginf`).
    public func isneginf() -> Tensor { dtype.isFloatingPoint ? eq(Tensor(-Double.infinity)) : Tensor.zeros(shape, dtype: .bool, device: device) }
    /// True where the element is neither NaN nor infinite (`torch.isfinite`).
    public func isfinite() -> Tensor { dtype.isFloatingPoint ? abs() .< Double.infinity : Tensor.ones(shape, dtype: .bool, device: device) }
    /// True where the sign bit is set, -0.0 included (`torch.signbit`).
    public func signbit() -> Tensor {
        guard dtype.isFloatingPoint else { return self .< 0 }
        return (self .< 0).logicalOr((self .== 0).logicalAnd(reciprocal() .< 0))
    }
}

extension DType {
    /// The largest finite value of a floating-point dtype.
    var largestFiniteValue: Double {
        switch self {
        case .float64: return Double.greatestFiniteMagnitude
        case .float16: return 65504
        case .bfloat16: return 3.3895313892515355e38
        default: return Double(Float.greatestFiniteMagnitude)
        }
    }
}

extension F {
    /// clamp(x, minVal, maxVal) (`F.hardtanh`).
    public static func hardtanh(_ x: Tensor, minVal: Double = -1, maxVal: Double = 1) -> Tensor { x.hardtanh(minVal: minVal, maxVal: maxVal) }
    /// min(max(x, 0), 6) (`F.relu6`).
    public static func relu6(_ x: Tensor) -> Tensor { x.relu6() }
    /// x · hardsigmoid(x) (`F.hardswish`).
    public static func hardswish(_ x: Tensor) -> Tensor { x.hardswish() }
    /// A piecewise-linear sigmoid: clamp(x / 6 + 1/2, 0, 1) (`F.hardsigmoid`).
    public static func hardsigmoid(_ x: Tensor) -> Tensor { x.hardsigmoid() }
    /// x·tanh(softplus(x)) (`F.mish`).
    public static func mish(_ x: Tensor) -> Tensor { x.mish() }
    /// log(sigmoid(x)), computed stably (`F.logsigmoid`).
    public static func logsigmoid(_ x: Tensor) -> Tensor { x.logSigmoid() }
    /// SELU: scale·(max(0, x) + min(0, α·(exp(x) − 1))) with the self-normalising constants (`F.selu`).
    public static func selu(_ x: Tensor) -> Tensor { x.selu() }
    /// CELU: max(0, x) + min(0, α·(exp(x/α) − 1)) (`F.celu`).
    public static func celu(_ x: Tensor, alpha: Double = 1) -> Tensor { x.celu(alpha: alpha) }
    /// x / (1 + |x|) (`F.softsign`).
    public static func softsign(_ x: Tensor) -> Tensor { x.softsign() }
    /// x − tanh(x) (`F.tanhshrink`).
    public static func tanhshrink(_ x: Tensor) -> Tensor { x.tanhshrink() }
    /// Zero where |x| ≤ λ, else x (`F.hardshrink`).
    public static func hardshrink(_ x: Tensor, lambd: Double = 0.5) -> Tensor { x.hardshrink(lambd: lambd) }
    /// x − λ above λ, x + λ below −λ, else zero (`F.softshrink`).
    public static func softshrink(_ x: Tensor, lambd: Double = 0.5) -> Tensor { x.softshrink(lambd: lambd) }
    /// x where x > threshold, else `value` (`F.threshold`).
    public static func threshold(_ x: Tensor, _ threshold: Double, _ value: Double) -> Tensor { x.threshold(threshold, value) }
}

/// `torch.exp2`.
public func exp2(_ x: Tensor) -> Tensor { x.exp2() }
/// `torch.erfc`.
public func erfc(_ x: Tensor) -> Tensor { x.erfc() }
/// `torch.isnan`.
public func isnan(_ x: Tensor) -> Tensor { x.isnan() }
/// `torch.isinf`.
public func isinf(_ x: Tensor) -> Tensor { x.isinf() }
/// `torch.isfinite`.
public func isfinite(_ x: Tensor) -> Tensor { x.isfinite() }
