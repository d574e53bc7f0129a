/* gather.c - the end of a run and its identity (engine_int.h): every
 * rank's partials to rank 0, the report's worker and rank rows, contract 3
 * (every grain exactly once), the digest; and the job's fingerprint, which
 * every rank must share before anything runs. */
#include "engine_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

void eng_join_ids(const het_worker *w, size_t nw, char *buf, size_t size)
{
    buf[0] = 0;
    for (size_t i = 0; i < nw; i++) {
        size_t len = strlen(buf);
        snprintf(buf + len, size - len, "%s%s", i ? "," : "", w[i].st.id);
    }
}

/* The shares, rates and balance of the gathered worker rows. */
static void het__balance(hetero_report *rep)
{
    uint64_t items = 0;
    double max_busy = 0, sum_busy = 0;
    size_t n_ok = 0;
    for (size_t i = 0; i < rep->n_workers; i++) {
        items += rep->workers[i].items;
        /* balance: over the workers that ran to the end */
        if (strcmp(rep->workers[i].status, "ok") != 0)
            continue;
        n_ok++;
        sum_busy += rep->workers[i].busy_s;
        if (rep->workers[i].busy_s > max_busy)
            max_busy = rep->workers[i].busy_s;
    }
    for (size_t i = 0; i < rep->n_workers; i++) {
        hetero_worker_stats *s = &rep->workers[i];
        s->items_per_s = s->busy_s > 0 ? (double)s->items / s->busy_s : 0;
        s->share = items ? (double)s->items / (double)items : 0;
    }
    rep->items = items;
    rep->balance = (n_ok && max_busy > 0) ? sum_busy / ((double)n_ok * max_busy) : 1.0;
}

/* Collective: every rank's worker rows and its rank row, on rank 0. */
static int het__fill_report(het_engine *e, hetero_report *rep, int threads)
{
    int rank = het_par_rank();
    hetero_worker_stats *mine = calloc(e->nw ? e->nw : 1, sizeof *mine);
    if (!mine)
        return hetero_fail(HETERO_E_NOMEM, "out of memory for the report");
    hetero_rank_stats rs = {.rank = rank, .threads = 0};
    eng_copy(rs.host, sizeof rs.host, het_par_host());
    eng_join_ids(e->w, e->nw, rs.devices, sizeof rs.devices);
    for (size_t i = 0; i < e->nw; i++) {
        mine[i] = e->w[i].st;
        mine[i].rank = rank;
        if (!e->w[i].dev.ops)
            rs.threads = threads;
        rs.grains += mine[i].grains;
        rs.busy_s += mine[i].busy_s;
    }
    void *all = NULL, *ranks = NULL;
    size_t n_all = 0, n_ranks = 0;
    int rc = het_par_gather_records(mine, e->nw, sizeof *mine, &all, &n_all);
    free(mine);
    if (rc == HETERO_OK)
        rc = het_par_gather_records(&rs, 1, sizeof rs, &ranks, &n_ranks);
    if (rc) {
        free(all);
        free(ranks);
        return rc;
    }
    rep->workers = all;
    rep->n_workers = n_all;
    rep->ranks = ranks;
    rep->n_ranks = (int)n_ranks;
    het__balance(rep);
    return HETERO_OK;
}

/* Collective: this rank's grains, as runs of committed grains, to rank 0. */
static int het__gather_partials(het_engine *e)
{
    size_t nb = 0, cap = 64;
    uint64_t *batches = malloc(cap * 2 * sizeof *batches);
    if (!batches)
        return hetero_fail(HETERO_E_NOMEM, "out of memory gathering partials");
    for (uint64_t g = 0; g < e->n_grains; g++) {
        if (HET_STATE(e->done[g]) != HET_GRAIN_MINE)
            continue;
        uint64_t h = g;
        while (h < e->n_grains && HET_STATE(e->done[h]) == HET_GRAIN_MINE)
            h++;
        if (nb == cap) {
            cap *= 2;
            uint64_t *b = realloc(batches, cap * 2 * sizeof *b);
            if (!b) {
                free(batches);
                return hetero_fail(HETERO_E_NOMEM, "out of memory gathering partials");
            }
            batches = b;
        }
        batches[2 * nb] = g;
        batches[2 * nb + 1] = h - g;
        nb++;
        g = h;
    }
    int rc = het_par_gather_partials(e->partials, e->psize, batches, nb);
    free(batches);
    return rc;
}

