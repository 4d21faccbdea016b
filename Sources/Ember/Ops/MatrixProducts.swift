// The fused and composite matrix products of PyTorch: addmv, addr, baddbmm, addbmm, vdot, tensordot,
// multiDot, matrixPower, vecdot and the cross product, with PyTorch's nodes.

extension Tensor {
    /// `beta * self + alpha * (mat @ vec)` (`torch.addmv`).
    public func addmv(_ mat: Tensor, _ vec: Tensor, beta: Double = 1, alpha: Double = 1) -> Tensor {
        let out = noGrad { scaledSum(beta, alpha * mat.mv(vec)) }
        if GradMode.isEnabled && (requiresGrad || mat.requiresGrad || vec.requiresGrad) {
            record("AddmvBackward0", inputs: [self, mat, vec], outputs: [out]) { [self] g in
                [self.requiresGrad ? (g[0] * beta).sumTo(self) : nil,
                 mat.requiresGrad ? g[0].outer(vec) * alpha : nil,
                 vec.requiresGrad ? mat.t().mv(g[0]) * alpha : nil]
            }
        }
        return out
    }

    /// `beta * self + alpha * outer(vec1, vec2)` (`torch.addr`).
    public func addr(_ vec1: Tensor, _ vec2: Tensor, beta: Double = 1, alpha: Double = 1) -> Tensor {
        let out = noGrad { scaledSum(beta, alpha * vec1.outer(vec2)) }
        if GradMode.isEnabled && (requiresGrad || vec1.requiresGrad || vec2.requiresGrad) {
            record("AddrBackward0", inputs: [self, vec1, vec2], outputs: [out]) { [self] g in
                [self.requiresGrad ? (g[0] * beta).sumTo(self) : nil,
                 vec1.requiresGrad ? g[0].mv(vec2) * alpha : nil,
                 vec2.requiresGrad ? g[0].t().mv(vec1) * alpha : nil]
            }
        }
        return out
    }

    /// `beta * self + alpha * bmm(batch1, batch2)` (`torch.baddbmm`).
    public func baddbmm(_ batch1: Tensor, _ batch2: Tensor, beta: Double = 1, alpha: Double = 1) -> Tensor {
        let out = noGrad { scaledSum(beta, alpha * batch1.bmm(batch2)) }
        if GradMode.isEnabled && (requiresGrad || batch1.requiresGrad || batch2.requiresGrad) {
            record("BaddbmmBackward0", inputs: [self, batch1, batch2], outputs: [out]) { [self] g in
                [self.requiresGrad ? (g[0] * beta).sumTo(self) : nil,
                 batch1.requiresGrad ? g[0].bmm(batch2.mT) * alpha : nil,
                 batch2.requiresGrad ? batch1.mT.bmm(g[0]) * alpha : nil]
            }
        }
        return out
    }

    /// `beta * self + alpha * Σ_b batch1[b] @ batch2[b]` (`torch.addbmm`).
    public func addbmm(_ batch1: Tensor, _ batch2: Tensor, beta: Double = 1, alpha: Double = 1) -> Tensor {
        let out = noGrad { scaledSum(beta, alpha * batch1.bmm(batch2).sum(dim: 0)) }
        if GradMode.isEnabled && (requiresGrad || batch1.requiresGrad || batch2.requiresGrad) {
            record("AddbmmBackward0", inputs: [self, batch1, batch2], outputs: [out]) { [self] g in
                let spread = g[0].unsqueeze(0).expand([batch1.shape[0]] + g[0].shape)
                return [self.requiresGrad ? (g[0] * beta).sumTo(self) : nil,
                        batch1.requiresGrad ? spread.bmm(batch2.mT) * alpha : nil,
                        batch2.requiresGrad ? batch1.mT.bmm(spread) * alpha : nil]
            }
        }
        return out
    }

    /// `beta * self + product`, where a zero beta ignores self (NaN included), as PyTorch's fused products.
    private func scaledSum(_ beta: Double, _ product: Tensor) -> Tensor {
        beta == 0 ? product + zerosLike(dtype: product.dtype) : product + beta * self
    }

    /// The dot product of two vectors (`torch.vdot`; the conjugate is the identity on real tensors).
    public func vdot(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let out = noGrad { dot(other, file: file, line: line) }
        if needsGrad(self, other) {
            record("VdotBackward0", inputs: [self, other], outputs: [out]) { [self] g in
                [self.requiresGrad ? g[0] * other : nil, other.requiresGrad ? g[0] * self : nil]
            }
        }
        return out
    }

    /// Contracts the last `dims` dimensions of self with the first `dims` of `other` (`torch.tensordot`).
    public func tensordot(_ other: Tensor, dims: Int = 2, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        tensordot(other, dims: (Array((dim - dims)..<dim), Array(0..<dims)), file: file, line: line)
    }

