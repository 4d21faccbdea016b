// The pointwise kernels by op: one loop per op, chosen by one switch per call.
import RealModule

/// Unary functions computed in floating point.
enum FloatUnaryOp {
    case exp, expm1, log, log1p, sqrt, rsqrt, sin, cos, tanh, sigmoid, erf, reciprocal
    case gelu, geluTanh, silu, elu(alpha: Double), leakyRelu(slope: Double), softplus(beta: Double, threshold: Double)
    case powScalar(Double)
}

/// Unary functions that keep the dtype.
enum ArithmeticUnaryOp {
    case neg, abs, sign, floor, ceil, round, relu, square
    case clamp(min: Double?, max: Double?)
}

/// Binary functions that give the promoted dtype.
enum ArithmeticBinaryOp: Equatable {
    case add, subtract, multiply, divide, floorDivide, remainder, maximum, minimum
    case addScaled(Double)       // a + alpha * b
}

/// Binary functions computed in floating point.
enum FloatBinaryOp: Equatable {
    case pow
    case reluBackward, sigmoidBackward, tanhBackward   // (grad, result) → grad input
    case thresholdBackward(Double)                      // (grad, input): grad where input > threshold
}

enum ComparisonOp { case eq, ne, lt, le, gt, ge }

@inline(__always) private func roundHalfEven<T: BinaryFloatingPoint>(_ x: T) -> T { x.rounded(.toNearestOrEven) }

/// Applies `op` to a float32 or float64 tensor, giving a new contiguous tensor of the same dtype.
func floatUnaryKernel(_ x: Tensor, _ op: FloatUnaryOp) -> Tensor {
    let out = Tensor(uninitializedShape: x.shape, dtype: x.dtype)
    func run<T: FloatScalar>(_: T.Type) {
        let a = x.pointer(as: T.self), o = out.pointer(as: T.self), s = x.strides, shape = x.shape
        switch op {
        case .exp: mapKernel(a, s, o, shape: shape) { T.exp($0) }
        case .expm1: mapKernel(a, s, o, shape: shape) { T.expMinusOne($0) }
        case .log: mapKernel(a, s, o, shape: shape) { T.log($0) }
        case .log1p: mapKernel(a, s, o, shape: shape) { T.log(onePlus: $0) }
        case .sqrt: mapKernel(a, s, o, shape: shape) { $0.squareRoot() }
        case .rsqrt: mapKernel(a, s, o, shape: shape) { 1 / $0.squareRoot() }
        case .sin: mapKernel(a, s, o, shape: shape) { T.sin($0) }
        case .cos: mapKernel(a, s, o, shape: shape) { T.cos($0) }
        case .tanh: mapKernel(a, s, o, shape: shape) { T.tanh($0) }
        case .sigmoid: mapKernel(a, s, o, shape: shape) { 1 / (1 + T.exp(-$0)) }
        case .erf: mapKernel(a, s, o, shape: shape) { T.erf($0) }
        case .reciprocal: mapKernel(a, s, o, shape: shape) { 1 / $0 }
        case .gelu:
            mapKernel(a, s, o, shape: shape) { x in x * 0.5 * (1 + T.erf(x * T(0.70710678118654752440))) }
        case .geluTanh:
            let k = T(0.79788456080286535588), c = T(0.044715)
            mapKernel(a, s, o, shape: shape) { x in 0.5 * x * (1 + T.tanh(k * (x + c * x * x * x))) }
        case .silu: mapKernel(a, s, o, shape: shape) { x in x / (1 + T.exp(-x)) }
        case .elu(let alpha):
            let al = T(alpha)
            mapKernel(a, s, o, shape: shape) { x in x > 0 ? x : al * T.expMinusOne(x) }
        case .leakyRelu(let slope):
            let sl = T(slope)
            mapKernel(a, s, o, shape: shape) { x in x > 0 ? x : x * sl }
        case .softplus(let beta, let threshold):
            let b = T(beta), th = T(threshold)
            mapKernel(a, s, o, shape: shape) { x in x * b > th ? x : T.log(onePlus: T.exp(x * b)) / b }
        case .powScalar(let exponent):
            let e = T(exponent)
            if exponent == 2 {
                mapKernel(a, s, o, shape: shape) { $0 * $0 }
            } else if exponent == 0.5 {
                mapKernel(a, s, o, shape: shape) { $0.squareRoot() }
            } else if exponent == 1 {
                mapKernel(a, s, o, shape: shape) { $0 }
            } else if exponent == 3 {
                mapKernel(a, s, o, shape: shape) { $0 * $0 * $0 }
            } else if exponent == -1 {
                mapKernel(a, s, o, shape: shape) { 1 / $0 }
            } else {
                mapKernel(a, s, o, shape: shape) { T.pow($0, e) }
            }
        }
    }
    switch x.dtype {
    case .float32: run(Float.self)
    case .float64: run(Double.self)
    default: preconditionFailure("floatUnaryKernel: \(x.dtype)")
    }
    return out
}

