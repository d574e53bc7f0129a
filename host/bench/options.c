/* options.c - hetero-bench's command line: its options and the usage
 * text, parsed into bench_opts (--load's workloads first, then every
 * option, then the defaults --quick changes), and the reports --compare
 * and --results name, read last so that a bad option anywhere is the one
 * reported.
 */
#include "bench.h"

#include <string.h>

#include "cli.h"
#include "draw.h"
#include "load.h"
#include "output.h"

#define BENCH_MAX_REPEATS 1000

static const hetero_option bench_options[] = {
    {.type = HETERO_OPT_CUSTOM,
     .name = "--load",
     .metavar = "PATH.so",
     .help = "add the workloads a shared object defines (repeatable; see hetero --load)"},
    {.type = HETERO_OPT_CUSTOM,
     .name = "--workloads",
     .metavar = "LIST",
     .help = "comma-separated workloads (default: every one)"},
    {.type = HETERO_OPT_CUSTOM,
     .name = "--devices",
     .metavar = "LIST",
     .help = "devices to consider, as hetero's --devices (default: omp and every OpenCL device)"},
    {.type = HETERO_OPT_CUSTOM,
     .name = "--threads",
     .metavar = "T",
     .help = "threads of the all-threads OpenMP set (default OMP_NUM_THREADS, else every core)"},
    {.type = HETERO_OPT_FLAG,
     .name = "--quick",
     .help = "two repeats of about 0.1 s per row and a smaller check job"},
    {.type = HETERO_OPT_CUSTOM,
     .name = "--repeats",
     .metavar = "R",
     .help = "timed repeats per row (default 3; 2 with --quick)"},
    {.type = HETERO_OPT_CUSTOM,
     .name = "--seconds",
     .metavar = "S",
     .help = "target compute time of one repeat (default 1; 0.1 with --quick)"},
    {.type = HETERO_OPT_CUSTOM,
     .name = "--check-items",
     .metavar = "N",
     .help = "items of the self-check job (default 2e7; 2e6 with --quick)"},
    {.type = HETERO_OPT_CUSTOM,
     .name = "--seed",
     .metavar = "S",
     .help = "64-bit seed of every job (default 0)"},
    {.type = HETERO_OPT_CUSTOM, .name = "--format", .metavar = "FMT", .help = "text (default), json or csv"},
    {.type = HETERO_OPT_CUSTOM,
     .name = "--plot",
     .metavar = "FILE",
     .help = "bar chart of items/s, FILE.svg or FILE.png (may be given up to 4 times)"},
    {.type = HETERO_OPT_CUSTOM,
     .name = "--compare",
     .metavar = "BASELINE",
     .help = "change of items/s against an earlier --format json report"},
    {.type = HETERO_OPT_CUSTOM,
     .name = "--fail-on",
     .metavar = "PCT",
     .help = "with --compare: exit 3 when a comparable row's items/s fell by more than PCT%"},
    {.type = HETERO_OPT_CUSTOM,
     .name = "--results",
     .metavar = "REPORT",
     .help = "with --compare: compare an earlier --format json report instead of running"},
    {.type = HETERO_OPT_FLAG,
     .name = "--progress",
     .help = "show the progress line even when stderr is not a terminal"},
    {.type = HETERO_OPT_FLAG, .name = "--no-progress", .help = "never show the progress line"},
    {.type = HETERO_OPT_FLAG, .name = "--help", .help = "this help"},
    {.type = HETERO_OPT_FLAG, .name = "--version", .help = "print the version"},
    {.type = HETERO_OPT_END},
};

void bench_usage(FILE *out)
{
    fputs("usage: hetero-bench [options]\n\n"
          "Runs every workload on every device set (each OpenCL device alone, OpenMP at\n"
          "one thread and at all threads, and all of those devices together), checks that\n"
          "all sets give the same result, and reports time, items/s with the spread of the\n"
          "repeats, speedup over one thread and co-execution efficiency.\n\noptions:\n",
          out);
    for (const hetero_option *o = bench_options; o->type != HETERO_OPT_END; o++) {
        char left[64];
        snprintf(left, sizeof left, "%s%s%s", o->name, o->metavar ? " " : "", o->metavar ? o->metavar : "");
        fprintf(out, "  %-22s %s\n", left, o->help);
    }
    fputs("\nworkloads:", out);
    for (size_t i = 0; hetero_workload_at(i); i++)
        fprintf(out, " %s", hetero_workload_at(i)->name);
    fprintf(out,
            "\n\nA row whose repeats spread more than %g%% (fastest minus slowest items/s, over\n"
            "the median), or whose median items/s falls that much below the rate its\n"
            "calibration measured just before, is measured again; if it still does, it is\n"
            "marked noisy (\"noisy\": true in JSON).\n\n"
            "--compare BASELINE matches rows by workload and devices (each OpenCL device's\n"
            "name and driver, the CPU model and thread count of OpenMP, the rank count),\n"
            "lists every difference of machine, devices, build and settings, and marks the\n"
            "rows it cannot compare.  --fail-on PCT then exits 3 when a compared row's\n"
            "items/s fell by more than PCT percent, or when no row could be compared.\n\n"
            "exit status: 0 ok, 1 run-time failure (a failed self-check included), 2 bad\n"
            "input, 3 --fail-on found a regression, 130/143 interrupted\n",
            BENCH_NOISY_PCT);
}

