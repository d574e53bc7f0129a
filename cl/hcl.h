/* hcl.h - the public face of hetero's OpenCL layer.
 *
 * cl/ is the only place in hetero that calls cl* functions.  It knows
 * nothing about workloads: it finds platforms and devices (with stable ids
 * "cl:P:D"), opens a context and an in-order profiling queue per device,
 * builds programs from source strings embedded in the binary (with an
 * on-disk binary cache), creates buffers, sets kernel arguments from a
 * declarative list, launches, reads back and reports errors by name.
 *
 * Errors: every function returns HETERO_OK or a negative HETERO_E_* code
 * (include/hetero.h, the only header of the library cl/ includes) and
 * records a one-line message with hetero_fail() that names the failing
 * call, the device and the OpenCL error name, e.g.
 *   "clEnqueueNDRangeKernel on cl:0:0 (NVIDIA H200): CL_OUT_OF_RESOURCES".
 * Nothing here prints or exits (but for HETERO_DEBUG lines).
 */
#ifndef HCL_H
#define HCL_H

#include <stddef.h>
#include <stdint.h>

#define CL_TARGET_OPENCL_VERSION 120
#ifndef CL_USE_DEPRECATED_OPENCL_1_2_APIS
#define CL_USE_DEPRECATED_OPENCL_1_2_APIS
#endif
#include <CL/cl.h>

#include "hetero.h" /* the error codes and hetero_fail, from the public face */

enum hcl_type { HCL_CPU = 1, HCL_GPU = 2, HCL_ACCEL = 4, HCL_OTHER = 8 };

/* What `hetero devices` shows about one device.  Plain data, no handles. */
typedef struct hcl_info {
    char id[24];       /* "cl:P:D", P and D as discovery numbers them */
    unsigned platform; /* P: index in clGetPlatformIDs order */
    unsigned device;   /* D: index in clGetDeviceIDs(ALL) order */
    int type;          /* enum hcl_type */
    char name[256];
    char vendor[256];
    char platform_name[256];
    char driver[128];  /* CL_DRIVER_VERSION */
    char version[128]; /* CL_DEVICE_VERSION */
    unsigned compute_units;
    unsigned clock_mhz;
    uint64_t global_mem; /* bytes */
    uint64_t local_mem;  /* bytes */
    uint64_t max_alloc;  /* CL_DEVICE_MAX_MEM_ALLOC_SIZE, bytes */
    size_t max_wg;       /* CL_DEVICE_MAX_WORK_GROUP_SIZE */
    int fp64;            /* 1 if cl_khr_fp64 (or CL_DEVICE_DOUBLE_FP_CONFIG != 0) */
} hcl_info;

/* Lists every device of every platform.  No ICD / no platform at all gives
 * *n = 0 and HETERO_OK (with *out = NULL), not an error.  The caller owns *out
 * and frees it with free(). */
int hcl_discover(hcl_info **out, size_t *n);

/* After hcl_discover: "" when every platform found gave at least one
 * device, else one line naming each platform that gave none and what it
 * returned, e.g. "OpenCL platform 0 (Portable Computing Language) gave no
 * device: clGetDeviceIDs returned CL_DEVICE_NOT_FOUND".  Such a platform
 * is left out of the list, not an error.  Valid until the next
 * hcl_discover. */
const char *hcl_discover_note(void);

/* Human name of an OpenCL error code: "CL_OUT_OF_RESOURCES".  Never NULL. */
const char *hcl_errname(cl_int err);

const char *hcl_type_name(int type); /* "cpu", "gpu", "accelerator", "other" */

/* One open device: context and in-order queue with profiling enabled.
 * hcl_open fills *d (info is copied, and may point into *d); an id that
 * does not exist (anymore) is HETERO_E_NODEV.  hcl_close waits for the queue,
 * then releases the queue and the context and clears them (safe on a zeroed
 * or half-open d, and twice).  Programs, kernels, buffers and events made
 * through d are the caller's to release with hcl_release_*, before or after
 * hcl_close: OpenCL counts references, so the context really goes away only
 * when the last of them is released. */
typedef struct hcl_device {
    hcl_info info;
    cl_platform_id platform;
    cl_device_id device;
    cl_context context;
    cl_command_queue queue;
} hcl_device;

int hcl_open(hcl_device *d, const hcl_info *info);
void hcl_close(hcl_device *d);
/* As hcl_close, but without waiting for commands still queued or running:
 * the driver keeps the queue and context alive until they finish.  For a
 * worker that abandons its in-flight batches. */
void hcl_close_nowait(hcl_device *d);

/* Builds `source` (complete, self-contained OpenCL C text: includes were
 * flattened at build time) with `options` for the device.  Looks in the
 * program cache first: key = hash of source, options, platform name,
 * device name, device version and driver version; the binary is written to
 * a temporary file and renamed into place; a cached binary the driver
 * rejects (CL_INVALID_BINARY or a failed build) is rebuilt from source.
 * Cache directory: $HETERO_CACHE_DIR, else $XDG_CACHE_HOME/hetero, else
 * $HOME/.cache/hetero; HETERO_CACHE_DIR=off disables it.  Only the cache's
 * own folder is made (and ~/.cache, in a home this user owns): a folder
 * above it that is missing turns the cache off.  A directory or
 * entry is used only when it is owned by this user and not writable by
 * group or others (else it is ignored and the program rebuilt, into the
 * user's own cache when HETERO_CACHE_DIR named somebody else's); the
 * checksum of an entry covers its key and payload.  A cache that cannot be
 * written is skipped (it is an optimisation); under HETERO_DEBUG each
 * entry or directory passed over gets a line on stderr saying why.
 * *from_cache (may be NULL) says whether the binary came from the cache.
 * On a build failure the message names the device and error and carries
 * the build log (multi-line; the only multi-line message there is):
 *   "clBuildProgram on cl:0:0 (<name>): CL_BUILD_PROGRAM_FAILURE\n<log>"
 * and the code is HETERO_E_BUILD.  options may be NULL (none) and are passed
 * as given.  *out is NULL on failure; else the caller releases it with
 * hcl_release_program. */
