/* job.c - a job of a workload (workload.h): its options from the
 * workload's rows and the common options, the checks before any work, the
 * plan, the output files every workload writes through, the job's
 * identity and its items.  The engine runs such a job; the public API
 * around it (creating, running, results) is host/api/job.c, the registry
 * host/api/registry.c. */
#include "workload.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "devices.h"
#include "engine.h"
#include "format.h"
#include "output.h"
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

/* A required option counts as given when set through a row, or (a count
 * set directly, as hetero-bench's bench_params does) when it holds a
 * value. */
static int row_has_value(const void *params, const hetero_option *o)
{
    const char *field = (const char *)params + o->offset;
    if (o->type == HETERO_OPT_COUNT) {
        uint64_t v;
        memcpy(&v, field, sizeof v);
        return v != 0;
    }
    if (o->type == HETERO_OPT_OUTPUT) {
        const char *p;
        memcpy(&p, field, sizeof p);
        return p != NULL;
    }
    return 0;
}

static int check_job(hetero_job *job)
{
    const hetero_workload *wl = job->wl;
    size_t i = 0;
    job->report_to_stderr = 0;
    for (const hetero_option *o = wl->options; o->type != HETERO_OPT_END; o++, i++) {
        if (o->required && !job->given[i] && !row_has_value(job->params, o))
            return hetero_fail(HETERO_E_BADARG, "%s: required, expected %s %s: %s", o->name, o->name,
                               o->metavar, o->help);
        if (o->type != HETERO_OPT_OUTPUT)
            continue;
        const char *path;
        memcpy(&path, (char *)job->params + o->offset, sizeof path);
        if (!path)
            continue;
        if (strcmp(path, "-") == 0) {
            job->report_to_stderr = 1;
            continue;
        }
        /* the files are checked now, before any work (output.h) */
        int rc = het_out_check(o->name, path);
        if (rc)
            return rc;
        for (const hetero_option *p = wl->options; p < o; p++) {
            const char *other;
            if (p->type != HETERO_OPT_OUTPUT)
                continue;
            memcpy(&other, (char *)job->params + p->offset, sizeof other);
            if (other && strcmp(other, "-") != 0 && het_out_same(other, path))
                return hetero_fail(HETERO_E_BADARG, "%s: expected another file than %s's, got '%s' and '%s'",
                                   o->name, p->name, path, other);
        }
        if (job->run.checkpoint && het_out_same(job->run.checkpoint, path))
            return hetero_fail(HETERO_E_BADARG,
                               "%s: expected another file than --checkpoint's, got '%s' and '%s'", o->name,
                               path, job->run.checkpoint);
    }
    if (job->run.checkpoint_every > 0 && !job->run.checkpoint)
        return hetero_fail(HETERO_E_BADARG, "--checkpoint-every: needs --checkpoint FILE");
    if (job->run.checkpoint_remove && !job->run.checkpoint)
        return hetero_fail(HETERO_E_BADARG, "--checkpoint-remove: needs --checkpoint FILE");
    return wl->validate ? wl->validate(job->params) : HETERO_OK;
}

int hetero_job_check(hetero_job *job) { return het_job_keep_error(job, check_job(job)); }

int het_job_plan(hetero_job *job)
{
    int rc = hetero_job_check(job);
    if (rc)
        return rc;
    rc = job->wl->plan(job);
    if (rc == HETERO_OK && (job->n_grains == 0 || job->partial_size == 0))
        rc = hetero_fail(HETERO_E_INTERNAL, "%s: plan gave %" PRIu64 " grains of %zu bytes", job->wl->name,
                         job->n_grains, job->partial_size);
    return rc;
}

void het_job_free(hetero_job *job)
{
    if (!job->wl)
        return;
    if (job->state && job->wl->release)
        job->wl->release(job);
    else if (job->state && !job->wl->release)
        free(job->state);
    for (const hetero_option *o = job->wl->options; job->params && o->type != HETERO_OPT_END; o++)
        if (o->type == HETERO_OPT_OUTPUT) {
            char *p;
            memcpy(&p, (char *)job->params + o->offset, sizeof p);
            free(p);
        }
    for (size_t i = 0; i < sizeof job->custom_text / sizeof *job->custom_text; i++) {
        free(job->custom_text[i]);
        job->custom_text[i] = NULL;
    }
    free(job->params);
    het_report_free(&job->report);
    job->params = NULL;
    job->state = NULL;
}

/* ---- outputs, in one place ------------------------------------------- */

