/* interrupt.c - signals and temporary-file cleanup (see interrupt.h). */
#include "interrupt.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#define HET_CLEANUP_SLOTS 16
#define HET_CLEANUP_PATH 4096

/* A slot is written whole, then published by setting `used`; the handler
 * reads only published slots, and unregistering unpublishes first. */
static struct {
    atomic_int used;
    char path[HET_CLEANUP_PATH];
} het__cleanup[HET_CLEANUP_SLOTS];

static atomic_int het__signal;        /* first signal received, 0 if none */
static atomic_int het__defer;         /* deferred mode */
static atomic_int het__deferred_seen; /* a signal was recorded in deferred mode */
static atomic_int het__held;          /* the answer is complete: record only */
static int het__speak = 1, het__progress;
static void (*_Atomic het__fwd)(void *, int);
static void *_Atomic het__fwd_ctx;
static char het__line[96]; /* "<prog>: interrupted\n" */
static size_t het__line_len;

static void het__write_all(const char *s, size_t n)
{
    while (n) {
        ssize_t w = write(2, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

static void het__say(void)
{
    if (!het__speak)
        return;
    if (het__progress)
        het__write_all("\r\033[K", 4);
    het__write_all(het__line, het__line_len);
}

static void het__handler(int sig)
{
    int saved = errno;
    int none = 0;
    atomic_compare_exchange_strong(&het__signal, &none, sig);
    if (atomic_load(&het__held)) {
        errno = saved;
        return; /* the process is on its way to exit 0 with every output in place */
    }
    if (atomic_load(&het__defer) && !atomic_exchange(&het__deferred_seen, 1)) {
        void (*fn)(void *, int) = atomic_load(&het__fwd);
        if (fn)
            fn(atomic_load(&het__fwd_ctx), sig);
        errno = saved;
        return; /* the code polls het_interrupted() and stops cleanly */
    }
    for (int i = 0; i < HET_CLEANUP_SLOTS; i++)
        if (atomic_load(&het__cleanup[i].used) == 1)
            unlink(het__cleanup[i].path);
    het__say();
    _exit(128 + atomic_load(&het__signal));
}

void het_interrupt_install(const char *prog, int speak, int progress_line)
{
    size_t n = strlen(prog);
    if (n > sizeof het__line - 16)
        n = sizeof het__line - 16;
    memcpy(het__line, prog, n);
    memcpy(het__line + n, ": interrupted\n", 15);
    het__line_len = n + 14;
    het__speak = speak;
    het__progress = progress_line;

    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction old, sa;
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue; /* ignored by whoever started us: keep it so */
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = het__handler;
        /* a blocking write restarts, so a deferred stream finishes its
         * chunk and stops on a line boundary */
        sa.sa_flags = SA_RESTART;
        sigemptyset(&sa.sa_mask);
        for (size_t k = 0; k < sizeof sigs / sizeof sigs[0]; k++)
            sigaddset(&sa.sa_mask, sigs[k]);
        sigaction(sigs[i], &sa, NULL);
    }
}

int het_interrupted(void) { return atomic_load(&het__signal); }

void het_interrupt_forward(void (*fn)(void *ctx, int sig), void *ctx)
{
    atomic_store(&het__fwd, NULL);
    atomic_store(&het__fwd_ctx, ctx);
    atomic_store(&het__fwd, fn);
}

int het_interrupt_defer(int on)
{
    if (on)
        atomic_store(&het__deferred_seen, 0);
    return atomic_exchange(&het__defer, on ? 1 : 0);
}

int het_interrupt_report(void)
{
    int sig = atomic_load(&het__signal);
    if (!sig)
        return 0;
    het__say();
    return 128 + sig;
}

int het_cleanup_register(const char *path)
{
    size_t n = strlen(path);
    if (n >= HET_CLEANUP_PATH)
        return -1;
    for (int i = 0; i < HET_CLEANUP_SLOTS; i++) {
        int free_slot = 0;
        /* claim with 2 ("being written"), publish with 1 */
        if (atomic_compare_exchange_strong(&het__cleanup[i].used, &free_slot, 2)) {
            memcpy(het__cleanup[i].path, path, n + 1);
            atomic_store(&het__cleanup[i].used, 1);
            return i;
        }
    }
    return -1;
}

void het_cleanup_unregister(int slot)
{
    if (slot >= 0 && slot < HET_CLEANUP_SLOTS)
        atomic_store(&het__cleanup[slot].used, 0);
}

void het_interrupt_hold(void) { atomic_store(&het__held, 1); }
