// Matrix products: mm, bmm, mv, dot and matmul with PyTorch's broadcasting rules.

extension Tensor {
    /// Batched product of [B, m, k] and [B, k, n] tensors of one compute dtype, no autograd.
    static func batchedProduct(_ a: Tensor, _ b: Tensor) -> Tensor {
        let out = Tensor(uninitializedShape: [a.shape[0], a.shape[1], b.shape[2]], dtype: a.dtype, backend: a.backend)
        a.backend.batchedMatrixProduct(a.gemmReady().operand, b.gemmReady().operand, into: out.operand)
        return out
    }

    /// Itself when GEMM can read its matrices as they lie (row-major or transposed, with a leading
    /// dimension at least as large as a row), else a contiguous copy (e.g. an expanded, zero-stride view).
    private func gemmReady() -> Tensor {
        let rows = shape[dim - 2], cols = shape[dim - 1]
        let (r, c) = layout.matrixStrides
        let rowMajor = c == 1 && (r >= cols || rows == 1)
        let columnMajor = r == 1 && (c >= rows || cols == 1)
        let batchesApart = dim < 3 || shape[0] == 1 || strides[0] != 0
        return (rowMajor || columnMajor) && batchesApart ? self : copied(as: dtype)
    }

    /// The product of two matrices [m, k] · [k, n] (`torch.mm`).
    public func mm(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        Tensor.checkSameDevice(self, other, op: "mm", file: file, line: line)
        check(dim == 2 && other.dim == 2, "mm", "expected 2-D tensors, got shapes \(shapeText(shape)) and \(shapeText(other.shape))",
              file: file, line: line)
        check(shape[1] == other.shape[0], "mm", "mat1 and mat2 shapes cannot be multiplied "
              + "(\(shape[0])x\(shape[1]) and \(other.shape[0])x\(other.shape[1]))", file: file, line: line)
        check(dtype == other.dtype, "mm", "expected m1 and m2 to have the same dtype, but got: \(dtype) != \(other.dtype)",
              file: file, line: line)
        if isComplex { return complexProduct(other) { $0.mm($1, file: file, line: line) } }
        let out = product(other, name: "MmBackward0")
        return out
    }

    /// The product without autograd; 16-bit floats compute in float32.
    private func rawProduct(_ other: Tensor) -> Tensor {
        let compute = dtype.computeType
        let a = kernelInput(compute), b = other.kernelInput(compute)
        let out = Tensor.batchedProduct(a.unsqueeze0(), b.unsqueeze0())
        let shape = [self.shape[0], other.shape[1]]
        let result = out.makeView(shape: shape, strides: Layout.rowMajorStrides(shape), offset: 0)
        return compute == dtype ? result : result.copied(as: dtype)
    }

    private func unsqueeze0() -> Tensor {
        makeView(shape: [1] + shape, strides: [Layout.count(shape)] + strides, offset: storageOffset)
    }

    private func product(_ other: Tensor, name: String) -> Tensor {
        let out = rawProduct(other)
        if needsGrad(self, other) {
            record(name, inputs: [self, other], outputs: [out], saving: [SavedTensor(self), SavedTensor(other)]) { [self] g in
                [self.requiresGrad ? g[0].mm(other.t()) : nil, other.requiresGrad ? self.t().mm(g[0]) : nil]
            }
        }
        return out
    }

    /// Batched matrix product [B, m, k] · [B, k, n] (`torch.bmm`).
    public func bmm(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        Tensor.checkSameDevice(self, other, op: "bmm", file: file, line: line)
        check(dim == 3 && other.dim == 3, "bmm", "batch1 and batch2 must be 3-D tensors, got shapes \(shapeText(shape)) and "
              + "\(shapeText(other.shape))", file: file, line: line)
        check(shape[0] == other.shape[0] && shape[2] == other.shape[1], "bmm", "Expected size for first two dimensions of "
              + "batch2 tensor to be: [\(shape[0]), \(shape[2])] but got: [\(other.shape[0]), \(other.shape[1])] "
              + "(shapes \(shapeText(shape)) and \(shapeText(other.shape)))", file: file, line: line)
        let compute = dtype.computeType
        let raw = Tensor.batchedProduct(kernelInput(compute), other.kernelInput(compute))
        let out = compute == dtype ? raw : raw.copied(as: dtype)
        if needsGrad(self, other) {
            record("BmmBackward0", inputs: [self, other], outputs: [out], saving: [SavedTensor(self), SavedTensor(other)]) { [self] g in
                [self.requiresGrad ? g[0].bmm(other.transpose(1, 2)) : nil,
                 other.requiresGrad ? self.transpose(1, 2).bmm(g[0]) : nil]
            }
        }
        return out
    }

    /// Matrix-vector product (`torch.mv`).
    public func mv(_ vector: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        Tensor.checkSameDevice(self, vector, op: "mv", file: file, line: line)
        check(dim == 2 && vector.dim == 1 && shape[1] == vector.shape[0], "mv",
              "size mismatch, got input (\(shape.first ?? 0)x\(shape.last ?? 0)), vec (\(vector.shape.first ?? 0)) "
              + "(shapes \(shapeText(shape)) and \(shapeText(vector.shape)))", file: file, line: line)
        let out = noGrad { rawProduct(vector.unsqueeze(1)).squeeze(1) }
        if needsGrad(self, vector) {
            record("MvBackward0", inputs: [self, vector], outputs: [out], saving: [SavedTensor(self), SavedTensor(vector)]) { [self] g in
                [self.requiresGrad ? g[0].unsqueeze(1).mm(vector.unsqueeze(0)) : nil,
                 vector.requiresGrad ? self.t().mv(g[0]) : nil]
            }
        }
        return out
    }

