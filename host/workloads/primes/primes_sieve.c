/* primes_sieve.c - the CPU segmented sieve (see primes_sieve.h for the
 * design, primes_common.h for the layout). */
#include "primes_sieve.h"

#include <inttypes.h>
#include <math.h>
#include <omp.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "primes_common.h"
#include "clones.h"

#define SEG HET_PRIMES_SEG_BYTES
#define SEG_LOG HET_PRIMES_SEG_LOG

/* The four tiers of sieving primes (see primes_sieve.h): small (wheel turns
 * in L1 blocks), medium by turns, medium step by step, buckets. */
#ifndef CHUNK_LOG
#define CHUNK_LOG 15 /* the small tier's L1 block: 32 KiB */
#endif
#define CHUNK (1u << CHUNK_LOG)
#ifndef SMALL_MAX
#define SMALL_MAX 6144u /* primes below this: small tier */
#endif
#ifndef MT_MAX
#define MT_MAX 32768u /* primes below this: medium tier by wheel turns */
#endif
#ifndef MED_MAX
#define MED_MAX (2u << SEG_LOG) /* primes below this: medium tier step by step; the rest: buckets */
#endif

/* Bucket primes are >= MED_MAX; their first multiple is found from a double
 * quotient that is only exact enough (error < 1) for p >= 2^14. */
_Static_assert(MED_MAX >= (1u << 14), "bucket primes must be >= 2^14");
/* A grain holds at least one segment, so the primes counted past the end
 * of a batch (the rest of its last segment) belong to the next grain. */
_Static_assert(HET_PRIMES_MIN_GRAIN_BYTES >= SEG, "a grain must hold a whole segment");
_Static_assert(SEG % CHUNK == 0, "segments are whole L1 blocks");
/* A bucket entry's pj holds a byte of the segment and a 9-bit wheel state;
 * a step (a * 10 + 10 bytes, a < 2^28) stays below 2^32 from any byte. */
_Static_assert(SEG_LOG + 9 <= 32 && SEG_LOG <= 29, "bucket entries hold a segment byte in 32 bits");

/* Short names for the wheel tables of primes_common.h. */
#define R HET_PRIMES_RES
#define GAP HET_PRIMES_GAP
#define F HET_PRIMES_F
#define B HET_PRIMES_B
#define INC HET_PRIMES_INC
#define WHEEL_NEXT HET_PRIMES_WHEEL_NEXT
#define CLASS HET_PRIMES_CLASS

/* ---- small helpers -------------------------------------------------------- */

uint64_t het_primes_isqrt(uint64_t n)
{
    uint64_t r = (uint64_t)sqrtl((long double)n);
    while (r > UINT32_MAX || r * r > n)
        r--;
    while (r < UINT32_MAX && (r + 1) * (r + 1) <= n)
        r++;
    return r;
}

unsigned het_primes_tiny(uint64_t lo, uint64_t hi, uint64_t out[3])
{
    static const uint64_t tiny[3] = {2, 3, 5};
    unsigned k = 0;
    for (int t = 0; t < 3; t++)
        if (lo <= tiny[t] && tiny[t] < hi)
            out[k++] = tiny[t];
    return k;
}

size_t het_primes_decode(uint64_t first, const uint8_t *bits, size_t nbytes, uint64_t *out)
{
    size_t c = 0;
    for (size_t k = 0; k < nbytes; k++) {
        unsigned v = bits[k];
        while (v) {
            out[c++] = first + 30 * k + R[__builtin_ctz(v)];
            v &= v - 1;
        }
    }
    return c;
}

HET_CLONES("popcnt", "default")
static uint64_t het__popcount(const uint8_t *p, size_t n)
{
    uint64_t c = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        c += (uint64_t)__builtin_popcountll(w);
    }
    for (; i < n; i++)
        c += (uint64_t)__builtin_popcount(p[i]);
    return c;
}

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

/* ---- the kernel's pre-sieve tables (7..43) ---------------------------------- */

static void het__build_pre(uint8_t *pre)
{
    static const struct {
        uint32_t off, period;
        uint8_t n, p[5];
    } groups[HET_PRIMES_PRE_TABLES] = {
        {HET_PRIMES_PRE_OFF_0, HET_PRIMES_PRE_PERIOD_0, 5, {7, 11, 13, 17, 19}},
        {HET_PRIMES_PRE_OFF_1, HET_PRIMES_PRE_PERIOD_1, 3, {23, 29, 31}},
        {HET_PRIMES_PRE_OFF_2, HET_PRIMES_PRE_PERIOD_2, 3, {37, 41, 43}},
    };
    for (int g = 0; g < HET_PRIMES_PRE_TABLES; g++) {
        uint8_t *t = pre + groups[g].off;
        const uint32_t period = groups[g].period;
        memset(t, 0xFF, period);
        for (int k = 0; k < groups[g].n; k++) {
            const uint32_t p = groups[g].p[k];
            /* multiples p * (30b + R[j]): byte p*b + p*R[j]/30, a fixed bit */
            for (int j = 0; j < 8; j++) {
                const uint32_t pm = p * R[j];
                const uint8_t mask = (uint8_t) ~(1u << het_primes_bit_of(pm % 30));
                for (uint32_t byte = pm / 30; byte < period; byte += p)
                    t[byte] &= mask;
            }
        }
        /* periodic extension, forward byte by byte (the tail may be
         * longer than the period) */
        for (uint32_t i = 0; i < HET_PRIMES_PRE_TAIL; i++)
            t[period + i] = t[i];
    }
}

/* The tables are constants of the program: built once, on first use, and
 * kept for the life of the process. */
static uint8_t *het__pre_tables;
static pthread_once_t het__pre_once = PTHREAD_ONCE_INIT;

static void het__pre_init(void)
{
    uint8_t *t = malloc(HET_PRIMES_PRE_BYTES);
    if (t)
        het__build_pre(t);
    het__pre_tables = t;
}

const uint8_t *het_primes_pre_tables(void)
{
    pthread_once(&het__pre_once, het__pre_init);
    return het__pre_tables;
}

/* ---- the CPU's own pre-sieve (7..97) and wheel steps ---------------------- */

/* Fifteen periodic tables cross out the multiples of the 35 primes 7..163
 * (the kernel's tables stop at 43: the CPU sieve does not use them).  Each
 * table's period is the product of its primes (at most 2^16 bytes), stored
 * repeated to at least CPRE_MIN_LEN bytes; a segment is the AND of the
 * tables, read in runs that never wrap. */
#define CPRE_TABLES 15
#define CPRE_MIN_LEN 32768u
#define FIRST_SIEVED 167u
#define FIRST_BYTES 6 /* the bytes holding the pre-sieve primes, < 167^2 */
static const uint8_t het__cpre_primes[CPRE_TABLES][3] = {
    {7, 89, 97},   {11, 71, 73},  {13, 61, 67},  {19, 53, 59},  {31, 43, 47},
    {29, 37, 41},  {17, 23, 83},  {79, 0, 0},    {101, 163, 0}, {103, 157, 0},
    {107, 151, 0}, {109, 149, 0}, {113, 139, 0}, {127, 137, 0}, {131, 0, 0},
};

/* Bucket primes step through their multiples p*m with m coprime to 210
 * (the multiples of 7 are pre-sieved), 48 per 210: state w = 48 i + k for
 * p = 30a + R[i] at m = U[k] (mod 210).  A step clears the bit of p*m and
 * moves a * factor + correct bytes on, to state next. */
