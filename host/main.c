/* main.c - the `hetero` program: parse, plan, run, report.
 *
 * Exit status: 0 success, 2 bad input (one line on stderr, nothing on
 * stdout), 1 a run-time failure (the call, device, rank and error name).
 * Under mpirun only rank 0 prints.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "devices.h"
#include "format.h"
#include "hcl.h"
#include "par.h"

static int het__devices(const het_cli *cli)
{
    hcl_info *infos = NULL;
    size_t n = 0;
    int rc = hcl_discover(&infos, &n);
    if (rc)
        return rc;
    char cpu[160];
    het_cpu_model(cpu, sizeof cpu);
    int threads = het_default_threads(0, 1);
    if (cli->format == HET_FMT_JSON) {
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
        printf("%-8s  %-5s  %-36s  %4s  %6s  %9s  %4s  %s\n", "id", "type", "name", "CUs", "MHz",
               "memory", "fp64", "driver");
        for (size_t i = 0; i < n; i++) {
            const hcl_info *d = &infos[i];
            printf("%-8s  %-5.5s  %-36.36s  %4u  %6u  %6.1f GiB  %4s  %s%s\n", d->id,
                   hcl_type_name(d->type), d->name, d->compute_units, d->clock_mhz,
                   (double)d->global_mem / (1024.0 * 1024.0 * 1024.0), d->fp64 ? "yes" : "no",
                   d->driver, (d->type & (HCL_GPU | HCL_ACCEL)) ? "" : "  (only when named)");
        }
        printf("%-8s  %-5s  %-36.36s  %4d  %6s  %9s  %4s  %s\n", "omp", "cpu", cpu, threads, "-", "-",
               "yes", "OpenMP threads");
        if (n == 0)
            printf("\n(no OpenCL platform found: the CPU carries every job through OpenMP)\n");
    }
    free(infos);
    return rc;
}

static int het__run(het_cli *cli)
{
    het_job *job = &cli->job;
    int rc = het_job_plan(job);
    if (rc)
        return rc;
    het_report rep;
    rc = het_engine_run(job, &cli->run, &rep);
    if (rc)
        return rc;
    if (het_par_rank() == 0) {
        FILE *out = job->report_to_stderr ? stderr : stdout;
        rc = het_report_print(job, &rep, cli->format, out);
        fflush(out);
    }
    het_report_free(&rep);
    return rc;
}

/* SIGINT, SIGTERM (also as mpirun and Slurm forward them): the first asks
 * the engine to stop (no new batches, the journal written, one line); a
 * second one ends the process at once. */
static void het__on_signal(int sig)
{
    if (het_engine_interrupted()) {
        static const char msg[] = "\r\033[Khetero: interrupted\n";
        ssize_t ignored = write(2, msg, sizeof msg - 1);
        (void)ignored;
        _exit(128 + sig);
    }
    het_engine_interrupt(sig);
}

int main(int argc, char **argv)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = het__on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    int rc = het_par_init(&argc, &argv);
    if (rc) {
        fprintf(stderr, "hetero: error: %s\n", het_errmsg());
        return 1;
    }
    het_cli cli;
    rc = het_cli_parse(argc, argv, &cli);
    if (rc == HET_OK) {
        switch (cli.command) {
        case HET_CMD_HELP:
            if (het_par_rank() == 0)
                het_cli_usage(stdout, cli.wl);
            break;
        case HET_CMD_VERSION:
            if (het_par_rank() == 0)
                printf("hetero %s\n", HETERO_VERSION);
            break;
        case HET_CMD_DEVICES:
            if (het_par_rank() == 0)
                rc = het__devices(&cli);
            break;
        default:
            rc = het__run(&cli);
            break;
        }
    }
    int status = het_exit_status(rc);
    if (rc == HET_E_INTERRUPTED && het_engine_interrupted())
        status = 128 + het_engine_interrupted();
    if (rc && het_par_rank() == 0) {
        if (status != 1)   /* bad input, interrupted, stopped: a plain line */
            fprintf(stderr, "hetero: %s\n", het_errmsg());
        else
            fprintf(stderr, "hetero: error: %s\n", het_errmsg());
    }
    het_cli_free(&cli);
    /* after an interruption a rank may be gone: no collective goodbye */
    if (rc != HET_E_INTERRUPTED)
        het_par_finalize();
    return status;
}
