// The CUDA C of the row primitives: reductions, arg max/min and the row transforms (softmax, log-softmax, cumulative
// sums, products and log-sum-exps) of a contiguous [rows, k] operand, one block of threads per row; and sorting.

extension CUDAKernelSources {
    /// The kernel stem of a row reduction and its scalar parameter (a norm's order, a variance's correction).
    static func rowReductionKernel(_ op: RowReduction) -> (name: String, parameter: Double) {
        switch op {
        case .sum: return ("row_sum", 0)
        case .sumAbs: return ("row_sum_abs", 0)
        case .prod: return ("row_prod", 0)
        case .max: return ("row_max", 0)
        case .min: return ("row_min", 0)
        case .logsumexp: return ("row_logsumexp", 0)
        case .norm(0): return ("row_count_nonzero", 0)
        case .norm(.infinity): return ("row_max_abs", 0)
        case .norm(-.infinity): return ("row_min_abs", 0)
        case .norm(2): return ("row_norm2", 0)
        case .norm(let order): return ("row_norm", order)
        case .variance(let correction): return ("row_variance", correction)
        }
    }

    /// The kernel of a row transform.
    static func rowTransformKernel(_ op: RowTransform) -> String {
        switch op {
        case .softmax: return "softmax"
        case .logSoftmax: return "log_softmax"
        case .cumsum: return "cumsum"
        case .cumprod: return "cumprod"
        case .logcumsumexp: return "logcumsumexp"
        }
    }

    /// `reduce_<dtype>`: every row reduction (`rowReductionKernel`) of a contiguous [rows, k] float operand, called
    /// `(rows, k, x, out, double p)`: one block per row (grid-stride over rows), each thread folding a strided share of
    /// the row in double, the block combining the shares in shared memory; a NaN wins a maximum or minimum, as on the
    /// CPU. And `middle_sum`: out[o, i] = Σ_j x[o, j, i] over a contiguous [outer, k, inner] operand, a thread per output
    /// summing in double in j's order, as the CPU does (neighbouring threads read neighbouring columns).
    static func reductions(_ dtype: DType) -> CUDAKernelModule {
        let t = cType(dtype)
        // name, starting value, what each element contributes, how two partial results combine, the result from the total.
        let folds = [("row_sum", "0.0", "v", "EmberSum", "total"), ("row_sum_abs", "0.0", "fabs(v)", "EmberSum", "total"),
                     ("row_prod", "1.0", "v", "EmberProduct", "total"), ("row_max", "-INFINITY", "v", "EmberMax", "total"),
                     ("row_min", "INFINITY", "v", "EmberMin", "total"),
                     ("row_count_nonzero", "0.0", "(v != 0 ? 1.0 : 0.0)", "EmberSum", "total"),
                     ("row_max_abs", "0.0", "fabs(v)", "EmberMax", "total"), ("row_min_abs", "INFINITY", "fabs(v)", "EmberMin", "total"),
                     ("row_norm2", "0.0", "v * v", "EmberSum", "sqrt(total)"),
                     ("row_norm", "0.0", "pow(fabs(v), p)", "EmberSum", "pow(total, 1.0 / p)")]
        let foldKernels = folds.map { name, initial, map, combine, finish in
            rowKernel("\(name)_\(dtype)", t, """
                double acc = \(initial);
                        for (long long j = threadIdx.x; j < k; j += blockDim.x) { double v = (double)row[j]; acc = \(combine)()(acc, \(map)); }
                        double total = ember_block_reduce(acc, \(combine)());
                        double result = \(finish);
                """)
        }
        let logsumexp = rowKernel("row_logsumexp_\(dtype)", t, """
            double m = ember_row_fold(row, k, -INFINITY, EmberMax());
                    if (isinf(m)) m = 0;
                    double sum = 0;
                    for (long long j = threadIdx.x; j < k; j += blockDim.x) sum += exp((double)row[j] - m);
                    double result = isnan(m) ? m : log(ember_block_reduce(sum, EmberSum())) + m;
            """)
        let variance = rowKernel("row_variance_\(dtype)", t, """
            double mean = ember_row_fold(row, k, 0.0, EmberSum()) / (double)k;
                    double squares = 0;
                    for (long long j = threadIdx.x; j < k; j += blockDim.x) { double d = (double)row[j] - mean; squares += d * d; }
                    double result = ember_block_reduce(squares, EmberSum()) / fmax((double)k - p, 0.0);
            """)
        let middleSum = """
            extern "C" __global__ void middle_sum_\(dtype)(long long outer, long long k, long long inner, const \(t)* __restrict__ x,
                                                    \(t)* __restrict__ out) {
                for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < outer * inner; i += (long long)gridDim.x * blockDim.x) {
                    long long block = i / inner, column = i - block * inner;
                    const \(t)* p = x + block * k * inner + column;
                    double sum = 0;
                    for (long long j = 0; j < k; ++j) sum += (double)p[j * inner];
                    out[i] = (\(t))sum;
                }
            }

            """
        return module("reduce_\(dtype)", prefix: rowPrelude, [("middle_sum_\(dtype)", middleSum)] + foldKernels + [logsumexp, variance])
    }

