/* team.c - teams: one job's numbers sieved by consecutive grains, every
 * thread of a batch on every segment (primesieve's ParallelPrimeSieve, but
 * sharing segments rather than splitting the range).  A batch is cut into
 * streams of whole grains; each stream is a few lanes, each with its
 * share of the sieving primes crossing out its own copy of every segment,
 * the copies ANDed and counted per grain by whichever lane finishes a
 * segment last.  The stream that ends a batch stays there, so that the
 * next batch continues it without finding the sieving primes' first
 * multiples again. */
#include "sieve_internal.h"

#include <inttypes.h>
#include <omp.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clones.h"

#define SEG HET_PRIMES_SEG_BYTES
#define SEG_LOG HET_PRIMES_SEG_LOG

/* Primes in the AND of two buffers. */
HET_CLONES("popcnt", "default")
static uint64_t het__popcount_and(const uint8_t *p, const uint8_t *q, size_t n)
{
    uint64_t c = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w, v;
        memcpy(&w, p + i, 8);
        memcpy(&v, q + i, 8);
        c += (uint64_t)__builtin_popcountll(w & v);
    }
    for (; i < n; i++)
        c += (uint64_t)__builtin_popcount(p[i] & q[i]);
    return c;
}

HET_CLONES("arch=x86-64-v4", "avx2", "default")
static void het__and_into(uint8_t *restrict d, const uint8_t *restrict o, size_t n)
{
    for (size_t k = 0; k < n; k++)
        d[k] &= o[k];
}

#ifndef TEAM_RING
#define TEAM_RING 8 /* segments a lane may run ahead of the slowest */
#endif
#ifndef TEAM_MAX_LANES
#define TEAM_MAX_LANES 8 /* lanes per stream: each costs a segment fill and an AND */
#endif
#ifndef TEAM_BUCKET_BYTES
#define TEAM_BUCKET_BYTES (UINT64_C(4) << 30) /* buckets of all streams together, at most about */
#endif

/* One stream of a team: nlanes lanes on the same segments, and where the
 * stream stands. */
typedef struct het__tstream {
    het__primes_sieve **lane;
    unsigned nlanes;
    uint8_t *ring;  /* nring segment buffers per lane, lane by lane */
    unsigned nring; /* TEAM_RING, or 1 for a stream of one lane */
    int valid;      /* the lanes stand at `done` */
    uint64_t pos;   /* bytes counted so far (a grain boundary) */
    uint64_t done;  /* bytes sieved so far, pos <= done < pos + SEG */
    uint64_t carry; /* primes in [pos, done) */
    /* during a batch */
    uint64_t b0, b1, start, nseg; /* its piece [b0, b1), sieved from start on */
    int reset;
    _Atomic uint64_t free_for[TEAM_RING]; /* ring slot k holds segment free_for[k] next */
    _Atomic unsigned arrive[TEAM_RING];   /* lanes done with the segment in slot k */
} het__tstream;

struct het__primes_team {
    const het__primes_base *b;
    uint64_t S30, lo, hi, nbytes; /* the job: first wheel byte, range, bytes */
    het__tstream **st;            /* st[0] stands where the last batch ended */
    unsigned nst;
};

int het_primes_team_new(het__primes_team **out, const het__primes_base *b, uint64_t lo, uint64_t hi)
{
    het__primes_team *t = calloc(1, sizeof *t);
    if (!t)
        return hetero_fail(HETERO_E_NOMEM, "primes: out of memory for a sieve team");
    t->b = b;
    t->S30 = lo / 30;
    t->lo = lo;
    t->hi = hi;
    const uint64_t span = hi - 30 * t->S30;
    t->nbytes = lo < hi ? span / 30 + (span % 30 != 0) : 0;
    *out = t;
    return HETERO_OK;
}

static void het__tstream_free(het__tstream *ts)
{
    for (unsigned l = 0; l < ts->nlanes; l++)
        het_primes_sieve_free(ts->lane[l]);
    free(ts->lane);
    free(ts->ring);
    memset(ts, 0, sizeof *ts);
}

