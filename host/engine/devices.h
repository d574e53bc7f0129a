/* devices.h - turning --devices and --threads into workers.
 *
 * --devices takes a comma-separated list of: all (every GPU or accelerator
 * OpenCL device, plus omp), omp, gpu (every GPU or accelerator), cl
 * (every OpenCL device, PoCL's CPU device included) and cl:P:D.
 */
#ifndef HET_DEVICES_H
#define HET_DEVICES_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "hcl.h"
#include "tunables.h"


typedef struct het_selection {
    int omp; /* the OpenMP team is a worker */
    size_t n_cl;
    size_t cl[HET_MAX_CL_DEVICES]; /* indices into the discovered list */
    int named[HET_MAX_CL_DEVICES]; /* 1: picked by its id cl:P:D, not by a set */
    int needs_opencl;              /* the list names OpenCL devices */
    int asked_opencl_by_name;      /* gpu, cl or cl:P:D appeared */
} het_selection;

/* Parses the list only (no discovery): syntax errors are HETERO_E_BADARG.
 * Says whether discovery is needed (sel->needs_opencl). */
int het_devices_parse(const char *list, het_selection *sel);

/* Resolves the list against discovered devices.  A device that does not
 * exist (cl:9:9, or gpu/cl when there is none) is HETERO_E_NODEV. */
int het_devices_select(const char *list, const hcl_info *infos, size_t n, het_selection *sel);

/* Keeps the share of OpenCL devices this rank drives when local_size
 * ranks run on one node: device i goes to local rank i % local_size;
 * with fewer devices than ranks, rank r shares device r % n. */
void het_devices_split(het_selection *sel, int local_rank, int local_size);


/* A thread count, 1 to HET_MAX_THREADS; `what` names the option or the
 * variable in the one message both share.  HETERO_E_BADARG on bad input. */
int het_parse_threads(const char *what, const char *s, int *out);

/* OMP_NUM_THREADS as libgomp reads it: *out = the team size of its first
 * level, 0 when unset or empty.  What libgomp would call invalid ("1.5",
 * "0", "abc") and a team above HET_MAX_THREADS are HETERO_E_BADARG naming
 * OMP_NUM_THREADS: hetero would otherwise run with a team the user did
 * not ask for (libgomp ignores an invalid value) or crash. */
int het_threads_env(int *out);

/* OpenMP team size: explicit (>0) wins; else OMP_NUM_THREADS (when valid:
 * the command lines check it first with het_threads_env); else the cores
 * this process may run on, divided among the node's ranks when the
 * launcher did not bind them. */
int het_default_threads(int explicit_threads, int local_size);

/* "AMD EPYC 9654 96-Core Processor" from /proc/cpuinfo, or "CPU". */
void het_cpu_model(char *buf, size_t size);

/* {id, name, type, vendor, platform, compute_units, clock_mhz, global_mem,
 *  local_mem, fp64, version, driver} of one OpenCL device. */
cJSON *het_json_device(const hcl_info *d);

#endif
