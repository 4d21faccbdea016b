// Max pooling over one plane whose windows all lie inside it (no padding), without a branch on the
// data: on real inputs "is this larger?" is a coin toss, and a mispredicted branch costs more than the
// compare. Float32 takes eight windows at a time with AVX2 where the CPU has it.
#ifndef EMBER_POOLING_H
#define EMBER_POOLING_H

#include <stdint.h>

/// A pooling window's geometry over one plane, in elements.
typedef struct {
    int64_t width, outH, outW;
    int64_t kernelH, kernelW, strideH, strideW, dilationH, dilationW;
} ember_pool_window;

/// y[o] = max of window o of `plane` and ix[o] its flat position in the plane (`ix` may be null: maxima only); a NaN
/// wins, the last one if several (PyTorch's rule: take when `v > best || isnan(v)`).
void ember_max_pool_plane_f32(const float *plane, float *y, int64_t *ix, const ember_pool_window *w);
void ember_max_pool_plane_f64(const double *plane, double *y, int64_t *ix, const ember_pool_window *w);

#endif
