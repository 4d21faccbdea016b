// A stand-in for cuDNN 9 (libcudnn.so.9) on host memory, so the tests check how Ember calls it: descriptors checked
// as the real library checks them (4-d tensors, packed NCHW filters, channels that fit the group count, an output of
// the size the convolution gives, one data type throughout) with CUDNN_STATUS_BAD_PARAM; the three passes of a
// grouped, strided, padded, dilated 2-d convolution computed directly in double (a true convolution flips the filter,
// a cross-correlation does not); the heuristics ranking first an algorithm the library then refuses to run, the ones
// it runs needing a workspace, one of them deterministic.
#include <stdlib.h>

#ifndef FAKE_CUDNN_VERSION
#define FAKE_CUDNN_VERSION 92600
#endif

enum { SUCCESS = 0, NOT_INITIALIZED = 1, BAD_PARAM = 3, NOT_SUPPORTED = 9, FLOAT = 0, DOUBLE = 1, NCHW = 0 };
enum { RUNNABLE = 1, DETERMINISTIC = 2, REFUSED = 7, WORKSPACE = 4096, MAGIC = 0xc0d1 };

struct handle { int magic; void *stream; };
struct tensor { int set, type, dims[4], strides[4]; };
struct filter { int set, type, dims[4]; };
struct conv { int set, pad[2], stride[2], dilation[2], mode, type, groups, math; };
typedef struct { int algo, status; float time; size_t memory; int determinism, mathType, reserved[3]; } perf;

static int calls[3], last_math = -1, last_algo = -1;
static void *last_stream;

// The calls of each pass (forward, backward data, backward filter), and the stream, math type and algorithm of the
// last, for the tests.
int fake_cudnn_calls(int pass) { return calls[pass]; }
void *fake_cudnn_last_stream(void) { return last_stream; }
int fake_cudnn_last_math(void) { return last_math; }
int fake_cudnn_last_algo(void) { return last_algo; }

size_t cudnnGetVersion(void) { return FAKE_CUDNN_VERSION; }

const char *cudnnGetErrorString(int status) {
    switch (status) {
    case SUCCESS: return "CUDNN_STATUS_SUCCESS";
    case NOT_INITIALIZED: return "CUDNN_STATUS_NOT_INITIALIZED";
    case BAD_PARAM: return "CUDNN_STATUS_BAD_PARAM";
    case NOT_SUPPORTED: return "CUDNN_STATUS_NOT_SUPPORTED";
    default: return "CUDNN_STATUS_UNKNOWN";
    }
}

int cudnnCreate(struct handle **handle) {
    if (!(*handle = calloc(1, sizeof **handle))) return NOT_INITIALIZED;
    (*handle)->magic = MAGIC;
    return SUCCESS;
}

int cudnnSetStream(struct handle *handle, void *stream) {
    if (!handle || handle->magic != MAGIC) return BAD_PARAM;
    handle->stream = stream;
    return SUCCESS;
}

int cudnnCreateTensorDescriptor(struct tensor **t) { return (*t = calloc(1, sizeof **t)) ? SUCCESS : NOT_INITIALIZED; }
int cudnnCreateFilterDescriptor(struct filter **f) { return (*f = calloc(1, sizeof **f)) ? SUCCESS : NOT_INITIALIZED; }
int cudnnCreateConvolutionDescriptor(struct conv **c) {
    if (!(*c = calloc(1, sizeof **c))) return NOT_INITIALIZED;
    (*c)->groups = 1;
    return SUCCESS;
}
int cudnnDestroyTensorDescriptor(struct tensor *t) { free(t); return SUCCESS; }
int cudnnDestroyFilterDescriptor(struct filter *f) { free(f); return SUCCESS; }
int cudnnDestroyConvolutionDescriptor(struct conv *c) { free(c); return SUCCESS; }

int cudnnSetTensorNdDescriptor(struct tensor *t, int type, int count, const int *dims, const int *strides) {
    if (count != 4) return NOT_SUPPORTED;
    if (type != FLOAT && type != DOUBLE) return BAD_PARAM;
    for (int i = 0; i < 4; i++) {
        if (dims[i] < 1 || strides[i] < 1) return BAD_PARAM;
        t->dims[i] = dims[i];
        t->strides[i] = strides[i];
    }
    t->type = type;
    t->set = 1;
    return SUCCESS;
}

int cudnnSetFilterNdDescriptor(struct filter *f, int type, int format, int count, const int *dims) {
    if (count != 4 || format != NCHW) return NOT_SUPPORTED;
    if (type != FLOAT && type != DOUBLE) return BAD_PARAM;
    for (int i = 0; i < 4; i++) {
        if (dims[i] < 1) return BAD_PARAM;
        f->dims[i] = dims[i];
    }
    f->type = type;
    f->set = 1;
    return SUCCESS;
}

