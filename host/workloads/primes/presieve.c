/* presieve.c - the pre-sieve: periodic tables that cross out the multiples
 * of the smallest primes in a whole segment at once, instead of sieving
 * them (primesieve's PreSieve).  The CPU's fifteen tables cover 7..163 and
 * fill every segment of lane 0 (the other lanes start from ones); the
 * kernel's three cover 7..43 and are built here for primes_cl.c to hand to
 * the device.  Both are program constants, built once. */
#include "sieve_internal.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "clones.h"

#define R HET_PRIMES_RES

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

/* ---- the CPU's own pre-sieve (7..163) ------------------------------------ */

/* Fifteen periodic tables cross out the multiples of the 35 primes 7..163
 * (the kernel's tables stop at 43: the CPU sieve does not use them).  Each
 * table's period is the product of its primes (at most 2^16 bytes), stored
 * repeated to at least CPRE_MIN_LEN bytes; a segment is the AND of the
 * tables, read in runs that never wrap. */
#define CPRE_TABLES 15
#define CPRE_MIN_LEN 32768u
#define FIRST_BYTES 6 /* the bytes holding the pre-sieve primes, < 167^2 */
static const uint8_t het__cpre_primes[CPRE_TABLES][3] = {
    {7, 89, 97},   {11, 71, 73},  {13, 61, 67},  {19, 53, 59},  {31, 43, 47},
    {29, 37, 41},  {17, 23, 83},  {79, 0, 0},    {101, 163, 0}, {103, 157, 0},
    {107, 151, 0}, {109, 149, 0}, {113, 139, 0}, {127, 137, 0}, {131, 0, 0},
};

static struct {
    uint8_t *tab[CPRE_TABLES];
    uint32_t len[CPRE_TABLES];
    uint8_t first[FIRST_BYTES]; /* bytes 0..5 (numbers 0..179) once sieved */
    int ok;
} het__cpre;
static pthread_once_t het__cpre_once = PTHREAD_ONCE_INIT;

static void het__cpre_init(void)
{
    for (int g = 0; g < CPRE_TABLES; g++) {
        uint32_t period = 1;
        for (int k = 0; k < 3 && het__cpre_primes[g][k]; k++)
            period *= het__cpre_primes[g][k];
        const uint32_t len = (CPRE_MIN_LEN + period - 1) / period * period;
        uint8_t *t = malloc(len);
        if (!t) {
            for (int h = 0; h < g; h++)
                free(het__cpre.tab[h]);
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
        het__cpre.tab[g] = t;
        het__cpre.len[g] = len;
    }
    /* numbers below 180 < 167^2: prime iff not 1 and no smaller factor */
    for (unsigned n = 0; n < 30 * FIRST_BYTES; n++) {
        const int bit = het_primes_bit_of(n % 30);
        int prime = bit >= 0 && n > 1;
        for (unsigned d = 7; d * d <= n && prime; d++)
            if (n % d == 0)
                prime = 0;
        if (prime)
            het__cpre.first[n / 30] |= (uint8_t)(1u << bit);
    }
    het__cpre.ok = 1;
}

int het_presieve_init(void)
{
    pthread_once(&het__cpre_once, het__cpre_init);
    return het__cpre.ok ? HETERO_OK
                        : hetero_fail(HETERO_E_NOMEM, "primes: out of memory for the pre-sieve tables");
}

int het_presieve_check(void)
{
    /* the pre-sieve tables: a bit is clear iff its number is a multiple of
     * one of the table's primes */
    for (int g = 0; g < CPRE_TABLES; g++)
        for (uint32_t k = 0; k < het__cpre.len[g]; k++)
            for (int t = 0; t < 8; t++) {
                const uint64_t n = 30 * (uint64_t)k + R[t];
                int multiple = 0;
                for (int q = 0; q < 3 && het__cpre_primes[g][q]; q++)
                    multiple |= n % het__cpre_primes[g][q] == 0;
                if (((het__cpre.tab[g][k] >> t) & 1) == multiple)
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
        if (((het__cpre.first[n / 30] >> bit) & 1) != prime)
            return hetero_fail(HETERO_E_INTERNAL,
                               "primes: the first bytes of the number line are wrong at %u", n);
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

_Static_assert(CPRE_TABLES == 15, "het_presieve_fill ANDs 8 + 7 tables");

/* Fills d[0..n) with the pre-sieve pattern of absolute wheel bytes abs on,
 * the numbers below 180 fixed to their true bits. */
__attribute__((noinline)) void het_presieve_fill(uint8_t *d, size_t n, uint64_t abs)
{
    uint32_t pos[CPRE_TABLES];
    for (int g = 0; g < CPRE_TABLES; g++)
        pos[g] = (uint32_t)(abs % het__cpre.len[g]);
    uint8_t *const d0 = d;
    const size_t n0 = n;
    while (n) {
        size_t run = n;
        for (int g = 0; g < CPRE_TABLES; g++)
            if (het__cpre.len[g] - pos[g] < run)
                run = het__cpre.len[g] - pos[g];
        uint8_t *const *t = het__cpre.tab;
        het__and8(d, run, t[0] + pos[0], t[1] + pos[1], t[2] + pos[2], t[3] + pos[3], t[4] + pos[4],
                  t[5] + pos[5], t[6] + pos[6], t[7] + pos[7]);
        het__and7_into(d, run, t[8] + pos[8], t[9] + pos[9], t[10] + pos[10], t[11] + pos[11],
                       t[12] + pos[12], t[13] + pos[13], t[14] + pos[14]);
        d += run;
        n -= run;
        for (int g = 0; g < CPRE_TABLES; g++) {
            pos[g] += (uint32_t)run;
            if (pos[g] == het__cpre.len[g])
                pos[g] = 0;
        }
    }
    for (uint64_t k = 0; abs + k < FIRST_BYTES && k < n0; k++)
        d0[k] = het__cpre.first[abs + k];
}
