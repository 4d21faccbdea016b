// The hot loops of Ember's float32 Fourier transforms, eight transforms at a time (one per AVX lane). Elements are
// "lanes": 8 real parts then 8 imaginary parts, 16 floats. The arithmetic is the Swift code's, operation for
// operation and without fused multiply-adds, so a row gives the same bits in a group of eight or alone.
#ifndef EMBER_FOURIER_H
#define EMBER_FOURIER_H

#include <stddef.h>

/// One Stockham pass of radix 2, 3, 4 or 5: y[q + s·(p·j + k)] = (Σ_r x[q + s·(j + r·m)]·ω_p^{rk})·ω^{jk}, with the
/// twiddles (interleaved pairs) for j < m, 1 <= k < p row-major in j. Returns 0 without touching `y` when the CPU
/// has no AVX2 or the radix is another.
int ember_fourier_pass_lanes_f32(int radix, size_t stride, size_t m, const float *twiddles, const float *x, float *y);

/// work[j] = complex value j of eight rows of interleaved pairs `rowStride` floats apart, for j < count.
void ember_fourier_gather_complex_f32(const float *rows, size_t rowStride, size_t count, float *work);

/// work[j] = real value j of eight rows `rowStride` floats apart, with zero imaginary parts, for j < count.
void ember_fourier_gather_real_f32(const float *rows, size_t rowStride, size_t count, float *work);

/// The inverse of `ember_fourier_gather_complex_f32`: complex value j of eight rows = work[j], for j < count.
void ember_fourier_scatter_complex_f32(const float *work, size_t count, float *rows, size_t rowStride);

#endif
