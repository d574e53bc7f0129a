/* test_reservoir.c - the reservoir workload without the engine: options,
 * the stream and the normals, the model on cases worked by hand, and the
 * "same bits" contract of its CPU path (threads, batch splits, and the
 * scalar reference that the kernel runs).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <math.h>
#include <cmocka.h>

#include "wl_reservoir.h"
#include "workload.h"
#include "reservoir_common.h"

/* ---- a job driven through the workload interface ----------------------- */

typedef struct tjob {
    hetero_job job;
    unsigned char *partials;
} tjob;

/* Sets the options (NULL-terminated name/value pairs), validates and
 * plans; returns the first error code. */
static int tjob_setup(tjob *t, uint64_t seed, const char *const *opts)
{
    memset(t, 0, sizeof *t);
    assert_int_equal(het_job_init(&t->job, &het_wl_reservoir), HETERO_OK);
    t->job.seed = seed;
    for (size_t i = 0; opts[i]; i += 2) {
        int rc = hetero_job_set(&t->job, opts[i], opts[i + 1]);
        if (rc != HETERO_OK)
            return rc;
    }
    int rc = hetero_job_check(&t->job);
    if (rc != HETERO_OK)
        return rc;
    return het_wl_reservoir.plan(&t->job);
}

static void tjob_free(tjob *t)
{
    het_job_free(&t->job);
    free(t->partials);
}

/* Computes every grain in batches of `batch` grains with `threads` threads. */
static void tjob_compute(tjob *t, uint64_t batch, int threads)
{
    size_t ps = t->job.partial_size;
    t->partials = malloc(t->job.n_grains * ps);
    assert_non_null(t->partials);
    memset(t->partials, 0xA5, t->job.n_grains * ps); /* poison: unwritten bytes show */
    for (uint64_t g = 0; g < t->job.n_grains; g += batch) {
        uint64_t n = t->job.n_grains - g < batch ? t->job.n_grains - g : batch;
        assert_int_equal(het_wl_reservoir.cpu_batch(&t->job, g, n, t->partials + g * ps, threads), HETERO_OK);
    }
}

static void tjob_run(tjob *t, uint64_t seed, const char *const *opts, uint64_t batch, int threads)
{
    assert_int_equal(tjob_setup(t, seed, opts), HETERO_OK);
    tjob_compute(t, batch, threads);
    assert_int_equal(het_job_merge(&t->job, t->partials), HETERO_OK);
}

static hetero_field field(const tjob *t, const char *name)
{
    hetero_field f[HETERO_MAX_FIELDS];
    size_t n = het_wl_reservoir.result(&t->job, f, HETERO_MAX_FIELDS);
    for (size_t i = 0; i < n; i++)
        if (strcmp(f[i].name, name) == 0)
            return f[i];
    fail_msg("no result field %s", name);
    return f[0];
}

static double f64(const tjob *t, const char *name) { return field(t, name).v.f64; }

static uint64_t param_u64(const tjob *t, const char *name)
{
    hetero_field f[HETERO_MAX_FIELDS];
    size_t n = het_wl_reservoir.params_fields(&t->job, f, HETERO_MAX_FIELDS);
    for (size_t i = 0; i < n; i++)
        if (strcmp(f[i].name, name) == 0)
            return f[i].v.u64;
    fail_msg("no params field %s", name);
    return 0;
}

