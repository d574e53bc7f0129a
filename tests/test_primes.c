/* test_primes.c - the primes workload on the CPU path, driven the way the
 * engine drives it (options, checks, plan, cpu_batch, merge, result),
 * and its sieve against independent references: published values of
 * pi(x) and of the Nth prime, trial division, and a deterministic
 * Miller-Rabin test for 64-bit numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <dirent.h>
#include <inttypes.h>
#include <unistd.h>

#include "engine.h"
#include "primes_common.h"
#include "primes_sieve.h"
#include "wl_primes.h"
#include "workload.h"

#define U64_MAX_STR "18446744073709551615"

/* A build E2E_SLOW times slower than Release (a sanitizer, -O0) runs every
 * case but repeats less near 2^64, where each stream walks all 2^32
 * sieving primes: the Release build checks every value, a sanitizer needs
 * each path taken once to check its memory and arithmetic. */
static int thinned(void)
{
    const char *slow = getenv("E2E_SLOW");
    return slow && atoi(slow) > 1;
}

/* ---- references ------------------------------------------------------------ */

static int trial_prime(uint64_t n)
{
    if (n < 2)
        return 0;
    for (uint64_t d = 2; d * d <= n; d++)
        if (n % d == 0)
            return 0;
    return 1;
}

static uint64_t mulmod(uint64_t a, uint64_t b, uint64_t m)
{
    return (uint64_t)((unsigned __int128)a * b % m);
}

static uint64_t powmod(uint64_t a, uint64_t e, uint64_t m)
{
    uint64_t r = 1;
    for (a %= m; e; e >>= 1, a = mulmod(a, a, m))
        if (e & 1)
            r = mulmod(r, a, m);
    return r;
}

/* Deterministic for every n < 2^64 with the first 12 prime bases. */
static int mr_prime(uint64_t n)
{
    static const uint64_t bases[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37};
    if (n < 2)
        return 0;
    for (size_t i = 0; i < 12; i++)
        if (n % bases[i] == 0)
            return n == bases[i];
    uint64_t d = n - 1;
    int s = 0;
    while (!(d & 1)) {
        d >>= 1;
        s++;
    }
    for (size_t i = 0; i < 12; i++) {
        uint64_t x = powmod(bases[i], d, n);
        if (x == 1 || x == n - 1)
            continue;
        int composite = 1;
        for (int r = 1; r < s && composite; r++) {
            x = mulmod(x, x, n);
            if (x == n - 1)
                composite = 0;
        }
        if (composite)
            return 0;
    }
    return 1;
}

static uint64_t mr_count(uint64_t lo, uint64_t hi)
{
    uint64_t c = 0;
    for (uint64_t n = lo; n < hi; n++)
        c += (uint64_t)mr_prime(n);
    return c;
}

/* ---- the workload, as the engine runs it --------------------------------- */

typedef struct run {
    hetero_job job;
    uint64_t *partials;
    hetero_field f[HETERO_MAX_FIELDS];
    size_t nf;
} run;

/* Plans the job given by the option pairs (NULL-terminated), computes every
 * grain on the CPU in one batch with nthreads threads, merges. */
static int run_job(run *r, int nthreads, ...)
{
    va_list ap;
    memset(r, 0, sizeof *r);
    assert_int_equal(het_job_init(&r->job, &het_wl_primes), HETERO_OK);
    va_start(ap, nthreads);
    for (const char *name; (name = va_arg(ap, const char *));) {
        const char *value = va_arg(ap, const char *);
        int rc = hetero_job_set(&r->job, name, value);
        if (rc) {
            va_end(ap);
            return rc;
        }
    }
    va_end(ap);
    int rc = het_job_plan(&r->job);
    if (rc)
        return rc;
    assert_int_equal(r->job.partial_size, sizeof(uint64_t));
    r->partials = malloc(r->job.n_grains * sizeof(uint64_t));
    assert_non_null(r->partials);
    memset(r->partials, 0xA5, r->job.n_grains * sizeof(uint64_t)); /* poison */
    rc = het_wl_primes.cpu_batch(&r->job, 0, r->job.n_grains, r->partials, nthreads);
    if (rc)
        return rc;
    rc = het_job_merge(&r->job, r->partials);
    if (rc)
        return rc;
    r->nf = het_wl_primes.result(&r->job, r->f, HETERO_MAX_FIELDS);
    return HETERO_OK;
}

static void run_free(run *r)
{
    free(r->partials);
    het_job_free(&r->job);
}