#define W210 48
typedef struct het__wstep {
    uint8_t mask, factor, correct;
    uint8_t unused;
    uint16_t next;
    uint16_t unused2;
} het__wstep;

static struct {
    uint8_t *tab[CPRE_TABLES];
    uint32_t len[CPRE_TABLES];
    uint8_t first[FIRST_BYTES]; /* bytes 0..5 (numbers 0..179) once sieved */
    het__wstep step[8 * W210];
    uint8_t u[W210 + 1];       /* the residues mod 210 coprime to 210, then 211 */
    uint8_t next210[210];      /* k of the first U[k] >= t (W210: U[0] + 210) */
    uint8_t c210[8][W210 + 1]; /* R[i] * U[k] / 30 */
    /* for p of class i and m0 = r (mod 210), the first m >= m0 coprime to
     * 210, m = m0 - r + U[k]: U[k] | (R[i] * U[k] / 30) << 8 | w << 16 */
    uint32_t first210[8][210];
    uint32_t bits_of[256][8]; /* the set bits of a byte, lowest first */
    uint8_t nbits[256];       /* and how many */
    int ok;
} het__cpu;
static pthread_once_t het__cpu_once = PTHREAD_ONCE_INIT;

static void het__cpu_init(void)
{
    for (int g = 0; g < CPRE_TABLES; g++) {
        uint32_t period = 1;
        for (int k = 0; k < 3 && het__cpre_primes[g][k]; k++)
            period *= het__cpre_primes[g][k];
        const uint32_t len = (CPRE_MIN_LEN + period - 1) / period * period;
        uint8_t *t = malloc(len);
        if (!t) {
            for (int h = 0; h < g; h++)
                free(het__cpu.tab[h]);
            return;
        }
        memset(t, 0xFF, len);
        for (int k = 0; k < 3 && het__cpre_primes[g][k]; k++) {
            const uint32_t p = het__cpre_primes[g][k];
            for (int j = 0; j < 8; j++) {
                const uint32_t pm = p * R[j];
                const uint8_t mask = (uint8_t) ~(1u << het_primes_bit_of(pm % 30));
                for (uint32_t byte = pm / 30; byte < len; byte += p)
                    t[byte] &= mask;
            }
        }
        het__cpu.tab[g] = t;
        het__cpu.len[g] = len;
    }
    /* numbers below 180 < 167^2: prime iff not 1 and no smaller factor */
    for (unsigned n = 0; n < 30 * FIRST_BYTES; n++) {
        const int bit = het_primes_bit_of(n % 30);
        int prime = bit >= 0 && n > 1;
        for (unsigned d = 7; d * d <= n && prime; d++)
            if (n % d == 0)
                prime = 0;
        if (prime)
            het__cpu.first[n / 30] |= (uint8_t)(1u << bit);
    }
    int nu = 0;
    for (unsigned m = 1; m < 210; m++)
        if (m % 2 && m % 3 && m % 5 && m % 7)
            het__cpu.u[nu++] = (uint8_t)m;
    for (unsigned v = 0; v < 256; v++)
        for (unsigned b = 0, k = 0; b < 8; b++)
            if (v >> b & 1) {
                het__cpu.bits_of[v][k++] = b;
                het__cpu.nbits[v] = (uint8_t)k;
            }
    het__cpu.u[W210] = 211;
    for (unsigned i = 0; i < 8; i++)
        for (unsigned k = 0; k <= W210; k++)
            het__cpu.c210[i][k] = (uint8_t)(R[i] * het__cpu.u[k] / 30);
    for (unsigned t = 0, k = 0; t < 210; t++) {
        while (k < W210 && het__cpu.u[k] < t)
            k++;
        het__cpu.next210[t] = (uint8_t)k;
        for (unsigned i = 0; i < 8; i++)
            het__cpu.first210[i][t] = het__cpu.u[k] | (uint32_t)(R[i] * het__cpu.u[k] / 30) << 8 |
                                      (uint32_t)(i * W210 + k % W210) << 16;
    }
    for (unsigned i = 0; i < 8; i++)
        for (unsigned k = 0; k < W210; k++) {
            const unsigned m = het__cpu.u[k];
            const unsigned d = k + 1 < W210 ? het__cpu.u[k + 1] - m : 210 + het__cpu.u[0] - m;
            het__cpu.step[i * W210 + k] = (het__wstep){
                .mask = (uint8_t) ~(1u << het_primes_bit_of(R[i] * m % 30)),
                .factor = (uint8_t)d,
                .correct = (uint8_t)(R[i] * (m + d) / 30 - R[i] * m / 30),
                .next = (uint16_t)(i * W210 + (k + 1) % W210),
            };
        }
    het__cpu.ok = 1;
}

static int het__cpu_tables(void)
{
    pthread_once(&het__cpu_once, het__cpu_init);
    return het__cpu.ok ? HETERO_OK
                       : hetero_fail(HETERO_E_NOMEM, "primes: out of memory for the pre-sieve tables");
}


int het_primes_check_tables(void)
{
    int rc = het__cpu_tables();
    if (rc)
        return rc;
    /* the pre-sieve tables: a bit is clear iff its number is a multiple of
     * one of the table's primes */
    for (int g = 0; g < CPRE_TABLES; g++)
        for (uint32_t k = 0; k < het__cpu.len[g]; k++)
            for (int t = 0; t < 8; t++) {
                const uint64_t n = 30 * (uint64_t)k + R[t];
                int multiple = 0;
                for (int q = 0; q < 3 && het__cpre_primes[g][q]; q++)
                    multiple |= n % het__cpre_primes[g][q] == 0;
                if (((het__cpu.tab[g][k] >> t) & 1) == multiple)
                    return hetero_fail(HETERO_E_INTERNAL, "primes: pre-sieve table %d wrong at byte %" PRIu32,
                                       g, k);
            }
    for (unsigned n = 0; n < 30 * FIRST_BYTES; n++) {
        const int bit = het_primes_bit_of(n % 30);
        if (bit < 0)
            continue;
        int prime = n > 1;
        for (unsigned d = 2; d < n && prime; d++)
            prime = n % d != 0;
        if (((het__cpu.first[n / 30] >> bit) & 1) != prime)
            return hetero_fail(HETERO_E_INTERNAL,
                               "primes: the first bytes of the number line are wrong at %u", n);
    }
    /* the mod-210 wheel: U, first210, and every step for primes of every
     * class, small and as large as 2^32 */
    for (unsigned k = 0; k < W210; k++) {
        const unsigned u = het__cpu.u[k];
        if (u % 2 == 0 || u % 3 == 0 || u % 5 == 0 || u % 7 == 0 || (k && u <= het__cpu.u[k - 1]))
            return hetero_fail(HETERO_E_INTERNAL, "primes: the mod-210 residues are wrong at %u", k);
    }
    static const uint64_t as[] = {0, 1, 3, 7, 1000, 8738, 143165576};
    for (unsigned i = 0; i < 8; i++) {
        for (unsigned r = 0; r < 210; r++) {
            const uint32_t e = het__cpu.first210[i][r];
            unsigned u = r;
            while (u % 2 == 0 || u % 3 == 0 || u % 5 == 0 || u % 7 == 0)
                u++;
            const unsigned k = u < 210 ? het__cpu.next210[r] : 0;
            if ((e & 0xFF) != u || ((e >> 8) & 0xFF) != R[i] * u / 30 || (e >> 16) != i * W210 + k ||
                het__cpu.u[k] != u % 210)
                return hetero_fail(HETERO_E_INTERNAL, "primes: first210[%u][%u] is wrong", i, r);
        }
        for (unsigned k = 0; k < W210; k++) {
            const het__wstep st = het__cpu.step[i * W210 + k];
            const unsigned k1 = (k + 1) % W210;
            for (size_t x = 0; x < sizeof as / sizeof *as; x++) {
                const uint64_t a = as[x], p = 30 * a + R[i];
                for (uint64_t m = het__cpu.u[k]; m < 2000; m += 210) {
                    /* p < 2^32 and m < 2^11: the products fit in 64 bits */
                    const uint64_t m1 = m + st.factor, pm = p * m, pm1 = p * m1;
                    if ((uint8_t)~st.mask != 1u << het_primes_bit_of((unsigned)(pm % 30)) ||
                        pm1 / 30 - pm / 30 != a * st.factor + st.correct || m1 % 210 != het__cpu.u[k1] ||
                        st.next != i * W210 + k1)
                        return hetero_fail(HETERO_E_INTERNAL, "primes: wheel step [%u][%u] is wrong", i, k);
                }
            }
        }
    }
    return HETERO_OK;
}

