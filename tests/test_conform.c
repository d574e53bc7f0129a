/* test_conform.c - hetero_job_conform (include/hetero.h): a few grains on
 * the CPU path and on each OpenCL device of --devices, compared bit for
 * bit, the first difference named by grain and byte.
 *
 * A workload of the test's own has a kernel that is wrong on purpose for
 * one grain (--wrong G), so the check has a real difference to find; the
 * built-in pi must agree.  Every OpenCL device the test can see is checked
 * (PoCL's CPU device here; ctest runs the test on Oclgrind too, where the
 * build finds it).  Without any OpenCL device the device tests skip.
 *
 * Nothing internal is included: this is the check as a client calls it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hetero.h"

/* ---- squares, with a kernel wrong for one grain ------------------------- */

/* Grain g's partial is two words, (g, g*g).  The kernel adds 256 to the
 * second word of grain --wrong: the first byte that differs is then byte
 * 9 of that grain's partial (byte 1 of the second little-endian word),
 * 0 on the CPU and 1 on the device (g*g < 256 for the grains used). */
typedef struct sq_params {
    uint64_t grains, wrong;
} sq_params;

static const hetero_option sq_options[] = {
    {.type = HETERO_OPT_COUNT,
     .name = "--grains",
     .metavar = "N",
     .help = "number of grains",
     .offset = offsetof(sq_params, grains),
     .min = 1,
     .max = 1e6,
     .def = "10"},
    {.type = HETERO_OPT_COUNT,
     .name = "--wrong",
     .metavar = "G",
     .help = "the grain the kernel gets wrong (none when past the last)",
     .offset = offsetof(sq_params, wrong),
     .min = 0,
     .max = 1e9,
     .def = "1e9"},
    {.type = HETERO_OPT_END},
};

static int sq_plan(hetero_job *job)
{
    const sq_params *p = hetero_job_params(job);
    return hetero_job_set_grains(job, p->grains, 2 * sizeof(uint64_t));
}

static int sq_cpu_batch(const hetero_job *job, uint64_t g0, uint64_t n, void *out, int nthreads)
{
    (void)job;
    (void)nthreads;
    uint64_t *partial = out;
    for (uint64_t i = 0; i < n; i++) {
        partial[2 * i] = g0 + i;
        partial[2 * i + 1] = (g0 + i) * (g0 + i);
    }
    return HETERO_OK;
}

static int sq_merge(hetero_job *job, const void *partials)
{
    (void)job;
    (void)partials;
    return HETERO_OK;
}

static size_t sq_result(const hetero_job *job, hetero_field *f, size_t max)
{
    (void)job;
    (void)f;
    (void)max;
    return 0;
}

static size_t sq_cl_args(const hetero_job *job, const hetero_cl_caps *caps, hetero_karg *args, size_t max)
{
    (void)caps;
    const sq_params *p = hetero_job_params(job);
    if (max < 1)
        return 0;
    args[0] = (hetero_karg){.kind = HETERO_KARG_U64, .v.u64 = p->wrong};
    return 1;
}

static int sq_cl_fit_never(const hetero_job *job, const hetero_cl_caps *caps, size_t *local)
{
    (void)job;
    (void)caps;
    (void)local;
    return hetero_fail(HETERO_E_NODEV, "this workload never runs on a device");
}

#define SQ_STR(x) #x
#define SQ_XSTR(x) SQ_STR(x)

static const char sq_kernel[] = "#define CHECK(g) " SQ_XSTR(HETERO_GRAIN_CHECK(
    g)) "\n"
        "__kernel void sq(__global ulong *out, ulong g0, uint n, __global ulong *chk, ulong wrong)\n"
        "{\n"
        "    uint w = get_group_id(0);\n"
        "    if (w >= n || get_local_id(0) != 0)\n"
        "        return;\n"
        "    ulong g = g0 + w;\n"
        "    out[2 * w] = g;\n"
        "    out[2 * w + 1] = g * g + (g == wrong ? 256ul : 0ul);\n"
        "    chk[w] = CHECK(g);\n"
        "}\n";