/* Reads a whole small file into a static buffer. */
static const char *slurp(const char *path)
{
    static char buf[1 << 16];
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

/* ---- the stream and the normals ---------------------------------------- */

/* The recipe of docs/random-streams.md, written out from Random123 and libm alone: it must
 * give what the workload draws (libm's log/cos/sin differ from ours in
 * the last bits at most, hence the tolerance). */
static void test_normals_follow_documented_recipe(void **st)
{
    (void)st;
    const uint64_t seed = 0x0123456789abcdefu;
    for (uint64_t p = 0; p < 40; p++) {
        uint64_t path = p * 0x100000001u; /* both halves of p in use */
        for (uint32_t j = 0; j < 50; j++) {
            philox4x32_ctr_t c = {{j, (uint32_t)path, (uint32_t)(path >> 32), 2}};
            philox4x32_key_t k = {{(uint32_t)seed, (uint32_t)(seed >> 32)}};
            philox4x32_ctr_t r = philox4x32(c, k);
            double u1 = ((double)(((uint64_t)r.v[0] << 21) | (r.v[1] >> 11)) + 1.0) / 9007199254740992.0;
            double u2 = (double)(((uint64_t)r.v[2] << 21) | (r.v[3] >> 11)) / 9007199254740992.0;
            assert_true(u1 > 0.0 && u1 <= 1.0 && u2 >= 0.0 && u2 < 1.0);
            double e0 = sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
            double e1 = sqrt(-2.0 * log(u1)) * sin(2.0 * M_PI * u2);
            double z0, z1;
            het_res_pair(path, j, (uint32_t)seed, (uint32_t)(seed >> 32), &z0, &z1);
            assert_true(fabs(z0 - e0) <= 1e-13 * (1.0 + fabs(e0)));
            assert_true(fabs(z1 - e1) <= 1e-13 * (1.0 + fabs(e1)));
        }
    }
}

/* u1 = 1 (all ones in r0 and the top of r1) gives z = 0 exactly; the
 * smallest u1 = 2^-53 gives the largest |z|. */
static void test_normals_extreme_words(void **st)
{
    (void)st;
    double z0, z1;
    het_res_normals(0xffffffffu, 0xffffffffu, 0, 0, &z0, &z1);
    assert_true(z0 == 0.0 && z1 == 0.0);
    het_res_normals(0, 0, 0, 0, &z0, &z1);
    assert_true(fabs(z0 - sqrt(106.0 * M_LN2)) < 1e-14 * z0);
    assert_true(z1 == 0.0);
    het_res_normals(0, 0, 0x40000000u, 0, &z0, &z1); /* u2 = 1/4 */
    assert_true(z0 == 0.0 && fabs(z1 - sqrt(106.0 * M_LN2)) < 1e-14 * z1);
}

/* 10^7 normals from the stream: mean, variance, third and fourth moments,
 * tail fractions and the correlation of the pair, each within 5 of its
 * standard errors. */
static void test_normals_statistics(void **st)
{
    (void)st;
    const long N = 10000000;
    double s1 = 0, s2 = 0, s3 = 0, s4 = 0, s01 = 0;
    long tail[4] = {0, 0, 0, 0}; /* |z| > 1, 2, 3, 4 */
    long neg = 0;
    for (long i = 0; i < N / 2; i++) {
        double z[2];
        het_res_pair((uint64_t)(i / 1000), (uint32_t)(i % 1000), 12345u, 678u, &z[0], &z[1]);
        s01 += z[0] * z[1];
        for (int k = 0; k < 2; k++) {
            double x = z[k], x2 = x * x;
            s1 += x;
            s2 += x2;
            s3 += x2 * x;
            s4 += x2 * x2;
            neg += x < 0;
            for (int a = 0; a < 4; a++)
                tail[a] += fabs(x) > a + 1;
        }
    }
    const double n = (double)N;
    assert_true(fabs(s1 / n) < 5.0 * sqrt(1.0 / n));
    assert_true(fabs(s2 / n - 1.0) < 5.0 * sqrt(2.0 / n));
    assert_true(fabs(s3 / n) < 5.0 * sqrt(15.0 / n));
    assert_true(fabs(s4 / n - 3.0) < 5.0 * sqrt(96.0 / n));
    assert_true(fabs(s01 / (n / 2)) < 5.0 * sqrt(1.0 / (n / 2)));
    assert_true(fabs(neg / n - 0.5) < 5.0 * sqrt(0.25 / n));
    for (int a = 0; a < 4; a++) {
        double p = erfc((a + 1) / M_SQRT2);
        double got = tail[a] / n;
        print_message("P(|Z| > %d): %.6g expected %.6g\n", a + 1, got, p);
        assert_true(fabs(got - p) < 5.0 * sqrt(p * (1 - p) / n));
    }
}

/* ---- the model, worked by hand ----------------------------------------- */

/* sigma = 0, mu = 50, Sbar = 70, K = 100, S0 = 100: the release takes 70
 * while there is 70 to take, the inflow brings 50, so storage runs
 * 100, 80, 60, 50, 50, ...; the release falls short from t = 2 on. */
static void test_deterministic_drawdown(void **st)
{
    (void)st;
    char csv[] = "/tmp/test_reservoir_trace_XXXXXX";
    int fd = mkstemp(csv);
    assert_true(fd >= 0);
    const char *opts[] = {"--paths",       "37",  "--steps",   "8",  "--inflow-sd", "0",
                          "--inflow-mean", "50",  "--release", "70", "--capacity",  "100",
                          "--initial",     "100", "--trace",   csv,  NULL};
    tjob t;
    tjob_run(&t, 99, opts, 1, 2);
    /* S[1..8] = 80, 60, 50 x 6 */
    assert_true(f64(&t, "mean_storage") == (80.0 + 60.0 + 6 * 50.0) / 8.0);
    assert_true(f64(&t, "mean_storage_stderr") == 0.0);
    assert_true(f64(&t, "final_storage_mean") == 50.0);
    assert_true(f64(&t, "shortfall_fraction") == 6.0 / 8.0); /* t = 2..7 */
    assert_true(f64(&t, "spill_fraction") == 0.0);
    assert_int_equal(field(&t, "shortfall_steps").v.u64, 37 * 6);
    assert_true(f64(&t, "reliability_p5") == 0.25);
    assert_true(f64(&t, "reliability_p50") == 0.25);
    assert_true(f64(&t, "reliability_p95") == 0.25);

    /* The trace: every step, the mean exact, the sample paths exact, the
     * percentiles within one histogram bin (K/256). */
    const double expect[9] = {100, 80, 60, 50, 50, 50, 50, 50, 50};
    const char *text = slurp(csv);
    const char *head = "step,mean,p5,p25,p50,p75,p95,path0,path1,path2,path3,path4\n";
    assert_true(strncmp(text, head, strlen(head)) == 0);
    const char *line = strchr(text, '\n') + 1;
    for (int i = 0; i <= 8; i++) {
        int step;
        double v[12];
        assert_int_equal(sscanf(line, "%d,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf", &step, &v[0], &v[1],
                                &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9], &v[10]),
                         12);
        assert_int_equal(step, i);
        assert_true(v[0] == expect[i]);
        for (int k = 1; k <= 5; k++) /* p5, p25, p50, p75, p95 */
            assert_true(fabs(v[k] - expect[i]) <= 100.0 / 256);
        for (int k = 6; k <= 10; k++) /* the sample paths */
            assert_true(v[k] == expect[i]);
        line = strchr(line, '\n') + 1;
    }
    assert_true(*line == 0);
    remove(csv);
    tjob_free(&t);
}

