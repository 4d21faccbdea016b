// The pointwise op vocabulary in CUDA C: each op as an expression over `a` (and `b`) in the compute type `C`, with
// its scalar arguments passed at launch as p0, p1, p2 (so one kernel serves every slope, bound or exponent).

/// One pointwise function as a CUDA kernel computes it.
struct CUDAPointwiseFunction: Equatable {
    /// The kernel's name stem (`leaky_relu`); the dtype is appended.
    let name: String
    /// The CUDA C expression over `a` (and `b`) of type `C`, reading parameters `p0`…`p3` (doubles).
    let expression: String
    /// The values of p0… for this op (the rest are 0).
    let parameters: [Double]

    init(_ name: String, _ expression: String, _ parameters: [Double] = []) {
        (self.name, self.expression, self.parameters) = (name, expression, parameters)
    }
}

extension FloatUnaryOp {
    /// One op of each case: the kernels to generate (their parameters are launch arguments).
    static let cudaKernelCases: [FloatUnaryOp] = [
        .exp, .expm1, .log, .log1p, .sqrt, .rsqrt, .sin, .cos, .tanh, .sigmoid, .erf, .reciprocal, .gelu, .geluTanh,
        .silu, .leakyRelu(slope: 0), .softplus(beta: 1, threshold: 0), .elu(alpha: 0, scale: 0, inputScale: 0),
        .hardtanh(min: 0, max: 0), .hardswish, .hardsigmoid, .mish, .logSigmoid, .shrink(lambda: 0, soft: false),
        .threshold(0, value: 0), .powScalar(0),
    ] + ElementaryFunction.allCases.map { .elementary($0) }

    /// This op as a CUDA kernel computes it (float32 or float64, as on the CPU).
    var cuda: CUDAPointwiseFunction {
        switch self {
        case .exp: return .init("exp", "exp(a)")
        case .expm1: return .init("expm1", "expm1(a)")
        case .log: return .init("log", "log(a)")
        case .log1p: return .init("log1p", "log1p(a)")
        case .sqrt: return .init("sqrt", "sqrt(a)")
        case .rsqrt: return .init("rsqrt", "(C)1 / sqrt(a)")
        case .sin: return .init("sin", "sin(a)")
        case .cos: return .init("cos", "cos(a)")
        case .tanh: return .init("tanh", "tanh(a)")
        case .sigmoid: return .init("sigmoid", "(C)1 / ((C)1 + exp(-a))")
        case .erf: return .init("erf", "erf(a)")
        case .reciprocal: return .init("reciprocal", "(C)1 / a")
        case .gelu: return .init("gelu", "a * (C)0.5 * ((C)1 + erf(a * (C)0.70710678118654752440))")
        case .geluTanh:
            return .init("gelu_tanh", "(C)0.5 * a * ((C)1 + tanh((C)0.79788456080286535588 * (a + (C)0.044715 * a * a * a)))")
        case .silu: return .init("silu", "a / ((C)1 + exp(-a))")
        case .leakyRelu(let slope): return .init("leaky_relu", "a > (C)0 ? a : a * (C)p0", [slope])
        case .softplus(let beta, let threshold):
            return .init("softplus", "a * (C)p0 > (C)p1 ? a : log1p(exp(a * (C)p0)) / (C)p0", [beta, threshold])
        case .elu(let alpha, let scale, let inputScale):
            return .init("elu", "a > (C)0 ? (C)p1 * a : (C)p1 * (C)p0 * expm1(a * (C)p2)", [alpha, scale, inputScale])
        case .hardtanh(let lower, let upper): return .init("hardtanh", "a < (C)p0 ? (C)p0 : (a > (C)p1 ? (C)p1 : a)", [lower, upper])
        case .hardswish: return .init("hardswish", "a * ember_min(ember_max(a + (C)3, (C)0), (C)6) / (C)6")
        case .hardsigmoid: return .init("hardsigmoid", "ember_min(ember_max(a + (C)3, (C)0), (C)6) / (C)6")
        case .mish: return .init("mish", "a * tanh(log1p(exp(a)))")
        case .logSigmoid: return .init("log_sigmoid", "ember_min(a, (C)0) - log1p(exp(-fabs(a)))")
        case .shrink(let lambda, let soft):
            return .init("shrink", "a > (C)p0 ? (p1 != 0 ? a - (C)p0 : a) : (a < -(C)p0 ? (p1 != 0 ? a + (C)p0 : a) : (isnan(a) ? a : (C)0))",
                         [lambda, soft ? 1 : 0])
        case .threshold(let threshold, let value): return .init("threshold", "a > (C)p0 || isnan(a) ? a : (C)p1", [threshold, value])
        case .powScalar(let exponent): return .init("pow_scalar", "pow(a, (C)p0)", [exponent])   // C's pow, as the CPU's cPow
        case .elementary(let function): return function.cuda
        }
    }
}

extension ElementaryFunction {
    var cuda: CUDAPointwiseFunction {
        switch self {
        case .frac: return .init("frac", "a - trunc(a)")
        case .sinc: return .init("sinc", "a == (C)0 ? (C)1 : sin((C)3.14159265358979323846 * a) / ((C)3.14159265358979323846 * a)")
        default:
            let name = "\(self)"
            return .init(name, "\(name)(a)")
        }
    }
}

extension ArithmeticUnaryOp {
    static let cudaKernelCases: [ArithmeticUnaryOp] = [.neg, .abs, .sign, .floor, .ceil, .round, .trunc, .relu, .square,
                                                       .clamp(min: nil, max: nil)]