    /// Contracts the listed dimensions of self with those of `other`, pairwise (`torch.tensordot`).
    public func tensordot(_ other: Tensor, dims: ([Int], [Int]), file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let a = dims.0.map { normalizeDim($0, rank: dim, op: "tensordot", file: file, line: line) }
        let b = dims.1.map { normalizeDim($0, rank: other.dim, op: "tensordot", file: file, line: line) }
        check(a.count == b.count, "tensordot", "both dimension lists should have same length, got \(dims)", file: file, line: line)
        // A contracted size 1 broadcasts against the other side, which is summed over that dimension first.
        var x = self, y = other
        for (i, j) in zip(a, b) where x.shape[i] != y.shape[j] {
            check(x.shape[i] == 1 || y.shape[j] == 1, "tensordot", "contracted dimensions need to match, but first has size "
                  + "\(x.shape[i]) in dim \(i) and second has size \(y.shape[j]) in dim \(j)", file: file, line: line)
            if x.shape[i] == 1 { y = y.sum(dim: j, keepdim: true) } else { x = x.sum(dim: i, keepdim: true) }
        }
        let freeA = (0..<dim).filter { !a.contains($0) }, freeB = (0..<other.dim).filter { !b.contains($0) }
        let k = a.reduce(1) { $0 * x.shape[$1] }
        let left = x.permute(freeA + a).reshape([-1, k]), right = y.permute(b + freeB).reshape([k, -1])
        return left.mm(right).view(freeA.map { shape[$0] } + freeB.map { other.shape[$0] })
    }

    /// `self @ self @ …` `n` times; the identity for 0, powers of the inverse below (`torch.linalg.matrix_power`).
    public func matrixPower(_ n: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(dim >= 2 && shape[dim - 1] == shape[dim - 2], "linalg.matrix_power", "A must be batches of square matrices, "
              + "but they are \(shapeText(Array(shape.suffix(2)))) matrices", file: file, line: line)
        if n < 0 {
            let inverse = inverse(file: file, line: line)
            return n == -1 ? inverse : inverse.matrixPower(-n, file: file, line: line)
        }
        if n == 0 {
            let eye = Tensor.eye(shape[dim - 1], dtype: dtype, device: device).expand(shape)
            let out = noGrad { eye.contiguous() }
            if needsGrad(self) { record("CopyBackwards", inputs: [self], outputs: [out]) { g in [g[0].zerosLike()] } }
            return out
        }
        if n == 1 { return clone() }
        var result: Tensor? = nil, base = self, remaining = n
        while remaining > 0 {
            if remaining & 1 == 1 { result = result.map { $0.matmul(base) } ?? base }
            remaining >>= 1
            if remaining > 0 { base = base.matmul(base) }
        }
        return result!
    }

    /// `Σ x·y` over `dim` (`torch.linalg.vecdot`).
    public func vecdot(_ other: Tensor, dim: Int = -1) -> Tensor {
        self.dim == 1 && other.dim == 1 ? vdot(other) : (self * other).sum(dim: dim)   // vectors take vdot, as PyTorch
    }

    /// The cross product of 3-vectors along `dim`, broadcasting (`torch.linalg.cross`).
    public func cross(_ other: Tensor, dim: Int = -1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let shape = Tensor.broadcastShape(self, other, op: "linalg.cross", file: file, line: line)
        let d = normalizeDim(dim, rank: shape.count, op: "linalg.cross", file: file, line: line)
        check(shape[d] == 3, "linalg.cross", "inputs dimension \(dim) must have length 3. Got \(shape[d])", file: file, line: line)
        func product(_ a: Tensor, _ b: Tensor) -> Tensor {
            let x = a.expand(shape), y = b.expand(shape)
            func part(_ i: Int) -> (Tensor, Tensor) { (x.narrow(d, start: i, length: 1), y.narrow(d, start: i, length: 1)) }
            let (a0, b0) = part(0), (a1, b1) = part(1), (a2, b2) = part(2)
            return Tensor.cat([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], dim: d)
        }
        let out = noGrad { product(self, other) }
        if needsGrad(self, other) {
            record("LinalgCrossBackward0", inputs: [self, other], outputs: [out]) { [self] g in
                [self.requiresGrad ? product(other, g[0]).sumTo(self) : nil, other.requiresGrad ? product(g[0], self).sumTo(other) : nil]
            }
        }
        return out
    }

    /// The matrices multiplied in order, as one product (`torch.linalg.multi_dot`); the first may be a row
    /// vector and the last a column vector, given as 1-d tensors.
    public static func multiDot(_ tensors: [Tensor], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(tensors.count >= 2, "linalg.multi_dot", "expected at least 2 tensors but got \(tensors.count)", file: file, line: line)
        let first = tensors[0], last = tensors[tensors.count - 1]
        var matrices = tensors
        if first.dim == 1 { matrices[0] = first.unsqueeze(0) }
        if last.dim == 1 { matrices[matrices.count - 1] = last.unsqueeze(1) }
        let product = matrices.dropFirst().reduce(matrices[0]) { $0.mm($1) }
        var shape: [Int] = []
        if first.dim == 2 { shape.append(product.shape[0]) }
        if last.dim == 2 { shape.append(product.shape[1]) }
        return product.view(shape)
    }
}