static const hetero_workload sq_workload = {
    .abi = HETERO_WORKLOAD_ABI,
    .name = "conform-squares",
    .summary = "(g, g*g) per grain, the kernel wrong for grain --wrong",
    .item_name = "grains",
    .params_size = sizeof(sq_params),
    .options = sq_options,
    .plan = sq_plan,
    .cpu_batch = sq_cpu_batch,
    .kernel_source = sq_kernel,
    .kernel_name = "sq",
    .cl_args = sq_cl_args,
    .merge = sq_merge,
    .result = sq_result,
};

/* ---- helpers -------------------------------------------------------------- */

/* How many OpenCL devices this process sees (--devices cl selects them). */
static size_t cl_devices(void)
{
    hetero_device *list = NULL;
    size_t n = 0;
    assert_int_equal(hetero_devices(&list, &n), HETERO_OK);
    hetero_free(list);
    return n;
}

static hetero_job *squares(const char *wrong, const char *grains)
{
    hetero_job *job = NULL;
    assert_int_equal(hetero_job_create_for(&job, &sq_workload), HETERO_OK);
    assert_int_equal(hetero_job_set(job, "--devices", "cl"), HETERO_OK);
    if (wrong)
        assert_int_equal(hetero_job_set(job, "--wrong", wrong), HETERO_OK);
    if (grains)
        assert_int_equal(hetero_job_set(job, "--grains", grains), HETERO_OK);
    return job;
}

/* Runs the check; every device's row, with its status, checked. */
static hetero_conformance *conform(hetero_job *job, uint64_t max_grains, size_t *n)
{
    hetero_conformance *rows = NULL;
    int rc = hetero_job_conform(job, max_grains, &rows, n);
    if (rc != HETERO_OK)
        fail_msg("hetero_job_conform: %d (%s)", rc, hetero_job_error(job));
    assert_int_equal(*n, cl_devices());
    for (size_t i = 0; i < *n; i++) {
        assert_true(strncmp(rows[i].id, "cl:", 3) == 0);
        assert_true(rows[i].name[0] != 0);
    }
    return rows;
}

/* ---- the tests ----------------------------------------------------------- */

static void wrong_grain_named_with_its_byte(void **state)
{
    (void)state;
    if (!cl_devices())
        skip();
    hetero_job *job = squares("2", NULL);
    size_t n = 0;
    hetero_conformance *rows = conform(job, 0, &n);
    for (size_t i = 0; i < n; i++) {
        const hetero_conformance *r = &rows[i];
        if (r->status != HETERO_CONFORM_DIFFERS)
            fail_msg("%s (%s): %s, expected differs (%s)", r->id, r->name,
                     hetero_conform_status_name(r->status), r->error);
        assert_int_equal(r->grain, 2);
        assert_int_equal(r->byte, 9);
        assert_int_equal(r->device_value, 1);
        assert_int_equal(r->cpu_value, 0);
        assert_int_equal(r->grains, HETERO_CONFORM_GRAINS);
        assert_string_equal(hetero_conform_status_name(r->status), "differs");
    }
    hetero_free(rows);
    hetero_job_free(job);
}

static void right_kernel_agrees(void **state)
{
    (void)state;
    if (!cl_devices())
        skip();
    hetero_job *job = squares(NULL, NULL);
    size_t n = 0;
    hetero_conformance *rows = conform(job, 0, &n);
    for (size_t i = 0; i < n; i++) {
        if (rows[i].status != HETERO_CONFORM_AGREES)
            fail_msg("%s: %s (%s)", rows[i].id, hetero_conform_status_name(rows[i].status), rows[i].error);
        assert_int_equal(rows[i].grains, HETERO_CONFORM_GRAINS);
    }
    hetero_free(rows);
    hetero_job_free(job);
}

/* The last grain is always among those compared, however few. */
static void last_grain_always_compared(void **state)
{
    (void)state;
    if (!cl_devices())
        skip();
    hetero_job *job = squares("9", "10");
    size_t n = 0;
    hetero_conformance *rows = conform(job, 2, &n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(rows[i].status, HETERO_CONFORM_DIFFERS);
        assert_int_equal(rows[i].grain, 9);
        assert_int_equal(rows[i].grains, 2);
    }
    hetero_free(rows);
    hetero_job_free(job);
}