static uint64_t field(const run *r, const char *name)
{
    for (size_t i = 0; i < r->nf; i++)
        if (strcmp(r->f[i].name, name) == 0) {
            assert_int_equal(r->f[i].kind, HETERO_FIELD_U64);
            return r->f[i].v.u64;
        }
    fail_msg("result has no field '%s'", name);
    return 0;
}

static uint64_t count_range(uint64_t a, uint64_t b, int nthreads)
{
    char v[64];
    run r;
    snprintf(v, sizeof v, "%" PRIu64 ":%" PRIu64, a, b);
    assert_int_equal(run_job(&r, nthreads, "--range", v, NULL), HETERO_OK);
    uint64_t c = field(&r, "count");
    run_free(&r);
    return c;
}

static uint64_t nth_prime(uint64_t n)
{
    char v[32];
    run r;
    snprintf(v, sizeof v, "%" PRIu64, n);
    assert_int_equal(run_job(&r, 2, "--nth", v, NULL), HETERO_OK);
    assert_int_equal(field(&r, "n"), n);
    uint64_t p = field(&r, "prime");
    run_free(&r);
    return p;
}

/* ---- wheel tables ------------------------------------------------------------ */

static void wheel_tables_follow_their_definitions(void **state)
{
    (void)state;
    for (int i = 0; i < 8; i++) {
        assert_int_equal(het_primes_bit_of(HET_PRIMES_RES[i]), i);
        assert_int_equal(HET_PRIMES_CLASS[HET_PRIMES_RES[i]], i);
        const unsigned next = i < 7 ? HET_PRIMES_RES[i + 1] : 31;
        assert_int_equal(HET_PRIMES_GAP[i], next - HET_PRIMES_RES[i]);
        for (int j = 0; j < 8; j++) {
            const unsigned ri = HET_PRIMES_RES[i], rj = HET_PRIMES_RES[j];
            assert_int_equal(HET_PRIMES_F[i][j], ri * rj / 30);
            assert_int_equal(HET_PRIMES_B[i][j], het_primes_bit_of(ri * rj % 30));
            assert_int_equal(HET_PRIMES_INC[i][j], ri * (rj + HET_PRIMES_GAP[j]) / 30 - ri * rj / 30);
        }
    }
    for (unsigned t = 0; t < 30; t++) {
        const unsigned j = HET_PRIMES_WHEEL_NEXT[t];
        assert_true(j < 8 && HET_PRIMES_RES[j] >= t);
        assert_true(j == 0 || HET_PRIMES_RES[j - 1] < t);
    }
}

static void presieve_tables_cross_out_exactly_the_multiples_of_7_to_43(void **state)
{
    (void)state;
    const uint8_t *pre = het_primes_pre_tables();
    assert_non_null(pre);
    const uint32_t off[3] = {HET_PRIMES_PRE_OFF_0, HET_PRIMES_PRE_OFF_1, HET_PRIMES_PRE_OFF_2};
    const uint32_t per[3] = {HET_PRIMES_PRE_PERIOD_0, HET_PRIMES_PRE_PERIOD_1, HET_PRIMES_PRE_PERIOD_2};
    const unsigned lo[3] = {7, 23, 37}, hi[3] = {19, 31, 43};
    for (int g = 0; g < 3; g++) {
        /* first period plus a stretch of the tail */
        for (uint32_t k = 0; k < per[g] + 70000; k++) {
            for (int t = 0; t < 8; t++) {
                const uint64_t n = 30 * (uint64_t)(k % per[g]) + HET_PRIMES_RES[t];
                int multiple = 0;
                for (unsigned p = lo[g]; p <= hi[g]; p++)
                    if (trial_prime(p) && n % p == 0)
                        multiple = 1;
                assert_int_equal((pre[off[g] + k] >> t) & 1, !multiple);
            }
        }
    }
}

static void cpu_sieve_tables_follow_their_definitions(void **state)
{
    (void)state;
    /* the CPU's pre-sieve tables (7..97), the first bytes of the number
     * line and the mod-210 wheel of the bucket primes */
    assert_int_equal(het_primes_check_tables(), HETERO_OK);
}

static void isqrt_is_exact_at_the_edges(void **state)
{
    (void)state;
    assert_int_equal(het_primes_isqrt(0), 0);
    assert_int_equal(het_primes_isqrt(1), 1);
    assert_int_equal(het_primes_isqrt(3), 1);
    assert_int_equal(het_primes_isqrt(4), 2);
    assert_int_equal(het_primes_isqrt(UINT64_MAX), UINT32_MAX);
    const uint64_t s = UINT64_C(4294967291); /* largest 32-bit prime */
    assert_int_equal(het_primes_isqrt(s * s), s);
    assert_int_equal(het_primes_isqrt(s * s - 1), s - 1);
    assert_int_equal(het_primes_isqrt((uint64_t)UINT32_MAX * UINT32_MAX), UINT32_MAX);
    assert_int_equal(het_primes_isqrt((uint64_t)UINT32_MAX * UINT32_MAX - 1), UINT32_MAX - 1);
}

