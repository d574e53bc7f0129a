/* sieve_internal.h - what the files of the CPU sieve share, and nothing
 * else includes: the tiers' bounds, a lane's state, the bucket sieve's
 * entries and blocks, the walk over a bitmap of primes, the mod-210 wheel
 * tables, and the functions each file offers the others.  primes_sieve.h
 * is the sieve's public face and describes the design.
 *
 * The files, after primesieve's split (PreSieve, EratSmall, EratMedium,
 * EratBig):
 *   primes_sieve.c  the driver: a lane's start and its segments, the range
 *                   sieve, the tables' checks, small helpers;
 *   presieve.c      the pre-sieve tables (the CPU's, 7..163, and the
 *                   kernel's, 7..43), and filling a segment from them;
 *   erat_small.c    primes with many multiples per segment, by wheel turns
 *                   (the small tier in L1 blocks, the first medium tier
 *                   over the segment);
 *   erat_medium.c   primes with a few multiples per segment, step by step;
 *   erat_big.c      primes with fewer than one: the bucket sieve;
 *   wheel.c         the mod-210 wheel tables of the bucket sieve;
 *   base.c          the sieving primes every sieve of a job reads, and the
 *                   walk over them;
 *   team.c          teams: streams of lanes sharing every segment.
 *
 * Hot paths that cross files are static inline here; the calls between
 * files are once per segment or per L1 block.
 */
#ifndef HET_SIEVE_INTERNAL_H
#define HET_SIEVE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "primes_common.h"
#include "primes_sieve.h"

/* ---- the tiers ----------------------------------------------------------- */

/* The four tiers of sieving primes (see primes_sieve.h): small (wheel turns
 * in L1 blocks), medium by turns, medium step by step, buckets. */
#ifndef HET_SIEVE_CHUNK_LOG
#define HET_SIEVE_CHUNK_LOG 15 /* the small tier's L1 block: 32 KiB */
#endif
#define HET_SIEVE_CHUNK (1u << HET_SIEVE_CHUNK_LOG)
#ifndef HET_SIEVE_SMALL_MAX
#define HET_SIEVE_SMALL_MAX 6144u /* primes below this: small tier */
#endif
#ifndef HET_SIEVE_MT_MAX
#define HET_SIEVE_MT_MAX 32768u /* primes below this: medium tier by wheel turns */
#endif
#ifndef HET_SIEVE_MED_MAX
/* primes below this: medium tier step by step; the rest: buckets */
#define HET_SIEVE_MED_MAX (2u << HET_PRIMES_SEG_LOG)
#endif
/* The first prime the lanes sieve with: 7..163 are pre-sieved. */
#define HET_SIEVE_FIRST_SIEVED 167u

/* Bucket primes are >= HET_SIEVE_MED_MAX; their first multiple is found
 * from a double quotient that is only exact enough (error < 1) for p >=
 * 2^14. */
_Static_assert(HET_SIEVE_MED_MAX >= (1u << 14), "bucket primes must be >= 2^14");
/* A grain holds at least one segment, so the primes counted past the end
 * of a batch (the rest of its last segment) belong to the next grain. */
_Static_assert(HET_PRIMES_MIN_GRAIN_BYTES >= HET_PRIMES_SEG_BYTES, "a grain must hold a whole segment");
_Static_assert(HET_PRIMES_SEG_BYTES % HET_SIEVE_CHUNK == 0, "segments are whole L1 blocks");
/* A bucket entry's pj holds a byte of the segment and a 9-bit wheel state;
 * a step (a * 10 + 10 bytes, a < 2^28) stays below 2^32 from any byte. */
_Static_assert(HET_PRIMES_SEG_LOG + 9 <= 32 && HET_PRIMES_SEG_LOG <= 29,
               "bucket entries hold a segment byte in 32 bits");

/* ---- the entries of each tier ------------------------------------------- */

/* A small or medium sieving prime: its wheel position, carried from block
 * to block.  q is the byte (relative to the current block) of p*30b for
 * the current turn b of the wheel, j the next multiplier index of that
 * turn still to be crossed out. */
typedef struct het_sieve_small {
    uint32_t p;
    uint32_t j;
    int64_t q;
} het_sieve_small;

/* A medium prime p = 30a + R[i] stepped one multiple at a time: pos is the
 * byte of its next multiple (relative to the next segment), whose wheel
 * index (and class) is that of the list holding it. */
typedef struct het_sieve_mentry {
    int64_t pos;
    uint32_t a;
    uint32_t unused;
} het_sieve_mentry;

/* A bucket prime p = 30a + R[i]: ap = a; pj = (byte within its segment)
 * << 9 | w, its wheel state (see het_sieve_wstep). */
