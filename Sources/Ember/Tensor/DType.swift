// The element types a tensor can hold, and PyTorch's rules for combining them.

/// The element type of a tensor (`torch.dtype`).
public enum DType: Int, CaseIterable, Sendable, CustomStringConvertible {
    /// PyTorch's dtypes of the same names (`torch.bool`, `torch.uint8` … `torch.float64`).
    case bool, uint8, int8, int32, int64, float16, bfloat16, float32, float64

    /// Bytes per element.
    public var itemSize: Int {
        switch self {
        case .bool, .uint8, .int8: return 1
        case .float16, .bfloat16: return 2
        case .int32, .float32: return 4
        case .int64, .float64: return 8
        }
    }

    /// Whether the type holds floating-point numbers.
    public var isFloatingPoint: Bool {
        switch self {
        case .float16, .bfloat16, .float32, .float64: return true
        default: return false
        }
    }

    /// Whether the type holds integers (bool excluded).
    public var isIntegral: Bool { !isFloatingPoint && self != .bool }

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
        }
    }

    /// PyTorch's name: `float32`.
    public var description: String { name }

    /// The dtype with the given PyTorch name (`"float32"`, `"int64"`…), or nil.
    public init?(name: String) {
        guard let match = DType.allCases.first(where: { $0.name == name }) else { return nil }
        self = match
    }

    /// 0 for bool, 1 for integers, 2 for floating point: the categories of type promotion.
    var category: Int { self == .bool ? 0 : (isFloatingPoint ? 2 : 1) }

    /// `torch.promote_types`: the smallest type both values fit in.
    public static func promote(_ a: DType, _ b: DType) -> DType {
        if a == b { return a }
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

    /// The type floating-point math is done in for this type: itself if floating, else float32.
    var floatingCounterpart: DType { isFloatingPoint ? self : .float32 }
}

/// The type PyTorch gives new floating-point tensors (`torch.get_default_dtype()`).
public let defaultFloatDType = DType.float32
