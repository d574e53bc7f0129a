/* The scheduling policy (host/lib/schedule.c), driven in virtual time by
 * simulated workers, keeps every worker busy and ends the job close to the
 * ideal time: wide GPUs beside CPU teams, slow grains, a device far slower
 * than the CPU, many workers of mixed speeds on one counter.
 *
 * The simulation makes the engine's decisions with the engine's functions
 * (het_sched_decide, _push, _pop, _measure) and nothing else: a worker
 * asks what to do whenever it has room for a batch; a device runs its
 * batches one after another, each taking whole waves of its width plus a
 * launch latency, with jitter; the first copy of a grain wins; the job
 * ends when every grain has a result (copies still running are
 * abandoned, as in the engine).  No sleeping: time is a number.
 *
 * Utilization: the time workers spent on grains whose result was used,
 * over the time they were available (workers x makespan).  Ideal makespan:
 * all grains at the summed throughput of every worker.
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

typedef struct sim_spec {
    uint64_t width;
    double wave_s;     /* one wave of `width` grains */
    double latency_s;  /* per batch, before it runs */
    int depth;         /* batches kept in flight: 2 for a device, 1 for a team */
    int team;          /* an OpenMP team */
    int on_team_cores; /* a CPU device beside the team */
    int prior;         /* its rate known before the first batch (a model
                          kept by an earlier run, host/lib/rates.c) */
} sim_spec;

typedef struct sim_batch {
    uint64_t g0, n;
    int copy;
    double t_enq, t_begin, t_end;
} sim_batch;

typedef struct sim_worker {
    sim_spec spec;
    sim_batch q[HET_SCHED_MAX_FLIGHT];
    int nq;
    double free_at; /* when the device finishes what it has queued */
    double t_prev_done;
    double useful_s; /* time spent on grains whose result was used */
} sim_worker;

typedef struct sim_result {
    double makespan, ideal, utilization;
    uint64_t copies;
    uint64_t takes; /* requests for grains on the counter */
    /* with a service model: the grants' waits (round trip included) and
     * the share of the time rank 0's service thread was busy */
    double wait_mean, wait_max, service_busy;
} sim_result;

/* Rank 0's service thread (host/lib/par.c) as a single FIFO server: a
 * request from another rank reaches it half a round trip later, waits for
 * the requests before it, takes service_s, and its grant travels half a
 * round trip back; the batch starts that much later.  Heartbeats (two a
 * second from every rank) take their share of the server's time. */
typedef struct sim_service {
    double service_s; /* one request: probe, receive, add, send */
    double rtt_s;     /* the network's round trip */
    double beat_s;    /* each rank's heartbeat period */
} sim_service;

static uint64_t rng = 88172645463325252ull;
static double uniform(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) * 0x1.0p-53;
}