typedef struct het_sieve_bentry {
    uint32_t ap;
    uint32_t pj;
} het_sieve_bentry;

/* Bucket blocks: HET_SIEVE_BLK bytes, aligned to HET_SIEVE_BLK, so that
 * the entry pointer alone tells when a block is full.  Entry 0 holds the
 * link to the next (older, full) block of the same list. */
#define HET_SIEVE_BLK_LOG 13
#define HET_SIEVE_BLK (1u << HET_SIEVE_BLK_LOG)
#define HET_SIEVE_BLK_ENTRIES (HET_SIEVE_BLK / sizeof(het_sieve_bentry))

typedef union het_sieve_bblock {
    union het_sieve_bblock *next;
    het_sieve_bentry e[HET_SIEVE_BLK_ENTRIES];
} het_sieve_bblock;

static inline het_sieve_bblock *het_sieve_block_of(const het_sieve_bentry *top)
{
    /* top points past the last entry written, never at a block's start */
    return (het_sieve_bblock *)(((uintptr_t)top - 1) & ~(uintptr_t)(HET_SIEVE_BLK - 1));
}

/* ---- walking a bitmap of primes ---------------------------------------- */

/* Walks the primes of a base bitmap in ascending order, 64 bits (8 wheel
 * bytes) at a time, taking every stride-th word only (one lane's share of
 * the bucket primes). */
typedef struct het_sieve_cursor {
    const uint8_t *bits;
    uint64_t nwords, wi, stride;
    uint64_t v; /* primes of word wi not yet taken */
    uint64_t p; /* current prime, 0 when exhausted */
    uint64_t a; /* p = 30 a + R[i] */
    unsigned i;
} het_sieve_cursor;

static inline uint64_t het_sieve_word(const uint8_t *bits, uint64_t wi)
{
    uint64_t w;
    memcpy(&w, bits + 8 * wi, 8); /* the wheel bytes in order, little end first */
    return w;
}

static inline void het_sieve_cursor_next(het_sieve_cursor *c)
{
    while (!c->v) {
        c->wi += c->stride;
        if (c->wi >= c->nwords) {
            c->p = 0;
            return;
        }
        c->v = het_sieve_word(c->bits, c->wi);
    }
    const unsigned t = (unsigned)__builtin_ctzll(c->v);
    c->a = 8 * c->wi + (t >> 3);
    c->i = t & 7;
    c->p = 30 * c->a + HET_PRIMES_RES[t & 7];
    c->v &= c->v - 1;
}

/* The first prime >= from in words wi = first (mod stride), from the
 * first such word at or after the word of from (base.c). */
void het_sieve_cursor_init(het_sieve_cursor *c, const het__primes_base *b, uint64_t from, uint64_t first,
                           uint64_t stride);

/* ---- a lane --------------------------------------------------------------- */

/* One lane of a sieve: a stream of segments over [origin, origin + end)
 * (wheel bytes, absolute), crossing out the multiples of its share of the
 * sieving primes. */
struct het__primes_sieve {
    uint8_t *buf; /* het_primes_sieve_range's segment (a team has its own) */
    /* the stream */
    const het__primes_base *b;
    uint64_t origin;  /* absolute wheel byte of segment 0 */
    uint64_t end;     /* bytes in the stream */
    uint64_t S, span; /* origin * 30; numbers from S to the end */
    uint64_t r;       /* largest sieving prime the stream needs */
    uint64_t k;       /* next segment to sieve */
    unsigned lane, nlanes;
    /* small (L1 blocks) and medium (whole segment) primes, by class
     * (erat_small.c) */
    het_sieve_small *pr[2][8];
    size_t npr[2][8], cappr[2][8];
    /* medium primes stepped one multiple at a time, in lists by class and
     * wheel index (64 lists, double-buffered: ms[mcur] is being read)
     * (erat_medium.c) */
    het_sieve_mentry *ms[2][64];
    size_t nms[2][64], capms[2][64];
    unsigned mcur;
    /* bucket primes: a ring of lists, one per segment, each list's
     * newest block being written at top[slot] (erat_big.c) */
    het_sieve_bentry **top;
    size_t ring_cap, mask;
    het_sieve_cursor cur; /* the next bucket prime not in the ring */
    int cur_done;
    /* block pool */
    het_sieve_bblock *free;
    void **chunks;
    size_t nchunks, capchunks;
};

/* The first multiple p*m >= max(p^2, S) of a small or medium prime p, m
 * coprime to 30: *q gets the byte (relative to the stream's origin) of
 * p*30*floor(m/30); returns m's wheel index j. */
static inline unsigned het_sieve_first_multiple(const het__primes_sieve *sv, uint64_t p, int64_t *q)
{
    uint64_t m0 = sv->S / p;
    if (m0 * p < sv->S)
        m0++;
    if (m0 < p)
        m0 = p;
    *q = (int64_t)(p * (m0 / 30) - sv->origin);
    return HET_PRIMES_WHEEL_NEXT[m0 % 30];
}

