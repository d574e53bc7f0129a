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
 */
#include "bench.h"
#include "format.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "bench_buildinfo.h" /* BENCH_GIT, BENCH_GIT_DIRTY: generated at build time */
#include "cli.h"
#include "draw.h"
#include "interrupt.h"
#include "load.h"
#include "output.h"
#include "par.h"

#define BENCH_MAX_REPEATS 1000
/* Probes start here and grow; no job is sized beyond BENCH_MAX_ITEMS, so a
 * workload too fast to time cannot ask for an absurd one. */
#define BENCH_PROBE_ITEMS 1e5
#define BENCH_MAX_ITEMS 1e14
#define BENCH_MAX_PROBES 10

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

static void bench_usage(FILE *out)
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

static int bench_parse(int argc, char **argv, bench *b)
{
    bench_opts *o = &b->opt;
    o->repeats = 0;
    o->seconds = 0;
    o->check_items = 0;
    o->progress = -1;
    o->format = HETERO_FORMAT_TEXT;
    o->fail_on = -1;
    /* --load first, wherever it stands: its workloads are among "every
     * workload" and --workloads may name them.  A bad option is left to
     * the pass below, which reports the first one. */
    for (int i = 1; i < argc; i++) {
        const hetero_option *opt;
        const char *v;
        if (het_cli_option(argc, argv, &i, bench_options, NULL, "", &opt, &v) != HETERO_OK)
            break;
        int rc = strcmp(opt->name, "--load") == 0 ? hetero_workload_load(v) : HETERO_OK;
        if (rc)
            return hetero_fail(rc, "--load: %s", hetero_errmsg());
    }
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
        int rc0 = het_cli_option(argc, argv, &i, bench_options, NULL, "(see hetero-bench --help)", &opt, &v);
        if (rc0)
            return rc0;
        const char *n = opt->name;
        int rc = HETERO_OK;
        uint64_t u;
        if (strcmp(n, "--help") == 0) {
            o->help = 1;
            return HETERO_OK;
        } else if (strcmp(n, "--version") == 0) {
            o->version = 1;
            return HETERO_OK;
        } else if (strcmp(n, "--load") == 0) {
            /* loaded above */
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
        if (rc)
            return rc;
    }
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

/* ---- progress ----------------------------------------------------------- */

static int bench_show_progress;
static int bench_progress_len;
static size_t bench_progress_row, bench_progress_rows; /* "row 3/8" */

static void bench_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void bench_progress(const char *fmt, ...)
{
    if (!bench_show_progress)
        return;
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (n >= (int)sizeof line)
        n = (int)sizeof line - 1;
    /* pad over the previous line instead of a terminal escape, so that
     * the line reads the same in a log file */
    fprintf(stderr, "\rbench: [%zu/%zu] %s%*s", bench_progress_row, bench_progress_rows, line,
            bench_progress_len > n ? bench_progress_len - n : 0, "");
    (void)fflush(stderr); /* the progress line only: nowhere to report its loss */
    bench_progress_len = n;
}

static void bench_progress_end(void)
{
    if (!bench_show_progress || !bench_progress_len)
        return;
    fprintf(stderr, "\r%*s\r", bench_progress_len + 24, "");
    (void)fflush(stderr); /* as above */
    bench_progress_len = 0;
}

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

typedef struct bench_result {
    double compute_s; /* slowest rank's compute phase */
    double wall_s;    /* slowest rank's whole run */
    uint64_t items;   /* of the job as planned (every rank) */
    uint64_t digest;  /* rank 0 */
    int threads;      /* OpenMP threads of rank 0's team, 0 if none */
    int ranks;
    char workers_note[320];      /* rank 0: the first worker that was not ok, and why */
    bench_fields params, result; /* rank 0, when asked for */
} bench_result;

/* Runs `wl` sized by bench_params(items) with the given seed on set s.
 * Collective.  With want_fields the result and params fields are copied
 * (rank 0); the caller frees them. */
static int bench_job(const hetero_workload *wl, double items, uint64_t seed, const bench_set *s,
                     int want_fields, bench_result *r)
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

/* ---- device sets -------------------------------------------------------- */

static int bench_add_set(bench *b, int kind, const char *name, const char *label, const char *devices,
                         int threads)
{
    if (b->n_sets == BENCH_MAX_SETS)
        return hetero_fail(HETERO_E_BADARG, "--devices: too many devices for one bench");
    bench_set *s = &b->sets[b->n_sets++];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    snprintf(s->name, sizeof s->name, "%s", name);
    snprintf(s->label, sizeof s->label, "%s", label);
    snprintf(s->devices, sizeof s->devices, "%s", devices);
    s->threads = threads;
    return HETERO_OK;
}

static int bench_starts(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

/* An OpenCL device as a person knows it: "PoCL CPU", "NVIDIA H200",
 * "Intel UHD Graphics 630", "AMD gfx90a".  The driver's name with the
 * trademark signs, runs of blanks and AMD's feature suffix taken out, the
 * vendor put in front when the name lacks it. */
static void bench_cl_label(const hcl_info *d, char *buf, size_t size)
{
    const char *kind = d->type & HCL_CPU     ? "CPU"
                       : d->type & HCL_GPU   ? "GPU"
                       : d->type & HCL_ACCEL ? "accelerator"
                                             : "device";
    if (strstr(d->platform_name, "Portable Computing Language") || bench_starts(d->platform_name, "PoCL") ||
        strstr(d->version, "PoCL")) {
        if (d->type & HCL_CPU)
            snprintf(buf, size, "PoCL CPU");
        else
            snprintf(buf, size, "PoCL %s (%.64s)", kind, d->name);
        return;
    }
    if (strstr(d->platform_name, "Oclgrind")) {
        snprintf(buf, size, "Oclgrind (simulator)");
        return;
    }
    char name[256];
    size_t k = 0;
    for (const char *p = d->name; *p && k + 1 < sizeof name; p++) {
        if (*p == '(' && (bench_starts(p, "(R)") || bench_starts(p, "(r)") || bench_starts(p, "(TM)") ||
                          bench_starts(p, "(tm)"))) {
            p = strchr(p, ')');
            continue;
        }
        if (*p == ':' && k > 0) /* gfx90a:sramecc+:xnack- */
            break;
        if ((*p == ' ' || *p == '\t') && (k == 0 || name[k - 1] == ' '))
            continue;
        name[k++] = *p == '\t' ? ' ' : *p;
    }
    while (k > 0 && name[k - 1] == ' ')
        k--;
    name[k] = 0;
    const char *vendor = strstr(d->vendor, "NVIDIA")                                               ? "NVIDIA"
                         : strstr(d->vendor, "Advanced Micro Devices") || strstr(d->vendor, "AMD") ? "AMD"
                         : strstr(d->vendor, "Intel")                                              ? "Intel"
                                                                                                   : NULL;
    if (!name[0])
        snprintf(buf, size, "%s %s", vendor ? vendor : "OpenCL", kind);
    else if (vendor && !strstr(name, vendor))
        snprintf(buf, size, "%s %.64s", vendor, name);
    else
        snprintf(buf, size, "%.80s", name);
}

/* "OpenMP, 2 threads", with " per rank" under MPI. */
static void bench_omp_label(int threads, int ranks, char *buf, size_t size)
{
    snprintf(buf, size, "OpenMP, %d thread%s%s", threads, threads == 1 ? "" : "s",
             ranks > 1 ? " per rank" : "");
}

/* The sets from what exists and what --devices allows: each OpenCL device
 * alone, omp at one thread, omp at all threads (unless that is one), and
 * everything together when that is more than one of them.  Collective:
 * every rank must build the same list. */
static int bench_build_sets(bench *b)
{
    const char *list = b->opt.devices ? b->opt.devices : b->m.n_cl ? "omp,cl" : "omp";
    het_selection sel;
    int rc = het_devices_select(list, b->m.cl, b->m.n_cl, &sel);
    /* collective: every rank gets here, whatever the selection said, and
     * all decide alike whether omp/all is worth a row */
    int all_threads = het_default_threads(b->opt.threads, het_par_local_size());
    all_threads = (int)het_par_max((double)all_threads);
    char label[1200];
    for (size_t i = 0; rc == HETERO_OK && i < sel.n_cl; i++) {
        const hcl_info *d = &b->m.cl[sel.cl[i]];
        bench_cl_label(d, label, sizeof label);
        rc = bench_add_set(b, BENCH_SET_CL, d->id, label, d->id, 0);
        if (rc == HETERO_OK)
            b->sets[b->n_sets - 1].cl_type = d->type;
    }
    /* two devices a person would call the same get their ids too */
    for (size_t i = 0; rc == HETERO_OK && i < b->n_sets; i++) {
        int twin = 0;
        for (size_t j = 0; j < b->n_sets; j++)
            twin |= j != i && strcmp(b->sets[i].label, b->sets[j].label) == 0;
        if (twin) {
            size_t len = strlen(b->sets[i].label);
            /* a copy: GCC at -O0 cannot tell the two fields apart (-Wrestrict) */
            char id[sizeof b->sets[i].name];
            memcpy(id, b->sets[i].name, sizeof id);
            snprintf(b->sets[i].label + len, sizeof b->sets[i].label - len, " (%s)", id);
        }
    }
    size_t omp_member = SIZE_MAX;
    if (rc == HETERO_OK && sel.omp) {
        bench_omp_label(1, b->m.ranks, label, sizeof label);
        rc = bench_add_set(b, BENCH_SET_OMP1, "omp/1", label, "omp", 1);
        omp_member = b->n_sets - 1;
        if (rc == HETERO_OK && all_threads > 1) {
            bench_omp_label(all_threads, b->m.ranks, label, sizeof label);
            rc = bench_add_set(b, BENCH_SET_OMPALL, "omp/all", label, "omp", b->opt.threads);
            omp_member = b->n_sets - 1;
        }
    }
    /* the combined set, named by what it holds: "cl:0:0+omp/all" */
    size_t n_members = sel.n_cl + (sel.omp ? 1 : 0);
    if (rc == HETERO_OK && n_members > 1) {
        char devices[1024] = "", name[1200] = "";
        bench_set all = {.kind = BENCH_SET_COMBINED};
        label[0] = 0;
        for (size_t i = 0; i < b->n_sets; i++) {
            const bench_set *s = &b->sets[i];
            if (s->kind != BENCH_SET_CL && i != omp_member)
                continue;
            size_t len = strlen(devices);
            snprintf(devices + len, sizeof devices - len, "%s%s", len ? "," : "", s->devices);
            len = strlen(name);
            snprintf(name + len, sizeof name - len, "%s%s", len ? "+" : "", s->name);
            len = strlen(label);
            snprintf(label + len, sizeof label - len, "%s%s", len ? " + " : "", s->label);
            all.members[all.n_members++] = i;
            if (s->kind == BENCH_SET_CL && (s->cl_type & HCL_CPU) && sel.omp)
                all.shares_cores = 1;
        }
        rc = bench_add_set(b, BENCH_SET_COMBINED, name, label, devices,
                           omp_member != SIZE_MAX ? b->sets[omp_member].threads : 0);
        if (rc == HETERO_OK) {
            bench_set *s = &b->sets[b->n_sets - 1];
            memcpy(s->members, all.members, sizeof all.members);
            s->n_members = all.n_members;
            s->shares_cores = all.shares_cores;
        }
    }
    /* ranks on different machines may see different devices; the rows are
     * collective, so the lists must match: compare a hash of them */
    XXH64_hash_t h = 0;
    for (size_t i = 0; rc == HETERO_OK && i < b->n_sets; i++)
        h = XXH64(b->sets[i].devices, strlen(b->sets[i].devices), h ^ b->sets[i].kind);
    double mine = (double)(h >> 12);
    double hi = het_par_max(mine), lo = -het_par_max(-mine);
    if (rc == HETERO_OK && (hi != mine || lo != mine))
        rc = hetero_fail(HETERO_E_RUNTIME,
                         "ranks see different devices for --devices '%s'; "
                         "run the bench with the same devices on every rank",
                         list);
    char msg[HETERO_MSG_MAX];
    snprintf(msg, sizeof msg, "%s", hetero_errmsg());
    rc = het_par_agree(rc, msg, sizeof msg);
    return rc ? hetero_fail(rc, "%s", msg) : HETERO_OK;
}

/* The progress line's name of a set: its id and, when that is not plain,
 * what it holds. */
static void bench_progress_label(const bench_set *s, char *buf, size_t size)
{
    if (s->kind == BENCH_SET_OMP1)
        snprintf(buf, size, "%s", s->name);
    else
        snprintf(buf, size, "%.40s (%.60s)", s->name, s->label);
}

/* ---- the bench ---------------------------------------------------------- */

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

/* Runs on rank 0 after a collective step, then tells every rank. */
static int bench_agree(int rc)
{
    char msg[HETERO_MSG_MAX];
    snprintf(msg, sizeof msg, "%s", hetero_errmsg());
    rc = het_par_agree(rc, msg, sizeof msg);
    return rc ? hetero_fail(rc, "%s", msg) : HETERO_OK;
}

/* Conformance (hetero_job_conform): a few grains of the check job on the
 * OpenCL device of set s, compared with the CPU path's bit for bit.  A
 * device that computes another partial fails the self-check naming the
 * grain and byte, before any row is timed; one that cannot run the
 * workload is no failure here (its rows say so). */
static int bench_conform(const bench *b, const hetero_workload *wl, const bench_set *s)
{
    hetero_job job;
    int rc = het_job_init(&job, wl);
    if (rc)
        return rc;
    job.seed = b->opt.seed;
    wl->bench_params(job.params, (double)b->opt.check_items);
    job.run.devices = s->devices;
    hetero_conformance *rows = NULL;
    size_t n = 0;
    rc = hetero_job_conform(&job, 0, &rows, &n);
    for (size_t i = 0; i < n && rc == HETERO_OK; i++) {
        const hetero_conformance *r = &rows[i];
        if (r->status == HETERO_CONFORM_DIFFERS)
            rc = hetero_fail(
                HETERO_E_RUNTIME,
                "self-check failed: %s on %s (%s): grain %llu differs from the CPU's at byte %zu "
                "of its partial (%02x on the device, %02x on the CPU)",
                wl->name, r->id, r->name, (unsigned long long)r->grain, r->byte, r->device_value,
                r->cpu_value);
    }
    hetero_free(rows);
    het_job_free(&job);
    return rc;
}

/* The self-check: first each OpenCL device's conformance, then the same
 * job on every set; every result field bit for bit and the digest must
 * agree with the first set's. */
static int bench_check_workload(bench *b, const hetero_workload *wl, bench_check *c)
{
    c->wl = wl;
    int rc = HETERO_OK;
    for (size_t i = 0; i < b->n_sets && rc == HETERO_OK; i++) {
        const bench_set *s = &b->sets[i];
        if (s->kind != BENCH_SET_CL)
            continue;
        char label[128];
        bench_progress_label(s, label, sizeof label);
        bench_progress("%s on %s: conformance", wl->name, label);
        rc = bench_agree(bench_conform(b, wl, s));
    }
    for (size_t i = 0; i < b->n_sets && rc == HETERO_OK; i++) {
        const bench_set *s = &b->sets[i];
        char label[128];
        bench_progress_label(s, label, sizeof label);
        bench_progress("%s on %s: check job", wl->name, label);
        /* test seam (tests/e2e/bench_self_check.sh): the set named by
         * HETERO_BENCH_SKEW runs its check job with another seed, a real
         * wrong answer for the self-check to catch */
        const char *skew = getenv("HETERO_BENCH_SKEW");
        uint64_t seed = b->opt.seed + (skew && strcmp(skew, s->name) == 0);
        bench_result r;
        rc = bench_job(wl, (double)b->opt.check_items, seed, s, 1, &r);
        if (rc)
            return rc;
        if (het_par_rank() == 0 && i == 0) {
            c->items = r.items;
            c->digest = r.digest;
            c->result = r.result;
            c->params = r.params;
            c->n_sets = 1;
        } else if (het_par_rank() == 0) {
            size_t d = bench_fields_diff(&c->result, &r.result);
            if (d || r.digest != c->digest) {
                char va[96] = "", vb[96] = "";
                const char *field = "digest";
                if (d && d <= c->result.n && d <= r.result.n) {
                    field = c->result.f[d - 1].name;
                    het_format_field(&c->result.f[d - 1], 17, va, sizeof va);
                    het_format_field(&r.result.f[d - 1], 17, vb, sizeof vb);
                } else {
                    snprintf(va, sizeof va, "%016llx", (unsigned long long)c->digest);
                    snprintf(vb, sizeof vb, "%016llx", (unsigned long long)r.digest);
                }
                rc = hetero_fail(HETERO_E_RUNTIME,
                                 "self-check failed: %s: %s and %s give different results for the same job "
                                 "(%s %s vs %s; digest %016llx vs %016llx)",
                                 wl->name, b->sets[0].name, s->name, field, va, vb,
                                 (unsigned long long)c->digest, (unsigned long long)r.digest);
            } else {
                c->n_sets++;
            }
            bench_fields_free(&r.result);
            bench_fields_free(&r.params);
        }
        rc = bench_agree(rc);
    }
    return rc;
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

static int bench_time_row(bench *b, const hetero_workload *wl, size_t set, const bench_check *c,
                          bench_row *row)
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
    bench_progress_rows = b->opt.n_wls * b->n_sets;
    if (!b->rows)
        return bench_agree(hetero_fail(HETERO_E_NOMEM, "out of memory for the rows"));
    for (size_t w = 0; w < b->opt.n_wls && rc == HETERO_OK; w++) {
        const hetero_workload *wl = b->opt.wls[w];
        bench_check *c = &b->checks[b->n_checks++];
        bench_progress_row = b->n_rows + 1;
        rc = bench_check_workload(b, wl, c);
        for (size_t s = 0; s < b->n_sets && rc == HETERO_OK; s++) {
            bench_progress_row = b->n_rows + 1;
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
    /* the baseline's name as messages show it: one line, whatever it holds */
    static char baseline_shown[1024];
    rc = bench_parse(argc, argv, &b);
    /* every rank parses the same line, but only some can read --compare's
     * file: agree, so that no rank goes on alone into a collective run */
    rc = bench_agree(rc);
    int rank0 = het_par_rank() == 0;
    if (rc == HETERO_OK) {
        bench_show_progress = rank0 && (b.opt.progress > 0 || (b.opt.progress < 0 && isatty(2)));
        het_interrupt_install("hetero-bench", rank0, bench_show_progress && !b.opt.help && !b.opt.version);
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
            rc = bench_compare_docs(b.doc, b.baseline, b.opt.fail_on, &b.cmp);
            b.have_cmp = rc == HETERO_OK;
            het_escape(b.opt.compare, baseline_shown, sizeof baseline_shown);
            b.cmp.baseline_path = baseline_shown;
            if (rc == HETERO_OK)
                rc = bench_print(&b, stdout);
            if (rc == HETERO_OK)
                rc = het_stream_flush(stdout, "the comparison to stdout");
        }
    } else if (rc == HETERO_OK) {
        rc = bench_run(&b);
        if (rc == HETERO_OK && rank0 && !(b.doc = bench_report_doc(&b)))
            rc = hetero_fail(HETERO_E_NOMEM, "out of memory for the report");
        if (rc == HETERO_OK && rank0 && b.baseline) {
            rc = bench_compare_docs(b.doc, b.baseline, b.opt.fail_on, &b.cmp);
            b.have_cmp = rc == HETERO_OK;
            het_escape(b.opt.compare, baseline_shown, sizeof baseline_shown);
            b.cmp.baseline_path = baseline_shown;
        }
        /* the plot first: if it cannot be drawn, no report claims success */
        if (rc == HETERO_OK && rank0 && b.opt.n_plots)
            rc = bench_plot(&b);
        if (rc == HETERO_OK && rank0) {
            rc = bench_print(&b, stdout);
            if (rc == HETERO_OK)
                rc = het_stream_flush(stdout, "the report to stdout");
        }
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
    /* a device thread left inside its driver: no exit handlers under it */
    if (het_engine_threads_left()) {
        (void)fflush(stderr); /* messages only: the status says the rest */
        _exit(status);
    }
    return status;
}