/* ---- options ------------------------------------------------------------ */

static int bench_parse_workloads(bench_opts *o, const char *list)
{
    char buf[1024], names[512] = "";
    for (size_t i = 0; hetero_workload_at(i); i++) {
        size_t len = strlen(names);
        snprintf(names + len, sizeof names - len, "%s%s", i ? ", " : "", hetero_workload_at(i)->name);
    }
    size_t len = strlen(list);
    if (!len || len >= sizeof buf)
        return hetero_fail(HETERO_E_BADARG, "--workloads: expected a comma-separated list of %s, got '%s'",
                           names, list);
    /* strtok_r would skip empty elements silently: "pi,,primes" is a typo
     * (as --devices says too) */
    if (list[0] == ',' || list[len - 1] == ',' || strstr(list, ",,"))
        return hetero_fail(HETERO_E_BADARG,
                           "--workloads: expected a comma-separated list of %s, got '%s' (empty element)",
                           names, list);
    strcpy(buf, list);
    o->n_wls = 0;
    o->unsized = NULL;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        const hetero_workload *wl = hetero_workload_find(tok);
        int rc = wl ? HETERO_OK : het_load_named(tok, &wl); /* a NAME.so on HETERO_WORKLOAD_PATH */
        if (rc)
            return rc;
        if (!wl)
            return hetero_fail(HETERO_E_BADARG, "--workloads: unknown workload '%s' (expected %s)", tok,
                               names);
        if (!wl->bench_params)
            return hetero_fail(HETERO_E_BADARG,
                               "--workloads: %s cannot size a bench job (it has no bench_params)", tok);
        size_t k = 0;
        while (k < o->n_wls && o->wls[k] != wl)
            k++;
        if (k == o->n_wls && o->n_wls < sizeof o->wls / sizeof o->wls[0])
            o->wls[o->n_wls++] = wl;
    }
    if (!o->n_wls)
        return hetero_fail(HETERO_E_BADARG, "--workloads: expected a comma-separated list of %s, got '%s'",
                           names, list);
    return HETERO_OK;
}

/* --load first, wherever it stands: its workloads are among "every
 * workload" and --workloads may name them.  A bad option is left to
 * bench_parse's pass, which reports the first one. */
static int bench_parse_loads(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const hetero_option *opt;
        const char *v;
        if (het_cli_option(argc, argv, &i, bench_options, NULL, "", &opt, &v) != HETERO_OK)
            break;
        int rc = strcmp(opt->name, "--load") == 0 ? hetero_workload_load(v) : HETERO_OK;
        if (rc)
            return hetero_fail(rc, "--load: %s", hetero_errmsg());
    }
    return HETERO_OK;
}

