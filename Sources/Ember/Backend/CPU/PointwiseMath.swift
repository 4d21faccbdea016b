// The pointwise kernels by op: one loop per op, chosen by one switch per call.
import CEmberKernels
import Foundation
import RealModule

// MARK: Operations

/// C's `pow` (glibc's `powf` and `pow`), as PyTorch computes it: a negative base with an integral exponent keeps
/// its sign, and the IEEE special cases hold (`pow(x, 0)` is 1 even for 0 and NaN, `pow(-inf, 2.5)` is inf), where
/// RealModule's `pow` gives NaN.
@inline(__always) func cPow<T: FloatScalar>(_ x: T, _ y: T) -> T {
    if T.self == Float.self {
        return unsafeBitCast(Foundation.powf(unsafeBitCast(x, to: Float.self), unsafeBitCast(y, to: Float.self)), to: T.self)
    }
    return T(Foundation.pow(Double(x), Double(y)))
}

struct Exp<T: FloatScalar>: UnaryOperation { @inline(__always) func callAsFunction(_ x: T) -> T { T.exp(x) } }
struct Expm1<T: FloatScalar>: UnaryOperation { @inline(__always) func callAsFunction(_ x: T) -> T { T.expMinusOne(x) } }
struct Log<T: FloatScalar>: UnaryOperation { @inline(__always) func callAsFunction(_ x: T) -> T { T.log(x) } }
struct Log1p<T: FloatScalar>: UnaryOperation { @inline(__always) func callAsFunction(_ x: T) -> T { T.log(onePlus: x) } }
struct Sqrt<T: FloatScalar>: UnaryOperation { @inline(__always) func callAsFunction(_ x: T) -> T { x.squareRoot() } }
struct Rsqrt<T: FloatScalar>: UnaryOperation { @inline(__always) func callAsFunction(_ x: T) -> T { 1 / x.squareRoot() } }
struct Sin<T: FloatScalar>: UnaryOperation { @inline(__always) func callAsFunction(_ x: T) -> T { T.sin(x) } }
struct Cos<T: FloatScalar>: UnaryOperation { @inline(__always) func callAsFunction(_ x: T) -> T { T.cos(x) } }
struct TanhOp<T: FloatScalar>: UnaryOperation { @inline(__always) func callAsFunction(_ x: T) -> T { T.tanh(x) } }
struct SigmoidOp<T: FloatScalar>: UnaryOperation { @inline(__always) func callAsFunction(_ x: T) -> T { 1 / (1 + T.exp(-x)) } }
struct Erf<T: FloatScalar>: UnaryOperation { @inline(__always) func callAsFunction(_ x: T) -> T { T.erf(x) } }
struct Reciprocal<T: FloatScalar>: UnaryOperation { @inline(__always) func callAsFunction(_ x: T) -> T { 1 / x } }
/// One of the parameterless elementary functions; the switch is on a loop-invariant value.
struct Elementary<T: FloatScalar>: UnaryOperation {
    let function: ElementaryFunction
    @inline(__always) func callAsFunction(_ x: T) -> T {
        switch function {
        case .acos: return T.acos(x)
        case .asin: return T.asin(x)
        case .atan: return T.atan(x)
        case .acosh: return T.acosh(x)
        case .asinh: return T.asinh(x)
        case .atanh: return T.atanh(x)
        case .cosh: return T.cosh(x)
        case .sinh: return T.sinh(x)
        case .tan: return T.tan(x)
        case .log2: return T.log2(x)
        case .log10: return T.log10(x)
        case .exp2: return T.exp2(x)
        case .erfc: return T.erfc(x)
        case .frac: return x - x.rounded(.towardZero)
        case .sinc:
            if x == 0 { return 1 }
            let product = T.pi * x
            return T.sin(product) / product
        }
    }
}
struct Gelu<T: FloatScalar>: UnaryOperation {
    @inline(__always) func callAsFunction(_ x: T) -> T { x * 0.5 * (1 + T.erf(x * T(0.70710678118654752440))) }
}
struct GeluTanh<T: FloatScalar>: UnaryOperation {
    @inline(__always) func callAsFunction(_ x: T) -> T {
        0.5 * x * (1 + T.tanh(T(0.79788456080286535588) * (x + T(0.044715) * x * x * x)))
    }
}
struct Silu<T: FloatScalar>: UnaryOperation { @inline(__always) func callAsFunction(_ x: T) -> T { x / (1 + T.exp(-x)) } }
struct Elu<T: FloatScalar>: UnaryOperation {
    let alpha: T, scale: T, inputScale: T
    @inline(__always) func callAsFunction(_ x: T) -> T { x > 0 ? scale * x : scale * alpha * T.expMinusOne(x * inputScale) }
}
struct HardtanhOp<T: FloatScalar>: UnaryOperation {
    let lower: T, upper: T
    @inline(__always) func callAsFunction(_ x: T) -> T { x < lower ? lower : (x > upper ? upper : x) }
}
struct HardswishOp<T: FloatScalar>: UnaryOperation {
    @inline(__always) func callAsFunction(_ x: T) -> T { x * Swift.min(Swift.max(x + 3, 0), 6) / 6 }
}
struct HardsigmoidOp<T: FloatScalar>: UnaryOperation {
    @inline(__always) func callAsFunction(_ x: T) -> T { Swift.min(Swift.max(x + 3, 0), 6) / 6 }
}
struct MishOp<T: FloatScalar>: UnaryOperation {
    @inline(__always) func callAsFunction(_ x: T) -> T { x * T.tanh(T.log(onePlus: T.exp(x))) }
}
/// `log(sigmoid(x))` without overflow: `min(x, 0) - log1p(exp(-|x|))`.
struct LogSigmoidOp<T: FloatScalar>: UnaryOperation {
    @inline(__always) func callAsFunction(_ x: T) -> T { Swift.min(x, 0) - T.log(onePlus: T.exp(-Swift.abs(x))) }
}
struct ShrinkOp<T: FloatScalar>: UnaryOperation {
    let lambda: T, soft: Bool
    @inline(__always) func callAsFunction(_ x: T) -> T {
        if x > lambda { return soft ? x - lambda : x }
        if x < -lambda { return soft ? x + lambda : x }
        return x.isNaN ? x : 0
    }
}
struct ThresholdOp<T: FloatScalar>: UnaryOperation {
    let threshold: T, value: T
    @inline(__always) func callAsFunction(_ x: T) -> T { x > threshold || x.isNaN ? x : value }
}
struct LeakyRelu<T: FloatScalar>: UnaryOperation {
    let slope: T
    @inline(__always) func callAsFunction(_ x: T) -> T { x > 0 ? x : x * slope }
}
struct SoftplusOp<T: FloatScalar>: UnaryOperation {
    let beta: T, threshold: T
    @inline(__always) func callAsFunction(_ x: T) -> T { x * beta > threshold ? x : T.log(onePlus: T.exp(x * beta)) / beta }
}
struct PowScalar<T: FloatScalar>: UnaryOperation {
    let exponent: T
    @inline(__always) func callAsFunction(_ x: T) -> T { cPow(x, exponent) }
}
struct Square<T: ArithmeticScalar>: UnaryOperation { @inline(__always) func callAsFunction(_ x: T) -> T { T.multiply(x, x) } }
struct Cube<T: FloatScalar>: UnaryOperation { @inline(__always) func callAsFunction(_ x: T) -> T { x * x * x } }
struct Unchanged<T>: UnaryOperation { @inline(__always) func callAsFunction(_ x: T) -> T { x } }
struct Negate<T: ArithmeticScalar>: UnaryOperation { @inline(__always) func callAsFunction(_ x: T) -> T { T.subtract(.zero, x) } }
struct Absolute<T: ArithmeticScalar>: UnaryOperation {
    @inline(__always) func callAsFunction(_ x: T) -> T { x < .zero ? T.subtract(.zero, x) : x }
}
struct Sign<T: ArithmeticScalar>: UnaryOperation {
    @inline(__always) func callAsFunction(_ x: T) -> T {
        x > .zero ? .one : (x < .zero ? T.subtract(.zero, .one) : .zero)   // NaN gives 0, as PyTorch's (0 < x) - (x < 0)
    }
}
struct Relu<T: ArithmeticScalar>: UnaryOperation { @inline(__always) func callAsFunction(_ x: T) -> T { x < .zero ? .zero : x } }
struct Floor<T: FloatScalar>: UnaryOperation { @inline(__always) func callAsFunction(_ x: T) -> T { x.rounded(.down) } }
struct Ceil<T: FloatScalar>: UnaryOperation { @inline(__always) func callAsFunction(_ x: T) -> T { x.rounded(.up) } }
struct Truncate<T: FloatScalar>: UnaryOperation { @inline(__always) func callAsFunction(_ x: T) -> T { x.rounded(.towardZero) } }
struct RoundHalfEven<T: FloatScalar>: UnaryOperation { @inline(__always) func callAsFunction(_ x: T) -> T { x.rounded(.toNearestOrEven) } }
struct Clamp<T: ArithmeticScalar>: UnaryOperation {
    let lower: T?, upper: T?
    @inline(__always) func callAsFunction(_ x: T) -> T {
        if x.isNaNValue { return x }
        var y = x
        if let l = lower, y < l { y = l }
        if let u = upper, y > u { y = u }
        return y
    }
}

