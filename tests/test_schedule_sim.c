/* The scheduling policy (host/engine/schedule.c), driven in virtual time by
 * simulated workers, ends every job within 5% of its ideal time: wide GPUs
 * beside CPU teams, a GPU wider than the whole job, a 10 ms job, slow
 * grains, a device far slower than the CPU, many workers of mixed speeds
 * on one counter, and the jobs measured on an H200.
 *
 * The simulation makes the engine's decisions with the engine's functions
 * (het_sched_decide, _push, _pop, _measure) and nothing else, and its
 * workers wait as the engine's threads do (host/engine/):
 *
 * - An OpenMP team (depth 1) runs one batch at a time in its thread: a
 *   fork and join (latency_s), then whole waves of its width, and asks
 *   again as soon as it has committed.
 * - An OpenCL device (depth 2) has an in-order queue: each batch is a
 *   kernel, then the read-back of its results (read_s); a kernel starts
 *   latency_s after its enqueue, or right after the batch before it.  Its
 *   host thread keeps two batches queued, and learns that the first has
 *   finished by polling, napping between polls as device_worker.c does
 *   (het_sched_poll_nap, plus the kernel's timer slack on every nap); it
 *   commits that batch when it sees it and only then asks for more.
 * - A worker with nothing to do waits on the engine's condition: it asks
 *   again when a worker of its rank commits a batch, or after
 *   SIM_IDLE_S (het__idle).
 * - A GPU (cus > 0) is a set of compute units that share a batch's
 *   work-groups (one a grain) evenly and hold `resident` of them at once
 *   (the engine's width is cus * resident).  A work-group alone is bound by
 *   latency; throughput rises with the groups running on a compute unit
 *   until `saturate` of them, and stays there.  So a batch takes the time
 *   its busiest compute unit needs for its ceil(n / cus) groups, run
 *   `resident` at a time: a batch narrower than the width can take as
 *   long as a full one.
 *
 * Kernel and wave times get a random jitter of +-jitter each; the first
 * copy of a grain wins; the job ends when every grain has a result (copies
 * still running are abandoned, as in the engine).  No sleeping: time is a
 * number.
 *
 * The ideal makespan of a job is the best any schedule could do that knew
 * every worker's speed from the start: each worker gets one batch, the
 * batches sized so that the job ends as early as it can, each paying what
 * it costs on its worker (whole waves, a GPU's occupancy, launch and
 * read-back latency), nothing paying for measuring, polling or the
 * counter.  It is never more
 * than the best single worker's time alone, and never less than all the
 * work at the summed rates.  A CPU OpenCL device on the team's cores adds
 * nothing to the team (they share the cores): the ideal is the better of
 * the two, not their sum.  Jitter is left out of it.
 *
 * Set HETERO_SIM_VERBOSE=1 for the batches of every simulated job, and
 * HETERO_SIM_SEEDS=N to run each job of expect_near_ideal with N jitter
 * seeds (the worst is printed and must be within 5% too).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schedule.h"

/* het__idle's timed wait */
#define SIM_IDLE_S 0.01
/* between two commands of an in-order queue */
#define SIM_QUEUE_GAP_S 5e-6
/* Linux's default timer slack: what a nanosleep oversleeps */
#define SIM_TIMER_SLACK_S 50e-6

typedef struct sim_spec {
    uint64_t width;    /* grains at once at full speed (the engine's width) */
    double wave_s;     /* one full wave of `width` grains */
    double latency_s;  /* a team: per batch; a device: enqueue to kernel */
    double read_s;     /* a device: the read-back after its kernel */
    int depth;         /* 1: an OpenMP team; 2: an OpenCL device */
    int team;          /* an OpenMP team */
    int on_team_cores; /* a CPU device beside the team */
    int prior;         /* its rate known before the first batch (a model
                          kept by an earlier run, host/engine/rates.c) */
    double jitter;     /* its own jitter (0: the job's) */
    /* a GPU: compute units, work-groups resident on one (width = cus *
     * resident), and the groups at which one's throughput peaks */
    uint64_t cus, resident, saturate;
} sim_spec;

typedef struct sim_batch {
    uint64_t g0, n;
    int copy;
    double t_enq;   /* handed to the worker */
    double t_begin; /* computing from */
    double t_end;   /* computed */
    double t_ready; /* results on the host (after the read-back) */
} sim_batch;

enum sim_state {
    SIM_ASK,  /* asks for work now */
    SIM_BUSY, /* a team computing, or a device's thread waiting for its first batch */
    SIM_IDLE  /* waits on the engine's condition */
};

typedef struct sim_worker {
    sim_spec spec;
    size_t rank, me; /* its rank, its index among that rank's workers */
    sim_batch q[HET_SCHED_MAX_FLIGHT];
    int nq;
    double dev_free; /* a device: when its queue has run what it holds */
    double t_prev_done;
    enum sim_state state;
    double t_event;  /* BUSY: when it commits q[0]; IDLE: when its wait ends */
    double useful_s; /* time spent on grains whose result was used */
    uint64_t batches;
} sim_worker;