HET_CLONES("arch=x86-64-v4", "avx2", "default")
static void het__and8(uint8_t *restrict d, size_t n, const uint8_t *restrict t0, const uint8_t *restrict t1,
                      const uint8_t *restrict t2, const uint8_t *restrict t3, const uint8_t *restrict t4,
                      const uint8_t *restrict t5, const uint8_t *restrict t6, const uint8_t *restrict t7)
{
    for (size_t k = 0; k < n; k++)
        d[k] = (uint8_t)(t0[k] & t1[k] & t2[k] & t3[k] & t4[k] & t5[k] & t6[k] & t7[k]);
}

HET_CLONES("arch=x86-64-v4", "avx2", "default")
static void het__and7_into(uint8_t *restrict d, size_t n, const uint8_t *restrict t0,
                           const uint8_t *restrict t1, const uint8_t *restrict t2, const uint8_t *restrict t3,
                           const uint8_t *restrict t4, const uint8_t *restrict t5, const uint8_t *restrict t6)
{
    for (size_t k = 0; k < n; k++)
        d[k] &= (uint8_t)(t0[k] & t1[k] & t2[k] & t3[k] & t4[k] & t5[k] & t6[k]);
}

_Static_assert(CPRE_TABLES == 15, "het__cpre_fill ANDs 8 + 7 tables");

/* Fills d[0..n) with the pre-sieve pattern of absolute wheel bytes abs on,
 * the numbers below 180 fixed to their true bits. */
__attribute__((noinline)) static void het__cpre_fill(uint8_t *d, size_t n, uint64_t abs)
{
    uint32_t pos[CPRE_TABLES];
    for (int g = 0; g < CPRE_TABLES; g++)
        pos[g] = (uint32_t)(abs % het__cpu.len[g]);
    uint8_t *const d0 = d;
    const size_t n0 = n;
    while (n) {
        size_t run = n;
        for (int g = 0; g < CPRE_TABLES; g++)
            if (het__cpu.len[g] - pos[g] < run)
                run = het__cpu.len[g] - pos[g];
        uint8_t *const *t = het__cpu.tab;
        het__and8(d, run, t[0] + pos[0], t[1] + pos[1], t[2] + pos[2], t[3] + pos[3], t[4] + pos[4],
                  t[5] + pos[5], t[6] + pos[6], t[7] + pos[7]);
        het__and7_into(d, run, t[8] + pos[8], t[9] + pos[9], t[10] + pos[10], t[11] + pos[11],
                       t[12] + pos[12], t[13] + pos[13], t[14] + pos[14]);
        d += run;
        n -= run;
        for (int g = 0; g < CPRE_TABLES; g++) {
            pos[g] += (uint32_t)run;
            if (pos[g] == het__cpu.len[g])
                pos[g] = 0;
        }
    }
    for (uint64_t k = 0; abs + k < FIRST_BYTES && k < n0; k++)
        d0[k] = het__cpu.first[abs + k];
}

/* ---- the sieve state ------------------------------------------------------- */

/* A small or medium sieving prime: its wheel position, carried from block
 * to block.  q is the byte (relative to the current block) of p*30b for
 * the current turn b of the wheel, j the next multiplier index of that
 * turn still to be crossed out. */
typedef struct het__small {
    uint32_t p;
    uint32_t j;
    int64_t q;
} het__small;

/* A medium prime p = 30a + R[i] stepped one multiple at a time: pos is the
 * byte of its next multiple (relative to the next segment), whose wheel
 * index (and class) is that of the list holding it. */
typedef struct het__mentry {
    int64_t pos;
    uint32_t a;
    uint32_t unused;
} het__mentry;

/* A bucket prime p = 30a + R[i]: ap = a; pj = (byte within its segment)
 * << 9 | w, its wheel state (see het__wstep). */
typedef struct het__bentry {
    uint32_t ap;
    uint32_t pj;
} het__bentry;

/* Bucket blocks: BLK bytes, aligned to BLK, so that the entry pointer
 * alone tells when a block is full.  Entry 0 holds the link to the next
 * (older, full) block of the same list. */
#define BLK_LOG 13
#define BLK (1u << BLK_LOG)
#define BLK_ENTRIES (BLK / sizeof(het__bentry))
#define POOL_BYTES (UINT64_C(1) << 21) /* blocks are allocated 2 MiB at a time */
#define POOL_BLOCKS (POOL_BYTES / BLK)

typedef union het__bblock {
    union het__bblock *next;
    het__bentry e[BLK_ENTRIES];
} het__bblock;

static inline het__bblock *het__block_of(const het__bentry *top)
{
    /* top points past the last entry written, never at a block's start */
    return (het__bblock *)(((uintptr_t)top - 1) & ~(uintptr_t)(BLK - 1));
}

/* Walks the primes of a base bitmap in ascending order, 64 bits (8 wheel
 * bytes) at a time, taking every stride-th word only (one lane's share of
 * the bucket primes). */
typedef struct het__cursor {
    const uint8_t *bits;
    uint64_t nwords, wi, stride;
    uint64_t v; /* primes of word wi not yet taken */
    uint64_t p; /* current prime, 0 when exhausted */
    uint64_t a; /* p = 30 a + R[i] */
    unsigned i;
} het__cursor;

static inline uint64_t het__word(const uint8_t *bits, uint64_t wi)
{
    uint64_t w;
    memcpy(&w, bits + 8 * wi, 8); /* the wheel bytes in order, little end first */
    return w;
}

static inline void het__cursor_next(het__cursor *c)
{
    while (!c->v) {
        c->wi += c->stride;
        if (c->wi >= c->nwords) {
            c->p = 0;
            return;
        }
        c->v = het__word(c->bits, c->wi);
    }
    const unsigned t = (unsigned)__builtin_ctzll(c->v);
    c->a = 8 * c->wi + (t >> 3);
    c->i = t & 7;
    c->p = 30 * c->a + R[t & 7];
    c->v &= c->v - 1;
}

