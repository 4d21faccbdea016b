// Vectorised logistic sigmoid and tanh for float32, the nonlinearities of the fused recurrent cells, and the LSTM
// cell's gate gradients.
#include "EmberKernels.h"
#include "CPUFeatures.h"
#include <math.h>

#if defined(__x86_64__)
/// e^x for 8 lanes (Cephes' expf: a degree-5 polynomial after reduction by ln 2, about 1 ulp). Arguments are
/// clamped to ±88.376: below it gives 0, above it infinity, as expf's underflow and overflow do.
EMBER_AVX2 static __m256 exp8(__m256 x) {
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-88.3762626647949f)), _mm256_set1_ps(88.3762626647949f));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    x = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    x = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), x);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(x, x), _mm256_add_ps(x, _mm256_set1_ps(1)));
    __m256i exponent = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(exponent));
}

/// NaN lanes of `x` carried into `y` (the clamps above would otherwise turn them into numbers).
EMBER_AVX2 static __m256 keep_nan(__m256 x, __m256 y) {
    return _mm256_blendv_ps(y, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
}

/// The logistic function from e^-|x|: 1 / (1 + e) for x >= 0, e / (1 + e) below, so it reaches 0 at -inf.
EMBER_AVX2 static __m256 sigmoid8(__m256 x) {
    const __m256 one = _mm256_set1_ps(1), signBit = _mm256_set1_ps(-0.0f);
    __m256 e = exp8(_mm256_or_ps(x, signBit));
    __m256 numerator = _mm256_blendv_ps(one, e, _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ));
    return keep_nan(x, _mm256_div_ps(numerator, _mm256_add_ps(one, e)));
}

/// tanh: Cephes' odd polynomial below 0.625 in magnitude, 1 - 2 / (e^2|x| + 1) with x's sign above.
EMBER_AVX2 static __m256 tanh8(__m256 x) {
    const __m256 one = _mm256_set1_ps(1), signBit = _mm256_set1_ps(-0.0f);
    __m256 magnitude = _mm256_andnot_ps(signBit, x);
    __m256 z = _mm256_mul_ps(x, x);
    __m256 p = _mm256_set1_ps(-5.70498872745e-3f);
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(2.06390887954e-2f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-5.37397155531e-2f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(1.33314422036e-1f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-3.33332819422e-1f));
    __m256 small = _mm256_or_ps(_mm256_fmadd_ps(_mm256_mul_ps(p, z), x, x), _mm256_and_ps(signBit, x));
    __m256 e = exp8(_mm256_add_ps(magnitude, magnitude));
    __m256 large = _mm256_sub_ps(one, _mm256_div_ps(_mm256_set1_ps(2), _mm256_add_ps(e, one)));
    large = _mm256_or_ps(large, _mm256_and_ps(signBit, x));
    __m256 isSmall = _mm256_cmp_ps(magnitude, _mm256_set1_ps(0.625f), _CMP_LT_OQ);
    return keep_nan(x, _mm256_blendv_ps(large, small, isSmall));
}

/// out = f(x) for n floats, eight at a time; the tail goes through a zero-padded vector. Inlined into each caller
/// below, so `f` is a known function there.
EMBER_AVX2 static inline __attribute__((always_inline)) void map_avx2(__m256 (*f)(__m256), const float *x, float *out, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, f(_mm256_loadu_ps(x + i)));
    if (i < n) {
        float in[8] = {0}, result[8];
        for (size_t k = 0; k < n - i; k++) in[k] = x[i + k];
        _mm256_storeu_ps(result, f(_mm256_loadu_ps(in)));
        for (size_t k = 0; k < n - i; k++) out[i + k] = result[k];
    }
}

EMBER_AVX2 static void sigmoid_avx2(const float *x, float *out, size_t n) { map_avx2(sigmoid8, x, out, n); }
EMBER_AVX2 static void tanh_avx2(const float *x, float *out, size_t n) { map_avx2(tanh8, x, out, n); }
#endif

void ember_sigmoid_f32(const float *x, float *out, size_t n) {
#if defined(__x86_64__)
    if (ember_has_avx2()) { sigmoid_avx2(x, out, n); return; }
#endif
    for (size_t i = 0; i < n; i++) out[i] = 1 / (1 + expf(-x[i]));
}

void ember_tanh_f32(const float *x, float *out, size_t n) {
#if defined(__x86_64__)
    if (ember_has_avx2()) { tanh_avx2(x, out, n); return; }
#endif
    for (size_t i = 0; i < n; i++) out[i] = tanhf(x[i]);
}

/// LSTM's gate gradients for one row, in PyTorch's order of operations and without fused multiply-adds, so every
/// version gives the bits the float64 path's arithmetic would in float32. The pointers do not overlap.
EMBER_INLINE void lstm_gate_gradients(const float *restrict gates, const float *restrict cPrevious,
                                      const float *restrict dh, float *restrict dc, float *restrict dGates, size_t n) {
#pragma clang fp contract(off)
    const float *i = gates, *f = gates + n, *g = gates + 2 * n, *o = gates + 3 * n;
    for (size_t j = 0; j < n; j++) {
        float t = dGates[3 * n + j];
        float dcTotal = dc[j] + dh[j] * o[j] * (1 - t * t);
        dGates[3 * n + j] = dh[j] * t * o[j] * (1 - o[j]);
        dGates[j] = dcTotal * g[j] * i[j] * (1 - i[j]);
        dGates[n + j] = dcTotal * cPrevious[j] * f[j] * (1 - f[j]);
        dGates[2 * n + j] = dcTotal * i[j] * (1 - g[j] * g[j]);
        dc[j] = dcTotal * f[j];
    }
}

EMBER_EXPORT_AVX2(ember_lstm_gate_gradients_f32, lstm_gate_gradients,
                  (const float *gates, const float *cPrevious, const float *dh, float *dc, float *dGates, size_t n),
                  (gates, cPrevious, dh, dc, dGates, n))
