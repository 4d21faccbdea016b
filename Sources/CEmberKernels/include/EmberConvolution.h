// im2col and col2im, the data movement around a convolution's GEMMs: one image's patches become the
// columns of a matrix, and a column matrix's entries are added back onto the image.
#ifndef EMBER_CONVOLUTION_H
#define EMBER_CONVOLUTION_H

#include <stdint.h>

/// The geometry of a 2-d convolution window over one image of `channels` planes.
typedef struct {
    int64_t channels, height, width;
    int64_t kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW;
    int64_t outH, outW;
} ember_conv_geometry;

/// For rows r in [rowBegin, rowEnd) of the column matrix, r = (c, ki, kj):
/// cols[r, (oy, ox)] = image[c, oy·sH − pH + ki·dH, ox·sW − pW + kj·dW], zero outside the image.
void ember_im2col_f32(const float *image, const ember_conv_geometry *g, float *cols, int64_t rowBegin, int64_t rowEnd);
void ember_im2col_f64(const double *image, const ember_conv_geometry *g, double *cols, int64_t rowBegin, int64_t rowEnd);

/// The adjoint of im2col for channels [channelBegin, channelEnd): adds each column entry to the image
/// position it was read from.
void ember_col2im_f32(const float *cols, const ember_conv_geometry *g, float *image, int64_t channelBegin,
                      int64_t channelEnd);
void ember_col2im_f64(const double *cols, const ember_conv_geometry *g, double *image, int64_t channelBegin,
                      int64_t channelEnd);

#endif
