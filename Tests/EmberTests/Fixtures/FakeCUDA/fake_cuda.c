// A stand-in for the CUDA driver (libcuda.so.1), so the tests run Ember's loader, its error mapping and its
// driver calls on machines without a GPU. Device memory is host memory; kernels launch as no-ops, or, with
// FAKE_HOST_KERNELS, run on the host: the tests link Ember's kernel modules compiled for the host into the library,
// each kernel with a `<name>_host(void **parameters)` thunk, and a launch calls it. Macros make the broken drivers
// the tests need: FAKE_DEVICE_COUNT (default 1), FAKE_INIT_ERROR (cuInit's result), FAKE_OMIT_MEM_ALLOC (no
// cuMemAlloc_v2, as in a driver older than the entry point), FAKE_EVENTS_NEVER_COMPLETE (work that never ends, as
// behind a collective whose peer never came).
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef int CUresult;
typedef unsigned long long CUdeviceptr;

#ifndef FAKE_DEVICE_COUNT
#define FAKE_DEVICE_COUNT 1
#endif
#define FAKE_CAPACITY ((size_t)1 << 30)   // bytes of device memory
#ifndef FAKE_INIT_ERROR
#define FAKE_INIT_ERROR 0
#endif

static const char *error_name(CUresult error) {
    switch (error) {
    case 0: return "CUDA_SUCCESS";
    case 2: return "CUDA_ERROR_OUT_OF_MEMORY";
    case 100: return "CUDA_ERROR_NO_DEVICE";
    case 101: return "CUDA_ERROR_INVALID_DEVICE";
    case 500: return "CUDA_ERROR_NOT_FOUND";
    case 400: return "CUDA_ERROR_INVALID_HANDLE";
    case 600: return "CUDA_ERROR_NOT_READY";
    default: return 0;
    }
}

static const char *error_text(CUresult error) {
    switch (error) {
    case 0: return "no error";
    case 2: return "out of memory";
    case 100: return "no CUDA-capable device is detected";
    case 101: return "invalid device ordinal";
    case 500: return "named symbol not found";
    case 400: return "invalid resource handle";
    case 600: return "device not ready";
    default: return 0;
    }
}

CUresult cuGetErrorName(CUresult error, const char **name) { *name = error_name(error); return *name ? 0 : 1; }
CUresult cuGetErrorString(CUresult error, const char **text) { *text = error_text(error); return *text ? 0 : 1; }
CUresult cuInit(unsigned int flags) { (void)flags; return FAKE_INIT_ERROR; }
CUresult cuDriverGetVersion(int *version) { *version = 13000; return 0; }
CUresult cuDeviceGetCount(int *count) { *count = FAKE_DEVICE_COUNT; return 0; }

CUresult cuDeviceGet(int *device, int ordinal) {
    if (ordinal < 0 || ordinal >= FAKE_DEVICE_COUNT) return 101;
    *device = ordinal;
    return 0;
}

CUresult cuDeviceGetName(char *name, int length, int device) {
    (void)device;
    strncpy(name, "Fake GPU", (size_t)length);
    return 0;
}

CUresult cuDeviceGetAttribute(int *value, int attribute, int device) {
    (void)device;
    switch (attribute) {
    case 16: *value = 132; return 0;   // multiprocessors
    case 75: *value = 9; return 0;     // compute capability major
    case 76: *value = 0; return 0;     // compute capability minor
    default: *value = 0; return 0;
    }
}

CUresult cuDeviceTotalMem_v2(size_t *bytes, int device) { (void)device; *bytes = FAKE_CAPACITY; return 0; }
CUresult cuDevicePrimaryCtxRetain(void **context, int device) { (void)device; *context = (void *)1; return 0; }
CUresult cuCtxSetCurrent(void *context) { (void)context; return 0; }
CUresult cuCtxSynchronize(void) { return 0; }

// Device memory: 1 GiB, each allocation from malloc with its size kept in front of it.
static size_t used = 0;

#ifndef FAKE_OMIT_MEM_ALLOC
CUresult cuMemAlloc_v2(CUdeviceptr *address, size_t bytes) {
    if (bytes > FAKE_CAPACITY - used) return 2;
    size_t *memory = malloc(bytes + 16);
    if (!memory) return 2;
    memory[0] = bytes;
    used += bytes;
    *address = (CUdeviceptr)(memory + 2);
    return 0;
}
#endif

CUresult cuMemFree_v2(CUdeviceptr address) {
    size_t *memory = (size_t *)address - 2;
    used -= memory[0];
    free(memory);
    return 0;
}

// Page-locked host memory is host memory here; allocations, frees and the event waits before them are counted.
static int pinned_allocations = 0, pinned_frees = 0, event_waits = 0;
void fake_pinned(int *allocations, int *frees, int *waits) { *allocations = pinned_allocations; *frees = pinned_frees; *waits = event_waits; }
CUresult cuMemHostAlloc(void **address, size_t bytes, unsigned flags) {
    if (flags != 1) return 1;   // Ember's pinned memory serves every GPU (CU_MEMHOSTALLOC_PORTABLE)
    if (!(*address = malloc(bytes ? bytes : 1))) return 2;
    pinned_allocations += 1;
    return 0;
}
CUresult cuMemFreeHost(void *address) {
    free(address);
    pinned_frees += 1;
    return 0;
}

