/* reservoir_fan.c - --trace and --plot of the reservoir workload: the fan
 * of storage over time (mean and quantiles of every traced step, from the
 * merged sums and histograms, and the sample paths recomputed on the host)
 * made into the trace CSV and the chart, both written or neither.
 */
#include "hetero.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "reservoir_job.h"

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
            f->q[i][k] = reservoir_quantile(h, HET_RES_TRACE_BINS, p->paths, het_fan_qs[k],
                                            het__res_trace_val, &s->model.cap);
    }
    reservoir_samples(&s->model, p->steps, f);
    return HETERO_OK;
}

/* --trace and --plot: the chart is drawn in memory first, then both files
 * are written to temporary files and renamed into place, so a chart that
 * cannot be made leaves no trace file behind either and an existing file
 * keeps its content. */

int reservoir_outputs(hetero_job *job, const double *tsum, const uint64_t *thist)
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
