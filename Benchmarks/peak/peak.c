// The machine's float32 peak: each thread runs 16 independent chains of AVX-512 fused multiply-adds, so nothing but
// the FMA units limits it. Build and run from the repository root:
//   cc -O2 Benchmarks/peak/peak.c -o /tmp/peak -lpthread && /tmp/peak
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#define CHAINS 16
#define ITERATIONS 200000000L

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

__attribute__((target("avx512f"))) static void *run(void *unused) {
    (void)unused;
    __m512 chains[CHAINS], x = _mm512_set1_ps(1.0000001f), y = _mm512_set1_ps(0.9999999f);
    for (int i = 0; i < CHAINS; i++) chains[i] = _mm512_set1_ps((float)i);
    for (long n = 0; n < ITERATIONS; n++) {
#pragma GCC unroll 16
        for (int i = 0; i < CHAINS; i++) chains[i] = _mm512_fmadd_ps(chains[i], x, y);
    }
    float total = 0;
    for (int i = 0; i < CHAINS; i++) total += _mm512_reduce_add_ps(chains[i]);
    static volatile float sink;
    sink = total;
    return NULL;
}

int main(void) {
    if (!__builtin_cpu_supports("avx512f")) {
        fprintf(stderr, "this CPU has no AVX-512\n");
        return 1;
    }
    for (int threads = 1; threads <= 2; threads++) {
        pthread_t workers[2];
        double start = now();
        for (int i = 0; i < threads; i++) pthread_create(&workers[i], NULL, run, NULL);
        for (int i = 0; i < threads; i++) pthread_join(workers[i], NULL);
        double seconds = now() - start, flops = threads * ITERATIONS * (double)CHAINS * 16 * 2;
        printf("%d thread%s: %.1f GFLOP/s\n", threads, threads == 1 ? "" : "s", flops / seconds / 1e9);
    }
    return 0;
}
