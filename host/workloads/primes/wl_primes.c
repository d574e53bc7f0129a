/* wl_primes.c - the primes workload: count the primes of a range, list
 * them, or find the Nth prime.
 *
 * Job.  `--range A:B` counts the primes p with A <= p < B (0 <= A <= B <=
 * 2^64 - 1); `--nth N` sieves [0, U) where U is an upper bound of the Nth
 * prime (Dusart's bounds, in our own IEEE-exact log so that every rank
 * computes the same U), then finds the prime where the running count
 * reaches N.  `--print FILE` (with --range) streams the primes of the
 * range to FILE, "-" for stdout.
 *
 * Grains.  The numbers from S = A rounded down to a multiple of 30 up to B
 * are cut into grains of grain_bytes wheel bytes (30 numbers each): grain g
 * covers [S + 30*g*grain_bytes, S + 30*(g+1)*grain_bytes) clipped to
 * [A, B).  grain_bytes depends only on A and B (see primes_common.h).  A
 * grain's partial is its prime count, a uint64.
 *
 * Shared state.  plan() sieves the primes up to sqrt(B - 1) once into a
 * wheel bitmap (143 MB at most, for B near 2^64) and builds the pre-sieve
 * tables; the CPU sieve and the kernel both read them.
 *
 * This file: the workload's description, options, plan, CPU batch and
 * merge, and the fields it reports.  The kernel's shape and arguments are
 * primes_cl.c's, --nth's bound and search primes_nth.c's, --print's
 * stream primes_print.c's; primes_job.h is what they share.
 */
#include "hetero.h"
#include "wl_primes.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "primes_common.h"
#include "primes_job.h"

extern const char het_kernel_primes[];

/* pi(2^64): the number of primes below 2^64 (all of them below 2^64 - 1),
 * the largest N whose Nth prime fits in 64 bits. */
#define PRIMES_MAX_NTH UINT64_C(425656284035217743)

static int primes_parse_range(void *pv, const char *value)
{
    primes_params *p = pv;
    const char *colon = value ? strchr(value, ':') : NULL;
    char a[64];
    uint64_t va, vb;
    if (!colon || (size_t)(colon - value) >= sizeof a || strchr(colon + 1, ':'))
        goto bad_range;
    memcpy(a, value, (size_t)(colon - value));
    a[colon - value] = 0;
    if (hetero_parse_count("--range", a, 0, UINT64_MAX, &va) != HETERO_OK ||
        hetero_parse_count("--range", colon + 1, 0, UINT64_MAX, &vb) != HETERO_OK || va > vb)
        goto bad_range;
    p->a = va;
    p->b = vb;
    p->have_range = 1;
    return HETERO_OK;
bad_range:
    return hetero_fail(
        HETERO_E_BADARG,
        "--range: expected A:B with whole numbers 0 <= A <= B <= 18446744073709551615, got '%s'",
        value ? value : "");
}

static int primes_parse_nth(void *pv, const char *value)
{
    primes_params *p = pv;
    int rc = hetero_parse_count("--nth", value, 1, PRIMES_MAX_NTH, &p->n);
    if (rc == HETERO_OK)
        p->have_nth = 1;
    else if (value && strcmp(value, "0") != 0)
        hetero_fail(HETERO_E_BADARG,
                    "--nth: expected a whole number 1 <= N <= %" PRIu64 " (the primes below 2^64), got '%s'",
                    PRIMES_MAX_NTH, value);
    else
        hetero_fail(HETERO_E_BADARG, "--nth: expected N >= 1 (N = 1 gives 2), got '0'");
    return rc;
}

/* The job's identity: the range and N as parsed, so "1e9" and
 * "1000000000" are one job. */
static int primes_format_range(const void *pv, char *buf, size_t size)
{
    const primes_params *p = pv;
    if (p->have_range)
        snprintf(buf, size, "%" PRIu64 ":%" PRIu64, p->a, p->b);
    else
        snprintf(buf, size, "(not given)");
    return HETERO_OK;
}

