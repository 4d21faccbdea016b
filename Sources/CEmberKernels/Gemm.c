// Float32 GEMM with AVX-512 (EmberGemm.h). The loops follow BLIS: a block of B (KC rows × NC columns) is packed
// into 32-column panels that stay in L2; 14 rows of A (KC columns, 14 KiB) stay in L1 while every panel of the
// block streams past them; the micro-kernel keeps a 14 × 32 tile of C in 28 registers over the KC products and
// touches C once per block. A is read in place, its elements broadcast from either orientation: packing it cost
// more than it saved (measured), most where B is narrow, as in the late layers of a convolutional net.
#include "EmberGemm.h"
#include "CPUFeatures.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MR 14
#define NR 32
#define KC 256
#define NC 512

#if defined(__x86_64__)
int ember_gemm_f32_available(void) { return ember_has_avx512(); }

/// The calling thread's packing buffer for a block of B, allocated on first use, 64-byte
/// aligned, and freed when the thread ends.
static pthread_key_t buffer_key;
static pthread_once_t buffer_once = PTHREAD_ONCE_INIT;
static void make_buffer_key(void) { pthread_key_create(&buffer_key, free); }

static float *packing_buffer(void) {
    pthread_once(&buffer_once, make_buffer_key);
    float *buffer = pthread_getspecific(buffer_key);
    if (!buffer) {
        buffer = aligned_alloc(64, sizeof(float) * KC * NC);
        if (!buffer) abort();
        pthread_setspecific(buffer_key, buffer);
    }
    return buffer;
}

/// Packs B[kc × nc] into 32-column panels, each kc rows of 32 floats, the last one zero-padded.
static void pack_b(const float *b, size_t rowStride, size_t columnStride, size_t kc, size_t nc, float *packed) {
    for (size_t j0 = 0; j0 < nc; j0 += NR) {
        size_t width = nc - j0 < NR ? nc - j0 : NR;
        float *panel = packed + j0 * kc;
        if (columnStride == 1) {
            for (size_t p = 0; p < kc; p++) {
                memcpy(panel + p * NR, b + p * rowStride + j0, width * sizeof(float));
                memset(panel + p * NR + width, 0, (NR - width) * sizeof(float));
            }
        } else {
            // Row by row of the panel, gathering from `width` columns read in step (each a stream of its own).
            for (size_t p = 0; p < kc; p++) {
                const float *row = b + p * rowStride + j0 * columnStride;
                for (size_t j = 0; j < width; j++) panel[p * NR + j] = row[j * columnStride];
                for (size_t j = width; j < NR; j++) panel[p * NR + j] = 0;
            }
        }
    }
}

/// C[rows × 32] (columns beyond `width` masked off) = or += A's rows times the panel, element (r, p) of A at
/// a[r·rowStep + p·depthStep]. `rows` is a constant where this is inlined, so the accumulators stay in registers.
EMBER_AVX512 static inline __attribute__((always_inline)) void
micro_kernel(const size_t rows, size_t kc, const float *a, size_t rowStep, size_t depthStep, const float *panel,
             float *c, size_t ldc, __mmask16 low, __mmask16 high, int accumulate) {
    __m512 left[MR], right[MR];
#pragma unroll
    for (size_t r = 0; r < rows; r++) left[r] = right[r] = _mm512_setzero_ps();
    for (size_t p = 0; p < kc; p++) {
        __m512 b0 = _mm512_load_ps(panel + p * NR), b1 = _mm512_load_ps(panel + p * NR + 16);
#pragma unroll
        for (size_t r = 0; r < rows; r++) {
            __m512 x = _mm512_set1_ps(a[p * depthStep + r * rowStep]);
            left[r] = _mm512_fmadd_ps(x, b0, left[r]);
            right[r] = _mm512_fmadd_ps(x, b1, right[r]);
        }
    }
#pragma unroll
    for (size_t r = 0; r < rows; r++) {
        float *row = c + r * ldc;
        if (accumulate) {
            left[r] = _mm512_add_ps(left[r], _mm512_maskz_loadu_ps(low, row));
            right[r] = _mm512_add_ps(right[r], _mm512_maskz_loadu_ps(high, row + 16));
        }
        _mm512_mask_storeu_ps(row, low, left[r]);
        _mm512_mask_storeu_ps(row + 16, high, right[r]);
    }
}

/// Every panel of a packed block of B against `rows` rows of A (element (r, p) at a[r·rowStep + p·depthStep]).
EMBER_AVX512 static void rows_times_block(size_t rows, size_t kc, size_t nc, const float *a, size_t rowStep,
                                            size_t depthStep, const float *block, float *c, size_t ldc, int accumulate) {
    for (size_t j0 = 0; j0 < nc; j0 += NR) {
        size_t width = nc - j0 < NR ? nc - j0 : NR;
        __mmask16 low = width >= 16 ? 0xFFFF : (__mmask16)((1u << width) - 1);
        __mmask16 high = width <= 16 ? 0 : width >= 32 ? 0xFFFF : (__mmask16)((1u << (width - 16)) - 1);
        const float *panel = block + j0 * kc;
        float *tile = c + j0;
        switch (rows) {
#define ROWS(R) case R: micro_kernel(R, kc, a, rowStep, depthStep, panel, tile, ldc, low, high, accumulate); break;
        ROWS(14) ROWS(13) ROWS(12) ROWS(11) ROWS(10) ROWS(9) ROWS(8)
        ROWS(7) ROWS(6) ROWS(5) ROWS(4) ROWS(3) ROWS(2) ROWS(1)
#undef ROWS
        default: break;
        }
    }
}

void ember_gemm_f32(size_t m, size_t n, size_t k, const float *a, size_t aRowStride, size_t aColumnStride,
                    const float *b, size_t bRowStride, size_t bColumnStride, float *c, size_t ldc, int accumulate) {
    float *block = packing_buffer();
    for (size_t j0 = 0; j0 < n; j0 += NC) {
        size_t nc = n - j0 < NC ? n - j0 : NC;
        for (size_t p0 = 0; p0 < k; p0 += KC) {
            size_t kc = k - p0 < KC ? k - p0 : KC;
            pack_b(b + p0 * bRowStride + j0 * bColumnStride, bRowStride, bColumnStride, kc, nc, block);
            int add = accumulate || p0 > 0;
            for (size_t i0 = 0; i0 < m; i0 += MR) {
                size_t rows = m - i0 < MR ? m - i0 : MR;
                rows_times_block(rows, kc, nc, a + i0 * aRowStride + p0 * aColumnStride, aRowStride, aColumnStride,
                                 block, c + i0 * ldc + j0, ldc, add);
            }
        }
    }
}

#else

int ember_gemm_f32_available(void) { return 0; }

void ember_gemm_f32(size_t m, size_t n, size_t k, const float *a, size_t aRowStride, size_t aColumnStride,
                    const float *b, size_t bRowStride, size_t bColumnStride, float *c, size_t ldc, int accumulate) {
    abort();
}

#endif
