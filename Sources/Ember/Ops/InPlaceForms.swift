// In-place forms of out-of-place ops (`neg_`, `floor_`, `pow_`, `scatter_`…), as PyTorch's programs chain them
// (`boxes.sub_(w).neg_()`): the result is written into self, which takes over its history (`assignInPlace`).

extension Tensor {
    /// In-place `neg` (`neg_`).
    @discardableResult public func neg_(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        assignInPlace("neg_", file: file, line: line) { $0.neg() }
    }
    /// In-place `abs` (`abs_`).
    @discardableResult public func abs_(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        assignInPlace("abs_", file: file, line: line) { $0.abs() }
    }
    /// In-place `floor` (`floor_`).
    @discardableResult public func floor_(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        assignInPlace("floor_", file: file, line: line) { $0.floor() }
    }
    /// In-place `ceil` (`ceil_`).
    @discardableResult public func ceil_(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        assignInPlace("ceil_", file: file, line: line) { $0.ceil() }
    }
    /// In-place `trunc` (`trunc_`).
    @discardableResult public func trunc_(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        assignInPlace("trunc_", file: file, line: line) { $0.trunc() }
    }
    /// In-place `round`, half to even (`round_`).
    @discardableResult public func round_(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        assignInPlace("round_", file: file, line: line) { $0.round() }
    }
    /// In-place `pow` (`pow_`).
    @discardableResult public func pow_(_ exponent: Double, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        assignInPlace("pow_", file: file, line: line) { $0.pow(exponent) }
    }
    /// Raises to the powers in `exponent` in place (`pow_`).
    @_disfavoredOverload
    @discardableResult public func pow_(_ exponent: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        assignInPlace("pow_", file: file, line: line) { $0.pow(exponent, file: file, line: line) }
    }
    /// In-place `remainder` (`remainder_`).
    @_disfavoredOverload
    @discardableResult public func remainder_(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        assignInPlace("remainder_", file: file, line: line) { $0.remainder(other, file: file, line: line) }
    }
    /// The remainder of division by `other`, with the divisor's sign, in place (`remainder_`).
    @discardableResult public func remainder_(_ other: Double, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        remainder_(other.wrappedTensor, file: file, line: line)
    }
    /// In-place `fmod` (`fmod_`).
    @_disfavoredOverload
    @discardableResult public func fmod_(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        assignInPlace("fmod_", file: file, line: line) { $0.fmod(other, file: file, line: line) }
    }
    /// The remainder of division by `other`, with the dividend's sign, in place (`fmod_`).
    @discardableResult public func fmod_(_ other: Double, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        fmod_(other.wrappedTensor, file: file, line: line)
    }
    /// In-place `cumsum` (`cumsum_`).
    @discardableResult public func cumsum_(_ dim: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        assignInPlace("cumsum_", file: file, line: line) { $0.cumsum(dim: dim, file: file, line: line) }
    }
    /// In-place `logical_and`, 0 or 1 in self's dtype (`logical_and_`).
    @discardableResult public func logicalAnd_(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        assignInPlace("logical_and_", file: file, line: line) { $0.logicalAnd(other) }
    }
    /// In-place `logical_not`, 0 or 1 in self's dtype (`logical_not_`).
    @discardableResult public func logicalNot_(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        assignInPlace("logical_not_", file: file, line: line) { $0.logicalNot() }
    }
    /// In-place `bitwise_left_shift` (`bitwise_left_shift_`).
    @discardableResult public func bitwiseLeftShift_(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        assignInPlace("bitwise_left_shift_", file: file, line: line) { $0.bitwiseLeftShift(other, file: file, line: line) }
    }
    /// In-place `scatter` of `source` (`scatter_`).
    @discardableResult public func scatter_(_ dim: Int, _ index: Tensor, _ source: Tensor,
                                            file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        assignInPlace("scatter_", file: file, line: line) { $0.scatter(dim, index, source, file: file, line: line) }
    }
    /// In-place `scatter` of one value (`scatter_(dim, index, value)`).
    @discardableResult public func scatter_(_ dim: Int, _ index: Tensor, value: Double,
                                            file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        assignInPlace("scatter_", file: file, line: line) { $0.scatter(dim, index, value: value, file: file, line: line) }
    }
    /// In-place `scatter_add` (`scatter_add_`).
    @discardableResult public func scatterAdd_(_ dim: Int, _ index: Tensor, _ source: Tensor,
                                               file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        assignInPlace("scatter_add_", file: file, line: line) { $0.scatterAdd(dim, index, source, file: file, line: line) }
    }

    /// `clamp` under NumPy's name (`clip`).
    public func clip(min: Double? = nil, max: Double? = nil, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        clamp(min: min, max: max, file: file, line: line)
    }
    /// In-place `clip` (`clip_`).
    @discardableResult public func clip_(min: Double? = nil, max: Double? = nil, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        clamp_(min: min, max: max, file: file, line: line)
    }

    /// Inserts a dimension of size one at `dim` in this tensor itself (`unsqueeze_`).
    @discardableResult public func unsqueeze_(_ dim: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        checkInPlaceAllowed("unsqueeze_", file: file, line: line)
        let view = unsqueeze(dim, file: file, line: line)
        layout = view.layout
        if let node = view.gradFn { (gradFn, outputNumber) = (node, view.outputNumber) }
        return self
    }
}
