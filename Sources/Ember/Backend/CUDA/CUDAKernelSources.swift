// The CUDA C sources of Ember's pointwise kernels, generated from the op vocabulary: one module per family and
// dtype, compiled by NVRTC for the GPU's architecture when first used.

/// One NVRTC compilation unit: a family of kernels for one dtype.
struct CUDAKernelModule {
    /// A name unique among the modules (`float_unary_float32`).
    let name: String
    /// The complete CUDA C source.
    let source: String
    /// The `extern "C"` kernels it defines, by name.
    let kernels: [String]
}

/// Generates the kernel modules. Every pointwise kernel takes `(long long n, EmberLayout layout, out, inputs…,
/// double p0, p1, p2, p3)`: n elements, the shape and each operand's strides (out first), the operands' first
/// elements, and the op's scalar arguments. Kernels loop grid-stride over the n elements of the output.
enum CUDAKernelSources {
    /// The most dimensions a layout passed to a kernel has (more are coalesced or made contiguous first).
    static let maxDims = 16
    /// The most operands (output included) of a pointwise kernel: select's out, condition, x, y.
    static let maxOperands = 4

    /// The C type of a dtype's elements in a kernel.
    static func cType(_ dtype: DType) -> String {
        switch dtype {
        case .bool: return "bool"
        case .uint8: return "unsigned char"
        case .int8: return "signed char"
        case .int32: return "int"
        case .int64: return "long long"
        case .float16: return "__half"
        case .bfloat16: return "__nv_bfloat16"
        case .float32: return "float"
        case .float64: return "double"
        case .complex64: return "float2"
        case .complex128: return "double2"
        }
    }

    /// The dtypes whose float kernels exist (the op layer computes float16 and bfloat16 in float32).
    static let floatTypes: [DType] = [.float32, .float64]
    /// The dtypes whose arithmetic kernels exist (the compute dtypes).
    static let arithmeticTypes: [DType] = [.uint8, .int8, .int32, .int64, .float32, .float64]
    /// Every dtype: copies, casts, fills and selects move any of them.
    static let allTypes: [DType] = [.bool, .uint8, .int8, .int32, .int64, .float16, .bfloat16, .float32, .float64]

    /// Every module Ember can launch kernels from.
    static var all: [CUDAKernelModule] {
        floatTypes.map { floatUnary($0) } + arithmeticTypes.map { arithmeticUnary($0) }
            + arithmeticTypes.map { arithmeticBinary($0) } + floatTypes.map { floatBinary($0) }
            + arithmeticTypes.map { compare($0) } + [bitwise()] + allTypes.map { cast(from: $0) }
            + [fill(), select()] + floatTypes.map { adam($0) } + floatTypes.map { reductions($0) }
            + floatTypes.map { rowTransforms($0) } + arithmeticTypes.map { argExtremes($0) } + arithmeticTypes.map { sorting($0) }
            + allTypes.map { indexing($0) }
            + floatTypes.map { pooling($0) } + floatTypes.map { convolution($0) } + floatTypes.map { recurrent($0) }
    }

    /// The kernel name of `function` for `dtype` (`leaky_relu_float32`).
    static func kernelName(_ function: CUDAPointwiseFunction, _ dtype: DType) -> String { "\(function.name)_\(dtype)" }

    static func floatUnary(_ dtype: DType) -> CUDAKernelModule {
        pointwise("float_unary", FloatUnaryOp.cudaKernelCases.map(\.cuda), dtype, arity: 1)
    }

    static func arithmeticUnary(_ dtype: DType) -> CUDAKernelModule {
        pointwise("arithmetic_unary", ArithmeticUnaryOp.cudaKernelCases.map(\.cuda), dtype, arity: 1)
    }

    static func arithmeticBinary(_ dtype: DType) -> CUDAKernelModule {
        pointwise("arithmetic_binary", ArithmeticBinaryOp.cudaKernelCases.map(\.cuda), dtype, arity: 2)
    }

    static func floatBinary(_ dtype: DType) -> CUDAKernelModule {
        pointwise("float_binary", FloatBinaryOp.cudaKernelCases.map(\.cuda), dtype, arity: 2)
    }

