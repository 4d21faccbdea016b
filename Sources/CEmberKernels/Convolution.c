// im2col and col2im (see EmberConvolution.h). Image rows are short (a feature map's width, often
// 7 to 32), so per-row overheads dominate: float32 at unit column stride moves eight lanes at a time
// with AVX2, every other case runs plain loops.
#include "EmberConvolution.h"
#include "CPUFeatures.h"
#include <stdlib.h>
#include <string.h>

/// ⌈a / b⌉ for b > 0 and any sign of a.
static inline int64_t ceil_divide(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

/// The output columns [*lower, *upper) whose input column ox·stride + offset lies inside [0, width).
static inline void valid_columns(int64_t offset, int64_t stride, int64_t width, int64_t outW, int64_t *lower,
                                 int64_t *upper) {
    int64_t lo = -offset > 0 ? ceil_divide(-offset, stride) : 0;
    int64_t hi = ceil_divide(width - offset, stride);
    if (hi > outW) hi = outW;
    *lower = lo;
    *upper = hi > lo ? hi : lo;
}

/// The portable loops for element type T: im2col over rows [rowBegin, rowEnd) of the column matrix,
/// col2im over channels [channelBegin, channelEnd), any stride and dilation.
#define EMBER_SCALAR_KERNELS(T, SUFFIX)                                                                \
    static void im2col_scalar_##SUFFIX(const T *image, const ember_conv_geometry *g, T *cols,         \
                                       int64_t rowBegin, int64_t rowEnd) {                            \
        const int64_t perChannel = g->kernelH * g->kernelW, count = g->outH * g->outW;                \
        for (int64_t row = rowBegin; row < rowEnd; row++) {                                           \
            const int64_t c = row / perChannel, k = row % perChannel, ki = k / g->kernelW;            \
            const int64_t offset = (k % g->kernelW) * g->dilationW - g->padW;                         \
            int64_t lower, upper;                                                                     \
            valid_columns(offset, g->strideW, g->width, g->outW, &lower, &upper);                     \
            const T *source = image + c * g->height * g->width + offset;                              \
            for (int64_t oy = 0; oy < g->outH; oy++) {                                                \
                const int64_t y = oy * g->strideH - g->padH + ki * g->dilationH;                      \
                T *line = cols + row * count + oy * g->outW;                                          \
                const int inside = y >= 0 && y < g->height;                                           \
                const int64_t from = inside ? lower : 0, to = inside ? upper : 0;                     \
                for (int64_t ox = 0; ox < from; ox++) line[ox] = 0;                                   \
                for (int64_t ox = from; ox < to; ox++) line[ox] = source[y * g->width + ox * g->strideW]; \
                for (int64_t ox = to; ox < g->outW; ox++) line[ox] = 0;                               \
            }                                                                                         \
        }                                                                                             \
    }                                                                                                 \
    static void col2im_scalar_##SUFFIX(const T *cols, const ember_conv_geometry *g, T *image,         \
                                       int64_t channelBegin, int64_t channelEnd) {                    \
        const int64_t perChannel = g->kernelH * g->kernelW, count = g->outH * g->outW;                \
        for (int64_t c = channelBegin; c < channelEnd; c++) {                                         \
            T *destination = image + c * g->height * g->width;                                        \
            for (int64_t k = 0; k < perChannel; k++) {                                                \
                const int64_t ki = k / g->kernelW, offset = (k % g->kernelW) * g->dilationW - g->padW; \
                int64_t lower, upper;                                                                 \
                valid_columns(offset, g->strideW, g->width, g->outW, &lower, &upper);                 \
                const T *source = cols + (c * perChannel + k) * count;                                \
                for (int64_t oy = 0; oy < g->outH; oy++) {                                            \
                    const int64_t y = oy * g->strideH - g->padH + ki * g->dilationH;                  \
                    if (y < 0 || y >= g->height) continue;                                            \
                    const T *line = source + oy * g->outW;                                            \
                    T *target = destination + y * g->width + offset;                                  \
                    for (int64_t ox = lower; ox < upper; ox++) target[ox * g->strideW] += line[ox];   \
                }                                                                                     \
            }                                                                                         \
        }                                                                                             \
    }

EMBER_SCALAR_KERNELS(float, f32)
EMBER_SCALAR_KERNELS(double, f64)

