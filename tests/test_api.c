/* test_api.c - the public interface of include/hetero.h, used as a program
 * that embeds the library would use it: jobs created by name, options set
 * from text and typed, runs on the OpenMP worker alone (--devices omp),
 * results, digests and rendered reports; the refusals (HETERO_E_BADARG with
 * a message naming the option or hook); a workload of the test's own
 * registered and run; the error table and the version.
 *
 * Nothing internal is included: hetero.h, cJSON to read the JSON report and
 * xxhash for the documented digest (XXH3-64 over the partials). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <xxhash.h>

#include "hetero.h"

#define PI_SAMPLES UINT64_C(1000000)

/* The refusal contract: BADARG, with a message naming `what`. */
static void assert_badarg_naming(int rc, const char *msg, const char *what)
{
    if (rc != HETERO_E_BADARG)
        fail_msg("expected HETERO_E_BADARG naming '%s', got %d (%s)", what, rc, msg);
    if (!strstr(msg, what))
        fail_msg("message '%s' does not name '%s'", msg, what);
}

/* ---- pi through the public API ------------------------------------------ */

typedef struct pi_run {
    uint64_t hits, samples, digest;
    double pi, stderr_;
} pi_run;

/* A pi job of `samples` on the OpenMP worker with `threads` threads. */
static hetero_job *pi_job(uint64_t samples, uint64_t seed, const char *threads)
{
    hetero_job *job = NULL;
    assert_int_equal(hetero_job_create(&job, "pi"), HETERO_OK);
    assert_non_null(job);
    assert_int_equal(hetero_job_set_u64(job, "--samples", samples), HETERO_OK);
    assert_int_equal(hetero_job_set(job, "--devices", "omp"), HETERO_OK);
    assert_int_equal(hetero_job_set(job, "--threads", threads), HETERO_OK);
    assert_int_equal(hetero_job_set_u64(job, "--seed", seed), HETERO_OK);
    return job;
}

static pi_run pi_read(const hetero_job *job)
{
    pi_run r;
    assert_int_equal(hetero_job_result_u64(job, "hits", &r.hits), HETERO_OK);
    assert_int_equal(hetero_job_result_u64(job, "samples", &r.samples), HETERO_OK);
    assert_int_equal(hetero_job_result_f64(job, "pi", &r.pi), HETERO_OK);
    assert_int_equal(hetero_job_result_f64(job, "stderr", &r.stderr_), HETERO_OK);
    r.digest = hetero_job_digest(job);
    return r;
}

/* Runs a pi job alone and reads its result. */
static pi_run pi_alone(uint64_t samples, uint64_t seed, const char *threads)
{
    hetero_job *job = pi_job(samples, seed, threads);
    int rc = hetero_job_run(job);
    if (rc != HETERO_OK)
        fail_msg("pi run: %d (%s)", rc, hetero_job_error(job));
    pi_run r = pi_read(job);
    hetero_job_free(job);
    return r;
}

static void pi_job_gives_its_estimate(void **state)
{
    (void)state;
    hetero_job *job = NULL;
    assert_int_equal(hetero_job_create(&job, "pi"), HETERO_OK);
    assert_int_equal(hetero_job_set(job, "--samples", "1e6"), HETERO_OK);
    assert_int_equal(hetero_job_set(job, "--devices", "omp"), HETERO_OK);
    assert_int_equal(hetero_job_set(job, "--threads", "2"), HETERO_OK);
    assert_int_equal(hetero_job_set(job, "--seed", "7"), HETERO_OK);
    assert_int_equal(hetero_job_check(job), HETERO_OK);
    assert_int_equal(hetero_job_run(job), HETERO_OK);
    assert_string_equal(hetero_job_error(job), "");

    pi_run r = pi_read(job);
    assert_int_equal(r.samples, PI_SAMPLES);
    assert_true(r.hits > 0 && r.hits < PI_SAMPLES);
    /* pi = 4 hits / N, within five standard errors of the true value */
    assert_true(r.pi == 4.0 * (double)r.hits / (double)PI_SAMPLES);
    assert_true(r.stderr_ > 0 && r.stderr_ < 0.01);
    assert_true(fabs(r.pi - M_PI) < 5 * r.stderr_);
    assert_true(r.digest != 0);

    const hetero_field *f = NULL;
    size_t n = 0;
    assert_int_equal(hetero_job_result(job, &f, &n), HETERO_OK);
    assert_int_equal(n, 5);
    assert_string_equal(f[0].name, "hits");
    assert_int_equal(f[0].kind, HETERO_FIELD_U64);
    assert_int_equal(f[0].v.u64, r.hits);

    const hetero_report *rep = hetero_job_report(job);
    assert_non_null(rep);
    assert_int_equal(rep->digest, r.digest);
    assert_int_equal(rep->items, PI_SAMPLES);
    assert_int_equal(rep->n_workers, 1);
    assert_string_equal(rep->workers[0].id, "omp");
    assert_string_equal(rep->workers[0].status, "ok");
    assert_int_equal(rep->workers[0].threads, 2);
    assert_int_equal(rep->workers[0].items, PI_SAMPLES);
    hetero_job_free(job);
}

static void text_and_typed_options_are_the_same(void **state)
{
    (void)state;
    /* pi_alone sets --samples and --seed typed; this job sets them as text */
    pi_run typed = pi_alone(PI_SAMPLES, 7, "1");
    hetero_job *job = NULL;
    assert_int_equal(hetero_job_create(&job, "pi"), HETERO_OK);
    assert_int_equal(hetero_job_set(job, "--samples", "1000000"), HETERO_OK);
    assert_int_equal(hetero_job_set(job, "--seed", "7"), HETERO_OK);
    assert_int_equal(hetero_job_set(job, "--devices", "omp"), HETERO_OK);
    assert_int_equal(hetero_job_set_u64(job, "--threads", 1), HETERO_OK);
    assert_int_equal(hetero_job_run(job), HETERO_OK);
    pi_run text = pi_read(job);
    assert_int_equal(text.hits, typed.hits);
    assert_int_equal(text.digest, typed.digest);
    hetero_job_free(job);
}

