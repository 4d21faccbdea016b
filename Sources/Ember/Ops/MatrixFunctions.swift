// Inverse, determinant and linear solves of square matrices (batched over leading dimensions) through
// LAPACK, with PyTorch's nodes and gradients: d(A⁻¹) = -A⁻ᵀ·g·A⁻ᵀ, d det = g·det·A⁻ᵀ, d X(A, B) from A⁻ᵀ.

extension Tensor {
    /// Stops unless this is a batch of square matrices.
    func checkSquareMatrices(_ op: String, file: StaticString, line: UInt) {
        check(dim >= 2 && shape[dim - 1] == shape[dim - 2], op, "A must be batches of square matrices, but they are "
              + "\(shape.suffix(2).map(String.init).joined(separator: " by ")) matrices", file: file, line: line)
    }

    /// Runs `body` on each rows×columns matrix of a batch (the last two dimensions), row-major in Double.
    func eachMatrix<Result>(_ op: String, file: StaticString, line: UInt,
                            _ body: (_ matrix: [Double], _ rows: Int, _ columns: Int) -> Result) -> [Result] {
        check(dim >= 2, op, "The input tensor A must have at least 2 dimensions.", file: file, line: line)
        let (rows, columns) = (shape[dim - 2], shape[dim - 1]), size = rows * columns
        let values = contiguous().toArray(as: Double.self)
        return (0..<shape.dropLast(2).reduce(1, *)).map { i in   // a 0×0 matrix is a matrix too (det 1)
            body(Array(values[(i * size)..<((i + 1) * size)]), rows, columns)
        }
    }

    /// The inverse of each square matrix (`torch.linalg.inv`, `Tensor.inverse`); a singular matrix stops.
    public func inverse(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let (out, info) = inverseEx(file: file, line: line)
        if info.numel > 0 && info.max().item() > 0 {
            fail("linalg.inv", "The diagonal element \(Int(info.max().item())) is zero, the inversion could not be completed "
                 + "because the input matrix is singular.", file: file, line: line)
        }
        return out
    }

    /// The inverse of each square matrix and, for each, LAPACK's status: 0, or the 1-based index of a zero pivot
    /// when the matrix is singular (its inverse then holds no meaningful values), without stopping
    /// (`torch.linalg.inv_ex`).
    public func inverseEx(file: StaticString = #fileID, line: UInt = #line) -> (inverse: Tensor, info: Tensor) {
        checkSquareMatrices("linalg.inv", file: file, line: line)
        let n = shape[dim - 1]
        let results = eachMatrix("linalg.inv", file: file, line: line) { a, n, _ in LAPACK.inverse(a, n: n) }
        let out = Tensor.stacking(results.map { $0.inverse ?? [Double](repeating: 0, count: n * n) }, batch: batchShape, [n, n],
                                  dtype: dtype.floatingCounterpart, device: device)
        let info = Tensor(results.map { Int32($0.info) }, shape: batchShape).placed(on: device)
        if needsGrad(self) {
            let result = out.detach()
            record("LinalgInvExBackward0", inputs: [self], outputs: [out, info]) { g in [-(result.mT.matmul(g[0]).matmul(result.mT))] }
        }
        return (out, info)
    }

    /// The determinant of each square matrix (`torch.linalg.det`).
    public func det(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        checkSquareMatrices("linalg.det", file: file, line: line)
        let dets = eachMatrix("linalg.det", file: file, line: line) { a, n, _ in [LAPACK.determinant(a, n: n)] }
        let out = Tensor(dets.flatMap { $0 }, shape: Array(shape.dropLast(2))).to(dtype.floatingCounterpart).placed(on: device)
        if needsGrad(self) {
            let result = out.detach()
            record("LinalgDetBackward0", inputs: [self], outputs: [out], saving: [SavedTensor(self)]) { [self] g in
                [(g[0] * result).unsqueeze(-1).unsqueeze(-1) * self.detach().inverse().mT]
            }
        }
        return out
    }

