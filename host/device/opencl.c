/* opencl.c - the OpenCL back end (het_device_ops, device.h): the only
 * back end that knows cl_* types, over cl/ (hcl.h).
 *
 * The engine's device worker keeps two batches in flight; for
 * each this back end fills the batch's check words with zeros before the
 * launch and gives the batch back only when the kernel's event is complete
 * and every check word is right (kernels/grain_check.h).  Every command of a batch (the fill, the kernel,
 * both non-blocking reads into the batch's host memory) is enqueued with
 * its event, and that memory outlives each of them: a worker that leaves a
 * batch behind (a command failed to enqueue, the device failed, the run is
 * over) hands the memory to the events' completion callbacks, the last of
 * which frees it (or, where no callback can be set, waits for the queue);
 * device buffers go with their last command (OpenCL counts references).
 */
#include "device.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "grain_check.h"
#include "tunables.h"

/* The commands of a batch, in the order they are enqueued. */
enum { HET_EV_FILL, HET_EV_KERNEL, HET_EV_READ_OUT, HET_EV_READ_CHK, HET_EV_N };

/* One of the in-flight slots.  Every command enqueued for the batch has
 * its event in ev[] until the slot is done with it: out, chk and host must
 * outlive each of them (host is the destination of the two non-blocking
 * reads). */
typedef struct het_slot {
    cl_mem out, chk;
    unsigned char *host;   /* n * psize partials, then n check words */
    size_t host_cap;       /* bytes */
    cl_event ev[HET_EV_N]; /* NULL: not enqueued (or already released) */
    het_batch b;
} het_slot;

/* A device's state (het_device.state). */
typedef struct het_cl {
    hcl_device dev;
    hetero_cl_caps caps;
    cl_program prog;
    cl_kernel kern;
    const char *kname; /* its kernel's entry point */
    cl_mem bufs[HETERO_MAX_KARGS];
    size_t n_bufs;
    size_t local;
    size_t scratch_bytes; /* per work-group, 0 = none */
    het_slot slot[HET_SCHED_MAX_FLIGHT];
} het_cl;

/* ---- the device's caps, and whether the job fits ---------------------------- */

static void het__caps(const hcl_info *info, hetero_cl_caps *c)
{
    memset(c, 0, sizeof *c);
    c->type = info->type;
    c->fp64 = info->fp64;
    c->compute_units = info->compute_units ? info->compute_units : 1;
    c->max_wg = info->max_wg ? info->max_wg : 1;
    c->local_mem = info->local_mem;
    c->max_alloc = info->max_alloc;
    c->global_mem = info->global_mem;
    size_t vn = strnlen(info->vendor, sizeof c->vendor - 1); /* cut to fit */
    memcpy(c->vendor, info->vendor, vn);
    c->vendor[vn] = 0;
}

/* The most scratch memory one launch may use: one allocation, and a
 * quarter of the device's memory (the rest is the driver's and other
 * programs'). */
static uint64_t het__scratch_budget(const hetero_cl_caps *caps)
{
    uint64_t b = caps->global_mem / 4;
    if (caps->max_alloc && caps->max_alloc < b)
        b = caps->max_alloc;
    return b;
}

/* Can the job's kernel run on a device with these caps?  HETERO_OK (with
 * the work-group size in *local), or HETERO_E_NODEV with the reason. */
static int het__fit_caps(const hetero_job *job, const hetero_workload *wl, const hetero_cl_caps *caps,
                         size_t *local)
{
    if (wl->needs_fp64 && !caps->fp64)
        return hetero_fail(HETERO_E_NODEV, "needs double precision (cl_khr_fp64), which the device lacks");
    int rc = HETERO_OK;
    if (wl->cl_fit) {
        rc = wl->cl_fit(job, caps, local);
    } else {
        /* a power of two up to 256 within the device's limits */
        size_t l = 256;
        while (l > caps->max_wg && l > 1)
            l >>= 1;
        *local = l;
    }
    if (rc)
        return rc;
    hetero_karg ka[HETERO_MAX_KARGS];
    size_t na = wl->cl_args(job, caps, ka, HETERO_MAX_KARGS);
    for (size_t i = 0; i < na; i++) {
        if (ka[i].kind == HETERO_KARG_BUF && caps->max_alloc && ka[i].v.buf.bytes > caps->max_alloc)
            return hetero_fail(HETERO_E_NODEV, "needs a buffer of %zu bytes, the device allows %" PRIu64,
                               ka[i].v.buf.bytes, caps->max_alloc);
        if (ka[i].kind == HETERO_KARG_SCRATCH && ka[i].v.scratch_bytes > het__scratch_budget(caps))
            return hetero_fail(HETERO_E_NODEV,
                               "needs %zu bytes of scratch memory per work-group, the device "
                               "allows %" PRIu64,
                               ka[i].v.scratch_bytes, het__scratch_budget(caps));
    }
    return HETERO_OK;
}

