/* workload.h - jobs and workloads inside the library.
 *
 * A workload is described by a public hetero_workload (include/hetero.h):
 * its options as rows, its hooks, its kernel.  This header adds what the
 * library keeps about a job (struct hetero_job, opaque outside) and the
 * job's life cycle, which host/engine/job.c, job_plan.c and job_identity.c
 * implement; the engine runs a planned job.
 */
#ifndef HET_WORKLOAD_H
#define HET_WORKLOAD_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "hetero.h"
#include "output.h"

/* het_run_opts.progress: -1 auto, 0 off, 1 a redrawn line, 2 a line every
 * few seconds (for logs) */
#define HET_PROGRESS_LINES 2

/* How a job runs (the common options). */
typedef struct het_run_opts {
    const char *devices;  /* "all" if NULL; see docs/commands.md */
    int threads;          /* OpenMP team per rank; 0 = default */
    int progress;         /* -1 auto (stderr is a terminal), 0 off, 1 on */
    int quiet;            /* no notices on stderr */
    double batch_seconds; /* target batch time; 0 = HET_SCHED_TARGET_S */
    /* Test seams (tests/test_engine.c): split the CPU into this many
     * OpenMP workers (0 or 1: one team, as users run it), and when
     * batch_jitter is not 0 draw every batch size at random in [1, 64]
     * from a generator seeded with it, instead of from the rates. */
    int cpu_workers;
    uint64_t batch_jitter;
    /* Long runs.  checkpoint: the journal file (NULL: none);
     * checkpoint_every: seconds between syncs (0 = 30); checkpoint_remove:
     * delete the journal once the run is complete; time_limit: seconds
     * (0 = none) after which the run stops taking work, writes the journal
     * and returns HETERO_E_STOPPED. */
    const char *checkpoint;
    double checkpoint_every;
    int checkpoint_remove;
    double time_limit;
    /* Under MPI: seconds of silence after which a peer rank is lost and
     * the job ends (0 = HET_PEER_TIMEOUT_S). */
    double peer_timeout;
} het_run_opts;

/* An OUTPUT option's file while the job merges. */
typedef struct het_job_output {
    const hetero_option *opt;
    het_out out;
    int open;
} het_job_output;

#define HET_MAX_OUTPUTS 8

struct hetero_job {
    const hetero_workload *wl;
    uint64_t seed;
    void *params;            /* wl->params_size bytes, owned by the job */
    void *state;             /* workload-owned, freed by wl->release */
    uint64_t n_grains;       /* set by plan */
    size_t partial_size;     /* set by plan; bytes per grain */
    int report_to_stderr;    /* an OUTPUT option writes to stdout ("-"):
                                  the report then goes to stderr so the two
                                  never mix */
    het_run_opts run;        /* the common options */
    unsigned char given[64]; /* per option row: set on the command line */
    int ran;                 /* hetero_job_run was called */
    hetero_report report;    /* of the last run */
    hetero_field result[HETERO_MAX_FIELDS];
    size_t n_result;
    char error[HETERO_MSG_MAX];
    _Atomic int cancel;  /* hetero_job_cancel: the signal number, or -1 */
    _Atomic int abandon; /* hetero_job_abandoned: batches in flight are not needed */
    double deadline;     /* --time-limit's stop, CLOCK_MONOTONIC seconds; 0: none */
    hetero_notice_fn notice;
    void *notice_ctx;
    hetero_progress_fn progress;
    void *progress_ctx;
    double progress_every;
    het_job_output outputs[HET_MAX_OUTPUTS];
    size_t n_outputs;
    char devices_buf[1024]; /* owned copies of string options */
    char checkpoint_buf[4096];
    char *custom_text[64]; /* per option row: a CUSTOM row's value as given (owned) */
};

/* Keeps the message of the call that returned rc (hetero_job_error) and
 * returns rc. */
int het_job_keep_error(hetero_job *job, int rc);

/* Job life cycle inside the library (a job by value): init from a
 * workload (the rows' defaults applied), set options, plan (check, then
 * the workload's plan), free.  hetero_job_create/free wrap these. */
int het_job_init(hetero_job *job, const hetero_workload *wl);
int het_job_plan(hetero_job *job);
void het_job_free(hetero_job *job);

/* Rank 0, after the compute phase: opens the OUTPUT options' files, runs
 * the workload's merge, and commits them (or discards them on failure). */
int het_job_merge(hetero_job *job, const void *partials);

/* Items in grains [g0, g0 + n): the workload's count, or one per grain. */
uint64_t het_job_items(const hetero_job *job, uint64_t g0, uint64_t n);

/* The report's params: the workload's own, or every option with a value
 * and the seed. */
size_t het_job_params_fields(const hetero_job *job, hetero_field *out, size_t max);

/* The job's identity as text, "key=value" lines (the caller frees it;
 * NULL when out of memory): the workload, the seed, the workload's params
 * fields, and every option row that can change a partial or the result:
 * every row but OUTPUT rows and rows marked not_identity, whether the
 * workload's params_fields shows it or not (contract 14: a workload cannot
 * forget one).  The journal's header and the ranks' agreement compare it. */
char *het_job_identity(const hetero_job *job);
/* The first key whose value differs between two identity texts `there`
 * and `here` (or that one of them lacks): 1 with the key and both values
 * copied out ("(none)" for a missing one), 0 when the texts agree. */
int het_identity_differs(const char *there, const char *here, char *key, size_t key_size, char *v_there,
                         size_t there_size, char *v_here, size_t here_size);

/* The library's common options as rows (--seed, --devices, --threads,
 * --checkpoint, ...), terminated by a row of type HETERO_OPT_END. */
extern const hetero_option het_common_options[];

/* The checks a description must pass, everything the engine relies on:
 * what hetero_workload_register (host/api/registry.c) makes, and a loader
 * makes for every workload of an object before it registers one. */
int het_workload_check(const hetero_workload *wl);

#endif
