/* bench.c - hetero-bench: every workload on every device set, timed like a
 * benchmark and checked against itself.
 *
 * For each workload: first the self-check (one fixed job run on every
 * device set; all must give the same result fields and digest, which also
 * warms up every set and fills the kernel cache), then per set a
 * calibration probe that sizes one repeat to about --seconds of compute,
 * then the timed repeats of that job.  Time is the engine's compute phase
 * (hetero_report.compute_s), the slowest rank's under MPI.  A row whose
 * repeats spread more than BENCH_NOISY_PCT is measured once more and, if it
 * still spreads, marked noisy.
 *
 * Exit status as hetero's: 0, 2 for bad input (one line, nothing on
 * stdout), 1 for a run-time failure, a failed self-check included; 3 when
 * --fail-on finds a regression against --compare's baseline (or no row it
 * can compare).  Under mpirun every rank makes the same engine calls in the
 * same order (each run is collective) and only rank 0 prints.
 *
 * This file: hetero_bench_main and the run of every row.  The command
 * line is options.c's, the device sets sets.c's, the self-check check.c's,
 * one engine run and the timing of a row run.c's, the progress line
 * progress.c's.
 */
#include "bench.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_buildinfo.h" /* BENCH_GIT, BENCH_GIT_DIRTY: generated at build time */
#include "cli.h"
#include "interrupt.h"
#include "output.h"
#include "par.h"

/* ---- where and how ------------------------------------------------------- */

static const char *bench_compiler(void)
{
#if defined(__clang__)
    return "Clang " __clang_version__;
#elif defined(__GNUC__)
    return "GCC " __VERSION__;
#else
    return "unknown";
#endif
}