/* sigma = 0, mu = 90 > Sbar = 70: the reservoir stays full and spills
 * 20 every step; the release is always met. */
static void test_deterministic_spill(void **st)
{
    (void)st;
    const char *opts[] = {"--paths", "20", "--steps", "5", "--inflow-sd", "0", "--inflow-mean", "90", NULL};
    tjob t;
    tjob_run(&t, 1, opts, 3, 1);
    assert_true(f64(&t, "mean_storage") == 100.0);
    assert_true(f64(&t, "final_storage_mean") == 100.0);
    assert_true(f64(&t, "spill_fraction") == 1.0);
    assert_true(f64(&t, "shortfall_fraction") == 0.0);
    assert_true(f64(&t, "reliability_p5") == 1.0);
    assert_int_equal(field(&t, "spill_steps").v.u64, 100);
    tjob_free(&t);
}

/* An empty reservoir with no inflow never releases anything. */
static void test_deterministic_empty(void **st)
{
    (void)st;
    const char *opts[] = {"--paths",       "3", "--steps",   "4", "--inflow-sd", "0",
                          "--inflow-mean", "0", "--initial", "0", NULL};
    tjob t;
    tjob_run(&t, 1, opts, 1, 1);
    assert_true(f64(&t, "mean_storage") == 0.0);
    assert_true(f64(&t, "shortfall_fraction") == 1.0);
    assert_true(f64(&t, "reliability_p95") == 0.0);
    tjob_free(&t);
}

