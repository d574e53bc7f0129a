/* wl_reservoir.c - the `reservoir` workload: P independent paths of a
 * stochastic reservoir (storage, release, random inflow, spill), T steps
 * each; see reservoir_common.h for the model and the stream.
 *
 * Grains are fixed blocks of paths (grain_paths, a power of two chosen from
 * P and T only).  A grain's partial holds its sums over paths, each added in
 * path order, exact integer counts, the histogram of per-path shortfall
 * counts (for the reliability percentiles) and, with --trace or --plot,
 * the sum and a histogram of S at up to 65 traced steps.  merge() adds the
 * partials in grain order.
 *
 * This file: the workload's description, options, plan and OpenCL
 * arguments, and the fields it reports.  The CPU path is
 * reservoir_cpu.c, the merge reservoir_merge.c, --trace and --plot
 * reservoir_fan.c; reservoir_job.h is what they share.
 */
#include "hetero.h"
#include "wl_reservoir.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "draw.h"
#include "reservoir_job.h"

extern const char het_kernel_reservoir[];

static int het__res_initial(void *vp, const char *value)
{
    het_res_params *p = vp;
    int rc = hetero_parse_real("--initial", value, 0.0, INFINITY, &p->s0);
    p->have_s0 = rc == HETERO_OK;
    return rc;
}

/* The job's identity: S0 as parsed (absent means K). */
static int het__res_format_initial(const void *vp, char *buf, size_t size)
{
    const het_res_params *p = vp;
    if (p->have_s0)
        snprintf(buf, size, "%.17g", p->s0);
    else
        snprintf(buf, size, "(the capacity)");
    return HETERO_OK;
}

static const hetero_option het__res_options[] = {
    {.type = HETERO_OPT_COUNT,
     .name = "--paths",
     .metavar = "P",
     .help = "number of independent paths",
     .offset = offsetof(het_res_params, paths),
     .min = 1,
     .max = (double)HET_RES_MAX_PATHS,
     .required = 1},
    {.type = HETERO_OPT_COUNT,
     .name = "--steps",
     .metavar = "T",
     .help = "steps per path",
     .offset = offsetof(het_res_params, steps),
     .min = 1,
     .max = (double)HET_RES_MAX_STEPS,
     .required = 1},
    {.type = HETERO_OPT_REAL,
     .name = "--capacity",
     .metavar = "K",
     .help = "reservoir capacity K > 0 (default 100)",
     .offset = offsetof(het_res_params, cap),
     .min = -INFINITY, /* K > 0: validate says so, for 0 and below alike */
     .max = INFINITY,
     .def = "100"},
    {.type = HETERO_OPT_REAL,
     .name = "--inflow-mean",
     .metavar = "MU",
     .help = "mean inflow per step, >= 0 (default 70)",
     .offset = offsetof(het_res_params, mu),
     .min = 0,
     .max = INFINITY,
     .def = "70"},
    {.type = HETERO_OPT_REAL,
     .name = "--inflow-sd",
     .metavar = "SIGMA",
     .help = "inflow standard deviation, >= 0 (default 70)",
     .offset = offsetof(het_res_params, sigma),
     .min = 0,
     .max = INFINITY,
     .def = "70"},
    {.type = HETERO_OPT_REAL,
     .name = "--release",
     .metavar = "SBAR",
     .help = "release demanded per step, >= 0 (default 70)",
     .offset = offsetof(het_res_params, sbar),
     .min = 0,
     .max = INFINITY,
     .def = "70"},
    {.type = HETERO_OPT_CUSTOM,
     .name = "--initial",
     .metavar = "S0",
     .help = "initial storage in [0, K] (default K)",
     .parse = het__res_initial,
     .format = het__res_format_initial},
    {.type = HETERO_OPT_OUTPUT,
     .name = "--trace",
     .metavar = "FILE",
     .help = "write a CSV of storage percentiles over time",
     .offset = offsetof(het_res_params, trace)},
    {.type = HETERO_OPT_OUTPUT,
     .name = "--plot",
     .metavar = "FILE",
     .help = "draw the storage fan chart (FILE.svg or FILE.png)",
     .offset = offsetof(het_res_params, plot)},
    {.type = HETERO_OPT_END},
};

