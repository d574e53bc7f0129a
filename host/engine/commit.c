/* commit.c - committing results and retiring workers (engine_int.h).
 * Workers compute into memory of their own and commit grain by grain
 * under the engine's lock: the first copy of a grain wins, a later copy
 * must be bit-identical (an internal error naming both workers if not).
 * A failing worker is retired and its grains in flight go to the retry
 * pool; the run fails only when no worker is left. */
#include "engine_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void eng_wind_down(het_engine *e)
{
    /* an OpenMP team is joined at the end, so a long grain would otherwise
     * hold up the run */
    atomic_store(&e->job->abandon, 1);
    atomic_store(&e->wind_down, 1);
    pthread_cond_broadcast(&e->cond);
}

void eng_set_fatal(het_engine *e, int code, const char *msg)
{
    if (!e->fatal) {
        e->fatal = code;
        eng_copy(e->fatal_msg, sizeof e->fatal_msg, msg);
    }
    eng_wind_down(e);
}

/* The worker's stats and the policy's measurement after a batch (lock
 * held). */
static void het__measured(het_worker *w, const het_batch *b, uint64_t won, uint64_t items, double dt)
{
    het_engine *e = w->e;
    e->n_done += won;
    if (won)
        e->t_last = eng_now();
    w->st.grains += won;
    w->st.items += items;
    w->st.batches++;
    w->st.busy_s += dt;
    if (dt > e->longest_batch)
        e->longest_batch = dt;
    het_sched_measure(&e->sched.w[w->idx], b->n, dt);
    atomic_fetch_add(&e->done_items, items);
    if (e->debug)
        fprintf(stderr,
                "hetero: batch rank %d %-8s t=%.4f g0=%" PRIu64 " n=%" PRIu64 "%s dt=%.4f rate=%.1f\n",
                het_par_rank(), w->st.id, eng_now() - e->t_compute0, b->g0, b->n, b->copy ? " (copy)" : "",
                dt, e->sched.w[w->idx].rate);
}

void eng_commit(het_worker *w, const het_batch *b, const unsigned char *data, double dt)
{
    het_engine *e = w->e;
    pthread_mutex_lock(&e->lock);
    het_sched_pop(&e->sched, w->idx, b->g0);
    if (e->closed) {
        pthread_mutex_unlock(&e->lock);
        return;
    }
    const size_t ps = e->psize;
    uint64_t won = 0, items = 0;
    for (uint64_t i = 0; i < b->n; i++) {
        uint64_t g = b->g0 + i;
        if (!e->done[g]) {
            /* runs of won grains: one items() call each */
            uint64_t j = i;
            while (j < b->n && !e->done[b->g0 + j]) {
                e->done[b->g0 + j] = HET_GRAIN_MINE;
                e->owner[b->g0 + j] = (uint32_t)w->idx;
                j++;
            }
            memcpy(e->partials + g * ps, data + i * ps, (size_t)(j - i) * ps);
            items += het_job_items(e->job, g, j - i);
            won += j - i;
            i = j - 1;
        } else if (memcmp(e->partials + g * ps, data + i * ps, ps) != 0) {
            char m[512];
            snprintf(m, sizeof m,
                     "grain %" PRIu64 " computed by %s and by %s gave different partials "
                     "(the same job must give the same bits on every device)",
                     g, e->w[e->owner[g]].st.id, w->st.id);
            eng_set_fatal(e, HETERO_E_INTERNAL, m);
            pthread_mutex_unlock(&e->lock);
            return;
        }
    }
    het__measured(w, b, won, items, dt);
    pthread_cond_broadcast(&e->cond);
    pthread_mutex_unlock(&e->lock);
}

/* Retires worker w (failed with rc, message m): the grains it had in
 * flight and not yet committed go back to the pool, as runs (lock held). */
static void het__retire(het_worker *w, int rc, const char *m)
{
    het_engine *e = w->e;
    het_sched_worker *sw = &e->sched.w[w->idx];
    w->retired = 1;
    w->err = rc;
    eng_copy(w->msg, sizeof w->msg, m);
    snprintf(w->st.status, sizeof w->st.status, "failed");
    eng_copy(w->st.error, sizeof w->st.error, m);
    for (int i = 0; i < sw->n_flight; i++) {
        het_sched_flight *f = &sw->flight[i];
        if (f->copy)
            continue; /* the original is still with its owner */
        for (uint64_t g = f->g0; g < f->g0 + f->n; g++) {
            if (e->done[g])
                continue;
            uint64_t h = g;
            while (h < f->g0 + f->n && !e->done[h])
                h++;
            if (eng_retry_push(e, g, h - g)) {
                eng_set_fatal(e, HETERO_E_NOMEM, "out of memory handing back a failed worker's grains");
                break;
            }
            g = h;
        }
    }
    sw->n_flight = 0;
    sw->taking = 0;
    sw->gone = 1;
    sw->rate = 0;
}

void eng_failed(het_worker *w, int rc)
{
    het_engine *e = w->e;
    char m[HETERO_MSG_MAX];
    eng_copy(m, sizeof m, hetero_errmsg());
    pthread_mutex_lock(&e->lock);
    if (rc == HETERO_E_INTERNAL || rc == HETERO_E_MPI)
        eng_set_fatal(e, rc, m);
    else if (!w->retired)
        het__retire(w, rc, m);
    pthread_cond_broadcast(&e->cond);
    pthread_mutex_unlock(&e->lock);
}