/* ---- same bits --------------------------------------------------------- */

/* Every grain's partial equals one computed path by path with the scalar
 * het_res_advance() (Random123's philox, the code the kernel runs) and
 * combined in path order: so the host's lane code and the kernel agree.
 * Odd T and a trace (stretches that start on odd steps) included. */
static void check_against_scalar(const char *paths, const char *steps, int trace)
{
    char csv[] = "/tmp/test_reservoir_trace_XXXXXX";
    int fd = mkstemp(csv);
    assert_true(fd >= 0);
    const char *opts[] = {"--paths", paths, "--steps", steps, "--trace", csv, NULL};
    if (!trace)
        opts[4] = NULL;
    tjob t;
    const uint64_t seed = 0xfeedface12345678u;
    assert_int_equal(tjob_setup(&t, seed, opts), HETERO_OK);
    tjob_compute(&t, 5, 2);
    const uint64_t P = strtoull(paths, NULL, 10), T = strtoull(steps, NULL, 10);
    const uint64_t G = param_u64(&t, "grain_paths");
    const het_u32 nb = het_res_rel_nbins(T), nt = het_res_trace_count(T, trace);
    assert_int_equal(t.job.partial_size, het_res_partial_size(nb, nt));
    het_res_model m = {100.0, 70.0, 70.0, 70.0, 100.0, (uint32_t)seed, (uint32_t)(seed >> 32)};
    unsigned char *want = calloc(1, t.job.partial_size);
    for (uint64_t g = 0; g < t.job.n_grains; g++) {
        memset(want, 0, t.job.partial_size);
        het_res_acc acc = {0, 0, 0, 0, 0, 0, 0, 0};
        uint32_t *rel = (uint32_t *)(void *)(want + HET_RES_HDR_BYTES);
        double *tsum = (double *)(void *)(want + het_res_off_tsum(nb));
        uint32_t *thist = (uint32_t *)(void *)(want + het_res_off_thist(nb, nt));
        for (uint64_t p = g * G; p < (g + 1) * G && p < P; p++) {
            het_res_path ps = {100.0, 0, 0, 0};
            uint64_t t0 = 0;
            for (het_u32 i = 0; i < (nt ? nt : 2); i++) {
                uint64_t t1 = nt ? het_res_trace_step(i, nt, T) : (i ? T : 0);
                het_res_advance(&ps, p, t0, t1, &m);
                t0 = t1;
                if (nt) {
                    tsum[i] += ps.s;
                    thist[i * HET_RES_TRACE_BINS + het_res_trace_bin(ps.s, 100.0, 2.56)]++;
                }
            }
            het_res_acc_add(&acc, ps.sum, ps.s, ps.nshort, ps.nspill);
            rel[het_res_rel_bin((uint64_t)ps.nshort, T, nb)]++;
        }
        double d[8] = {acc.sum, acc.sum2, acc.fin, acc.fin2, 0, acc.nshort2, 0, acc.nspill2};
        uint64_t c[2] = {(uint64_t)acc.nshort, (uint64_t)acc.nspill};
        memcpy(d + 4, &c[0], 8);
        memcpy(d + 6, &c[1], 8);
        memcpy(want, d, sizeof d);
        assert_memory_equal(t.partials + g * t.job.partial_size, want, t.job.partial_size);
    }
    free(want);
    remove(csv);
    tjob_free(&t);
}

