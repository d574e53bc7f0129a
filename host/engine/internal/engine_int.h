/* engine_int.h - the inside of the engine, shared by its files only.
 *
 * The engine (public face: host/engine/engine.h) is one module in several
 * files, each one job:
 *
 *   run.c          het_engine_run: the phases in order, the one cleanup path
 *   setup.c        the phases before the work: select, alloc, resume, start
 *   compute.c      the compute phase: the main thread's watch loop
 *   take.c         taking grains: the retry pool, the counter, copies
 *   commit.c       committing results, retiring a failed worker, the end
 *   worker.c       a worker: its description, its thread, its kept rate
 *   cpu_worker.c   the OpenMP worker
 *   device_worker.c  a device's worker, through its back end's operations
 *                  (het_device_ops, host/device/device.h: the engine knows
 *                  no back end's types)
 *   conform.c      hetero_job_conform: a few grains on the CPU and on each
 *                  device, through the back end's operations, compared
 *   stragglers.c   the process's own threads, demotion, threads left behind
 *   checkpoint.c   the journal (rank 0) and the shipping of grains to it
 *   gather.c       partials to rank 0, the report's rows, digest, fingerprint
 *   seams.c        test seams: HETERO_FAULT, batch jitter, the back end
 *   core.c         the engine's reference count, clock, waits, notices, and
 *                  het_report_free
 *
 * Shared state of a rank lives in het_engine under its one lock: which
 * grains are committed (done[]), the batches in flight (sched), the grains
 * handed back by failed workers (retry), the workers' stats.  A grain's
 * result is used once: the first copy to commit wins, and a later copy
 * (an idle worker recomputing a straggler's grains, contract 6) must be
 * bit-identical or the run fails naming both workers.
 *
 * Threads: one host thread per worker (the OpenMP team is one worker whose
 * thread opens a parallel region per batch; each OpenCL device has its own
 * thread that keeps two batches in flight).  The main thread waits, shows
 * progress, prints notices and does every collective MPI call.
 *
 * The run ends as soon as every grain this rank took has a result.  A
 * device still busy with a copy that lost is abandoned: its thread stops
 * waiting, frees its host memory from the driver's completion callback,
 * and leaves; a thread stuck inside a driver call is detached and cleans
 * up when the call returns.  The engine's memory is reference-counted so a
 * detached thread never touches freed memory, and it never touches the
 * job or the partials once the run is closed.
 *
 * Names: what these files share among themselves starts with eng_ (ENG_)
 * and is declared here; nothing outside host/engine/ includes this
 * header.  The types keep the library's het_ prefix.
 */
#ifndef HET_ENGINE_INT_H
#define HET_ENGINE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "device.h"
#include "devices.h"
#include "hcl.h"
#include "journal.h"
#include "par.h"
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

typedef struct het_engine het_engine;

/* One of a device worker's in-flight slots: the batch in it, and when it
 * was launched.  The back end keeps its own state of the slot (buffers,
 * events, host memory) under the same index. */
typedef struct het_flight {
    het_batch b;
    double t_enq;
} het_flight;

typedef struct het_worker {
    het_engine *e;
    size_t idx;
    /* a device (dev.ops NULL: the OpenMP team), as its back end sees it */
    het_device dev;
    int named; /* picked by its id, cl:P:D */
    het_flight flight[HET_SCHED_MAX_FLIGHT];
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
                                  process's own threads (eng_own_thread), to
                                  take them out at the end */
    size_t n_own;
    struct het_ticks *base; /* every thread's CPU ticks when the compute
                               phase began (eng_demote_foreign) */
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
                                 stopped and the grace is over (eng_wind_down) */
    _Atomic uint64_t claimed; /* highest grain index handed out, as seen here */
    _Atomic uint64_t done_items;
    double t_start; /* het_engine_run began */
    double t_compute0;
    double t_last;        /* when the last grain got its first result */
    double longest_batch; /* seconds, of any batch committed here */
    double peer_timeout;  /* --peer-timeout, or HET_PEER_TIMEOUT_S */
    int debug;            /* HETERO_DEBUG_SCHED: one stderr line per batch */
};

/* ---- core.c: small tools every file uses -------------------------------- */

/* Copies src into dst[size], cut to fit (messages may be longer than a
 * report field). */
void eng_copy(char *dst, size_t size, const char *src);
double eng_now(void); /* seconds, CLOCK_MONOTONIC */
/* Drops one reference; the last frees the engine (never the job). */
void eng_unref(het_engine *e);
/* Waits on the engine's condition for at most `seconds`; lock held. */
void eng_timed_wait(het_engine *e, double seconds);
/* A notice ("a device was left out") for the job's notice callback; the
 * library itself prints nothing.  Under several ranks every rank's notice
 * reaches rank 0's callback once, prefixed "rank R (host): " (a node whose
 * driver is broken must not run CPU-only in silence); the other ranks send
 * theirs there (eng_remote_notices prints them). */