static int primes_format_nth(const void *pv, char *buf, size_t size)
{
    const primes_params *p = pv;
    if (p->have_nth)
        snprintf(buf, size, "%" PRIu64, p->n);
    else
        snprintf(buf, size, "(not given)");
    return HETERO_OK;
}

static const hetero_option primes_options[] = {
    {.type = HETERO_OPT_CUSTOM,
     .name = "--range",
     .metavar = "A:B",
     .help = "count the primes p with A <= p < B (0 <= A <= B <= 2^64-1; 1e10 forms accepted)",
     .parse = primes_parse_range,
     .format = primes_format_range},
    {.type = HETERO_OPT_CUSTOM,
     .name = "--nth",
     .metavar = "N",
     .help = "find the Nth prime (N = 1 gives 2; N up to 425656284035217743)",
     .parse = primes_parse_nth,
     .format = primes_format_nth},
    {.type = HETERO_OPT_OUTPUT,
     .name = "--print",
     .metavar = "FILE",
     .help = "with --range: write the primes, one per line, ascending, to FILE ('-' for stdout)",
     .offset = offsetof(primes_params, print),
     .stdout_ok = 1},
    {.type = HETERO_OPT_END},
};

static int primes_validate(void *pv)
{
    primes_params *p = pv;
    if (p->have_range && p->have_nth)
        return hetero_fail(HETERO_E_BADARG, "--range, --nth: expected one of them, got both");
    if (!p->have_range && !p->have_nth)
        return hetero_fail(HETERO_E_BADARG, "primes: expected --range A:B or --nth N");
    if (p->print && !p->have_range)
        return hetero_fail(HETERO_E_BADARG,
                           "--print: expected with --range A:B (it lists the primes of a range)");
    return HETERO_OK;
}

/* Wheel bytes per grain: a pure function of the sieved range. */
uint64_t het_primes_grain_bytes(uint64_t nbytes, uint64_t sqrt_hi)
{
    uint64_t g = HET_PRIMES_MIN_GRAIN_BYTES;
    if (sqrt_hi / 16 > g)
        g = sqrt_hi / 16;
    const uint64_t per = nbytes / HET_PRIMES_MAX_GRAINS + (nbytes % HET_PRIMES_MAX_GRAINS != 0);
    if (per > g)
        g = per;
    return (g + HET_PRIMES_GRAIN_ALIGN - 1) / HET_PRIMES_GRAIN_ALIGN * HET_PRIMES_GRAIN_ALIGN;
}

/* Numbers [*glo, *ghi) of grain g. */
void primes_grain(const primes_state *s, uint64_t g, uint64_t *glo, uint64_t *ghi)
{
    const uint64_t b0 = g * s->grain_bytes;
    if (b0 >= s->nbytes || s->lo >= s->hi) { /* only the single grain of an empty range */
        *glo = *ghi = s->hi;
        return;
    }
    const uint64_t first = s->start + 30 * b0;
    *glo = first > s->lo ? first : s->lo;
    *ghi = s->nbytes - b0 > s->grain_bytes ? s->start + 30 * (b0 + s->grain_bytes) : s->hi;
}

