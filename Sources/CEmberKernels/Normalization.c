// Batch normalisation's per-channel passes (EmberNormalization.h): AVX2 loops where the CPU has them, portable
// loops otherwise, with the same blocking of sums.
#include "EmberNormalization.h"
#include "CPUFeatures.h"

#define BLOCK 4096

EMBER_INLINE void scale_shift(const float *x, float scale, float shift, float *out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = x[i] * scale + shift;
}

EMBER_INLINE void input_gradient(const float *g, const float *x, size_t n, float center, float gradMean, float k,
                                 float factor, float *dx) {
    for (size_t i = 0; i < n; i++) dx[i] = (g[i] - gradMean - (x[i] - center) * k) * factor;
}

#if defined(__x86_64__)
/// The sum of a vector's eight lanes, in double precision.
EMBER_AVX2 static double lanes_sum(__m256 v) {
    float lanes[8];
    _mm256_storeu_ps(lanes, v);
    double total = 0;
    for (int k = 0; k < 8; k++) total += lanes[k];
    return total;
}

EMBER_AVX2 static double centered_square_sum_avx2(const float *x, size_t n, float center) {
    double total = 0;
    __m256 c = _mm256_set1_ps(center);
    for (size_t start = 0; start < n; start += BLOCK) {
        size_t end = start + BLOCK < n ? start + BLOCK : n, i = start;
        __m256 s0 = _mm256_setzero_ps(), s1 = s0;
        for (; i + 16 <= end; i += 16) {
            __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(x + i), c), d1 = _mm256_sub_ps(_mm256_loadu_ps(x + i + 8), c);
            s0 = _mm256_fmadd_ps(d0, d0, s0);
            s1 = _mm256_fmadd_ps(d1, d1, s1);
        }
        float partial = 0;
        for (; i < end; i++) partial += (x[i] - center) * (x[i] - center);
        total += lanes_sum(_mm256_add_ps(s0, s1)) + partial;
    }
    return total;
}

EMBER_AVX2 static double centered_dot_avx2(const float *g, const float *x, size_t n, float center, double *gradSum) {
    double total = 0, gradTotal = 0;
    __m256 c = _mm256_set1_ps(center);
    for (size_t start = 0; start < n; start += BLOCK) {
        size_t end = start + BLOCK < n ? start + BLOCK : n, i = start;
        __m256 s0 = _mm256_setzero_ps(), s1 = s0, t0 = s0, t1 = s0;
        for (; i + 16 <= end; i += 16) {
            __m256 g0 = _mm256_loadu_ps(g + i), g1 = _mm256_loadu_ps(g + i + 8);
            s0 = _mm256_fmadd_ps(g0, _mm256_sub_ps(_mm256_loadu_ps(x + i), c), s0);
            s1 = _mm256_fmadd_ps(g1, _mm256_sub_ps(_mm256_loadu_ps(x + i + 8), c), s1);
            t0 = _mm256_add_ps(t0, g0);
            t1 = _mm256_add_ps(t1, g1);
        }
        float partial = 0, gradPartial = 0;
        for (; i < end; i++) {
            partial += g[i] * (x[i] - center);
            gradPartial += g[i];
        }
        total += lanes_sum(_mm256_add_ps(s0, s1)) + partial;
        gradTotal += lanes_sum(_mm256_add_ps(t0, t1)) + gradPartial;
    }
    *gradSum += gradTotal;
    return total;
}
#endif

double ember_centered_square_sum_f32(const float *x, size_t n, float center) {
#if defined(__x86_64__)
    if (ember_has_avx2()) return centered_square_sum_avx2(x, n, center);
#endif
    double total = 0;
    for (size_t start = 0; start < n; start += BLOCK) {
        size_t end = start + BLOCK < n ? start + BLOCK : n;
        float partial = 0;
        for (size_t i = start; i < end; i++) partial += (x[i] - center) * (x[i] - center);
        total += partial;
    }
    return total;
}

double ember_centered_dot_f32(const float *g, const float *x, size_t n, float center, double *gradSum) {
#if defined(__x86_64__)
    if (ember_has_avx2()) return centered_dot_avx2(g, x, n, center, gradSum);
#endif
    double total = 0, gradTotal = 0;
    for (size_t start = 0; start < n; start += BLOCK) {
        size_t end = start + BLOCK < n ? start + BLOCK : n;
        float partial = 0, gradPartial = 0;
        for (size_t i = start; i < end; i++) {
            partial += g[i] * (x[i] - center);
            gradPartial += g[i];
        }
        total += partial;
        gradTotal += gradPartial;
    }
    *gradSum += gradTotal;
    return total;
}

// The elementwise loops, vectorised for AVX2 by the compiler under the target attribute.
EMBER_EXPORT_AVX2(ember_scale_shift_f32, scale_shift, (const float *x, float scale, float shift, float *out, size_t n),
                  (x, scale, shift, out, n))

EMBER_EXPORT_AVX2(ember_batch_norm_input_gradient_f32, input_gradient,
                  (const float *g, const float *x, size_t n, float center, float gradMean, float k, float factor,
                   float *dx),
                  (g, x, n, center, gradMean, k, factor, dx))
