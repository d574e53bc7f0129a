/* hcl.c - an open device (context and queue), buffers, arguments,
 * launches, events.  Discovery is in discover.c, the program build and its
 * cache in build.c, error names in errors.c.
 */
#include "hcl_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void hcl_debug(const char *fmt, ...)
{
    const char *v = getenv("HETERO_DEBUG");
    if (!v || !*v || strcmp(v, "0") == 0)
        return;
    char raw[1024], line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    size_t k = 0;
    for (const unsigned char *c = (const unsigned char *)raw; *c && k + 5 < sizeof line; c++) {
        if (*c < 0x20 || *c == 0x7f)
            k += (size_t)snprintf(line + k, sizeof line - k, "\\x%02x", *c);
        else
            line[k++] = (char)*c;
    }
    line[k] = 0;
    fprintf(stderr, "hetero: debug: %s\n", line);
}

int hcl_fail(const hcl_device *d, const char *call, cl_int err)
{
    return hetero_fail(HETERO_E_OPENCL, "%s on %s (%s): %s", call, d->info.id, d->info.name,
                       hcl_errname(err));
}

/* ---- one open device ---------------------------------------------------- */

int hcl_open(hcl_device *d, const hcl_info *info)
{
    hcl_info want = *info; /* info may point into *d */
    cl_platform_id *plats = NULL;
    cl_device_id *devs = NULL;
    cl_uint np = 0, nd = 0;
    cl_int err;
    int rc;

    memset(d, 0, sizeof *d);
    d->info = want;
    if ((rc = hcl_platforms(&plats, &np)) != HETERO_OK)
        goto done;
    if (want.platform >= np) {
        rc = hetero_fail(HETERO_E_NODEV, "no OpenCL device %s: there are %u platforms", want.id, np);
        goto done;
    }
    if ((rc = hcl_devices(plats[want.platform], want.platform, &devs, &nd, NULL)) != HETERO_OK)
        goto done;
    if (want.device >= nd) {
        rc = hetero_fail(HETERO_E_NODEV, "no OpenCL device %s: platform %u has %u devices", want.id,
                         want.platform, nd);
        goto done;
    }
    d->platform = plats[want.platform];
    d->device = devs[want.device];

    cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)d->platform, 0};
    d->context = clCreateContext(props, 1, &d->device, NULL, NULL, &err);
    HCL_TRY(d, "clCreateContext", err);
    /* clCreateCommandQueue is deprecated in 2.0 but is the one call every
     * 1.2 driver has; an in-order queue keeps "read after launch" simple. */
    d->queue = clCreateCommandQueue(d->context, d->device, CL_QUEUE_PROFILING_ENABLE, &err);
    HCL_TRY(d, "clCreateCommandQueue", err);
done:
    free(devs);
    free(plats);
    if (rc != HETERO_OK) {
        hcl_close(d);
        d->info = want;
    }
    return rc;
}

void hcl_close(hcl_device *d)
{
    if (!d)
        return;
    if (d->queue) {
        clFinish(d->queue);
        clReleaseCommandQueue(d->queue);
    }
    if (d->context)
        clReleaseContext(d->context);
    d->queue = NULL;
    d->context = NULL;
    d->device = NULL;
    d->platform = NULL;
}

void hcl_close_nowait(hcl_device *d)
{
    if (!d)
        return;
    if (d->queue) {
        clFlush(d->queue);
        clReleaseCommandQueue(d->queue);
    }
    if (d->context)
        clReleaseContext(d->context);
    d->queue = NULL;
    d->context = NULL;
    d->device = NULL;
    d->platform = NULL;
}

/* ---- kernels, buffers, commands ----------------------------------------- */

int hcl_kernel(hcl_device *d, cl_program prog, const char *name, cl_kernel *out)
{
    cl_int err;
    *out = clCreateKernel(prog, name, &err);
    if (err != CL_SUCCESS) {
        *out = NULL;
        return hetero_fail(HETERO_E_OPENCL, "clCreateKernel(%s) on %s (%s): %s", name, d->info.id,
                           d->info.name, hcl_errname(err));
    }
    return HETERO_OK;
}

