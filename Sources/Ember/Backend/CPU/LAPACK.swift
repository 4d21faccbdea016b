// The bridge to LAPACK (OpenBLAS's): LU factorisation, inverse and linear solves of square matrices, in
// double precision, one matrix at a time. Matrices are row-major here; LAPACK reads them as their transposes.
import CBLAS

enum LAPACK {
    /// The LU factors (of the transpose, as LAPACK sees a row-major matrix) and the pivots; `info` > 0 when
    /// the matrix is singular.
    static func luFactor(_ a: [Double], n: Int) -> (lu: [Double], pivots: [Int32], info: Int32) {
        var lu = a, pivots = [Int32](repeating: 0, count: Swift.max(n, 1)), info: Int32 = 0
        var rows = Int32(n), columns = Int32(n), leading = Int32(Swift.max(n, 1))
        if n > 0 { dgetrf_(&rows, &columns, &lu, &leading, &pivots, &info) }
        return (lu, pivots, info)
    }

    /// det(A) from its LU factors: the product of the diagonal, negated for each row exchange.
    static func determinant(_ a: [Double], n: Int) -> Double {
        let (lu, pivots, _) = luFactor(a, n: n)
        var value = 1.0
        for i in 0..<n {
            value *= lu[i * n + i]
            if pivots[i] != Int32(i + 1) { value = -value }
        }
        return value
    }

    /// A⁻¹, or nil when A is singular. The inverse of the transpose is the transpose of the inverse, so the
    /// row-major result is A⁻¹ itself.
    static func inverse(_ a: [Double], n: Int) -> [Double]? {
        var (lu, pivots, info) = luFactor(a, n: n)
        guard info == 0 else { return nil }
        guard n > 0 else { return [] }
        var order = Int32(n), leading = Int32(n), workSize = Int32(n * 64)
        var work = [Double](repeating: 0, count: n * 64)
        dgetri_(&order, &lu, &leading, &pivots, &work, &workSize, &info)
        return info == 0 ? lu : nil
    }

    /// X with A·X = B for B of k columns (row-major n×k), or nil when A is singular.
    static func solve(_ a: [Double], _ b: [Double], n: Int, k: Int) -> [Double]? {
        guard n > 0 && k > 0 else { return [Double](repeating: 0, count: n * k) }
        // Column-major copies: A transposed from row-major, B's columns contiguous.
        var matrix = (0..<(n * n)).map { a[($0 % n) * n + $0 / n] }
        var columns = (0..<(n * k)).map { b[($0 % n) * k + $0 / n] }
        var order = Int32(n), count = Int32(k), leading = Int32(n), leadingB = Int32(n), info: Int32 = 0
        var pivots = [Int32](repeating: 0, count: n)
        dgesv_(&order, &count, &matrix, &leading, &pivots, &columns, &leadingB, &info)
        guard info == 0 else { return nil }
        return (0..<(n * k)).map { columns[($0 % k) * n + $0 / k] }
    }
}