#if defined(__x86_64__)
/// Lanes i of 0..7 with lower <= start + i < upper, as an AVX2 mask.
EMBER_AVX2 static inline __m256i lanes_between(int64_t start, int64_t lower, int64_t upper) {
    const __m256i index = _mm256_add_epi32(_mm256_set1_epi32((int)start), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    return _mm256_and_si256(_mm256_cmpgt_epi32(index, _mm256_set1_epi32((int)lower - 1)),
                            _mm256_cmpgt_epi32(_mm256_set1_epi32((int)upper), index));
}

/// Unit column stride: the channels of rows [rowBegin, rowEnd) are first copied into a zero-padded
/// buffer whose rows have eight spare columns, so every line of the column matrix is a run of plain
/// eight-wide loads and stores. A store may run past its line into the next ones of the same row,
/// which are written afterwards; one that would leave the row stores exactly.
EMBER_AVX2 static int im2col_avx2(const float *image, const ember_conv_geometry *geometry, float *cols,
                                  int64_t rowBegin, int64_t rowEnd) {
    // A local copy: the compiler cannot know that stores to `cols` leave the geometry unchanged.
    const ember_conv_geometry local = *geometry, *g = &local;
    const int64_t perChannel = g->kernelH * g->kernelW, count = g->outH * g->outW;
    const int64_t paddedH = g->height + 2 * g->padH, rowStride = g->width + 2 * g->padW + 8;
    const int64_t firstChannel = rowBegin / perChannel, channels = (rowEnd - 1) / perChannel + 1 - firstChannel;
    float *padded = calloc((size_t)(channels * paddedH * rowStride + 8), sizeof(float));
    if (!padded) return 0;
    for (int64_t c = 0; c < channels; c++) {
        for (int64_t y = 0; y < g->height; y++) {
            memcpy(padded + (c * paddedH + y + g->padH) * rowStride + g->padW,
                   image + ((firstChannel + c) * g->height + y) * g->width, (size_t)g->width * sizeof(float));
        }
    }
    const __m256i tail = lanes_between(g->outW & ~(int64_t)7, 0, g->outW);
    for (int64_t row = rowBegin; row < rowEnd; row++) {
        const int64_t c = row / perChannel - firstChannel, k = row % perChannel;
        const int64_t ki = k / g->kernelW, kj = k % g->kernelW;
        const float *source = padded + (c * paddedH + ki * g->dilationH) * rowStride + kj * g->dilationW;
        float *destination = cols + row * count;
        for (int64_t oy = 0; oy < g->outH; oy++) {
            const float *from = source + oy * g->strideH * rowStride;
            float *line = destination + oy * g->outW;
            int64_t ox = 0;
            for (; ox + 8 <= g->outW; ox += 8) _mm256_storeu_ps(line + ox, _mm256_loadu_ps(from + ox));
            if (ox < g->outW) {
                const __m256 v = _mm256_loadu_ps(from + ox);
                if ((oy * g->outW + ox) + 8 <= count) _mm256_storeu_ps(line + ox, v);
                else _mm256_maskstore_ps(line + ox, tail, v);
            }
        }
    }
    free(padded);
    return 1;
}

/// Unit column stride: each eight-pixel run of an image row gathers every kernel position's
/// contribution in a register (masked loads from the column matrix) and is stored once. A row's last
/// run, when partial, loads and stores the following pixels unchanged, unless they leave the plane.
EMBER_AVX2 static void col2im_avx2(const float *cols, const ember_conv_geometry *geometry, float *image,
                                   int64_t channelBegin, int64_t channelEnd) {
    const ember_conv_geometry local = *geometry, *g = &local;
    const int64_t perChannel = g->kernelH * g->kernelW, count = g->outH * g->outW;
    for (int64_t c = channelBegin; c < channelEnd; c++) {
        const float *channelCols = cols + c * perChannel * count;
        for (int64_t y = 0; y < g->height; y++) {
            float *pixels = image + (c * g->height + y) * g->width;
            for (int64_t q = 0; q < g->width; q += 8) {
                const int full = q + 8 <= g->width, exactTail = (y * g->width + q) + 8 > g->height * g->width;
                const __m256i target = lanes_between(q, 0, g->width);
                __m256 sum = full || !exactTail ? _mm256_loadu_ps(pixels + q) : _mm256_maskload_ps(pixels + q, target);
                for (int64_t ki = 0; ki < g->kernelH; ki++) {
                    const int64_t t = y + g->padH - ki * g->dilationH;
                    if (t < 0 || t % g->strideH != 0 || t / g->strideH >= g->outH) continue;
                    const float *lines = channelCols + ki * g->kernelW * count + (t / g->strideH) * g->outW;
                    for (int64_t kj = 0; kj < g->kernelW; kj++) {
                        // Pixel q + i reads output column q + i + padW - kj·dilationW of this line.
                        const int64_t start = q + g->padW - kj * g->dilationW;
                        const float *line = lines + kj * count;
                        if (full && start >= 0 && start + 8 <= g->outW) {
                            sum = _mm256_add_ps(sum, _mm256_loadu_ps(line + start));
                        } else {
                            const __m256i mask = _mm256_and_si256(target, lanes_between(start, 0, g->outW));
                            sum = _mm256_add_ps(sum, _mm256_maskload_ps(line + start, mask));
                        }
                    }
                }
                if (full || !exactTail) _mm256_storeu_ps(pixels + q, sum);
                else _mm256_maskstore_ps(pixels + q, target, sum);
            }
        }
    }
}
#endif

void ember_im2col_f32(const float *image, const ember_conv_geometry *g, float *cols, int64_t rowBegin, int64_t rowEnd) {
#if defined(__x86_64__)
    if (g->strideW == 1 && rowBegin < rowEnd && ember_has_avx2() && im2col_avx2(image, g, cols, rowBegin, rowEnd)) return;
#endif
    im2col_scalar_f32(image, g, cols, rowBegin, rowEnd);
}

void ember_im2col_f64(const double *image, const ember_conv_geometry *g, double *cols, int64_t rowBegin, int64_t rowEnd) {
    im2col_scalar_f64(image, g, cols, rowBegin, rowEnd);
}

void ember_col2im_f32(const float *cols, const ember_conv_geometry *g, float *image, int64_t channelBegin,
                      int64_t channelEnd) {
#if defined(__x86_64__)
    if (g->strideW == 1 && ember_has_avx2()) { col2im_avx2(cols, g, image, channelBegin, channelEnd); return; }
#endif
    col2im_scalar_f32(cols, g, image, channelBegin, channelEnd);
}

void ember_col2im_f64(const double *cols, const ember_conv_geometry *g, double *image, int64_t channelBegin,
                      int64_t channelEnd) {
    col2im_scalar_f64(cols, g, image, channelBegin, channelEnd);
}
