/* worker.c - a worker (engine_int.h): its description in the report, its
 * host thread (set up, wait for the go, run, tear down), and its kept
 * throughput model (rates.h). */
#include "engine_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rates.h"

void eng_worker_device(het_engine *e, size_t i, const het_device_ops *ops, const hcl_info *info, int named,
                       int excluded, int beside_team)
{
    het_worker *w = &e->w[i];
    w->dev = (het_device){.ops = ops,
                          .info = *info,
                          .job = e->job,
                          .wl = e->job->wl,
                          .psize = e->psize,
                          .n_grains = e->n_remaining};
    w->named = named;
    w->excluded = excluded;
    e->sched.w[i].gone = w->excluded;
    e->sched.w[i].on_team_cores = beside_team && (w->dev.info.type & HCL_CPU);
    eng_copy(w->st.id, sizeof w->st.id, w->dev.info.id);
    eng_copy(w->st.kind, sizeof w->st.kind, ops->kind);
    eng_copy(w->st.name, sizeof w->st.name, w->dev.info.name);
    if (w->excluded) {
        /* the reason, as the select phase found it */
        (void)ops->fit(e->job, e->job->wl, &w->dev.info);
        snprintf(w->st.status, sizeof w->st.status, "excluded");
        eng_copy(w->st.error, sizeof w->st.error, hetero_errmsg());
    }
}

void eng_worker_omp(het_engine *e, size_t i, int k, int threads)
{
    het_worker *w = &e->w[i];
    w->threads = threads;
    e->sched.w[i].width = (uint64_t)w->threads;
    e->sched.w[i].team = 1;
    e->sched.w[i].max_batch = e->n_grains;
    if (e->sched.w[i].width > e->n_remaining && e->n_remaining)
        e->sched.w[i].width = e->n_remaining;
    w->st.width = e->sched.w[i].width;
    snprintf(w->st.id, sizeof w->st.id, k ? "omp.%d" : "omp", k);
    snprintf(w->st.kind, sizeof w->st.kind, "omp");
    het_cpu_model(w->st.name, sizeof w->st.name);
    w->st.threads = w->threads;
}

/* The worker's throughput model from an earlier run of this job shape
 * (rates.h): its first batch is sized from it, and it may decline work
 * from the start.  Before the compute phase: nobody decides yet. */
static void het__rate_prior(het_worker *w)
{
    het_engine *e = w->e;
    het_sched_worker *sw = &e->sched.w[w->idx];
    char desc[700];
    if (w->dev.ops)
        w->dev.ops->model(&w->dev, desc, sizeof desc);
    else
        snprintf(desc, sizeof desc, "omp|%s|%d", w->st.name, w->threads);
    if (het_rates_key(e->job, desc, sw->width, w->rate_key) != 0)
        return;
    w->rate_keyed = 1;
    double r = het_rates_load(w->rate_key);
    if (r <= 0)
        return;
    pthread_mutex_lock(&e->lock);
    /* as one batch's measurement: the first real one weighs as much */
    sw->rate = r;
    sw->rate_grains = (double)sw->width;
    sw->rate_time = (double)sw->width / r;
    pthread_mutex_unlock(&e->lock);
}

void eng_rates_keep(het_engine *e)
{
    for (size_t i = 0; i < e->nw; i++) {
        het_worker *w = &e->w[i];
        pthread_mutex_lock(&e->lock);
        double r = e->sched.w[i].rate;
        int keep = w->rate_keyed && !w->retired && !w->excluded && w->st.batches > 0;
        pthread_mutex_unlock(&e->lock);
        if (keep && r > 0)
            het_rates_store(w->rate_key, r);
    }
}

/* Sets the worker up (a device: opened, its kernel built), says so and waits
 * for the go; 1 when it is to run. */
static int het__ready(het_worker *w)
{
    het_engine *e = w->e;
    if (w->dev.ops) {
        int rc = w->dev.ops->open(&w->dev);
        if (rc == HETERO_OK)
            rc = w->dev.ops->build(&w->dev);
        if (rc == HETERO_OK)
            eng_device_sized(w);
        if (rc) {
            w->err = rc;
            eng_copy(w->msg, sizeof w->msg, hetero_errmsg());
        }
    }
    if (!w->err && !w->excluded)
        het__rate_prior(w);
    pthread_mutex_lock(&e->lock);
    e->n_setup++;
    pthread_cond_broadcast(&e->cond);
    while (!e->go)
        pthread_cond_wait(&e->cond, &e->lock);
    int run = !e->abort_run && !w->err && !w->excluded;
    pthread_mutex_unlock(&e->lock);
    return run;
}

void *eng_worker_main(void *arg)
{
    het_worker *w = arg;
    het_engine *e = w->e;
    atomic_store(&w->tid, (long)syscall(SYS_gettid));
    pthread_mutex_lock(&e->lock);
    eng_own_thread(e, atomic_load(&w->tid));
    pthread_mutex_unlock(&e->lock);
    int failed = 0;
    if (het__ready(w)) {
        int rc = w->dev.ops ? eng_device_run(w) : eng_cpu_run(w);
        if (rc) {
            eng_failed(w, rc);
            failed = 1;
        }
    }
    if (w->dev.ops)
        w->dev.ops->close(&w->dev, failed);
    free(w->stage);
    w->stage = NULL;
    pthread_mutex_lock(&e->lock);
    w->finished = 1;
    if (w->detached)
        eng_left_behind_done();
    w->t_done = eng_now();
    e->sched.w[w->idx].taking = 0;
    e->sched.w[w->idx].gone = 1;
    e->n_finished++;
    pthread_cond_broadcast(&e->cond);
    pthread_mutex_unlock(&e->lock);
    eng_unref(e);
    return NULL;
}
