/* hetero.h - libhetero, a heterogeneous compute backend: one embarrassingly
 * parallel job spread over OpenCL devices (GPUs, PoCL on the CPU), an
 * OpenMP thread team and MPI ranks, with the same answer, bit for bit,
 * whatever the mix.
 *
 * This one header is the whole public interface: for programs that run
 * jobs (part 1), for code that describes a workload of its own (part 2;
 * the built-in pi, primes and reservoir are written against exactly this),
 * and for a program that is nothing but its workloads' command line
 * (part 3, hetero_main: `hetero` itself is one).
 *
 * Conventions.  Functions return HETERO_OK (0) or a negative HETERO_E_*
 * code; the message that goes with a failure (one line naming the option,
 * call, device and error) is kept per thread and read with
 * hetero_errmsg(), and for a job also with hetero_job_error().  Nothing in
 * the library prints (notices and progress go to callbacks you set) or
 * exits (hetero_main, which is a program's whole main, excepted).
 * Objects are opaque and created and freed in pairs; two jobs in
 * one process share nothing but the registry of workloads, which is
 * thread-safe.  Under MPI (the caller called MPI_Init or MPI_Init_thread,
 * asking for MPI_THREAD_MULTIPLE), hetero_job_run is collective over
 * MPI_COMM_WORLD: every rank calls it with the same job.
 */
#ifndef HETERO_H
#define HETERO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HETERO_VERSION_MAJOR 0
#define HETERO_VERSION_MINOR 2
#define HETERO_VERSION_PATCH 0

/* "0.2.0": the library's version (which may be newer than the header's
 * HETERO_VERSION_* the caller was compiled with). */
const char *hetero_version(void);

/* ---- errors --------------------------------------------------------- */

/* X(name, exit status, short description): the codes, their names, their
 * descriptions and the exit status a program should use all come from
 * this one table. */
#define HETERO_ERROR_MAP(X)                                                                                  \
    X(BADARG, 2, "bad input")                                                                                \
    X(NODEV, 2, "no such device")                                                                            \
    X(NOMEM, 1, "out of memory")                                                                             \
    X(OPENCL, 1, "OpenCL call failed")                                                                       \
    X(BUILD, 1, "kernel build failed")                                                                       \
    X(MPI, 1, "MPI call failed")                                                                             \
    X(IO, 1, "input/output error")                                                                           \
    X(RUNTIME, 1, "run-time failure")                                                                        \
    X(INTERNAL, 1, "internal error")                                                                         \
    X(INTERRUPTED, 130, "interrupted")                                                                       \
    X(STOPPED, 3, "stopped at the time limit")                                                               \
    X(PEER, 1, "a peer rank was lost")

enum hetero__error_index {
    HETERO__EI_ZERO = 0,
#define HETERO__X(name, status, desc) HETERO__EI_##name,
    HETERO_ERROR_MAP(HETERO__X)
#undef HETERO__X
        HETERO__EI_COUNT
};

enum hetero_error {
    HETERO_OK = 0,
#define HETERO__X(name, status, desc) HETERO_E_##name = -HETERO__EI_##name,
    HETERO_ERROR_MAP(HETERO__X)
#undef HETERO__X
};

const char *hetero_strerror(int code); /* "bad input" */
const char *hetero_errname(int code);  /* "HETERO_E_BADARG" */
int hetero_exit_status(int code);      /* 0, 1, 2, 3 or 130 */

/* Records a one-line message for the calling thread and returns code, so
 * that `return hetero_fail(HETERO_E_BADARG, "--paths: expected ...");`
 * reads as one statement.  Control characters in the message are escaped
 * (\n, \t, \x1b), except for HETERO_E_BUILD, whose message carries a
 * compiler's build log. */
