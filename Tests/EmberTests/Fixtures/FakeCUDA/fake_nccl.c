// A stand-in for NCCL (libnccl.so.2) on the fake driver's GPUs, whose memory is host memory, so the tests run
// Ember's NCCL backend in real multi-process jobs without a GPU. The ranks of a communicator, one process each, meet
// in a file the unique id names, mapped into every process; each collective runs at once, between barriers: every
// rank puts its data in its slot, then reads what it needs. Sends and receives between ncclGroupStart and
// ncclGroupEnd go through a mailbox per pair of ranks. Macros make the broken libraries the tests need:
// FAKE_NCCL_VERSION (the version code, 22105 by default), FAKE_NCCL_OMIT_SEND (no ncclSend), FAKE_NCCL_INIT_ERROR
// (ncclCommInitRank's result, with a last-error text).
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#ifndef FAKE_NCCL_VERSION
#define FAKE_NCCL_VERSION 22105
#endif
#ifndef FAKE_NCCL_INIT_ERROR
#define FAKE_NCCL_INIT_ERROR 0
#endif
#define SLOT ((size_t)16 << 20)   // bytes one rank may put in one collective
#define MAILBOX ((size_t)1 << 20) // bytes one rank may send another in one group
#define HEADER 4096

typedef struct { char internal[128]; } ncclUniqueId;
struct shared { int arrived; int generation; };
typedef struct ncclComm {
    int rank, nranks;
    struct shared *shared;
    char *slots, *mailboxes;
    size_t bytes;
} *ncclComm_t;

// Calls the tests read back: the last collective's data type, reduction and count, and how many ran.
static int last_type = -1, last_op = -1, calls = 0;
static size_t last_count = 0;
void fake_nccl_last(int *type, int *op, size_t *count, int *count_of_calls) {
    *type = last_type; *op = last_op; *count = last_count; *count_of_calls = calls;
}

static char last_error[256] = "";
static int failure(int code, const char *text) { snprintf(last_error, sizeof last_error, "%s", text); return code; }

int ncclGetVersion(int *version) { *version = FAKE_NCCL_VERSION; return 0; }
const char *ncclGetLastError(ncclComm_t comm) { (void)comm; return last_error; }
const char *ncclGetErrorString(int result) {
    switch (result) {
    case 0: return "no error";
    case 1: return "unhandled cuda error (run with NCCL_DEBUG=INFO for details)";
    case 2: return "unhandled system error (run with NCCL_DEBUG=INFO for details)";
    case 4: return "invalid argument (run with NCCL_DEBUG=WARN for details)";
    case 6: return "remote process exited or there was a network error";
    default: return "unknown result code";
    }
}

