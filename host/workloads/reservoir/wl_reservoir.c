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
 * CPU path: OpenMP over grains; inside a grain, HET_RES_VL paths at a time,
 * one vector lane per path (the step loop is branch-free so GCC vectorises
 * it, and target_clones picks AVX-512 or AVX2 at run time).  The lanes
 * compute exactly what het_res_advance() computes for one path, and the
 * per-path totals are combined in path order exactly as the kernel does.
 */
#include "hetero.h"
#include "wl_reservoir.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clones.h"
#include "draw.h"
#include "fan.h"
#include "reservoir_common.h"

extern const char het_kernel_reservoir[];

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

static uint64_t het__res_ceil_div(uint64_t a, uint64_t b) { return a / b + (a % b != 0); }

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
    while (g > HET_RES_VL && het__res_ceil_div(P, g) < 64)
        g /= 2;
    uint64_t max_grains = HET_RES_PARTIALS_BYTES / psize;
    if (max_grains > HET_RES_MAX_GRAINS)
        max_grains = HET_RES_MAX_GRAINS;
    if (max_grains < 1)
        max_grains = 1;
    while (het__res_ceil_div(P, g) > max_grains)
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
    return hetero_job_set_grains(job, het__res_ceil_div(p->paths, s->grain_paths), psize);
}

static void het__res_release(hetero_job *job)
{
    free(hetero_job_state(job));
    hetero_job_set_state(job, NULL);
}

static uint64_t het__res_items(const hetero_job *job, uint64_t g0, uint64_t n)
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

/* ---- the CPU path: HET_RES_VL paths, one lane each ----------------------- */

typedef struct het_res_lanes {
    double s[HET_RES_VL], sum[HET_RES_VL], nshort[HET_RES_VL], nspill[HET_RES_VL];
} het_res_lanes;

/* Z[2j], Z[2j+1] for paths p0 .. p0+VL-1.  Philox4x32-10 written out on
 * lane arrays (the same rounds as Random123's philox4x32_R(HET_PHILOX_ROUNDS, ...), which
 * the scalar path uses; test_reservoir checks they agree bit for bit). */
static inline void het__res_pair_lanes(uint64_t p0, het_u32 j, het_u32 key0, het_u32 key1,
                                       double *restrict z0, double *restrict z1)
{
    /* Words are kept in 64-bit lanes (values below 2^32) so that the
     * 32x32->64 multiplies map onto vpmuludq without reshuffling. */
    uint64_t w0[HET_RES_VL], w1[HET_RES_VL], w2[HET_RES_VL], w3[HET_RES_VL];
    const uint64_t lo32 = 0xffffffffu;
    for (int l = 0; l < HET_RES_VL; l++) {
        uint64_t p = p0 + (uint64_t)l;
        uint64_t c0 = j, c1 = p & lo32, c2 = p >> 32, c3 = HET_RES_TAG;
        uint64_t k0 = key0, k1 = key1;
#pragma GCC unroll 10
        for (int r = 0; r < HET_PHILOX_ROUNDS; r++) {
            uint64_t m0 = UINT64_C(0xD2511F53) * (c0 & lo32);
            uint64_t m1 = UINT64_C(0xCD9E8D57) * (c2 & lo32);
            uint64_t n0 = (m1 >> 32) ^ c1 ^ k0;
            uint64_t n2 = (m0 >> 32) ^ c3 ^ k1;
            c1 = m1 & lo32;
            c3 = m0 & lo32;
            c0 = n0;
            c2 = n2;
            k0 = (k0 + 0x9E3779B9u) & lo32;
            k1 = (k1 + 0xBB67AE85u) & lo32;
        }
        w0[l] = c0;
        w1[l] = c1;
        w2[l] = c2;
        w3[l] = c3;
    }
    for (int l = 0; l < HET_RES_VL; l++)
        het_res_normals(w0[l], w1[l], w2[l], w3[l], &z0[l], &z1[l]);
}

static inline void het__res_step_lanes(het_res_lanes *restrict L, const double *restrict z,
                                       const het_res_model *m)
{
    const double cap = m->cap, mu = m->mu, sigma = m->sigma, sbar = m->sbar;
    for (int l = 0; l < HET_RES_VL; l++)
        het_res_step(&L->s[l], &L->sum[l], &L->nshort[l], &L->nspill[l], z[l], cap, mu, sigma, sbar);
}

