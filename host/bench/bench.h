/* bench.h - hetero-bench: the pieces shared by bench.c (the run of every
 * row), options.c (the command line), sets.c (the device sets), check.c
 * (the self-check), run.c (one engine run, a row timed), progress.c (the
 * progress line), report.c (text, JSON and CSV), compare.c (the
 * comparison of two reports: --compare, --fail-on; compare_load.c reads a
 * report, compare_print.c shows the comparison) and plot.c (the bar
 * chart, SVG or PNG, through host/base/draw.c).
 *
 * Names here are the bench's own (prefix bench_); the engine is reached
 * only through host/engine/engine.h, report.h and workload.h, so every workload
 * in the registry is benchmarked without the bench knowing it.
 */
#ifndef HET_BENCH_H
#define HET_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "devices.h"
#include "engine.h"
#include "hcl.h"
#include "report.h"

#define BENCH_SCHEMA "hetero.bench"
/* Version 3 gave each meaning one name, the same in hetero's run report:
 * a row's and a set's name is `set` (was `devices`, which the run report
 * uses for a list of device ids), the row's rank count `mpi_ranks` (was
 * `ranks`, the run report's array of ranks; machine.mpi_ranks already said
 * it), the median of the whole runs `wall_median_s` (was `wall`, the run
 * report's one whole run) and the self-check job's digest `check_digest`
 * (was `digest`, which in the run report is the digest of the job whose
 * `params` and `items` it sits beside).  Reports of versions 1 and 2 are
 * still read: bench_load_report renames their fields on loading. */
#define BENCH_VERSION 3
/* --compare with --results and --format json: the comparison of two saved
 * reports alone.  Version 2 names a row's set `set`, as the report's
 * version 3 does (version 1 said `devices`). */
#define BENCH_COMPARE_SCHEMA "hetero.bench.compare"
#define BENCH_COMPARE_VERSION 2
/* What --plot draws, as the JSON each chart file carries (plot.c).  A chart
 * made before version 1 had neither field and named a bar's set
 * `devices`. */
#define BENCH_CHART_SCHEMA "hetero.bench.chart"
#define BENCH_CHART_VERSION 1
/* A row whose repeats spread more than this (fastest minus slowest
 * items/s, over the median), or whose median items/s is more than this
 * below the rate its calibration measured just before, is measured once
 * more; if it still does, it is marked noisy. */
#define BENCH_NOISY_PCT 10.0
#define BENCH_MAX_PLOTS 4
/* A report read by --compare or --results: at most this many bytes, rows
 * (`results`) and OpenCL devices (`machine.opencl`), or it is bad input,
 * refused before anything runs.  The bench itself writes at most one row
 * per workload and device set (HET_MAX_WORKLOADS * BENCH_MAX_SETS, a few
 * thousand), each under a kilobyte, and HET_MAX_CL_DEVICES devices: real
 * reports are tens of rows and kilobytes.  Beyond the caps a file only
 * costs memory and time (a cJSON node per value, a row of the comparison
 * and of its output per row). */
#define BENCH_MAX_REPORT (16u << 20)
#define BENCH_MAX_REPORT_ROWS 100000
#define BENCH_MAX_REPORT_DEVICES 1024
/* No job is sized beyond this many items: neither the one the calibration
 * settles on (run.c) nor --check-items's. */
#define BENCH_MAX_ITEMS 1e14

/* What a device set is.  The order is the order of rows in the report. */
enum bench_set_kind {
    BENCH_SET_CL,      /* one OpenCL device alone */
    BENCH_SET_OMP1,    /* the OpenMP team at one thread */
    BENCH_SET_OMPALL,  /* the OpenMP team at all threads */
    BENCH_SET_COMBINED /* every solo set's devices together */
};

#define BENCH_MAX_SETS (HET_MAX_CL_DEVICES + 3)

typedef struct bench_set {
    int kind;                       /* enum bench_set_kind */
    char name[1200];                /* the row's `set`: "cl:0:0", "omp/1", "omp/all", and the
                                  combined set as its members joined by '+': "cl:0:0+omp/all" */
    char label[1200];               /* as a person says it: "PoCL CPU", "OpenMP, 2 threads",
                                  "PoCL CPU + OpenMP, 2 threads" */
    char devices[1024];             /* the --devices list handed to the engine */
    int threads;                    /* OpenMP threads per rank asked of the engine; 0 = none
                                  (OpenCL only) or, with omp, the default team */
    int cl_type;                    /* BENCH_SET_CL: the device's enum hcl_type */
    int shares_cores;               /* BENCH_SET_ALL: a CPU OpenCL device runs beside OpenMP
                                  on the same cores */
    size_t members[BENCH_MAX_SETS]; /* BENCH_SET_ALL: the solo sets it combines */
    size_t n_members;
} bench_set;

/* A copy of a workload's fields whose strings the copy owns. */
typedef struct bench_fields {
    hetero_field f[HETERO_MAX_FIELDS];
    size_t n;
} bench_fields;

