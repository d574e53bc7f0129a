/* sim_device.c - simulated devices (sim_device.h): a het_device_ops table
 * (host/device/device.h) whose devices compute on the CPU path and take the time
 * their spec says.  No OpenCL call at all. */
#include "sim_device.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine_int.h"

/* Set by the test's thread between runs; a run's threads read them after
 * they were started (pthread_create orders the two). */
static sim_spec sim__specs[SIM_MAX_DEVICES];
static size_t sim__n;

/* One in-flight slot: the batch's partials, computed at launch, and when
 * the device is done with it. */
typedef struct sim_slot {
    unsigned char *partials;
    size_t cap; /* bytes */
    double t_end;
    double device_s;
} sim_slot;

/* A device's state in a run (het_device.state). */
typedef struct sim_dev {
    sim_spec spec;
    uint64_t launches, reads;
    double free_at; /* when the device is through with what it was given */
    sim_slot slot[HET_SCHED_MAX_FLIGHT];
} sim_dev;

static int sim__discover(hcl_info **infos, size_t *n)
{
    *infos = NULL;
    *n = 0;
    if (!sim__n)
        return HETERO_OK;
    hcl_info *d = calloc(sim__n, sizeof *d);
    if (!d)
        return hetero_fail(HETERO_E_NOMEM, "out of memory listing the simulated devices");
    for (size_t i = 0; i < sim__n; i++) {
        const sim_spec *s = &sim__specs[i];
        snprintf(d[i].id, sizeof d[i].id, "cl:0:%u", (unsigned)i); /* i < SIM_MAX_DEVICES */
        d[i].platform = 0;
        d[i].device = (unsigned)i;
        d[i].type = HCL_GPU;
        if (s->name)
            snprintf(d[i].name, sizeof d[i].name, "%s", s->name);
        else
            snprintf(d[i].name, sizeof d[i].name, "sim %zu", i);
        snprintf(d[i].vendor, sizeof d[i].vendor, "hetero tests");
        snprintf(d[i].platform_name, sizeof d[i].platform_name, "simulated devices");
        snprintf(d[i].driver, sizeof d[i].driver, "sim");
        snprintf(d[i].version, sizeof d[i].version, "sim 1");
        d[i].compute_units = 1;
        d[i].global_mem = 1ull << 30;
        d[i].local_mem = 64u << 10;
        d[i].max_alloc = 1ull << 28;
        d[i].max_wg = 256;
        d[i].fp64 = 1;
    }
    *infos = d;
    *n = sim__n;
    return HETERO_OK;
}

static const char *sim__discover_note(void) { return "no simulated device"; }

/* Its name, width and speed: two specs that differ are two models. */
static void sim__model(const het_device *d, char *desc, size_t size)
{
    const sim_dev *sd = d->state;
    snprintf(desc, size, "sim|%s|%" PRIu64 "|%g|%g", d->info.name, sd->spec.width, sd->spec.wave_s,
             sd->spec.latency_s);
}

static int sim__open(het_device *d)
{
    if (d->info.device >= sim__n)
        return hetero_fail(HETERO_E_OPENCL, "sim_open on %s: no such simulated device", d->info.id);
    sim_dev *sd = calloc(1, sizeof *sd);
    if (!sd)
        return hetero_fail(HETERO_E_NOMEM, "out of memory opening %s", d->info.id);
    sd->spec = sim__specs[d->info.device];
    if (sd->spec.width == 0)
        sd->spec.width = 1;
    d->state = sd;
    return HETERO_OK;
}

/* Sizes the batches as every back end does (het_device_max_batch); the
 * width is the spec's. */
static int sim__build(het_device *d)
{
    const sim_dev *sd = d->state;
    d->max_batch = het_device_max_batch(d, UINT64_MAX);
    d->width = sd->spec.width < d->max_batch ? sd->spec.width : d->max_batch;
    return HETERO_OK;
}

