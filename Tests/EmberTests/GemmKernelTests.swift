// Ember's AVX-512 float32 GEMM against a double-precision triple loop, on shapes that take every path: row counts
// that leave 1–13 rows of the 14-row tile, widths that leave partial 32-column panels, depths past one 256-row block
// and widths past one 512-column block, both orientations of each operand, and accumulation into C.
import CEmberKernels
import Ember
import XCTest

final class GemmKernelTests: XCTestCase {
    /// A matrix of `rows` × `columns` stored row-major, or column-major (its transpose row-major) when `transposed`.
    struct Operand {
        let values: [Float]
        let rows: Int, columns: Int, transposed: Bool
        var rowStride: Int { transposed ? 1 : columns }
        var columnStride: Int { transposed ? rows : 1 }
        subscript(i: Int, j: Int) -> Double { Double(values[i * rowStride + j * columnStride]) }

        init(rows: Int, columns: Int, transposed: Bool, generator: inout SplitMix) {
            self.rows = rows
            self.columns = columns
            self.transposed = transposed
            values = (0..<(rows * columns)).map { _ in generator.nextSigned() }
        }
    }

    /// A small deterministic generator of values in [-1, 1).
    struct SplitMix {
        var state: UInt64
        mutating func nextSigned() -> Float {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Float((z ^ (z >> 31)) >> 40) / Float(1 << 23) - 1
        }
    }

    func testGemmMatchesTripleLoopOnEveryTileAndBlockEdge() throws {
        try XCTSkipUnless(ember_gemm_f32_available() != 0, "this CPU has no AVX-512; Ember's products run on BLAS")
        var generator = SplitMix(state: 7)
        let shapes: [(m: Int, n: Int, k: Int)] = [
            (1, 1, 1), (13, 17, 7), (14, 32, 20), (15, 33, 5), (29, 31, 385), (3, 16, 800), (20, 400, 48),
            (28, 9, 1), (6, 790, 390),
        ]
        for (m, n, k) in shapes {
            for (transposeA, transposeB) in [(false, false), (true, false), (false, true), (true, true)] {
                for accumulate in [false, true] {
                    let a = Operand(rows: m, columns: k, transposed: transposeA, generator: &generator)
                    let b = Operand(rows: k, columns: n, transposed: transposeB, generator: &generator)
                    // C has rows 3 floats longer than n: the columns past n must be left alone.
                    let ldc = n + 3
                    let initial = (0..<(m * ldc)).map { _ in generator.nextSigned() }
                    var c = initial
                    a.values.withUnsafeBufferPointer { pa in
                        b.values.withUnsafeBufferPointer { pb in
                            ember_gemm_f32(m, n, k, pa.baseAddress, a.rowStride, a.columnStride,
                                           pb.baseAddress, b.rowStride, b.columnStride, &c, ldc, accumulate ? 1 : 0)
                        }
                    }
                    var worst = 0.0
                    for i in 0..<m {
                        for j in 0..<ldc {
                            guard j < n else {
                                XCTAssertEqual(c[i * ldc + j], initial[i * ldc + j], "gemm wrote past column n")
                                continue
                            }
                            var sum = accumulate ? Double(initial[i * ldc + j]) : 0
                            for p in 0..<k { sum += a[i, p] * b[p, j] }
                            worst = max(worst, abs(Double(c[i * ldc + j]) - sum))
                        }
                    }
                    let label = "\(m)×\(k) · \(k)×\(n), transposed \(transposeA)/\(transposeB), accumulate \(accumulate)"
                    XCTAssertLessThan(worst, 2e-6 * Double(k + 1), label)
                }
            }
        }
    }

    /// Products through the public API reach the kernel with views' strides; float64 (BLAS) is the reference.
    func testFloatMatmulOfTransposedViewsMatchesDoublePrecision() {
        Ember.manualSeed(3)
        for (m, k, n) in [(37, 400, 70), (5, 9, 1000), (130, 64, 3)] {
            let a = Tensor.randn(k, m).t(), b = Tensor.randn(n, k).t()
            let product = a.matmul(b).toArray(as: Float.self)
            let reference = a.to(.float64).matmul(b.to(.float64)).toArray(as: Double.self)
            let worst = zip(product, reference).map { abs(Double($0) - $1) }.max() ?? 0
            XCTAssertLessThan(worst, 1e-4, "\(m)×\(k) · \(k)×\(n)")
        }
    }
}
