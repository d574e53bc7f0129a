/* job.c - a job of a workload (workload.h): its options from the
 * workload's rows and the common options, the checks of a workload's
 * description, and a job's start (the rows' defaults) and its options set
 * from text.  The checks before any work, the plan, the merge's output
 * files and the job's end are job_plan.c; the report's params, the job's
 * identity and its items job_identity.c.  The engine runs such a job; the
 * public API around it (creating, running, results) is host/api/job.c,
 * the registry host/api/registry.c. */
#include "workload.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "devices.h"
#include "format.h"
#include "tunables.h"

/* ---- the common options ------------------------------------------------ */

const hetero_option het_common_options[] = {
    {.type = HETERO_OPT_CUSTOM,
     .name = "--seed",
     .metavar = "S",
     .help = "64-bit seed (default 0); the key of every random stream"},
    {.type = HETERO_OPT_CUSTOM,
     .name = "--devices",
     .metavar = "LIST",
     .help = "all (default), omp, gpu, cl, cl:P:D, comma-separated"},
    {.type = HETERO_OPT_COUNT,
     .name = "--threads",
     .metavar = "T",
     .help = "OpenMP threads per rank (default OMP_NUM_THREADS, else every core)"},
    {.type = HETERO_OPT_OUTPUT,
     .name = "--checkpoint",
     .metavar = "FILE",
     .help = "journal of finished grains: the same command run again resumes from it"},
    {.type = HETERO_OPT_REAL,
     .name = "--checkpoint-every",
     .metavar = "S",
     .help = "seconds between syncs of the journal to disk (default 30)"},
    {.type = HETERO_OPT_FLAG,
     .name = "--checkpoint-remove",
     .help = "delete the journal once the run is complete"},
    {.type = HETERO_OPT_CUSTOM,
     .name = "--time-limit",
     .metavar = "DURATION",
     .help = "stop in time to write the journal before DURATION (90s, 45m, 2h); exit 3"},
    {.type = HETERO_OPT_CUSTOM,
     .name = "--peer-timeout",
     .metavar = "DURATION",
     .help = "under MPI, a rank silent this long is lost and the job ends (default 30s)"},
    {.type = HETERO_OPT_FLAG, .name = "--quiet", .help = "no notices on stderr"},
    {.type = HETERO_OPT_END},
};

const hetero_option *hetero_common_options(void) { return het_common_options; }

/* A duration: a number and a unit, s, m, h or d ("90s", "45m", "2h",
 * "1.5h"); a plain number is seconds.  More than `least` seconds, for the
 * reason `why`. */
static int parse_duration(const char *name, const char *s, double least, const char *why, double *out)
{
    char *end = NULL;
    /* a decimal number as written, nothing strtod accepts besides:
     * leading space, hexadecimal, "inf", "nan" */
    int plain = s && *s >= '0' && *s <= '9' && strspn(s, "0123456789.eE+-smhd") == strlen(s);
    double v = plain ? strtod(s, &end) : -1;
    double unit = 1;
    if (end && *end) {
        if (end[1] != 0)
            v = -1;
        else if (*end == 's')
            unit = 1;
        else if (*end == 'm')
            unit = 60;
        else if (*end == 'h')
            unit = 3600;
        else if (*end == 'd')
            unit = 86400;
        else
            v = -1;
    }
    if (!end || end == s || !(v > 0) || v * unit > 1e9)
        return hetero_fail(HETERO_E_BADARG, "%s: expected a duration such as 90s, 45m or 2h, got '%s'", name,
                           s ? s : "");
    if (v * unit <= least)
        return hetero_fail(HETERO_E_BADARG, "%s: expected more than %gs (%s), got '%s'", name, least, why, s);
    *out = v * unit;
    return HETERO_OK;
}