static int het__fit(const hetero_job *job, const hetero_workload *wl, const hcl_info *info)
{
    hetero_cl_caps caps;
    size_t local;
    het__caps(info, &caps);
    return het__fit_caps(job, wl, &caps, &local);
}

/* ---- setup ---------------------------------------------------------------------- */

static int het__open(het_device *d)
{
    het_cl *c = calloc(1, sizeof *c);
    if (!c)
        return hetero_fail(HETERO_E_NOMEM, "out of memory opening %s", d->info.id);
    d->state = c;
    return hcl_open(&c->dev, &d->info);
}

/* Builds the device's kernel; the kernel's own limits narrow the
 * device's caps (its own local memory into *klocal), and the job must
 * still fit. */
static int het__kernel(het_device *d, uint64_t *klocal)
{
    het_cl *c = d->state;
    const hetero_job *job = d->job;
    const hetero_workload *wl = d->wl;
    int rc;
    if ((rc = hcl_build(&c->dev, wl->kernel_source, wl->build_options, &c->prog, &d->from_cache)))
        return rc;
    /* the entry point for this kind of device (hetero_workload.cl_kernel) */
    het__caps(&d->info, &c->caps);
    c->kname = wl->cl_kernel ? wl->cl_kernel(job, &c->caps) : NULL;
    if (!c->kname)
        c->kname = wl->kernel_name;
    if ((rc = hcl_kernel(&c->dev, c->prog, c->kname, &c->kern)))
        return rc;

    /* the kernel's own limits narrow the device's */
    size_t kwg = 0;
    *klocal = 0;
    if ((rc = hcl_kernel_limits(&c->dev, c->kern, &kwg, klocal)))
        return rc;
    het__caps(&d->info, &c->caps);
    if (kwg && kwg < c->caps.max_wg)
        c->caps.max_wg = kwg;
    c->caps.local_mem = c->caps.local_mem > *klocal ? c->caps.local_mem - *klocal : 0;
    return het__fit_caps(job, wl, &c->caps, &c->local);
}

/* The workload's static kernel arguments into args[*na]: their buffers
 * created, their dynamic local memory added up in *dyn_local, the scratch
 * argument's index in *scratch_arg (SIZE_MAX: none; set once the batch
 * size is known). */
static int het__args(het_device *d, hcl_arg *args, size_t *na, uint64_t *dyn_local, size_t *scratch_arg)
{
    het_cl *c = d->state;
    const hetero_job *job = d->job;
    const hetero_workload *wl = d->wl;
    hetero_karg ka[HETERO_MAX_KARGS];
    *na = wl->cl_args(job, &c->caps, ka, HETERO_MAX_KARGS);
    *dyn_local = 0;
    *scratch_arg = SIZE_MAX;
    for (size_t i = 0; i < *na; i++) {
        switch (ka[i].kind) {
        case HETERO_KARG_U32: args[i] = (hcl_arg){.kind = HCL_ARG_U32, .u.u32 = ka[i].v.u32}; break;
        case HETERO_KARG_U64: args[i] = (hcl_arg){.kind = HCL_ARG_U64, .u.u64 = ka[i].v.u64}; break;
        case HETERO_KARG_F64: args[i] = (hcl_arg){.kind = HCL_ARG_F64, .u.f64 = ka[i].v.f64}; break;
        case HETERO_KARG_LOCAL:
            args[i] = (hcl_arg){.kind = HCL_ARG_LOCAL, .u.bytes = ka[i].v.local_bytes};
            *dyn_local += ka[i].v.local_bytes;
            break;
        case HETERO_KARG_SCRATCH:
            c->scratch_bytes = ka[i].v.scratch_bytes ? ka[i].v.scratch_bytes : 1;
            *scratch_arg = i;
            args[i] = (hcl_arg){.kind = HCL_ARG_U32, .u.u32 = 0};
            break;
        case HETERO_KARG_BUF: {
            cl_mem m;
            /* a zero-byte buffer is not allowed: pass one dummy byte */
            size_t bytes = ka[i].v.buf.bytes ? ka[i].v.buf.bytes : 1;
            static const unsigned char zero[8];
            const void *data = ka[i].v.buf.bytes ? ka[i].v.buf.data : zero;
            int rc = hcl_buffer(&c->dev, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, bytes, data, &m);
            if (rc)
                return rc;
            c->bufs[c->n_bufs++] = m;
            args[i] = (hcl_arg){.kind = HCL_ARG_MEM, .u.mem = m};
            break;
        }
        default:
            return hetero_fail(HETERO_E_INTERNAL, "%s: unknown kernel argument kind %d", wl->name,
                               ka[i].kind);
        }
    }
    return HETERO_OK;
}