struct Add<T: ArithmeticScalar>: BinaryOperation { @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { T.add(a, b) } }
struct Subtract<T: ArithmeticScalar>: BinaryOperation { @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { T.subtract(a, b) } }
struct Multiply<T: ArithmeticScalar>: BinaryOperation { @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { T.multiply(a, b) } }
struct Divide<T: ArithmeticScalar>: BinaryOperation { @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { T.divide(a, b) } }
struct FloorDivide<T: ArithmeticScalar>: BinaryOperation { @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { T.floorDivide(a, b) } }
struct Remainder<T: ArithmeticScalar>: BinaryOperation { @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { T.remainder(a, b) } }
struct Maximum<T: ArithmeticScalar>: BinaryOperation {
    @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { a.isNaNValue ? a : (b.isNaNValue ? b : Swift.max(a, b)) }
}
struct Minimum<T: ArithmeticScalar>: BinaryOperation {
    @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { a.isNaNValue ? a : (b.isNaNValue ? b : Swift.min(a, b)) }
}
struct Fmod<T: ArithmeticScalar>: BinaryOperation {
    @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { T.truncatedRemainder(a, b) }
}
struct Fmax<T: ArithmeticScalar>: BinaryOperation {
    @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { a.isNaNValue ? b : (b.isNaNValue ? a : Swift.max(a, b)) }
}
struct Fmin<T: ArithmeticScalar>: BinaryOperation {
    @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { a.isNaNValue ? b : (b.isNaNValue ? a : Swift.min(a, b)) }
}
struct AddScaled<T: ArithmeticScalar>: BinaryOperation {
    let alpha: T
    @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { T.add(a, T.multiply(alpha, b)) }
}
struct Power<T: FloatScalar>: BinaryOperation { @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { cPow(a, b) } }
struct Atan2<T: FloatScalar>: BinaryOperation { @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { T.atan2(y: a, x: b) } }
struct Hypot<T: FloatScalar>: BinaryOperation { @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { T.hypot(a, b) } }
struct Copysign<T: FloatScalar>: BinaryOperation {
    @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { T(signOf: b, magnitudeOf: a) }
}
/// `log(e^a + e^b)` without overflow, as PyTorch computes it (equal infinities give that infinity).
struct LogAddExp<T: FloatScalar>: BinaryOperation {
    let base2: Bool
    @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T {
        if a.isInfinite && a == b { return a }
        let m = Swift.max(a, b), d = -Swift.abs(a - b)
        return base2 ? m + T.log(onePlus: T.exp2(d)) / T.log(2) : m + T.log(onePlus: T.exp(d))
    }
}
/// PyTorch's threshold_backward: the gradient passes unless the result is ≤ 0 (so NaN passes it).
struct ReluBackward<T: FloatScalar>: BinaryOperation { @inline(__always) func callAsFunction(_ g: T, _ r: T) -> T { r <= 0 ? 0 : g } }
struct SigmoidBackward<T: FloatScalar>: BinaryOperation { @inline(__always) func callAsFunction(_ g: T, _ r: T) -> T { g * (1 - r) * r } }
struct TanhBackward<T: FloatScalar>: BinaryOperation { @inline(__always) func callAsFunction(_ g: T, _ r: T) -> T { g * (1 - r * r) } }
struct ThresholdBackward<T: FloatScalar>: BinaryOperation {
    let threshold: T
    @inline(__always) func callAsFunction(_ g: T, _ x: T) -> T { x > threshold ? g : 0 }
}
struct Compare<T: ArithmeticScalar>: BinaryOperation {
    let op: ComparisonOp
    // One branch per element on a loop-invariant value: the optimiser unswitches it out of the loop.
    @inline(__always) func callAsFunction(_ a: T, _ b: T) -> Bool {
        switch op {
        case .eq: return a == b
        case .ne: return a != b
        case .lt: return a < b
        case .le: return a <= b
        case .gt: return a > b
        case .ge: return a >= b
        }
    }
}

