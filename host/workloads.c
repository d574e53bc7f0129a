/* workloads.c - the registry.  Adding a workload is one line here. */
#include "workload.h"

#include <string.h>

const het_workload *const het_workloads[] = {
    &het_wl_pi,
    &het_wl_primes,
    &het_wl_reservoir,
    NULL,
};

const het_workload *het_workload_find(const char *name)
{
    for (size_t i = 0; het_workloads[i]; i++)
        if (strcmp(het_workloads[i]->name, name) == 0)
            return het_workloads[i];
    return NULL;
}