/* Starts lane `lane` of `nlanes` on the stream of the numbers [S, hi) with
 * S = 30 * origin (primes_sieve.c). */
int het_sieve_lane_start(het__primes_sieve *sv, const het__primes_base *b, uint64_t origin, uint64_t hi,
                         unsigned lane, unsigned nlanes);
/* Sieves the lane's next segment into seg; *n_out: its length in bytes
 * (primes_sieve.c). */
int het_sieve_lane_segment(het__primes_sieve *sv, uint8_t *seg, size_t *n_out);
/* Builds (once) the tables every lane reads: the wheel's and the
 * pre-sieve's; HETERO_E_NOMEM if they could not be (primes_sieve.c). */
int het_sieve_tables(void);
/* The set bits of p[0..n) (primes_sieve.c). */
uint64_t het_sieve_popcount(const uint8_t *p, size_t n);

/* ---- the pre-sieve (presieve.c) ------------------------------------------ */

/* Builds the CPU's pre-sieve tables once; HETERO_E_NOMEM if it could not. */
int het_presieve_init(void);
/* Fills d[0..n) with the pre-sieve pattern of absolute wheel bytes abs on,
 * the numbers below 180 fixed to their true bits. */
void het_presieve_fill(uint8_t *d, size_t n, uint64_t abs);
/* Checks the tables against their definition; HETERO_E_INTERNAL naming the
 * first wrong entry. */
int het_presieve_check(void);

/* ---- the tiers (erat_small.c, erat_medium.c, erat_big.c) ------------------ */

/* Adds prime p to tier 0 (small, in L1 blocks) or 1 (medium by turns). */
int het_erat_small_add(het__primes_sieve *sv, int tier, uint64_t p);
/* Crosses out the multiples of a tier's primes (pr, npr: by class) in
 * seg[0..n), and carries each prime's position on to the next block. */
void het_erat_small_cross(uint8_t *seg, int64_t n, het_sieve_small *const *pr, const size_t *npr);

/* Adds prime p to the medium primes stepped one multiple at a time. */
int het_erat_medium_add(het__primes_sieve *sv, uint64_t p);
/* Crosses out their multiples in seg[0..n), the lane's current segment. */
int het_erat_medium_cross(het__primes_sieve *sv, uint8_t *seg, int64_t n);

/* Empties the ring and makes it span the lane's largest stride; the bucket
 * primes from `first` on (0: none) enter as the stream reaches them. */
int het_erat_big_start(het__primes_sieve *sv, uint64_t first);
/* Enters the primes the lane's current segment brings within reach, then
 * crosses out the multiples in its ring slot. */
int het_erat_big_cross(het__primes_sieve *sv, uint8_t *seg);
/* Returns every block of the ring to the pool, each slot keeping one
 * empty block. */
void het_erat_big_drain(het__primes_sieve *sv);
/* Frees the ring and the block pool. */
void het_erat_big_free(het__primes_sieve *sv);

/* ---- the mod-210 wheel (wheel.c) ------------------------------------------ */

/* Bucket primes step through their multiples p*m with m coprime to 210
 * (the multiples of 7 are pre-sieved), 48 per 210: state w = 48 i + k for
 * p = 30a + R[i] at m = U[k] (mod 210).  A step clears the bit of p*m and
 * moves a * factor + correct bytes on, to state next. */
#define HET_SIEVE_W210 48
typedef struct het_sieve_wstep {
    uint8_t mask, factor, correct;
    uint8_t unused;
    uint16_t next;
    uint16_t unused2;
} het_sieve_wstep;

typedef struct het_sieve_wheel {
    het_sieve_wstep step[8 * HET_SIEVE_W210];
    uint8_t u[HET_SIEVE_W210 + 1]; /* the residues mod 210 coprime to 210, then 211 */
    uint8_t next210[210];          /* k of the first U[k] >= t (W210: U[0] + 210) */
    /* for p of class i and m0 = r (mod 210), the first m >= m0 coprime to
     * 210, m = m0 - r + U[k]: U[k] | (R[i] * U[k] / 30) << 8 | w << 16 */
    uint32_t first210[8][210];
    uint32_t bits_of[256][8]; /* the set bits of a byte, lowest first */
    uint8_t nbits[256];       /* and how many */
} het_sieve_wheel;

/* The tables, read-only once het_wheel_init() has returned. */
extern het_sieve_wheel het_wheel;
void het_wheel_init(void);
/* Checks the tables against their definition; HETERO_E_INTERNAL naming the
 * first wrong entry. */
int het_wheel_check(void);

#endif
