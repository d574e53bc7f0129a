/* devices.c - device lists, thread counts and CPU facts (see devices.h). */
#include "devices.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"

static int het__add(het_selection *sel, size_t idx)
{
    for (size_t i = 0; i < sel->n_cl; i++)
        if (sel->cl[i] == idx)
            return HET_OK;
    if (sel->n_cl == HET_MAX_CL_DEVICES)
        return het_fail(HET_E_BADARG, "--devices: at most %d OpenCL devices", HET_MAX_CL_DEVICES);
    sel->cl[sel->n_cl++] = idx;
    return HET_OK;
}

static int het__parse_id(const char *tok, unsigned *p, unsigned *d)
{
    char extra;
    return sscanf(tok, "cl:%u:%u%c", p, d, &extra) == 2;
}

/* Walks the list; with infos == NULL only checks syntax. */
static int het__walk(const char *list, const hcl_info *infos, size_t n, het_selection *sel)
{
    memset(sel, 0, sizeof *sel);
    if (!list || !*list)
        return het_fail(HET_E_BADARG, "--devices: expected a comma-separated list of all, omp, gpu, cl, cl:P:D, got ''");
    char buf[1024];
    if (strlen(list) >= sizeof buf)
        return het_fail(HET_E_BADARG, "--devices: list too long");
    strcpy(buf, list);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        unsigned p, d;
        int rc = HET_OK;
        if (strcmp(tok, "omp") == 0) {
            sel->omp = 1;
        } else if (strcmp(tok, "all") == 0 || strcmp(tok, "gpu") == 0) {
            int all = tok[0] == 'a';
            sel->omp |= all;
            sel->needs_opencl = 1;
            sel->asked_opencl_by_name |= !all;
            size_t found = 0;
            for (size_t i = 0; infos && i < n; i++)
                if (infos[i].type & (HCL_GPU | HCL_ACCEL)) {
                    found++;
                    rc = het__add(sel, i);
                    if (rc)
                        return rc;
                }
            if (infos && !all && !found)
                return het_fail(HET_E_NODEV, "--devices: 'gpu' asked for, but no GPU or accelerator OpenCL device was found (see hetero devices)");
        } else if (strcmp(tok, "cl") == 0) {
            sel->needs_opencl = sel->asked_opencl_by_name = 1;
            for (size_t i = 0; infos && i < n; i++)
                if ((rc = het__add(sel, i)))
                    return rc;
            if (infos && !n)
                return het_fail(HET_E_NODEV, "--devices: 'cl' asked for, but no OpenCL device was found (see hetero devices)");
        } else if (het__parse_id(tok, &p, &d)) {
            sel->needs_opencl = sel->asked_opencl_by_name = 1;
            if (infos) {
                size_t i;
                for (i = 0; i < n; i++)
                    if (infos[i].platform == p && infos[i].device == d)
                        break;
                if (i == n)
                    return het_fail(HET_E_NODEV, "--devices: no OpenCL device %s (see hetero devices)", tok);
                if ((rc = het__add(sel, i)))
                    return rc;
            }
        } else {
            return het_fail(HET_E_BADARG, "--devices: expected all, omp, gpu, cl or cl:P:D, got '%s'", tok);
        }
    }
    return HET_OK;
}

int het_devices_parse(const char *list, het_selection *sel)
{
    return het__walk(list, NULL, 0, sel);
}

int het_devices_select(const char *list, const hcl_info *infos, size_t n, het_selection *sel)
{
    static const hcl_info none;
    return het__walk(list, infos ? infos : &none, infos ? n : 0, sel);
}

void het_devices_split(het_selection *sel, int local_rank, int local_size)
{
    if (local_size <= 1 || sel->n_cl == 0)
        return;
    size_t kept = 0;
    if (sel->n_cl >= (size_t)local_size) {
        for (size_t i = 0; i < sel->n_cl; i++)
            if (i % (size_t)local_size == (size_t)local_rank)
                sel->cl[kept++] = sel->cl[i];
    } else {
        sel->cl[0] = sel->cl[(size_t)local_rank % sel->n_cl];
        kept = 1;
    }
    sel->n_cl = kept;
}

int het_default_threads(int explicit_threads, int local_size)
{
    if (explicit_threads > 0)
        return explicit_threads;
    const char *env = getenv("OMP_NUM_THREADS");
    if (env && atoi(env) > 0)
        return atoi(env);
    int mask = omp_get_num_procs();           /* honours the affinity mask */
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    if (local_size > 1 && online > 0 && mask >= online)
        mask /= local_size;                    /* unbound ranks share the node */
    return mask > 0 ? mask : 1;
}

void het_cpu_model(char *buf, size_t size)
{
    snprintf(buf, size, "CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) == 0) {
            char *c = strchr(line, ':');
            if (c) {
                c++;
                while (*c == ' ' || *c == '\t')
                    c++;
                c[strcspn(c, "\n")] = 0;
                snprintf(buf, size, "%s", c);
            }
            break;
        }
    }
    fclose(f);
}
