// im2col/col2im: convolution as GEMM. One image's patches become the columns of a matrix.

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
}

/// ⌈a / b⌉ for b > 0 and any sign of a.
@inline(__always) private func ceilDivide(_ a: Int, _ b: Int) -> Int { a >= 0 ? (a + b - 1) / b : -((-a) / b) }

/// The output columns whose input column `ox·stride + offset` lies inside the image: [lower, upper).
@inline(__always) private func validColumns(offset: Int, stride: Int, width: Int, outW: Int) -> (Int, Int) {
    let lower = Swift.max(0, ceilDivide(-offset, stride))
    let upper = Swift.min(outW, ceilDivide(width - offset, stride))
    return (lower, Swift.max(lower, upper))
}

/// cols[(c, ki, kj), (oy, ox)] = image[c, oy*s - p + ki*d, ox*s - p + kj*d] (zero outside). Rows of
/// `cols` are `rowStride` apart (the column count, or more when several images share one matrix).
func im2col<T: FloatScalar>(_ image: UnsafePointer<T>, _ g: ConvolutionGeometry, _ cols: UnsafeMutablePointer<T>, rowStride: Int? = nil) {
    let plane = g.height * g.width, count = rowStride ?? g.columnCount
    parallelFor(g.columnRows, grain: Swift.max(1, 4096 / Swift.max(count, 1))) { range in
        for row in range {
            let c = row / (g.kernelH * g.kernelW), kernelIndex = row % (g.kernelH * g.kernelW)
            let ki = kernelIndex / g.kernelW, kj = kernelIndex % g.kernelW
            let source = image + c * plane, destination = cols + row * count
            let offset = kj * g.dilationW - g.padW
            let (lower, upper) = validColumns(offset: offset, stride: g.strideW, width: g.width, outW: g.outW)
            for oy in 0..<g.outH {
                let y = oy * g.strideH - g.padH + ki * g.dilationH
                let line = destination + oy * g.outW
                if y < 0 || y >= g.height {
                    line.update(repeating: 0, count: g.outW)
                    continue
                }
                // Rows are short (a feature map's width): plain loops beat memcpy/memset calls here.
                let sourceLine = source + y * g.width + offset
                for ox in 0..<lower { line[ox] = 0 }
                for ox in upper..<g.outW { line[ox] = 0 }
                if g.strideW == 1 {
                    for ox in lower..<upper { line[ox] = sourceLine[ox] }
                } else {
                    for ox in lower..<upper { line[ox] = sourceLine[ox * g.strideW] }
                }
            }
        }
    }
}

/// The adjoint of `im2col`: adds each column entry back into the image position it was read from.
func col2im<T: FloatScalar>(_ cols: UnsafePointer<T>, _ g: ConvolutionGeometry, _ image: UnsafeMutablePointer<T>, rowStride: Int? = nil) {
    let plane = g.height * g.width, count = rowStride ?? g.columnCount, perChannel = g.kernelH * g.kernelW
    // Channels are independent, so threads split by channel and never write the same pixel.
    parallelFor(g.channels, grain: 1) { range in
        for c in range {
            let destination = image + c * plane
            for kernelIndex in 0..<perChannel {
                let ki = kernelIndex / g.kernelW, kj = kernelIndex % g.kernelW
                let source = cols + (c * perChannel + kernelIndex) * count
                let offset = kj * g.dilationW - g.padW
                let (lower, upper) = validColumns(offset: offset, stride: g.strideW, width: g.width, outW: g.outW)
                for oy in 0..<g.outH {
                    let y = oy * g.strideH - g.padH + ki * g.dilationH
                    if y < 0 || y >= g.height { continue }
                    let line = source + oy * g.outW, target = destination + y * g.width + offset
                    if g.strideW == 1 {
                        for ox in lower..<upper { target[ox] += line[ox] }
                    } else {
                        for ox in lower..<upper { target[ox * g.strideW] += line[ox] }
                    }
                }
            }
        }
    }
}
