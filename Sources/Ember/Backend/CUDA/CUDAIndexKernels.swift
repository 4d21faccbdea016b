// The CUDA C of the indexing primitives: gather and scatter along a dimension, and the copies at precomputed base
// offsets that advanced indexing reads (take) and writes (put).

extension CUDAKernelSources {
    /// The dtypes whose accumulating scatter and put have kernels (those with a hardware `atomicAdd`).
    static let atomicTypes: [DType] = [.int32, .int64, .float32, .float64]

    /// `index_<dtype>`: `gather`, `scatter` and `take`, `put`, and for `atomicTypes` `scatter_add` and `put_add`
    /// (atomic, so repeated positions all count; their order, and which of repeated plain writes wins, is the GPU's).
    ///
    /// - `gather_T(n, layout, out, input, index, dimStride, size, outside)` and `scatter[_add]_T(n, layout, target, source,
    ///   index, dimStride, size, outside)` run over index's n positions; the layout gives out's (target's) offsets with the
    ///   dimension's stride zeroed, then the other operand's and index's. An index outside [0, size) is skipped and
    ///   reported in `outside` (word 0 set to 1 by the first, word 1 its value).
    /// - `take_T(n, block, blockCount, bases, source, out)`: out[i] = source[bases[i / blockCount] + block offset of
    ///   i % blockCount], out contiguous; `put[_add]_T(n, block, blockCount, bases, values, target)` the reverse.
    static func indexing(_ dtype: DType) -> CUDAKernelModule {
        let t = cType(dtype), atomic = atomicTypes.contains(dtype)
        let along = [("gather_\(dtype)", "out", "input", "out[offset[0]] = input[offset[1] + j * dimStride];")]
            + [("scatter_\(dtype)", "target", "source", "target[offset[0] + j * dimStride] = source[offset[1]];")]
            + (atomic ? [("scatter_add_\(dtype)", "target", "source", "ember_atomic_add(&target[offset[0] + j * dimStride], source[offset[1]]);")] : [])
        let alongKernels = along.map { name, written, read, body in
            (name, """
            extern "C" __global__ void \(name)(long long n, EmberLayout layout, \(t)* __restrict__ \(written), const \(t)* __restrict__ \(read),
                                                const long long* __restrict__ index, long long dimStride, long long size,
                                                long long* outside) {
                for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
                    long long offset[3];
                    ember_offsets(layout, i, offset, 3);
                    long long j = index[offset[2]];
                    if (j < 0 || j >= size) {
                        if (atomicCAS((unsigned long long*)outside, 0ULL, 1ULL) == 0ULL) outside[1] = j;
                        continue;
                    }
                    \(body)
                }
            }

            """)
        }
        let blocks = [("take_\(dtype)", "const \(t)* __restrict__ source, \(t)* __restrict__ out", "out[i] = source[at];")]
            + [("put_\(dtype)", "const \(t)* __restrict__ values, \(t)* __restrict__ target", "target[at] = values[i];")]
            + (atomic ? [("put_add_\(dtype)", "const \(t)* __restrict__ values, \(t)* __restrict__ target",
                          "ember_atomic_add(&target[at], values[i]);")] : [])
        let blockKernels = blocks.map { name, operands, body in
            (name, """
            extern "C" __global__ void \(name)(long long n, EmberLayout block, long long blockCount, const long long* __restrict__ bases,
                                                \(operands)) {
                for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
                    long long b = i / blockCount, offset[1];
                    ember_offsets(block, i - b * blockCount, offset, 1);
                    long long at = bases[b] + offset[0];
                    \(body)
                }
            }

            """)
        }
        return module("index_\(dtype)", withHalves: true, prefix: atomic ? atomicPrelude : "", alongKernels + blockKernels)
    }

    /// `ember_atomic_add` for the atomic dtypes: CUDA's `atomicAdd`, int64 through its unsigned 64-bit form (the same
    /// bits in two's complement).
    static let atomicPrelude = """
        __device__ __forceinline__ void ember_atomic_add(int* p, int v) { atomicAdd(p, v); }
        __device__ __forceinline__ void ember_atomic_add(float* p, float v) { atomicAdd(p, v); }
        __device__ __forceinline__ void ember_atomic_add(double* p, double v) { atomicAdd(p, v); }
        __device__ __forceinline__ void ember_atomic_add(long long* p, long long v) {
            atomicAdd((unsigned long long*)p, (unsigned long long)v);
        }

        """
}
