/* test_pi.c - the pi workload against the stream layout that
 * docs/random-streams.md documents (contract 2), computed here with Random123 alone:
 *
 *   block b: Philox4x32-10, counter (b low, b high, 0, 1), key (seed low,
 *   seed high) -> r0..r3; sample 2b = ((int32)r0, (int32)r1), sample 2b+1 =
 *   ((int32)r2, (int32)r3); a hit when x*x + y*y < 2^62 in 64-bit unsigned
 *   arithmetic; samples 0..N-1 are used.
 *
 * Checked: the vector CPU path on odd and unaligned ranges, the grain plan,
 * whole runs through the engine (hits, digest, pi and its error) for
 * several N, seeds, thread counts and batch patterns, and the JSON report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <Random123/philox.h>
#include <cjson/cJSON.h>
#include <xxhash.h>

#include "engine.h"
#include "report.h"
#include "pi_common.h"
#include "wl_pi.h" /* het_pi_hits: the CPU path of host/workloads/pi/wl_pi.c */

static const uint64_t SEEDS[] = {0, UINT64_C(0x123456789abcdef0), UINT64_MAX};
#define N_SEEDS (sizeof SEEDS / sizeof *SEEDS)

/* ---- the documented layout, one sample at a time ------------------------ */

static int ref_hit(int32_t x, int32_t y)
{
    uint64_t xx = (uint64_t)((int64_t)x * x);
    uint64_t yy = (uint64_t)((int64_t)y * y);
    return xx + yy < (UINT64_C(1) << 62);
}

/* Hits among samples [first, last), any first. */
static uint64_t ref_hits(uint64_t seed, uint64_t first, uint64_t last)
{
    philox4x32_key_t key = {{(uint32_t)seed, (uint32_t)(seed >> 32)}};
    uint64_t hits = 0;
    for (uint64_t i = first; i < last; i++) {
        uint64_t b = i / 2;
        philox4x32_ctr_t ctr = {{(uint32_t)b, (uint32_t)(b >> 32), 0, 1}};
        philox4x32_ctr_t r = philox4x32(ctr, key);
        if (i % 2 == 0)
            hits += ref_hit((int32_t)r.v[0], (int32_t)r.v[1]);
        else
            hits += ref_hit((int32_t)r.v[2], (int32_t)r.v[3]);
    }
    return hits;
}

/* The hit test at its edges: exactly on the circle is a miss, and the
 * largest sum (x = y = -2^31) neither overflows nor hits. */
static void reference_hit_test_edges(void **state)
{
    (void)state;
    assert_true(ref_hit(0, 0));
    assert_true(ref_hit(INT32_MAX, 0));          /* (2^31-1)^2 < 2^62 */
    assert_false(ref_hit(INT32_MIN, 0));         /* 2^62 itself */
    assert_false(ref_hit(INT32_MIN, INT32_MIN)); /* 2^63: still no wrap in uint64 */
    assert_false(ref_hit(INT32_MAX, INT32_MAX));
    assert_true(ref_hit(1518500249, 1518500249)); /* just inside: 2 * 1518500249^2 < 2^62 */
    assert_false(ref_hit(1518500250, 1518500250));
}

/* ---- the vector CPU path ----------------------------------------------- */

static void cpu_path_matches_reference(uint64_t seed, uint64_t first, uint64_t last)
{
    uint64_t want = ref_hits(seed, first, last);
    uint64_t got = het_pi_hits(seed, first, last);
    if (got != want)
        fail_msg("seed %#" PRIx64 " samples [%" PRIu64 ", %" PRIu64 "): %" PRIu64 " hits, reference %" PRIu64,
                 seed, first, last, got, want);
}

/* Lengths around the 16-block (32-sample) vector width, odd and even, from
 * starts that are even but not on a vector boundary. */
static void cpu_path_odd_ends_and_unaligned_starts(void **state)
{
    (void)state;
    const uint64_t starts[] = {0, 2, 6, 30, 34, 1000002, UINT64_C(4000000000)};
    const uint64_t lens[] = {0, 1, 2, 3, 31, 32, 33, 63, 64, 65, 97, 1001, 4097};
    for (size_t s = 0; s < N_SEEDS; s++)
        for (size_t i = 0; i < sizeof starts / sizeof *starts; i++)
            for (size_t j = 0; j < sizeof lens / sizeof *lens; j++)
                cpu_path_matches_reference(SEEDS[s], starts[i], starts[i] + lens[j]);
}

