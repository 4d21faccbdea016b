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

#endif