void het_primes_team_free(het__primes_team *t)
{
    if (!t)
        return;
    for (unsigned g = 0; g < t->nst; g++) {
        het__tstream_free(t->st[g]);
        free(t->st[g]);
    }
    free(t->st);
    free(t);
}

/* Gives stream ts nl lanes (keeping them if it has that many). */
static int het__tstream_lanes(het__tstream *ts, unsigned nl)
{
    if (ts->nlanes == nl)
        return HETERO_OK;
    het__tstream_free(ts);
    ts->nring = nl == 1 ? 1 : TEAM_RING; /* one lane needs one buffer, and keeps it in cache */
    if (!(ts->lane = calloc(nl, sizeof *ts->lane)) ||
        !(ts->ring = aligned_alloc(64, (size_t)nl * ts->nring * SEG))) {
        het__tstream_free(ts);
        return hetero_fail(HETERO_E_NOMEM, "primes: out of memory for a sieve team");
    }
    ts->nlanes = nl;
    for (unsigned l = 0; l < nl; l++) {
        int rc = het_primes_sieve_new(&ts->lane[l]);
        if (rc) {
            het__tstream_free(ts);
            return rc;
        }
    }
    return HETERO_OK;
}

/* Adds the primes of bytes [x, y) of the segment starting at byte P (of
 * the job), the AND of nl <= 2 buffers, to the counts of the grains they
 * fall in (grain 0 starting at byte c0), or to the stream's carry past its
 * piece. */
static void het__team_tally(het__tstream *ts, uint8_t *const *bufs, unsigned nl, uint64_t P, size_t x,
                            size_t y, uint64_t c0, uint64_t gbytes, uint64_t *counts)
{
    while (x < y) {
        const uint64_t at = P + x;
        size_t z = y;
        const uint64_t gend = (at / gbytes + 1) * gbytes;
        if (gend < P + z)
            z = (size_t)(gend - P);
        if (at < ts->b1 && ts->b1 < P + z)
            z = (size_t)(ts->b1 - P);
        const uint64_t c = nl == 1 ? het_sieve_popcount(bufs[0] + x, z - x)
                                   : het__popcount_and(bufs[0] + x, bufs[1] + x, z - x);
        if (at >= ts->b1) {
            ts->carry += c; /* only the piece's last segment reaches past b1 */
        } else {
#pragma omp atomic
            counts[(at - c0) / gbytes] += c;
        }
        x = z;
    }
}

/* Ends segment s (bytes [P, P + n) of the job) of stream ts: the lanes'
 * buffers of ring slot `slot` ANDed, the job's two end bytes trimmed, the
 * primes counted into their grains. */
static void het__team_combine(const het__primes_team *t, het__tstream *ts, size_t slot, uint64_t P, size_t n,
                              uint64_t c0, uint64_t gbytes, uint64_t *counts)
{
    const unsigned nl = ts->nlanes;
    uint8_t *bufs[2] = {ts->ring + slot * SEG, ts->ring + ((size_t)(nl > 1) * ts->nring + slot) * SEG};
    const uint64_t S = 30 * t->S30;
    if (P == 0)
        bufs[0][0] &= (uint8_t)het_primes_byte_mask(t->lo - S, 30);
    if (P + n == t->nbytes)
        bufs[0][n - 1] &= (uint8_t)het_primes_byte_mask(0, t->hi - S - 30 * (t->nbytes - 1));
    /* lanes 2.. ANDed into lane 0's buffer; the last two counted together */
    for (unsigned l = 2; l < nl; l++)
        het__and_into(bufs[0], ts->ring + ((size_t)l * ts->nring + slot) * SEG, n);
    het__team_tally(ts, bufs, nl < 2 ? nl : 2, P, 0, n, c0, gbytes, counts);
}

/* Lane `me` of stream ts, through the stream's piece.  The last lane to
 * finish a segment combines it and frees its ring slot for the segment
 * nring further on; a lane waits (yielding) only for a slot, so lanes run
 * up to nring segments apart, and a lane the OS holds back for a moment
 * holds the others back only when it has fallen that far behind. */
