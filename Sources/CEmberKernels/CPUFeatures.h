// Run-time CPU feature checks shared by the kernels (Swift code is built for baseline x86-64).
#ifndef EMBER_CPU_FEATURES_H
#define EMBER_CPU_FEATURES_H

#if defined(__x86_64__)
#include <immintrin.h>
#define EMBER_AVX2 __attribute__((target("avx2,fma")))

/// Whether this CPU has AVX2 and FMA (checked once).
int ember_has_avx2(void);
#endif

#endif
