/* cpu_worker.c - the OpenMP worker (engine_int.h): one host thread that
 * opens a parallel region of its team per batch, through the workload's
 * cpu_batch, into a staging buffer of its own. */
#include "engine_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Room for n partials in the worker's staging buffer. */
static int het__stage(het_worker *w, uint64_t n)
{
    size_t bytes = (size_t)n * w->e->psize;
    if (bytes <= w->stage_cap)
        return HETERO_OK;
    unsigned char *p = realloc(w->stage, bytes);
    if (!p)
        return hetero_fail(HETERO_E_NOMEM, "out of memory for %" PRIu64 " partials on %s", n, w->st.id);
    w->stage = p;
    w->stage_cap = bytes;
    return HETERO_OK;
}

int eng_cpu_run(het_worker *w)
{
    het_engine *e = w->e;
    const hetero_job *job = e->job;
    het_batch b;
    /* the team's threads are the run's own (eng_demote_foreign): libgomp
     * keeps them for every later team of this thread of the same size */
#pragma omp parallel num_threads(w->threads)
    {
        long tid = (long)syscall(SYS_gettid);
        pthread_mutex_lock(&e->lock);
        eng_own_thread(e, tid);
        pthread_mutex_unlock(&e->lock);
    }
    for (;;) {
        eng_take what;
        int rc = eng_take_next(e, w, &b, &what);
        if (rc)
            return rc;
        if (what == ENG_TAKE_OVER || what == ENG_TAKE_DRAIN)
            return HETERO_OK;
        if (what == ENG_TAKE_WAIT) {
            eng_idle(e);
            continue;
        }
        if ((rc = het__stage(w, b.n)) || (rc = eng_fault(w)))
            return rc;
        double t0 = eng_now();
        rc = job->wl->cpu_batch(job, b.g0, b.n, w->stage, w->threads);
        if (rc == HETERO_E_INTERRUPTED && hetero_job_abandoned(job))
            return HETERO_OK; /* dropped: nobody needs it (eng_wind_down) */
        if (rc)
            return rc;
        eng_commit(w, &b, w->stage, eng_now() - t0);
    }
}
