/* take.c - taking grains (engine_int.h): the retry pool of grains that
 * failed workers handed back, fresh grains from the counter (local or
 * across MPI ranks) mapped onto the runs the journal left to compute, and
 * copies of a straggler's batch.  How many and which is the policy's
 * decision (schedule.c); this file does the bookkeeping under the lock. */
#include "engine_int.h"

#include <stdio.h>
#include <stdlib.h>

int eng_retry_push(het_engine *e, uint64_t g0, uint64_t n)
{
    if (e->n_retry == e->cap_retry) {
        size_t cap = e->cap_retry ? 2 * e->cap_retry : 16;
        uint64_t *r = realloc(e->retry, cap * 2 * sizeof *r);
        if (!r)
            return hetero_fail(HETERO_E_NOMEM, "out of memory for the grains to redo");
        e->retry = r;
        e->cap_retry = cap;
    }
    e->retry[2 * e->n_retry] = g0;
    e->retry[2 * e->n_retry + 1] = n;
    e->n_retry++;
    return HETERO_OK;
}

/* The run of e->rem that holds counter index c (c < n_remaining). */
static size_t het__rem_run(const het_engine *e, uint64_t c)
{
    size_t lo = 0, hi = e->n_rem;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (e->rem_at[mid] <= c)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Grains a failed worker handed back: the last run of the pool, or as
 * much of it as one batch may hold (lock held). */
static void het__take_retry(het_engine *e, het_worker *w, het_batch *b, double now)
{
    het_sched_worker *sw = &e->sched.w[w->idx];
    uint64_t g0 = e->retry[2 * (e->n_retry - 1)], n = e->retry[2 * (e->n_retry - 1) + 1];
    uint64_t take = n < sw->max_batch ? n : sw->max_batch;
    if (take < n) {
        e->retry[2 * (e->n_retry - 1)] += take;
        e->retry[2 * (e->n_retry - 1) + 1] -= take;
    } else {
        e->n_retry--;
    }
    *b = (het_batch){g0, take, 0};
    het_sched_push(&e->sched, w->idx, b->g0, b->n, 0, now);
}

/* Counter indices [start, start + n) to grains: the first run is the
 * batch (its first grain into *g0, its length returned in *first); a
 * journal's gap splits it, and the rest waits in the retry pool of this
 * rank (lock held). */
static int het__split_runs(het_engine *e, uint64_t start, uint64_t n, uint64_t *g0, uint64_t *first)
{
    size_t r = het__rem_run(e, start);
    *g0 = e->rem[2 * r] + (start - e->rem_at[r]);
    *first = e->rem[2 * r] + e->rem[2 * r + 1] - *g0;
    if (*first > n)
        *first = n;
    for (uint64_t left = n - *first, c = start + *first; left;) {
        size_t q = het__rem_run(e, c);
        uint64_t h0 = e->rem[2 * q] + (c - e->rem_at[q]);
        uint64_t part = e->rem[2 * q] + e->rem[2 * q + 1] - h0;
        if (part > left)
            part = left;
        int rc = eng_retry_push(e, h0, part);
        if (rc)
            return rc;
        c += part;
        left -= part;
    }
    return HETERO_OK;
}

/* Fresh grains from the counter, `want` of them (or a jittered number, a
 * test seam).  *got is 0 when the counter is exhausted (lock held). */
static int het__take_fresh(het_engine *e, het_worker *w, uint64_t want, het_batch *b, double now, int *got)
{
    het_sched_worker *sw = &e->sched.w[w->idx];
    *got = 0;
    if (w->jitter) {
        uint64_t j = eng_jitter(w);
        want = j < sw->max_batch ? j : sw->max_batch;
    }
    uint64_t start;
    /* under the lock: the counter and n_taken move together, so
     * "exhausted and every taken grain done" is never seen early */
    int rc = het_counter_take(e->counter, want, &start);
    if (rc)
        return rc;
    uint64_t end = start + want, seen = atomic_load(&e->claimed);
    while (seen < end && !atomic_compare_exchange_weak(&e->claimed, &seen, end))
        ;
    if (start >= e->n_remaining) {
        e->sched.exhausted = 1;
        return HETERO_OK;
    }
    uint64_t n = want < e->n_remaining - start ? want : e->n_remaining - start;
    e->n_taken += n;
    uint64_t g0, first;
    if ((rc = het__split_runs(e, start, n, &g0, &first)))
        return rc;
    *b = (het_batch){g0, first, 0};
    het_sched_push(&e->sched, w->idx, g0, first, 0, now);
    *got = 1;
    return HETERO_OK;
}

/* A copy of flight k of worker o, a straggler (lock held). */
static void het__take_copy(het_engine *e, het_worker *w, size_t o, size_t k, het_batch *b, double now)
{
    het_sched_worker *sw = &e->sched.w[w->idx];
    const het_sched_flight *f = &e->sched.w[o].flight[k];
    /* The straggler may be computing on the host's cores in its own thread
     * (a simulator, a driver that runs kernels in the calling thread): from
     * now on it yields them to the workers that are copying its grains.  A
     * GPU's thread, which only waits, loses nothing. */
    eng_demote(&e->w[o]);
    *b = (het_batch){f->g0, f->n < sw->max_batch ? f->n : sw->max_batch, 1};
    het_sched_push(&e->sched, w->idx, b->g0, b->n, 1, now);
    w->st.recomputed += b->n;
    if (e->debug)
        fprintf(stderr, "hetero: copy  rank %d %-8s g0=%llu n=%llu from %s\n", het_par_rank(), w->st.id,
                (unsigned long long)b->g0, (unsigned long long)b->n, e->w[o].st.id);
}

/* What the policy decides: fresh grains, a copy, or nothing now (lock
 * held). */
static int het__take_decided(het_engine *e, het_worker *w, het_batch *b, double now, eng_take *what)
{
    for (;;) {
        uint64_t want = 0;
        size_t o = 0, k = 0;
        e->sched.claimed = atomic_load(&e->claimed);
        e->sched.elapsed = now - e->t_compute0;
        int act = het_sched_decide(&e->sched, w->idx, now, &want, &o, &k);
        if (act == HET_SCHED_COPY) {
            het__take_copy(e, w, o, k, b, now);
            *what = ENG_TAKE_BATCH;
            return HETERO_OK;
        }
        if (act != HET_SCHED_TAKE)
            return HETERO_OK;
        int got;
        int rc = het__take_fresh(e, w, want, b, now, &got);
        if (rc)
            return rc;
        if (got) {
            *what = ENG_TAKE_BATCH;
            return HETERO_OK;
        }
        /* the counter is exhausted: decide again, maybe a copy */
    }
}

int eng_take_next(het_engine *e, het_worker *w, het_batch *b, eng_take *what)
{
    int rc = HETERO_OK;
    *what = ENG_TAKE_WAIT;
    pthread_mutex_lock(&e->lock);
    const het_sched_worker *sw = &e->sched.w[w->idx];
    double now = eng_now();
    if (atomic_load(&e->wind_down) || e->fatal || w->retired) {
        *what = ENG_TAKE_OVER;
    } else if (e->draining) {
        *what = ENG_TAKE_DRAIN;
    } else if (sw->n_flight >= HET_SCHED_MAX_FLIGHT) {
        /* as many batches in flight as it may have: nothing now */
    } else if (e->n_retry) {
        /* grains a failed worker handed back come first */
        het__take_retry(e, w, b, now);
        *what = ENG_TAKE_BATCH;
    } else {
        rc = het__take_decided(e, w, b, now, what);
    }
    pthread_mutex_unlock(&e->lock);
    return rc;
}

void eng_idle(het_engine *e)
{
    pthread_mutex_lock(&e->lock);
    if (!atomic_load(&e->wind_down))
        eng_timed_wait(e, 0.01);
    pthread_mutex_unlock(&e->lock);
}
