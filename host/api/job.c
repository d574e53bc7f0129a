/* job.c - the public job API (hetero.h): a job created, run by the
 * engine, its result and its report; devices, ranks and the version. */
#include "workload.h"

#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "hcl.h"
#include "par.h"
#include "report.h"

/* ---- the public job API ---------------------------------------------------- */

int hetero_job_create_for(hetero_job **out, const hetero_workload *wl)
{
    *out = NULL;
    int rc = het_workload_check(wl);
    if (rc)
        return rc;
    hetero_job *job = malloc(sizeof *job);
    if (!job)
        return hetero_fail(HETERO_E_NOMEM, "out of memory for a job");
    if ((rc = het_job_init(job, wl))) {
        het_job_free(job);
        free(job);
        return rc;
    }
    *out = job;
    return HETERO_OK;
}

int hetero_job_create(hetero_job **out, const char *workload)
{
    const hetero_workload *wl = hetero_workload_find(workload);
    *out = NULL;
    if (!wl)
        return hetero_fail(HETERO_E_BADARG, "no workload '%s'", workload ? workload : "");
    return hetero_job_create_for(out, wl);
}

void hetero_job_free(hetero_job *job)
{
    if (!job)
        return;
    het_job_free(job);
    free(job);
}

void hetero_job_on_notice(hetero_job *job, hetero_notice_fn fn, void *ctx)
{
    job->notice = fn;
    job->notice_ctx = ctx;
}

void hetero_job_on_progress(hetero_job *job, hetero_progress_fn fn, void *ctx, double every_s)
{
    job->progress = fn;
    job->progress_ctx = ctx;
    job->progress_every = every_s > 0 ? every_s : 1.0;
}

int hetero_job_run(hetero_job *job)
{
    if (job->ran)
        return het_job_keep_error(job, hetero_fail(HETERO_E_BADARG, "%s: a job runs once", job->wl->name));
    job->ran = 1;
    int rc = het_par_attach();
    if (rc == HETERO_OK)
        rc = het_job_plan(job);
    if (rc == HETERO_OK)
        rc = het_engine_run(job, &job->run, &job->report);
    if (rc == HETERO_OK)
        job->n_result = job->wl->result(job, job->result, HETERO_MAX_FIELDS);
    return het_job_keep_error(job, rc);
}

const char *hetero_job_error(const hetero_job *job) { return job->error; }

int hetero_job_result(const hetero_job *job, const hetero_field **fields, size_t *n)
{
    if (!job->n_result)
        return hetero_fail(HETERO_E_BADARG, "%s: no result (the job has not run, or failed)", job->wl->name);
    *fields = job->result;
    *n = job->n_result;
    return HETERO_OK;
}

static const hetero_field *result_field(const hetero_job *job, const char *name)
{
    for (size_t i = 0; i < job->n_result; i++)
        if (strcmp(job->result[i].name, name) == 0)
            return &job->result[i];
    return NULL;
}

int hetero_job_result_u64(const hetero_job *job, const char *name, uint64_t *value)
{
    const hetero_field *f = result_field(job, name);
    if (!f || f->kind != HETERO_FIELD_U64)
        return hetero_fail(HETERO_E_BADARG, "%s: no integer result field '%s'", job->wl->name, name);
    *value = f->v.u64;
    return HETERO_OK;
}

int hetero_job_result_f64(const hetero_job *job, const char *name, double *value)
{
    const hetero_field *f = result_field(job, name);
    if (!f || f->kind != HETERO_FIELD_F64)
        return hetero_fail(HETERO_E_BADARG, "%s: no real result field '%s'", job->wl->name, name);
    *value = f->v.f64;
    return HETERO_OK;
}

uint64_t hetero_job_digest(const hetero_job *job) { return job->report.digest; }
const hetero_report *hetero_job_report(const hetero_job *job) { return &job->report; }

int hetero_job_write_report(const hetero_job *job, int format, FILE *out)
{
    /* an output streams to stdout ("-"): the report must not mix with it */
    if (out == stdout && job->report_to_stderr)
        out = stderr;
    return het_report_print(job, &job->report, format, out);
}

int hetero_job_render_report(const hetero_job *job, int format, char **text)
{
    *text = NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return hetero_fail(HETERO_E_NOMEM, "out of memory rendering the report");
    int rc = het_report_print(job, &job->report, format, f);
    if (fclose(f) != 0 && rc == HETERO_OK)
        rc = hetero_fail(HETERO_E_NOMEM, "out of memory rendering the report");
    if (rc) {
        free(buf);
        return rc;
    }
    *text = buf;
    return HETERO_OK;
}

/* ---- devices and the rest ------------------------------------------------- */

const char *hetero_version(void) { return HETERO_VERSION; }

int hetero_init(int *argc, char ***argv) { return het_par_init(argc, argv); }
void hetero_finalize(void) { het_par_finalize(); }
int hetero_rank(void) { return het_par_rank(); }
int hetero_ranks(void) { return het_par_size(); }

void hetero_free(void *p) { free(p); }

int hetero_devices(hetero_device **list, size_t *n)
{
    hcl_info *infos = NULL;
    size_t k = 0;
    *list = NULL;
    *n = 0;
    int rc = hcl_discover(&infos, &k);
    if (rc)
        return rc;
    hetero_device *d = calloc(k ? k : 1, sizeof *d);
    if (!d) {
        free(infos);
        return hetero_fail(HETERO_E_NOMEM, "out of memory listing devices");
    }
    for (size_t i = 0; i < k; i++) {
        const hcl_info *h = &infos[i];
        hetero_device *o = &d[i];
        snprintf(o->id, sizeof o->id, "%s", h->id);
        o->type = h->type;
        snprintf(o->name, sizeof o->name, "%s", h->name);
        snprintf(o->vendor, sizeof o->vendor, "%s", h->vendor);
        snprintf(o->platform, sizeof o->platform, "%s", h->platform_name);
        snprintf(o->driver, sizeof o->driver, "%s", h->driver);
        snprintf(o->version, sizeof o->version, "%s", h->version);
        o->compute_units = h->compute_units;
        o->clock_mhz = h->clock_mhz;
        o->global_mem = h->global_mem;
        o->local_mem = h->local_mem;
        o->max_alloc = h->max_alloc;
        o->max_work_group = h->max_wg;
        o->fp64 = h->fp64;
    }
    free(infos);
    *list = d;
    *n = k;
    return HETERO_OK;
}

const char *hetero_devices_note(void) { return hcl_discover_note(); }
