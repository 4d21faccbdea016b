// Watched temporary files: fixed slots a signal handler can read without locks or allocation, and
// handlers for SIGINT and SIGTERM that remove the files only when the signal would end the process. A
// program that handles the signal itself (to stop after the current step, say) keeps its handler: the
// writes then finish and clean up on their own.
#include "EmberTemporaryFiles.h"

#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

enum { SLOTS = 64 };
static char paths[SLOTS][PATH_MAX];
static atomic_int used[SLOTS];
static struct sigaction previous[2];
static pthread_once_t installed = PTHREAD_ONCE_INIT;

static struct sigaction *previous_action(int signal) { return &previous[signal == SIGINT ? 0 : 1]; }

static void on_signal(int signal, siginfo_t *info, void *context) {
    struct sigaction *old = previous_action(signal);
    if (old->sa_flags & SA_SIGINFO) {
        old->sa_sigaction(signal, info, context);
        return;
    }
    if (old->sa_handler == SIG_IGN) return;
    if (old->sa_handler != SIG_DFL) {
        old->sa_handler(signal);
        return;
    }
    for (int i = 0; i < SLOTS; i++) {
        if (atomic_load(&used[i]) == 1) unlink(paths[i]);
    }
    sigaction(signal, old, NULL);
    raise(signal);
}

static void install(void) {
    const int signals[2] = {SIGINT, SIGTERM};
    for (int i = 0; i < 2; i++) {
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_sigaction = on_signal;
        action.sa_flags = SA_SIGINFO | SA_RESTART;
        sigemptyset(&action.sa_mask);
        sigaction(signals[i], NULL, previous_action(signals[i]));
        if (previous_action(signals[i])->sa_handler != SIG_IGN) sigaction(signals[i], &action, NULL);
    }
}

int ember_temporary_watch(const char *path) {
    pthread_once(&installed, install);
    if (strlen(path) >= PATH_MAX) return -1;
    for (int i = 0; i < SLOTS; i++) {
        int expected = 0;
        if (atomic_compare_exchange_strong(&used[i], &expected, 2)) {   // 2: being filled, not yet read by the handler
            strcpy(paths[i], path);
            atomic_store(&used[i], 1);
            return i;
        }
    }
    return -1;
}

void ember_temporary_forget(int slot) {
    if (slot >= 0 && slot < SLOTS) atomic_store(&used[slot], 0);
}