static void sim_enqueue(sim_worker *sw, uint64_t g0, uint64_t n, int copy, double now, double jitter,
                        double delay)
{
    sim_batch *b = &sw->q[sw->nq++];
    b->g0 = g0;
    b->n = n;
    b->copy = copy;
    b->t_enq = now;
    uint64_t waves = (n + sw->spec.width - 1) / sw->spec.width;
    double run = (double)waves * sw->spec.wave_s * (1.0 + jitter * (2.0 * uniform() - 1.0));
    b->t_begin = (now + delay > sw->free_at ? now + delay : sw->free_at) + sw->spec.latency_s;
    b->t_end = b->t_begin + run;
    sw->free_at = b->t_end;
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
    het_sched *s = calloc(nranks, sizeof *s);
    size_t *local = calloc(nw, sizeof *local); /* worker's index in its rank */
    size_t *first = calloc(nranks + 1, sizeof *first);
    sim_worker *w = calloc(nw, sizeof *w);
    unsigned char *done = calloc(total, 1);
    unsigned char *asks = calloc(nw, 1); /* has room and may get work */
    assert_non_null(s);
    assert_non_null(local);
    assert_non_null(w);
    assert_non_null(done);
    assert_non_null(asks);
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
        het_sched *rs = &s[rank_of ? rank_of[i] : 0];
        local[i] = rs->nw++;
        w[i].spec = specs[i];
        rs->w[local[i]].width = specs[i].width;
        rs->w[local[i]].max_batch = total;
        rs->w[local[i]].team = specs[i].team;
        rs->w[local[i]].on_team_cores = specs[i].on_team_cores;
        rs->w[local[i]].taking = 1; /* as het_engine_run sets it before the start */
        if (specs[i].prior) {       /* as worker.c's rate prior sets it */
            rs->w[local[i]].rate = (double)specs[i].width / specs[i].wave_s;
            rs->w[local[i]].rate_grains = (double)specs[i].width;
            rs->w[local[i]].rate_time = specs[i].wave_s;
        }
        asks[i] = 1;
    }
    uint64_t counter = 0, n_done = 0, copies = 0, takes = 0;
    double now = 0;
    for (long steps = 0; n_done < total; steps++) {
        assert_true(steps < 100000000);
        for (size_t i = 0; i < nw; i++) {
            if (!asks[i])
                continue;
            het_sched *rs = &s[rank_of ? rank_of[i] : 0];
            size_t me = local[i];
            for (;;) {
                if (w[i].nq >= w[i].spec.depth) {
                    asks[i] = 0;
                    break;
                }
                uint64_t n = 0;
                size_t o = 0, k = 0;
                rs->elapsed = now;
                int act = het_sched_decide(rs, me, now, &n, &o, &k);
                if (act == HET_SCHED_TAKE) {
                    uint64_t g0 = counter;
                    counter += n;
                    takes++;
                    double delay = 0;
                    if (svc && (rank_of ? rank_of[i] : 0) != 0) {
                        double arrive = now + svc->rtt_s / 2;
                        double start = arrive > server_free ? arrive : server_free;
                        server_free = start + per_request;
                        busy += per_request;
                        delay = server_free + svc->rtt_s / 2 - now;
                        wait_sum += delay;
                        if (delay > wait_max)
                            wait_max = delay;
                        remote++;
                    }
                    rs->claimed = counter; /* what this rank's take saw */
                    if (g0 >= total) {
                        rs->exhausted = 1;
                        continue;
                    }
                    if (n > total - g0)
                        n = total - g0;
                    het_sched_push(rs, me, g0, n, 0, now);
                    sim_enqueue(&w[i], g0, n, 0, now, jitter, delay);
                } else if (act == HET_SCHED_COPY) {
                    const het_sched_flight *f = &rs->w[o].flight[k];
                    het_sched_push(rs, me, f->g0, f->n, 1, now);
                    sim_enqueue(&w[i], f->g0, f->n, 1, now, jitter, 0);
                    copies += f->n;
                } else {
                    break; /* waits: asks again after the next event */
                }
            }
        }
        /* the next batch to finish */
        size_t next = nw;
        for (size_t i = 0; i < nw; i++)
            if (w[i].nq && (next == nw || w[i].q[0].t_end < w[next].q[0].t_end))
                next = i;
        assert_true(next < nw); /* somebody always has work until the end */
        sim_worker *sw = &w[next];
        sim_batch b = sw->q[0];
        memmove(sw->q, sw->q + 1, (size_t)(sw->nq - 1) * sizeof *sw->q);
        sw->nq--;
        now = b.t_end;
        uint64_t won = 0;
        for (uint64_t g = b.g0; g < b.g0 + b.n; g++)
            if (!done[g]) {
                done[g] = 1;
                won++;
            }
        n_done += won;
        sw->useful_s += (b.t_end - b.t_begin) * (double)won / (double)b.n;
        double start = b.t_enq > sw->t_prev_done ? b.t_enq : sw->t_prev_done;
        sw->t_prev_done = now;
        het_sched *rs = &s[rank_of ? rank_of[next] : 0];
        het_sched_pop(rs, local[next], b.g0);
        het_sched_measure(&rs->w[local[next]], b.n, now - start);
        /* a finished batch changes what everyone of its rank may decide,
         * and the counter's pace what every rank may */
        for (size_t i = 0; i < nw; i++)
            if (w[i].nq < w[i].spec.depth)
                asks[i] = 1;
    }
    sim_result r = {.makespan = now, .copies = copies, .takes = takes};
    if (svc) {
        r.wait_mean = remote ? wait_sum / (double)remote : 0;
        r.wait_max = wait_max;
        /* requests plus heartbeats over the run */
        r.service_busy =
            ((double)remote * svc->service_s + (double)nranks / svc->beat_s * svc->service_s * now) / now;
    }
    double throughput = 0, useful = 0;
    for (size_t i = 0; i < nw; i++) {
        throughput += (double)specs[i].width / specs[i].wave_s;
        useful += w[i].useful_s;
    }
    r.ideal = (double)total / throughput;
    r.utilization = useful / ((double)nw * r.makespan);
    for (size_t r2 = 0; r2 < nranks; r2++)
        free(s[r2].w);
    free(s);
    free(local);
    free(first);
    free(w);
    free(done);
    free(asks);
    return r;
}