/* One option of the command line and its value into o. */
static int bench_parse_option(bench_opts *o, const char *n, const char *v)
{
    int rc = HETERO_OK;
    uint64_t u;
    if (strcmp(n, "--help") == 0) {
        o->help = 1;
    } else if (strcmp(n, "--version") == 0) {
        o->version = 1;
    } else if (strcmp(n, "--load") == 0) {
        /* loaded first (bench_parse_loads) */
    } else if (strcmp(n, "--workloads") == 0) {
        rc = bench_parse_workloads(o, v);
    } else if (strcmp(n, "--devices") == 0) {
        het_selection sel;
        o->devices = v;
        rc = het_devices_parse(v, &sel);
    } else if (strcmp(n, "--threads") == 0) {
        rc = het_parse_threads(n, v, &o->threads);
    } else if (strcmp(n, "--quick") == 0) {
        o->quick = 1;
    } else if (strcmp(n, "--repeats") == 0) {
        rc = hetero_parse_count(n, v, 1, BENCH_MAX_REPEATS, &u);
        o->repeats = (int)u;
    } else if (strcmp(n, "--seconds") == 0) {
        rc = hetero_parse_real(n, v, 0.001, 3600, &o->seconds);
    } else if (strcmp(n, "--check-items") == 0) {
        rc = hetero_parse_count(n, v, 1, (uint64_t)BENCH_MAX_ITEMS, &o->check_items);
    } else if (strcmp(n, "--seed") == 0) {
        rc = hetero_parse_u64(n, v, &o->seed);
    } else if (strcmp(n, "--format") == 0) {
        rc = het_parse_format(v, 1, &o->format);
    } else if (strcmp(n, "--plot") == 0) {
        for (size_t k = 0; k < o->n_plots && rc == HETERO_OK; k++)
            if (strcmp(o->plots[k], v) == 0)
                rc = hetero_fail(HETERO_E_BADARG, "--plot: '%s' given twice", v);
        if (rc == HETERO_OK && o->n_plots == BENCH_MAX_PLOTS)
            rc = hetero_fail(HETERO_E_BADARG, "--plot: at most %d files, got more", BENCH_MAX_PLOTS);
        if (rc == HETERO_OK)
            rc = het_draw_check(n, v); /* before the bench, not after it */
        if (rc == HETERO_OK)
            rc = het_out_not_stdout(n, v); /* the report goes to stdout */
        if (rc == HETERO_OK)
            o->plots[o->n_plots++] = v;
    } else if (strcmp(n, "--compare") == 0) {
        o->compare = v;
    } else if (strcmp(n, "--fail-on") == 0) {
        rc = hetero_parse_real(n, v, 0, 100, &o->fail_on);
    } else if (strcmp(n, "--results") == 0) {
        o->results = v;
    } else if (strcmp(n, "--progress") == 0) {
        o->progress = 1;
    } else if (strcmp(n, "--no-progress") == 0) {
        o->progress = 0;
    }
    return rc;
}

/* What the options say together: the options that need --compare, the
 * defaults (--quick's smaller ones), and the reports read. */
static int bench_parse_finish(bench *b)
{
    bench_opts *o = &b->opt;
    if (o->fail_on >= 0 && !o->compare)
        return hetero_fail(HETERO_E_BADARG,
                           "--fail-on: needs --compare BASELINE (the report to compare with)");
    if (o->results && !o->compare)
        return hetero_fail(HETERO_E_BADARG,
                           "--results: needs --compare BASELINE (the report to compare with)");
    if (o->results && o->n_plots)
        return hetero_fail(HETERO_E_BADARG,
                           "--plot: nothing is run with --results, so there is no chart to draw");
    if (!o->repeats)
        o->repeats = o->quick ? 2 : 3;
    if (o->seconds == 0)
        o->seconds = o->quick ? 0.1 : 1.0;
    if (!o->check_items)
        o->check_items = o->quick ? 2000000 : 20000000;
    /* the team of omp/all comes from OMP_NUM_THREADS unless --threads says */
    int env_threads, rc = het_threads_env(&env_threads);
    if (rc)
        return rc;
    /* read last, so that a bad option anywhere is reported first */
    if (o->compare)
        rc = bench_load_report("--compare", o->compare, &b->baseline);
    if (rc == HETERO_OK && o->results)
        rc = bench_load_report("--results", o->results, &b->doc);
    return rc;
}

int bench_parse(int argc, char **argv, bench *b)
{
    bench_opts *o = &b->opt;
    o->repeats = 0;
    o->seconds = 0;
    o->check_items = 0;
    o->progress = -1;
    o->format = HETERO_FORMAT_TEXT;
    o->fail_on = -1;
    int rc = bench_parse_loads(argc, argv);
    if (rc)
        return rc;
    /* by default every workload that can size a job (workload.h asks each
     * for bench_params; one without it is skipped with a notice rather
     * than crashed on) */
    for (size_t i = 0; hetero_workload_at(i) && o->n_wls < sizeof o->wls / sizeof o->wls[0]; i++)
        if (hetero_workload_at(i)->bench_params)
            o->wls[o->n_wls++] = hetero_workload_at(i);
        else
            o->unsized = hetero_workload_at(i)->name;
    for (int i = 1; i < argc; i++) {
        const hetero_option *opt;
        const char *v;
        rc = het_cli_option(argc, argv, &i, bench_options, NULL, "(see hetero-bench --help)", &opt, &v);
        if (rc == HETERO_OK)
            rc = bench_parse_option(o, opt->name, v);
        if (rc)
            return rc;
        if (o->help || o->version)
            return HETERO_OK;
    }
    return bench_parse_finish(b);
}
