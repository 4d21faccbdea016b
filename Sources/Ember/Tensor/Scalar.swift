// The Swift types that back each dtype, and the conversions between them.

/// bfloat16: the top 16 bits of a float32, rounded to nearest even as PyTorch rounds.
public struct BFloat16: Hashable, Sendable, CustomStringConvertible {
    /// The 16 bits: the upper half of a float32.
    public var bitPattern: UInt16
    /// The value with these 16 bits.
    public init(bitPattern: UInt16) { self.bitPattern = bitPattern }
    /// `value` rounded to the nearest bfloat16, ties to even, as PyTorch converts.
    public init(_ value: Float) {
        if value.isNaN { bitPattern = 0x7FC0; return }
        let bits = value.bitPattern
        let roundingBias = 0x7FFF + ((bits >> 16) & 1)
        bitPattern = UInt16(truncatingIfNeeded: (bits &+ roundingBias) >> 16)
    }
    /// The value as a Float (exactly).
    public var floatValue: Float { Float(bitPattern: UInt32(bitPattern) << 16) }
    /// The value as its Float prints.
    public var description: String { floatValue.description }
}

/// A Swift type that stores the elements of one dtype.
public protocol TensorScalar {
    /// The dtype of tensors of this Swift type.
    static var dtype: DType { get }
    /// Converts from a double, as a C cast would (integers truncate toward zero, out-of-range saturates safely).
    init(fromDouble value: Double)
    /// The value of an Int64, converted as PyTorch casts (wrapping into narrower integers).
    init(fromInt64 value: Int64)
    /// The value as a Double.
    var doubleValue: Double { get }
    /// The value as an Int64 (saturating, for floating-point values).
    var int64Value: Int64 { get }
}

@inline(__always) func saturatingInt64(_ value: Double) -> Int64 {
    if value.isNaN { return Int64.min }
    if value >= 9.2233720368547758e18 { return Int64.min }  // what x86's cvttsd2si gives
    if value <= -9.2233720368547758e18 { return Int64.min }
    return Int64(value)
}

/// The scalar of float32 tensors.
extension Float: TensorScalar {
    /// float32.
    public static var dtype: DType { .float32 }
    @inline(__always) public init(fromDouble value: Double) { self = Float(value) }
    /// The value of an Int64, converted as PyTorch casts (wrapping into narrower integers).
    @inline(__always) public init(fromInt64 value: Int64) { self = Float(value) }
    /// The value as a Double.
    @inline(__always) public var doubleValue: Double { Double(self) }
    /// The value as an Int64, saturating.
    @inline(__always) public var int64Value: Int64 { saturatingInt64(Double(self)) }
}

/// The scalar of float64 tensors.
extension Double: TensorScalar {
    /// float64.
    public static var dtype: DType { .float64 }
    @inline(__always) public init(fromDouble value: Double) { self = value }
    /// The value of an Int64, converted as PyTorch casts (wrapping into narrower integers).
    @inline(__always) public init(fromInt64 value: Int64) { self = Double(value) }
    /// The value itself.
    @inline(__always) public var doubleValue: Double { self }
    /// The value as an Int64, saturating.
    @inline(__always) public var int64Value: Int64 { saturatingInt64(self) }
}

/// The scalar of float16 tensors.
extension Float16: TensorScalar {
    /// float16.
    public static var dtype: DType { .float16 }
    @inline(__always) public init(fromDouble value: Double) { self = Float16(Float(value)) }
    /// The value of an Int64, converted as PyTorch casts (wrapping into narrower integers).
    @inline(__always) public init(fromInt64 value: Int64) { self = Float16(Float(value)) }
    /// The value as a Double.
    @inline(__always) public var doubleValue: Double { Double(Float(self)) }
    /// The value as an Int64, saturating.
    @inline(__always) public var int64Value: Int64 { saturatingInt64(Double(self)) }
}