// MARK: Kernels

/// out = op(x) over a float32 or float64 operand; `out` is contiguous.
func floatUnaryKernel(_ op: FloatUnaryOp, _ x: KernelOperand, _ out: KernelOperand) {
    struct Run: FloatTypeVisitor {
        let x: KernelOperand, out: KernelOperand, op: FloatUnaryOp
        func visit<T: FloatScalar>(_: T.Type) {
            let a = x.pointer(as: T.self), o = out.pointer(as: T.self), s = x.strides, shape = x.shape
            func map<Op: UnaryOperation>(_ operation: Op) where Op.Input == T, Op.Output == T {
                mapKernel(a, s, o, shape: shape, operation)
            }
            switch op {
            case .exp: map(Exp<T>())
            case .expm1: map(Expm1<T>())
            case .log: map(Log<T>())
            case .log1p: map(Log1p<T>())
            case .sqrt: map(Sqrt<T>())
            case .rsqrt: map(Rsqrt<T>())
            case .sin: map(Sin<T>())
            case .cos: map(Cos<T>())
            case .tanh: map(TanhOp<T>())
            case .sigmoid: map(SigmoidOp<T>())
            case .erf: map(Erf<T>())
            case .reciprocal: map(Reciprocal<T>())
            case .gelu: map(Gelu<T>())
            case .geluTanh: map(GeluTanh<T>())
            case .silu: map(Silu<T>())
            case .elu(let alpha, let scale, let inputScale): map(Elu<T>(alpha: T(alpha), scale: T(scale), inputScale: T(inputScale)))
            case .hardtanh(let lower, let upper): map(HardtanhOp<T>(lower: T(lower), upper: T(upper)))
            case .hardswish: map(HardswishOp<T>())
            case .hardsigmoid: map(HardsigmoidOp<T>())
            case .mish: map(MishOp<T>())
            case .logSigmoid: map(LogSigmoidOp<T>())
            case .shrink(let lambda, let soft): map(ShrinkOp<T>(lambda: T(lambda), soft: soft))
            case .threshold(let threshold, let value): map(ThresholdOp<T>(threshold: T(threshold), value: T(value)))
            case .leakyRelu(let slope): map(LeakyRelu<T>(slope: T(slope)))
            case .softplus(let beta, let threshold): map(SoftplusOp<T>(beta: T(beta), threshold: T(threshold)))
            case .elementary(let function): map(Elementary<T>(function: function))
            case .powScalar(let exponent):
                switch exponent {
                case 2: map(Square<T>())
                case 3: map(Cube<T>())
                case 1: map(Unchanged<T>())
                case 0.5: map(Sqrt<T>())
                case -1: map(Reciprocal<T>())
                default: map(PowScalar<T>(exponent: T(exponent)))
                }
            }
        }
    }
    x.dtype.visitFloat(Run(x: x, out: out, op: op))
}

