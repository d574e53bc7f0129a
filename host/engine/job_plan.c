/* job_plan.c - a job from its checks to its end (workload.h): the checks
 * before any work (required rows, the output files, the checkpoint's
 * options, the workload's validate), the plan, the merge with every
 * workload's output files handled in one place, the job's end, the
 * accessors a workload calls, and cancelling. */
#include "workload.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"
#include "output.h"

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
