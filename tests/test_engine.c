/* The engine merges every grain exactly once (contract 3), whatever the
 * number of workers and the batch sizes, merges partials in grain order,
 * retires a failing worker and finishes on the others, and fails without
 * a result only when no worker is left.  A grain may be computed twice
 * (an idle worker copies a straggler's batch, contract 6); its result is
 * used once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "report.h"

#define N_GRAINS 5000

static _Atomic unsigned visits[N_GRAINS];
static int merged;
static uint64_t fail_at = UINT64_MAX;
static unsigned batch_delay_us; /* makes every worker get batches */

typedef struct {
    int unused;
} fake_params;

static int fake_validate(void *p)
{
    (void)p;
    return HETERO_OK;
}
static int fake_plan(hetero_job *job)
{
    job->n_grains = N_GRAINS;
    job->partial_size = sizeof(uint64_t);
    return HETERO_OK;
}
static void fake_release(hetero_job *job) { (void)job; }
static uint64_t fake_items(const hetero_job *job, uint64_t g0, uint64_t n)
{
    (void)job;
    (void)g0;
    return 10 * n;
}
static int fake_cpu(const hetero_job *job, uint64_t g0, uint64_t n, void *out, int nthreads)
{
    (void)job;
    (void)nthreads;
    if (batch_delay_us)
        usleep(batch_delay_us);
    uint64_t *p = out;
    for (uint64_t i = 0; i < n; i++) {
        if (g0 + i == fail_at)
            return hetero_fail(HETERO_E_RUNTIME, "fake worker failed at grain %llu",
                               (unsigned long long)(g0 + i));
        atomic_fetch_add(&visits[g0 + i], 1);
        p[i] = 3 * (g0 + i) + 1;
    }
    return HETERO_OK;
}
static int fake_merge(hetero_job *job, const void *partials)
{
    const uint64_t *p = partials;
    for (uint64_t g = 0; g < job->n_grains; g++)
        if (p[g] != 3 * g + 1)
            return hetero_fail(HETERO_E_INTERNAL, "partial %llu out of place", (unsigned long long)g);
    merged++;
    return HETERO_OK;
}
static size_t fake_fields(const hetero_job *job, hetero_field *f, size_t max)
{
    (void)job;
    (void)f;
    (void)max;
    return 0;
}

static const hetero_option fake_options[] = {{.type = HETERO_OPT_END}};
static const hetero_workload fake = {
    .abi = HETERO_WORKLOAD_ABI,
    .name = "fake",
    .summary = "test",
    .options = fake_options,
    .params_size = sizeof(fake_params),
    .item_name = "items",
    .validate = fake_validate,
    .plan = fake_plan,
    .release = fake_release,
    .items = fake_items,
    .cpu_batch = fake_cpu,
    .merge = fake_merge,
    .result = fake_fields,
    .params_fields = fake_fields,
};

static int run(int workers, uint64_t jitter, hetero_report *rep)
{
    memset(visits, 0, sizeof visits);
    merged = 0;
    hetero_job job;
    assert_int_equal(het_job_init(&job, &fake), HETERO_OK);
    assert_int_equal(het_job_plan(&job), HETERO_OK);
    het_run_opts o = {.devices = "omp",
                      .threads = 1,
                      .progress = 0,
                      .quiet = 1,
                      .cpu_workers = workers,
                      .batch_jitter = jitter,
                      .batch_seconds = 0.001};
    int rc = het_engine_run(&job, &o, rep);
    het_job_free(&job);
    return rc;
}

/* Every grain computed at least once, and the only extra computations are
 * the copies the report counts. */
static void check_visits(const hetero_report *rep)
{
    uint64_t extra = 0, copies = 0;
    for (int g = 0; g < N_GRAINS; g++) {
        assert_true(visits[g] >= 1);
        extra += visits[g] - 1;
    }
    for (size_t i = 0; i < rep->n_workers; i++)
        copies += rep->workers[i].recomputed;
    assert_int_equal(extra, copies);
}