int hcl_kernel_limits(hcl_device *d, cl_kernel k, size_t *max_wg, uint64_t *local_mem)
{
    int rc = HETERO_OK;
    size_t wg = 0;
    cl_ulong lm = 0;
    HCL_TRY(d, "clGetKernelWorkGroupInfo(CL_KERNEL_WORK_GROUP_SIZE)",
            clGetKernelWorkGroupInfo(k, d->device, CL_KERNEL_WORK_GROUP_SIZE, sizeof wg, &wg, NULL));
    HCL_TRY(d, "clGetKernelWorkGroupInfo(CL_KERNEL_LOCAL_MEM_SIZE)",
            clGetKernelWorkGroupInfo(k, d->device, CL_KERNEL_LOCAL_MEM_SIZE, sizeof lm, &lm, NULL));
    *max_wg = wg;
    *local_mem = lm;
done:
    return rc;
}

int hcl_set_args(hcl_device *d, cl_kernel k, unsigned first, const hcl_arg *args, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const hcl_arg *a = &args[i];
        size_t size;
        const void *value;
        switch (a->kind) {
        case HCL_ARG_U32:
            size = sizeof(cl_uint);
            value = &a->u.u32;
            break;
        case HCL_ARG_U64:
            size = sizeof(cl_ulong);
            value = &a->u.u64;
            break;
        case HCL_ARG_F64:
            size = sizeof(cl_double);
            value = &a->u.f64;
            break;
        case HCL_ARG_MEM:
            size = sizeof(cl_mem);
            value = &a->u.mem;
            break;
        case HCL_ARG_LOCAL:
            size = a->u.bytes;
            value = NULL;
            break;
        default:
            return hetero_fail(HETERO_E_INTERNAL, "hcl_set_args: argument %u has unknown kind %d",
                               first + (unsigned)i, a->kind);
        }
        cl_int err = clSetKernelArg(k, first + (cl_uint)i, size, value);
        if (err != CL_SUCCESS)
            return hetero_fail(HETERO_E_OPENCL, "clSetKernelArg(%u) on %s (%s): %s", first + (unsigned)i,
                               d->info.id, d->info.name, hcl_errname(err));
    }
    return HETERO_OK;
}

int hcl_buffer(hcl_device *d, cl_mem_flags flags, size_t bytes, const void *host_data, cl_mem *out)
{
    cl_int err;
    if (host_data)
        flags |= CL_MEM_COPY_HOST_PTR;
    /* COPY_HOST_PTR only reads host_data, whatever the prototype says. */
    *out = clCreateBuffer(d->context, flags, bytes, (void *)host_data, &err);
    if (err != CL_SUCCESS) {
        *out = NULL;
        return hcl_fail(d, "clCreateBuffer", err);
    }
    return HETERO_OK;
}

int hcl_launch(hcl_device *d, cl_kernel k, size_t global, size_t local, cl_event *ev)
{
    cl_int err = clEnqueueNDRangeKernel(d->queue, k, 1, NULL, &global, local ? &local : NULL, 0, NULL, ev);
    if (err != CL_SUCCESS) {
        if (ev)
            *ev = NULL;
        return hcl_fail(d, "clEnqueueNDRangeKernel", err);
    }
    return HETERO_OK;
}

int hcl_read(hcl_device *d, cl_mem buf, size_t offset, size_t bytes, void *dst, int blocking, cl_event *ev)
{
    cl_int err = clEnqueueReadBuffer(d->queue, buf, blocking ? CL_TRUE : CL_FALSE, offset, bytes, dst, 0,
                                     NULL, ev);
    if (err != CL_SUCCESS) {
        if (ev)
            *ev = NULL;
        return hcl_fail(d, "clEnqueueReadBuffer", err);
    }
    return HETERO_OK;
}

int hcl_write(hcl_device *d, cl_mem buf, size_t offset, size_t bytes, const void *src)
{
    cl_int err = clEnqueueWriteBuffer(d->queue, buf, CL_TRUE, offset, bytes, src, 0, NULL, NULL);
    return err == CL_SUCCESS ? HETERO_OK : hcl_fail(d, "clEnqueueWriteBuffer", err);
}

int hcl_fill(hcl_device *d, cl_mem buf, size_t offset, size_t bytes, unsigned char value, cl_event *ev)
{
    /* the pattern is copied when the command is enqueued */
    cl_int err = clEnqueueFillBuffer(d->queue, buf, &value, 1, offset, bytes, 0, NULL, ev);
    if (err != CL_SUCCESS) {
        if (ev)
            *ev = NULL;
        return hcl_fail(d, "clEnqueueFillBuffer", err);
    }
    return HETERO_OK;
}

