/* compute.c - the compute phase on the main thread (engine_int.h).  The
 * workers compute; the main thread waits, prints notices and progress
 * (every rank's work, reported with the service's heartbeats), writes the
 * journal every HET_JOURNAL_WRITE_S (rank 0; other ranks send their
 * finished grains to it), stops on a signal or at the time limit (no new
 * batches, a grace for those in flight), demotes stragglers, and ends the
 * phase once every grain this rank took has a result. */
#include "engine_int.h"

#include <inttypes.h>
#include <math.h>
#include <signal.h>

/* The main thread's clocks and counts while it watches the workers. */
typedef struct het_watch {
    int show;          /* progress to the job's callback (rank 0) */
    double show_every; /* seconds between progress reports */
    double every;      /* seconds between journal syncs */
    double stop_at;    /* the time limit, less its margin */
    double t_wind, t_journal, t_sync, t_stop, t_shown, t_counted;
    uint64_t reported;      /* this rank's items added to the counter */
    uint64_t resumed_items; /* items of the journal's grains */
} het_watch;

static void het__watch_init(het_engine *e, const het_run_opts *opts, het_watch *wt)
{
    wt->show = e->job->progress && het_par_rank() == 0;
    wt->show_every = e->job->progress_every > 0 ? e->job->progress_every : 1.0;
    wt->every = opts->checkpoint_every > 0 ? opts->checkpoint_every : HET_JOURNAL_SYNC_S;
    wt->stop_at = opts->time_limit > 0 ? e->t_start + opts->time_limit - HET_TIME_LIMIT_MARGIN_S : INFINITY;
    wt->t_wind = 0;
    wt->t_journal = e->t_compute0;
    wt->t_sync = e->t_compute0;
    wt->t_stop = 0;
    /* the first report after a second at most, then every show_every */
    wt->t_shown = e->t_compute0 - (wt->show_every > 1.0 ? wt->show_every - 1.0 : 0.0);
    wt->t_counted = 0;
    wt->reported = 0;
    wt->resumed_items = 0;
    if (e->resumed) {
        /* items of the journal's grains: all, minus those left to do */
        wt->resumed_items = het_job_items(e->job, 0, e->n_grains);
        for (size_t i = 0; i < e->n_rem; i++)
            wt->resumed_items -= het_job_items(e->job, e->rem[2 * i], e->rem[2 * i + 1]);
    }
}

/* Announces workers retired since the last call (lock held). */
static void het__notices(het_engine *e)
{
    size_t left = 0;
    for (size_t i = 0; i < e->nw; i++)
        left += !e->w[i].retired;
    for (size_t i = 0; i < e->nw; i++) {
        het_worker *w = &e->w[i];
        if (w->retired && !w->noticed) {
            w->noticed = 1;
            /* with nobody left, the run's error says it */
            if (left)
                eng_notice(e->job, "%s (%s) failed and was retired; the others finish its grains: %s",
                           w->st.id, w->st.name, w->msg);
        }
    }
}

/* One progress report to the job's callback: the whole job's share done
 * (every rank's work counts: the ranks add theirs to rank 0's counter
 * window, and the journal's grains are done), the rate, and the seconds
 * left (negative: unknown, until there is a rate). */
static void het__progress(het_engine *e, uint64_t done_items, uint64_t resumed_items)
{
    const hetero_job *job = e->job;
    uint64_t total = het_job_items(job, 0, job->n_grains);
    double t = eng_now() - e->t_compute0;
    uint64_t done = done_items + resumed_items;
    if (done > total)
        done = total;
    double frac = total ? (double)done / (double)total : 0;
    double rate = t > 0 ? (double)done_items / t : 0;
    double left = rate > 0 && done_items > 0 ? (double)(total - done) / rate : -1;
    job->progress(job->progress_ctx, frac, rate, left);
}

/* Stop: a signal or the time limit; in-flight batches get a grace (lock
 * held). */
static void het__check_stop(het_engine *e, het_watch *wt, double now, int complete)
{
    int cancel = atomic_load(&e->job->cancel);
    if (!e->stop_reason && (cancel || now >= wt->stop_at) && !complete) {
        e->stop_reason = cancel > 0 ? cancel : cancel < 0 ? SIGINT : -1;
        e->draining = 1;
        wt->t_stop = now;
        pthread_cond_broadcast(&e->cond);
    }
}

/* Winds the run down once nothing in flight is needed any more; 1 when
 * the wind-down's grace is over (lock held). */
static int het__wound_down(het_engine *e, het_watch *wt, double now, int complete)
{
    int in_flight = 0;
    for (size_t i = 0; i < e->nw; i++)
        in_flight += e->sched.w[i].n_flight;
    if (!atomic_load(&e->wind_down) &&
        (complete || e->fatal || (e->draining && (!in_flight || now - wt->t_stop > HET_STOP_GRACE_S))))
        eng_wind_down(e);
    if (atomic_load(&e->wind_down)) {
        if (!wt->t_wind)
            wt->t_wind = now;
        if (now - wt->t_wind > HET_WIND_DOWN_GRACE_S)
            return 1;
    }
    return 0;
}

