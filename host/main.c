/* main.c - the `hetero` program: parse, plan, run, report.
 *
 * Exit status: 0 success, 2 bad input (one line on stderr, nothing on
 * stdout), 1 a run-time failure (the call, device, rank and error name).
 * Under mpirun only rank 0 prints.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "devices.h"
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
            const hcl_info *d = &infos[i];
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "id", d->id);
            cJSON_AddStringToObject(o, "name", d->name);
            cJSON_AddStringToObject(o, "type", hcl_type_name(d->type));
            cJSON_AddStringToObject(o, "vendor", d->vendor);
            cJSON_AddStringToObject(o, "platform", d->platform_name);
            cJSON_AddNumberToObject(o, "compute_units", d->compute_units);
            cJSON_AddNumberToObject(o, "clock_mhz", d->clock_mhz);
            cJSON_AddNumberToObject(o, "global_mem", (double)d->global_mem);
            cJSON_AddNumberToObject(o, "local_mem", (double)d->local_mem);
            cJSON_AddBoolToObject(o, "fp64", d->fp64);
            cJSON_AddStringToObject(o, "version", d->version);
            cJSON_AddStringToObject(o, "driver", d->driver);
            cJSON_AddBoolToObject(o, "default", (d->type & (HCL_GPU | HCL_ACCEL)) != 0);
            cJSON_AddItemToArray(arr, o);
        }
        cJSON *omp = cJSON_AddObjectToObject(root, "omp");
        cJSON_AddStringToObject(omp, "id", "omp");
        cJSON_AddStringToObject(omp, "name", cpu);
        cJSON_AddNumberToObject(omp, "threads", threads);
        char *text = cJSON_Print(root);
        printf("%s\n", text);
        free(text);
        cJSON_Delete(root);
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
    return HET_OK;
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

int main(int argc, char **argv)
{
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
    if (rc && het_par_rank() == 0) {
        if (het_exit_status(rc) == 2)
            fprintf(stderr, "hetero: %s\n", het_errmsg());
        else
            fprintf(stderr, "hetero: error: %s\n", het_errmsg());
    }
    het_cli_free(&cli);
    het_par_finalize();
    return het_exit_status(rc);
}
