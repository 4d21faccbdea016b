// The three transforms of Winograd's minimal filtering F(4×4, 3×3) (Lavin and Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2016), with the interpolation points 0, ±1, ±2 and ∞: a 3 × 3, stride-1
// convolution computes each 4 × 4 block of output ("tile") from the 6 × 6 block of input around it, as 36 products
// per pair of channels in the transformed domain instead of 144. The products themselves are GEMMs, one per
// transformed point ξ = 6·i + j, over data laid out [ξ][channel][tile] with tiles contiguous.
#ifndef EMBER_WINOGRAD_H
#define EMBER_WINOGRAD_H

#include <stdint.h>

/// u[ξ·outChannels·inChannels + k·inChannels + c] = (G·g·Gᵀ)[ξ] for the 3 × 3 filter
/// g[i][j] = w[k·outStride + c·inStride + 3·i + j], or w[… + 3·(2 − i) + (2 − j)] when `flip` (the filter that takes the
/// output gradient back to the input), for output channels k in [outBegin, outEnd).
void ember_winograd_weights_f32(const float *w, int64_t outChannels, int64_t inChannels, int64_t outStride,
                                int64_t inStride, int flip, int64_t outBegin, int64_t outEnd, float *u);

/// A convolution's shapes as the transforms take them. Output tiles are numbered across the batch: tile row r is row
/// r % tilesY of image r / tilesY, and each has tilesX tiles. A block of tile rows [rowBegin, rowEnd) holds
/// T = (rowEnd − rowBegin)·tilesX tiles, its tile t being tile t % tilesX of row rowBegin + t / tilesX; the block's
/// transformed values lie at [ξ·channels·T + channel·T + t] (channels being the side's: C for the input, K for the
/// products).
typedef struct {
    int64_t channels, height, width;      // the input: C planes of height × width per image
    int64_t outChannels, outH, outW;      // the output: K planes of outH × outW per image
    int64_t padTop, padLeft;              // input row and column of output (0, 0)'s window: −padTop, −padLeft
    int64_t tilesY, tilesX;               // ⌈outH / 4⌉, ⌈outW / 4⌉
} ember_winograd_geometry;

/// Transforms the input tiles of a block of tile rows for input channels [channelBegin, channelEnd): each output
/// tile's 6 × 6 window of input (zero outside the image) from the batch `x` [N, C, height, width] into v.
void ember_winograd_input_f32(const float *x, const ember_winograd_geometry *g, int64_t rowBegin, int64_t rowEnd,
                              int64_t channelBegin, int64_t channelEnd, float *v);

/// Transforms a block's products m back into its output tiles for output channels [channelBegin, channelEnd) of the
/// batch `out` [N, K, outH, outW], cut at the planes' edges: each element gets bias[k] (zero when `bias` is null) plus
/// the result, or has the result added when `accumulate`.
void ember_winograd_output_f32(const float *m, const ember_winograd_geometry *g, int64_t rowBegin, int64_t rowEnd,
                               int64_t channelBegin, int64_t channelEnd, const float *bias, int accumulate, float *out);

/// The weight gradient's side of a block: each output tile's 4 × 4 gradient (zero past the planes' edges) from the
/// batch `dy` [N, K, outH, outW] into the transformed domain, z[ξ·K·T + k·T + t] = (A·dy·Aᵀ)[ξ], for output channels
/// [channelBegin, channelEnd).
void ember_winograd_output_gradient_f32(const float *dy, const ember_winograd_geometry *g, int64_t rowBegin,
                                        int64_t rowEnd, int64_t channelBegin, int64_t channelEnd, float *z);

/// Adds Gᵀ·dU·G, from du[ξ·outChannels·inChannels + k·inChannels + c] (the products' gradient summed over tiles),
/// to the 3 × 3 filter gradient at gw[k·outStride + c·inStride …] for output channels k in [outBegin, outEnd).
void ember_winograd_filter_gradient_f32(const float *du, int64_t outChannels, int64_t inChannels, int64_t outStride,
                                        int64_t inStride, int64_t outBegin, int64_t outEnd, float *gw);

#endif