    /// The sign and the log of the absolute value of each determinant (`torch.linalg.slogdet`).
    public func slogdet(file: StaticString = #fileID, line: UInt = #line) -> (sign: Tensor, logabsdet: Tensor) {
        let dets = noGrad { det(file: file, line: line) }
        let sign = dets.sign(), logabsdet = noGrad { dets.abs().log() }
        if needsGrad(self) {
            record("LinalgSlogdetBackward0", inputs: [self], outputs: [sign, logabsdet], saving: [SavedTensor(self)]) { [self] g in
                [g[1].unsqueeze(-1).unsqueeze(-1) * self.detach().inverse().mT]
            }
        }
        return (sign, logabsdet)
    }

    /// log det for matrices with a positive determinant, NaN for a negative one (`torch.logdet`).
    public func logdet() -> Tensor {
        let (sign, logabsdet) = slogdet()
        return Tensor.where(sign .== -1, Tensor.full([], .nan, dtype: logabsdet.dtype), logabsdet)
    }

    /// X with A·X = B for each square A; B is a batch of matrices or, with one dimension fewer than A, of
    /// vectors (`torch.linalg.solve`).
    public static func solve(_ a: Tensor, _ b: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let vector = b.dim == a.dim - 1
        let rhs = vector ? b.unsqueeze(-1) : b
        check(a.dim >= 2 && rhs.dim == a.dim && rhs.shape[rhs.dim - 2] == a.shape[a.dim - 1], "linalg.solve", "Incompatible shapes "
              + "of A and B for the equation AX = B (\(shapeText(a.shape)) and \(shapeText(b.shape)))", file: file, line: line)
        let n = a.shape[a.dim - 1], k = rhs.shape[rhs.dim - 1]
        let (solutions, batch) = eachMatrixPair(a, rhs, "linalg.solve", file: file, line: line) { matrix, columns in
            guard let x = LAPACK.solve(matrix, columns, n: n, k: k) else {
                fail("linalg.solve", "The solver failed because the input matrix is singular.", file: file, line: line)
            }
            return x
        }
        let type = resultType(a, b).floatingCounterpart
        let matrixOut = Tensor(solutions, shape: batch + [n, k]).to(type).placed(on: a.device)
        let out = vector ? matrixOut.squeeze(-1) : matrixOut
        if needsGrad(a, b) {
            record("LinalgSolveExBackward0", inputs: [a, b], outputs: [out]) { g in
                let gradB = solve(a.detach().mT, vector ? g[0].unsqueeze(-1) : g[0])
                let gradA = -gradB.matmul(matrixOut.mT)
                return [a.requiresGrad ? gradA.sumTo(a) : nil, b.requiresGrad ? (vector ? gradB.squeeze(-1) : gradB).sumTo(b) : nil]
            }
        }
        return out
    }

    /// Runs `body` on each pair of matrices of `a` and `b` (their last two dimensions), their batches broadcast
    /// against each other; the results in order, with the batch shape.
    static func eachMatrixPair(_ a: Tensor, _ b: Tensor, _ op: String, file: StaticString, line: UInt,
                               _ body: ([Double], [Double]) -> [Double]) -> (values: [Double], batch: [Int]) {
        guard let batch = Layout.broadcastShapes(a.batchShape, b.batchShape) else {
            fail(op, "The batch dimensions of A \(shapeText(a.shape)) and B \(shapeText(b.shape)) do not broadcast", file: file, line: line)
        }
        let (sizeA, sizeB) = (a.shape.suffix(2).reduce(1, *), b.shape.suffix(2).reduce(1, *))
        let matrices = a.expand(batch + a.shape.suffix(2)).contiguous().toArray(as: Double.self)
        let others = b.expand(batch + b.shape.suffix(2)).contiguous().toArray(as: Double.self)
        let values = (0..<batch.reduce(1, *)).flatMap { (i: Int) -> [Double] in
            let matrix = Array(matrices[(i * sizeA)..<((i + 1) * sizeA)])
            return body(matrix, Array(others[(i * sizeB)..<((i + 1) * sizeB)]))
        }
        return (values, batch)
    }
}