static void thread_count_does_not_change_the_bits(void **state)
{
    (void)state;
    pi_run one = pi_alone(PI_SAMPLES, 42, "1");
    pi_run two = pi_alone(PI_SAMPLES, 42, "2");
    assert_int_equal(one.hits, two.hits);
    assert_int_equal(one.digest, two.digest);
    assert_true(one.pi == two.pi);
}

static void seed_changes_the_bits(void **state)
{
    (void)state;
    pi_run a = pi_alone(PI_SAMPLES, 1, "1");
    pi_run b = pi_alone(PI_SAMPLES, 2, "1");
    assert_true(a.digest != b.digest);
    assert_true(a.hits != b.hits);
}

static void a_job_runs_once(void **state)
{
    (void)state;
    hetero_job *job = pi_job(PI_SAMPLES, 0, "1");
    assert_int_equal(hetero_job_run(job), HETERO_OK);
    uint64_t digest = hetero_job_digest(job);
    assert_badarg_naming(hetero_job_run(job), hetero_job_error(job), "runs once");
    /* the first run's result stays */
    assert_int_equal(hetero_job_digest(job), digest);
    hetero_job_free(job);
}

static void result_fields_are_typed(void **state)
{
    (void)state;
    hetero_job *job = pi_job(PI_SAMPLES, 0, "1");
    uint64_t u = 0;
    double d = 0;
    /* before the run there is no result */
    assert_badarg_naming(hetero_job_result_u64(job, "hits", &u), hetero_errmsg(), "hits");
    assert_int_equal(hetero_job_run(job), HETERO_OK);
    assert_badarg_naming(hetero_job_result_u64(job, "pi", &u), hetero_errmsg(), "pi");
    assert_badarg_naming(hetero_job_result_f64(job, "hits", &d), hetero_errmsg(), "hits");
    assert_badarg_naming(hetero_job_result_u64(job, "nothing", &u), hetero_errmsg(), "nothing");
    hetero_job_free(job);
}

/* ---- bad input ------------------------------------------------------------ */

static void unknown_workload_refused(void **state)
{
    (void)state;
    hetero_job *job = (hetero_job *)&job; /* overwritten with NULL */
    assert_badarg_naming(hetero_job_create(&job, "no-such-workload"), hetero_errmsg(), "no-such-workload");
    assert_null(job);
    assert_null(hetero_workload_find("no-such-workload"));
}

static void unknown_option_refused(void **state)
{
    (void)state;
    hetero_job *job = NULL;
    assert_int_equal(hetero_job_create(&job, "pi"), HETERO_OK);
    assert_badarg_naming(hetero_job_set(job, "--bogus", "1"), hetero_errmsg(), "--bogus");
    assert_badarg_naming(hetero_job_set_u64(job, "--bogus", 1), hetero_errmsg(), "--bogus");
    hetero_job_free(job);
}

static void out_of_bounds_refused(void **state)
{
    (void)state;
    hetero_job *job = NULL;
    assert_int_equal(hetero_job_create(&job, "pi"), HETERO_OK);
    /* --samples is 1..2^63 */
    assert_badarg_naming(hetero_job_set_u64(job, "--samples", 0), hetero_errmsg(), "--samples");
    assert_badarg_naming(hetero_job_set(job, "--samples", "0"), hetero_errmsg(), "--samples");
    assert_badarg_naming(hetero_job_set(job, "--samples", "1e19"), hetero_errmsg(), "--samples");
    assert_badarg_naming(hetero_job_set(job, "--samples", "-5"), hetero_errmsg(), "--samples");
    assert_badarg_naming(hetero_job_set_u64(job, "--threads", 0), hetero_errmsg(), "--threads");
    hetero_job_free(job);
}

static void not_a_number_refused(void **state)
{
    (void)state;
    hetero_job *job = NULL;
    assert_int_equal(hetero_job_create(&job, "pi"), HETERO_OK);
    assert_badarg_naming(hetero_job_set(job, "--samples", "many"), hetero_errmsg(), "--samples");
    assert_badarg_naming(hetero_job_set(job, "--samples", ""), hetero_errmsg(), "--samples");
    assert_badarg_naming(hetero_job_set(job, "--samples", "12abc"), hetero_errmsg(), "--samples");
    assert_badarg_naming(hetero_job_set(job, "--samples", NULL), hetero_errmsg(), "--samples");
    assert_badarg_naming(hetero_job_set(job, "--seed", "x"), hetero_errmsg(), "--seed");
    assert_badarg_naming(hetero_job_set(job, "--threads", "two"), hetero_errmsg(), "--threads");
    hetero_job_free(job);
}

static void typed_set_of_another_type_refused(void **state)
{
    (void)state;
    hetero_job *job = NULL;
    assert_int_equal(hetero_job_create(&job, "pi"), HETERO_OK);
    /* a count takes whole numbers only */
    assert_badarg_naming(hetero_job_set_f64(job, "--samples", 2.5), hetero_errmsg(), "--samples");
    /* a flag takes no value */
    assert_badarg_naming(hetero_job_set_u64(job, "--quiet", 1), hetero_errmsg(), "--quiet");
    /* a device list is not a number */
    assert_badarg_naming(hetero_job_set_u64(job, "--devices", 3), hetero_errmsg(), "--devices");
    hetero_job_free(job);
}

static void job_error_names_the_option(void **state)
{
    (void)state;
    hetero_job *job = NULL;
    assert_int_equal(hetero_job_create(&job, "pi"), HETERO_OK);
    int rc = hetero_job_set(job, "--samples", "many");
    char msg[HETERO_MSG_MAX];
    snprintf(msg, sizeof msg, "%s", hetero_job_error(job));
    hetero_job_free(job);
    /* "the failure message of the last call on this job" */
    if (rc != HETERO_E_BADARG || !strstr(msg, "--samples"))
        fail_msg("hetero_job_error after a refused hetero_job_set (%d): '%s' (hetero_errmsg: '%s')", rc, msg,
                 hetero_errmsg());
}

