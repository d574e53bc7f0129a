/* setup.c - the phases before the work (engine_int.h): select (which
 * devices this rank drives), alloc (the engine, its partials, the
 * journal's grains), resume (the grains left to compute, numbered for the
 * counter) and start (the workers' threads, kernel builds in parallel). */
#include "engine_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Checks every selected device against the job's needs: one that cannot
 * run it is left out with a notice, or is bad input when named. */
static int het__check_devices(const hetero_job *job, const het_device_ops *ops, const hcl_info *infos,
                              const het_selection *sel, int *excluded)
{
    for (size_t i = 0; i < sel->n_cl; i++) {
        const hcl_info *info = &infos[sel->cl[i]];
        if (ops->fit(job, job->wl, info) == HETERO_OK)
            continue;
        if (sel->named[i])
            return hetero_fail(HETERO_E_NODEV, "--devices: %s (%s) cannot run %s: %s", info->id, info->name,
                               job->wl->name, hetero_errmsg());
        excluded[i] = 1;
        eng_notice(job, "%s (%s) left out: %s cannot run there: %s", info->id, info->name, job->wl->name,
                   hetero_errmsg());
    }
    return HETERO_OK;
}

int eng_select(const hetero_job *job, const het_run_opts *opts, const het_device_ops *ops, hetero_report *rep,
               hcl_info **infos, het_selection *sel, int *excluded)
{
    const char *list = opts->devices ? opts->devices : "all";
    size_t n_infos = 0;
    int rc = het_devices_parse(list, sel);
    if (rc == HETERO_OK && sel->needs_opencl)
        rc = het_device_ops_check(ops);
    if (rc == HETERO_OK && sel->needs_opencl) {
        double t0 = eng_now();
        rc = ops->discover(infos, &n_infos);
        rep->discovery_s = eng_now() - t0;
        if (rc == HETERO_OK && n_infos == 0 && !sel->asked_opencl_by_name)
            eng_notice(job, "%s; the CPU carries the job", ops->discover_note());
    }
    if (rc == HETERO_OK)
        rc = het_devices_select(list, *infos, n_infos, sel);
    if (rc == HETERO_OK)
        het_devices_split(sel, het_par_local_rank(), het_par_local_size());
    if (rc == HETERO_OK)
        rc = het__check_devices(job, ops, *infos, sel, excluded);
    if (rc == HETERO_OK) {
        size_t usable = 0;
        for (size_t i = 0; i < sel->n_cl; i++)
            usable += !excluded[i];
        if (!sel->omp && usable == 0)
            rc = hetero_fail(HETERO_E_NODEV,
                             "--devices: '%s' leaves this rank with no device that can run %s", list,
                             job->wl->name);
    }
    return rc;
}

int eng_alloc(het_engine **out, hetero_job *job, const het_run_opts *opts, size_t nw, uint64_t fp)
{
    het_engine *e = calloc(1, sizeof *e);
    if (!e)
        return hetero_fail(HETERO_E_NOMEM, "out of memory for the engine");
    atomic_init(&e->refs, 1);
    eng_own_thread(e, (long)syscall(SYS_gettid)); /* the thread that runs the job */
    e->job = job;
    e->psize = job->partial_size;
    e->n_grains = job->n_grains;
    e->nw = nw;
    e->debug = getenv("HETERO_DEBUG_SCHED") != NULL;
    pthread_mutex_init(&e->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&e->cond, &ca);
    pthread_condattr_destroy(&ca);
    *out = e;
    e->w = calloc(nw ? nw : 1, sizeof *e->w);
    e->sched.w = calloc(nw ? nw : 1, sizeof *e->sched.w);
    e->partials = calloc(e->n_grains, e->psize);
    e->done = calloc(e->n_grains, 1);
    e->owner = calloc(e->n_grains, sizeof *e->owner);
    if (!e->w || !e->sched.w || !e->partials || !e->done || !e->owner)
        return hetero_fail(HETERO_E_NOMEM, "out of memory for %" PRIu64 " partials of %zu bytes", e->n_grains,
                           e->psize);
    e->sched.nw = nw;
    e->sched.target_s = opts->batch_seconds > 0 ? opts->batch_seconds : HET_SCHED_TARGET_S;
    char fault_id[32];
    uint64_t fault_n = 0;
    int rc = eng_fault_parse(fault_id, sizeof fault_id, &fault_n);
    if (rc)
        return rc;
    return eng_journal_open(e, job, opts, fp);
}

/* Appends the run [g, g + n) at counter index `at` to e->rem. */
static int het__rem_add(het_engine *e, size_t *cap, uint64_t g, uint64_t n, uint64_t at)
{
    if (e->n_rem == *cap) {
        *cap *= 2;
        uint64_t *r = realloc(e->rem, *cap * 2 * sizeof *r),
                 *a = r ? realloc(e->rem_at, *cap * sizeof *a) : NULL;
        if (r)
            e->rem = r;
        if (!r || !a)
            return hetero_fail(HETERO_E_NOMEM, "out of memory for the grains to compute");
        e->rem_at = a;
    }
    e->rem[2 * e->n_rem] = g;
    e->rem[2 * e->n_rem + 1] = n;
    e->rem_at[e->n_rem] = at;
    e->n_rem++;
    return HETERO_OK;
}