/* ---- counts against references --------------------------------------------- */

static void pi_of_powers_of_ten_match_published_values(void **state)
{
    (void)state;
    static const uint64_t pi[11] = {0, 4, 25, 168, 1229, 9592, 78498, 664579, 5761455, 50847534, 455052511};
    uint64_t x = 1;
    for (int k = 1; k <= 10; k++) {
        x *= 10;
        assert_int_equal(count_range(0, x, 2), pi[k]);
    }
}

static void every_small_range_matches_trial_division(void **state)
{
    (void)state;
    enum { MAX = 2000 };
    static uint64_t below[MAX + 1]; /* primes < n */
    for (uint64_t n = 1; n <= MAX; n++)
        below[n] = below[n - 1] + (uint64_t)trial_prime(n - 1);
    het__primes_base b;
    het__primes_sieve *sv;
    assert_int_equal(het_primes_base_init(&b, het_primes_isqrt(MAX - 1), 1), HETERO_OK);
    assert_int_equal(het_primes_sieve_new(&sv), HETERO_OK);
    for (uint64_t a = 0; a < MAX; a++)
        for (uint64_t bb = a + 1; bb <= MAX; bb++) {
            uint64_t c = 0;
            assert_int_equal(het_primes_sieve_range(sv, &b, a, bb, NULL, NULL, &c), HETERO_OK);
            if (c != below[bb] - below[a])
                fail_msg("[%" PRIu64 ", %" PRIu64 "): %" PRIu64 " primes, expected %" PRIu64, a, bb, c,
                         below[bb] - below[a]);
        }
    het_primes_sieve_free(sv);
    het_primes_base_free(&b);
}

static void small_ranges_through_the_workload_match_trial_division(void **state)
{
    (void)state;
    static const uint64_t starts[] = {0, 1, 2, 3, 5, 6, 7, 29, 30, 31, 43, 47, 48, 997, 1999};
    for (size_t i = 0; i < sizeof starts / sizeof *starts; i++) {
        if (thinned() && i % 3 != 0) /* 0, 3, 7, 31, 48 */
            continue;
        uint64_t expect = 0;
        for (uint64_t b = starts[i]; b <= 2000; b++) {
            /* thinned: every end to 240 (the first bytes and wheel turns),
             * then every 8th */
            if (!thinned() || b <= 240 || b % 8 == 0)
                assert_int_equal(count_range(starts[i], b, 1 + (int)(b & 1)), expect);
            expect += (uint64_t)trial_prime(b);
        }
    }
}

static void empty_ranges_count_nothing(void **state)
{
    (void)state;
    assert_int_equal(count_range(0, 0, 2), 0);
    assert_int_equal(count_range(7, 7, 2), 0);
    assert_int_equal(count_range(UINT64_MAX, UINT64_MAX, 2), 0);
    assert_int_equal(count_range(2, 3, 2), 1);
}

static void ranges_straddling_2_to_the_32_match_miller_rabin(void **state)
{
    (void)state;
    const uint64_t t = UINT64_C(1) << 32;
    assert_int_equal(count_range(t - 5000, t + 5000, 2), mr_count(t - 5000, t + 5000));
    assert_int_equal(count_range(t - 4, t + 16, 2), mr_count(t - 4, t + 16));
    /* a range whose sieving primes reach past the segment size, straddling */
    assert_int_equal(count_range(t - 1000000, t + 1000000, 2), mr_count(t - 1000000, t + 1000000));
}

static void ranges_near_2_to_the_64_match_miller_rabin(void **state)
{
    (void)state;
    /* one plan of sqrt(2^64) sieving primes, many ranges against it */
    het__primes_base b;
    het__primes_sieve *sv;
    assert_int_equal(het_primes_base_init(&b, UINT32_MAX, 0), HETERO_OK);
    assert_int_equal(b.count, 203280221 - 3); /* pi(2^32) without 2, 3, 5 */
    assert_int_equal(het_primes_sieve_new(&sv), HETERO_OK);
    const uint64_t top = UINT64_MAX;
    /* 2^64 - 59 is the largest 64-bit prime; 2^64 - 1 itself is composite */
    static const uint64_t widths[] = {1, 58, 59, 61, 20000};
    for (size_t i = 0; i < sizeof widths / sizeof *widths; i++) {
        if (thinned() && (widths[i] == 58 || widths[i] == 61))
            continue;
        uint64_t c;
        assert_int_equal(het_primes_sieve_range(sv, &b, top - widths[i], top, NULL, NULL, &c), HETERO_OK);
        assert_int_equal(c, mr_count(top - widths[i], top));
    }
    het_primes_sieve_free(sv);
    het_primes_base_free(&b);
}

