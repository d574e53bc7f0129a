/* erat_big.c - sieving primes with fewer than one multiple per segment:
 * the bucket sieve (primesieve's EratBig, after Tomas Oliveira e Silva).
 * Each such prime sits, as one 8-byte entry, in the list of the segment
 * where its next multiple falls, in a ring of lists that spans the largest
 * prime's stride.  Sieving a segment takes its list, crosses out one
 * multiple per entry, steps the mod-210 wheel (wheel.c) and files the entry
 * under the segment of its next multiple: no loop per prime, so no
 * mispredicted loop exit.  Lists are chains of aligned blocks from a pool
 * the lane keeps.  A prime enters the ring when its first multiple (p^2,
 * or the first one past the stream's start) comes within reach; those with
 * p^2 below the start enter at once, in branch-free batches. */
#include "sieve_internal.h"

#include <stdlib.h>

#include "clones.h"

#define SEG HET_PRIMES_SEG_BYTES
#define SEG_LOG HET_PRIMES_SEG_LOG
#define R HET_PRIMES_RES
#define F HET_PRIMES_F
#define W210 HET_SIEVE_W210
#define BLK HET_SIEVE_BLK
#define BLK_ENTRIES HET_SIEVE_BLK_ENTRIES
#define POOL_BYTES (UINT64_C(1) << 21) /* blocks are allocated 2 MiB at a time */
#define POOL_BLOCKS (POOL_BYTES / BLK)

/* ---- the block pool and the ring ------------------------------------------ */

static het_sieve_bblock *het__block_get(het__primes_sieve *sv)
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
        het_sieve_bblock *m = aligned_alloc(BLK, POOL_BYTES);
        if (!m)
            return NULL;
        sv->chunks[sv->nchunks++] = m;
        for (size_t i = 0; i < POOL_BLOCKS; i++) {
            m[i].next = sv->free;
            sv->free = &m[i];
        }
    }
    het_sieve_bblock *b = sv->free;
    sv->free = b->next;
    return b;
}

static inline void het__block_put(het__primes_sieve *sv, het_sieve_bblock *b)
{
    b->next = sv->free;
    sv->free = b;
}

/* Appends an entry to ring slot s; a full block gets a new one in front. */
static inline int het__push(het__primes_sieve *sv, size_t s, uint32_t ap, uint32_t pj)
{
    het_sieve_bentry *e = sv->top[s];
    *e++ = (het_sieve_bentry){ap, pj};
    if (__builtin_expect(((uintptr_t)e & (BLK - 1)) == 0, 0)) {
        het_sieve_bblock *nb = het__block_get(sv);
        if (!nb) {
            sv->top[s] = e - 1; /* drop the entry: the stream is failing */
            return hetero_fail(HETERO_E_NOMEM, "primes: out of memory for the bucket sieve");
        }
        nb->next = het_sieve_block_of(e);
        e = &nb->e[1];
    }
    sv->top[s] = e;
    return HETERO_OK;
}

void het_erat_big_drain(het__primes_sieve *sv)
{
    for (size_t s = 0; s < sv->ring_cap; s++) {
        if (!sv->top[s])
            continue;
        het_sieve_bblock *b = het_sieve_block_of(sv->top[s]);
        for (het_sieve_bblock *o = b->next; o;) {
            het_sieve_bblock *n = o->next;
            het__block_put(sv, o);
            o = n;
        }
        b->next = NULL;
        sv->top[s] = &b->e[1];
    }
}

void het_erat_big_free(het__primes_sieve *sv)
{
    free(sv->top);
    for (size_t c = 0; c < sv->nchunks; c++)
        free(sv->chunks[c]);
    free(sv->chunks);
}

