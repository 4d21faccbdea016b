// The element types a tensor can hold, and PyTorch's rules for combining them.

/// The element type of a tensor (`torch.dtype`).
public enum DType: Int, CaseIterable, Sendable, CustomStringConvertible {
    /// PyTorch's dtypes of the same names (`torch.bool`, `torch.uint8` … `torch.float64`).
    case bool, uint8, int8, int32, int64, float16, bfloat16, float32, float64
    /// Complex numbers of two float32s or two float64s, real part first (`torch.complex64`, `torch.complex128`).
    case complex64, complex128

    /// Bytes per element.
    public var itemSize: Int {
        switch self {
        case .bool, .uint8, .int8: return 1
        case .float16, .bfloat16: return 2
        case .int32, .float32: return 4
        case .int64, .float64, .complex64: return 8
        case .complex128: return 16
        }
    }

    /// Whether the type holds floating-point numbers.
    public var isFloatingPoint: Bool {
        switch self {
        case .float16, .bfloat16, .float32, .float64: return true
        default: return false
        }
    }

    /// Whether the type holds complex numbers.
    public var isComplex: Bool { self == .complex64 || self == .complex128 }

    /// Whether the type holds integers (bool excluded).
    public var isIntegral: Bool { !isFloatingPoint && !isComplex && self != .bool }

    /// Whether tensors of this type can take part in autograd: floating point and complex types.
    var isDifferentiable: Bool { isFloatingPoint || isComplex }

    /// The type of the real and imaginary parts of a complex type; a real type itself.
    public var realCounterpart: DType {
        switch self {
        case .complex64: return .float32
        case .complex128: return .float64
        default: return self
        }
    }

    /// The complex type whose parts have this floating-point type (float16 and bfloat16 widen to complex64, as
    /// PyTorch's CPU promotes them); a complex type itself.
    var complexCounterpart: DType { self == .float64 || self == .complex128 ? .complex128 : .complex64 }

    /// PyTorch's name, as printed after `dtype=`.
    public var name: String {
        switch self {
        case .bool: return "bool"
        case .uint8: return "uint8"
        case .int8: return "int8"
        case .int32: return "int32"
        case .int64: return "int64"
        case .float16: return "float16"
        case .bfloat16: return "bfloat16"
        case .float32: return "float32"
        case .float64: return "float64"
        case .complex64: return "complex64"
        case .complex128: return "complex128"
        }
    }

    /// PyTorch's name: `float32`.
    public var description: String { name }

    /// The dtype with the given PyTorch name (`"float32"`, `"int64"`…), or nil.
    public init?(name: String) {
        guard let match = DType.allCases.first(where: { $0.name == name }) else { return nil }
        self = match
    }

    /// 0 for bool, 1 for integers, 2 for floating point, 3 for complex: the categories of type promotion.
    var category: Int { isComplex ? 3 : (self == .bool ? 0 : (isFloatingPoint ? 2 : 1)) }

    /// `torch.promote_types`: the smallest type both values fit in.
    public static func promote(_ a: DType, _ b: DType) -> DType {
        if a == b { return a }
        if a.isComplex || b.isComplex {
            // The complex type whose parts hold both operands' real values.
            return promote(a.realCounterpart, b.realCounterpart).complexCounterpart
        }
        if a.category != b.category { return a.category > b.category ? a : b }
        switch a.category {
        case 0: return .bool
        case 1:
            let signed = a != .uint8 || b != .uint8
            let size = Swift.max(a.itemSize, b.itemSize)
            if (a == .uint8 && b == .int8) || (a == .int8 && b == .uint8) { return .int32 }
            if !signed { return .uint8 }
            return size <= 1 ? .int8 : (size <= 4 ? .int32 : .int64)
        default:
            if (a == .float16 && b == .bfloat16) || (a == .bfloat16 && b == .float16) { return .float32 }
            return a.itemSize >= b.itemSize ? a : b
        }
    }

    /// The type floating-point math is done in for this type: itself if floating or complex, else float32.
    var floatingCounterpart: DType { isDifferentiable ? self : .float32 }
}

/// The type PyTorch gives new floating-point tensors (`torch.get_default_dtype()`).
public let defaultFloatDType = DType.float32
