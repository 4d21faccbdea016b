// Matrix factorisations: each factor rebuilds its matrix, has its structure (orthonormal, triangular,
// ordered), and its gradient agrees with finite differences (in float64, through functions the sign
// choice of the vectors cannot change, as PyTorch's own tests do).
import Ember
import XCTest

final class DecompositionTests: XCTestCase {
    private func values(_ t: Tensor) -> [Double] { t.contiguous().toArray(as: Double.self) }

    private func assertIdentity(_ t: Tensor, file: StaticString = #filePath, line: UInt = #line) {
        let n = t.shape[t.dim - 1]
        assertClose(t, values(Tensor.eye(n, dtype: .float64).expand(t.shape)), tolerance: 1e-10, file: file, line: line)
    }

    /// A batch of well-conditioned symmetric positive-definite matrices.
    private func positiveDefinite(_ batch: [Int], _ n: Int) -> Tensor {
        let m = Tensor.randn(batch + [n, n], dtype: .float64)
        return m.matmul(m.mT) + Tensor.eye(n, dtype: .float64) * Double(n)
    }

    func testCholeskyRebuildsItsMatrixFromEitherTriangle() {
        Ember.manualSeed(1)
        let a = positiveDefinite([2], 4)
        let l = a.cholesky()
        assertClose(l.matmul(l.mT), values(a), tolerance: 1e-10)
        assertClose(l.triu(1), [Double](repeating: 0, count: 32))
        let u = a.cholesky(upper: true)
        assertClose(u.mT.matmul(u), values(a), tolerance: 1e-10)
        assertClose(u, values(l.mT), tolerance: 1e-10)
        // Only the named triangle is read.
        assertClose(a.tril().cholesky(), values(l), tolerance: 1e-10)
        XCTAssertEqual(a.float().cholesky().dtype, .float32)
    }

    func testCholeskyExReportsTheFailingMinorWithoutStopping() {
        let a = Tensor([[[4, 2], [2, 3]], [[1, 2], [2, 1]]] as [[[Double]]])
        let (_, info) = a.choleskyEx()
        XCTAssertEqual(info.dtype, .int32)
        XCTAssertEqual(info.toArray(as: Int.self), [0, 2])
    }

    func testQRIsOrthonormalTimesUpperTriangular() {
        Ember.manualSeed(2)
        for (m, n) in [(5, 3), (3, 5), (4, 4)] {
            let a = Tensor.randn([2, m, n], dtype: .float64)
            let (q, r) = a.qr()
            let k = Swift.min(m, n)
            XCTAssertEqual(q.shape, [2, m, k])
            XCTAssertEqual(r.shape, [2, k, n])
            assertIdentity(q.mT.matmul(q))
            assertClose(r.tril(-1), [Double](repeating: 0, count: r.numel))
            assertClose(q.matmul(r), values(a), tolerance: 1e-10)
            let (full, rFull) = a.qr(mode: .complete)
            XCTAssertEqual(full.shape, [2, m, m])
            assertIdentity(full.mT.matmul(full))
            assertClose(full.matmul(rFull), values(a), tolerance: 1e-10)
            let (empty, rOnly) = a.qr(mode: .r)
            XCTAssertEqual(empty.shape, [0])
            assertClose(rOnly, values(r), tolerance: 1e-10)
        }
    }

    func testSVDRebuildsItsMatrixWithDescendingSingularValues() {
        Ember.manualSeed(3)
        for (m, n) in [(5, 3), (3, 5)] {
            let a = Tensor.randn([2, m, n], dtype: .float64)
            let (u, s, vh) = a.svd(fullMatrices: false)
            assertClose((u * s.unsqueeze(-2)).matmul(vh), values(a), tolerance: 1e-10)
            assertIdentity(u.mT.matmul(u))
            assertIdentity(vh.matmul(vh.mT))
            let singular = values(s)
            for i in 0..<2 { XCTAssertEqual(Array(singular[(3 * i)..<(3 * i + 3)]), singular[(3 * i)..<(3 * i + 3)].sorted(by: >)) }
            assertClose(a.svdvals(), singular, tolerance: 1e-10)
            let (fullU, _, fullVh) = a.svd()
            XCTAssertEqual(fullU.shape, [2, m, m])
            XCTAssertEqual(fullVh.shape, [2, n, n])
            assertIdentity(fullU.mT.matmul(fullU))
            assertIdentity(fullVh.matmul(fullVh.mT))
            let (_, _, v) = a.svd(some: true)
            assertClose(v, values(vh.mT), tolerance: 1e-10)
        }
    }

