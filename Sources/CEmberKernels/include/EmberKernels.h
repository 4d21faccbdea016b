// Hand-vectorised float32 loops for the hottest contiguous kernels. Each has an AVX2 version chosen at
// run time when the CPU has it (Swift code is built for baseline x86-64, i.e. SSE2 only).
#ifndef EMBER_KERNELS_H
#define EMBER_KERNELS_H

#include <stddef.h>

typedef enum {
    EMBER_ADD = 0,
    EMBER_SUB = 1,
    EMBER_MUL = 2,
    EMBER_DIV = 3,
} ember_binary_op;

/// Keeps the kernels chosen at run time to at most AVX-512 (2), AVX2 (1) or their portable loops (0), so tests
/// check every version on one machine. Call it while no kernel runs; Ember's own GEMM is chosen once, at first use.
void ember_limit_cpu_capability(int level);

/// out[i] = a[i] op b[i] for i < n. `out` may alias `a` or `b`.
void ember_binary_f32(ember_binary_op op, const float *a, const float *b, float *out, size_t n);

/// out[i] = a[i] op b[0] for i < n (a tensor with a number).
void ember_binary_scalar_f32(ember_binary_op op, const float *a, float b, float *out, size_t n);

/// The sum of n floats, accumulated in double precision across blocks.
double ember_sum_f32(const float *a, size_t n);

/// sums[j] = Σ_r x[r·stride + j] for j < width, accumulated in double precision in row order (the sums over a
/// middle axis of float32 tensors, such as bias gradients).
void ember_column_sums_f32(const float *x, size_t rows, size_t stride, size_t width, double *sums);

/// One Adam step over n contiguous float32 parameters, in PyTorch's order of operations:
/// m += (1 - beta1)(g - m); v = v·beta2 + (1 - beta2)g²; vmax = max(vmax, v) when vmax is given;
/// p -= stepSize · m / (sqrt(v or vmax) / correction + eps).
void ember_adam_f32(float *p, const float *g, float *m, float *v, float *vmax, size_t n, float oneMinusBeta1,
                    float beta2, float oneMinusBeta2, float eps, float stepSize, float correction);

/// out[i] = 1 / (1 + e^-x[i]) for i < n, within a few ulp of expf's; `out` may alias `x`.
void ember_sigmoid_f32(const float *x, float *out, size_t n);

/// out[i] = tanh(x[i]) for i < n, within a few ulp of tanhf; `out` may alias `x`.
void ember_tanh_f32(const float *x, float *out, size_t n);

/// LSTM's gate gradients for one batch row of n hidden units: from the activated gates (i, f, g, o, each n wide), the
/// previous cell state, the hidden-state gradient dh and the cell gradient dc carried from the next step (replaced by
/// the previous step's), with tanh of the new cell state in dGates' output-gate quarter on entry.
void ember_lstm_gate_gradients_f32(const float *gates, const float *cPrevious, const float *dh, float *dc, float *dGates,
                                   size_t n);

/// A spin-wait hint to the CPU (`pause` on x86).
static inline void ember_cpu_relax(void) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#endif
}

#endif
