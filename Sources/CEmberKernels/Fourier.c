// Float32 Fourier transforms eight at a time: Stockham passes over lanes, and the transposes that move eight rows
// into lanes and back. AVX only (no fused multiply-adds), chosen at run time.
#include "EmberFourier.h"
#include "CPUFeatures.h"

#if defined(__x86_64__)
#define EMBER_AVX __attribute__((target("avx")))

typedef struct { __m256 x, y; } lanes;

EMBER_AVX static inline lanes load(const float *x, size_t e) { return (lanes){_mm256_loadu_ps(x + 16 * e), _mm256_loadu_ps(x + 16 * e + 8)}; }
EMBER_AVX static inline void store(float *y, size_t e, lanes v) { _mm256_storeu_ps(y + 16 * e, v.x); _mm256_storeu_ps(y + 16 * e + 8, v.y); }
EMBER_AVX static inline lanes add(lanes a, lanes b) { return (lanes){_mm256_add_ps(a.x, b.x), _mm256_add_ps(a.y, b.y)}; }
EMBER_AVX static inline lanes sub(lanes a, lanes b) { return (lanes){_mm256_sub_ps(a.x, b.x), _mm256_sub_ps(a.y, b.y)}; }
EMBER_AVX static inline lanes scale(__m256 c, lanes a) { return (lanes){_mm256_mul_ps(c, a.x), _mm256_mul_ps(c, a.y)}; }
/// a·(−i): (y, −x).
EMBER_AVX static inline lanes minus_i(lanes a) { return (lanes){a.y, _mm256_xor_ps(a.x, _mm256_set1_ps(-0.0f))}; }
/// a·w for the twiddle w = (wx, wy): (x·wx − y·wy, x·wy + y·wx), as ComplexLanes.times computes it.
EMBER_AVX static inline lanes times(lanes a, const float *w) {
    __m256 wx = _mm256_set1_ps(w[0]), wy = _mm256_set1_ps(w[1]);
    return (lanes){_mm256_sub_ps(_mm256_mul_ps(a.x, wx), _mm256_mul_ps(a.y, wy)),
                   _mm256_add_ps(_mm256_mul_ps(a.x, wy), _mm256_mul_ps(a.y, wx))};
}

EMBER_AVX static void pass_avx(int p, size_t s, size_t m, const float *w, const float *x, float *y) {
    switch (p) {
    case 2:
        for (size_t j = 0; j < m; j++) {
            const float *w1 = w + 2 * j;
            for (size_t q = 0; q < s; q++) {
                lanes a0 = load(x, q + s * j), a1 = load(x, q + s * (j + m));
                store(y, q + s * 2 * j, add(a0, a1));
                store(y, q + s * (2 * j + 1), times(sub(a0, a1), w1));
            }
        }
        break;
    case 3: {
        __m256 c = _mm256_set1_ps(-0.5f), sn = _mm256_set1_ps((float)0.86602540378443864676);
        for (size_t j = 0; j < m; j++) {
            const float *w1 = w + 4 * j, *w2 = w + 4 * j + 2;
            for (size_t q = 0; q < s; q++) {
                lanes a0 = load(x, q + s * j), a1 = load(x, q + s * (j + m)), a2 = load(x, q + s * (j + 2 * m));
                lanes t1 = add(a1, a2);
                lanes u = add(a0, scale(c, t1)), v = minus_i(scale(sn, sub(a1, a2)));
                store(y, q + s * 3 * j, add(a0, t1));
                store(y, q + s * (3 * j + 1), times(add(u, v), w1));
                store(y, q + s * (3 * j + 2), times(sub(u, v), w2));
            }
        }
        break;
    }
    case 4:
        for (size_t j = 0; j < m; j++) {
            const float *w1 = w + 6 * j, *w2 = w + 6 * j + 2, *w3 = w + 6 * j + 4;
            for (size_t q = 0; q < s; q++) {
                lanes a0 = load(x, q + s * j), a1 = load(x, q + s * (j + m));
                lanes a2 = load(x, q + s * (j + 2 * m)), a3 = load(x, q + s * (j + 3 * m));
                lanes t0 = add(a0, a2), t1 = sub(a0, a2), t2 = add(a1, a3), t3 = minus_i(sub(a1, a3));
                store(y, q + s * 4 * j, add(t0, t2));
                store(y, q + s * (4 * j + 1), times(add(t1, t3), w1));
                store(y, q + s * (4 * j + 2), times(sub(t0, t2), w2));
                store(y, q + s * (4 * j + 3), times(sub(t1, t3), w3));
            }
        }
        break;
    case 5: {
        __m256 c1 = _mm256_set1_ps((float)0.30901699437494742410), c2 = _mm256_set1_ps((float)-0.80901699437494742410);
        __m256 s1 = _mm256_set1_ps((float)0.95105651629515357212), s2 = _mm256_set1_ps((float)0.58778525229247312917);
        for (size_t j = 0; j < m; j++) {
            const float *wj = w + 8 * j;
            for (size_t q = 0; q < s; q++) {
                lanes a0 = load(x, q + s * j), a1 = load(x, q + s * (j + m)), a2 = load(x, q + s * (j + 2 * m));
                lanes a3 = load(x, q + s * (j + 3 * m)), a4 = load(x, q + s * (j + 4 * m));
                lanes t1 = add(a1, a4), t2 = add(a2, a3), t3 = sub(a1, a4), t4 = sub(a2, a3);
                lanes u1 = add(add(a0, scale(c1, t1)), scale(c2, t2)), u2 = add(add(a0, scale(c2, t1)), scale(c1, t2));
                lanes v1 = minus_i(add(scale(s1, t3), scale(s2, t4))), v2 = minus_i(sub(scale(s2, t3), scale(s1, t4)));
                store(y, q + s * 5 * j, add(add(a0, t1), t2));
                store(y, q + s * (5 * j + 1), times(add(u1, v1), wj));
                store(y, q + s * (5 * j + 2), times(add(u2, v2), wj + 2));
                store(y, q + s * (5 * j + 3), times(sub(u2, v2), wj + 4));
                store(y, q + s * (5 * j + 4), times(sub(u1, v1), wj + 6));
            }
        }
        break;
    }
    }
}