/// Code generic over the float32/float64 kernel types, run for a run-time dtype.
protocol FloatTypeVisitor {
    func visit<T: FloatScalar>(_ type: T.Type)
}

/// Code generic over the arithmetic kernel types, run for a run-time dtype: the one switch of an op call.
protocol ArithmeticTypeVisitor {
    func visit<T: ArithmeticScalar>(_ type: T.Type)
}

extension DType {
    func visitFloat<V: FloatTypeVisitor>(_ visitor: V) {
        switch self {
        case .float32: visitor.visit(Float.self)
        case .float64: visitor.visit(Double.self)
        default: preconditionFailure("no float kernels for \(self); compute in float32")
        }
    }

    func visitArithmetic<V: ArithmeticTypeVisitor>(_ visitor: V) {
        switch self {
        case .float32: visitor.visit(Float.self)
        case .float64: visitor.visit(Double.self)
        case .int64: visitor.visit(Int64.self)
        case .int32: visitor.visit(Int32.self)
        case .int8: visitor.visit(Int8.self)
        case .uint8: visitor.visit(UInt8.self)
        default: preconditionFailure("no arithmetic kernels for \(self); compute in \(computeType)")
        }
    }
}

/// out = op(x) over an operand of an arithmetic compute type; `out` is contiguous.
func arithmeticUnaryKernel(_ op: ArithmeticUnaryOp, _ x: KernelOperand, _ out: KernelOperand) {
    struct Run: ArithmeticTypeVisitor {
        let x: KernelOperand, out: KernelOperand, op: ArithmeticUnaryOp
        func visit<T: ArithmeticScalar>(_: T.Type) {
            let a = x.pointer(as: T.self), o = out.pointer(as: T.self), s = x.strides, shape = x.shape
            func map<Op: UnaryOperation>(_ operation: Op) where Op.Input == T, Op.Output == T {
                mapKernel(a, s, o, shape: shape, operation)
            }
            switch op {
            case .neg: map(Negate<T>())
            case .abs: map(Absolute<T>())
            case .sign: map(Sign<T>())
            case .relu: map(Relu<T>())
            case .square: map(Square<T>())
            case .floor, .ceil, .round, .trunc:
                if T.self == Float.self { floatRounding(Float.self) } else if T.self == Double.self { floatRounding(Double.self) } else { map(Unchanged<T>()) }
            case .clamp(let lower, let upper):
                map(Clamp<T>(lower: lower.map { T(fromDouble: $0) }, upper: upper.map { T(fromDouble: $0) }))
            }
        }
        func floatRounding<F: FloatScalar>(_: F.Type) {
            let a = x.pointer(as: F.self), o = out.pointer(as: F.self), s = x.strides, shape = x.shape
            switch op {
            case .floor: mapKernel(a, s, o, shape: shape, Floor<F>())
            case .ceil: mapKernel(a, s, o, shape: shape, Ceil<F>())
            case .trunc: mapKernel(a, s, o, shape: shape, Truncate<F>())
            default: mapKernel(a, s, o, shape: shape, RoundHalfEven<F>())
            }
        }
    }
    x.dtype.visitArithmetic(Run(x: x, out: out, op: op))
}