int hetero_fail(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* The calling thread's last message ("" if none). */
const char *hetero_errmsg(void);

/* Longest message kept. */
#define HETERO_MSG_MAX 8192

/* ---- part 1: running jobs ------------------------------------------- */

/* Optional, first thing in main: a process that a launcher started as one
 * of several ranks (mpirun, srun --mpi=pmix) initialises MPI here, and its
 * jobs then run across every rank.  Without a launcher nothing happens.
 * (A program that initialises MPI itself need not call it.)  Bad input
 * (srun started several tasks that cannot see each other) and MPI
 * failures are returned.  hetero_finalize ends MPI if hetero_init began
 * it. */
int hetero_init(int *argc, char ***argv);
void hetero_finalize(void);
/* This process's rank and the number of ranks (0 and 1 without MPI). */
int hetero_rank(void);
int hetero_ranks(void);

enum hetero_device_type {
    HETERO_DEVICE_CPU = 1,
    HETERO_DEVICE_GPU = 2,
    HETERO_DEVICE_ACCEL = 4,
    HETERO_DEVICE_OTHER = 8
};

/* One OpenCL device, as `hetero devices` shows it.  Plain data. */
typedef struct hetero_device {
    char id[24]; /* "cl:P:D": platform P, device D */
    int type;    /* enum hetero_device_type */
    char name[256];
    char vendor[256];
    char platform[256];
    char driver[128];
    char version[128];
    unsigned compute_units;
    unsigned clock_mhz;
    uint64_t global_mem; /* bytes */
    uint64_t local_mem;  /* bytes */
    uint64_t max_alloc;  /* bytes */
    size_t max_work_group;
    int fp64;
} hetero_device;

/* Every OpenCL device of every platform.  No platform at all is an empty
 * list, not an error.  The caller frees *list with hetero_free(). */
int hetero_devices(hetero_device **list, size_t *n);
/* What a platform that gave no device returned ("" when none did). */
const char *hetero_devices_note(void);

void hetero_free(void *p);

typedef struct hetero_job hetero_job;
typedef struct hetero_workload hetero_workload;

/* A job of a registered workload, by name ("pi"), with the workload's
 * defaults and the common defaults (devices "all", threads from
 * OMP_NUM_THREADS or every core, seed 0).  HETERO_E_BADARG when no
 * workload has that name.  Free with hetero_job_free. */
int hetero_job_create(hetero_job **job, const char *workload);
/* The same for a workload description that need not be registered (it is
 * checked as hetero_workload_register checks it). */
int hetero_job_create_for(hetero_job **job, const hetero_workload *wl);
void hetero_job_free(hetero_job *job);

/* Options, by their command-line names.  From text, as a command line
 * gives them ("--samples", "1e9"; a flag takes NULL); or typed, which sets
 * what the number's text would (so a whole double sets a count, 2.5 does
 * not).  Both check the value (type, bounds) and fail with
 * HETERO_E_BADARG and a message naming the option, which
 * hetero_job_error gives back too.  The common options are set the same way:
 *   --seed S, --devices LIST, --threads T, --checkpoint FILE,
 *   --checkpoint-every S, --checkpoint-remove, --time-limit DURATION,
 *   --quiet.
 * Options are checked as a whole (required ones, ranges that depend on
 * each other) by hetero_job_check, which hetero_job_run calls. */
int hetero_job_set(hetero_job *job, const char *option, const char *value);
int hetero_job_set_u64(hetero_job *job, const char *option, uint64_t value);
int hetero_job_set_f64(hetero_job *job, const char *option, double value);
int hetero_job_check(hetero_job *job);

/* The options a workload takes (NULL-terminated rows, see part 2) and
 * the common ones, for usage texts and completion. */
const struct hetero_option *hetero_common_options(void);

/* Notices ("a device was left out", "a device failed and was retired")
 * and progress (share done 0..1, items per second, seconds left or a
 * negative number when unknown) go to these callbacks; by default they
 * are dropped, and notices are with --quiet.  Called from the thread
 * that runs the job. */
typedef void (*hetero_notice_fn)(void *ctx, const char *line);
typedef void (*hetero_progress_fn)(void *ctx, double done, double items_per_s, double seconds_left);
void hetero_job_on_notice(hetero_job *job, hetero_notice_fn fn, void *ctx);
void hetero_job_on_progress(hetero_job *job, hetero_progress_fn fn, void *ctx, double every_s);

/* Runs the job: every device it is given, checkpointing if asked.  On
 * failure nothing is merged and no output file is written; the message
 * names the call, device and rank.  HETERO_E_INTERRUPTED after
 * hetero_job_cancel, HETERO_E_STOPPED at --time-limit (both leave the
 * journal of --checkpoint written).  A job runs once. */
int hetero_job_run(hetero_job *job);
/* Asks a running job to stop (no new batches, those in flight finish,
 * the journal is written).  Async-signal-safe: a signal handler may call
 * it. */
void hetero_job_cancel(hetero_job *job, int signal_number);
/* The failure message of the last call on this job ("" if none). */
const char *hetero_job_error(const hetero_job *job);

/* The result.  Fields by name ("pi", "hits", "count"); HETERO_E_BADARG
 * when there is no such field or it is of another type. */
typedef struct hetero_field hetero_field;
int hetero_job_result(const hetero_job *job, const hetero_field **fields, size_t *n);
int hetero_job_result_u64(const hetero_job *job, const char *name, uint64_t *value);
int hetero_job_result_f64(const hetero_job *job, const char *name, double *value);
/* XXH3-64 over every grain's partial, in grain order: equal for two runs
 * exactly when they computed the same thing. */
uint64_t hetero_job_digest(const hetero_job *job);

/* One worker's line in the report. */
typedef struct hetero_worker_stats {
    int rank;
    char id[24];     /* "omp" or "cl:P:D" */
    char kind[8];    /* "omp" or "opencl" */
    char name[256];  /* CPU model or device name */
    char status[12]; /* "ok"; "failed" (retired at run time, its grains
                             computed by the others); "excluded" (cannot run
                             this workload: see error) */
    char error[256];
    int threads;         /* OpenMP threads (0 for OpenCL) */
    uint64_t width;      /* grains it runs at once at full speed */
    uint64_t grains;     /* grains whose result it provided */
    uint64_t recomputed; /* grains it copied from a slower worker's batch */
    uint64_t items;
    uint64_t batches;
    double busy_s;
    double kernel_s; /* OpenCL: device time of its kernels */
    double items_per_s;
    double share; /* of all items */
} hetero_worker_stats;

typedef struct hetero_rank_stats {
    int rank;
    char host[64];
    char devices[256]; /* ids of this rank's workers, comma-separated */
    int threads;
    uint64_t grains;
    double busy_s;
} hetero_rank_stats;

/* The report of a finished run (rank 0 has every rank's rows). */
typedef struct hetero_report {
    double discovery_s, build_s, compute_s, merge_s, wall_s;
    int build_cached; /* every OpenCL program came from the cache */
    uint64_t digest;
    uint64_t items;
    double balance; /* sum(busy) / (workers x max(busy)) */
    int checkpoint; /* a journal was used */
    uint64_t resumed_grains;
    hetero_worker_stats *workers;
    size_t n_workers;
    hetero_rank_stats *ranks;
    int n_ranks;
} hetero_report;

const hetero_report *hetero_job_report(const hetero_job *job);

enum hetero_format { HETERO_FORMAT_TEXT, HETERO_FORMAT_JSON, HETERO_FORMAT_CSV };
#define HETERO_REPORT_SCHEMA "hetero.report"
#define HETERO_REPORT_VERSION 2

/* The report as people (text), programs (JSON: one document, schema
 * "hetero.report") or spreadsheets (CSV: a row per worker) read it.
 * write: to a stream (every write checked: HETERO_E_IO), standard error
 * instead when it is given standard output and an output of the job
 * streams there ("-"); render: into a string the caller frees with
 * hetero_free. */
int hetero_job_write_report(const hetero_job *job, int format, FILE *out);
int hetero_job_render_report(const hetero_job *job, int format, char **text);

/* Conformance: does each device compute what the CPU computes?  A
 * device's kernel that is wrong for some grain still runs to the end with
 * exit 0; only its digest differs, and nothing says why.  This check
 * plans the job (as hetero_job_run would: check, then plan), picks a few
 * grains (the first ones and the last, which is often short: max_grains
 * in all, HETERO_CONFORM_GRAINS when 0), computes them with the
 * workload's cpu_batch (one thread) as the reference, then on each
 * OpenCL device of the job's --devices selection through the engine's
 * own device path (the kernel built as a run builds it, every grain's
 * check word checked), and compares each grain's partial bit for bit.
 *
 * *rows gets one row per device of the selection on this process (under
 * MPI, this rank's share of the node's devices; nothing collective), in
 * selection order; --devices omp gives none.  HETERO_OK when the check
 * ran, whatever the rows say; an error (bad input, --devices naming no
 * such device, the reference's own failure, memory) when it could not.
 * The caller frees *rows with hetero_free.  The job is left as it was
 * (its plan undone), so it may be run afterwards; a job that ran already
 * is refused. */
enum hetero_conform_status {
    HETERO_CONFORM_AGREES = 0, /* every grain compared is bit-identical */
    HETERO_CONFORM_DIFFERS,    /* grain `grain` differs first, at `byte` */
    HETERO_CONFORM_EXCLUDED,   /* cannot run the workload: see error */
    HETERO_CONFORM_FAILED      /* opening, building or running failed: see error */
};
#define HETERO_CONFORM_GRAINS 4
typedef struct hetero_conformance {
    char id[24];    /* "cl:P:D" */
    char name[256]; /* the device's name */
    int status;     /* enum hetero_conform_status */
    char error[256];
    uint64_t grains;            /* AGREES, DIFFERS: grains compared */
    uint64_t grain;             /* DIFFERS: the first grain that differs */
    size_t byte;                /* DIFFERS: its first byte that differs, within its partial */
    unsigned char device_value; /* DIFFERS: that byte as the device computed it */
    unsigned char cpu_value;    /* DIFFERS: and as cpu_batch computed it */
} hetero_conformance;

int hetero_job_conform(hetero_job *job, uint64_t max_grains, hetero_conformance **rows, size_t *n_rows);
/* "agrees", "differs", "cannot run", "failed" */
const char *hetero_conform_status_name(int status);

/* ---- part 2: describing a workload ---------------------------------- */

/* A job is cut into grains, fixed by its parameters alone; a grain's
 * partial (a fixed number of bytes) is computed in one canonical order on
 * any device, and the partials merge in grain order.  A workload says how
 * its options parse (rows below), how many grains a job has (plan), how
 * the CPU computes a batch of grains (cpu_batch), which OpenCL kernel does
 * the same on a device (optional), how the partials merge, and the
 * result's fields.  Register it once; hetero_job_create finds it by name.
 *
 * Kernel convention.  The kernel has the signature
 *     __kernel void NAME(__global <partial> *out, ulong g0, uint n,
 *                        __global ulong *chk, <static arguments>)
 * and is launched with n work-groups: group w computes grain g0 + w,
 * writes its partial at ((__global uchar *)out) + w * partial_size, then
 * chk[w] = HETERO_GRAIN_CHECK(g0 + w).  The result must not depend on the
 * work-group size.  Static arguments come from cl_args, from index 4. */
#define HETERO_GRAIN_CHECK(g) ((((g) ^ 0x6865746572636b21ul) * 0x9E3779B97F4A7C15ul) | 1ul)

enum hetero_option_type {
    HETERO_OPT_END = 0, /* ends a table of rows */
    HETERO_OPT_COUNT,   /* uint64_t: 1e9, 2.5e9 forms accepted (whole numbers) */
    HETERO_OPT_REAL,    /* double, finite */
    HETERO_OPT_FLAG,    /* int, set to 1; takes no value */
    HETERO_OPT_OUTPUT,  /* const char *: a file the run writes (or "-" for
                             stdout, when the row allows it); checked before
                             any work, written whole or not at all: see
                             hetero_job_output */
    HETERO_OPT_CUSTOM   /* parsed by the row's parse() */
};

/* One option: everything the command line, the usage text, the checks and
 * the report's params need.  The value goes into the workload's params
 * struct at `offset`. */
typedef struct hetero_option {
    int type;            /* enum hetero_option_type */
    const char *name;    /* "--samples" */
    const char *metavar; /* "N" (NULL for a flag) */
    const char *help;    /* one line */
    size_t offset;       /* offsetof(params, field) */
    double min, max;     /* COUNT and REAL: inclusive bounds */
    const char *def;     /* default, as text (NULL: none; 0 for numbers) */
    int required;        /* 1: the job needs it (usage marks it "(required)") */
    int stdout_ok;       /* OUTPUT: "-" means standard output */
    /* CUSTOM: parses value into params; bad input is
     * hetero_fail(HETERO_E_BADARG, "<name>: expected ..., got '<value>'") */
    int (*parse)(void *params, const char *value);
    /* 1: this option changes neither a partial nor the result (a progress
     * setting, a label): it is left out of the job's identity.  Every
     * other row is in it (OUTPUT rows excepted, which name files the run
     * writes), so a journal or a rank with another value is refused
     * naming the option, whether params_fields shows it or not. */
    int not_identity;
    /* CUSTOM, optional: writes the parsed value in params as canonical
     * text (so that "1e3" and "1000" are one job); without it the job's
     * identity holds the text as given.  Returns HETERO_OK. */
    int (*format)(const void *params, char *buf, size_t size);
} hetero_option;

/* A field of a result or of the report's params. */
enum hetero_field_kind { HETERO_FIELD_U64, HETERO_FIELD_I64, HETERO_FIELD_F64, HETERO_FIELD_STR };
struct hetero_field {
    const char *name; /* JSON key, e.g. "hits" */
    int kind;         /* enum hetero_field_kind */
    union {
        uint64_t u64;
        int64_t i64;
        double f64;
        const char *str; /* owned by the job's state */
    } v;
};
#define HETERO_MAX_FIELDS 48

/* What an OpenCL device offers a kernel.  Before the kernel is built,
 * max_wg and local_mem are the device's limits; after, narrowed by the
 * kernel's own. */
typedef struct hetero_cl_caps {
    int type; /* enum hetero_device_type */
    int fp64;
    unsigned compute_units;
    size_t max_wg;
    uint64_t local_mem; /* bytes left for the kernel's __local arguments */
    uint64_t max_alloc;
    uint64_t global_mem;
    char vendor[64];
} hetero_cl_caps;

/* A static kernel argument. */
enum hetero_karg_kind {
    HETERO_KARG_U32,
    HETERO_KARG_U64,
    HETERO_KARG_F64,
    HETERO_KARG_BUF,    /* read-only data, copied to the device once */
    HETERO_KARG_LOCAL,  /* __local memory of local_bytes */
    HETERO_KARG_SCRATCH /* __global read-write memory, scratch_bytes per
                              work-group of a launch (group w owns bytes
                              [w * scratch_bytes, (w + 1) * scratch_bytes));
                              undefined at the start of every launch */
};
typedef struct hetero_karg {
    int kind;
    union {
        uint32_t u32;
        uint64_t u64;
        double f64;
        struct {
            const void *data;
            size_t bytes;
        } buf;
        size_t local_bytes;
        size_t scratch_bytes;
    } v;
} hetero_karg;
#define HETERO_MAX_KARGS 24

/* The version of hetero_workload and hetero_option a description was
 * compiled against, and of hetero_plugin (a shared object of workloads,
 * hetero_workload_load); 2: hetero_option has not_identity and format; 3:
 * hetero_workload has possible and cl_kernel.  A description or an object
 * of another version is refused, naming both. */
#define HETERO_WORKLOAD_ABI 3

struct hetero_workload {
    unsigned abi;                 /* HETERO_WORKLOAD_ABI */
    const char *name;             /* "pi": a command, so letters, digits, - and _ */
    const char *summary;          /* one line */
    const char *item_name;        /* "samples": what items/s counts */
    const char *usage;            /* optional synopsis ("--range A:B | --nth N");
                                  default: the required options */
    size_t params_size;           /* bytes of the params struct */
    const hetero_option *options; /* rows, ending with {HETERO_OPT_END} */

    /* Optional: checks that span options (set defaults that depend on
     * others, ranges); the rows' own bounds and required flags are checked
     * before. */
    int (*validate)(void *params);

    /* Fixes the grains (hetero_job_set_grains) as a pure function of the
     * parameters and seed, never of devices, threads or ranks, and may
     * build shared read-only state (hetero_job_set_state).  Runs on every
     * rank. */
    int (*plan)(hetero_job *job);
    /* Optional: frees the state (also after a failed plan). */
    void (*release)(hetero_job *job);
    /* Optional: items in grains [g0, g0 + n), for throughput (default n). */
    uint64_t (*items)(const hetero_job *job, uint64_t g0, uint64_t n);

    /* Computes grains [g0, g0 + n) into out (n * partial_size bytes, grain
     * g0 first) with an OpenMP team of nthreads: its parallel regions ask
     * for num_threads(nthreads), no more (the engine knows those threads
     * as the job's own, and treats other busy threads as a device
     * runtime's when a device straggles). */
    int (*cpu_batch)(const hetero_job *job, uint64_t g0, uint64_t n, void *out, int nthreads);

    /* Optional OpenCL path: the kernel's whole source (includes
     * flattened), its entry point, build options (may be NULL). */
    const char *kernel_source;
    const char *kernel_name;
    const char *build_options;
    int needs_fp64; /* a device without cl_khr_fp64 is left out */
    /* Optional: checks the device and chooses the work-group size
     * (default: a power of two up to 256 within the device's limits).  A
     * device that cannot: hetero_fail(HETERO_E_NODEV, "<reason>"). */
    int (*cl_fit)(const hetero_job *job, const hetero_cl_caps *caps, size_t *local);
    /* The static arguments (index 4 on) for a device with these caps;
     * returns how many.  Required with a kernel. */
    size_t (*cl_args)(const hetero_job *job, const hetero_cl_caps *caps, hetero_karg *args, size_t max);

    /* Merges every partial (n_grains * partial_size bytes, grain order)
     * into the result kept in the state.  Rank 0 only, after the compute
     * phase; writes the OUTPUT options' files (hetero_job_output). */
    int (*merge)(hetero_job *job, const void *partials);
    /* The result's fields, in report order; returns how many. */
    size_t (*result)(const hetero_job *job, hetero_field *out, size_t max);
    /* Optional: the report's params (default: every option that has a
     * value, by name without its dashes, then the seed).  The job's
     * identity (journals, ranks) holds these and every option row besides
     * (hetero_option.not_identity), so leaving one out here is safe. */
    size_t (*params_fields)(const hetero_job *job, hetero_field *out, size_t max);
    /* Optional, for hetero-bench: sets params for a job of about `items`
     * items. */
    void (*bench_params)(void *params, double items);
    /* Optional: 1 when `partial` could be grain g's (counts within what
     * the grain holds, finite values within their bounds), 0 when no
     * computation could have given it.  A journal's records are checked
     * with it before they are used; one that fails is dropped and its
     * grains computed again, with a notice.  (Checksums catch damage and
     * the journal's owner rules catch others' hands; this catches values
     * that would wrap a sum or poison a result.) */
    int (*possible)(const hetero_job *job, uint64_t g, const void *partial);
    /* Optional: the entry point for a device of these caps (type, fp64;
     * default kernel_name).  A kernel per code path, each compiled with its
     * own code only, keeps the registers one path needs from limiting the
     * other's occupancy. */
    const char *(*cl_kernel)(const hetero_job *job, const hetero_cl_caps *caps);
};

/* Adds a workload to the registry after checking its description: the
 * required hooks, the ABI, well-formed option rows (names starting with
 * --, distinct, offsets inside params, defaults within bounds), a kernel
 * with its cl_args.  An incomplete description is HETERO_E_BADARG naming
 * what is missing.  The description must outlive its use. */
int hetero_workload_register(const hetero_workload *wl);
const hetero_workload *hetero_workload_find(const char *name);
/* The registered workloads, built-ins first; NULL past the end. */
const hetero_workload *hetero_workload_at(size_t i);

/* For a workload's hooks. */
void *hetero_job_params(const hetero_job *job);
uint64_t hetero_job_seed(const hetero_job *job);
void *hetero_job_state(const hetero_job *job);
void hetero_job_set_state(hetero_job *job, void *state);
int hetero_job_set_grains(hetero_job *job, uint64_t n_grains, size_t partial_size);
uint64_t hetero_job_grains(const hetero_job *job);
size_t hetero_job_partial_size(const hetero_job *job);
/* In merge: the stream of an OUTPUT option that was given (NULL if not).
 * It is a temporary file renamed into place when the run succeeds, or
 * standard output for "-" (the report then goes to standard error). */
FILE *hetero_job_output(hetero_job *job, const char *option);
/* Nonzero once the job was asked to stop (a signal, hetero_job_cancel, or
 * --time-limit's stop passed): a long merge (streaming a list) stops at a
 * clean point and returns HETERO_E_INTERRUPTED; the run then ends with
 * HETERO_E_STOPPED when the time limit was the reason. */
int hetero_job_cancelled(const hetero_job *job);
/* Nonzero once the run needs no batch still in flight: every grain has a
 * result, the run failed, or it was stopped (interrupted, or at the time
 * limit) and the grace for batches in flight is over.  A cpu_batch whose
 * grains can be long (seconds) polls it every tenth of a second or so and
 * then returns HETERO_E_INTERRUPTED: the batch is dropped, never merged,
 * and the run ends without waiting for it.  Cheap: an atomic load. */
int hetero_job_abandoned(const hetero_job *job);

/* ---- workloads from shared objects ---------------------------------- */

/* A shared object of workloads exports one symbol, hetero_workloads, a
 * hetero_plugin listing them; HETERO_PLUGIN(&a, &b) defines it:
 *
 *     static const hetero_workload mine = {.abi = HETERO_WORKLOAD_ABI, ...};
 *     HETERO_PLUGIN(&mine);
 *
 * and `cc -shared -fPIC -fopenmp -ffp-contract=off mine.c -o mine.so`
 * builds it, without linking libhetero: its hetero_* calls resolve
 * against the program that loads it (hetero and hetero-bench export the
 * API to it; so does a program linked with libhetero.so).  abi comes
 * first, in this and every later version, so that a loader reads it
 * before anything else. */
typedef struct hetero_plugin {
    unsigned abi;                            /* HETERO_WORKLOAD_ABI */
    size_t n;                                /* entries of workloads */
    const hetero_workload *const *workloads; /* descriptions, each with .abi */
} hetero_plugin;

#define HETERO_PLUGIN_SYMBOL "hetero_workloads"
#if defined(__GNUC__)
#define HETERO__EXPORT __attribute__((visibility("default")))
#else
#define HETERO__EXPORT
#endif
#define HETERO_PLUGIN(...)                                                                                   \
    static const hetero_workload *const hetero__plugin_list[] = {__VA_ARGS__};                               \
    HETERO__EXPORT extern const hetero_plugin hetero_workloads;                                              \
    HETERO__EXPORT const hetero_plugin hetero_workloads = {                                                  \
        HETERO_WORKLOAD_ABI, sizeof hetero__plugin_list / sizeof hetero__plugin_list[0],                     \
        hetero__plugin_list}

/* Loads the shared object at path and registers every workload it lists,
 * or none.  Before dlopen runs any of its code, the file must be a regular
 * file that belongs to this user or root and that nobody else may write,
 * in folders (up to /, of the path as given and of the file it resolves
 * to) that belong to this user or root and that nobody else may write
 * unless sticky, as the kernel cache and the journal are held.  Then:
 * it must load (RTLD_NOW: a symbol missing is found now), export
 * hetero_workloads, speak HETERO_WORKLOAD_ABI, list at least one workload,
 * each passing hetero_workload_register's checks, none with the name of a
 * registered workload (a built-in) or of another in the list.  Loading the
 * same object again is no change.  Each refusal is HETERO_E_BADARG with one
 * line that starts with the path in quotes and says why.  The object stays
 * loaded until the process ends (its descriptions must outlive their
 * use); one refused after dlopen is closed again. */
int hetero_workload_load(const char *path);

/* Parsing helpers for CUSTOM options; each names opt in its message. */
int hetero_parse_count(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out);
int hetero_parse_real(const char *opt, const char *s, double lo, double hi, double *out);
int hetero_parse_u64(const char *opt, const char *s, uint64_t *out);

/* ---- part 3: a program ----------------------------------------------- */

/* The whole `hetero` command line for a program's workloads, so that its
 * main is one line:
 *
 *     static const hetero_workload *const mine[] = {&my_workload};
 *     int main(int argc, char **argv) { return hetero_main(argc, argv, mine, 1); }
 *
 * It registers the workloads (one already registered, the same
 * description, is fine), initialises MPI under a launcher, parses argv,
 * runs the job and prints its report, as `hetero` does: every workload
 * option from its rows, the common options (--seed, --devices, --threads,
 * --checkpoint, --time-limit, ...), --format text|json|csv, --progress,
 * --quiet, --help and --version, `devices`; signals stop the run cleanly
 * (the journal written); bad input is one line naming the option, before
 * any work; only rank 0 prints.  Messages start with argv[0]'s last
 * component.
 *
 * With one workload the program is that workload: `PROG [options]`,
 * `PROG devices`.  With several, each is a command: `PROG NAME [options]`.
 * workloads NULL (n 0) offers every registered workload, built-ins
 * included, and takes more from shared objects: `--load PATH.so` options
 * before the command (hetero_workload_load; repeatable), and a command
 * that names no registered workload is looked up as NAME.so in the
 * folders of HETERO_WORKLOAD_PATH (absolute, ':' between them; the first
 * that holds one gives it).  That is `hetero` (host/app/hetero.c).
 *
 * Returns the exit status for main to return: 0 done, 2 bad input,
 * 1 a run-time failure, 3 stopped at --time-limit, 128 + N for signal N
 * (see hetero_exit_status).  By then stdout is closed and MPI finalised;
 * call it once, from main, with neither hetero_init nor hetero_finalize
 * around it.  It may end the process itself (_exit, with that status)
 * when a device driver still holds one of its threads.  A description the
 * registry refuses is the program's error: exit 1, the message naming
 * what is missing. */
int hetero_main(int argc, char **argv, const hetero_workload *const *workloads, size_t n);

/* The whole `hetero-bench` command line, the same way: the workloads join
 * the registry (as hetero_main's do), then every workload --workloads
 * names runs on every device set, timed and self-checked (conformance and
 * digests), and the bench's report is printed (text, JSON, CSV; --compare,
 * --plot; see hetero-bench(1)).  workloads NULL (n 0) is `hetero-bench`
 * itself (host/app/hetero-bench.c), --load included.  Messages start with
 * "hetero-bench:".  Returns the exit status as hetero_main does, and 3
 * when --fail-on finds a regression; the same rules for MPI, stdout and
 * _exit. */
int hetero_bench_main(int argc, char **argv, const hetero_workload *const *workloads, size_t n);

#ifdef __cplusplus
}
#endif

#endif
