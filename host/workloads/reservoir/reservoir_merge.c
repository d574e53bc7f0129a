/* reservoir_merge.c - the reservoir workload's partials: each one checked
 * (could its paths have made it?), then all added in grain order into the
 * means and standard errors, the shortfall and spill fractions and the
 * reliability percentiles; with traced steps, their sums and histograms
 * go on to the fan (reservoir_fan.c).  The quantiles of a histogram are
 * computed here for both.
 */
#include "hetero.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reservoir_job.h"

/* Value at 0-based rank i of a distribution given as a histogram, where
 * value(bin, c, n) places the c-th of the bin's n members. */
static double het__res_rank_value(const uint64_t *h, uint64_t nbins, uint64_t i, reservoir_binval val,
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
double reservoir_quantile(const uint64_t *h, uint64_t nbins, uint64_t N, double q, reservoir_binval val,
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
    uint64_t klo = reservoir_ceil_div(b * (ctx->T + 1), ctx->nbins);
    uint64_t khi = reservoir_ceil_div((b + 1) * (ctx->T + 1), ctx->nbins); /* exclusive */
    return (double)klo + ((double)c + 0.5) / (double)n * (double)(khi - klo) - 0.5;
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

/* x finite and within [0, hi] (hi widened by a few ulps of rounding). */
static int het__res_within(double x, double hi) { return isfinite(x) && x >= 0.0 && x <= hi * (1.0 + 1e-12); }

/* A grain's partial could come from its np paths of T steps, each S in
 * [0, K]: every sum within its bound, every count at most np * T, every
 * histogram holding np paths. */
int reservoir_possible(const hetero_job *job, uint64_t g, const void *partial)
{
    const het_res_params *p = hetero_job_params(job);
    const het_res_state *s = hetero_job_state(job);
    const unsigned char *q = partial;
    const uint64_t np = reservoir_items(job, g, 1) / p->steps;
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

int reservoir_merge(hetero_job *job, const void *partials)
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
        double kq = reservoir_quantile(rel, nb, p->paths, 1.0 - qs[i], het__res_rel_val, &ctx);
        s->rel_p[i] = 1.0 - kq / T;
    }
    if (nt > 0)
        rc = reservoir_outputs(job, tsum, thist);
out:
    free(rel);
    free(tsum);
    free(thist);
    return rc;
}