static void every_grain_exactly_once_under_random_batches(void **state)
{
    (void)state;
    static const int workers[] = {1, 2, 3, 5, 8};
    for (size_t w = 0; w < sizeof workers / sizeof *workers; w++) {
        for (uint64_t seed = 1; seed <= 4; seed++) {
            hetero_report rep;
            assert_int_equal(run(workers[w], seed, &rep), HETERO_OK);
            check_visits(&rep);
            assert_int_equal(merged, 1);
            uint64_t grains = 0, items = 0;
            for (size_t i = 0; i < rep.n_workers; i++) {
                grains += rep.workers[i].grains;
                items += rep.workers[i].items;
            }
            assert_int_equal(rep.n_workers, (size_t)workers[w]);
            assert_int_equal(grains, N_GRAINS);
            assert_int_equal(items, 10 * N_GRAINS);
            het_report_free(&rep);
        }
    }
}

static void digest_does_not_depend_on_workers_or_batches(void **state)
{
    (void)state;
    hetero_report a, b;
    assert_int_equal(run(1, 0, &a), HETERO_OK);
    assert_int_equal(run(7, 99, &b), HETERO_OK);
    assert_int_equal(a.digest, b.digest);
    het_report_free(&a);
    het_report_free(&b);
}

static void rate_sized_batches_cover_the_job(void **state)
{
    (void)state;
    hetero_report rep;
    assert_int_equal(run(3, 0, &rep), HETERO_OK);
    check_visits(&rep);
    assert_true(rep.balance > 0 && rep.balance <= 1.0);
    het_report_free(&rep);
}

static void a_grain_that_fails_everywhere_fails_the_run_without_a_result(void **state)
{
    (void)state;
    hetero_report rep;
    fail_at = 1234;
    int rc = run(4, 7, &rep);
    fail_at = UINT64_MAX;
    assert_int_equal(rc, HETERO_E_RUNTIME);
    assert_int_equal(merged, 0);
    assert_non_null(strstr(hetero_errmsg(), "fake worker failed at grain 1234"));
}

static void a_failing_worker_is_retired_and_the_others_finish_with_the_same_bits(void **state)
{
    (void)state;
    hetero_report one, rep;
    assert_int_equal(run(1, 0, &one), HETERO_OK);
    setenv("HETERO_FAULT", "omp.1@2", 1);
    batch_delay_us = 300;
    int rc = run(3, 5, &rep);
    batch_delay_us = 0;
    unsetenv("HETERO_FAULT");
    assert_int_equal(rc, HETERO_OK);
    assert_int_equal(merged, 1);
    assert_int_equal(rep.digest, one.digest);
    uint64_t grains = 0;
    int failed = 0;
    for (size_t i = 0; i < rep.n_workers; i++) {
        grains += rep.workers[i].grains;
        if (strcmp(rep.workers[i].id, "omp.1") == 0) {
            assert_string_equal(rep.workers[i].status, "failed");
            assert_non_null(strstr(rep.workers[i].error, "HETERO_FAULT"));
            failed = 1;
        } else {
            assert_string_equal(rep.workers[i].status, "ok");
        }
    }
    assert_true(failed);
    assert_int_equal(grains, N_GRAINS);
    het_report_free(&one);
    het_report_free(&rep);
}

static void a_malformed_fault_spec_is_bad_input(void **state)
{
    (void)state;
    hetero_report rep;
    setenv("HETERO_FAULT", "omp@zero", 1);
    int rc = run(1, 0, &rep);
    unsetenv("HETERO_FAULT");
    assert_int_equal(rc, HETERO_E_BADARG);
    assert_non_null(strstr(hetero_errmsg(), "HETERO_FAULT"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_grain_exactly_once_under_random_batches),
        cmocka_unit_test(digest_does_not_depend_on_workers_or_batches),
        cmocka_unit_test(rate_sized_batches_cover_the_job),
        cmocka_unit_test(a_grain_that_fails_everywhere_fails_the_run_without_a_result),
        cmocka_unit_test(a_failing_worker_is_retired_and_the_others_finish_with_the_same_bits),
        cmocka_unit_test(a_malformed_fault_spec_is_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
