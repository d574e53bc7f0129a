/* primes_sieve.c - the CPU segmented sieve (see primes_sieve.h for the
 * design, kernels/primes_common.h for the layout). */
#include "primes_sieve.h"

#include <inttypes.h>
#include <math.h>
#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "primes_common.h"
#include "clones.h"

#define SEG HET__PRIMES_SEG_BYTES
#define SEG_LOG HET__PRIMES_SEG_LOG
/* Bucket primes are >= SEG; their first multiple is found from a double
 * quotient that is only exact enough (error < 1) for p >= 2^14. */
_Static_assert(HET__PRIMES_SEG_LOG >= 14, "bucket primes must be >= 2^14");

/* Short names for the wheel tables of primes_common.h. */
#define R HET_PRIMES_RES
#define GAP HET_PRIMES_GAP
#define F HET_PRIMES_F
#define B HET_PRIMES_B
#define INC HET_PRIMES_INC
#define WHEEL_NEXT HET_PRIMES_WHEEL_NEXT
#define CLASS HET_PRIMES_CLASS

/* ---- small helpers -------------------------------------------------------- */

uint64_t het__primes_isqrt(uint64_t n)
{
    uint64_t r = (uint64_t)sqrtl((long double)n);
    while (r > UINT32_MAX || r * r > n)
        r--;
    while (r < UINT32_MAX && (r + 1) * (r + 1) <= n)
        r++;
    return r;
}

unsigned het__primes_tiny(uint64_t lo, uint64_t hi, uint64_t out[3])
{
    static const uint64_t tiny[3] = {2, 3, 5};
    unsigned k = 0;
    for (int t = 0; t < 3; t++)
        if (lo <= tiny[t] && tiny[t] < hi)
            out[k++] = tiny[t];
    return k;
}

size_t het__primes_decode(uint64_t first, const uint8_t *bits, size_t nbytes, uint64_t *out)
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

/* Fills seg[0..n) with the pre-sieve pattern of absolute wheel byte abs
 * on: the AND of the three periodic tables, read without wrapping thanks
 * to their HET_PRIMES_PRE_TAIL extra bytes (n <= that). */
HET_CLONES("arch=x86-64-v4", "avx2", "default")
static void het__presieve(uint8_t *restrict seg, size_t n, const uint8_t *restrict pre, uint64_t abs)
{
    const uint8_t *restrict t0 = pre + HET_PRIMES_PRE_OFF_0 + abs % HET_PRIMES_PRE_PERIOD_0;
    const uint8_t *restrict t1 = pre + HET_PRIMES_PRE_OFF_1 + abs % HET_PRIMES_PRE_PERIOD_1;
    const uint8_t *restrict t2 = pre + HET_PRIMES_PRE_OFF_2 + abs % HET_PRIMES_PRE_PERIOD_2;
    for (size_t k = 0; k < n; k++)
        seg[k] = t0[k] & t1[k] & t2[k];
}

