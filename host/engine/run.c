/* run.c - het_engine_run (engine.h): the phases of a run in order, and the
 * one cleanup path every outcome goes through.
 *
 *   plan     every rank planned the same job; select; alloc; resume
 *   launch   start (the workers' threads, kernel builds), then go
 *   compute  (compute.c) until every grain this rank took has a result
 *   settle   a lost peer, the journal's drain, a stop: the run ends here
 *   merge    gather (partials to rank 0, the report, the digest), the
 *            journal's rest, the workload's merge on rank 0
 *
 * Each phase returns the code every rank agreed on (eng_agree) with its
 * message in the run's msg; a failure skips to het__close.  The phase
 * functions themselves live in setup.c, compute.c and gather.c.
 */
#include "engine_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


/* One run's state on the main thread, from the first phase to the close. */
typedef struct het_run {
    hetero_job *job;
    const het_run_opts *opts;
    hetero_report *rep;
    double t_start;
    het_selection sel;
    const het_device_ops *ops; /* the devices' back end */
    hcl_info *infos;           /* every discovered device (malloc'ed) */
    het_engine *e;
    int excluded[HET_MAX_CL_DEVICES]; /* per selected device: left out */
    int threads;                      /* the OpenMP team's */
    char msg[HETERO_MSG_MAX];         /* the agreed failure's message */
} het_run;

/* The OpenMP team shares the node's cores with the host threads that
 * drive GPUs: by default it leaves one core to each. */
static int het__team_threads(const het_run *r)
{
    int threads = het_default_threads(r->opts->threads, het_par_local_size());
    if (r->opts->threads <= 0 && !getenv("OMP_NUM_THREADS")) {
        int gpus = 0;
        for (size_t i = 0; i < r->sel.n_cl; i++)
            gpus += !r->excluded[i] && (r->infos[r->sel.cl[i]].type & (HCL_GPU | HCL_ACCEL));
        threads = threads > gpus ? threads - gpus : 1;
    }
    return threads;
}

/* The same job on every rank; select, alloc, resume. */
static int het__plan(het_run *r)
{
    /* Every rank must have planned the same job: the same workload,
     * parameters, seed and grains. */
    int rc = eng_same_job(r->job);
    if (rc == HETERO_OK)
        rc = eng_select(r->job, r->opts, r->ops, r->rep, &r->infos, &r->sel, r->excluded);
    if ((rc = eng_agree(rc, r->msg)))
        return rc;
    r->threads = het__team_threads(r);
    int cpu_workers = r->opts->cpu_workers > 1 ? r->opts->cpu_workers : 1;
    size_t nw = r->sel.n_cl + (r->sel.omp ? (size_t)cpu_workers : 0);
    uint64_t fp = eng_fingerprint(r->job);
    rc = eng_alloc(&r->e, r->job, r->opts, nw, fp);
    if ((rc = eng_agree(rc, r->msg)))
        return rc;
    het_engine *e = r->e;
    e->t_start = r->t_start;
    e->peer_timeout = r->opts->peer_timeout > 0 ? r->opts->peer_timeout : HET_PEER_TIMEOUT_S;
    rc = eng_resume(e);
    if ((rc = eng_agree(rc, r->msg)))
        return rc;
    r->rep->checkpoint = r->opts->checkpoint != NULL;
    r->rep->resumed_grains = e->resumed;
    return HETERO_OK;
}

/* The workers started and set up, then let go (or, on a failure on any
 * rank, let leave). */
static int het__launch(het_run *r)
{
    het_engine *e = r->e;
    int rc = eng_start(e, r->opts, r->ops, r->infos, &r->sel, r->excluded, r->threads, r->rep);
    rc = eng_agree(rc, r->msg);
    /* every worker that can run takes grains until it declines: the first
     * to decide counts the others, at their kept rates (rates.h) */
    pthread_mutex_lock(&e->lock);
    for (size_t i = 0; i < e->nw; i++)
        e->sched.w[i].taking = !e->sched.w[i].gone && !e->w[i].err;
    pthread_mutex_unlock(&e->lock);
    eng_go(e, rc != HETERO_OK);
    return rc;
}

/* Stopped (HETERO_E_INTERRUPTED or HETERO_E_STOPPED): the journal gets
 * what every rank finished, and the message says how far the run got. */
static int het__stop(het_run *r, int stop)
{
    het_engine *e = r->e;
    int rc = eng_journal_stop(e);
    /* Interrupted, the ranks are out of step: another rank may have
     * finished its share and wait in a collective call that this one never
     * makes, so MPI_Finalize (collective too) could wait forever.  This
     * rank leaves without it; the launcher ends the others. */
    if (stop == HETERO_E_INTERRUPTED && het_par_size() > 1)
        het_par_set_broken();
    const char *what = stop == HETERO_E_INTERRUPTED ? "interrupted" : "stopped at the time limit";
    if (rc)
        snprintf(r->msg, sizeof r->msg, "%s", hetero_errmsg());
    else if (e->journal)
        snprintf(r->msg, sizeof r->msg,
                 "%s after %" PRIu64 " of %" PRIu64 " grains; run the same command to resume", what, e->noted,
                 e->n_grains);
    else
        snprintf(r->msg, sizeof r->msg, "%s", what);
    return rc ? rc : stop;
}

