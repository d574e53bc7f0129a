/* primes_sieve.c - the CPU segmented sieve's driver (see primes_sieve.h
 * for the design, primes_common.h for the layout, sieve_internal.h for the
 * map of its files): a lane's start (its share of the sieving primes, by
 * tier) and its segments (pre-sieve, then each tier crossing out), the
 * range sieve built on one lane, the tables' checks, and small helpers. */
#include "sieve_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clones.h"

#define SEG HET_PRIMES_SEG_BYTES
#define SEG_LOG HET_PRIMES_SEG_LOG
#define CHUNK HET_SIEVE_CHUNK
#define R HET_PRIMES_RES

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
uint64_t het_sieve_popcount(const uint8_t *p, size_t n)
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

/* ---- the tables ----------------------------------------------------------- */

int het_sieve_tables(void)
{
    het_wheel_init();
    return het_presieve_init();
}

int het_primes_check_tables(void)
{
    int rc = het_sieve_tables();
    if (rc == HETERO_OK)
        rc = het_presieve_check();
    if (rc == HETERO_OK)
        rc = het_wheel_check();
    return rc;
}

/* ---- a lane --------------------------------------------------------------- */

int het_primes_sieve_new(het__primes_sieve **out)
{
    int rc = het_sieve_tables();
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
    het_erat_big_free(sv);
    free(sv->buf);
    free(sv);
}

/* Starts lane `lane` of `nlanes` on the stream of the numbers [S, hi) with
 * S = 30 * origin: its share of the small and medium primes (every
 * nlanes-th, so that the shares weigh the same) and an empty ring; the
 * bucket primes (the words of the bitmap congruent to lane) enter as the
 * stream reaches them. */
int het_sieve_lane_start(het__primes_sieve *sv, const het__primes_base *b, uint64_t origin, uint64_t hi,
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
    het_sieve_cursor c;
    het_sieve_cursor_init(&c, b, HET_SIEVE_FIRST_SIEVED, 0, 1);
    unsigned idx = 0;
    for (; c.p && c.p <= sv->r && c.p < HET_SIEVE_MED_MAX; het_sieve_cursor_next(&c), idx++) {
        if (idx % nlanes != lane)
            continue;
        int rc = c.p < HET_SIEVE_SMALL_MAX ? het_erat_small_add(sv, 0, c.p)
                 : c.p < HET_SIEVE_MT_MAX  ? het_erat_small_add(sv, 1, c.p)
                                           : het_erat_medium_add(sv, c.p);
        if (rc)
            return rc;
    }
    /* the first bucket prime, if the stream needs any */
    return het_erat_big_start(sv, c.p);
}

/* Sieves the lane's next segment into seg; *n: its length in bytes.  Lane
 * 0 fills it with the pre-sieve pattern, the others with ones (the lanes'
 * segments are ANDed). */
int het_sieve_lane_segment(het__primes_sieve *sv, uint8_t *seg, size_t *n_out)
{
    const uint64_t P = sv->k << SEG_LOG;
    const size_t n = sv->end - P < SEG ? (size_t)(sv->end - P) : SEG;
    const uint64_t abs = sv->origin + P;
    for (size_t c = 0; c < n; c += CHUNK) {
        const size_t m = n - c < CHUNK ? n - c : CHUNK;
        if (sv->lane == 0)
            het_presieve_fill(seg + c, m, abs + c);
        else
            memset(seg + c, 0xFF, m);
        het_erat_small_cross(seg + c, (int64_t)m, sv->pr[0], sv->npr[0]);
    }
    het_erat_small_cross(seg, (int64_t)n, sv->pr[1], sv->npr[1]);
    int rc = het_erat_medium_cross(sv, seg, (int64_t)n);
    if (sv->mask && rc == HETERO_OK)
        rc = het_erat_big_cross(sv, seg);
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
    int rc = het_sieve_lane_start(sv, b, S30, hi, 0, 1);
    if (rc)
        return rc;
    const uint64_t nbytes = sv->end;
    uint64_t total = het_primes_tiny(lo, hi, tiny);
    for (uint64_t P = 0; P < nbytes; P += SEG) {
        uint8_t *seg = sv->buf;
        size_t n;
        if ((rc = het_sieve_lane_segment(sv, seg, &n)))
            break;
        if (P == 0)
            seg[0] &= (uint8_t)het_primes_byte_mask(lo - S, 30);
        if (P + n == nbytes)
            seg[n - 1] &= (uint8_t)het_primes_byte_mask(0, hi - S - 30 * (nbytes - 1));
        total += het_sieve_popcount(seg, n);
        if (visit && (rc = visit(arg, S + 30 * P, seg, n)))
            break;
    }
    if (rc) {
        het_erat_big_drain(sv);
        return rc;
    }
    *count = total;
    return HETERO_OK;
}
