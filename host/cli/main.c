/* main.c - hetero_main (include/hetero.h, part 3): a program's whole
 * command line, `hetero`'s included: parse, plan, run, report.
 *
 * Exit status: 0 success, 2 bad input (one line on stderr, nothing on
 * stdout), 1 a run-time failure (the call, device, rank and error name; a
 * report or file that could not be written is one), 3 stopped at the time
 * limit, 130 or 143 when interrupted by SIGINT or SIGTERM.  Under mpirun
 * only rank 0 prints.  With hetero_bench_main (host/bench/bench.c), one of
 * the two places in the library that print or end the process.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "error.h"
#include "devices.h"
#include "format.h"
#include "hcl.h"
#include "interrupt.h"
#include "output.h"
#include "par.h"
#include "report.h"

#if HETERO_COVERAGE
/* gcov's runtime (--coverage): writes the counters now, as exit() would */
void __gcov_dump(void);
#endif

/* The program's name in messages: argv[0]'s last component. */
static const char *het__prog;

static int het__devices(const het_cli *cli)
{
    hcl_info *infos = NULL;
    size_t n = 0;
    int rc = hcl_discover(&infos, &n);
    if (rc)
        return rc;
    /* platforms that gave no device, and why (PoCL without its cache) */
    if (*hcl_discover_note() && !cli->quiet)
        fprintf(stderr, "%s: notice: %s\n", het__prog, hcl_discover_note());
    char cpu[160];
    het_cpu_model(cpu, sizeof cpu);
    int threads = het_default_threads(0, 1);
    if (cli->format == HETERO_FORMAT_JSON) {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "schema", "hetero.devices");
        cJSON_AddNumberToObject(root, "version", 1);
        cJSON *arr = cJSON_AddArrayToObject(root, "opencl");
        for (size_t i = 0; i < n; i++) {
            cJSON *o = het_json_device(&infos[i]);
            cJSON_AddBoolToObject(o, "default", (infos[i].type & (HCL_GPU | HCL_ACCEL)) != 0);
            cJSON_AddItemToArray(arr, o);
        }
        cJSON *omp = cJSON_AddObjectToObject(root, "omp");
        cJSON_AddStringToObject(omp, "id", "omp");
        cJSON_AddStringToObject(omp, "name", cpu);
        cJSON_AddNumberToObject(omp, "threads", threads);
        rc = het_json_emit(root, stdout);
    } else {
        printf("%-8s  %-5s  %-36s  %4s  %6s  %9s  %4s  %s\n", "id", "type", "name", "CUs", "MHz", "memory",
               "fp64", "driver");
        for (size_t i = 0; i < n; i++) {
            const hcl_info *d = &infos[i];
            printf("%-8s  %-5.5s  %-36.36s  %4u  %6u  %6.1f GiB  %4s  %s%s\n", d->id, hcl_type_name(d->type),
                   d->name, d->compute_units, d->clock_mhz,
                   (double)d->global_mem / (1024.0 * 1024.0 * 1024.0), d->fp64 ? "yes" : "no", d->driver,
                   (d->type & (HCL_GPU | HCL_ACCEL)) ? "" : "  (only when named)");
        }
        printf("%-8s  %-5s  %-36.36s  %4d  %6s  %9s  %4s  %s\n", "omp", "cpu", cpu, threads, "-", "-", "yes",
               "OpenMP threads");
        if (n == 0)
            printf("\n(no OpenCL %s: the CPU carries every job through OpenMP)\n",
                   *hcl_discover_note() ? "device found" : "platform found");
    }
    free(infos);
    return rc ? rc : het_stream_flush(stdout, "the device list to stdout");
}

static void het__notice(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "%s: notice: %s\n", het__prog, line);
}

/* The progress line: redrawn, or a line at a time (--progress=lines). */
typedef struct het_progress {
    const het_cli *cli;
    int lines;
    int shown;
    double t0, min_s; /* shown only once the run lasts min_s */
} het_progress;

static double het__seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void het__progress(void *ctx, double done, double rate, double left)
{
    het_progress *p = ctx;
    if (het__seconds() - p->t0 < p->min_s)
        return;
    const hetero_workload *wl = p->cli->wl;
    char r[32], l[48];
    het_format_si(rate, r, sizeof r);
    if (left >= 0)
        snprintf(l, sizeof l, "%.0f s left", left);
    else
        snprintf(l, sizeof l, "time left unknown");
    if (p->lines)
        fprintf(stderr, "%s: %s %5.1f%%, %s %s/s, %s\n", het__prog, wl->name, 100.0 * done, r, wl->item_name,
                l);
    else
        fprintf(stderr, "\r%s: %5.1f%%  %s %s/s  %s   \033[K", wl->name, 100.0 * done, r, wl->item_name, l);
    (void)fflush(stderr); /* the progress line only */
    p->shown = !p->lines;
}

