/* The engine merges every grain exactly once (contract 3), whatever the
 * number of workers and the batch sizes, merges partials in grain order,
 * retires a failing worker and finishes on the others, and fails without
 * a result only when no worker is left.  A grain may be computed twice
 * (an idle worker copies a straggler's batch, contract 6); its result is
 * used once.  The device workers run on simulated devices (sim_device.h):
 * of chosen widths and speeds, failing where a test says. */
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
#include "sim_device.h"

#define N_GRAINS 5000
#define N_MIX 20000 /* the device tests' job */

static _Atomic unsigned visits[N_MIX]; /* either job's */
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

/* Every grain of n computed at least once, and the only extra
 * computations are the copies the report counts. */
static void check_visits_of(const hetero_report *rep, int n)
{
    uint64_t extra = 0, copies = 0;
    for (int g = 0; g < n; g++) {
        assert_true(visits[g] >= 1);
        extra += visits[g] - 1;
    }
    for (size_t i = 0; i < rep->n_workers; i++)
        copies += rep->workers[i].recomputed;
    assert_int_equal(extra, copies);
}

static void check_visits(const hetero_report *rep) { check_visits_of(rep, N_GRAINS); }

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

/* ---- on simulated devices ------------------------------------------------ */

/* The mix job: N_MIX grains of a few microseconds of arithmetic each (the
 * team of one thread takes tens of milliseconds, long enough for a
 * simulated device's batches to overlap it), each partial a hash of its
 * grain. */
#define MIX_ROUNDS 500

static uint64_t mix_value(uint64_t g)
{
    uint64_t x = g;
    for (int r = 0; r < MIX_ROUNDS; r++) {
        x += 0x9E3779B97F4A7C15ull;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
        x ^= x >> 31;
    }
    return x;
}
static int mix_plan(hetero_job *job)
{
    job->n_grains = N_MIX;
    job->partial_size = sizeof(uint64_t);
    return HETERO_OK;
}
static int mix_cpu(const hetero_job *job, uint64_t g0, uint64_t n, void *out, int nthreads)
{
    (void)job;
    (void)nthreads;
    uint64_t *p = out;
    for (uint64_t i = 0; i < n; i++) {
        atomic_fetch_add(&visits[g0 + i], 1);
        p[i] = mix_value(g0 + i);
    }
    return HETERO_OK;
}
static int mix_merge(hetero_job *job, const void *partials)
{
    const uint64_t *p = partials;
    for (uint64_t g = 0; g < job->n_grains; g++)
        if (p[g] != mix_value(g))
            return hetero_fail(HETERO_E_INTERNAL, "partial %llu out of place", (unsigned long long)g);
    merged++;
    return HETERO_OK;
}

static const hetero_workload mix = {
    .abi = HETERO_WORKLOAD_ABI,
    .name = "mix",
    .summary = "test",
    .options = fake_options,
    .params_size = sizeof(fake_params),
    .item_name = "items",
    .validate = fake_validate,
    .plan = mix_plan,
    .release = fake_release,
    .items = fake_items,
    .cpu_batch = mix_cpu,
    .merge = mix_merge,
    .result = fake_fields,
    .params_fields = fake_fields,
};

/* The mix job on --devices `devices`, with simulated devices sims[n_sims]
 * in OpenCL's place and a team of one thread. */
static int run_mix(const char *devices, const sim_spec *sims, size_t n_sims, hetero_report *rep)
{
    memset(visits, 0, sizeof visits);
    merged = 0;
    sim_devices(sims, n_sims);
    hetero_job job;
    assert_int_equal(het_job_init(&job, &mix), HETERO_OK);
    assert_int_equal(het_job_plan(&job), HETERO_OK);
    het_run_opts o = {.devices = devices, .threads = 1, .progress = 0, .quiet = 1, .batch_seconds = 0.002};
    int rc = het_engine_run(&job, &o, rep);
    /* a device thread the run left behind computes with the job */
    for (int i = 0; i < 500 && het_engine_threads_left() > 0; i++)
        usleep(10000);
    assert_int_equal(het_engine_threads_left(), 0);
    sim_devices(NULL, 0);
    het_job_free(&job);
    return rc;
}

