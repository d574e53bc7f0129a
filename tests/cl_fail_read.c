/* cl_fail_read.c - an LD_PRELOAD shim that makes one clEnqueueReadBuffer
 * fail: with HET_FAIL_READ=N in the environment, the Nth call in the
 * process (counting from 1) returns CL_OUT_OF_RESOURCES without enqueuing
 * anything; every other call goes to the OpenCL library.  Without the
 * variable (or with N < 1) nothing fails.  tests/e2e/read_failure.sh uses
 * it to fail the second read of a device's first batch, while the first
 * (non-blocking) read may still be filling the host memory it was given.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RTLD_NEXT */
#endif
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdlib.h>

#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>

typedef cl_int (*het_read_fn)(cl_command_queue, cl_mem, cl_bool, size_t, size_t, void *, cl_uint,
                              const cl_event *, cl_event *);

static atomic_long het_reads;

/* The programs this one starts (PoCL runs the linker for each kernel it
 * builds) get neither the shim nor a sanitizer's runtime preloaded with
 * it: the loader has read LD_PRELOAD for this process already. */
__attribute__((constructor)) static void het_fail_read_init(void) { unsetenv("LD_PRELOAD"); }

CL_API_ENTRY cl_int CL_API_CALL clEnqueueReadBuffer(cl_command_queue queue, cl_mem buf, cl_bool blocking,
                                                    size_t offset, size_t size, void *ptr, cl_uint n_wait,
                                                    const cl_event *wait, cl_event *ev)
{
    long n = atomic_fetch_add(&het_reads, 1) + 1;
    const char *fail = getenv("HET_FAIL_READ");
    if (fail && *fail && strtol(fail, NULL, 10) == n)
        return CL_OUT_OF_RESOURCES;
    het_read_fn next = (het_read_fn)dlsym(RTLD_NEXT, "clEnqueueReadBuffer");
    if (!next)
        return CL_INVALID_OPERATION;
    return next(queue, buf, blocking, offset, size, ptr, n_wait, wait, ev);
}