    func testEighGivesAscendingEigenvaluesAndOrthonormalVectors() {
        Ember.manualSeed(4)
        let m = Tensor.randn([3, 4, 4], dtype: .float64)
        let a = m + m.mT
        let (lambda, v) = a.eigh()
        assertClose((v * lambda.unsqueeze(-2)).matmul(v.mT), values(a), tolerance: 1e-10)
        assertIdentity(v.mT.matmul(v))
        let eigenvalues = values(lambda)
        for i in 0..<3 { XCTAssertEqual(Array(eigenvalues[(4 * i)..<(4 * i + 4)]), eigenvalues[(4 * i)..<(4 * i + 4)].sorted()) }
        assertClose(a.eigvalsh(), eigenvalues, tolerance: 1e-10)
        // Each triangle alone describes the matrix.
        assertClose(a.triu().eigvalsh(upper: true), eigenvalues, tolerance: 1e-10)
    }

    func testSolveTriangularOnEitherSide() {
        Ember.manualSeed(5)
        let a = Tensor.randn([2, 3, 3], dtype: .float64).triu() + Tensor.eye(3, dtype: .float64) * 3
        let b = Tensor.randn([2, 3, 4], dtype: .float64)
        let x = Tensor.solveTriangular(a, b, upper: true)
        assertClose(a.matmul(x), values(b), tolerance: 1e-10)
        let c = Tensor.randn([4, 3], dtype: .float64)
        let y = Tensor.solveTriangular(a, c, upper: true, left: false)
        XCTAssertEqual(y.shape, [2, 4, 3])
        assertClose(y.matmul(a), values(c.expand([2, 4, 3])), tolerance: 1e-10)
        let unit = Tensor.solveTriangular(a, b, upper: true, unitriangular: true)
        let ones = a.triu(1) + Tensor.eye(3, dtype: .float64)
        assertClose(ones.matmul(unit), values(b), tolerance: 1e-10)
        let (solution, copy) = b.triangularSolve(a.mT, upper: false, transpose: true)
        assertClose(solution, values(x), tolerance: 1e-10)
        assertClose(copy, values(a.mT))
    }

    func testGradientsAgreeWithFiniteDifferences() {
        Ember.manualSeed(6)
        let spd = positiveDefinite([2], 3)
        // Symmetrised inputs, as the factorisations read one triangle of a symmetric matrix.
        gradcheck("cholesky", [spd]) { ($0[0] + $0[0].mT).cholesky() }
        gradcheck("cholesky upper", [spd]) { ($0[0] + $0[0].mT).cholesky(upper: true) }
        gradcheck("eigvalsh", [spd]) { ($0[0] + $0[0].mT).eigvalsh() }
        gradcheck("eigh vectors", [spd]) { ($0[0] + $0[0].mT).eigh().eigenvectors.abs() }
        for (m, n) in [(4, 3), (3, 4), (3, 3)] {
            let a = Tensor.randn([m, n], dtype: .float64)
            gradcheck("qr Q \(m)×\(n)", [a]) { $0[0].qr().Q }
            gradcheck("qr R \(m)×\(n)", [a]) { $0[0].qr().R }
            gradcheck("svdvals \(m)×\(n)", [a]) { $0[0].svdvals() }
            gradcheck("svd U \(m)×\(n)", [a]) { $0[0].svd(fullMatrices: false).U.abs() }
            gradcheck("svd Vh \(m)×\(n)", [a]) { $0[0].svd(fullMatrices: false).Vh.abs() }
        }
        let triangular = Tensor.randn([3, 3], dtype: .float64) + Tensor.eye(3, dtype: .float64) * 3
        let rhs = Tensor.randn([2, 3, 2], dtype: .float64)
        gradcheck("solveTriangular", [triangular, rhs]) { Tensor.solveTriangular($0[0], $0[1], upper: false) }
        gradcheck("solveTriangular right", [triangular, rhs.mT]) {
            Tensor.solveTriangular($0[0], $0[1], upper: true, left: false, unitriangular: true)
        }
        gradcheck("triangularSolve", [rhs, triangular]) {
            let (x, copy) = $0[0].triangularSolve($0[1], transpose: true)
            return x.sum(dim: -1) + copy.sum(dim: -1)
        }
    }

    func testEmptyMatricesFactorToEmptyFactors() {
        let empty = Tensor.zeros([2, 0, 0], dtype: .float64)
        XCTAssertEqual(empty.cholesky().shape, [2, 0, 0])
        XCTAssertEqual(empty.eigh().eigenvalues.shape, [2, 0])
        let (q, r) = Tensor.zeros([3, 0], dtype: .float64).qr()
        XCTAssertEqual(q.shape, [3, 0])
        XCTAssertEqual(r.shape, [0, 0])
        let (u, s, vh) = Tensor.zeros([2, 0], dtype: .float64).svd()
        XCTAssertEqual(u.shape, [2, 2])
        XCTAssertEqual(s.shape, [0])
        XCTAssertEqual(vh.shape, [0, 0])
        assertIdentity(u)
    }
}