static int primes_plan(hetero_job *job)
{
    const primes_params *p = hetero_job_params(job);
    primes_state *s = calloc(1, sizeof *s);
    if (!s)
        return hetero_fail(HETERO_E_NOMEM, "primes: out of memory planning the job");
    hetero_job_set_state(job, s);
    if (p->have_nth) {
        s->lo = 0;
        s->hi = het_primes_nth_bound(p->n);
    } else {
        s->lo = p->a;
        s->hi = p->b;
    }
    pthread_mutex_init(&s->team_mu, NULL);
    s->start = s->lo - s->lo % 30;
    const uint64_t span = s->hi - s->start;
    s->nbytes = span / 30 + (span % 30 != 0);
    /* an empty range needs no sieving primes, even near 2^64 */
    const uint64_t r = s->lo < s->hi ? het_primes_isqrt(s->hi - 1) : 0;
    s->grain_bytes = het_primes_grain_bytes(s->nbytes, r);
    uint64_t grains = s->nbytes / s->grain_bytes + (s->nbytes % s->grain_bytes != 0);
    int rc = hetero_job_set_grains(job, grains ? grains : 1, sizeof(uint64_t));
    if (rc == HETERO_OK)
        rc = het_primes_base_init(&s->base, r, 0);
    if (rc == HETERO_OK)
        rc = primes_cl_list(s);
    return rc;
}

static void primes_release(hetero_job *job)
{
    primes_state *s = hetero_job_state(job);
    if (s) {
        het_primes_team_free(s->team);
        pthread_mutex_destroy(&s->team_mu);
        het_primes_base_free(&s->base);
        free(s->cl_primes);
    }
    free(s);
    hetero_job_set_state(job, NULL);
}

static uint64_t primes_items(const hetero_job *job, uint64_t g0, uint64_t n)
{
    const primes_state *s = hetero_job_state(job);
    uint64_t lo, hi, lo2, hi2;
    if (n == 0)
        return 0;
    primes_grain(s, g0, &lo, &hi);
    primes_grain(s, g0 + n - 1, &lo2, &hi2);
    return hi2 - lo;
}

/* A grain's count is at most what its numbers could hold: the 8 of every
 * 30 that are prime to 30 (and 2, 3, 5), and Brun-Titchmarsh's bound as
 * Montgomery and Vaughan proved it, pi(x + y) - pi(x) < 2y / log y. */
static int primes_possible(const hetero_job *job, uint64_t g, const void *partial)
{
    const primes_state *s = hetero_job_state(job);
    uint64_t count, lo, hi;
    memcpy(&count, partial, sizeof count);
    if (g >= hetero_job_grains(job))
        return 0;
    primes_grain(s, g, &lo, &hi);
    const uint64_t y = hi - lo;
    if (count > y || count > 8 * (y / 30 + 2) + 3)
        return 0;
    return y < 2 || (double)count <= 2.0 * (double)y / log((double)y) + 1.0;
}

/* The batch's grains are consecutive: one team sieves them in order, all
 * threads on every segment, and stays where it ended for the next batch. */
static int primes_cpu_batch(const hetero_job *job, uint64_t g0, uint64_t n, void *out, int nthreads)
{
    primes_state *s = hetero_job_state(job);
    uint64_t *counts = out;
    const uint64_t b0 = g0 * s->grain_bytes;
    if (n == 0)
        return HETERO_OK;
    if (b0 >= s->nbytes || s->lo >= s->hi) { /* only the single grain of an empty range */
        memset(counts, 0, n * sizeof *counts);
        return HETERO_OK;
    }
    const uint64_t b1 = s->nbytes - b0 > n * s->grain_bytes ? b0 + n * s->grain_bytes : s->nbytes;
    /* one caller at a time keeps the team; another gets its own */
    het__primes_team *own = NULL, *t;
    int locked = pthread_mutex_trylock(&s->team_mu) == 0, rc = HETERO_OK;
    if (locked && !s->team)
        rc = het_primes_team_new(&s->team, &s->base, s->lo, s->hi);
    if (rc == HETERO_OK && !locked)
        rc = het_primes_team_new(&own, &s->base, s->lo, s->hi);
    t = locked ? s->team : own;
    if (rc == HETERO_OK)
        rc = het_primes_team_count(t, b0, b1, s->grain_bytes, counts, nthreads, job);
    if (locked)
        pthread_mutex_unlock(&s->team_mu);
    het_primes_team_free(own);
    return rc;
}

/* ---- merge: count, --nth, --print ----------------------------------------- */

