/* conform.c - hetero_job_conform (include/hetero.h): a few grains on the
 * CPU path and on each device, compared bit for bit.
 *
 * Each device goes through its back end's operations (het_device_ops:
 * open, build, launch, poll, read, close) as a run's worker does, with an
 * engine of its own that holds only what those operations read: the job,
 * the partial size, one worker and its scheduling slot.  No worker thread,
 * no counter, no journal: the calling thread launches each run of grains
 * and waits for it. */
#include "engine_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The grains compared: the first k - 1 and the last one (all of them when
 * the job has no more than k), as at most two runs [g0, g0 + n). */
typedef struct het_pick {
    uint64_t g0[2], n[2];
    int runs;
    uint64_t total;
} het_pick;

static void het__pick(uint64_t n_grains, uint64_t k, het_pick *p)
{
    memset(p, 0, sizeof *p);
    if (k == 0)
        k = HETERO_CONFORM_GRAINS;
    if (n_grains <= k) {
        p->n[0] = n_grains;
        p->runs = 1;
    } else if (k == 1) {
        p->g0[0] = n_grains - 1;
        p->n[0] = 1;
        p->runs = 1;
    } else {
        p->n[0] = k - 1;
        p->g0[1] = n_grains - 1;
        p->n[1] = 1;
        p->runs = 2;
    }
    p->total = p->n[0] + p->n[1];
}

/* Waits for slot 0 without blocking in the driver. */
static int het__wait(het_device *d)
{
    for (;;) {
        int done = 0;
        int rc = d->ops->poll(d, 0, &done);
        if (rc || done)
            return rc;
        struct timespec ts = {0, 200000};
        nanosleep(&ts, NULL);
    }
}

/* The picked grains on device `info` into dev (p->total partials), through
 * the back end's operations as a run drives them. */
static int het__on_device(hetero_job *job, const het_device_ops *ops, const hcl_info *info, const het_pick *p,
                          unsigned char *dev)
{
    het_device d = {.ops = ops,
                    .info = *info,
                    .job = job,
                    .wl = job->wl,
                    .psize = job->partial_size,
                    .n_grains = p->total}; /* the largest batch the back end sizes for */
    int rc = ops->open(&d);
    if (rc == HETERO_OK)
        rc = ops->build(&d);
    size_t at = 0;
    for (int r = 0; r < p->runs && rc == HETERO_OK; r++) {
        het_batch b = {p->g0[r], p->n[r], 0};
        const unsigned char *out;
        double device_s;
        if ((rc = ops->launch(&d, 0, &b)) || (rc = het__wait(&d)) || (rc = ops->read(&d, 0, &out, &device_s)))
            break;
        memcpy(dev + at, out, (size_t)b.n * d.psize);
        at += (size_t)b.n * d.psize;
    }
    ops->close(&d, rc != HETERO_OK);
    return rc;
}

/* Compares the device's partials with the reference into row. */
static void het__compare(const het_pick *p, size_t psize, const unsigned char *ref, const unsigned char *dev,
                         hetero_conformance *row)
{
    row->status = HETERO_CONFORM_AGREES;
    row->grains = p->total;
    size_t at = 0;
    for (int r = 0; r < p->runs; r++)
        for (uint64_t i = 0; i < p->n[r]; i++, at += psize) {
            if (memcmp(ref + at, dev + at, psize) == 0)
                continue;
            size_t k = 0;
            while (ref[at + k] == dev[at + k])
                k++;
            row->status = HETERO_CONFORM_DIFFERS;
            row->grain = p->g0[r] + i;
            row->byte = k;
            row->device_value = dev[at + k];
            row->cpu_value = ref[at + k];
            return;
        }
}

