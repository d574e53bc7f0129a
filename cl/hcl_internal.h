/* hcl_internal.h - shared by the files of cl/ only; not part of the API. */
#ifndef HCL_INTERNAL_H
#define HCL_INTERNAL_H

#include "hcl.h"

/* Diagnostics for people chasing a problem: "hetero: debug: ..." on
 * stderr, one line (control characters escaped), only when HETERO_DEBUG
 * is set to anything but "" or "0". */
void hcl__debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Records "<call> on <id> (<device name>): <CL error name>" as an
 * HETERO_E_OPENCL failure and returns HETERO_E_OPENCL. */
int hcl__fail(const hcl_device *d, const char *call, cl_int err);

/* Evaluates a cl* call; on failure records the message and jumps to the
 * function's `done:` label with `rc` set, so every function has one cleanup
 * path.  `name` is the entry point as the message should show it (the
 * stringified expression would drag its arguments into the message). */
#define HCL_TRY(d, name, expr)                                                                               \
    do {                                                                                                     \
        cl_int hcl__e = (expr);                                                                              \
        if (hcl__e != CL_SUCCESS) {                                                                          \
            rc = hcl__fail((d), (name), hcl__e);                                                             \
            goto done;                                                                                       \
        }                                                                                                    \
    } while (0)

#endif
