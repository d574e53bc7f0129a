/* engine.c - runs a planned job (see engine.h).
 *
 * Workers pull batches of grains, compute them into memory of their own
 * and commit them grain by grain into the job's partials; the partials
 * merge in grain order on rank 0.  How many grains a worker takes, when it
 * stops taking and which straggler an idle worker copies is the policy in
 * schedule.c; this file does the threads, the devices and the bookkeeping.
 *
 * Threads: one host thread per worker (the OpenMP team is one worker whose
 * thread opens a parallel region per batch; each OpenCL device has its own
 * thread that keeps two batches in flight).  The main thread waits, shows
 * progress, prints notices and does every collective MPI call.
 *
 * Shared state of a rank lives in het_engine under its one lock: which
 * grains are committed (done[]), the batches in flight (sched), the grains
 * handed back by failed workers (retry), the workers' stats.  A grain's
 * result is used once: the first copy to commit wins, and a later copy
 * (an idle worker recomputing a straggler's grains, contract 6) must be
 * bit-identical or the run fails naming both workers.
 *
 * The run ends as soon as every grain this rank took has a result.  A
 * device still busy with a copy that lost is abandoned: its thread stops
 * waiting, frees its host memory from the driver's completion callback,
 * and leaves; a thread stuck inside a driver call is detached and cleans
 * up when the call returns.  The engine's memory is reference-counted so a
 * detached thread never touches freed memory, and it never touches the
 * job or the partials once the run is closed.
 */
#include "engine.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "devices.h"
#include "format.h"
#include "hcl.h"
#include "grain_check.h"
#include "journal.h"
#include "par.h"
#include "rates.h"
#include "schedule.h"
#include "tunables.h"

/* Grain states (het_engine.done): 0 pending; 1 computed on this rank; 2
 * (rank 0) received from another rank during the run; 3 read from the
 * journal.  HET_NOTED is or-ed in once a grain is in the journal (rank 0)
 * or sent to rank 0 (other ranks). */
#define HET_GRAIN_MINE 1
#define HET_GRAIN_SHIPPED_IN 2
#define HET_GRAIN_RESUMED 3
#define HET_NOTED 0x80
#define HET_STATE(x) ((x)&0x7f)

/* Copies src into dst[size], cut to fit (messages may be longer than a
 * report field). */
static void het__copy(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

static double het__now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct het_engine het_engine;

/* Device threads left behind inside a driver call, process-wide. */
static _Atomic int het__left_behind;

int het_engine_threads_left(void) { return atomic_load(&het__left_behind); }

/* At exit, a device thread left behind may still be inside its driver,
 * and the driver's own threads with it (PoCL compiling a kernel in LLVM):
 * exit handlers that unload LLVM under them crash the process after a
 * complete answer.  Registered when a thread is first left behind, so it
 * runs before the handlers registered earlier (LLVM's, at load): it waits
 * for those threads to come back, HET_EXIT_WAIT_S at most.  (hetero and
 * hetero-bench leave through _exit instead and never get here.) */
static void het__wait_left_behind(void)
{
    struct timespec nap = {0, 10000000L};
    for (int i = 0; i < (int)(HET_EXIT_WAIT_S * 100) && atomic_load(&het__left_behind) > 0; i++)
        nanosleep(&nap, NULL);
}

/* A batch being computed: grains [g0, g0 + n). */
typedef struct het_batch {
    uint64_t g0, n;
    int copy; /* a copy of another worker's batch */
} het_batch;

/* The commands of a batch, in the order they are enqueued. */
enum { HET_EV_FILL, HET_EV_KERNEL, HET_EV_READ_OUT, HET_EV_READ_CHK, HET_EV_N };

/* One of an OpenCL worker's in-flight slots.  Every command enqueued for
 * the batch has its event in ev[] until the slot is done with it: out,
 * chk and host must outlive each of them (host is the destination of the
 * two non-blocking reads). */
typedef struct het_slot {
    cl_mem out, chk;
    unsigned char *host;   /* n * psize partials, then n check words */
    size_t host_cap;       /* bytes */
    cl_event ev[HET_EV_N]; /* NULL: not enqueued (or already released) */
    het_batch b;
    double t_enq;
} het_slot;

typedef struct het_worker {
    het_engine *e;
    size_t idx;
    int is_cl;
    int named; /* picked by its id, cl:P:D */
    hcl_info info;
    /* OpenCL */
    hcl_device dev;
    hetero_cl_caps caps;
    cl_program prog;
    cl_kernel kern;
    cl_mem bufs[HETERO_MAX_KARGS];
    size_t n_bufs;
    size_t local;
    size_t scratch_bytes; /* per work-group, 0 = none */
    het_slot slot[HET_SCHED_MAX_FLIGHT];
    int from_cache;
    /* OpenMP */
    int threads;
    unsigned char *stage;
    size_t stage_cap;
    /* the thread */
    pthread_t th;
    _Atomic long tid;      /* its kernel thread id, for setpriority */
    int started, finished; /* under the lock */
    int err;               /* a setup failure */
    char msg[HETERO_MSG_MAX];
    int excluded;        /* cannot run this workload (not named) */
    int retired;         /* failed at run time (under the lock) */
    int noticed;         /* its retirement was announced */
    int detached;        /* left behind inside its driver (under the lock) */
    int demoted;         /* its thread was given the lowest priority */
    uint64_t n_launched; /* batches started (HETERO_FAULT counts them) */
    uint64_t fault_at;   /* HETERO_FAULT: fail this batch (1-based); 0 never */
    uint64_t jitter;     /* test seam: xorshift state, 0 = off */
    double t_done;
    hetero_worker_stats st; /* under the lock */
    const char *kname;      /* its kernel's entry point */
    char rate_key[33];      /* its throughput model's name (rates.h) */
    int rate_keyed;
} het_worker;

struct het_engine {
    _Atomic int refs; /* the run, and each started worker thread */
    hetero_job *job;  /* never touched by a worker once closed */
    size_t psize;
    uint64_t n_grains;
    het_counter *counter;
    unsigned char *partials;
    unsigned char *done; /* per grain: its state (HET_GRAIN_*) */
    uint32_t *owner;     /* per grain: the worker whose copy won */
    het_worker *w;
    size_t nw;
    het_sched sched; /* sched.w[i] is w[i]'s policy state */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    uint64_t *retry; /* (g0, n) pairs handed back by failed workers */
    size_t n_retry, cap_retry;
    uint64_t n_taken, n_done; /* grains this rank took, and committed */
    /* The grains left to compute (all but the journal's), as runs; the
     * counter hands out indices into them (0 .. n_remaining - 1). */
    uint64_t *rem;    /* (g0, n) pairs */
    uint64_t *rem_at; /* rem_at[i]: the counter index of run i */
    size_t n_rem;
    uint64_t n_remaining;
    uint64_t resumed;                   /* grains read from the journal */
    het_journal *journal;               /* rank 0, with --checkpoint */
    int shipping;                       /* another rank, with --checkpoint */
    long own_tids[HET_MAX_OWN_THREADS]; /* the ids this run added to the
                                  process's own threads (het__own), to take
                                  them out at the end */
    size_t n_own;
    struct het_ticks *base; /* every thread's CPU ticks when the compute
                               phase began (het__demote_foreign) */
    size_t n_base;
    int foreign_pending; /* a straggler was demoted: the main thread
                               demotes the busy foreign threads (lock) */
    int last_sent;       /* another rank: its last word went to rank 0 */
    int peers_done;      /* rank 0: last words received from the
                                  others, by whichever call received them */
    uint64_t noted;      /* grains in the journal (rank 0) */
    int draining;        /* stop: no new batches, finish those in flight */
    int stop_reason;     /* the signal, or -1 for the time limit */
    int closed;          /* the run is over: no commit any more */
    int fatal;           /* code of the first fatal failure, or 0 */
    char fatal_msg[HETERO_MSG_MAX];
    size_t n_setup, n_started, n_finished;
    int go, abort_run;
    _Atomic int wind_down;    /* every grain has a result, a fatal failure, or
                                 stopped and the grace is over (het__wind_down) */
    _Atomic uint64_t claimed; /* highest grain index handed out, as seen here */
    _Atomic uint64_t done_items;
    double t_start; /* het_engine_run began */
    double t_compute0;
    double t_last;        /* when the last grain got its first result */
    double longest_batch; /* seconds, of any batch committed here */
    double peer_timeout;  /* --peer-timeout, or HET_PEER_TIMEOUT_S */
    int debug;            /* HETERO_DEBUG_SCHED: one stderr line per batch */
};

static void het__unref(het_engine *e)
{
    if (atomic_fetch_sub(&e->refs, 1) != 1)
        return;
    pthread_cond_destroy(&e->cond);
    pthread_mutex_destroy(&e->lock);
    free(e->retry);
    free(e->rem);
    free(e->rem_at);
    free(e->sched.w);
    free(e->w);
    free(e->partials);
    free(e->done);
    free(e->owner);
    free(e->base);
    free(e);
}

/* Waits on the engine's condition for at most `seconds`; lock held. */
static void het__timed_wait(het_engine *e, double seconds)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    long ns = ts.tv_nsec + (long)(seconds * 1e9);
    ts.tv_sec += ns / 1000000000L;
    ts.tv_nsec = ns % 1000000000L;
    pthread_cond_timedwait(&e->cond, &e->lock, &ts);
}


/* A notice ("a device was left out") for the job's notice callback; the
 * library itself prints nothing.  Under several ranks every rank's notice
 * reaches rank 0's callback once, prefixed "rank R (host): " (a node whose
 * driver is broken must not run CPU-only in silence); the other ranks send
 * theirs there (het__remote_notices prints them). */