static double sim__now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int sim__launch(het_device *d, int slot, const het_batch *b)
{
    sim_dev *sd = d->state;
    sim_slot *s = &sd->slot[slot];
    if (++sd->launches == sd->spec.fail_launch)
        return hetero_fail(HETERO_E_OPENCL, "sim_launch on %s (%s): injected failure (launch %" PRIu64 ")",
                           d->info.id, d->info.name, sd->launches);
    size_t bytes = (size_t)b->n * d->psize;
    if (bytes > s->cap) {
        unsigned char *p = realloc(s->partials, bytes);
        if (!p)
            return hetero_fail(HETERO_E_NOMEM, "out of memory for %" PRIu64 " partials on %s", b->n,
                               d->info.id);
        s->partials = p;
        s->cap = bytes;
    }
    /* the device's clock starts at the launch; the host's compute below
     * overlaps it, as a driver's own work overlaps a kernel's */
    double now = sim__now(), start = now + sd->spec.latency_s;
    if (sd->free_at > start)
        start = sd->free_at;
    s->device_s = (double)((b->n + sd->spec.width - 1) / sd->spec.width) * sd->spec.wave_s;
    s->t_end = start + s->device_s;
    sd->free_at = s->t_end;
    int rc = d->wl->cpu_batch(d->job, b->g0, b->n, s->partials, 1);
    if (rc == HETERO_E_INTERRUPTED && hetero_job_abandoned(d->job)) {
        s->t_end = INFINITY; /* dropped: never done, the run is winding down */
        return HETERO_OK;
    }
    if (rc)
        return hetero_fail(rc, "sim_launch on %s (%s): %s", d->info.id, d->info.name, hetero_errmsg());
    return HETERO_OK;
}

static int sim__poll(het_device *d, int slot, int *done)
{
    const sim_dev *sd = d->state;
    *done = sim__now() >= sd->slot[slot].t_end;
    return HETERO_OK;
}

static int sim__read(het_device *d, int slot, const unsigned char **partials, double *device_s)
{
    sim_dev *sd = d->state;
    const sim_slot *s = &sd->slot[slot];
    if (++sd->reads == sd->spec.fail_read)
        return hetero_fail(HETERO_E_OPENCL, "sim_read on %s (%s): injected failure (read %" PRIu64 ")",
                           d->info.id, d->info.name, sd->reads);
    if (sim__now() < s->t_end)
        return hetero_fail(HETERO_E_OPENCL, "sim_read on %s (%s): the batch is not complete", d->info.id,
                           d->info.name);
    *partials = s->partials;
    *device_s = s->device_s;
    return HETERO_OK;
}

/* Nothing runs behind the thread's back: a batch in flight is only a
 * time, so there is nothing to wait for, failed or not. */
static void sim__close(het_device *d, int failed)
{
    (void)failed;
    sim_dev *sd = d->state;
    if (!sd)
        return;
    for (int i = 0; i < HET_SCHED_MAX_FLIGHT; i++)
        free(sd->slot[i].partials);
    free(sd);
    d->state = NULL;
}

static het_device_ops sim__ops;

/* Once: a thread an earlier run left behind may still read the table. */
static void sim__ops_init(void)
{
    het_device_ops_defaults(&sim__ops); /* fit: every job fits */
    sim__ops.kind = "sim";
    sim__ops.launch_call = "sim_launch";
    sim__ops.discover = sim__discover;
    sim__ops.discover_note = sim__discover_note;
    sim__ops.model = sim__model;
    sim__ops.open = sim__open;
    sim__ops.build = sim__build;
    sim__ops.launch = sim__launch;
    sim__ops.poll = sim__poll;
    sim__ops.read = sim__read;
    sim__ops.close = sim__close;
}

void sim_devices(const sim_spec *specs, size_t n)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sim__ops_init);
    if (n > SIM_MAX_DEVICES)
        n = SIM_MAX_DEVICES;
    if (n)
        memcpy(sim__specs, specs, n * sizeof *specs);
    sim__n = n;
    eng_backend_override(n ? &sim__ops : NULL);
}
