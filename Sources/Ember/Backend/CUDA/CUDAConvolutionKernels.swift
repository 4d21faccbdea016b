// The CUDA C of convolution as GEMM: im2col and its adjoint col2im over a whole batch, a thread per element.

extension CUDAKernelSources {
    /// `convolution_<dtype>`, both kernels called `(long long n, EmberConv g, …)` over `images` consecutive images of
    /// `g.channels` channels (a batch's images times its groups), their columns [images, channels·kH·kW, outH·outW]:
    /// - `im2col(g, image, cols)`: a thread per column entry, cols[(c, ki, kj), (oy, ox)] = image[c, oy·s − p + ki·d,
    ///   ox·s − p + kj·d], zero outside.
    /// - `col2im(g, cols, image)`: a thread per image element adding up, in (ki, kj) order, the column entries read from
    ///   it (no atomics, so every run gives the same bits).
    static func convolution(_ dtype: DType) -> CUDAKernelModule {
        let t = cType(dtype)
        let im2col = """
            extern "C" __global__ void im2col_\(dtype)(long long n, EmberConv g, const \(t)* __restrict__ image, \(t)* __restrict__ cols) {
                for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
                    long long ox = i % g.outW, oy = i / g.outW % g.outH, kj = i / (g.outW * g.outH) % g.kernelW;
                    long long ki = i / (g.outW * g.outH * g.kernelW) % g.kernelH, plane = i / (g.outW * g.outH * g.kernelW * g.kernelH);
                    long long y = oy * g.strideH - g.padH + ki * g.dilationH, x = ox * g.strideW - g.padW + kj * g.dilationW;
                    cols[i] = y >= 0 && y < g.height && x >= 0 && x < g.width ? image[(plane * g.height + y) * g.width + x] : (\(t))0;
                }
            }

            """
        let col2im = """
            extern "C" __global__ void col2im_\(dtype)(long long n, EmberConv g, const \(t)* __restrict__ cols, \(t)* __restrict__ image) {
                for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
                    long long x = i % g.width, y = i / g.width % g.height, plane = i / (g.width * g.height);
                    const \(t)* planeCols = cols + plane * g.kernelH * g.kernelW * g.outH * g.outW;
                    \(t) total = 0;
                    for (long long ki = 0; ki < g.kernelH; ++ki) {
                        long long sy = y + g.padH - ki * g.dilationH;
                        if (sy < 0 || sy % g.strideH != 0 || sy / g.strideH >= g.outH) continue;
                        for (long long kj = 0; kj < g.kernelW; ++kj) {
                            long long sx = x + g.padW - kj * g.dilationW;
                            if (sx < 0 || sx % g.strideW != 0 || sx / g.strideW >= g.outW) continue;
                            total += planeCols[((ki * g.kernelW + kj) * g.outH + sy / g.strideH) * g.outW + sx / g.strideW];
                        }
                    }
                    image[i] += total;
                }
            }

            """
        return module("convolution_\(dtype)", prefix: """
            struct EmberConv { long long height, width, kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW, outH, outW; };

            """, [("im2col_\(dtype)", im2col), ("col2im_\(dtype)", col2im)])
    }
}