/* The first prime >= from in words wi = first (mod stride), from the
 * first such word at or after the word of from. */
static void het__cursor_init(het__cursor *c, const het__primes_base *b, uint64_t from, uint64_t first,
                             uint64_t stride)
{
    c->bits = b->bits;
    c->nwords = (b->nbytes + 7) / 8; /* the bitmap is zero-padded to words */
    c->stride = stride;
    uint64_t w0 = from / 240;
    c->wi = w0 + (first + stride - w0 % stride) % stride;
    c->v = c->wi < c->nwords ? het__word(b->bits, c->wi) : 0;
    c->p = 0;
    if (c->wi >= c->nwords) {
        c->wi = c->nwords;
        return;
    }
    do
        het__cursor_next(c);
    while (c->p && c->p < from);
}

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
    /* small (L1 blocks) and medium (whole segment) primes, by class */
    het__small *pr[2][8];
    size_t npr[2][8], cappr[2][8];
    /* medium primes stepped one multiple at a time, in lists by class and
     * wheel index (64 lists, double-buffered: ms[mcur] is being read) */
    struct het__mentry *ms[2][64];
    size_t nms[2][64], capms[2][64];
    unsigned mcur;
    /* bucket primes: a ring of lists, one per segment, each list's
     * newest block being written at top[slot] */
    het__bentry **top;
    size_t ring_cap, mask;
    het__cursor cur; /* the next bucket prime not in the ring */
    int cur_done;
    /* block pool */
    het__bblock *free;
    void **chunks;
    size_t nchunks, capchunks;
};

int het_primes_sieve_new(het__primes_sieve **out)
{
    int rc = het__cpu_tables();
    if (rc)
        return rc;
    het__primes_sieve *sv = calloc(1, sizeof *sv);
    if (!sv)
        return hetero_fail(HETERO_E_NOMEM, "primes: out of memory for a sieve");
    *out = sv;
    return HETERO_OK;
}

void het_primes_sieve_free(het__primes_sieve *sv)
{
    if (!sv)
        return;
    for (int t = 0; t < 2; t++) {
        for (int i = 0; i < 8; i++)
            free(sv->pr[t][i]);
        for (int l = 0; l < 64; l++)
            free(sv->ms[t][l]);
    }
    free(sv->top);
    for (size_t c = 0; c < sv->nchunks; c++)
        free(sv->chunks[c]);
    free(sv->chunks);
    free(sv->buf);
    free(sv);
}

static het__bblock *het__block_get(het__primes_sieve *sv)
{
    if (__builtin_expect(!sv->free, 0)) {
        if (sv->nchunks == sv->capchunks) {
            size_t cap = sv->capchunks ? 2 * sv->capchunks : 16;
            void **c = realloc(sv->chunks, cap * sizeof *c);
            if (!c)
                return NULL;
            sv->chunks = c;
            sv->capchunks = cap;
        }
        /* (transparent huge pages, tried here, cost more CPU time than
         * they saved: zeroing fresh 2 MiB pages is slow in a VM) */
        het__bblock *m = aligned_alloc(BLK, POOL_BYTES);
        if (!m)
            return NULL;
        sv->chunks[sv->nchunks++] = m;
        for (size_t i = 0; i < POOL_BLOCKS; i++) {
            m[i].next = sv->free;
            sv->free = &m[i];
        }
    }
    het__bblock *b = sv->free;
    sv->free = b->next;
    return b;
}

static inline void het__block_put(het__primes_sieve *sv, het__bblock *b)
{
    b->next = sv->free;
    sv->free = b;
}

/* Appends an entry to ring slot s; a full block gets a new one in front. */
static inline int het__push(het__primes_sieve *sv, size_t s, uint32_t ap, uint32_t pj)
{
    het__bentry *e = sv->top[s];
    *e++ = (het__bentry){ap, pj};
    if (__builtin_expect(((uintptr_t)e & (BLK - 1)) == 0, 0)) {
        het__bblock *nb = het__block_get(sv);
        if (!nb) {
            sv->top[s] = e - 1; /* drop the entry: the stream is failing */
            return hetero_fail(HETERO_E_NOMEM, "primes: out of memory for the bucket sieve");
        }
        nb->next = het__block_of(e);
        e = &nb->e[1];
    }
    sv->top[s] = e;
    return HETERO_OK;
}

/* Returns every block of the ring to the pool, each slot keeping one
 * empty block. */
static void het__drain(het__primes_sieve *sv)
{
    for (size_t s = 0; s < sv->ring_cap; s++) {
        if (!sv->top[s])
            continue;
        het__bblock *b = het__block_of(sv->top[s]);
        for (het__bblock *o = b->next; o;) {
            het__bblock *n = o->next;
            het__block_put(sv, o);
            o = n;
        }
        b->next = NULL;
        sv->top[s] = &b->e[1];
    }
}

/* Crosses out the multiples of the small primes of class i (a compile-time
 * constant after inlining, so the eight bit masks are immediates) in
 * seg[0..n), and carries each prime's position to the next block. */
static inline __attribute__((always_inline)) void het__cross_small(uint8_t *seg, int64_t n, het__small *sp,
                                                                   size_t cnt, const int i)
{
    const uint8_t m0 = (uint8_t) ~(1u << B[i][0]), m1 = (uint8_t) ~(1u << B[i][1]);
    const uint8_t m2 = (uint8_t) ~(1u << B[i][2]), m3 = (uint8_t) ~(1u << B[i][3]);
    const uint8_t m4 = (uint8_t) ~(1u << B[i][4]), m5 = (uint8_t) ~(1u << B[i][5]);
    const uint8_t m6 = (uint8_t) ~(1u << B[i][6]), m7 = (uint8_t) ~(1u << B[i][7]);
    const uint8_t msk[8] = {m0, m1, m2, m3, m4, m5, m6, m7};
    for (size_t k = 0; k < cnt; k++) {
        const int64_t p = sp[k].p, a = p / 30;
        const int64_t o0 = a * 1 + F[i][0], o1 = a * 7 + F[i][1], o2 = a * 11 + F[i][2];
        const int64_t o3 = a * 13 + F[i][3], o4 = a * 17 + F[i][4], o5 = a * 19 + F[i][5];
        const int64_t o6 = a * 23 + F[i][6], o7 = a * 29 + F[i][7];
        const int64_t off[8] = {o0, o1, o2, o3, o4, o5, o6, o7};
        int64_t q = sp[k].q;
        unsigned j = sp[k].j;
        /* the rest of the current turn */
        for (; j < 8; j++) {
            const int64_t pos = q + off[j];
            if (pos >= n)
                goto save;
            seg[pos] &= msk[j];
        }
        q += p;
        /* whole turns: 8 multiples each */
        for (const int64_t lim = n - o7; q < lim; q += p) {
            uint8_t *s = seg + q;
            s[o0] &= m0;
            s[o1] &= m1;
            s[o2] &= m2;
            s[o3] &= m3;
            s[o4] &= m4;
            s[o5] &= m5;
            s[o6] &= m6;
            s[o7] &= m7;
        }
        /* the start of the turn that crosses the block's end */
        for (j = 0; j < 8; j++) {
            const int64_t pos = q + off[j];
            if (pos >= n)
                break;
            seg[pos] &= msk[j];
        }
    save:
        sp[k].q = q - n;
        sp[k].j = j;
    }
}