int cudnnSetConvolutionNdDescriptor(struct conv *c, int count, const int *pad, const int *stride, const int *dilation, int mode,
                                    int type) {
    if (count != 2) return NOT_SUPPORTED;
    if (mode != 0 && mode != 1) return BAD_PARAM;
    for (int i = 0; i < 2; i++) {
        if (pad[i] < 0 || stride[i] < 1 || dilation[i] < 1) return BAD_PARAM;
        c->pad[i] = pad[i];
        c->stride[i] = stride[i];
        c->dilation[i] = dilation[i];
    }
    c->mode = mode;
    c->type = type;
    c->set = 1;
    return SUCCESS;
}

int cudnnSetConvolutionGroupCount(struct conv *c, int groups) {
    if (groups < 1) return BAD_PARAM;
    c->groups = groups;
    return SUCCESS;
}

int cudnnSetConvolutionMathType(struct conv *c, int math) {
    if (math < 0 || math > 3) return BAD_PARAM;
    c->math = math;
    return SUCCESS;
}

// Whether x, w and y fit the convolution.
static int check(const struct tensor *x, const struct filter *w, const struct conv *c, const struct tensor *y) {
    if (!x || !w || !c || !y || !x->set || !w->set || !c->set || !y->set) return BAD_PARAM;
    if (x->type != y->type || x->type != w->type || x->type != c->type) return BAD_PARAM;
    int g = c->groups;
    if (x->dims[1] != w->dims[1] * g || w->dims[0] % g || y->dims[1] != w->dims[0] || x->dims[0] != y->dims[0]) return BAD_PARAM;
    for (int s = 0; s < 2; s++) {
        int out = (x->dims[2 + s] + 2 * c->pad[s] - c->dilation[s] * (w->dims[2 + s] - 1) - 1) / c->stride[s] + 1;
        if (y->dims[2 + s] != out) return BAD_PARAM;
    }
    return SUCCESS;
}

// The heuristics' ranking: an algorithm the library refuses, a runnable one that is not deterministic, then one that is.
static int rank(int status, int requested, int *returned, perf *results) {
    if (status != SUCCESS) return status;
    if (requested < 3) return BAD_PARAM;
    results[0] = (perf){ .algo = REFUSED, .status = NOT_SUPPORTED, .time = -1 };
    results[1] = (perf){ .algo = RUNNABLE, .status = SUCCESS, .time = -1, .memory = WORKSPACE, .determinism = 0 };
    results[2] = (perf){ .algo = DETERMINISTIC, .status = SUCCESS, .time = -1, .memory = WORKSPACE, .determinism = 1 };
    *returned = 3;
    return SUCCESS;
}

int cudnnGetConvolutionForwardAlgorithm_v7(struct handle *h, const struct tensor *x, const struct filter *w, const struct conv *c,
                                           const struct tensor *y, int requested, int *returned, perf *results) {
    (void)h;
    return rank(check(x, w, c, y), requested, returned, results);
}
int cudnnGetConvolutionBackwardDataAlgorithm_v7(struct handle *h, const struct filter *w, const struct tensor *dy, const struct conv *c,
                                                const struct tensor *dx, int requested, int *returned, perf *results) {
    (void)h;
    return rank(check(dx, w, c, dy), requested, returned, results);
}
int cudnnGetConvolutionBackwardFilterAlgorithm_v7(struct handle *h, const struct tensor *x, const struct tensor *dy, const struct conv *c,
                                                  const struct filter *dw, int requested, int *returned, perf *results) {
    (void)h;
    return rank(check(x, dw, c, dy), requested, returned, results);
}

static double load(const void *p, int type, long at) { return type == FLOAT ? ((const float *)p)[at] : ((const double *)p)[at]; }
static void store(void *p, int type, long at, double v) {
    if (type == FLOAT) ((float *)p)[at] = (float)v; else ((double *)p)[at] = v;
}

