/* erat_small.c - sieving primes with many multiples per segment, by turns
 * of the mod-30 wheel (primesieve's EratSmall): each prime's eight
 * multiples of a turn are crossed out together, the byte offsets and bit
 * masks fixed by the prime's class, so a turn is eight stores with no
 * branch.  One copy of the loops serves the small tier (primes below
 * HET_SIEVE_SMALL_MAX, one L1 block at a time) and the first medium tier
 * (below HET_SIEVE_MT_MAX, the whole segment). */
#include "sieve_internal.h"

#include <stdlib.h>

#define F HET_PRIMES_F
#define B HET_PRIMES_B
#define CLASS HET_PRIMES_CLASS

/* Crosses out the multiples of the small primes of class i (a compile-time
 * constant after inlining, so the eight bit masks are immediates) in
 * seg[0..n), and carries each prime's position to the next block. */
static inline __attribute__((always_inline)) void
het__cross_small(uint8_t *seg, int64_t n, het_sieve_small *sp, size_t cnt, const int i)
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

static inline __attribute__((always_inline)) void
het__cross_tier(uint8_t *seg, int64_t n, het_sieve_small *const *pr, const size_t *npr)
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

/* The small and the medium tier by turns: one copy of the eight classes'
 * loops, called for an L1 block or for a whole segment (never inlined, even
 * across files). */
__attribute__((noinline)) void het_erat_small_cross(uint8_t *seg, int64_t n, het_sieve_small *const *pr,
                                                    const size_t *npr)
{
    het__cross_tier(seg, n, pr, npr);
}

int het_erat_small_add(het__primes_sieve *sv, int tier, uint64_t p)
{
    const int i = CLASS[p % 30];
    if (sv->npr[tier][i] == sv->cappr[tier][i]) {
        size_t cap = sv->cappr[tier][i] ? 2 * sv->cappr[tier][i] : 256;
        het_sieve_small *n = realloc(sv->pr[tier][i], cap * sizeof *n);
        if (!n)
            return hetero_fail(HETERO_E_NOMEM, "primes: out of memory for sieving primes");
        sv->pr[tier][i] = n;
        sv->cappr[tier][i] = cap;
    }
    int64_t q;
    const unsigned j = het_sieve_first_multiple(sv, p, &q);
    sv->pr[tier][i][sv->npr[tier][i]++] = (het_sieve_small){(uint32_t)p, j, q};
    return HETERO_OK;
}