    /// Comparisons give bool.
    static func compare(_ dtype: DType) -> CUDAKernelModule {
        pointwise("compare", ComparisonOp.allCases.map(\.cuda), dtype, arity: 2, output: "bool")
    }

    /// Bitwise ops and shifts over int64.
    static func bitwise() -> CUDAKernelModule {
        pointwise("bitwise", BitwiseOp.cudaKernelCases.map(\.cuda), .int64, arity: 2)
    }

    /// `cast_<source>_<destination>` for every destination: C conversions, bool as x != 0.
    static func cast(from source: DType) -> CUDAKernelModule {
        module("cast_\(source)", withHalves: true, allTypes.map { destination in
            kernel("cast_\(source)_\(destination)", output: cType(destination), inputs: [cType(source)],
                   body: "out[offset[0]] = EmberCast<\(cType(destination))>::from(x0[offset[1]]);")
        })
    }

    /// `fill_<dtype>`: every element of out (any layout) set to p0 converted to the dtype.
    static func fill() -> CUDAKernelModule {
        module("fill", withHalves: true, allTypes.map { dtype in
            kernel("fill_\(dtype)", output: cType(dtype), inputs: [], body: "out[offset[0]] = EmberCast<\(cType(dtype))>::from(p0);")
        })
    }

    /// `select_<dtype>`: condition (bool) ? x : y.
    static func select() -> CUDAKernelModule {
        module("select", withHalves: true, allTypes.map { dtype in
            kernel("select_\(dtype)", output: cType(dtype), inputs: ["bool", cType(dtype), cType(dtype)],
                   body: "out[offset[0]] = x0[offset[1]] ? x1[offset[2]] : x2[offset[3]];")
        })
    }

    /// `adam_<dtype>`: one Adam/AdamW step over contiguous operands, in the CPU kernel's order of operations;
    /// `vmax` (AMSGrad's running maximum) may be null.
    static func adam(_ dtype: DType) -> CUDAKernelModule {
        let t = cType(dtype)
        return module("adam_\(dtype)", [("adam_\(dtype)", """
            extern "C" __global__ void adam_\(dtype)(long long n, \(t)* __restrict__ p, const \(t)* __restrict__ g, \(t)* __restrict__ m,
                                                  \(t)* __restrict__ v, \(t)* __restrict__ vmax, double oneMinusBeta1, double beta2,
                                                  double oneMinusBeta2, double eps, double stepSize, double correction) {
                for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
                    \(t) gi = g[i];
                    m[i] += (\(t))oneMinusBeta1 * (gi - m[i]);
                    v[i] = v[i] * (\(t))beta2 + (\(t))oneMinusBeta2 * (gi * gi);
                    \(t) second = v[i];
                    if (vmax) { vmax[i] = vmax[i] > second ? vmax[i] : second; second = vmax[i]; }
                    p[i] -= (\(t))stepSize * (m[i] / (sqrt(second) / (\(t))correction + (\(t))eps));
                }
            }

            """)])
    }

    // MARK: Assembly

    /// A module of `kernels`; `withHalves` adds float16 and bfloat16 (their CUDA headers and conversions), `prefix`
    /// what its kernels share.
    static func module(_ name: String, withHalves: Bool = false, prefix: String = "",
                       _ kernels: [(name: String, source: String)]) -> CUDAKernelModule {
        CUDAKernelModule(name: name, source: prelude + (withHalves ? halfPrelude : "") + prefix
                                             + kernels.map(\.source).joined(separator: "\n"),
                         kernels: kernels.map(\.name))
    }

    /// `<family>_<dtype>`: a kernel per function, reading `arity` operands of `dtype` in its compute type as `a`
    /// (and `b`) and writing the expression as `output` (the dtype itself unless given).
    private static func pointwise(_ family: String, _ functions: [CUDAPointwiseFunction], _ dtype: DType, arity: Int,
                                  output: String? = nil) -> CUDAKernelModule {
        let type = cType(dtype), output = output ?? cType(dtype)
        let reads = arity == 1 ? "C a = (C)x0[offset[1]];" : "C a = (C)x0[offset[1]], b = (C)x1[offset[2]];"
        return module("\(family)_\(dtype)", functions.map { function in
            kernel(kernelName(function, dtype), output: output, inputs: Array(repeating: type, count: arity), body: """
                typedef EmberCompute<\(type)>::type C;
                        \(reads)
                        out[offset[0]] = (\(output))(\(function.expression));
                """)
        })
    }

