// The one bridge to BLAS: OpenBLAS's CBLAS on Linux (Accelerate would slot in here on macOS), and Ember's own
// float32 GEMM on CPUs with AVX-512.
import CBLAS
import CEmberKernels

/// A matrix operand for GEMM: a pointer and its row/column strides (one of them must be 1, or it is copied).
struct MatrixOperand<T> {
    let pointer: UnsafePointer<T>
    let rowStride: Int
    let columnStride: Int
}

extension MatrixOperand {
    /// The row-major matrix at `pointer` whose rows lie `leadingDimension` elements apart (columns contiguous), or
    /// its transpose when `transposed`.
    init(_ pointer: UnsafeMutablePointer<T>, leadingDimension: Int, transposed: Bool = false) {
        self.init(pointer: UnsafePointer(pointer), rowStride: transposed ? 1 : leadingDimension,
                  columnStride: transposed ? leadingDimension : 1)
    }
}

/// OpenBLAS runs single-threaded inside Ember: Ember's own pool splits large products, so BLAS threads
/// never compete with the pool's workers (two spinning pools on the same cores cost more than they save).
private let blasConfigured: Bool = {
    openblas_set_num_threads(1)
    return true
}()

/// Work (m·n·k) below which one thread computes the whole product.
let parallelGemmWork = 1 << 18

/// C[m×n] = A[m×k] · B[k×n] (+ C when `accumulate`), C contiguous row-major with leading dimension n.
/// Large products are split into row or column blocks across Ember's threads.
func gemm<T: FloatScalar>(_ a: MatrixOperand<T>, _ b: MatrixOperand<T>, _ c: UnsafeMutablePointer<T>,
                          m: Int, n: Int, k: Int, accumulate: Bool = false) {
    _ = blasConfigured
    if m == 0 || n == 0 { return }
    if k == 0 {
        if !accumulate { c.update(repeating: 0, count: m * n) }
        return
    }
    let threads = Swift.min(cpuThreadCount, Swift.max(1, m * n * k / parallelGemmWork))
    if threads <= 1 || (m < 2 * threads && n < 2 * threads) {
        gemmBlock(a, b, c, m: m, n: n, k: k, ldc: n, accumulate: accumulate)
        return
    }
    if m >= n {
        let rows = (m + threads - 1) / threads
        parallelFor(threads, grain: 1) { range in
            for t in range where t * rows < m {
                let r0 = t * rows, count = Swift.min(rows, m - r0)
                let block = MatrixOperand(pointer: a.pointer + r0 * a.rowStride, rowStride: a.rowStride, columnStride: a.columnStride)
                gemmBlock(block, b, c + r0 * n, m: count, n: n, k: k, ldc: n, accumulate: accumulate)
            }
        }
    } else {
        let cols = (n + threads - 1) / threads
        parallelFor(threads, grain: 1) { range in
            for t in range where t * cols < n {
                let c0 = t * cols, count = Swift.min(cols, n - c0)
                let block = MatrixOperand(pointer: b.pointer + c0 * b.columnStride, rowStride: b.rowStride, columnStride: b.columnStride)
                gemmBlock(a, block, c + c0, m: m, n: count, k: k, ldc: n, accumulate: accumulate)
            }
        }
    }
}

/// Whether float32 products run Ember's own AVX-512 GEMM rather than BLAS's: OpenBLAS's kernels depend on how it
/// was built and on `OPENBLAS_CORETYPE`, and its AVX2 ones run at about half the speed on AVX-512 CPUs.
private let ownFloatGemm = ember_gemm_f32_available() != 0