int het_job_merge(hetero_job *job, const void *partials)
{
    int rc = HETERO_OK;
    job->n_outputs = 0;
    for (const hetero_option *o = job->wl->options; o->type != HETERO_OPT_END && rc == HETERO_OK; o++) {
        if (o->type != HETERO_OPT_OUTPUT)
            continue;
        const char *path;
        memcpy(&path, (char *)job->params + o->offset, sizeof path);
        if (!path || job->n_outputs == HET_MAX_OUTPUTS)
            continue;
        het_job_output *out = &job->outputs[job->n_outputs++];
        memset(out, 0, sizeof *out);
        out->opt = o;
        out->out.slot = -1;
        if (strcmp(path, "-") == 0) {
            het_out_stdout(&out->out, o->name);
        } else {
            rc = het_out_open(&out->out, o->name, path);
        }
        out->open = rc == HETERO_OK;
    }
    if (rc == HETERO_OK)
        rc = job->wl->merge(job, partials);
    /* every file whole, or none */
    for (size_t i = 0; i < job->n_outputs; i++) {
        het_job_output *out = &job->outputs[i];
        if (rc == HETERO_OK && out->open)
            rc = het_out_commit(&out->out);
        het_out_discard(&out->out);
        out->open = 0;
    }
    job->n_outputs = 0;
    return rc;
}

FILE *hetero_job_output(hetero_job *job, const char *option)
{
    for (size_t i = 0; i < job->n_outputs; i++)
        if (job->outputs[i].open && strcmp(job->outputs[i].opt->name, option) == 0)
            return job->outputs[i].out.f;
    return NULL;
}

size_t het_job_params_fields(const hetero_job *job, hetero_field *f, size_t max)
{
    if (job->wl->params_fields)
        return job->wl->params_fields(job, f, max);
    size_t n = 0;
    for (const hetero_option *o = job->wl->options; o->type != HETERO_OPT_END && n + 1 < max; o++) {
        const char *field = (const char *)job->params + o->offset;
        const char *name = o->name + 2;
        if (o->type == HETERO_OPT_COUNT) {
            uint64_t v;
            memcpy(&v, field, sizeof v);
            f[n++] = (hetero_field){.name = name, .kind = HETERO_FIELD_U64, .v.u64 = v};
        } else if (o->type == HETERO_OPT_REAL) {
            double v;
            memcpy(&v, field, sizeof v);
            f[n++] = (hetero_field){.name = name, .kind = HETERO_FIELD_F64, .v.f64 = v};
        } else if (o->type == HETERO_OPT_FLAG) {
            int v;
            memcpy(&v, field, sizeof v);
            f[n++] = (hetero_field){.name = name, .kind = HETERO_FIELD_U64, .v.u64 = (uint64_t)v};
        }
    }
    if (n < max)
        f[n++] = (hetero_field){.name = "seed", .kind = HETERO_FIELD_U64, .v.u64 = job->seed};
    return n;
}

/* Appends "key=value\n" to the growing text *s (len, cap); 0 or -1. */
static int id_line(char **s, size_t *len, size_t *cap, const char *key, const char *value)
{
    size_t need = strlen(key) + strlen(value) + 3;
    if (*len + need > *cap) {
        size_t c = (*len + need) * 2;
        char *n = realloc(*s, c);
        if (!n)
            return -1;
        *s = n;
        *cap = c;
    }
    *len += (size_t)snprintf(*s + *len, *cap - *len, "%s=%s\n", key, value);
    return 0;
}