/// out = op(x, y) over two operands of one arithmetic compute dtype broadcast to out's shape; `out` is
/// contiguous, or x itself (an in-place update).
func arithmeticBinaryKernel(_ op: ArithmeticBinaryOp, _ x: KernelOperand, _ y: KernelOperand, _ out: KernelOperand) {
    struct Run: ArithmeticTypeVisitor {
        let x: KernelOperand, y: KernelOperand, out: KernelOperand, op: ArithmeticBinaryOp
        func visit<T: ArithmeticScalar>(_: T.Type) {
            let a = x.pointer(as: T.self), b = y.pointer(as: T.self), o = out.pointer(as: T.self), shape = out.shape
            let sa = x.layout.strides(broadcastTo: shape), sb = y.layout.strides(broadcastTo: shape)
            func zip<Op: BinaryOperation>(_ operation: Op) where Op.First == T, Op.Second == T, Op.Output == T {
                zipKernel(a, sa, b, sb, o, shape: shape, operation)
            }
            switch op {
            case .add: zip(Add<T>())
            case .subtract: zip(Subtract<T>())
            case .multiply: zip(Multiply<T>())
            case .divide: zip(Divide<T>())
            case .floorDivide: zip(FloorDivide<T>())
            case .remainder: zip(Remainder<T>())
            case .maximum: zip(Maximum<T>())
            case .minimum: zip(Minimum<T>())
            case .addScaled(let alpha): zip(AddScaled<T>(alpha: T(fromDouble: alpha)))
            case .fmod: zip(Fmod<T>())
            case .fmax: zip(Fmax<T>())
            case .fmin: zip(Fmin<T>())
            }
        }
    }
    // Operands broadcast to out's shape, so a contiguous one with out's count has out's shape (up to leading
    // 1s) and is read flat; the test reads no shape array.
    let count = out.numel
    if x.dtype == .float32 && x.isContiguous && x.numel == count && out.isContiguous, let code = vectorisedCode(op),
       y.isContiguous && (y.numel == count || y.numel == 1) {
        let a = x.pointer(as: Float.self), b = y.pointer(as: Float.self), o = out.pointer(as: Float.self)
        let scalar = y.numel != count
        parallelFor(count, grain: pointwiseGrain) { range in
            let start = range.lowerBound
            if scalar {
                ember_binary_scalar_f32(code, a + start, b[0], o + start, range.count)
            } else {
                ember_binary_f32(code, a + start, b + start, o + start, range.count)
            }
        }
        return
    }
    x.dtype.visitArithmetic(Run(x: x, y: y, out: out, op: op))
}

