// The CUDA C of pooling: max pooling with its indices, average and adaptive average pooling, and their backward
// passes, each a thread per element over [planes, H, W] blocks.

extension CUDAKernelSources {
    /// `pool_<dtype>`, every kernel called `(long long n, EmberPool g, …)` over n elements:
    /// - `max_pool(g, x, y, indices)`: a thread per output, PyTorch's window loop (from -inf at the window's first
    ///   position inside the plane, taking a larger value or a NaN; index -1 for an empty window).
    /// - `max_pool_backward(g, gradOut, indices, gradIn)`, `avg_pool_backward(g, countIncludePad, divisor, gradOut,
    ///   gradIn)` and `adaptive_avg_pool_backward(g, gradOut, gradIn)`: a thread per input element gathering, in the
    ///   outputs' order, the gradients of the windows that hold it and adding them to gradIn (no atomics, so the sums
    ///   are the CPU's, in its order).
    /// - `avg_pool(g, countIncludePad, divisor, x, y)` (divisor 0: none given) and `adaptive_avg_pool(g, x, y)`, whose bin
    ///   i of n over a length L spans [⌊iL/n⌋, ⌈(i+1)L/n⌉).
    static func pooling(_ dtype: DType) -> CUDAKernelModule {
        let t = cType(dtype)
        func kernel(_ name: String, _ parameters: String, _ body: String) -> (name: String, source: String) {
            ("\(name)_\(dtype)", """
            extern "C" __global__ void \(name)_\(dtype)(long long n, EmberPool g, \(parameters)) {
                for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
                    \(body)
                }
            }

            """)
        }
        let output = "long long p = i / (g.outH * g.outW), oy = i / g.outW % g.outH, ox = i % g.outW;"
        let input = "long long p = i / (g.height * g.width), iy = i / g.width % g.height, jx = i % g.width;"
        let avgWindow = """
            long long y0 = oy * g.strideH - g.padH, x0 = ox * g.strideW - g.padW;
                        long long y1 = min(y0 + g.kernelH, g.height + g.padH), x1 = min(x0 + g.kernelW, g.width + g.padW);
                        long long padded = (y1 - y0) * (x1 - x0);
                        y0 = max(y0, 0LL); x0 = max(x0, 0LL); y1 = min(y1, g.height); x1 = min(x1, g.width);
                        \(t) divisor = (\(t))(divisorOverride != 0 ? divisorOverride : (countIncludePad ? padded : (y1 - y0) * (x1 - x0)));
            """
        let adaptiveBin = """
            long long y0 = oy * g.height / g.outH, y1 = ((oy + 1) * g.height + g.outH - 1) / g.outH;
                        long long x0 = ox * g.width / g.outW, x1 = ((ox + 1) * g.width + g.outW - 1) / g.outW;
            """
        let maxPool = kernel("max_pool", "const \(t)* __restrict__ x, \(t)* __restrict__ y, long long* __restrict__ indices", """
            \(output)
                    const \(t)* plane = x + p * g.height * g.width;
                    \(t) best = -INFINITY;
                    long long at = -1;
                    for (long long ki = 0; ki < g.kernelH; ++ki) {
                        long long iy = oy * g.strideH - g.padH + ki * g.dilationH;
                        if (iy < 0 || iy >= g.height) continue;
                        for (long long kj = 0; kj < g.kernelW; ++kj) {
                            long long jx = ox * g.strideW - g.padW + kj * g.dilationW;
                            if (jx < 0 || jx >= g.width) continue;
                            \(t) v = plane[iy * g.width + jx];
                            if (at < 0 || v > best || isnan(v)) { best = v; at = iy * g.width + jx; }
                        }
                    }
                    y[i] = best;
                    indices[i] = at;
            """)
        let maxPoolBackward = kernel("max_pool_backward", """
            const \(t)* __restrict__ gradOut, const long long* __restrict__ indices, \(t)* __restrict__ gradIn
            """, """
            \(input)
                    long long position = iy * g.width + jx, o = p * g.outH * g.outW;
                    \(t) total = 0;
                    for (long long oy = ember_first_window(iy + g.padH, (g.kernelH - 1) * g.dilationH + 1, g.strideH);
                         oy <= min((iy + g.padH) / g.strideH, g.outH - 1); ++oy) {
                        for (long long ox = ember_first_window(jx + g.padW, (g.kernelW - 1) * g.dilationW + 1, g.strideW);
                             ox <= min((jx + g.padW) / g.strideW, g.outW - 1); ++ox) {
                            if (indices[o + oy * g.outW + ox] == position) total += gradOut[o + oy * g.outW + ox];
                        }
                    }
                    gradIn[i] += total;
            """)
        /// y = the mean of the output's window (`window` sets y0, y1, x0, x1) over `divisor`.
        func windowMean(_ window: String, divisor: String) -> String {
            """
            \(output)
                    \(window)
                    const \(t)* plane = x + p * g.height * g.width;
                    \(t) total = 0;
                    for (long long iy = y0; iy < y1; ++iy) for (long long jx = x0; jx < x1; ++jx) total += plane[iy * g.width + jx];
                    y[i] = total / \(divisor);
            """
        }
        let avgPool = kernel("avg_pool", "long long countIncludePad, long long divisorOverride, const \(t)* __restrict__ x, \(t)* __restrict__ y",
                             windowMean(avgWindow, divisor: "divisor"))
        let avgPoolBackward = kernel("avg_pool_backward", """
            long long countIncludePad, long long divisorOverride, const \(t)* __restrict__ gradOut, \(t)* __restrict__ gradIn
            """, """
            \(input)
                    \(t) total = 0;
                    for (long long oy = ember_first_window(iy + g.padH, g.kernelH, g.strideH); oy <= min((iy + g.padH) / g.strideH, g.outH - 1); ++oy) {
                        for (long long ox = ember_first_window(jx + g.padW, g.kernelW, g.strideW); ox <= min((jx + g.padW) / g.strideW, g.outW - 1); ++ox) {
                            \(avgWindow)
                            total += gradOut[(p * g.outH + oy) * g.outW + ox] / divisor;
                        }
                    }
                    gradIn[i] += total;
            """)
        let adaptive = kernel("adaptive_avg_pool", "const \(t)* __restrict__ x, \(t)* __restrict__ y",
                              windowMean(adaptiveBin, divisor: "(\(t))((y1 - y0) * (x1 - x0))"))
        let adaptiveBackward = kernel("adaptive_avg_pool_backward", "const \(t)* __restrict__ gradOut, \(t)* __restrict__ gradIn", """
            \(input)
                    \(t) total = 0;
                    for (long long oy = iy * g.outH / g.height; oy < g.outH && oy * g.height < (iy + 1) * g.outH; ++oy) {
                        for (long long ox = jx * g.outW / g.width; ox < g.outW && ox * g.width < (jx + 1) * g.outW; ++ox) {
                            \(adaptiveBin)
                            if (iy >= y0 && iy < y1 && jx >= x0 && jx < x1) total += gradOut[(p * g.outH + oy) * g.outW + ox] / (\(t))((y1 - y0) * (x1 - x0));
                        }
                    }
                    gradIn[i] += total;
            """)
        return module("pool_\(dtype)", prefix: poolPrelude, [maxPool, maxPoolBackward, avgPool, avgPoolBackward, adaptive, adaptiveBackward])
    }

    /// The geometry argument (`PoolGeometry`'s fields in order) and the first output whose window, `extent` long at
    /// every `stride`, reaches position `at` of the padded input.
    static let poolPrelude = """
        struct EmberPool { long long height, width, outH, outW, kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW; };

        __device__ __forceinline__ long long ember_first_window(long long at, long long extent, long long stride) {
            return at < extent ? 0 : (at - extent) / stride + 1;
        }

        """
}