/// Transposes the 8×8 matrix of rows r[0…7] in place.
EMBER_AVX static inline void transpose8(__m256 *r) {
    __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0)), u1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 u2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0)), u3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 u4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0)), u5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
    __m256 u6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0)), u7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
    r[0] = _mm256_permute2f128_ps(u0, u4, 0x20); r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
    r[2] = _mm256_permute2f128_ps(u2, u6, 0x20); r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
    r[4] = _mm256_permute2f128_ps(u0, u4, 0x31); r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
    r[6] = _mm256_permute2f128_ps(u2, u6, 0x31); r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

/// Four complex values (eight floats) of each of the eight rows at a time become four elements of lanes; returns how
/// many values were moved (the rest are left to the caller's scalar loop).
EMBER_AVX static size_t gather_avx(const float *rows, size_t stride, size_t count, float *work) {
    size_t j = 0;
    for (; j + 4 <= count; j += 4) {
        __m256 r[8];
        for (int k = 0; k < 8; k++) r[k] = _mm256_loadu_ps(rows + k * stride + 2 * j);
        transpose8(r);
        for (int c = 0; c < 8; c++) _mm256_storeu_ps(work + 16 * j + 8 * c, r[c]);
    }
    return j;
}

/// Eight reals of each row at a time become eight elements of lanes with zero imaginary parts.
EMBER_AVX static size_t gather_real_avx(const float *rows, size_t stride, size_t count, float *work) {
    size_t j = 0;
    for (; j + 8 <= count; j += 8) {
        __m256 r[8];
        for (int k = 0; k < 8; k++) r[k] = _mm256_loadu_ps(rows + k * stride + j);
        transpose8(r);
        for (int c = 0; c < 8; c++) {
            _mm256_storeu_ps(work + 16 * (j + c), r[c]);
            _mm256_storeu_ps(work + 16 * (j + c) + 8, _mm256_setzero_ps());
        }
    }
    return j;
}

/// The inverse of `gather_avx`: four elements of lanes at a time back to four complex values of each row.
EMBER_AVX static size_t scatter_avx(const float *work, size_t count, float *rows, size_t stride) {
    size_t j = 0;
    for (; j + 4 <= count; j += 4) {
        __m256 r[8];
        for (int c = 0; c < 8; c++) r[c] = _mm256_loadu_ps(work + 16 * j + 8 * c);
        transpose8(r);
        for (int k = 0; k < 8; k++) _mm256_storeu_ps(rows + k * stride + 2 * j, r[k]);
    }
    return j;
}
#endif

int ember_fourier_pass_lanes_f32(int radix, size_t stride, size_t m, const float *twiddles, const float *x, float *y) {
#if defined(__x86_64__)
    if (radix >= 2 && radix <= 5 && ember_has_avx2()) {
        pass_avx(radix, stride, m, twiddles, x, y);
        return 1;
    }
#endif
    return 0;
}

void ember_fourier_gather_complex_f32(const float *rows, size_t rowStride, size_t count, float *work) {
    size_t j = 0;
#if defined(__x86_64__)
    if (ember_has_avx2()) j = gather_avx(rows, rowStride, count, work);
#endif
    for (; j < count; j++) {
        for (int k = 0; k < 8; k++) {
            work[16 * j + k] = rows[k * rowStride + 2 * j];
            work[16 * j + 8 + k] = rows[k * rowStride + 2 * j + 1];
        }
    }
}

void ember_fourier_gather_real_f32(const float *rows, size_t rowStride, size_t count, float *work) {
    size_t j = 0;
#if defined(__x86_64__)
    if (ember_has_avx2()) j = gather_real_avx(rows, rowStride, count, work);
#endif
    for (; j < count; j++) {
        for (int k = 0; k < 8; k++) {
            work[16 * j + k] = rows[k * rowStride + j];
            work[16 * j + 8 + k] = 0;
        }
    }
}

void ember_fourier_scatter_complex_f32(const float *work, size_t count, float *rows, size_t rowStride) {
    size_t j = 0;
#if defined(__x86_64__)
    if (ember_has_avx2()) j = scatter_avx(work, count, rows, rowStride);
#endif
    for (; j < count; j++) {
        for (int k = 0; k < 8; k++) {
            rows[k * rowStride + 2 * j] = work[16 * j + k];
            rows[k * rowStride + 2 * j + 1] = work[16 * j + 8 + k];
        }
    }
}
