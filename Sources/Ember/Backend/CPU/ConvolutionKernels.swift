// im2col/col2im: convolution as GEMM. One image's patches become the columns of a matrix; the loops
// themselves are C (CEmberKernels), split here across Ember's threads.
import CEmberKernels

/// The geometry of a 2-d convolution window over one image.
struct ConvolutionGeometry {
    let channels: Int, height: Int, width: Int
    let kernelH: Int, kernelW: Int
    let strideH: Int, strideW: Int
    let padH: Int, padW: Int
    let dilationH: Int, dilationW: Int
    let outH: Int, outW: Int

    /// Rows of the column matrix: channels × kernel positions.
    var columnRows: Int { channels * kernelH * kernelW }
    /// Columns of the column matrix: output positions.
    var columnCount: Int { outH * outW }

    /// The same geometry as the C kernels take it.
    var kernelGeometry: ember_conv_geometry {
        ember_conv_geometry(channels: Int64(channels), height: Int64(height), width: Int64(width),
                            kernelH: Int64(kernelH), kernelW: Int64(kernelW), strideH: Int64(strideH), strideW: Int64(strideW),
                            padH: Int64(padH), padW: Int64(padW), dilationH: Int64(dilationH), dilationW: Int64(dilationW),
                            outH: Int64(outH), outW: Int64(outW))
    }
}

/// cols[(c, ki, kj), (oy, ox)] = image[c, oy*s - p + ki*d, ox*s - p + kj*d] (zero outside).
func im2col<T: FloatScalar>(_ image: UnsafePointer<T>, _ g: ConvolutionGeometry, _ cols: UnsafeMutablePointer<T>) {
    withUnsafePointer(to: g.kernelGeometry) { geometry in
        parallelFor(g.columnRows, grain: Swift.max(1, 4096 / Swift.max(g.columnCount, 1))) { range in
            let (begin, end) = (Int64(range.lowerBound), Int64(range.upperBound))
            if T.self == Float.self {
                ember_im2col_f32(UnsafeRawPointer(image).assumingMemoryBound(to: Float.self), geometry,
                                 UnsafeMutableRawPointer(cols).assumingMemoryBound(to: Float.self), begin, end)
            } else {
                ember_im2col_f64(UnsafeRawPointer(image).assumingMemoryBound(to: Double.self), geometry,
                                 UnsafeMutableRawPointer(cols).assumingMemoryBound(to: Double.self), begin, end)
            }
        }
    }
}

/// The adjoint of `im2col`: adds each column entry back into the image position it was read from.
func col2im<T: FloatScalar>(_ cols: UnsafePointer<T>, _ g: ConvolutionGeometry, _ image: UnsafeMutablePointer<T>) {
    // Channels are independent, so threads split by channel and never write the same pixel.
    withUnsafePointer(to: g.kernelGeometry) { geometry in
        parallelFor(g.channels, grain: 1) { range in
            let (begin, end) = (Int64(range.lowerBound), Int64(range.upperBound))
            if T.self == Float.self {
                ember_col2im_f32(UnsafeRawPointer(cols).assumingMemoryBound(to: Float.self), geometry,
                                 UnsafeMutableRawPointer(image).assumingMemoryBound(to: Float.self), begin, end)
            } else {
                ember_col2im_f64(UnsafeRawPointer(cols).assumingMemoryBound(to: Double.self), geometry,
                                 UnsafeMutableRawPointer(image).assumingMemoryBound(to: Double.self), begin, end)
            }
        }
    }
}