static int het__tstream_run(const het__primes_team *t, het__tstream *ts, unsigned me, uint64_t c0,
                            uint64_t gbytes, uint64_t *counts, _Atomic int *stop, const hetero_job *job)
{
    het__primes_sieve *sv = ts->lane[me];
    const unsigned nl = ts->nlanes;
    int rc = HETERO_OK;
    if (ts->reset)
        rc = het_sieve_lane_start(sv, t->b, t->S30 + ts->b0, t->hi, me, nl);
    for (uint64_t s = 0; s < ts->nseg && rc == HETERO_OK; s++) {
        const size_t slot = (size_t)(s % ts->nring);
        while (atomic_load_explicit(&ts->free_for[slot], memory_order_acquire) != s &&
               !atomic_load_explicit(stop, memory_order_relaxed))
            sched_yield();
        if (atomic_load_explicit(stop, memory_order_relaxed))
            break;
        if (job && hetero_job_abandoned(job)) {
            rc = hetero_fail(HETERO_E_INTERRUPTED, "primes: batch dropped, the run no longer needs it");
            break;
        }
        size_t n = 0;
        if ((rc = het_sieve_lane_segment(sv, ts->ring + ((size_t)me * ts->nring + slot) * SEG, &n)))
            break;
        if (atomic_fetch_add_explicit(&ts->arrive[slot], 1, memory_order_acq_rel) == nl - 1) {
            atomic_store_explicit(&ts->arrive[slot], 0, memory_order_relaxed);
            het__team_combine(t, ts, slot, ts->start + (s << SEG_LOG), n, c0, gbytes, counts);
            atomic_store_explicit(&ts->free_for[slot], s + ts->nring, memory_order_release);
        }
    }
    if (rc)
        atomic_store(stop, 1);
    return rc;
}

/* How many streams a batch of ng grains (wheel bytes [b0, b1)) on T
 * threads gets.  The batch is cut into G pieces of whole grains, each
 * sieved by one stream of about T / G lanes.  Lanes share the set-up
 * (finding every sieving prime's first multiple) but each costs a segment
 * fill and an AND per segment; separate streams cost a set-up each (all
 * but the one continuing the last batch).  So: as many streams as keep the
 * extra set-ups near 2% of the batch (a set-up ~6 ns per sieving prime, a
 * wheel byte at least ~3 ns), and no stream of more than TEAM_MAX_LANES
 * lanes, unless the streams' buckets (8 bytes a sieving prime each, 1.6 GB
 * near 2^64) would pass TEAM_BUCKET_BYTES. */
static unsigned het__team_nstreams(const het__primes_team *t, uint64_t b0, uint64_t b1, uint64_t ng,
                                   unsigned T)
{
    uint64_t G = 1 + (b1 - b0) / (40 * (t->b->count + 1));
    if (G < (T + TEAM_MAX_LANES - 1) / TEAM_MAX_LANES)
        G = (T + TEAM_MAX_LANES - 1) / TEAM_MAX_LANES;
    const uint64_t gmem = TEAM_BUCKET_BYTES / (8 * (t->b->count + 1));
    if (G > gmem)
        G = gmem ? gmem : 1;
    if (G > T)
        G = T;
    if (G > ng)
        G = ng;
    return (unsigned)G;
}

/* Gives the team G streams of T lanes in all, and stream g piece g of the
 * batch: reset, or continuing where it stands (its carry then counted). */