/* The trace's sample paths (recomputed on the host at every step for the
 * fan chart) are exactly the scalar model's paths 0..4 at the traced steps,
 * and the trace's mean is the scalar paths' mean. */
static void test_trace_sample_paths_match_scalar(void **st)
{
    (void)st;
    char csv[] = "/tmp/test_reservoir_trace_XXXXXX";
    int fd = mkstemp(csv);
    assert_true(fd >= 0);
    close(fd);
    const uint64_t seed = 0x1234abcdu, P = 9, T = 1001;
    const char *opts[] = {"--paths", "9", "--steps", "1001", "--trace", csv, NULL};
    tjob t;
    tjob_run(&t, seed, opts, 2, 2);
    het_res_model m = {100.0, 70.0, 70.0, 70.0, 100.0, (uint32_t)seed, (uint32_t)(seed >> 32)};
    const het_u32 nt = het_res_trace_count(T, 1);
    double want[HET_RES_TRACE_MAX][5], mean[HET_RES_TRACE_MAX] = {0};
    for (uint64_t p = 0; p < P; p++) {
        het_res_path ps = {100.0, 0, 0, 0};
        uint64_t t0 = 0;
        for (het_u32 i = 0; i < nt; i++) {
            uint64_t t1 = het_res_trace_step(i, nt, T);
            het_res_advance(&ps, p, t0, t1, &m);
            t0 = t1;
            if (p < 5)
                want[i][p] = ps.s;
            mean[i] += ps.s;
        }
    }
    const char *text = slurp(csv);
    const char *line = strchr(text, '\n') + 1;
    for (het_u32 i = 0; i < nt; i++) {
        unsigned long long step;
        double v[11];
        assert_int_equal(sscanf(line, "%llu,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf", &step, &v[0], &v[1],
                                &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9], &v[10]),
                         12);
        assert_int_equal(step, het_res_trace_step(i, nt, T));
        assert_true(v[0] == mean[i] / (double)P);
        assert_true(v[1] <= v[2] && v[2] <= v[3] && v[3] <= v[4] && v[4] <= v[5]);
        for (int k = 0; k < 5; k++)
            assert_true(v[6 + k] == want[i][k]);
        line = strchr(line, '\n') + 1;
    }
    assert_true(*line == 0);
    remove(csv);
    tjob_free(&t);
}

static void test_lanes_match_scalar_reference(void **st)
{
    (void)st;
    check_against_scalar("1000", "101", 0); /* odd T, 63 grains of 16 */
    check_against_scalar("77", "9", 1);     /* every step traced */
    check_against_scalar("300", "1001", 1); /* 65 traced steps, odd gaps */
    check_against_scalar("40", "2000", 0);  /* binned reliability */
}

/* The partials and the result do not depend on the thread count or on how
 * the grains are cut into batches. */
static void test_same_bits_across_threads_and_batches(void **st)
{
    (void)st;
    const char *opts[] = {"--paths", "5000", "--steps", "64", NULL};
    tjob a, b, c;
    tjob_run(&a, 7, opts, 1000, 1);
    tjob_run(&b, 7, opts, 1, 2);
    tjob_run(&c, 7, opts, 7, 2);
    assert_true(a.job.n_grains > 8);
    size_t bytes = a.job.n_grains * a.job.partial_size;
    assert_memory_equal(a.partials, b.partials, bytes);
    assert_memory_equal(a.partials, c.partials, bytes);
    hetero_field fa[HETERO_MAX_FIELDS], fb[HETERO_MAX_FIELDS];
    size_t na = het_wl_reservoir.result(&a.job, fa, HETERO_MAX_FIELDS);
    size_t nb = het_wl_reservoir.result(&b.job, fb, HETERO_MAX_FIELDS);
    assert_int_equal(na, nb);
    assert_memory_equal(fa, fb, na * sizeof fa[0]);
    tjob_free(&a);
    tjob_free(&b);
    tjob_free(&c);
}

