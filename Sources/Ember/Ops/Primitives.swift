// The op layer's calls into the backends: each allocates its result on the operands' device and has that
// device's backend fill it. Operands are already of the primitive's dtype and on one device (a 0-d host tensor,
// a Swift number, rides along to any device, as PyTorch passes a CPU scalar to a GPU kernel). The tensors are
// parameters and results of these functions, alive during each backend call, so their operands are borrowed.

extension Tensor {
    /// The backend two operands run on: the device of the one that is not on the host, or the host.
    @inline(__always) static func backend(of x: Tensor, _ y: Tensor) -> Backend {
        x.storage.isHost ? y.storage.backend : x.storage.backend
    }

    /// Whether this tensor's memory is `backend`'s.
    @inline(__always) func lives(on backend: Backend) -> Bool { storage.backend === backend }

    /// This tensor as `backend`'s kernels read it, for a caller that keeps it alive during the call: a 0-d host
    /// tensor on another device is copied there first (the operand then keeps the copy).
    @inline(__always) func operand(for backend: Backend) -> KernelOperand {
        lives(on: backend) ? borrowedOperand : noGrad { to(backend.device) }.operand
    }

    /// A new contiguous tensor of `shape` and `dtype` on this tensor's device, filled by `primitive` from this
    /// tensor's operand.
    @inline(__always) private func result(_ shape: [Int], _ dtype: DType,
                                          _ primitive: (Backend, KernelOperand, KernelOperand) -> Void) -> Tensor {
        let out = Tensor(uninitializedShape: shape, dtype: dtype, backend: backend)
        primitive(backend, borrowedOperand, out.borrowedOperand)
        return out
    }

    /// A new contiguous tensor of `shape` and `dtype` on the device of `x` and `y`, filled by `primitive` from
    /// their operands.
    @inline(__always) private static func result(_ x: Tensor, _ y: Tensor, _ shape: [Int], _ dtype: DType,
                                                 _ primitive: (Backend, KernelOperand, KernelOperand, KernelOperand) -> Void) -> Tensor {
        let backend = backend(of: x, y)
        let out = Tensor(uninitializedShape: shape, dtype: dtype, backend: backend)
        primitive(backend, x.operand(for: backend), y.operand(for: backend), out.borrowedOperand)
        return out
    }

    /// op(self) elementwise in float32/float64, a new contiguous tensor of the same dtype.
    func applying(_ op: FloatUnaryOp) -> Tensor {
        result(shape, dtype) { $0.floatUnary(op, $1, into: $2) }
    }

    /// op(self) elementwise for an arithmetic compute dtype, a new contiguous tensor of the same dtype.
    func applying(_ op: ArithmeticUnaryOp) -> Tensor {
        result(shape, dtype) { $0.arithmeticUnary(op, $1, into: $2) }
    }

    /// op(x, y) broadcast to `shape`, x and y of one arithmetic compute dtype.
    static func combining(_ x: Tensor, _ y: Tensor, _ op: ArithmeticBinaryOp, shape: [Int]) -> Tensor {
        let backend = backend(of: x, y)
        // A same-shape contiguous result shares the input's shape and stride arrays (no allocation).
        guard x.shape == shape && x.isContiguous && x.lives(on: backend) else {
            return result(x, y, shape, x.dtype) { $0.arithmeticBinary(op, $1, $2, into: $3) }
        }
        let out = Tensor(uninitializedLike: x)
        backend.arithmeticBinary(op, x.borrowedOperand, y.operand(for: backend), into: out.borrowedOperand)
        return out
    }

    /// op(x, y) broadcast to `shape` in float32/float64.
    static func combining(_ x: Tensor, _ y: Tensor, _ op: FloatBinaryOp, shape: [Int]) -> Tensor {
        result(x, y, shape, x.dtype) { $0.floatBinary(op, $1, $2, into: $3) }
    }

    /// x op y broadcast to `shape` over int64 operands, an int64 result.
    static func combining(_ x: Tensor, _ y: Tensor, _ op: BitwiseOp, shape: [Int]) -> Tensor {
        result(x, y, shape, .int64) { $0.bitwise(op, $1, $2, into: $3) }
    }

    /// x op y broadcast to `shape` (bool), x and y of one arithmetic compute dtype.
    static func comparing(_ x: Tensor, _ y: Tensor, _ op: ComparisonOp, shape: [Int]) -> Tensor {
        result(x, y, shape, .bool) { $0.compare(op, $1, $2, into: $3) }
    }

    /// condition ? x : y broadcast to `shape`; x and y share a dtype (any; complex numbers are chosen as pairs).
    static func selecting(_ condition: Tensor, _ x: Tensor, _ y: Tensor, shape: [Int]) -> Tensor {
        if x.isComplex {
            return selecting(condition.unsqueeze(-1), x.realPairs, y.realPairs, shape: shape + [2]).complexNumbers
        }
        let backend = condition.storage.isHost ? backend(of: x, y) : condition.storage.backend
        let out = Tensor(uninitializedShape: shape, dtype: x.dtype, backend: backend)
        backend.select(condition.operand(for: backend), x.operand(for: backend), y.operand(for: backend), into: out.borrowedOperand)
        return out
    }

    /// Each row of this contiguous [rows, k] tensor reduced to one value: a new [rows] tensor.
    func reducingRows(_ op: RowReduction, rows: Int, k: Int) -> Tensor {
        result([rows], dtype) { $0.reduceRows(op, $1, rows: rows, k: k, into: $2) }
    }

    /// The sum over k of this contiguous [outer, k, inner] tensor: a new [outer · inner] tensor.
    func summingMiddle(outer: Int, k: Int, inner: Int) -> Tensor {
        result([outer * inner], dtype) { $0.sumMiddle($1, outer: outer, k: k, inner: inner, into: $2) }
    }

    /// The max or min of each row of this contiguous [rows, k] tensor and the int64 index of its first occurrence.
    func rowExtremes(rows: Int, k: Int, isMax: Bool) -> (values: Tensor, indices: Tensor) {
        let indices = Tensor(uninitializedShape: [rows], dtype: .int64, backend: backend)
        let values = result([rows], dtype) { $0.argExtremeRows($1, rows: rows, k: k, isMax: isMax, values: $2, indices: indices.borrowedOperand) }
        return (values, indices)
    }

    /// op applied to each row of this contiguous [rows, k] tensor: a new tensor of the same shape.
    func transformingRows(_ op: RowTransform, rows: Int, k: Int) -> Tensor {
        result(shape, dtype) { $0.transformRows(op, $1, rows: rows, k: k, into: $2) }
    }
}
