/* device.h - the device back ends: what the engine asks of a kind of
 * device, in the manner of pocl's pocl_device_ops.  A back end is a table
 * of operations (het_device_ops); het_device_ops_defaults fills one with
 * the defaults, the back end overrides what it does differently, and
 * het_device_ops_check refuses a table without the entries every back end
 * must bring (build, launch, poll, read).  OpenCL (opencl.c, over cl/) is
 * the one back end of the library; the tests bring a simulated one
 * (tests/sim_device.c).
 *
 * A device is described by discovery's hcl_info and driven through a
 * het_device the engine fills: the job, its workload, how big a partial
 * is; the back end's own state hangs from it.  It keeps up to
 * HET_SCHED_MAX_FLIGHT batches in flight, each in a slot (0 ..
 * HET_SCHED_MAX_FLIGHT - 1); the engine never asks which back end it
 * drives, and a back end knows nothing of the engine (no scheduler, no
 * lock, no other worker).  Operations return HETERO_OK or a code with its
 * message (hetero_fail) naming the call and the device.
 */
#ifndef HET_DEVICE_H
#define HET_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "hcl.h"
#include "hetero.h"

/* A batch being computed: grains [g0, g0 + n). */
typedef struct het_batch {
    uint64_t g0, n;
    int copy; /* a copy of another worker's batch */
} het_batch;

typedef struct het_device_ops het_device_ops;

/* One device of a run, as its back end sees it. */
typedef struct het_device {
    const het_device_ops *ops;
    void *state;   /* the back end's (open sets it, close frees it) */
    hcl_info info; /* as discovered */
    const hetero_job *job;
    const hetero_workload *wl; /* the job's workload */
    size_t psize;              /* bytes of one grain's partial */
    uint64_t n_grains;         /* grains the run has left: no batch needs more */
    /* set by build */
    uint64_t max_batch; /* the largest batch the device takes */
    uint64_t width;     /* grains it computes side by side (the scheduler's unit) */
    int from_cache;     /* its kernel came from a program cache */
} het_device;

struct het_device_ops {
    const char *kind;        /* the report's worker kind ("opencl") */
    const char *launch_call; /* what an injected launch failure names */
    /* Every device there is: *infos malloc'ed (the caller frees it).  None
     * is no error; discover_note then says why, in a few words. */
    int (*discover)(hcl_info **infos, size_t *n);
    const char *(*discover_note)(void);
    /* Can the job run on the device?  HETERO_OK, or HETERO_E_NODEV with the
     * reason.  Before any device is opened. */
    int (*fit)(const hetero_job *job, const hetero_workload *wl, const hcl_info *info);
    /* What names the device's throughput model (rates.h), into desc[size];
     * after build. */
    void (*model)(const het_device *d, char *desc, size_t size);
    /* On the worker's thread: open sets d->state; build readies the job's
     * kernel (d->from_cache), sizes the batches (d->max_batch, d->width)
     * and allocates every slot. */
    int (*open)(het_device *d);
    int (*build)(het_device *d);
    /* Starts batch b in slot s; its commands may run after the return. */
    int (*launch)(het_device *d, int s, const het_batch *b);
    /* *done: slot s's batch is complete, without blocking. */
    int (*poll)(het_device *d, int s, int *done);
    /* The complete batch of slot s, checked: its partials (n * psize bytes,
     * valid until the slot's next launch) and the device's seconds on it
     * (0 when unknown).  A batch that did not finish every grain is an
     * error. */
    int (*read)(het_device *d, int s, const unsigned char **partials, double *device_s);
    /* Releases everything, d->state too.  failed: the worker failed, and
     * its commands still in flight are waited for; otherwise a batch left
     * in flight (the run is over) must not hold up the thread.  Also after
     * a failed open or build. */
    void (*close)(het_device *d, int failed);
};

/* The defaults: no devices, every device fits, nothing to open or close,
 * a model named by the kind, the device's name, driver and version. */
void het_device_ops_defaults(het_device_ops *ops);
/* HETERO_OK, or HETERO_E_INTERNAL naming the first entry missing. */
int het_device_ops_check(const het_device_ops *ops);

/* The largest batch a back end should take: its partials in one buffer of
 * at most HET_MAX_OUT_BYTES and the device's largest allocation, no more
 * than the grains left, nor than `cap` (a limit of the back end's own;
 * UINT64_MAX for none), nor 2^32 - 1; at least 1. */
uint64_t het_device_max_batch(const het_device *d, uint64_t cap);

/* The OpenCL back end's table (filled once). */
const het_device_ops *het_opencl_ops(void);

/* Work left running outside the caller's control (a batch's commands
 * left to a driver's completion callbacks, a device thread left inside a
 * driver call): counted from het_device_hold to het_device_done, so that
 * the process does not run the libraries' exit handlers under it (exit
 * waits a little for the count to reach 0; het_device_held says whether
 * a program must leave with _exit instead). */
void het_device_hold(void);
void het_device_done(void);
int het_device_held(void);

#endif