static void the_range_ending_at_2_to_the_64_minus_1_through_the_workload(void **state)
{
    (void)state;
    /* the ten largest 64-bit primes are 2^64 - 363 .. 2^64 - 59 */
    assert_int_equal(count_range(UINT64_MAX - 400, UINT64_MAX, 2), 10);
}

/* Counts high up, against primesieve 11 (`primesieve A B-1 -c`): every tier
 * of sieving primes at work, bucket primes entering in bulk (p^2 below the
 * range) or one by one as the stream reaches p^2 (the range around
 * 2.75e11 = (2 * 2^18)^2 holds the squares of the first bucket primes). */
static void counts_high_up_match_primesieve(void **state)
{
    (void)state;
    static const struct {
        uint64_t a, b, count;
    } r[] = {
        {UINT64_C(274000000000), UINT64_C(276000000000), 75928588},
        {UINT64_C(1000000000000), UINT64_C(1001000000000), 36190991},
        {UINT64_C(1000000000000000), UINT64_C(1000001000000000), 28946421},
        {UINT64_C(1000000000000000000), UINT64_C(1000000000100000000), 2414886},
        {UINT64_MAX - 100000000, UINT64_MAX, 2253052},
    };
    for (size_t i = 0; i < sizeof r / sizeof *r; i++) {
        /* through the workload, three lanes sharing every segment */
        assert_int_equal(count_range(r[i].a, r[i].b, 3), r[i].count);
        if (thinned() && r[i].a > UINT64_MAX / 2)
            continue;
        /* and one stream */
        het__primes_base b;
        het__primes_sieve *sv;
        uint64_t c;
        assert_int_equal(het_primes_base_init(&b, het_primes_isqrt(r[i].b - 1), 0), HETERO_OK);
        assert_int_equal(het_primes_sieve_new(&sv), HETERO_OK);
        assert_int_equal(het_primes_sieve_range(sv, &b, r[i].a, r[i].b, NULL, NULL, &c), HETERO_OK);
        assert_int_equal(c, r[i].count);
        het_primes_sieve_free(sv);
        het_primes_base_free(&b);
    }
}

/* A range cut anywhere counts the same as the whole: cut points at, just
 * before and just after segment boundaries (which move every bucket prime
 * from one list to the next), inside a segment, and a few bytes from the
 * ends, so that streams begin and end inside the bucket sieve's cycle
 * with primes in every state.  Around each cut, a window checked by
 * Miller-Rabin. */
static void a_range_cut_anywhere_counts_the_same(void **state)
{
    (void)state;
    static const uint64_t starts[] = {UINT64_C(274999000001), UINT64_C(1000000000000000),
                                      UINT64_MAX - 1000000000};
    const uint64_t seg = 30 * (uint64_t)HET_PRIMES_SEG_BYTES;
    for (size_t i = 0; i < sizeof starts / sizeof *starts; i++) {
        if (thinned() && i == 2) /* the top: grains_at_the_top_of_64_bits */
            continue;
        const uint64_t a = starts[i], b = a + 30 * seg + 12345;
        het__primes_base base;
        het__primes_sieve *sv;
        uint64_t whole, c1, c2;
        assert_int_equal(het_primes_base_init(&base, het_primes_isqrt(b - 1), 0), HETERO_OK);
        assert_int_equal(het_primes_sieve_new(&sv), HETERO_OK);
        assert_int_equal(het_primes_sieve_range(sv, &base, a, b, NULL, NULL, &whole), HETERO_OK);
        const uint64_t a30 = a - a % 30;
        const uint64_t cuts[] = {
            a30 + seg - 1, a30 + seg,      a30 + 29 * seg + 7, a + 1,          a + 29, a + 30, a30 + seg - 30,
            a30 + seg + 1, a30 + seg + 30, a30 + 7 * seg + 12, a30 + 17 * seg, b - 31, b - 1};
        /* near 2^64 every stream enters all 2^32 sieving primes (a second
         * each): one cut there, and the windows are left to
         * ranges_near_2_to_the_64_match_miller_rabin */
        const size_t ncuts = i == 2 ? 1 : sizeof cuts / sizeof *cuts;
        for (size_t k = 0; k < ncuts; k++) {
            const uint64_t m = cuts[k];
            assert_int_equal(het_primes_sieve_range(sv, &base, a, m, NULL, NULL, &c1), HETERO_OK);
            assert_int_equal(het_primes_sieve_range(sv, &base, m, b, NULL, NULL, &c2), HETERO_OK);
            if (c1 + c2 != whole)
                fail_msg("[%" PRIu64 ", %" PRIu64 ") cut at +%" PRIu64 ": %" PRIu64 " + %" PRIu64
                         " != %" PRIu64,
                         a, b, m - a, c1, c2, whole);
            if (i == 2)
                continue;
            const uint64_t wl = m - a < 300 ? a : m - 300, wh = b - m < 300 ? b : m + 300;
            assert_int_equal(het_primes_sieve_range(sv, &base, wl, wh, NULL, NULL, &c1), HETERO_OK);
            assert_int_equal(c1, mr_count(wl, wh));
        }
        het_primes_sieve_free(sv);
        het_primes_base_free(&base);
    }
}