static void het__notice(const hetero_job *job, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void het__notice(const hetero_job *job, const char *fmt, ...)
{
    if (!job->notice || job->run.quiet) /* --quiet: no notices, to any callback */
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (het_par_size() == 1) {
        job->notice(job->notice_ctx, line);
    } else if (!het_par_note(line)) {
        char full[1100];
        snprintf(full, sizeof full, "rank %d (%s): %s", het_par_rank(), het_par_host(), line);
        job->notice(job->notice_ctx, full);
    }
}

static void het__remote_notice(void *ctx, int rank, const char *host, const char *text)
{
    const hetero_job *job = ctx;
    char full[1200];
    snprintf(full, sizeof full, "rank %d (%s): %s", rank, host, text);
    job->notice(job->notice_ctx, full);
}

/* Rank 0: the other ranks' notices that came in. */
static void het__remote_notices(const hetero_job *job)
{
    if (job->notice && !job->run.quiet)
        het_par_notes_take(het__remote_notice, (void *)job);
}

/* ---- HETERO_FAULT ------------------------------------------------------ */

/* HETERO_FAULT=WORKER@N (a testing aid): worker WORKER's Nth batch fails as
 * a device error would.  Checked before any work starts. */
static int het__parse_fault(char *id, size_t id_size, uint64_t *n)
{
    const char *v = getenv("HETERO_FAULT");
    *n = 0;
    id[0] = 0;
    if (!v || !*v)
        return HETERO_OK;
    const char *at = strrchr(v, '@');
    char *end = NULL;
    unsigned long long k = at ? strtoull(at + 1, &end, 10) : 0;
    if (!at || at == v || (size_t)(at - v) >= id_size || !end || *end || k == 0 || at[1] == '-')
        return hetero_fail(HETERO_E_BADARG,
                           "HETERO_FAULT: expected WORKER@N (e.g. cl:0:0@2 or omp@1), got '%s'", v);
    memcpy(id, v, (size_t)(at - v));
    id[at - v] = 0;
    *n = k;
    return HETERO_OK;
}

/* ---- taking work ------------------------------------------------------- */

/* ---- stragglers yield the cores ------------------------------------------ */

/* The threads of every job running in this process (its main thread, its
 * workers' and its OpenMP teams'): a straggler's demotion never touches
 * them, whichever job's straggler it is.  An id that does not fit turns
 * the demotion of foreign threads off (het__own_full). */
static pthread_mutex_t het__own_lock = PTHREAD_MUTEX_INITIALIZER;
static long het__own[HET_MAX_OWN_THREADS];
static size_t het__n_own;
static int het__own_full;

/* Notes thread tid as one of the run's own. */
static void het__own_thread(het_engine *e, long tid)
{
    pthread_mutex_lock(&het__own_lock);
    int known = 0;
    for (size_t i = 0; i < het__n_own && !known; i++)
        known = het__own[i] == tid;
    if (!known) {
        if (het__n_own < HET_MAX_OWN_THREADS && e->n_own < HET_MAX_OWN_THREADS) {
            het__own[het__n_own++] = tid;
            e->own_tids[e->n_own++] = tid;
        } else {
            het__own_full = 1;
        }
    }
    pthread_mutex_unlock(&het__own_lock);
}

/* The run is over: its threads are no longer anyone's to protect. */
static void het__own_release(het_engine *e)
{
    pthread_mutex_lock(&het__own_lock);
    for (size_t k = 0; k < e->n_own; k++)
        for (size_t i = 0; i < het__n_own; i++)
            if (het__own[i] == e->own_tids[k]) {
                het__own[i] = het__own[--het__n_own];
                break;
            }
    e->n_own = 0;
    if (het__n_own == 0)
        het__own_full = 0;
    pthread_mutex_unlock(&het__own_lock);
}

static int het__is_own(long tid)
{
    pthread_mutex_lock(&het__own_lock);
    int own = het__own_full;
    for (size_t i = 0; i < het__n_own && !own; i++)
        own = het__own[i] == tid;
    pthread_mutex_unlock(&het__own_lock);
    return own;
}

/* CPU time (clock ticks) thread tid of this process has used; -1 if it
 * cannot be read. */
static long het__thread_ticks(long tid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/self/task/%ld/stat", tid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    (void)fclose(f); /* read only: nothing to lose */
    buf[len] = 0;
    /* after the name's closing parenthesis: state, then utime and stime
     * are fields 14 and 15 of the line */
    const char *p = strrchr(buf, ')');
    unsigned long utime, stime;
    if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
        return -1;
    return (long)(utime + stime);
}

typedef struct het_ticks {
    long tid, ticks;
} het_ticks;

/* Calls fn(e, tid) for every thread of the process. */
static void het__each_thread(het_engine *e, void (*fn)(het_engine *e, long tid))
{
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        char *end;
        long tid = strtol(de->d_name, &end, 10);
        if (tid > 0 && !*end)
            fn(e, tid);
    }
    closedir(d);
}

static void het__note_base(het_engine *e, long tid)
{
    long t = het__thread_ticks(tid);
    het_ticks *b = realloc(e->base, (e->n_base + 1) * sizeof *b);
    if (!b || t < 0) {
        e->base = b ? b : e->base;
        return;
    }
    e->base = b;
    e->base[e->n_base++] = (het_ticks){tid, t};
}

/* Every thread's CPU time as the compute phase begins (main thread). */
static void het__ticks_base(het_engine *e) { het__each_thread(e, het__note_base); }

static void het__demote_one(het_engine *e, long tid)
{
    if (het__is_own(tid))
        return;
    long now = het__thread_ticks(tid), then = 0;
    for (size_t i = 0; i < e->n_base; i++)
        if (e->base[i].tid == tid)
            then = e->base[i].ticks;
    if (now < 0 || now - then < HET_FOREIGN_BUSY_TICKS)
        return;
    errno = 0;
    if (getpriority(PRIO_PROCESS, (id_t)tid) == 19 && errno == 0)
        return;
    int rc = setpriority(PRIO_PROCESS, (id_t)tid, 19);
    if (e->debug)
        fprintf(stderr, "hetero: demote rank %d a device runtime's thread %ld: %s\n", het_par_rank(), tid,
                rc == 0 ? "lowest priority" : strerror(errno));
}

/* A straggler's device may compute on the host's cores in threads of its
 * runtime (PoCL's pool, a simulator's workers), not in the thread that
 * drives it: every thread of the process that is no running job's own and
 * has used CPU time since this run's compute phase began (an idle one,
 * such as MPI's progress thread or a program's thread that waits, is left
 * alone) gets the lowest priority, so that the workers copying the
 * straggler's grains have the cores.  Main thread, lock not held. */
static void het__demote_foreign(het_engine *e) { het__each_thread(e, het__demote_one); }

/* Worker w is a straggler: its host thread yields the cores at once, and
 * the main thread demotes the device runtime's busy threads next (lock
 * held; once per worker). */
static void het__demote(het_worker *w)
{
    long tid = atomic_load(&w->tid);
    if (!w->is_cl || w->demoted || tid <= 0 || !w->started || w->finished)
        return;
    w->demoted = 1;
    w->e->foreign_pending = 1;
    int rc = setpriority(PRIO_PROCESS, (id_t)tid, 19);
    if (w->e->debug)
        fprintf(stderr, "hetero: demote rank %d %-8s (thread %ld): %s\n", het_par_rank(), w->st.id, tid,
                rc == 0 ? "lowest priority" : strerror(errno));
}

/* Test seam: batch sizes at random in [1, 64]. */
static uint64_t het__jitter(het_worker *w)
{
    w->jitter ^= w->jitter << 13;
    w->jitter ^= w->jitter >> 7;
    w->jitter ^= w->jitter << 17;
    return 1 + w->jitter % 64;
}

/* Pushes grains [g0, g0 + n) to the retry pool (lock held). */
static int het__retry_push(het_engine *e, uint64_t g0, uint64_t n)
{
    if (e->n_retry == e->cap_retry) {
        size_t cap = e->cap_retry ? 2 * e->cap_retry : 16;
        uint64_t *r = realloc(e->retry, cap * 2 * sizeof *r);
        if (!r)
            return hetero_fail(HETERO_E_NOMEM, "out of memory for the grains to redo");
        e->retry = r;
        e->cap_retry = cap;
    }
    e->retry[2 * e->n_retry] = g0;
    e->retry[2 * e->n_retry + 1] = n;
    e->n_retry++;
    return HETERO_OK;
}