    /// A grid-stride loop over the output's n elements; `body` reads `offset[k]` of operand k (out is 0).
    private static func kernel(_ name: String, output: String, inputs: [String], body: String) -> (name: String, source: String) {
        let operands = inputs.count + 1
        let parameters = (["long long n", "EmberLayout layout", "\(output)* __restrict__ out"]
            + inputs.enumerated().map { "const \($0.element)* __restrict__ x\($0.offset)" }
            + (0..<4).map { "double p\($0)" }).joined(separator: ", ")
        let source = """
            extern "C" __global__ void \(name)(\(parameters)) {
                for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
                    long long offset[\(operands)];
                    ember_offsets(layout, i, offset, \(operands));
                    \(body)
                }
            }

            """
        return (name, source)
    }

    /// What modules moving float16 or bfloat16 add after the prelude: CUDA's half types, computed in float, and
    /// conversions to them that round once (a double goes to half directly, not through float).
    static let halfPrelude = """
        #include <cuda_fp16.h>
        #include <cuda_bf16.h>

        template <> struct EmberCompute<__half> { typedef float type; };
        template <> struct EmberCompute<__nv_bfloat16> { typedef float type; };
        template <> struct EmberCast<__half> {
            template <typename S> __device__ __forceinline__ static __half from(S v) {
                return __float2half_rn((float)(typename EmberCompute<S>::type)v);
            }
            __device__ __forceinline__ static __half from(double v) { return __double2half(v); }
        };
        template <> struct EmberCast<__nv_bfloat16> {
            template <typename S> __device__ __forceinline__ static __nv_bfloat16 from(S v) {
                return __float2bfloat16_rn((float)(typename EmberCompute<S>::type)v);
            }
            __device__ __forceinline__ static __nv_bfloat16 from(double v) { return __double2bfloat16(v); }
        };

        """