/* ---- the Nth prime -------------------------------------------------------------- */

static void nth_primes_match_published_values(void **state)
{
    (void)state;
    assert_int_equal(nth_prime(1), 2);
    assert_int_equal(nth_prime(2), 3);
    assert_int_equal(nth_prime(3), 5);
    assert_int_equal(nth_prime(4), 7);
    assert_int_equal(nth_prime(10), 29);
    assert_int_equal(nth_prime(1000), 7919);
    assert_int_equal(nth_prime(20000), 224737);
    assert_int_equal(nth_prime(1000000), 15485863);
    /* the tutorial's "20000th prime", which counts 1 as prime */
    assert_int_equal(nth_prime(19999), 224729);
}

static void nth_prime_agrees_with_trial_division_for_every_small_n(void **state)
{
    (void)state;
    uint64_t n = 0;
    for (uint64_t x = 2; n < 700; x++)
        if (trial_prime(x))
            assert_int_equal(nth_prime(++n), x);
}

static void nth_bound_is_above_the_nth_prime_and_fits_64_bits(void **state)
{
    (void)state;
    static const uint64_t n[] = {1,
                                 5,
                                 6,
                                 10,
                                 1000,
                                 20000,
                                 39016,
                                 39017,
                                 688382,
                                 688383,
                                 1000000,
                                 UINT64_C(1000000000000),
                                 UINT64_C(10000000000000000)};
    static const uint64_t p[] = {2,
                                 11,
                                 13,
                                 29,
                                 7919,
                                 224737,
                                 467471,
                                 467473,
                                 10384259,
                                 10384261,
                                 15485863,
                                 UINT64_C(29996224275833),
                                 UINT64_C(394906913903735329)};
    for (size_t i = 0; i < sizeof n / sizeof *n; i++) {
        const uint64_t u = het_primes_nth_bound(n[i]);
        assert_true(p[i] < u);
        /* and not wastefully loose (Dusart's bound is within 0.1% there) */
        if (n[i] >= 688383)
            assert_true(u - p[i] < p[i] / 1000);
        else if (n[i] >= 1000)
            assert_true(u - p[i] < p[i] / 5);
    }
    assert_int_equal(het_primes_nth_bound(UINT64_C(425656284035217743)), UINT64_MAX);
}

/* ---- grains -------------------------------------------------------------------- */

static void grains_partition_the_range_whatever_the_batching(void **state)
{
    (void)state;
    run r;
    assert_int_equal(run_job(&r, 2, "--range", "1000000007:1200000001", NULL), HETERO_OK);
    const hetero_job *job = &r.job;
    assert_true(job->n_grains > 4);
    assert_int_equal(het_wl_primes.items(job, 0, job->n_grains), 1200000001 - 1000000007);
    uint64_t sum = 0;
    for (uint64_t g = 0; g < job->n_grains; g++)
        sum += het_wl_primes.items(job, g, 1);
    assert_int_equal(sum, 1200000001 - 1000000007);
    /* grain by grain, one thread, against the whole batch on two */
    uint64_t *one = malloc(job->n_grains * sizeof *one);
    assert_non_null(one);
    for (uint64_t g = 0; g < job->n_grains; g++)
        assert_int_equal(het_wl_primes.cpu_batch(job, g, 1, &one[g], 1), HETERO_OK);
    assert_memory_equal(one, r.partials, job->n_grains * sizeof *one);
    assert_int_equal(field(&r, "count"), 9607171); /* primesieve 1000000007 1200000000 */
    free(one);
    run_free(&r);
}