/* The devices of the job's --devices on this rank, each with its row. */
static int het__devices(hetero_job *job, const het_device_ops *ops, const het_pick *p,
                        const unsigned char *ref, hetero_conformance **rows, size_t *n_rows)
{
    const char *list = job->run.devices ? job->run.devices : "all";
    het_selection sel;
    hcl_info *infos = NULL;
    size_t n_infos = 0;
    int rc = het_devices_parse(list, &sel);
    if (rc == HETERO_OK && sel.needs_opencl)
        rc = ops->discover(&infos, &n_infos);
    if (rc == HETERO_OK)
        rc = het_devices_select(list, infos, n_infos, &sel);
    if (rc) {
        free(infos);
        return rc;
    }
    het_devices_split(&sel, het_par_local_rank(), het_par_local_size());
    hetero_conformance *out = calloc(sel.n_cl ? sel.n_cl : 1, sizeof *out);
    unsigned char *dev = malloc(p->total * job->partial_size);
    if (!out || !dev) {
        free(out);
        free(dev);
        free(infos);
        return hetero_fail(HETERO_E_NOMEM, "out of memory for the conformance check");
    }
    for (size_t i = 0; i < sel.n_cl; i++) {
        const hcl_info *info = &infos[sel.cl[i]];
        hetero_conformance *row = &out[i];
        eng_copy(row->id, sizeof row->id, info->id);
        eng_copy(row->name, sizeof row->name, info->name);
        if (!job->wl->kernel_source) {
            row->status = HETERO_CONFORM_EXCLUDED;
            snprintf(row->error, sizeof row->error, "%s has no OpenCL kernel", job->wl->name);
            continue;
        }
        if (ops->fit(job, job->wl, info) != HETERO_OK) {
            row->status = HETERO_CONFORM_EXCLUDED;
            eng_copy(row->error, sizeof row->error, hetero_errmsg());
            continue;
        }
        rc = het__on_device(job, ops, info, p, dev);
        if (rc == HETERO_E_NODEV) {
            /* the kernel's own limits rule the device out, as in a run */
            row->status = HETERO_CONFORM_EXCLUDED;
            eng_copy(row->error, sizeof row->error, hetero_errmsg());
        } else if (rc) {
            row->status = HETERO_CONFORM_FAILED;
            eng_copy(row->error, sizeof row->error, hetero_errmsg());
        } else {
            het__compare(p, job->partial_size, ref, dev, row);
        }
    }
    free(dev);
    free(infos);
    *rows = out;
    *n_rows = sel.n_cl;
    return HETERO_OK;
}

/* The plan undone: the workload's state released, the grains unset. */
static void het__unplan(hetero_job *job)
{
    if (job->state && job->wl->release)
        job->wl->release(job);
    else
        free(job->state);
    job->state = NULL;
    job->n_grains = 0;
    job->partial_size = 0;
}

int hetero_job_conform(hetero_job *job, uint64_t max_grains, hetero_conformance **rows, size_t *n_rows)
{
    *rows = NULL;
    *n_rows = 0;
    if (job->ran) {
        int rc = hetero_fail(HETERO_E_BADARG, "%s: the conformance check comes before the run",
                             job->wl->name);
        eng_copy(job->error, sizeof job->error, hetero_errmsg());
        return rc;
    }
    int rc = het_job_plan(job);
    if (rc) {
        het__unplan(job);
        eng_copy(job->error, sizeof job->error, hetero_errmsg());
        return rc;
    }
    const het_device_ops *ops = eng_backend();
    het_pick p;
    het__pick(job->n_grains, max_grains, &p);
    unsigned char *ref = malloc(p.total * job->partial_size);
    if (!ref)
        rc = hetero_fail(HETERO_E_NOMEM, "out of memory for the conformance check");
    atomic_store(&job->abandon, 0);
    size_t at = 0;
    for (int r = 0; r < p.runs && rc == HETERO_OK; r++) {
        rc = job->wl->cpu_batch(job, p.g0[r], p.n[r], ref + at, 1);
        if (rc)
            rc = hetero_fail(
                rc, "%s: cpu_batch of grains [%" PRIu64 ", %" PRIu64 ") for the conformance check: %s",
                job->wl->name, p.g0[r], p.g0[r] + p.n[r], hetero_errmsg());
        at += (size_t)p.n[r] * job->partial_size;
    }
    if (rc == HETERO_OK)
        rc = het_device_ops_check(ops);
    if (rc == HETERO_OK)
        rc = het__devices(job, ops, &p, ref, rows, n_rows);
    free(ref);
    het__unplan(job);
    if (rc)
        eng_copy(job->error, sizeof job->error, hetero_errmsg());
    return rc;
}

const char *hetero_conform_status_name(int status)
{
    switch (status) {
    case HETERO_CONFORM_AGREES: return "agrees";
    case HETERO_CONFORM_DIFFERS: return "differs";
    case HETERO_CONFORM_EXCLUDED: return "cannot run";
    case HETERO_CONFORM_FAILED: return "failed";
    default: return "unknown";
    }
}