int ncclGetUniqueId(ncclUniqueId *id) {
    static int made = 0;
    memset(id, 0, sizeof *id);
    snprintf(id->internal, sizeof id->internal, "/tmp/ember-fake-nccl-%d-%d", (int)getpid(), made++);
    int file = open(id->internal, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (file < 0) return failure(2, "fake NCCL: cannot create the meeting file");
    close(file);
    return 0;
}

// Waits until every rank has arrived (for at most a minute: a peer that never comes is an error, not a hang).
static int barrier(ncclComm_t comm) {
    if (comm->nranks == 1) return 0;
    struct shared *shared = comm->shared;
    int generation = __atomic_load_n(&shared->generation, __ATOMIC_ACQUIRE);
    if (__atomic_add_fetch(&shared->arrived, 1, __ATOMIC_ACQ_REL) == comm->nranks) {
        __atomic_store_n(&shared->arrived, 0, __ATOMIC_RELAXED);
        __atomic_add_fetch(&shared->generation, 1, __ATOMIC_RELEASE);
        return 0;
    }
    time_t start = time(0);
    while (__atomic_load_n(&shared->generation, __ATOMIC_ACQUIRE) == generation) {
        if (time(0) - start > 60) return failure(6, "fake NCCL: a peer did not arrive within a minute");
        sched_yield();
    }
    return 0;
}

int ncclCommInitRank(ncclComm_t *out, int nranks, ncclUniqueId id, int rank) {
    if (FAKE_NCCL_INIT_ERROR) return failure(FAKE_NCCL_INIT_ERROR, "Cuda failure 'no CUDA-capable device is detected'");
    if (nranks < 1 || rank < 0 || rank >= nranks) return failure(4, "fake NCCL: invalid rank");
    size_t bytes = HEADER + (size_t)nranks * SLOT + (size_t)nranks * nranks * MAILBOX;
    int file = open(id.internal, O_RDWR);
    if (file < 0 || ftruncate(file, (off_t)bytes) != 0) return failure(2, "fake NCCL: cannot open the meeting file");
    void *memory = mmap(0, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, file, 0);
    close(file);
    if (memory == MAP_FAILED) return failure(2, "fake NCCL: cannot map the meeting file");
    ncclComm_t comm = calloc(1, sizeof *comm);
    *comm = (struct ncclComm){ rank, nranks, memory, (char *)memory + HEADER, (char *)memory + HEADER + (size_t)nranks * SLOT, bytes };
    int result = barrier(comm);
    if (result) return result;
    if (rank == 0) unlink(id.internal);
    *out = comm;
    return 0;
}

int ncclCommDestroy(ncclComm_t comm) { munmap(comm->shared, comm->bytes); free(comm); return 0; }
int ncclCommAbort(ncclComm_t comm) { return ncclCommDestroy(comm); }
int ncclCommGetAsyncError(ncclComm_t comm, int *error) { (void)comm; *error = 0; return 0; }

static size_t item_size(int type) {
    static const size_t sizes[] = { 1, 1, 4, 4, 8, 8, 2, 4, 8, 2 };
    return type >= 0 && type < 10 ? sizes[type] : 0;
}

static float from_bfloat16(uint16_t value) { uint32_t bits = (uint32_t)value << 16; float f; memcpy(&f, &bits, 4); return f; }
static uint16_t to_bfloat16(float f) {
    uint32_t bits; memcpy(&bits, &f, 4);
    return (uint16_t)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
}

// target[i] = op over the ranks of their slot's element `first + i`.
#define REDUCE(T, LOAD, STORE)                                                                                      \
    for (size_t i = 0; i < count; i++) {                                                                            \
        T value = LOAD(((const T##_storage *)comm->slots)[first + i]);                                              \
        for (int r = 1; r < comm->nranks; r++) {                                                                    \
            T other = LOAD(((const T##_storage *)(comm->slots + (size_t)r * SLOT))[first + i]);                     \
            switch (op) {                                                                                           \
            case 0: case 4: value = value + other; break;                                                           \
            case 1: value = value * other; break;                                                                   \
            case 2: value = other > value ? other : value; break;                                                   \
            case 3: value = other < value ? other : value; break;                                                   \
            }                                                                                                       \
        }                                                                                                           \
        if (op == 4) value = value / (T)comm->nranks;                                                               \
        ((T##_storage *)target)[i] = STORE(value);                                                                  \
    }

typedef int8_t int8_storage; typedef uint8_t uint8_storage; typedef int32_t int32_storage; typedef uint32_t uint32_storage;
typedef int64_t int64_storage; typedef uint64_t uint64_storage; typedef float float_storage; typedef double double_storage;
typedef _Float16 half_storage; typedef uint16_t bfloat_storage;
typedef int8_t int8; typedef uint8_t uint8; typedef int32_t int32; typedef uint32_t uint32; typedef int64_t int64; typedef uint64_t uint64;
typedef float half; typedef float bfloat;
#define SAME(x) (x)
#define HALF_STORE(x) ((_Float16)(x))

static int reduce(ncclComm_t comm, void *target, size_t first, size_t count, int type, int op) {
    switch (type) {
    case 0: REDUCE(int8, SAME, SAME) break;
    case 1: REDUCE(uint8, SAME, SAME) break;
    case 2: REDUCE(int32, SAME, SAME) break;
    case 3: REDUCE(uint32, SAME, SAME) break;
    case 4: REDUCE(int64, SAME, SAME) break;
    case 5: REDUCE(uint64, SAME, SAME) break;
    case 6: REDUCE(half, SAME, HALF_STORE) break;
    case 7: REDUCE(float, SAME, SAME) break;
    case 8: REDUCE(double, SAME, SAME) break;
    case 9: REDUCE(bfloat, from_bfloat16, to_bfloat16) break;
    default: return failure(4, "fake NCCL: invalid data type");
    }
    return 0;
}

// Checks a collective's arguments and records them; puts `bytes` of `data` in this rank's slot and waits for all.
static int put(ncclComm_t comm, const void *data, size_t count, int type, int op, size_t bytes) {
    calls++;
    last_type = type; last_op = op; last_count = count;
    if (!item_size(type) || op < -1 || op > 4) return failure(4, "fake NCCL: invalid data type or reduction");
    if (bytes > SLOT) return failure(4, "fake NCCL: message larger than a slot");
    if (data) memcpy(comm->slots + (size_t)comm->rank * SLOT, data, bytes);
    return barrier(comm);
}

int ncclAllReduce(const void *send, void *recv, size_t count, int type, int op, ncclComm_t comm, void *stream) {
    (void)stream;
    int result = put(comm, send, count, type, op, count * item_size(type));
    if (!result) result = reduce(comm, recv, 0, count, type, op);
    return result ? result : barrier(comm);
}

int ncclReduceScatter(const void *send, void *recv, size_t count, int type, int op, ncclComm_t comm, void *stream) {
    (void)stream;
    int result = put(comm, send, count, type, op, count * comm->nranks * item_size(type));
    if (!result) result = reduce(comm, recv, (size_t)comm->rank * count, count, type, op);
    return result ? result : barrier(comm);
}

int ncclBroadcast(const void *send, void *recv, size_t count, int type, int root, ncclComm_t comm, void *stream) {
    (void)stream;
    size_t bytes = count * item_size(type);
    int result = put(comm, comm->rank == root ? send : 0, count, type, -1, bytes);
    if (result) return result;
    memmove(recv, comm->slots + (size_t)root * SLOT, bytes);
    return barrier(comm);
}

int ncclAllGather(const void *send, void *recv, size_t count, int type, ncclComm_t comm, void *stream) {
    (void)stream;
    size_t bytes = count * item_size(type);
    int result = put(comm, send, count, type, -1, bytes);
    if (result) return result;
    for (int r = 0; r < comm->nranks; r++) memcpy((char *)recv + (size_t)r * bytes, comm->slots + (size_t)r * SLOT, bytes);
    return barrier(comm);
}

// Point-to-point: queued between ncclGroupStart and ncclGroupEnd, which moves them through the mailboxes.
static struct { int is_send; void *data; size_t bytes; int peer; ncclComm_t comm; } queued[64];
static int queued_count = 0, group_depth = 0;

static int queue(int is_send, const void *data, size_t count, int type, int peer, ncclComm_t comm) {
    size_t bytes = count * item_size(type);
    if (!item_size(type) || bytes > MAILBOX || peer < 0 || peer >= comm->nranks || queued_count == 64) {
        return failure(4, "fake NCCL: invalid send or receive");
    }
    if (!group_depth) return failure(4, "fake NCCL: sends and receives must be grouped");
    queued[queued_count].is_send = is_send;
    queued[queued_count].data = (void *)data;
    queued[queued_count].bytes = bytes;
    queued[queued_count].peer = peer;
    queued[queued_count++].comm = comm;
    return 0;
}

#ifndef FAKE_NCCL_OMIT_SEND
int ncclSend(const void *send, size_t count, int type, int peer, ncclComm_t comm, void *stream) {
    (void)stream;
    return queue(1, send, count, type, peer, comm);
}
#endif
int ncclRecv(void *recv, size_t count, int type, int peer, ncclComm_t comm, void *stream) {
    (void)stream;
    return queue(0, recv, count, type, peer, comm);
}

int ncclGroupStart(void) { group_depth++; return 0; }

int ncclGroupEnd(void) {
    if (--group_depth > 0) return 0;
    int count = queued_count;
    queued_count = 0;
    ncclComm_t comm = count ? queued[0].comm : 0;
    if (!comm) return 0;
    calls++;
    for (int i = 0; i < count; i++) {
        if (queued[i].is_send) {
            memcpy(comm->mailboxes + ((size_t)comm->rank * comm->nranks + queued[i].peer) * MAILBOX, queued[i].data, queued[i].bytes);
        }
    }
    int result = barrier(comm);
    if (result) return result;
    for (int i = 0; i < count; i++) {
        if (!queued[i].is_send) {
            memcpy(queued[i].data, comm->mailboxes + ((size_t)queued[i].peer * comm->nranks + comm->rank) * MAILBOX, queued[i].bytes);
        }
    }
    return barrier(comm);
}
