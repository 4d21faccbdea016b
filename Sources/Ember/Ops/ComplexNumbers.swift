// Complex tensors (complex64, complex128): their real views, parts, conjugate, modulus and argument, and the
// arithmetic, copies and sums the rest of Ember reaches them through. Kernels never see a complex operand: each
// op runs on the real pairs [..., 2] of `viewAsReal`, whose gradients are PyTorch's for complex inputs (the
// gradient of a real loss L with respect to z = x + iy is ∂L/∂x + i ∂L/∂y).

extension Tensor {
    /// Whether the elements are complex numbers (`is_complex()`).
    public var isComplex: Bool { dtype.isComplex }

    // MARK: Views between complex numbers and real pairs

    /// The real pairs of a complex tensor as a view without autograd: shape + [2], in the real counterpart dtype.
    var realPairs: Tensor { Tensor(storage: storage, layout: layout.realPairs, dtype: dtype.realCounterpart) }

    /// The complex numbers of real pairs [..., 2] (last stride 1, other strides and offset even) as a view without
    /// autograd.
    var complexNumbers: Tensor {
        Tensor(storage: storage, layout: Layout(shape: Array(shape.dropLast()), strides: strides.dropLast().map { $0 / 2 },
                                                offset: storageOffset / 2), dtype: dtype.complexCounterpart)
    }

    /// One part of each complex number (0: real, 1: imaginary) as a view without autograd.
    func complexPart(_ index: Int) -> Tensor {
        Tensor(storage: storage, layout: Layout(shape: shape, strides: strides.map { $0 * 2 }, offset: storageOffset * 2 + index),
               dtype: dtype.realCounterpart)
    }

    /// The complex tensor as real pairs [..., 2] sharing its storage (`torch.view_as_real`).
    public func viewAsReal(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(isComplex, "view_as_real", "view_as_real is only supported for complex tensors (got \(dtype))", file: file, line: line)
        return recordView(realPairs, "ViewAsRealBackward0") { $0.viewAsComplex() }
    }

    /// Real pairs [..., 2] as complex numbers sharing their storage (`torch.view_as_complex`): float32 gives
    /// complex64, float64 complex128. The last dimension must have stride 1, every other stride and the offset must
    /// be even.
    public func viewAsComplex(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let op = "view_as_complex"
        check(dtype == .float32 || dtype == .float64, op, "view_as_complex is only supported for float and double tensors, "
              + "but got a tensor of scalar type: \(dtype)", file: file, line: line)
        check(shape.last == 2, op, "Tensor must have a last dimension of size 2 (shape \(shapeText(shape)))", file: file, line: line)
        check(strides.last == 1, op, "Tensor must have a last dimension with stride 1", file: file, line: line)
        check(strides.dropLast().allSatisfy { $0 % 2 == 0 }, op, "Tensor must have a stride divisible by 2 for all but last "
              + "dimension (strides \(strides))", file: file, line: line)
        check(storageOffset % 2 == 0, op, "Tensor must have a storage_offset divisible by 2", file: file, line: line)
        return recordView(complexNumbers, "ViewAsComplexBackward0") { $0.viewAsReal() }
    }

    /// The real parts of a complex tensor as a view; a real tensor itself (`torch.real`).
    public var real: Tensor { isComplex ? viewAsReal().select(-1, 0) : self }

