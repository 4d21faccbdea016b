// Run-time CPU feature checks shared by the kernels (Swift code is built for baseline x86-64).
#ifndef EMBER_CPU_FEATURES_H
#define EMBER_CPU_FEATURES_H

#if defined(__x86_64__)
#include <immintrin.h>
#define EMBER_AVX2 __attribute__((target("avx2,fma")))

#define EMBER_AVX512 __attribute__((target("avx512f")))

/// Whether this CPU has AVX2 and FMA (checked once).
int ember_has_avx2(void);

/// Whether this CPU has AVX-512F and the OS saves its registers (checked once).
int ember_has_avx512(void);
#endif

/// A loop body written once and inlined into each version of its kernel, so that each is compiled for that
/// version's instructions.
#define EMBER_INLINE static inline __attribute__((always_inline))

/// Defines the exported function `void name PARAMS` as `body ARGS` (an EMBER_INLINE function) compiled for AVX2
/// where the CPU has it, chosen at run time, and for baseline x86-64 otherwise.
#if defined(__x86_64__)
#define EMBER_EXPORT_AVX2(name, body, PARAMS, ARGS)                                                 \
    EMBER_AVX2 static void body##_avx2 PARAMS { body ARGS; }                                        \
    void name PARAMS {                                                                              \
        if (ember_has_avx2()) {                                                                     \
            body##_avx2 ARGS;                                                                       \
            return;                                                                                 \
        }                                                                                           \
        body ARGS;                                                                                  \
    }
#else
#define EMBER_EXPORT_AVX2(name, body, PARAMS, ARGS) void name PARAMS { body ARGS; }
#endif

#endif
