/* workload.h - what a workload module tells the engine.
 *
 * A workload (pi, primes, reservoir) is one module host/wl_<name>.c plus one
 * kernel kernels/<name>.cl.  It describes:
 *   - its options and how they parse and validate (into its params struct);
 *   - the job's grains: plan() fixes how many there are and the size of one
 *     grain's partial, as a pure function of the parameters (never of
 *     devices, threads or ranks);
 *   - how to compute a batch of consecutive grains on the CPU (OpenMP);
 *   - which kernel computes a batch on an OpenCL device, with which static
 *     arguments;
 *   - how the partials (all of them, in grain order) merge into the result,
 *     and the result's fields for the report.
 * The engine (host/engine.c) does everything else: devices, batches,
 * threads, ranks, the ordered gather, the digest and the report.
 *
 * Kernel convention.  Every workload kernel has the signature
 *     __kernel void NAME(__global <partial> *out, ulong g0, uint n,
 *                        __global ulong *chk, <static args>)
 * and is launched with global size n * local, local chosen by cl_fit():
 * work-group w computes grain g0 + w, writes that grain's partial at
 * ((__global uchar *)out) + w * partial_size, and then chk[w] =
 * HET_GRAIN_CHECK(g0 + w) (kernels/het_check.h): the engine uses a grain
 * only when its check word is right.  The result must not depend on the
 * local size.  Static arguments (set once per device) come from cl_args()
 * and start at argument index 4.
 */
#ifndef HET_WORKLOAD_H
#define HET_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"

typedef struct het_job het_job;

/* One field of a result, for the text, JSON and CSV reports. */
enum het_field_kind { HET_FIELD_U64, HET_FIELD_I64, HET_FIELD_F64, HET_FIELD_STR };
typedef struct het_field {
    const char *name;          /* JSON key, e.g. "hits" */
    int kind;                  /* enum het_field_kind */
    union {
        uint64_t u64;
        int64_t i64;
        double f64;
        const char *str;       /* owned by the job state */
    } v;
} het_field;

#define HET_MAX_FIELDS 48

/* Kernel static argument, as the engine passes it to cl/. */
enum het_karg_kind { HET_KARG_U32, HET_KARG_U64, HET_KARG_F64, HET_KARG_BUF, HET_KARG_LOCAL,
                     HET_KARG_SCRATCH };
typedef struct het_karg {
    int kind;
    union {
        uint32_t u32;
        uint64_t u64;
        double f64;
        struct { const void *data; size_t bytes; } buf;   /* read-only, copied to the device once */
        size_t local_bytes;
        /* HET_KARG_SCRATCH: a __global read-write buffer of scratch_bytes
         * per work-group of a launch (group w owns bytes [w * scratch_bytes,
         * (w + 1) * scratch_bytes)); its content is undefined at the start
         * of every launch.  The engine sizes batches so it fits the
         * device. */
        size_t scratch_bytes;
    } v;
} het_karg;

#define HET_MAX_KARGS 24

/* What an OpenCL device offers a workload's kernel.  Before the kernel is
 * built, max_wg and local_mem are the device's limits; after, they are
 * narrowed by the kernel's own (CL_KERNEL_WORK_GROUP_SIZE, and the local
 * memory the kernel declares statically is subtracted). */
typedef struct het_cl_caps {
    int type;                  /* enum hcl_type (HCL_CPU, HCL_GPU, ...) */
    int fp64;                  /* cl_khr_fp64 */
    unsigned compute_units;
    size_t max_wg;             /* work-items per group */
    uint64_t local_mem;        /* bytes of __local memory left for the
                                  kernel's __local arguments */
    uint64_t max_alloc;        /* CL_DEVICE_MAX_MEM_ALLOC_SIZE */
    uint64_t global_mem;       /* CL_DEVICE_GLOBAL_MEM_SIZE */
    char vendor[64];
} het_cl_caps;

/* A workload option.  takes_value 0 means a flag (set() gets value NULL). */
typedef struct het_option {
    const char *name;          /* "--samples" */
    const char *metavar;       /* "N", or NULL for a flag */
    const char *help;          /* one line */
} het_option;