/* het_res_advance() for VL paths at once: the same pairs, the same steps. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(HET_RES_NO_CLONES)
HET_CLONES("arch=x86-64-v4", "avx2", "default")
#endif
static void het__res_advance_lanes(het_res_lanes *L, uint64_t p0, uint64_t t0, uint64_t t1,
                                   const het_res_model *m)
{
    double z0[HET_RES_VL], z1[HET_RES_VL];
    uint64_t t = t0;
    if ((t & 1u) && t < t1) {
        het__res_pair_lanes(p0, (het_u32)(t >> 1), m->key0, m->key1, z0, z1);
        het__res_step_lanes(L, z1, m);
        t++;
    }
    for (; t + 1 < t1; t += 2) {
        het__res_pair_lanes(p0, (het_u32)(t >> 1), m->key0, m->key1, z0, z1);
        het__res_step_lanes(L, z0, m);
        het__res_step_lanes(L, z1, m);
    }
    if (t < t1) {
        het__res_pair_lanes(p0, (het_u32)(t >> 1), m->key0, m->key1, z0, z1);
        het__res_step_lanes(L, z0, m);
    }
}

/* Steps [t0, t1) in pieces of RES_PIECE steps (a grain of 32 paths may
 * have billions), stopping between two once the run no longer needs the
 * batch; returns 1 then.  Advancing from any step gives the same bits as
 * one call (an odd t0 draws its pair again). */
#define RES_PIECE (UINT64_C(1) << 18)

static int het__res_advance_polled(het_res_lanes *L, uint64_t p0, uint64_t t0, uint64_t t1,
                                   const het_res_model *m, const hetero_job *job)
{
    while (t0 < t1) {
        if (hetero_job_abandoned(job))
            return 1;
        uint64_t t = t1 - t0 > RES_PIECE ? t0 + RES_PIECE : t1;
        het__res_advance_lanes(L, p0, t0, t, m);
        t0 = t;
    }
    return 0;
}

/* Runs paths p0 .. p0+VL-1 over all T steps; with nt > 0 records S at the
 * traced steps into tv[i][lane].  Returns 1 when it stopped early
 * (het__res_advance_polled). */
static int het__res_chunk(const het_res_model *m, uint64_t p0, uint64_t T, het_u32 nt, het_res_lanes *L,
                          double (*tv)[HET_RES_VL], const hetero_job *job)
{
    for (int l = 0; l < HET_RES_VL; l++) {
        L->s[l] = m->s0;
        L->sum[l] = L->nshort[l] = L->nspill[l] = 0.0;
    }
    if (nt == 0)
        return het__res_advance_polled(L, p0, 0, T, m, job);
    for (int l = 0; l < HET_RES_VL; l++)
        tv[0][l] = m->s0;
    uint64_t t0 = 0;
    for (het_u32 i = 1; i < nt; i++) {
        uint64_t t1 = het_res_trace_step(i, nt, T);
        if (het__res_advance_polled(L, p0, t0, t1, m, job))
            return 1;
        for (int l = 0; l < HET_RES_VL; l++)
            tv[i][l] = L->s[l];
        t0 = t1;
    }
    return 0;
}

/* The first ns paths (ns <= HET_RES_VL) at every step 0..T, handed to the
 * fan (its sample paths, and their values at the traced steps).  The same
 * pairs and steps as het__res_advance_lanes() from t = 0, so the same bits
 * as the grains computed. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(HET_RES_NO_CLONES)
HET_CLONES("arch=x86-64-v4", "avx2", "default")
#endif
static void het__res_samples(const het_res_model *m, uint64_t T, het_fan *f)
{
    het_res_lanes L;
    double z0[HET_RES_VL], z1[HET_RES_VL];
    for (int l = 0; l < HET_RES_VL; l++) {
        L.s[l] = m->s0;
        L.sum[l] = L.nshort[l] = L.nspill[l] = 0.0;
    }
    uint32_t next = 0; /* the next traced step */
    for (uint64_t t = 0;; t++) {
        for (int k = 0; k < f->ns; k++)
            het_fan_sample(f, k, t, L.s[k]);
        if (next < f->nt && f->step[next] == t) {
            for (int k = 0; k < f->ns; k++)
                f->traced[next][k] = L.s[k];
            next++;
        }
        if (t == T)
            break;
        if ((t & 1u) == 0) {
            het__res_pair_lanes(0, (het_u32)(t >> 1), m->key0, m->key1, z0, z1);
            het__res_step_lanes(&L, z0, m);
        } else {
            het__res_step_lanes(&L, z1, m);
        }
    }
}