/// Applies `op` to a tensor of an arithmetic compute type, keeping the dtype.
func arithmeticUnaryKernel(_ x: Tensor, _ op: ArithmeticUnaryOp) -> Tensor {
    let out = Tensor(uninitializedShape: x.shape, dtype: x.dtype)
    func run<T: ArithmeticScalar>(_: T.Type) {
        let a = x.pointer(as: T.self), o = out.pointer(as: T.self), s = x.strides, shape = x.shape
        switch op {
        case .neg: mapKernel(a, s, o, shape: shape) { T.subtract(.zero, $0) }
        case .abs: mapKernel(a, s, o, shape: shape) { $0 < .zero ? T.subtract(.zero, $0) : $0 }
        case .sign: mapKernel(a, s, o, shape: shape) { $0 > .zero ? .one : ($0 < .zero ? T.subtract(.zero, .one) : ($0.isNaNValue ? $0 : .zero)) }
        case .relu: mapKernel(a, s, o, shape: shape) { $0 < .zero ? .zero : $0 }
        case .square: mapKernel(a, s, o, shape: shape) { T.multiply($0, $0) }
        case .floor, .ceil, .round:
            if T.dtype.isFloatingPoint {
                floatRounding(a, s, o, shape, op)
            } else {
                mapKernel(a, s, o, shape: shape) { $0 }
            }
        case .clamp(let lower, let upper):
            let lo = lower.map { T(fromDouble: $0) }, hi = upper.map { T(fromDouble: $0) }
            switch (lo, hi) {
            case let (l?, h?): mapKernel(a, s, o, shape: shape) { $0.isNaNValue ? $0 : Swift.min(Swift.max($0, l), h) }
            case let (l?, nil): mapKernel(a, s, o, shape: shape) { $0.isNaNValue ? $0 : Swift.max($0, l) }
            case let (nil, h?): mapKernel(a, s, o, shape: shape) { $0.isNaNValue ? $0 : Swift.min($0, h) }
            case (nil, nil): mapKernel(a, s, o, shape: shape) { $0 }
            }
        }
    }
    switch x.dtype {
    case .float32: run(Float.self)
    case .float64: run(Double.self)
    case .int64: run(Int64.self)
    case .int32: run(Int32.self)
    case .int8: run(Int8.self)
    case .uint8: run(UInt8.self)
    default: preconditionFailure("no arithmetic kernels for \(x.dtype)")
    }
    return out
}

private func floatRounding<T: ArithmeticScalar>(_ a: UnsafeMutablePointer<T>, _ s: [Int], _ o: UnsafeMutablePointer<T>,
                                                _ shape: [Int], _ op: ArithmeticUnaryOp) {
    func go<F: FloatScalar>(_: F.Type) {
        let fa = UnsafeMutableRawPointer(a).assumingMemoryBound(to: F.self)
        let fo = UnsafeMutableRawPointer(o).assumingMemoryBound(to: F.self)
        switch op {
        case .floor: mapKernel(fa, s, fo, shape: shape) { $0.rounded(.down) }
        case .ceil: mapKernel(fa, s, fo, shape: shape) { $0.rounded(.up) }
        default: mapKernel(fa, s, fo, shape: shape) { roundHalfEven($0) }
        }
    }
    if T.self == Float.self { go(Float.self) } else { go(Double.self) }
}

/// Applies `op` to two tensors of the same arithmetic compute dtype, broadcasting to `shape`.
func arithmeticBinaryKernel(_ x: Tensor, _ y: Tensor, _ op: ArithmeticBinaryOp, shape: [Int],
                            into existing: Tensor? = nil) -> Tensor {
    let out = existing ?? Tensor(uninitializedShape: shape, dtype: x.dtype)
    func run<T: ArithmeticScalar>(_: T.Type) {
        let a = x.pointer(as: T.self), b = y.pointer(as: T.self), o = out.pointer(as: T.self)
        let sa = broadcastStrides(shape: x.shape, strides: x.strides, to: shape)
        let sb = broadcastStrides(shape: y.shape, strides: y.strides, to: shape)
        switch op {
        case .add: zipKernel(a, sa, b, sb, o, shape: shape) { T.add($0, $1) }
        case .subtract: zipKernel(a, sa, b, sb, o, shape: shape) { T.subtract($0, $1) }
        case .multiply: zipKernel(a, sa, b, sb, o, shape: shape) { T.multiply($0, $1) }
        case .divide: zipKernel(a, sa, b, sb, o, shape: shape) { T.divide($0, $1) }
        case .floorDivide: zipKernel(a, sa, b, sb, o, shape: shape) { T.floorDivide($0, $1) }
        case .remainder: zipKernel(a, sa, b, sb, o, shape: shape) { T.remainder($0, $1) }
        case .maximum: zipKernel(a, sa, b, sb, o, shape: shape) { $0.isNaNValue ? $0 : ($1.isNaNValue ? $1 : Swift.max($0, $1)) }
        case .minimum: zipKernel(a, sa, b, sb, o, shape: shape) { $0.isNaNValue ? $0 : ($1.isNaNValue ? $1 : Swift.min($0, $1)) }
        case .addScaled(let alpha):
            let al = T(fromDouble: alpha)
            zipKernel(a, sa, b, sb, o, shape: shape) { T.add($0, T.multiply(al, $1)) }
        }
    }
    switch x.dtype {
    case .float32: run(Float.self)
    case .float64: run(Double.self)
    case .int64: run(Int64.self)
    case .int32: run(Int32.self)
    case .int8: run(Int8.self)
    case .uint8: run(UInt8.self)
    default: preconditionFailure("no arithmetic kernels for \(x.dtype)")
    }
    return out
}

