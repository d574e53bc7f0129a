/* load.h - workloads from shared objects (hetero_workload_load, in
 * include/hetero.h) and the folders of HETERO_WORKLOAD_PATH. */
#ifndef HET_LOAD_H
#define HET_LOAD_H

#include "hetero.h"

/* The environment variable: folders, separated by ':', each absolute. */
#define HET_WORKLOAD_PATH_ENV "HETERO_WORKLOAD_PATH"

/* A workload that is not registered, looked up by name: the first folder
 * of HETERO_WORKLOAD_PATH that holds NAME.so gives it, loaded and held to
 * hetero_workload_load's rules, and it must define NAME.  Only names a
 * workload may have (lowercase letters, digits, - and _) are looked up.
 * HETERO_OK with *wl the workload, or NULL when no folder holds NAME.so
 * (or the variable is unset or empty); HETERO_E_BADARG naming
 * HETERO_WORKLOAD_PATH and the file when one does but cannot be used, or
 * when a folder is not absolute. */
int het_load_named(const char *name, const hetero_workload **wl);

#endif