/// One single-threaded product; C has leading dimension `ldc`.
private func gemmBlock<T: FloatScalar>(_ a: MatrixOperand<T>, _ b: MatrixOperand<T>, _ c: UnsafeMutablePointer<T>,
                                       m: Int, n: Int, k: Int, ldc: Int, accumulate: Bool) {
    if T.self == Float.self && ownFloatGemm {
        ember_gemm_f32(m, n, k, UnsafeRawPointer(a.pointer).assumingMemoryBound(to: Float.self), a.rowStride, a.columnStride,
                       UnsafeRawPointer(b.pointer).assumingMemoryBound(to: Float.self), b.rowStride, b.columnStride,
                       UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), ldc, accumulate ? 1 : 0)
        return
    }
    // CBLAS row-major: an operand with unit column stride is "no transpose" with lda = row stride;
    // one with unit row stride is "transpose" with lda = column stride.
    func layout(_ op: MatrixOperand<T>, rows: Int, cols: Int) -> (CBLAS_TRANSPOSE, Int32)? {
        Layout.blasOrientation(rowStride: op.rowStride, columnStride: op.columnStride, rows: rows, columns: cols)
            .map { ($0.transposed ? CblasTrans : CblasNoTrans, Int32($0.leading)) }
    }
    guard let (ta, lda) = layout(a, rows: m, cols: k), let (tb, ldb) = layout(b, rows: k, cols: n) else {
        preconditionFailure("gemm: operands must have a unit stride")
    }
    let beta: T = accumulate ? 1 : 0
    if T.self == Float.self {
        cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), 1,
                    UnsafeRawPointer(a.pointer).assumingMemoryBound(to: Float.self), lda,
                    UnsafeRawPointer(b.pointer).assumingMemoryBound(to: Float.self), ldb, Float(beta),
                    UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), Int32(ldc))
    } else {
        cblas_dgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), 1,
                    UnsafeRawPointer(a.pointer).assumingMemoryBound(to: Double.self), lda,
                    UnsafeRawPointer(b.pointer).assumingMemoryBound(to: Double.self), ldb, Double(beta),
                    UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), Int32(ldc))
    }
}

/// A plain triple loop for integer matrices (BLAS has none).
func integerGemm<T: ArithmeticScalar>(_ a: MatrixOperand<T>, _ b: MatrixOperand<T>, _ c: UnsafeMutablePointer<T>,
                                       m: Int, n: Int, k: Int) {
    for i in 0..<m {
        for j in 0..<n {
            var s = T.zero
            for p in 0..<k {
                s = T.add(s, T.multiply(a.pointer[i * a.rowStride + p * a.columnStride],
                                        b.pointer[p * b.rowStride + j * b.columnStride]))
            }
            c[i * n + j] = s
        }
    }
}

/// The number of threads OpenBLAS itself uses (kept at 1 by Ember; the benchmark raises it to time
/// OpenBLAS's own threading).
public func setOpenBLASThreads(_ count: Int) { openblas_set_num_threads(Int32(count)) }

/// The BLAS library behind matrix products and how it is threaded, for `ember info`.
public var blasDescription: String {
    _ = blasConfigured
    let config = String(cString: openblas_get_config())
    return "\(config); \(openblas_get_num_threads()) thread per call, products split across Ember's \(cpuThreadCount) threads"
}

/// One GEMM per batch entry: BLAS for floats, a plain loop for integers.
struct BatchedProduct: FloatTypeVisitor, ArithmeticTypeVisitor {
    let x: KernelOperand, y: KernelOperand, out: KernelOperand

    func visit<T: FloatScalar>(_ type: T.Type) {
        let (batch, m, k, n) = (x.shape[0], x.shape[1], x.shape[2], y.shape[2])
        for i in 0..<batch {
            gemm(x.gemmOperand(T.self, batch: i), y.gemmOperand(T.self, batch: i), out.pointer(as: T.self) + i * m * n,
                 m: m, n: n, k: k)
        }
    }

    func visit<T: ArithmeticScalar>(_ type: T.Type) {
        let (batch, m, k, n) = (x.shape[0], x.shape[1], x.shape[2], y.shape[2])
        for i in 0..<batch {
            integerGemm(x.gemmOperand(T.self, batch: i), y.gemmOperand(T.self, batch: i), out.pointer(as: T.self) + i * m * n,
                        m: m, n: n, k: k)
        }
    }
}

extension KernelOperand {
    /// The matrix at `batch` entries from the first as a GEMM operand.
    func gemmOperand<T>(_: T.Type, batch: Int) -> MatrixOperand<T> {
        let (r, c) = layout.matrixStrides
        return MatrixOperand(pointer: UnsafePointer(pointer(as: T.self) + strides[0] * batch), rowStride: r, columnStride: c)
    }
}