/* The team alone on the mix job: its digest and its compute seconds. */
static uint64_t team_digest;
static int team_s_measured;
static double team_s;

static void team_alone(void)
{
    if (team_s_measured)
        return;
    hetero_report rep;
    assert_int_equal(run_mix("omp", NULL, 0, &rep), HETERO_OK);
    assert_int_equal(merged, 1);
    team_digest = rep.digest;
    team_s = rep.compute_s;
    team_s_measured = 1;
    het_report_free(&rep);
}

static const hetero_worker_stats *worker(const hetero_report *rep, const char *id)
{
    for (size_t i = 0; i < rep->n_workers; i++)
        if (strcmp(rep->workers[i].id, id) == 0)
            return &rep->workers[i];
    fail_msg("no worker %s in the report", id);
    return NULL;
}

static uint64_t grains_of(const hetero_report *rep)
{
    uint64_t grains = 0;
    for (size_t i = 0; i < rep->n_workers; i++)
        grains += rep->workers[i].grains;
    return grains;
}

static void a_fast_wide_device_beside_the_team_gives_the_team_digest_and_both_get_grains(void **state)
{
    (void)state;
    team_alone();
    static const sim_spec wide = {.name = "wide", .width = 256, .wave_s = 0.001, .latency_s = 0.0001};
    hetero_report rep;
    assert_int_equal(run_mix("all", &wide, 1, &rep), HETERO_OK);
    assert_int_equal(merged, 1);
    assert_int_equal(rep.digest, team_digest);
    check_visits_of(&rep, N_MIX);
    assert_int_equal(rep.n_workers, 2);
    const hetero_worker_stats *dev = worker(&rep, "cl:0:0"), *omp = worker(&rep, "omp");
    assert_string_equal(dev->kind, "sim");
    assert_string_equal(dev->name, "wide");
    assert_int_equal(dev->width, 256);
    assert_true(dev->grains > 0);
    assert_true(dev->kernel_s > 0);
    assert_true(omp->grains > 0);
    assert_int_equal(grains_of(&rep), N_MIX);
    het_report_free(&rep);
}

static void a_straggler_device_has_its_batch_copied_by_the_idle_team_and_the_run_does_not_wait(void **state)
{
    (void)state;
    team_alone();
    /* one wave takes 100 times as long as the whole job on the team */
    sim_spec slow = {.name = "slow", .width = 64, .wave_s = 100 * team_s};
    if (slow.wave_s < 1.0)
        slow.wave_s = 1.0;
    hetero_report rep;
    assert_int_equal(run_mix("all", &slow, 1, &rep), HETERO_OK);
    assert_int_equal(merged, 1);
    assert_int_equal(rep.digest, team_digest);
    assert_true(rep.compute_s < slow.wave_s / 4);
    const hetero_worker_stats *dev = worker(&rep, "cl:0:0"), *omp = worker(&rep, "omp");
    assert_string_equal(dev->status, "ok");
    assert_int_equal(dev->grains, 0);
    assert_int_equal(omp->grains, N_MIX);
    /* the device computed its batch too (at its launch): the only extra
     * computations are the team's copies */
    assert_true(omp->recomputed >= 1 && omp->recomputed <= 64);
    check_visits_of(&rep, N_MIX);
    het_report_free(&rep);
}

/* A device retired at run time by spec, beside the team: the team finishes
 * its grains with the same bits, and the report names what failed. */
