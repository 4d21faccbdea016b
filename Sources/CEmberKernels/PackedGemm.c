// Products against a packed right-hand matrix (EmberPackedGemm.h): tiles of 6 rows × one 16-column panel, twelve
// AVX2 accumulators over the whole k, as BLAS kernels for AVX2 block them; a scalar loop without AVX2.
#include "EmberPackedGemm.h"
#include "CPUFeatures.h"

#define PANEL 16
#define TILE_ROWS 6

size_t ember_packed_gemm_size_f32(size_t k, size_t n) { return k * ((n + PANEL - 1) / PANEL) * PANEL; }

void ember_packed_gemm_pack_f32(const float *b, size_t rowStride, size_t columnStride, size_t k, size_t n, float *packed) {
    for (size_t c0 = 0; c0 < n; c0 += PANEL) {
        size_t width = n - c0 < PANEL ? n - c0 : PANEL;
        float *panel = packed + (c0 / PANEL) * k * PANEL;
        // Read along the unit stride: along rows of a row-major matrix, along columns of a transposed one.
        if (columnStride == 1) {
            for (size_t r = 0; r < k; r++) {
                for (size_t j = 0; j < width; j++) panel[r * PANEL + j] = b[r * rowStride + c0 + j];
            }
        } else {
            for (size_t j = 0; j < width; j++) {
                for (size_t r = 0; r < k; r++) panel[r * PANEL + j] = b[r * rowStride + (c0 + j) * columnStride];
            }
        }
        for (size_t r = 0; r < k; r++) {
            for (size_t j = width; j < PANEL; j++) panel[r * PANEL + j] = 0;
        }
    }
}

/// Writes a tile's sums (`sums[r]` holds row r's 16) to the first `width` columns of C, adding C when `accumulate`.
static inline void store_tile(const float *sums, size_t rows, size_t width, float *c, size_t ldc, int accumulate) {
    for (size_t r = 0; r < rows; r++) {
        for (size_t j = 0; j < width; j++) c[r * ldc + j] = accumulate ? c[r * ldc + j] + sums[r * PANEL + j] : sums[r * PANEL + j];
    }
}

#if defined(__x86_64__)
/// One tile of `rows` (a constant where it is inlined, so the accumulators stay in registers) by one panel.
EMBER_AVX2 static inline __attribute__((always_inline)) void tile_avx2(const size_t rows, size_t k, const float *a, size_t lda,
                                                                       const float *panel, float *c, size_t ldc, size_t width,
                                                                       int accumulate) {
    __m256 low[TILE_ROWS], high[TILE_ROWS];
    for (size_t r = 0; r < rows; r++) low[r] = high[r] = _mm256_setzero_ps();
    for (size_t p = 0; p < k; p++) {
        __m256 b0 = _mm256_loadu_ps(panel + p * PANEL), b1 = _mm256_loadu_ps(panel + p * PANEL + 8);
        for (size_t r = 0; r < rows; r++) {
            __m256 x = _mm256_broadcast_ss(a + r * lda + p);
            low[r] = _mm256_fmadd_ps(x, b0, low[r]);
            high[r] = _mm256_fmadd_ps(x, b1, high[r]);
        }
    }
    if (width == PANEL) {
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
        float sums[TILE_ROWS * PANEL];
        for (size_t r = 0; r < rows; r++) {
            _mm256_storeu_ps(sums + r * PANEL, low[r]);
            _mm256_storeu_ps(sums + r * PANEL + 8, high[r]);
        }
        store_tile(sums, rows, width, c, ldc, accumulate);
    }
}

EMBER_AVX2 static void panels_avx2(const float *a, size_t lda, size_t m, size_t k, const float *packed, size_t n,
                                   size_t panelBegin, size_t panelEnd, float *c, size_t ldc, int accumulate) {
    for (size_t p = panelBegin; p < panelEnd; p++) {
        const float *panel = packed + p * k * PANEL;
        size_t c0 = p * PANEL, width = n - c0 < PANEL ? n - c0 : PANEL;
        size_t r0 = 0;
        for (; r0 + TILE_ROWS <= m; r0 += TILE_ROWS) {
            tile_avx2(TILE_ROWS, k, a + r0 * lda, lda, panel, c + r0 * ldc + c0, ldc, width, accumulate);
        }
        switch (m - r0) {
        case 5: tile_avx2(5, k, a + r0 * lda, lda, panel, c + r0 * ldc + c0, ldc, width, accumulate); break;
        case 4: tile_avx2(4, k, a + r0 * lda, lda, panel, c + r0 * ldc + c0, ldc, width, accumulate); break;
        case 3: tile_avx2(3, k, a + r0 * lda, lda, panel, c + r0 * ldc + c0, ldc, width, accumulate); break;
        case 2: tile_avx2(2, k, a + r0 * lda, lda, panel, c + r0 * ldc + c0, ldc, width, accumulate); break;
        case 1: tile_avx2(1, k, a + r0 * lda, lda, panel, c + r0 * ldc + c0, ldc, width, accumulate); break;
        default: break;
        }
    }
}

#endif

void ember_packed_gemm_f32(const float *a, size_t lda, size_t m, size_t k, const float *packed, size_t n,
                           size_t panelBegin, size_t panelEnd, float *c, size_t ldc, int accumulate) {
#if defined(__x86_64__)
    if (ember_has_avx2()) {
        panels_avx2(a, lda, m, k, packed, n, panelBegin, panelEnd, c, ldc, accumulate);
        return;
    }
#endif
    float sums[PANEL];
    for (size_t p = panelBegin; p < panelEnd; p++) {
        const float *panel = packed + p * k * PANEL;
        size_t c0 = p * PANEL, width = n - c0 < PANEL ? n - c0 : PANEL;
        for (size_t r = 0; r < m; r++) {
            for (size_t j = 0; j < PANEL; j++) sums[j] = 0;
            for (size_t q = 0; q < k; q++) {
                float x = a[r * lda + q];
                for (size_t j = 0; j < PANEL; j++) sums[j] += x * panel[q * PANEL + j];
            }
            store_tile(sums, 1, width, c + r * ldc + c0, ldc, accumulate);
        }
    }
}