/* After the compute phase: a lost peer, the journal's drain, a stop. */
static int het__settle(het_run *r, int rc)
{
    het_engine *e = r->e;
    if (rc == HETERO_E_PEER) {
        /* no collective call can complete: rank 0 keeps what it has (the
         * rerun resumes from it) and the job ends (het_par_finalize) */
        snprintf(r->msg, sizeof r->msg, "%s", hetero_errmsg());
        if (e->journal && eng_journal_step(e, 0) == HETERO_OK)
            (void)het_journal_sync(e->journal); /* the peer's loss is the error to report */
        return rc;
    }
    if (rc != HETERO_E_INTERRUPTED && (e->journal || e->shipping)) {
        int drained = eng_journal_drain(e);
        rc = rc ? rc : drained;
    }
    /* Interrupted: no collective call (a rank may be gone); the others'
     * finished grains reach rank 0's journal point to point. */
    if (rc != HETERO_E_INTERRUPTED)
        rc = eng_agree(rc, r->msg);
    if (rc == HETERO_E_INTERRUPTED || rc == HETERO_E_STOPPED)
        return het__stop(r, rc);
    return rc;
}

/* Rank 0: the workload's merge, and --checkpoint-remove once the outputs
 * are in place (so an interrupted merge, a long --print, leaves the
 * journal to resume). */
static int het__merge_outputs(het_run *r)
{
    hetero_job *job = r->job;
    const het_run_opts *opts = r->opts;
    /* a long merge (streaming --print) stops at the limit too */
    job->deadline = opts->time_limit > 0 ? r->t_start + opts->time_limit - HET_TIME_LIMIT_MARGIN_S : 0;
    int rc = het_job_merge(job, r->e->partials);
    job->deadline = 0;
    if (rc == HETERO_E_INTERRUPTED && atomic_load(&job->cancel) == 0)
        rc = hetero_fail(HETERO_E_STOPPED, "stopped at the time limit while writing the outputs%s",
                         opts->checkpoint ? "; run the same command to resume" : "");
    if (rc == HETERO_OK && opts->checkpoint && opts->checkpoint_remove && unlink(opts->checkpoint) != 0)
        rc = hetero_fail(HETERO_E_IO, "--checkpoint-remove: cannot remove '%s': %s", opts->checkpoint,
                         strerror(errno));
    return rc;
}

/* Gather, the journal's rest, the merge. */
static int het__merge(het_run *r)
{
    het_engine *e = r->e;
    double t_merge0 = eng_now();
    int rc = eng_gather(e, r->rep, r->threads);
    if ((rc = eng_agree(rc, r->msg)))
        return rc;
    if (e->journal) {
        /* every grain is on rank 0 now: the journal gets the rest */
        rc = eng_journal_step(e, 1);
        if (rc == HETERO_OK) {
            rc = het_journal_close(e->journal, 1, 0);
            e->journal = NULL;
        }
    }
    if ((rc = eng_agree(rc, r->msg)))
        return rc;
    if (het_par_rank() == 0)
        rc = het__merge_outputs(r);
    /* merge can fail only on rank 0 (e.g. writing --trace); tell everyone */
    rc = eng_agree(rc, r->msg);
    r->rep->merge_s = eng_now() - t_merge0;
    return rc;
}

/* The one cleanup path: the workers let go and joined (a failure before
 * the compute phase), the run's threads released, the journal closed, the
 * counter closed (or abandoned: no collective call where a rank may be
 * gone), the engine's reference dropped. */
static int het__close(het_run *r, int rc)
{
    het_engine *e = r->e;
    if (e) {
        if (!e->go)
            eng_go(e, 1);
        /* a failure before the compute phase: the threads leave at once */
        if (!e->closed) {
            for (size_t i = 0; i < e->nw; i++)
                if (e->w[i].started)
                    pthread_join(e->w[i].th, NULL);
        }
        eng_own_release(e);
        if (e->journal)
            het_journal_close(e->journal,
                              rc == HETERO_OK || rc == HETERO_E_INTERRUPTED || rc == HETERO_E_STOPPED ||
                                  rc == HETERO_E_PEER,
                              0);
        e->journal = NULL;
        eng_remote_notices(r->job);
        if (rc == HETERO_E_INTERRUPTED || rc == HETERO_E_PEER)
            het_counter_abandon(e->counter); /* no collective: a rank may be gone */
        else
            het_counter_close(e->counter);
        eng_unref(e);
    }
    free(r->infos);
    r->rep->wall_s = eng_now() - r->t_start;
    if (rc) {
        het_report_free(r->rep);
        return hetero_fail(rc, "%s", r->msg);
    }
    return HETERO_OK;
}

int het_engine_run(hetero_job *job, const het_run_opts *opts, hetero_report *rep)
{
    static const het_run_opts defaults = {.devices = "all", .progress = -1};
    if (!opts)
        opts = &defaults;
    memset(rep, 0, sizeof *rep);
    atomic_store(&job->abandon, 0);
    het_par_set_peer_timeout(opts->peer_timeout > 0 ? opts->peer_timeout : HET_PEER_TIMEOUT_S);
    het_run r = {.job = job, .opts = opts, .rep = rep, .t_start = eng_now(), .ops = eng_backend()};

    int rc = het__plan(&r);
    if (rc == HETERO_OK)
        rc = het__launch(&r);
    if (rc == HETERO_OK) {
        rc = eng_compute(r.e, opts, rep);
        if (rc == HETERO_OK)
            eng_rates_keep(r.e);
        rc = het__settle(&r, rc);
    }
    if (rc == HETERO_OK)
        rc = het__merge(&r);
    return het__close(&r, rc);
}