    /// `row_transform_<dtype>`: softmax and log-softmax (the row's maximum, then the sum of exponentials in double,
    /// the outputs computed in the dtype as on the CPU), and the cumulative sum, product and log-sum-exp as a block-wide
    /// scan in double over chunks of the row, carried from chunk to chunk. Called `(rows, k, x, out)`; out may be x.
    static func rowTransforms(_ dtype: DType) -> CUDAKernelModule {
        let t = cType(dtype)
        let softmax = transformKernel("softmax_\(dtype)", t, """
            double m = ember_row_fold(row, k, -INFINITY, EmberMaxSkippingNaN());
                    double sum = 0;
                    for (long long j = threadIdx.x; j < k; j += blockDim.x) sum += (double)(\(t))exp((\(t))(row[j] - (\(t))m));
                    \(t) inverse = (\(t))1 / (\(t))ember_block_reduce(sum, EmberSum());
                    for (long long j = threadIdx.x; j < k; j += blockDim.x) result[j] = (\(t))exp((\(t))(row[j] - (\(t))m)) * inverse;
            """)
        let logSoftmax = transformKernel("log_softmax_\(dtype)", t, """
            double m = ember_row_fold(row, k, -INFINITY, EmberMaxSkippingNaN());
                    double sum = 0;
                    for (long long j = threadIdx.x; j < k; j += blockDim.x) sum += (double)(\(t))exp((\(t))(row[j] - (\(t))m));
                    \(t) logTotal = (\(t))log((\(t))ember_block_reduce(sum, EmberSum()));
                    for (long long j = threadIdx.x; j < k; j += blockDim.x) result[j] = row[j] - (\(t))m - logTotal;
            """)
        let scans = [("cumsum", "0.0", "EmberSum"), ("cumprod", "1.0", "EmberProduct"), ("logcumsumexp", "-INFINITY", "EmberLogAddExp")]
            .map { name, identity, op in
                transformKernel("\(name)_\(dtype)", t, """
                    __shared__ double scan[\(CUDADriverLauncher.threadsPerBlock)];
                            double carry = \(identity);
                            for (long long start = 0; start < k; start += blockDim.x) {
                                long long j = start + threadIdx.x;
                                scan[threadIdx.x] = j < k ? (double)row[j] : \(identity);
                                __syncthreads();
                                for (unsigned s = 1; s < blockDim.x; s <<= 1) {
                                    double earlier = threadIdx.x >= s ? scan[threadIdx.x - s] : \(identity);
                                    __syncthreads();
                                    scan[threadIdx.x] = \(op)()(earlier, scan[threadIdx.x]);
                                    __syncthreads();
                                }
                                if (j < k) result[j] = (\(t))\(op)()(carry, scan[threadIdx.x]);
                                carry = \(op)()(carry, scan[blockDim.x - 1]);
                                __syncthreads();
                            }
                    """)
            }
        return module("row_transform_\(dtype)", prefix: rowPrelude, [softmax, logSoftmax] + scans)
    }

    /// `arg_max_<dtype>`, `arg_min_<dtype>`: each row's extreme (compared in the dtype) and the index of its first
    /// occurrence, a NaN counting as the extreme, as on the CPU. Called `(rows, k, x, values, long long* indices)`, k > 0.
    static func argExtremes(_ dtype: DType) -> CUDAKernelModule {
        let t = cType(dtype), threads = CUDADriverLauncher.threadsPerBlock
        return module("arg_extreme_\(dtype)", [("max", ">"), ("min", "<")].map { name, better in
            ("arg_\(name)_\(dtype)", """
            __device__ __forceinline__ bool arg_\(name)_takes(\(t) best, long long at, \(t) v, long long i) {
                if (i < 0) return false;
                if (at < 0) return true;
                if (ember_isnan(best)) return ember_isnan(v) && i < at;
                if (ember_isnan(v)) return true;
                return v \(better) best || (v == best && i < at);
            }
            extern "C" __global__ void arg_\(name)_\(dtype)(long long rows, long long k, const \(t)* __restrict__ x,
                                                      \(t)* __restrict__ values, long long* __restrict__ indices) {
                __shared__ \(t) best[\(threads)];
                __shared__ long long at[\(threads)];
                for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
                    \(t) b = x[r * k];
                    long long a = -1;
                    for (long long j = threadIdx.x; j < k; j += blockDim.x) {
                        if (arg_\(name)_takes(b, a, x[r * k + j], j)) { b = x[r * k + j]; a = j; }
                    }
                    best[threadIdx.x] = b;
                    at[threadIdx.x] = a;
                    __syncthreads();
                    for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
                        if (threadIdx.x < s && arg_\(name)_takes(best[threadIdx.x], at[threadIdx.x], best[threadIdx.x + s], at[threadIdx.x + s])) {
                            best[threadIdx.x] = best[threadIdx.x + s];
                            at[threadIdx.x] = at[threadIdx.x + s];
                        }
                        __syncthreads();
                    }
                    if (threadIdx.x == 0) { values[r] = best[0]; indices[r] = at[0]; }
                    __syncthreads();
                }
            }

            """)
        })
    }