static void het__res_put_f64(unsigned char *dst, double v) { memcpy(dst, &v, 8); }
static void het__res_put_u64(unsigned char *dst, uint64_t v) { memcpy(dst, &v, 8); }

/* One grain's partial (layout in reservoir_common.h); returns 1 when it
 * stopped early (the run no longer needs it). */
static int het__res_grain(const hetero_job *job, uint64_t g, unsigned char *out)
{
    const het_res_params *p = hetero_job_params(job);
    const het_res_state *s = hetero_job_state(job);
    const het_res_model *m = &s->model;
    const het_u32 nb = s->nbins, nt = s->ntrace;
    uint64_t begin = g * s->grain_paths, end = begin + s->grain_paths;
    if (end > p->paths)
        end = p->paths;

    memset(out, 0, hetero_job_partial_size(job));
    het_u32 *rel = (het_u32 *)(void *)(out + HET_RES_HDR_BYTES);
    double *tsum = (double *)(void *)(out + het_res_off_tsum(nb));
    het_u32 *thist = (het_u32 *)(void *)(out + het_res_off_thist(nb, nt));
    het_res_acc acc = {0, 0, 0, 0, 0, 0, 0, 0};
    het_res_lanes L;
    double tv[HET_RES_TRACE_MAX][HET_RES_VL];

    for (uint64_t p0 = begin; p0 < end; p0 += HET_RES_VL) {
        int nact = end - p0 < HET_RES_VL ? (int)(end - p0) : HET_RES_VL;
        if (het__res_chunk(m, p0, p->steps, nt, &L, tv, job))
            return 1;
        for (int l = 0; l < nact; l++) { /* path order */
            het_res_acc_add(&acc, L.sum[l], L.s[l], L.nshort[l], L.nspill[l]);
            rel[het_res_rel_bin((uint64_t)L.nshort[l], p->steps, nb)]++;
        }
        for (het_u32 i = 0; i < nt; i++) {
            for (int l = 0; l < nact; l++) {
                tsum[i] += tv[i][l];
                thist[i * HET_RES_TRACE_BINS + het_res_trace_bin(tv[i][l], m->cap, s->tscale)]++;
            }
        }
    }
    het__res_put_f64(out + 0, acc.sum);
    het__res_put_f64(out + 8, acc.sum2);
    het__res_put_f64(out + 16, acc.fin);
    het__res_put_f64(out + 24, acc.fin2);
    het__res_put_u64(out + 32, (uint64_t)acc.nshort);
    het__res_put_f64(out + 40, acc.nshort2);
    het__res_put_u64(out + 48, (uint64_t)acc.nspill);
    het__res_put_f64(out + 56, acc.nspill2);
    return 0;
}

