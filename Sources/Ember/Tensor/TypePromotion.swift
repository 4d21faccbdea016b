// PyTorch's result type for an op over tensors and numbers (`torch.result_type`).

/// The dtype of an op's result over `operands`: tensors with dimensions decide first, then 0-d tensors,
/// then Swift numbers, and a later tier only wins when it is of a higher category (bool < int < float).
func resultType(_ operands: [Tensor]) -> DType {
    var dimensioned: DType?, zeroDim: DType?, wrapped: DType?
    func merge(_ slot: inout DType?, _ t: DType) { slot = slot.map { DType.promote($0, t) } ?? t }
    for t in operands {
        if t.isWrappedNumber {
            // A Swift float takes the default dtype, an integer int64, a bool bool.
            merge(&wrapped, t.dtype.isFloatingPoint ? defaultFloatDType : t.dtype)
        } else if t.dim == 0 {
            merge(&zeroDim, t.dtype)
        } else {
            merge(&dimensioned, t.dtype)
        }
    }
    var result = dimensioned ?? zeroDim ?? wrapped!
    for tier in [zeroDim, wrapped] {
        if let t = tier, t.category > result.category { result = DType.promote(result, t) }
    }
    return result
}

/// The dtype of two operands.
@inline(__always) func resultType(_ a: Tensor, _ b: Tensor) -> DType {
    // Two Swift floats are not float64 but the default dtype, so only a real tensor settles it here.
    if a.dtype == b.dtype && !a.isWrappedNumber { return a.dtype }
    return resultType([a, b])
}

extension Tensor {
    /// A 0-d tensor standing for a Swift number in an expression.
    static func wrapped(_ value: Double) -> Tensor {
        let t = Tensor(uninitializedShape: [], dtype: .float64)
        t.storage.pointer.storeBytes(of: value, as: Double.self)
        t.isWrappedNumber = true
        return t
    }

    static func wrapped(_ value: Int) -> Tensor {
        let t = Tensor(uninitializedShape: [], dtype: .int64)
        t.storage.pointer.storeBytes(of: Int64(value), as: Int64.self)
        t.isWrappedNumber = true
        return t
    }

    /// This tensor's elements in `dtype` for a kernel: itself when it already has it, else a copy (no autograd).
    @inline(__always) func kernelInput(_ dtype: DType) -> Tensor {
        self.dtype == dtype ? self : copied(as: dtype)
    }
}
