// Matrix factorisations through LAPACK, batched over leading dimensions, with PyTorch's nodes and gradients:
// Cholesky, QR, the singular value and symmetric eigenvalue decompositions, and triangular solves. The
// gradient formulas are PyTorch's (FunctionsManual.cpp), for real matrices.

/// Which factors `qr` returns (`torch.linalg.qr`'s `mode`).
public enum QRMode: String, Sendable {
    /// Q m×k and R k×n, k = min(m, n).
    case reduced
    /// Q m×m and R m×n.
    case complete
    /// R (k×n) alone; Q is empty and the result cannot be differentiated.
    case r
}

extension Tensor {
    /// The leading dimensions over which a batch of matrices runs.
    var batchShape: [Int] { Array(shape.dropLast(2)) }

    /// A tensor of the batch shape followed by `matrixShape`, from row-major Double matrices.
    static func stacking(_ matrices: [[Double]], batch: [Int], _ matrixShape: [Int], dtype: DType, device: Device) -> Tensor {
        Tensor(matrices.flatMap { $0 }, shape: batch + matrixShape).to(dtype).placed(on: device)
    }

    // MARK: Cholesky

    /// The Cholesky factor of each symmetric positive-definite matrix (`torch.linalg.cholesky`): the lower L
    /// with A = L·Lᵀ, or with `upper` the upper U = Lᵀ, read from that triangle of A. A matrix that is not
    /// positive-definite stops.
    public func cholesky(upper: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let (factor, info) = choleskyEx(upper: upper, file: file, line: line)
        let failures = info.flatten().toArray(as: Int.self)
        if let batch = failures.firstIndex(where: { $0 > 0 }) {
            fail("linalg.cholesky", (dim > 2 ? "(Batch element \(batch)): " : "") + "The factorization could not be completed "
                 + "because the input is not positive-definite (the leading minor of order \(failures[batch]) is not "
                 + "positive-definite).", file: file, line: line)
        }
        return factor
    }