static void bench_run_facts(bench_run_info *r)
{
    if (gethostname(r->host, sizeof r->host) != 0)
        snprintf(r->host, sizeof r->host, "unknown");
    r->host[sizeof r->host - 1] = 0;
    time_t now = time(NULL);
    struct tm tm;
    if (now == (time_t)-1 || !gmtime_r(&now, &tm) ||
        !strftime(r->started, sizeof r->started, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(r->started, sizeof r->started, "unknown");
    r->git = BENCH_GIT;
    r->git_dirty = BENCH_GIT_DIRTY;
    r->compiler = bench_compiler();
    r->build_type = HETERO_BUILD_TYPE[0] ? HETERO_BUILD_TYPE : "unknown";
}

/* ---- the run ------------------------------------------------------------ */

/* Speedup over the workload's omp/1 row; co-execution efficiency of the
 * combined row over its members' solo rows. */
static void bench_derive(bench *b)
{
    for (size_t i = 0; i < b->n_rows; i++) {
        bench_row *r = &b->rows[i];
        const bench_row *base = NULL;
        for (size_t j = 0; j < b->n_rows; j++)
            if (b->rows[j].wl == r->wl && b->sets[b->rows[j].set].kind == BENCH_SET_OMP1)
                base = &b->rows[j];
        if (base && base->items_per_s > 0)
            r->speedup = r->items_per_s / base->items_per_s;
        const bench_set *s = &b->sets[r->set];
        if (s->kind != BENCH_SET_COMBINED)
            continue;
        double sum = 0;
        for (size_t m = 0; m < s->n_members; m++)
            for (size_t j = 0; j < b->n_rows; j++)
                if (b->rows[j].wl == r->wl && b->rows[j].set == s->members[m])
                    sum += b->rows[j].items_per_s;
        r->coexec = sum > 0 ? r->items_per_s / sum : NAN;
    }
}

static int bench_machine_facts(bench *b)
{
    het_cpu_model(b->m.cpu, sizeof b->m.cpu);
    b->m.cores = sysconf(_SC_NPROCESSORS_ONLN);
    b->m.omp_threads = het_default_threads(b->opt.threads, het_par_local_size());
    b->m.ranks = het_par_size();
    int rc = hcl_discover(&b->m.cl, &b->m.n_cl);
    return bench_agree(rc);
}

static int bench_run(bench *b)
{
    bench_run_facts(&b->run);
    int rc = bench_machine_facts(b);
    if (rc == HETERO_OK)
        rc = bench_build_sets(b);
    if (rc)
        return rc;
    /* after everything that can be bad input, which must stay one line */
    if (*hcl_discover_note() && het_par_rank() == 0)
        fprintf(stderr, "hetero-bench: notice: %s\n", hcl_discover_note());
    if (b->opt.unsized && het_par_rank() == 0)
        fprintf(stderr, "hetero-bench: notice: %s cannot size a bench job (no bench_params): skipped\n",
                b->opt.unsized);
    b->rows = calloc(b->opt.n_wls * b->n_sets, sizeof *b->rows);
    size_t n_rows = b->opt.n_wls * b->n_sets;
    if (!b->rows)
        return bench_agree(hetero_fail(HETERO_E_NOMEM, "out of memory for the rows"));
    for (size_t w = 0; w < b->opt.n_wls && rc == HETERO_OK; w++) {
        const hetero_workload *wl = b->opt.wls[w];
        bench_check *c = &b->checks[b->n_checks++];
        bench_progress_at(b->n_rows + 1, n_rows);
        rc = bench_check_workload(b, wl, c);
        for (size_t s = 0; s < b->n_sets && rc == HETERO_OK; s++) {
            bench_progress_at(b->n_rows + 1, n_rows);
            rc = bench_time_row(b, wl, s, c, &b->rows[b->n_rows]);
            if (rc == HETERO_OK)
                b->n_rows++;
        }
    }
    bench_progress_end();
    if (rc == HETERO_OK)
        bench_derive(b);
    return rc;
}

static void bench_free(bench *b)
{
    for (size_t i = 0; i < b->n_rows; i++)
        bench_fields_free(&b->rows[i].params);
    for (size_t i = 0; i < b->n_checks; i++) {
        bench_fields_free(&b->checks[i].result);
        bench_fields_free(&b->checks[i].params);
    }
    free(b->rows);
    free(b->m.cl);
    if (b->have_cmp)
        bench_comparison_free(&b->cmp);
    cJSON_Delete(b->baseline);
    cJSON_Delete(b->doc);
}

/* --fail-on: exit 3 when a compared row fell by more than PCT percent, or
 * when nothing could be compared; one line on stderr says which. */
static int bench_fail_on(const bench *b)
{
    const bench_comparison *c = &b->cmp;
    if (!b->have_cmp || c->fail_on < 0)
        return 0;
    if (c->n_compared == 0) {
        fprintf(stderr,
                "hetero-bench: --fail-on: no row could be compared with '%s' (other devices, thread or "
                "rank counts: see the comparison)\n",
                c->baseline_path);
        return 3;
    }
    if (c->n_regressions == 0)
        return 0;
    char list[1024] = "";
    size_t shown = 0;
    for (size_t i = 0; i < c->n_rows; i++) {
        const bench_cmp_row *r = &c->rows[i];
        if (!r->regression)
            continue;
        size_t len = strlen(list);
        if (shown++ < 6)
            snprintf(list + len, sizeof list - len, "%s%s on %s %.1f%%%s", len ? ", " : "", r->workload,
                     r->set, r->change_pct, r->noisy ? " (noisy)" : "");
    }
    fprintf(stderr, "hetero-bench: regression: %zu row%s fell by more than %g%% against '%s': %s%s\n",
            c->n_regressions, c->n_regressions == 1 ? "" : "s", c->fail_on, c->baseline_path, list,
            shown > 6 ? ", ..." : "");
    return 3;
}

/* The comparison of this run's document with --compare's baseline
 * (rank 0). */
static int bench_compare(bench *b)
{
    /* the baseline's name as messages show it: one line, whatever it holds */
    static char baseline_shown[1024];
    int rc = bench_compare_docs(b->doc, b->baseline, b->opt.fail_on, &b->cmp);
    b->have_cmp = rc == HETERO_OK;
    het_escape(b->opt.compare, baseline_shown, sizeof baseline_shown);
    b->cmp.baseline_path = baseline_shown;
    return rc;
}

/* Every row run, then (rank 0) the report, its comparison with the
 * baseline, the chart and the report printed. */
static int bench_run_report(bench *b, int rank0)
{
    int rc = bench_run(b);
    if (rc == HETERO_OK && rank0 && !(b->doc = bench_report_doc(b)))
        rc = hetero_fail(HETERO_E_NOMEM, "out of memory for the report");
    if (rc == HETERO_OK && rank0 && b->baseline)
        rc = bench_compare(b);
    /* the plot first: if it cannot be drawn, no report claims success */
    if (rc == HETERO_OK && rank0 && b->opt.n_plots)
        rc = bench_plot(b);
    if (rc == HETERO_OK && rank0) {
        rc = bench_print(b, stdout);
        if (rc == HETERO_OK)
            rc = het_stream_flush(stdout, "the report to stdout");
    }
    return rc;
}

int hetero_bench_main(int argc, char **argv, const hetero_workload *const *workloads, size_t n)
{
    het_stdio_init();
    het_set_progname("hetero-bench");
    int rc = het_par_init(&argc, &argv);
    if (rc == HETERO_OK)
        rc = het_cli_register("hetero_bench_main", workloads, workloads ? n : 0);
    if (rc) {
        fprintf(stderr, hetero_exit_status(rc) == 2 ? "hetero-bench: %s\n" : "hetero-bench: error: %s\n",
                hetero_errmsg());
        return hetero_exit_status(rc);
    }
    /* handlers first: parsing already creates (and removes) probe files */
    het_interrupt_install("hetero-bench", het_par_rank() == 0, 0);
    static bench b;
    rc = bench_parse(argc, argv, &b);
    /* every rank parses the same line, but only some can read --compare's
     * file: agree, so that no rank goes on alone into a collective run */
    rc = bench_agree(rc);
    int rank0 = het_par_rank() == 0;
    if (rc == HETERO_OK) {
        int show = rank0 && (b.opt.progress > 0 || (b.opt.progress < 0 && isatty(2)));
        bench_progress_show(show);
        het_interrupt_install("hetero-bench", rank0, show && !b.opt.help && !b.opt.version);
        rc = het_stdout_check_open();
    }
    if (rc == HETERO_OK && b.opt.help) {
        if (rank0) {
            bench_usage(stdout);
            rc = het_stream_flush(stdout, "the usage text to stdout");
        }
    } else if (rc == HETERO_OK && b.opt.version) {
        if (rank0) {
            printf("hetero-bench %s\n", HETERO_VERSION);
            rc = het_stream_flush(stdout, "the version to stdout");
        }
    } else if (rc == HETERO_OK && b.opt.results) {
        /* two reports compared, nothing run */
        if (rank0) {
            rc = bench_compare(&b);
            if (rc == HETERO_OK)
                rc = bench_print(&b, stdout);
            if (rc == HETERO_OK)
                rc = het_stream_flush(stdout, "the comparison to stdout");
        }
    } else if (rc == HETERO_OK) {
        rc = bench_run_report(&b, rank0);
    }
    bench_progress_end();
    int status = hetero_exit_status(rc);
    if (rc == HETERO_OK && rank0)
        status = bench_fail_on(&b);
    if (rc == HETERO_E_INTERRUPTED || het_interrupted()) {
        status = het_interrupt_report();
        if (!status)
            status = hetero_exit_status(HETERO_E_INTERRUPTED);
    } else if (rc && rank0) {
        if (status == 2)
            fprintf(stderr, "hetero-bench: %s\n", hetero_errmsg());
        else
            fprintf(stderr, "hetero-bench: error: %s\n", hetero_errmsg());
    }
    bench_free(&b);
    het_par_finalize();
    if (het_stdout_close("stdout") != HETERO_OK && (status == 0 || status == 3)) {
        if (rank0)
            fprintf(stderr, "hetero-bench: error: %s\n", hetero_errmsg());
        status = 1;
    }
    het_cli_leave(status);
    return status;
}