/* The worker's largest batch (device buffers of at most HET_MAX_OUT_BYTES
 * each, the scratch within its budget) and its width, the work-groups
 * resident at once (local memory used: klocal + dyn_local). */
static void het__size(het_device *d, uint64_t klocal, uint64_t dyn_local)
{
    het_cl *c = d->state;
    uint64_t scratch_cap = c->scratch_bytes ? het__scratch_budget(&c->caps) / c->scratch_bytes : UINT64_MAX;
    d->max_batch = het_device_max_batch(d, scratch_cap);

    uint64_t per_cu = 1;
    if (d->info.type & (HCL_GPU | HCL_ACCEL)) {
        per_cu = HET_GPU_ITEMS_PER_CU / c->local;
        uint64_t used = klocal + dyn_local;
        if (used) {
            uint64_t fit = HET_GPU_LOCAL_PER_CU_FACTOR * d->info.local_mem / used;
            if (fit < per_cu)
                per_cu = fit;
        }
        if (per_cu < 1)
            per_cu = 1;
    }
    d->width = (uint64_t)c->caps.compute_units * per_cu;
    if (d->width > d->max_batch)
        d->width = d->max_batch;
}

/* The scratch buffer (if the kernel has one), the static arguments set,
 * and every slot's output and check-word buffers. */
static int het__buffers(het_device *d, hcl_arg *args, size_t na, size_t scratch_arg)
{
    het_cl *c = d->state;
    int rc;
    if (c->scratch_bytes) {
        /* one scratch buffer serves both slots: the queue is in order, so
         * their kernels never overlap */
        cl_mem m;
        if ((rc = hcl_buffer(&c->dev, CL_MEM_READ_WRITE, d->max_batch * c->scratch_bytes, NULL, &m)))
            return rc;
        c->bufs[c->n_bufs++] = m;
        args[scratch_arg] = (hcl_arg){.kind = HCL_ARG_MEM, .u.mem = m};
    }
    if ((rc = hcl_set_args(&c->dev, c->kern, 4, args, na)))
        return rc;
    for (int s = 0; s < HET_SCHED_MAX_FLIGHT; s++) {
        if ((rc = hcl_buffer(&c->dev, CL_MEM_READ_WRITE, d->max_batch * d->psize, NULL, &c->slot[s].out)) ||
            (rc = hcl_buffer(&c->dev, CL_MEM_READ_WRITE, d->max_batch * sizeof(uint64_t), NULL,
                             &c->slot[s].chk)))
            return rc;
    }
    return HETERO_OK;
}

static int het__build(het_device *d)
{
    uint64_t klocal, dyn_local;
    hcl_arg args[HETERO_MAX_KARGS];
    size_t na, scratch_arg;
    int rc = het__kernel(d, &klocal);
    if (rc == HETERO_OK)
        rc = het__args(d, args, &na, &dyn_local, &scratch_arg);
    if (rc)
        return rc;
    het__size(d, klocal, dyn_local);
    return het__buffers(d, args, na, scratch_arg);
}

/* The throughput model's name: the device, its driver, the work-group
 * size. */
static void het__model(const het_device *d, char *desc, size_t size)
{
    const het_cl *c = d->state;
    snprintf(desc, size, "cl|%s|%s|%s|%zu", d->info.name, d->info.driver, d->info.version, c->local);
}

/* ---- a batch: launch, wait, check ------------------------------------------------ */