void eng_notice(const hetero_job *job, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Rank 0: the other ranks' notices that came in. */
void eng_remote_notices(const hetero_job *job);
/* Collective: the first failing rank's code and message (into
 * msg[HETERO_MSG_MAX]), on every rank. */
int eng_agree(int rc, char *msg);

/* ---- setup.c: the phases before the work ---------------------------------- */

/* Phase 1: which devices this rank drives.  Discovery, the --devices list,
 * the node's share, and the capability check: a device that cannot run the
 * job is left out with a notice (excluded[i]), or is bad input when named
 * by its id.  *infos is malloc'ed (the caller frees it). */
int eng_select(const hetero_job *job, const het_run_opts *opts, const het_device_ops *ops, hetero_report *rep,
               hcl_info **infos, het_selection *sel, int *excluded);
/* Phase 2: the engine (*out, set even on failure: eng_unref frees it), its
 * partials, and (rank 0, --checkpoint) the journal, whose grains are loaded
 * before anything runs.  Checks HETERO_FAULT. */
int eng_alloc(het_engine **out, hetero_job *job, const het_run_opts *opts, size_t nw, uint64_t fp);
/* Collective: every rank learns which grains the journal holds and numbers
 * the rest for the counter. */
int eng_resume(het_engine *e);
/* Phase 3: the workers (the devices of back end ops first, then the
 * OpenMP team), their threads started and set up (kernel builds run in
 * parallel, one thread per device). */
int eng_start(het_engine *e, const het_run_opts *opts, const het_device_ops *ops, const hcl_info *infos,
              const het_selection *sel, const int *excluded, int threads, hetero_report *rep);
/* Lets the workers go (or, when aborting, lets them leave). */
void eng_go(het_engine *e, int abort_run);

/* ---- compute.c ------------------------------------------------------------- */

/* Phase 4: compute.  Returns when every grain this rank took has a result
 * (or the run failed); workers still busy with copies are left behind. */
int eng_compute(het_engine *e, const het_run_opts *opts, hetero_report *rep);

/* ---- take.c: taking grains ---------------------------------------------- */

/* What eng_take_next gives a worker. */
typedef enum eng_take {
    ENG_TAKE_BATCH, /* *b is the next batch (recorded as in flight) */
    ENG_TAKE_WAIT,  /* nothing now: wait (eng_idle) and ask again */
    ENG_TAKE_DRAIN, /* the run is stopping: no new batches, but finish
                       those in flight */
    ENG_TAKE_OVER,  /* nothing ever again: the run is winding down, or this
                       worker failed */
} eng_take;

/* The next batch for worker w: grains a failed worker handed back first,
 * then fresh grains from the counter or a copy of a straggler's batch, as
 * the policy decides (schedule.h).  HETERO_OK with *what set, or the
 * error of the counter (or of memory) with *what unspecified. */
int eng_take_next(het_engine *e, het_worker *w, het_batch *b, eng_take *what);
/* Nothing to do for now: waits until something changes (a commit, a
 * failure, the end), 10 ms at most. */
void eng_idle(het_engine *e);
/* Pushes grains [g0, g0 + n) to the retry pool (lock held). */
int eng_retry_push(het_engine *e, uint64_t g0, uint64_t n);

/* ---- commit.c: committing and retiring ------------------------------------ */

/* No batch in flight is needed any more: workers stop taking, and a CPU
 * batch that polls hetero_job_abandoned drops its work. */
void eng_wind_down(het_engine *e);
/* The run fails with code and msg (the first such call wins), and winds
 * down.  Lock held. */
void eng_set_fatal(het_engine *e, int code, const char *msg);
/* Commits batch b (its partials in `data`, n * psize bytes) that kept the
 * worker busy dt seconds.  Grains already committed by another worker are
 * compared instead: a difference breaks contract 1 and ends the run. */
void eng_commit(het_worker *w, const het_batch *b, const unsigned char *data, double dt);
/* Worker w failed at run time with rc (hetero_errmsg() says why): a device
 * error retires it and hands its grains in flight back to the pool; an
 * internal error (or a failing MPI counter) ends the run. */
void eng_failed(het_worker *w, int rc);

/* ---- worker.c: a worker ------------------------------------------------------ */

/* Describes worker i as device `info` of back end ops (named: picked by
 * its id; excluded: it cannot run the job, and says why in its stats;
 * beside_team: the OpenMP team runs too). */
void eng_worker_device(het_engine *e, size_t i, const het_device_ops *ops, const hcl_info *info, int named,
                       int excluded, int beside_team);
/* Describes worker i as the k-th OpenMP team of `threads` threads. */
void eng_worker_omp(het_engine *e, size_t i, int k, int threads);
/* A worker's thread: set up, wait for eng_go, run, tear down.  Holds one
 * reference to the engine (taken by whoever starts it). */
void *eng_worker_main(void *arg);
/* After a complete run: every worker that measured itself keeps its rate
 * for the next run of this job shape (rates.h). */
void eng_rates_keep(het_engine *e);

/* ---- cpu_worker.c ------------------------------------------------------------ */

/* The OpenMP worker's loop: batches until there are no more. */
int eng_cpu_run(het_worker *w);

/* ---- device_worker.c: devices, through their back end (device.h) -------------- */

/* The device worker's loop: batches in flight until there are no more. */
int eng_device_run(het_worker *w);
/* After the back end's build: the device's batch limit and width become
 * the scheduler's. */
void eng_device_sized(het_worker *w);

/* ---- stragglers.c ------------------------------------------------------------ */

/* Notes thread tid as one of the run's own (a straggler's demotion never
 * touches the threads of any running job). */
void eng_own_thread(het_engine *e, long tid);
/* The run is over: its threads are no longer anyone's to protect. */
void eng_own_release(het_engine *e);
/* Every thread's CPU time as the compute phase begins (main thread). */
void eng_ticks_base(het_engine *e);
/* Every busy thread of the process that is no running job's own gets the
 * lowest priority.  Main thread, lock not held. */
void eng_demote_foreign(het_engine *e);
/* Worker w is a straggler: its host thread yields the cores (lock held). */
void eng_demote(het_worker *w);
/* Demotes every device worker whose first batch has been out too long
 * (lock held). */
void eng_find_stragglers(het_engine *e, double now);
/* The run closes with w's thread still inside its driver: counts it as
 * left behind (lock held). */
void eng_leave_behind(het_worker *w);
/* A thread that was left behind is done (lock held). */
void eng_left_behind_done(void);

/* ---- checkpoint.c: the journal ------------------------------------------------ */

/* Rank 0 with --checkpoint: opens the journal and loads its grains into
 * e->done and e->partials; other ranks with --checkpoint ship theirs. */
int eng_journal_open(het_engine *e, hetero_job *job, const het_run_opts *opts, uint64_t fp);
/* Rank 0: appends the finished grains not yet in the journal (all = 0:
 * only those computed here or received; all = 1 at the end, after the
 * gather: every grain).  Other ranks with a checkpoint: sends theirs to
 * rank 0 instead. */
int eng_journal_step(het_engine *e, int all);
/* The end of the compute phase, before any collective call: every rank's
 * grains reach rank 0's journal. */
int eng_journal_drain(het_engine *e);
/* Stopping (interrupted, or the time limit): the journal is written with
 * what every rank finished.  No collective call. */
int eng_journal_stop(het_engine *e);

/* ---- gather.c ------------------------------------------------------------------ */

/* Phase 5, collective: partials to rank 0, the report, contract 3 (every
 * grain exactly once) and the digest. */
int eng_gather(het_engine *e, hetero_report *rep, int threads);
/* A hash of what defines the job; 0 when out of memory. */
uint64_t eng_fingerprint(const hetero_job *job);
/* Collective: every rank planned the same job, or the difference is named. */
int eng_same_job(const hetero_job *job);
/* The workers' ids, comma-separated, into buf[size]. */
void eng_join_ids(const het_worker *w, size_t nw, char *buf, size_t size);

/* ---- seams.c: test seams ------------------------------------------------------- */

/* HETERO_FAULT=WORKER@N (a testing aid): worker WORKER's Nth batch fails as
 * a device error would.  Its worker's id into id[id_size] and N into *n (0
 * without HETERO_FAULT), or bad input. */
int eng_fault_parse(char *id, size_t id_size, uint64_t *n);
/* Arms the seams on the described workers: the fault (bad input when no
 * rank has its worker; collective when there is one) and the batch
 * jitter. */
int eng_seams_arm(het_engine *e, const het_run_opts *opts, const char *fault_id, uint64_t fault_n);
/* Counts a batch about to start; the injected failure when it is the one. */
int eng_fault(het_worker *w);
/* Test seam: a batch size at random in [1, 64]. */
uint64_t eng_jitter(het_worker *w);
/* Test seam: the device back end of every later run and conformance check
 * of this process becomes ops (a simulated one: tests/sim_device.c); NULL
 * restores OpenCL's.  Called between runs, never during one. */
void eng_backend_override(const het_device_ops *ops);
/* The back end a run or a conformance check drives: the override, else
 * OpenCL's (het_opencl_ops). */
const het_device_ops *eng_backend(void);

#endif
