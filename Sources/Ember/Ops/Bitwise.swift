// Bitwise operations on integer and bool tensors, and closeness tests (isclose, allclose, equal).

extension Tensor {
    /// Elementwise `&` of integers, logical and of bools (`torch.bitwise_and`).
    public func bitwiseAnd(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        bitwise(other, .and, "bitwise_and", file: file, line: line)
    }
    /// Elementwise `|` (`torch.bitwise_or`).
    public func bitwiseOr(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        bitwise(other, .or, "bitwise_or", file: file, line: line)
    }
    /// Elementwise `^` (`torch.bitwise_xor`).
    public func bitwiseXor(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        bitwise(other, .xor, "bitwise_xor", file: file, line: line)
    }
    /// Elementwise `<<`; shifts of the width or more give 0 (`torch.bitwise_left_shift`).
    public func bitwiseLeftShift(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        bitwise(other, .leftShift(bits: Int64(resultType(self, other).itemSize * 8)), "bitwise_left_shift", file: file, line: line)
    }
    /// Elementwise arithmetic `>>`; shifts of the width or more give the sign (`torch.bitwise_right_shift`).
    public func bitwiseRightShift(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        bitwise(other, .rightShift(bits: Int64(resultType(self, other).itemSize * 8)), "bitwise_right_shift", file: file, line: line)
    }
    /// Elementwise `~` of integers, logical not of bools (`torch.bitwise_not`).
    public func bitwiseNot(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(!dtype.isFloatingPoint, "bitwise_not", "not implemented for '\(dtype)'", file: file, line: line)
        if dtype == .bool { return logicalNot() }
        return Tensor.combining(kernelInput(.int64), Tensor(Int64(-1)), .xor, shape: shape).to(dtype)   // ~x = x ^ -1
    }

    /// `a & b`, `a | b`, `a ^ b`, `~a`: Python's operators on integer and boolean tensors (masks combine as
    /// `(x .> 0) & (x .< 1)`).
    public static func & (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.bitwiseAnd(rhs) }
    /// Elementwise bitwise or (`torch.bitwise_or`; logical or for bool).
    public static func | (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.bitwiseOr(rhs) }
    /// Elementwise bitwise exclusive or (`torch.bitwise_xor`).
    public static func ^ (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.bitwiseXor(rhs) }
    /// Elementwise bitwise not (`torch.bitwise_not`; logical not for bool).
    public static prefix func ~ (operand: Tensor) -> Tensor { operand.bitwiseNot() }

    /// Applies `operation` to the operands as int64 after broadcasting, giving the promoted integer dtype
    /// (the values of narrower integers wrap back when converted, as C's operators do; a bool is x != 0).
    private func bitwise(_ other: Tensor, _ operation: BitwiseOp, _ op: String, file: StaticString, line: UInt) -> Tensor {
        let type = resultType(self, other)
        check(!type.isFloatingPoint, op, "\"\(op)\" not implemented for '\(type)'", file: file, line: line)
        let shape = Tensor.broadcastShape(self, other, op: op, file: file, line: line)
        return Tensor.combining(kernelInput(.int64), other.kernelInput(.int64), operation, shape: shape).to(type)
    }

    /// Whether each element is within `atol + rtol * |other|` of `other`; equal infinities are close, NaN
    /// only with `equalNan` (`torch.isclose`).
    public func isclose(_ other: Tensor, rtol: Double = 1e-5, atol: Double = 1e-8, equalNan: Bool = false) -> Tensor {
        noGrad {
            let type = resultType(self, other)
            guard type.isFloatingPoint else { return self .== other }
            let a = to(type), b = other.to(type)
            let near = (a - b).abs() .<= (atol + rtol * b.abs())
            var close = (a .== b).logicalOr(near.logicalAnd(a.isfinite()).logicalAnd(b.isfinite()))
            if equalNan { close = close.logicalOr(a.isnan().logicalAnd(b.isnan())) }
            return close
        }
    }

    /// Whether every element is close to `other` (`torch.allclose`).
    public func allclose(_ other: Tensor, rtol: Double = 1e-5, atol: Double = 1e-8, equalNan: Bool = false) -> Bool {
        isclose(other, rtol: rtol, atol: atol, equalNan: equalNan).all().item() != 0
    }

    /// Whether both have the same shape and elements (`torch.equal`).
    public func equal(_ other: Tensor) -> Bool { shape == other.shape && (self .== other).all().item() != 0 }

    /// The conjugate transpose of a matrix; the transpose for real tensors (`x.H`).
    public var H: Tensor { precondition(dim == 2, "H: expected a matrix, got shape \(shapeText(shape))"); return transpose(0, 1) }
    /// The conjugate transpose of the last two dimensions; `mT` for real tensors (`x.mH`).
    public var mH: Tensor { mT }
}
