// Swift operators on tensors and numbers, and the in-place forms (`x += y`, `add_`, `zero_`…).

/// A Swift number that can stand on either side of a tensor operator: `2 * x`, `x / 0.5`, `Float(3) * x`.
public protocol ScalarOperand {
    /// A 0-d tensor that ranks below real tensors in type promotion.
    var wrappedTensor: Tensor { get }
}

/// A Double operand is a weakly typed scalar, as a Python float.
extension Double: ScalarOperand { public var wrappedTensor: Tensor { .wrapped(self) } }
/// A Float operand is a weakly typed scalar, as a Python float.
extension Float: ScalarOperand { public var wrappedTensor: Tensor { .wrapped(Double(self)) } }
/// An Int operand is a weakly typed scalar, as a Python int.
extension Int: ScalarOperand { public var wrappedTensor: Tensor { .wrapped(self) } }

/// Number literals where a tensor is expected stand for Python numbers, as PyTorch reads them: `x[i] = 1`,
/// `x[mask] = 0.5`, `Tensor.where(c, 1, 0)`. They rank below real tensors in type promotion, so
/// `Tensor.where(c, x, 0)` keeps `x`'s dtype.
extension Tensor: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral {
    /// A 0-d int64 tensor from a literal, as `torch.tensor(3)`.
    public convenience init(integerLiteral value: Int) {
        self.init(uninitializedShape: [], dtype: .int64)
        storage.pointer.storeBytes(of: Int64(value), as: Int64.self)
        isWrappedNumber = true
    }

    /// A 0-d tensor of the default float dtype from a literal, as `torch.tensor(0.5)`.
    public convenience init(floatLiteral value: Double) {
        self.init(uninitializedShape: [], dtype: .float64)
        storage.pointer.storeBytes(of: value, as: Double.self)
        isWrappedNumber = true
    }

    /// A 0-d bool tensor from a literal.
    public convenience init(booleanLiteral value: Bool) {
        self.init(uninitializedShape: [], dtype: .bool)
        storage.pointer.storeBytes(of: value, as: Bool.self)
        isWrappedNumber = true
    }
}

