/* primes_sieve.h - the CPU segmented sieve behind the primes workload: its
 * face (what the workload's files and the tests call) and its design.  Its files,
 * one per job after primesieve's split, are mapped in sieve_internal.h.
 *
 * Layout: the mod-30 wheel of primes_common.h (one byte = 30
 * numbers, 8 bits for the residues coprime to 30).  A stream of numbers
 * is sieved in segments of HET_PRIMES_SEG_BYTES wheel bytes (half of a
 * Zen 4 L2), by one or more lanes, each with its share of the sieving
 * primes (every lane-th small and medium prime, every lane-th word of the
 * bitmap of the large ones) and its own copy of the segment; the copies
 * are ANDed.  In a lane, each segment
 *   1. is filled, in 32 KiB L1 blocks, by AND-ing the CPU's 15 pre-sieve
 *      tables (primes 7..163) (lane 0; the others start from ones)
 *      (presieve.c);
 *   2. small primes (below 6144) cross out their multiples in the same L1
 *      block, 8 per turn of the wheel, the bit masks fixed per residue
 *      class (the primes are kept grouped by class) (erat_small.c);
 *   3. medium primes below 2^15 do the same over the whole segment
 *      (erat_small.c); those up to 2^20 step from multiple to multiple, in
 *      lists by the wheel index they stopped at (a predicted jump into the
 *      unrolled wheel) (erat_medium.c);
 *   4. larger primes hit a segment at most a few times; they live in a
 *      bucket sieve (erat_big.c, its wheel in wheel.c): each sits, as one
 *      8-byte entry, in the list of the segment where its next multiple
 *      falls, in a ring of lists that spans the largest prime's stride,
 *      steps a mod-210 wheel one multiple per visit and is moved on.  A prime enters the ring when its first
 *      multiple (p^2, or the first one past the stream's start) comes
 *      within reach; those with p^2 below the start enter at once, in
 *      branch-free batches (first multiples on the vector units).
 * The counting is a popcount of the finished segment.  The sieving
 * primes themselves come from a base (base.c), and a team (team.c) runs
 * lanes side by side.
 *
 * Cost and memory: per stream, finding the first multiple of every
 * sieving prime (~5 ns each near 2^64, where there are 203 million) and 8
 * bytes per bucket prime with a multiple left in the stream (near 2^64, up
 * to 1.6 GB, shared by the lanes).  A team (below) keeps its stream
 * between batches, so a job pays the set-up once, not once per grain.
 */
#ifndef HET_PRIMES_SIEVE_H
#define HET_PRIMES_SIEVE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#ifndef HET_PRIMES_SEG_LOG
#define HET_PRIMES_SEG_LOG 19
#endif
#define HET_PRIMES_SEG_BYTES (1u << HET_PRIMES_SEG_LOG)

/* What every sieve of a job shares, read-only once built. */
typedef struct het__primes_base {
    uint8_t *bits;      /* wheel bitmap of the primes 7..limit: byte k covers
                         30k..30k+29; bits above limit are clear;
                         allocated to a multiple of 8 bytes, zero-padded */
    uint64_t nbytes;    /* bytes in bits (limit / 30 + 1) */
    uint64_t limit;     /* every prime <= limit is in bits */
    uint64_t count;     /* number of primes in bits (7 <= p <= limit) */
    const uint8_t *pre; /* pre-sieve tables (het_primes_pre_tables()) */
} het__primes_base;

/* The pre-sieve tables, HET_PRIMES_PRE_BYTES bytes: program constants,
 * built on first use (thread-safe) and kept for the life of the process.
 * NULL if that allocation failed. */
const uint8_t *het_primes_pre_tables(void);

/* Builds the sieving primes up to limit (at most 2^32 - 1, enough for any
 * hi <= 2^64 - 1) and the pre-sieve tables, with up to nthreads OpenMP
 * threads (0: the OpenMP default).  Deterministic.  Near 2^32 it takes
 * ~143 MB and about a second per thread-second of a full sieve of 4.3e9.
 * On failure b is left freed. */
int het_primes_base_init(het__primes_base *b, uint64_t limit, int nthreads);
void het_primes_base_free(het__primes_base *b);

/* One stream of the sieve (a lane): its sieving primes' state and
 * buckets, and for het_primes_sieve_range a segment.  One per thread;
 * reused across ranges. */
typedef struct het__primes_sieve het__primes_sieve;
int het_primes_sieve_new(het__primes_sieve **out);
void het_primes_sieve_free(het__primes_sieve *sv);

/* Called once per finished segment, in ascending order: bits[k] (k <
 * nbytes) holds the primes among first + 30k .. first + 30k + 29 (first a
 * multiple of 30), already trimmed to [lo, hi).  2, 3 and 5 are never in
 * it.  Returning nonzero stops the sieve with that code. */
typedef int (*het__primes_visit)(void *arg, uint64_t first, const uint8_t *bits, size_t nbytes);

/* Counts the primes p with lo <= p < hi (2, 3 and 5 included) into *count
 * and, if visit is not NULL, hands every segment to it.  Needs
 * b->limit >= isqrt(hi - 1).  Any 0 <= lo <= hi <= 2^64 - 1. */
int het_primes_sieve_range(het__primes_sieve *sv, const het__primes_base *b, uint64_t lo, uint64_t hi,
                           het__primes_visit visit, void *arg, uint64_t *count);

/* A team: the sieve of one job's numbers [lo, hi) by consecutive grains,
 * every thread of a batch on every segment (each with its share of the
 * sieving primes, the shares ANDed), kept positioned between batches so
 * that a batch starting where the last one ended costs no set-up.  One
 * caller at a time. */
typedef struct het__primes_team het__primes_team;
int het_primes_team_new(het__primes_team **out, const het__primes_base *b, uint64_t lo, uint64_t hi);
void het_primes_team_free(het__primes_team *t);

/* Counts the primes of the job's wheel bytes [b0, b1) (from lo rounded
 * down to a multiple of 30), grain by grain: counts[g] gets the primes of
 * bytes [b0 + g * gbytes, b0 + (g + 1) * gbytes) (clipped to b1 and to
 * [lo, hi)).  b0 is a multiple of gbytes, gbytes >= HET_PRIMES_SEG_BYTES.
 * nthreads OpenMP threads share every segment.  With job not NULL, the
 * lanes stop between segments once hetero_job_abandoned(job) (a grain can
 * hold trillions of numbers): HETERO_E_INTERRUPTED, counts unfinished. */
int het_primes_team_count(het__primes_team *t, uint64_t b0, uint64_t b1, uint64_t gbytes, uint64_t *counts,
                          int nthreads, const hetero_job *job);

/* Checks the CPU sieve's own tables (its pre-sieve tables, the first
 * bytes of the number line, the mod-210 wheel) against their definitions;
 * HETERO_E_INTERNAL naming the first wrong entry.  For the tests. */
int het_primes_check_tables(void);

/* floor(sqrt(n)), exact for every 64-bit n. */
uint64_t het_primes_isqrt(uint64_t n);

/* The primes 2, 3, 5 that lie in [lo, hi), ascending, into out; returns
 * how many. */
unsigned het_primes_tiny(uint64_t lo, uint64_t hi, uint64_t out[3]);

/* Writes the primes of one segment (as handed to a visitor), ascending,
 * into out; returns how many (at most 8 * nbytes). */
size_t het_primes_decode(uint64_t first, const uint8_t *bits, size_t nbytes, uint64_t *out);

#endif
