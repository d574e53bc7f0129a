/* run.c - hetero-bench's measurements: one engine run of a workload on a
 * device set (bench_job: collective, the slowest rank's times, the fields
 * it reports copied when asked), the copies of those fields, and one row
 * timed: the calibration that sizes its job, the timed repeats and their
 * statistics, and the second measurement of a row that looks noisy.
 */
#include "bench.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "par.h"

/* Probes start here and grow; no job is sized beyond BENCH_MAX_ITEMS, so a
 * workload too fast to time cannot ask for an absurd one. */
#define BENCH_PROBE_ITEMS 1e5
#define BENCH_MAX_PROBES 10

/* ---- fields ------------------------------------------------------------- */

void bench_fields_copy(bench_fields *dst, const hetero_field *src, size_t n)
{
    if (n > HETERO_MAX_FIELDS)
        n = HETERO_MAX_FIELDS;
    dst->n = n;
    for (size_t i = 0; i < n; i++) {
        dst->f[i] = src[i];
        if (src[i].kind == HETERO_FIELD_STR)
            dst->f[i].v.str = strdup(src[i].v.str ? src[i].v.str : "");
    }
}

void bench_fields_free(bench_fields *f)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->f[i].kind == HETERO_FIELD_STR)
            free((char *)f->f[i].v.str);
    f->n = 0;
}

size_t bench_fields_diff(const bench_fields *a, const bench_fields *b)
{
    size_t n = a->n > b->n ? a->n : b->n;
    for (size_t i = 0; i < n; i++) {
        if (i >= a->n || i >= b->n)
            return i + 1;
        const hetero_field *x = &a->f[i], *y = &b->f[i];
        if (x->kind != y->kind || strcmp(x->name, y->name) != 0)
            return i + 1;
        int same;
        switch (x->kind) {
        case HETERO_FIELD_U64: same = x->v.u64 == y->v.u64; break;
        case HETERO_FIELD_I64: same = x->v.i64 == y->v.i64; break;
        /* bit for bit: contract 1 promises the same bits, and NaN != NaN */
        case HETERO_FIELD_F64: same = memcmp(&x->v.f64, &y->v.f64, sizeof(double)) == 0; break;
        default: same = strcmp(x->v.str, y->v.str) == 0; break;
        }
        if (!same)
            return i + 1;
    }
    return 0;
}

/* ---- one engine run ----------------------------------------------------- */

int bench_job(const hetero_workload *wl, double items, uint64_t seed, const bench_set *s, int want_fields,
              bench_result *r)
{
    memset(r, 0, sizeof *r);
    hetero_job job;
    int rc = het_job_init(&job, wl);
    if (rc == HETERO_OK) {
        job.seed = seed;
        wl->bench_params(job.params, items);
        rc = het_job_plan(&job);
    }
    /* plan runs on every rank; should one rank fail (memory), all stop */
    char msg[HETERO_MSG_MAX];
    snprintf(msg, sizeof msg, "%s", hetero_errmsg());
    rc = het_par_agree(rc, msg, sizeof msg);
    if (rc) {
        if (job.params)
            het_job_free(&job);
        return hetero_fail(rc, "%s", msg);
    }
    het_run_opts ro = {.devices = s->devices, .threads = s->threads, .progress = 0, .quiet = 1};
    hetero_report rep;
    rc = het_engine_run(&job, &ro, &rep);
    if (rc) {
        het_job_free(&job);
        return rc;
    }
    r->compute_s = het_par_max(rep.compute_s);
    r->wall_s = het_par_max(rep.wall_s);
    /* from the plan, not rep.items: the report's totals exist on rank 0
     * only, and every rank must size the next job from the same numbers */
    r->items = het_job_items(&job, 0, job.n_grains);
    r->digest = rep.digest;
    r->ranks = rep.n_ranks > 0 ? rep.n_ranks : het_par_size();
    for (size_t i = 0; i < rep.n_workers; i++) {
        const hetero_worker_stats *w = &rep.workers[i];
        if (w->rank == 0 && w->threads > 0)
            r->threads = w->threads;
        /* a device that failed or was left out: the row did not run on
         * everything its set names */
        if (!r->workers_note[0] && w->status[0] && strcmp(w->status, "ok") != 0)
            snprintf(r->workers_note, sizeof r->workers_note, "%s on rank %d %s%s%s", w->id, w->rank,
                     w->status, w->error[0] ? ": " : "", w->error);
    }
    if (want_fields && het_par_rank() == 0) {
        hetero_field f[HETERO_MAX_FIELDS];
        bench_fields_copy(&r->result, f, wl->result(&job, f, HETERO_MAX_FIELDS));
        bench_fields_copy(&r->params, f, het_job_params_fields(&job, f, HETERO_MAX_FIELDS));
    }
    het_report_free(&rep);
    het_job_free(&job);
    return HETERO_OK;
}