    /// The longest row `sort_<dtype>` takes: each element counts the elements before it, k² comparisons a row.
    static let longestSortedRow = 4096

    /// `sort_<dtype>`: each row of a contiguous [rows, k] operand sorted stably, NaN last ascending and first descending
    /// as on the CPU, with the int64 source indices. Called `(long long n, long long k, long long descending, x, values,
    /// long long* indices)` over the n = rows·k elements: each thread finds its element's place by counting the
    /// elements of its row that go before it, and writes it there (k at most `longestSortedRow`).
    static func sorting(_ dtype: DType) -> CUDAKernelModule {
        let t = cType(dtype)
        return module("sort_\(dtype)", [("sort_\(dtype)", """
            __device__ __forceinline__ bool sort_before_\(dtype)(\(t) a, long long ia, \(t) b, long long ib, bool descending) {
                bool aNaN = ember_isnan(a), bNaN = ember_isnan(b);
                if (aNaN || bNaN) return aNaN && bNaN ? ia < ib : (descending ? aNaN : bNaN);
                if (a != b) return descending ? a > b : a < b;
                return ia < ib;
            }
            extern "C" __global__ void sort_\(dtype)(long long n, long long k, long long descending, const \(t)* __restrict__ x,
                                                 \(t)* __restrict__ values, long long* __restrict__ indices) {
                for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
                    long long row = i / k * k, at = i - row, place = 0;
                    \(t) v = x[i];
                    for (long long j = 0; j < k; ++j) place += sort_before_\(dtype)(x[row + j], j, v, at, descending != 0);
                    values[row + place] = v;
                    indices[row + place] = at;
                }
            }

            """)])
    }

    /// A reduction kernel: `body` sets `result` for the row `row` (k elements); thread 0 writes it.
    private static func rowKernel(_ name: String, _ t: String, _ body: String) -> (name: String, source: String) {
        (name, """
        extern "C" __global__ void \(name)(long long rows, long long k, const \(t)* __restrict__ x, \(t)* __restrict__ out, double p) {
            for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
                const \(t)* row = x + r * k;
                \(body)
                if (threadIdx.x == 0) out[r] = (\(t))result;
            }
        }

        """)
    }

    /// A row transform kernel: `body` writes `result` (k elements) from `row`.
    private static func transformKernel(_ name: String, _ t: String, _ body: String) -> (name: String, source: String) {
        (name, """
        extern "C" __global__ void \(name)(long long rows, long long k, const \(t)* x, \(t)* out) {
            for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
                const \(t)* row = x + r * k;
                \(t)* result = out + r * k;
                \(body)
            }
        }

        """)
    }

    /// The operators the row kernels fold with, and the block-wide reduction: every thread of the block passes its
    /// partial result and gets the block's (blockDim.x a power of two, at most `threadsPerBlock`).
    static let rowPrelude = """
        struct EmberSum { __device__ double operator()(double a, double b) const { return a + b; } };
        struct EmberProduct { __device__ double operator()(double a, double b) const { return a * b; } };
        struct EmberMax { __device__ double operator()(double a, double b) const { return isnan(a) ? a : (isnan(b) || b > a ? b : a); } };
        struct EmberMin { __device__ double operator()(double a, double b) const { return isnan(a) ? a : (isnan(b) || b < a ? b : a); } };
        struct EmberMaxSkippingNaN { __device__ double operator()(double a, double b) const { return b > a ? b : a; } };
        struct EmberLogAddExp {
            __device__ double operator()(double a, double b) const {
                if (isnan(a) || isnan(b)) return NAN;
                if (isinf(a) && a == b) return a;
                return fmax(a, b) + log1p(exp(-fabs(a - b)));
            }
        };

        template <typename Op> __device__ double ember_block_reduce(double value, Op op) {
            __shared__ double partial[\(CUDADriverLauncher.threadsPerBlock)];
            partial[threadIdx.x] = value;
            __syncthreads();
            for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
                if (threadIdx.x < s) partial[threadIdx.x] = op(partial[threadIdx.x], partial[threadIdx.x + s]);
                __syncthreads();
            }
            double result = partial[0];
            __syncthreads();
            return result;
        }

        template <typename T, typename Op> __device__ double ember_row_fold(const T* row, long long k, double initial, Op op) {
            double acc = initial;
            for (long long j = threadIdx.x; j < k; j += blockDim.x) acc = op(acc, (double)row[j]);
            return ember_block_reduce(acc, op);
        }

        """
}
