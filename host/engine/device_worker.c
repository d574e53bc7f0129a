/* device_worker.c - a device's worker (engine_int.h): one host thread
 * that keeps up to HET_SCHED_MAX_FLIGHT batches in flight on its device
 * through the device's back end (het_device_ops), so that the next batch
 * is queued before the last one is read back.  Nothing here knows which
 * back end it drives (host/device/device.h). */
#include "engine_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Keeps the device fed: launches batches into the free slots after
 * [head, head + *count).  *what: why it stopped taking. */
static int het__feed(het_worker *w, int head, int *count, eng_take *what)
{
    *what = ENG_TAKE_BATCH;
    while (*count < HET_SCHED_MAX_FLIGHT) {
        het_batch b;
        int rc = eng_take_next(w->e, w, &b, what);
        if (rc)
            return rc;
        if (*what != ENG_TAKE_BATCH)
            break;
        int s = (head + *count) % HET_SCHED_MAX_FLIGHT;
        if ((rc = eng_fault(w)))
            return rc;
        w->flight[s] = (het_flight){b, eng_now()};
        if ((rc = w->dev.ops->launch(&w->dev, s, &b)))
            return rc;
        (*count)++;
    }
    return HETERO_OK;
}

/* Waits for slot s without blocking in the driver: 1 when done, 0 when the
 * run is winding down (leave the slot in flight), or an error.  Some GPU
 * drivers spin a CPU core inside clWaitForEvents, a core the OpenMP team
 * needs; so it sleeps, polling toward the batch's expected end
 * (het_sched_poll_nap: 20 us to 1 ms, finer as the end nears). */
static int het__wait(het_worker *w, int s)
{
    het_engine *e = w->e;
    double t0 = eng_now(), t_end = INFINITY;
    pthread_mutex_lock(&e->lock);
    const het_sched_worker *sw = &e->sched.w[w->idx];
    for (int i = 0; i < sw->n_flight; i++)
        if (sw->flight[i].g0 == w->flight[s].b.g0)
            t_end = sw->flight[i].t_end;
    pthread_mutex_unlock(&e->lock);
    for (;;) {
        int done = 0;
        int rc = w->dev.ops->poll(&w->dev, s, &done);
        if (rc)
            return rc;
        if (done)
            return 1;
        if (atomic_load(&e->wind_down))
            return 0;
        double now = eng_now(), nap = het_sched_poll_nap(now - t0, t_end - now);
        struct timespec ts = {0, (long)(nap * 1e9)};
        nanosleep(&ts, NULL);
    }
}

/* Slot s's batch is complete: its partials read, checked and committed;
 * the batch kept the device busy since it was launched or since the one
 * before it completed, whichever is later (*t_prev_done). */
static int het__finish(het_worker *w, int s, double *t_prev_done)
{
    het_engine *e = w->e;
    const unsigned char *partials;
    double device_s = 0;
    int rc = w->dev.ops->read(&w->dev, s, &partials, &device_s);
    if (rc)
        return rc;
    pthread_mutex_lock(&e->lock);
    w->st.kernel_s += device_s;
    pthread_mutex_unlock(&e->lock);
    double t = eng_now();
    double start = w->flight[s].t_enq > *t_prev_done ? w->flight[s].t_enq : *t_prev_done;
    *t_prev_done = t;
    eng_commit(w, &w->flight[s].b, partials, t - start);
    return HETERO_OK;
}

void eng_device_sized(het_worker *w)
{
    het_sched_worker *sw = &w->e->sched.w[w->idx];
    sw->max_batch = w->dev.max_batch ? w->dev.max_batch : 1;
    sw->width = w->dev.width ? w->dev.width : 1;
    if (sw->width > sw->max_batch)
        sw->width = sw->max_batch;
    w->st.width = sw->width;
}

int eng_device_run(het_worker *w)
{
    int head = 0, count = 0;
    double t_prev_done = 0;
    for (;;) {
        eng_take what;
        int rc = het__feed(w, head, &count, &what);
        if (rc)
            return rc;
        if (what == ENG_TAKE_OVER)
            return HETERO_OK; /* anything still in flight is abandoned */
        if (!count) {
            if (what == ENG_TAKE_DRAIN)
                return HETERO_OK; /* stopping, and nothing left in flight */
            eng_idle(w->e);
            continue;
        }
        rc = het__wait(w, head);
        if (rc < 0)
            return rc;
        if (rc == 0)
            return HETERO_OK; /* winding down: abandon what is in flight */
        if ((rc = het__finish(w, head, &t_prev_done)))
            return rc;
        head = (head + 1) % HET_SCHED_MAX_FLIGHT;
        count--;
    }
}