/* Block 2^32 - 1 is the last with counter high word 0: a range across it
 * checks that the high word of b reaches the counter. */
static void cpu_path_across_the_counter_high_word(void **state)
{
    (void)state;
    const uint64_t edge = UINT64_C(1) << 33; /* sample of block 2^32 */
    for (size_t s = 0; s < N_SEEDS; s++) {
        cpu_path_matches_reference(SEEDS[s], edge - 40, edge + 41);
        cpu_path_matches_reference(SEEDS[s], edge - 2, edge + 64);
        cpu_path_matches_reference(SEEDS[s], edge, edge + 33);
    }
    /* far out, near pi's largest job */
    cpu_path_matches_reference(SEEDS[1], (UINT64_C(1) << 63) - 1000, (UINT64_C(1) << 63) - 1);
}

/* Splitting a range anywhere (at an even point) does not change the sum:
 * what any batching of grains relies on. */
static void cpu_path_is_additive(void **state)
{
    (void)state;
    const uint64_t seed = SEEDS[1], n = 100001;
    uint64_t whole = het_pi_hits(seed, 0, n);
    for (uint64_t cut = 0; cut <= n; cut += 4998)
        assert_int_equal(het_pi_hits(seed, 0, cut) + het_pi_hits(seed, cut, n), whole);
}

/* ---- jobs, plans and runs ---------------------------------------------- */

static void job_for(hetero_job *job, uint64_t samples, uint64_t seed)
{
    const hetero_workload *pi = hetero_workload_find("pi");
    assert_non_null(pi);
    assert_int_equal(het_job_init(job, pi), HETERO_OK);
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRIu64, samples);
    assert_int_equal(hetero_job_set(job, "--samples", buf), HETERO_OK);
    job->seed = seed;
    assert_int_equal(het_job_plan(job), HETERO_OK);
}

/* cmocka's float assertions work in single precision */
static void assert_close(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol))
        fail_msg("%.17g is not within %g of %.17g", got, tol, want);
}

static const hetero_field *field(const hetero_field *f, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(f[i].name, name) == 0)
            return &f[i];
    fail_msg("no field '%s'", name);
    return NULL;
}

static uint64_t grain_samples(const hetero_job *job)
{
    hetero_field f[HETERO_MAX_FIELDS];
    size_t n = job->wl->params_fields(job, f, HETERO_MAX_FIELDS);
    return field(f, n, "grain_samples")->v.u64;
}

static void check_plan(uint64_t samples)
{
    hetero_job job;
    job_for(&job, samples, 0);
    uint64_t g = grain_samples(&job);
    assert_int_equal(g % 2, 0); /* grains start on a block */
    assert_true(g >= HET_PI_MIN_GRAIN);
    assert_true(job.n_grains >= 1 && job.n_grains <= HET_PI_MAX_GRAINS);
    assert_int_equal(job.partial_size, sizeof(uint64_t));
    assert_int_equal(job.n_grains, samples / g + (samples % g != 0));
    /* every grain but the last is full; the last ends exactly at N */
    uint64_t total = 0;
    for (uint64_t k = 0; k < job.n_grains; k++) {
        uint64_t items = job.wl->items(&job, k, 1);
        if (k + 1 < job.n_grains)
            assert_int_equal(items, g);
        else
            assert_int_equal(items, samples - (job.n_grains - 1) * g);
        assert_true(items > 0);
        total += items;
    }
    assert_int_equal(total, samples);
    assert_int_equal(job.wl->items(&job, 0, job.n_grains), samples);
    het_job_free(&job);
}

static void grain_plan(void **state)
{
    (void)state;
    const uint64_t m = HET_PI_MIN_GRAIN, cap = HET_PI_MAX_GRAINS;
    const uint64_t ns[] = {1,
                           2,
                           3,
                           m - 1,
                           m,
                           m + 1,
                           3000001,
                           50000001,
                           m * cap - 1,
                           m * cap,
                           m * cap + 1,
                           m * cap * 2 + 3,
                           UINT64_C(999999999999999),
                           (UINT64_C(1) << 63) - 1,
                           UINT64_C(1) << 63};
    for (size_t i = 0; i < sizeof ns / sizeof *ns; i++)
        check_plan(ns[i]);
}

