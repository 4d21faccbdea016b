// Matrix products against a right-hand matrix packed once and used many times: the recurrent weight of an RNN,
// LSTM or GRU layer, multiplied by the hidden state at every step. Packed, it is read in 32-column panels that
// stay in cache, where a BLAS call would pack it again at each step.
#ifndef EMBER_PACKED_GEMM_H
#define EMBER_PACKED_GEMM_H

#include <stddef.h>

/// Floats the packed form of a [k × n] matrix takes: k rows of each 32-column panel, the last panel zero-padded.
size_t ember_packed_gemm_size_f32(size_t k, size_t n);

/// Packs the [k × n] matrix whose element (r, c) is b[r·rowStride + c·columnStride] into `packed` (one of the strides
/// is 1: a row-major matrix, or the transpose of one).
void ember_packed_gemm_pack_f32(const float *b, size_t rowStride, size_t columnStride, size_t k, size_t n, float *packed);

/// Columns [panelBegin·32, min(panelEnd·32, n)) of C[m × n] = A[m × k] · B, plus C when `accumulate`: A row-major
/// with rows `lda` floats apart, B packed by `ember_packed_gemm_pack_f32`, C row-major with rows `ldc` floats apart.
/// Each sum is formed over k in order (in blocks of 256 where the CPU has AVX-512), the same for any panel range.
void ember_packed_gemm_f32(const float *a, size_t lda, size_t m, size_t k, const float *packed, size_t n,
                           size_t panelBegin, size_t panelEnd, float *c, size_t ldc, int accumulate);

#endif