static inline __attribute__((always_inline)) void het__cross_tier(uint8_t *seg, int64_t n,
                                                                  het__small *const *pr, const size_t *npr)
{
    het__cross_small(seg, n, pr[0], npr[0], 0);
    het__cross_small(seg, n, pr[1], npr[1], 1);
    het__cross_small(seg, n, pr[2], npr[2], 2);
    het__cross_small(seg, n, pr[3], npr[3], 3);
    het__cross_small(seg, n, pr[4], npr[4], 4);
    het__cross_small(seg, n, pr[5], npr[5], 5);
    het__cross_small(seg, n, pr[6], npr[6], 6);
    het__cross_small(seg, n, pr[7], npr[7], 7);
}

static inline int het__ms_push(het__primes_sieve *sv, unsigned buf, unsigned l, int64_t pos, uint32_t a)
{
    if (__builtin_expect(sv->nms[buf][l] == sv->capms[buf][l], 0)) {
        size_t cap = sv->capms[buf][l] ? 2 * sv->capms[buf][l] : 64;
        het__mentry *n = realloc(sv->ms[buf][l], cap * sizeof *n);
        if (!n)
            return hetero_fail(HETERO_E_NOMEM, "primes: out of memory for sieving primes");
        sv->ms[buf][l] = n;
        sv->capms[buf][l] = cap;
    }
    sv->ms[buf][l][sv->nms[buf][l]++] = (het__mentry){pos, a, 0};
    return HETERO_OK;
}

/* Crosses out, for the medium primes of class i (a constant after
 * inlining), one multiple after another in wheel order (each step a test,
 * a store and a precomputed distance), and files each prime under the
 * wheel index it stopped at.  A list's primes all start at the same wheel
 * index, so the jump into the unrolled wheel is predicted. */
static inline __attribute__((always_inline)) int het__cross_steps(het__primes_sieve *sv, uint8_t *seg,
                                                                  int64_t n, const int i)
{
    const uint8_t m0 = (uint8_t) ~(1u << B[i][0]), m1 = (uint8_t) ~(1u << B[i][1]);
    const uint8_t m2 = (uint8_t) ~(1u << B[i][2]), m3 = (uint8_t) ~(1u << B[i][3]);
    const uint8_t m4 = (uint8_t) ~(1u << B[i][4]), m5 = (uint8_t) ~(1u << B[i][5]);
    const uint8_t m6 = (uint8_t) ~(1u << B[i][6]), m7 = (uint8_t) ~(1u << B[i][7]);
    const unsigned cur = sv->mcur, nxt = cur ^ 1;
    for (unsigned j0 = 0; j0 < 8; j0++) {
        const het__mentry *e = sv->ms[cur][i * 8 + j0];
        const size_t cnt = sv->nms[cur][i * 8 + j0];
        for (size_t k = 0; k < cnt; k++) {
            const int64_t a = e[k].a;
            const int64_t d0 = a * GAP[0] + INC[i][0], d1 = a * GAP[1] + INC[i][1];
            const int64_t d2 = a * GAP[2] + INC[i][2], d3 = a * GAP[3] + INC[i][3];
            const int64_t d4 = a * GAP[4] + INC[i][4], d5 = a * GAP[5] + INC[i][5];
            const int64_t d6 = a * GAP[6] + INC[i][6], d7 = a * GAP[7] + INC[i][7];
            int64_t pos = e[k].pos;
            unsigned j;
            switch (j0) {
            default:
                for (;;) {
                case 0:
                    if (pos >= n) {
                        j = 0;
                        break;
                    }
                    seg[pos] &= m0;
                    pos += d0; /* fall through */
                case 1:
                    if (pos >= n) {
                        j = 1;
                        break;
                    }
                    seg[pos] &= m1;
                    pos += d1; /* fall through */
                case 2:
                    if (pos >= n) {
                        j = 2;
                        break;
                    }
                    seg[pos] &= m2;
                    pos += d2; /* fall through */
                case 3:
                    if (pos >= n) {
                        j = 3;
                        break;
                    }
                    seg[pos] &= m3;
                    pos += d3; /* fall through */
                case 4:
                    if (pos >= n) {
                        j = 4;
                        break;
                    }
                    seg[pos] &= m4;
                    pos += d4; /* fall through */
                case 5:
                    if (pos >= n) {
                        j = 5;
                        break;
                    }
                    seg[pos] &= m5;
                    pos += d5; /* fall through */
                case 6:
                    if (pos >= n) {
                        j = 6;
                        break;
                    }
                    seg[pos] &= m6;
                    pos += d6; /* fall through */
                case 7:
                    if (pos >= n) {
                        j = 7;
                        break;
                    }
                    seg[pos] &= m7;
                    pos += d7;
                }
            }
            int rc = het__ms_push(sv, nxt, (unsigned)(i * 8) + j, pos - n, (uint32_t)a);
            if (rc)
                return rc;
        }
        sv->nms[cur][i * 8 + j0] = 0;
    }
    return HETERO_OK;
}

__attribute__((noinline)) static int het__cross_steps_all(het__primes_sieve *sv, uint8_t *seg, int64_t n)
{
    int rc = HETERO_OK;
    if (!rc)
        rc = het__cross_steps(sv, seg, n, 0);
    if (!rc)
        rc = het__cross_steps(sv, seg, n, 1);
    if (!rc)
        rc = het__cross_steps(sv, seg, n, 2);
    if (!rc)
        rc = het__cross_steps(sv, seg, n, 3);
    if (!rc)
        rc = het__cross_steps(sv, seg, n, 4);
    if (!rc)
        rc = het__cross_steps(sv, seg, n, 5);
    if (!rc)
        rc = het__cross_steps(sv, seg, n, 6);
    if (!rc)
        rc = het__cross_steps(sv, seg, n, 7);
    sv->mcur ^= 1;
    return rc;
}

/* The small and the medium tier by turns: one copy of the eight classes'
 * loops, called for an L1 block or for a whole segment. */
__attribute__((noinline)) static void het__cross_turns(uint8_t *seg, int64_t n, het__small *const *pr,
                                                       const size_t *npr)
{
    het__cross_tier(seg, n, pr, npr);
}

/* A full block: a new one in front of it (NULL if out of memory: then the
 * entry just written is dropped and *rc set). */
__attribute__((noinline)) static het__bentry *het__refill(het__primes_sieve *sv, het__bentry *e, int *rc)
{
    het__bblock *nb = het__block_get(sv);
    if (!nb) {
        *rc = hetero_fail(HETERO_E_NOMEM, "primes: out of memory for the bucket sieve");
        return e - 1;
    }
    nb->next = het__block_of(e);
    return &nb->e[1];
}

static inline __attribute__((always_inline)) void het__push_fast(het__primes_sieve *sv, het__bentry **tops,
                                                                 size_t s, uint32_t a, uint32_t pj, int *rc)
{
    het__bentry *e = tops[s];
    *e++ = (het__bentry){a, pj};
    if (__builtin_expect(((uintptr_t)e & (BLK - 1)) == 0, 0))
        e = het__refill(sv, e, rc);
    tops[s] = e;
}

/* Crosses out the bucket entries of segment k (its ring slot) in seg, one
 * multiple per entry, and moves each prime on to the list of its next
 * multiple's segment (this one again: another round), or drops it past the
 * end of the stream.  No loop per prime, so no mispredicted loop exits. */