    /// The inner product of two vectors (`torch.dot`).
    public func dot(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        Tensor.checkSameDevice(self, other, op: "dot", file: file, line: line)
        check(dim == 1 && other.dim == 1 && numel == other.numel, "dot", "1D tensors expected of the same size, but got "
              + "shapes \(shapeText(shape)) and \(shapeText(other.shape))", file: file, line: line)
        let out = noGrad { rawProduct0(other) }
        if needsGrad(self, other) {
            record("DotBackward0", inputs: [self, other], outputs: [out], saving: [SavedTensor(self), SavedTensor(other)]) { [self] g in
                [self.requiresGrad ? other * g[0] : nil, other.requiresGrad ? self * g[0] : nil]
            }
        }
        return out
    }

    private func rawProduct0(_ other: Tensor) -> Tensor {
        unsqueeze(0).rawProduct(other.unsqueeze(1)).reshape([])
    }

    /// The matrix product with NumPy's rules: vectors are promoted and batch dims broadcast (`torch.matmul`).
    public func matmul(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        Tensor.checkSameDevice(self, other, op: "matmul", file: file, line: line)
        check(dim >= 1 && other.dim >= 1, "matmul", "both arguments to matmul need to be at least 1D, but they are "
              + "\(dim)D and \(other.dim)D", file: file, line: line)
        let k1 = shape[dim - 1], k2 = other.dim == 1 ? other.shape[0] : other.shape[other.dim - 2]
        check(k1 == k2, "matmul", "mat1 and mat2 shapes cannot be multiplied (shapes \(shapeText(shape)) and "
              + "\(shapeText(other.shape)))", file: file, line: line)
        if isComplex && other.isComplex { return complexProduct(other) { $0.matmul($1, file: file, line: line) } }
        switch (dim, other.dim) {
        case (1, 1): return dot(other, file: file, line: line)
        case (2, 1): return mv(other, file: file, line: line)
        case (1, 2): return unsqueeze(0).mm(other, file: file, line: line).squeeze(0, nodeName: "SqueezeBackward4")
        case (2, 2): return mm(other, file: file, line: line)
        default: break
        }
        if Tensor.shouldFold(self, other) {
            // Fold the batch of the larger operand into GEMM rows: [..., m, k] · [k, n] is one mm.
            let transpose = other.dim > dim
            let t1 = transpose ? other.mT : self
            let t2 = !transpose ? other : (dim == 2 ? t() : self)
            var outputShape = Array(t1.shape.dropLast())
            let folded = Layout.count(outputShape)
            let folded1 = t1.reshape([folded, t1.shape[t1.dim - 1]])
            if t2.dim == 2 {
                outputShape.append(t2.shape[1])
                let output = folded1.mm(t2, file: file, line: line).unsafeView(outputShape)
                return transpose ? output.mT.contiguous() : output
            }
            return folded1.mv(t2, file: file, line: line).unsafeView(outputShape)
        }
        // Broadcast the batch dimensions and run one batched GEMM.
        let n = dim > 1 ? shape[dim - 2] : 1, p = other.dim > 1 ? other.shape[other.dim - 1] : 1
        let batchA = Array(shape.prefix(Swift.max(dim - 2, 0))), batchB = Array(other.shape.prefix(Swift.max(other.dim - 2, 0)))
        guard let batch = Layout.broadcastShapes(batchA, batchB) else {
            fail("matmul", "batch dimensions do not broadcast (shapes \(shapeText(shape)) and \(shapeText(other.shape)))",
                 file: file, line: line)
        }
        let count = Layout.count(batch)
        let left = expand(batch + [n, k1]).reshape([count, n, k1])
        let right = (other.dim == 1 ? other.unsqueeze(1) : other).expand(batch + [k1, p]).reshape([count, k1, p])
        var outputShape = batch
        if dim > 1 { outputShape.append(n) }
        if other.dim > 1 { outputShape.append(p) }
        let product = left.bmm(right, file: file, line: line)
        return (other.dim == 1 ? product.squeeze(-1) : product).unsafeView(outputShape)
    }

    /// ATen's `should_fold`: whether the larger operand's batch can fold into GEMM rows without a copy,
    /// or should because the smaller operand needs a gradient.
    private static func shouldFold(_ a: Tensor, _ b: Tensor) -> Bool {
        let aLarger = a.dim >= b.dim
        let t1 = aLarger ? a : b.mT
        let smallerDim = aLarger ? b.dim : a.dim
        guard t1.dim >= 3 && smallerDim <= 2 else { return false }
        if (aLarger ? b : a).requiresGrad { return true }
        if a.dim == 2 { return false }
        if t1.numel == 0 { return true }
        for i in 0..<(t1.dim - 2) where t1.strides[i] != t1.strides[i + 1] * t1.shape[i + 1] { return false }
        return true
    }

    /// A reshape of a fresh result that autograd records as `UnsafeViewBackward0` (ATen's `_unsafe_view`).
    func unsafeView(_ newShape: [Int]) -> Tensor {
        let inputShape = shape
        let base = noGrad { reshape(newShape) }
        return recordView(base.detach(), "UnsafeViewBackward0") { $0.reshape(inputShape) }
    }

    /// Alias of `matmul` (`x @ y`).
    public static func matmul(_ a: Tensor, _ b: Tensor) -> Tensor { a.matmul(b) }
}

/// `torch.matmul`.
public func matmul(_ a: Tensor, _ b: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    a.matmul(b, file: file, line: line)
}
