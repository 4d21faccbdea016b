// A right-hand matrix packed once for many products: the recurrent weight, multiplied by the hidden state at
// every step of a sequence. float32 products run the packed kernel (`CEmberKernels/Gemm.c`); float64 ones,
// and a matrix with neither unit stride, go through BLAS as they are.
import CEmberKernels

/// B [k × n] ready for repeated products C = A · B.
struct PackedMatrix<T: FloatScalar> {
    let matrix: MatrixOperand<T>
    let k: Int, n: Int
    /// The 32-column panels of a float32 matrix, or nil.
    let panels: UnsafePointer<Float>?

    /// C[m × n] = A · B (+ C when `accumulate`) for a row-major A[m × k] and a row-major C with rows n apart; the
    /// columns split across threads when the product is large.
    func product(_ a: MatrixOperand<T>, into c: UnsafeMutablePointer<T>, m: Int, accumulate: Bool) {
        guard let panels, a.columnStride == 1, m > 0, k > 0 else {
            return gemm(a, matrix, c, m: m, n: n, k: k, accumulate: accumulate)
        }
        let lhs = UnsafeRawPointer(a.pointer).assumingMemoryBound(to: Float.self)
        let out = UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self)
        let panelCount = (n + 31) / 32, threads = Swift.min(cpuThreadCount, Swift.max(1, m * n * k / parallelGemmWork))
        parallelFor(panelCount, grain: (panelCount + threads - 1) / threads) { range in
            ember_packed_gemm_f32(lhs, a.rowStride, m, k, panels, n, range.lowerBound, range.upperBound, out, n, accumulate ? 1 : 0)
        }
    }
}

/// Runs `body` with `matrix` [k × n] packed for repeated products (the panels live until `body` returns).
func withPackedMatrix<T: FloatScalar, R>(_ matrix: MatrixOperand<T>, k: Int, n: Int, _ body: (PackedMatrix<T>) -> R) -> R {
    guard T.self == Float.self, matrix.columnStride == 1 || matrix.rowStride == 1 else {
        return body(PackedMatrix(matrix: matrix, k: k, n: n, panels: nil))
    }
    return withScratch(Float.self, ember_packed_gemm_size_f32(k, n)) { panels in
        ember_packed_gemm_pack_f32(UnsafeRawPointer(matrix.pointer).assumingMemoryBound(to: Float.self), matrix.rowStride,
                                   matrix.columnStride, k, n, panels)
        return body(PackedMatrix(matrix: matrix, k: k, n: n, panels: UnsafePointer(panels)))
    }
}
