/* schedule.h - the scheduling policy: how many grains a worker takes, when it
 * stops taking, and which straggler's batch an idle worker copies.
 *
 * Pure functions of what the engine has measured (rates, widths, the
 * batches in flight, the time): no threads, no clock, no I/O.  The engine
 * (host/engine/) calls them under its lock with real time; the simulation test
 * (tests/test_schedule_sim.c) calls the same functions in virtual time.
 *
 * Words: a worker's *width* is how many grains it runs at once at full
 * speed (the OpenMP team: its threads; an OpenCL device: its compute units
 * times the work-groups resident on one).  Up to `width` grains take one
 * *wave*; a batch of n grains takes ceil(n / width) waves.  A worker's
 * *rate* is grains per second at full width, measured over every batch (a
 * narrow one as a whole wave).
 */
#ifndef HET_SCHED_H
#define HET_SCHED_H

#include <stddef.h>
#include <stdint.h>

#include "tunables.h"

typedef struct het_sched_flight {
    uint64_t g0, n;
    double t_start; /* when it was handed out */
    double t_end;   /* when it is expected to finish; INFINITY when
                             the worker has no rate yet */
    int copy;       /* it is itself a copy of another worker's batch */
    int copied;     /* an idle worker has taken a copy of it */
} het_sched_flight;

typedef struct het_sched_worker {
    uint64_t width;                /* >= 1 */
    uint64_t max_batch;            /* >= 1: the most grains one batch may hold */
    double rate;                   /* grains per second; 0 until measured */
    double rate_grains, rate_time; /* the rate's decayed sums */
    int taking;                    /* 1 while it takes fresh grains (not finished,
                             failed or declined) */
    int gone;                      /* 1 once it finished or failed for good */
    int team;                      /* an OpenMP team */
    int on_team_cores;             /* a device that computes on the team's cores (a
                             CPU OpenCL device beside a team): it takes
                             fresh grains only while it is faster than the
                             team, since every grain it takes the team
                             would have computed sooner */
    int n_flight;
    het_sched_flight flight[HET_SCHED_MAX_FLIGHT];
} het_sched_worker;

typedef struct het_sched {
    uint64_t total;      /* grains of the job */
    int exhausted;       /* the counter has no grain left */
    uint64_t claimed;    /* grains handed out from the counter, every
                             rank counted, as far as this rank knows */
    double elapsed;      /* seconds since the compute phase began */
    double target_s;     /* batch target (HET_SCHED_TARGET_S) */
    het_sched_worker *w; /* this rank's workers */
    size_t nw;
} het_sched;

/* Seconds worker w needs for a batch of n grains (whole waves); INFINITY
 * without a rate. */
double het_sched_batch_time(const het_sched_worker *w, uint64_t n);

/* How many fresh grains worker `me` should take now: at least its width
 * (while that many remain), about target_s of work at its rate, shrinking
 * toward the end; its first batch is one full wave, or an equal share of
 * what remains among the rank's workers when that is less (a GPU wider
 * than the whole job must not take it all before anyone knows its
 * speed).  0 means: take none,
 * because the other workers of this rank are estimated to finish every
 * remaining grain before this one would finish even its smallest batch,
 * or because it computes on the team's cores more slowly than the team.
 * The last worker still taking never declines. */
uint64_t het_sched_batch(const het_sched *s, size_t me);

/* When the counter is empty: the in-flight batch of another worker that
 * worker `me` should copy (recompute), because it would finish it
 * HET_SCHED_STEAL_MARGIN times sooner than that worker is expected to.
 * Returns 1 and sets *owner and *slot, or 0 when there is none.  Batches
 * that are copies themselves, or already copied, are never chosen. */
int het_sched_steal(const het_sched *s, size_t me, double now, size_t *owner, size_t *slot);

/* The expected end of a batch of n grains handed to w at time now, after
 * whatever w already has in flight. */
double het_sched_expected_end(const het_sched_worker *w, uint64_t n, double now);

/* What worker `me` should do next (het_sched_decide). */
enum het_sched_action {
    HET_SCHED_WAIT, /* nothing now: wait for a change and ask again */
    HET_SCHED_TAKE, /* take *n fresh grains from the counter */
    HET_SCHED_COPY  /* copy flight *slot of worker *owner */
};

/* The one decision the engine and the simulation both make: nothing while
 * the worker's first batch is still out (it has no rate yet); fresh grains
 * while the counter has some and this worker is not declining; else a
 * straggler's batch to copy (only with nothing of its own in flight);
 * else wait.  Updates w[me].taking and s->exhausted (when this rank has
 * seen the counter reach the total).  A TAKE whose counter answer lies
 * past the end must be followed by setting s->exhausted and deciding
 * again.  For COPY, the owner's flight is marked copied. */
int het_sched_decide(het_sched *s, size_t me, double now, uint64_t *n, size_t *owner, size_t *slot);

/* Records a batch handed to worker me at time now (after the others it
 * has in flight), and removes the one holding grain g0 once it is done. */
void het_sched_push(het_sched *s, size_t me, uint64_t g0, uint64_t n, int copy, double now);
void het_sched_pop(het_sched *s, size_t me, uint64_t g0);

/* Records a finished batch of n grains that kept the worker busy dt
 * seconds.  A narrower batch than the width counts as one full wave: it
 * took a whole wave's time, and a full wave would have taken no longer (a
 * GPU wider than a short job gets its rate from its first batch instead
 * of taking halves of what is left, each a whole wave, while the others
 * hold the end).  The sums decay by half per batch, so the rate follows a
 * changing speed. */
void het_sched_measure(het_sched_worker *w, uint64_t n, double dt);

/* How long a device's thread naps before it polls its batch again
 * (engine/device_worker.c), having waited waited_s for a batch expected to finish in
 * left_s (negative: overdue; INFINITY: the device has no rate yet).  The
 * batch is seen late by up to the last nap, which costs most where the
 * device's queue runs dry (its first batch, the end of a job): so with no
 * expectation, a 64th of the wait (the batch seen within 2% of its time);
 * before the expected end, a quarter of the way to it (an 8th of the wait
 * at most, in case it is early); overdue, a quarter of the overrun (a 64th
 * of the wait at most).  Between HET_SCHED_POLL_MIN_S and
 * HET_SCHED_POLL_MAX_S. */
double het_sched_poll_nap(double waited_s, double left_s);

#endif