/* Hits of every grain by the reference, in grain order. */
static uint64_t *ref_partials(const hetero_job *job, uint64_t samples)
{
    uint64_t g = grain_samples(job);
    uint64_t *p = calloc(job->n_grains, sizeof *p);
    assert_non_null(p);
    for (uint64_t k = 0; k < job->n_grains; k++) {
        uint64_t last = (k + 1) * g < samples ? (k + 1) * g : samples;
        p[k] = ref_hits(job->seed, k * g, last);
    }
    return p;
}

typedef struct run_case {
    int threads;
    int cpu_workers;       /* the engine's test seam: the CPU as several workers */
    uint64_t batch_jitter; /* random batch sizes */
} run_case;

static void run_matches_reference(uint64_t samples, uint64_t seed)
{
    static const run_case cases[] = {{1, 0, 0}, {2, 0, 0}, {1, 3, 0}, {2, 2, 7}, {1, 4, 12345}};
    hetero_job job;
    job_for(&job, samples, seed);
    uint64_t *want = ref_partials(&job, samples);
    uint64_t want_hits = 0;
    for (uint64_t k = 0; k < job.n_grains; k++)
        want_hits += want[k];
    uint64_t want_digest = XXH3_64bits(want, job.n_grains * sizeof *want);

    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        het_run_opts o = {.devices = "omp",
                          .threads = cases[c].threads,
                          .progress = 0,
                          .quiet = 1,
                          .cpu_workers = cases[c].cpu_workers,
                          .batch_jitter = cases[c].batch_jitter};
        hetero_report rep;
        int rc = het_engine_run(&job, &o, &rep);
        if (rc)
            fail_msg("engine: %s", hetero_errmsg());
        hetero_field f[HETERO_MAX_FIELDS];
        size_t n = job.wl->result(&job, f, HETERO_MAX_FIELDS);
        uint64_t hits = field(f, n, "hits")->v.u64;
        if (hits != want_hits || rep.digest != want_digest)
            fail_msg("N %" PRIu64 " seed %#" PRIx64 " threads %d workers %d jitter %" PRIu64 ": hits %" PRIu64
                     " digest %016" PRIx64 ", reference %" PRIu64 " %016" PRIx64,
                     samples, seed, cases[c].threads, cases[c].cpu_workers, cases[c].batch_jitter, hits,
                     rep.digest, want_hits, want_digest);
        assert_int_equal(field(f, n, "samples")->v.u64, samples);
        assert_int_equal(rep.items, samples);
        double pi = 4.0 * (double)want_hits / (double)samples;
        double p = (double)want_hits / (double)samples;
        assert_true(field(f, n, "pi")->v.f64 == pi);
        assert_close(field(f, n, "stderr")->v.f64, 4.0 * sqrt(p * (1 - p) / (double)samples), 1e-15);
        assert_close(field(f, n, "abs_error")->v.f64, fabs(pi - M_PI), 1e-15);
        het_report_free(&rep);
    }
    free(want);
    het_job_free(&job);
}

static void run_small_and_odd_jobs(void **state)
{
    (void)state;
    const uint64_t ns[] = {1, 2, 3, 33, 1001};
    for (size_t i = 0; i < sizeof ns / sizeof *ns; i++)
        for (size_t s = 0; s < N_SEEDS; s++)
            run_matches_reference(ns[i], SEEDS[s]);
}

/* Several grains, the last one short and odd. */
static void run_several_grains(void **state)
{
    (void)state;
    run_matches_reference(3000001, SEEDS[0]);
    run_matches_reference(3000001, SEEDS[1]);
    run_matches_reference(2 * HET_PI_MIN_GRAIN + 2, SEEDS[2]);
}

/* A large run is statistically sane: within 5 standard errors of pi. */
static void run_estimate_is_sane(void **state)
{
    (void)state;
    hetero_job job;
    job_for(&job, 20000000, SEEDS[1]);
    het_run_opts o = {.devices = "omp", .threads = 2, .progress = 0, .quiet = 1};
    hetero_report rep;
    assert_int_equal(het_engine_run(&job, &o, &rep), HETERO_OK);
    hetero_field f[HETERO_MAX_FIELDS];
    size_t n = job.wl->result(&job, f, HETERO_MAX_FIELDS);
    double se = field(f, n, "stderr")->v.f64;
    assert_true(se > 0 && se < 1e-3);
    assert_true(field(f, n, "abs_error")->v.f64 < 5 * se);
    het_report_free(&rep);
    het_job_free(&job);
}

