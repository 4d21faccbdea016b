// Elementwise math: arithmetic with broadcasting and type promotion, activations, comparisons, where.

extension Tensor {
    /// Broadcasts two shapes or stops with PyTorch's message.
    /// Stops unless `a` and `b` are on one device (a 0-d CPU tensor, such as a Swift number, goes with any), with
    /// PyTorch's message.
    static func checkSameDevice(_ a: Tensor, _ b: Tensor, op: String, file: StaticString, line: UInt) {
        func isHostScalar(_ t: Tensor) -> Bool { t.dim == 0 && t.device == .cpu }
        guard a.device != b.device, !isHostScalar(a), !isHostScalar(b) else { return }
        fail(op, "Expected all tensors to be on the same device, but found at least two devices, \(a.device) and \(b.device)!",
             file: file, line: line)
    }

    static func broadcastShape(_ a: Tensor, _ b: Tensor, op: String, file: StaticString, line: UInt) -> [Int] {
        if a.storage.backend !== b.storage.backend { checkSameDevice(a, b, op: op, file: file, line: line) }
        if a.shape == b.shape { return a.shape }
        if let shape = Layout.broadcastShapes(a.shape, b.shape) { return shape }
        let n = Swift.max(a.dim, b.dim)
        var mismatch = 0
        for i in 0..<n {
            let da = i < n - a.dim ? 1 : a.shape[i - (n - a.dim)]
            let db = i < n - b.dim ? 1 : b.shape[i - (n - b.dim)]
            if da != db && da != 1 && db != 1 { mismatch = i; break }
        }
        let da = a.shape[mismatch - (n - a.dim)], db = b.shape[mismatch - (n - b.dim)]
        fail(op, "The size of tensor a (\(da)) must match the size of tensor b (\(db)) at non-singleton dimension "
             + "\(mismatch) (shapes \(shapeText(a.shape)) and \(shapeText(b.shape)))", file: file, line: line)
    }

    /// The elementwise result of an arithmetic op, without autograd.
    static func arithmetic(_ a: Tensor, _ b: Tensor, _ op: ArithmeticBinaryOp, type: DType? = nil,
                           name: String, file: StaticString, line: UInt) -> Tensor {
        let shape = broadcastShape(a, b, op: name, file: file, line: line)
        let type = type ?? resultType(a, b)
        if type.isComplex {
            return complexArithmetic(a.kernelInput(type), b.kernelInput(type), op, shape: shape, name: name, file: file, line: line)
        }
        let compute = type.computeType
        let out = Tensor.combining(a.kernelInput(compute), b.kernelInput(compute), op, shape: shape)
        return compute == type ? out : out.copied(as: type)
    }

    /// Sums a broadcast gradient back to `shape` (and `dtype`) of the input it flows to.
    func sumTo(_ target: Tensor) -> Tensor {
        var g = self
        if shape != target.shape {
            let lead = dim - target.dim
            var dims = Array(0..<lead)
            for i in 0..<target.dim where target.shape[i] == 1 && shape[lead + i] != 1 { dims.append(lead + i) }
            if !dims.isEmpty { g = g.sum(dims: dims, keepdim: true) }
            if lead > 0 || g.shape != target.shape { g = g.reshape(target.shape) }
        }
        return g.dtype == target.dtype ? g : g.to(target.dtype)
    }

    // MARK: Arithmetic

    /// `self + alpha * other` with broadcasting (`torch.add`).
    public func add(_ other: Tensor, alpha: Double = 1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let out = Tensor.arithmetic(self, other, alpha == 1 ? .add : .addScaled(alpha), name: "add", file: file, line: line)
        if needsGrad(self, other) {
            record("AddBackward0", inputs: [self, other], outputs: [out]) { [self] g in
                [self.requiresGrad ? g[0].sumTo(self) : nil,
                 other.requiresGrad ? (alpha == 1 ? g[0] : g[0] * alpha).sumTo(other) : nil]
            }
        }
        return out
    }

