// A stand-in for cuFFT (libcufft.so.12) on host memory, so the tests check how Ember calls it: plans of batched
// one-dimensional transforms in cuFFT's basic layout (contiguous rows `idist` and `odist` apart), executed as direct
// DFTs summed in double; an exec whose type does not match its plan, or a layout other than the basic one, is
// refused as the real library refuses it (CUFFT_INVALID_VALUE, CUFFT_INVALID_TYPE).
#include <math.h>
#include <stdlib.h>

enum { SUCCESS = 0, INVALID_PLAN = 1, INVALID_TYPE = 3, INVALID_VALUE = 4, R2C = 0x2a, C2C = 0x29, D2Z = 0x6a, Z2Z = 0x69 };

struct plan { int used, type, length, idist, odist, batch; void *stream; };
static struct plan plans[256];
static int calls = 0;
static void *last_stream = 0;

// How many transforms ran, and the stream of the last, for the tests.
int fake_cufft_calls(void) { return calls; }
void *fake_cufft_last_stream(void) { return last_stream; }

int cufftGetVersion(int *version) { *version = 12000; return SUCCESS; }

int cufftPlanMany(int *plan, int rank, int *n, int *inembed, int istride, int idist, int *onembed, int ostride, int odist, int type,
                  int batch) {
    if (rank != 1 || inembed || onembed || istride != 1 || ostride != 1 || n[0] < 1 || batch < 1) return INVALID_VALUE;
    if (type != R2C && type != C2C && type != D2Z && type != Z2Z) return INVALID_TYPE;
    int real = type == R2C || type == D2Z;
    // In the basic layout rows are contiguous: idist and odist must be the rows' lengths.
    if (idist != n[0] || odist != (real ? n[0] / 2 + 1 : n[0])) return INVALID_VALUE;
    for (int p = 1; p < 256; p++) {
        if (plans[p].used) continue;
        plans[p] = (struct plan){ 1, type, n[0], idist, odist, batch, 0 };
        *plan = p;
        return SUCCESS;
    }
    return INVALID_VALUE;
}

int cufftDestroy(int plan) {
    if (plan < 1 || plan >= 256 || !plans[plan].used) return INVALID_PLAN;
    plans[plan].used = 0;
    return SUCCESS;
}

int cufftSetStream(int plan, void *stream) {
    if (plan < 1 || plan >= 256 || !plans[plan].used) return INVALID_PLAN;
    plans[plan].stream = stream;
    return SUCCESS;
}

// Row by row: out[k] = Σ_j in[j]·e^(sign·2πijk/n), for the first `outputs` frequencies.
static int run(int plan, int type, const void *input, void *output, int sign) {
    if (plan < 1 || plan >= 256 || !plans[plan].used) return INVALID_PLAN;
    struct plan p = plans[plan];
    if (p.type != type) return INVALID_TYPE;
    int isDouble = type == D2Z || type == Z2Z, real = type == R2C || type == D2Z;
    calls++;
    last_stream = p.stream;
    for (int b = 0; b < p.batch; b++) {
        double *sums = calloc(2 * (size_t)p.odist, sizeof(double));
        for (int k = 0; k < p.odist; k++) {
            for (int j = 0; j < p.length; j++) {
                long long at = (long long)b * p.idist + j;
                double re, im = 0;
                if (real) {
                    re = isDouble ? ((const double *)input)[at] : ((const float *)input)[at];
                } else {
                    re = isDouble ? ((const double *)input)[2 * at] : ((const float *)input)[2 * at];
                    im = isDouble ? ((const double *)input)[2 * at + 1] : ((const float *)input)[2 * at + 1];
                }
                double angle = sign * 2 * M_PI * (double)((long long)j * k % p.length) / p.length;
                sums[2 * k] += re * cos(angle) - im * sin(angle);
                sums[2 * k + 1] += re * sin(angle) + im * cos(angle);
            }
        }
        for (int k = 0; k < 2 * p.odist; k++) {
            long long at = 2 * (long long)b * p.odist + k;
            if (isDouble) ((double *)output)[at] = sums[k]; else ((float *)output)[at] = (float)sums[k];
        }
        free(sums);
    }
    return SUCCESS;
}

int cufftExecC2C(int plan, void *input, void *output, int direction) { return run(plan, C2C, input, output, direction); }
int cufftExecZ2Z(int plan, void *input, void *output, int direction) { return run(plan, Z2Z, input, output, direction); }
int cufftExecR2C(int plan, void *input, void *output) { return run(plan, R2C, input, output, -1); }
int cufftExecD2Z(int plan, void *input, void *output) { return run(plan, D2Z, input, output, -1); }