static void het__build_pre(uint8_t *pre)
{
    static const struct { uint32_t off, period; uint8_t n, p[5]; } groups[HET_PRIMES_PRE_TABLES] = {
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
                const uint8_t mask = (uint8_t)~(1u << het_primes_bit_of(pm % 30));
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

const uint8_t *het__primes_pre_tables(void)
{
    pthread_once(&het__pre_once, het__pre_init);
    return het__pre_tables;
}

/* ---- the sieve state ------------------------------------------------------- */

/* A sieving prime below SEG: its wheel position, carried from segment to
 * segment.  q is the byte (relative to the current segment) of p*30b for
 * the current turn b of the wheel, j the next multiplier index of that
 * turn still to be crossed out. */
typedef struct het__small {
    uint32_t p;
    uint32_t j;
    int64_t q;
} het__small;

/* A bucket-sieved prime: ap = a << 3 | i for p = 30a + R[i]; pj = (byte
 * within its segment) << 3 | j, the multiplier index of that multiple. */
typedef struct het__bentry {
    uint32_t ap;
    uint32_t pj;
} het__bentry;

#define HET__BUCKET_CAP 1022
typedef struct het__bblock {
    struct het__bblock *next;
    uint32_t n;
    uint32_t unused;
    het__bentry e[HET__BUCKET_CAP];
} het__bblock;

struct het__primes_sieve {
    uint8_t *seg;                 /* SEG bytes */
    het__small *small[8];         /* small primes, grouped by class i */
    size_t nsmall[8], capsmall[8];
    het__bblock **ring;           /* bucket lists, one per segment, a ring */
    size_t ring_cap;
    het__bblock *free;            /* recycled blocks */
};

int het__primes_sieve_new(het__primes_sieve **out)
{
    het__primes_sieve *sv = calloc(1, sizeof *sv);
    if (!sv || !(sv->seg = malloc(SEG))) {
        free(sv);
        return hetero_fail(HETERO_E_NOMEM, "primes: out of memory for a sieve segment");
    }
    *out = sv;
    return HETERO_OK;
}

void het__primes_sieve_free(het__primes_sieve *sv)
{
    if (!sv)
        return;
    for (int i = 0; i < 8; i++)
        free(sv->small[i]);
    for (size_t s = 0; s < sv->ring_cap; s++) {
        while (sv->ring[s]) {
            het__bblock *b = sv->ring[s];
            sv->ring[s] = b->next;
            free(b);
        }
    }
    free(sv->ring);
    while (sv->free) {
        het__bblock *b = sv->free;
        sv->free = b->next;
        free(b);
    }
    free(sv->seg);
    free(sv);
}

static int het__push(het__primes_sieve *sv, size_t slot, uint32_t ap, uint32_t pj)
{
    het__bblock *b = sv->ring[slot];
    if (__builtin_expect(!b || b->n == HET__BUCKET_CAP, 0)) {
        het__bblock *nb = sv->free;
        if (nb)
            sv->free = nb->next;
        else if (!(nb = malloc(sizeof *nb)))
            return hetero_fail(HETERO_E_NOMEM, "primes: out of memory for the bucket sieve");
        nb->next = b;
        nb->n = 0;
        sv->ring[slot] = b = nb;
    }
    b->e[b->n++] = (het__bentry){ap, pj};
    return HETERO_OK;
}

/* Returns every block of the ring to the free list. */
static void het__drain(het__primes_sieve *sv)
{
    for (size_t s = 0; s < sv->ring_cap; s++) {
        while (sv->ring[s]) {
            het__bblock *b = sv->ring[s];
            sv->ring[s] = b->next;
            b->next = sv->free;
            sv->free = b;
        }
    }
}

/* The first multiple p*m >= max(p^2, S) with m coprime to 30, as the wheel
 * turn's byte q (relative to S / 30, may be negative) and index j. */
static inline void het__first(uint64_t p, uint64_t S, uint64_t S30, int64_t *q, unsigned *j)
{
    uint64_t m0 = S / p;
    if (m0 * p < S)
        m0++;
    if (m0 < p)
        m0 = p;
    const uint64_t b0 = m0 / 30;
    *j = WHEEL_NEXT[m0 % 30];
    *q = (int64_t)(p * b0 - S30);
}

/* Crosses out the multiples of the small primes of class i (a compile-time
 * constant after inlining, so the eight bit masks are immediates) in
 * seg[0..n), and carries each prime's position to the next segment. */
static inline __attribute__((always_inline)) void het__cross_small(uint8_t *seg, int64_t n, het__small *sp,
                                                                   size_t cnt, const int i)
{
    const uint8_t m0 = (uint8_t)~(1u << B[i][0]), m1 = (uint8_t)~(1u << B[i][1]);
    const uint8_t m2 = (uint8_t)~(1u << B[i][2]), m3 = (uint8_t)~(1u << B[i][3]);
    const uint8_t m4 = (uint8_t)~(1u << B[i][4]), m5 = (uint8_t)~(1u << B[i][5]);
    const uint8_t m6 = (uint8_t)~(1u << B[i][6]), m7 = (uint8_t)~(1u << B[i][7]);
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
        /* the start of the turn that crosses the segment's end */
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

static void het__cross_all_small(het__primes_sieve *sv, int64_t n)
{
    uint8_t *seg = sv->seg;
    het__cross_small(seg, n, sv->small[0], sv->nsmall[0], 0);
    het__cross_small(seg, n, sv->small[1], sv->nsmall[1], 1);
    het__cross_small(seg, n, sv->small[2], sv->nsmall[2], 2);
    het__cross_small(seg, n, sv->small[3], sv->nsmall[3], 3);
    het__cross_small(seg, n, sv->small[4], sv->nsmall[4], 4);
    het__cross_small(seg, n, sv->small[5], sv->nsmall[5], 5);
    het__cross_small(seg, n, sv->small[6], sv->nsmall[6], 6);
    het__cross_small(seg, n, sv->small[7], sv->nsmall[7], 7);
}

/* Crosses out the bucket entries of segment s (ring slot s & mask) and
 * moves each prime on to the segment of its next multiple, or drops it
 * past the last segment. */
static int het__cross_buckets(het__primes_sieve *sv, uint64_t s, uint64_t nseg, size_t mask)
{
    uint8_t *seg = sv->seg;
    het__bblock *b = sv->ring[s & mask];
    sv->ring[s & mask] = NULL;
    while (b) {
        for (uint32_t k = 0; k < b->n; k++) {
            const uint32_t ap = b->e[k].ap;
            const uint32_t a = ap >> 3, i = ap & 7;
            uint32_t pos = b->e[k].pj >> 3, j = b->e[k].pj & 7;
            do {
                seg[pos] &= (uint8_t)~(1u << B[i][j]);
                pos += a * GAP[j] + INC[i][j];
                j = (j + 1) & 7;
            } while (pos < SEG);
            const uint64_t ns = s + (pos >> SEG_LOG);
            if (ns < nseg) {
                int rc = het__push(sv, ns & mask, ap, (pos & (SEG - 1)) << 3 | j);
                if (rc) {
                    /* hand the rest of this list back before failing */
                    het__bblock *last = b;
                    while (last->next)
                        last = last->next;
                    last->next = sv->free;
                    sv->free = b;
                    return rc;
                }
            }
        }
        het__bblock *next = b->next;
        b->next = sv->free;
        sv->free = b;
        b = next;
    }
    return HETERO_OK;
}

/* Walks the primes of a base bitmap in ascending order, 64 bits (8 wheel
 * bytes) at a time, so that the loop over a word's primes mispredicts
 * once per word rather than once per byte. */
typedef struct het__cursor {
    const uint8_t *bits;
    uint64_t nwords, wi;
    uint64_t v;    /* primes of word wi not yet taken */
    uint64_t p;    /* current prime, 0 when exhausted */
} het__cursor;

static inline uint64_t het__word(const uint8_t *bits, uint64_t wi)
{
    uint64_t w;
    memcpy(&w, bits + 8 * wi, 8);   /* the wheel bytes in order, little end first */
    return w;
}

static inline void het__cursor_next(het__cursor *c)
{
    while (!c->v) {
        if (++c->wi >= c->nwords) {
            c->p = 0;
            return;
        }
        c->v = het__word(c->bits, c->wi);
    }
    const unsigned t = (unsigned)__builtin_ctzll(c->v);
    c->p = 30 * (8 * c->wi + (t >> 3)) + R[t & 7];
    c->v &= c->v - 1;
}

static void het__cursor_init(het__cursor *c, const het__primes_base *b, uint64_t from)
{
    c->bits = b->bits;
    c->nwords = (b->nbytes + 7) / 8;   /* the bitmap is zero-padded to words */
    c->wi = 0;
    c->v = c->nwords ? het__word(b->bits, 0) : 0;
    c->p = 0;
    do
        het__cursor_next(c);
    while (c->p && c->p < from);
}

static int het__add_small(het__primes_sieve *sv, uint64_t p, uint64_t S, uint64_t S30)
{
    const int i = CLASS[p % 30];
    if (sv->nsmall[i] == sv->capsmall[i]) {
        size_t cap = sv->capsmall[i] ? 2 * sv->capsmall[i] : 1024;
        het__small *n = realloc(sv->small[i], cap * sizeof *n);
        if (!n)
            return hetero_fail(HETERO_E_NOMEM, "primes: out of memory for sieving primes");
        sv->small[i] = n;
        sv->capsmall[i] = cap;
    }
    int64_t q;
    unsigned j;
    het__first(p, S, S30, &q, &j);
    sv->small[i][sv->nsmall[i]++] = (het__small){(uint32_t)p, j, q};
    return HETERO_OK;
}

int het__primes_sieve_range(het__primes_sieve *sv, const het__primes_base *b, uint64_t lo,
                            uint64_t hi, het__primes_visit visit, void *arg, uint64_t *count)
{
    uint64_t tiny[3];
    *count = 0;
    if (lo >= hi)
        return HETERO_OK;
    const uint64_t r = het__primes_isqrt(hi - 1);
    if (r > b->limit)
        return hetero_fail(HETERO_E_INTERNAL, "primes: sieve needs primes up to %" PRIu64 ", has %" PRIu64,
                        r, b->limit);
    const uint64_t S = lo - lo % 30, S30 = S / 30, span = hi - S;
    const uint64_t nbytes = span / 30 + (span % 30 != 0);
    const uint64_t nseg = (nbytes + SEG - 1) >> SEG_LOG;
    const double Sd = (double)S;
    uint64_t total = het__primes_tiny(lo, hi, tiny);
    int rc = HETERO_OK;

    het__cursor cur;
    het__cursor_init(&cur, b, HET_PRIMES_FIRST_SIEVED);
    for (int i = 0; i < 8; i++)
        sv->nsmall[i] = 0;
    for (; cur.p && cur.p <= r && cur.p < SEG; het__cursor_next(&cur))
        if ((rc = het__add_small(sv, cur.p, S, S30)))
            return rc;

    /* The ring spans the largest stride of a bucket prime (a*6 + 6 bytes)
     * plus the segment being sieved. */
    size_t nl = 0;
    if (cur.p && cur.p <= r) {
        const uint64_t reach = (((r / 30) * 6 + 6) >> SEG_LOG) + 3;
        nl = 4;
        while (nl < reach)
            nl <<= 1;
        if (nl > sv->ring_cap) {
            het__bblock **ring = realloc(sv->ring, nl * sizeof *ring);
            if (!ring)
                return hetero_fail(HETERO_E_NOMEM, "primes: out of memory for the bucket sieve");
            for (size_t s = sv->ring_cap; s < nl; s++)
                ring[s] = NULL;
            sv->ring = ring;
            sv->ring_cap = nl;
        }
    }
    const size_t mask = nl ? nl - 1 : 0;

    for (uint64_t s = 0; s < nseg; s++) {
        const size_t n = (s + 1 == nseg) ? (size_t)(nbytes - s * SEG) : SEG;
        const uint64_t abs = S30 + s * SEG;
        uint8_t *seg = sv->seg;
        het__presieve(seg, n, b->pre, abs);
        if (abs == 0) {
            seg[0] = HET_PRIMES_BYTE0;
            if (n > 1)
                seg[1] |= HET_PRIMES_BYTE1_PRE;
        } else if (abs == 1) {
            seg[0] |= HET_PRIMES_BYTE1_PRE;
        }
        het__cross_all_small(sv, (int64_t)n);

        /* Bucket primes enter the ring once their first multiple falls
         * inside it.  Past p^2 > S the first multiple is p^2, which grows
         * with p: the first prime out of reach ends the walk for now. */
        const uint64_t reach_end = (s + nl - 1) * SEG;
        while (cur.p && cur.p <= r) {
            const uint64_t p = cur.p;
            uint64_t m0;
            if (p * p >= S) {
                m0 = p;     /* the first multiple is p^2 */
            } else {
                /* k = S / p from a double quotient: for p >= 2^18 its error
                 * is below 2^11/p + 2^-7 < 1, so one correction step
                 * makes it exact; far cheaper than a 64-bit division. */
                uint64_t k = (uint64_t)(int64_t)(Sd / (double)p);
                int64_t rem = (int64_t)(S - k * p);
                if (rem < 0) {
                    rem += (int64_t)p;
                    k--;
                } else if (rem >= (int64_t)p) {
                    rem -= (int64_t)p;
                    k++;
                }
                /* no multiple of p at all in [S, hi): most primes, for a
                 * short range high up */
                if (rem && p - (uint64_t)rem >= span) {
                    het__cursor_next(&cur);
                    continue;
                }
                m0 = k + (rem != 0);
            }
            const unsigned j = WHEEL_NEXT[m0 % 30];
            const int i = CLASS[p % 30];
            const uint64_t pos = p * (m0 / 30) - S30 + (p / 30) * R[j] + F[i][j];
            if (pos >= nbytes && p * p >= S) {
                cur.p = 0;          /* neither it nor any larger prime hits */
                break;
            }
            if (pos >= reach_end)
                break;
            if (pos < nbytes &&
                (rc = het__push(sv, (pos >> SEG_LOG) & mask, (uint32_t)((p / 30) << 3 | (uint64_t)i),
                                (uint32_t)((pos & (SEG - 1)) << 3 | j))))
                goto fail;
            het__cursor_next(&cur);
        }
        if (nl && (rc = het__cross_buckets(sv, s, nseg, mask)))
            goto fail;

        if (s == 0)
            seg[0] &= (uint8_t)het_primes_byte_mask(lo - S, 30);
        if (s + 1 == nseg)
            seg[n - 1] &= (uint8_t)het_primes_byte_mask(0, span - 30 * (nbytes - 1));
        total += het__popcount(seg, n);
        if (visit && (rc = visit(arg, S + 30 * SEG * s, seg, n)))
            goto fail;
    }
    *count = total;
    return HETERO_OK;
fail:
    het__drain(sv);
    return rc;
}

/* ---- the shared sieving primes ------------------------------------------- */

void het__primes_base_free(het__primes_base *b)
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

int het__primes_base_init(het__primes_base *b, uint64_t limit, int nthreads)
{
    memset(b, 0, sizeof *b);
    if (limit > UINT32_MAX)
        return hetero_fail(HETERO_E_INTERNAL, "primes: sieving primes above 2^32 requested (%" PRIu64 ")", limit);
    b->pre = het__primes_pre_tables();
    b->limit = limit;
    b->nbytes = limit / 30 + 1;
    /* padded to whole 64-bit words for readers that scan by word */
    b->bits = calloc((b->nbytes + 7) / 8 * 8, 1);
    /* Level 0: the primes up to sqrt(limit) <= 65535 by a plain sieve. */
    const uint64_t r0 = het__primes_isqrt(limit);
    het__primes_base b0 = {.nbytes = r0 / 30 + 1, .limit = r0, .pre = b->pre};
    b0.bits = calloc((b0.nbytes + 7) / 8 * 8, 1);
    uint8_t *comp = calloc(r0 + 1, 1);
    if (!b->pre || !b->bits || !b0.bits || !comp) {
        free(b0.bits);
        free(comp);
        het__primes_base_free(b);
        return hetero_fail(HETERO_E_NOMEM, "primes: out of memory for the sieving primes up to %" PRIu64, limit);
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
    const uint64_t chunk = UINT64_C(1) << 21;    /* bytes: 63M numbers */
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
        int rc = het__primes_sieve_new(&sv);
#pragma omp for schedule(dynamic, 1)
        for (uint64_t c = 0; c < nchunks; c++) {
            uint64_t lo = 30 * chunk * c, hi = lo + 30 * chunk, n = 0;
            if (hi > end)
                hi = end;
            if (rc == HETERO_OK)
                rc = het__primes_sieve_range(sv, &b0, lo, hi, het__copy_visit, b->bits, &n);
            total += n;
        }
        if (rc) {
#pragma omp critical(het__primes_base_err)
            if (!err) {
                err = rc;
                snprintf(msg, sizeof msg, "%s", hetero_errmsg());
            }
        }
        het__primes_sieve_free(sv);
    }
    free(b0.bits);
    if (err) {
        het__primes_base_free(b);
        het_errmsg_set(msg);
        return err;
    }
    uint64_t tiny[3];
    b->count = total - het__primes_tiny(0, end, tiny);
    return HETERO_OK;
}