    /// `self - alpha * other` with broadcasting (`torch.sub`).
    public func sub(_ other: Tensor, alpha: Double = 1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let out = Tensor.arithmetic(self, other, alpha == 1 ? .subtract : .addScaled(-alpha), name: "sub", file: file, line: line)
        if needsGrad(self, other) {
            record("SubBackward0", inputs: [self, other], outputs: [out]) { [self] g in
                [self.requiresGrad ? g[0].sumTo(self) : nil,
                 other.requiresGrad ? (g[0] * -alpha).sumTo(other) : nil]
            }
        }
        return out
    }

    /// Elementwise product with broadcasting (`torch.mul`).
    public func mul(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let out = Tensor.arithmetic(self, other, .multiply, name: "mul", file: file, line: line)
        if needsGrad(self, other) {
            record("MulBackward0", inputs: [self, other], outputs: [out],
                   saving: [SavedTensor(self), SavedTensor(other)]) { [self] g in
                [self.requiresGrad ? (g[0] * other.conj()).sumTo(self) : nil,
                 other.requiresGrad ? (g[0] * self.conj()).sumTo(other) : nil]
            }
        }
        return out
    }

    /// Rounding of `div`: none (true division), toward zero, or toward negative infinity.
    public enum RoundingMode: String {
        /// Rounds the quotient towards zero, or down.
        case trunc, floor
    }

    /// Elementwise quotient (`torch.div`); integers divide to float unless a rounding mode is given.
    public func div(_ other: Tensor, roundingMode: RoundingMode? = nil,
                    file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let type = resultType(self, other)
        guard let mode = roundingMode else {
            let floatType = type.isDifferentiable ? type : defaultFloatDType
            let out = Tensor.arithmetic(self, other, .divide, type: floatType, name: "div", file: file, line: line)
            if needsGrad(self, other) {
                record("DivBackward0", inputs: [self, other], outputs: [out],
                       saving: [SavedTensor(self), SavedTensor(other)]) { [self] g in
                    [self.requiresGrad ? (g[0] / other.conj()).sumTo(self) : nil,
                     other.requiresGrad ? (-g[0] * self.conj() / (other * other).conj()).sumTo(other) : nil]
                }
            }
            return out
        }
        let out = noGrad { () -> Tensor in
            if mode == .floor { return Tensor.arithmetic(self, other, .floorDivide, name: "div", file: file, line: line) }
            let quotient = Tensor.arithmetic(self, other, .divide, name: "div", file: file, line: line)
            return type.isFloatingPoint ? quotient.trunc() : quotient
        }
        if needsGrad(self, other) {
            // A rounded quotient is piecewise constant: zero gradients, as PyTorch's DivBackward2.
            record("DivBackward2", inputs: [self, other], outputs: [out]) { [self] g in
                [self.requiresGrad ? self.zerosLike(dtype: g[0].dtype) : nil, other.requiresGrad ? other.zerosLike(dtype: g[0].dtype) : nil]
            }
        }
        return out
    }

    /// Python's modulo: the remainder has the divisor's sign (`torch.remainder`).
    public func remainder(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        modulo(other, .remainder, quotient: .floor, opName: "remainder", nodeName: "RemainderBackward", file: file, line: line)
    }

    /// `self - q(self / other) · other` with the quotient rounded by `quotient` (floor: `remainder`, toward zero:
    /// `fmod`): the gradient is g for self and -g · q(self / other) for other. The node is `nodeName` + 0 for a
    /// number operand (PyTorch's `Scalar` overload), + 1 for a tensor.
    func modulo(_ other: Tensor, _ op: ArithmeticBinaryOp, quotient: RoundingMode, opName: String, nodeName: String,
                file: StaticString, line: UInt) -> Tensor {
        let out = Tensor.arithmetic(self, other, op, name: opName, file: file, line: line)
        if needsGrad(self, other) {
            record(nodeName + (other.isWrappedNumber ? "0" : "1"), inputs: [self, other], outputs: [out],
                   saving: [SavedTensor(self), SavedTensor(other)]) { [self] g in
                [self.requiresGrad ? g[0].sumTo(self) : nil,
                 other.requiresGrad ? (-g[0] * self.div(other, roundingMode: quotient)).sumTo(other) : nil]
            }
        }
        return out
    }

