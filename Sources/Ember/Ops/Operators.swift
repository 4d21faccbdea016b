// Swift operators on tensors and numbers, and the in-place forms (`x += y`, `add_`, `zero_`…).

/// A Swift number that can stand on either side of a tensor operator: `2 * x`, `x / 0.5`, `Float(3) * x`.
public protocol ScalarOperand {
    /// A 0-d tensor that ranks below real tensors in type promotion.
    var wrappedTensor: Tensor { get }
}

extension Double: ScalarOperand { public var wrappedTensor: Tensor { .wrapped(self) } }
extension Float: ScalarOperand { public var wrappedTensor: Tensor { .wrapped(Double(self)) } }
extension Int: ScalarOperand { public var wrappedTensor: Tensor { .wrapped(self) } }

/// Number literals where a tensor is expected stand for Python numbers, as PyTorch reads them: `x[i] = 1`,
/// `x[mask] = 0.5`, `Tensor.where(c, 1, 0)`. They rank below real tensors in type promotion, so
/// `Tensor.where(c, x, 0)` keeps `x`'s dtype.
extension Tensor: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral {
    public convenience init(integerLiteral value: Int) {
        self.init(uninitializedShape: [], dtype: .int64)
        storage.pointer.storeBytes(of: Int64(value), as: Int64.self)
        isWrappedNumber = true
    }

    public convenience init(floatLiteral value: Double) {
        self.init(uninitializedShape: [], dtype: .float64)
        storage.pointer.storeBytes(of: value, as: Double.self)
        isWrappedNumber = true
    }

    public convenience init(booleanLiteral value: Bool) {
        self.init(uninitializedShape: [], dtype: .bool)
        storage.pointer.storeBytes(of: value, as: Bool.self)
        isWrappedNumber = true
    }
}

extension Tensor {
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.add(rhs) }
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.sub(rhs) }
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.mul(rhs) }
    public static func / (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.div(rhs) }
    public static prefix func - (x: Tensor) -> Tensor { x.neg() }

    public static func + <S: ScalarOperand>(lhs: Tensor, rhs: S) -> Tensor { lhs.add(rhs.wrappedTensor) }
    public static func - <S: ScalarOperand>(lhs: Tensor, rhs: S) -> Tensor { lhs.sub(rhs.wrappedTensor) }
    public static func * <S: ScalarOperand>(lhs: Tensor, rhs: S) -> Tensor { lhs.mul(rhs.wrappedTensor) }
    public static func / <S: ScalarOperand>(lhs: Tensor, rhs: S) -> Tensor { lhs.div(rhs.wrappedTensor) }
    public static func + <S: ScalarOperand>(lhs: S, rhs: Tensor) -> Tensor { lhs.wrappedTensor.add(rhs) }
    public static func - <S: ScalarOperand>(lhs: S, rhs: Tensor) -> Tensor { lhs.wrappedTensor.sub(rhs) }
    public static func * <S: ScalarOperand>(lhs: S, rhs: Tensor) -> Tensor { lhs.wrappedTensor.mul(rhs) }
    public static func / <S: ScalarOperand>(lhs: S, rhs: Tensor) -> Tensor { lhs.wrappedTensor.div(rhs) }

    /// In place: `lhs.add_(rhs)`.
    public static func += (lhs: Tensor, rhs: Tensor) { lhs.add_(rhs) }
    public static func -= (lhs: Tensor, rhs: Tensor) { lhs.sub_(rhs) }
    public static func *= (lhs: Tensor, rhs: Tensor) { lhs.mul_(rhs) }
    public static func /= (lhs: Tensor, rhs: Tensor) { lhs.div_(rhs) }
    public static func += <S: ScalarOperand>(lhs: Tensor, rhs: S) { lhs.add_(rhs.wrappedTensor) }
    public static func -= <S: ScalarOperand>(lhs: Tensor, rhs: S) { lhs.sub_(rhs.wrappedTensor) }
    public static func *= <S: ScalarOperand>(lhs: Tensor, rhs: S) { lhs.mul_(rhs.wrappedTensor) }
    public static func /= <S: ScalarOperand>(lhs: Tensor, rhs: S) { lhs.div_(rhs.wrappedTensor) }

    public static func .== (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.eq(rhs) }
    public static func .!= (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.ne(rhs) }
    public static func .< (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.lt(rhs) }
    public static func .<= (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.le(rhs) }
    public static func .> (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.gt(rhs) }
    public static func .>= (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.ge(rhs) }
    public static func .== <S: ScalarOperand>(lhs: Tensor, rhs: S) -> Tensor { lhs.eq(rhs.wrappedTensor) }
    public static func .!= <S: ScalarOperand>(lhs: Tensor, rhs: S) -> Tensor { lhs.ne(rhs.wrappedTensor) }
    public static func .< <S: ScalarOperand>(lhs: Tensor, rhs: S) -> Tensor { lhs.lt(rhs.wrappedTensor) }
    public static func .<= <S: ScalarOperand>(lhs: Tensor, rhs: S) -> Tensor { lhs.le(rhs.wrappedTensor) }
    public static func .> <S: ScalarOperand>(lhs: Tensor, rhs: S) -> Tensor { lhs.gt(rhs.wrappedTensor) }
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