static int het__res_validate(void *vp)
{
    het_res_params *p = vp;
    /* "-0" parses as -0.0: keep every parameter +0.0 */
    p->cap += 0.0;
    p->mu += 0.0;
    p->sigma += 0.0;
    p->sbar += 0.0;
    p->s0 += 0.0;
    if (!(p->cap > 0.0))
        return hetero_fail(HETERO_E_BADARG, "--capacity: expected a number > 0, got %g", p->cap);
    if (p->paths > HET_RES_MAX_ITEMS / p->steps)
        return hetero_fail(HETERO_E_BADARG,
                           "--paths: expected --paths x --steps at most 2^62 path-steps, got %" PRIu64
                           " x %" PRIu64,
                           p->paths, p->steps);
    if (!p->have_s0)
        p->s0 = p->cap;
    if (p->s0 > p->cap)
        return hetero_fail(HETERO_E_BADARG, "--initial: expected a number in [0, %g] (the capacity), got %g",
                           p->cap, p->s0);
    /* the picture's format comes from the name; this build must draw */
    if (p->plot && het_draw_check("--plot", p->plot) != HETERO_OK)
        return HETERO_E_BADARG;
    return HETERO_OK;
}

/* ---- plan -------------------------------------------------------------- */

/* Paths per grain: a power of two >= HET_RES_VL, from P and T only.
 * About 2^20 path-steps per grain (1024 paths when T <= 1024); halved
 * while the job would have fewer than 64 grains (so small jobs still
 * spread); doubled while the partials of all grains would pass
 * HET_RES_PARTIALS_BYTES or 2^20 grains. */
static uint64_t het__res_grain_paths(uint64_t P, uint64_t T, uint64_t psize)
{
    uint64_t g = 1024;
    while (g > HET_RES_VL && g * T > (UINT64_C(1) << 20))
        g /= 2;
    while (g > HET_RES_VL && reservoir_ceil_div(P, g) < 64)
        g /= 2;
    uint64_t max_grains = HET_RES_PARTIALS_BYTES / psize;
    if (max_grains > HET_RES_MAX_GRAINS)
        max_grains = HET_RES_MAX_GRAINS;
    if (max_grains < 1)
        max_grains = 1;
    while (reservoir_ceil_div(P, g) > max_grains)
        g *= 2;
    return g;
}

static int het__res_plan(hetero_job *job)
{
    const het_res_params *p = hetero_job_params(job);
    het_res_state *s = calloc(1, sizeof *s);
    if (!s)
        return hetero_fail(HETERO_E_NOMEM, "reservoir: out of memory planning the job");
    s->nbins = het_res_rel_nbins(p->steps);
    s->ntrace = het_res_trace_count(p->steps, p->trace || p->plot);
    s->tscale = (double)HET_RES_TRACE_INNER / p->cap;
    s->model.cap = p->cap;
    s->model.mu = p->mu;
    s->model.sigma = p->sigma;
    s->model.sbar = p->sbar;
    s->model.s0 = p->s0;
    s->model.key0 = (het_u32)hetero_job_seed(job);
    s->model.key1 = (het_u32)(hetero_job_seed(job) >> 32);
    const size_t psize = (size_t)het_res_partial_size(s->nbins, s->ntrace);
    s->grain_paths = het__res_grain_paths(p->paths, p->steps, psize);
    hetero_job_set_state(job, s);
    return hetero_job_set_grains(job, reservoir_ceil_div(p->paths, s->grain_paths), psize);
}

static void het__res_release(hetero_job *job)
{
    free(hetero_job_state(job));
    hetero_job_set_state(job, NULL);
}

