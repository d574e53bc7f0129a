/* primes_nth.c - --nth N: the bound U with p_N < U that the job sieves up
 * to (the same bits on every rank, whatever its libm), and, once the
 * grains are counted, the prime where the running count reaches N, found
 * by sieving its grain again.
 */
#include "hetero.h"
#include "wl_primes.h"

#include <inttypes.h>

#include "primes_common.h"
#include "primes_job.h"

/* ln(x) for x >= 1 in +, -, *, / only (contract 1: the bound below fixes
 * the grains, so every rank, whatever its libm, must get the same bits).
 * x = 2^e * m with m in [1, 2), ln m = 2 atanh(z), z = (m-1)/(m+1) <= 1/3. */
static double primes_ln(double x)
{
    int e = 0;
    while (x >= 2.0) {
        x /= 2.0; /* exact */
        e++;
    }
    const double z = (x - 1.0) / (x + 1.0), z2 = z * z;
    double term = z, sum = 0.0;
    for (int k = 1; k < 80; k += 2) {
        sum += term / k;
        term *= z2;
    }
    return 2.0 * sum + e * 0.6931471805599453094;
}

/* An upper bound U with p_n < U (clamped to 2^64 - 1, which is not prime,
 * so the largest 64-bit primes are still below it).  Rosser (n >= 6),
 * Dusart 1999 (n >= 39017) and Dusart 2010 (n >= 688383):
 *   p_n <= n (ln n + ln ln n - 1 + (ln ln n - 2) / ln n);
 * the relative margin 1e-9 dwarfs the rounding error of the doubles. */
uint64_t het_primes_nth_bound(uint64_t n)
{
    if (n < 6)
        return 12; /* p_5 = 11 */
    const double x = (double)n, l = primes_ln(x), ll = primes_ln(l);
    double ub;
    if (n >= 688383)
        ub = x * (l + ll - 1.0 + (ll - 2.0) / l);
    else if (n >= 39017)
        ub = x * (l + ll - 0.9484);
    else
        ub = x * (l + ll);
    ub = ub * (1.0 + 1e-9) + 64.0;
    if (ub >= 18446744073709551615.0) /* rounds to 2^64 */
        return UINT64_MAX;
    return (uint64_t)ub + 1;
}

/* Finds the k-th prime (k >= 1) in the segments handed to it. */
typedef struct primes_nth_ctx {
    uint64_t k;
    uint64_t prime;
} primes_nth_ctx;

#define PRIMES_FOUND 1 /* a visitor's "stop, found it" (positive: not an error) */

static int primes_nth_visit(void *arg, uint64_t first, const uint8_t *bits, size_t nbytes)
{
    primes_nth_ctx *c = arg;
    for (size_t k = 0; k < nbytes; k++) {
        unsigned v = bits[k];
        unsigned pc = (unsigned)__builtin_popcount(v);
        if (pc < c->k) {
            c->k -= pc;
            continue;
        }
        while (--c->k)
            v &= v - 1;
        c->prime = first + 30 * k + HET_PRIMES_RES[__builtin_ctz(v)];
        return PRIMES_FOUND;
    }
    return 0;
}

int primes_find_nth(hetero_job *job, const uint64_t *counts)
{
    const primes_params *p = hetero_job_params(job);
    primes_state *s = hetero_job_state(job);
    uint64_t before = 0, g = 0;
    for (; g < hetero_job_grains(job); g++) {
        if (counts[g] >= p->n - before)
            break;
        before += counts[g];
    }
    if (g == hetero_job_grains(job))
        return hetero_fail(HETERO_E_INTERNAL,
                           "--nth: only %" PRIu64 " primes below the bound %" PRIu64 ", fewer than %" PRIu64,
                           s->count, s->hi, p->n);
    uint64_t lo, hi, tiny[3], cnt;
    primes_grain(s, g, &lo, &hi);
    primes_nth_ctx c = {.k = p->n - before};
    unsigned nt = het_primes_tiny(lo, hi, tiny);
    if (c.k <= nt) {
        s->prime = tiny[c.k - 1];
        return HETERO_OK;
    }
    c.k -= nt;
    het__primes_sieve *sv = NULL;
    int rc = het_primes_sieve_new(&sv);
    if (rc == HETERO_OK)
        rc = het_primes_sieve_range(sv, &s->base, lo, hi, primes_nth_visit, &c, &cnt);
    het_primes_sieve_free(sv);
    if (rc == PRIMES_FOUND) {
        s->prime = c.prime;
        return HETERO_OK;
    }
    if (rc == HETERO_OK)
        rc = hetero_fail(HETERO_E_INTERNAL, "--nth: grain %" PRIu64 " has fewer primes on the second sieve",
                         g);
    return rc;
}
