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
#include "hetero.h"
#include "wl_primes.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
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

/* Kernel (primes.cl): sub-segments of up to 32 KiB of __local
 * memory (8192 words), down to 4 KiB in steps of 1024 words; work-groups of
 * 8 to 256 work-items (a power of two: 8 for the lane teams, the final sum
 * halves nothing but needs 2 words per work-item of the segment). */
#define PRIMES_CL_SEG_WORDS 8192u
#define PRIMES_CL_SEG_STEP 1024u
#define PRIMES_CL_MAX_LOCAL 256u
#define PRIMES_CL_MIN_LOCAL 8u
/* The kernel's group and lane primes are those below a bound that depends
 * on the device (at most 4 * 32 KiB); plan() lists the sieving primes 47 ..
 * PRIMES_CL_MED_MAX - 1 for it, so that any bound below this fits. */
#define PRIMES_CL_MED_MAX (UINT32_C(1) << 20)
/* The large primes' marks cover at most this many wheel bytes (480M
 * numbers) of a grain at a time. */
#define PRIMES_CL_MAX_CHUNK (UINT64_C(1) << 24)

typedef struct primes_params {
    int have_range, have_nth;
    uint64_t a, b;     /* --range A:B */
    uint64_t n;        /* --nth N */
    const char *print; /* --print FILE ("-": stdout), NULL if none */
} primes_params;

typedef struct primes_state {
    het__primes_base base; /* sieving primes up to sqrt(hi - 1), pre-sieve tables */
    uint64_t lo, hi;       /* the numbers sieved: [lo, hi) */
    uint64_t start;        /* lo rounded down to a multiple of 30 */
    uint64_t nbytes;       /* wheel bytes from start to hi */
    uint64_t grain_bytes;
    uint64_t count;      /* result: primes in [lo, hi) */
    uint64_t prime;      /* result (--nth): the Nth prime */
    uint32_t *cl_primes; /* the sieving primes 47 <= p < PRIMES_CL_MED_MAX,
                                ascending, for the kernel */
    uint32_t cl_nprimes;
    /* The CPU's sieve, kept between batches: a batch that starts where the
     * last one ended continues it without set-up.  A cache, not state of
     * the job: any batch gives the same counts with or without it. */
    pthread_mutex_t team_mu;
    het__primes_team *team; /* NULL until the first batch */
} primes_state;

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
static void primes_grain(const primes_state *s, uint64_t g, uint64_t *glo, uint64_t *ghi)
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

static int primes_cl_list(primes_state *s);

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

/* ---- the OpenCL kernel's arguments ------------------------------------------ */

/* The kernel's group and lane primes, from the sieving-prime bitmap. */
static int primes_cl_list(primes_state *s)
{
    const het__primes_base *b = &s->base;
    uint64_t top = b->limit < PRIMES_CL_MED_MAX ? b->limit + 1 : PRIMES_CL_MED_MAX;
    uint64_t nbytes = (top + 29) / 30;
    if (nbytes > b->nbytes)
        nbytes = b->nbytes;
    uint32_t n = 0;
    for (uint64_t k = 0; k < nbytes; k++)
        n += (uint32_t)__builtin_popcount(b->bits[k]);
    s->cl_primes = malloc((n ? n : 1) * sizeof *s->cl_primes);
    if (!s->cl_primes)
        return hetero_fail(HETERO_E_NOMEM, "primes: out of memory listing the sieving primes");
    n = 0;
    for (uint64_t k = 0; k < nbytes; k++)
        for (unsigned v = b->bits[k]; v; v &= v - 1) {
            uint64_t p = 30 * k + HET_PRIMES_RES[__builtin_ctz(v)];
            if (p >= HET_PRIMES_FIRST_SIEVED && p < top)
                s->cl_primes[n++] = (uint32_t)p;
        }
    s->cl_nprimes = n;
    return HETERO_OK;
}

/* How the kernel runs on a device with these caps. */
typedef struct primes_cl_shape {
    size_t local;           /* work-items per group */
    uint32_t seg_words;     /* __local sub-segment */
    uint32_t p_small;       /* group primes: p < p_small */
    uint32_t p_large;       /* large primes: p >= p_large */
    uint32_t n_grp, n_med;  /* cl_primes[0, n_grp) are group primes, up to n_med lane primes */
    uint64_t chunk_bytes;   /* wheel bytes of large-prime marks; 0: no large primes */
    uint64_t scratch_bytes; /* per work-group */
    uint32_t solo;          /* lane primes one per work-item (1) or by teams of 8 (0) */
} primes_cl_shape;

static uint32_t primes_count_below(const primes_state *s, uint32_t bound)
{
    uint32_t a = 0, b = s->cl_nprimes;
    while (a < b) {
        uint32_t m = a + (b - a) / 2;
        if (s->cl_primes[m] < bound)
            a = m + 1;
        else
            b = m;
    }
    return a;
}