uint64_t reservoir_items(const hetero_job *job, uint64_t g0, uint64_t n)
{
    const het_res_params *p = hetero_job_params(job);
    const het_res_state *s = hetero_job_state(job);
    uint64_t a = g0 * s->grain_paths, b = (g0 + n) * s->grain_paths;
    if (a > p->paths)
        a = p->paths;
    if (b > p->paths)
        b = p->paths;
    return (b - a) * p->steps;
}

/* ---- OpenCL ------------------------------------------------------------ */

/* Kernel arguments from index 4 (reservoir.cl):
 *   ulong P, ulong T, ulong grain_paths, double K, double mu, double sigma,
 *   double Sbar, double S0, uint key0, uint key1, uint nbins, uint ntrace,
 *   double tscale */
static size_t het__res_cl_args(const hetero_job *job, const hetero_cl_caps *caps, hetero_karg *a, size_t max)
{
    (void)caps;
    const het_res_params *p = hetero_job_params(job);
    const het_res_state *s = hetero_job_state(job);
    if (max < 13)
        return 0;
    a[0] = (hetero_karg){.kind = HETERO_KARG_U64, .v.u64 = p->paths};
    a[1] = (hetero_karg){.kind = HETERO_KARG_U64, .v.u64 = p->steps};
    a[2] = (hetero_karg){.kind = HETERO_KARG_U64, .v.u64 = s->grain_paths};
    a[3] = (hetero_karg){.kind = HETERO_KARG_F64, .v.f64 = s->model.cap};
    a[4] = (hetero_karg){.kind = HETERO_KARG_F64, .v.f64 = s->model.mu};
    a[5] = (hetero_karg){.kind = HETERO_KARG_F64, .v.f64 = s->model.sigma};
    a[6] = (hetero_karg){.kind = HETERO_KARG_F64, .v.f64 = s->model.sbar};
    a[7] = (hetero_karg){.kind = HETERO_KARG_F64, .v.f64 = s->model.s0};
    a[8] = (hetero_karg){.kind = HETERO_KARG_U32, .v.u32 = s->model.key0};
    a[9] = (hetero_karg){.kind = HETERO_KARG_U32, .v.u32 = s->model.key1};
    a[10] = (hetero_karg){.kind = HETERO_KARG_U32, .v.u32 = s->nbins};
    a[11] = (hetero_karg){.kind = HETERO_KARG_U32, .v.u32 = s->ntrace};
    a[12] = (hetero_karg){.kind = HETERO_KARG_F64, .v.f64 = s->tscale};
    return 13;
}

/* Any size works (the kernel's result does not depend on it); a power of
 * two up to HET_RES_MAX_LOCAL and no more than a grain's paths.  The
 * kernel's four fixed __local arrays (HET_RES_MAX_LOCAL doubles each) must
 * fit the device's local memory, as the other workloads' __local does:
 * a device with less is left out before any work, not retired at its
 * first launch. */
static int het__res_cl_fit(const hetero_job *job, const hetero_cl_caps *caps, size_t *local)
{
    const het_res_state *s = hetero_job_state(job);
    const size_t need = 4 * (size_t)HET_RES_MAX_LOCAL * sizeof(double);
    if (caps->local_mem < need)
        return hetero_fail(HETERO_E_NODEV, "needs %zu bytes of local memory, has %llu", need,
                           (unsigned long long)caps->local_mem);
    size_t l = HET_RES_MAX_LOCAL;
    while (l > 1 && (l > caps->max_wg || l > s->grain_paths))
        l /= 2;
    *local = l;
    return HETERO_OK;
}

/* ---- report ------------------------------------------------------------ */

#define HET_RES_F64(nm, val)                                                                                 \
    (hetero_field) { .name = nm, .kind = HETERO_FIELD_F64, .v.f64 = (val) }
#define HET_RES_U64(nm, val)                                                                                 \
    (hetero_field) { .name = nm, .kind = HETERO_FIELD_U64, .v.u64 = (val) }