    /// The imaginary parts of a complex tensor as a view (`torch.imag`); real tensors have none.
    public var imag: Tensor {
        check(isComplex, "imag", "imag is not implemented for tensors with non-complex dtypes.", file: #fileID, line: #line)
        return viewAsReal().select(-1, 1)
    }

    /// The complex tensor `real + i·imag` from two real tensors of one float dtype (`torch.complex`).
    public static func complex(_ real: Tensor, _ imag: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(real.dtype == imag.dtype && (real.dtype == .float32 || real.dtype == .float64), "complex", "Expected both inputs to "
              + "be Float or Double tensors of one dtype but got \(real.dtype) and \(imag.dtype)", file: file, line: line)
        let shape = broadcastShape(real, imag, op: "complex", file: file, line: line)
        let out = Tensor(uninitializedShape: shape, dtype: real.dtype.complexCounterpart, backend: backend(of: real, imag))
        noGrad {
            real.expand(shape).copyElements(into: out.complexPart(0))
            imag.expand(shape).copyElements(into: out.complexPart(1))
        }
        if needsGrad(real, imag) {
            record("ComplexBackward0", inputs: [real, imag], outputs: [out]) { g in
                [real.requiresGrad ? g[0].real.sumTo(real) : nil, imag.requiresGrad ? g[0].imag.sumTo(imag) : nil]
            }
        }
        return out
    }

    /// The complex tensor with modulus `abs` and argument `angle` (`torch.polar`).
    public static func polar(_ abs: Tensor, _ angle: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        complex(abs * angle.cos(), abs * angle.sin(), file: file, line: line)
    }

    // MARK: Elementwise functions

    /// The complex conjugate (`torch.conj`): the imaginary parts negated; the tensor itself for real dtypes.
    public func conj() -> Tensor {
        guard isComplex else { return self }
        let out = noGrad { (realPairs * Tensor([1, -1] as [Double]).to(dtype.realCounterpart)).complexNumbers }
        if needsGrad(self) { record("ConjBackward0", inputs: [self], outputs: [out]) { g in [g[0].conj()] } }
        return out
    }

    /// |z| of each complex element, a real tensor, without autograd.
    func complexModulus() -> Tensor { noGrad { complexPart(0).hypot(complexPart(1)) } }

    /// z / |z| of each complex element, 0 where z is 0 (`torch.sgn`), without autograd.
    func complexSign() -> Tensor {
        noGrad {
            let modulus = complexModulus()
            return Tensor.where(modulus .== 0, Tensor.zeros([], dtype: dtype), self / modulus)
        }
    }

    /// |z| for complex tensors (`AbsBackward0`: the gradient is g · z / |z|).
    func complexAbs() -> Tensor {
        let out = complexModulus()
        if needsGrad(self) {
            record("AbsBackward0", inputs: [self], outputs: [out], saving: [SavedTensor(self)]) { [self] g in [g[0] * self.complexSign()] }
        }
        return out
    }

    /// arg z = atan2(imag, real) for complex tensors (`AngleBackward0`: the gradient is g · i·z / |z|², 0 at 0).
    func complexAngle() -> Tensor {
        let out = noGrad { complexPart(1).atan2(complexPart(0)) }
        if needsGrad(self) {
            record("AngleBackward0", inputs: [self], outputs: [out], saving: [SavedTensor(self)]) { [self] g in
                let modulusSquared = self.complexModulus().square()
                let rotated = Tensor.complex(-self.complexPart(1), self.complexPart(0))
                return [Tensor.where(modulusSquared .== 0, Tensor.zeros([], dtype: self.dtype), g[0] * rotated / modulusSquared)]
            }
        }
        return out
    }

    /// e^z = e^x·(cos y + i·sin y) for complex tensors.
    func complexExp() -> Tensor {
        let magnitude = real.exp(), y = imag
        return Tensor.complex(magnitude * y.cos(), magnitude * y.sin())
    }

    /// The principal logarithm log|z| + i·arg z for complex tensors.
    func complexLog() -> Tensor { Tensor.complex(abs().log(), angle()) }

    /// The principal square root for complex tensors (real part ≥ 0, the imaginary part's sign that of z's), by
    /// C's `csqrt` formula: t = √((|x| + |z|)/2), then (t, y/2t) for x ≥ 0 and (|y|/2t, ±t) for x < 0.
    func complexSqrt() -> Tensor {
        let x = real, y = imag
        let t = ((x.abs() + abs()) / 2).sqrt()
        let quotient = Tensor.where(t .== 0, Tensor.zeros([], dtype: t.dtype), y / (t * 2))
        let nonNegative = x .>= 0
        return Tensor.complex(Tensor.where(nonNegative, t, quotient.abs()), Tensor.where(nonNegative, quotient, t.copysign(y)))
    }

    /// z^p for complex tensors: z·z for p = 2, the principal root for ½, e^(p·log z) otherwise.
    func complexPower(_ exponent: Double) -> Tensor {
        if exponent == 2 { return self * self }
        if exponent == 0.5 { return complexSqrt() }
        return (complexLog() * exponent).complexExp()
    }

    /// The matrix product `product` of two complex operands, from four products of their real and imaginary parts:
    /// (A + iB)(C + iD) = (AC - BD) + i(AD + BC).
    func complexProduct(_ other: Tensor, _ product: (Tensor, Tensor) -> Tensor) -> Tensor {
        let (ar, ai, br, bi) = (real, imag, other.real, other.imag)
        return Tensor.complex(product(ar, br) - product(ai, bi), product(ar, bi) + product(ai, br))
    }

    // MARK: What the rest of Ember calls for complex operands

    /// Copies this tensor's values into `destination` (same shape and backend) when either is complex: complex to
    /// complex pairwise, real to complex with imaginary parts 0, complex to real keeping the real parts (PyTorch's
    /// cast; to bool, whether the number is nonzero). No autograd.
    func copyComplexValues(into destination: Tensor) {
        switch (isComplex, destination.isComplex) {
        case (true, true):
            backend.copy(realPairs.operand, into: destination.realPairs.operand)
        case (true, false):
            // To bool: whether either part is nonzero.
            let source = destination.dtype == .bool ? noGrad { (complexPart(0) .!= 0).logicalOr(complexPart(1) .!= 0) } : complexPart(0)
            backend.copy(source.operand, into: destination.borrowedOperand)
        default:
            backend.copy(borrowedOperand, into: destination.complexPart(0).operand)
            backend.fill(destination.complexPart(1).operand, with: 0)
        }
    }

    /// Sets every element of a complex tensor to the real number `value`.
    func fillComplex(_ value: Double) {
        backend.fill(complexPart(0).operand, with: value)
        backend.fill(complexPart(1).operand, with: 0)
    }

    /// x op y over complex operands of one dtype, broadcast to `shape`, without autograd: sums and differences of the
    /// pairs, products and Smith's quotients of their parts, as PyTorch's `c10::complex` computes them.
    static func complexArithmetic(_ x: Tensor, _ y: Tensor, _ op: ArithmeticBinaryOp, shape: [Int], name: String,
                                  file: StaticString, line: UInt) -> Tensor {
        noGrad {
            switch op {
            case .add, .subtract, .addScaled:
                return arithmetic(x.realPairs, y.realPairs, op, name: name, file: file, line: line).complexNumbers
            case .multiply:
                let (a, b, c, d) = (x.complexPart(0), x.complexPart(1), y.complexPart(0), y.complexPart(1))
                return complex(a * c - b * d, a * d + b * c)
            case .divide:
                let (a, b, c, d) = (x.complexPart(0), x.complexPart(1), y.complexPart(0), y.complexPart(1))
                // Scaled by the larger part of the divisor, so |c|² + |d|² never overflows.
                let realLarger = c.abs() .>= d.abs()
                let ratio = Tensor.where(realLarger, d / c, c / d)
                let scale = (Tensor.where(realLarger, c + d * ratio, d + c * ratio)).reciprocal()
                let realPart = Tensor.where(realLarger, a + b * ratio, a * ratio + b) * scale
                let imagPart = Tensor.where(realLarger, b - a * ratio, b * ratio - a) * scale
                // A zero divisor gives a / |c| and b / |d|: infinities or NaN, as in c10::complex.
                let zero = (c .== 0).logicalAnd(d .== 0)
                return complex(Tensor.where(zero, a / c.abs(), realPart), Tensor.where(zero, b / d.abs(), imagPart))
            default:
                fail(name, "not implemented for complex tensors (\(x.dtype))", file: file, line: line)
            }
        }
    }

    /// `self == other` or `self != other` for complex operands: both parts compared.
    func complexEquality(_ other: Tensor, _ op: ComparisonOp, type: DType, file: StaticString, line: UInt) -> Tensor {
        check(op == .eq || op == .ne, "\(op)", "not implemented for complex tensors (\(type))", file: file, line: line)
        let equal = noGrad { kernelInput(type).realPairs.eq(other.kernelInput(type).realPairs).all(dim: -1) }
        return op == .eq ? equal : equal.logicalNot()
    }
}

extension Layout {
    /// The layout of the real pairs of complex elements laid out as this: a trailing dimension of 2, in reals.
    var realPairs: Layout { Layout(shape: shape + [2], strides: strides.map { $0 * 2 } + [1], offset: offset * 2) }
}

extension KernelOperand {
    /// A complex operand's real pairs (`Tensor.realPairs`); a real operand itself.
    var realPairs: KernelOperand {
        dtype.isComplex ? Tensor(storage: storage, layout: layout.realPairs, dtype: dtype.realCounterpart).operand : self
    }