int eng_resume(het_engine *e)
{
    int rc = het_par_bcast(e->done, e->n_grains);
    if (rc)
        return rc;
    size_t cap = 16;
    e->rem = malloc(cap * 2 * sizeof *e->rem);
    e->rem_at = malloc(cap * sizeof *e->rem_at);
    if (!e->rem || !e->rem_at)
        return hetero_fail(HETERO_E_NOMEM, "out of memory for the grains to compute");
    uint64_t at = 0;
    for (uint64_t g = 0; g < e->n_grains; g++) {
        if (e->done[g]) {
            e->resumed++;
            continue;
        }
        uint64_t h = g;
        while (h < e->n_grains && !e->done[h])
            h++;
        if ((rc = het__rem_add(e, &cap, g, h - g, at)))
            return rc;
        at += h - g;
        g = h - 1;
    }
    e->n_remaining = at;
    e->sched.total = at;
    return HETERO_OK;
}

/* Describes every worker: the selected devices first, then the OpenMP
 * team (cpu_workers of them, a test seam), `threads` in all. */
static void het__describe(het_engine *e, const het_run_opts *opts, const het_device_ops *ops,
                          const hcl_info *infos, const het_selection *sel, const int *excluded, int threads)
{
    int cpu_workers = opts->cpu_workers > 1 ? opts->cpu_workers : 1;
    for (size_t i = 0; i < e->nw; i++) {
        het_worker *w = &e->w[i];
        w->e = e;
        w->idx = i;
        snprintf(w->st.status, sizeof w->st.status, "ok");
        if (i < sel->n_cl)
            eng_worker_device(e, i, ops, &infos[sel->cl[i]], sel->named[i], excluded[i], sel->omp);
        else
            eng_worker_omp(e, i, (int)(i - sel->n_cl), threads / cpu_workers > 0 ? threads / cpu_workers : 1);
    }
}

/* Starts every worker's thread and waits until each is set up (its kernel
 * built). */
static int het__spawn(het_engine *e, hetero_report *rep)
{
    double t0 = eng_now();
    int create_err = 0;
    for (size_t i = 0; i < e->nw; i++) {
        atomic_fetch_add(&e->refs, 1);
        if ((create_err = pthread_create(&e->w[i].th, NULL, eng_worker_main, &e->w[i])) != 0) {
            atomic_fetch_sub(&e->refs, 1);
            break;
        }
        e->w[i].started = 1;
        e->n_started++;
    }
    pthread_mutex_lock(&e->lock);
    while (e->n_setup < e->n_started)
        pthread_cond_wait(&e->cond, &e->lock);
    pthread_mutex_unlock(&e->lock);
    rep->build_s = eng_now() - t0;
    if (e->n_started < e->nw)
        return hetero_fail(HETERO_E_RUNTIME, "pthread_create for worker %s: %s", e->w[e->n_started].st.id,
                           strerror(create_err));
    return HETERO_OK;
}

/* How the devices' setup went: a device the kernel's own limits rule out
 * is left out (bad input when named), any other failure fails the run;
 * whether every kernel came from the cache. */
static int het__set_up(het_engine *e, const het_run_opts *opts, hetero_report *rep)
{
    const hetero_job *job = e->job;
    rep->build_cached = 0;
    int any_dev = 0, all_cached = 1;
    for (size_t i = 0; i < e->nw; i++) {
        het_worker *w = &e->w[i];
        if (!w->dev.ops || w->excluded)
            continue;
        if (w->err == HETERO_E_NODEV && !w->named) {
            w->excluded = 1;
            e->sched.w[i].gone = 1;
            snprintf(w->st.status, sizeof w->st.status, "excluded");
            eng_copy(w->st.error, sizeof w->st.error, w->msg);
            eng_notice(job, "%s (%s) left out: %s cannot run there: %s", w->st.id, w->st.name, job->wl->name,
                       w->msg);
            w->err = 0;
            continue;
        }
        if (w->err == HETERO_E_NODEV)
            return hetero_fail(HETERO_E_NODEV, "--devices: %s (%s) cannot run %s: %s", w->st.id, w->st.name,
                               job->wl->name, w->msg);
        if (w->err)
            return hetero_fail(w->err, "%s", w->msg);
        any_dev = 1;
        all_cached &= w->dev.from_cache;
    }
    rep->build_cached = any_dev && all_cached;
    int usable = 0;
    for (size_t i = 0; i < e->nw; i++)
        usable += !e->w[i].excluded;
    if (!usable)
        return hetero_fail(HETERO_E_NODEV, "--devices: '%s' leaves this rank with no device that can run %s",
                           opts->devices ? opts->devices : "all", job->wl->name);
    return HETERO_OK;
}

int eng_start(het_engine *e, const het_run_opts *opts, const het_device_ops *ops, const hcl_info *infos,
              const het_selection *sel, const int *excluded, int threads, hetero_report *rep)
{
    char fault_id[32];
    uint64_t fault_n = 0;
    int rc = eng_fault_parse(fault_id, sizeof fault_id, &fault_n);
    if (rc)
        return rc;
    het__describe(e, opts, ops, infos, sel, excluded, threads);
    if ((rc = eng_seams_arm(e, opts, fault_id, fault_n)))
        return rc;
    if ((rc = het_counter_open(&e->counter, e->n_remaining)))
        return rc;
    if ((rc = het__spawn(e, rep)))
        return rc;
    return het__set_up(e, opts, rep);
}

void eng_go(het_engine *e, int abort_run)
{
    pthread_mutex_lock(&e->lock);
    e->abort_run = abort_run;
    e->go = 1;
    e->t_compute0 = eng_now();
    e->t_last = e->t_compute0;
    pthread_cond_broadcast(&e->cond);
    pthread_mutex_unlock(&e->lock);
}