static int het__team_prepare(het__primes_team *t, unsigned G, unsigned T, uint64_t b0, uint64_t b1,
                             uint64_t gbytes, uint64_t *counts)
{
    const uint64_t ng = (b1 - b0 - 1) / gbytes + 1;
    if (G > t->nst) {
        het__tstream **st = realloc(t->st, G * sizeof *st);
        if (!st)
            return hetero_fail(HETERO_E_NOMEM, "primes: out of memory for a sieve team");
        t->st = st;
        for (; t->nst < G; t->nst++)
            if (!(st[t->nst] = calloc(1, sizeof **st)))
                return hetero_fail(HETERO_E_NOMEM, "primes: out of memory for a sieve team");
    }
    for (unsigned g = 0; g < G; g++) {
        het__tstream *ts = t->st[g];
        const unsigned nl = T / G + (g < T % G);
        if (ts->nlanes != nl)
            ts->valid = 0;
        int rc = het__tstream_lanes(ts, nl);
        if (rc)
            return rc;
        /* piece g: grains [g ng / G, (g + 1) ng / G) of the batch */
        ts->b0 = b0 + g * ng / G * gbytes;
        ts->b1 = g + 1 == G ? b1 : b0 + (g + 1) * ng / G * gbytes;
        ts->reset = !ts->valid || ts->pos != ts->b0;
        ts->valid = 0;
        if (ts->reset) {
            ts->start = ts->b0;
            ts->carry = 0;
        } else {
            counts[(ts->b0 - b0) / gbytes] += ts->carry;
            ts->carry = 0;
            ts->start = ts->done;
        }
        /* segments from start until one reaches b1 */
        ts->nseg = ts->b1 > ts->start ? (ts->b1 - ts->start + SEG - 1) >> SEG_LOG : 0;
        for (unsigned k = 0; k < TEAM_RING; k++) {
            atomic_init(&ts->free_for[k], k);
            atomic_init(&ts->arrive[k], 0);
        }
    }
    return HETERO_OK;
}

/* Runs the prepared streams, thread by thread: the first error stops every
 * lane, and its message is the one the caller sees. */
static int het__team_run(const het__primes_team *t, unsigned T, uint64_t b0, uint64_t gbytes,
                         uint64_t *counts, const hetero_job *job)
{
    _Atomic int stop = 0;
    int err = HETERO_OK;
    char msg[1024] = "";
#pragma omp parallel num_threads(T)
    {
        /* thread -> (stream, lane): streams take T / G threads, the first
         * T % G one more */
        unsigned me = (unsigned)omp_get_thread_num(), g = 0;
        while (me >= t->st[g]->nlanes) {
            me -= t->st[g]->nlanes;
            g++;
        }
        int rc = het__tstream_run(t, t->st[g], me, b0, gbytes, counts, &stop, job);
        if (rc) {
#pragma omp critical(het__primes_team_err)
            if (!err) {
                err = rc;
                snprintf(msg, sizeof msg, "%s", hetero_errmsg());
            }
        }
    }
    if (err)
        het_errmsg_set(msg);
    return err;
}

int het_primes_team_count(het__primes_team *t, uint64_t b0, uint64_t b1, uint64_t gbytes, uint64_t *counts,
                          int nthreads, const hetero_job *job)
{
    if (b0 % gbytes || b1 > t->nbytes || b0 > b1 || gbytes < SEG)
        return hetero_fail(HETERO_E_INTERNAL, "primes: bad team batch [%" PRIu64 ", %" PRIu64 ")", b0, b1);
    const uint64_t ng = b1 > b0 ? (b1 - b0 - 1) / gbytes + 1 : 0;
    for (uint64_t g = 0; g < ng; g++)
        counts[g] = 0;
    if (ng == 0)
        return HETERO_OK;
    const unsigned T = nthreads < 1 ? 1 : (unsigned)nthreads;
    const unsigned G = het__team_nstreams(t, b0, b1, ng, T);
    int rc = het__team_prepare(t, G, T, b0, b1, gbytes, counts);
    if (rc == HETERO_OK)
        rc = het__team_run(t, T, b0, gbytes, counts, job);
    if (rc)
        return rc;
    if (b0 == 0) { /* 2, 3 and 5, outside the wheel, are in byte 0 */
        uint64_t tiny[3];
        counts[0] += het_primes_tiny(t->lo, t->hi, tiny);
    }
    for (unsigned g = 0; g < G; g++) {
        het__tstream *ts = t->st[g];
        ts->pos = ts->b1;
        if (ts->nseg)
            ts->done = ts->start + (ts->nseg << SEG_LOG) < t->nbytes ? ts->start + (ts->nseg << SEG_LOG)
                                                                     : t->nbytes;
        ts->valid = 1;
    }
    /* the stream that ended at b1 goes first: the next batch may continue it */
    het__tstream *last = t->st[G - 1];
    t->st[G - 1] = t->st[0];
    t->st[0] = last;
    return HETERO_OK;
}
