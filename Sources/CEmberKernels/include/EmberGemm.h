// Ember's own float32 GEMM for CPUs with AVX-512: blocked as BLIS and OpenBLAS block theirs, with a 14 × 32 register
// tile. Ember calls it where the CPU has AVX-512 and BLAS otherwise.
#ifndef EMBER_GEMM_H
#define EMBER_GEMM_H

#include <stddef.h>

/// Whether this CPU runs `ember_gemm_f32` (it has AVX-512F and the OS saves its registers).
int ember_gemm_f32_available(void);

/// C[m × n] = A[m × k] · B[k × n], plus C when `accumulate`: element (i, p) of A is a[i·aRowStride + p·aColumnStride],
/// (p, j) of B is b[p·bRowStride + j·bColumnStride], C is row-major with rows `ldc` floats apart. Single-threaded;
/// only where `ember_gemm_f32_available()`. Sums run over k in blocks of 256, in order.
void ember_gemm_f32(size_t m, size_t n, size_t k, const float *a, size_t aRowStride, size_t aColumnStride,
                    const float *b, size_t bRowStride, size_t bColumnStride, float *c, size_t ldc, int accumulate);

#endif