/* The main thread's work between two waits, lock not held: foreign
 * threads demoted, the peers watched, the journal written, the counts and
 * the progress reported.  A failure ends the run (the caller's). */
static int het__tick(het_engine *e, het_watch *wt, double now, int demote_foreign, double peer_timeout)
{
    int rc = HETERO_OK;
    if (demote_foreign)
        eng_demote_foreign(e);
    het_par_set_peer_timeout(peer_timeout);
    eng_remote_notices(e->job);
    /* a lost peer ends the job; rank 0 writes the journal first */
    if (het_par_lost() >= 0)
        rc = het_par_lost_fail();
    /* the journal, the other ranks' share of it, the progress counts */
    if ((e->journal || e->shipping) && now - wt->t_journal >= HET_JOURNAL_WRITE_S) {
        wt->t_journal = now;
        if (rc == HETERO_OK)
            rc = eng_journal_step(e, 0);
        if (rc == HETERO_OK && e->journal && now - wt->t_sync >= wt->every) {
            wt->t_sync = now;
            rc = het_journal_sync(e->journal);
        }
    }
    if (now - wt->t_counted >= HET_PROGRESS_COUNT_S) {
        wt->t_counted = now;
        uint64_t mine = atomic_load(&e->done_items);
        if (mine > wt->reported && het_counter_add_done(e->counter, mine - wt->reported) == HETERO_OK)
            wt->reported = mine;
    }
    if (wt->show && now - wt->t_shown >= wt->show_every) {
        wt->t_shown = now;
        het__progress(e, het_counter_done(e->counter), wt->resumed_items);
    }
    return rc;
}

/* Watches until every worker is gone or the wind-down's grace is over
 * (lock held, and held on return). */
static void het__watch(het_engine *e, het_watch *wt)
{
    for (;;) {
        het__notices(e);
        int complete = e->sched.exhausted && e->n_done == e->n_taken;
        if (e->n_finished == e->n_started)
            break;
        double now = eng_now();
        het__check_stop(e, wt, now, complete);
        eng_find_stragglers(e, now);
        if (het__wound_down(e, wt, now, complete))
            break;
        int demote_foreign = e->foreign_pending;
        e->foreign_pending = 0;
        /* a peer silent for longer than a few of the longest batches is
         * not lost yet: the timeout grows with them */
        double peer_timeout = e->peer_timeout > 3 * e->longest_batch ? e->peer_timeout : 3 * e->longest_batch;
        pthread_mutex_unlock(&e->lock);
        int rc = het__tick(e, wt, now, demote_foreign, peer_timeout);
        pthread_mutex_lock(&e->lock);
        if (rc)
            eng_set_fatal(e, rc, hetero_errmsg());
        eng_timed_wait(e, 0.05);
    }
}

/* OpenMP teams are joined (they read the job; a batch still running polls
 * hetero_job_abandoned, or is short); a device thread still inside the
 * driver is left behind. */
static void het__join(het_engine *e)
{
    for (size_t i = 0; i < e->nw; i++) {
        het_worker *w = &e->w[i];
        pthread_mutex_lock(&e->lock);
        int fin = w->finished;
        if (!fin && w->dev.ops)
            eng_leave_behind(w);
        pthread_mutex_unlock(&e->lock);
        if (fin || !w->dev.ops)
            pthread_join(w->th, NULL);
        else
            pthread_detach(w->th);
    }
}

/* The phase's outcome, once the workers are joined or left behind. */
static int het__outcome(het_engine *e, int complete)
{
    if (e->fatal)
        return hetero_fail(e->fatal, "%s", e->fatal_msg);
    if (e->stop_reason && !complete)
        return hetero_fail(e->stop_reason > 0 ? HETERO_E_INTERRUPTED : HETERO_E_STOPPED, "%s",
                           e->stop_reason > 0 ? "interrupted" : "stopped at the time limit");
    if (!complete) {
        /* every worker is gone and grains are left: report the first failure */
        for (size_t i = 0; i < e->nw; i++)
            if (e->w[i].retired)
                return hetero_fail(e->w[i].err, "%s", e->w[i].msg);
        return hetero_fail(HETERO_E_INTERNAL,
                           "the workers stopped with %" PRIu64 " of %" PRIu64 " grains done", e->n_done,
                           e->n_taken);
    }
    return HETERO_OK;
}

int eng_compute(het_engine *e, const het_run_opts *opts, hetero_report *rep)
{
    het_watch wt;
    het__watch_init(e, opts, &wt);
    eng_ticks_base(e);
    pthread_mutex_lock(&e->lock);
    het__watch(e, &wt);
    e->closed = 1;
    int complete = e->sched.exhausted && e->n_done == e->n_taken;
    /* the compute phase ends with the last grain's first result, not with
     * a copy nobody needed */
    rep->compute_s = (complete ? e->t_last : eng_now()) - e->t_compute0;
    pthread_mutex_unlock(&e->lock);
    het__join(e);
    return het__outcome(e, complete);
}
