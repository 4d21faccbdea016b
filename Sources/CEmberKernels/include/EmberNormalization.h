// The per-channel passes of batch normalisation over float32 planes: statistics, the affine map, and the two
// passes of its backward. Sums run in float lanes over blocks of 4096 and in double precision across blocks.
#ifndef EMBER_NORMALIZATION_H
#define EMBER_NORMALIZATION_H

#include <stddef.h>

/// Σ (x[i] − center)² for i < n.
double ember_centered_square_sum_f32(const float *x, size_t n, float center);

/// Σ g[i]·(x[i] − center) for i < n, with Σ g[i] added to `*gradSum`.
double ember_centered_dot_f32(const float *g, const float *x, size_t n, float center, double *gradSum);

/// out[i] = x[i]·scale + shift for i < n; `out` may alias `x`.
void ember_scale_shift_f32(const float *x, float scale, float shift, float *out, size_t n);

/// dx[i] = (g[i] − gradMean − (x[i] − center)·k)·factor for i < n: BatchNorm's input gradient with batch statistics.
void ember_batch_norm_input_gradient_f32(const float *g, const float *x, size_t n, float center, float gradMean,
                                         float k, float factor, float *dx);

#endif