    /// The larger of two tensors, elementwise; NaN propagates (`torch.maximum`).
    public func maximum(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        extremum(other, .maximum, name: "MaximumBackward0", file: file, line: line)
    }

    /// The smaller of two tensors, elementwise; NaN propagates (`torch.minimum`).
    public func minimum(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        extremum(other, .minimum, name: "MinimumBackward0", file: file, line: line)
    }

    private func extremum(_ other: Tensor, _ op: ArithmeticBinaryOp, name: String, file: StaticString, line: UInt) -> Tensor {
        let out = Tensor.arithmetic(self, other, op, name: op == .maximum ? "maximum" : "minimum", file: file, line: line)
        if needsGrad(self, other) {
            record(name, inputs: [self, other], outputs: [out], saving: [SavedTensor(self), SavedTensor(other)]) { [self] g in
                // Ties split the gradient in half; the loser gets none; with a NaN neither loses, as in PyTorch.
                let shared = Tensor.where(self .== other, g[0] / 2, g[0])
                let (selfLoses, otherLoses) = op == .maximum ? (self .< other, self .> other) : (self .> other, self .< other)
                return [self.requiresGrad ? Tensor.where(selfLoses, 0, shared).sumTo(self) : nil,
                        other.requiresGrad ? Tensor.where(otherLoses, 0, shared).sumTo(other) : nil]
            }
        }
        return out
    }

    /// `self ** exponent` elementwise with a tensor exponent (`torch.pow`).
    public func pow(_ exponent: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let shape = Tensor.broadcastShape(self, exponent, op: "pow", file: file, line: line)
        let type = resultType(self, exponent)
        if type.isComplex {
            // A real number exponent takes the forms `pow(Double)` has; others e^(exponent·log z).
            let base = to(type)
            return exponent.isWrappedNumber && !exponent.isComplex ? base.complexPower(exponent.item()) : (base.log() * exponent).exp()
        }
        let out: Tensor
        if type.isFloatingPoint {
            let compute = type.computeType
            out = Tensor.combining(kernelInput(compute), exponent.kernelInput(compute), .pow, shape: shape).kernelInput(type)
        } else {
            out = pow(exponent.to(.float64)).to(type)
        }
        if needsGrad(self, exponent) {
            record("PowBackward1", inputs: [self, exponent], outputs: [out],
                   saving: [SavedTensor(self), SavedTensor(exponent)]) { [self] g in
                let selfGrad = self.requiresGrad
                    ? (g[0] * exponent * self.pow(exponent - 1)).sumTo(self) : nil
                let exponentGrad = exponent.requiresGrad
                    ? (g[0] * self.pow(exponent) * Tensor.where(self .== 0, Tensor.zeros([], dtype: self.dtype), self.log())).sumTo(exponent)
                    : nil
                return [selfGrad, exponentGrad]
            }
        }
        return out
    }