int hcl_flush(hcl_device *d)
{
    cl_int err = clFlush(d->queue);
    return err == CL_SUCCESS ? HETERO_OK : hcl_fail(d, "clFlush", err);
}

int hcl_finish(hcl_device *d)
{
    cl_int err = clFinish(d->queue);
    return err == CL_SUCCESS ? HETERO_OK : hcl_fail(d, "clFinish", err);
}

int hcl_wait(hcl_device *d, cl_event ev)
{
    /* Some GPU drivers spin a CPU core inside clWaitForEvents; that core is
     * one the OpenMP team needs.  So sleep while the command runs, polling
     * its status with a backoff (20 us doubling to 1 ms: under 2% of a 50 ms
     * batch), and call clWaitForEvents only once it has finished. */
    struct timespec nap = {0, 20000};
    for (;;) {
        cl_int status = CL_QUEUED;
        if (clGetEventInfo(ev, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof status, &status, NULL) !=
                CL_SUCCESS ||
            status <= CL_COMPLETE)
            break;
        nanosleep(&nap, NULL);
        if (nap.tv_nsec < 1000000)
            nap.tv_nsec *= 2;
    }
    cl_int err = clWaitForEvents(1, &ev);
    if (err == CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST) {
        /* The event's own status says why the command failed. */
        cl_int status = 0;
        if (clGetEventInfo(ev, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof status, &status, NULL) ==
                CL_SUCCESS &&
            status < 0)
            err = status;
    }
    return err == CL_SUCCESS ? HETERO_OK : hcl_fail(d, "clWaitForEvents", err);
}

int hcl_poll(hcl_device *d, cl_event ev, int *done)
{
    cl_int status = CL_QUEUED;
    *done = 0;
    cl_int err = clGetEventInfo(ev, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof status, &status, NULL);
    if (err != CL_SUCCESS)
        return hcl_fail(d, "clGetEventInfo(CL_EVENT_COMMAND_EXECUTION_STATUS)", err);
    if (status < 0)
        return hcl_fail(d, "command execution status", status);
    *done = status == CL_COMPLETE;
    return HETERO_OK;
}

typedef struct hcl__cb {
    void (*fn)(void *);
    void *arg;
} hcl__cb;

static void CL_CALLBACK hcl__on_event(cl_event ev, cl_int status, void *user)
{
    (void)ev;
    (void)status;
    hcl__cb *cb = user;
    cb->fn(cb->arg);
    free(cb);
}

int hcl_on_complete(hcl_device *d, cl_event ev, void (*fn)(void *), void *arg)
{
    hcl__cb *cb = malloc(sizeof *cb);
    if (!cb)
        return hetero_fail(HETERO_E_NOMEM, "out of memory for an event callback on %s", d->info.id);
    cb->fn = fn;
    cb->arg = arg;
    cl_int err = clSetEventCallback(ev, CL_COMPLETE, hcl__on_event, cb);
    if (err != CL_SUCCESS) {
        free(cb);
        return hcl_fail(d, "clSetEventCallback", err);
    }
    return HETERO_OK;
}

int hcl_event_seconds(hcl_device *d, cl_event ev, double *seconds)
{
    cl_ulong start = 0, end = 0;
    int rc = HETERO_OK;
    *seconds = 0.0;
    HCL_TRY(d, "clGetEventProfilingInfo(CL_PROFILING_COMMAND_START)",
            clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_START, sizeof start, &start, NULL));
    HCL_TRY(d, "clGetEventProfilingInfo(CL_PROFILING_COMMAND_END)",
            clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_END, sizeof end, &end, NULL));
    /* Profiling counters are nanoseconds; a driver with a coarse clock may
     * report end == start for a short command, never end < start. */
    *seconds = end > start ? (double)(end - start) * 1e-9 : 0.0;
done:
    return rc;
}

void hcl_release_event(cl_event ev)
{
    if (ev)
        clReleaseEvent(ev);
}
void hcl_release_mem(cl_mem m)
{
    if (m)
        clReleaseMemObject(m);
}
void hcl_release_kernel(cl_kernel k)
{
    if (k)
        clReleaseKernel(k);
}
void hcl_release_program(cl_program p)
{
    if (p)
        clReleaseProgram(p);
}