static void missing_required_option_refused(void **state)
{
    (void)state;
    hetero_job *job = NULL;
    assert_int_equal(hetero_job_create(&job, "pi"), HETERO_OK);
    assert_int_equal(hetero_job_set(job, "--devices", "omp"), HETERO_OK);
    assert_badarg_naming(hetero_job_check(job), hetero_errmsg(), "--samples");
    /* run checks first, and keeps the message on the job */
    assert_badarg_naming(hetero_job_run(job), hetero_job_error(job), "--samples");
    hetero_job_free(job);
}

static void free_of_null_is_safe(void **state)
{
    (void)state;
    hetero_job_free(NULL);
    hetero_free(NULL);
}

/* ---- two jobs in one process ---------------------------------------------- */

static void two_jobs_in_turn_match_alone(void **state)
{
    (void)state;
    pi_run a_alone = pi_alone(PI_SAMPLES, 3, "2");
    pi_run b_alone = pi_alone(PI_SAMPLES / 2, 4, "1");

    hetero_job *a = pi_job(PI_SAMPLES, 3, "2");
    assert_int_equal(hetero_job_run(a), HETERO_OK);
    pi_run ra = pi_read(a);
    hetero_job_free(a);
    hetero_job *b = pi_job(PI_SAMPLES / 2, 4, "1");
    assert_int_equal(hetero_job_run(b), HETERO_OK);
    pi_run rb = pi_read(b);
    hetero_job_free(b);

    assert_int_equal(ra.hits, a_alone.hits);
    assert_int_equal(ra.digest, a_alone.digest);
    assert_int_equal(rb.hits, b_alone.hits);
    assert_int_equal(rb.digest, b_alone.digest);
    assert_int_equal(rb.samples, PI_SAMPLES / 2);
}

static void two_jobs_alive_at_once_match_alone(void **state)
{
    (void)state;
    pi_run a_alone = pi_alone(PI_SAMPLES, 3, "2");
    pi_run b_alone = pi_alone(PI_SAMPLES / 2, 4, "1");

    hetero_job *a = pi_job(PI_SAMPLES, 3, "2");
    hetero_job *b = pi_job(PI_SAMPLES / 2, 4, "1");
    assert_int_equal(hetero_job_run(b), HETERO_OK);
    assert_int_equal(hetero_job_run(a), HETERO_OK);
    pi_run ra = pi_read(a);
    pi_run rb = pi_read(b);
    hetero_job_free(b);
    hetero_job_free(a);

    assert_int_equal(ra.hits, a_alone.hits);
    assert_int_equal(ra.digest, a_alone.digest);
    assert_int_equal(rb.hits, b_alone.hits);
    assert_int_equal(rb.digest, b_alone.digest);
}

static void *run_job_thread(void *job)
{
    intptr_t rc = hetero_job_run(job);
    return (void *)rc;
}

static void two_jobs_run_from_two_threads_match_alone(void **state)
{
    (void)state;
    pi_run a_alone = pi_alone(PI_SAMPLES, 5, "2");
    pi_run b_alone = pi_alone(PI_SAMPLES, 6, "2");

    hetero_job *a = pi_job(PI_SAMPLES, 5, "2");
    hetero_job *b = pi_job(PI_SAMPLES, 6, "2");
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, run_job_thread, a), 0);
    assert_int_equal(pthread_create(&tb, NULL, run_job_thread, b), 0);
    void *rca = NULL, *rcb = NULL;
    assert_int_equal(pthread_join(ta, &rca), 0);
    assert_int_equal(pthread_join(tb, &rcb), 0);
    if ((intptr_t)rca != HETERO_OK || (intptr_t)rcb != HETERO_OK)
        fail_msg("runs: %d (%s), %d (%s)", (int)(intptr_t)rca, hetero_job_error(a), (int)(intptr_t)rcb,
                 hetero_job_error(b));
    pi_run ra = pi_read(a);
    pi_run rb = pi_read(b);
    hetero_job_free(a);
    hetero_job_free(b);

    assert_int_equal(ra.hits, a_alone.hits);
    assert_int_equal(ra.digest, a_alone.digest);
    assert_int_equal(rb.hits, b_alone.hits);
    assert_int_equal(rb.digest, b_alone.digest);
}

/* ---- rendering the report --------------------------------------------------- */

static void json_report_parses_with_result_and_digest(void **state)
{
    (void)state;
    hetero_job *job = pi_job(PI_SAMPLES, 9, "1");
    assert_int_equal(hetero_job_run(job), HETERO_OK);
    pi_run r = pi_read(job);
    char *text = NULL;
    assert_int_equal(hetero_job_render_report(job, HETERO_FORMAT_JSON, &text), HETERO_OK);
    assert_non_null(text);

    cJSON *root = cJSON_Parse(text);
    if (!root)
        fail_msg("not JSON: %s", text);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(root, "schema")), HETERO_REPORT_SCHEMA);
    assert_int_equal((int)cJSON_GetNumberValue(cJSON_GetObjectItem(root, "version")), HETERO_REPORT_VERSION);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(root, "workload")), "pi");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(root, "hetero")), hetero_version());

    const cJSON *result = cJSON_GetObjectItem(root, "result");
    assert_true(cJSON_IsObject(result));
    assert_true(cJSON_GetNumberValue(cJSON_GetObjectItem(result, "hits")) == (double)r.hits);
    assert_true(cJSON_GetNumberValue(cJSON_GetObjectItem(result, "samples")) == (double)PI_SAMPLES);
    assert_true(cJSON_GetNumberValue(cJSON_GetObjectItem(result, "pi")) == r.pi);

    char digest[24];
    snprintf(digest, sizeof digest, "%016" PRIx64, r.digest);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(root, "digest")), digest);

    const cJSON *workers = cJSON_GetObjectItem(root, "workers");
    assert_int_equal(cJSON_GetArraySize(workers), 1);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(workers, 0), "id")),
                        "omp");
    cJSON_Delete(root);
    hetero_free(text);
    hetero_job_free(job);
}

