/* devices.c - device lists, thread counts and CPU facts (see devices.h). */
#include "devices.h"

#include <ctype.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "format.h"
#include "workload.h"

/* " (why)" after "no OpenCL device was found": the platforms that gave
 * none and what they returned, else a pointer to `hetero devices`. */
static const char *het__why_none(char *buf, size_t size)
{
    const char *note = hcl_discover_note();
    snprintf(buf, size, " (%s)", *note ? note : "see hetero devices");
    return buf;
}

/* A device that does not exist is bad input; one that a platform failed to
 * give (a broken driver, PoCL without its cache) is a run-time failure. */
static int het__none_code(void) { return *hcl_discover_note() ? HETERO_E_OPENCL : HETERO_E_NODEV; }

static int het__add(het_selection *sel, size_t idx, int named)
{
    for (size_t i = 0; i < sel->n_cl; i++)
        if (sel->cl[i] == idx) {
            sel->named[i] |= named;
            return HETERO_OK;
        }
    if (sel->n_cl == HET_MAX_CL_DEVICES)
        return hetero_fail(HETERO_E_BADARG, "--devices: at most %d OpenCL devices", HET_MAX_CL_DEVICES);
    sel->named[sel->n_cl] = named;
    sel->cl[sel->n_cl++] = idx;
    return HETERO_OK;
}

/* "cl:P:D" with P and D plain decimal numbers.  The digits are checked
 * before sscanf, whose %u alone would let "cl: 0:0", "cl:+0:0" and
 * "cl:-1:0" (as 4294967295) through, and would overflow on long runs. */
static int het__parse_id(const char *tok, unsigned *p, unsigned *d)
{
    static const char digits[] = "0123456789";
    if (strncmp(tok, "cl:", 3) != 0)
        return 0;
    const char *ps = tok + 3;
    size_t np = strspn(ps, digits);
    if (np == 0 || np > 9 || ps[np] != ':')
        return 0;
    const char *ds = ps + np + 1;
    size_t nd = strspn(ds, digits);
    if (nd == 0 || nd > 9 || ds[nd] != 0)
        return 0;
    return sscanf(tok, "cl:%u:%u", p, d) == 2;
}

/* Walks the list; with infos == NULL only checks syntax. */
static int het__walk(const char *list, const hcl_info *infos, size_t n, het_selection *sel)
{
    memset(sel, 0, sizeof *sel);
    if (!list || !*list)
        return hetero_fail(HETERO_E_BADARG,
                           "--devices: expected a comma-separated list of all, omp, gpu, cl, cl:P:D, got ''");
    char buf[1024];
    size_t len = strlen(list);
    if (len >= sizeof buf)
        return hetero_fail(HETERO_E_BADARG, "--devices: list too long");
    /* strtok_r would skip empty elements silently: "omp," is a typo */
    if (list[0] == ',' || list[len - 1] == ',' || strstr(list, ",,"))
        return hetero_fail(
            HETERO_E_BADARG,
            "--devices: expected a comma-separated list of all, omp, gpu, cl, cl:P:D, got '%s' (empty element)",
            list);
    strcpy(buf, list);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        unsigned p, d;
        int rc = HETERO_OK;
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
                    rc = het__add(sel, i, 0);
                    if (rc)
                        return rc;
                }
            char why[1100];
            if (infos && !all && !found)
                return hetero_fail(
                    het__none_code(),
                    "--devices: 'gpu' asked for, but no GPU or accelerator OpenCL device was found%s",
                    het__why_none(why, sizeof why));
        } else if (strcmp(tok, "cl") == 0) {
            sel->needs_opencl = sel->asked_opencl_by_name = 1;
            for (size_t i = 0; infos && i < n; i++)
                if ((rc = het__add(sel, i, 0)))
                    return rc;
            char why[1100];
            if (infos && !n)
                return hetero_fail(het__none_code(),
                                   "--devices: 'cl' asked for, but no OpenCL device was found%s",
                                   het__why_none(why, sizeof why));
        } else if (het__parse_id(tok, &p, &d)) {
            sel->needs_opencl = sel->asked_opencl_by_name = 1;
            if (infos) {
                size_t i;
                for (i = 0; i < n; i++)
                    if (infos[i].platform == p && infos[i].device == d)
                        break;
                char why[1100];
                if (i == n)
                    return hetero_fail(het__none_code(), "--devices: no OpenCL device %s%s", tok,
                                       het__why_none(why, sizeof why));
                if ((rc = het__add(sel, i, 1)))
                    return rc;
            }
        } else {
            return hetero_fail(HETERO_E_BADARG, "--devices: expected all, omp, gpu, cl or cl:P:D, got '%s'",
                               tok);
        }
    }
    return HETERO_OK;
}