    /// The Cholesky factor and, for each matrix, the order of its first leading minor that is not
    /// positive-definite (0 when none is), without stopping (`torch.linalg.cholesky_ex`).
    public func choleskyEx(upper: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> (L: Tensor, info: Tensor) {
        checkSquareMatrices("linalg.cholesky", file: file, line: line)
        let n = shape[dim - 1]
        let results = eachMatrix("linalg.cholesky", file: file, line: line) { a, n, _ in LAPACK.cholesky(a, n: n, upper: upper) }
        let out = Tensor.stacking(results.map(\.factor), batch: batchShape, [n, n], dtype: dtype.floatingCounterpart, device: device)
        let info = Tensor(results.map { Int32($0.failedMinor) }, shape: batchShape).placed(on: device)
        if needsGrad(self) {
            let factor = out.detach()
            record("LinalgCholeskyExBackward0", inputs: [self], outputs: [out, info]) { g in
                // gA = L⁻ᵀ·Φ(Lᵀ·gL)·L⁻¹, Φ taking the lower triangle with its diagonal halved, symmetrised.
                let (l, gradL) = upper ? (factor.mT, g[0].mT) : (factor, g[0])
                let lower = l.mT.matmul(gradL).tril()
                let symmetric = 0.5 * (lower + lower.tril(-1).mT)
                return [Tensor.solveTriangular(l, Tensor.solveTriangular(l.mT, symmetric, upper: true), upper: false, left: false)]
            }
        }
        return (out, info)
    }

    /// X with A·X = self for A = L·Lᵀ given by its Cholesky factor (U with A = Uᵀ·U when `upper`)
    /// (`torch.cholesky_solve`).
    public func choleskySolve(_ factor: Tensor, upper: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let compute = { (t: [Tensor]) in Tensor.solve(Tensor.choleskyProduct(t[1], upper: upper), t[0], file: file, line: line) }
        let out = noGrad { compute([self, factor]) }
        recordRecomputed("CholeskySolveBackward0", inputs: [self, factor], output: out, compute: compute)
        return out
    }

    /// A⁻¹ for A = L·Lᵀ given by its Cholesky factor (U with A = Uᵀ·U when `upper`) (`torch.cholesky_inverse`).
    public func choleskyInverse(upper: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let compute = { (t: [Tensor]) in Tensor.choleskyProduct(t[0], upper: upper).inverse(file: file, line: line) }
        let out = noGrad { compute([self]) }
        recordRecomputed("CholeskyInverseBackward0", inputs: [self], output: out, compute: compute)
        return out
    }

    /// The matrix a Cholesky factor factors, differentiable in every element of the factor (as PyTorch's
    /// gradients of `cholesky_solve` and `cholesky_inverse` are).
    private static func choleskyProduct(_ factor: Tensor, upper: Bool) -> Tensor {
        upper ? factor.mT.matmul(factor) : factor.matmul(factor.mT)
    }

    // MARK: QR

    /// The QR factorisation of each matrix by Householder reflections (`torch.linalg.qr`): Q with orthonormal
    /// columns and upper-triangular R with A = Q·R.
    public func qr(mode: QRMode = .reduced, file: StaticString = #fileID, line: UInt = #line) -> (Q: Tensor, R: Tensor) {
        let results = eachMatrix("linalg.qr", file: file, line: line) { a, m, n in LAPACK.qr(a, m: m, n: n, complete: mode == .complete) }
        let (m, n) = (shape[dim - 2], shape[dim - 1]), k = mode == .complete ? m : Swift.min(m, n)
        let type = dtype.floatingCounterpart
        let q = mode == .r ? Tensor.empty([0], dtype: type, device: device) : Tensor.stacking(results.map(\.q), batch: batchShape, [m, k], dtype: type, device: device)
        let r = Tensor.stacking(results.map(\.r), batch: batchShape, [k, n], dtype: type, device: device)
        if needsGrad(self) {
            let (factorQ, factorR) = (q.detach(), r.detach())
            recordPartial("LinalgQrBackward0", inputs: [self], outputs: [q, r]) { g in
                check(mode != .r, "linalg.qr", "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
                      + "Please use linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.",
                      file: file, line: line)
                check(mode == .reduced || m <= n, "linalg.qr",
                      "The QR decomposition is not differentiable when mode='complete' and nrows > ncols.", file: file, line: line)
                let gradQ = g[0] ?? factorQ.zerosLike(), gradR = g[1] ?? factorR.zerosLike()
                return [Tensor.qrGradient(gradQ, gradR, q: factorQ, r: factorR)]
            }
        }
        return (q, r)
    }

    /// The gradient of A = Q·R: for m ≥ n, gA = (gQ + Q·copyltu(M))·R⁻ᵀ with M = R·gRᵀ − gQᵀ·Q (copyltu
    /// mirrors the lower triangle onto the upper); a wide A = [X | Y] is X = Q·R₁ (square) and Y = Q·R₂.
    private static func qrGradient(_ gradQ: Tensor, _ gradR: Tensor, q: Tensor, r: Tensor) -> Tensor {
        let (m, n) = (q.shape[q.dim - 2], r.shape[r.dim - 1])
        func tall(_ gradQ: Tensor, _ gradR: Tensor, _ r: Tensor) -> Tensor {
            let mixed = r.matmul(gradR.mT) - gradQ.mT.matmul(q)
            let mirrored = mixed.tril() + mixed.tril(-1).mT
            return solveTriangular(r.mT, gradQ + q.matmul(mirrored), upper: false, left: false)
        }
        guard m < n else { return tall(gradQ, gradR, r) }
        let (r1, r2) = (r.narrow(-1, 0, m), r.narrow(-1, m, n - m))
        let gradR2 = gradR.narrow(-1, m, n - m)
        let gradX = tall(gradQ + q.matmul(r2).matmul(gradR2.mT), gradR.narrow(-1, 0, m), r1)
        return cat([gradX, q.matmul(gradR2)], dim: -1)
    }

    // MARK: Singular values

    /// The singular value decomposition A = U·diag(S)·Vh of each matrix (`torch.linalg.svd`), singular values
    /// in descending order; U is m×m and Vh n×n with `fullMatrices`, else m×k and k×n (k = min(m, n)).
    public func svd(fullMatrices: Bool = true, file: StaticString = #fileID, line: UInt = #line) -> (U: Tensor, S: Tensor, Vh: Tensor) {
        let (m, n) = (shape[Swift.max(dim - 2, 0)], shape[dim - 1]), k = Swift.min(m, n)
        let results = singularValueDecompositions("linalg.svd", full: fullMatrices, vectors: true, file: file, line: line)
        let type = dtype.floatingCounterpart
        let u = Tensor.stacking(results.map(\.u), batch: batchShape, [m, fullMatrices ? m : k], dtype: type, device: device)
        let s = Tensor.stacking(results.map(\.s), batch: batchShape, [k], dtype: type, device: device)
        let vh = Tensor.stacking(results.map(\.vt), batch: batchShape, [fullMatrices ? n : k, n], dtype: type, device: device)
        if needsGrad(self) {
            let (factorU, values, factorVh) = (u.detach(), s.detach(), vh.detach())
            recordPartial("LinalgSvdBackward0", inputs: [self], outputs: [u, s, vh]) { g in
                // With full matrices only the first k columns of U and rows of Vh enter A.
                let narrowU = { (t: Tensor) in fullMatrices ? t.narrow(-1, 0, k) : t }
                let narrowVh = { (t: Tensor) in fullMatrices ? t.narrow(-2, 0, k) : t }
                return [Tensor.svdGradient(g[0].map(narrowU), g[1], g[2].map(narrowVh), u: narrowU(factorU), s: values, vh: narrowVh(factorVh))]
            }
        }
        return (u, s, vh)
    }

    /// The singular values of each matrix, in descending order (`torch.linalg.svdvals`).
    public func svdvals(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        guard needsGrad(self) else {
            let results = singularValueDecompositions("linalg.svdvals", full: false, vectors: false, file: file, line: line)
            return Tensor.stacking(results.map(\.s), batch: batchShape, [results.first?.s.count ?? Swift.min(shape[dim - 2], shape[dim - 1])],
                                   dtype: dtype.floatingCounterpart, device: device)
        }
        let (u, s, vh) = noGrad { svd(fullMatrices: false, file: file, line: line) }
        recordPartial("LinalgSvdBackward0", inputs: [self], outputs: [s]) { g in [Tensor.svdGradient(nil, g[0], nil, u: u, s: s, vh: vh)] }
        return s
    }

    /// The deprecated `torch.svd`: U, S and V (not Vh), reduced unless `some` is false; without `computeUV`,
    /// U and V are zeros.
    public func svd(some: Bool, computeUV: Bool = true, file: StaticString = #fileID, line: UInt = #line) -> (U: Tensor, S: Tensor, V: Tensor) {
        guard computeUV else {
            let (m, n) = (shape[dim - 2], shape[dim - 1])
            return (Tensor.zeros(batchShape + [m, m], dtype: dtype, device: device), svdvals(file: file, line: line), Tensor.zeros(batchShape + [n, n], dtype: dtype, device: device))
        }
        let (u, s, vh) = svd(fullMatrices: !some, file: file, line: line)
        return (u, s, vh.mT)
    }

    private func singularValueDecompositions(_ op: String, full: Bool, vectors: Bool, file: StaticString, line: UInt)
        -> [(u: [Double], s: [Double], vt: [Double])] {
        eachMatrix(op, file: file, line: line) { a, m, n in
            guard let result = LAPACK.svd(a, m: m, n: n, full: full, vectors: vectors) else {
                fail(op, "The algorithm failed to converge because the input matrix is ill-conditioned or has too many repeated "
                     + "singular values.", file: file, line: line)
            }
            return result
        }
    }

    /// The gradient of A = U·diag(S)·Vh (reduced factors), from the gradients that arrived: the skew parts of
    /// Uᵀ·gU and Vh·gVhᵀ over the differences of squared singular values, the diagonal from gS, and the
    /// components outside U's (tall) or V's (wide) span.
    private static func svdGradient(_ gradU: Tensor?, _ gradS: Tensor?, _ gradVh: Tensor?, u: Tensor, s: Tensor, vh: Tensor) -> Tensor {
        let (m, n) = (u.shape[u.dim - 2], vh.shape[vh.dim - 1])
        guard gradU != nil || gradVh != nil else {
            let g = gradS ?? s.zerosLike()
            return m >= n ? u.matmul(g.unsqueeze(-1) * vh) : (u * g.unsqueeze(-2)).matmul(vh)
        }
        let skew = { (x: Tensor) in x - x.mT }
        let squares = s * s
        let k = s.shape[s.dim - 1]
        let differences = squares.unsqueeze(-2) - squares.unsqueeze(-1) + Tensor.eye(k, dtype: s.dtype, device: s.device)
        var inner: Tensor
        switch (gradU, gradVh) {
        case let (gu?, gv?): inner = (skew(u.mT.matmul(gu)) * s.unsqueeze(-2) + s.unsqueeze(-1) * skew(vh.matmul(gv.mT))) / differences
        case let (gu?, nil): inner = skew(u.mT.matmul(gu)) * (s.unsqueeze(-2) / differences)
        case let (nil, gv?): inner = s.unsqueeze(-1) * skew(vh.matmul(gv.mT)) / differences
        default: preconditionFailure("unreachable: one of gU, gVh arrived")
        }
        if let gradS = gradS { inner = inner + gradS.diagEmbed() }
        if m > n, let gu = gradU {
            let scaled = gu / s.unsqueeze(-2)
            return (u.matmul(inner) + scaled - u.matmul(u.mT.matmul(scaled))).matmul(vh)
        }
        if m < n, let gv = gradVh {
            let scaled = gv / s.unsqueeze(-1)
            return u.matmul(inner.matmul(vh) + scaled - scaled.matmul(vh.mT).matmul(vh))
        }
        return u.matmul(inner).matmul(vh)
    }

    // MARK: Symmetric eigenvalues

    /// The eigenvalues (ascending) and orthonormal eigenvectors (columns) of each symmetric matrix, read from
    /// its lower triangle or, with `upper`, its upper one (`torch.linalg.eigh`, `UPLO`).
    public func eigh(upper: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> (eigenvalues: Tensor, eigenvectors: Tensor) {
        let (values, vectors) = symmetricEigen("linalg.eigh", upper: upper, vectors: true, file: file, line: line)
        if needsGrad(self) {
            let (lambda, v) = (values.detach(), vectors.detach())
            recordPartial("LinalgEighBackward0", inputs: [self], outputs: [values, vectors]) { g in
                [Tensor.eighGradient(g[0], g[1], values: lambda, vectors: v)]
            }
        }
        return (values, vectors)
    }

    /// The eigenvalues of each symmetric matrix, ascending (`torch.linalg.eigvalsh`).
    public func eigvalsh(upper: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        guard needsGrad(self) else { return symmetricEigen("linalg.eigvalsh", upper: upper, vectors: false, file: file, line: line).values }
        let (values, vectors) = noGrad { eigh(upper: upper, file: file, line: line) }
        recordPartial("LinalgEighBackward0", inputs: [self], outputs: [values]) { g in
            [Tensor.eighGradient(g[0], nil, values: values, vectors: vectors)]
        }
        return values
    }

    private func symmetricEigen(_ op: String, upper: Bool, vectors: Bool, file: StaticString, line: UInt) -> (values: Tensor, vectors: Tensor) {
        checkSquareMatrices(op, file: file, line: line)
        let n = shape[dim - 1], type = dtype.floatingCounterpart
        let results = eachMatrix(op, file: file, line: line) { a, n, _ in
            guard let result = LAPACK.symmetricEigen(a, n: n, upper: upper, vectors: vectors) else {
                fail(op, "The algorithm failed to converge because the input matrix is ill-conditioned or has too many repeated "
                     + "eigenvalues.", file: file, line: line)
            }
            return result
        }
        return (Tensor.stacking(results.map(\.values), batch: batchShape, [n], dtype: type, device: device),
                vectors ? Tensor.stacking(results.map(\.vectors), batch: batchShape, [n, n], dtype: type, device: device) : Tensor.empty([0], dtype: type, device: device))
    }

    /// The gradient of A = V·diag(λ)·Vᵀ: V·(gλ on the diagonal + skew(Vᵀ·gV)/2 over λⱼ − λᵢ off it)·Vᵀ.
    private static func eighGradient(_ gradValues: Tensor?, _ gradVectors: Tensor?, values: Tensor, vectors: Tensor) -> Tensor {
        guard let gradVectors = gradVectors else {
            return (vectors * (gradValues ?? values.zerosLike()).unsqueeze(-2)).matmul(vectors.mT)
        }
        let product = vectors.mT.matmul(gradVectors)
        let n = values.shape[values.dim - 1]
        let gaps = values.unsqueeze(-2) - values.unsqueeze(-1) + Tensor.eye(n, dtype: values.dtype, device: values.device)
        var inner = 0.5 * (product - product.mT) / gaps
        if let gradValues = gradValues { inner = inner + gradValues.diagEmbed() }
        return vectors.matmul(inner.matmul(vectors.mT))
    }

    // MARK: Triangular solves

    /// X with A·X = B (`left`) or X·A = B for each triangular A, batches broadcast
    /// (`torch.linalg.solve_triangular`); only A's upper (or lower) triangle is read, its diagonal as ones when
    /// `unitriangular`.
    public static func solveTriangular(_ a: Tensor, _ b: Tensor, upper: Bool, left: Bool = true, unitriangular: Bool = false,
                                       file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        a.checkSquareMatrices("linalg.solve_triangular", file: file, line: line)
        let n = a.shape[a.dim - 1]
        check(b.dim >= 2 && b.shape[b.dim - (left ? 2 : 1)] == n, "linalg.solve_triangular", "Incompatible shapes of A and B for "
              + "the equation \(left ? "AX = B" : "XA = B") (\(shapeText(a.shape)) and \(shapeText(b.shape)))", file: file, line: line)
        let (rows, columns) = (b.shape[b.dim - 2], b.shape[b.dim - 1])
        let (solutions, batch) = eachMatrixPair(a, b, "linalg.solve_triangular", file: file, line: line) { matrix, rhs in
            LAPACK.solveTriangular(matrix, rhs, n: n, rows: rows, columns: columns, upper: upper, left: left, unitDiagonal: unitriangular)
        }
        let out = Tensor(solutions, shape: batch + [rows, columns]).to(resultType(a, b).floatingCounterpart).placed(on: a.device)
        if needsGrad(a, b) {
            let (x, coefficients) = (out.detach(), a.detach())
            record("LinalgSolveTriangularBackward0", inputs: [a, b], outputs: [out]) { g in
                let gradB = solveTriangular(coefficients.mT, g[0], upper: !upper, left: left, unitriangular: unitriangular)
                let gradA = (left ? -gradB.matmul(x.mT) : -x.mT.matmul(gradB)).triangle(upper: upper, strict: unitriangular)
                return [a.requiresGrad ? gradA.sumTo(a) : nil, b.requiresGrad ? gradB.sumTo(b) : nil]
            }
        }
        return out
    }

    /// The deprecated `torch.triangular_solve(self, A)`: X with op(A)·X = self, op(A) = Aᵀ with `transpose`,
    /// and a copy of A (broadcast to the batch).
    public func triangularSolve(_ a: Tensor, upper: Bool = true, transpose: Bool = false, unitriangular: Bool = false,
                                file: StaticString = #fileID, line: UInt = #line) -> (solution: Tensor, clonedCoefficient: Tensor) {
        let coefficients = a.detach()
        let solution = noGrad {
            Tensor.solveTriangular(transpose ? coefficients.mT : coefficients, detach(), upper: upper != transpose,
                                   unitriangular: unitriangular, file: file, line: line)
        }
        let copy = noGrad { a.expand(solution.batchShape + a.shape.suffix(2)).clone() }
        if needsGrad(self, a) {
            let x = solution.detach()
            record("TriangularSolveBackward0", inputs: [self, a], outputs: [solution, copy]) { [self] g in
                let gradB = noGrad { g[0].triangularSolve(coefficients, upper: upper, transpose: !transpose, unitriangular: unitriangular).solution }
                let gradA = (transpose ? -x.matmul(gradB.mT) : -gradB.matmul(x.mT)).triangle(upper: upper, strict: unitriangular) + g[1]
                return [self.requiresGrad ? gradB.sumTo(self) : nil, a.requiresGrad ? gradA.sumTo(a) : nil]
            }
        }
        return (solution, copy)
    }

    /// The upper or lower triangle, without the diagonal when `strict`.
    private func triangle(upper: Bool, strict: Bool) -> Tensor {
        upper ? triu(strict ? 1 : 0) : tril(strict ? -1 : 0)
    }
}
