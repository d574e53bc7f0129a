/* device.c - what every device back end shares (device.h): the defaults
 * of an operations table and its check, and the count of work left
 * running in drivers. */
#include "device.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tunables.h"

static int het__no_devices(hcl_info **infos, size_t *n)
{
    *infos = NULL;
    *n = 0;
    return HETERO_OK;
}

static const char *het__no_note(void) { return "no device found"; }

static int het__fits(const hetero_job *job, const hetero_workload *wl, const hcl_info *info)
{
    (void)job;
    (void)wl;
    (void)info;
    return HETERO_OK;
}

static void het__model(const het_device *d, char *desc, size_t size)
{
    snprintf(desc, size, "%s|%s|%s|%s", d->ops->kind, d->info.name, d->info.driver, d->info.version);
}

static int het__nothing_to_open(het_device *d)
{
    (void)d;
    return HETERO_OK;
}

static void het__nothing_to_close(het_device *d, int failed)
{
    (void)d;
    (void)failed;
}

void het_device_ops_defaults(het_device_ops *ops)
{
    memset(ops, 0, sizeof *ops);
    ops->kind = "device";
    ops->launch_call = "launch";
    ops->discover = het__no_devices;
    ops->discover_note = het__no_note;
    ops->fit = het__fits;
    ops->model = het__model;
    ops->open = het__nothing_to_open;
    ops->close = het__nothing_to_close;
    /* build, launch, poll and read are every back end's own */
}

int het_device_ops_check(const het_device_ops *ops)
{
    const char *missing = !ops->kind            ? "kind"
                          : !ops->launch_call   ? "launch_call"
                          : !ops->discover      ? "discover"
                          : !ops->discover_note ? "discover_note"
                          : !ops->fit           ? "fit"
                          : !ops->model         ? "model"
                          : !ops->open          ? "open"
                          : !ops->build         ? "build"
                          : !ops->launch        ? "launch"
                          : !ops->poll          ? "poll"
                          : !ops->read          ? "read"
                          : !ops->close         ? "close"
                                                : NULL;
    if (missing)
        return hetero_fail(HETERO_E_INTERNAL, "the device back end %s has no '%s' operation",
                           ops->kind ? ops->kind : "(unnamed)", missing);
    return HETERO_OK;
}

uint64_t het_device_max_batch(const het_device *d, uint64_t cap)
{
    uint64_t bytes = HET_MAX_OUT_BYTES;
    if (d->info.max_alloc && d->info.max_alloc < bytes)
        bytes = d->info.max_alloc;
    uint64_t n = bytes / (d->psize > 8 ? d->psize : 8);
    if (n > cap)
        n = cap;
    if (n > d->n_grains && d->n_grains)
        n = d->n_grains;
    if (n > UINT32_MAX)
        n = UINT32_MAX;
    return n ? n : 1;
}

/* ---- work left in drivers ------------------------------------------------------ */

/* Device threads left behind inside a driver call, and batches left to a
 * driver's completion callbacks, process-wide. */
static _Atomic int het__left_behind;

/* At exit, a device thread left behind may still be inside its driver, and
 * a batch left in flight may still be running on the driver's own threads
 * (PoCL compiling the kernel for its launch in LLVM): exit handlers that
 * unload LLVM under them crash the process after a complete answer.
 * Registered when the first is left behind, so it runs before the handlers
 * registered earlier (LLVM's, at load): it waits for them to come back,
 * HET_EXIT_WAIT_S at most.  (hetero and hetero-bench leave through _exit
 * instead and never get here.) */
static void het__wait_left_behind(void)
{
    struct timespec nap = {0, 10000000L};
    for (int i = 0; i < (int)(HET_EXIT_WAIT_S * 100) && atomic_load(&het__left_behind) > 0; i++)
        nanosleep(&nap, NULL);
}

void het_device_hold(void)
{
    static atomic_flag registered = ATOMIC_FLAG_INIT;
    atomic_fetch_add(&het__left_behind, 1);
    if (!atomic_flag_test_and_set(&registered))
        (void)atexit(het__wait_left_behind); /* without it, exit is as before */
}

void het_device_done(void) { atomic_fetch_sub(&het__left_behind, 1); }

int het_device_held(void) { return atomic_load(&het__left_behind); }
