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

    /// op(self) elementwise in float32/float64, a new contiguous tensor of the same dtype.
    func applying(_ op: FloatUnaryOp) -> Tensor {
        let out = Tensor(uninitializedShape: shape, dtype: dtype, backend: backend)
        backend.floatUnary(op, borrowedOperand, into: out.borrowedOperand)
        return out
    }

    /// op(self) elementwise for an arithmetic compute dtype, a new contiguous tensor of the same dtype.
    func applying(_ op: ArithmeticUnaryOp) -> Tensor {
        let out = Tensor(uninitializedShape: shape, dtype: dtype, backend: backend)
        backend.arithmeticUnary(op, borrowedOperand, into: out.borrowedOperand)
        return out
    }

    /// op(x, y) broadcast to `shape`, x and y of one arithmetic compute dtype.
    static func combining(_ x: Tensor, _ y: Tensor, _ op: ArithmeticBinaryOp, shape: [Int]) -> Tensor {
        let backend = backend(of: x, y)
        // A same-shape contiguous result shares the input's shape and stride arrays (no allocation).
        let out = x.shape == shape && x.isContiguous && x.lives(on: backend)
            ? Tensor(uninitializedLike: x) : Tensor(uninitializedShape: shape, dtype: x.dtype, backend: backend)
        backend.arithmeticBinary(op, x.operand(for: backend), y.operand(for: backend), into: out.borrowedOperand)
        return out
    }

    /// op(x, y) broadcast to `shape` in float32/float64.
    static func combining(_ x: Tensor, _ y: Tensor, _ op: FloatBinaryOp, shape: [Int]) -> Tensor {
        let backend = backend(of: x, y)
        let out = Tensor(uninitializedShape: shape, dtype: x.dtype, backend: backend)
        backend.floatBinary(op, x.operand(for: backend), y.operand(for: backend), into: out.borrowedOperand)
        return out
    }

    /// x op y broadcast to `shape` over int64 operands, an int64 result.
    static func combining(_ x: Tensor, _ y: Tensor, _ op: BitwiseOp, shape: [Int]) -> Tensor {
        let backend = backend(of: x, y)
        let out = Tensor(uninitializedShape: shape, dtype: .int64, backend: backend)
        backend.bitwise(op, x.operand(for: backend), y.operand(for: backend), into: out.borrowedOperand)
        return out
    }

    /// x op y broadcast to `shape` (bool), x and y of one arithmetic compute dtype.
    static func comparing(_ x: Tensor, _ y: Tensor, _ op: ComparisonOp, shape: [Int]) -> Tensor {
        let backend = backend(of: x, y)
        let out = Tensor(uninitializedShape: shape, dtype: .bool, backend: backend)
        backend.compare(op, x.operand(for: backend), y.operand(for: backend), into: out.borrowedOperand)
        return out
    }

    /// condition ? x : y broadcast to `shape`; x and y share a dtype (any).
    static func selecting(_ condition: Tensor, _ x: Tensor, _ y: Tensor, shape: [Int]) -> Tensor {
        let backend = condition.storage.isHost ? backend(of: x, y) : condition.storage.backend
        let out = Tensor(uninitializedShape: shape, dtype: x.dtype, backend: backend)
        backend.select(condition.operand(for: backend), x.operand(for: backend), y.operand(for: backend), into: out.borrowedOperand)
        return out
    }

    /// Each row of this contiguous [rows, k] tensor reduced to one value: a new [rows] tensor.
    func reducingRows(_ op: RowReduction, rows: Int, k: Int) -> Tensor {
        let out = Tensor(uninitializedShape: [rows], dtype: dtype, backend: backend)
        backend.reduceRows(op, borrowedOperand, rows: rows, k: k, into: out.borrowedOperand)
        return out
    }

    /// The sum over k of this contiguous [outer, k, inner] tensor: a new [outer · inner] tensor.
    func summingMiddle(outer: Int, k: Int, inner: Int) -> Tensor {
        let out = Tensor(uninitializedShape: [outer * inner], dtype: dtype, backend: backend)
        backend.sumMiddle(borrowedOperand, outer: outer, k: k, inner: inner, into: out.borrowedOperand)
        return out
    }

    /// The max or min of each row of this contiguous [rows, k] tensor and the int64 index of its first occurrence.
    func rowExtremes(rows: Int, k: Int, isMax: Bool) -> (values: Tensor, indices: Tensor) {
        let values = Tensor(uninitializedShape: [rows], dtype: dtype, backend: backend)
        let indices = Tensor(uninitializedShape: [rows], dtype: .int64, backend: backend)
        backend.argExtremeRows(borrowedOperand, rows: rows, k: k, isMax: isMax, values: values.borrowedOperand,
                               indices: indices.borrowedOperand)
        return (values, indices)
    }

    /// op applied to each row of this contiguous [rows, k] tensor: a new tensor of the same shape.
    func transformingRows(_ op: RowTransform, rows: Int, k: Int) -> Tensor {
        let out = Tensor(uninitializedShape: shape, dtype: dtype, backend: backend)
        backend.transformRows(op, borrowedOperand, rows: rows, k: k, into: out.borrowedOperand)
        return out
    }
}
