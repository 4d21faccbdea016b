// Hand-vectorised float32 loops: an AVX2 body where the CPU has it, a portable loop otherwise.
#include "EmberKernels.h"
#include "CPUFeatures.h"
#include <math.h>

/// The widest instruction set the kernels may use (2: AVX-512, 1: AVX2, 0: portable loops); tests lower it.
static int capability_limit = 2;

void ember_limit_cpu_capability(int level) { capability_limit = level; }

#if defined(__x86_64__)
/// The widest instruction set this CPU has (1: AVX2 with FMA, 2: those and AVX-512F, 0: neither), checked once; the
/// compiler's checks include the OS saving the wider registers.
static int cpu_level(void) {
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        cached = avx2 ? (__builtin_cpu_supports("avx512f") ? 2 : 1) : 0;
    }
    return cached < capability_limit ? cached : capability_limit;
}

int ember_has_avx2(void) { return cpu_level() >= 1; }

int ember_has_avx512(void) { return cpu_level() >= 2; }

EMBER_AVX2 static __m256 apply8(ember_binary_op op, __m256 x, __m256 y) {
    switch (op) {
    case EMBER_ADD: return _mm256_add_ps(x, y);
    case EMBER_SUB: return _mm256_sub_ps(x, y);
    case EMBER_MUL: return _mm256_mul_ps(x, y);
    default: return _mm256_div_ps(x, y);
    }
}

EMBER_AVX2 static void binary_avx2(ember_binary_op op, const float *a, const float *b, float *out, size_t n) {
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256 r0 = apply8(op, _mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
        __m256 r1 = apply8(op, _mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
        __m256 r2 = apply8(op, _mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16));
        __m256 r3 = apply8(op, _mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24));
        _mm256_storeu_ps(out + i, r0);
        _mm256_storeu_ps(out + i + 8, r1);
        _mm256_storeu_ps(out + i + 16, r2);
        _mm256_storeu_ps(out + i + 24, r3);
    }
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, apply8(op, _mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i)));
    for (; i < n; i++) {
        float x = a[i], y = b[i];
        out[i] = op == EMBER_ADD ? x + y : op == EMBER_SUB ? x - y : op == EMBER_MUL ? x * y : x / y;
    }
}

EMBER_AVX2 static void binary_scalar_avx2(ember_binary_op op, const float *a, float b, float *out, size_t n) {
    const __m256 y = _mm256_set1_ps(b);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 r0 = apply8(op, _mm256_loadu_ps(a + i), y);
        __m256 r1 = apply8(op, _mm256_loadu_ps(a + i + 8), y);
        _mm256_storeu_ps(out + i, r0);
        _mm256_storeu_ps(out + i + 8, r1);
    }
    for (; i < n; i++) {
        float x = a[i];
        out[i] = op == EMBER_ADD ? x + b : op == EMBER_SUB ? x - b : op == EMBER_MUL ? x * b : x / b;
    }
}

EMBER_AVX2 static double sum_avx2(const float *a, size_t n) {
    double total = 0;
    size_t start = 0;
    while (start < n) {
        size_t end = start + 4096 < n ? start + 4096 : n;
        __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
        size_t i = start;
        for (; i + 32 <= end; i += 32) {
            s0 = _mm256_add_ps(s0, _mm256_loadu_ps(a + i));
            s1 = _mm256_add_ps(s1, _mm256_loadu_ps(a + i + 8));
            s2 = _mm256_add_ps(s2, _mm256_loadu_ps(a + i + 16));
            s3 = _mm256_add_ps(s3, _mm256_loadu_ps(a + i + 24));
        }
        __m256 s = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
        float lanes[8];
        _mm256_storeu_ps(lanes, s);
        double partial = 0;
        for (int k = 0; k < 8; k++) partial += lanes[k];
        for (; i < end; i++) partial += a[i];
        total += partial;
        start = end;
    }
    return total;
}