static sim_result simulate(const sim_spec *specs, size_t nw, uint64_t total, double jitter)
{
    return simulate_ranks(specs, nw, NULL, 1, total, jitter, NULL);
}

static void expect_efficient(const char *what, const sim_spec *specs, size_t nw, uint64_t total)
{
    sim_result r = simulate(specs, nw, total, 0.1);
    printf("  %-44s makespan %8.4f s, ideal %8.4f s (%.3fx), utilization %.3f, copied grains %llu\n", what,
           r.makespan, r.ideal, r.makespan / r.ideal, r.utilization, (unsigned long long)r.copies);
    assert_true(r.makespan <= 1.05 * r.ideal);
    assert_true(r.utilization >= 0.95);
}

static void a_wide_gpu_beside_a_64_thread_team(void **state)
{
    (void)state;
    const sim_spec specs[] = {
        {.width = 10000, .wave_s = 0.004, .latency_s = 20e-6, .depth = 2},
        {.width = 64, .wave_s = 0.010, .latency_s = 5e-6, .depth = 1},
    };
    expect_efficient("10,000-wide GPU + 64-thread team", specs, 2, 20000000);
}

static void a_two_thread_team_with_60_ms_grains(void **state)
{
    (void)state;
    const sim_spec specs[] = {{.width = 2, .wave_s = 0.060, .latency_s = 5e-6, .depth = 1}};
    expect_efficient("2-thread team, 60 ms grains", specs, 1, 400);
}

static void a_device_100_times_slower_than_the_cpu(void **state)
{
    (void)state;
    const sim_spec specs[] = {
        {.width = 2, .wave_s = 0.010, .latency_s = 5e-6, .depth = 1},
        {.width = 2, .wave_s = 1.000, .latency_s = 50e-6, .depth = 2},
    };
    expect_efficient("CPU + a device 100x slower", specs, 2, 5000);
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

/* The same rule over a whole job: a CPU device 8 times slower than the team
 * leaves the job to it once measured (every grain still computed, the end
 * no later than the team's alone); one twice as fast takes most of it. */
static void a_cpu_device_beside_the_team_over_a_whole_job(void **state)
{
    (void)state;
    const sim_spec team = {.width = 2, .wave_s = 0.010, .latency_s = 5e-6, .depth = 1, .team = 1};
    const sim_spec slow = {.width = 2, .wave_s = 0.080, .latency_s = 50e-6, .depth = 2, .on_team_cores = 1};
    const sim_spec fast = {.width = 2, .wave_s = 0.005, .latency_s = 50e-6, .depth = 2, .on_team_cores = 1};
    sim_result alone = simulate(&team, 1, 5000, 0.1);
    const sim_spec with_slow[] = {team, slow}, with_fast[] = {team, fast};
    sim_result s1 = simulate(with_slow, 2, 5000, 0.1);
    sim_result s2 = simulate(with_fast, 2, 5000, 0.1);
    printf("  %-44s team alone %.3f s, with a slower CPU device %.3f s, with a faster one %.3f s\n",
           "CPU device on the team's cores", alone.makespan, s1.makespan, s2.makespan);
    assert_true(s1.makespan <= 1.05 * alone.makespan);
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
    }
    expect_efficient("64 workers of mixed speeds", specs, 64, 400000);
}

