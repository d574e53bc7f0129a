/* schedule.c - the scheduling policy (see schedule.h). */
#include "schedule.h"

#include <math.h>

static uint64_t het__waves(const het_sched_worker *w, uint64_t n)
{
    return n / w->width + (n % w->width != 0);
}

double het_sched_batch_time(const het_sched_worker *w, uint64_t n)
{
    if (w->rate <= 0)
        return INFINITY;
    return (double)het__waves(w, n) * (double)w->width / w->rate;
}

double het_sched_expected_end(const het_sched_worker *w, uint64_t n, double now)
{
    double start = now;
    for (int i = 0; i < w->n_flight; i++)
        if (w->flight[i].t_end > start)
            start = w->flight[i].t_end;
    return start + het_sched_batch_time(w, n);
}

uint64_t het_sched_batch(const het_sched *s, size_t me)
{
    const het_sched_worker *w = &s->w[me];
    uint64_t remaining = s->claimed < s->total ? s->total - s->claimed : 0;
    if (remaining == 0)
        return 0;
    uint64_t width = w->width ? w->width : 1;
    uint64_t n = width;
    if (w->rate <= 0) {
        uint64_t alive = 0;
        for (size_t i = 0; i < s->nw; i++)
            alive += !s->w[i].gone;
        uint64_t share = alive ? remaining / alive : remaining;
        if (n > share)
            n = share ? share : 1;
    } else {
        /* the rank's rate: every worker still taking, and the counter's
         * pace (which counts the other ranks too) when that is higher */
        double rank_rate = 0;
        for (size_t i = 0; i < s->nw; i++)
            if (s->w[i].taking && s->w[i].rate > 0)
                rank_rate += s->w[i].rate;
        double pace = s->elapsed > 0 ? (double)s->claimed / s->elapsed : 0;
        double all = pace > rank_rate ? pace : rank_rate;
        if (all < w->rate)
            all = w->rate;
        double want = w->rate * s->target_s;
        double cap = w->rate * ((double)remaining / all) * HET_SCHED_END_SHARE;
        if (want > cap)
            want = cap;
        double waves = floor(want / (double)width);
        double most = (double)(remaining / width + 1);
        if (waves > most)
            waves = most;
        n = waves >= 1 ? (uint64_t)waves * width : width;

        /* A device on the team's cores slows the team by what it takes
         * from it: slower than the team, it leaves the cores to it. */
        if (w->on_team_cores) {
            double team = 0;
            for (size_t i = 0; i < s->nw; i++)
                if (i != me && s->w[i].team && s->w[i].taking && s->w[i].rate > 0)
                    team += s->w[i].rate;
            if (team > w->rate)
                return 0;
        }

        /* Never take work this worker would finish after the others have
         * finished everything: they need at least one wave of their own,
         * and the rest at their combined rate. */
        double others = 0, others_wave = INFINITY;
        for (size_t i = 0; i < s->nw; i++) {
            if (i == me || !s->w[i].taking || s->w[i].rate <= 0)
                continue;
            others += s->w[i].rate;
            double t = het_sched_batch_time(&s->w[i], s->w[i].width);
            if (t < others_wave)
                others_wave = t;
        }
        if (others > 0) {
            uint64_t mine = n < remaining ? n : remaining;
            double t_others = (double)remaining / others;
            if (t_others < others_wave)
                t_others = others_wave;
            if (het_sched_batch_time(w, mine) > t_others)
                return 0;
        }
    }
    if (n > remaining)
        n = remaining;
    if (n > w->max_batch)
        n = w->max_batch;
    return n ? n : 1;
}