static void text_and_csv_reports_carry_the_digest(void **state)
{
    (void)state;
    hetero_job *job = pi_job(PI_SAMPLES, 9, "1");
    assert_int_equal(hetero_job_run(job), HETERO_OK);
    char digest[24];
    snprintf(digest, sizeof digest, "%016" PRIx64, hetero_job_digest(job));

    char *text = NULL;
    assert_int_equal(hetero_job_render_report(job, HETERO_FORMAT_TEXT, &text), HETERO_OK);
    assert_non_null(text);
    assert_true(strlen(text) > 0);
    assert_non_null(strstr(text, "pi"));
    assert_non_null(strstr(text, digest));
    hetero_free(text);

    char *csv = NULL;
    assert_int_equal(hetero_job_render_report(job, HETERO_FORMAT_CSV, &csv), HETERO_OK);
    assert_non_null(csv);
    /* a header row, then one row for the one worker */
    assert_int_equal(strncmp(csv, "workload,", 9), 0);
    const char *row = strchr(csv, '\n');
    assert_non_null(row);
    /* workload, rank, host, id, kind */
    char host[256], want[300];
    assert_int_equal(gethostname(host, sizeof host), 0);
    host[sizeof host - 1] = 0;
    snprintf(want, sizeof want, "pi,0,%s,omp,omp,", host);
    assert_int_equal(strncmp(row + 1, want, strlen(want)), 0);
    assert_non_null(strstr(row, digest));
    assert_null(strchr(strchr(row + 1, '\n') + 1, '\n'));
    hetero_free(csv);
    hetero_job_free(job);
}

static void report_written_to_a_stream_matches_the_rendering(void **state)
{
    (void)state;
    hetero_job *job = pi_job(PI_SAMPLES, 9, "1");
    assert_int_equal(hetero_job_run(job), HETERO_OK);
    char *rendered = NULL;
    assert_int_equal(hetero_job_render_report(job, HETERO_FORMAT_CSV, &rendered), HETERO_OK);
    char *written = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&written, &len);
    assert_non_null(f);
    assert_int_equal(hetero_job_write_report(job, HETERO_FORMAT_CSV, f), HETERO_OK);
    assert_int_equal(fclose(f), 0);
    assert_string_equal(written, rendered);
    free(written);
    hetero_free(rendered);
    hetero_job_free(job);
}

/* --quiet: no notice reaches the callback (the team retired beside a
 * device makes one); without it, the same run gives one. */
static void count_notice(void *ctx, const char *line)
{
    (void)line;
    ++*(int *)ctx;
}

static void quiet_silences_the_notice_callback(void **state)
{
    (void)state;
    setenv("HETERO_FAULT", "omp@1", 1); /* the team takes a batch at once */
    int counts[2] = {0, 0};
    for (int quiet = 0; quiet < 2; quiet++) {
        hetero_job *job = NULL;
        assert_int_equal(hetero_job_create(&job, "pi"), HETERO_OK);
        /* 64 grains: the team's first batch is an equal share of them */
        assert_int_equal(hetero_job_set_u64(job, "--samples", UINT64_C(1) << 26), HETERO_OK);
        assert_int_equal(hetero_job_set(job, "--devices", "cl:0:0,omp"), HETERO_OK);
        if (quiet)
            assert_int_equal(hetero_job_set(job, "--quiet", NULL), HETERO_OK);
        hetero_job_on_notice(job, count_notice, &counts[quiet]);
        int rc = hetero_job_run(job);
        hetero_job_free(job);
        if (rc == HETERO_E_BADARG) { /* no OpenCL device here */
            unsetenv("HETERO_FAULT");
            skip();
        }
        assert_int_equal(rc, HETERO_OK);
    }
    unsetenv("HETERO_FAULT");
    assert_true(counts[0] >= 1);
    assert_int_equal(counts[1], 0);
}

/* A report written to stdout while an output streams there ("-") goes to
 * stderr, as hetero.h says. */
static void the_report_leaves_stdout_to_an_output_on_it(void **state)
{
    (void)state;
    hetero_job *job = NULL;
    assert_int_equal(hetero_job_create(&job, "primes"), HETERO_OK);
    assert_int_equal(hetero_job_set(job, "--range", "0:1000"), HETERO_OK);
    assert_int_equal(hetero_job_set(job, "--devices", "omp"), HETERO_OK);
    assert_int_equal(hetero_job_set(job, "--print", "-"), HETERO_OK);
    /* stdout and stderr into files of the test's own */
    char out_path[] = "/tmp/hetero-api-out-XXXXXX", err_path[] = "/tmp/hetero-api-err-XXXXXX";
    int out_fd = mkstemp(out_path), err_fd = mkstemp(err_path);
    assert_true(out_fd >= 0 && err_fd >= 0);
    assert_int_equal(fflush(stdout), 0);
    assert_int_equal(fflush(stderr), 0);
    int saved_out = dup(1), saved_err = dup(2);
    assert_true(saved_out >= 0 && saved_err >= 0);
    assert_true(dup2(out_fd, 1) == 1 && dup2(err_fd, 2) == 2);
    int rc = hetero_job_run(job);
    int wrc = rc == HETERO_OK ? hetero_job_write_report(job, HETERO_FORMAT_JSON, stdout) : rc;
    /* checked once the streams are back, where cmocka can say so */
    int flushed = fflush(stdout) == 0 && fflush(stderr) == 0;
    assert_true(dup2(saved_out, 1) == 1 && dup2(saved_err, 2) == 2);
    close(saved_out);
    close(saved_err);
    assert_true(flushed);
    assert_int_equal(rc, HETERO_OK);
    assert_int_equal(wrc, HETERO_OK);
    char buf[65536];
    ssize_t n = pread(out_fd, buf, sizeof buf - 1, 0);
    assert_true(n > 0);
    buf[n] = 0;
    assert_null(strstr(buf, "hetero.report")); /* stdout: the primes alone */
    assert_non_null(strstr(buf, "997\n"));
    n = pread(err_fd, buf, sizeof buf - 1, 0);
    assert_true(n > 0);
    buf[n] = 0;
    assert_non_null(strstr(buf, "hetero.report"));
    close(out_fd);
    close(err_fd);
    unlink(out_path);
    unlink(err_path);
    hetero_job_free(job);
}

/* ---- a workload of the test's own ----------------------------------------- */

/* Grain g's partial is g*g; the result is their sum. */
typedef struct sq_params {
    uint64_t grains;
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
    {.type = HETERO_OPT_END},
};