typedef struct sim_result {
    double makespan, ideal, utilization;
    uint64_t copies;
    uint64_t takes; /* requests for grains on the counter */
    double polls_s; /* polls a second of a device's thread */
    /* with a service model: the grants' waits (round trip included) and
     * the share of the time rank 0's service thread was busy */
    double wait_mean, wait_max, service_busy;
} sim_result;

/* Rank 0's service thread (host/engine/par_service.c) as a single FIFO server: a
 * request from another rank reaches it half a round trip later, waits for
 * the requests before it, takes service_s, and its grant travels half a
 * round trip back; the batch starts that much later.  Heartbeats (two a
 * second from every rank) take their share of the server's time. */
typedef struct sim_service {
    double service_s; /* one request: probe, receive, add, send */
    double rtt_s;     /* the network's round trip */
    double beat_s;    /* each rank's heartbeat period */
} sim_service;

/* Every simulation starts from the same seed (HETERO_SIM_SEEDS=N runs
 * each job of expect_near_ideal with N seeds and reports the worst). */
static uint64_t rng, sim_seed = 88172645463325252ull;
static double uniform(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) * 0x1.0p-53;
}

static int verbose(void)
{
    const char *v = getenv("HETERO_SIM_VERBOSE");
    return v && *v && strcmp(v, "0") != 0;
}

/* Seconds a worker computes n grains in one batch (no latency). */
static double sim_compute_s(const sim_spec *sp, uint64_t n)
{
    if (n == 0)
        return 0;
    if (!sp->cus) {
        uint64_t waves = (n + sp->width - 1) / sp->width;
        return (double)waves * sp->wave_s;
    }
    /* the busiest compute unit's groups, `resident` at a time; k groups
     * at once take max(1, k / saturate) times one group's latency, and a
     * full wave takes wave_s */
    double full = (double)sp->resident / (double)sp->saturate;
    double lat = sp->wave_s / (full > 1 ? full : 1);
    uint64_t m = (n + sp->cus - 1) / sp->cus;
    uint64_t rounds = m / sp->resident, rest = m % sp->resident;
    double t = (double)rounds * sp->wave_s;
    if (rest) {
        double k = (double)rest / (double)sp->saturate;
        t += lat * (k > 1 ? k : 1);
    }
    return t;
}

/* Seconds from handing n grains to an idle worker to their results. */
static double sim_alone_s(const sim_spec *sp, uint64_t n)
{
    if (n == 0)
        return 0;
    return sp->latency_s + sim_compute_s(sp, n) + (sp->depth > 1 ? sp->read_s : 0);
}