int het_sched_steal(const het_sched *s, size_t me, double now, size_t *owner, size_t *slot)
{
    const het_sched_worker *w = &s->w[me];
    if (w->rate <= 0)
        return 0;
    double best = 0;
    int found = 0;
    for (size_t i = 0; i < s->nw; i++) {
        if (i == me)
            continue;
        const het_sched_worker *o = &s->w[i];
        for (int k = 0; k < o->n_flight; k++) {
            const het_sched_flight *f = &o->flight[k];
            if (f->copy || f->copied)
                continue;
            double left = f->t_end - now;
            if (isinf(f->t_end))
                left = INFINITY;
            else if (left <= 0)
                left = now - f->t_start; /* overdue: guess as long again */
            uint64_t n = f->n < w->max_batch ? f->n : w->max_batch;
            double mine = het_sched_batch_time(w, n);
            if (mine * HET_SCHED_STEAL_MARGIN < left && left > best) {
                best = left;
                *owner = i;
                *slot = (size_t)k;
                found = 1;
            }
        }
    }
    return found;
}

void het_sched_measure(het_sched_worker *w, uint64_t n, double dt)
{
    if (dt <= 0)
        return;
    /* a narrow batch took a whole wave's time: a full one takes no longer */
    if (n < w->width)
        n = w->width;
    w->rate_grains = 0.5 * w->rate_grains + (double)n;
    w->rate_time = 0.5 * w->rate_time + dt;
    w->rate = w->rate_grains / w->rate_time;
}

int het_sched_decide(het_sched *s, size_t me, double now, uint64_t *n, size_t *owner, size_t *slot)
{
    het_sched_worker *w = &s->w[me];
    if (w->n_flight >= HET_SCHED_MAX_FLIGHT)
        return HET_SCHED_WAIT;
    /* until its first batch has measured it, a worker has one in flight:
     * a slow device must not hold two batches nobody can estimate */
    if (w->rate <= 0 && w->n_flight > 0)
        return HET_SCHED_WAIT;
    if (!s->exhausted) {
        w->taking = 1;
        uint64_t want = het_sched_batch(s, me);
        if (want) {
            *n = want;
            return HET_SCHED_TAKE;
        }
        if (s->claimed >= s->total)
            s->exhausted = 1; /* this rank took the last grain */
        else
            w->taking = 0; /* declined: the others finish sooner */
    }
    if (s->exhausted)
        w->taking = 0;
    if (w->n_flight == 0 && het_sched_steal(s, me, now, owner, slot)) {
        s->w[*owner].flight[*slot].copied = 1;
        return HET_SCHED_COPY;
    }
    return HET_SCHED_WAIT;
}

void het_sched_push(het_sched *s, size_t me, uint64_t g0, uint64_t n, int copy, double now)
{
    het_sched_worker *w = &s->w[me];
    if (w->n_flight >= HET_SCHED_MAX_FLIGHT)
        return;
    het_sched_flight *f = &w->flight[w->n_flight];
    f->g0 = g0;
    f->n = n;
    f->t_start = now;
    f->t_end = het_sched_expected_end(w, n, now);
    f->copy = copy;
    f->copied = 0;
    w->n_flight++;
}

void het_sched_pop(het_sched *s, size_t me, uint64_t g0)
{
    het_sched_worker *w = &s->w[me];
    for (int i = 0; i < w->n_flight; i++)
        if (w->flight[i].g0 == g0) {
            for (int k = i + 1; k < w->n_flight; k++)
                w->flight[k - 1] = w->flight[k];
            w->n_flight--;
            return;
        }
}

double het_sched_poll_nap(double waited_s, double left_s)
{
    double nap = waited_s / 64;
    if (left_s > 0 && !isinf(left_s)) {
        nap = left_s / 4 < waited_s / 8 ? left_s / 4 : waited_s / 8;
    } else if (left_s <= 0 && -left_s / 4 < nap) {
        nap = -left_s / 4;
    }
    if (!(nap >= HET_SCHED_POLL_MIN_S)) /* NaN too */
        nap = HET_SCHED_POLL_MIN_S;
    if (nap > HET_SCHED_POLL_MAX_S)
        nap = HET_SCHED_POLL_MAX_S;
    return nap;
}