char *het_job_identity(const hetero_job *job)
{
    size_t len = 0, cap = 1024;
    char *s = malloc(cap), buf[512];
    if (!s)
        return NULL;
    s[0] = 0;
    int bad = id_line(&s, &len, &cap, "workload", job->wl->name);
    snprintf(buf, sizeof buf, "%" PRIu64, job->seed);
    bad |= id_line(&s, &len, &cap, "seed", buf);
    hetero_field f[HETERO_MAX_FIELDS];
    size_t n = het_job_params_fields(job, f, HETERO_MAX_FIELDS);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(f[i].name, "seed") == 0)
            continue;
        het_format_field(&f[i], 17, buf, sizeof buf);
        bad |= id_line(&s, &len, &cap, f[i].name, buf);
    }
    /* the rows themselves, by option name: what params_fields shows is
     * the workload's choice, this is not */
    size_t i = 0;
    for (const hetero_option *o = job->wl->options; o->type != HETERO_OPT_END; o++, i++) {
        if (o->type == HETERO_OPT_OUTPUT || o->not_identity)
            continue;
        const char *field = (const char *)job->params + o->offset;
        if (o->type == HETERO_OPT_COUNT) {
            uint64_t v;
            memcpy(&v, field, sizeof v);
            snprintf(buf, sizeof buf, "%" PRIu64, v);
        } else if (o->type == HETERO_OPT_REAL) {
            double v;
            memcpy(&v, field, sizeof v);
            snprintf(buf, sizeof buf, "%.17g", v);
        } else if (o->type == HETERO_OPT_FLAG) {
            int v;
            memcpy(&v, field, sizeof v);
            snprintf(buf, sizeof buf, "%d", v);
        } else if (o->format) {
            if (o->format(job->params, buf, sizeof buf) != HETERO_OK)
                snprintf(buf, sizeof buf, "?");
        } else {
            /* the text as given ("1e3" and "1000" then differ: a false
             * refusal, never a silent merge; a format hook avoids it) */
            const char *t = i < sizeof job->custom_text / sizeof *job->custom_text ? job->custom_text[i]
                                                                                   : NULL;
            het_escape(t ? t : o->def ? o->def : "(not given)", buf, sizeof buf);
        }
        bad |= id_line(&s, &len, &cap, o->name, buf);
    }
    if (bad) {
        free(s);
        return NULL;
    }
    return s;
}

/* The value of `key` in an identity text, copied into out; 0 if absent. */
static int id_value(const char *text, const char *key, char *out, size_t size)
{
    size_t kl = strlen(key);
    for (const char *p = text; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t ll = nl ? (size_t)(nl - p) : strlen(p);
        if (ll > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
            size_t vl = ll - kl - 1;
            if (vl >= size)
                vl = size - 1;
            memcpy(out, p + kl + 1, vl);
            out[vl] = 0;
            return 1;
        }
        p = nl ? nl + 1 : NULL;
    }
    snprintf(out, size, "(none)");
    return 0;
}

int het_identity_differs(const char *there, const char *here, char *key, size_t key_size, char *v_there,
                         size_t there_size, char *v_here, size_t here_size)
{
    /* every key of either text, in the order of `there`, then `here` */
    for (int side = 0; side < 2; side++) {
        const char *text = side ? here : there;
        for (const char *p = text; p && *p;) {
            const char *nl = strchr(p, '\n'), *eq = strchr(p, '=');
            if (eq && (!nl || eq < nl)) {
                size_t kl = (size_t)(eq - p) < key_size ? (size_t)(eq - p) : key_size - 1;
                memcpy(key, p, kl);
                key[kl] = 0;
                int a = id_value(there, key, v_there, there_size), b = id_value(here, key, v_here, here_size);
                if (a != b || strcmp(v_there, v_here) != 0)
                    return 1;
            }
            p = nl ? nl + 1 : NULL;
        }
    }
    return 0;
}

uint64_t het_job_items(const hetero_job *job, uint64_t g0, uint64_t n)
{
    return job->wl->items ? job->wl->items(job, g0, n) : n;
}

/* ---- accessors for workloads --------------------------------------------- */

void *hetero_job_params(const hetero_job *job) { return job->params; }
uint64_t hetero_job_seed(const hetero_job *job) { return job->seed; }
void *hetero_job_state(const hetero_job *job) { return job->state; }
void hetero_job_set_state(hetero_job *job, void *state) { job->state = state; }
uint64_t hetero_job_grains(const hetero_job *job) { return job->n_grains; }
size_t hetero_job_partial_size(const hetero_job *job) { return job->partial_size; }

int hetero_job_set_grains(hetero_job *job, uint64_t n_grains, size_t partial_size)
{
    if (n_grains == 0 || partial_size == 0)
        return hetero_fail(HETERO_E_INTERNAL, "%s: plan gave %" PRIu64 " grains of %zu bytes", job->wl->name,
                           n_grains, partial_size);
    job->n_grains = n_grains;
    job->partial_size = partial_size;
    return HETERO_OK;
}

/* A signal, hetero_job_cancel, or --time-limit's stop passed (so a long
 * merge, streaming --print, stops at the limit as the compute phase does). */
int hetero_job_cancelled(const hetero_job *job)
{
    if (atomic_load(&((hetero_job *)job)->cancel) != 0)
        return 1;
    if (job->deadline <= 0)
        return 0;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec >= job->deadline;
}

int hetero_job_abandoned(const hetero_job *job) { return atomic_load(&((hetero_job *)job)->abandon) != 0; }

void hetero_job_cancel(hetero_job *job, int signal_number)
{
    int none = 0;
    atomic_compare_exchange_strong(&job->cancel, &none, signal_number > 0 ? signal_number : -1);
}