/* A different seed gives a different result; the same seed the same. */
static void test_seed_changes_result(void **st)
{
    (void)st;
    const char *opts[] = {"--paths", "500", "--steps", "20", NULL};
    tjob a, b;
    tjob_run(&a, 1, opts, 4, 1);
    tjob_run(&b, 2, opts, 4, 1);
    assert_true(f64(&a, "mean_storage") != f64(&b, "mean_storage"));
    tjob_free(&a);
    tjob_free(&b);
}

/* The tutorial's defaults: results are plausible and agree with their
 * standard errors between two independent seeds. */
static void test_defaults_statistics(void **st)
{
    (void)st;
    const char *opts[] = {"--paths", "20000", "--steps", "50", NULL};
    tjob a, b;
    tjob_run(&a, 11, opts, 16, 2);
    tjob_run(&b, 12, opts, 16, 2);
    const char *names[] = {"mean_storage", "final_storage_mean", "shortfall_fraction", "spill_fraction"};
    for (int i = 0; i < 4; i++) {
        char se[64];
        snprintf(se, sizeof se, "%s_stderr", names[i]);
        double d = f64(&a, names[i]) - f64(&b, names[i]);
        double s = hypot(f64(&a, se), f64(&b, se));
        print_message("%s: %.6f +- %.6f\n", names[i], f64(&a, names[i]), f64(&a, se));
        assert_true(s > 0.0);
        assert_true(fabs(d) < 5.0 * s);
    }
    double m = f64(&a, "mean_storage");
    assert_true(m > 0.0 && m < 100.0);
    assert_true(f64(&a, "reliability_p5") <= f64(&a, "reliability_p50"));
    assert_true(f64(&a, "reliability_p50") <= f64(&a, "reliability_p95"));
    tjob_free(&a);
    tjob_free(&b);
}

/* ---- plan -------------------------------------------------------------- */

static void test_grains_depend_on_job_only(void **st)
{
    (void)st;
    const char *opts[] = {"--paths", "1e6", "--steps", "100", NULL};
    tjob t;
    assert_int_equal(tjob_setup(&t, 1, opts), HETERO_OK);
    uint64_t G = param_u64(&t, "grain_paths");
    assert_true(G >= 16 && (G & (G - 1)) == 0);
    assert_int_equal(t.job.n_grains, (1000000 + G - 1) / G);
    assert_int_equal(het_wl_reservoir.items(&t.job, 0, t.job.n_grains), 100000000u);
    assert_int_equal(het_wl_reservoir.items(&t.job, t.job.n_grains - 1, 1),
                     (1000000 - (t.job.n_grains - 1) * G) * 100);
    assert_true(t.job.n_grains * t.job.partial_size <= (1u << 27));
    tjob_free(&t);
}

/* The kernel's fixed __local arrays are checked against the device, as
 * the other workloads' local memory is: too little leaves it out. */
static void test_cl_fit_checks_local_memory(void **st)
{
    (void)st;
    const char *opts[] = {"--paths", "1e5", "--steps", "10", NULL};
    tjob t;
    assert_int_equal(tjob_setup(&t, 1, opts), HETERO_OK);
    hetero_cl_caps caps;
    memset(&caps, 0, sizeof caps);
    caps.type = HETERO_DEVICE_GPU;
    caps.fp64 = 1;
    caps.compute_units = 8;
    caps.max_wg = 256;
    caps.local_mem = 32 * 1024;
    size_t local = 0;
    assert_int_equal(het_wl_reservoir.cl_fit(&t.job, &caps, &local), HETERO_OK);
    assert_true(local >= 1 && local <= HET_RES_MAX_LOCAL);
    caps.local_mem = 4 * HET_RES_MAX_LOCAL * sizeof(double) - 1;
    assert_int_equal(het_wl_reservoir.cl_fit(&t.job, &caps, &local), HETERO_E_NODEV);
    assert_non_null(strstr(hetero_errmsg(), "local memory"));
    tjob_free(&t);
}