/* The grain at counter index c (c < n_remaining). */
static size_t het__rem_run(const het_engine *e, uint64_t c)
{
    size_t lo = 0, hi = e->n_rem;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (e->rem_at[mid] <= c)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* 1: *b is the next batch (recorded as in flight); 0: nothing now (wait
 * and ask again); -1: nothing ever again (the run is winding down, or this
 * worker failed); -2: no new batches, but finish those in flight (the run
 * is stopping); negative HET_E_*: the counter failed. */
static int het__next(het_engine *e, het_worker *w, het_batch *b)
{
    int rc = 0;
    pthread_mutex_lock(&e->lock);
    het_sched_worker *sw = &e->sched.w[w->idx];
    double now = het__now();
    if (atomic_load(&e->wind_down) || e->fatal || w->retired) {
        rc = -1;
        goto out;
    }
    if (e->draining) {
        rc = -2;
        goto out;
    }
    if (sw->n_flight >= HET_SCHED_MAX_FLIGHT)
        goto out;
    /* grains a failed worker handed back come first */
    if (e->n_retry) {
        uint64_t g0 = e->retry[2 * (e->n_retry - 1)], n = e->retry[2 * (e->n_retry - 1) + 1];
        uint64_t take = n < sw->max_batch ? n : sw->max_batch;
        if (take < n) {
            e->retry[2 * (e->n_retry - 1)] += take;
            e->retry[2 * (e->n_retry - 1) + 1] -= take;
        } else {
            e->n_retry--;
        }
        *b = (het_batch){g0, take, 0};
        het_sched_push(&e->sched, w->idx, b->g0, b->n, 0, now);
        rc = 1;
        goto out;
    }
    for (;;) {
        uint64_t want = 0;
        size_t o = 0, k = 0;
        e->sched.claimed = atomic_load(&e->claimed);
        e->sched.elapsed = now - e->t_compute0;
        int act = het_sched_decide(&e->sched, w->idx, now, &want, &o, &k);
        if (act == HET_SCHED_TAKE) {
            if (w->jitter) {
                uint64_t j = het__jitter(w);
                want = j < sw->max_batch ? j : sw->max_batch;
            }
            uint64_t start;
            /* under the lock: the counter and n_taken move together, so
             * "exhausted and every taken grain done" is never seen early */
            int crc = het_counter_take(e->counter, want, &start);
            if (crc) {
                rc = crc;
                goto out;
            }
            uint64_t end = start + want, seen = atomic_load(&e->claimed);
            while (seen < end && !atomic_compare_exchange_weak(&e->claimed, &seen, end))
                ;
            if (start >= e->n_remaining) {
                e->sched.exhausted = 1;
                continue; /* decide again: maybe a copy */
            }
            uint64_t n = want < e->n_remaining - start ? want : e->n_remaining - start;
            e->n_taken += n;
            /* counter indices to grains: the first run is the batch; a
             * journal's gap splits it, and the rest waits in the retry
             * pool of this rank */
            size_t r = het__rem_run(e, start);
            uint64_t g0 = e->rem[2 * r] + (start - e->rem_at[r]);
            uint64_t first = e->rem[2 * r] + e->rem[2 * r + 1] - g0;
            if (first > n)
                first = n;
            for (uint64_t left = n - first, c = start + first; left;) {
                size_t q = het__rem_run(e, c);
                uint64_t h0 = e->rem[2 * q] + (c - e->rem_at[q]);
                uint64_t part = e->rem[2 * q] + e->rem[2 * q + 1] - h0;
                if (part > left)
                    part = left;
                if ((crc = het__retry_push(e, h0, part))) {
                    rc = crc;
                    goto out;
                }
                c += part;
                left -= part;
            }
            *b = (het_batch){g0, first, 0};
            het_sched_push(&e->sched, w->idx, g0, first, 0, now);
            rc = 1;
        } else if (act == HET_SCHED_COPY) {
            const het_sched_flight *f = &e->sched.w[o].flight[k];
            /* The straggler may be computing on the host's cores in its
             * own thread (a simulator, a driver that runs kernels in the
             * calling thread): from now on it yields them to the workers
             * that are copying its grains.  A GPU's thread, which only
             * waits, loses nothing. */
            het__demote(&e->w[o]);
            *b = (het_batch){f->g0, f->n < sw->max_batch ? f->n : sw->max_batch, 1};
            het_sched_push(&e->sched, w->idx, b->g0, b->n, 1, now);
            w->st.recomputed += b->n;
            if (e->debug)
                fprintf(stderr, "hetero: copy  rank %d %-8s g0=%llu n=%llu from %s\n", het_par_rank(),
                        w->st.id, (unsigned long long)b->g0, (unsigned long long)b->n, e->w[o].st.id);
            rc = 1;
        }
        break;
    }
out:
    pthread_mutex_unlock(&e->lock);
    return rc;
}

/* Nothing to do for now: wait until something changes (a commit, a
 * failure, the end). */
static void het__idle(het_engine *e)
{
    pthread_mutex_lock(&e->lock);
    if (!atomic_load(&e->wind_down))
        het__timed_wait(e, 0.01);
    pthread_mutex_unlock(&e->lock);
}

/* ---- committing results ------------------------------------------------ */

/* No batch in flight is needed any more: workers stop taking, and a CPU
 * batch that polls hetero_job_abandoned drops its work (an OpenMP team is
 * joined at the end, so a long grain would otherwise hold up the run). */
static void het__wind_down(het_engine *e)
{
    atomic_store(&e->job->abandon, 1);
    atomic_store(&e->wind_down, 1);
    pthread_cond_broadcast(&e->cond);
}

static void het__set_fatal(het_engine *e, int code, const char *msg)
{
    if (!e->fatal) {
        e->fatal = code;
        het__copy(e->fatal_msg, sizeof e->fatal_msg, msg);
    }
    het__wind_down(e);
}

/* Commits batch b (its partials in `data`, n * psize bytes) that kept the
 * worker busy dt seconds.  Grains already committed by another worker are
 * compared instead: a difference breaks contract 1 and ends the run. */
static void het__commit(het_worker *w, const het_batch *b, const unsigned char *data, double dt)
{
    het_engine *e = w->e;
    pthread_mutex_lock(&e->lock);
    het_sched_pop(&e->sched, w->idx, b->g0);
    if (e->closed) {
        pthread_mutex_unlock(&e->lock);
        return;
    }
    const size_t ps = e->psize;
    uint64_t won = 0, items = 0;
    for (uint64_t i = 0; i < b->n; i++) {
        uint64_t g = b->g0 + i;
        if (!e->done[g]) {
            /* runs of won grains: one items() call each */
            uint64_t j = i;
            while (j < b->n && !e->done[b->g0 + j]) {
                e->done[b->g0 + j] = HET_GRAIN_MINE;
                e->owner[b->g0 + j] = (uint32_t)w->idx;
                j++;
            }
            memcpy(e->partials + g * ps, data + i * ps, (size_t)(j - i) * ps);
            items += het_job_items(e->job, g, j - i);
            won += j - i;
            i = j - 1;
        } else if (memcmp(e->partials + g * ps, data + i * ps, ps) != 0) {
            char m[512];
            snprintf(m, sizeof m,
                     "grain %" PRIu64 " computed by %s and by %s gave different partials "
                     "(the same job must give the same bits on every device)",
                     g, e->w[e->owner[g]].st.id, w->st.id);
            het__set_fatal(e, HETERO_E_INTERNAL, m);
            pthread_mutex_unlock(&e->lock);
            return;
        }
    }
    e->n_done += won;
    if (won)
        e->t_last = het__now();
    w->st.grains += won;
    w->st.items += items;
    w->st.batches++;
    w->st.busy_s += dt;
    if (dt > e->longest_batch)
        e->longest_batch = dt;
    het_sched_measure(&e->sched.w[w->idx], b->n, dt);
    atomic_fetch_add(&e->done_items, items);
    if (e->debug)
        fprintf(stderr,
                "hetero: batch rank %d %-8s t=%.4f g0=%" PRIu64 " n=%" PRIu64 "%s dt=%.4f rate=%.1f\n",
                het_par_rank(), w->st.id, het__now() - e->t_compute0, b->g0, b->n, b->copy ? " (copy)" : "",
                dt, e->sched.w[w->idx].rate);
    pthread_cond_broadcast(&e->cond);
    pthread_mutex_unlock(&e->lock);
}

/* A worker failed at run time.  A device error retires the worker: the
 * grains it had in flight go back to the pool for the others.  An internal
 * error (or a failing MPI counter) ends the run. */
static void het__failed(het_worker *w, int rc)
{
    het_engine *e = w->e;
    char m[HETERO_MSG_MAX];
    het__copy(m, sizeof m, hetero_errmsg());
    pthread_mutex_lock(&e->lock);
    if (rc == HETERO_E_INTERNAL || rc == HETERO_E_MPI) {
        het__set_fatal(e, rc, m);
    } else if (!w->retired) {
        het_sched_worker *sw = &e->sched.w[w->idx];
        w->retired = 1;
        w->err = rc;
        het__copy(w->msg, sizeof w->msg, m);
        snprintf(w->st.status, sizeof w->st.status, "failed");
        het__copy(w->st.error, sizeof w->st.error, m);
        for (int i = 0; i < sw->n_flight; i++) {
            het_sched_flight *f = &sw->flight[i];
            if (f->copy)
                continue; /* the original is still with its owner */
            /* hand back the grains not yet committed, as runs */
            for (uint64_t g = f->g0; g < f->g0 + f->n; g++) {
                if (e->done[g])
                    continue;
                uint64_t h = g;
                while (h < f->g0 + f->n && !e->done[h])
                    h++;
                if (het__retry_push(e, g, h - g)) {
                    het__set_fatal(e, HETERO_E_NOMEM, "out of memory handing back a failed worker's grains");
                    break;
                }
                g = h;
            }
        }
        sw->n_flight = 0;
        sw->taking = 0;
        sw->gone = 1;
        sw->rate = 0;
    }
    pthread_cond_broadcast(&e->cond);
    pthread_mutex_unlock(&e->lock);
}

static int het__fault(het_worker *w)
{
    if (w->fault_at && ++w->n_launched == w->fault_at)
        return hetero_fail(HETERO_E_OPENCL, "%s on %s (%s): injected by HETERO_FAULT (batch %" PRIu64 ")",
                           w->is_cl ? "clEnqueueNDRangeKernel" : "cpu_batch", w->st.id, w->st.name,
                           w->fault_at);
    if (!w->fault_at)
        w->n_launched++;
    return HETERO_OK;
}

/* ---- the OpenMP worker ------------------------------------------------- */

static int het__omp_run(het_worker *w)
{
    het_engine *e = w->e;
    const hetero_job *job = e->job;
    het_batch b;
    /* the team's threads are the run's own (het__demote_foreign): libgomp
     * keeps them for every later team of this thread of the same size */
#pragma omp parallel num_threads(w->threads)
    {
        long tid = (long)syscall(SYS_gettid);
        pthread_mutex_lock(&e->lock);
        het__own_thread(e, tid);
        pthread_mutex_unlock(&e->lock);
    }
    for (;;) {
        int got = het__next(e, w, &b);
        if (got == -1 || got == -2)
            return HETERO_OK;
        if (got < 0)
            return got;
        if (got == 0) {
            het__idle(e);
            continue;
        }
        size_t bytes = (size_t)b.n * e->psize;
        if (bytes > w->stage_cap) {
            unsigned char *p = realloc(w->stage, bytes);
            if (!p)
                return hetero_fail(HETERO_E_NOMEM, "out of memory for %" PRIu64 " partials on %s", b.n,
                                   w->st.id);
            w->stage = p;
            w->stage_cap = bytes;
        }
        int rc = het__fault(w);
        if (rc)
            return rc;
        double t0 = het__now();
        rc = job->wl->cpu_batch(job, b.g0, b.n, w->stage, w->threads);
        if (rc == HETERO_E_INTERRUPTED && hetero_job_abandoned(job))
            return HETERO_OK; /* dropped: nobody needs it (het__wind_down) */
        if (rc)
            return rc;
        het__commit(w, &b, w->stage, het__now() - t0);
    }
}

/* ---- an OpenCL worker -------------------------------------------------- */

static void het__caps_from_info(const hcl_info *info, hetero_cl_caps *c)
{
    memset(c, 0, sizeof *c);
    c->type = info->type;
    c->fp64 = info->fp64;
    c->compute_units = info->compute_units ? info->compute_units : 1;
    c->max_wg = info->max_wg ? info->max_wg : 1;
    c->local_mem = info->local_mem;
    c->max_alloc = info->max_alloc;
    c->global_mem = info->global_mem;
    het__copy(c->vendor, sizeof c->vendor, info->vendor);
}

/* The most scratch memory one launch may use: one allocation, and a
 * quarter of the device's memory (the rest is the driver's and other
 * programs'). */
static uint64_t het__scratch_budget(const hetero_cl_caps *caps)
{
    uint64_t b = caps->global_mem / 4;
    if (caps->max_alloc && caps->max_alloc < b)
        b = caps->max_alloc;
    return b;
}

/* Can the job's kernel run on a device with these caps?  HETERO_OK, or
 * HETERO_E_NODEV with the reason (the device not named). */
static int het__fit(const hetero_job *job, const hetero_cl_caps *caps, size_t *local)
{
    const hetero_workload *wl = job->wl;
    if (wl->needs_fp64 && !caps->fp64)
        return hetero_fail(HETERO_E_NODEV, "needs double precision (cl_khr_fp64), which the device lacks");
    int rc = HETERO_OK;
    if (wl->cl_fit) {
        rc = wl->cl_fit(job, caps, local);
    } else {
        /* a power of two up to 256 within the device's limits */
        size_t l = 256;
        while (l > caps->max_wg && l > 1)
            l >>= 1;
        *local = l;
    }
    if (rc)
        return rc;
    hetero_karg ka[HETERO_MAX_KARGS];
    size_t na = wl->cl_args(job, caps, ka, HETERO_MAX_KARGS);
    for (size_t i = 0; i < na; i++) {
        if (ka[i].kind == HETERO_KARG_BUF && caps->max_alloc && ka[i].v.buf.bytes > caps->max_alloc)
            return hetero_fail(HETERO_E_NODEV, "needs a buffer of %zu bytes, the device allows %" PRIu64,
                               ka[i].v.buf.bytes, caps->max_alloc);
        if (ka[i].kind == HETERO_KARG_SCRATCH && ka[i].v.scratch_bytes > het__scratch_budget(caps))
            return hetero_fail(HETERO_E_NODEV,
                               "needs %zu bytes of scratch memory per work-group, the device "
                               "allows %" PRIu64,
                               ka[i].v.scratch_bytes, het__scratch_budget(caps));
    }
    return HETERO_OK;
}

static int het__cl_setup(het_worker *w)
{
    het_engine *e = w->e;
    const hetero_job *job = e->job;
    const hetero_workload *wl = job->wl;
    int rc;
    if ((rc = hcl_open(&w->dev, &w->info)))
        return rc;
    if ((rc = hcl_build(&w->dev, wl->kernel_source, wl->build_options, &w->prog, &w->from_cache)))
        return rc;
    /* the entry point for this kind of device (hetero_workload.cl_kernel) */
    het__caps_from_info(&w->info, &w->caps);
    w->kname = wl->cl_kernel ? wl->cl_kernel(job, &w->caps) : NULL;
    if (!w->kname)
        w->kname = wl->kernel_name;
    if ((rc = hcl_kernel(&w->dev, w->prog, w->kname, &w->kern)))
        return rc;

    /* the kernel's own limits narrow the device's */
    size_t kwg = 0;
    uint64_t klocal = 0;
    if ((rc = hcl_kernel_limits(&w->dev, w->kern, &kwg, &klocal)))
        return rc;
    het__caps_from_info(&w->info, &w->caps);
    if (kwg && kwg < w->caps.max_wg)
        w->caps.max_wg = kwg;
    w->caps.local_mem = w->caps.local_mem > klocal ? w->caps.local_mem - klocal : 0;
    if ((rc = het__fit(job, &w->caps, &w->local)))
        return rc;

    hetero_karg ka[HETERO_MAX_KARGS];
    hcl_arg args[HETERO_MAX_KARGS];
    size_t na = wl->cl_args(job, &w->caps, ka, HETERO_MAX_KARGS);
    uint64_t dyn_local = 0;
    size_t scratch_arg = SIZE_MAX;
    for (size_t i = 0; i < na; i++) {
        switch (ka[i].kind) {
        case HETERO_KARG_U32: args[i] = (hcl_arg){.kind = HCL_ARG_U32, .u.u32 = ka[i].v.u32}; break;
        case HETERO_KARG_U64: args[i] = (hcl_arg){.kind = HCL_ARG_U64, .u.u64 = ka[i].v.u64}; break;
        case HETERO_KARG_F64: args[i] = (hcl_arg){.kind = HCL_ARG_F64, .u.f64 = ka[i].v.f64}; break;
        case HETERO_KARG_LOCAL:
            args[i] = (hcl_arg){.kind = HCL_ARG_LOCAL, .u.bytes = ka[i].v.local_bytes};
            dyn_local += ka[i].v.local_bytes;
            break;
        case HETERO_KARG_SCRATCH:
            /* set below, once the batch size is known */
            w->scratch_bytes = ka[i].v.scratch_bytes ? ka[i].v.scratch_bytes : 1;
            scratch_arg = i;
            args[i] = (hcl_arg){.kind = HCL_ARG_U32, .u.u32 = 0};
            break;
        case HETERO_KARG_BUF: {
            cl_mem m;
            /* a zero-byte buffer is not allowed: pass one dummy byte */
            size_t bytes = ka[i].v.buf.bytes ? ka[i].v.buf.bytes : 1;
            static const unsigned char zero[8];
            const void *data = ka[i].v.buf.bytes ? ka[i].v.buf.data : zero;
            if ((rc = hcl_buffer(&w->dev, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, bytes, data, &m)))
                return rc;
            w->bufs[w->n_bufs++] = m;
            args[i] = (hcl_arg){.kind = HCL_ARG_MEM, .u.mem = m};
            break;
        }
        default:
            return hetero_fail(HETERO_E_INTERNAL, "%s: unknown kernel argument kind %d", wl->name,
                               ka[i].kind);
        }
    }
    /* batch limits: device buffers of at most HET_MAX_OUT_BYTES each, and
     * the scratch within its budget */
    uint64_t cap = HET_MAX_OUT_BYTES;
    if (w->info.max_alloc && w->info.max_alloc < cap)
        cap = w->info.max_alloc;
    het_sched_worker *sw = &e->sched.w[w->idx];
    sw->max_batch = cap / (e->psize > 8 ? e->psize : 8);
    if (w->scratch_bytes && sw->max_batch > het__scratch_budget(&w->caps) / w->scratch_bytes)
        sw->max_batch = het__scratch_budget(&w->caps) / w->scratch_bytes;
    if (sw->max_batch > e->n_remaining && e->n_remaining)
        sw->max_batch = e->n_remaining;
    if (sw->max_batch > UINT32_MAX)
        sw->max_batch = UINT32_MAX;
    if (sw->max_batch == 0)
        sw->max_batch = 1;

    /* width: the work-groups resident at once */
    uint64_t per_cu = 1;
    if (w->info.type & (HCL_GPU | HCL_ACCEL)) {
        per_cu = HET_GPU_ITEMS_PER_CU / w->local;
        uint64_t used = klocal + dyn_local;
        if (used) {
            uint64_t fit = HET_GPU_LOCAL_PER_CU_FACTOR * w->info.local_mem / used;
            if (fit < per_cu)
                per_cu = fit;
        }
        if (per_cu < 1)
            per_cu = 1;
    }
    sw->width = (uint64_t)w->caps.compute_units * per_cu;
    if (sw->width > sw->max_batch)
        sw->width = sw->max_batch;
    w->st.width = sw->width;

    if (w->scratch_bytes) {
        /* one scratch buffer serves both slots: the queue is in order, so
         * their kernels never overlap */
        cl_mem m;
        if ((rc = hcl_buffer(&w->dev, CL_MEM_READ_WRITE, sw->max_batch * w->scratch_bytes, NULL, &m)))
            return rc;
        w->bufs[w->n_bufs++] = m;
        args[scratch_arg] = (hcl_arg){.kind = HCL_ARG_MEM, .u.mem = m};
    }
    if ((rc = hcl_set_args(&w->dev, w->kern, 4, args, na)))
        return rc;
    for (int s = 0; s < HET_SCHED_MAX_FLIGHT; s++) {
        if ((rc = hcl_buffer(&w->dev, CL_MEM_READ_WRITE, sw->max_batch * e->psize, NULL, &w->slot[s].out)) ||
            (rc = hcl_buffer(&w->dev, CL_MEM_READ_WRITE, sw->max_batch * sizeof(uint64_t), NULL,
                             &w->slot[s].chk)))
            return rc;
    }
    return HETERO_OK;
}

static int het__cl_launch(het_worker *w, het_slot *s, const het_batch *b)
{
    het_engine *e = w->e;
    size_t pbytes = (size_t)b->n * e->psize, need = pbytes + (size_t)b->n * sizeof(uint64_t);
    if (need > s->host_cap) {
        unsigned char *p = realloc(s->host, need);
        if (!p)
            return hetero_fail(HETERO_E_NOMEM, "out of memory for %" PRIu64 " partials on %s", b->n,
                               w->st.id);
        s->host = p;
        s->host_cap = need;
    }
    int rc = het__fault(w);
    if (rc)
        return rc;
    s->b = *b;
    s->t_enq = het__now();
    hcl_arg a[4] = {
        {.kind = HCL_ARG_MEM, .u.mem = s->out},
        {.kind = HCL_ARG_U64, .u.u64 = b->g0},
        {.kind = HCL_ARG_U32, .u.u32 = (uint32_t)b->n},
        {.kind = HCL_ARG_MEM, .u.mem = s->chk},
    };
    /* zeros are never a check word: a grain the kernel did not finish
     * keeps them */
    if ((rc = hcl_fill(&w->dev, s->chk, 0, (size_t)b->n * sizeof(uint64_t), 0, &s->ev[HET_EV_FILL])) ||
        (rc = hcl_set_args(&w->dev, w->kern, 0, a, 4)) ||
        (rc = hcl_launch(&w->dev, w->kern, (size_t)b->n * w->local, w->local, &s->ev[HET_EV_KERNEL])) ||
        (rc = hcl_read(&w->dev, s->out, 0, pbytes, s->host, 0, &s->ev[HET_EV_READ_OUT])) ||
        (rc = hcl_read(&w->dev, s->chk, 0, (size_t)b->n * sizeof(uint64_t), s->host + pbytes, 0,
                       &s->ev[HET_EV_READ_CHK])) ||
        (rc = hcl_flush(&w->dev)))
        return rc;
    return HETERO_OK;
}

/* Releases the events of slot s (its commands are complete, or their host
 * memory was handed over: het__slot_abandon). */
static void het__slot_release(het_slot *s)
{
    for (int i = 0; i < HET_EV_N; i++) {
        hcl_release_event(s->ev[i]);
        s->ev[i] = NULL;
    }
}

/* Host memory that commands still in flight write into, freed by whichever
 * of their completion callbacks comes last. */
typedef struct het_hold {
    atomic_int left;
    unsigned char *host;
} het_hold;

static void het__hold_drop(void *arg)
{
    het_hold *h = arg;
    if (atomic_fetch_sub(&h->left, 1) == 1) {
        free(h->host);
        free(h);
    }
}

/* Slot s has commands enqueued that may not have finished (a batch left in
 * flight, or one whose later command failed to enqueue): its host memory
 * goes to the driver, freed once the last of them completes, so the thread
 * need not wait for the device.  Where a callback cannot be set, waits for
 * the queue instead.  Returns 1 when the memory was handed over (s->host is
 * then NULL), 0 when every command is known to be finished. */
static int het__slot_abandon(het_worker *w, het_slot *s)
{
    int n = 0;
    for (int i = 0; i < HET_EV_N; i++)
        n += s->ev[i] != NULL;
    if (!n || !s->host)
        return 0; /* no host memory at stake: OpenCL keeps the buffers */
    het_hold *h = malloc(sizeof *h);
    if (!h) {
        hcl_finish(&w->dev);
        return 0;
    }
    h->host = s->host;
    atomic_init(&h->left, n + 1); /* + 1: ours, dropped last */
    s->host = NULL;
    int finished = 0, handed = 0;
    for (int i = 0; i < HET_EV_N; i++) {
        if (!s->ev[i])
            continue;
        if (hcl_on_complete(&w->dev, s->ev[i], het__hold_drop, h) == HETERO_OK) {
            handed = 1;
        } else {
            if (!finished)
                hcl_finish(&w->dev);
            finished = 1;
            het__hold_drop(h);
        }
    }
    het__hold_drop(h);
    return handed;
}

/* Waits for slot s without blocking in the driver: 1 when done, 0 when the
 * run is winding down (leave the slot in flight), or an error. */
static int het__cl_wait(het_worker *w, het_slot *s)
{
    het_engine *e = w->e;
    /* Some GPU drivers spin a CPU core inside clWaitForEvents, a core the
     * OpenMP team needs; so sleep, polling with a backoff (20 us doubling
     * to 1 ms: under 2% of a 50 ms batch). */
    struct timespec nap = {0, 20000};
    for (;;) {
        int done = 0;
        int rc = hcl_poll(&w->dev, s->ev[HET_EV_READ_CHK], &done);
        if (rc)
            return rc;
        if (done)
            break;
        if (atomic_load(&e->wind_down))
            return 0;
        nanosleep(&nap, NULL);
        if (nap.tv_nsec < 1000000)
            nap.tv_nsec *= 2;
    }
    /* contract 8: every command of the batch (the kernel itself, the read
     * of the partials) completed, and every grain's check word is there */
    for (int i = 0; i < HET_EV_READ_CHK; i++) {
        int cdone = 0;
        int rc = hcl_poll(&w->dev, s->ev[i], &cdone);
        if (rc)
            return rc;
        if (!cdone)
            return hetero_fail(HETERO_E_OPENCL, "kernel %s on %s (%s): %s not complete after its read-back",
                               w->kname, w->st.id, w->st.name,
                               i == HET_EV_KERNEL ? "the kernel"
                               : i == HET_EV_FILL ? "the fill of its check words"
                                                  : "the read of its partials");
    }
    const unsigned char *chk = s->host + (size_t)s->b.n * e->psize;
    for (uint64_t i = 0; i < s->b.n; i++) {
        uint64_t word;
        memcpy(&word, chk + i * sizeof word, sizeof word);
        if (word != HETERO_GRAIN_CHECK(s->b.g0 + i))
            return hetero_fail(HETERO_E_OPENCL,
                               "kernel %s on %s (%s) did not finish grain %" PRIu64
                               " (its check word is %016" PRIx64 "); the batch's results are discarded",
                               w->kname, w->st.id, w->st.name, s->b.g0 + i, word);
    }
    double ks = 0;
    if (hcl_event_seconds(&w->dev, s->ev[HET_EV_KERNEL], &ks) == HETERO_OK) {
        pthread_mutex_lock(&e->lock);
        w->st.kernel_s += ks;
        pthread_mutex_unlock(&e->lock);
    }
    het__slot_release(s);
    return 1;
}

static int het__cl_run(het_worker *w)
{
    het_engine *e = w->e;
    int head = 0, count = 0;
    double t_prev_done = 0;
    for (;;) {
        int over = 0, drain = 0;
        /* keep the device fed: the next batch is queued before the last
         * one is read back */
        while (count < HET_SCHED_MAX_FLIGHT) {
            het_batch b;
            int got = het__next(e, w, &b);
            if (got == -1) {
                over = 1;
                break;
            }
            if (got == -2) {
                drain = 1; /* stopping: finish what is in flight */
                break;
            }
            if (got < 0)
                return got;
            if (got == 0)
                break;
            int rc = het__cl_launch(w, &w->slot[(head + count) % HET_SCHED_MAX_FLIGHT], &b);
            if (rc)
                return rc;
            count++;
        }
        if (over)
            return HETERO_OK; /* anything still in flight is abandoned */
        if (!count) {
            if (drain)
                return HETERO_OK;
            het__idle(e);
            continue;
        }
        het_slot *s = &w->slot[head];
        int rc = het__cl_wait(w, s);
        if (rc < 0)
            return rc;
        if (rc == 0)
            return HETERO_OK; /* winding down: abandon what is in flight */
        double t = het__now();
        double start = s->t_enq > t_prev_done ? s->t_enq : t_prev_done;
        t_prev_done = t;
        het__commit(w, &s->b, s->host, t - start);
        head = (head + 1) % HET_SCHED_MAX_FLIGHT;
        count--;
    }
}

/* Releases everything the worker holds.  A failed worker (its grains are
 * already handed back) first waits for the commands it had enqueued: a
 * batch whose later command failed to enqueue, or the other batch in
 * flight, is still running on the device, and nothing of it may outlive
 * the process's exit handlers.  Otherwise (the run is over, and a slow
 * device must not hold up its end), a slot with commands that may still
 * be running (every one enqueued has its event) hands its host memory to
 * their completion callbacks.  Device buffers are released at once
 * (OpenCL deletes a buffer only after the commands that use it have
 * finished). */
static void het__cl_teardown(het_worker *w, int failed)
{
    int drained = failed && w->dev.queue && hcl_finish(&w->dev) == HETERO_OK;
    int abandoned = 0;
    for (int i = 0; i < HET_SCHED_MAX_FLIGHT; i++) {
        het_slot *s = &w->slot[i];
        if (!drained && het__slot_abandon(w, s))
            abandoned = 1;
        het__slot_release(s);
        free(s->host);
        s->host = NULL;
        hcl_release_mem(s->out);
        hcl_release_mem(s->chk);
    }
    for (size_t i = 0; i < w->n_bufs; i++)
        hcl_release_mem(w->bufs[i]);
    if (w->kern)
        hcl_release_kernel(w->kern);
    if (w->prog)
        hcl_release_program(w->prog);
    if (abandoned)
        hcl_close_nowait(&w->dev);
    else
        hcl_close(&w->dev);
}

/* ---- a worker's thread ------------------------------------------------- */

/* The worker's throughput model from an earlier run of this job shape
 * (rates.h): its first batch is sized from it, and it may decline work
 * from the start.  Before the compute phase: nobody decides yet. */
static void het__rate_prior(het_worker *w)
{
    het_engine *e = w->e;
    het_sched_worker *sw = &e->sched.w[w->idx];
    char desc[700];
    if (w->is_cl)
        snprintf(desc, sizeof desc, "cl|%s|%s|%s|%zu", w->info.name, w->info.driver, w->info.version,
                 w->local);
    else
        snprintf(desc, sizeof desc, "omp|%s|%d", w->st.name, w->threads);
    if (het_rates_key(e->job, desc, sw->width, w->rate_key) != 0)
        return;
    w->rate_keyed = 1;
    double r = het_rates_load(w->rate_key);
    if (r <= 0)
        return;
    pthread_mutex_lock(&e->lock);
    /* as one batch's measurement: the first real one weighs as much */
    sw->rate = r;
    sw->rate_grains = (double)sw->width;
    sw->rate_time = (double)sw->width / r;
    pthread_mutex_unlock(&e->lock);
}

/* After a complete run: every worker that measured itself keeps its rate
 * for the next run of this job shape. */
static void het__rate_keep(het_engine *e)
{
    for (size_t i = 0; i < e->nw; i++) {
        het_worker *w = &e->w[i];
        pthread_mutex_lock(&e->lock);
        double r = e->sched.w[i].rate;
        int keep = w->rate_keyed && !w->retired && !w->excluded && w->st.batches > 0;
        pthread_mutex_unlock(&e->lock);
        if (keep && r > 0)
            het_rates_store(w->rate_key, r);
    }
}

static void *het__worker_main(void *arg)
{
    het_worker *w = arg;
    het_engine *e = w->e;
    atomic_store(&w->tid, (long)syscall(SYS_gettid));
    pthread_mutex_lock(&e->lock);
    het__own_thread(e, atomic_load(&w->tid));
    pthread_mutex_unlock(&e->lock);
    if (w->is_cl) {
        int rc = het__cl_setup(w);
        if (rc) {
            w->err = rc;
            het__copy(w->msg, sizeof w->msg, hetero_errmsg());
        }
    }
    if (!w->err && !w->excluded)
        het__rate_prior(w);
    pthread_mutex_lock(&e->lock);
    e->n_setup++;
    pthread_cond_broadcast(&e->cond);
    while (!e->go)
        pthread_cond_wait(&e->cond, &e->lock);
    int run = !e->abort_run && !w->err && !w->excluded;
    pthread_mutex_unlock(&e->lock);
    int failed = 0;
    if (run) {
        int rc = w->is_cl ? het__cl_run(w) : het__omp_run(w);
        if (rc) {
            het__failed(w, rc);
            failed = 1;
        }
    }
    if (w->is_cl)
        het__cl_teardown(w, failed);
    free(w->stage);
    w->stage = NULL;
    pthread_mutex_lock(&e->lock);
    w->finished = 1;
    if (w->detached)
        atomic_fetch_sub(&het__left_behind, 1);
    w->t_done = het__now();
    e->sched.w[w->idx].taking = 0;
    e->sched.w[w->idx].gone = 1;
    e->n_finished++;
    pthread_cond_broadcast(&e->cond);
    pthread_mutex_unlock(&e->lock);
    het__unref(e);
    return NULL;
}

/* ---- progress ---------------------------------------------------------- */

/* One progress report to the job's callback: the whole job's share done
 * (every rank's work counts: the ranks add theirs to rank 0's counter
 * window, and the journal's grains are done), the rate, and the seconds
 * left (negative: unknown, until there is a rate). */
static void het__progress(het_engine *e, uint64_t done_items, uint64_t resumed_items)
{
    const hetero_job *job = e->job;
    uint64_t total = het_job_items(job, 0, job->n_grains);
    double t = het__now() - e->t_compute0;
    uint64_t done = done_items + resumed_items;
    if (done > total)
        done = total;
    double frac = total ? (double)done / (double)total : 0;
    double rate = t > 0 ? (double)done_items / t : 0;
    double left = rate > 0 && done_items > 0 ? (double)(total - done) / rate : -1;
    job->progress(job->progress_ctx, frac, rate, left);
}

/* ---- the journal ------------------------------------------------------- */

/* The runs of grains in state `want` (HET_GRAIN_MINE, or any finished
 * state with want 0) not yet noted; marks them noted.  Lock held.
 * *runs is realloc'ed. */
static size_t het__collect(het_engine *e, int want, uint64_t **runs, size_t *cap)
{
    size_t n = 0;
    for (uint64_t g = 0; g < e->n_grains; g++) {
        unsigned char st = e->done[g];
        int ok = !(st & HET_NOTED) && st && (want == 0 || HET_STATE(st) == want);
        if (!ok)
            continue;
        uint64_t h = g;
        while (h < e->n_grains && !(e->done[h] & HET_NOTED) && e->done[h] &&
               (want == 0 || HET_STATE(e->done[h]) == want)) {
            e->done[h] |= HET_NOTED;
            h++;
        }
        if (n == *cap) {
            size_t c = *cap ? 2 * *cap : 64;
            uint64_t *r = realloc(*runs, c * 2 * sizeof *r);
            if (!r) {
                /* unnote what did not fit; the next call takes it */
                for (uint64_t k = g; k < h; k++)
                    e->done[k] &= (unsigned char)~HET_NOTED;
                break;
            }
            *runs = r;
            *cap = c;
        }
        (*runs)[2 * n] = g;
        (*runs)[2 * n + 1] = h - g;
        n++;
        g = h - 1;
    }
    return n;
}

static void het__got_shipped(void *ctx, uint64_t g0, uint64_t n)
{
    het_engine *e = ctx;
    pthread_mutex_lock(&e->lock);
    for (uint64_t g = g0; g < g0 + n; g++)
        if (!e->done[g])
            e->done[g] = HET_GRAIN_SHIPPED_IN;
    pthread_mutex_unlock(&e->lock);
}

/* Rank 0: appends the finished grains not yet in the journal (all = 0:
 * only those computed here or received; all = 1 at the end, after the
 * gather: every grain).  Other ranks with a checkpoint: sends theirs to
 * rank 0 instead. */
static int het__journal_step(het_engine *e, int all)
{
    uint64_t *runs = NULL;
    size_t cap = 0, n;
    int rc = HETERO_OK;
    if (e->journal) {
        if ((rc = het_par_receive_shipped(e->partials, e->psize, e->n_grains, het__got_shipped, e,
                                          &e->peers_done)))
            return rc;
        pthread_mutex_lock(&e->lock);
        if (all)
            for (uint64_t g = 0; g < e->n_grains; g++)
                if (!e->done[g])
                    e->done[g] = HET_GRAIN_SHIPPED_IN;
        n = het__collect(e, 0, &runs, &cap);
        pthread_mutex_unlock(&e->lock);
        for (size_t i = 0; rc == HETERO_OK && i < n; i++) {
            rc = het_journal_append(e->journal, runs[2 * i], runs[2 * i + 1],
                                    e->partials + runs[2 * i] * e->psize);
            e->noted += runs[2 * i + 1];
        }
    } else if (e->shipping) {
        pthread_mutex_lock(&e->lock);
        n = het__collect(e, HET_GRAIN_MINE, &runs, &cap);
        pthread_mutex_unlock(&e->lock);
        if (n)
            rc = het_par_ship(runs, n, e->partials, e->psize);
    }
    free(runs);
    return rc;
}

/* The end of the compute phase, before any collective call: the other
 * ranks send what they have not sent yet and a last word; rank 0 receives
 * until every rank's last word came (point-to-point sends must not be
 * left waiting for a receive while rank 0 sits in a collective). */
static int het__journal_drain(het_engine *e)
{
    int rc = het__journal_step(e, 0);
    if (e->shipping) {
        int last = het_par_ship(NULL, 0, NULL, 0);
        e->last_sent = 1;
        return rc ? rc : last;
    }
    if (!e->journal)
        return rc;
    while (e->peers_done < het_par_size() - 1) {
        if (het_par_lost() >= 0)
            return het_par_lost_fail();
        int r = het_par_receive_shipped(e->partials, e->psize, e->n_grains, het__got_shipped, e,
                                        &e->peers_done);
        if (r)
            return r;
        if (e->peers_done < het_par_size() - 1)
            usleep(2000);
    }
    return rc ? rc : het__journal_step(e, 0);
}

/* Stopping (interrupted, or the time limit): the other ranks send what
 * they finished and a last word; rank 0 waits a little for them and
 * writes the journal.  No collective call: a rank may be gone. */
static int het__journal_stop(het_engine *e)
{
    int rc = het__journal_step(e, 0);
    if (e->shipping) {
        /* rank 0 answers once our grains are in the journal; until then
         * this rank stays, so that mpirun does not end the job under it */
        if (rc == HETERO_OK && !e->last_sent) { /* the drain may have sent it */
            rc = het_par_ship(NULL, 0, NULL, 0);
            e->last_sent = 1;
        }
        if (rc || !het_par_wait_ack(2 * HET_STOP_GRACE_S))
            het_par_set_broken();
        return rc;
    }
    if (!e->journal) {
        if (het_par_size() > 1)
            het_par_set_broken(); /* who knows who is left */
        return rc;
    }
    double t0 = het__now();
    while (rc == HETERO_OK && e->peers_done < het_par_size() - 1 && het__now() - t0 < HET_STOP_GRACE_S) {
        rc = het_par_receive_shipped(e->partials, e->psize, e->n_grains, het__got_shipped, e, &e->peers_done);
        if (rc == HETERO_OK)
            rc = het__journal_step(e, 0);
        usleep(10000);
    }
    if (rc == HETERO_OK)
        rc = het_journal_sync(e->journal);
    if (e->peers_done < het_par_size() - 1)
        het_par_set_broken();
    het_par_ack_all();
    return rc;
}

static void het__join_ids(const het_worker *w, size_t nw, char *buf, size_t size)
{
    buf[0] = 0;
    for (size_t i = 0; i < nw; i++) {
        size_t len = strlen(buf);
        snprintf(buf + len, size - len, "%s%s", i ? "," : "", w[i].st.id);
    }
}

static int het__fill_report(het_engine *e, hetero_report *rep, int threads)
{
    int rank = het_par_rank();
    hetero_worker_stats *mine = calloc(e->nw ? e->nw : 1, sizeof *mine);
    if (!mine)
        return hetero_fail(HETERO_E_NOMEM, "out of memory for the report");
    hetero_rank_stats rs = {.rank = rank, .threads = 0};
    het__copy(rs.host, sizeof rs.host, het_par_host());
    het__join_ids(e->w, e->nw, rs.devices, sizeof rs.devices);
    for (size_t i = 0; i < e->nw; i++) {
        mine[i] = e->w[i].st;
        mine[i].rank = rank;
        if (!e->w[i].is_cl)
            rs.threads = threads;
        rs.grains += mine[i].grains;
        rs.busy_s += mine[i].busy_s;
    }
    void *all = NULL, *ranks = NULL;
    size_t n_all = 0, n_ranks = 0;
    int rc = het_par_gather_records(mine, e->nw, sizeof *mine, &all, &n_all);
    free(mine);
    if (rc == HETERO_OK)
        rc = het_par_gather_records(&rs, 1, sizeof rs, &ranks, &n_ranks);
    if (rc) {
        free(all);
        free(ranks);
        return rc;
    }
    rep->workers = all;
    rep->n_workers = n_all;
    rep->ranks = ranks;
    rep->n_ranks = (int)n_ranks;
    uint64_t items = 0;
    double max_busy = 0, sum_busy = 0;
    size_t n_ok = 0;
    for (size_t i = 0; i < n_all; i++) {
        items += rep->workers[i].items;
        /* balance: over the workers that ran to the end */
        if (strcmp(rep->workers[i].status, "ok") != 0)
            continue;
        n_ok++;
        sum_busy += rep->workers[i].busy_s;
        if (rep->workers[i].busy_s > max_busy)
            max_busy = rep->workers[i].busy_s;
    }
    for (size_t i = 0; i < n_all; i++) {
        hetero_worker_stats *s = &rep->workers[i];
        s->items_per_s = s->busy_s > 0 ? (double)s->items / s->busy_s : 0;
        s->share = items ? (double)s->items / (double)items : 0;
    }
    rep->items = items;
    rep->balance = (n_ok && max_busy > 0) ? sum_busy / ((double)n_ok * max_busy) : 1.0;
    return HETERO_OK;
}

/* A hash of what defines the job: its identity (workload, seed, every
 * option that can change a result), grains and partial size; 0 when out
 * of memory. */
static uint64_t het__job_fingerprint(const hetero_job *job)
{
    char *id = het_job_identity(job);
    if (!id)
        return 0;
    XXH3_state_t *st = XXH3_createState();
    if (!st) {
        free(id);
        return 0;
    }
    XXH3_64bits_reset(st);
    XXH3_64bits_update(st, id, strlen(id));
    XXH3_64bits_update(st, &job->n_grains, sizeof job->n_grains);
    XXH3_64bits_update(st, &job->partial_size, sizeof job->partial_size);
    uint64_t h = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    free(id);
    return h;
}

/* Collective, when the fingerprints differ: every rank compares its
 * identity with rank 0's, and the first that differs is named with the
 * parameter (a rank started with other arguments, or another version). */
static int het__name_mismatch(const hetero_job *job)
{
    char *mine = het_job_identity(job);
    uint64_t len = mine ? strlen(mine) + 1 : 1, fp = het__job_fingerprint(job), fp0 = fp;
    int rc = het_par_bcast(&fp0, sizeof fp0);
    if (rc == HETERO_OK)
        rc = het_par_bcast(&len, sizeof len);
    char *theirs = rc == HETERO_OK ? malloc(len) : NULL;
    if (rc == HETERO_OK && !theirs)
        rc = hetero_fail(HETERO_E_NOMEM, "out of memory comparing the ranks' jobs");
    if (rc == HETERO_OK) {
        if (het_par_rank() == 0)
            memcpy(theirs, mine ? mine : "", len);
        rc = het_par_bcast(theirs, len);
    }
    char key[128], v0[256], vr[256];
    if (rc == HETERO_OK && !mine)
        rc = hetero_fail(HETERO_E_NOMEM, "out of memory comparing the ranks' jobs");
    else if (rc == HETERO_OK &&
             het_identity_differs(theirs, mine, key, sizeof key, v0, sizeof v0, vr, sizeof vr))
        rc = hetero_fail(HETERO_E_BADARG,
                         "this rank planned another job than rank 0: %s is %s here, %s on rank 0", key, vr,
                         v0);
    else if (rc == HETERO_OK && fp != fp0)
        rc = hetero_fail(HETERO_E_RUNTIME,
                         "this rank planned the same parameters as rank 0 but other grains (another "
                         "hetero version?)");
    free(mine);
    free(theirs);
    return rc;
}

/* ---- the run, phase by phase -------------------------------------------- */

/* Collective: the first failing rank's code and message, on every rank. */
static int het__agree(int rc, char *msg)
{
    if (rc)
        snprintf(msg, HETERO_MSG_MAX, "%s", hetero_errmsg());
    else
        msg[0] = 0;
    return het_par_agree(rc, msg, HETERO_MSG_MAX);
}


/* Phase 1: which devices this rank drives.  Discovery, the --devices list,
 * the node's share, and the capability check: a device that cannot run the
 * job is left out with a notice, or is bad input when named by its id. */
static int het__select(const hetero_job *job, const het_run_opts *opts, hetero_report *rep, hcl_info **infos,
                       het_selection *sel, int *excluded)
{
    const char *list = opts->devices ? opts->devices : "all";
    size_t n_infos = 0;
    int rc = het_devices_parse(list, sel);
    if (rc == HETERO_OK && sel->needs_opencl) {
        double t0 = het__now();
        rc = hcl_discover(infos, &n_infos);
        rep->discovery_s = het__now() - t0;
        if (rc == HETERO_OK && n_infos == 0 && !sel->asked_opencl_by_name)
            het__notice(job, "%s; the CPU carries the job",
                        *hcl_discover_note() ? hcl_discover_note() : "no OpenCL platform found");
    }
    if (rc == HETERO_OK)
        rc = het_devices_select(list, *infos, n_infos, sel);
    if (rc == HETERO_OK)
        het_devices_split(sel, het_par_local_rank(), het_par_local_size());
    for (size_t i = 0; rc == HETERO_OK && i < sel->n_cl; i++) {
        const hcl_info *info = &(*infos)[sel->cl[i]];
        hetero_cl_caps caps;
        size_t local;
        het__caps_from_info(info, &caps);
        if (het__fit(job, &caps, &local) == HETERO_OK)
            continue;
        if (sel->named[i]) {
            rc = hetero_fail(HETERO_E_NODEV, "--devices: %s (%s) cannot run %s: %s", info->id, info->name,
                             job->wl->name, hetero_errmsg());
        } else {
            excluded[i] = 1;
            het__notice(job, "%s (%s) left out: %s cannot run there: %s", info->id, info->name, job->wl->name,
                        hetero_errmsg());
        }
    }
    if (rc == HETERO_OK) {
        size_t usable = 0;
        for (size_t i = 0; i < sel->n_cl; i++)
            usable += !excluded[i];
        if (!sel->omp && usable == 0)
            rc = hetero_fail(HETERO_E_NODEV,
                             "--devices: '%s' leaves this rank with no device that can run %s", list,
                             job->wl->name);
    }
    return rc;
}

/* Phase 2: the engine and its workers (OpenCL devices first, then the
 * OpenMP team), their threads started and set up (kernel builds run in
 * parallel, one thread per device). */
/* Phase 2: the engine, its partials, and (rank 0, --checkpoint) the
 * journal, whose grains are loaded before anything runs.  Checks
 * HETERO_FAULT. */
static int het__alloc(het_engine **out, hetero_job *job, const het_run_opts *opts, size_t nw, uint64_t fp)
{
    het_engine *e = calloc(1, sizeof *e);
    if (!e)
        return hetero_fail(HETERO_E_NOMEM, "out of memory for the engine");
    atomic_init(&e->refs, 1);
    het__own_thread(e, (long)syscall(SYS_gettid)); /* the thread that runs the job */
    e->job = job;
    e->psize = job->partial_size;
    e->n_grains = job->n_grains;
    e->nw = nw;
    e->debug = getenv("HETERO_DEBUG_SCHED") != NULL;
    pthread_mutex_init(&e->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&e->cond, &ca);
    pthread_condattr_destroy(&ca);
    *out = e;
    e->w = calloc(nw ? nw : 1, sizeof *e->w);
    e->sched.w = calloc(nw ? nw : 1, sizeof *e->sched.w);
    e->partials = calloc(e->n_grains, e->psize);
    e->done = calloc(e->n_grains, 1);
    e->owner = calloc(e->n_grains, sizeof *e->owner);
    if (!e->w || !e->sched.w || !e->partials || !e->done || !e->owner)
        return hetero_fail(HETERO_E_NOMEM, "out of memory for %" PRIu64 " partials of %zu bytes", e->n_grains,
                           e->psize);
    e->sched.nw = nw;
    e->sched.target_s = opts->batch_seconds > 0 ? opts->batch_seconds : HET_SCHED_TARGET_S;
    char fault_id[32];
    uint64_t fault_n = 0;
    int rc = het__parse_fault(fault_id, sizeof fault_id, &fault_n);
    if (rc)
        return rc;
    if (opts->checkpoint && het_par_rank() == 0) {
        uint64_t resumed = 0, impossible = UINT64_MAX;
        struct stat st;
        int had = stat(opts->checkpoint, &st) == 0 && st.st_size > 0;
        rc = het_journal_open(&e->journal, opts->checkpoint, job, fp, e->done, e->partials, &resumed,
                              &impossible);
        if (rc)
            return rc;
        if (impossible != UINT64_MAX)
            het__notice(job,
                        "--checkpoint: '%s' holds a partial no computation could give (grain %" PRIu64
                        "): that record and the ones after it are computed again",
                        opts->checkpoint, impossible);
        /* a cluster's rerun may put rank 0 on another host, where a
         * node-local folder of that name holds no journal: say so, or the
         * rerun silently starts over */
        if (!had && het_par_size() > 1)
            het__notice(job,
                        "--checkpoint: no journal '%s' on %s: starting from the beginning (the journal "
                        "lives where rank 0 runs; keep it on storage rank 0 will see again)",
                        opts->checkpoint, het_par_host());
        for (uint64_t g = 0; g < e->n_grains; g++)
            if (e->done[g])
                e->done[g] = HET_GRAIN_RESUMED | HET_NOTED;
        e->noted = resumed;
    }
    e->shipping = opts->checkpoint && het_par_rank() != 0;
    return HETERO_OK;
}

/* Collective: every rank learns which grains the journal holds and numbers
 * the rest for the counter. */
static int het__resume(het_engine *e)
{
    int rc = het_par_bcast(e->done, e->n_grains);
    if (rc)
        return rc;
    size_t cap = 16;
    e->rem = malloc(cap * 2 * sizeof *e->rem);
    e->rem_at = malloc(cap * sizeof *e->rem_at);
    if (!e->rem || !e->rem_at)
        return hetero_fail(HETERO_E_NOMEM, "out of memory for the grains to compute");
    uint64_t at = 0;
    for (uint64_t g = 0; g < e->n_grains; g++) {
        if (e->done[g]) {
            e->resumed++;
            continue;
        }
        uint64_t h = g;
        while (h < e->n_grains && !e->done[h])
            h++;
        if (e->n_rem == cap) {
            cap *= 2;
            uint64_t *r = realloc(e->rem, cap * 2 * sizeof *r),
                     *a = r ? realloc(e->rem_at, cap * sizeof *a) : NULL;
            if (r)
                e->rem = r;
            if (!r || !a)
                return hetero_fail(HETERO_E_NOMEM, "out of memory for the grains to compute");
            e->rem_at = a;
        }
        e->rem[2 * e->n_rem] = g;
        e->rem[2 * e->n_rem + 1] = h - g;
        e->rem_at[e->n_rem] = at;
        e->n_rem++;
        at += h - g;
        g = h - 1;
    }
    e->n_remaining = at;
    e->sched.total = at;
    return HETERO_OK;
}

/* Phase 3: the workers (OpenCL devices first, then the OpenMP team),
 * their threads started and set up (kernel builds run in parallel, one
 * thread per device). */
static int het__start(het_engine *e, hetero_job *job, const het_run_opts *opts, const hcl_info *infos,
                      const het_selection *sel, const int *excluded, int threads, hetero_report *rep)
{
    int cpu_workers = opts->cpu_workers > 1 ? opts->cpu_workers : 1;
    size_t nw = e->nw;
    char fault_id[32];
    uint64_t fault_n = 0;
    int rc = het__parse_fault(fault_id, sizeof fault_id, &fault_n);
    if (rc)
        return rc;

    for (size_t i = 0; i < nw; i++) {
        het_worker *w = &e->w[i];
        w->e = e;
        w->idx = i;
        snprintf(w->st.status, sizeof w->st.status, "ok");
        if (i < sel->n_cl) {
            w->is_cl = 1;
            w->named = sel->named[i];
            w->info = infos[sel->cl[i]];
            w->excluded = excluded[i];
            e->sched.w[i].gone = w->excluded;
            e->sched.w[i].on_team_cores = sel->omp && (w->info.type & HCL_CPU);
            het__copy(w->st.id, sizeof w->st.id, w->info.id);
            snprintf(w->st.kind, sizeof w->st.kind, "opencl");
            het__copy(w->st.name, sizeof w->st.name, w->info.name);
            if (w->excluded) {
                hetero_cl_caps caps;
                size_t local;
                het__caps_from_info(&w->info, &caps);
                het__fit(job, &caps, &local);
                snprintf(w->st.status, sizeof w->st.status, "excluded");
                het__copy(w->st.error, sizeof w->st.error, hetero_errmsg());
            }
        } else {
            int k = (int)(i - sel->n_cl);
            w->threads = threads / cpu_workers > 0 ? threads / cpu_workers : 1;
            e->sched.w[i].width = (uint64_t)w->threads;
            e->sched.w[i].team = 1;
            e->sched.w[i].max_batch = e->n_grains;
            if (e->sched.w[i].width > e->n_remaining && e->n_remaining)
                e->sched.w[i].width = e->n_remaining;
            w->st.width = e->sched.w[i].width;
            snprintf(w->st.id, sizeof w->st.id, k ? "omp.%d" : "omp", k);
            snprintf(w->st.kind, sizeof w->st.kind, "omp");
            het_cpu_model(w->st.name, sizeof w->st.name);
            w->st.threads = w->threads;
        }
        if (fault_n && strcmp(fault_id, w->st.id) == 0)
            w->fault_at = fault_n;
        if (opts->batch_jitter)
            w->jitter = opts->batch_jitter * 0x9E3779B97F4A7C15ull + i + 1;
    }
    /* a fault for a worker no rank has would test nothing, silently */
    int found = 0;
    for (size_t i = 0; i < nw; i++)
        found |= e->w[i].fault_at != 0;
    if (fault_n && het_par_max((double)found) == 0) {
        char ids[512];
        het__join_ids(e->w, nw, ids, sizeof ids);
        return hetero_fail(HETERO_E_BADARG,
                           "HETERO_FAULT: names no worker of this run: '%s' (the workers: %s)", fault_id,
                           ids);
    }

    if ((rc = het_counter_open(&e->counter, e->n_remaining)))
        return rc;

    double t0 = het__now();
    int create_err = 0;
    for (size_t i = 0; i < nw; i++) {
        atomic_fetch_add(&e->refs, 1);
        if ((create_err = pthread_create(&e->w[i].th, NULL, het__worker_main, &e->w[i])) != 0) {
            atomic_fetch_sub(&e->refs, 1);
            break;
        }
        e->w[i].started = 1;
        e->n_started++;
    }
    pthread_mutex_lock(&e->lock);
    while (e->n_setup < e->n_started)
        pthread_cond_wait(&e->cond, &e->lock);
    pthread_mutex_unlock(&e->lock);
    rep->build_s = het__now() - t0;
    if (e->n_started < nw)
        return hetero_fail(HETERO_E_RUNTIME, "pthread_create for worker %s: %s", e->w[e->n_started].st.id,
                           strerror(create_err));
    rep->build_cached = 0;
    int any_cl = 0, all_cached = 1;
    for (size_t i = 0; i < nw; i++) {
        het_worker *w = &e->w[i];
        if (!w->is_cl || w->excluded)
            continue;
        if (w->err == HETERO_E_NODEV && !w->named) {
            /* the kernel's own limits rule the device out */
            w->excluded = 1;
            e->sched.w[i].gone = 1;
            snprintf(w->st.status, sizeof w->st.status, "excluded");
            het__copy(w->st.error, sizeof w->st.error, w->msg);
            het__notice(job, "%s (%s) left out: %s cannot run there: %s", w->st.id, w->st.name, job->wl->name,
                        w->msg);
            w->err = 0;
            continue;
        }
        if (w->err == HETERO_E_NODEV)
            return hetero_fail(HETERO_E_NODEV, "--devices: %s (%s) cannot run %s: %s", w->st.id, w->st.name,
                               job->wl->name, w->msg);
        if (w->err)
            return hetero_fail(w->err, "%s", w->msg);
        any_cl = 1;
        all_cached &= w->from_cache;
    }
    rep->build_cached = any_cl && all_cached;
    int usable = 0;
    for (size_t i = 0; i < nw; i++)
        usable += !e->w[i].excluded;
    if (!usable)
        return hetero_fail(HETERO_E_NODEV, "--devices: '%s' leaves this rank with no device that can run %s",
                           opts->devices ? opts->devices : "all", job->wl->name);
    return HETERO_OK;
}

/* Lets the workers go (or, when aborting, lets them leave). */
static void het__go(het_engine *e, int abort_run)
{
    pthread_mutex_lock(&e->lock);
    e->abort_run = abort_run;
    e->go = 1;
    e->t_compute0 = het__now();
    e->t_last = e->t_compute0;
    pthread_cond_broadcast(&e->cond);
    pthread_mutex_unlock(&e->lock);
}

/* Announces workers retired since the last call (lock held). */
static void het__notices(het_engine *e)
{
    size_t left = 0;
    for (size_t i = 0; i < e->nw; i++)
        left += !e->w[i].retired;
    for (size_t i = 0; i < e->nw; i++) {
        het_worker *w = &e->w[i];
        if (w->retired && !w->noticed) {
            w->noticed = 1;
            /* with nobody left, the run's error says it */
            if (left)
                het__notice(e->job, "%s (%s) failed and was retired; the others finish its grains: %s",
                            w->st.id, w->st.name, w->msg);
        }
    }
}

/* Phase 3: compute.  Returns when every grain this rank took has a result
 * (or the run failed); workers still busy with copies are left behind. */
static int het__compute(het_engine *e, const het_run_opts *opts, hetero_report *rep)
{
    int show = e->job->progress && het_par_rank() == 0;
    double show_every = e->job->progress_every > 0 ? e->job->progress_every : 1.0;
    double every = opts->checkpoint_every > 0 ? opts->checkpoint_every : HET_JOURNAL_SYNC_S;
    double stop_at = opts->time_limit > 0 ? e->t_start + opts->time_limit - HET_TIME_LIMIT_MARGIN_S
                                          : INFINITY;
    double t_wind = 0, t_journal = e->t_compute0, t_sync = e->t_compute0, t_stop = 0;
    /* the first report after a second at most, then every show_every */
    double t_shown = e->t_compute0 - (show_every > 1.0 ? show_every - 1.0 : 0.0), t_counted = 0;
    uint64_t reported = 0, resumed_items = 0;
    if (e->resumed) {
        /* items of the journal's grains: all, minus those left to do */
        resumed_items = het_job_items(e->job, 0, e->n_grains);
        for (size_t i = 0; i < e->n_rem; i++)
            resumed_items -= het_job_items(e->job, e->rem[2 * i], e->rem[2 * i + 1]);
    }
    int complete = 0, rc = HETERO_OK;
    het__ticks_base(e);
    pthread_mutex_lock(&e->lock);
    for (;;) {
        het__notices(e);
        complete = e->sched.exhausted && e->n_done == e->n_taken;
        if (e->n_finished == e->n_started)
            break;
        double now = het__now();
        /* stop: a signal or the time limit; in-flight batches get a grace */
        int cancel = atomic_load(&e->job->cancel);
        if (!e->stop_reason && (cancel || now >= stop_at) && !complete) {
            e->stop_reason = cancel > 0 ? cancel : cancel < 0 ? SIGINT : -1;
            e->draining = 1;
            t_stop = now;
            pthread_cond_broadcast(&e->cond);
        }
        int in_flight = 0;
        double fastest_wave = INFINITY;
        for (size_t i = 0; i < e->nw; i++) {
            in_flight += e->sched.w[i].n_flight;
            double t = het_sched_batch_time(&e->sched.w[i], e->sched.w[i].width);
            if (t < fastest_wave)
                fastest_wave = t;
        }
        /* a device whose first batch is still out after many of another
         * worker's waves is a straggler: its thread yields the cores.  A
         * device on the team's cores, as soon as the team would have
         * finished that batch itself: it is slower than the team, will
         * take no more grains, and slows the team while its batch runs. */
        double team_rate = 0;
        for (size_t i = 0; i < e->nw; i++)
            if (e->sched.w[i].team && e->sched.w[i].taking)
                team_rate += e->sched.w[i].rate;
        for (size_t i = 0; i < e->nw; i++) {
            const het_sched_worker *sw = &e->sched.w[i];
            if (sw->rate > 0 || !sw->n_flight)
                continue;
            double out = now - sw->flight[0].t_start;
            if ((out > HET_DEMOTE_WAVES * fastest_wave && out > HET_DEMOTE_AFTER_S) ||
                (sw->on_team_cores && team_rate > 0 && out > (double)sw->flight[0].n / team_rate))
                het__demote(&e->w[i]);
        }
        if (!atomic_load(&e->wind_down) &&
            (complete || e->fatal || (e->draining && (!in_flight || now - t_stop > HET_STOP_GRACE_S))))
            het__wind_down(e);
        if (atomic_load(&e->wind_down)) {
            if (!t_wind)
                t_wind = now;
            if (now - t_wind > HET_WIND_DOWN_GRACE_S)
                break;
        }
        int demote_foreign = e->foreign_pending;
        e->foreign_pending = 0;
        /* a peer silent for longer than a few of the longest batches is
         * not lost yet: the timeout grows with them */
        double peer_timeout = e->peer_timeout > 3 * e->longest_batch ? e->peer_timeout : 3 * e->longest_batch;
        pthread_mutex_unlock(&e->lock);
        if (demote_foreign)
            het__demote_foreign(e);
        het_par_set_peer_timeout(peer_timeout);
        het__remote_notices(e->job);
        /* a lost peer ends the job; rank 0 writes the journal first */
        if (rc == HETERO_OK && het_par_lost() >= 0)
            rc = het_par_lost_fail();
        /* the journal, the other ranks' share of it, the progress counts */
        if ((e->journal || e->shipping) && now - t_journal >= HET_JOURNAL_WRITE_S) {
            t_journal = now;
            if (rc == HETERO_OK)
                rc = het__journal_step(e, 0);
            if (rc == HETERO_OK && e->journal && now - t_sync >= every) {
                t_sync = now;
                rc = het_journal_sync(e->journal);
            }
        }
        if (now - t_counted >= HET_PROGRESS_COUNT_S) {
            t_counted = now;
            uint64_t mine = atomic_load(&e->done_items);
            if (mine > reported && het_counter_add_done(e->counter, mine - reported) == HETERO_OK)
                reported = mine;
        }
        if (show && now - t_shown >= show_every) {
            t_shown = now;
            het__progress(e, het_counter_done(e->counter), resumed_items);
        }
        pthread_mutex_lock(&e->lock);
        if (rc) {
            het__set_fatal(e, rc, hetero_errmsg());
            rc = HETERO_OK;
        }
        het__timed_wait(e, 0.05);
    }
    e->closed = 1;
    complete = e->sched.exhausted && e->n_done == e->n_taken;
    /* the compute phase ends with the last grain's first result, not with
     * a copy nobody needed */
    rep->compute_s = (complete ? e->t_last : het__now()) - e->t_compute0;
    pthread_mutex_unlock(&e->lock);

    /* OpenMP teams are joined (they read the job; a batch still running
     * polls hetero_job_abandoned, or is short); a device thread still
     * inside the driver is left behind */
    for (size_t i = 0; i < e->nw; i++) {
        het_worker *w = &e->w[i];
        pthread_mutex_lock(&e->lock);
        int fin = w->finished;
        if (!fin && w->is_cl) {
            static atomic_flag registered = ATOMIC_FLAG_INIT;
            w->detached = 1;
            atomic_fetch_add(&het__left_behind, 1);
            if (!atomic_flag_test_and_set(&registered))
                (void)atexit(het__wait_left_behind); /* without it, exit is as before */
        }
        pthread_mutex_unlock(&e->lock);
        if (fin || !w->is_cl)
            pthread_join(w->th, NULL);
        else
            pthread_detach(w->th);
    }

    if (e->fatal)
        return hetero_fail(e->fatal, "%s", e->fatal_msg);
    if (e->stop_reason && !complete)
        return hetero_fail(e->stop_reason > 0 ? HETERO_E_INTERRUPTED : HETERO_E_STOPPED, "%s",
                           e->stop_reason > 0 ? "interrupted" : "stopped at the time limit");
    if (!complete) {
        /* every worker is gone and grains are left: report the first failure */
        for (size_t i = 0; i < e->nw; i++)
            if (e->w[i].retired)
                return hetero_fail(e->w[i].err, "%s", e->w[i].msg);
        return hetero_fail(HETERO_E_INTERNAL,
                           "the workers stopped with %" PRIu64 " of %" PRIu64 " grains done", e->n_done,
                           e->n_taken);
    }
    return HETERO_OK;
}

/* Phase 4, collective: partials to rank 0, the report, contract 3 (every
 * grain exactly once) and the digest. */
static int het__gather(het_engine *e, hetero_report *rep, int threads)
{
    /* this rank's grains, as runs of committed grains */
    size_t nb = 0, cap = 64;
    uint64_t *batches = malloc(cap * 2 * sizeof *batches);
    if (!batches)
        return hetero_fail(HETERO_E_NOMEM, "out of memory gathering partials");
    for (uint64_t g = 0; g < e->n_grains; g++) {
        if (HET_STATE(e->done[g]) != HET_GRAIN_MINE)
            continue;
        uint64_t h = g;
        while (h < e->n_grains && HET_STATE(e->done[h]) == HET_GRAIN_MINE)
            h++;
        if (nb == cap) {
            cap *= 2;
            uint64_t *b = realloc(batches, cap * 2 * sizeof *b);
            if (!b) {
                free(batches);
                return hetero_fail(HETERO_E_NOMEM, "out of memory gathering partials");
            }
            batches = b;
        }
        batches[2 * nb] = g;
        batches[2 * nb + 1] = h - g;
        nb++;
        g = h;
    }
    int rc = het_par_gather_partials(e->partials, e->psize, batches, nb);
    free(batches);
    char msg[HETERO_MSG_MAX];
    if ((rc = het__agree(rc, msg)))
        return hetero_fail(rc, "%s", msg);
    rc = het__fill_report(e, rep, threads);
    if ((rc = het__agree(rc, msg)))
        return hetero_fail(rc, "%s", msg);
    if (het_par_rank() == 0) {
        uint64_t grains = e->resumed;
        for (size_t i = 0; i < rep->n_workers; i++)
            grains += rep->workers[i].grains;
        if (grains != e->n_grains)
            return hetero_fail(HETERO_E_INTERNAL, "scheduler computed %" PRIu64 " grains of %" PRIu64, grains,
                               e->n_grains);
        rep->digest = XXH3_64bits(e->partials, e->n_grains * e->psize);
    }
    return HETERO_OK;
}

int het_engine_run(hetero_job *job, const het_run_opts *opts, hetero_report *rep)
{
    static const het_run_opts defaults = {.devices = "all", .progress = -1};
    if (!opts)
        opts = &defaults;
    memset(rep, 0, sizeof *rep);
    atomic_store(&job->abandon, 0);
    het_par_set_peer_timeout(opts->peer_timeout > 0 ? opts->peer_timeout : HET_PEER_TIMEOUT_S);
    double t_start = het__now();
    het_selection sel;
    hcl_info *infos = NULL;
    het_engine *e = NULL;
    int excluded[HET_MAX_CL_DEVICES] = {0};
    char msg[HETERO_MSG_MAX] = "";

    /* Every rank must have planned the same job: the same workload,
     * parameters, seed and grains (a rank started with other arguments or
     * another hetero version would otherwise only show as a wrong digest). */
    int same = het_par_same_u64(het__job_fingerprint(job));
    int rc = same < 0 ? same : same ? HETERO_OK : het__name_mismatch(job);
    if (rc == HETERO_OK)
        rc = het__select(job, opts, rep, &infos, &sel, excluded);
    if ((rc = het__agree(rc, msg)))
        goto done;

    /* the OpenMP team shares the node's cores with the host threads that
     * drive GPUs: by default it leaves one core to each */
    int threads = het_default_threads(opts->threads, het_par_local_size());
    if (opts->threads <= 0 && !getenv("OMP_NUM_THREADS")) {
        int gpus = 0;
        for (size_t i = 0; i < sel.n_cl; i++)
            gpus += !excluded[i] && (infos[sel.cl[i]].type & (HCL_GPU | HCL_ACCEL));
        threads = threads > gpus ? threads - gpus : 1;
    }

    int cpu_workers = opts->cpu_workers > 1 ? opts->cpu_workers : 1;
    size_t nw = sel.n_cl + (sel.omp ? (size_t)cpu_workers : 0);
    uint64_t fp = het__job_fingerprint(job);
    rc = het__alloc(&e, job, opts, nw, fp);
    if ((rc = het__agree(rc, msg)))
        goto done;
    e->t_start = t_start;
    e->peer_timeout = opts->peer_timeout > 0 ? opts->peer_timeout : HET_PEER_TIMEOUT_S;
    rc = het__resume(e);
    if ((rc = het__agree(rc, msg)))
        goto done;
    rep->checkpoint = opts->checkpoint != NULL;
    rep->resumed_grains = e->resumed;

    rc = het__start(e, job, opts, infos, &sel, excluded, threads, rep);
    rc = het__agree(rc, msg);
    /* every worker that can run takes grains until it declines: the first
     * to decide counts the others, at their kept rates (rates.h) */
    pthread_mutex_lock(&e->lock);
    for (size_t i = 0; i < e->nw; i++)
        e->sched.w[i].taking = !e->sched.w[i].gone && !e->w[i].err;
    pthread_mutex_unlock(&e->lock);
    het__go(e, rc != HETERO_OK);
    if (rc)
        goto done;

    rc = het__compute(e, opts, rep);
    if (rc == HETERO_OK)
        het__rate_keep(e);
    if (rc == HETERO_E_PEER) {
        /* no collective call can complete: rank 0 keeps what it has (the
         * rerun resumes from it) and the job ends (het_par_finalize) */
        snprintf(msg, sizeof msg, "%s", hetero_errmsg());
        if (e->journal && het__journal_step(e, 0) == HETERO_OK)
            (void)het_journal_sync(e->journal); /* the peer's loss is the error to report */
        goto done;
    }
    if (rc != HETERO_E_INTERRUPTED && (e->journal || e->shipping)) {
        int drained = het__journal_drain(e);
        rc = rc ? rc : drained;
    }
    /* Interrupted: no collective call (a rank may be gone); the others'
     * finished grains reach rank 0's journal point to point. */
    if (rc != HETERO_E_INTERRUPTED)
        rc = het__agree(rc, msg);
    if (rc == HETERO_E_INTERRUPTED || rc == HETERO_E_STOPPED) {
        int stop = rc;
        rc = het__journal_stop(e);
        /* Interrupted, the ranks are out of step: another rank may have
         * finished its share and wait in a collective call that this one
         * never makes, so MPI_Finalize (collective too) could wait forever.
         * This rank leaves without it; the launcher ends the others. */
        if (stop == HETERO_E_INTERRUPTED && het_par_size() > 1)
            het_par_set_broken();
        if (rc)
            snprintf(msg, sizeof msg, "%s", hetero_errmsg());
        else if (e->journal)
            snprintf(msg, sizeof msg,
                     "%s after %" PRIu64 " of %" PRIu64 " grains; run the same command to resume",
                     stop == HETERO_E_INTERRUPTED ? "interrupted" : "stopped at the time limit", e->noted,
                     e->n_grains);
        else
            snprintf(msg, sizeof msg, "%s",
                     stop == HETERO_E_INTERRUPTED ? "interrupted" : "stopped at the time limit");
        rc = rc ? rc : stop;
        goto done;
    }
    if (rc)
        goto done;

    double t_merge0 = het__now();
    rc = het__gather(e, rep, threads);
    if ((rc = het__agree(rc, msg)))
        goto done;
    if (e->journal) {
        /* every grain is on rank 0 now: the journal gets the rest */
        rc = het__journal_step(e, 1);
        if (rc == HETERO_OK) {
            rc = het_journal_close(e->journal, 1, 0);
            e->journal = NULL;
        }
    }
    rc = het__agree(rc, msg);
    if (rc)
        goto done;
    if (het_par_rank() == 0) {
        /* a long merge (streaming --print) stops at the limit too */
        job->deadline = opts->time_limit > 0 ? t_start + opts->time_limit - HET_TIME_LIMIT_MARGIN_S : 0;
        rc = het_job_merge(job, e->partials);
        job->deadline = 0;
        if (rc == HETERO_E_INTERRUPTED && atomic_load(&job->cancel) == 0)
            rc = hetero_fail(HETERO_E_STOPPED, "stopped at the time limit while writing the outputs%s",
                             opts->checkpoint ? "; run the same command to resume" : "");
    }
    /* --checkpoint-remove: only once the outputs are in place, so an
     * interrupted merge (a long --print) leaves the journal to resume */
    if (rc == HETERO_OK && opts->checkpoint && opts->checkpoint_remove && het_par_rank() == 0 &&
        unlink(opts->checkpoint) != 0)
        rc = hetero_fail(HETERO_E_IO, "--checkpoint-remove: cannot remove '%s': %s", opts->checkpoint,
                         strerror(errno));
    /* merge can fail only on rank 0 (e.g. writing --trace); tell everyone */
    rc = het__agree(rc, msg);
    rep->merge_s = het__now() - t_merge0;

done:
    if (e) {
        if (!e->go)
            het__go(e, 1);
        /* a failure before the compute phase: the threads leave at once */
        if (!e->closed) {
            for (size_t i = 0; i < e->nw; i++)
                if (e->w[i].started)
                    pthread_join(e->w[i].th, NULL);
        }
        het__own_release(e);
        if (e->journal)
            het_journal_close(e->journal,
                              rc == HETERO_OK || rc == HETERO_E_INTERRUPTED || rc == HETERO_E_STOPPED ||
                                  rc == HETERO_E_PEER,
                              0);
        e->journal = NULL;
        het__remote_notices(job);
        if (rc == HETERO_E_INTERRUPTED || rc == HETERO_E_PEER)
            het_counter_abandon(e->counter); /* no collective: a rank may be gone */
        else
            het_counter_close(e->counter);
        het__unref(e);
    }
    free(infos);
    rep->wall_s = het__now() - t_start;
    if (rc) {
        het_report_free(rep);
        return hetero_fail(rc, "%s", msg);
    }
    return HETERO_OK;
}

void het_report_free(hetero_report *rep)
{
    free(rep->workers);
    free(rep->ranks);
    rep->workers = NULL;
    rep->ranks = NULL;
    rep->n_workers = 0;
    rep->n_ranks = 0;
}