int het_erat_big_start(het__primes_sieve *sv, uint64_t first)
{
    /* The ring spans the largest stride of a bucket prime (a*10 + 10
     * bytes) plus the segment being sieved. */
    het_erat_big_drain(sv);
    sv->cur_done = 1;
    sv->mask = 0;
    if (first && first <= sv->r) {
        const uint64_t reach = (((sv->r / 30) * 10 + 10) >> SEG_LOG) + 3;
        size_t nl = 4;
        while (nl < reach)
            nl <<= 1;
        if (nl > sv->ring_cap) {
            het_sieve_bentry **top = realloc(sv->top, nl * sizeof *top);
            if (!top)
                return hetero_fail(HETERO_E_NOMEM, "primes: out of memory for the bucket sieve");
            sv->top = top;
            for (size_t s = sv->ring_cap; s < nl; s++) {
                het_sieve_bblock *nb = het__block_get(sv);
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
        het_sieve_cursor_init(&sv->cur, sv->b, first, sv->lane, sv->nlanes);
        sv->cur_done = 0;
    }
    return HETERO_OK;
}

/* ---- crossing out --------------------------------------------------------- */

/* A full block: a new one in front of it (NULL if out of memory: then the
 * entry just written is dropped and *rc set). */
__attribute__((noinline)) static het_sieve_bentry *het__refill(het__primes_sieve *sv, het_sieve_bentry *e,
                                                               int *rc)
{
    het_sieve_bblock *nb = het__block_get(sv);
    if (!nb) {
        *rc = hetero_fail(HETERO_E_NOMEM, "primes: out of memory for the bucket sieve");
        return e - 1;
    }
    nb->next = het_sieve_block_of(e);
    return &nb->e[1];
}

static inline __attribute__((always_inline)) void
het__push_fast(het__primes_sieve *sv, het_sieve_bentry **tops, size_t s, uint32_t a, uint32_t pj, int *rc)
{
    het_sieve_bentry *e = tops[s];
    *e++ = (het_sieve_bentry){a, pj};
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
    const het_sieve_wstep *st = het_wheel.step;
    het_sieve_bentry **tops = sv->top;
    int rc = HETERO_OK;
    for (;;) {
        het_sieve_bentry *top = tops[slot];
        het_sieve_bblock *b = het_sieve_block_of(top);
        het_sieve_bentry *e = &b->e[1];
        if (e == top && !b->next)
            break; /* empty: done with this segment */
        /* the slot starts over with a fresh block, which collects the
         * primes that hit this segment again */
        het_sieve_bblock *nb = het__block_get(sv);
        if (!nb)
            return hetero_fail(HETERO_E_NOMEM, "primes: out of memory for the bucket sieve");
        nb->next = NULL;
        tops[slot] = &nb->e[1];
        for (;;) {
            for (; e < top; e++) {
                const uint32_t a = e->ap, pj = e->pj;
                const het_sieve_wstep s = st[pj & 511];
                uint32_t pos = pj >> 9;
                seg[pos] &= s.mask;
                pos += a * s.factor + s.correct;
                if (__builtin_expect(pos < left, 1))
                    het__push_fast(sv, tops, (size_t)((k + (pos >> SEG_LOG)) & mask), a,
                                   (pos & (SEG - 1)) << 9 | s.next, &rc);
            }
            het_sieve_bblock *next = b->next;
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

/* ---- entering the ring ---------------------------------------------------- */

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
    const uint32_t *tab = &het_wheel.first210[0][0];
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
static size_t het__gather(het_sieve_cursor *cp, uint64_t L, uint32_t *restrict a, uint32_t *restrict ci,
                          size_t cap)
{
    het_sieve_cursor c = *cp; /* in registers while it walks */
    size_t n = 0;
    /* the rest of the current word, prime by prime */
    while (n < cap && c.p && c.p <= L) {
        const uint64_t wi = c.wi;
        a[n] = (uint32_t)c.a;
        ci[n++] = c.i;
        het_sieve_cursor_next(&c);
        if (c.wi != wi)
            break;
    }
    /* whole words below L: c.p is the first prime of word c.wi */
    while (c.p && n + 64 <= cap && 240 * (c.wi + 1) - 1 <= L) {
        const uint64_t word = het_sieve_word(c.bits, c.wi);
        for (unsigned b = 0; b < 8; b++) {
            const unsigned v = (unsigned)(word >> (8 * b)) & 0xFF;
            const uint32_t ab = (uint32_t)(8 * c.wi + b);
            memcpy(&ci[n], het_wheel.bits_of[v], sizeof het_wheel.bits_of[v]);
            for (unsigned k = 0; k < 8; k++)
                a[n + k] = ab;
            n += het_wheel.nbits[v];
        }
        c.v = 0; /* the word is taken: on to the first prime of the next */
        het_sieve_cursor_next(&c);
    }
    /* the word across L, prime by prime */
    while (n < cap && c.p && c.p <= L) {
        a[n] = (uint32_t)c.a;
        ci[n++] = c.i;
        het_sieve_cursor_next(&c);
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
    het_sieve_cursor *cur = &sv->cur;
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
            het_sieve_bentry *e = sv->top[s];
            *e++ = (het_sieve_bentry){(uint32_t)ent[t], (uint32_t)(ent[t] >> 32)};
            sv->top[s] = e;
            if (__builtin_expect(((uintptr_t)e & (BLK - 1)) == 0, 0)) {
                het_sieve_bblock *nb = het__block_get(sv);
                if (!nb) {
                    sv->top[s] = e - 1;
                    return hetero_fail(HETERO_E_NOMEM, "primes: out of memory for the bucket sieve");
                }
                nb->next = het_sieve_block_of(e);
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
    het_sieve_cursor *cur = &sv->cur;
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
        const unsigned kk = het_wheel.next210[p % 210];
        if ((rc = het__push(sv, (size_t)((pos >> SEG_LOG) & sv->mask), (uint32_t)(p / 30),
                            (uint32_t)((pos & (SEG - 1)) << 9 | (i * W210 + kk)))))
            return rc;
        het_sieve_cursor_next(cur);
    }
    return HETERO_OK;
}

int het_erat_big_cross(het__primes_sieve *sv, uint8_t *seg)
{
    int rc = HETERO_OK;
    if (!sv->cur_done)
        rc = het__enter(sv, (sv->k + sv->mask) << SEG_LOG);
    if (rc == HETERO_OK)
        rc = het__cross_buckets(sv, seg);
    return rc;
}
