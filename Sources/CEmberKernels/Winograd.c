// Winograd F(4×4, 3×3) transforms (EmberWinograd.h). A block's tiles are handled in segments of up to SEGMENT tiles,
// which may span tile rows and images: for each run of one tile row in the segment, the six input rows it reads are
// copied once with their zero padding and transformed along the rows; then the whole segment is transformed down the
// columns with the tiles as the vectorised dimension. The output side runs the same steps in reverse. Each loop body
// is written once and compiled twice, for AVX2 and for baseline x86-64.
#include "EmberWinograd.h"
#include "CPUFeatures.h"
#include <string.h>

/// Tiles per segment, and the floats of one padded input row of a segment.
#define SEGMENT 64
#define ROW (4 * SEGMENT + 2)
/// Vectorises the loop that follows across its iterations, which never touch the same memory.
#define INDEPENDENT_ITERATIONS _Pragma("clang loop vectorize(assume_safety)")

/// t = Bᵀ·d for six values d[0], d[step], … d[5·step] (the input transform along one dimension).
#define INPUT_TRANSFORM(t, d, step)                                                                 \
    do {                                                                                            \
        const float d0 = (d)[0], d1 = (d)[(step)], d2 = (d)[2 * (step)];                          \
        const float d3 = (d)[3 * (step)], d4 = (d)[4 * (step)], d5 = (d)[5 * (step)];             \
        (t)[0] = 4 * d0 - 5 * d2 + d4;                                                              \
        (t)[1] = d3 + d4 - 4 * (d1 + d2);                                                           \
        (t)[2] = 4 * (d1 - d2) + d4 - d3;                                                           \
        (t)[3] = 2 * (d3 - d1) + d4 - d2;                                                           \
        (t)[4] = 2 * (d1 - d3) + d4 - d2;                                                           \
        (t)[5] = 4 * d1 - 5 * d3 + d5;                                                              \
    } while (0)

/// o = Aᵀ·m for six values m[0], m[step], … m[5·step] (the output transform along one dimension).
#define OUTPUT_TRANSFORM(o, m, step)                                                                \
    do {                                                                                            \
        const float m0 = (m)[0], m1 = (m)[(step)], m2 = (m)[2 * (step)];                          \
        const float m3 = (m)[3 * (step)], m4 = (m)[4 * (step)], m5 = (m)[5 * (step)];             \
        const float sum12 = m1 + m2, difference12 = m1 - m2, sum34 = m3 + m4, difference34 = m3 - m4; \
        (o)[0] = m0 + sum12 + sum34;                                                                \
        (o)[1] = difference12 + 2 * difference34;                                                   \
        (o)[2] = sum12 + 4 * sum34;                                                                 \
        (o)[3] = difference12 + 8 * difference34 + m5;                                              \
    } while (0)

/// t = A·y for four values y[0], y[step], y[2·step], y[3·step] (the output transform's adjoint along one dimension:
/// an output gradient tile into the transformed domain).
#define GRADIENT_TRANSFORM(t, y, step)                                                              \
    do {                                                                                            \
        const float y0 = (y)[0], y1 = (y)[(step)], y2 = (y)[2 * (step)], y3 = (y)[3 * (step)];    \
        const float sum02 = y0 + y2, sum13 = y1 + y3, near = y0 + 4 * y2, far = 2 * y1 + 8 * y3;   \
        (t)[0] = y0;                                                                                \
        (t)[1] = sum02 + sum13;                                                                     \
        (t)[2] = sum02 - sum13;                                                                     \
        (t)[3] = near + far;                                                                        \
        (t)[4] = near - far;                                                                        \
        (t)[5] = y3;                                                                                \
    } while (0)

/// The transform of a window of `size` values into six: Bᵀ for the input's 6-wide windows, A for the output
/// gradient's 4-wide tiles.
#define WINDOW_TRANSFORM(t, d, step, size)                                                          \
    do {                                                                                            \
        if ((size) == 6) INPUT_TRANSFORM(t, d, step); else GRADIENT_TRANSFORM(t, d, step);          \
    } while (0)

/// r = Gᵀ·u for six values u[0], u[step], … u[5·step] (the filter transform's adjoint along one dimension: products
/// back to a filter gradient).
#define FILTER_GRADIENT_TRANSFORM(r, u, step)                                                       \
    do {                                                                                            \
        const float u0 = (u)[0], u1 = (u)[(step)], u2 = (u)[2 * (step)];                          \
        const float u3 = (u)[3 * (step)], u4 = (u)[4 * (step)], u5 = (u)[5 * (step)];             \
        const float sum12 = u1 + u2, sum34 = u3 + u4;                                               \
        (r)[0] = u0 * 0.25f - sum12 * (1.0f / 6) + sum34 * (1.0f / 24);                             \
        (r)[1] = (u2 - u1) * (1.0f / 6) + (u3 - u4) * (1.0f / 12);                                  \
        (r)[2] = (sum34 - sum12) * (1.0f / 6) + u5;                                                 \
    } while (0)

