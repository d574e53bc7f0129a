/* bench.h - hetero-bench: the pieces shared by bench.c (options, device
 * sets, the runs and the self-check), report.c (text, JSON, CSV and the
 * comparison with a baseline) and plot.c (SVG or PNG bar chart).
 *
 * Names here are the bench's own (prefix bench_); the engine is reached
 * only through host/engine.h and host/workload.h, so every workload in the
 * registry is benchmarked without the bench knowing it.
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

#define BENCH_SCHEMA "hetero.bench"
#define BENCH_VERSION 1

/* What a device set is.  The order is the order of rows in the report. */
enum bench_set_kind {
    BENCH_SET_CL,      /* one OpenCL device alone */
    BENCH_SET_OMP1,    /* the OpenMP team at one thread */
    BENCH_SET_OMPALL,  /* the OpenMP team at all threads */
    BENCH_SET_ALL      /* everything together */
};

#define BENCH_MAX_SETS (HET_MAX_CL_DEVICES + 3)

typedef struct bench_set {
    int kind;                  /* enum bench_set_kind */
    char name[32];             /* the row's `devices`: "cl:0:0", "omp/1", "omp/all", "all" */
    char devices[1024];        /* the --devices list handed to the engine */
    int threads;               /* OpenMP threads per rank asked of the engine; 0 = none
                                  (OpenCL only) or, with omp, the default team */
    int cl_type;               /* BENCH_SET_CL: the device's enum hcl_type */
    int shares_cores;          /* BENCH_SET_ALL: a CPU OpenCL device runs beside OpenMP
                                  on the same cores */
    size_t members[BENCH_MAX_SETS]; /* BENCH_SET_ALL: the solo sets it combines */
    size_t n_members;
} bench_set;

/* A copy of a workload's fields whose strings the copy owns. */
typedef struct bench_fields {
    het_field f[HET_MAX_FIELDS];
    size_t n;
} bench_fields;

void bench_fields_copy(bench_fields *dst, const het_field *src, size_t n);
void bench_fields_free(bench_fields *f);
/* 0 when both have the same names, kinds and values (doubles compared bit
 * for bit); otherwise the index of the first difference plus one. */
size_t bench_fields_diff(const bench_fields *a, const bench_fields *b);

/* The self-check of one workload: the fixed check job, run on every set. */
typedef struct bench_check {
    const het_workload *wl;
    uint64_t items;            /* the check job's items */
    bench_fields params;       /* its parameters */
    bench_fields result;       /* its result (the same on every set) */
    uint64_t digest;           /* its digest of partials (likewise) */
    size_t n_sets;             /* sets that ran it and agreed */
} bench_check;

/* One row of the report: one workload on one device set. */
typedef struct bench_row {
    const het_workload *wl;
    size_t set;                /* index into bench.sets */
    int threads;               /* OpenMP threads per rank that ran (0: none) */
    int ranks;
    uint64_t items;            /* of one timed repeat */
    bench_fields params;       /* the timed job's parameters */
    int repeats;
    double median_s, min_s, max_s;   /* compute phase, slowest rank */
    double wall_median_s;      /* whole engine run, discovery and builds included */
    double items_per_s;        /* items / median_s */
    double items_per_s_min;    /* items / max_s */
    double items_per_s_max;    /* items / min_s */
    double speedup;            /* over this workload's omp/1 row; NAN when none */
    double coexec;             /* BENCH_SET_ALL only: items/s over the members' sum; NAN otherwise */
    uint64_t digest;           /* the check job's digest (see bench_check) */
} bench_row;

typedef struct bench_opts {
    const het_workload *wls[64];
    size_t n_wls;
    const char *devices;       /* NULL: every OpenCL device and omp */
    int quick;
    int repeats;
    double seconds;
    uint64_t check_items;
    uint64_t seed;
    int threads;               /* "all threads": 0 = the default team */
    int format;                /* enum het_format */
    int progress;              /* -1 auto, 0 off, 1 on */
    const char *plot;          /* NULL or FILE.svg / FILE.png */
    const char *compare;       /* NULL or the baseline's path */
    int help, version;
    const char *unsized;       /* a workload left out for want of bench_params */
} bench_opts;

typedef struct bench_machine {
    char cpu[160];
    long cores;                /* online logical CPUs */
    int omp_threads;           /* the default team of one rank */
    hcl_info *cl;              /* every OpenCL device found (owned) */
    size_t n_cl;
    int ranks;
} bench_machine;

typedef struct bench {
    bench_opts opt;
    bench_machine m;
    bench_set sets[BENCH_MAX_SETS];
    size_t n_sets;
    bench_check checks[64];
    size_t n_checks;
    bench_row *rows;
    size_t n_rows;
    cJSON *baseline;           /* the --compare document (owned) */
} bench;

/* report.c: the whole report in opt.format, with the comparison against
 * the baseline when there is one.  Rank 0 only. */
int bench_print(const bench *b, FILE *out);

/* plot.c: writes opt.plot, SVG by our own writer or PNG through gnuplot.
 * HET_E_IO when the file cannot be written or gnuplot fails. */
int bench_plot(const bench *b, const char *path);
/* 1 for a .svg path, 2 for .png, 0 for anything else. */
int bench_plot_kind(const char *path);


#endif
