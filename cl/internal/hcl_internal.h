/* hcl_internal.h - shared by the files of cl/ only; not part of the API. */
#ifndef HCL_INTERNAL_H
#define HCL_INTERNAL_H

#include "hcl.h"

/* Diagnostics for people chasing a problem: "hetero: debug: ..." on
 * stderr, one line (control characters escaped), only when HETERO_DEBUG
 * is set to anything but "" or "0". */
void hcl_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Before the first clGetPlatformIDs (PoCL reads its environment when the
 * loader starts it): points PoCL's cache, unless POCL_CACHE_DIR is set,
 * into ours (<ours>/pocl) when ours can be had; else turns it off
 * (POCL_KERNEL_CACHE=0, unless set) with its scratch files in a private
 * temporary folder removed at exit, so that PoCL never makes a folder ours
 * would not (a home that does not exist).  Once; later calls do nothing. */
void hcl_cache_env(void);

/* The platforms the loader offers (*out malloc'ed), and the devices of
 * platform p, number pi (*out malloc'ed; *status, when not NULL, gets
 * clGetDeviceIDs' own code): discover.c, for hcl_discover and hcl_open. */
int hcl_platforms(cl_platform_id **out, cl_uint *n);
int hcl_devices(cl_platform_id p, unsigned pi, cl_device_id **out, cl_uint *n, cl_int *status);

/* Records "<call> on <id> (<device name>): <CL error name>" as an
 * HETERO_E_OPENCL failure and returns HETERO_E_OPENCL. */
int hcl_fail(const hcl_device *d, const char *call, cl_int err);

/* Evaluates a cl* call; on failure records the message and jumps to the
 * function's `done:` label with `rc` set, so every function has one cleanup
 * path.  `name` is the entry point as the message should show it (the
 * stringified expression would drag its arguments into the message). */
#define HCL_TRY(d, name, expr)                                                                               \
    do {                                                                                                     \
        cl_int hcl__e = (expr);                                                                              \
        if (hcl__e != CL_SUCCESS) {                                                                          \
            rc = hcl_fail((d), (name), hcl__e);                                                              \
            goto done;                                                                                       \
        }                                                                                                    \
    } while (0)

#endif
