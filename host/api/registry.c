/* registry.c - the workloads a program can run: the built-ins
 * (builtins.h, generated from host/workloads/), then those the program
 * registers (hetero_workload_register, or loaded from a shared object:
 * load.c). */
#include "workload.h"

#include <pthread.h>
#include <string.h>

#include "builtins.h"
#include "tunables.h"

/* ---- the registry -------------------------------------------------------- */

/* The built-ins (builtins.h) come first, then the program's own, in the
 * order it registered them; HET_MAX_WORKLOADS in all. */
static const hetero_workload *het__registry[HET_MAX_WORKLOADS];
static size_t het__n_registered;
static pthread_mutex_t het__registry_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t n_builtins(void)
{
    size_t n = 0;
    while (het_builtin_workloads[n])
        n++;
    return n;
}

/* Entry i of the registry, NULL past its end; under the lock. */
static const hetero_workload *registry_at(size_t i, size_t nb)
{
    if (i < nb)
        return het_builtin_workloads[i];
    return i - nb < het__n_registered ? het__registry[i - nb] : NULL;
}

/* The checks a description must pass: everything the engine relies on. */

int hetero_workload_register(const hetero_workload *wl)
{
    int rc = het_workload_check(wl);
    if (rc)
        return rc;
    const size_t nb = n_builtins();
    pthread_mutex_lock(&het__registry_lock);
    for (size_t i = 0; i < nb + het__n_registered; i++)
        if (strcmp(registry_at(i, nb)->name, wl->name) == 0) {
            pthread_mutex_unlock(&het__registry_lock);
            return hetero_fail(HETERO_E_BADARG, "workload %s: already registered", wl->name);
        }
    if (nb + het__n_registered >= HET_MAX_WORKLOADS) {
        pthread_mutex_unlock(&het__registry_lock);
        return hetero_fail(HETERO_E_BADARG, "workload %s: the registry is full (%d)", wl->name,
                           HET_MAX_WORKLOADS);
    }
    het__registry[het__n_registered++] = wl;
    pthread_mutex_unlock(&het__registry_lock);
    return HETERO_OK;
}

const hetero_workload *hetero_workload_at(size_t i)
{
    const size_t nb = n_builtins();
    pthread_mutex_lock(&het__registry_lock);
    const hetero_workload *wl = registry_at(i, nb);
    pthread_mutex_unlock(&het__registry_lock);
    return wl;
}

const hetero_workload *hetero_workload_find(const char *name)
{
    const hetero_workload *wl;
    for (size_t i = 0; name && (wl = hetero_workload_at(i)); i++)
        if (strcmp(wl->name, name) == 0)
            return wl;
    return NULL;
}