/* Work-group: a power of two from 8 to 256.  Sub-segment: the largest
 * multiple of 1024 words, up to 8192, that the device's local memory
 * holds (16 KiB: 4096 words; 32, 48 and 64 KiB: 8192), and at least 2
 * words per work-item (the final sum reuses it).  Lane primes: below 4
 * segment lengths (a multiple every fourth sub-segment or more often for
 * each work-item of a team); the larger ones are marked chunk by chunk in
 * the scratch.  On a GPU the primes with at least one multiple per
 * work-item and sub-segment (p < 8 * segment bytes / L) are group primes
 * and the lane primes go by teams of 8; on a CPU device, where the
 * work-items of a group run one after the other, there are no group
 * primes and each lane prime is one work-item's (PoCL, primes below 2e9:
 * 15% less CPU time than teams). */
static int primes_cl_shape_of(const hetero_job *job, const hetero_cl_caps *caps, primes_cl_shape *sh)
{
    const primes_state *s = hetero_job_state(job);
    memset(sh, 0, sizeof *sh);
    size_t l = PRIMES_CL_MAX_LOCAL;
    while (l > caps->max_wg && l > 1)
        l >>= 1;
    if (l < PRIMES_CL_MIN_LOCAL)
        return hetero_fail(HETERO_E_NODEV, "needs work-groups of %u work-items, the kernel allows %zu",
                           PRIMES_CL_MIN_LOCAL, caps->max_wg);
    uint64_t words = caps->local_mem / sizeof(uint32_t);
    if (words > PRIMES_CL_SEG_WORDS)
        words = PRIMES_CL_SEG_WORDS;
    words -= words % PRIMES_CL_SEG_STEP;
    if (words < PRIMES_CL_SEG_STEP || words < 2 * l)
        return hetero_fail(HETERO_E_NODEV, "needs %llu bytes of local memory, has %llu",
                           (unsigned long long)(PRIMES_CL_SEG_STEP * sizeof(uint32_t)),
                           (unsigned long long)caps->local_mem);
    const uint32_t seg_bytes = (uint32_t)words * 4;
    sh->local = l;
    sh->seg_words = (uint32_t)words;
    sh->solo = (caps->type & HETERO_DEVICE_CPU) != 0;
    sh->p_small = sh->solo ? 0 : (uint32_t)(8u * seg_bytes / l);
    sh->p_large = 4u * seg_bytes;
    sh->n_grp = primes_count_below(s, sh->p_small);
    sh->n_med = primes_count_below(s, sh->p_large);
    if (s->base.limit >= sh->p_large) {
        uint64_t c = (s->grain_bytes + seg_bytes - 1) / seg_bytes * seg_bytes;
        uint64_t cmax = PRIMES_CL_MAX_CHUNK / seg_bytes * seg_bytes;
        sh->chunk_bytes = c < cmax ? c : cmax;
    }
    sh->scratch_bytes = 2 * sizeof(int64_t) * (uint64_t)sh->n_med + sh->chunk_bytes;
    return HETERO_OK;
}

static int primes_cl_fit(const hetero_job *job, const hetero_cl_caps *caps, size_t *local)
{
    primes_cl_shape sh;
    int rc = primes_cl_shape_of(job, caps, &sh);
    if (rc)
        return rc;
    *local = sh.local;
    return HETERO_OK;
}

static size_t primes_cl_args(const hetero_job *job, const hetero_cl_caps *caps, hetero_karg *a, size_t max)
{
    const primes_state *s = hetero_job_state(job);
    primes_cl_shape sh;
    if (max < 16 || primes_cl_shape_of(job, caps, &sh) != HETERO_OK)
        return 0;
    a[0] = (hetero_karg){.kind = HETERO_KARG_U64, .v.u64 = s->lo};
    a[1] = (hetero_karg){.kind = HETERO_KARG_U64, .v.u64 = s->hi};
    a[2] = (hetero_karg){.kind = HETERO_KARG_U64, .v.u64 = s->nbytes};
    a[3] = (hetero_karg){.kind = HETERO_KARG_U64, .v.u64 = s->grain_bytes};
    a[4] = (hetero_karg){.kind = HETERO_KARG_BUF, .v.buf = {s->base.bits, s->base.nbytes}};
    a[5] = (hetero_karg){.kind = HETERO_KARG_U64, .v.u64 = s->base.nbytes};
    a[6] = (hetero_karg){.kind = HETERO_KARG_BUF, .v.buf = {s->base.pre, HET_PRIMES_PRE_BYTES}};
    a[7] = (hetero_karg){.kind = HETERO_KARG_LOCAL, .v.local_bytes = sh.seg_words * sizeof(uint32_t)};
    a[8] = (hetero_karg){.kind = HETERO_KARG_U32, .v.u32 = sh.seg_words};
    a[9] = (hetero_karg){.kind = HETERO_KARG_BUF, .v.buf = {s->cl_primes, sh.n_med * sizeof(uint32_t)}};
    a[10] = (hetero_karg){.kind = HETERO_KARG_U32, .v.u32 = sh.n_grp};
    a[11] = (hetero_karg){.kind = HETERO_KARG_U32, .v.u32 = sh.n_med};
    a[12] = (hetero_karg){.kind = HETERO_KARG_U32, .v.u32 = sh.p_large};
    a[13] = (hetero_karg){.kind = HETERO_KARG_SCRATCH, .v.scratch_bytes = sh.scratch_bytes};
    a[14] = (hetero_karg){.kind = HETERO_KARG_U64, .v.u64 = sh.chunk_bytes};
    a[15] = (hetero_karg){.kind = HETERO_KARG_U32, .v.u32 = sh.solo};
    return 16;
}