extension Tensor {
    /// Elementwise sum, broadcasting (`torch.add`).
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.add(rhs) }
    /// Elementwise difference, broadcasting (`torch.sub`).
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.sub(rhs) }
    /// Elementwise product, broadcasting (`torch.mul`).
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.mul(rhs) }
    /// Elementwise true division, broadcasting (`torch.div`).
    public static func / (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.div(rhs) }
    /// The negation (`torch.neg`).
    public static prefix func - (x: Tensor) -> Tensor { x.neg() }

    /// Adds a scalar, keeping the tensor's dtype as PyTorch's type promotion does.
    public static func + <S: ScalarOperand>(lhs: Tensor, rhs: S) -> Tensor { lhs.add(rhs.wrappedTensor) }
    /// Subtracts a scalar.
    public static func - <S: ScalarOperand>(lhs: Tensor, rhs: S) -> Tensor { lhs.sub(rhs.wrappedTensor) }
    /// Multiplies by a scalar.
    public static func * <S: ScalarOperand>(lhs: Tensor, rhs: S) -> Tensor { lhs.mul(rhs.wrappedTensor) }
    /// Divides by a scalar.
    public static func / <S: ScalarOperand>(lhs: Tensor, rhs: S) -> Tensor { lhs.div(rhs.wrappedTensor) }
    /// A scalar plus a tensor.
    public static func + <S: ScalarOperand>(lhs: S, rhs: Tensor) -> Tensor { lhs.wrappedTensor.add(rhs) }
    /// A scalar minus a tensor.
    public static func - <S: ScalarOperand>(lhs: S, rhs: Tensor) -> Tensor { lhs.wrappedTensor.sub(rhs) }
    /// A scalar times a tensor.
    public static func * <S: ScalarOperand>(lhs: S, rhs: Tensor) -> Tensor { lhs.wrappedTensor.mul(rhs) }
    /// A scalar divided by a tensor.
    public static func / <S: ScalarOperand>(lhs: S, rhs: Tensor) -> Tensor { lhs.wrappedTensor.div(rhs) }

    /// In place: `lhs.add_(rhs)`.
    public static func += (lhs: Tensor, rhs: Tensor) { lhs.add_(rhs) }
    /// Subtracts in place (`sub_`).
    public static func -= (lhs: Tensor, rhs: Tensor) { lhs.sub_(rhs) }
    /// Multiplies in place (`mul_`).
    public static func *= (lhs: Tensor, rhs: Tensor) { lhs.mul_(rhs) }
    /// Divides in place (`div_`).
    public static func /= (lhs: Tensor, rhs: Tensor) { lhs.div_(rhs) }
    /// Adds a scalar in place.
    public static func += <S: ScalarOperand>(lhs: Tensor, rhs: S) { lhs.add_(rhs.wrappedTensor) }
    /// Subtracts a scalar in place.
    public static func -= <S: ScalarOperand>(lhs: Tensor, rhs: S) { lhs.sub_(rhs.wrappedTensor) }
    /// Multiplies by a scalar in place.
    public static func *= <S: ScalarOperand>(lhs: Tensor, rhs: S) { lhs.mul_(rhs.wrappedTensor) }
    /// Divides by a scalar in place.
    public static func /= <S: ScalarOperand>(lhs: Tensor, rhs: S) { lhs.div_(rhs.wrappedTensor) }

    /// Elementwise `==`, a bool tensor (`torch.eq`).
    public static func .== (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.eq(rhs) }
    /// Elementwise `!=`, a bool tensor (`torch.ne`).
    public static func .!= (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.ne(rhs) }
    /// Elementwise `<`, a bool tensor (`torch.lt`).
    public static func .< (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.lt(rhs) }
    /// Elementwise `<=`, a bool tensor (`torch.le`).
    public static func .<= (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.le(rhs) }
    /// Elementwise `>`, a bool tensor (`torch.gt`).
    public static func .> (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.gt(rhs) }
    /// Elementwise `>=`, a bool tensor (`torch.ge`).
    public static func .>= (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.ge(rhs) }
    /// Elementwise `==` with a scalar.
    public static func .== <S: ScalarOperand>(lhs: Tensor, rhs: S) -> Tensor { lhs.eq(rhs.wrappedTensor) }
    /// Elementwise `!=` with a scalar.
    public static func .!= <S: ScalarOperand>(lhs: Tensor, rhs: S) -> Tensor { lhs.ne(rhs.wrappedTensor) }
    /// Elementwise `<` with a scalar.
    public static func .< <S: ScalarOperand>(lhs: Tensor, rhs: S) -> Tensor { lhs.lt(rhs.wrappedTensor) }
    /// Elementwise `<=` with a scalar.
    public static func .<= <S: ScalarOperand>(lhs: Tensor, rhs: S) -> Tensor { lhs.le(rhs.wrappedTensor) }
    /// Elementwise `>` with a scalar.
    public static func .> <S: ScalarOperand>(lhs: Tensor, rhs: S) -> Tensor { lhs.gt(rhs.wrappedTensor) }
    /// Elementwise `>=` with a scalar.
    public static func .>= <S: ScalarOperand>(lhs: Tensor, rhs: S) -> Tensor { lhs.ge(rhs.wrappedTensor) }

    // MARK: In place

    /// Stops when an in-place write would hide a leaf's value from autograd (PyTorch's rule).
    func checkInPlaceAllowed(_ op: String, file: StaticString, line: UInt) {
        check(!(GradMode.isEnabled && isLeaf && requiresGrad), op,
              "a leaf Variable that requires grad is being used in an in-place operation.", file: file, line: line)
    }

    /// Writes the result of `compute` (an out-of-place op of self's value) into self's memory and takes over
    /// its history. Under autograd `compute` reads a snapshot standing at self's place in the graph, so a node
    /// that saves its input keeps the value from before the write (PyTorch keeps the original self the same
    /// way) and the graph gains no copy node.
    @discardableResult
    func assignInPlace(_ op: String, file: StaticString, line: UInt, _ compute: (Tensor) -> Tensor) -> Tensor {
        checkInPlaceAllowed(op, file: file, line: line)
        let result = compute(needsGrad(self) ? snapshot() : self)
        check(result.shape == shape, op,
              "output with shape \(shapeText(shape)) doesn't match the broadcast shape \(shapeText(result.shape))",
              file: file, line: line)
        if result.dtype.category > dtype.category {
            fail(op, "result type \(result.dtype) can't be cast to the desired output type \(dtype)", file: file, line: line)
        }
        result.copyElements(into: self)   // the backend's copy is a plain memcpy for one dtype and contiguous layouts
        bumpVersion()
        if let node = result.gradFn {
            gradFn = node
            outputNumber = result.outputNumber
        }
        return self
    }

    /// A copy of self's values with self's place in the autograd graph.
    private func snapshot() -> Tensor {
        let copy = noGrad { clone() }
        (copy.gradFn, copy.outputNumber) = (gradFn, outputNumber)
        return copy
    }

    /// In-place `add` (`add_`).
    @discardableResult public func add_(_ other: Tensor, alpha: Double = 1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        if !needsGrad(self, other), isContiguous, other.dtype == dtype, dtype.computeType == dtype, other.shape == shape || other.numel == 1,
           other.storage.backend === storage.backend || other.dim == 0 && other.storage.isHost {
            // Fast path: the kernel writes straight into self's memory.
            checkInPlaceAllowed("add_", file: file, line: line)
            backend.arithmeticBinary(alpha == 1 ? .add : .addScaled(alpha), borrowedOperand, other.operand(for: backend), into: borrowedOperand)
            bumpVersion()
            return self
        }
        return assignInPlace("add_", file: file, line: line) { $0.add(other, alpha: alpha, file: file, line: line) }
    }
    /// In-place `sub` (`sub_`).
    @discardableResult public func sub_(_ other: Tensor, alpha: Double = 1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        add_(other, alpha: -alpha, file: file, line: line)
    }
    /// In-place `mul` (`mul_`).
    @discardableResult public func mul_(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        assignInPlace("mul_", file: file, line: line) { $0.mul(other, file: file, line: line) }
    }
    /// In-place `div` (`div_`).
    @discardableResult public func div_(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        assignInPlace("div_", file: file, line: line) { $0.div(other, file: file, line: line) }
    }
    /// In-place `clamp` (`clamp_`).
    @discardableResult public func clamp_(min: Double? = nil, max: Double? = nil, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        assignInPlace("clamp_", file: file, line: line) { $0.clamp(min: min, max: max, file: file, line: line) }
    }
    /// In-place `relu` (`relu_`).
    @discardableResult public func relu_(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        assignInPlace("relu_", file: file, line: line) { $0.relu() }
    }
    /// In-place `masked_fill` (`masked_fill_`).
    @discardableResult public func maskedFill_(_ mask: Tensor, _ value: Double, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        assignInPlace("masked_fill_", file: file, line: line) { $0.maskedFill(mask, value, file: file, line: line) }
    }
    /// Copies `source` (broadcast, converted) into self (`copy_`).
    @discardableResult public func copy_(_ source: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        // The one op that takes its source from any device, as in PyTorch.
        check(Layout.broadcastShapes(shape, source.shape) == shape, "copy_",
              "source of shape \(shapeText(source.shape)) does not broadcast to \(shapeText(shape))", file: file, line: line)
        return assignInPlace("copy_", file: file, line: line) { _ in
            let expanded = source.expand(self.shape).to(dtype).to(device)
            if needsGrad(source) { return expanded * 1 }
            return expanded
        }
    }
    /// Sets every element to `value` (`fill_`).
    @discardableResult public func fill_(_ value: Double, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        checkInPlaceAllowed("fill_", file: file, line: line)
        fillStorage(value)
        bumpVersion()
        return self
    }
    /// Sets every element to zero (`zero_`).
    @discardableResult public func zero_(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        fill_(0, file: file, line: line)
    }
}