EMBER_AVX2 static void adam_avx2(float *p, const float *g, float *m, float *v, float *vmax, size_t n, float b1,
                                 float b2, float omb2, float eps, float size, float correction) {
    const __m256 vb1 = _mm256_set1_ps(b1), vb2 = _mm256_set1_ps(b2), vomb2 = _mm256_set1_ps(omb2);
    const __m256 veps = _mm256_set1_ps(eps), vsize = _mm256_set1_ps(size), vcorrection = _mm256_set1_ps(correction);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 gi = _mm256_loadu_ps(g + i), mi = _mm256_loadu_ps(m + i), vi = _mm256_loadu_ps(v + i);
        mi = _mm256_add_ps(mi, _mm256_mul_ps(vb1, _mm256_sub_ps(gi, mi)));
        vi = _mm256_add_ps(_mm256_mul_ps(vi, vb2), _mm256_mul_ps(vomb2, _mm256_mul_ps(gi, gi)));
        _mm256_storeu_ps(m + i, mi);
        _mm256_storeu_ps(v + i, vi);
        __m256 second = vi;
        if (vmax) {
            second = _mm256_max_ps(_mm256_loadu_ps(vmax + i), vi);
            _mm256_storeu_ps(vmax + i, second);
        }
        __m256 denominator = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(second), vcorrection), veps);
        _mm256_storeu_ps(p + i, _mm256_sub_ps(_mm256_loadu_ps(p + i), _mm256_mul_ps(vsize, _mm256_div_ps(mi, denominator))));
    }
    for (; i < n; i++) {
        m[i] += b1 * (g[i] - m[i]);
        v[i] = v[i] * b2 + omb2 * (g[i] * g[i]);
        float second = v[i];
        if (vmax) { vmax[i] = vmax[i] > second ? vmax[i] : second; second = vmax[i]; }
        p[i] -= size * (m[i] / (sqrtf(second) / correction + eps));
    }
}

/// Column sums of 16 columns at a time, each in four double lanes held in registers over all the rows.
EMBER_AVX2 static void column_sums_avx2(const float *x, size_t rows, size_t stride, size_t width, double *sums) {
    size_t j = 0;
    for (; j + 16 <= width; j += 16) {
        __m256d s0 = _mm256_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;
        const float *p = x + j;
        for (size_t r = 0; r < rows; r++, p += stride) {
            __m256 a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 8);
            s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(a)));
            s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(a, 1)));
            s2 = _mm256_add_pd(s2, _mm256_cvtps_pd(_mm256_castps256_ps128(b)));
            s3 = _mm256_add_pd(s3, _mm256_cvtps_pd(_mm256_extractf128_ps(b, 1)));
        }
        _mm256_storeu_pd(sums + j, s0);
        _mm256_storeu_pd(sums + j + 4, s1);
        _mm256_storeu_pd(sums + j + 8, s2);
        _mm256_storeu_pd(sums + j + 12, s3);
    }
    for (; j < width; j++) {
        double total = 0;
        for (size_t r = 0; r < rows; r++) total += x[r * stride + j];
        sums[j] = total;
    }
}
#endif

void ember_column_sums_f32(const float *x, size_t rows, size_t stride, size_t width, double *sums) {
#if defined(__x86_64__)
    if (ember_has_avx2()) { column_sums_avx2(x, rows, stride, width, sums); return; }
#endif
    for (size_t j = 0; j < width; j++) {
        double total = 0;
        for (size_t r = 0; r < rows; r++) total += x[r * stride + j];
        sums[j] = total;
    }
}

void ember_adam_f32(float *p, const float *g, float *m, float *v, float *vmax, size_t n, float b1, float b2,
                    float omb2, float eps, float size, float correction) {
#if defined(__x86_64__)
    if (ember_has_avx2()) { adam_avx2(p, g, m, v, vmax, n, b1, b2, omb2, eps, size, correction); return; }
#endif
    for (size_t i = 0; i < n; i++) {
        m[i] += b1 * (g[i] - m[i]);
        v[i] = v[i] * b2 + omb2 * (g[i] * g[i]);
        float second = v[i];
        if (vmax) { vmax[i] = vmax[i] > second ? vmax[i] : second; second = vmax[i]; }
        p[i] -= size * (m[i] / (sqrtf(second) / correction + eps));
    }
}

void ember_binary_f32(ember_binary_op op, const float *a, const float *b, float *out, size_t n) {
#if defined(__x86_64__)
    if (ember_has_avx2()) { binary_avx2(op, a, b, out, n); return; }
#endif
    for (size_t i = 0; i < n; i++) {
        float x = a[i], y = b[i];
        out[i] = op == EMBER_ADD ? x + y : op == EMBER_SUB ? x - y : op == EMBER_MUL ? x * y : x / y;
    }
}

void ember_binary_scalar_f32(ember_binary_op op, const float *a, float b, float *out, size_t n) {
#if defined(__x86_64__)
    if (ember_has_avx2()) { binary_scalar_avx2(op, a, b, out, n); return; }
#endif
    for (size_t i = 0; i < n; i++) {
        float x = a[i];
        out[i] = op == EMBER_ADD ? x + b : op == EMBER_SUB ? x - b : op == EMBER_MUL ? x * b : x / b;
    }
}

double ember_sum_f32(const float *a, size_t n) {
#if defined(__x86_64__)
    if (ember_has_avx2()) return sum_avx2(a, n);
#endif
    double total = 0;
    for (size_t start = 0; start < n; start += 4096) {
        float partial = 0;
        size_t end = start + 4096 < n ? start + 4096 : n;
        for (size_t i = start; i < end; i++) partial += a[i];
        total += partial;
    }
    return total;
}