static void het__cancel(void *ctx, int sig) { hetero_job_cancel(ctx, sig); }

static int het__run(het_cli *cli)
{
    hetero_job *job = &cli->job;
    int rank0 = het_par_rank() == 0;
    if (!cli->quiet)
        hetero_job_on_notice(job, het__notice, NULL);
    int show = cli->progress < 0 ? isatty(2) : cli->progress;
    het_progress prog = {.cli = cli,
                         .lines = cli->progress == HET_PROGRESS_LINES,
                         .t0 = het__seconds(),
                         .min_s = cli->progress < 0 ? 1.0 : 0.2};
    if (show && rank0)
        hetero_job_on_progress(job, het__progress, &prog, prog.lines ? 5.0 : 0.25);
    /* a signal now asks the run to stop (and write its journal); it does
     * not end the process */
    het_interrupt_forward(het__cancel, job);
    int deferred = het_interrupt_defer(1);
    int rc = hetero_job_run(job);
    het_interrupt_forward(NULL, NULL);
    /* a complete run has committed its outputs (and removed the journal
     * if asked): a signal now must not cut the report or turn the exit
     * status into "interrupted" after the answer is out */
    if (rc == HETERO_OK)
        het_interrupt_hold();
    het_interrupt_defer(deferred);
    if (prog.shown) {
        fprintf(stderr, "\r\033[K");
        (void)fflush(stderr); /* the progress line only */
    }
    if (rc)
        return rc;
    if (rank0) {
        FILE *out = job->report_to_stderr ? stderr : stdout;
        rc = het_report_print(job, &job->report, cli->format, out);
        if (rc == HETERO_OK)
            rc = het_stream_flush(out, out == stdout ? "the report to stdout" : "the report to stderr");
    }
    return rc;
}

/* The report goes to stdout (unless an output is "-"): no output file and
 * no journal may be that file. */
static int het__outputs_not_stdout(const hetero_job *job)
{
    if (job->report_to_stderr)
        return HETERO_OK;
    for (const hetero_option *o = job->wl->options; o->type != HETERO_OPT_END; o++) {
        if (o->type != HETERO_OPT_OUTPUT)
            continue;
        const char *path;
        memcpy(&path, (const char *)job->params + o->offset, sizeof path);
        int rc = het_out_not_stdout(o->name, path);
        if (rc)
            return rc;
    }
    return het_out_not_stdout("--checkpoint", job->run.checkpoint);
}

/* Every rank parsed the same line, but a check can differ between ranks
 * (an output directory missing on one node): all go on, or none. */
static int het__agree(int rc)
{
    char msg[HETERO_MSG_MAX];
    snprintf(msg, sizeof msg, "%s", hetero_errmsg());
    int all = het_par_agree(rc, msg, sizeof msg);
    if (all && !rc)
        return hetero_fail(all, "%s", msg);
    return rc;
}

/* argv[0]'s last component, or "hetero" when there is none. */
static const char *het__basename(const char *argv0)
{
    static char name[64];
    const char *b = argv0 ? strrchr(argv0, '/') : NULL;
    b = b ? b + 1 : argv0;
    snprintf(name, sizeof name, "%s", b && *b ? b : "hetero");
    return name;
}

void het_cli_leave(int status)
{
    /* a device thread left inside its driver: no exit handlers under it */
    if (!het_engine_threads_left())
        return;
    (void)fflush(stderr); /* messages only: the status says the rest */
#if HETERO_COVERAGE
    __gcov_dump(); /* _exit skips the dump at exit */
#endif
    _exit(status);
}

int het_cli_register(const char *caller, const hetero_workload *const *wls, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (wls[i] && wls[i]->name && hetero_workload_find(wls[i]->name) == wls[i])
            continue; /* registered before (or a built-in) */
        int rc = hetero_workload_register(wls[i]);
        if (rc)
            return hetero_fail(HETERO_E_INTERNAL, "%s: %s", caller, hetero_errmsg());
    }
    if (wls && !n)
        return hetero_fail(HETERO_E_INTERNAL, "%s: an empty list of workloads", caller);
    return HETERO_OK;
}