/* ---- merge: count, --nth, --print ----------------------------------------- */

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

/* Streams primes as decimal lines through a large buffer, flushed only on
 * line boundaries. */
typedef struct primes_print_ctx {
    FILE *out;
    int to_stdout;
    const char *name;
    const hetero_job *job;
    char *buf;
    size_t len, cap;
    uint64_t printed;
    uint64_t *tmp; /* decoded primes of one segment */
} primes_print_ctx;

static int primes_print_flush(primes_print_ctx *c)
{
    errno = 0;
    if (c->len && fwrite(c->buf, 1, c->len, c->out) != c->len) {
        int e = errno;
        if (c->to_stdout)
            return hetero_fail(HETERO_E_IO, "--print: writing stdout: %s", e ? strerror(e) : "write error");
        return hetero_fail(HETERO_E_IO, "--print: writing '%s': %s", c->name,
                           e ? strerror(e) : "write error");
    }
    c->len = 0;
    /* asked to stop while we stream: stop here, after whole lines */
    if (hetero_job_cancelled(c->job))
        return hetero_fail(HETERO_E_INTERRUPTED, "interrupted");
    if (c->to_stdout && fflush(c->out) != 0)
        return hetero_fail(HETERO_E_IO, "--print: writing stdout: %s", strerror(errno));
    return HETERO_OK;
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
    return HETERO_OK;
}

static int primes_print_visit(void *arg, uint64_t first, const uint8_t *bits, size_t nbytes)
{
    primes_print_ctx *c = arg;
    if (hetero_job_cancelled(c->job))
        return primes_print_flush(c); /* whole lines out, then HETERO_E_INTERRUPTED */
    size_t n = het_primes_decode(first, bits, nbytes, c->tmp);
    for (size_t i = 0; i < n; i++) {
        int rc = primes_print_one(c, c->tmp[i]);
        if (rc)
            return rc;
    }
    return 0;
}

/* --print: FILE is written to a temporary file renamed into place only
 * when every prime is in it, so an interrupted or failed run leaves an
 * existing FILE as it was; `-` streams to stdout and, interrupted, stops
 * after a whole line. */
static int primes_print_all(hetero_job *job)
{
    const primes_params *p = hetero_job_params(job);
    const primes_state *s = hetero_job_state(job);
    primes_print_ctx c = {.cap = 1u << 20, .job = job, .name = p->print};
    het__primes_sieve *sv = NULL;
    c.to_stdout = strcmp(p->print, "-") == 0;
    c.out = hetero_job_output(job, "--print");
    if (!c.out)
        return hetero_fail(HETERO_E_INTERNAL, "--print: the output is not open");
    int rc = het_primes_sieve_new(&sv);
    if (rc)
        return rc;
    c.buf = malloc(c.cap);
    c.tmp = malloc(8 * (size_t)HET_PRIMES_SEG_BYTES * sizeof *c.tmp);
    if (!c.buf || !c.tmp) {
        rc = hetero_fail(HETERO_E_NOMEM, "--print: out of memory for the output buffer");
        goto out;
    }
    /* one stream over the whole range (2, 3, 5 come first) */
    uint64_t tiny[3], cnt;
    unsigned nt = het_primes_tiny(s->lo, s->hi, tiny);
    for (unsigned k = 0; k < nt && rc == HETERO_OK; k++)
        rc = primes_print_one(&c, tiny[k]);
    if (rc == HETERO_OK)
        rc = het_primes_sieve_range(sv, &s->base, s->lo, s->hi, primes_print_visit, &c, &cnt);
    if (rc == HETERO_OK)
        rc = primes_print_flush(&c);
    if (rc == HETERO_OK && c.printed != s->count)
        rc = hetero_fail(HETERO_E_INTERNAL, "--print: wrote %" PRIu64 " primes but counted %" PRIu64,
                         c.printed, s->count);
out:
    free(c.buf);
    free(c.tmp);
    het_primes_sieve_free(sv);
    return rc;
}

static int primes_find_nth(hetero_job *job, const uint64_t *counts)
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
