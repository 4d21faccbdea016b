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

    /// A⁻¹, or nil when A is singular, with `getrf`'s status (the 1-based index of a zero pivot). The inverse of
    /// the transpose is the transpose of the inverse, so the row-major result is A⁻¹ itself.
    static func inverse(_ a: [Double], n: Int) -> (inverse: [Double]?, info: Int) {
        var (lu, pivots, info) = luFactor(a, n: n)
        guard info == 0 else { return (nil, Int(info)) }
        guard n > 0 else { return ([], 0) }
        var order = Int32(n), leading = Int32(n), workSize = Int32(n * 64)
        var work = [Double](repeating: 0, count: n * 64)
        dgetri_(&order, &lu, &leading, &pivots, &work, &workSize, &info)
        return (info == 0 ? lu : nil, Int(info))
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

// Factorisations. LAPACK reads column-major matrices, so these transpose on the way in and out; each
// workspace size comes from LAPACK's own query (lwork = -1).
extension LAPACK {
    /// The column-major copy of a row-major rows×columns matrix.
    private static func columnMajor(_ a: [Double], rows: Int, columns: Int) -> [Double] {
        (0..<(rows * columns)).map { a[($0 % rows) * columns + $0 / rows] }
    }

    /// The row-major copy of a column-major rows×columns matrix (read with leading dimension `leading`).
    private static func rowMajor(_ a: [Double], rows: Int, columns: Int, leading: Int? = nil) -> [Double] {
        let leading = leading ?? rows
        return (0..<(rows * columns)).map { a[($0 % columns) * leading + $0 / columns] }
    }

    /// The leading rows×columns block of the identity, row-major.
    private static func identity(rows: Int, columns: Int) -> [Double] {
        (0..<(rows * columns)).map { $0 / columns == $0 % columns ? 1 : 0 }
    }

    /// The Cholesky factor of a symmetric positive-definite matrix from its lower (or upper) triangle: L with
    /// A = L·Lᵀ, or U with A = Uᵀ·U, and the order of the first leading minor that is not positive-definite (0 when
    /// none is).
    static func cholesky(_ a: [Double], n: Int, upper: Bool) -> (factor: [Double], failedMinor: Int) {
        guard n > 0 else { return ([], 0) }
        var matrix = columnMajor(a, rows: n, columns: n)
        var order = Int32(n), leading = Int32(n), info: Int32 = 0
        dpotrf_(upper ? "U" : "L", &order, &matrix, &leading, &info, 1)
        var factor = rowMajor(matrix, rows: n, columns: n)
        for i in 0..<n { for j in 0..<n where upper ? j < i : j > i { factor[i * n + j] = 0 } }
        return (factor, Int(info))
    }

    /// The QR factorisation of an m×n matrix by Householder reflections: Q m×q with q = n (reduced) or m
    /// (complete), both capped by the reflector count as LAPACK's `orgqr` allows, and R the leading q×n
    /// upper-triangular part.
    static func qr(_ a: [Double], m: Int, n: Int, complete: Bool) -> (q: [Double], r: [Double]) {
        let k = Swift.min(m, n), columnsOfQ = complete ? m : k
        guard m > 0 && n > 0 else {   // empty: Q is the identity's leading columns, R is all zeros
            return (identity(rows: m, columns: columnsOfQ), [Double](repeating: 0, count: columnsOfQ * n))
        }
        var rows = Int32(m), columns = Int32(n), leading = Int32(m), info: Int32 = 0
        var matrix = columnMajor(a, rows: m, columns: n)
        var tau = [Double](repeating: 0, count: k)
        var work = [Double](repeating: 0, count: 1), size: Int32 = -1
        dgeqrf_(&rows, &columns, &matrix, &leading, &tau, &work, &size, &info)
        work = [Double](repeating: 0, count: Swift.max(Int(work[0]), 1)); size = Int32(work.count)
        dgeqrf_(&rows, &columns, &matrix, &leading, &tau, &work, &size, &info)
        let r = (0..<(columnsOfQ * n)).map { index -> Double in
            let (i, j) = (index / n, index % n)
            return i <= j ? matrix[j * m + i] : 0
        }
        // Q: the reflectors sit below R's diagonal; orgqr turns the first `columnsOfQ` columns into Q.
        var q = [Double](repeating: 0, count: m * columnsOfQ)
        for j in 0..<Swift.min(n, columnsOfQ) { for i in 0..<m { q[j * m + i] = matrix[j * m + i] } }
        var qColumns = Int32(columnsOfQ), reflectors = Int32(k)
        work = [0]; size = -1
        dorgqr_(&rows, &qColumns, &reflectors, &q, &leading, &tau, &work, &size, &info)
        work = [Double](repeating: 0, count: Swift.max(Int(work[0]), 1)); size = Int32(work.count)
        dorgqr_(&rows, &qColumns, &reflectors, &q, &leading, &tau, &work, &size, &info)
        return (rowMajor(q, rows: m, columns: columnsOfQ), r)
    }

    /// The singular value decomposition A = U·diag(S)·Vᵀ of an m×n matrix by divide and conquer (`gesdd`, as
    /// PyTorch on the CPU): U m×m and Vᵀ n×n when `full`, else m×k and k×n (k = min(m, n)); nil when it does not
    /// converge. Without `vectors` only S is computed.
    static func svd(_ a: [Double], m: Int, n: Int, full: Bool, vectors: Bool = true)
        -> (u: [Double], s: [Double], vt: [Double])? {
        let k = Swift.min(m, n)
        let (uColumns, vtRows) = full ? (m, n) : (k, k)
        guard k > 0 else {   // empty: identity factors, no singular values
            return (identity(rows: m, columns: uColumns), [], identity(rows: vtRows, columns: n))
        }
        var matrix = columnMajor(a, rows: m, columns: n)
        var rows = Int32(m), columns = Int32(n), leading = Int32(m), info: Int32 = 0
        var s = [Double](repeating: 0, count: k)
        var u = [Double](repeating: 0, count: vectors ? m * uColumns : 1)
        var vt = [Double](repeating: 0, count: vectors ? vtRows * n : 1)
        var leadingU = Int32(m), leadingVt = Int32(vectors ? vtRows : 1)
        var iwork = [Int32](repeating: 0, count: 8 * k)
        let job = vectors ? (full ? "A" : "S") : "N"
        var work = [Double](repeating: 0, count: 1), size: Int32 = -1
        dgesdd_(job, &rows, &columns, &matrix, &leading, &s, &u, &leadingU, &vt, &leadingVt, &work, &size, &iwork, &info, 1)
        work = [Double](repeating: 0, count: Swift.max(Int(work[0]), 1)); size = Int32(work.count)
        dgesdd_(job, &rows, &columns, &matrix, &leading, &s, &u, &leadingU, &vt, &leadingVt, &work, &size, &iwork, &info, 1)
        guard info == 0 else { return nil }
        guard vectors else { return ([], s, []) }
        return (rowMajor(u, rows: m, columns: uColumns), s, rowMajor(vt, rows: vtRows, columns: n))
    }

    /// The eigenvalues (ascending) and orthonormal eigenvectors (as columns) of a symmetric matrix, read from
    /// its lower or upper triangle (`syevd`, as PyTorch); nil when it does not converge.
    static func symmetricEigen(_ a: [Double], n: Int, upper: Bool, vectors: Bool = true) -> (values: [Double], vectors: [Double])? {
        guard n > 0 else { return ([], []) }
        var matrix = columnMajor(a, rows: n, columns: n)
        var order = Int32(n), leading = Int32(n), info: Int32 = 0
        var values = [Double](repeating: 0, count: n)
        var work = [Double](repeating: 0, count: 1), size: Int32 = -1
        var iwork = [Int32](repeating: 0, count: 1), iworkSize: Int32 = -1
        let job = vectors ? "V" : "N", triangle = upper ? "U" : "L"
        dsyevd_(job, triangle, &order, &matrix, &leading, &values, &work, &size, &iwork, &iworkSize, &info, 1, 1)
        work = [Double](repeating: 0, count: Swift.max(Int(work[0]), 1)); size = Int32(work.count)
        iwork = [Int32](repeating: 0, count: Swift.max(Int(iwork[0]), 1)); iworkSize = Int32(iwork.count)
        dsyevd_(job, triangle, &order, &matrix, &leading, &values, &work, &size, &iwork, &iworkSize, &info, 1, 1)
        guard info == 0 else { return nil }
        return (values, vectors ? rowMajor(matrix, rows: n, columns: n) : [])
    }

    /// X with op(A)·X = B (`left`) or X·op(A) = B for a triangular A (n×n) and B (rows×columns), op(A) = A or Aᵀ.
    static func solveTriangular(_ a: [Double], _ b: [Double], n: Int, rows: Int, columns: Int, upper: Bool, left: Bool,
                                transposed: Bool = false, unitDiagonal: Bool) -> [Double] {
        var x = b
        guard rows > 0 && columns > 0 else { return x }
        cblas_dtrsm(CblasRowMajor, left ? CblasLeft : CblasRight, upper ? CblasUpper : CblasLower,
                    transposed ? CblasTrans : CblasNoTrans, unitDiagonal ? CblasUnit : CblasNonUnit,
                    Int32(rows), Int32(columns), 1, a, Int32(Swift.max(n, 1)), &x, Int32(columns))
        return x
    }
}