/* ---- the JSON report ---------------------------------------------------- */

static cJSON *need(const cJSON *obj, const char *key)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v)
        fail_msg("report lacks '%s'", key);
    return v;
}

static double num(const cJSON *obj, const char *key)
{
    cJSON *v = need(obj, key);
    if (!cJSON_IsNumber(v))
        fail_msg("'%s' is not a number", key);
    return v->valuedouble;
}

static const char *str(const cJSON *obj, const char *key)
{
    cJSON *v = need(obj, key);
    if (!cJSON_IsString(v))
        fail_msg("'%s' is not a string", key);
    return v->valuestring;
}

static void json_report_shape(void **state)
{
    (void)state;
    const uint64_t samples = 3000001;
    hetero_job job;
    job_for(&job, samples, SEEDS[1]);
    het_run_opts o = {.devices = "omp", .threads = 2, .progress = 0, .quiet = 1, .cpu_workers = 2};
    hetero_report rep;
    assert_int_equal(het_engine_run(&job, &o, &rep), HETERO_OK);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    assert_int_equal(het_report_print(&job, &rep, HETERO_FORMAT_JSON, f), HETERO_OK);
    assert_int_equal(fclose(f), 0);
    cJSON *root = cJSON_Parse(text);
    if (!root)
        fail_msg("not JSON: %s", text);

    assert_string_equal(str(root, "schema"), HETERO_REPORT_SCHEMA);
    assert_int_equal((int)num(root, "version"), HETERO_REPORT_VERSION);
    assert_string_equal(str(root, "workload"), "pi");
    cJSON *params = need(root, "params");
    assert_true(num(params, "samples") == (double)samples);

    cJSON *result = need(root, "result");
    uint64_t hits = ref_hits(SEEDS[1], 0, samples);
    assert_true(num(result, "hits") == (double)hits);
    assert_true(num(result, "samples") == (double)samples);
    assert_true(num(result, "pi") == 4.0 * (double)hits / (double)samples);
    assert_true(num(result, "stderr") > 0);
    assert_true(num(result, "abs_error") >= 0);

    char digest[24];
    snprintf(digest, sizeof digest, "%016" PRIx64, rep.digest);
    assert_string_equal(str(root, "digest"), digest);

    cJSON *phases = need(root, "phases");
    const char *ph[] = {"discovery", "build", "compute", "merge", "wall"};
    for (size_t i = 0; i < 5; i++)
        assert_true(num(phases, ph[i]) >= 0);
    assert_true(num(phases, "wall") >= num(phases, "compute"));

    cJSON *workers = need(root, "workers");
    assert_true(cJSON_IsArray(workers));
    assert_int_equal(cJSON_GetArraySize(workers), 2);
    double items = 0, share = 0, grains = 0;
    const cJSON *w;
    cJSON_ArrayForEach(w, workers)
    {
        assert_int_equal((int)num(w, "rank"), 0);
        assert_int_equal(strncmp(str(w, "id"), "omp", 3), 0); /* "omp", or "omp.K" when split */
        assert_string_equal(str(w, "kind"), "omp");
        assert_true(strlen(str(w, "name")) > 0);
        assert_true(num(w, "busy_s") >= 0);
        assert_true(num(w, "items_per_s") >= 0);
        grains += num(w, "grains");
        items += num(w, "items");
        share += num(w, "share");
    }
    assert_true(grains == (double)job.n_grains);
    assert_true(items == (double)samples);
    assert_close(share, 1.0, 1e-4);
    double balance = num(root, "balance");
    assert_true(balance > 0 && balance <= 1.0 + 1e-9);

    cJSON_Delete(root);
    free(text);
    het_report_free(&rep);
    het_job_free(&job);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reference_hit_test_edges),
        cmocka_unit_test(cpu_path_odd_ends_and_unaligned_starts),
        cmocka_unit_test(cpu_path_across_the_counter_high_word),
        cmocka_unit_test(cpu_path_is_additive),
        cmocka_unit_test(grain_plan),
        cmocka_unit_test(run_small_and_odd_jobs),
        cmocka_unit_test(run_several_grains),
        cmocka_unit_test(run_estimate_is_sane),
        cmocka_unit_test(json_report_shape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