extension BFloat16: TensorScalar {
    /// bfloat16.
    public static var dtype: DType { .bfloat16 }
    @inline(__always) public init(fromDouble value: Double) { self.init(Float(value)) }
    /// The value of an Int64, converted as PyTorch casts (wrapping into narrower integers).
    @inline(__always) public init(fromInt64 value: Int64) { self.init(Float(value)) }
    /// The value as a Double.
    @inline(__always) public var doubleValue: Double { Double(floatValue) }
    /// The value as an Int64, saturating.
    @inline(__always) public var int64Value: Int64 { saturatingInt64(Double(floatValue)) }
}

/// The scalar of int64 tensors.
extension Int64: TensorScalar {
    /// int64.
    public static var dtype: DType { .int64 }
    @inline(__always) public init(fromDouble value: Double) { self = saturatingInt64(value) }
    /// The value of an Int64, converted as PyTorch casts (wrapping into narrower integers).
    @inline(__always) public init(fromInt64 value: Int64) { self = value }
    /// The value as a Double.
    @inline(__always) public var doubleValue: Double { Double(self) }
    /// The value itself.
    @inline(__always) public var int64Value: Int64 { self }
}

/// The scalar of int32 tensors.
extension Int32: TensorScalar {
    /// int32.
    public static var dtype: DType { .int32 }
    /// NaN, infinities and values outside Int32's range give Int32.min, as x86's cvttsd2si does for PyTorch.
    @inline(__always) public init(fromDouble value: Double) {
        self = value.isNaN || value >= 2147483648 || value < -2147483648 ? .min : Int32(value)
    }
    /// The value of an Int64, converted as PyTorch casts (wrapping into narrower integers).
    @inline(__always) public init(fromInt64 value: Int64) { self = Int32(truncatingIfNeeded: value) }
    /// The value as a Double.
    @inline(__always) public var doubleValue: Double { Double(self) }
    /// The value as an Int64.
    @inline(__always) public var int64Value: Int64 { Int64(self) }
}

/// The scalar of int8 tensors.
extension Int8: TensorScalar {
    /// int8.
    public static var dtype: DType { .int8 }
    @inline(__always) public init(fromDouble value: Double) { self = Int8(truncatingIfNeeded: saturatingInt64(value)) }
    /// The value of an Int64, converted as PyTorch casts (wrapping into narrower integers).
    @inline(__always) public init(fromInt64 value: Int64) { self = Int8(truncatingIfNeeded: value) }
    /// The value as a Double.
    @inline(__always) public var doubleValue: Double { Double(self) }
    /// The value as an Int64.
    @inline(__always) public var int64Value: Int64 { Int64(self) }
}

/// The scalar of uint8 tensors.
extension UInt8: TensorScalar {
    /// uint8.
    public static var dtype: DType { .uint8 }
    @inline(__always) public init(fromDouble value: Double) { self = UInt8(truncatingIfNeeded: saturatingInt64(value)) }
    /// The value of an Int64, converted as PyTorch casts (wrapping into narrower integers).
    @inline(__always) public init(fromInt64 value: Int64) { self = UInt8(truncatingIfNeeded: value) }
    /// The value as a Double.
    @inline(__always) public var doubleValue: Double { Double(self) }
    /// The value as an Int64.
    @inline(__always) public var int64Value: Int64 { Int64(self) }
}

/// The scalar of bool tensors.
extension Bool: TensorScalar {
    /// bool.
    public static var dtype: DType { .bool }
    @inline(__always) public init(fromDouble value: Double) { self = value != 0 }
    /// The value of an Int64, converted as PyTorch casts (wrapping into narrower integers).
    @inline(__always) public init(fromInt64 value: Int64) { self = value != 0 }
    /// 1 for true, 0 for false.
    @inline(__always) public var doubleValue: Double { self ? 1 : 0 }
    /// 1 for true, 0 for false.
    @inline(__always) public var int64Value: Int64 { self ? 1 : 0 }
}