static int het__cross_buckets(het__primes_sieve *sv, uint8_t *seg)
{
    const uint64_t k = sv->k;
    const size_t slot = (size_t)(k & sv->mask), mask = sv->mask;
    const uint64_t left = sv->end - (k << SEG_LOG); /* bytes from this segment to the end */
    const het__wstep *st = het__cpu.step;
    het__bentry **tops = sv->top;
    int rc = HETERO_OK;
    for (;;) {
        het__bentry *top = tops[slot];
        het__bblock *b = het__block_of(top);
        het__bentry *e = &b->e[1];
        if (e == top && !b->next)
            break; /* empty: done with this segment */
        /* the slot starts over with a fresh block, which collects the
         * primes that hit this segment again */
        het__bblock *nb = het__block_get(sv);
        if (!nb)
            return hetero_fail(HETERO_E_NOMEM, "primes: out of memory for the bucket sieve");
        nb->next = NULL;
        tops[slot] = &nb->e[1];
        for (;;) {
            for (; e < top; e++) {
                const uint32_t a = e->ap, pj = e->pj;
                const het__wstep s = st[pj & 511];
                uint32_t pos = pj >> 9;
                seg[pos] &= s.mask;
                pos += a * s.factor + s.correct;
                if (__builtin_expect(pos < left, 1))
                    het__push_fast(sv, tops, (size_t)((k + (pos >> SEG_LOG)) & mask), a,
                                   (pos & (SEG - 1)) << 9 | s.next, &rc);
            }
            het__bblock *next = b->next;
            het__block_put(sv, b);
            if (!next)
                break;
            b = next;
            e = &b->e[1];
            top = &b->e[BLK_ENTRIES];
        }
        if (rc)
            return rc;
    }
    return HETERO_OK;
}

/* The first multiple p*m >= S (m coprime to 210) of each of n primes p
 * (class i), as byte pos - S30 and wheel state w; p^2 < S, p >= 2^14.
 * Branch-free, for the vector units. */
HET_CLONES("arch=x86-64-v4", "default")
static void het__first_multiples(size_t n, const uint32_t *restrict av, const uint32_t *restrict ci,
                                 uint64_t S, uint64_t S30, uint64_t end, uint32_t mask,
                                 uint64_t *restrict ent, uint32_t *restrict slot)
{
    /* signed arithmetic throughout: what the vector units have */
    const double Sd = (double)S;
    const uint32_t *tab = &het__cpu.first210[0][0];
    for (size_t t = 0; t < n; t++) {
        /* p = 30 a + R[i], R[i] from the bytes of two constants */
        const uint32_t i = ci[t];
        const uint32_t ri = ((i < 4 ? UINT32_C(0x0D0B0701) : UINT32_C(0x1D171311)) >> (8 * (i & 3))) & 0xFF;
        const int64_t p = 30 * (int64_t)av[t] + (int64_t)ri;
        /* q = S / p from a double quotient: for p >= 2^14 its error is
         * below 2^11/p + 2^-7 < 1, so one correction step makes it exact;
         * far cheaper than a 64-bit division. */
        const int64_t q0 = (int64_t)(Sd / (double)p);
        const int64_t rem0 = (int64_t)(S - (uint64_t)q0 * (uint64_t)p);
        const int64_t q = rem0 < 0 ? q0 - 1 : rem0 >= p ? q0 + 1 : q0;
        const int64_t rem = (int64_t)(S - (uint64_t)q * (uint64_t)p);
        const int64_t m0 = q + (rem != 0);
        /* d = m0 / 210 the same way (m0 < 2^50: the double is exact) */
        const int64_t d0 = (int64_t)((double)m0 * (1.0 / 210.0));
        const int64_t r0 = m0 - 210 * d0;
        const int64_t d = r0 < 0 ? d0 - 1 : r0 >= 210 ? d0 + 1 : d0;
        const uint32_t e = tab[i * 210 + (uint32_t)(m0 - 210 * d)];
        /* p * m = p * (210 d + U) lies in byte 7 d p + a U + R[i] U / 30 */
        const uint64_t pos = (uint64_t)(7 * d * p) + (uint64_t)av[t] * (e & 0xFF) + ((e >> 8) & 0xFF) - S30;
        /* the bucket entry, and its slot in the ring (none past the end) */
        ent[t] = av[t] | (uint64_t)((uint32_t)(pos & (SEG - 1)) << 9 | e >> 16) << 32;
        slot[t] = pos < end ? (uint32_t)(pos >> SEG_LOG) & mask : UINT32_MAX;
    }
}

/* Takes the next primes p <= L off the cursor, at most cap (>= 64) of
 * them, as p = 30 a[k] + R[ci[k]].  Whole words of the bitmap go byte by
 * byte without a branch per prime: eight entries written, as many kept as
 * the byte has primes. */
static size_t het__gather(het__cursor *cp, uint64_t L, uint32_t *restrict a, uint32_t *restrict ci,
                          size_t cap)
{
    het__cursor c = *cp; /* in registers while it walks */
    size_t n = 0;
    /* the rest of the current word, prime by prime */
    while (n < cap && c.p && c.p <= L) {
        const uint64_t wi = c.wi;
        a[n] = (uint32_t)c.a;
        ci[n++] = c.i;
        het__cursor_next(&c);
        if (c.wi != wi)
            break;
    }
    /* whole words below L: c.p is the first prime of word c.wi */
    while (c.p && n + 64 <= cap && 240 * (c.wi + 1) - 1 <= L) {
        const uint64_t word = het__word(c.bits, c.wi);
        for (unsigned b = 0; b < 8; b++) {
            const unsigned v = (unsigned)(word >> (8 * b)) & 0xFF;
            const uint32_t ab = (uint32_t)(8 * c.wi + b);
            memcpy(&ci[n], het__cpu.bits_of[v], sizeof het__cpu.bits_of[v]);
            for (unsigned k = 0; k < 8; k++)
                a[n + k] = ab;
            n += het__cpu.nbits[v];
        }
        c.v = 0; /* the word is taken: on to the first prime of the next */
        het__cursor_next(&c);
    }
    /* the word across L, prime by prime */
    while (n < cap && c.p && c.p <= L) {
        a[n] = (uint32_t)c.a;
        ci[n++] = c.i;
        het__cursor_next(&c);
    }
    *cp = c;
    return n;
}

/* Enters the bucket primes whose square lies below S (all at once: their
 * first multiple lies within one stride, so within the ring's reach), in
 * batches, branch-free: the first multiple of every prime of a batch,
 * then the pushes. */