/* ---- a row timed -------------------------------------------------------- */

static int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double bench_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int bench_agree(int rc)
{
    char msg[HETERO_MSG_MAX];
    snprintf(msg, sizeof msg, "%s", hetero_errmsg());
    rc = het_par_agree(rc, msg, sizeof msg);
    return rc ? hetero_fail(rc, "%s", msg) : HETERO_OK;
}

/* Sizes one repeat of wl on s to about --seconds of compute.  A probe
 * grows (at most a hundredfold a step) until it takes a fifth of the
 * target, long enough that fixed costs no longer dominate its rate; that
 * size runs twice and the faster run counts, so one probe slowed by
 * another process does not shrink the timed job.  Rates use the items the
 * job really had (a workload may round the size bench_params was given). */
static int bench_calibrate(const bench *b, const hetero_workload *wl, const bench_set *s, double *items,
                           double *rate_out)
{
    double target = b->opt.seconds, n = BENCH_PROBE_ITEMS, rate = 0;
    for (int probe = 1;; probe++) {
        bench_result r;
        int rc = bench_job(wl, n, b->opt.seed, s, 0, &r);
        if (rc)
            return rc;
        double t = r.compute_s > 1e-6 ? r.compute_s : 1e-6;
        double got = r.items ? (double)r.items : n;
        if (t >= 0.2 * target || n >= BENCH_MAX_ITEMS || probe == BENCH_MAX_PROBES) {
            if ((rc = bench_job(wl, n, b->opt.seed, s, 0, &r)))
                return rc;
            if (r.compute_s > 1e-6 && r.compute_s < t)
                t = r.compute_s;
            rate = got / t;
            break;
        }
        double grow = 0.4 * target / t;
        n *= grow < 2 ? 2 : grow > 100 ? 100 : grow;
        if (n > BENCH_MAX_ITEMS)
            n = BENCH_MAX_ITEMS;
    }
    n = rate * target;
    *items = n < 1 ? 1 : n > BENCH_MAX_ITEMS ? BENCH_MAX_ITEMS : floor(n);
    *rate_out = rate;
    return HETERO_OK;
}

/* Spread of R repeats in %: (fastest - slowest items/s) over the median's
 * (the same items each time, so 1/min_s - 1/max_s over 1/median_s). */
static double bench_spread(double min_s, double median_s, double max_s, int R)
{
    if (R < 2 || !(min_s > 0) || !(max_s > 0) || !(median_s > 0))
        return NAN;
    return 100.0 * median_s * (1.0 / min_s - 1.0 / max_s);
}

/* Why a measurement is suspect, or NULL: its repeats spread more than
 * BENCH_NOISY_PCT, or their median items/s is that much below the rate the
 * calibration measured moments before on the same set (a row slowed all
 * along by another process spreads little, but falls short of it).  The
 * calibration's smaller job pays its fixed costs over fewer items, so it
 * is never faster for a reason of its own: the test is one-sided. */
static const char *bench_noise(const bench_row *row)
{
    if (row->spread_pct > BENCH_NOISY_PCT)
        return "spread";
    if (row->calib_rate > 0 && row->items_per_s < row->calib_rate * (1.0 - BENCH_NOISY_PCT / 100.0))
        return "slower than calibration";
    return NULL;
}

/* R timed repeats of the job of `items` on s into t[] and w[], checking
 * that every repeat gives the first one's digest.  The first repeat's
 * parameters and counts go into row. */