void bench_fields_copy(bench_fields *dst, const hetero_field *src, size_t n);
void bench_fields_free(bench_fields *f);
/* 0 when both have the same names, kinds and values (doubles compared bit
 * for bit); otherwise the index of the first difference plus one. */
size_t bench_fields_diff(const bench_fields *a, const bench_fields *b);

/* The self-check of one workload: the fixed check job, run on every set. */
typedef struct bench_check {
    const hetero_workload *wl;
    uint64_t items;      /* the check job's items */
    bench_fields params; /* its parameters */
    bench_fields result; /* its result (the same on every set) */
    uint64_t digest;     /* its digest of partials (likewise) */
    size_t n_sets;       /* sets that ran it and agreed */
} bench_check;

/* One row of the report: one workload on one device set. */
typedef struct bench_row {
    const hetero_workload *wl;
    size_t set;          /* index into bench.sets */
    int threads;         /* OpenMP threads per rank that ran (0: none) */
    int ranks;           /* MPI ranks the row ran across (`mpi_ranks`) */
    uint64_t items;      /* of one timed repeat */
    bench_fields params; /* the timed job's parameters */
    int repeats;
    double median_s, min_s, max_s; /* compute phase, slowest rank */
    double wall_median_s;          /* whole engine run, discovery and builds included */
    double items_per_s;            /* items / median_s */
    double items_per_s_min;        /* items / max_s */
    double items_per_s_max;        /* items / min_s */
    double speedup;                /* over this workload's omp/1 row; NAN when none */
    double coexec;                 /* BENCH_SET_COMBINED only: items/s over the members' sum; NAN otherwise */
    uint64_t digest;               /* the check job's digest (`check_digest`, see bench_check) */
    double spread_pct;             /* (items_per_s_max - items_per_s_min) / items_per_s, in %;
                                  NAN with one repeat */
    double calib_rate;             /* items/s the calibration measured just before the repeats */
    const char *noise;             /* why the (last) measurement was suspect: "spread", "slower than
                                  calibration", or NULL */
    double first_spread_pct;       /* the first measurement's, when it was measured again; else NAN */
    int remeasured;                /* the first measurement spread more than BENCH_NOISY_PCT */
    int noisy;                     /* ... and the second did too */
    char workers_note[320];        /* "" when every worker of every repeat was ok; else the first
                                  that was not: "cl:0:0 excluded: ..." */
} bench_row;

/* Where and how this run was made (the `run` object of the report). */
typedef struct bench_run_info {
    char host[256];
    char started[32];       /* ISO 8601, UTC: 2025-11-26T01:56:03Z */
    const char *git;        /* commit at build time, or "unknown" */
    int git_dirty;          /* 1 uncommitted changes, 0 clean, -1 unknown */
    const char *compiler;   /* "GCC 12.2.0" */
    const char *build_type; /* "Release" */
} bench_run_info;

typedef struct bench_opts {
    const hetero_workload *wls[64];
    size_t n_wls;
    const char *devices; /* NULL: every OpenCL device and omp */
    int quick;
    int repeats;
    double seconds;
    uint64_t check_items;
    uint64_t seed;
    int threads;                        /* "all threads": 0 = the default team */
    int format;                         /* enum hetero_format */
    int progress;                       /* -1 auto, 0 off, 1 on */
    const char *plots[BENCH_MAX_PLOTS]; /* FILE.svg / FILE.png, each from the same drawing */
    size_t n_plots;
    const char *compare; /* NULL or the baseline's path */
    double fail_on;      /* --fail-on PCT; < 0 when not given */
    const char *results; /* --results: compare this report instead of running */
    int help, version;
    const char *unsized; /* a workload left out for want of bench_params */
} bench_opts;

typedef struct bench_machine {
    char cpu[160];
    long cores;      /* online logical CPUs */
    int omp_threads; /* the default team of one rank */
    hcl_info *cl;    /* every OpenCL device found (owned) */
    size_t n_cl;
    int ranks;
} bench_machine;

/* ---- comparison of two reports (compare.c, compare_load.c, compare_print.c) ---- */

enum bench_cmp_status {
    BENCH_CMP_COMPARED,     /* the same workload on the same devices on both sides */
    BENCH_CMP_INCOMPARABLE, /* the same set name, other devices (or thread or rank counts) */
    BENCH_CMP_NEW,          /* only in this run */
    BENCH_CMP_GONE          /* only in the baseline */
};

typedef struct bench_cmp_row {
    const char *workload, *set, *label; /* point into the documents */
    int status;                         /* enum bench_cmp_status */
    char *reason;                       /* BENCH_CMP_INCOMPARABLE: what differs (owned); else NULL */
    double old_rate, new_rate;          /* items/s; NAN where that side has none */
    double change_pct;                  /* NAN unless compared */
    int noisy;                          /* either side was marked noisy */
    int regression;                     /* compared, and fell by more than --fail-on */
} bench_cmp_row;

typedef struct bench_mismatch {
    char field[64];               /* "machine.cpu_model", "settings.repeats", "device cl:0:0" */
    char run[320], baseline[320]; /* the values as JSON text; "null" when not recorded */
} bench_mismatch;