static void device_that_cannot_run_says_why(void **state)
{
    (void)state;
    if (!cl_devices())
        skip();
    static hetero_workload never;
    never = sq_workload;
    never.name = "conform-never";
    never.cl_fit = sq_cl_fit_never;
    hetero_job *job = NULL;
    assert_int_equal(hetero_job_create_for(&job, &never), HETERO_OK);
    assert_int_equal(hetero_job_set(job, "--devices", "cl"), HETERO_OK);
    size_t n = 0;
    hetero_conformance *rows = conform(job, 0, &n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(rows[i].status, HETERO_CONFORM_EXCLUDED);
        assert_non_null(strstr(rows[i].error, "never runs on a device"));
        assert_string_equal(hetero_conform_status_name(rows[i].status), "cannot run");
    }
    hetero_free(rows);
    hetero_job_free(job);
}

static void pi_agrees(void **state)
{
    (void)state;
    if (!cl_devices())
        skip();
    hetero_job *job = NULL;
    assert_int_equal(hetero_job_create(&job, "pi"), HETERO_OK);
    assert_int_equal(hetero_job_set(job, "--samples", "200001"), HETERO_OK);
    assert_int_equal(hetero_job_set(job, "--seed", "0x5eed"), HETERO_OK);
    assert_int_equal(hetero_job_set(job, "--devices", "cl"), HETERO_OK);
    size_t n = 0;
    hetero_conformance *rows = conform(job, 3, &n);
    for (size_t i = 0; i < n; i++)
        if (rows[i].status != HETERO_CONFORM_AGREES)
            fail_msg("pi on %s (%s): %s (%s), grain %" PRIu64 " byte %zu", rows[i].id, rows[i].name,
                     hetero_conform_status_name(rows[i].status), rows[i].error, rows[i].grain, rows[i].byte);
    hetero_free(rows);
    hetero_job_free(job);
}

/* The check leaves the job as it was: it runs afterwards, once. */
static void job_runs_after_the_check(void **state)
{
    (void)state;
    hetero_job *job = NULL;
    assert_int_equal(hetero_job_create(&job, "pi"), HETERO_OK);
    assert_int_equal(hetero_job_set(job, "--samples", "100000"), HETERO_OK);
    assert_int_equal(hetero_job_set(job, "--devices", "omp"), HETERO_OK);
    hetero_conformance *rows = NULL;
    size_t n = 1;
    /* no OpenCL device in the selection: no rows */
    assert_int_equal(hetero_job_conform(job, 0, &rows, &n), HETERO_OK);
    assert_int_equal(n, 0);
    hetero_free(rows);
    assert_int_equal(hetero_job_run(job), HETERO_OK);
    uint64_t hits = 0;
    assert_int_equal(hetero_job_result_u64(job, "hits", &hits), HETERO_OK);
    assert_true(hits > 0);
    rows = NULL;
    int rc = hetero_job_conform(job, 0, &rows, &n);
    assert_int_equal(rc, HETERO_E_BADARG);
    assert_non_null(strstr(hetero_job_error(job), "before the run"));
    assert_null(rows);
    hetero_job_free(job);
}

static void bad_input_refused(void **state)
{
    (void)state;
    hetero_job *job = NULL;
    assert_int_equal(hetero_job_create(&job, "pi"), HETERO_OK);
    /* pi needs --samples: the check plans the job as a run would */
    hetero_conformance *rows = NULL;
    size_t n = 0;
    assert_int_equal(hetero_job_conform(job, 0, &rows, &n), HETERO_E_BADARG);
    assert_non_null(strstr(hetero_job_error(job), "--samples"));
    assert_null(rows);
    assert_int_equal(n, 0);
    hetero_job_free(job);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(wrong_grain_named_with_its_byte),
        cmocka_unit_test(right_kernel_agrees),
        cmocka_unit_test(last_grain_always_compared),
        cmocka_unit_test(device_that_cannot_run_says_why),
        cmocka_unit_test(pi_agrees),
        cmocka_unit_test(job_runs_after_the_check),
        cmocka_unit_test(bad_input_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
