// Max pooling over one plane (see EmberPooling.h). Float32 with AVX2 takes eight windows at once with
// gathers and blends; other cases run one window at a time.
#include "EmberPooling.h"
#include "CPUFeatures.h"

/// Windows [oxBegin, outW) of output row oy, one at a time.
#define EMBER_MAX_POOL_WINDOWS(NAME, T)                                                                \
    static inline void NAME(const T *plane, T *y, int64_t *ix, const ember_pool_window *w, int64_t oy, \
                            int64_t oxBegin) {                                                         \
        const int64_t rowStep = w->dilationH * w->width;                                               \
        for (int64_t ox = oxBegin; ox < w->outW; ox++) {                                               \
            int64_t start = oy * w->strideH * w->width + ox * w->strideW, at = start;                  \
            T best = plane[start];                                                                     \
            for (int64_t ki = 0; ki < w->kernelH; ki++) {                                              \
                for (int64_t kj = 0; kj < w->kernelW; kj++) {                                          \
                    int64_t position = start + ki * rowStep + kj * w->dilationW;                       \
                    T v = plane[position];                                                             \
                    int take = (v > best) | (v != v);                                                  \
                    best = take ? v : best;                                                            \
                    at = take ? position : at;                                                         \
                }                                                                                      \
            }                                                                                          \
            y[ox] = best;                                                                              \
            if (ix) ix[ox] = at;                                                                       \
        }                                                                                              \
    }

EMBER_MAX_POOL_WINDOWS(max_pool_windows_f32, float)
EMBER_MAX_POOL_WINDOWS(max_pool_windows_f64, double)

#if defined(__x86_64__)
/// Eight windows of one output row at a time; lanes past the row's end are masked off.
EMBER_AVX2 static void max_pool_plane_avx2(const float *plane, float *y, int64_t *ix, const ember_pool_window *window) {
    // A local copy: the compiler cannot know that stores to `ix` leave the window unchanged.
    const ember_pool_window local = *window, *w = &local;
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i laneStep = _mm256_mullo_epi32(lanes, _mm256_set1_epi32((int)w->strideW));
    for (int64_t oy = 0; oy < w->outH; oy++) {
        float *yRow = y + oy * w->outW;
        int64_t *ixRow = ix ? ix + oy * w->outW : 0;
        for (int64_t ox = 0; ox < w->outW; ox += 8) {
            const __m256 valid = _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32((int)(w->outW - ox)), lanes));
            const __m256i start = _mm256_add_epi32(
                _mm256_set1_epi32((int)(oy * w->strideH * w->width + ox * w->strideW)), laneStep);
            __m256 best = _mm256_mask_i32gather_ps(_mm256_setzero_ps(), plane, start, valid, 4);
            __m256i at = start;
            for (int64_t ki = 0; ki < w->kernelH; ki++) {
                for (int64_t kj = 0; kj < w->kernelW; kj++) {
                    if (ki == 0 && kj == 0) continue;
                    const __m256i position = _mm256_add_epi32(
                        start, _mm256_set1_epi32((int)(ki * w->dilationH * w->width + kj * w->dilationW)));
                    const __m256 v = _mm256_mask_i32gather_ps(_mm256_setzero_ps(), plane, position, valid, 4);
                    const __m256 take = _mm256_or_ps(_mm256_cmp_ps(v, best, _CMP_GT_OQ), _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
                    best = _mm256_blendv_ps(best, v, take);
                    at = _mm256_castps_si256(
                        _mm256_blendv_ps(_mm256_castsi256_ps(at), _mm256_castsi256_ps(position), take));
                }
            }
            const __m256i low = _mm256_cvtepi32_epi64(_mm256_castsi256_si128(at));
            const __m256i high = _mm256_cvtepi32_epi64(_mm256_extracti128_si256(at, 1));
            if (ox + 8 <= w->outW) {
                _mm256_storeu_ps(yRow + ox, best);
                if (!ixRow) continue;
                _mm256_storeu_si256((__m256i *)(ixRow + ox), low);
                _mm256_storeu_si256((__m256i *)(ixRow + ox + 4), high);
            } else {
                const __m256i mask = _mm256_castps_si256(valid);
                _mm256_maskstore_ps(yRow + ox, mask, best);
                if (!ixRow) continue;
                _mm256_maskstore_epi64((long long *)(ixRow + ox), _mm256_cvtepi32_epi64(_mm256_castsi256_si128(mask)), low);
                _mm256_maskstore_epi64((long long *)(ixRow + ox + 4),
                                       _mm256_cvtepi32_epi64(_mm256_extracti128_si256(mask, 1)), high);
            }
        }
    }
}
#endif

void ember_max_pool_plane_f32(const float *plane, float *y, int64_t *ix, const ember_pool_window *w) {
#if defined(__x86_64__)
    // Gathers take 32-bit offsets.
    if (w->width * ((w->outH - 1) * w->strideH + (w->kernelH - 1) * w->dilationH + 1) < INT32_MAX && ember_has_avx2()) {
        max_pool_plane_avx2(plane, y, ix, w);
        return;
    }
#endif
    for (int64_t oy = 0; oy < w->outH; oy++) max_pool_windows_f32(plane, y + oy * w->outW, ix ? ix + oy * w->outW : 0, w, oy, 0);
}

void ember_max_pool_plane_f64(const double *plane, double *y, int64_t *ix, const ember_pool_window *w) {
    for (int64_t oy = 0; oy < w->outH; oy++) max_pool_windows_f64(plane, y + oy * w->outW, ix ? ix + oy * w->outW : 0, w, oy, 0);
}