static void check_retired(const sim_spec *spec, const char *why)
{
    team_alone();
    hetero_report rep;
    assert_int_equal(run_mix("all", spec, 1, &rep), HETERO_OK);
    assert_int_equal(merged, 1);
    assert_int_equal(rep.digest, team_digest);
    const hetero_worker_stats *dev = worker(&rep, "cl:0:0"), *omp = worker(&rep, "omp");
    assert_string_equal(dev->status, "failed");
    assert_non_null(strstr(dev->error, why));
    assert_string_equal(omp->status, "ok");
    assert_int_equal(grains_of(&rep), N_MIX);
    het_report_free(&rep);
}

static void a_device_whose_third_launch_fails_is_retired_and_the_team_finishes_its_grains(void **state)
{
    (void)state;
    static const sim_spec flaky = {.name = "flaky", .width = 32, .wave_s = 0.0005, .fail_launch = 3};
    check_retired(&flaky, "sim_launch on cl:0:0 (flaky): injected failure (launch 3)");
}

static void a_device_whose_second_read_fails_is_retired_and_the_team_finishes_its_grains(void **state)
{
    (void)state;
    static const sim_spec flaky = {.name = "flaky", .width = 32, .wave_s = 0.0005, .fail_read = 2};
    check_retired(&flaky, "sim_read on cl:0:0 (flaky): injected failure (read 2)");
}

static void a_failing_device_that_is_the_only_worker_fails_the_run_naming_it(void **state)
{
    (void)state;
    /* picked by its id: the healthy device beside it is not in the run */
    static const sim_spec sims[] = {{.name = "good", .width = 8, .wave_s = 0.0005},
                                    {.name = "broken", .width = 8, .wave_s = 0.0005, .fail_launch = 1}};
    hetero_report rep;
    int rc = run_mix("cl:0:1", sims, 2, &rep);
    assert_int_equal(rc, HETERO_E_OPENCL);
    assert_int_equal(merged, 0);
    assert_non_null(strstr(hetero_errmsg(), "sim_launch on cl:0:1 (broken): injected failure"));
}

static void devices_of_different_widths_cover_every_grain_exactly_once(void **state)
{
    (void)state;
    team_alone();
    static const sim_spec sims[] = {
        {.name = "w1", .width = 1, .wave_s = 0.0002},
        {.name = "w7", .width = 7, .wave_s = 0.0005, .latency_s = 0.0001},
        {.name = "w64", .width = 64, .wave_s = 0.001, .latency_s = 0.0002},
        {.name = "w256", .width = 256, .wave_s = 0.002, .latency_s = 0.0005},
    };
    hetero_report rep;
    assert_int_equal(run_mix("gpu", sims, 4, &rep), HETERO_OK);
    assert_int_equal(merged, 1);
    assert_int_equal(rep.digest, team_digest);
    check_visits_of(&rep, N_MIX);
    assert_int_equal(rep.n_workers, 4);
    for (size_t i = 0; i < 4; i++) {
        char id[24];
        snprintf(id, sizeof id, "cl:0:%zu", i);
        const hetero_worker_stats *dev = worker(&rep, id);
        assert_string_equal(dev->kind, "sim");
        assert_string_equal(dev->status, "ok");
        assert_int_equal(dev->width, sims[i].width);
        if (dev->batches)
            assert_true(dev->kernel_s > 0);
    }
    assert_int_equal(grains_of(&rep), N_MIX);
    het_report_free(&rep);
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
        cmocka_unit_test(a_fast_wide_device_beside_the_team_gives_the_team_digest_and_both_get_grains),
        cmocka_unit_test(a_straggler_device_has_its_batch_copied_by_the_idle_team_and_the_run_does_not_wait),
        cmocka_unit_test(a_device_whose_third_launch_fails_is_retired_and_the_team_finishes_its_grains),
        cmocka_unit_test(a_device_whose_second_read_fails_is_retired_and_the_team_finishes_its_grains),
        cmocka_unit_test(a_failing_device_that_is_the_only_worker_fails_the_run_naming_it),
        cmocka_unit_test(devices_of_different_widths_cover_every_grain_exactly_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