static size_t het__res_result(const hetero_job *job, hetero_field *o, size_t max)
{
    const het_res_state *s = hetero_job_state(job);
    hetero_field f[] = {
        HET_RES_F64("mean_storage", s->mean_storage),
        HET_RES_F64("mean_storage_stderr", s->mean_storage_se),
        HET_RES_F64("final_storage_mean", s->final_mean),
        HET_RES_F64("final_storage_mean_stderr", s->final_se),
        HET_RES_F64("shortfall_fraction", s->short_frac),
        HET_RES_F64("shortfall_fraction_stderr", s->short_se),
        HET_RES_F64("spill_fraction", s->spill_frac),
        HET_RES_F64("spill_fraction_stderr", s->spill_se),
        HET_RES_F64("reliability_p5", s->rel_p[0]),
        HET_RES_F64("reliability_p50", s->rel_p[1]),
        HET_RES_F64("reliability_p95", s->rel_p[2]),
        HET_RES_U64("shortfall_steps", s->short_steps),
        HET_RES_U64("spill_steps", s->spill_steps),
    };
    size_t n = sizeof f / sizeof f[0];
    if (n > max)
        n = max;
    memcpy(o, f, n * sizeof f[0]);
    return n;
}

static size_t het__res_params_fields(const hetero_job *job, hetero_field *o, size_t max)
{
    const het_res_params *p = hetero_job_params(job);
    const het_res_state *s = hetero_job_state(job);
    hetero_field f[11];
    size_t n = 0;
    f[n++] = HET_RES_U64("paths", p->paths);
    f[n++] = HET_RES_U64("steps", p->steps);
    f[n++] = HET_RES_F64("capacity", p->cap);
    f[n++] = HET_RES_F64("inflow_mean", p->mu);
    f[n++] = HET_RES_F64("inflow_sd", p->sigma);
    f[n++] = HET_RES_F64("release", p->sbar);
    f[n++] = HET_RES_F64("initial", p->s0);
    f[n++] = HET_RES_U64("seed", hetero_job_seed(job));
    if (s)
        f[n++] = HET_RES_U64("grain_paths", s->grain_paths);
    if (p->trace)
        f[n++] = (hetero_field){.name = "trace", .kind = HETERO_FIELD_STR, .v.str = p->trace};
    if (p->plot)
        f[n++] = (hetero_field){.name = "plot", .kind = HETERO_FIELD_STR, .v.str = p->plot};
    if (n > max)
        n = max;
    memcpy(o, f, n * sizeof f[0]);
    return n;
}

/* hetero-bench: about `items` path-steps as paths x 1000 steps (fewer
 * steps for a tiny job). */
static void het__res_bench_params(void *vp, double items)
{
    het_res_params *p = vp;
    p->steps = items < 1000.0 ? (items < 1.0 ? 1 : (uint64_t)items) : 1000;
    double paths = items / (double)p->steps;
    p->paths = paths < 1.0 ? 1 : paths > (double)HET_RES_MAX_PATHS ? HET_RES_MAX_PATHS : (uint64_t)paths;
}

const hetero_workload het_wl_reservoir = {
    .abi = HETERO_WORKLOAD_ABI,
    .possible = reservoir_possible,
    .name = "reservoir",
    .summary = "ensemble of stochastic reservoir paths: storage, shortfall, spill, reliability",
    .usage = "--paths P --steps T",
    .options = het__res_options,
    .params_size = sizeof(het_res_params),
    .item_name = "path-steps",
    .validate = het__res_validate,
    .plan = het__res_plan,
    .release = het__res_release,
    .items = reservoir_items,
    .cpu_batch = reservoir_cpu_batch,
    .kernel_source = het_kernel_reservoir,
    .kernel_name = "reservoir",
    .build_options = NULL,
    .cl_args = het__res_cl_args,
    .needs_fp64 = 1,
    .cl_fit = het__res_cl_fit,
    .merge = reservoir_merge,
    .result = het__res_result,
    .params_fields = het__res_params_fields,
    .bench_params = het__res_bench_params,
};