    /// What every module starts with: C's INFINITY and NAN (NVRTC has no math.h), the layout argument, offsets, conversions and the integer-safe arithmetic
    /// the CPU kernels define (wrapping integers, division by zero giving 0, PyTorch's floor division).
    static let prelude = """
        #ifndef INFINITY
        #define INFINITY __longlong_as_double(0x7ff0000000000000LL)
        #define NAN __longlong_as_double(0x7ff8000000000000LL)
        #endif

        struct EmberLayout {
            int rank;
            int contiguous;
            long long size[\(maxDims)];
            long long stride[\(maxOperands)][\(maxDims)];
        };

        __device__ __forceinline__ void ember_offsets(const EmberLayout& layout, long long i, long long* offset, int operands) {
            if (layout.contiguous) {
                for (int k = 0; k < operands; ++k) offset[k] = i;
                return;
            }
            for (int k = 0; k < operands; ++k) offset[k] = 0;
            for (int d = layout.rank - 1; d >= 0; --d) {
                long long extent = layout.size[d], q = i / extent, r = i - q * extent;
                i = q;
                for (int k = 0; k < operands; ++k) offset[k] += r * layout.stride[k][d];
            }
        }

        template <typename T> struct EmberCompute { typedef T type; };
        template <typename T> struct EmberIsFloat { static constexpr bool value = false; };
        template <> struct EmberIsFloat<float> { static constexpr bool value = true; };
        template <> struct EmberIsFloat<double> { static constexpr bool value = true; };

        template <typename D> struct EmberCast {
            template <typename S> __device__ __forceinline__ static D from(S v) {
                return (D)(typename EmberCompute<S>::type)v;
            }
        };
        template <> struct EmberCast<bool> {
            template <typename S> __device__ __forceinline__ static bool from(S v) {
                return (typename EmberCompute<S>::type)v != 0;
            }
        };

        template <typename T> __device__ __forceinline__ bool ember_isnan(T v) {
            if constexpr (EmberIsFloat<T>::value) return isnan(v); else return false;
        }
        template <typename T> __device__ __forceinline__ T ember_max(T x, T y) { return y >= x ? y : x; }
        template <typename T> __device__ __forceinline__ T ember_min(T x, T y) { return y < x ? y : x; }
        template <typename T> __device__ __forceinline__ T ember_add(T a, T b) {
            if constexpr (EmberIsFloat<T>::value) return a + b;
            else return (T)((unsigned long long)a + (unsigned long long)b);
        }
        template <typename T> __device__ __forceinline__ T ember_sub(T a, T b) {
            if constexpr (EmberIsFloat<T>::value) return a - b;
            else return (T)((unsigned long long)a - (unsigned long long)b);
        }
        template <typename T> __device__ __forceinline__ T ember_mul(T a, T b) {
            if constexpr (EmberIsFloat<T>::value) return a * b;
            else return (T)((unsigned long long)a * (unsigned long long)b);
        }
        template <typename T> struct EmberIsUnsigned { static constexpr bool value = false; };
        template <> struct EmberIsUnsigned<unsigned char> { static constexpr bool value = true; };
        template <typename T> __device__ __forceinline__ bool ember_negative(T v) {
            if constexpr (EmberIsUnsigned<T>::value) return false; else return v < (T)0;
        }
        template <typename T> __device__ __forceinline__ bool ember_is_minus_one(T b) {
            if constexpr (EmberIsUnsigned<T>::value) return false; else return b == (T)-1;
        }
        template <typename T> __device__ __forceinline__ T ember_div(T a, T b) {
            if constexpr (EmberIsFloat<T>::value) return a / b;
            else return b == 0 ? (T)0 : (ember_is_minus_one(b) ? ember_sub((T)0, a) : (T)(a / b));
        }
        template <typename T> __device__ __forceinline__ T ember_floor_divide(T a, T b) {
            if constexpr (EmberIsFloat<T>::value) {
                if (b == 0) return a / b;
                T mod = fmod(a, b), div = (a - mod) / b;
                if (mod != 0 && (b < 0) != (mod < 0)) div -= 1;
                if (div == 0) return copysign((T)0, a / b);
                T floored = floor(div);
                return div - floored > (T)0.5 ? floored + 1 : floored;
            } else {
                if (b == 0) return 0;
                if (ember_is_minus_one(b)) return ember_sub((T)0, a);
                T q = a / b;
                return (a % b != 0 && ember_negative(a) != ember_negative(b)) ? (T)(q - 1) : q;
            }
        }
        template <typename T> __device__ __forceinline__ T ember_remainder(T a, T b) {
            if constexpr (EmberIsFloat<T>::value) {
                T mod = fmod(a, b);
                return mod != 0 && (b < 0) != (mod < 0) ? mod + b : mod;
            } else {
                if (b == 0 || ember_is_minus_one(b)) return 0;
                T r = a % b;
                return (r != 0 && ember_negative(r) != ember_negative(b)) ? (T)(r + b) : r;
            }
        }
        template <typename T> __device__ __forceinline__ T ember_fmod(T a, T b) {
            if constexpr (EmberIsFloat<T>::value) return fmod(a, b);
            else return b == 0 || ember_is_minus_one(b) ? (T)0 : (T)(a % b);
        }
        template <typename T> __device__ __forceinline__ T ember_floor(T a) {
            if constexpr (EmberIsFloat<T>::value) return floor(a); else return a;
        }
        template <typename T> __device__ __forceinline__ T ember_ceil(T a) {
            if constexpr (EmberIsFloat<T>::value) return ceil(a); else return a;
        }
        template <typename T> __device__ __forceinline__ T ember_rint(T a) {
            if constexpr (EmberIsFloat<T>::value) return rint(a); else return a;
        }
        template <typename T> __device__ __forceinline__ T ember_trunc(T a) {
            if constexpr (EmberIsFloat<T>::value) return trunc(a); else return a;
        }
        template <typename T> __device__ __forceinline__ T ember_clamp(T a, bool hasLower, T lower, bool hasUpper, T upper) {
            if (hasLower && a < lower) a = lower;
            if (hasUpper && a > upper) a = upper;
            return a;
        }


        """
}
