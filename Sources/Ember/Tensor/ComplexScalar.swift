// The Swift type of complex tensors' elements: swift-numerics' `Complex`, two reals laid out as C's complex.
import ComplexModule
import RealModule

/// A complex number of two `RealType` values, real part first, as complex64 and complex128 tensors store them
/// (swift-numerics' `Complex`, re-exported so `import Ember` is enough).
public typealias Complex<RealType: Real> = ComplexModule.Complex<RealType>

/// The scalar of complex64 tensors.
extension ComplexModule.Complex: TensorScalar where RealType: TensorScalar {
    /// complex64 for `Complex<Float>`, complex128 for `Complex<Double>`.
    public static var dtype: DType { RealType.dtype.complexCounterpart }
    /// The real number `value` (imaginary part 0).
    @inline(__always) public init(fromDouble value: Double) { self.init(RealType(fromDouble: value), 0) }
    /// The integer `value` (imaginary part 0).
    @inline(__always) public init(fromInt64 value: Int64) { self.init(RealType(fromInt64: value), 0) }
    /// The real part, as a cast to a real dtype keeps it.
    @inline(__always) public var doubleValue: Double { real.doubleValue }
    /// The real part as an Int64.
    @inline(__always) public var int64Value: Int64 { real.int64Value }
}