/// t = G·g for three values g[0], g[step], g[2·step] (the filter transform along one dimension).
#define FILTER_TRANSFORM(t, g, step)                                                                \
    do {                                                                                            \
        const float g0 = (g)[0], g1 = (g)[(step)], g2 = (g)[2 * (step)];                          \
        const float outer = g0 + g2, near = outer * (1.0f / 24) + g2 * 0.125f;                    \
        (t)[0] = g0 * 0.25f;                                                                        \
        (t)[1] = (outer + g1) * (-1.0f / 6);                                                        \
        (t)[2] = (g1 - outer) * (1.0f / 6);                                                         \
        (t)[3] = near + g1 * (1.0f / 12);                                                           \
        (t)[4] = near - g1 * (1.0f / 12);                                                           \
        (t)[5] = g2;                                                                                \
    } while (0)

EMBER_INLINE void weights_body(const float *w, int64_t outChannels, int64_t inChannels, int64_t outStride,
                               int64_t inStride, int flip, int64_t outBegin, int64_t outEnd, float *u) {
    const int64_t point = outChannels * inChannels;
    // A block of input channels at a time, each transformed point's run of the block stored whole: the 36 points'
    // planes often lie a multiple of 4 KiB apart, so storing them one float at a time would evict each other's lines.
    float g[9][SEGMENT], down[6][3][SEGMENT], block[36][SEGMENT];
    for (int64_t k = outBegin; k < outEnd; k++) {
        for (int64_t first = 0; first < inChannels; first += SEGMENT) {
            const int64_t n = inChannels - first < SEGMENT ? inChannels - first : SEGMENT;
            for (int64_t c = 0; c < n; c++) {
                const float *filter = w + k * outStride + (first + c) * inStride;
                for (int q = 0; q < 9; q++) g[q][c] = filter[flip ? 8 - q : q];
            }
            // G·g down the columns, then (G·g)·Gᵀ along the rows.
            for (int j = 0; j < 3; j++) {
                INDEPENDENT_ITERATIONS
                for (int64_t c = 0; c < n; c++) {
                    float t[6];
                    FILTER_TRANSFORM(t, &g[j][c], 3 * SEGMENT);
                    for (int i = 0; i < 6; i++) down[i][j][c] = t[i];
                }
            }
            for (int i = 0; i < 6; i++) {
                INDEPENDENT_ITERATIONS
                for (int64_t c = 0; c < n; c++) {
                    float t[6];
                    FILTER_TRANSFORM(t, &down[i][0][c], SEGMENT);
                    for (int j = 0; j < 6; j++) block[6 * i + j][c] = t[j];
                }
            }
            for (int p = 0; p < 36; p++) memcpy(u + p * point + k * inChannels + first, block[p], (size_t)n * sizeof(float));
        }
    }
}

/// rows[i][x] = plane[top + i][start + x] for i < count and x < length, zero outside the plane.
static inline void padded_rows(const float *plane, int64_t height, int64_t width, int64_t top, int64_t start,
                               int64_t length, int count, float rows[6][ROW]) {
    int64_t lower = start < 0 ? -start : 0, upper = width - start < length ? width - start : length;
    if (lower > length) lower = length;
    if (upper < lower) upper = lower;
    for (int i = 0; i < count; i++) {
        const int64_t y = top + i;
        float *row = rows[i];
        if (y < 0 || y >= height) {
            memset(row, 0, (size_t)length * sizeof(float));
            continue;
        }
        memset(row, 0, (size_t)lower * sizeof(float));
        memcpy(row + lower, plane + y * width + start + lower, (size_t)(upper - lower) * sizeof(float));
        memset(row + upper, 0, (size_t)(length - upper) * sizeof(float));
    }
}

/// The tiles from block tile t to the end of its tile row or to `end`, whichever comes first.
static inline int64_t run_length(const ember_winograd_geometry *g, int64_t t, int64_t end) {
    const int64_t rest = g->tilesX - t % g->tilesX;
    return rest < end - t ? rest : end - t;
}

