/* checkpoint.c - the journal's side of the engine (engine_int.h).  Rank 0
 * with --checkpoint opens the journal before anything runs, loads its
 * grains, and appends the finished ones every HET_JOURNAL_WRITE_S; the
 * other ranks send theirs to rank 0 (par.h), point to point, so that a
 * stopped or failed run leaves rank 0 a journal to resume from. */
#include "engine_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int eng_journal_open(het_engine *e, hetero_job *job, const het_run_opts *opts, uint64_t fp)
{
    e->shipping = opts->checkpoint && het_par_rank() != 0;
    if (!opts->checkpoint || het_par_rank() != 0)
        return HETERO_OK;
    uint64_t resumed = 0, impossible = UINT64_MAX;
    struct stat st;
    int had = stat(opts->checkpoint, &st) == 0 && st.st_size > 0;
    int rc = het_journal_open(&e->journal, opts->checkpoint, job, fp, e->done, e->partials, &resumed,
                              &impossible);
    if (rc)
        return rc;
    if (impossible != UINT64_MAX)
        eng_notice(job,
                   "--checkpoint: '%s' holds a partial no computation could give (grain %" PRIu64
                   "): that record and the ones after it are computed again",
                   opts->checkpoint, impossible);
    /* a cluster's rerun may put rank 0 on another host, where a node-local
     * folder of that name holds no journal: say so, or the rerun silently
     * starts over */
    if (!had && het_par_size() > 1)
        eng_notice(job,
                   "--checkpoint: no journal '%s' on %s: starting from the beginning (the journal "
                   "lives where rank 0 runs; keep it on storage rank 0 will see again)",
                   opts->checkpoint, het_par_host());
    for (uint64_t g = 0; g < e->n_grains; g++)
        if (e->done[g])
            e->done[g] = HET_GRAIN_RESUMED | HET_NOTED;
    e->noted = resumed;
    return HETERO_OK;
}

/* The runs of grains in state `want` (HET_GRAIN_MINE, or any finished
 * state with want 0) not yet noted; marks them noted.  Lock held.
 * *runs is realloc'ed. */
static size_t het__collect(het_engine *e, int want, uint64_t **runs, size_t *cap)
{
    size_t n = 0;
    for (uint64_t g = 0; g < e->n_grains; g++) {
        unsigned char st = e->done[g];
        int ok = !(st & HET_NOTED) && st && (want == 0 || HET_STATE(st) == want);
        if (!ok)
            continue;
        uint64_t h = g;
        while (h < e->n_grains && !(e->done[h] & HET_NOTED) && e->done[h] &&
               (want == 0 || HET_STATE(e->done[h]) == want)) {
            e->done[h] |= HET_NOTED;
            h++;
        }
        if (n == *cap) {
            size_t c = *cap ? 2 * *cap : 64;
            uint64_t *r = realloc(*runs, c * 2 * sizeof *r);
            if (!r) {
                /* unnote what did not fit; the next call takes it */
                for (uint64_t k = g; k < h; k++)
                    e->done[k] &= (unsigned char)~HET_NOTED;
                break;
            }
            *runs = r;
            *cap = c;
        }
        (*runs)[2 * n] = g;
        (*runs)[2 * n + 1] = h - g;
        n++;
        g = h - 1;
    }
    return n;
}

static void het__got_shipped(void *ctx, uint64_t g0, uint64_t n)
{
    het_engine *e = ctx;
    pthread_mutex_lock(&e->lock);
    for (uint64_t g = g0; g < g0 + n; g++)
        if (!e->done[g])
            e->done[g] = HET_GRAIN_SHIPPED_IN;
    pthread_mutex_unlock(&e->lock);
}

/* Rank 0: the grains other ranks sent that came in. */
static int het__receive(het_engine *e)
{
    return het_par_receive_shipped(e->partials, e->psize, e->n_grains, het__got_shipped, e, &e->peers_done);
}

int eng_journal_step(het_engine *e, int all)
{
    uint64_t *runs = NULL;
    size_t cap = 0, n;
    int rc = HETERO_OK;
    if (e->journal) {
        if ((rc = het__receive(e)))
            return rc;
        pthread_mutex_lock(&e->lock);
        if (all)
            for (uint64_t g = 0; g < e->n_grains; g++)
                if (!e->done[g])
                    e->done[g] = HET_GRAIN_SHIPPED_IN;
        n = het__collect(e, 0, &runs, &cap);
        pthread_mutex_unlock(&e->lock);
        for (size_t i = 0; rc == HETERO_OK && i < n; i++) {
            rc = het_journal_append(e->journal, runs[2 * i], runs[2 * i + 1],
                                    e->partials + runs[2 * i] * e->psize);
            e->noted += runs[2 * i + 1];
        }
    } else if (e->shipping) {
        pthread_mutex_lock(&e->lock);
        n = het__collect(e, HET_GRAIN_MINE, &runs, &cap);
        pthread_mutex_unlock(&e->lock);
        if (n)
            rc = het_par_ship(runs, n, e->partials, e->psize);
    }
    free(runs);
    return rc;
}

/* The other ranks send what they have not sent yet and a last word; rank
 * 0 receives until every rank's last word came (point-to-point sends must
 * not be left waiting for a receive while rank 0 sits in a collective). */
int eng_journal_drain(het_engine *e)
{
    int rc = eng_journal_step(e, 0);
    if (e->shipping) {
        int last = het_par_ship(NULL, 0, NULL, 0);
        e->last_sent = 1;
        return rc ? rc : last;
    }
    if (!e->journal)
        return rc;
    while (e->peers_done < het_par_size() - 1) {
        if (het_par_lost() >= 0)
            return het_par_lost_fail();
        int r = het__receive(e);
        if (r)
            return r;
        if (e->peers_done < het_par_size() - 1)
            usleep(2000);
    }
    return rc ? rc : eng_journal_step(e, 0);
}

/* Another rank, stopping: its last word, then it waits for rank 0's
 * answer. */
static int het__stop_shipping(het_engine *e, int rc)
{
    /* rank 0 answers once our grains are in the journal; until then this
     * rank stays, so that mpirun does not end the job under it */
    if (rc == HETERO_OK && !e->last_sent) { /* the drain may have sent it */
        rc = het_par_ship(NULL, 0, NULL, 0);
        e->last_sent = 1;
    }
    if (rc || !het_par_wait_ack(2 * HET_STOP_GRACE_S))
        het_par_set_broken();
    return rc;
}

/* The other ranks send what they finished and a last word; rank 0 waits a
 * little for them and writes the journal. */
int eng_journal_stop(het_engine *e)
{
    int rc = eng_journal_step(e, 0);
    if (e->shipping)
        return het__stop_shipping(e, rc);
    if (!e->journal) {
        if (het_par_size() > 1)
            het_par_set_broken(); /* who knows who is left */
        return rc;
    }
    double t0 = eng_now();
    while (rc == HETERO_OK && e->peers_done < het_par_size() - 1 && eng_now() - t0 < HET_STOP_GRACE_S) {
        rc = het__receive(e);
        if (rc == HETERO_OK)
            rc = eng_journal_step(e, 0);
        usleep(10000);
    }
    if (rc == HETERO_OK)
        rc = het_journal_sync(e->journal);
    if (e->peers_done < het_par_size() - 1)
        het_par_set_broken();
    het_par_ack_all();
    return rc;
}