CUresult cuMemGetInfo_v2(size_t *free_bytes, size_t *total) { *free_bytes = FAKE_CAPACITY - used; *total = FAKE_CAPACITY; return 0; }
// Streams: work runs as it is queued, so a stream is only a priority; the stream of the last launch, copy, event
// record and wait, and the streams made, are kept for the tests.
struct stream { int priority; };
static void *last_launch_stream, *last_copy_stream, *last_record_stream, *last_waiting_stream, *last_synchronized_stream;
static int streams_made = 0;
void fake_streams(void **launch, void **copy, void **record, void **waiting, void **synchronized, int *made) {
    *launch = last_launch_stream;
    *copy = last_copy_stream;
    *record = last_record_stream;
    *waiting = last_waiting_stream;
    *synchronized = last_synchronized_stream;
    *made = streams_made;
}
CUresult cuCtxGetStreamPriorityRange(int *least, int *greatest) { *least = 0; *greatest = -5; return 0; }
CUresult cuStreamCreateWithPriority(void **stream, unsigned flags, int priority) {
    if (flags != 1) return 1;   // Ember's streams do not wait for the legacy stream (CU_STREAM_NON_BLOCKING)
    struct stream *made = malloc(sizeof *made);
    if (!made) return 2;
    made->priority = priority;
    streams_made += 1;
    *stream = made;
    return 0;
}
CUresult cuStreamSynchronize(void *stream) { last_synchronized_stream = stream; return 0; }
#ifdef FAKE_EVENTS_NEVER_COMPLETE
CUresult cuStreamQuery(void *stream) { (void)stream; return 600; }
#else
CUresult cuStreamQuery(void *stream) { (void)stream; return 0; }
#endif
CUresult cuStreamWaitEvent(void *stream, void *event, unsigned flags) {
    (void)event;
    last_waiting_stream = stream;
    return flags == 0 ? 0 : 1;
}

CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr d, const void *s, size_t n, void *stream) {
    last_copy_stream = stream;
    memcpy((void *)d, s, n);
    return 0;
}
CUresult cuMemcpyDtoHAsync_v2(void *d, CUdeviceptr s, size_t n, void *stream) {
    last_copy_stream = stream;
    memcpy(d, (const void *)s, n);
    return 0;
}
CUresult cuModuleLoadData(void **module, const void *image) { (void)image; *module = (void *)1; return 0; }
// The last launch's grid and block (x), for the tests.
static unsigned last_grid = 0, last_block = 0;
void fake_last_launch(unsigned *grid, unsigned *block) { *grid = last_grid; *block = last_block; }

#ifdef FAKE_HOST_KERNELS
// Each kernel found is also added as a line to the file $FAKE_CUDA_KERNEL_LOG names, if set: Ember looks a kernel up
// when it first launches it, so the tests learn which kernels a run used.
CUresult cuModuleGetFunction(void **function, void *module, const char *name) {
    (void)module;
    Dl_info info;
    char symbol[256];
    if (!dladdr((void *)cuModuleGetFunction, &info)) return 500;
    void *self = dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD);
    snprintf(symbol, sizeof symbol, "%s_host", name);
    *function = self ? dlsym(self, symbol) : 0;
    const char *log = getenv("FAKE_CUDA_KERNEL_LOG");
    FILE *file = *function && log ? fopen(log, "a") : 0;
    if (file) {
        fprintf(file, "%s\n", name);
        fclose(file);
    }
    return *function ? 0 : 500;
}
#else
CUresult cuModuleGetFunction(void **function, void *module, const char *name) { (void)module; (void)name; *function = (void *)1; return 0; }
#endif

CUresult cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                        unsigned shared, void *stream, void **parameters, void **extra) {
    (void)gy; (void)gz; (void)by; (void)bz; (void)shared; (void)extra;
    last_launch_stream = stream;
    last_grid = gx;
    last_block = bx;
#ifdef FAKE_HOST_KERNELS
    ((void (*)(void **))f)(parameters);
#else
    (void)f; (void)parameters;
#endif
    return 0;
}

// Events: work runs as it is launched, so an event has passed as soon as it is recorded; the time of a record is
// the host's monotonic clock.
struct event { unsigned flags; int recorded; double milliseconds; };
CUresult cuEventCreate(void **event, unsigned flags) {
    struct event *made = calloc(1, sizeof *made);
    if (!made) return 2;
    made->flags = flags;
    *event = made;
    return 0;
}
CUresult cuEventRecord(void *event, void *stream) {
    last_record_stream = stream;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    ((struct event *)event)->recorded = 1;
    ((struct event *)event)->milliseconds = now.tv_sec * 1e3 + now.tv_nsec / 1e6;
    return 0;
}
#ifdef FAKE_EVENTS_NEVER_COMPLETE
CUresult cuEventQuery(void *event) { (void)event; return 600; }
#else
CUresult cuEventQuery(void *event) { (void)event; return 0; }
#endif
CUresult cuEventSynchronize(void *event) { (void)event; event_waits += 1; return 0; }
// As the driver: both events recorded, both made with timing, else CUDA_ERROR_INVALID_HANDLE.
CUresult cuEventElapsedTime_v2(float *milliseconds, void *start, void *end) {
    struct event *a = start, *b = end;
    if (!a->recorded || !b->recorded || (a->flags & 2) || (b->flags & 2)) return 400;
    *milliseconds = (float)(b->milliseconds - a->milliseconds);
    return 0;
}
CUresult cuEventDestroy_v2(void *event) { free(event); return 0; }