static int sq_plan(hetero_job *job)
{
    const sq_params *p = hetero_job_params(job);
    uint64_t *sum = calloc(1, sizeof *sum);
    if (!sum)
        return hetero_fail(HETERO_E_NOMEM, "squares: out of memory");
    hetero_job_set_state(job, sum);
    return hetero_job_set_grains(job, p->grains, sizeof(uint64_t));
}

static void sq_release(hetero_job *job)
{
    free(hetero_job_state(job));
    hetero_job_set_state(job, NULL);
}

static int sq_cpu_batch(const hetero_job *job, uint64_t g0, uint64_t n, void *out, int nthreads)
{
    (void)job;
    (void)nthreads;
    uint64_t *partial = out;
    for (uint64_t i = 0; i < n; i++)
        partial[i] = (g0 + i) * (g0 + i);
    return HETERO_OK;
}

static int sq_merge(hetero_job *job, const void *partials)
{
    const uint64_t *partial = partials;
    uint64_t *sum = hetero_job_state(job);
    for (uint64_t g = 0; g < hetero_job_grains(job); g++)
        *sum += partial[g];
    return HETERO_OK;
}

static size_t sq_result(const hetero_job *job, hetero_field *f, size_t max)
{
    const uint64_t *sum = hetero_job_state(job);
    if (max < 1)
        return 0;
    f[0] = (hetero_field){.name = "sum", .kind = HETERO_FIELD_U64, .v.u64 = *sum};
    return 1;
}

static size_t sq_cl_args(const hetero_job *job, const hetero_cl_caps *caps, hetero_karg *args, size_t max)
{
    (void)job;
    (void)caps;
    (void)args;
    (void)max;
    return 0;
}

static const hetero_workload sq_workload = {
    .abi = HETERO_WORKLOAD_ABI,
    .name = "api-squares",
    .summary = "sum of g*g over the grains",
    .item_name = "grains",
    .params_size = sizeof(sq_params),
    .options = sq_options,
    .plan = sq_plan,
    .release = sq_release,
    .cpu_batch = sq_cpu_batch,
    .merge = sq_merge,
    .result = sq_result,
};

/* A workload whose options the library knows only as CUSTOM rows and
 * that has no params_fields hook: --scale changes every partial, --label
 * changes nothing (marked not_identity).  Contract 14: a journal or a rank
 * with another --scale must be refused naming it. */
typedef struct sc_params {
    uint64_t grains;
    double scale;
    char label[16];
} sc_params;

static int sc_parse_scale(void *pv, const char *value)
{
    return hetero_parse_real("--scale", value, 1e-3, 1e3, &((sc_params *)pv)->scale);
}

static int sc_parse_label(void *pv, const char *value)
{
    snprintf(((sc_params *)pv)->label, sizeof((sc_params *)pv)->label, "%s", value);
    return HETERO_OK;
}

static const hetero_option sc_options[] = {
    {.type = HETERO_OPT_COUNT,
     .name = "--grains",
     .metavar = "N",
     .help = "number of grains",
     .offset = offsetof(sc_params, grains),
     .min = 1,
     .max = 1e6,
     .def = "10"},
    {.type = HETERO_OPT_CUSTOM,
     .name = "--scale",
     .metavar = "X",
     .help = "scales every partial",
     .def = "1",
     .parse = sc_parse_scale},
    {.type = HETERO_OPT_CUSTOM,
     .name = "--label",
     .metavar = "TEXT",
     .help = "a name for the run",
     .parse = sc_parse_label,
     .not_identity = 1},
    {.type = HETERO_OPT_END},
};

static int sc_cpu_batch(const hetero_job *job, uint64_t g0, uint64_t n, void *out, int nthreads)
{
    (void)nthreads;
    const sc_params *p = hetero_job_params(job);
    uint64_t *partial = out;
    for (uint64_t i = 0; i < n; i++)
        partial[i] = (uint64_t)(p->scale * 1000.0) * (g0 + i);
    return HETERO_OK;
}

static int sc_plan(hetero_job *job)
{
    const sc_params *p = hetero_job_params(job);
    uint64_t *sum = calloc(1, sizeof *sum);
    if (!sum)
        return hetero_fail(HETERO_E_NOMEM, "scaled: out of memory");
    hetero_job_set_state(job, sum);
    return hetero_job_set_grains(job, p->grains, sizeof(uint64_t));
}

static const hetero_workload sc_workload = {
    .abi = HETERO_WORKLOAD_ABI,
    .name = "api-scaled",
    .summary = "sum of scale*1000*g over the grains",
    .item_name = "grains",
    .params_size = sizeof(sc_params),
    .options = sc_options,
    .plan = sc_plan,
    .release = sq_release,
    .cpu_batch = sc_cpu_batch,
    .merge = sq_merge,
    .result = sq_result,
};

/* Runs api-scaled with --scale and --label over the journal at path:
 * the run's status; *sum its result when it ran. */
static int sc_run(const char *path, const char *scale, const char *label, uint64_t *sum)
{
    hetero_job *job = NULL;
    assert_int_equal(hetero_job_create_for(&job, &sc_workload), HETERO_OK);
    assert_int_equal(hetero_job_set(job, "--scale", scale), HETERO_OK);
    assert_int_equal(hetero_job_set(job, "--label", label), HETERO_OK);
    assert_int_equal(hetero_job_set(job, "--checkpoint", path), HETERO_OK);
    assert_int_equal(hetero_job_set(job, "--devices", "omp"), HETERO_OK);
    int rc = hetero_job_run(job);
    if (rc == HETERO_OK)
        assert_int_equal(hetero_job_result_u64(job, "sum", sum), HETERO_OK);
    hetero_job_free(job);
    return rc;
}

static void custom_option_is_in_the_identity(void **state)
{
    (void)state;
    char path[] = "/tmp/test_api_identity.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    uint64_t sum = 0, again = 0;
    /* sum over g < 10 of 1000 * g, then the same journal read back */
    assert_int_equal(sc_run(path, "1", "first", &sum), HETERO_OK);
    assert_int_equal(sum, 45000);
    assert_int_equal(sc_run(path, "1", "second", &again), HETERO_OK);
    assert_int_equal(again, sum);
    /* another scale: refused, naming the option, never the old answer */
    assert_badarg_naming(sc_run(path, "50", "first", &again), hetero_errmsg(), "--scale is 1 there, 50 here");
    unlink(path);
}