static int het__res_cpu_batch(const hetero_job *job, uint64_t g0, uint64_t n, void *out, int nthreads)
{
    unsigned char *base = out;
    const size_t psize = hetero_job_partial_size(job);
    int dropped = 0;
    if (nthreads < 1)
        nthreads = 1;
        /* Grains are independent; dynamic scheduling because the last grain
     * may be short. */
#pragma omp parallel for num_threads(nthreads) schedule(dynamic, 1)
    for (uint64_t i = 0; i < n; i++)
        if (het__res_grain(job, g0 + i, base + i * psize)) {
#pragma omp atomic write
            dropped = 1;
        }
    return dropped ? HETERO_E_INTERRUPTED : HETERO_OK;
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

/* ---- merge ------------------------------------------------------------- */

/* Value at 0-based rank i of a distribution given as a histogram, where
 * value(bin, c, n) places the c-th of the bin's n members. */
typedef double (*het__res_binval)(const void *ctx, uint64_t bin, uint64_t c, uint64_t n);

static double het__res_rank_value(const uint64_t *h, uint64_t nbins, uint64_t i, het__res_binval val,
                                  const void *ctx)
{
    uint64_t cum = 0;
    for (uint64_t b = 0; b < nbins; b++) {
        if (i < cum + h[b])
            return val(ctx, b, i - cum, h[b]);
        cum += h[b];
    }
    return val(ctx, nbins - 1, 0, 1); /* not reached for i < total */
}

/* Quantile q of N values by linear interpolation between order statistics
 * (rank h = q (N - 1), as numpy's default "linear" method). */
static double het__res_quantile(const uint64_t *h, uint64_t nbins, uint64_t N, double q, het__res_binval val,
                                const void *ctx)
{
    double pos = q * (double)(N - 1);
    uint64_t lo = (uint64_t)pos;
    double frac = pos - (double)lo;
    double a = het__res_rank_value(h, nbins, lo, val, ctx);
    if (frac == 0.0 || lo + 1 >= N)
        return a;
    double b = het__res_rank_value(h, nbins, lo + 1, val, ctx);
    return a + frac * (b - a);
}

typedef struct het__res_relctx {
    uint64_t T;
    uint64_t nbins;
} het__res_relctx;

/* Shortfall count of a member of a reliability bin: exact when bins are
 * counts; otherwise the bin's counts k_lo .. k_hi are shared out evenly. */
static double het__res_rel_val(const void *vctx, uint64_t b, uint64_t c, uint64_t n)
{
    const het__res_relctx *ctx = vctx;
    if (ctx->nbins == ctx->T + 1)
        return (double)b;
    uint64_t klo = het__res_ceil_div(b * (ctx->T + 1), ctx->nbins);
    uint64_t khi = het__res_ceil_div((b + 1) * (ctx->T + 1), ctx->nbins); /* exclusive */
    return (double)klo + ((double)c + 0.5) / (double)n * (double)(khi - klo) - 0.5;
}

static double het__res_trace_val(const void *vctx, uint64_t b, uint64_t c, uint64_t n)
{
    double cap = *(const double *)vctx;
    if (b == 0)
        return 0.0;
    if (b == HET_RES_TRACE_BINS - 1)
        return cap;
    double w = cap / HET_RES_TRACE_INNER;
    return (double)(b - 1) * w + ((double)c + 0.5) / (double)n * w;
}

/* Mean and standard error of per-path values x_p / scale, from sum x and
 * sum x^2 over N paths.  The error is NaN for a single path. */
static void het__res_mean_se(double sum, double sum2, uint64_t N, double scale, double *mean, double *se)
{
    double n = (double)N;
    double mx = sum / n;
    *mean = mx / scale;
    if (N < 2) {
        *se = NAN;
        return;
    }
    double var = (sum2 - n * mx * mx) / (n - 1.0);
    if (var < 0.0)
        var = 0.0; /* rounding when all paths agree */
    *se = sqrt(var / n) / scale;
}

static double het__res_get_f64(const unsigned char *src)
{
    double v;
    memcpy(&v, src, 8);
    return v;
}
static uint64_t het__res_get_u64(const unsigned char *src)
{
    uint64_t v;
    memcpy(&v, src, 8);
    return v;
}

static int het__res_outputs(hetero_job *job, const double *tsum, const uint64_t *thist);

/* x finite and within [0, hi] (hi widened by a few ulps of rounding). */
static int het__res_within(double x, double hi) { return isfinite(x) && x >= 0.0 && x <= hi * (1.0 + 1e-12); }

/* A grain's partial could come from its np paths of T steps, each S in
 * [0, K]: every sum within its bound, every count at most np * T, every
 * histogram holding np paths. */
static int het__res_possible(const hetero_job *job, uint64_t g, const void *partial)
{
    const het_res_params *p = hetero_job_params(job);
    const het_res_state *s = hetero_job_state(job);
    const unsigned char *q = partial;
    const uint64_t np = het__res_items(job, g, 1) / p->steps;
    const double n = (double)np, T = (double)p->steps, K = p->cap;
    if (!het__res_within(het__res_get_f64(q + 0), n * T * K) ||
        !het__res_within(het__res_get_f64(q + 8), n * (T * K) * (T * K)) ||
        !het__res_within(het__res_get_f64(q + 16), n * K) ||
        !het__res_within(het__res_get_f64(q + 24), n * K * K) || het__res_get_u64(q + 32) > np * p->steps ||
        !het__res_within(het__res_get_f64(q + 40), n * T * T) || het__res_get_u64(q + 48) > np * p->steps ||
        !het__res_within(het__res_get_f64(q + 56), n * T * T))
        return 0;
    uint64_t paths = 0;
    const het_u32 *r = (const het_u32 *)(const void *)(q + HET_RES_HDR_BYTES);
    for (het_u32 b = 0; b < s->nbins; b++)
        paths += r[b];
    if (paths != np)
        return 0;
    const double *ts = (const double *)(const void *)(q + het_res_off_tsum(s->nbins));
    const het_u32 *th = (const het_u32 *)(const void *)(q + het_res_off_thist(s->nbins, s->ntrace));
    for (het_u32 i = 0; i < s->ntrace; i++) {
        if (!het__res_within(ts[i], n * K))
            return 0;
        paths = 0;
        for (het_u32 b = 0; b < HET_RES_TRACE_BINS; b++)
            paths += th[(size_t)i * HET_RES_TRACE_BINS + b];
        if (paths != np)
            return 0;
    }
    return 1;
}

static int het__res_merge(hetero_job *job, const void *partials)
{
    const het_res_params *p = hetero_job_params(job);
    het_res_state *s = hetero_job_state(job);
    const unsigned char *base = partials;
    const het_u32 nb = s->nbins, nt = s->ntrace;
    double sum = 0, sum2 = 0, fin = 0, fin2 = 0, ns2 = 0, nsp2 = 0;
    uint64_t ns = 0, nsp = 0;
    uint64_t *rel = calloc(nb, sizeof *rel);
    double *tsum = calloc(nt + 1, sizeof *tsum);
    uint64_t *thist = calloc((size_t)nt * HET_RES_TRACE_BINS + 1, sizeof *thist);
    int rc = HETERO_OK;
    if (!rel || !tsum || !thist) {
        rc = hetero_fail(HETERO_E_NOMEM, "reservoir: out of memory merging partials");
        goto out;
    }
    for (uint64_t g = 0; g < hetero_job_grains(job); g++) { /* grain order */
        const unsigned char *q = base + g * hetero_job_partial_size(job);
        sum += het__res_get_f64(q + 0);
        sum2 += het__res_get_f64(q + 8);
        fin += het__res_get_f64(q + 16);
        fin2 += het__res_get_f64(q + 24);
        ns += het__res_get_u64(q + 32);
        ns2 += het__res_get_f64(q + 40);
        nsp += het__res_get_u64(q + 48);
        nsp2 += het__res_get_f64(q + 56);
        const het_u32 *r = (const het_u32 *)(const void *)(q + HET_RES_HDR_BYTES);
        for (het_u32 b = 0; b < nb; b++)
            rel[b] += r[b];
        const double *ts = (const double *)(const void *)(q + het_res_off_tsum(nb));
        const het_u32 *th = (const het_u32 *)(const void *)(q + het_res_off_thist(nb, nt));
        for (het_u32 i = 0; i < nt; i++)
            tsum[i] += ts[i];
        for (size_t i = 0; i < (size_t)nt * HET_RES_TRACE_BINS; i++)
            thist[i] += th[i];
    }
    const double T = (double)p->steps;
    het__res_mean_se(sum, sum2, p->paths, T, &s->mean_storage, &s->mean_storage_se);
    het__res_mean_se(fin, fin2, p->paths, 1.0, &s->final_mean, &s->final_se);
    het__res_mean_se((double)ns, ns2, p->paths, T, &s->short_frac, &s->short_se);
    het__res_mean_se((double)nsp, nsp2, p->paths, T, &s->spill_frac, &s->spill_se);
    s->short_steps = ns;
    s->spill_steps = nsp;
    /* Reliability 1 - k/T rises as k falls: its q-quantile is 1 - (the
     * (1-q)-quantile of k) / T, taken at the mirrored rank. */
    het__res_relctx ctx = {p->steps, nb};
    static const double qs[3] = {0.05, 0.50, 0.95}; /* reliability_p5, _p50, _p95 */
    for (int i = 0; i < 3; i++) {
        double kq = het__res_quantile(rel, nb, p->paths, 1.0 - qs[i], het__res_rel_val, &ctx);
        s->rel_p[i] = 1.0 - kq / T;
    }
    if (nt > 0)
        rc = het__res_outputs(job, tsum, thist);
out:
    free(rel);
    free(tsum);
    free(thist);
    return rc;
}

/* The fan: mean and quantiles of S at every traced step from the merged
 * sums and histograms, and the sample paths recomputed at every step. */
static int het__res_fan(const hetero_job *job, const double *tsum, const uint64_t *thist, het_fan *f)
{
    const het_res_params *p = hetero_job_params(job);
    const het_res_state *s = hetero_job_state(job);
    const het_u32 nt = s->ntrace;
    int ns = p->paths < HET_FAN_SAMPLES ? (int)p->paths : HET_FAN_SAMPLES;
    memset(f, 0, sizeof *f);
    f->paths = p->paths;
    f->steps = p->steps;
    f->seed = hetero_job_seed(job);
    f->cap = p->cap;
    f->mu = p->mu;
    f->sigma = p->sigma;
    f->sbar = p->sbar;
    f->s0 = p->s0;
    f->hist = thist;
    f->bins = HET_RES_TRACE_BINS;
    int rc = het_fan_alloc(f, nt, ns, p->steps);
    if (rc)
        return rc;
    for (het_u32 i = 0; i < nt; i++) {
        const uint64_t *h = thist + (size_t)i * HET_RES_TRACE_BINS;
        f->step[i] = het_res_trace_step(i, nt, p->steps);
        f->mean[i] = tsum[i] / (double)p->paths;
        for (int k = 0; k < HET_FAN_NQ; k++)
            f->q[i][k] = het__res_quantile(h, HET_RES_TRACE_BINS, p->paths, het_fan_qs[k], het__res_trace_val,
                                           &s->model.cap);
    }
    het__res_samples(&s->model, p->steps, f);
    return HETERO_OK;
}

/* --trace and --plot: the chart is drawn in memory first, then both files
 * are written to temporary files and renamed into place, so a chart that
 * cannot be made leaves no trace file behind either and an existing file
 * keeps its content. */

static int het__res_outputs(hetero_job *job, const double *tsum, const uint64_t *thist)
{
    const het_res_params *p = hetero_job_params(job);
    het_fan f;
    char *csv = NULL;
    size_t csv_len = 0, pic_len = 0;
    unsigned char *pic = NULL;
    int rc = het__res_fan(job, tsum, thist, &f);
    if (rc)
        return rc;
    if (p->trace)
        rc = het_fan_csv(&f, &csv, &csv_len);
    if (rc == HETERO_OK && p->plot) {
        het_draw *d = het_fan_draw(&f);
        rc = d ? het_draw_render(d, het_draw_format_of(p->plot), "--plot", &pic, &pic_len) : HETERO_E_NOMEM;
        het_draw_free(d);
    }
    het_fan_free(&f);
    /* the library renames both files into place only when both are whole */
    FILE *out;
    if (rc == HETERO_OK && p->plot && (out = hetero_job_output(job, "--plot"))) {
        errno = 0;
        if (fwrite(pic, 1, pic_len, out) != pic_len)
            rc = hetero_fail(HETERO_E_IO, "--plot: writing '%s': %s", p->plot,
                             errno ? strerror(errno) : "write error");
    }
    if (rc == HETERO_OK && p->trace && (out = hetero_job_output(job, "--trace"))) {
        errno = 0;
        if (fwrite(csv, 1, csv_len, out) != csv_len)
            rc = hetero_fail(HETERO_E_IO, "--trace: writing '%s': %s", p->trace,
                             errno ? strerror(errno) : "write error");
    }
    free(csv);
    free(pic);
    return rc;
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
    .possible = het__res_possible,
    .name = "reservoir",
    .summary = "ensemble of stochastic reservoir paths: storage, shortfall, spill, reliability",
    .usage = "--paths P --steps T",
    .options = het__res_options,
    .params_size = sizeof(het_res_params),
    .item_name = "path-steps",
    .validate = het__res_validate,
    .plan = het__res_plan,
    .release = het__res_release,
    .items = het__res_items,
    .cpu_batch = het__res_cpu_batch,
    .kernel_source = het_kernel_reservoir,
    .kernel_name = "reservoir",
    .build_options = NULL,
    .cl_args = het__res_cl_args,
    .needs_fp64 = 1,
    .cl_fit = het__res_cl_fit,
    .merge = het__res_merge,
    .result = het__res_result,
    .params_fields = het__res_params_fields,
    .bench_params = het__res_bench_params,
};