static int het__launch(het_device *d, int slot, const het_batch *b)
{
    het_cl *c = d->state;
    het_slot *s = &c->slot[slot];
    size_t pbytes = (size_t)b->n * d->psize, need = pbytes + (size_t)b->n * sizeof(uint64_t);
    if (need > s->host_cap) {
        unsigned char *p = realloc(s->host, need);
        if (!p)
            return hetero_fail(HETERO_E_NOMEM, "out of memory for %" PRIu64 " partials on %s", b->n,
                               d->info.id);
        s->host = p;
        s->host_cap = need;
    }
    int rc;
    s->b = *b;
    hcl_arg a[4] = {
        {.kind = HCL_ARG_MEM, .u.mem = s->out},
        {.kind = HCL_ARG_U64, .u.u64 = b->g0},
        {.kind = HCL_ARG_U32, .u.u32 = (uint32_t)b->n},
        {.kind = HCL_ARG_MEM, .u.mem = s->chk},
    };
    /* zeros are never a check word: a grain the kernel did not finish
     * keeps them */
    if ((rc = hcl_fill(&c->dev, s->chk, 0, (size_t)b->n * sizeof(uint64_t), 0, &s->ev[HET_EV_FILL])) ||
        (rc = hcl_set_args(&c->dev, c->kern, 0, a, 4)) ||
        (rc = hcl_launch(&c->dev, c->kern, (size_t)b->n * c->local, c->local, &s->ev[HET_EV_KERNEL])) ||
        (rc = hcl_read(&c->dev, s->out, 0, pbytes, s->host, 0, &s->ev[HET_EV_READ_OUT])) ||
        (rc = hcl_read(&c->dev, s->chk, 0, (size_t)b->n * sizeof(uint64_t), s->host + pbytes, 0,
                       &s->ev[HET_EV_READ_CHK])) ||
        (rc = hcl_flush(&c->dev)))
        return rc;
    return HETERO_OK;
}

/* Releases the events of slot s (its commands are complete, or their host
 * memory was handed over: het__slot_abandon). */
static void het__slot_release(het_slot *s)
{
    for (int i = 0; i < HET_EV_N; i++) {
        hcl_release_event(s->ev[i]);
        s->ev[i] = NULL;
    }
}

/* Host memory that commands still in flight write into, freed by whichever
 * of their completion callbacks comes last. */
typedef struct het_hold {
    atomic_int left;
    unsigned char *host;
    int held; /* counted as left to the driver (het_device_hold) */
} het_hold;

static void het__hold_drop(void *arg)
{
    het_hold *h = arg;
    if (atomic_fetch_sub(&h->left, 1) == 1) {
        int held = h->held;
        free(h->host);
        free(h);
        if (held)
            het_device_done();
    }
}

/* Slot s has commands enqueued that may not have finished (a batch left in
 * flight, or one whose later command failed to enqueue): its host memory
 * goes to the driver, freed once the last of them completes, so the thread
 * need not wait for the device.  Where a callback cannot be set, waits for
 * the queue instead.  Returns 1 when the memory was handed over (s->host is
 * then NULL), 0 when every command is known to be finished. */
static int het__slot_abandon(het_cl *c, het_slot *s)
{
    int n = 0;
    for (int i = 0; i < HET_EV_N; i++)
        n += s->ev[i] != NULL;
    if (!n || !s->host)
        return 0; /* no host memory at stake: OpenCL keeps the buffers */
    het_hold *h = malloc(sizeof *h);
    if (!h) {
        hcl_finish(&c->dev);
        return 0;
    }
    h->host = s->host;
    h->held = 0;
    atomic_init(&h->left, n + 1); /* + 1: ours, dropped last */
    s->host = NULL;
    int finished = 0, handed = 0;
    for (int i = 0; i < HET_EV_N; i++) {
        if (!s->ev[i])
            continue;
        if (!h->held) { /* until the last callback: exit must not unload the driver */
            h->held = 1;
            het_device_hold();
        }
        if (hcl_on_complete(&c->dev, s->ev[i], het__hold_drop, h) == HETERO_OK) {
            handed = 1;
        } else {
            if (!finished)
                hcl_finish(&c->dev);
            finished = 1;
            het__hold_drop(h);
        }
    }
    het__hold_drop(h);
    return handed;
}

/* Contract 8: every command of slot s's batch (the kernel itself, the read
 * of the partials) completed, and every grain's check word is there. */