static int bench_repeats(bench *b, const hetero_workload *wl, const bench_set *s, const char *label,
                         double items, int round, double *t, double *w, bench_row *row)
{
    int R = b->opt.repeats, rc = HETERO_OK;
    uint64_t first_digest = 0;
    for (int k = 0; k < R && rc == HETERO_OK; k++) {
        bench_progress("%s on %s: %srepeat %d/%d", wl->name, label, round ? "again (spread), " : "", k + 1,
                       R);
        bench_result r;
        int first = k == 0 && round == 0;
        rc = bench_job(wl, items, b->opt.seed, s, first, &r);
        /* A compute phase of 0 s is not a time: the engine can report it
         * for a job that ends before it has noted the start of the phase
         * (a tiny job).  Run the repeat again, a few times at most; every
         * rank sees the same slowest-rank time, so all decide alike. */
        for (int again = 0; rc == HETERO_OK && !(r.compute_s > 0) && again < 3; again++) {
            if (first) {
                bench_fields_free(&r.result);
                bench_fields_free(&r.params);
            }
            rc = bench_job(wl, items, b->opt.seed, s, first, &r);
        }
        if (rc)
            break;
        t[k] = r.compute_s > 0 ? r.compute_s : r.wall_s;
        w[k] = r.wall_s;
        if (!row->workers_note[0] && r.workers_note[0])
            snprintf(row->workers_note, sizeof row->workers_note, "%s", r.workers_note);
        if (first) {
            row->items = r.items;
            row->threads = r.threads;
            row->ranks = r.ranks;
            row->params = r.params;
            bench_fields_free(&r.result);
        }
        if (k == 0) {
            first_digest = r.digest;
        } else if (het_par_rank() == 0 && r.digest != first_digest) {
            /* the same job on the same set: anything else is a bug */
            rc = hetero_fail(HETERO_E_RUNTIME,
                             "self-check failed: %s on %s: repeat %d gives digest %016llx, "
                             "repeat 1 gave %016llx for the same job",
                             wl->name, s->name, k + 1, (unsigned long long)r.digest,
                             (unsigned long long)first_digest);
        }
        rc = bench_agree(rc);
    }
    return rc;
}

/* The row's statistics from R repeats. */
static void bench_row_stats(bench_row *row, double *t, double *w, int R)
{
    row->min_s = t[0];
    row->max_s = t[0];
    for (int k = 1; k < R; k++) {
        row->min_s = t[k] < row->min_s ? t[k] : row->min_s;
        row->max_s = t[k] > row->max_s ? t[k] : row->max_s;
    }
    row->median_s = bench_median(t, R);
    row->wall_median_s = bench_median(w, R);
    double n = (double)row->items;
    row->items_per_s = row->median_s > 0 ? n / row->median_s : NAN;
    row->items_per_s_min = row->max_s > 0 ? n / row->max_s : NAN;
    row->items_per_s_max = row->min_s > 0 ? n / row->min_s : NAN;
    row->spread_pct = bench_spread(row->min_s, row->median_s, row->max_s, R);
}

int bench_time_row(bench *b, const hetero_workload *wl, size_t set, const bench_check *c, bench_row *row)
{
    const bench_set *s = &b->sets[set];
    char label[128];
    bench_progress_label(s, label, sizeof label);
    bench_progress("%s on %s: sizing", wl->name, label);
    double items, calib_rate = NAN;
    int rc = bench_calibrate(b, wl, s, &items, &calib_rate);
    if (rc)
        return rc;
    int R = b->opt.repeats;
    double *t = calloc((size_t)R, sizeof *t), *w = calloc((size_t)R, sizeof *w);
    if (!t || !w) {
        free(t);
        free(w);
        return hetero_fail(HETERO_E_NOMEM, "out of memory for %d repeats", R);
    }
    memset(row, 0, sizeof *row);
    row->wl = wl;
    row->set = set;
    row->repeats = R;
    row->digest = c->digest;
    row->speedup = row->coexec = NAN;
    row->first_spread_pct = NAN;
    row->calib_rate = calib_rate;
    rc = bench_repeats(b, wl, s, label, items, 0, t, w, row);
    if (rc == HETERO_OK)
        bench_row_stats(row, t, w, R);
    /* A suspect measurement: another process, a frequency change, a cold
     * cache.  Measured once more (the same job); the second measurement is
     * the row's, and if it is suspect too the row is noisy.  Every rank
     * decides alike: the times are the slowest rank's, the calibration
     * every rank's. */
    if (rc == HETERO_OK && (row->noise = bench_noise(row)) != NULL) {
        row->remeasured = 1;
        row->first_spread_pct = row->spread_pct;
        rc = bench_repeats(b, wl, s, label, items, 1, t, w, row);
        if (rc == HETERO_OK) {
            bench_row_stats(row, t, w, R);
            row->noise = bench_noise(row);
            row->noisy = row->noise != NULL;
        }
    }
    free(t);
    free(w);
    return rc;
}
