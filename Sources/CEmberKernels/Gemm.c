// Float32 GEMM with AVX-512 (EmberGemm.h). The loops follow BLIS: a block of B (KC rows × NC columns) is packed
// into 32-column panels that stay in L2; 14 rows of A (KC columns, 14 KiB) stay in L1 while every panel of the
// block streams past them; the micro-kernel keeps a 14 × 32 tile of C in 28 registers over the KC products and
// touches C once per block. A is read in place, its elements broadcast from either orientation: packing it cost
// more than it saved (measured), most where B is narrow, as in the late layers of a convolutional net.
#include "EmberGemm.h"
#include "EmberPackedGemm.h"
#include "CPUFeatures.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MR 14
#define NR 32
#define KC 256
#define NC 512

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

/// C[rows × 32] (columns beyond `width` masked off) = or += A's rows times the panel, element (r, p) of A at
/// a[r·rowStep + p·depthStep]. `rows` is a constant where this is inlined, so the accumulators stay in registers.
EMBER_AVX512 static inline __attribute__((always_inline)) void
micro_kernel(const size_t rows, size_t kc, const float *a, size_t rowStep, size_t depthStep, const float *panel,
             float *c, size_t ldc, __mmask16 low, __mmask16 high, int accumulate) {
    __m512 left[MR], right[MR];
#pragma unroll
    for (size_t r = 0; r < rows; r++) left[r] = right[r] = _mm512_setzero_ps();
    for (size_t p = 0; p < kc; p++) {
        __m512 b0 = _mm512_loadu_ps(panel + p * NR), b1 = _mm512_loadu_ps(panel + p * NR + 16);
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

/// Columns [0, nc) of packed panels (`panelStride` floats apart, rows kc) against `rows` rows of A (element (r, p)
/// at a[r·rowStep + p·depthStep]).
EMBER_AVX512 static void rows_times_panels(size_t rows, size_t kc, size_t nc, const float *a, size_t rowStep,
                                           size_t depthStep, const float *panels, size_t panelStride, float *c,
                                           size_t ldc, int accumulate) {
    for (size_t j0 = 0; j0 < nc; j0 += NR) {
        size_t width = nc - j0 < NR ? nc - j0 : NR;
        __mmask16 low = width >= 16 ? 0xFFFF : (__mmask16)((1u << width) - 1);
        __mmask16 high = width <= 16 ? 0 : width >= 32 ? 0xFFFF : (__mmask16)((1u << (width - 16)) - 1);
        const float *panel = panels + (j0 / NR) * panelStride;
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
                rows_times_panels(rows, kc, nc, a + i0 * aRowStride + p0 * aColumnStride, aRowStride, aColumnStride,
                                  block, kc * NR, c + i0 * ldc + j0, ldc, add);
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

// Products against a matrix packed once (EmberPackedGemm.h): its 32-column panels hold all k rows, so the
// AVX-512 path runs the kernel above on them in blocks of KC rows, and the AVX2 path runs 6 × 16 tiles on each
// half of a panel.

size_t ember_packed_gemm_size_f32(size_t k, size_t n) { return k * ((n + NR - 1) / NR) * NR; }

void ember_packed_gemm_pack_f32(const float *b, size_t rowStride, size_t columnStride, size_t k, size_t n,
                                float *packed) {
    pack_b(b, rowStride, columnStride, k, n, packed);
}

/// Writes a tile's sums (`sums[r]` holds row r's 16) to the first `width` columns of C, adding C when `accumulate`.
static inline void store_tile(const float *sums, size_t rows, size_t width, float *c, size_t ldc, int accumulate) {
    for (size_t r = 0; r < rows; r++) {
        for (size_t j = 0; j < width; j++) c[r * ldc + j] = accumulate ? c[r * ldc + j] + sums[r * 16 + j] : sums[r * 16 + j];
    }
}

#if defined(__x86_64__)
EMBER_AVX512 static void packed_avx512(const float *a, size_t lda, size_t m, size_t k, const float *packed, size_t n,
                                       size_t panelBegin, size_t panelEnd, float *c, size_t ldc, int accumulate) {
    size_t c0 = panelBegin * NR, end = panelEnd * NR < n ? panelEnd * NR : n;
    for (size_t p0 = 0; p0 < k; p0 += KC) {
        size_t kc = k - p0 < KC ? k - p0 : KC;
        for (size_t i0 = 0; i0 < m; i0 += MR) {
            size_t rows = m - i0 < MR ? m - i0 : MR;
            rows_times_panels(rows, kc, end - c0, a + i0 * lda + p0, lda, 1, packed + c0 * k + p0 * NR, k * NR,
                              c + i0 * ldc + c0, ldc, accumulate || p0 > 0);
        }
    }
}

#define TILE_ROWS 6

/// `rows` (a constant where it is inlined, so the accumulators stay in registers) by 16 columns of a panel.
EMBER_AVX2 static inline __attribute__((always_inline)) void tile_avx2(const size_t rows, size_t k, const float *a, size_t lda,
                                                                       const float *half, float *c, size_t ldc, size_t width,
                                                                       int accumulate) {
    __m256 low[TILE_ROWS], high[TILE_ROWS];
    for (size_t r = 0; r < rows; r++) low[r] = high[r] = _mm256_setzero_ps();
    for (size_t p = 0; p < k; p++) {
        __m256 b0 = _mm256_loadu_ps(half + p * NR), b1 = _mm256_loadu_ps(half + p * NR + 8);
        for (size_t r = 0; r < rows; r++) {
            __m256 x = _mm256_broadcast_ss(a + r * lda + p);
            low[r] = _mm256_fmadd_ps(x, b0, low[r]);
            high[r] = _mm256_fmadd_ps(x, b1, high[r]);
        }
    }
    if (width == 16) {
        for (size_t r = 0; r < rows; r++) {
            float *row = c + r * ldc;
            __m256 l = low[r], h = high[r];
            if (accumulate) {
                l = _mm256_add_ps(_mm256_loadu_ps(row), l);
                h = _mm256_add_ps(_mm256_loadu_ps(row + 8), h);
            }
            _mm256_storeu_ps(row, l);
            _mm256_storeu_ps(row + 8, h);
        }
    } else {
        float sums[TILE_ROWS * 16];
        for (size_t r = 0; r < rows; r++) {
            _mm256_storeu_ps(sums + r * 16, low[r]);
            _mm256_storeu_ps(sums + r * 16 + 8, high[r]);
        }
        store_tile(sums, rows, width, c, ldc, accumulate);
    }
}

EMBER_AVX2 static void packed_avx2(const float *a, size_t lda, size_t m, size_t k, const float *packed, size_t n,
                                   size_t panelBegin, size_t panelEnd, float *c, size_t ldc, int accumulate) {
    for (size_t c0 = panelBegin * NR; c0 < panelEnd * NR && c0 < n; c0 += 16) {
        const float *half = packed + (c0 / NR) * k * NR + c0 % NR;
        size_t width = n - c0 < 16 ? n - c0 : 16;
        size_t r0 = 0;
        for (; r0 + TILE_ROWS <= m; r0 += TILE_ROWS) {
            tile_avx2(TILE_ROWS, k, a + r0 * lda, lda, half, c + r0 * ldc + c0, ldc, width, accumulate);
        }
        switch (m - r0) {
#define ROWS(R) case R: tile_avx2(R, k, a + r0 * lda, lda, half, c + r0 * ldc + c0, ldc, width, accumulate); break;
        ROWS(5) ROWS(4) ROWS(3) ROWS(2) ROWS(1)
#undef ROWS
        default: break;
        }
    }
}
#endif

void ember_packed_gemm_f32(const float *a, size_t lda, size_t m, size_t k, const float *packed, size_t n,
                           size_t panelBegin, size_t panelEnd, float *c, size_t ldc, int accumulate) {
#if defined(__x86_64__)
    if (ember_has_avx512()) return packed_avx512(a, lda, m, k, packed, n, panelBegin, panelEnd, c, ldc, accumulate);
    if (ember_has_avx2()) return packed_avx2(a, lda, m, k, packed, n, panelBegin, panelEnd, c, ldc, accumulate);
#endif
    float sums[16];
    for (size_t c0 = panelBegin * NR; c0 < panelEnd * NR && c0 < n; c0 += 16) {
        const float *half = packed + (c0 / NR) * k * NR + c0 % NR;
        size_t width = n - c0 < 16 ? n - c0 : 16;
        for (size_t r = 0; r < m; r++) {
            for (size_t j = 0; j < 16; j++) sums[j] = 0;
            for (size_t q = 0; q < k; q++) {
                float x = a[r * lda + q];
                for (size_t j = 0; j < 16; j++) sums[j] += x * half[q * NR + j];
            }
            store_tile(sums, 1, width, c + r * ldc + c0, ldc, accumulate);
        }
    }
}