/* ---- bad input --------------------------------------------------------- */

static void expect_bad(const char *const *opts, const char *needle)
{
    tjob t;
    int rc = tjob_setup(&t, 1, opts);
    assert_int_equal(rc, HETERO_E_BADARG);
    assert_non_null(strstr(hetero_errmsg(), needle));
    assert_null(strchr(hetero_errmsg(), '\n'));
    tjob_free(&t); /* also the file names the options held */
}

static void test_bad_input(void **st)
{
    (void)st;
    expect_bad((const char *[]){"--paths", "0", "--steps", "10", NULL}, "--paths");
    expect_bad((const char *[]){"--paths", "10", "--steps", "0", NULL}, "--steps");
    expect_bad((const char *[]){"--paths", "-5", "--steps", "10", NULL}, "--paths");
    expect_bad((const char *[]){"--steps", "10", NULL}, "--paths");
    expect_bad((const char *[]){"--paths", "10", NULL}, "--steps");
    expect_bad((const char *[]){"--paths", "10", "--steps", "10", "--capacity", "-1", NULL}, "--capacity");
    expect_bad((const char *[]){"--paths", "10", "--steps", "10", "--capacity", "0", NULL}, "--capacity");
    expect_bad((const char *[]){"--paths", "10", "--steps", "10", "--inflow-mean", "-0.5", NULL},
               "--inflow-mean");
    expect_bad((const char *[]){"--paths", "10", "--steps", "10", "--inflow-sd", "nan", NULL}, "--inflow-sd");
    expect_bad((const char *[]){"--paths", "10", "--steps", "10", "--inflow-sd", "inf", NULL}, "--inflow-sd");
    expect_bad((const char *[]){"--paths", "10", "--steps", "10", "--release", "-1", NULL}, "--release");
    expect_bad((const char *[]){"--paths", "10", "--steps", "10", "--initial", "101", NULL}, "--initial");
    expect_bad(
        (const char *[]){"--paths", "10", "--steps", "10", "--capacity", "50", "--initial", "60", NULL},
        "--initial");
    expect_bad((const char *[]){"--paths", "10", "--steps", "10", "--initial", "-1", NULL}, "--initial");
    expect_bad((const char *[]){"--paths", "1e12", "--steps", "1e9", NULL}, "--paths");
    expect_bad((const char *[]){"--paths", "10", "--steps", "10", "--trace", "/nonexistent-dir/x.csv", NULL},
               "--trace");
    expect_bad((const char *[]){"--paths", "10", "--steps", "10", "--plot", "fan.jpg", NULL}, "--plot");
}

/* --initial defaults to the capacity, whichever order the options come in. */
static void test_initial_defaults_to_capacity(void **st)
{
    (void)st;
    const char *opts[] = {"--paths",       "4",  "--steps",   "3", "--capacity", "40", "--inflow-sd", "0",
                          "--inflow-mean", "40", "--release", "0", NULL};
    tjob t;
    tjob_run(&t, 1, opts, 1, 1);
    assert_true(f64(&t, "mean_storage") == 40.0); /* full and spilling */
    assert_true(f64(&t, "spill_fraction") == 1.0);
    tjob_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normals_follow_documented_recipe),
        cmocka_unit_test(test_normals_extreme_words),
        cmocka_unit_test(test_normals_statistics),
        cmocka_unit_test(test_deterministic_drawdown),
        cmocka_unit_test(test_deterministic_spill),
        cmocka_unit_test(test_deterministic_empty),
        cmocka_unit_test(test_lanes_match_scalar_reference),
        cmocka_unit_test(test_trace_sample_paths_match_scalar),
        cmocka_unit_test(test_same_bits_across_threads_and_batches),
        cmocka_unit_test(test_seed_changes_result),
        cmocka_unit_test(test_defaults_statistics),
        cmocka_unit_test(test_grains_depend_on_job_only),
        cmocka_unit_test(test_cl_fit_checks_local_memory),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_initial_defaults_to_capacity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