#define ENTER_BATCH 256
static int het__enter_bulk(het__primes_sieve *sv)
{
    const uint64_t S = sv->S, S30 = sv->origin, end = sv->end, r = sv->r;
    const size_t mask = sv->mask;
    het__cursor *cur = &sv->cur;
    uint32_t a[ENTER_BATCH], ci[ENTER_BATCH], sl[ENTER_BATCH];
    uint64_t ent[ENTER_BATCH];
    if (S == 0)
        return HETERO_OK;
    /* p^2 < S for p <= L */
    const uint64_t rs = het_primes_isqrt(S - 1), L = r < rs ? r : rs;
    for (;;) {
        const size_t n = het__gather(cur, L, a, ci, ENTER_BATCH);
        if (n == 0)
            break;
        het__first_multiples(n, a, ci, S, S30, end, (uint32_t)mask, ent, sl);
        /* the primes with a multiple before the end, packed (branch-free) */
        size_t nk = 0;
        for (size_t t = 0; t < n; t++) {
            ent[nk] = ent[t];
            sl[nk] = sl[t];
            nk += sl[t] != UINT32_MAX;
        }
        for (size_t t = 0; t < nk; t++) {
            const size_t s = sl[t];
            het__bentry *e = sv->top[s];
            *e++ = (het__bentry){(uint32_t)ent[t], (uint32_t)(ent[t] >> 32)};
            sv->top[s] = e;
            if (__builtin_expect(((uintptr_t)e & (BLK - 1)) == 0, 0)) {
                het__bblock *nb = het__block_get(sv);
                if (!nb) {
                    sv->top[s] = e - 1;
                    return hetero_fail(HETERO_E_NOMEM, "primes: out of memory for the bucket sieve");
                }
                nb->next = het__block_of(e);
                sv->top[s] = &nb->e[1];
            }
        }
    }
    return HETERO_OK;
}

/* Moves bucket primes into the ring once their first multiple lies within
 * its reach (the segments before reach_end, relative to the origin).  Past
 * p^2 > S the first multiple is p^2, which grows with p: the first prime
 * out of reach ends the walk for now. */
static int het__enter(het__primes_sieve *sv, uint64_t reach_end)
{
    const uint64_t S30 = sv->origin;
    het__cursor *cur = &sv->cur;
    int rc = het__enter_bulk(sv);
    if (rc)
        return rc;
    while (!sv->cur_done) {
        const uint64_t p = cur->p;
        if (!p || p > sv->r) {
            sv->cur_done = 1;
            break;
        }
        /* here p^2 >= S: the first multiple is p^2, m = p (coprime to 210) */
        const unsigned i = cur->i, j = i;
        const uint64_t pos = p * (p / 30) - S30 + (p / 30) * R[j] + F[i][j];
        if (pos >= sv->end) {
            sv->cur_done = 1; /* neither it nor any larger prime hits */
            break;
        }
        if (pos >= reach_end)
            break;
        const unsigned kk = het__cpu.next210[p % 210];
        if ((rc = het__push(sv, (size_t)((pos >> SEG_LOG) & sv->mask), (uint32_t)(p / 30),
                            (uint32_t)((pos & (SEG - 1)) << 9 | (i * W210 + kk)))))
            return rc;
        het__cursor_next(cur);
    }
    return HETERO_OK;
}

static int het__add_prime(het__primes_sieve *sv, int tier, uint64_t p)
{
    const int i = CLASS[p % 30];
    if (tier < 2 && sv->npr[tier][i] == sv->cappr[tier][i]) {
        size_t cap = sv->cappr[tier][i] ? 2 * sv->cappr[tier][i] : 256;
        het__small *n = realloc(sv->pr[tier][i], cap * sizeof *n);
        if (!n)
            return hetero_fail(HETERO_E_NOMEM, "primes: out of memory for sieving primes");
        sv->pr[tier][i] = n;
        sv->cappr[tier][i] = cap;
    }
    /* the first multiple p*m >= max(p^2, S) with m coprime to 30 */
    uint64_t m0 = sv->S / p;
    if (m0 * p < sv->S)
        m0++;
    if (m0 < p)
        m0 = p;
    const int64_t q = (int64_t)(p * (m0 / 30) - sv->origin);
    const unsigned j = WHEEL_NEXT[m0 % 30];
    if (tier == 2)
        return het__ms_push(sv, sv->mcur, (unsigned)(i * 8) + j, q + (int64_t)((p / 30) * R[j] + F[i][j]),
                            (uint32_t)(p / 30));
    sv->pr[tier][i][sv->npr[tier][i]++] = (het__small){(uint32_t)p, j, q};
    return HETERO_OK;
}

/* Starts lane `lane` of `nlanes` on the stream of the numbers [S, hi) with
 * S = 30 * origin: its share of the small and medium primes (every
 * nlanes-th, so that the shares weigh the same) and an empty ring; the
 * bucket primes (the words of the bitmap congruent to lane) enter as the
 * stream reaches them. */
static int het__lane_start(het__primes_sieve *sv, const het__primes_base *b, uint64_t origin, uint64_t hi,
                           unsigned lane, unsigned nlanes)
{
    sv->b = b;
    sv->origin = origin;
    sv->S = 30 * origin;
    sv->span = hi - sv->S;
    sv->end = sv->span / 30 + (sv->span % 30 != 0);
    sv->r = het_primes_isqrt(hi - 1);
    sv->k = 0;
    sv->lane = lane;
    sv->nlanes = nlanes;
    if (sv->r > b->limit)
        return hetero_fail(HETERO_E_INTERNAL, "primes: sieve needs primes up to %" PRIu64 ", has %" PRIu64,
                           sv->r, b->limit);
    for (int t = 0; t < 2; t++) {
        for (int i = 0; i < 8; i++)
            sv->npr[t][i] = 0;
        for (int l = 0; l < 64; l++)
            sv->nms[t][l] = 0;
    }
    het__cursor c;
    het__cursor_init(&c, b, FIRST_SIEVED, 0, 1);
    unsigned idx = 0;
    for (; c.p && c.p <= sv->r && c.p < MED_MAX; het__cursor_next(&c), idx++) {
        if (idx % nlanes != lane)
            continue;
        int rc = het__add_prime(sv, c.p < SMALL_MAX ? 0 : c.p < MT_MAX ? 1 : 2, c.p);
        if (rc)
            return rc;
    }
    /* The ring spans the largest stride of a bucket prime (a*10 + 10
     * bytes) plus the segment being sieved. */
    het__drain(sv);
    sv->cur_done = 1;
    sv->mask = 0;
    if (c.p && c.p <= sv->r) {
        const uint64_t reach = (((sv->r / 30) * 10 + 10) >> SEG_LOG) + 3;
        size_t nl = 4;
        while (nl < reach)
            nl <<= 1;
        if (nl > sv->ring_cap) {
            het__bentry **top = realloc(sv->top, nl * sizeof *top);
            if (!top)
                return hetero_fail(HETERO_E_NOMEM, "primes: out of memory for the bucket sieve");
            sv->top = top;
            for (size_t s = sv->ring_cap; s < nl; s++) {
                het__bblock *nb = het__block_get(sv);
                if (!nb) {
                    sv->ring_cap = s;
                    return hetero_fail(HETERO_E_NOMEM, "primes: out of memory for the bucket sieve");
                }
                nb->next = NULL;
                top[s] = &nb->e[1];
            }
            sv->ring_cap = nl;
        }
        sv->mask = nl - 1;
        het__cursor_init(&sv->cur, b, c.p, lane, nlanes);
        sv->cur_done = 0;
    }
    return HETERO_OK;
}

/* Sieves the lane's next segment into seg; *n: its length in bytes.  Lane
 * 0 fills it with the pre-sieve pattern, the others with ones (the lanes'
 * segments are ANDed). */