/* A workload whose grains never end on their own: its cpu_batch polls
 * hetero_job_abandoned, as a workload with long grains should. */
static _Atomic int endless_dropped;

static int endless_cpu_batch(const hetero_job *job, uint64_t g0, uint64_t n, void *out, int nthreads)
{
    (void)g0;
    (void)nthreads;
    memset(out, 0, n * sizeof(uint64_t));
    for (int ms = 0; ms < 60000; ms++) { /* a minute at most, should the test fail */
        if (hetero_job_abandoned(job)) {
            atomic_store(&endless_dropped, 1);
            return HETERO_E_INTERRUPTED;
        }
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    }
    return HETERO_OK;
}

static const hetero_workload endless_workload = {
    .abi = HETERO_WORKLOAD_ABI,
    .name = "api-endless",
    .summary = "grains that last until the run drops them",
    .item_name = "grains",
    .params_size = sizeof(sq_params),
    .options = sq_options,
    .plan = sq_plan,
    .release = sq_release,
    .cpu_batch = endless_cpu_batch,
    .merge = sq_merge,
    .result = sq_result,
};

static void *cancel_soon(void *job)
{
    nanosleep(&(struct timespec){0, 200000000}, NULL);
    hetero_job_cancel(job, 15);
    return NULL;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Cancelled, the run gives batches in flight a grace, then drops them: a
 * batch that polls hetero_job_abandoned ends the run in seconds, with no
 * result. */
static void a_cancelled_run_drops_a_batch_that_polls(void **state)
{
    (void)state;
    hetero_job *job = NULL;
    assert_int_equal(hetero_job_create_for(&job, &endless_workload), HETERO_OK);
    assert_int_equal(hetero_job_set(job, "--devices", "omp"), HETERO_OK);
    assert_int_equal(hetero_job_set(job, "--threads", "1"), HETERO_OK);
    pthread_t th;
    double t0 = now_s();
    assert_int_equal(pthread_create(&th, NULL, cancel_soon, job), 0);
    int rc = hetero_job_run(job);
    double dt = now_s() - t0;
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(rc, HETERO_E_INTERRUPTED);
    assert_true(atomic_load(&endless_dropped));
    assert_true(hetero_job_abandoned(job));
    assert_true(dt < 30); /* the grace is 2 s; the batch alone would take a minute */
    uint64_t sum = 0;
    assert_int_not_equal(hetero_job_result_u64(job, "sum", &sum), HETERO_OK);
    hetero_job_free(job);
}

/* 0^2 + 1^2 + ... + (n-1)^2 */
static uint64_t sum_of_squares(uint64_t n) { return (n - 1) * n * (2 * n - 1) / 6; }

/* Runs `name` (api-squares or a copy) with `grains` and `threads`; the sum
 * and digest come back. */
static void sq_run(const char *name, uint64_t grains, const char *threads, uint64_t *sum, uint64_t *digest)
{
    hetero_job *job = NULL;
    assert_int_equal(hetero_job_create(&job, name), HETERO_OK);
    assert_int_equal(hetero_job_set_u64(job, "--grains", grains), HETERO_OK);
    assert_int_equal(hetero_job_set(job, "--devices", "omp"), HETERO_OK);
    assert_int_equal(hetero_job_set(job, "--threads", threads), HETERO_OK);
    int rc = hetero_job_run(job);
    if (rc != HETERO_OK)
        fail_msg("%s run: %d (%s)", name, rc, hetero_job_error(job));
    assert_int_equal(hetero_job_result_u64(job, "sum", sum), HETERO_OK);
    *digest = hetero_job_digest(job);
    hetero_job_free(job);
}

static void own_workload_registers_and_runs(void **state)
{
    (void)state;
    assert_null(hetero_workload_find("api-squares"));
    assert_int_equal(hetero_workload_register(&sq_workload), HETERO_OK);
    assert_ptr_equal(hetero_workload_find("api-squares"), &sq_workload);

    uint64_t sum = 0, digest = 0;
    sq_run("api-squares", 1000, "2", &sum, &digest);
    assert_int_equal(sum_of_squares(1000), UINT64_C(332833500));
    assert_int_equal(sum, UINT64_C(332833500));

    /* the digest is XXH3-64 over the partials in grain order */
    uint64_t partials[1000];
    for (uint64_t g = 0; g < 1000; g++)
        partials[g] = g * g;
    assert_int_equal(digest, XXH3_64bits(partials, sizeof partials));

    uint64_t sum1 = 0, digest1 = 0;
    sq_run("api-squares", 1000, "1", &sum1, &digest1);
    assert_int_equal(sum1, sum);
    assert_int_equal(digest1, digest);
}

static void own_workload_defaults_apply(void **state)
{
    (void)state;
    hetero_job *job = NULL;
    assert_int_equal(hetero_job_create_for(&job, &sq_workload), HETERO_OK);
    assert_int_equal(hetero_job_set(job, "--devices", "omp"), HETERO_OK);
    assert_int_equal(hetero_job_set(job, "--threads", "1"), HETERO_OK);
    assert_int_equal(hetero_job_run(job), HETERO_OK);
    uint64_t sum = 0;
    assert_int_equal(hetero_job_result_u64(job, "sum", &sum), HETERO_OK);
    assert_int_equal(sum, sum_of_squares(10)); /* --grains defaults to 10 */

    const hetero_field *f = NULL;
    size_t n = 0;
    assert_int_equal(hetero_job_result(job, &f, &n), HETERO_OK);
    assert_int_equal(n, 1);
    assert_string_equal(f[0].name, "sum");
    assert_int_equal(f[0].v.u64, UINT64_C(285));
    double d = 0;
    assert_badarg_naming(hetero_job_result_f64(job, "sum", &d), hetero_errmsg(), "sum");
    hetero_job_free(job);
}

static void own_workload_options_are_checked(void **state)
{
    (void)state;
    hetero_job *job = NULL;
    assert_int_equal(hetero_job_create_for(&job, &sq_workload), HETERO_OK);
    assert_badarg_naming(hetero_job_set_u64(job, "--grains", 0), hetero_errmsg(), "--grains");
    assert_badarg_naming(hetero_job_set_u64(job, "--grains", 1000001), hetero_errmsg(), "--grains");
    assert_badarg_naming(hetero_job_set(job, "--samples", "5"), hetero_errmsg(), "--samples");
    hetero_job_free(job);
}

static void own_workload_is_listed(void **state)
{
    (void)state;
    /* registered by own_workload_registers_and_runs, or here */
    if (!hetero_workload_find("api-squares"))
        assert_int_equal(hetero_workload_register(&sq_workload), HETERO_OK);
    int seen = 0;
    size_t i = 0;
    for (const hetero_workload *wl; (wl = hetero_workload_at(i)) != NULL; i++)
        if (wl == &sq_workload)
            seen++;
    assert_int_equal(seen, 1);
    assert_true(i >= 4);
    assert_null(hetero_workload_at(i + 1));
}

static void builtins_come_first_and_pass_the_checks(void **state)
{
    (void)state;
    static const char *const names[] = {"pi", "primes", "reservoir"};
    for (size_t i = 0; i < 3; i++) {
        const hetero_workload *wl = hetero_workload_at(i);
        assert_non_null(wl);
        assert_string_equal(wl->name, names[i]);
        assert_ptr_equal(hetero_workload_find(names[i]), wl);
        hetero_job *job = NULL;
        int rc = hetero_job_create_for(&job, wl);
        if (rc != HETERO_OK)
            fail_msg("%s: %d (%s)", names[i], rc, hetero_errmsg());
        assert_non_null(job);
        hetero_job_free(job);
    }
}

/* Registration and hetero_job_create_for refuse the description, naming
 * `what`, and nothing is registered. */
static void assert_description_refused(const hetero_workload *wl, const char *what)
{
    assert_badarg_naming(hetero_workload_register(wl), hetero_errmsg(), what);
    hetero_job *job = (hetero_job *)&job; /* overwritten with NULL */
    assert_badarg_naming(hetero_job_create_for(&job, wl), hetero_errmsg(), what);
    assert_null(job);
    if (wl->name)
        assert_null(hetero_workload_find(wl->name));
}

static hetero_workload sq_copy(const char *name)
{
    hetero_workload wl = sq_workload;
    wl.name = name;
    return wl;
}

static void wrong_abi_refused(void **state)
{
    (void)state;
    hetero_workload wl = sq_copy("api-bad-abi");
    wl.abi = HETERO_WORKLOAD_ABI + 1;
    assert_description_refused(&wl, "abi");
    wl.abi = 0;
    assert_description_refused(&wl, "abi");
}

static void missing_hooks_refused(void **state)
{
    (void)state;
    hetero_workload wl = sq_copy("api-no-plan");
    wl.plan = NULL;
    assert_description_refused(&wl, "missing plan");
    wl = sq_copy("api-no-cpu-batch");
    wl.cpu_batch = NULL;
    assert_description_refused(&wl, "missing cpu_batch");
    wl = sq_copy("api-no-merge");
    wl.merge = NULL;
    assert_description_refused(&wl, "missing merge");
    wl = sq_copy("api-no-result");
    wl.result = NULL;
    assert_description_refused(&wl, "missing result");
    wl = sq_copy("api-no-options");
    wl.options = NULL;
    assert_description_refused(&wl, "missing options");
}

static void option_without_dashes_refused(void **state)
{
    (void)state;
    static const hetero_option rows[] = {
        {.type = HETERO_OPT_COUNT,
         .name = "grains",
         .metavar = "N",
         .help = "number of grains",
         .offset = offsetof(sq_params, grains),
         .min = 1,
         .max = 1e6},
        {.type = HETERO_OPT_END},
    };
    hetero_workload wl = sq_copy("api-no-dashes");
    wl.options = rows;
    assert_description_refused(&wl, "option 0: a name starting with --");
}

static void duplicate_option_refused(void **state)
{
    (void)state;
    static const hetero_option rows[] = {
        {.type = HETERO_OPT_COUNT,
         .name = "--grains",
         .metavar = "N",
         .help = "number of grains",
         .offset = offsetof(sq_params, grains),
         .min = 1,
         .max = 1e6},
        {.type = HETERO_OPT_COUNT,
         .name = "--grains",
         .metavar = "N",
         .help = "again",
         .offset = offsetof(sq_params, grains),
         .min = 1,
         .max = 1e6},
        {.type = HETERO_OPT_END},
    };
    hetero_workload wl = sq_copy("api-twice-option");
    wl.options = rows;
    assert_description_refused(&wl, "--grains twice");
}

static void common_option_name_refused(void **state)
{
    (void)state;
    static const hetero_option rows[] = {
        {.type = HETERO_OPT_COUNT,
         .name = "--seed",
         .metavar = "S",
         .help = "a seed of its own",
         .offset = offsetof(sq_params, grains)},
        {.type = HETERO_OPT_END},
    };
    hetero_workload wl = sq_copy("api-own-seed");
    wl.options = rows;
    assert_description_refused(&wl, "--seed is a common option");
}

static void default_outside_bounds_refused(void **state)
{
    (void)state;
    static const hetero_option rows[] = {
        {.type = HETERO_OPT_COUNT,
         .name = "--grains",
         .metavar = "N",
         .help = "number of grains",
         .offset = offsetof(sq_params, grains),
         .min = 1,
         .max = 1e6,
         .def = "2e6"},
        {.type = HETERO_OPT_END},
    };
    hetero_workload wl = sq_copy("api-bad-default");
    wl.options = rows;
    assert_description_refused(&wl, "--grains: default '2e6'");
}

static void option_outside_params_refused(void **state)
{
    (void)state;
    static const hetero_option rows[] = {
        {.type = HETERO_OPT_COUNT,
         .name = "--grains",
         .metavar = "N",
         .help = "number of grains",
         .offset = sizeof(sq_params),
         .min = 1,
         .max = 1e6},
        {.type = HETERO_OPT_END},
    };
    hetero_workload wl = sq_copy("api-bad-offset");
    wl.options = rows;
    assert_description_refused(&wl, "--grains: offset");
}

static void kernel_without_cl_args_refused(void **state)
{
    (void)state;
    hetero_workload wl = sq_copy("api-no-cl-args");
    wl.kernel_source = "__kernel void sq(__global ulong *out, ulong g0, uint n, __global ulong *chk) {}";
    wl.kernel_name = "sq";
    assert_description_refused(&wl, "cl_args");
    wl = sq_copy("api-no-kernel-name");
    wl.kernel_source = "__kernel void sq(__global ulong *out, ulong g0, uint n, __global ulong *chk) {}";
    wl.cl_args = sq_cl_args;
    assert_description_refused(&wl, "kernel_name");
}

static void same_name_twice_refused(void **state)
{
    (void)state;
    static hetero_workload first, second;
    first = sq_copy("api-same-name");
    second = sq_copy("api-same-name");
    assert_int_equal(hetero_workload_register(&first), HETERO_OK);
    assert_badarg_naming(hetero_workload_register(&second), hetero_errmsg(),
                         "api-same-name: already registered");
    /* the first stays */
    assert_ptr_equal(hetero_workload_find("api-same-name"), &first);
    /* a built-in's name is taken too */
    static hetero_workload pi_again;
    pi_again = sq_copy("pi");
    assert_badarg_naming(hetero_workload_register(&pi_again), hetero_errmsg(), "pi: already registered");
    assert_ptr_equal(hetero_workload_find("pi"), hetero_workload_at(0));
}

static void malformed_name_refused(void **state)
{
    (void)state;
    hetero_workload wl = sq_copy("Squares");
    assert_description_refused(&wl, "Squares: name must be lowercase");
    wl = sq_copy("api squares");
    assert_description_refused(&wl, "api squares: name must be lowercase");
    wl = sq_copy("");
    assert_description_refused(&wl, "name must be lowercase");
    wl = sq_copy(NULL);
    assert_description_refused(&wl, "name must be lowercase");
    assert_badarg_naming(hetero_workload_register(NULL), hetero_errmsg(), "no description");
}

/* ---- errors and the version ------------------------------------------------- */

static void error_descriptions_and_exit_statuses(void **state)
{
    (void)state;
    assert_string_equal(hetero_strerror(HETERO_E_BADARG), "bad input");
    assert_string_equal(hetero_strerror(HETERO_E_INTERRUPTED), "interrupted");
    assert_string_equal(hetero_strerror(HETERO_E_STOPPED), "stopped at the time limit");
    assert_string_equal(hetero_errname(HETERO_E_BADARG), "HETERO_E_BADARG");
    assert_int_equal(hetero_exit_status(HETERO_OK), 0);
    assert_int_equal(hetero_exit_status(HETERO_E_BADARG), 2);
    assert_int_equal(hetero_exit_status(HETERO_E_NODEV), 2);
    assert_int_equal(hetero_exit_status(HETERO_E_STOPPED), 3);
    assert_int_equal(hetero_exit_status(HETERO_E_INTERRUPTED), 130);
    assert_int_equal(hetero_exit_status(HETERO_E_RUNTIME), 1);
}

static void fail_records_the_message(void **state)
{
    (void)state;
    assert_int_equal(hetero_fail(HETERO_E_IO, "--out: cannot write '%s'", "x"), HETERO_E_IO);
    assert_string_equal(hetero_errmsg(), "--out: cannot write 'x'");
}

static void version_matches_the_header(void **state)
{
    (void)state;
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", HETERO_VERSION_MAJOR, HETERO_VERSION_MINOR, HETERO_VERSION_PATCH);
    assert_string_equal(hetero_version(), want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pi_job_gives_its_estimate),
        cmocka_unit_test(text_and_typed_options_are_the_same),
        cmocka_unit_test(thread_count_does_not_change_the_bits),
        cmocka_unit_test(seed_changes_the_bits),
        cmocka_unit_test(a_job_runs_once),
        cmocka_unit_test(result_fields_are_typed),
        cmocka_unit_test(unknown_workload_refused),
        cmocka_unit_test(unknown_option_refused),
        cmocka_unit_test(out_of_bounds_refused),
        cmocka_unit_test(not_a_number_refused),
        cmocka_unit_test(typed_set_of_another_type_refused),
        cmocka_unit_test(job_error_names_the_option),
        cmocka_unit_test(missing_required_option_refused),
        cmocka_unit_test(free_of_null_is_safe),
        cmocka_unit_test(two_jobs_in_turn_match_alone),
        cmocka_unit_test(two_jobs_alive_at_once_match_alone),
        cmocka_unit_test(two_jobs_run_from_two_threads_match_alone),
        cmocka_unit_test(json_report_parses_with_result_and_digest),
        cmocka_unit_test(text_and_csv_reports_carry_the_digest),
        cmocka_unit_test(report_written_to_a_stream_matches_the_rendering),
        cmocka_unit_test(quiet_silences_the_notice_callback),
        cmocka_unit_test(the_report_leaves_stdout_to_an_output_on_it),
        cmocka_unit_test(own_workload_registers_and_runs),
        cmocka_unit_test(a_cancelled_run_drops_a_batch_that_polls),
        cmocka_unit_test(own_workload_defaults_apply),
        cmocka_unit_test(custom_option_is_in_the_identity),
        cmocka_unit_test(own_workload_options_are_checked),
        cmocka_unit_test(own_workload_is_listed),
        cmocka_unit_test(builtins_come_first_and_pass_the_checks),
        cmocka_unit_test(wrong_abi_refused),
        cmocka_unit_test(missing_hooks_refused),
        cmocka_unit_test(option_without_dashes_refused),
        cmocka_unit_test(duplicate_option_refused),
        cmocka_unit_test(common_option_name_refused),
        cmocka_unit_test(default_outside_bounds_refused),
        cmocka_unit_test(option_outside_params_refused),
        cmocka_unit_test(kernel_without_cl_args_refused),
        cmocka_unit_test(same_name_twice_refused),
        cmocka_unit_test(malformed_name_refused),
        cmocka_unit_test(error_descriptions_and_exit_statuses),
        cmocka_unit_test(fail_records_the_message),
        cmocka_unit_test(version_matches_the_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