/// The transformed windows of a block of tile rows, for channels [channelBegin, channelEnd) of `images` (`channels`
/// planes of height × width each): windows of `size` × `size` values 4 apart, from row 4·tileRow − padTop and column
/// 4·tx − padLeft (6 and the convolution's padding for the input; 4 and none for the output gradient).
EMBER_INLINE void windows_body(const float *images, int64_t channels, int64_t height, int64_t width, int64_t padTop,
                               int64_t padLeft, int size, const ember_winograd_geometry *g, int64_t rowBegin,
                               int64_t rowEnd, int64_t channelBegin, int64_t channelEnd, float *target) {
    const int64_t tiles = (rowEnd - rowBegin) * g->tilesX, plane = height * width, pointStride = channels * tiles;
    float rows[6][ROW], across[6][6][SEGMENT];
    for (int64_t c = channelBegin; c < channelEnd; c++) {
        for (int64_t first = 0; first < tiles; first += SEGMENT) {
            const int64_t n = tiles - first < SEGMENT ? tiles - first : SEGMENT;
            // Along the rows, one tile row's run at a time; then down the columns across the whole segment.
            for (int64_t t = first, count; t < first + n; t += count) {
                count = run_length(g, t, first + n);
                const int64_t row = rowBegin + t / g->tilesX, tx = t % g->tilesX, s = t - first;
                const int64_t image = row / g->tilesY, tileRow = row % g->tilesY;
                padded_rows(images + (image * channels + c) * plane, height, width, 4 * tileRow - padTop,
                            4 * tx - padLeft, 4 * count + size - 4, size, rows);
                for (int i = 0; i < size; i++) {
                    INDEPENDENT_ITERATIONS
                    for (int64_t q = 0; q < count; q++) {
                        float t6[6];
                        WINDOW_TRANSFORM(t6, rows[i] + 4 * q, 1, size);
                        for (int j = 0; j < 6; j++) across[i][j][s + q] = t6[j];
                    }
                }
            }
            float *block = target + c * tiles + first;
            for (int j = 0; j < 6; j++) {
                INDEPENDENT_ITERATIONS
                for (int64_t q = 0; q < n; q++) {
                    float t6[6];
                    WINDOW_TRANSFORM(t6, &across[0][j][q], 6 * SEGMENT, size);
                    for (int i = 0; i < 6; i++) block[(6 * i + j) * pointStride + q] = t6[i];
                }
            }
        }
    }
}

EMBER_INLINE void input_body(const float *x, const ember_winograd_geometry *g, int64_t rowBegin, int64_t rowEnd,
                             int64_t channelBegin, int64_t channelEnd, float *v) {
    windows_body(x, g->channels, g->height, g->width, g->padTop, g->padLeft, 6, g, rowBegin, rowEnd, channelBegin,
                 channelEnd, v);
}

EMBER_INLINE void output_gradient_body(const float *dy, const ember_winograd_geometry *g, int64_t rowBegin,
                                       int64_t rowEnd, int64_t channelBegin, int64_t channelEnd, float *z) {
    windows_body(dy, g->outChannels, g->outH, g->outW, 0, 0, 4, g, rowBegin, rowEnd, channelBegin, channelEnd, z);
}

EMBER_INLINE void filter_gradient_body(const float *du, int64_t outChannels, int64_t inChannels, int64_t outStride,
                                       int64_t inStride, int64_t outBegin, int64_t outEnd, float *gw) {
    const int64_t point = outChannels * inChannels;
    float block[36][SEGMENT], across[6][3][SEGMENT], filters[9][SEGMENT];
    for (int64_t k = outBegin; k < outEnd; k++) {
        for (int64_t first = 0; first < inChannels; first += SEGMENT) {
            const int64_t n = inChannels - first < SEGMENT ? inChannels - first : SEGMENT;
            for (int p = 0; p < 36; p++) memcpy(block[p], du + p * point + k * inChannels + first, (size_t)n * sizeof(float));
            // Gᵀ·dU·G: along the rows, then down the columns.
            for (int i = 0; i < 6; i++) {
                INDEPENDENT_ITERATIONS
                for (int64_t c = 0; c < n; c++) {
                    float r[3];
                    FILTER_GRADIENT_TRANSFORM(r, &block[6 * i][c], SEGMENT);
                    for (int j = 0; j < 3; j++) across[i][j][c] = r[j];
                }
            }
            for (int j = 0; j < 3; j++) {
                INDEPENDENT_ITERATIONS
                for (int64_t c = 0; c < n; c++) {
                    float r[3];
                    FILTER_GRADIENT_TRANSFORM(r, &across[0][j][c], 3 * SEGMENT);
                    for (int i = 0; i < 3; i++) filters[3 * i + j][c] = r[i];
                }
            }
            for (int64_t c = 0; c < n; c++) {
                float *filter = gw + k * outStride + (first + c) * inStride;
                for (int q = 0; q < 9; q++) filter[q] += filters[q][c];
            }
        }
    }
}