    /// An index operand read once for each part of a complex pair: a trailing dimension of 2 with stride 0.
    var repeatedForPairs: KernelOperand {
        Tensor(storage: storage, layout: Layout(shape: shape + [2], strides: strides + [0], offset: layout.offset), dtype: dtype).operand
    }
}

/// The indexing primitives for elements of any dtype: complex elements move as their real pairs, so the backends'
/// kernels only ever see real types.
extension Backend {
    /// `gather`, complex elements included.
    func gatherElements(_ input: KernelOperand, index: KernelOperand, dim: Int, into out: KernelOperand) -> Int64? {
        guard input.dtype.isComplex else { return gather(input, index: index, dim: dim, into: out) }
        return gather(input.realPairs, index: index.repeatedForPairs, dim: dim, into: out.realPairs)
    }

    /// `scatter`, complex elements included (an accumulating scatter adds both parts).
    func scatterElements(_ source: KernelOperand, index: KernelOperand, dim: Int, accumulate: Bool, into target: KernelOperand) -> Int64? {
        guard source.dtype.isComplex else { return scatter(source, index: index, dim: dim, accumulate: accumulate, into: target) }
        return scatter(source.realPairs, index: index.repeatedForPairs, dim: dim, accumulate: accumulate, into: target.realPairs)
    }

    /// `take`, complex elements included.
    func takeElements(_ source: KernelOperand, bases: [Int], block: Layout, into out: KernelOperand) {
        guard source.dtype.isComplex else { return take(source, bases: bases, block: block, into: out) }
        take(source.realPairs, bases: bases.map { $0 * 2 }, block: block.realPairs, into: out.realPairs)
    }

    /// `put`, complex elements included.
    func putElements(_ values: KernelOperand, bases: [Int], block: Layout, accumulate: Bool, into target: KernelOperand) {
        guard values.dtype.isComplex else { return put(values, bases: bases, block: block, accumulate: accumulate, into: target) }
        put(values.realPairs, bases: bases.map { $0 * 2 }, block: block.realPairs, accumulate: accumulate, into: target.realPairs)
    }
}