int het_devices_parse(const char *list, het_selection *sel) { return het__walk(list, NULL, 0, sel); }

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
            if (i % (size_t)local_size == (size_t)local_rank) {
                sel->named[kept] = sel->named[i];
                sel->cl[kept++] = sel->cl[i];
            }
    } else {
        size_t k = (size_t)local_rank % sel->n_cl;
        sel->cl[0] = sel->cl[k];
        sel->named[0] = sel->named[k];
        kept = 1;
    }
    sel->n_cl = kept;
}

/* The one message of --threads and OMP_NUM_THREADS. */
static int het__threads_bad(const char *what, const char *s)
{
    return hetero_fail(HETERO_E_BADARG, "%s: expected a whole number of OpenMP threads, 1 to %d, got '%s'",
                       what, HET_MAX_THREADS, s ? s : "");
}

int het_parse_threads(const char *what, const char *s, int *out)
{
    uint64_t t;
    if (hetero_parse_count(what, s, 1, HET_MAX_THREADS, &t) != HETERO_OK)
        return het__threads_bad(what, s);
    *out = (int)t;
    return HETERO_OK;
}

/* libgomp's reading of OMP_NUM_THREADS: a comma-separated list (one team
 * size per nesting level) of positive decimal integers, blanks allowed
 * around each and a '+' before; anything else it calls invalid. */
int het_threads_env(int *out)
{
    const char *env = getenv("OMP_NUM_THREADS");
    *out = 0;
    if (!env || !*env)
        return HETERO_OK;
    uint64_t team = 0;
    const char *p = env;
    for (int level = 0;; level++) {
        uint64_t v = 0;
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '+')
            p++;
        const char *d = p;
        for (; *p >= '0' && *p <= '9'; p++)
            v = v > HET_MAX_THREADS ? v : v * 10 + (uint64_t)(*p - '0');
        if (p == d || v == 0)
            return het__threads_bad("OMP_NUM_THREADS", env);
        if (level == 0)
            team = v;
        while (isspace((unsigned char)*p))
            p++;
        if (*p == 0)
            break;
        if (*p++ != ',')
            return het__threads_bad("OMP_NUM_THREADS", env);
    }
    /* the team (the first level) shares --threads' cap */
    if (team > HET_MAX_THREADS)
        return het__threads_bad("OMP_NUM_THREADS", env);
    *out = (int)team;
    return HETERO_OK;
}

int het_default_threads(int explicit_threads, int local_size)
{
    if (explicit_threads > 0)
        return explicit_threads;
    int env = 0;
    if (het_threads_env(&env) == HETERO_OK && env > 0)
        return env;
    int mask = omp_get_num_procs(); /* honours the affinity mask */
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    if (local_size > 1 && online > 0 && mask >= online)
        mask /= local_size; /* unbound ranks share the node */
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
    (void)fclose(f); /* read only: nothing to lose */
}

cJSON *het_json_device(const hcl_info *d)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", d->id);
    cJSON_AddStringToObject(o, "name", d->name);
    cJSON_AddStringToObject(o, "type", hcl_type_name(d->type));
    cJSON_AddStringToObject(o, "vendor", d->vendor);
    cJSON_AddStringToObject(o, "platform", d->platform_name);
    cJSON_AddNumberToObject(o, "compute_units", d->compute_units);
    cJSON_AddNumberToObject(o, "clock_mhz", d->clock_mhz);
    cJSON_AddItemToObject(o, "global_mem", het_json_u64(d->global_mem));
    cJSON_AddItemToObject(o, "local_mem", het_json_u64(d->local_mem));
    cJSON_AddBoolToObject(o, "fp64", d->fp64);
    cJSON_AddStringToObject(o, "version", d->version);
    cJSON_AddStringToObject(o, "driver", d->driver);
    return o;
}