typedef struct bench_comparison {
    const char *baseline_path;
    bench_cmp_row *rows;
    size_t n_rows;
    bench_mismatch *mm;
    size_t n_mm;
    size_t n_compared, n_regressions;
    double fail_on;         /* < 0: none */
    char baseline_run[512]; /* one line: where and when the baseline was made */
} bench_comparison;

/* Compares two hetero-bench JSON documents: rows matched by workload and
 * device identity (each OpenCL device's name and driver, the OpenMP team's
 * CPU model and thread count, the rank count), every difference of
 * machine, devices, build and settings listed.  HETERO_E_NOMEM or HETERO_OK. */
int bench_compare_docs(const cJSON *run, const cJSON *baseline, double fail_on, bench_comparison *c);
void bench_comparison_free(bench_comparison *c);
/* The comparison for people: where the baseline comes from and every
 * difference (printed before the report's table), then the table of
 * changes with the marks and the summary. */
void bench_compare_print_head(const bench_comparison *c, FILE *out);
void bench_compare_print_text(const bench_comparison *c, FILE *out);
/* What a row of a report ran on, from that report's machine facts: the
 * key rows are matched by (its workload aside). */
void bench_identity(const cJSON *doc, const cJSON *row, char *buf, size_t size);
/* One line: the report's hetero version, commit, build, host and start. */
void bench_run_line(const cJSON *doc, char *buf, size_t size);
/* The `compare` object of the JSON report. */
cJSON *bench_compare_json(const bench_comparison *c);
/* A baseline or results document read and checked (schema, version,
 * results), a version 1 or 2 report's fields renamed to version 3's, so
 * that what reads it knows only the names of BENCH_VERSION. */
int bench_load_report(const char *opt, const char *path, cJSON **doc);

typedef struct bench {
    bench_opts opt;
    bench_run_info run;
    bench_machine m;
    bench_set sets[BENCH_MAX_SETS];
    size_t n_sets;
    bench_check checks[64];
    size_t n_checks;
    bench_row *rows;
    size_t n_rows;
    cJSON *baseline;      /* the --compare document (owned) */
    cJSON *doc;           /* this run as the JSON report (owned; built after the run) */
    bench_comparison cmp; /* with --compare */
    int have_cmp;
} bench;

/* options.c: the command line into b->opt, and the reports --compare and
 * --results name into b->baseline and b->doc.  HETERO_E_BADARG (one line)
 * for bad input. */
int bench_parse(int argc, char **argv, bench *b);
void bench_usage(FILE *out);

/* sets.c: b->sets from the devices found and --devices.  Collective: every
 * rank must build the same list. */
int bench_build_sets(bench *b);

/* progress.c: the progress line on stderr, shown only after
 * bench_progress_show(1); "bench: [ROW/ROWS] " and the text, over the
 * previous line.  bench_progress_end wipes it. */
void bench_progress_show(int on);
void bench_progress_at(size_t row, size_t rows);
void bench_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void bench_progress_end(void);
/* The progress line's name of a set. */
void bench_progress_label(const bench_set *s, char *buf, size_t size);

/* run.c: one engine run, as bench_job reports it. */
typedef struct bench_result {
    double compute_s; /* slowest rank's compute phase */
    double wall_s;    /* slowest rank's whole run */
    uint64_t items;   /* of the job as planned (every rank) */
    uint64_t digest;  /* rank 0 */
    int threads;      /* OpenMP threads of rank 0's team, 0 if none */
    int ranks;
    char workers_note[320];      /* rank 0: the first worker that was not ok, and why */
    bench_fields params, result; /* rank 0, when asked for */
} bench_result;

/* Runs `wl` sized by bench_params(items) with the given seed on set s.
 * Collective.  With want_fields the result and params fields are copied
 * (rank 0); the caller frees them. */
int bench_job(const hetero_workload *wl, double items, uint64_t seed, const bench_set *s, int want_fields,
              bench_result *r);
/* Runs on rank 0 after a collective step, then tells every rank. */
int bench_agree(int rc);
/* The row of wl on b->sets[set]: calibrated, timed, measured again when
 * noisy; c is the workload's self-check (its digest goes into the row). */
int bench_time_row(bench *b, const hetero_workload *wl, size_t set, const bench_check *c, bench_row *row);

/* check.c: the self-check of wl on every set into c; HETERO_E_RUNTIME,
 * naming the sets and the field, when two disagree.  Collective. */
int bench_check_workload(bench *b, const hetero_workload *wl, bench_check *c);

/* report.c: this run as the JSON document (without `compare`); NULL when
 * memory runs out. */
cJSON *bench_report_doc(const bench *b);
/* The whole report in opt.format, with the comparison when there is one.
 * Rank 0 only. */
int bench_print(const bench *b, FILE *out);

/* plot.c: draws the chart once and writes every --plot file from it (SVG
 * or PNG by extension).  HETERO_E_IO when a file cannot be written. */
int bench_plot(const bench *b);


#endif
