/* seams.c - the engine's test seams (engine_int.h): HETERO_FAULT, which
 * fails a worker's Nth batch as a device error would, the batch jitter of
 * het_run_opts, and the device back end a test puts in OpenCL's place
 * (tests/test_engine.c). */
#include "engine_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Checked before any work starts. */
int eng_fault_parse(char *id, size_t id_size, uint64_t *n)
{
    const char *v = getenv("HETERO_FAULT");
    *n = 0;
    id[0] = 0;
    if (!v || !*v)
        return HETERO_OK;
    const char *at = strrchr(v, '@');
    char *end = NULL;
    unsigned long long k = at ? strtoull(at + 1, &end, 10) : 0;
    if (!at || at == v || (size_t)(at - v) >= id_size || !end || *end || k == 0 || at[1] == '-')
        return hetero_fail(HETERO_E_BADARG,
                           "HETERO_FAULT: expected WORKER@N (e.g. cl:0:0@2 or omp@1), got '%s'", v);
    memcpy(id, v, (size_t)(at - v));
    id[at - v] = 0;
    *n = k;
    return HETERO_OK;
}

int eng_seams_arm(het_engine *e, const het_run_opts *opts, const char *fault_id, uint64_t fault_n)
{
    for (size_t i = 0; i < e->nw; i++) {
        het_worker *w = &e->w[i];
        if (fault_n && strcmp(fault_id, w->st.id) == 0)
            w->fault_at = fault_n;
        if (opts->batch_jitter)
            w->jitter = opts->batch_jitter * 0x9E3779B97F4A7C15ull + i + 1;
    }
    /* a fault for a worker no rank has would test nothing, silently */
    int found = 0;
    for (size_t i = 0; i < e->nw; i++)
        found |= e->w[i].fault_at != 0;
    if (fault_n && het_par_max((double)found) == 0) {
        char ids[512];
        eng_join_ids(e->w, e->nw, ids, sizeof ids);
        return hetero_fail(HETERO_E_BADARG,
                           "HETERO_FAULT: names no worker of this run: '%s' (the workers: %s)", fault_id,
                           ids);
    }
    return HETERO_OK;
}

int eng_fault(het_worker *w)
{
    if (w->fault_at && ++w->n_launched == w->fault_at)
        return hetero_fail(HETERO_E_OPENCL, "%s on %s (%s): injected by HETERO_FAULT (batch %" PRIu64 ")",
                           w->dev.ops ? w->dev.ops->launch_call : "cpu_batch", w->st.id, w->st.name,
                           w->fault_at);
    if (!w->fault_at)
        w->n_launched++;
    return HETERO_OK;
}

uint64_t eng_jitter(het_worker *w)
{
    w->jitter ^= w->jitter << 13;
    w->jitter ^= w->jitter >> 7;
    w->jitter ^= w->jitter << 17;
    return 1 + w->jitter % 64;
}

/* Atomic: a test's main thread sets it, a run's main thread reads it. */
static _Atomic(const het_device_ops *) het__backend;

void eng_backend_override(const het_device_ops *ops) { atomic_store(&het__backend, ops); }

const het_device_ops *eng_backend(void)
{
    const het_device_ops *ops = atomic_load(&het__backend);
    return ops ? ops : het_opencl_ops();
}
