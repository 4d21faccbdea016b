// The Swift types that back each dtype, and the conversions between them.

/// bfloat16: the top 16 bits of a float32, rounded to nearest even as PyTorch rounds.
public struct BFloat16: Hashable, Sendable, CustomStringConvertible {
    public var bitPattern: UInt16
    public init(bitPattern: UInt16) { self.bitPattern = bitPattern }
    public init(_ value: Float) {
        if value.isNaN { bitPattern = 0x7FC0; return }
        let bits = value.bitPattern
        let roundingBias = 0x7FFF + ((bits >> 16) & 1)
        bitPattern = UInt16(truncatingIfNeeded: (bits &+ roundingBias) >> 16)
    }
    public var floatValue: Float { Float(bitPattern: UInt32(bitPattern) << 16) }
    public var description: String { floatValue.description }
}

/// A Swift type that stores the elements of one dtype.
public protocol TensorScalar {
    static var dtype: DType { get }
    /// Converts from a double, as a C cast would (integers truncate toward zero, out-of-range saturates safely).
    init(fromDouble value: Double)
    init(fromInt64 value: Int64)
    var doubleValue: Double { get }
    var int64Value: Int64 { get }
}

@inline(__always) func saturatingInt64(_ value: Double) -> Int64 {
    if value.isNaN { return Int64.min }
    if value >= 9.2233720368547758e18 { return Int64.min }  // what x86's cvttsd2si gives
    if value <= -9.2233720368547758e18 { return Int64.min }
    return Int64(value)
}

extension Float: TensorScalar {
    public static var dtype: DType { .float32 }
    @inline(__always) public init(fromDouble value: Double) { self = Float(value) }
    @inline(__always) public init(fromInt64 value: Int64) { self = Float(value) }
    @inline(__always) public var doubleValue: Double { Double(self) }
    @inline(__always) public var int64Value: Int64 { saturatingInt64(Double(self)) }
}

extension Double: TensorScalar {
    public static var dtype: DType { .float64 }
    @inline(__always) public init(fromDouble value: Double) { self = value }
    @inline(__always) public init(fromInt64 value: Int64) { self = Double(value) }
    @inline(__always) public var doubleValue: Double { self }
    @inline(__always) public var int64Value: Int64 { saturatingInt64(self) }
}

extension Float16: TensorScalar {
    public static var dtype: DType { .float16 }
    @inline(__always) public init(fromDouble value: Double) { self = Float16(Float(value)) }
    @inline(__always) public init(fromInt64 value: Int64) { self = Float16(Float(value)) }
    @inline(__always) public var doubleValue: Double { Double(Float(self)) }
    @inline(__always) public var int64Value: Int64 { saturatingInt64(Double(self)) }
}

extension BFloat16: TensorScalar {
    public static var dtype: DType { .bfloat16 }
    @inline(__always) public init(fromDouble value: Double) { self.init(Float(value)) }
    @inline(__always) public init(fromInt64 value: Int64) { self.init(Float(value)) }
    @inline(__always) public var doubleValue: Double { Double(floatValue) }
    @inline(__always) public var int64Value: Int64 { saturatingInt64(Double(floatValue)) }
}

extension Int64: TensorScalar {
    public static var dtype: DType { .int64 }
    @inline(__always) public init(fromDouble value: Double) { self = saturatingInt64(value) }
    @inline(__always) public init(fromInt64 value: Int64) { self = value }
    @inline(__always) public var doubleValue: Double { Double(self) }
    @inline(__always) public var int64Value: Int64 { self }
}

extension Int32: TensorScalar {
    public static var dtype: DType { .int32 }
    /// NaN, infinities and values outside Int32's range give Int32.min, as x86's cvttsd2si does for PyTorch.
    @inline(__always) public init(fromDouble value: Double) {
        self = value.isNaN || value >= 2147483648 || value < -2147483648 ? .min : Int32(value)
    }
    @inline(__always) public init(fromInt64 value: Int64) { self = Int32(truncatingIfNeeded: value) }
    @inline(__always) public var doubleValue: Double { Double(self) }
    @inline(__always) public var int64Value: Int64 { Int64(self) }
}

extension Int8: TensorScalar {
    public static var dtype: DType { .int8 }
    @inline(__always) public init(fromDouble value: Double) { self = Int8(truncatingIfNeeded: saturatingInt64(value)) }
    @inline(__always) public init(fromInt64 value: Int64) { self = Int8(truncatingIfNeeded: value) }
    @inline(__always) public var doubleValue: Double { Double(self) }
    @inline(__always) public var int64Value: Int64 { Int64(self) }
}

extension UInt8: TensorScalar {
    public static var dtype: DType { .uint8 }
    @inline(__always) public init(fromDouble value: Double) { self = UInt8(truncatingIfNeeded: saturatingInt64(value)) }
    @inline(__always) public init(fromInt64 value: Int64) { self = UInt8(truncatingIfNeeded: value) }
    @inline(__always) public var doubleValue: Double { Double(self) }
    @inline(__always) public var int64Value: Int64 { Int64(self) }
}

extension Bool: TensorScalar {
    public static var dtype: DType { .bool }
    @inline(__always) public init(fromDouble value: Double) { self = value != 0 }
    @inline(__always) public init(fromInt64 value: Int64) { self = value != 0 }
    @inline(__always) public var doubleValue: Double { self ? 1 : 0 }
    @inline(__always) public var int64Value: Int64 { self ? 1 : 0 }
}
