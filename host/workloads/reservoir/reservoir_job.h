/* reservoir_job.h - what the reservoir workload's files share: its
 * parameters, its planned state and limits, and the functions one file
 * hands another.  wl_reservoir.c describes the workload (options, plan,
 * OpenCL arguments, reported fields); reservoir_cpu.c is the CPU path;
 * reservoir_merge.c checks and merges the partials; reservoir_fan.c
 * writes --trace and --plot.  Nothing outside this folder includes it.
 */
#ifndef HET_RESERVOIR_JOB_H
#define HET_RESERVOIR_JOB_H

#include <stdint.h>

#include "hetero.h"

#include "fan.h"
#include "reservoir_common.h"

#define HET_RES_VL 32
#define HET_RES_MAX_PATHS (UINT64_C(1) << 40)
#define HET_RES_MAX_STEPS (UINT64_C(1) << 32)
#define HET_RES_MAX_ITEMS (UINT64_C(1) << 62)
/* Every rank holds all partials: n_grains * partial_size stays below this. */
#define HET_RES_PARTIALS_BYTES (UINT64_C(1) << 27)
#define HET_RES_MAX_GRAINS (UINT64_C(1) << 20)

typedef struct het_res_params {
    uint64_t paths, steps;
    double cap, mu, sigma, sbar, s0;
    int have_s0;
    const char *trace; /* NULL when not asked for */
    const char *plot;
} het_res_params;

typedef struct het_res_state {
    /* plan */
    uint64_t grain_paths;
    het_u32 nbins, ntrace;
    double tscale;
    het_res_model model;
    /* result */
    double mean_storage, mean_storage_se, final_mean, final_se;
    double short_frac, short_se, spill_frac, spill_se;
    double rel_p[3];
    uint64_t short_steps, spill_steps;
} het_res_state;

static inline uint64_t reservoir_ceil_div(uint64_t a, uint64_t b) { return a / b + (a % b != 0); }

/* wl_reservoir.c: the path-steps of grains g0 .. g0+n-1. */
uint64_t reservoir_items(const hetero_job *job, uint64_t g0, uint64_t n);

/* reservoir_cpu.c: the workload's cpu_batch. */
int reservoir_cpu_batch(const hetero_job *job, uint64_t g0, uint64_t n, void *out, int nthreads);
/* The first f->ns paths at every step 0..T, handed to the fan (its sample
 * paths and their values at the traced steps), the same bits as the
 * grains computed. */
void reservoir_samples(const het_res_model *m, uint64_t T, het_fan *f);

/* reservoir_merge.c: the workload's possible and merge. */
int reservoir_possible(const hetero_job *job, uint64_t g, const void *partial);
int reservoir_merge(hetero_job *job, const void *partials);
/* Where the c-th of the n members of a histogram's bin lies (ctx: what
 * the histogram is of). */
typedef double (*reservoir_binval)(const void *ctx, uint64_t bin, uint64_t c, uint64_t n);
/* Quantile q of the N values a histogram of nbins holds (value() places a
 * bin's members), by linear interpolation between order statistics. */
double reservoir_quantile(const uint64_t *h, uint64_t nbins, uint64_t N, double q, reservoir_binval val,
                          const void *ctx);

/* reservoir_fan.c: the fan from the merged sums and histograms of the
 * traced steps, written to --trace and --plot (both or neither). */
int reservoir_outputs(hetero_job *job, const double *tsum, const uint64_t *thist);

#endif
