// The CUDA C of a recurrent layer's time step: the pointwise part of its cell, forward and backward, a thread per
// hidden unit of each batch row. The products around it go to cuBLAS (`CUDARecurrent.swift`).

extension CUDAKernelSources {
    /// The cell codes the kernels take: `RecurrentCell` in declaration order.
    static func cellCode(_ cell: RecurrentCell) -> Int64 {
        switch cell {
        case .tanh: return 0
        case .relu: return 1
        case .lstm: return 2
        case .gru: return 3
        }
    }

    /// `recurrent_<dtype>`, both kernels called `(long long n, long long cell, long long hidden, …)` over the n = batch ×
    /// hidden units of one step, in the CPU kernel's orders of operations (PyTorch's cells):
    /// - `recurrent_forward(gx, gh, hp, cp, saved, h, c)`: from the step's gate pre-activations of the input side `gx`
    ///   (with the biases the CPU adds there) and of the hidden side `gh` ([batch, gates × hidden] each; for GRU `gh`
    ///   holds the hidden bias too, which the n gate scales by r) and the previous state `hp`, `cp`, writes `saved`
    ///   ([batch, 4 × hidden] for LSTM — the activated gates — and GRU — r, z, n and the n gate's hidden side —, else
    ///   [batch, hidden], the new state), `h` and, for LSTM, `c`.
    /// - `recurrent_backward(saved, c, hp, cp, gradOut, carry, cellCarry, inputSide, hiddenSide)`: adds the output's
    ///   gradient to `carry` (the hidden state's gradient from later steps), writes the gate gradients of the input side
    ///   and (for GRU, where they differ) of the hidden side, replaces `cellCarry` by the previous cell state's
    ///   gradient (LSTM) and `carry` by the part of the previous hidden state's gradient that bypasses the recurrent
    ///   product (GRU's z·dh; zero for the others).
    static func recurrent(_ dtype: DType) -> CUDAKernelModule {
        let t = cType(dtype)
        let unit = """
            long long row = i / hidden, j = i % hidden, width = (cell == 2 ? 4 : (cell == 3 ? 3 : 1)) * hidden;
                    long long keep = row * (cell >= 2 ? 4 * hidden : hidden);
            """
        return module("recurrent_\(dtype)", prefix: """
            __device__ __forceinline__ static \(t) emberSigmoid(\(t) x) { return (\(t))1 / ((\(t))1 + exp(-x)); }

            """, [("recurrent_forward_\(dtype)", """
            extern "C" __global__ void recurrent_forward_\(dtype)(long long n, long long cell, long long hidden,
                    const \(t)* __restrict__ gx, const \(t)* __restrict__ gh, const \(t)* __restrict__ hp, const \(t)* __restrict__ cp,
                    \(t)* __restrict__ saved, \(t)* __restrict__ h, \(t)* __restrict__ c) {
                for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
                    \(unit)
                    const \(t)* x = gx + row * width;
                    const \(t)* y = gh + row * width;
                    \(t)* s = saved + keep;
                    if (cell == 0 || cell == 1) {
                        \(t) v = x[j] + y[j];
                        v = cell == 0 ? tanh(v) : (v > (\(t))0 ? v : (\(t))0);
                        s[j] = v;
                        h[i] = v;
                    } else if (cell == 2) {
                        \(t) ig = emberSigmoid(x[j] + y[j]), fg = emberSigmoid(x[hidden + j] + y[hidden + j]);
                        \(t) gg = tanh(x[2 * hidden + j] + y[2 * hidden + j]), og = emberSigmoid(x[3 * hidden + j] + y[3 * hidden + j]);
                        s[j] = ig; s[hidden + j] = fg; s[2 * hidden + j] = gg; s[3 * hidden + j] = og;
                        \(t) cv = fg * cp[i] + ig * gg;
                        c[i] = cv;
                        h[i] = og * tanh(cv);
                    } else {
                        \(t) r = emberSigmoid(x[j] + y[j]), z = emberSigmoid(x[hidden + j] + y[hidden + j]);
                        \(t) hn = y[2 * hidden + j];
                        \(t) nn = tanh(x[2 * hidden + j] + r * hn);
                        s[j] = r; s[hidden + j] = z; s[2 * hidden + j] = nn; s[3 * hidden + j] = hn;
                        h[i] = nn + z * (hp[i] - nn);
                    }
                }
            }

            """), ("recurrent_backward_\(dtype)", """
            extern "C" __global__ void recurrent_backward_\(dtype)(long long n, long long cell, long long hidden,
                    const \(t)* __restrict__ saved, const \(t)* __restrict__ c, const \(t)* __restrict__ hp, const \(t)* __restrict__ cp,
                    const \(t)* __restrict__ gradOut, \(t)* __restrict__ carry, \(t)* __restrict__ cellCarry, \(t)* __restrict__ inputSide,
                    \(t)* __restrict__ hiddenSide) {
                for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
                    \(unit)
                    const \(t)* s = saved + keep;
                    \(t)* dG = inputSide + row * width;
                    \(t) dh = carry[i] + gradOut[i];
                    if (cell == 0) {
                        dG[j] = dh * ((\(t))1 - s[j] * s[j]);
                    } else if (cell == 1) {
                        dG[j] = s[j] > (\(t))0 ? dh : (\(t))0;
                    } else if (cell == 2) {
                        \(t) ig = s[j], fg = s[hidden + j], gg = s[2 * hidden + j], og = s[3 * hidden + j];
                        \(t) tc = tanh(c[i]);
                        \(t) dc = cellCarry[i] + dh * og * ((\(t))1 - tc * tc);
                        dG[3 * hidden + j] = dh * tc * og * ((\(t))1 - og);
                        dG[j] = dc * gg * ig * ((\(t))1 - ig);
                        dG[hidden + j] = dc * cp[i] * fg * ((\(t))1 - fg);
                        dG[2 * hidden + j] = dc * ig * ((\(t))1 - gg * gg);
                        cellCarry[i] = dc * fg;
                    } else {
                        \(t) r = s[j], z = s[hidden + j], nn = s[2 * hidden + j], hn = s[3 * hidden + j];
                        \(t) dn = dh * ((\(t))1 - z) * ((\(t))1 - nn * nn);
                        \(t)* dH = hiddenSide + row * width;
                        dG[j] = dn * hn * r * ((\(t))1 - r);
                        dG[hidden + j] = dh * (hp[i] - nn) * z * ((\(t))1 - z);
                        dG[2 * hidden + j] = dn;
                        dH[j] = dG[j];
                        dH[hidden + j] = dG[hidden + j];
                        dH[2 * hidden + j] = dn * r;
                    }
                    carry[i] = cell == 3 ? dh * s[hidden + j] : (\(t))0;
                }
            }

            """)])
    }
}
