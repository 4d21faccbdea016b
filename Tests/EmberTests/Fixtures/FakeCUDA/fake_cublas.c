// A stand-in for cuBLAS (libcublas.so.13) on host memory, so the tests check how Ember calls it: a reference
// column-major GEMM (sums in double) that refuses what the real library refuses (a leading dimension shorter than
// the stored matrix, mixed types, a compute type that does not fit the data type) with CUBLAS_STATUS_INVALID_VALUE.
#include <stddef.h>
#include <stdlib.h>

enum { SUCCESS = 0, NOT_INITIALIZED = 1, ALLOC_FAILED = 3, INVALID_VALUE = 7, OP_N = 0, R_32F = 0, R_64F = 1, COMPUTE_32F = 68,
       COMPUTE_64F = 70, COMPUTE_32F_FAST_TF32 = 77 };

// A handle: a check word and the stream its work goes to.
struct handle { int magic; void *stream; };
enum { MAGIC = 0x0cb1a5 };
static int last_compute = -1, calls = 0;
static void *last_stream = 0;

int cublasCreate_v2(struct handle **handle) {
    *handle = calloc(1, sizeof **handle);
    if (!*handle) return ALLOC_FAILED;
    (*handle)->magic = MAGIC;
    return SUCCESS;
}

int cublasSetStream_v2(struct handle *handle, void *stream) {
    if (!handle || handle->magic != MAGIC) return NOT_INITIALIZED;
    handle->stream = stream;
    return SUCCESS;
}

const char *cublasGetStatusString(int status) { return status == INVALID_VALUE ? "an invalid value was used as an argument" : "unknown"; }

// The compute type and stream of the last product and how many there were, for the tests.
int fake_cublas_last_compute(void) { return last_compute; }
void *fake_cublas_last_stream(void) { return last_stream; }
int fake_cublas_calls(void) { return calls; }

static double element(const void *matrix, int type, long long at) {
    return type == R_32F ? (double)((const float *)matrix)[at] : ((const double *)matrix)[at];
}

int cublasGemmStridedBatchedEx(struct handle *handle, int transa, int transb, int m, int n, int k, const void *alpha, const void *A,
                               int atype, int lda, long long strideA, const void *B, int btype, int ldb, long long strideB,
                               const void *beta, void *C, int ctype, int ldc, long long strideC, int batchCount, int compute, int algo) {
    (void)algo;
    if (!handle || handle->magic != MAGIC) return NOT_INITIALIZED;
    if (m < 0 || n < 0 || k < 0 || batchCount < 0) return INVALID_VALUE;
    if (atype != btype || btype != ctype || (atype != R_32F && atype != R_64F)) return INVALID_VALUE;
    if (atype == R_32F ? (compute != COMPUTE_32F && compute != COMPUTE_32F_FAST_TF32) : compute != COMPUTE_64F) return INVALID_VALUE;
    int rowsA = transa == OP_N ? m : k, rowsB = transb == OP_N ? k : n;
    if (lda < (rowsA > 1 ? rowsA : 1) || ldb < (rowsB > 1 ? rowsB : 1) || ldc < (m > 1 ? m : 1)) return INVALID_VALUE;
    last_compute = compute;
    last_stream = handle->stream;
    calls += 1;
    double a = element(alpha, ctype, 0), b = element(beta, ctype, 0);
    for (int batch = 0; batch < batchCount; ++batch) {
        for (int i = 0; i < m; ++i) {
            for (int j = 0; j < n; ++j) {
                double sum = 0;
                for (int l = 0; l < k; ++l) {
                    long long ai = transa == OP_N ? i + (long long)l * lda : l + (long long)i * lda;
                    long long bi = transb == OP_N ? l + (long long)j * ldb : j + (long long)l * ldb;
                    sum += element(A, atype, batch * strideA + ai) * element(B, btype, batch * strideB + bi);
                }
                long long ci = batch * strideC + i + (long long)j * ldc;
                double value = a * sum + (b != 0 ? b * element(C, ctype, ci) : 0);
                if (ctype == R_32F) ((float *)C)[ci] = (float)value; else ((double *)C)[ci] = value;
            }
        }
    }
    return SUCCESS;
}