int hcl_build(hcl_device *d, const char *source, const char *options, cl_program *out, int *from_cache);

/* A folder `name` (0700) inside the program cache's, under the same trust
 * rules, for other things worth keeping between runs: an open descriptor
 * of it, its path in path; -1 when the cache is off or cannot be had. */
int hcl_cache_subdir(const char *name, char *path, size_t cap);

/* Kernel argument description for hcl_set_args. */
enum hcl_arg_kind {
    HCL_ARG_U32,  /* u.u32 */
    HCL_ARG_U64,  /* u.u64 */
    HCL_ARG_F64,  /* u.f64 */
    HCL_ARG_MEM,  /* u.mem: a cl_mem made with hcl_buffer */
    HCL_ARG_LOCAL /* u.bytes of __local memory */
};
typedef struct hcl_arg {
    int kind;
    union {
        uint32_t u32;
        uint64_t u64;
        double f64;
        cl_mem mem;
        size_t bytes;
    } u;
} hcl_arg;

/* The kernel `name` of prog; *out is NULL on failure. */
int hcl_kernel(hcl_device *d, cl_program prog, const char *name, cl_kernel *out);
/* The kernel's own limits on this device: CL_KERNEL_WORK_GROUP_SIZE and
 * CL_KERNEL_LOCAL_MEM_SIZE (the __local memory it declares statically,
 * plus any __local arguments already set). */
int hcl_kernel_limits(hcl_device *d, cl_kernel k, size_t *max_wg, uint64_t *local_mem);
/* Sets args[0..n) as kernel arguments first..first+n-1 (U32 as uint, U64
 * as ulong, F64 as double, MEM as a buffer, LOCAL as a __local pointer of
 * u.bytes).  Stops at the first failure, naming the argument's index. */
int hcl_set_args(hcl_device *d, cl_kernel k, unsigned first, const hcl_arg *args, size_t n);

/* Device buffer of `bytes`; if host_data is not NULL it is copied in
 * (CL_MEM_COPY_HOST_PTR).  flags: CL_MEM_READ_ONLY etc. */
int hcl_buffer(hcl_device *d, cl_mem_flags flags, size_t bytes, const void *host_data, cl_mem *out);

/* Enqueues a 1-D NDRange (global must be a multiple of local; local = 0
 * lets the driver choose).  ev may be NULL; otherwise *ev is the launch's
 * event (NULL on failure), which the caller releases with
 * hcl_release_event. */
int hcl_launch(hcl_device *d, cl_kernel k, size_t global, size_t local, cl_event *ev);
/* Enqueues a read of bytes from buf at offset into dst; blocking or not (a
 * non-blocking read must not touch dst before hcl_wait on *ev or
 * hcl_finish).  ev as for hcl_launch. */
int hcl_read(hcl_device *d, cl_mem buf, size_t offset, size_t bytes, void *dst, int blocking, cl_event *ev);
/* Enqueues a fill of bytes of buf from offset with a repeated byte value.
 * ev as for hcl_launch: a caller that may release buf, or give up on the
 * queue, while the fill is queued keeps its event to know when it ends. */
int hcl_fill(hcl_device *d, cl_mem buf, size_t offset, size_t bytes, unsigned char value, cl_event *ev);
/* Blocking write of bytes from src into buf at offset. */
int hcl_write(hcl_device *d, cl_mem buf, size_t offset, size_t bytes, const void *src);
int hcl_flush(hcl_device *d);
int hcl_finish(hcl_device *d);
/* Waits for ev; a command that failed on the device reports its own
 * status as the error name. */
int hcl_wait(hcl_device *d, cl_event ev);
/* Does not block: *done = 1 when ev has completed, 0 while it is queued or
 * running.  A command that failed on the device is an error named after
 * its status. */
int hcl_poll(hcl_device *d, cl_event ev, int *done);
/* Calls fn(arg) from a driver thread once ev has completed (or failed);
 * used to free host memory that an abandoned non-blocking read still
 * writes.  Returns HETERO_OK, or an error when the callback could not be set
 * (then fn was not and will not be called). */
int hcl_on_complete(hcl_device *d, cl_event ev, void (*fn)(void *), void *arg);
/* Seconds between CL_PROFILING_COMMAND_START and _END of a finished event
 * (device time, from the driver's profiling clock). */
int hcl_event_seconds(hcl_device *d, cl_event ev, double *seconds);
/* Releases; NULL is ignored. */
void hcl_release_event(cl_event ev);
void hcl_release_mem(cl_mem m);
void hcl_release_kernel(cl_kernel k);
void hcl_release_program(cl_program p);

#endif
