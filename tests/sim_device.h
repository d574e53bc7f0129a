/* sim_device.h - simulated devices for the engine's tests: a device back
 * end (het_device_ops) with no driver, put in OpenCL's place.
 *
 * Simulated device D is "cl:0:D", a GPU, so that --devices all, gpu or its
 * id picks it.  A batch of n grains takes the device its launch latency
 * and then ceil(n / width) waves of wave_s seconds each, after whatever it
 * has queued before (one in-order queue); its poll says done only once
 * that time has passed on CLOCK_MONOTONIC, so a slow device really holds
 * its batch.  The partials are the CPU path's own (the workload's
 * cpu_batch, one thread, on the device's thread at launch): a simulated
 * device agrees with the CPU to the bit.
 *
 * Since it computes on the host with the job, a device thread the run
 * leaves behind may still be reading the job: a test waits for
 * het_engine_threads_left() to reach 0 before it frees the job. */
#ifndef SIM_DEVICE_H
#define SIM_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#define SIM_MAX_DEVICES 8

typedef struct sim_spec {
    const char *name;     /* the report's name; NULL: "sim D" */
    uint64_t width;       /* grains one wave computes side by side (0: 1) */
    double wave_s;        /* seconds a wave takes */
    double latency_s;     /* seconds from a launch to the device starting it */
    uint64_t fail_launch; /* this launch of a run (1-based) fails as a device
                             error naming sim_launch and the device; 0 never */
    uint64_t fail_read;   /* the same for this read (sim_read) */
} sim_spec;

/* Every later run of the engine in this process drives devices specs[0 ..
 * n - 1] (copied; at most SIM_MAX_DEVICES) instead of OpenCL's; n = 0
 * gives OpenCL back.  Between runs only. */
void sim_devices(const sim_spec *specs, size_t n);

#endif
