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
 */
#include "workload.h"

#include <errno.h>
#include <inttypes.h>
#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "primes_common.h"
#include "primes_sieve.h"

extern const char het_kernel_primes[];

/* pi(2^64): the number of primes below 2^64 (all of them below 2^64 - 1),
 * the largest N whose Nth prime fits in 64 bits. */
#define PRIMES_MAX_NTH UINT64_C(425656284035217743)

/* Kernel sub-segment: 32 KiB of __local memory, 8192 words. */
#define PRIMES_CL_SEG_WORDS 8192u
#define PRIMES_CL_MAX_LOCAL 256u

typedef struct primes_params {
    int have_range, have_nth;
    uint64_t a, b;           /* --range A:B */
    uint64_t n;              /* --nth N */
    char print[4096];        /* --print FILE, "" if none */
} primes_params;

typedef struct primes_state {
    het__primes_base base;   /* sieving primes up to sqrt(hi - 1), pre-sieve tables */
    uint64_t lo, hi;         /* the numbers sieved: [lo, hi) */
    uint64_t start;          /* lo rounded down to a multiple of 30 */
    uint64_t nbytes;         /* wheel bytes from start to hi */
    uint64_t grain_bytes;
    uint64_t count;          /* result: primes in [lo, hi) */
    uint64_t prime;          /* result (--nth): the Nth prime */
    /* The CPU's sieve, kept between batches: a batch that starts where the
     * last one ended continues it without set-up.  A cache, not state of
     * the job: any batch gives the same counts with or without it. */
    pthread_mutex_t team_mu;
    het__primes_team *team;  /* NULL until the first batch */
} primes_state;

static const het_option primes_options[] = {
    {"--range", "A:B", "count the primes p with A <= p < B (0 <= A <= B <= 2^64-1; 1e10 forms accepted)"},
    {"--nth", "N", "find the Nth prime (N = 1 gives 2; N up to 425656284035217743)"},
    {"--print", "FILE", "with --range: write the primes, one per line, ascending, to FILE ('-' for stdout)"},
    {NULL, NULL, NULL},
};

static void primes_defaults(void *p) { memset(p, 0, sizeof(primes_params)); }

static int primes_set_option(void *pv, const char *name, const char *value)
{
    primes_params *p = pv;
    if (strcmp(name, "--range") == 0) {
        const char *colon = value ? strchr(value, ':') : NULL;
        char a[64];
        uint64_t va, vb;
        if (!colon || (size_t)(colon - value) >= sizeof a || strchr(colon + 1, ':'))
            goto bad_range;
        memcpy(a, value, (size_t)(colon - value));
        a[colon - value] = 0;
        if (het_parse_count("--range", a, 0, UINT64_MAX, &va) != HET_OK ||
            het_parse_count("--range", colon + 1, 0, UINT64_MAX, &vb) != HET_OK || va > vb)
            goto bad_range;
        p->a = va;
        p->b = vb;
        p->have_range = 1;
        return HET_OK;
    bad_range:
        return het_fail(HET_E_BADARG,
                        "--range: expected A:B with whole numbers 0 <= A <= B <= 18446744073709551615, got '%s'",
                        value ? value : "");
    }
    if (strcmp(name, "--nth") == 0) {
        int rc = het_parse_count("--nth", value, 1, PRIMES_MAX_NTH, &p->n);
        if (rc == HET_OK)
            p->have_nth = 1;
        else if (value && strcmp(value, "0") != 0)
            het_fail(HET_E_BADARG, "--nth: expected a whole number 1 <= N <= %" PRIu64
                     " (the primes below 2^64), got '%s'", PRIMES_MAX_NTH, value);
        else
            het_fail(HET_E_BADARG, "--nth: expected N >= 1 (N = 1 gives 2), got '0'");
        return rc;
    }
    if (strcmp(name, "--print") == 0) {
        if (!value || !*value || strlen(value) >= sizeof p->print)
            return het_fail(HET_E_BADARG, "--print: expected a file name or '-' for stdout, got '%s'",
                            value ? value : "");
        strcpy(p->print, value);
        return HET_OK;
    }
    return het_fail(HET_E_BADARG, "%s: not an option of primes", name);
}