// Visits every product of the convolution: visit(x index, w index, y index) for each output element and filter tap
// inside the input.
typedef void (*visitor)(long xi, long wi, long yi, void *state);
static void each_product(const struct tensor *x, const struct filter *w, const struct conv *c, const struct tensor *y, visitor visit,
                         void *state) {
    int K = w->dims[0], C = w->dims[1], KH = w->dims[2], KW = w->dims[3], perGroup = K / c->groups;
    for (int n = 0; n < y->dims[0]; n++)
        for (int k = 0; k < K; k++)
            for (int oh = 0; oh < y->dims[2]; oh++)
                for (int ow = 0; ow < y->dims[3]; ow++)
                    for (int ci = 0; ci < C; ci++)
                        for (int kh = 0; kh < KH; kh++)
                            for (int kw = 0; kw < KW; kw++) {
                                int ih = oh * c->stride[0] - c->pad[0] + kh * c->dilation[0];
                                int iw = ow * c->stride[1] - c->pad[1] + kw * c->dilation[1];
                                if (ih < 0 || iw < 0 || ih >= x->dims[2] || iw >= x->dims[3]) continue;
                                int fh = c->mode == 0 ? KH - 1 - kh : kh, fw = c->mode == 0 ? KW - 1 - kw : kw;
                                int channel = k / perGroup * C + ci;
                                long xi = (long)n * x->strides[0] + (long)channel * x->strides[1] + (long)ih * x->strides[2] + iw * x->strides[3];
                                long wi = (((long)k * C + ci) * KH + fh) * KW + fw;
                                long yi = (long)n * y->strides[0] + (long)k * y->strides[1] + (long)oh * y->strides[2] + ow * y->strides[3];
                                visit(xi, wi, yi, state);
                            }
}

struct pass { const void *a, *b; int type; double *sums; int target; };   // target: 0 x, 1 w, 2 y
static void accumulate(long xi, long wi, long yi, void *state) {
    struct pass *p = state;
    long at[3] = { xi, wi, yi };
    // The two operands that are read are the ones not written, in the order x, w, y.
    long first = p->target == 0 ? wi : xi, second = p->target == 2 ? wi : yi;
    p->sums[at[p->target]] += load(p->a, p->type, first) * load(p->b, p->type, second);
}

static long span(const int *dims, const int *strides) {
    long last = 0;
    for (int i = 0; i < 4; i++) last += (long)(dims[i] - 1) * strides[i];
    return last + 1;
}

// Writes target = alpha·Σ + beta·target over the `count` elements of the target.
static int run(const struct tensor *x, const struct filter *w, const struct conv *c, const struct tensor *y, int algo, void *workspace,
               size_t bytes, const void *alpha, const void *beta, const void *a, const void *b, void *out, int target) {
    int status = check(x, w, c, y);
    if (status != SUCCESS) return status;
    if (algo != RUNNABLE && algo != DETERMINISTIC) return NOT_SUPPORTED;
    if (!workspace || bytes < WORKSPACE) return BAD_PARAM;
    long count = target == 0 ? span(x->dims, x->strides) : target == 2 ? span(y->dims, y->strides)
                                                                        : (long)w->dims[0] * w->dims[1] * w->dims[2] * w->dims[3];
    double *sums = calloc((size_t)count, sizeof(double));
    if (!sums) return NOT_INITIALIZED;
    struct pass p = { a, b, x->type, sums, target };
    each_product(x, w, c, y, accumulate, &p);
    double scale = x->type == FLOAT ? *(const float *)alpha : *(const double *)alpha;
    double keep = x->type == FLOAT ? *(const float *)beta : *(const double *)beta;
    for (long i = 0; i < count; i++) store(out, x->type, i, scale * sums[i] + (keep != 0 ? keep * load(out, x->type, i) : 0));
    free(sums);
    last_math = c->math;
    last_algo = algo;
    calls[target == 2 ? 0 : target == 0 ? 1 : 2] += 1;
    return SUCCESS;
}

int cudnnConvolutionForward(struct handle *h, const void *alpha, const struct tensor *xd, const void *x, const struct filter *wd,
                            const void *w, const struct conv *c, int algo, void *workspace, size_t bytes, const void *beta,
                            const struct tensor *yd, void *y) {
    if (!h || h->magic != MAGIC) return BAD_PARAM;
    last_stream = h->stream;
    return run(xd, wd, c, yd, algo, workspace, bytes, alpha, beta, x, w, y, 2);
}

int cudnnConvolutionBackwardData(struct handle *h, const void *alpha, const struct filter *wd, const void *w, const struct tensor *dyd,
                                 const void *dy, const struct conv *c, int algo, void *workspace, size_t bytes, const void *beta,
                                 const struct tensor *dxd, void *dx) {
    if (!h || h->magic != MAGIC) return BAD_PARAM;
    last_stream = h->stream;
    return run(dxd, wd, c, dyd, algo, workspace, bytes, alpha, beta, w, dy, dx, 0);
}

int cudnnConvolutionBackwardFilter(struct handle *h, const void *alpha, const struct tensor *xd, const void *x, const struct tensor *dyd,
                                   const void *dy, const struct conv *c, int algo, void *workspace, size_t bytes, const void *beta,
                                   const struct filter *dwd, void *dw) {
    if (!h || h->magic != MAGIC) return BAD_PARAM;
    last_stream = h->stream;
    return run(xd, dwd, c, dyd, algo, workspace, bytes, alpha, beta, x, dy, dw, 1);
}