    /// `self ** exponent` with a number exponent (`torch.pow`).
    public func pow(_ exponent: Double) -> Tensor {
        if isComplex { return complexPower(exponent) }
        if !dtype.isFloatingPoint && exponent == exponent.rounded() && exponent >= 0 {
            var result = onesLike()
            for _ in 0..<Int(exponent) { result = Tensor.arithmetic(result, self, .multiply, name: "pow", file: #fileID, line: #line) }
            return result
        }
        let out = floatUnary(.powScalar(exponent))
        if needsGrad(self) {
            record("PowBackward0", inputs: [self], outputs: [out], saving: [SavedTensor(self)]) { [self] g in
                if exponent == 0 { return [g[0] * 0] }
                return [g[0] * exponent * self.pow(exponent - 1)]
            }
        }
        return out
    }

    /// `self * self` (`torch.square`).
    public func square() -> Tensor { pow(2) }

    // MARK: Unary math

    /// Runs a float kernel: integers compute in float32, 16-bit floats in float32 and round back.
    func floatUnary(_ op: FloatUnaryOp) -> Tensor {
        if isComplex { fail("\(op)", "not implemented for complex tensors (\(dtype))") }
        let type = dtype.floatingCounterpart
        let compute = type.computeType
        let out = kernelInput(compute).applying(op)
        return compute == type ? out : out.copied(as: type)
    }

    func arithmeticUnary(_ op: ArithmeticUnaryOp) -> Tensor {
        if isComplex {
            guard case .neg = op else { fail("\(op)", "not implemented for complex tensors (\(dtype))") }
            return realPairs.applying(op).complexNumbers
        }
        let compute = dtype.computeType
        let out = kernelInput(compute).applying(op)
        return compute == dtype ? out : out.copied(as: dtype)
    }

    /// A unary float op whose gradient is `grad * derivative(input, output)`. When backward itself is
    /// recorded (double backward), the output is recomputed from the input so its own graph exists.
    func unary(_ op: FloatUnaryOp, _ name: String, savesOutput: Bool = false,
               derivative: @escaping (_ input: Tensor, _ output: Tensor) -> Tensor) -> Tensor {
        let out = floatUnary(op)
        if needsGrad(self) {
            let savedOut = out.detach()
            record(name, inputs: [self], outputs: [out],
                   saving: [savesOutput ? SavedTensor(savedOut, isOutput: true) : SavedTensor(self)]) { [self] g in
                let output = savesOutput && GradMode.isEnabled ? self.unary(op, name, savesOutput: true, derivative: derivative) : savedOut
                return [g[0] * derivative(self, output)]
            }
        }
        return out
    }

    /// `e ** x` (`torch.exp`).
    public func exp() -> Tensor { isComplex ? complexExp() : unary(.exp, "ExpBackward0", savesOutput: true) { _, y in y } }
    /// `e ** x - 1`, accurate near 0 (`torch.expm1`).
    public func expm1() -> Tensor { unary(.expm1, "Expm1Backward0", savesOutput: true) { _, y in y + 1 } }
    /// Natural logarithm, the principal one for complex numbers (`torch.log`).
    public func log() -> Tensor { isComplex ? complexLog() : unary(.log, "LogBackward0") { x, _ in x.reciprocal() } }
    /// `log(1 + x)`, accurate near 0 (`torch.log1p`).
    public func log1p() -> Tensor { unary(.log1p, "Log1PBackward0") { x, _ in (x + 1).reciprocal() } }
    /// Square root, the principal one for complex numbers (`torch.sqrt`).
    public func sqrt() -> Tensor { isComplex ? complexSqrt() : unary(.sqrt, "SqrtBackward0", savesOutput: true) { _, y in 0.5 / y } }
    /// `1 / sqrt(x)` (`torch.rsqrt`).
    public func rsqrt() -> Tensor { unary(.rsqrt, "RsqrtBackward0", savesOutput: true) { _, y in -0.5 * y * y * y } }
    /// Sine (`torch.sin`).
    public func sin() -> Tensor { unary(.sin, "SinBackward0") { x, _ in x.cos() } }
    /// Cosine (`torch.cos`).
    public func cos() -> Tensor { unary(.cos, "CosBackward0") { x, _ in -x.sin() } }
    /// The error function (`torch.erf`).
    public func erf() -> Tensor {
        unary(.erf, "ErfBackward0") { x, _ in 1.1283791670955126 * (-(x * x)).exp() }
    }
    /// `1 / x` (`torch.reciprocal`).
    public func reciprocal() -> Tensor {
        isComplex ? 1 / self : unary(.reciprocal, "ReciprocalBackward0", savesOutput: true) { _, y in -(y * y) }
    }

    /// Hyperbolic tangent (`torch.tanh`).
    public func tanh() -> Tensor { fusedBackwardUnary(.tanh, "TanhBackward0", .tanhBackward) }
    /// The logistic function `1 / (1 + e ** -x)` (`torch.sigmoid`).
    public func sigmoid() -> Tensor { fusedBackwardUnary(.sigmoid, "SigmoidBackward0", .sigmoidBackward) }

    private func fusedBackwardUnary(_ op: FloatUnaryOp, _ name: String, _ backward: FloatBinaryOp) -> Tensor {
        let out = floatUnary(op)
        if needsGrad(self) {
            let savedOut = out.detach()
            record(name, inputs: [self], outputs: [out], saving: [SavedTensor(savedOut, isOutput: true)]) { [self] g in
                if GradMode.isEnabled {
                    // Double backward: rebuild the output with its graph, then differentiate the formula.
                    let y = self.fusedBackwardUnary(op, name, backward)
                    return [backward == .tanhBackward ? g[0] * (1 - y * y) : g[0] * y * (1 - y)]
                }
                return [Tensor.floatBinary(g[0], savedOut, backward)]
            }
        }
        return out
    }

    /// Runs a float binary kernel on two tensors broadcast together, in the first one's float type.
    static func floatBinary(_ a: Tensor, _ b: Tensor, _ op: FloatBinaryOp) -> Tensor {
        let type = resultType(a, b).floatingCounterpart
        let compute = type.computeType
        let shape = Layout.broadcastShapes(a.shape, b.shape)!
        let out = Tensor.combining(a.kernelInput(compute), b.kernelInput(compute), op, shape: shape)
        return compute == type ? out : out.copied(as: type)
    }

    /// `Swift.max(x, 0)` (`torch.relu`).
    public func relu() -> Tensor {
        let out = arithmeticUnary(.relu)
        if needsGrad(self) {
            let savedOut = out.detach()
            record("ReluBackward0", inputs: [self], outputs: [out], saving: [SavedTensor(savedOut, isOutput: true)]) { g in
                if GradMode.isEnabled { return [Tensor.where(savedOut .<= 0, 0, g[0])] }
                return [Tensor.floatBinary(g[0], savedOut, .reluBackward)]
            }
        }
        return out
    }

    /// GELU, exact (`"none"`) or with the tanh approximation (`"tanh"`) (`F.gelu`).
    public func gelu(approximate: String = "none") -> Tensor {
        if approximate == "tanh" {
            return unary(.geluTanh, "GeluBackward0") { x, _ in
                let k = 0.7978845608028654, c = 0.044715
                let inner = k * (x + c * x * x * x)
                let t = inner.tanh()
                return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * c * x * x)
            }
        }
        return unary(.gelu, "GeluBackward0") { x, _ in
            let cdf = 0.5 * (1 + (x * 0.7071067811865476).erf())
            return cdf + x * (-0.5 * x * x).exp() * 0.3989422804014327
        }
    }

    /// `x * sigmoid(x)` (`F.silu`).
    public func silu() -> Tensor {
        unary(.silu, "SiluBackward0") { x, _ in
            let s = x.sigmoid()
            return s * (1 + x * (1 - s))
        }
    }

    /// `x` for positive inputs, `alpha * (e ** x - 1)` otherwise (`F.elu`).
    public func elu(alpha: Double = 1) -> Tensor {
        unary(.elu(alpha: alpha, scale: 1, inputScale: 1), "EluBackward0") { x, _ in
            Tensor.where(x .<= 0, alpha * x.exp(), Tensor.onesScalar(x.dtype))   // NaN takes the linear side, as PyTorch
        }
    }

    /// `x` for positive inputs, `negativeSlope * x` otherwise (`F.leaky_relu`).
    public func leakyRelu(negativeSlope: Double = 0.01) -> Tensor {
        unary(.leakyRelu(slope: negativeSlope), "LeakyReluBackward0") { x, _ in
            Tensor.where(x .> 0, Tensor.onesScalar(x.dtype), Tensor.full([], negativeSlope, dtype: x.dtype))
        }
    }

    /// `log(1 + e ** (beta * x)) / beta`, linear above `threshold` (`F.softplus`).
    public func softplus(beta: Double = 1, threshold: Double = 20) -> Tensor {
        unary(.softplus(beta: beta, threshold: threshold), "SoftplusBackward0") { x, _ in
            let z = (x * beta).exp()
            return Tensor.where(x * beta .> threshold, Tensor.onesScalar(x.dtype), z / (z + 1))
        }
    }

    static func onesScalar(_ dtype: DType) -> Tensor { Tensor.ones([], dtype: dtype) }

    /// `-x` (`torch.neg`).
    public func neg() -> Tensor {
        let out = arithmeticUnary(.neg)
        if needsGrad(self) { record("NegBackward0", inputs: [self], outputs: [out]) { g in [-g[0]] } }
        return out
    }

    /// `|x|` (`torch.abs`).
    public func abs() -> Tensor {
        if isComplex { return complexAbs() }
        let out = arithmeticUnary(.abs)
        if needsGrad(self) {
            record("AbsBackward0", inputs: [self], outputs: [out], saving: [SavedTensor(self)]) { [self] g in
                [g[0] * self.sign()]
            }
        }
        return out
    }

    /// -1, 0 or 1 by the sign of each element (`torch.sign`).
    public func sign() -> Tensor { stepFunction(.sign, "SignBackward0") }
    /// Rounds down (`torch.floor`).
    public func floor() -> Tensor { stepFunction(.floor, "FloorBackward0") }
    /// Rounds up (`torch.ceil`).
    public func ceil() -> Tensor { stepFunction(.ceil, "CeilBackward0") }
    /// Rounds half to even (`torch.round`).
    public func round() -> Tensor { stepFunction(.round, "RoundBackward0") }

    /// Rounds half to even at `decimals` decimal places; negative places round to tens, hundreds…
    /// (`torch.round(x, decimals=d)`).
    public func round(decimals: Int) -> Tensor {
        guard dtype.isFloatingPoint else { return clone() }
        let power = (0..<Swift.abs(decimals)).reduce(1.0) { product, _ in product * 10 }
        let out = noGrad { decimals >= 0 ? (self * power).round() / power : (self / power).round() * power }
        if needsGrad(self) { record("RoundBackward1", inputs: [self], outputs: [out]) { g in [g[0] * 0] } }
        return out
    }
    /// Rounds toward zero (`torch.trunc`).
    public func trunc() -> Tensor { stepFunction(.trunc, "TruncBackward0") }

    /// An op whose gradient is zero almost everywhere.
    private func stepFunction(_ op: ArithmeticUnaryOp, _ name: String) -> Tensor {
        let out = arithmeticUnary(op)
        if needsGrad(self) { record(name, inputs: [self], outputs: [out]) { g in [g[0] * 0] } }
        return out
    }

    /// Limits each element to `[min, max]`; NaN stays NaN (`torch.clamp`).
    public func clamp(min: Double? = nil, max: Double? = nil, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(min != nil || max != nil, "clamp", "At least one of 'min' or 'max' must not be None", file: file, line: line)
        return clamp(min: min, max: max, name: "ClampBackward1")
    }

    /// `clamp` recorded under `name` (`clamp_min`/`clamp_max` have their own nodes in PyTorch).
    func clamp(min: Double? = nil, max: Double? = nil, name: String) -> Tensor {
        let out = arithmeticUnary(.clamp(min: min, max: max))
        if needsGrad(self) {
            record(name, inputs: [self], outputs: [out], saving: [SavedTensor(self)]) { [self] g in
                var mask = Tensor.ones(self.shape, dtype: .bool, device: self.device)
                if let lower = min { mask = mask.logicalAnd(self .>= lower) }
                if let upper = max { mask = mask.logicalAnd(self .<= upper) }
                return [g[0] * mask.to(g[0].dtype)]
            }
        }
        return out
    }

    /// Clamps to elementwise bounds given as tensors, broadcasting (`torch.clamp(x, min=t, max=u)`); where the
    /// lower bound exceeds the upper, the upper wins, as in PyTorch.
    /// Disfavoured, so number literals (`clamp(min: 0)`) keep choosing the scalar form.
    @_disfavoredOverload
    public func clamp(min lower: Tensor? = nil, max upper: Tensor? = nil, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(lower != nil || upper != nil, "clamp", "At least one of 'min' or 'max' must not be None", file: file, line: line)
        let out = noGrad { () -> Tensor in
            var y = self
            if let lower { y = y.maximum(lower, file: file, line: line) }
            if let upper { y = y.minimum(upper, file: file, line: line) }
            return y
        }
        record("ClampBackward0", inputs: [self] + [lower, upper].compactMap { $0 }, outputs: [out],
               saving: [SavedTensor(self)] + [lower, upper].compactMap { $0.map { SavedTensor($0) } }) { [self] g in
            let zero = Tensor.zeros([], dtype: g[0].dtype)
            let crossed = lower.flatMap { lo in upper.map { hi in hi .< lo } }   // the upper bound wins
            var keep = Tensor.ones(self.shape, dtype: .bool, device: self.device)
            if let lower { keep = keep.logicalAnd(self .>= lower) }
            if let upper { keep = keep.logicalAnd(self .<= upper) }
            if let crossed { keep = keep.logicalAnd(crossed.logicalNot()) }
            var grads: [Tensor?] = [self.requiresGrad ? Tensor.where(keep, g[0], zero).sumTo(self) : nil]
            if let lower {
                var below = lower .> self
                if let crossed { below = below.logicalAnd(crossed.logicalNot()) }
                grads.append(lower.requiresGrad ? Tensor.where(below, g[0], zero).sumTo(lower) : nil)
            }
            if let upper {
                var above = upper .< self
                if let crossed { above = above.logicalOr(crossed) }
                grads.append(upper.requiresGrad ? Tensor.where(above, g[0], zero).sumTo(upper) : nil)
            }
            return grads
        }
        return out
    }

    // MARK: Comparison and selection

    func compare(_ other: Tensor, _ op: ComparisonOp, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let shape = Tensor.broadcastShape(self, other, op: "\(op)", file: file, line: line)
        let type = resultType(self, other)
        if type.isComplex { return complexEquality(other, op, type: type, file: file, line: line) }
        let compute = type.computeType
        return Tensor.comparing(kernelInput(compute), other.kernelInput(compute), op, shape: shape)
    }

    /// Elementwise `==` (`torch.eq`); gives bool.
    public func eq(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor { compare(other, .eq, file: file, line: line) }
    /// Elementwise `!=` (`torch.ne`).
    public func ne(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor { compare(other, .ne, file: file, line: line) }
    /// Elementwise `<` (`torch.lt`).
    public func lt(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor { compare(other, .lt, file: file, line: line) }
    /// Elementwise `<=` (`torch.le`).
    public func le(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor { compare(other, .le, file: file, line: line) }
    /// Elementwise `>` (`torch.gt`).
    public func gt(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor { compare(other, .gt, file: file, line: line) }
    /// Elementwise `>=` (`torch.ge`).
    public func ge(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor { compare(other, .ge, file: file, line: line) }

    /// Elementwise logical and of truth values (`torch.logical_and`).
    public func logicalAnd(_ other: Tensor) -> Tensor {
        Tensor.arithmetic(self.bool(), other.bool(), .multiply, type: .bool, name: "logical_and", file: #fileID, line: #line)
    }

    /// Elementwise logical or (`torch.logical_or`).
    public func logicalOr(_ other: Tensor) -> Tensor {
        Tensor.arithmetic(self.bool(), other.bool(), .add, type: .bool, name: "logical_or", file: #fileID, line: #line)
    }

    /// Elementwise logical exclusive or (`torch.logical_xor`).
    public func logicalXor(_ other: Tensor) -> Tensor { self.bool() .!= other.bool() }

    /// Elementwise logical not (`torch.logical_not`).
    public func logicalNot() -> Tensor { self.bool() .== Tensor(false) }

    /// `condition ? input : other`, broadcasting all three (`torch.where`).
    public static func `where`(_ condition: Tensor, _ input: Tensor, _ other: Tensor,
                               file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let partial = broadcastShape(condition, input, op: "where", file: file, line: line)
        let shape = broadcastShape(Tensor(storage: condition.storage, shape: partial, strides: Layout.rowMajorStrides(partial),
                                          offset: 0, dtype: .bool), other, op: "where", file: file, line: line)
        let type = resultType(input, other)
        let out = Tensor.selecting(condition.bool(), input.kernelInput(type), other.kernelInput(type), shape: shape)
        if needsGrad(input, other) {
            record("WhereBackward0", inputs: [input, other], outputs: [out], saving: [SavedTensor(condition)]) { g in
                let zero = Tensor.zeros([], dtype: g[0].dtype)
                return [input.requiresGrad ? Tensor.where(condition, g[0], zero).sumTo(input) : nil,
                        other.requiresGrad ? Tensor.where(condition, zero, g[0]).sumTo(other) : nil]
            }
        }
        return out
    }

    /// `x · log(y)`, 0 where `x` is 0 unless `y` is NaN (`torch.xlogy`); broadcasts.
    public static func xlogy(_ x: Tensor, _ y: Tensor) -> Tensor {
        func product(_ x: Tensor, _ y: Tensor) -> Tensor {
            Tensor.where((x .== 0).logicalAnd(y .== y), Tensor.zeros([], dtype: x.dtype), x * y.log())
        }
        let out = noGrad { product(x, y) }
        record("XlogyBackward0", inputs: [x, y], outputs: [out], saving: [SavedTensor(x), SavedTensor(y)]) { g in
            [x.requiresGrad ? (g[0] * product((x .!= 0).to(out.dtype), y)).sumTo(x) : nil,
             y.requiresGrad ? (g[0] * x / y).sumTo(y) : nil]
        }
        return out
    }

    /// `value` where `mask` is true, else self (`masked_fill`).
    public func maskedFill(_ mask: Tensor, _ value: Double, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(mask.dtype == .bool, "masked_fill", "expected a bool mask, got \(mask.dtype)", file: file, line: line)
        let shape = Tensor.broadcastShape(self, mask, op: "masked_fill", file: file, line: line)
        check(shape == self.shape, "masked_fill", "mask of shape \(shapeText(mask.shape)) does not broadcast to \(shapeText(self.shape))",
              file: file, line: line)
        let fill = Tensor.full([], value, dtype: dtype)
        let out = Tensor.selecting(mask, fill, self, shape: shape)
        if needsGrad(self) {
            record("MaskedFillBackward0", inputs: [self], outputs: [out], saving: [SavedTensor(mask)]) { g in
                [Tensor.where(mask, Tensor.zeros([], dtype: g[0].dtype), g[0])]
            }
        }
        return out
    }

    /// Sets the elements where `mask` is true to a 0-d tensor's value, differentiable in both (`masked_fill`).
    @_disfavoredOverload
    public func maskedFill(_ mask: Tensor, _ value: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(value.dim == 0, "masked_fill", "only supports a 0-dimensional value tensor, but got tensor with "
              + "\(value.dim) dimension(s)", file: file, line: line)
        guard needsGrad(value) else { return maskedFill(mask, value.item(), file: file, line: line) }
        let out = noGrad { maskedFill(mask, value.item(), file: file, line: line) }
        record("MaskedFillBackward1", inputs: [self, value], outputs: [out], saving: [SavedTensor(mask)]) { [self] g in
            let zero = Tensor.zeros([], dtype: g[0].dtype)
            return [self.requiresGrad ? Tensor.where(mask, zero, g[0]) : nil, Tensor.where(mask, g[0], zero).sum().to(value.dtype)]
        }
        return out
    }
}

// MARK: Free functions, as in `torch.*`

/// `torch.exp`.
public func exp(_ x: Tensor) -> Tensor { x.exp() }
/// `torch.log`.
public func log(_ x: Tensor) -> Tensor { x.log() }
/// `torch.sqrt`.
public func sqrt(_ x: Tensor) -> Tensor { x.sqrt() }
/// `torch.sin`.
public func sin(_ x: Tensor) -> Tensor { x.sin() }
/// `torch.cos`.
public func cos(_ x: Tensor) -> Tensor { x.cos() }
/// `torch.tanh`.
public func tanh(_ x: Tensor) -> Tensor { x.tanh() }
/// `torch.sigmoid`.
public func sigmoid(_ x: Tensor) -> Tensor { x.sigmoid() }
/// `torch.relu`.
public func relu(_ x: Tensor) -> Tensor { x.relu() }
/// `torch.abs`.
public func abs(_ x: Tensor) -> Tensor { x.abs() }
/// `torch.maximum`.
public func maximum(_ a: Tensor, _ b: Tensor) -> Tensor { a.maximum(b) }
/// `torch.minimum`.
public func minimum(_ a: Tensor, _ b: Tensor) -> Tensor { a.minimum(b) }
/// `torch.pow`.
public func pow(_ a: Tensor, _ exponent: Double) -> Tensor { a.pow(exponent) }
