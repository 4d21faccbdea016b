// One switch from a run-time dtype to the Swift type that stores it.

/// Code generic over the element type, run for the type of a run-time `DType`.
protocol ScalarTypeVisitor {
    associatedtype Result
    func visit<T: TensorScalar>(_ type: T.Type) -> Result
}

extension DType {
    /// Runs `visitor` with the Swift type of this dtype.
    func visit<V: ScalarTypeVisitor>(_ visitor: V) -> V.Result {
        switch self {
        case .bool: return visitor.visit(Bool.self)
        case .uint8: return visitor.visit(UInt8.self)
        case .int8: return visitor.visit(Int8.self)
        case .int32: return visitor.visit(Int32.self)
        case .int64: return visitor.visit(Int64.self)
        case .float16: return visitor.visit(Float16.self)
        case .bfloat16: return visitor.visit(BFloat16.self)
        case .float32: return visitor.visit(Float.self)
        case .float64: return visitor.visit(Double.self)
        case .complex64, .complex128:
            // Complex tensors reach kernels as real pairs (`viewAsReal`); an op without a complex form stops here.
            fail("complex", "this operation does not support \(self) tensors")
        }
    }
}

/// Copies (and converts) between two operands of one shape, any layouts and dtypes.
struct CopyCast: ScalarTypeVisitor {
    let source: KernelOperand, destination: KernelOperand

    func visit<S: TensorScalar>(_ type: S.Type) {
        destination.dtype.visit(CopyCastInto<S>(outer: self))
    }
}

/// The second half of `CopyCast`'s double dispatch: the source type is known, find the destination's.
struct CopyCastInto<S: TensorScalar>: ScalarTypeVisitor {
    let outer: CopyCast
    func visit<D: TensorScalar>(_ type: D.Type) {
        copyCastKernel(outer.source.pointer(as: S.self), outer.source.layout, outer.destination.pointer(as: D.self),
                       outer.destination.layout)
    }
}