static int het__lane_segment(het__primes_sieve *sv, uint8_t *seg, size_t *n_out)
{
    const uint64_t P = sv->k << SEG_LOG;
    const size_t n = sv->end - P < SEG ? (size_t)(sv->end - P) : SEG;
    const uint64_t abs = sv->origin + P;
    for (size_t c = 0; c < n; c += CHUNK) {
        const size_t m = n - c < CHUNK ? n - c : CHUNK;
        if (sv->lane == 0)
            het__cpre_fill(seg + c, m, abs + c);
        else
            memset(seg + c, 0xFF, m);
        het__cross_turns(seg + c, (int64_t)m, sv->pr[0], sv->npr[0]);
    }
    het__cross_turns(seg, (int64_t)n, sv->pr[1], sv->npr[1]);
    int rc = het__cross_steps_all(sv, seg, (int64_t)n);
    if (sv->mask && rc == HETERO_OK) {
        if (!sv->cur_done)
            rc = het__enter(sv, (sv->k + sv->mask) << SEG_LOG);
        if (rc == HETERO_OK)
            rc = het__cross_buckets(sv, seg);
    }
    sv->k++;
    *n_out = n;
    return rc;
}

int het_primes_sieve_range(het__primes_sieve *sv, const het__primes_base *b, uint64_t lo, uint64_t hi,
                           het__primes_visit visit, void *arg, uint64_t *count)
{
    uint64_t tiny[3];
    *count = 0;
    if (lo >= hi)
        return HETERO_OK;
    const uint64_t S30 = lo / 30, S = 30 * S30;
    if (!sv->buf && !(sv->buf = aligned_alloc(64, SEG)))
        return hetero_fail(HETERO_E_NOMEM, "primes: out of memory for a sieve segment");
    int rc = het__lane_start(sv, b, S30, hi, 0, 1);
    if (rc)
        return rc;
    const uint64_t nbytes = sv->end;
    uint64_t total = het_primes_tiny(lo, hi, tiny);
    for (uint64_t P = 0; P < nbytes; P += SEG) {
        uint8_t *seg = sv->buf;
        size_t n;
        if ((rc = het__lane_segment(sv, seg, &n)))
            break;
        if (P == 0)
            seg[0] &= (uint8_t)het_primes_byte_mask(lo - S, 30);
        if (P + n == nbytes)
            seg[n - 1] &= (uint8_t)het_primes_byte_mask(0, hi - S - 30 * (nbytes - 1));
        total += het__popcount(seg, n);
        if (visit && (rc = visit(arg, S + 30 * P, seg, n)))
            break;
    }
    if (rc) {
        het__drain(sv);
        return rc;
    }
    *count = total;
    return HETERO_OK;
}

/* ---- teams: consecutive grains, every thread on every segment ------------- */

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
        const uint64_t c = nl == 1 ? het__popcount(bufs[0] + x, z - x)
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
        rc = het__lane_start(sv, t->b, t->S30 + ts->b0, t->hi, me, nl);
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
        if ((rc = het__lane_segment(sv, ts->ring + ((size_t)me * ts->nring + slot) * SEG, &n)))
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
    /* Streams: the batch is cut into G pieces of whole grains, each sieved
     * by one stream of about T / G lanes.  Lanes share the set-up (finding
     * every sieving prime's first multiple) but each costs a segment fill
     * and an AND per segment; separate streams cost a set-up each (all but
     * the one continuing the last batch).  So: as many streams as keep the
     * extra set-ups near 2% of the batch (a set-up ~6 ns per sieving prime,
     * a wheel byte at least ~3 ns), and no stream of more than
     * TEAM_MAX_LANES lanes, unless the streams' buckets (8 bytes a sieving
     * prime each, 1.6 GB near 2^64) would pass TEAM_BUCKET_BYTES. */
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
        const unsigned nl = (unsigned)(T / G + (g < T % G));
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
    if (err) {
        het_errmsg_set(msg);
        return err;
    }
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

/* ---- the shared sieving primes ------------------------------------------- */

void het_primes_base_free(het__primes_base *b)
{
    if (!b)
        return;
    free(b->bits);
    memset(b, 0, sizeof *b);
}

static int het__copy_visit(void *arg, uint64_t first, const uint8_t *bits, size_t nbytes)
{
    memcpy((uint8_t *)arg + first / 30, bits, nbytes);
    return 0;
}

int het_primes_base_init(het__primes_base *b, uint64_t limit, int nthreads)
{
    memset(b, 0, sizeof *b);
    if (limit > UINT32_MAX)
        return hetero_fail(HETERO_E_INTERNAL, "primes: sieving primes above 2^32 requested (%" PRIu64 ")",
                           limit);
    b->pre = het_primes_pre_tables();
    b->limit = limit;
    b->nbytes = limit / 30 + 1;
    /* padded to whole 64-bit words for readers that scan by word */
    b->bits = calloc((b->nbytes + 7) / 8 * 8, 1);
    /* Level 0: the primes up to sqrt(limit) <= 65535 by a plain sieve. */
    const uint64_t r0 = het_primes_isqrt(limit);
    het__primes_base b0 = {.nbytes = r0 / 30 + 1, .limit = r0, .pre = b->pre};
    b0.bits = calloc((b0.nbytes + 7) / 8 * 8, 1);
    uint8_t *comp = calloc(r0 + 1, 1);
    if (!b->pre || !b->bits || !b0.bits || !comp) {
        free(b0.bits);
        free(comp);
        het_primes_base_free(b);
        return hetero_fail(HETERO_E_NOMEM, "primes: out of memory for the sieving primes up to %" PRIu64,
                           limit);
    }
    for (uint64_t i = 2; i * i <= r0; i++)
        if (!comp[i])
            for (uint64_t k = i * i; k <= r0; k += i)
                comp[k] = 1;
    for (uint64_t i = 7; i <= r0; i++)
        if (!comp[i])
            b0.bits[i / 30] |= (uint8_t)(1u << het_primes_bit_of((unsigned)(i % 30)));
    free(comp);

    /* Level 1: the segmented sieve of [0, limit], in chunks across
     * threads, each chunk's segments copied straight into b->bits. */
    const uint64_t chunk = UINT64_C(1) << 21; /* bytes: 63M numbers */
    const uint64_t nchunks = (b->nbytes + chunk - 1) / chunk;
    const uint64_t end = limit + 1;
    int nt = nthreads > 0 ? nthreads : omp_get_max_threads();
    if ((uint64_t)nt > nchunks)
        nt = (int)nchunks;
    int err = HETERO_OK;
    char msg[1024] = "";
    uint64_t total = 0;
#pragma omp parallel num_threads(nt) reduction(+ : total)
    {
        het__primes_sieve *sv = NULL;
        int rc = het_primes_sieve_new(&sv);
#pragma omp for schedule(dynamic, 1)
        for (uint64_t c = 0; c < nchunks; c++) {
            uint64_t lo = 30 * chunk * c, hi = lo + 30 * chunk, n = 0;
            if (hi > end)
                hi = end;
            if (rc == HETERO_OK)
                rc = het_primes_sieve_range(sv, &b0, lo, hi, het__copy_visit, b->bits, &n);
            total += n;
        }
        if (rc) {
#pragma omp critical(het__primes_base_err)
            if (!err) {
                err = rc;
                snprintf(msg, sizeof msg, "%s", hetero_errmsg());
            }
        }
        het_primes_sieve_free(sv);
    }
    free(b0.bits);
    if (err) {
        het_primes_base_free(b);
        het_errmsg_set(msg);
        return err;
    }
    uint64_t tiny[3];
    b->count = total - het_primes_tiny(0, end, tiny);
    return HETERO_OK;
}
