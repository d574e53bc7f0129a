/* base.c - the sieving primes every sieve of a job reads (primesieve's
 * SievingPrimes): the primes up to sqrt(hi) as one wheel bitmap, sieved
 * once per job in chunks across threads, each chunk by a lane of its own;
 * and the cursor that walks such a bitmap in ascending order. */
#include "sieve_internal.h"

#include <inttypes.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The first prime >= from in words wi = first (mod stride), from the
 * first such word at or after the word of from. */
void het_sieve_cursor_init(het_sieve_cursor *c, const het__primes_base *b, uint64_t from, uint64_t first,
                           uint64_t stride)
{
    c->bits = b->bits;
    c->nwords = (b->nbytes + 7) / 8; /* the bitmap is zero-padded to words */
    c->stride = stride;
    uint64_t w0 = from / 240;
    c->wi = w0 + (first + stride - w0 % stride) % stride;
    c->v = c->wi < c->nwords ? het_sieve_word(b->bits, c->wi) : 0;
    c->p = 0;
    if (c->wi >= c->nwords) {
        c->wi = c->nwords;
        return;
    }
    do
        het_sieve_cursor_next(c);
    while (c->p && c->p < from);
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

/* Level 0: the primes 7..r0 (r0 <= 65535) by a plain sieve, into b0's
 * bitmap. */
static int het__base_level0(het__primes_base *b0)
{
    const uint64_t r0 = b0->limit;
    uint8_t *comp = calloc(r0 + 1, 1);
    if (!comp)
        return HETERO_E_NOMEM;
    for (uint64_t i = 2; i * i <= r0; i++)
        if (!comp[i])
            for (uint64_t k = i * i; k <= r0; k += i)
                comp[k] = 1;
    for (uint64_t i = 7; i <= r0; i++)
        if (!comp[i])
            b0->bits[i / 30] |= (uint8_t)(1u << het_primes_bit_of((unsigned)(i % 30)));
    free(comp);
    return HETERO_OK;
}

/* Level 1: the segmented sieve of [0, limit] with the primes of b0, in
 * chunks across threads, each chunk's segments copied straight into
 * b->bits; *total_out gets the primes counted. */
static int het__base_level1(het__primes_base *b, const het__primes_base *b0, int nthreads,
                            uint64_t *total_out)
{
    const uint64_t chunk = UINT64_C(1) << 21; /* bytes: 63M numbers */
    const uint64_t nchunks = (b->nbytes + chunk - 1) / chunk;
    const uint64_t end = b->limit + 1;
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
                rc = het_primes_sieve_range(sv, b0, lo, hi, het__copy_visit, b->bits, &n);
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
    if (err)
        het_errmsg_set(msg);
    *total_out = total;
    return err;
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
    const uint64_t r0 = het_primes_isqrt(limit);
    het__primes_base b0 = {.nbytes = r0 / 30 + 1, .limit = r0, .pre = b->pre};
    b0.bits = calloc((b0.nbytes + 7) / 8 * 8, 1);
    if (!b->pre || !b->bits || !b0.bits || het__base_level0(&b0) != HETERO_OK) {
        free(b0.bits);
        het_primes_base_free(b);
        return hetero_fail(HETERO_E_NOMEM, "primes: out of memory for the sieving primes up to %" PRIu64,
                           limit);
    }
    uint64_t total = 0;
    int rc = het__base_level1(b, &b0, nthreads, &total);
    free(b0.bits);
    if (rc) {
        het_primes_base_free(b);
        return rc;
    }
    uint64_t tiny[3];
    b->count = total - het_primes_tiny(0, limit + 1, tiny);
    return HETERO_OK;
}