/* The CPU keeps its sieve positioned between batches: a batch that starts
 * where the last one ended continues it (the rest of the last segment
 * already counted), any other starts afresh, a new thread count starts
 * afresh.  Whatever the order, width and threads of the batches, every
 * grain gets the same count.  At 1e15 a grain (31 * 2^16 wheel bytes) is
 * not a whole number of segments, so batches end inside segments. */
static void batches_in_any_order_width_and_threads_count_the_same(void **state)
{
    (void)state;
    run r;
    assert_int_equal(run_job(&r, 2, "--range", "1000000000000007:1000000400000000", NULL), HETERO_OK);
    const hetero_job *job = &r.job;
    const uint64_t n = job->n_grains;
    assert_true(n >= 6);
    assert_int_equal(field(&r, "count"), 11579016); /* primesieve 1000000000000007 1000000399999999 */
    uint64_t *ref = malloc(n * sizeof *ref), *got = malloc(n * sizeof *got);
    assert_non_null(ref);
    assert_non_null(got);
    /* backwards, one grain at a time: every batch starts afresh */
    for (uint64_t g = n; g-- > 0;)
        assert_int_equal(het_wl_primes.cpu_batch(job, g, 1, &ref[g], 1), HETERO_OK);
    assert_memory_equal(ref, r.partials, n * sizeof *ref);
    /* forwards in batches of 1, 2, 3, ... grains on 1, 2, 3 threads */
    static const uint64_t widths[] = {1, 2, 1, 3, 2, 1};
    for (int pass = 0; pass < 3; pass++) {
        memset(got, 0xA5, n * sizeof *got);
        for (uint64_t g = 0, k = 0; g < n; k++) {
            uint64_t w = widths[k % 6];
            if (w > n - g)
                w = n - g;
            const int threads = pass == 2 ? 1 + (int)(k % 3) : 1 + pass;
            assert_int_equal(het_wl_primes.cpu_batch(job, g, w, &got[g], threads), HETERO_OK);
            g += w;
        }
        assert_memory_equal(ref, got, n * sizeof *got);
    }
    /* the same batch twice, then a jump back, then the rest */
    memset(got, 0xA5, n * sizeof *got);
    assert_int_equal(het_wl_primes.cpu_batch(job, 2, 2, &got[2], 2), HETERO_OK);
    assert_int_equal(het_wl_primes.cpu_batch(job, 2, 2, &got[2], 2), HETERO_OK);
    assert_int_equal(het_wl_primes.cpu_batch(job, 0, 2, &got[0], 2), HETERO_OK);
    assert_int_equal(het_wl_primes.cpu_batch(job, 4, n - 4, &got[4], 3), HETERO_OK);
    assert_memory_equal(ref, got, n * sizeof *got);
    free(ref);
    free(got);
    run_free(&r);
}

/* A wide batch is cut into pieces of whole grains, each sieved by its own
 * stream of one or more lanes (at 1e14 a batch of 102 grains makes three
 * streams: on four threads one of two lanes and two of one; 68 grains make
 * two), and the stream that ends the batch carries on into the next. */
static void wide_batches_split_into_streams_count_the_same(void **state)
{
    (void)state;
    run r;
    assert_int_equal(run_job(&r, 4, "--range", "100000000000000:100002000000000", NULL), HETERO_OK);
    assert_int_equal(field(&r, "count"), 62036118); /* primesieve 100000000000000 100001999999999 */
    const hetero_job *job = &r.job;
    const uint64_t n = job->n_grains;
    uint64_t *got = malloc(n * sizeof *got);
    assert_non_null(got);
    static const int threads[] = {1, 2, 3, 4, 7};
    for (size_t k = 0; k < sizeof threads / sizeof *threads; k++) {
        /* a batch of two streams, one of one, then the rest one grain at
         * a time */
        memset(got, 0xA5, n * sizeof *got);
        const uint64_t w = 2 * n / 3;
        assert_int_equal(het_wl_primes.cpu_batch(job, 0, w, got, threads[k]), HETERO_OK);
        assert_int_equal(het_wl_primes.cpu_batch(job, w, n - w - 3, got + w, threads[k]), HETERO_OK);
        for (uint64_t g = n - 3; g < n; g++)
            assert_int_equal(het_wl_primes.cpu_batch(job, g, 1, got + g, threads[k]), HETERO_OK);
        assert_memory_equal(r.partials, got, n * sizeof *got);
    }
    free(got);
    run_free(&r);
}

/* The job ending at 2^64 - 1: its last grain ends at the last number, on
 * any number of threads, alone or after the others. */
