// The scalar protocols kernels are generic over: one specialisation per dtype, no per-element dispatch.
import RealModule

/// Element types with arithmetic kernels (bool and the 16-bit floats are computed in a wider type).
protocol ArithmeticScalar: TensorScalar, Comparable {
    static var zero: Self { get }
    static var one: Self { get }
    static func add(_ a: Self, _ b: Self) -> Self
    static func subtract(_ a: Self, _ b: Self) -> Self
    static func multiply(_ a: Self, _ b: Self) -> Self
    /// True division for floats; C division (toward zero) for integers.
    static func divide(_ a: Self, _ b: Self) -> Self
    /// Python's floor division.
    static func floorDivide(_ a: Self, _ b: Self) -> Self
    /// Python's modulo (sign of the divisor).
    static func remainder(_ a: Self, _ b: Self) -> Self
    /// C's `fmod` (sign of the dividend).
    static func truncatedRemainder(_ a: Self, _ b: Self) -> Self
    var isNaNValue: Bool { get }
    /// The type sums of this scalar accumulate in, PyTorch's CPU `acc_type`: float64 for floats,
    /// the type itself for integers (exact, wrapping).
    associatedtype Accumulator: ArithmeticScalar
    var accumulated: Accumulator { get }
    init(accumulated: Accumulator)
}

/// Element types for transcendental math: Float and Double.
protocol FloatScalar: ArithmeticScalar, Real, BinaryFloatingPoint {}

extension ArithmeticScalar where Self: FloatingPoint {
    static var zero: Self { 0 }
    static var one: Self { 1 }
    @inline(__always) static func add(_ a: Self, _ b: Self) -> Self { a + b }
    @inline(__always) static func subtract(_ a: Self, _ b: Self) -> Self { a - b }
    @inline(__always) static func multiply(_ a: Self, _ b: Self) -> Self { a * b }
    @inline(__always) static func divide(_ a: Self, _ b: Self) -> Self { a / b }
    @inline(__always) static func floorDivide(_ a: Self, _ b: Self) -> Self {
        // PyTorch's div_floor_floating: floor of the true quotient, corrected by the remainder.
        if b == 0 { return a / b }
        let mod = a.truncatingRemainder(dividingBy: b)
        var div = (a - mod) / b
        if mod != 0 && (b < 0) != (mod < 0) { div -= 1 }
        if div == 0 { return Self(signOf: a / b, magnitudeOf: 0) }
        let floored = div.rounded(.down)
        return (div - floored) * 2 > 1 ? floored + 1 : floored
    }
    @inline(__always) static func remainder(_ a: Self, _ b: Self) -> Self {
        var mod = a.truncatingRemainder(dividingBy: b)
        if mod != 0 && (b < 0) != (mod < 0) { mod += b }
        return mod
    }
    @inline(__always) static func truncatedRemainder(_ a: Self, _ b: Self) -> Self { a.truncatingRemainder(dividingBy: b) }
    @inline(__always) var isNaNValue: Bool { isNaN }
}

extension ArithmeticScalar where Self: FixedWidthInteger {
    static var zero: Self { 0 }
    static var one: Self { 1 }
    @inline(__always) static func add(_ a: Self, _ b: Self) -> Self { a &+ b }
    @inline(__always) static func subtract(_ a: Self, _ b: Self) -> Self { a &- b }
    @inline(__always) static func multiply(_ a: Self, _ b: Self) -> Self { a &* b }
    @inline(__always) static func divide(_ a: Self, _ b: Self) -> Self {
        b == 0 ? 0 : (b == -1 ? 0 &- a : a / b)
    }
    @inline(__always) static func floorDivide(_ a: Self, _ b: Self) -> Self {
        if b == 0 { return 0 }
        if b == -1 { return 0 &- a }
        let q = a / b
        return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q
    }
    @inline(__always) static func remainder(_ a: Self, _ b: Self) -> Self {
        if b == 0 || b == -1 { return 0 }
        let r = a % b
        return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r
    }
    @inline(__always) static func truncatedRemainder(_ a: Self, _ b: Self) -> Self { b == 0 || b == -1 ? 0 : a % b }
    @inline(__always) var isNaNValue: Bool { false }
}

extension ArithmeticScalar where Self: FixedWidthInteger, Accumulator == Self {
    @inline(__always) var accumulated: Self { self }
    @inline(__always) init(accumulated: Self) { self = accumulated }
}

extension ArithmeticScalar where Self: BinaryFloatingPoint, Accumulator == Double {
    @inline(__always) var accumulated: Double { Double(self) }
    @inline(__always) init(accumulated: Double) { self.init(accumulated) }
}

extension Float: FloatScalar { typealias Accumulator = Double }
extension Double: FloatScalar { typealias Accumulator = Double }
extension Int64: ArithmeticScalar { typealias Accumulator = Int64 }
extension Int32: ArithmeticScalar { typealias Accumulator = Int32 }
extension Int8: ArithmeticScalar { typealias Accumulator = Int8 }
extension UInt8: ArithmeticScalar { typealias Accumulator = UInt8 }

extension DType {
    /// The dtype kernels compute in: 16-bit floats widen to float32, bool to uint8.
    var computeType: DType {
        switch self {
        case .float16, .bfloat16: return .float32
        case .bool: return .uint8
        default: return self
        }
    }
}