static void a_gpu_wider_than_the_whole_job_shares_it(void **state)
{
    (void)state;
    /* fewer grains than the GPU's width: the team still gets its part */
    const sim_spec specs[] = {
        {.width = 1056, .wave_s = 0.40, .latency_s = 20e-6, .depth = 2},
        {.width = 16, .wave_s = 0.007, .latency_s = 5e-6, .depth = 1},
    };
    sim_result r = simulate(specs, 2, 636, 0.1);
    printf("  %-44s makespan %8.4f s, ideal %8.4f s (%.3fx)\n", "GPU wider than the job + 16 threads",
           r.makespan, r.ideal, r.makespan / r.ideal);
    /* the GPU alone would take one 0.4 s wave */
    assert_true(r.makespan < 0.4);
    /* With both rates kept by an earlier run, the GPU's one wave (0.4 s)
     * would end after the team has done everything (0.28 s): it declines
     * from the start, and the job ends as the team alone would.  (No
     * schedule does better: any batch on the GPU costs a whole wave.) */
    sim_spec known[2] = {specs[0], specs[1]};
    known[0].prior = known[1].prior = 1;
    sim_result team = simulate(&specs[1], 1, 636, 0.1);
    sim_result k = simulate(known, 2, 636, 0.1);
    printf("  %-44s makespan %8.4f s, team alone %8.4f s\n", "  the same, rates known", k.makespan,
           team.makespan);
    assert_true(k.makespan <= 1.05 * team.makespan);
}

/* primes below 1e10 on an H200-class GPU beside 16 threads (the rates of
 * the one GPU measurement): 636 grains, fewer than the GPU's 396-wide wave
 * plus an equal share; the GPU alone takes two waves (8.5 ms), the team
 * about 7 ms a wave of 16.  A narrow batch counts as one wave, so the
 * GPU's first batch measures it and the team does not hold the end. */
static void a_short_primes_job_beside_a_gpu(void **state)
{
    (void)state;
    const sim_spec gpu = {.width = 396, .wave_s = 0.0040, .latency_s = 250e-6, .depth = 2};
    const sim_spec team = {.width = 16, .wave_s = 0.0070, .latency_s = 5e-6, .depth = 1, .team = 1};
    const sim_spec both[] = {gpu, team};
    sim_result alone = simulate(&gpu, 1, 636, 0.05);
    sim_result r = simulate(both, 2, 636, 0.05);
    printf("  %-44s makespan %8.4f s, GPU alone %8.4f s, ideal %8.4f s (%.3fx)\n",
           "primes 1e10 on a GPU + 16 threads", r.makespan, alone.makespan, r.ideal, r.makespan / r.ideal);
    assert_true(r.makespan <= 1.05 * alone.makespan);
    /* rates known from an earlier run: sized by them from the first batch */
    sim_spec known[2] = {gpu, team};
    known[0].prior = known[1].prior = 1;
    sim_result k = simulate(known, 2, 636, 0.05);
    printf("  %-44s makespan %8.4f s\n", "  the same, rates known", k.makespan);
    assert_true(k.makespan <= 1.05 * alone.makespan);
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
    /* one service thread, well under half busy: requests never queue long */
    assert_true(r.service_busy < 0.5);
    assert_true(r.wait_mean < 1e-3);
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
        cmocka_unit_test(sixty_four_workers_of_mixed_speeds_on_one_counter),
        cmocka_unit_test(a_gpu_wider_than_the_whole_job_shares_it),
        cmocka_unit_test(a_short_primes_job_beside_a_gpu),
        cmocka_unit_test(a_thousand_ranks_with_a_gpu_each),
        cmocka_unit_test(ten_thousand_ranks_find_the_service_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