static int het__check(het_device *d, het_slot *s)
{
    het_cl *c = d->state;
    for (int i = 0; i < HET_EV_READ_CHK; i++) {
        int cdone = 0;
        int rc = hcl_poll(&c->dev, s->ev[i], &cdone);
        if (rc)
            return rc;
        if (!cdone)
            return hetero_fail(HETERO_E_OPENCL, "kernel %s on %s (%s): %s not complete after its read-back",
                               c->kname, d->info.id, d->info.name,
                               i == HET_EV_KERNEL ? "the kernel"
                               : i == HET_EV_FILL ? "the fill of its check words"
                                                  : "the read of its partials");
    }
    const unsigned char *chk = s->host + (size_t)s->b.n * d->psize;
    for (uint64_t i = 0; i < s->b.n; i++) {
        uint64_t word;
        memcpy(&word, chk + i * sizeof word, sizeof word);
        if (word != HETERO_GRAIN_CHECK(s->b.g0 + i))
            return hetero_fail(HETERO_E_OPENCL,
                               "kernel %s on %s (%s) did not finish grain %" PRIu64
                               " (its check word is %016" PRIx64 "); the batch's results are discarded",
                               c->kname, d->info.id, d->info.name, s->b.g0 + i, word);
    }
    return HETERO_OK;
}

static int het__poll(het_device *d, int slot, int *done)
{
    het_cl *c = d->state;
    return hcl_poll(&c->dev, c->slot[slot].ev[HET_EV_READ_CHK], done);
}

static int het__read(het_device *d, int slot, const unsigned char **partials, double *device_s)
{
    het_cl *c = d->state;
    het_slot *s = &c->slot[slot];
    int rc = het__check(d, s);
    if (rc)
        return rc;
    /* the kernel's time, where the driver profiles it */
    if (hcl_event_seconds(&c->dev, s->ev[HET_EV_KERNEL], device_s) != HETERO_OK)
        *device_s = 0;
    het__slot_release(s);
    *partials = s->host;
    return HETERO_OK;
}

/* ---- the end, and the table -------------------------------------------------- */

/* A failed worker (its grains are already handed back) first waits for
 * the commands it had enqueued: a batch whose later command failed to
 * enqueue, or the other batch in flight, is still running on the device,
 * and nothing of it may outlive the process's exit handlers.  Otherwise
 * (the run is over, and a slow device must not hold up its end), a slot
 * with commands that may still be running (every one enqueued has its
 * event) hands its host memory to their completion callbacks.  Device
 * buffers are released at once (OpenCL deletes a buffer only after the
 * commands that use it have finished). */
static void het__close(het_device *d, int failed)
{
    het_cl *c = d->state;
    if (!c)
        return;
    int drained = failed && c->dev.queue && hcl_finish(&c->dev) == HETERO_OK;
    int abandoned = 0;
    for (int i = 0; i < HET_SCHED_MAX_FLIGHT; i++) {
        het_slot *s = &c->slot[i];
        if (!drained && het__slot_abandon(c, s))
            abandoned = 1;
        het__slot_release(s);
        free(s->host);
        s->host = NULL;
        hcl_release_mem(s->out);
        hcl_release_mem(s->chk);
    }
    for (size_t i = 0; i < c->n_bufs; i++)
        hcl_release_mem(c->bufs[i]);
    if (c->kern)
        hcl_release_kernel(c->kern);
    if (c->prog)
        hcl_release_program(c->prog);
    if (abandoned)
        hcl_close_nowait(&c->dev);
    else
        hcl_close(&c->dev);
    free(c);
    d->state = NULL;
}

/* Why discovery found no device: the platforms that gave none, if any. */
static const char *het__discover_note(void)
{
    return *hcl_discover_note() ? hcl_discover_note() : "no OpenCL platform found";
}

static het_device_ops het__ops;

static void het__ops_init(void)
{
    het_device_ops_defaults(&het__ops);
    het__ops.kind = "opencl";
    het__ops.launch_call = "clEnqueueNDRangeKernel";
    het__ops.discover = hcl_discover;
    het__ops.discover_note = het__discover_note;
    het__ops.fit = het__fit;
    het__ops.model = het__model;
    het__ops.open = het__open;
    het__ops.build = het__build;
    het__ops.launch = het__launch;
    het__ops.poll = het__poll;
    het__ops.read = het__read;
    het__ops.close = het__close;
}

const het_device_ops *het_opencl_ops(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, het__ops_init);
    return &het__ops;
}