/// The hand-vectorised float32 loop for an op, where there is one.
private func vectorisedCode(_ op: ArithmeticBinaryOp) -> ember_binary_op? {
    switch op {
    case .add: return EMBER_ADD
    case .subtract: return EMBER_SUB
    case .multiply: return EMBER_MUL
    case .divide: return EMBER_DIV
    default: return nil
    }
}

/// out = op(x, y) over two float32/float64 operands of one dtype broadcast to out's (contiguous) shape.
func floatBinaryKernel(_ op: FloatBinaryOp, _ x: KernelOperand, _ y: KernelOperand, _ out: KernelOperand) {
    struct Run: FloatTypeVisitor {
        let x: KernelOperand, y: KernelOperand, out: KernelOperand, op: FloatBinaryOp
        func visit<T: FloatScalar>(_: T.Type) {
            let a = x.pointer(as: T.self), b = y.pointer(as: T.self), o = out.pointer(as: T.self), shape = out.shape
            let sa = x.layout.strides(broadcastTo: shape), sb = y.layout.strides(broadcastTo: shape)
            func zip<Op: BinaryOperation>(_ operation: Op) where Op.First == T, Op.Second == T, Op.Output == T {
                zipKernel(a, sa, b, sb, o, shape: shape, operation)
            }
            switch op {
            case .pow: zip(Power<T>())
            case .atan2: zip(Atan2<T>())
            case .hypot: zip(Hypot<T>())
            case .copysign: zip(Copysign<T>())
            case .logaddexp: zip(LogAddExp<T>(base2: false))
            case .logaddexp2: zip(LogAddExp<T>(base2: true))
            case .reluBackward: zip(ReluBackward<T>())
            case .sigmoidBackward: zip(SigmoidBackward<T>())
            case .tanhBackward: zip(TanhBackward<T>())
            case .thresholdBackward(let threshold): zip(ThresholdBackward<T>(threshold: T(threshold)))
            }
        }
    }
    x.dtype.visitFloat(Run(x: x, y: y, out: out, op: op))
}