static int set_common(hetero_job *job, const char *name, const char *value)
{
    het_run_opts *r = &job->run;
    if (strcmp(name, "--seed") == 0)
        return hetero_parse_u64("--seed", value, &job->seed);
    if (strcmp(name, "--devices") == 0) {
        het_selection sel;
        if (strlen(value) >= sizeof job->devices_buf)
            return hetero_fail(HETERO_E_BADARG, "--devices: list too long");
        int rc = het_devices_parse(value, &sel);
        if (rc == HETERO_OK) {
            strcpy(job->devices_buf, value);
            r->devices = job->devices_buf;
        }
        return rc;
    }
    if (strcmp(name, "--threads") == 0)
        return het_parse_threads("--threads", value, &r->threads);
    if (strcmp(name, "--checkpoint") == 0) {
        if (!*value)
            return hetero_fail(HETERO_E_BADARG, "--checkpoint: expected a file name, got ''");
        if (strlen(value) >= sizeof job->checkpoint_buf)
            return hetero_fail(HETERO_E_BADARG, "--checkpoint: file name too long");
        strcpy(job->checkpoint_buf, value);
        r->checkpoint = job->checkpoint_buf;
        return HETERO_OK;
    }
    if (strcmp(name, "--checkpoint-every") == 0)
        return hetero_parse_real("--checkpoint-every", value, 0.001, 1e7, &r->checkpoint_every);
    if (strcmp(name, "--checkpoint-remove") == 0) {
        r->checkpoint_remove = 1;
        return HETERO_OK;
    }
    /* a stop takes the grace for batches in flight and a margin: a limit
     * within that would stop before any work, every time it is resumed */
    if (strcmp(name, "--time-limit") == 0)
        return parse_duration(name, value, HET_TIME_LIMIT_MARGIN_S, "stopping takes that long",
                              &r->time_limit);
    if (strcmp(name, "--peer-timeout") == 0)
        return parse_duration(name, value, 4 * HET_BEAT_S, "a few heartbeats", &r->peer_timeout);
    if (strcmp(name, "--quiet") == 0) {
        r->quiet = 1;
        return HETERO_OK;
    }
    return hetero_fail(HETERO_E_BADARG, "%s: unknown option", name);
}

/* ---- a workload's rows ------------------------------------------------- */

static const hetero_option *find_row(const hetero_option *rows, const char *name, size_t *index)
{
    for (size_t i = 0; rows && rows[i].type != HETERO_OPT_END; i++)
        if (strcmp(rows[i].name, name) == 0) {
            if (index)
                *index = i;
            return &rows[i];
        }
    return NULL;
}

static uint64_t row_max_u64(const hetero_option *o)
{
    /* a bound of 0 (or one past 2^64) means none */
    if (o->max <= 0 || o->max >= 18446744073709551616.0)
        return UINT64_MAX;
    return (uint64_t)o->max;
}

/* Parses value into params as row o says. */
static int set_row(void *params, const hetero_option *o, const char *value)
{
    char *field = (char *)params + o->offset;
    switch (o->type) {
    case HETERO_OPT_COUNT: {
        uint64_t v;
        int rc = hetero_parse_count(o->name, value, o->min > 0 ? (uint64_t)o->min : 0, row_max_u64(o), &v);
        if (rc == HETERO_OK)
            memcpy(field, &v, sizeof v);
        return rc;
    }
    case HETERO_OPT_REAL: {
        double v;
        double lo = o->min, hi = o->max;
        if (lo == 0 && hi == 0) {
            lo = -INFINITY;
            hi = INFINITY;
        }
        int rc = hetero_parse_real(o->name, value, lo, hi, &v);
        if (rc == HETERO_OK)
            memcpy(field, &v, sizeof v);
        return rc;
    }
    case HETERO_OPT_FLAG: {
        if (value)
            return hetero_fail(HETERO_E_BADARG, "%s: takes no value, got '%s'", o->name, value);
        int one = 1;
        memcpy(field, &one, sizeof one);
        return HETERO_OK;
    }
    case HETERO_OPT_OUTPUT: {
        if (!value || !*value)
            return hetero_fail(HETERO_E_BADARG, "%s: expected a file name, got ''", o->name);
        if (strcmp(value, "-") == 0 && !o->stdout_ok)
            return hetero_fail(HETERO_E_BADARG,
                               "%s: expected a file name, got '-' (standard output is for the "
                               "report)",
                               o->name);
        char *copy = strdup(value);
        if (!copy)
            return hetero_fail(HETERO_E_NOMEM, "out of memory");
        char *old;
        memcpy(&old, field, sizeof old);
        free(old);
        memcpy(field, &copy, sizeof copy);
        return HETERO_OK;
    }
    case HETERO_OPT_CUSTOM: return o->parse(params, value);
    default: return hetero_fail(HETERO_E_INTERNAL, "%s: option of unknown type %d", o->name, o->type);
    }
}


