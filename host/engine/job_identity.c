/* job_identity.c - what a job is, as others see it (workload.h): the
 * report's params fields, the job's identity as "key=value" text (for the
 * journal's header and the ranks' agreement), the first difference of
 * two such texts, and the items in a run of grains. */
#include "workload.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"

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