/* The most grains worker sp finishes within t seconds in one batch. */
static uint64_t sim_cap(const sim_spec *sp, uint64_t total, double t)
{
    if (sim_alone_s(sp, total) <= t)
        return total;
    uint64_t lo = 0, hi = total; /* alone(lo) <= t < alone(hi) */
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (sim_alone_s(sp, mid) <= t)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* The ideal makespan over the workers `use` allows (see the top). */
static double sim_ideal_of(const sim_spec *specs, size_t nw, const int *use, uint64_t total)
{
    double hi = INFINITY;
    for (size_t i = 0; i < nw; i++)
        if (use[i] && sim_alone_s(&specs[i], total) < hi)
            hi = sim_alone_s(&specs[i], total);
    if (isinf(hi))
        return hi;
    double lo = 0;
    for (int it = 0; it < 200 && hi - lo > 1e-12 * hi; it++) {
        double mid = 0.5 * (lo + hi);
        uint64_t sum = 0;
        for (size_t i = 0; i < nw && sum < total; i++)
            if (use[i])
                sum += sim_cap(&specs[i], total, mid);
        if (sum >= total)
            hi = mid;
        else
            lo = mid;
    }
    return hi;
}

static double sim_ideal(const sim_spec *specs, size_t nw, uint64_t total)
{
    int *use = calloc(nw, sizeof *use);
    assert_non_null(use);
    int shared = 0;
    for (size_t i = 0; i < nw; i++)
        shared |= specs[i].on_team_cores;
    /* the team's cores with the team, or with the devices that run on them */
    for (size_t i = 0; i < nw; i++)
        use[i] = !specs[i].on_team_cores;
    double best = sim_ideal_of(specs, nw, use, total);
    if (shared) {
        for (size_t i = 0; i < nw; i++)
            use[i] = !specs[i].team;
        double other = sim_ideal_of(specs, nw, use, total);
        if (other < best)
            best = other;
    }
    free(use);
    return best;
}

/* When a device's thread that starts waiting at t_wait, polling as
 * device_worker.c does, sees a batch that completes at t_ready and that the
 * policy expects to end at t_expect. */
static double sim_poll_seen(double t_wait, double t_ready, double t_expect, uint64_t *polls)
{
    double t = t_wait;
    for (++*polls; t < t_ready; ++*polls) {
        t += het_sched_poll_nap(t - t_wait, t_expect - t) + SIM_TIMER_SLACK_S;
        assert_true(*polls < 100000000);
    }
    return t;
}

/* The expected end of worker me's batch that starts at g0. */
static double sim_expected_end(const het_sched *rs, size_t me, uint64_t g0)
{
    const het_sched_worker *sw = &rs->w[me];
    for (int i = 0; i < sw->n_flight; i++)
        if (sw->flight[i].g0 == g0)
            return sw->flight[i].t_end;
    return INFINITY;
}

static void sim_start(sim_worker *sw, uint64_t g0, uint64_t n, int copy, double now, double jitter)
{
    sim_batch *b = &sw->q[sw->nq++];
    if (sw->spec.jitter > 0)
        jitter = sw->spec.jitter;
    double run = sim_compute_s(&sw->spec, n) * (1.0 + jitter * (2.0 * uniform() - 1.0));
    b->g0 = g0;
    b->n = n;
    b->copy = copy;
    b->t_enq = now;
    if (sw->spec.depth > 1) {
        double after = sw->dev_free + SIM_QUEUE_GAP_S;
        b->t_begin = now + sw->spec.latency_s > after ? now + sw->spec.latency_s : after;
        b->t_end = b->t_begin + run;
        b->t_ready = b->t_end + sw->spec.read_s;
        sw->dev_free = b->t_ready;
    } else {
        b->t_begin = now;
        b->t_end = now + sw->spec.latency_s + run;
        b->t_ready = b->t_end;
    }
    sw->batches++;
}

/* Workers belong to ranks: worker i to rank rank_of[i] (NULL: all to one
 * rank).  Each rank has its own policy state and sees the shared counter
 * only through its own takes, as in the engine; copies stay within a
 * rank. */
static sim_result simulate_ranks(const sim_spec *specs, size_t nw, const size_t *rank_of, size_t nranks,
                                 uint64_t total, double jitter, const sim_service *svc)
{
    /* the service: when it is next free, and its time per request with
     * the heartbeats' share of it taken out */
    double server_free = 0, busy = 0, wait_sum = 0, wait_max = 0;
    uint64_t remote = 0;
    double per_request = 0;
    if (svc) {
        double beat_load = (double)nranks / svc->beat_s * svc->service_s;
        per_request = beat_load < 0.99 ? svc->service_s / (1.0 - beat_load) : svc->service_s * 100.0;
    }
    rng = sim_seed;
    het_sched *s = calloc(nranks, sizeof *s);
    sim_worker *w = calloc(nw, sizeof *w);
    unsigned char *done = calloc(total, 1);
    assert_non_null(s);
    assert_non_null(w);
    assert_non_null(done);
    for (size_t i = 0; i < nw; i++)
        s[rank_of ? rank_of[i] : 0].nw++;
    for (size_t r = 0; r < nranks; r++) {
        s[r].total = total;
        s[r].target_s = HET_SCHED_TARGET_S;
        s[r].w = calloc(s[r].nw, sizeof *s[r].w);
        assert_non_null(s[r].w);
        s[r].nw = 0;
    }
    for (size_t i = 0; i < nw; i++) {
        w[i].rank = rank_of ? rank_of[i] : 0;
        het_sched *rs = &s[w[i].rank];
        w[i].me = rs->nw++;
        w[i].spec = specs[i];
        w[i].state = SIM_ASK;
        het_sched_worker *sw = &rs->w[w[i].me];
        sw->width = specs[i].width;
        sw->max_batch = total;
        sw->team = specs[i].team;
        sw->on_team_cores = specs[i].on_team_cores;
        sw->taking = 1;       /* as het_engine_run sets it before the start */
        if (specs[i].prior) { /* as worker.c's rate prior sets it */
            sw->rate = (double)specs[i].width / specs[i].wave_s;
            sw->rate_grains = (double)specs[i].width;
            sw->rate_time = specs[i].wave_s;
        }
    }
    uint64_t counter = 0, n_done = 0, copies = 0, takes = 0, polls = 0;
    double now = 0;
    for (long steps = 0; n_done < total; steps++) {
        assert_true(steps < 100000000);
        for (size_t i = 0; i < nw; i++) {
            if (w[i].state != SIM_ASK)
                continue;
            het_sched *rs = &s[w[i].rank];
            double t = now; /* this worker's thread's time */
            for (;;) {
                if (w[i].nq >= w[i].spec.depth)
                    break;
                uint64_t n = 0;
                size_t o = 0, k = 0;
                rs->elapsed = t;
                int act = het_sched_decide(rs, w[i].me, t, &n, &o, &k);
                if (act == HET_SCHED_TAKE) {
                    uint64_t g0 = counter;
                    counter += n;
                    takes++;
                    if (svc && w[i].rank != 0) {
                        /* the thread waits for its grant */
                        double arrive = t + svc->rtt_s / 2;
                        double start = arrive > server_free ? arrive : server_free;
                        server_free = start + per_request;
                        busy += per_request;
                        double delay = server_free + svc->rtt_s / 2 - t;
                        wait_sum += delay;
                        if (delay > wait_max)
                            wait_max = delay;
                        remote++;
                        t += delay;
                    }
                    rs->claimed = counter; /* what this rank's take saw */
                    if (g0 >= total) {
                        rs->exhausted = 1;
                        continue;
                    }
                    if (n > total - g0)
                        n = total - g0;
                    het_sched_push(rs, w[i].me, g0, n, 0, t);
                    sim_start(&w[i], g0, n, 0, t, jitter);
                } else if (act == HET_SCHED_COPY) {
                    const het_sched_flight *f = &rs->w[o].flight[k];
                    het_sched_push(rs, w[i].me, f->g0, f->n, 1, t);
                    sim_start(&w[i], f->g0, f->n, 1, t, jitter);
                    copies += f->n;
                } else {
                    break;
                }
                if (w[i].spec.depth == 1)
                    break; /* a team computes its batch now */
            }
            if (w[i].nq == 0) {
                w[i].state = SIM_IDLE;
                w[i].t_event = t + SIM_IDLE_S;
            } else {
                w[i].state = SIM_BUSY;
                w[i].t_event = w[i].q[0].t_ready;
                if (w[i].spec.depth > 1)
                    w[i].t_event = sim_poll_seen(t, w[i].q[0].t_ready,
                                                 sim_expected_end(rs, w[i].me, w[i].q[0].g0), &polls);
            }
        }
        /* the next event: a batch committed, or a wait timed out */
        size_t next = nw;
        for (size_t i = 0; i < nw; i++)
            if (w[i].state != SIM_ASK && (next == nw || w[i].t_event < w[next].t_event))
                next = i;
        assert_true(next < nw);
        sim_worker *sw = &w[next];
        now = sw->t_event;
        sw->state = SIM_ASK;
        if (sw->nq == 0)
            continue; /* its wait timed out: it asks again */
        sim_batch b = sw->q[0];
        memmove(sw->q, sw->q + 1, (size_t)(sw->nq - 1) * sizeof *sw->q);
        sw->nq--;
        uint64_t won = 0;
        for (uint64_t g = b.g0; g < b.g0 + b.n; g++)
            if (!done[g]) {
                done[g] = 1;
                won++;
            }
        n_done += won;
        sw->useful_s += (b.t_end - b.t_begin) * (double)won / (double)b.n;
        /* what the engine measures: a team its batch; a device from the
         * enqueue (or the batch before) to the moment its thread saw it */
        double dt = now - b.t_begin;
        if (sw->spec.depth > 1) {
            dt = now - (b.t_enq > sw->t_prev_done ? b.t_enq : sw->t_prev_done);
            sw->t_prev_done = now;
        }
        het_sched *rs = &s[sw->rank];
        het_sched_pop(rs, sw->me, b.g0);
        het_sched_measure(&rs->w[sw->me], b.n, dt);
        if (verbose())
            printf("    t=%.6f worker %zu: g0=%llu n=%llu%s ran %.6f..%.6f, seen after %.6f, rate %.1f\n",
                   now, next, (unsigned long long)b.g0, (unsigned long long)b.n, b.copy ? " (copy)" : "",
                   b.t_begin, b.t_end, now - b.t_ready, rs->w[sw->me].rate);
        /* the commit wakes the workers of its rank waiting on the condition */
        for (size_t i = 0; i < nw; i++)
            if (w[i].state == SIM_IDLE && w[i].rank == sw->rank)
                w[i].state = SIM_ASK;
    }
    sim_result r = {.makespan = now, .copies = copies, .takes = takes};
    if (svc) {
        r.wait_mean = remote ? wait_sum / (double)remote : 0;
        r.wait_max = wait_max;
        /* requests plus heartbeats over the run */
        r.service_busy =
            ((double)remote * svc->service_s + (double)nranks / svc->beat_s * svc->service_s * now) / now;
    }
    double useful = 0;
    size_t devices = 0;
    for (size_t i = 0; i < nw; i++) {
        useful += w[i].useful_s;
        devices += w[i].spec.depth > 1;
    }
    r.polls_s = devices ? (double)polls / (double)devices / now : 0;
    r.ideal = sim_ideal(specs, nw, total);
    r.utilization = useful / ((double)nw * r.makespan);
    for (size_t r2 = 0; r2 < nranks; r2++)
        free(s[r2].w);
    free(s);
    free(w);
    free(done);
    return r;
}

static sim_result simulate(const sim_spec *specs, size_t nw, uint64_t total, double jitter)
{
    return simulate_ranks(specs, nw, NULL, 1, total, jitter, NULL);
}

/* The job run as it comes (no rates known) and again with every worker's
 * rate kept by an earlier run: within 5% of the ideal both times. */
static void expect_near_ideal(const char *what, const sim_spec *specs, size_t nw, uint64_t total,
                              double jitter)
{
    sim_spec known[8];
    assert_true(nw <= 8);
    for (size_t i = 0; i < nw; i++) {
        known[i] = specs[i];
        known[i].prior = 1;
    }
    double best1 = INFINITY; /* the best single worker */
    for (size_t i = 0; i < nw; i++)
        if (sim_alone_s(&specs[i], total) < best1)
            best1 = sim_alone_s(&specs[i], total);
    const char *e = getenv("HETERO_SIM_SEEDS");
    long seeds = e ? strtol(e, NULL, 10) : 1;
    sim_result r = {0}, k = {0}; /* the worst of the seeds */
    for (long i = 0; i < (seeds > 1 ? seeds : 1); i++) {
        sim_seed = 88172645463325252ull ^ (0x9e3779b97f4a7c15ull * (uint64_t)i);
        sim_result r1 = simulate(specs, nw, total, jitter);
        sim_result k1 = simulate(known, nw, total, jitter);
        if (r1.makespan > r.makespan)
            r = r1;
        if (k1.makespan > k.makespan)
            k = k1;
    }
    sim_seed = 88172645463325252ull;
    printf("  %-40s ideal %9.6f s (best alone %9.6f s)%s\n"
           "  %-40s makespan %9.6f s (%.3fx), utilization %.3f, copied grains %llu, polls %.0f/s\n"
           "  %-40s makespan %9.6f s (%.3fx), utilization %.3f, copied grains %llu, polls %.0f/s\n",
           what, r.ideal, best1, seeds > 1 ? ", the worst seed's" : "", "    rates measured", r.makespan,
           r.makespan / r.ideal, r.utilization, (unsigned long long)r.copies, r.polls_s, "    rates known",
           k.makespan, k.makespan / k.ideal, k.utilization, (unsigned long long)k.copies, k.polls_s);
    assert_true(r.ideal <= best1);
    assert_true(r.makespan <= 1.05 * r.ideal);
    assert_true(k.makespan <= 1.05 * k.ideal);
}

static void a_wide_gpu_beside_a_64_thread_team(void **state)
{
    (void)state;
    const sim_spec specs[] = {
        {.width = 10000, .wave_s = 0.004, .latency_s = 20e-6, .read_s = 20e-6, .depth = 2},
        {.width = 64, .wave_s = 0.010, .latency_s = 5e-6, .depth = 1, .team = 1},
    };
    expect_near_ideal("10,000-wide GPU + 64-thread team", specs, 2, 20000000, 0.1);
}

static void a_two_thread_team_with_60_ms_grains(void **state)
{
    (void)state;
    const sim_spec specs[] = {{.width = 2, .wave_s = 0.060, .latency_s = 5e-6, .depth = 1, .team = 1}};
    expect_near_ideal("2-thread team, 60 ms grains", specs, 1, 400, 0.1);
}

static void a_device_100_times_slower_than_the_cpu(void **state)
{
    (void)state;
    const sim_spec specs[] = {
        {.width = 2, .wave_s = 0.010, .latency_s = 5e-6, .depth = 1, .team = 1},
        {.width = 2, .wave_s = 1.000, .latency_s = 50e-6, .read_s = 20e-6, .depth = 2},
    };
    expect_near_ideal("CPU + a device 100x slower", specs, 2, 5000, 0.1);
}

/* A CPU OpenCL device beside the OpenMP team computes on the team's cores:
 * slower than the team, it takes no fresh grains (each would have been
 * computed sooner by the team); faster, or with no team taking, it does.
 * A device elsewhere (a GPU) as slow still takes its share. */
static void a_cpu_device_slower_than_the_team_leaves_it_the_cores(void **state)
{
    (void)state;
    het_sched_worker w[2];
    memset(w, 0, sizeof w);
    w[0] = (het_sched_worker){.width = 2, .max_batch = 1000, .rate = 100, .taking = 1, .team = 1};
    w[1] = (het_sched_worker){.width = 2, .max_batch = 1000, .rate = 10, .taking = 1, .on_team_cores = 1};
    het_sched s = {
        .total = 1000, .claimed = 100, .elapsed = 1.0, .target_s = HET_SCHED_TARGET_S, .w = w, .nw = 2};
    assert_int_equal(het_sched_batch(&s, 1), 0);
    w[1].rate = 200;
    assert_true(het_sched_batch(&s, 1) >= 2);
    w[1].rate = 10;
    w[0].taking = 0;
    assert_true(het_sched_batch(&s, 1) >= 2);
    w[0].taking = 1;
    w[1].on_team_cores = 0;
    assert_true(het_sched_batch(&s, 1) >= 2);
    /* the team itself never leaves the cores to a slower device */
    w[1].on_team_cores = 1;
    assert_true(het_sched_batch(&s, 0) >= 2);
}

/* A device's thread naps between polls of its batch so that it sees the
 * batch soon after it finishes without waking all the time: with no rate,
 * within 2% of the wait; before the expected end, a quarter of the way to
 * it (an 8th of the wait at most: the batch may be early); overdue, a
 * quarter of the overrun; never under HET_SCHED_POLL_MIN_S or over
 * HET_SCHED_POLL_MAX_S. */
static void a_device_polls_toward_its_batchs_expected_end(void **state)
{
    (void)state;
    assert_true(het_sched_poll_nap(0.004, INFINITY) <= 0.004 / 50);
    assert_true(het_sched_poll_nap(0, INFINITY) == HET_SCHED_POLL_MIN_S);
    assert_true(het_sched_poll_nap(10.0, INFINITY) == HET_SCHED_POLL_MAX_S);
    assert_true(fabs(het_sched_poll_nap(0.050, 0.0002) - 0.0002 / 4) < 1e-12);
    assert_true(fabs(het_sched_poll_nap(0.004, 0.040) - 0.004 / 8) < 1e-12);
    assert_true(het_sched_poll_nap(0.050, 0.040) == HET_SCHED_POLL_MAX_S);
    assert_true(fabs(het_sched_poll_nap(0.050, -0.0004) - 0.0004 / 4) < 1e-12);
    assert_true(het_sched_poll_nap(0.050, -1e-6) == HET_SCHED_POLL_MIN_S);
}

/* The same rule over a whole job: a CPU device 8 times slower than the team
 * leaves the job to it once measured (every grain still computed, the end
 * no later than the team's alone); one twice as fast takes most of it.
 * The simulation does not make them share cores, so beside the faster
 * device the team still adds its speed: the ideal (the faster of the two)
 * is then an upper bound. */
static void a_cpu_device_beside_the_team_over_a_whole_job(void **state)
{
    (void)state;
    const sim_spec team = {.width = 2, .wave_s = 0.010, .latency_s = 5e-6, .depth = 1, .team = 1};
    const sim_spec slow = {
        .width = 2, .wave_s = 0.080, .latency_s = 50e-6, .read_s = 20e-6, .depth = 2, .on_team_cores = 1};
    const sim_spec fast = {
        .width = 2, .wave_s = 0.005, .latency_s = 50e-6, .read_s = 20e-6, .depth = 2, .on_team_cores = 1};
    const sim_spec with_slow[] = {team, slow}, with_fast[] = {team, fast};
    expect_near_ideal("CPU device 8x slower on the team's cores", with_slow, 2, 5000, 0.1);
    expect_near_ideal("CPU device 2x faster on the team's cores", with_fast, 2, 5000, 0.1);
    sim_result alone = simulate(&team, 1, 5000, 0.1);
    sim_result s2 = simulate(with_fast, 2, 5000, 0.1);
    assert_true(s2.makespan <= 0.6 * alone.makespan);
}

static void sixty_four_workers_of_mixed_speeds_on_one_counter(void **state)
{
    (void)state;
    sim_spec specs[64] = {{0}};
    for (int i = 0; i < 64; i++) {
        specs[i].width = 1 + (uint64_t)(i % 16);
        specs[i].wave_s = 0.005 + 0.045 * (double)((i * 37) % 64) / 63.0;
        specs[i].latency_s = 10e-6;
        specs[i].depth = i % 2 ? 2 : 1;
        specs[i].read_s = i % 2 ? 10e-6 : 0;
        specs[i].team = !(i % 2);
    }
    sim_result r = simulate(specs, 64, 400000, 0.1);
    printf("  %-40s ideal %9.6f s, makespan %9.6f s (%.3fx), utilization %.3f, copied grains %llu\n",
           "64 workers of mixed speeds", r.ideal, r.makespan, r.makespan / r.ideal, r.utilization,
           (unsigned long long)r.copies);
    assert_true(r.makespan <= 1.05 * r.ideal);
    assert_true(r.utilization >= 0.95);
}

/* ---- an H200 beside its 16 cores ---------------------------------------
 *
 * One NVIDIA H200 as its OpenCL driver shows it: 132 compute units, a
 * work-group per grain, throughput peaking at 4 groups on a compute unit.
 * Launch 30 us from the enqueue to the kernel on an idle queue, 20 us for
 * the read-back of a batch's counts and check words.  Rates from the runs
 * on an H200 in bench/RESULTS.md: pi 4.66e11 samples/s, primes below 1e10
 * in 7.7 ms of kernel time (636 grains: two rounds of 3 groups a compute
 * unit), reservoir 8.99e10 path-steps/s; the team's from the OpenMP rows
 * of the same machine (16 threads): pi 5.42e9 samples/s, primes 3.53e10
 * numbers/s, reservoir 1.44e9 path-steps/s.  A kernel's time repeats
 * within 1% (the runs there gave the same kernel time to 3 digits); a
 * team's wave, sharing the host with the GPU's thread, within 5%. */

static sim_spec h200(uint64_t resident, double grains_per_s)
{
    sim_spec s = {.cus = 132,
                  .resident = resident,
                  .saturate = 4,
                  .depth = 2,
                  .latency_s = 30e-6,
                  .read_s = 20e-6,
                  .jitter = 0.01};
    s.width = s.cus * s.resident;
    /* a full wave holds `resident` groups a compute unit: at full rate */
    s.wave_s = (double)s.width / grains_per_s;
    return s;
}

static sim_spec team16(double grains_per_s)
{
    return (sim_spec){.width = 16, .wave_s = 16.0 / grains_per_s, .latency_s = 5e-6, .depth = 1, .team = 1};
}

/* pi: grains of 2^20 samples, groups of 256 (8 resident) */
#define PI_GRAIN 1048576.0
static const double pi_gpu = 4.66e11 / PI_GRAIN, pi_cpu = 5.42e9 / PI_GRAIN;
/* primes at 0: grains of 524,288 wheel bytes (15,728,640 numbers), groups
 * of 256 with 32 KiB of sub-segment (3 resident); two rounds in 7.7 ms */
#define PRIMES_GRAIN 15728640.0
static const double primes_gpu = 396 / 3.85e-3, primes_cpu = 3.53e10 / PRIMES_GRAIN;
/* reservoir, 1e4 steps: grains of 64 paths, groups of 64 (24 resident, the
 * engine's estimate from local memory); 1e3 steps (hetero-bench's shape):
 * grains of 1,024 paths, groups of 128 (16 resident) */
static const double res_gpu = 8.99e10 / 640000.0, res_cpu = 1.44e9 / 640000.0;
static const double res_bench_gpu = 8.99e10 / 1024000.0, res_bench_cpu = 1.44e9 / 1024000.0;

/* A GPU wider than the whole job and slower than the team at it: the
 * whole job is one round of 5 groups a compute unit (0.4 s) on it, a
 * round of 4 or fewer 0.32 s, and the team does everything in 0.28 s.
 * Every batch the GPU takes costs it at least 0.32 s, so the ideal is the
 * team's alone: what the GPU takes before it is measured, the team
 * copies. */
static void a_gpu_wider_than_the_whole_job_shares_it(void **state)
{
    (void)state;
    const sim_spec specs[] = {h200(8, 1056 / 0.64), team16(16 / 0.007)};
    expect_near_ideal("GPU wider than the job + 16 threads", specs, 2, 636, 0.05);
}

/* primes below 1e10, the 10 ms job: 636 grains, fewer than the GPU's
 * 396-wide wave plus an equal share; the GPU alone takes two rounds (7.7
 * ms), the team about 7 ms a wave of 16. */
static void a_short_primes_job_beside_a_gpu(void **state)
{
    (void)state;
    const sim_spec specs[] = {h200(3, primes_gpu), team16(primes_cpu)};
    expect_near_ideal("primes 0:1e10, H200 + 16 threads", specs, 2, 636, 0.05);
}

static void pi_4e11_beside_a_gpu(void **state)
{
    (void)state;
    const sim_spec specs[] = {h200(8, pi_gpu), team16(pi_cpu)};
    expect_near_ideal("pi 4e11, H200 + 16 threads", specs, 2, (uint64_t)ceil(4e11 / PI_GRAIN), 0.05);
}

static void reservoir_4e6_paths_beside_a_gpu(void **state)
{
    (void)state;
    const sim_spec specs[] = {h200(24, res_gpu), team16(res_cpu)};
    expect_near_ideal("reservoir 4e6 x 1e4, H200 + 16 threads", specs, 2, 62500, 0.05);
}

/* hetero-bench's rows of about one second on the GPU and the team
 * together: the job sized to one second at their summed rates. */
static void hetero_bench_one_second_rows(void **state)
{
    (void)state;
    const sim_spec pi[] = {h200(8, pi_gpu), team16(pi_cpu)};
    const sim_spec primes[] = {h200(3, primes_gpu), team16(primes_cpu)};
    const sim_spec res[] = {h200(16, res_bench_gpu), team16(res_bench_cpu)};
    expect_near_ideal("bench pi, 1 s", pi, 2, (uint64_t)(pi_gpu + pi_cpu), 0.05);
    expect_near_ideal("bench primes, 1 s", primes, 2, (uint64_t)(primes_gpu + primes_cpu), 0.05);
    expect_near_ideal("bench reservoir (1e3 steps), 1 s", res, 2, (uint64_t)(res_bench_gpu + res_bench_cpu),
                      0.05);
}

/* Rank 0's service as measured: a request costs a few microseconds of
 * probe, receive, add and send over TCP (10 us here, to be safe), a LAN's
 * round trip 50 us, a heartbeat every HET_BEAT_S. */
static const sim_service the_service = {.service_s = 10e-6, .rtt_s = 50e-6, .beat_s = 0.5};

/* n ranks with one H100-class GPU each on rank 0's counter, through its
 * service thread: the figures (printed) go into ARCHITECTURE.md. */
static sim_result ranks_with_a_gpu_each(size_t n, uint64_t width, uint64_t total)
{
    sim_spec *specs = calloc(n, sizeof *specs);
    size_t *rank_of = calloc(n, sizeof *rank_of);
    assert_non_null(specs);
    assert_non_null(rank_of);
    for (size_t i = 0; i < n; i++) {
        /* 132 compute units x 8 groups; one wave of 1,056 pi grains
         * (2^20 samples each) at 3e11 samples/s takes about 3.7 ms (a
         * narrower width stands for proportionally larger grains) */
        specs[i].width = width;
        specs[i].wave_s = 0.0037 * (1.0 + 0.2 * (double)(i % 7) / 6.0);
        specs[i].latency_s = 20e-6;
        specs[i].read_s = 20e-6;
        specs[i].depth = 2;
        rank_of[i] = i;
    }
    sim_result r = simulate_ranks(specs, n, rank_of, n, total, 0.1, &the_service);
    printf(
        "  %zu ranks x 1 GPU: makespan %.4f s, ideal %.4f s (%.3fx), utilization %.3f\n"
        "    %llu requests, %.0f a second on rank 0; service busy %.2f; grant wait mean %.0f us, max %.1f ms\n",
        n, r.makespan, r.ideal, r.makespan / r.ideal, r.utilization, (unsigned long long)r.takes,
        (double)r.takes / r.makespan, r.service_busy, 1e6 * r.wait_mean, 1e3 * r.wait_max);
    free(specs);
    free(rank_of);
    return r;
}

/* Scale: 1,000 ranks, each asking rank 0's service for its batches. */
static void a_thousand_ranks_with_a_gpu_each(void **state)
{
    (void)state;
    sim_result r = ranks_with_a_gpu_each(1000, 1056, 1ull << 29); /* 2^49 samples of pi */
    assert_true(r.makespan <= 1.05 * r.ideal);
    assert_true(r.utilization >= 0.95);
    /* one service thread, well under half busy: requests queue only at
     * the start, when every rank asks at once and again twice within the
     * next 11 ms (3,000 requests, 30 ms of service): those waits are most
     * of the mean */
    assert_true(r.service_busy < 0.5);
    assert_true(r.wait_mean < 2e-3);
}

/* 10,000 ranks: the limit.  At the start every rank asks at once, and
 * the requests then come faster than one thread serves them.  Ten seconds
 * of simulation: run when HETERO_SIM_SCALE is set (ARCHITECTURE.md's
 * figures), skipped otherwise. */
static void ten_thousand_ranks_find_the_service_limit(void **state)
{
    (void)state;
    if (!getenv("HETERO_SIM_SCALE")) {
        printf("  10,000 ranks: skipped (set HETERO_SIM_SCALE=1 to run it, about 10 s)\n");
        skip();
    }
    sim_result r = ranks_with_a_gpu_each(10000, 132, 1ull << 23);
    /* the figure is the point; the model must show the queue */
    assert_true(r.wait_max > 10 * the_service.rtt_s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_wide_gpu_beside_a_64_thread_team),
        cmocka_unit_test(a_two_thread_team_with_60_ms_grains),
        cmocka_unit_test(a_device_100_times_slower_than_the_cpu),
        cmocka_unit_test(a_cpu_device_slower_than_the_team_leaves_it_the_cores),
        cmocka_unit_test(a_cpu_device_beside_the_team_over_a_whole_job),
        cmocka_unit_test(a_device_polls_toward_its_batchs_expected_end),
        cmocka_unit_test(sixty_four_workers_of_mixed_speeds_on_one_counter),
        cmocka_unit_test(a_gpu_wider_than_the_whole_job_shares_it),
        cmocka_unit_test(a_short_primes_job_beside_a_gpu),
        cmocka_unit_test(pi_4e11_beside_a_gpu),
        cmocka_unit_test(reservoir_4e6_paths_beside_a_gpu),
        cmocka_unit_test(hetero_bench_one_second_rows),
        cmocka_unit_test(a_thousand_ranks_with_a_gpu_each),
        cmocka_unit_test(ten_thousand_ranks_find_the_service_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
