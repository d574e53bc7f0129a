/* builtins.h - the workloads built into the library, as the registry
 * (job.c) sees them: a table, not a list of names.  The build generates
 * the table (builtins.c in the build folder) from the workload folders,
 * host/workloads/NAME/, each of which defines het_wl_NAME and names
 * itself with het_workload() (cmake/HetWorkload.cmake); so the library
 * never includes a workload's header, and a new workload is a new folder. */
#ifndef HET_BUILTINS_H
#define HET_BUILTINS_H

#include "hetero.h"

/* The built-in workloads in the order of their folders' names, which is
 * the registry's and `hetero --help`'s order; NULL-terminated. */
extern const hetero_workload *const het_builtin_workloads[];

#endif