typedef struct het_workload {
    const char *name;          /* "pi" */
    const char *summary;       /* one line for --help */
    const char *usage;         /* "--samples N" : the required options */
    const het_option *options; /* terminated by {NULL} */
    size_t params_size;        /* bytes of the params struct */
    const char *item_name;     /* "samples", "numbers", "path-steps" */

    /* Fills defaults into params (zeroed memory of params_size bytes). */
    void (*defaults)(void *params);
    /* Sets one of this workload's options.  On bad input: het_fail(
     * HET_E_BADARG, "--opt: expected ..., got 'value'") and return it. */
    int (*set_option)(void *params, const char *name, const char *value);
    /* After all options: required ones present, ranges consistent. */
    int (*validate)(void *params);

    /* Fixes job->n_grains and job->partial_size, and may build shared
     * read-only state (job->state), e.g. sieving primes.  Runs on every
     * rank, so it must be deterministic. */
    int (*plan)(het_job *job);
    /* Frees job->state (safe if plan failed half way). */
    void (*release)(het_job *job);

    /* Items (for throughput) in grains [g0, g0 + n). */
    uint64_t (*items)(const het_job *job, uint64_t g0, uint64_t n);

    /* CPU path: computes grains [g0, g0 + n) into out (n * partial_size
     * bytes, grain g0 first) with an OpenMP team of nthreads threads. */
    int (*cpu_batch)(const het_job *job, uint64_t g0, uint64_t n, void *out, int nthreads);

    /* OpenCL path.  kernel_source: the kernel's flattened source text (see
     * cmake/EmbedKernel.cmake); kernel_name: its entry point; build_options
     * may be NULL. */
    const char *kernel_source;
    const char *kernel_name;
    const char *build_options;
    /* The kernel needs double precision (cl_khr_fp64): a device without
     * it is left out before the kernel is built. */
    int needs_fp64;
    /* Checks that the kernel can run on a device with these caps and
     * chooses its work-group size (*local >= 1, <= caps->max_wg).  Called
     * before the build (to leave out a device that cannot run the job
     * before any work starts) and again after it with the kernel's own
     * limits.  A device that cannot: het_fail(HET_E_NODEV, "<reason>")
     * (the reason alone, e.g. "needs 34816 bytes of local memory, has
     * 32768"; the engine names the device). */
    int (*cl_fit)(const het_job *job, const het_cl_caps *caps, size_t *local);
    /* Static arguments for the kernel (index 4 on), for a device with
     * these caps (the same caps cl_fit accepted).  Returns how many. */
    size_t (*cl_args)(const het_job *job, const het_cl_caps *caps, het_karg *args, size_t max);

    /* Merges all partials (n_grains * partial_size bytes, grain order)
     * into the result kept in job->state.  Runs on rank 0 only, after the
     * compute phase; may do follow-up work (the Nth prime inside its
     * grain, --print, --trace). */
    int (*merge)(het_job *job, const void *partials);
    /* The result's fields, in report order.  Returns how many. */
    size_t (*result)(const het_job *job, het_field *out, size_t max);
    /* Parameters for the report ("params" object).  Returns how many. */
    size_t (*params_fields)(const het_job *job, het_field *out, size_t max);

    /* hetero-bench: sets params (already holding the defaults) for a job
     * of about `items` items (pi: that many samples; primes: the range
     * [0, items); reservoir: paths x steps).  Must give a valid job for any
     * items >= 1. */
    void (*bench_params)(void *params, double items);
} het_workload;

struct het_job {
    const het_workload *wl;
    uint64_t seed;
    void *params;              /* wl->params_size bytes, owned by the job */
    void *state;               /* workload-owned, freed by wl->release */
    uint64_t n_grains;         /* set by plan */
    size_t partial_size;       /* set by plan; bytes per grain */
    int rank;                  /* this process's MPI rank (0 without MPI) */
    int report_to_stderr;      /* set by a workload that writes its own output to
                                  stdout (primes --print -): the report then goes
                                  to stderr so the two never mix */
};

/* The registry (host/workloads.c). */
const het_workload *het_workload_find(const char *name);
extern const het_workload *const het_workloads[];   /* NULL-terminated */
/* The workloads themselves (host/wl_*.c), for the registry and the tests. */
extern const het_workload het_wl_pi;
extern const het_workload het_wl_primes;
extern const het_workload het_wl_reservoir;
/* pi's CPU path (host/wl_pi.c), for tests/test_pi.c: the hits among
 * samples [first, last), first even. */
uint64_t het__pi_hits(uint64_t seed, uint64_t first, uint64_t last);

/* Parsing helpers every workload uses (host/parse.c).  Each names the
 * option in its message and returns HET_E_BADARG on bad input. */
/* Counts: plain decimal or exponent form ("1e9", "2.5e9" when whole),
 * min <= value <= max. */
int het_parse_count(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* A finite double; lo/hi bounds inclusive (use -INFINITY/INFINITY for none). */
int het_parse_double(const char *opt, const char *s, double lo, double hi, double *out);
/* An unsigned 64-bit integer in decimal or 0x hex (seeds). */
int het_parse_u64(const char *opt, const char *s, uint64_t *out);

#endif