int het_workload_check(const hetero_workload *wl)
{
    if (!wl)
        return hetero_fail(HETERO_E_BADARG, "workload: no description");
    const char *n = wl->name ? wl->name : "(unnamed)";
    if (wl->abi != HETERO_WORKLOAD_ABI)
        return hetero_fail(HETERO_E_BADARG, "workload %s: abi is %u, this library speaks %d", n, wl->abi,
                           HETERO_WORKLOAD_ABI);
    if (!wl->name || !*wl->name ||
        strspn(wl->name, "abcdefghijklmnopqrstuvwxyz0123456789-_") != strlen(wl->name))
        return hetero_fail(HETERO_E_BADARG, "workload %s: name must be lowercase letters, digits, - and _",
                           n);
#define HET_NEED(field)                                                                                      \
    if (!wl->field)                                                                                          \
        return hetero_fail(HETERO_E_BADARG, "workload %s: missing %s", n, #field);
    HET_NEED(summary)
    HET_NEED(item_name)
    HET_NEED(options)
    HET_NEED(plan)
    HET_NEED(cpu_batch)
    HET_NEED(merge)
    HET_NEED(result)
#undef HET_NEED
    if (wl->kernel_source && (!wl->kernel_name || !wl->cl_args))
        return hetero_fail(HETERO_E_BADARG, "workload %s: a kernel needs kernel_name and cl_args", n);
    size_t rows = 0;
    for (const hetero_option *o = wl->options; o->type != HETERO_OPT_END; o++, rows++) {
        if (rows >= sizeof((hetero_job *)0)->given)
            return hetero_fail(HETERO_E_BADARG, "workload %s: more than %zu options", n,
                               sizeof((hetero_job *)0)->given);
        if (!o->name || strncmp(o->name, "--", 2) != 0 || !o->name[2])
            return hetero_fail(HETERO_E_BADARG, "workload %s: option %zu: a name starting with --", n, rows);
        if (!o->help)
            return hetero_fail(HETERO_E_BADARG, "workload %s: %s: missing help", n, o->name);
        if (o->type < HETERO_OPT_COUNT || o->type > HETERO_OPT_CUSTOM)
            return hetero_fail(HETERO_E_BADARG, "workload %s: %s: unknown type %d", n, o->name, o->type);
        if ((o->type == HETERO_OPT_FLAG) != (o->metavar == NULL))
            return hetero_fail(HETERO_E_BADARG, "workload %s: %s: a flag has no metavar, other options one",
                               n, o->name);
        if (o->type == HETERO_OPT_CUSTOM && !o->parse)
            return hetero_fail(HETERO_E_BADARG, "workload %s: %s: a custom option needs parse", n, o->name);
        size_t width = o->type == HETERO_OPT_COUNT    ? sizeof(uint64_t)
                       : o->type == HETERO_OPT_REAL   ? sizeof(double)
                       : o->type == HETERO_OPT_FLAG   ? sizeof(int)
                       : o->type == HETERO_OPT_OUTPUT ? sizeof(char *)
                                                      : 0;
        if (o->offset + width > wl->params_size)
            return hetero_fail(HETERO_E_BADARG, "workload %s: %s: offset %zu outside params (%zu bytes)", n,
                               o->name, o->offset, wl->params_size);
        if (find_row(het_common_options, o->name, NULL))
            return hetero_fail(HETERO_E_BADARG, "workload %s: %s is a common option", n, o->name);
        for (const hetero_option *p = wl->options; p < o; p++)
            if (strcmp(p->name, o->name) == 0)
                return hetero_fail(HETERO_E_BADARG, "workload %s: %s twice", n, o->name);
        if (o->def && o->type != HETERO_OPT_CUSTOM) {
            /* the default must parse within the bounds */
            void *scratch = calloc(1, wl->params_size ? wl->params_size : 1);
            if (!scratch)
                return hetero_fail(HETERO_E_NOMEM, "out of memory");
            int rc = set_row(scratch, o, o->def);
            if (o->type == HETERO_OPT_OUTPUT) {
                char *p;
                memcpy(&p, (char *)scratch + o->offset, sizeof p);
                free(p);
            }
            free(scratch);
            if (rc)
                return hetero_fail(HETERO_E_BADARG, "workload %s: %s: default '%s' is not valid", n, o->name,
                                   o->def);
        }
    }
    return HETERO_OK;
}

/* ---- the job's life cycle ---------------------------------------------------- */

int het_job_init(hetero_job *job, const hetero_workload *wl)
{
    memset(job, 0, sizeof *job);
    job->wl = wl;
    job->run.devices = "all";
    job->run.progress = -1;
    job->params = calloc(1, wl->params_size ? wl->params_size : 1);
    if (!job->params)
        return hetero_fail(HETERO_E_NOMEM, "out of memory");
    for (const hetero_option *o = wl->options; o->type != HETERO_OPT_END; o++)
        if (o->def) {
            int rc = set_row(job->params, o, o->def);
            if (rc)
                return rc;
        }
    return HETERO_OK;
}

int het_job_keep_error(hetero_job *job, int rc)
{
    snprintf(job->error, sizeof job->error, "%s", rc ? hetero_errmsg() : "");
    return rc;
}

static int set_text(hetero_job *job, const char *option, const char *value)
{
    size_t i;
    const hetero_option *o = find_row(job->wl->options, option, &i);
    if (!o) {
        const hetero_option *c = find_row(het_common_options, option, NULL);
        if (!c)
            return hetero_fail(HETERO_E_BADARG, "%s: unknown option for %s", option, job->wl->name);
        if ((c->type == HETERO_OPT_FLAG) != (value == NULL))
            return value ? hetero_fail(HETERO_E_BADARG, "%s: takes no value, got '%s'", option, value)
                         : hetero_fail(HETERO_E_BADARG, "%s: expected a value (%s), got nothing", option,
                                       c->metavar);
        return set_common(job, option, value);
    }
    if (o->type != HETERO_OPT_FLAG && !value)
        return hetero_fail(HETERO_E_BADARG, "%s: expected a value (%s), got nothing", option, o->metavar);
    int rc = set_row(job->params, o, value);
    if (rc == HETERO_OK && o->type == HETERO_OPT_CUSTOM &&
        i < sizeof job->custom_text / sizeof *job->custom_text) {
        char *copy = strdup(value ? value : "");
        if (!copy)
            return hetero_fail(HETERO_E_NOMEM, "out of memory");
        free(job->custom_text[i]);
        job->custom_text[i] = copy;
    }
    if (rc == HETERO_OK)
        job->given[i] = 1;
    return rc;
}

int hetero_job_set(hetero_job *job, const char *option, const char *value)
{
    return het_job_keep_error(job, set_text(job, option, value));
}

int hetero_job_set_u64(hetero_job *job, const char *option, uint64_t value)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRIu64, value);
    return hetero_job_set(job, option, buf);
}

int hetero_job_set_f64(hetero_job *job, const char *option, double value)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.17g", value);
    return hetero_job_set(job, option, buf);
}