    /// This op as a CUDA kernel computes it for any arithmetic compute dtype (rounding leaves integers unchanged).
    var cuda: CUDAPointwiseFunction {
        switch self {
        case .neg: return .init("neg", "ember_sub((C)0, a)")
        case .abs: return .init("abs", "ember_negative(a) ? ember_sub((C)0, a) : a")
        case .sign: return .init("sign", "(C)((a > (C)0) - ember_negative(a))")
        case .floor: return .init("floor", "ember_floor(a)")
        case .ceil: return .init("ceil", "ember_ceil(a)")
        case .round: return .init("round", "ember_rint(a)")
        case .trunc: return .init("trunc", "ember_trunc(a)")
        case .relu: return .init("relu", "ember_negative(a) ? (C)0 : a")
        case .square: return .init("square", "ember_mul(a, a)")
        case .clamp(let lower, let upper):
            // p0/p1 say whether a bound is given, p2 and p3 are the bounds; NaN stays NaN.
            return .init("clamp", "ember_isnan(a) ? a : ember_clamp(a, p0 != 0, (C)p2, p1 != 0, (C)p3)",
                         [lower == nil ? 0 : 1, upper == nil ? 0 : 1, lower ?? 0, upper ?? 0])
        }
    }
}

extension ArithmeticBinaryOp {
    static let cudaKernelCases: [ArithmeticBinaryOp] = [.add, .subtract, .multiply, .divide, .floorDivide, .remainder,
                                                        .maximum, .minimum, .fmod, .fmax, .fmin, .addScaled(0)]

    /// This op as a CUDA kernel computes it for any arithmetic compute dtype (integers wrap, and divide by zero to
    /// 0, as on the CPU).
    var cuda: CUDAPointwiseFunction {
        switch self {
        case .add: return .init("add", "ember_add(a, b)")
        case .subtract: return .init("sub", "ember_sub(a, b)")
        case .multiply: return .init("mul", "ember_mul(a, b)")
        case .divide: return .init("div", "ember_div(a, b)")
        case .floorDivide: return .init("floor_divide", "ember_floor_divide(a, b)")
        case .remainder: return .init("remainder", "ember_remainder(a, b)")
        case .maximum: return .init("maximum", "ember_isnan(a) ? a : (ember_isnan(b) ? b : ember_max(a, b))")
        case .minimum: return .init("minimum", "ember_isnan(a) ? a : (ember_isnan(b) ? b : ember_min(a, b))")
        case .fmod: return .init("fmod", "ember_fmod(a, b)")
        case .fmax: return .init("fmax", "ember_isnan(a) ? b : (ember_isnan(b) ? a : ember_max(a, b))")
        case .fmin: return .init("fmin", "ember_isnan(a) ? b : (ember_isnan(b) ? a : ember_min(a, b))")
        case .addScaled(let alpha): return .init("add_scaled", "ember_add(a, ember_mul((C)p0, b))", [alpha])
        }
    }
}

extension FloatBinaryOp {
    static let cudaKernelCases: [FloatBinaryOp] = [.pow, .atan2, .hypot, .copysign, .logaddexp, .logaddexp2, .reluBackward,
                                                   .sigmoidBackward, .tanhBackward, .thresholdBackward(0)]

    /// This op as a CUDA kernel computes it (float32 or float64).
    var cuda: CUDAPointwiseFunction {
        switch self {
        case .pow: return .init("pow", "pow(a, b)")
        case .atan2: return .init("atan2", "atan2(a, b)")
        case .hypot: return .init("hypot", "hypot(a, b)")
        case .copysign: return .init("copysign", "copysign(a, b)")
        case .logaddexp: return .init("logaddexp", "isinf(a) && a == b ? a : ember_max(a, b) + log1p(exp(-fabs(a - b)))")
        case .logaddexp2:
            return .init("logaddexp2", "isinf(a) && a == b ? a : ember_max(a, b) + log1p(exp2(-fabs(a - b))) / log((C)2)")
        case .reluBackward: return .init("relu_backward", "b <= (C)0 ? (C)0 : a")
        case .sigmoidBackward: return .init("sigmoid_backward", "a * ((C)1 - b) * b")
        case .tanhBackward: return .init("tanh_backward", "a * ((C)1 - b * b)")
        case .thresholdBackward(let threshold): return .init("threshold_backward", "b > (C)p0 ? a : (C)0", [threshold])
        }
    }
}

extension ComparisonOp {
    var cuda: CUDAPointwiseFunction {
        let symbol: String
        switch self {
        case .eq: symbol = "=="
        case .ne: symbol = "!="
        case .lt: symbol = "<"
        case .le: symbol = "<="
        case .gt: symbol = ">"
        case .ge: symbol = ">="
        }
        return .init("\(self)", "a \(symbol) b")
    }
}

extension BitwiseOp {
    static let cudaKernelCases: [BitwiseOp] = [.and, .or, .xor, .leftShift(bits: 64), .rightShift(bits: 64)]

    /// This op over int64 values; shifts by the width or more give 0 (or the sign), as on the CPU.
    var cuda: CUDAPointwiseFunction {
        switch self {
        case .and: return .init("and", "a & b")
        case .or: return .init("or", "a | b")
        case .xor: return .init("xor", "a ^ b")
        case .leftShift(let bits):
            return .init("left_shift", "b < 0 || b >= (C)p0 ? (C)0 : (C)((unsigned long long)a << b)", [Double(bits)])
        case .rightShift(let bits):
            return .init("right_shift", "b < 0 || b >= (C)p0 ? (a < 0 ? (C)-1 : (C)0) : a >> b", [Double(bits)])
        }
    }
}