static void grains_at_the_top_of_64_bits(void **state)
{
    (void)state;
    const uint64_t w = 200000;
    const uint64_t expect = mr_count(UINT64_MAX - w, UINT64_MAX);
    if (!thinned())
        assert_int_equal(count_range(UINT64_MAX - w, UINT64_MAX, 1), expect);
    assert_int_equal(count_range(UINT64_MAX - w, UINT64_MAX, 3), expect);
    /* the top 2^64 - 1 - 1e8 job: one grain, computed twice in a row (the
     * second call finds the sieve past the end and starts afresh) */
    run r;
    assert_int_equal(run_job(&r, 2, "--range", "18446744073609551615:" U64_MAX_STR, NULL), HETERO_OK);
    assert_int_equal(field(&r, "count"), 2253052);
    assert_int_equal(r.job.n_grains, 1);
    uint64_t again;
    assert_int_equal(het_wl_primes.cpu_batch(&r.job, 0, 1, &again, 3), HETERO_OK);
    assert_int_equal(again, r.partials[0]);
    run_free(&r);
}

static void grain_count_stays_bounded_up_to_2_to_the_64(void **state)
{
    (void)state;
    const uint64_t nbytes = UINT64_MAX / 30 + 1;
    const uint64_t gb = het_primes_grain_bytes(nbytes, UINT32_MAX);
    assert_true(nbytes / gb + 1 <= HET_PRIMES_MAX_GRAINS);
    assert_int_equal(gb % HET_PRIMES_GRAIN_ALIGN, 0);
    assert_int_equal(het_primes_grain_bytes(1, 0), HET_PRIMES_MIN_GRAIN_BYTES);
}

/* ---- --print ------------------------------------------------------------------- */

static void print_writes_the_primes_of_the_range_in_order(void **state)
{
    (void)state;
    char path[] = "/tmp/hetero-primes-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    run r;
    assert_int_equal(run_job(&r, 2, "--range", "0:100000", "--print", path, NULL), HETERO_OK);
    assert_int_equal(field(&r, "count"), 9592);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    uint64_t x = 0, v;
    size_t lines = 0;
    while (fscanf(f, "%" SCNu64, &v) == 1) {
        while (!trial_prime(x))
            x++;
        assert_int_equal(v, x);
        x++;
        lines++;
    }
    assert_int_equal(lines, 9592);
    assert_int_equal(fclose(f), 0);
    run_free(&r);
    unlink(path);
}

static void print_lists_the_largest_64_bit_primes(void **state)
{
    (void)state;
    static const uint64_t below[10] = {363, 353, 323, 279, 257, 189, 179, 95, 83, 59}; /* 2^64 - k */
    char path[] = "/tmp/hetero-primes-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    run r;
    assert_int_equal(run_job(&r, 2, "--range", "18446744073709551200:" U64_MAX_STR, "--print", path, NULL),
                     HETERO_OK);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    uint64_t v;
    size_t k = 0;
    while (fscanf(f, "%" SCNu64, &v) == 1) {
        assert_true(k < 10);
        assert_int_equal(v, UINT64_MAX - below[k] + 1);
        k++;
    }
    assert_int_equal(k, 10);
    assert_int_equal(fclose(f), 0);
    run_free(&r);
    unlink(path);
}

static void print_to_a_missing_directory_is_bad_input_before_the_run(void **state)
{
    (void)state;
    run r;
    /* refused by validate, before plan: a long run does not end in it */
    assert_int_equal(run_job(&r, 1, "--range", "0:100", "--print", "/nonexistent-dir/primes.txt", NULL),
                     HETERO_E_BADARG);
    assert_non_null(strstr(hetero_errmsg(), "--print"));
    assert_null(r.partials);
    run_free(&r);
}

static void print_to_a_full_device_is_an_io_error(void **state)
{
    (void)state;
    run r;
    assert_int_equal(run_job(&r, 1, "--range", "0:1e6", "--print", "/dev/full", NULL), HETERO_E_IO);
    assert_non_null(strstr(hetero_errmsg(), "--print"));
    assert_non_null(strstr(hetero_errmsg(), "No space left on device"));
    run_free(&r);
}

static void print_replaces_the_file_whole(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_primes.XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/p.txt", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("old\n", f);
    assert_int_equal(fclose(f), 0);
    /* an existing file is replaced by the whole new list, through a
     * temporary file renamed over it */
    run r;
    assert_int_equal(run_job(&r, 1, "--range", "0:1000", "--print", path, NULL), HETERO_OK);
    run_free(&r);
    f = fopen(path, "r");
    assert_non_null(f);
    char line[32];
    assert_non_null(fgets(line, sizeof line, f));
    assert_string_equal(line, "2\n"); /* replaced whole */
    assert_int_equal(fclose(f), 0);
    /* only the file itself in the directory: no temporary left behind */
    DIR *d = opendir(dir);
    assert_non_null(d);
    int entries = 0;
    for (struct dirent *e; (e = readdir(d));)
        entries += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    assert_int_equal(entries, 1);
    unlink(path);
    rmdir(dir);
}