int eng_gather(het_engine *e, hetero_report *rep, int threads)
{
    char msg[HETERO_MSG_MAX];
    int rc = het__gather_partials(e);
    if ((rc = eng_agree(rc, msg)))
        return hetero_fail(rc, "%s", msg);
    rc = het__fill_report(e, rep, threads);
    if ((rc = eng_agree(rc, msg)))
        return hetero_fail(rc, "%s", msg);
    if (het_par_rank() == 0) {
        uint64_t grains = e->resumed;
        for (size_t i = 0; i < rep->n_workers; i++)
            grains += rep->workers[i].grains;
        if (grains != e->n_grains)
            return hetero_fail(HETERO_E_INTERNAL, "scheduler computed %" PRIu64 " grains of %" PRIu64, grains,
                               e->n_grains);
        rep->digest = XXH3_64bits(e->partials, e->n_grains * e->psize);
    }
    return HETERO_OK;
}

/* What defines the job: its identity (workload, seed, every option that
 * can change a result), grains and partial size. */
uint64_t eng_fingerprint(const hetero_job *job)
{
    char *id = het_job_identity(job);
    if (!id)
        return 0;
    XXH3_state_t *st = XXH3_createState();
    if (!st) {
        free(id);
        return 0;
    }
    XXH3_64bits_reset(st);
    XXH3_64bits_update(st, id, strlen(id));
    XXH3_64bits_update(st, &job->n_grains, sizeof job->n_grains);
    XXH3_64bits_update(st, &job->partial_size, sizeof job->partial_size);
    uint64_t h = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    free(id);
    return h;
}

/* Collective, when the fingerprints differ: every rank compares its
 * identity with rank 0's, and the first that differs is named with the
 * parameter (a rank started with other arguments, or another version). */
static int het__name_mismatch(const hetero_job *job)
{
    char *mine = het_job_identity(job);
    uint64_t len = mine ? strlen(mine) + 1 : 1, fp = eng_fingerprint(job), fp0 = fp;
    int rc = het_par_bcast(&fp0, sizeof fp0);
    if (rc == HETERO_OK)
        rc = het_par_bcast(&len, sizeof len);
    char *theirs = rc == HETERO_OK ? malloc(len) : NULL;
    if (rc == HETERO_OK && !theirs)
        rc = hetero_fail(HETERO_E_NOMEM, "out of memory comparing the ranks' jobs");
    if (rc == HETERO_OK) {
        if (het_par_rank() == 0)
            memcpy(theirs, mine ? mine : "", len);
        rc = het_par_bcast(theirs, len);
    }
    char key[128], v0[256], vr[256];
    if (rc == HETERO_OK && !mine)
        rc = hetero_fail(HETERO_E_NOMEM, "out of memory comparing the ranks' jobs");
    else if (rc == HETERO_OK &&
             het_identity_differs(theirs, mine, key, sizeof key, v0, sizeof v0, vr, sizeof vr))
        rc = hetero_fail(HETERO_E_BADARG,
                         "this rank planned another job than rank 0: %s is %s here, %s on rank 0", key, vr,
                         v0);
    else if (rc == HETERO_OK && fp != fp0)
        rc = hetero_fail(HETERO_E_RUNTIME,
                         "this rank planned the same parameters as rank 0 but other grains (another "
                         "hetero version?)");
    free(mine);
    free(theirs);
    return rc;
}

/* A rank started with other arguments or another hetero version would
 * otherwise only show as a wrong digest. */
int eng_same_job(const hetero_job *job)
{
    int same = het_par_same_u64(eng_fingerprint(job));
    return same < 0 ? same : same ? HETERO_OK : het__name_mismatch(job);
}