static int primes_merge(hetero_job *job, const void *partials)
{
    const primes_params *p = hetero_job_params(job);
    primes_state *s = hetero_job_state(job);
    const uint64_t *counts = partials;
    uint64_t total = 0;
    /* the compute phase is over: the CPU sieve's memory goes back now */
    pthread_mutex_lock(&s->team_mu);
    het_primes_team_free(s->team);
    s->team = NULL;
    pthread_mutex_unlock(&s->team_mu);
    for (uint64_t g = 0; g < hetero_job_grains(job); g++)
        total += counts[g];
    s->count = total;
    if (p->have_nth)
        return primes_find_nth(job, counts);
    if (p->print)
        return primes_print_all(job);
    return HETERO_OK;
}

static size_t primes_result(const hetero_job *job, hetero_field *f, size_t max)
{
    const primes_params *p = hetero_job_params(job);
    const primes_state *s = hetero_job_state(job);
    if (max < 2)
        return 0;
    if (p->have_nth) {
        f[0] = (hetero_field){"n", HETERO_FIELD_U64, {.u64 = p->n}};
        f[1] = (hetero_field){"prime", HETERO_FIELD_U64, {.u64 = s->prime}};
        return 2;
    }
    f[0] = (hetero_field){"count", HETERO_FIELD_U64, {.u64 = s->count}};
    return 1;
}

static size_t primes_params_fields(const hetero_job *job, hetero_field *f, size_t max)
{
    const primes_params *p = hetero_job_params(job);
    const primes_state *s = hetero_job_state(job);
    size_t k = 0;
    if (max < 7)
        return 0;
    if (p->have_nth) {
        f[k++] = (hetero_field){"n", HETERO_FIELD_U64, {.u64 = p->n}};
        f[k++] = (hetero_field){"bound", HETERO_FIELD_U64, {.u64 = s ? s->hi : 0}};
    } else {
        f[k++] = (hetero_field){"start", HETERO_FIELD_U64, {.u64 = p->a}};
        f[k++] = (hetero_field){"end", HETERO_FIELD_U64, {.u64 = p->b}};
    }
    f[k++] = (hetero_field){"grain_numbers", HETERO_FIELD_U64, {.u64 = s ? 30 * s->grain_bytes : 0}};
    f[k++] = (hetero_field){"sieving_primes_up_to", HETERO_FIELD_U64, {.u64 = s ? s->base.limit : 0}};
    /* no random stream, but every report's params has the seed */
    f[k++] = (hetero_field){"seed", HETERO_FIELD_U64, {.u64 = hetero_job_seed(job)}};
    if (p->print)
        f[k++] = (hetero_field){"print", HETERO_FIELD_STR, {.str = p->print}};
    return k;
}

/* hetero-bench: count the primes below `items`. */
static void primes_bench_params(void *pv, double items)
{
    primes_params *p = pv;
    p->have_range = 1;
    p->have_nth = 0;
    p->a = 0;
    p->b = items < 1 ? 1 : items >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)items;
}

const hetero_workload het_wl_primes = {
    .abi = HETERO_WORKLOAD_ABI,
    .possible = primes_possible,
    .name = "primes",
    .summary = "count the primes in [A, B), list them, or find the Nth prime (segmented sieve)",
    .usage = "--range A:B | --nth N",
    .options = primes_options,
    .params_size = sizeof(primes_params),
    .item_name = "numbers",
    .validate = primes_validate,
    .plan = primes_plan,
    .release = primes_release,
    .items = primes_items,
    .cpu_batch = primes_cpu_batch,
    .kernel_source = het_kernel_primes,
    .kernel_name = "primes",
    .build_options = NULL,
    .cl_args = primes_cl_args,
    .cl_fit = primes_cl_fit,
    .merge = primes_merge,
    .result = primes_result,
    .params_fields = primes_params_fields,
    .bench_params = primes_bench_params,
};
