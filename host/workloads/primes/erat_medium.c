/* erat_medium.c - sieving primes with a few multiples per segment, one
 * multiple at a time (primesieve's EratMedium): primes from
 * HET_SIEVE_MT_MAX up to HET_SIEVE_MED_MAX step through their multiples in
 * mod-30 wheel order, each step a test, a store and a precomputed distance.
 * A lane keeps them in 64 lists, by class and by the wheel index each
 * stopped at, so that a list's primes all enter the unrolled wheel at the
 * same place and the jump into it is predicted. */
#include "sieve_internal.h"

#include <stdlib.h>

#define R HET_PRIMES_RES
#define GAP HET_PRIMES_GAP
#define F HET_PRIMES_F
#define B HET_PRIMES_B
#define INC HET_PRIMES_INC
#define CLASS HET_PRIMES_CLASS

static inline int het__ms_push(het__primes_sieve *sv, unsigned buf, unsigned l, int64_t pos, uint32_t a)
{
    if (__builtin_expect(sv->nms[buf][l] == sv->capms[buf][l], 0)) {
        size_t cap = sv->capms[buf][l] ? 2 * sv->capms[buf][l] : 64;
        het_sieve_mentry *n = realloc(sv->ms[buf][l], cap * sizeof *n);
        if (!n)
            return hetero_fail(HETERO_E_NOMEM, "primes: out of memory for sieving primes");
        sv->ms[buf][l] = n;
        sv->capms[buf][l] = cap;
    }
    sv->ms[buf][l][sv->nms[buf][l]++] = (het_sieve_mentry){pos, a, 0};
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
        const het_sieve_mentry *e = sv->ms[cur][i * 8 + j0];
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

/* The eight classes' loops, one copy (never inlined, even across files);
 * the lists just read become the ones to write. */
__attribute__((noinline)) int het_erat_medium_cross(het__primes_sieve *sv, uint8_t *seg, int64_t n)
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

int het_erat_medium_add(het__primes_sieve *sv, uint64_t p)
{
    const int i = CLASS[p % 30];
    int64_t q;
    const unsigned j = het_sieve_first_multiple(sv, p, &q);
    return het__ms_push(sv, sv->mcur, (unsigned)(i * 8) + j, q + (int64_t)((p / 30) * R[j] + F[i][j]),
                        (uint32_t)(p / 30));
}