/// Applies `op` to two float32/float64 tensors of one dtype, broadcasting to `shape`.
func floatBinaryKernel(_ x: Tensor, _ y: Tensor, _ op: FloatBinaryOp, shape: [Int]) -> Tensor {
    let out = Tensor(uninitializedShape: shape, dtype: x.dtype)
    func run<T: FloatScalar>(_: T.Type) {
        let a = x.pointer(as: T.self), b = y.pointer(as: T.self), o = out.pointer(as: T.self)
        let sa = broadcastStrides(shape: x.shape, strides: x.strides, to: shape)
        let sb = broadcastStrides(shape: y.shape, strides: y.strides, to: shape)
        switch op {
        case .pow: zipKernel(a, sa, b, sb, o, shape: shape) { T.pow($0, $1) }
        case .reluBackward: zipKernel(a, sa, b, sb, o, shape: shape) { g, r in r > 0 ? g : 0 }
        case .sigmoidBackward: zipKernel(a, sa, b, sb, o, shape: shape) { g, r in g * (1 - r) * r }
        case .tanhBackward: zipKernel(a, sa, b, sb, o, shape: shape) { g, r in g * (1 - r * r) }
        case .thresholdBackward(let threshold):
            let th = T(threshold)
            zipKernel(a, sa, b, sb, o, shape: shape) { g, x in x > th ? g : 0 }
        }
    }
    switch x.dtype {
    case .float32: run(Float.self)
    case .float64: run(Double.self)
    default: preconditionFailure("floatBinaryKernel: \(x.dtype)")
    }
    return out
}

/// Compares two tensors of one arithmetic compute dtype, broadcasting to `shape`; gives bool.
func comparisonKernel(_ x: Tensor, _ y: Tensor, _ op: ComparisonOp, shape: [Int]) -> Tensor {
    let out = Tensor(uninitializedShape: shape, dtype: .bool)
    func run<T: ArithmeticScalar>(_: T.Type) {
        let a = x.pointer(as: T.self), b = y.pointer(as: T.self), o = out.pointer(as: Bool.self)
        let sa = broadcastStrides(shape: x.shape, strides: x.strides, to: shape)
        let sb = broadcastStrides(shape: y.shape, strides: y.strides, to: shape)
        switch op {
        case .eq: zipKernel(a, sa, b, sb, o, shape: shape) { $0 == $1 }
        case .ne: zipKernel(a, sa, b, sb, o, shape: shape) { $0 != $1 }
        case .lt: zipKernel(a, sa, b, sb, o, shape: shape) { $0 < $1 }
        case .le: zipKernel(a, sa, b, sb, o, shape: shape) { $0 <= $1 }
        case .gt: zipKernel(a, sa, b, sb, o, shape: shape) { $0 > $1 }
        case .ge: zipKernel(a, sa, b, sb, o, shape: shape) { $0 >= $1 }
        }
    }
    switch x.dtype {
    case .float32: run(Float.self)
    case .float64: run(Double.self)
    case .int64: run(Int64.self)
    case .int32: run(Int32.self)
    case .int8: run(Int8.self)
    case .uint8: run(UInt8.self)
    default: preconditionFailure("no arithmetic kernels for \(x.dtype)")
    }
    return out
}

/// out = condition ? x : y, broadcasting all three to `shape`; x and y share a dtype (any).
func whereKernel(_ condition: Tensor, _ x: Tensor, _ y: Tensor, shape: [Int]) -> Tensor {
    struct Select: ScalarTypeVisitor {
        let condition: Tensor, x: Tensor, y: Tensor, out: Tensor, shape: [Int]
        func visit<T: TensorScalar>(_ type: T.Type) {
            zip3Kernel(condition.pointer(as: Bool.self),
                       broadcastStrides(shape: condition.shape, strides: condition.strides, to: shape),
                       x.pointer(as: T.self), broadcastStrides(shape: x.shape, strides: x.strides, to: shape),
                       y.pointer(as: T.self), broadcastStrides(shape: y.shape, strides: y.strides, to: shape),
                       out.pointer(as: T.self), shape: shape) { $0 ? $1 : $2 }
        }
    }
    let out = Tensor(uninitializedShape: shape, dtype: x.dtype)
    x.dtype.visit(Select(condition: condition, x: x, y: y, out: out, shape: shape))
    return out
}