/// out (bool, contiguous) = x op y over two operands of one arithmetic compute dtype broadcast to out's shape.
func comparisonKernel(_ op: ComparisonOp, _ x: KernelOperand, _ y: KernelOperand, _ out: KernelOperand) {
    struct Run: ArithmeticTypeVisitor {
        let x: KernelOperand, y: KernelOperand, out: KernelOperand, op: ComparisonOp
        func visit<T: ArithmeticScalar>(_: T.Type) {
            let shape = out.shape
            zipKernel(x.pointer(as: T.self), x.layout.strides(broadcastTo: shape), y.pointer(as: T.self),
                      y.layout.strides(broadcastTo: shape), out.pointer(as: Bool.self), shape: shape, Compare<T>(op: op))
        }
    }
    x.dtype.visitArithmetic(Run(x: x, y: y, out: out, op: op))
}

/// out = x op y over int64 operands broadcast to out's (contiguous) shape.
func bitwiseKernel(_ op: BitwiseOp, _ x: KernelOperand, _ y: KernelOperand, _ out: KernelOperand) {
    let shape = out.shape
    let a = x.pointer(as: Int64.self), sa = x.layout.strides(broadcastTo: shape)
    let b = y.pointer(as: Int64.self), sb = y.layout.strides(broadcastTo: shape), o = out.pointer(as: Int64.self)
    switch op {
    case .and: zipKernel(a, sa, b, sb, o, shape: shape, BitwiseAnd())
    case .or: zipKernel(a, sa, b, sb, o, shape: shape, BitwiseOr())
    case .xor: zipKernel(a, sa, b, sb, o, shape: shape, BitwiseXor())
    case .leftShift(let bits): zipKernel(a, sa, b, sb, o, shape: shape, LeftShift(bits: bits))
    case .rightShift(let bits): zipKernel(a, sa, b, sb, o, shape: shape, RightShift(bits: bits))
    }
}

struct BitwiseAnd: BinaryOperation { @inline(__always) func callAsFunction(_ a: Int64, _ b: Int64) -> Int64 { a & b } }
struct BitwiseOr: BinaryOperation { @inline(__always) func callAsFunction(_ a: Int64, _ b: Int64) -> Int64 { a | b } }
struct BitwiseXor: BinaryOperation { @inline(__always) func callAsFunction(_ a: Int64, _ b: Int64) -> Int64 { a ^ b } }
struct LeftShift: BinaryOperation {
    let bits: Int64
    @inline(__always) func callAsFunction(_ a: Int64, _ b: Int64) -> Int64 { b < 0 || b >= bits ? 0 : a << b }
}
struct RightShift: BinaryOperation {
    let bits: Int64
    @inline(__always) func callAsFunction(_ a: Int64, _ b: Int64) -> Int64 { b < 0 || b >= bits ? (a < 0 ? -1 : 0) : a >> b }
}

/// out = condition ? x : y over operands broadcast to out's (contiguous) shape; x and y share out's dtype (any).
struct SelectKernel: ScalarTypeVisitor {
    let condition: KernelOperand, x: KernelOperand, y: KernelOperand, out: KernelOperand
    func visit<T: TensorScalar>(_ type: T.Type) {
        let shape = out.shape
        selectKernel(condition.pointer(as: Bool.self), condition.layout.strides(broadcastTo: shape),
                     x.pointer(as: T.self), x.layout.strides(broadcastTo: shape),
                     y.pointer(as: T.self), y.layout.strides(broadcastTo: shape), out.pointer(as: T.self), shape: shape)
    }
}
