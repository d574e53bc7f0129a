/* engine.h - runs a planned job over the workers it is given and reports.
 *
 * The engine owns devices, worker threads, the grain counter (local or
 * across MPI ranks), the ordered gather of partials, the digest and the
 * report.  Workloads plug in through workload.h; the CLI (main.c) and the
 * bench (bench/) both drive it through this header.
 */
#ifndef HET_ENGINE_H
#define HET_ENGINE_H

#include <stdint.h>
#include <stdio.h>

#include "workload.h"

enum het_format { HET_FMT_TEXT, HET_FMT_JSON, HET_FMT_CSV };
/* het_run_opts.progress: -1 auto, 0 off, 1 a redrawn line, 2 a line every
 * few seconds (for logs) */
#define HET_PROGRESS_LINES 2
#define HET_REPORT_SCHEMA "hetero.report"
#define HET_REPORT_VERSION 1

typedef struct het_run_opts {
    const char *devices;  /* "all" if NULL; see DESIGN.md --devices */
    int threads;          /* OpenMP team per rank; 0 = default */
    int progress;         /* -1 auto (stderr is a terminal), 0 off, 1 on */
    int quiet;            /* no notices on stderr */
    double batch_seconds; /* target batch time; 0 = HET_SCHED_TARGET_S */
    /* Test seams (tests/test_scheduler.c): split the CPU into this many
     * OpenMP workers (0 or 1: one team, as users run it), and when
     * batch_jitter is not 0 draw every batch size at random in [1, 64]
     * from a generator seeded with it, instead of from the rates. */
    int cpu_workers;
    uint64_t batch_jitter;
    /* Long runs.  checkpoint: the journal file (NULL: none);
     * checkpoint_every: seconds between syncs (0 = 30); checkpoint_remove:
     * delete the journal once the run is complete; time_limit: seconds
     * (0 = none) after which the run stops taking work, writes the journal
     * and returns HET_E_STOPPED. */
    const char *checkpoint;
    double checkpoint_every;
    int checkpoint_remove;
    double time_limit;
} het_run_opts;

/* A run stops when a signal arrives (host/interrupt.h, deferred mode while
 * it runs): no new batches, a short grace for those in flight, the journal
 * written, HET_E_INTERRUPTED returned with how far it got. */

/* One worker's line in the report. */
typedef struct het_worker_stats {
    int rank;
    char id[24];          /* "omp" or "cl:P:D" */
    char kind[8];         /* "omp" or "opencl" */
    char name[256];       /* CPU model or device name */
    char status[12];      /* "ok"; "failed" (retired at run time, its grains
                             recomputed by the others); "excluded" (cannot
                             run this workload: see error) */
    char error[256];      /* why, for "failed" and "excluded"; else "" */
    int threads;          /* OpenMP threads (0 for OpenCL) */
    uint64_t width;       /* grains it runs at once at full speed */
    uint64_t grains;      /* grains whose result it provided */
    uint64_t recomputed;  /* grains it copied from a slower worker's
                             in-flight batch (whether or not its copy won) */
    uint64_t items;
    uint64_t batches;
    double busy_s;
    double kernel_s;      /* OpenCL: device time of the kernels (profiling
                             events), 0 for the OpenMP team */
    double items_per_s;
    double share;         /* of all items */
} het_worker_stats;

typedef struct het_rank_stats {
    int rank;
    char host[64];
    char devices[256];    /* ids of this rank's workers, comma-separated */
    int threads;
    uint64_t grains;
    double busy_s;        /* sum over this rank's workers */
} het_rank_stats;

typedef struct het_report {
    double discovery_s, build_s, compute_s, merge_s, wall_s;
    int build_cached;     /* every OpenCL program came from a cache */
    uint64_t digest;      /* XXH3-64 of all partials in grain order */
    uint64_t items;
    double balance;       /* sum(busy) / (workers * max(busy)) */
    int checkpoint;       /* a journal was used */
    uint64_t resumed_grains;   /* grains read from the journal, not computed */
    het_worker_stats *workers;
    size_t n_workers;
    het_rank_stats *ranks;
    int n_ranks;
} het_report;

/* Runs job (already planned: n_grains, partial_size set) and fills rep.
 * On rank 0 the workload's merge() has run when this returns HET_OK.  On
 * failure nothing is merged; the message names the call, device and rank.
 * Collective under MPI: every rank calls it with the same job. */
int het_engine_run(het_job *job, const het_run_opts *opts, het_report *rep);

/* Device threads that runs left behind, still inside a driver call (a
 * simulator or driver that computes a straggler's abandoned batch in the
 * calling thread).  They clean up after themselves when the call returns;
 * but a process that exits meanwhile must not run the libraries' exit
 * handlers under them (a driver's static destructors would pull its state
 * away from its own threads): leave with _exit() once every output is
 * flushed and closed. */
int het_engine_threads_left(void);
void het_report_free(het_report *rep);

/* Prints the whole report (job, params, result, digest, phases, workers,
 * ranks, balance) in the given format.  Rank 0 only. */
int het_report_print(const het_job *job, const het_report *rep, int format, FILE *out);

/* Job life cycle: init from a workload (defaults filled), set options,
 * validate + plan, free. */
int het_job_init(het_job *job, const het_workload *wl);
int het_job_plan(het_job *job);
void het_job_free(het_job *job);

#endif