static int primes_validate(void *pv)
{
    primes_params *p = pv;
    if (p->have_range && p->have_nth)
        return het_fail(HET_E_BADARG, "--range, --nth: expected one of them, got both");
    if (!p->have_range && !p->have_nth)
        return het_fail(HET_E_BADARG, "primes: expected --range A:B or --nth N");
    if (p->print[0] && !p->have_range)
        return het_fail(HET_E_BADARG, "--print: expected with --range A:B (it lists the primes of a range)");
    return HET_OK;
}

/* ln(x) for x >= 1 in +, -, *, / only (contract 1: the bound below fixes
 * the grains, so every rank, whatever its libm, must get the same bits).
 * x = 2^e * m with m in [1, 2), ln m = 2 atanh(z), z = (m-1)/(m+1) <= 1/3. */
static double primes_ln(double x)
{
    int e = 0;
    while (x >= 2.0) {
        x /= 2.0;      /* exact */
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
uint64_t het__primes_nth_bound(uint64_t n)
{
    if (n < 6)
        return 12;   /* p_5 = 11 */
    const double x = (double)n, l = primes_ln(x), ll = primes_ln(l);
    double ub;
    if (n >= 688383)
        ub = x * (l + ll - 1.0 + (ll - 2.0) / l);
    else if (n >= 39017)
        ub = x * (l + ll - 0.9484);
    else
        ub = x * (l + ll);
    ub = ub * (1.0 + 1e-9) + 64.0;
    if (ub >= 18446744073709551615.0)   /* rounds to 2^64 */
        return UINT64_MAX;
    return (uint64_t)ub + 1;
}

/* Wheel bytes per grain: a pure function of the sieved range. */
uint64_t het__primes_grain_bytes(uint64_t nbytes, uint64_t sqrt_hi)
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
static void primes_grain(const primes_state *s, uint64_t g, uint64_t *glo, uint64_t *ghi)
{
    const uint64_t b0 = g * s->grain_bytes;
    if (b0 >= s->nbytes || s->lo >= s->hi) {   /* only the single grain of an empty range */
        *glo = *ghi = s->hi;
        return;
    }
    const uint64_t first = s->start + 30 * b0;
    *glo = first > s->lo ? first : s->lo;
    *ghi = s->nbytes - b0 > s->grain_bytes ? s->start + 30 * (b0 + s->grain_bytes) : s->hi;
}

static int primes_plan(het_job *job)
{
    const primes_params *p = job->params;
    primes_state *s = calloc(1, sizeof *s);
    if (!s)
        return het_fail(HET_E_NOMEM, "primes: out of memory planning the job");
    job->state = s;
    if (p->have_nth) {
        s->lo = 0;
        s->hi = het__primes_nth_bound(p->n);
    } else {
        s->lo = p->a;
        s->hi = p->b;
    }
    pthread_mutex_init(&s->team_mu, NULL);
    s->start = s->lo - s->lo % 30;
    const uint64_t span = s->hi - s->start;
    s->nbytes = span / 30 + (span % 30 != 0);
    /* an empty range needs no sieving primes, even near 2^64 */
    const uint64_t r = s->lo < s->hi ? het__primes_isqrt(s->hi - 1) : 0;
    s->grain_bytes = het__primes_grain_bytes(s->nbytes, r);
    job->n_grains = s->nbytes / s->grain_bytes + (s->nbytes % s->grain_bytes != 0);
    if (job->n_grains == 0)
        job->n_grains = 1;
    job->partial_size = sizeof(uint64_t);
    /* the primes own stdout; the report must not mix into the list */
    job->report_to_stderr = strcmp(p->print, "-") == 0;
    return het__primes_base_init(&s->base, r, 0);
}

static void primes_release(het_job *job)
{
    primes_state *s = job->state;
    if (s) {
        het__primes_team_free(s->team);
        pthread_mutex_destroy(&s->team_mu);
        het__primes_base_free(&s->base);
    }
    free(s);
    job->state = NULL;
}

static uint64_t primes_items(const het_job *job, uint64_t g0, uint64_t n)
{
    const primes_state *s = job->state;
    uint64_t lo, hi, lo2, hi2;
    if (n == 0)
        return 0;
    primes_grain(s, g0, &lo, &hi);
    primes_grain(s, g0 + n - 1, &lo2, &hi2);
    return hi2 - lo;
}

/* The batch's grains are consecutive: one team sieves them in order, all
 * threads on every segment, and stays where it ended for the next batch. */
static int primes_cpu_batch(const het_job *job, uint64_t g0, uint64_t n, void *out, int nthreads)
{
    primes_state *s = job->state;
    uint64_t *counts = out;
    const uint64_t b0 = g0 * s->grain_bytes;
    if (n == 0)
        return HET_OK;
    if (b0 >= s->nbytes || s->lo >= s->hi) {   /* only the single grain of an empty range */
        memset(counts, 0, n * sizeof *counts);
        return HET_OK;
    }
    const uint64_t b1 = s->nbytes - b0 > n * s->grain_bytes ? b0 + n * s->grain_bytes : s->nbytes;
    /* one caller at a time keeps the team; another gets its own */
    het__primes_team *own = NULL, *t;
    int locked = pthread_mutex_trylock(&s->team_mu) == 0, rc = HET_OK;
    if (locked && !s->team)
        rc = het__primes_team_new(&s->team, &s->base, s->lo, s->hi);
    if (rc == HET_OK && !locked)
        rc = het__primes_team_new(&own, &s->base, s->lo, s->hi);
    t = locked ? s->team : own;
    if (rc == HET_OK)
        rc = het__primes_team_count(t, b0, b1, s->grain_bytes, counts, nthreads);
    if (locked)
        pthread_mutex_unlock(&s->team_mu);
    het__primes_team_free(own);
    return rc;
}

static size_t primes_cl_args(const het_job *job, het_karg *a, size_t max)
{
    const primes_state *s = job->state;
    if (max < 11)
        return 0;
    a[0] = (het_karg){.kind = HET_KARG_U64, .v.u64 = s->start};
    a[1] = (het_karg){.kind = HET_KARG_U64, .v.u64 = s->lo};
    a[2] = (het_karg){.kind = HET_KARG_U64, .v.u64 = s->hi};
    a[3] = (het_karg){.kind = HET_KARG_U64, .v.u64 = s->nbytes};
    a[4] = (het_karg){.kind = HET_KARG_U64, .v.u64 = s->grain_bytes};
    a[5] = (het_karg){.kind = HET_KARG_BUF, .v.buf = {s->base.bits, s->base.nbytes}};
    a[6] = (het_karg){.kind = HET_KARG_U64, .v.u64 = s->base.nbytes};
    a[7] = (het_karg){.kind = HET_KARG_BUF, .v.buf = {s->base.pre, HET_PRIMES_PRE_BYTES}};
    a[8] = (het_karg){.kind = HET_KARG_LOCAL, .v.local_bytes = PRIMES_CL_SEG_WORDS * sizeof(uint32_t)};
    a[9] = (het_karg){.kind = HET_KARG_U32, .v.u32 = PRIMES_CL_SEG_WORDS};
    a[10] = (het_karg){.kind = HET_KARG_LOCAL, .v.local_bytes = 2 * PRIMES_CL_MAX_LOCAL * sizeof(int32_t)};
    return 11;
}

/* The kernel reuses its segment for the final reduction, 2 words per
 * work-item (PRIMES_CL_MAX_LOCAL * 2 <= PRIMES_CL_SEG_WORDS), and its
 * table of shared primes has 2 ints per work-item. */
static size_t primes_cl_local_size(const het_job *job, size_t max_wg)
{
    (void)job;
    size_t l = PRIMES_CL_MAX_LOCAL;
    while (l > max_wg && l > 1)
        l >>= 1;
    return l;
}

/* ---- merge: count, --nth, --print ----------------------------------------- */

/* Finds the k-th prime (k >= 1) in the segments handed to it. */
typedef struct primes_nth_ctx {
    uint64_t k;
    uint64_t prime;
} primes_nth_ctx;

#define PRIMES_FOUND 1   /* a visitor's "stop, found it" (positive: not an error) */

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

/* Streams primes as decimal lines through a large buffer. */
typedef struct primes_print_ctx {
    FILE *f;
    const char *name;
    char *buf;
    size_t len, cap;
    uint64_t printed;
    uint64_t *tmp;           /* decoded primes of one segment */
} primes_print_ctx;

static int primes_print_flush(primes_print_ctx *c)
{
    if (c->len && fwrite(c->buf, 1, c->len, c->f) != c->len)
        return het_fail(HET_E_IO, "--print: writing '%s': %s", c->name, strerror(errno));
    c->len = 0;
    return HET_OK;
}

static int primes_print_one(primes_print_ctx *c, uint64_t v)
{
    char d[24];
    int n = 0;
    if (c->cap - c->len < sizeof d) {
        int rc = primes_print_flush(c);
        if (rc)
            return rc;
    }
    do {
        d[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        c->buf[c->len++] = d[--n];
    c->buf[c->len++] = '\n';
    c->printed++;
    return HET_OK;
}

static int primes_print_visit(void *arg, uint64_t first, const uint8_t *bits, size_t nbytes)
{
    primes_print_ctx *c = arg;
    size_t n = het__primes_decode(first, bits, nbytes, c->tmp);
    for (size_t i = 0; i < n; i++) {
        int rc = primes_print_one(c, c->tmp[i]);
        if (rc)
            return rc;
    }
    return 0;
}

static int primes_print_all(het_job *job)
{
    const primes_params *p = job->params;
    const primes_state *s = job->state;
    primes_print_ctx c = {.name = p->print, .cap = 1u << 20};
    het__primes_sieve *sv = NULL;
    int to_stdout = strcmp(p->print, "-") == 0;
    int rc = het__primes_sieve_new(&sv);
    if (rc)
        return rc;
    c.buf = malloc(c.cap);
    c.tmp = malloc(8 * (size_t)HET__PRIMES_SEG_BYTES * sizeof *c.tmp);
    if (!c.buf || !c.tmp) {
        rc = het_fail(HET_E_NOMEM, "--print: out of memory for the output buffer");
        goto out;
    }
    c.f = to_stdout ? stdout : fopen(p->print, "w");
    if (!c.f) {
        rc = het_fail(HET_E_IO, "--print: cannot open '%s' for writing: %s", p->print, strerror(errno));
        goto out;
    }
    /* one stream over the whole range (2, 3, 5 come first) */
    uint64_t tiny[3], cnt;
    unsigned nt = het__primes_tiny(s->lo, s->hi, tiny);
    for (unsigned k = 0; k < nt && rc == HET_OK; k++)
        rc = primes_print_one(&c, tiny[k]);
    if (rc == HET_OK)
        rc = het__primes_sieve_range(sv, &s->base, s->lo, s->hi, primes_print_visit, &c, &cnt);
    if (rc == HET_OK)
        rc = primes_print_flush(&c);
    if (rc == HET_OK && fflush(c.f) != 0)
        rc = het_fail(HET_E_IO, "--print: writing '%s': %s", p->print, strerror(errno));
    if (!to_stdout && fclose(c.f) != 0 && rc == HET_OK)
        rc = het_fail(HET_E_IO, "--print: closing '%s': %s", p->print, strerror(errno));
    if (rc == HET_OK && c.printed != s->count)
        rc = het_fail(HET_E_INTERNAL, "--print: wrote %" PRIu64 " primes but counted %" PRIu64,
                      c.printed, s->count);
out:
    free(c.buf);
    free(c.tmp);
    het__primes_sieve_free(sv);
    return rc;
}

static int primes_find_nth(het_job *job, const uint64_t *counts)
{
    const primes_params *p = job->params;
    primes_state *s = job->state;
    uint64_t before = 0, g = 0;
    for (; g < job->n_grains; g++) {
        if (counts[g] >= p->n - before)
            break;
        before += counts[g];
    }
    if (g == job->n_grains)
        return het_fail(HET_E_INTERNAL, "--nth: only %" PRIu64 " primes below the bound %" PRIu64
                        ", fewer than %" PRIu64, s->count, s->hi, p->n);
    uint64_t lo, hi, tiny[3], cnt;
    primes_grain(s, g, &lo, &hi);
    primes_nth_ctx c = {.k = p->n - before};
    unsigned nt = het__primes_tiny(lo, hi, tiny);
    if (c.k <= nt) {
        s->prime = tiny[c.k - 1];
        return HET_OK;
    }
    c.k -= nt;
    het__primes_sieve *sv = NULL;
    int rc = het__primes_sieve_new(&sv);
    if (rc == HET_OK)
        rc = het__primes_sieve_range(sv, &s->base, lo, hi, primes_nth_visit, &c, &cnt);
    het__primes_sieve_free(sv);
    if (rc == PRIMES_FOUND) {
        s->prime = c.prime;
        return HET_OK;
    }
    if (rc == HET_OK)
        rc = het_fail(HET_E_INTERNAL, "--nth: grain %" PRIu64 " has fewer primes on the second sieve", g);
    return rc;
}

static int primes_merge(het_job *job, const void *partials)
{
    const primes_params *p = job->params;
    primes_state *s = job->state;
    const uint64_t *counts = partials;
    uint64_t total = 0;
    /* the compute phase is over: the CPU sieve's memory goes back now */
    pthread_mutex_lock(&s->team_mu);
    het__primes_team_free(s->team);
    s->team = NULL;
    pthread_mutex_unlock(&s->team_mu);
    for (uint64_t g = 0; g < job->n_grains; g++)
        total += counts[g];
    s->count = total;
    if (p->have_nth)
        return primes_find_nth(job, counts);
    if (p->print[0])
        return primes_print_all(job);
    return HET_OK;
}

static size_t primes_result(const het_job *job, het_field *f, size_t max)
{
    const primes_params *p = job->params;
    const primes_state *s = job->state;
    if (max < 2)
        return 0;
    if (p->have_nth) {
        f[0] = (het_field){"n", HET_FIELD_U64, {.u64 = p->n}};
        f[1] = (het_field){"prime", HET_FIELD_U64, {.u64 = s->prime}};
        return 2;
    }
    f[0] = (het_field){"count", HET_FIELD_U64, {.u64 = s->count}};
    return 1;
}

static size_t primes_params_fields(const het_job *job, het_field *f, size_t max)
{
    const primes_params *p = job->params;
    const primes_state *s = job->state;
    size_t k = 0;
    if (max < 6)
        return 0;
    if (p->have_nth) {
        f[k++] = (het_field){"n", HET_FIELD_U64, {.u64 = p->n}};
        f[k++] = (het_field){"bound", HET_FIELD_U64, {.u64 = s ? s->hi : 0}};
    } else {
        f[k++] = (het_field){"start", HET_FIELD_U64, {.u64 = p->a}};
        f[k++] = (het_field){"end", HET_FIELD_U64, {.u64 = p->b}};
    }
    f[k++] = (het_field){"grain_numbers", HET_FIELD_U64, {.u64 = s ? 30 * s->grain_bytes : 0}};
    f[k++] = (het_field){"sieving_primes_up_to", HET_FIELD_U64, {.u64 = s ? s->base.limit : 0}};
    if (p->print[0])
        f[k++] = (het_field){"print", HET_FIELD_STR, {.str = p->print}};
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

const het_workload het_wl_primes = {
    .name = "primes",
    .summary = "count the primes in [A, B), list them, or find the Nth prime (segmented sieve)",
    .usage = "--range A:B | --nth N",
    .options = primes_options,
    .params_size = sizeof(primes_params),
    .item_name = "numbers",
    .defaults = primes_defaults,
    .set_option = primes_set_option,
    .validate = primes_validate,
    .plan = primes_plan,
    .release = primes_release,
    .items = primes_items,
    .cpu_batch = primes_cpu_batch,
    .kernel_source = het_kernel_primes,
    .kernel_name = "primes",
    .build_options = NULL,
    .cl_args = primes_cl_args,
    .cl_local_size = primes_cl_local_size,
    .merge = primes_merge,
    .result = primes_result,
    .params_fields = primes_params_fields,
    .bench_params = primes_bench_params,
};