EMBER_INLINE void output_body(const float *m, const ember_winograd_geometry *g, int64_t rowBegin, int64_t rowEnd,
                              int64_t channelBegin, int64_t channelEnd, const float *bias, int accumulate, float *out) {
    const int64_t tiles = (rowEnd - rowBegin) * g->tilesX, plane = g->outH * g->outW;
    const int64_t pointStride = g->outChannels * tiles;
    float down[4][6][SEGMENT], line[4 * SEGMENT];
    for (int64_t k = channelBegin; k < channelEnd; k++) {
        const float offset = bias ? bias[k] : 0;
        for (int64_t first = 0; first < tiles; first += SEGMENT) {
            const int64_t n = tiles - first < SEGMENT ? tiles - first : SEGMENT;
            // Down the columns across the whole segment; then along the rows, one tile row's run at a time.
            const float *source = m + k * tiles + first;
            for (int j = 0; j < 6; j++) {
                INDEPENDENT_ITERATIONS
                for (int64_t q = 0; q < n; q++) {
                    float o[4];
                    OUTPUT_TRANSFORM(o, source + j * pointStride + q, 6 * pointStride);
                    for (int i = 0; i < 4; i++) down[i][j][q] = o[i];
                }
            }
            for (int64_t t = first, count; t < first + n; t += count) {
                count = run_length(g, t, first + n);
                const int64_t row = rowBegin + t / g->tilesX, tx = t % g->tilesX, s = t - first;
                const int64_t image = row / g->tilesY, tileRow = row % g->tilesY;
                const int64_t x0 = 4 * tx, columns = g->outW - x0 < 4 * count ? g->outW - x0 : 4 * count;
                float *target = out + (image * g->outChannels + k) * plane + x0;
                for (int i = 0; i < 4 && 4 * tileRow + i < g->outH; i++) {
                    INDEPENDENT_ITERATIONS
                    for (int64_t q = 0; q < count; q++) {
                        float o[4];
                        OUTPUT_TRANSFORM(o, &down[i][0][s + q], SEGMENT);
                        for (int j = 0; j < 4; j++) line[4 * q + j] = o[j];
                    }
                    float *y = target + (4 * tileRow + i) * g->outW;
                    if (accumulate) {
                        for (int64_t c = 0; c < columns; c++) y[c] += line[c];
                    } else {
                        for (int64_t c = 0; c < columns; c++) y[c] = line[c] + offset;
                    }
                }
            }
        }
    }
}

EMBER_EXPORT_AVX2(ember_winograd_weights_f32, weights_body,
       (const float *w, int64_t outChannels, int64_t inChannels, int64_t outStride, int64_t inStride, int flip,
        int64_t outBegin, int64_t outEnd, float *u),
       (w, outChannels, inChannels, outStride, inStride, flip, outBegin, outEnd, u))

EMBER_EXPORT_AVX2(ember_winograd_input_f32, input_body,
       (const float *x, const ember_winograd_geometry *g, int64_t rowBegin, int64_t rowEnd, int64_t channelBegin,
        int64_t channelEnd, float *v),
       (x, g, rowBegin, rowEnd, channelBegin, channelEnd, v))

EMBER_EXPORT_AVX2(ember_winograd_output_f32, output_body,
       (const float *m, const ember_winograd_geometry *g, int64_t rowBegin, int64_t rowEnd, int64_t channelBegin,
        int64_t channelEnd, const float *bias, int accumulate, float *out),
       (m, g, rowBegin, rowEnd, channelBegin, channelEnd, bias, accumulate, out))

EMBER_EXPORT_AVX2(ember_winograd_output_gradient_f32, output_gradient_body,
       (const float *dy, const ember_winograd_geometry *g, int64_t rowBegin, int64_t rowEnd, int64_t channelBegin,
        int64_t channelEnd, float *z),
       (dy, g, rowBegin, rowEnd, channelBegin, channelEnd, z))

EMBER_EXPORT_AVX2(ember_winograd_filter_gradient_f32, filter_gradient_body,
       (const float *du, int64_t outChannels, int64_t inChannels, int64_t outStride, int64_t inStride, int64_t outBegin,
        int64_t outEnd, float *gw),
       (du, outChannels, inChannels, outStride, inStride, outBegin, outEnd, gw))