/* The command the line asked for: its usage, the version, `devices`, or
 * the run. */
static int het__command(het_cli *cli, const het_cli_prog *prog, int rank0)
{
    int rc = HETERO_OK;
    switch (cli->command) {
    case HET_CMD_HELP:
        if (rank0) {
            if (cli->devices_help)
                het_cli_devices_usage(stdout, prog);
            else
                het_cli_usage(stdout, prog, cli->wl);
            rc = het_stream_flush(stdout, "the usage text to stdout");
        }
        break;
    case HET_CMD_VERSION:
        if (rank0) {
            /* a program of its own names the library it runs on */
            if (strcmp(het__prog, "hetero") == 0 || !prog->wls)
                printf("%s %s\n", het__prog, HETERO_VERSION);
            else
                printf("%s (libhetero %s)\n", het__prog, HETERO_VERSION);
            rc = het_stream_flush(stdout, "the version to stdout");
        }
        break;
    case HET_CMD_DEVICES:
        if (rank0)
            rc = het__devices(cli);
        break;
    default: rc = het__run(cli); break;
    }
    return rc;
}

/* The exit status for rc, its message printed (rank 0, or a rank that
 * lost rank 0). */
static int het__status(int rc, int rank0)
{
    int status = hetero_exit_status(rc);
    if (rc == HETERO_E_INTERRUPTED || (rc != HETERO_OK && het_interrupted())) {
        /* a signal recorded while a stream finished its line, or the
         * engine stopped (with how far the journal got) */
        if (rc == HETERO_E_INTERRUPTED && strstr(hetero_errmsg(), " after ")) {
            if (rank0)
                fprintf(stderr, "%s%s: %s\n", isatty(2) ? "\r\033[K" : "", het__prog, hetero_errmsg());
            status = 128 + het_interrupted();
        } else {
            status = het_interrupt_report();
        }
        if (!status)
            status = hetero_exit_status(HETERO_E_INTERRUPTED);
    } else if (rc && (rank0 || rc == HETERO_E_PEER)) {
        /* a rank that lost rank 0 says so itself: nobody else will */
        if (status != 1) /* bad input, stopped at the time limit: a plain line */
            fprintf(stderr, "%s: %s\n", het__prog, hetero_errmsg());
        else
            fprintf(stderr, "%s: error: %s\n", het__prog, hetero_errmsg());
    }
    return status;
}

int hetero_main(int argc, char **argv, const hetero_workload *const *workloads, size_t n)
{
    het_stdio_init();
    het__prog = het__basename(argc > 0 ? argv[0] : NULL);
    het_set_progname(het__prog);
    const het_cli_prog prog = {.name = het__prog, .wls = workloads, .n = workloads ? n : 0};
    int rc = het_par_init(&argc, &argv);
    if (rc) {
        fprintf(stderr, hetero_exit_status(rc) == 2 ? "%s: %s\n" : "%s: error: %s\n", het__prog,
                hetero_errmsg());
        return hetero_exit_status(rc);
    }
    int rank0 = het_par_rank() == 0;
    /* handlers first: parsing already creates (and removes) probe files */
    het_interrupt_install(het__prog, rank0, 0);
    het_cli cli;
    memset(&cli, 0, sizeof cli);
    rc = het_cli_register("hetero_main", workloads, n);
    if (rc == HETERO_OK)
        rc = het__agree(het_cli_parse_prog(&prog, argc, argv, &cli));
    if (rc == HETERO_OK && cli.command == HET_CMD_RUN)
        rc = het__agree(het__outputs_not_stdout(&cli.job));
    if (rc == HETERO_OK) {
        int progress = cli.command == HET_CMD_RUN && (cli.progress > 0 || (cli.progress < 0 && isatty(2)));
        het_interrupt_install(het__prog, rank0, progress);
        /* a closed stdout: the answer could not be written, so no work */
        rc = het_stdout_check_open();
    }
    if (rc == HETERO_OK)
        rc = het__command(&cli, &prog, rank0);
    int status = het__status(rc, rank0);
    het_cli_free(&cli);
    /* after an interruption that a rank did not answer, MPI is broken and
     * this skips the collective goodbye */
    het_par_finalize();
    /* the last flush and close of stdout can still fail (a full disk) */
    if (het_stdout_close("stdout") != HETERO_OK && status == 0) {
        if (rank0)
            fprintf(stderr, "%s: error: %s\n", het__prog, hetero_errmsg());
        status = 1;
    }
    het_cli_leave(status);
    return status;
}