/* ---- bad input ----------------------------------------------------------------- */

static void expect_bad(const char *name, const char *value, const char *name2, const char *value2)
{
    run r;
    assert_int_equal(run_job(&r, 1, name, value, name2, value2, NULL), HETERO_E_BADARG);
    const char *msg = hetero_errmsg();
    assert_non_null(strstr(msg, name2 && !strstr(msg, name) ? name2 : name));
    assert_null(strchr(msg, '\n'));
    run_free(&r);
}

static void bad_input_is_refused_naming_the_option(void **state)
{
    (void)state;
    expect_bad("--range", "5:3", NULL, NULL);                    /* A > B */
    expect_bad("--range", "0:18446744073709551616", NULL, NULL); /* B past 2^64 - 1 */
    expect_bad("--range", "0:2e19", NULL, NULL);
    expect_bad("--range", "10", NULL, NULL);
    expect_bad("--range", "1:2:3", NULL, NULL);
    expect_bad("--range", "-1:5", NULL, NULL);
    expect_bad("--range", "a:b", NULL, NULL);
    expect_bad("--range", ":", NULL, NULL);
    expect_bad("--nth", "0", NULL, NULL);
    expect_bad("--nth", "425656284035217744", NULL, NULL); /* past the last 64-bit prime */
    expect_bad("--nth", "1.5", NULL, NULL);
    expect_bad("--nth", "ten", NULL, NULL);
    expect_bad("--range", "1:2", "--nth", "3"); /* both */
    expect_bad("--nth", "3", "--print", "-");   /* --print needs a range */
    expect_bad("--print", "", NULL, NULL);
    run r;
    assert_int_equal(run_job(&r, 1, NULL), HETERO_E_BADARG); /* neither */
    assert_non_null(strstr(hetero_errmsg(), "--range"));
    run_free(&r);
}

static void exponent_forms_are_accepted(void **state)
{
    (void)state;
    assert_int_equal(count_range(0, 1000, 1), 168);
    run r;
    assert_int_equal(run_job(&r, 2, "--range", "1e3:1e4", NULL), HETERO_OK);
    assert_int_equal(field(&r, "count"), 1229 - 168);
    run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(wheel_tables_follow_their_definitions),
        cmocka_unit_test(presieve_tables_cross_out_exactly_the_multiples_of_7_to_43),
        cmocka_unit_test(cpu_sieve_tables_follow_their_definitions),
        cmocka_unit_test(isqrt_is_exact_at_the_edges),
        cmocka_unit_test(pi_of_powers_of_ten_match_published_values),
        cmocka_unit_test(every_small_range_matches_trial_division),
        cmocka_unit_test(small_ranges_through_the_workload_match_trial_division),
        cmocka_unit_test(empty_ranges_count_nothing),
        cmocka_unit_test(ranges_straddling_2_to_the_32_match_miller_rabin),
        cmocka_unit_test(ranges_near_2_to_the_64_match_miller_rabin),
        cmocka_unit_test(the_range_ending_at_2_to_the_64_minus_1_through_the_workload),
        cmocka_unit_test(counts_high_up_match_primesieve),
        cmocka_unit_test(a_range_cut_anywhere_counts_the_same),
        cmocka_unit_test(nth_primes_match_published_values),
        cmocka_unit_test(nth_prime_agrees_with_trial_division_for_every_small_n),
        cmocka_unit_test(nth_bound_is_above_the_nth_prime_and_fits_64_bits),
        cmocka_unit_test(grains_partition_the_range_whatever_the_batching),
        cmocka_unit_test(batches_in_any_order_width_and_threads_count_the_same),
        cmocka_unit_test(wide_batches_split_into_streams_count_the_same),
        cmocka_unit_test(grains_at_the_top_of_64_bits),
        cmocka_unit_test(grain_count_stays_bounded_up_to_2_to_the_64),
        cmocka_unit_test(print_writes_the_primes_of_the_range_in_order),
        cmocka_unit_test(print_lists_the_largest_64_bit_primes),
        cmocka_unit_test(print_to_a_missing_directory_is_bad_input_before_the_run),
        cmocka_unit_test(print_to_a_full_device_is_an_io_error),
        cmocka_unit_test(print_replaces_the_file_whole),
        cmocka_unit_test(bad_input_is_refused_naming_the_option),
        cmocka_unit_test(exponent_forms_are_accepted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
