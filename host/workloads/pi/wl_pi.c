/* wl_pi.c - the pi workload: Monte Carlo estimate of pi from N samples.
 *
 * Grains are runs of samples (an even number each, so grains start on a
 * Philox block); a grain's partial is its hit count (uint64).  The stream
 * layout is in pi_common.h and docs/random-streams.md.
 */
#include "hetero.h"
#include "wl_pi.h"

#include <inttypes.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include <Random123/philox.h>

#include "pi_common.h"
#include "clones.h"

extern const char het_kernel_pi[];

typedef struct pi_params {
    uint64_t samples;
} pi_params;

typedef struct pi_state {
    uint64_t grain_samples;
    uint64_t hits;
    double pi, stderr_, abs_error;
} pi_state;

#define PI_MAX_SAMPLES (UINT64_C(1) << 63)

static const hetero_option pi_options[] = {
    {.type = HETERO_OPT_COUNT,
     .name = "--samples",
     .metavar = "N",
     .help = "number of random points (up to 2^63; 1e9 and 2.5e9 forms accepted)",
     .offset = offsetof(pi_params, samples),
     .min = 1,
     .max = 9223372036854775808.0,
     .required = 1},
    {.type = HETERO_OPT_END},
};

/* Grain size: at least HET_PI_MIN_GRAIN, and large enough that the job
 * has at most HET_PI_MAX_GRAINS grains; always even. */
static uint64_t pi_grain_samples(uint64_t n)
{
    uint64_t g = (n + HET_PI_MAX_GRAINS - 1) / HET_PI_MAX_GRAINS;
    if (g < HET_PI_MIN_GRAIN)
        g = HET_PI_MIN_GRAIN;
    return (g + 1) & ~UINT64_C(1);
}

static int pi_plan(hetero_job *job)
{
    const pi_params *p = hetero_job_params(job);
    pi_state *s = calloc(1, sizeof *s);
    if (!s)
        return hetero_fail(HETERO_E_NOMEM, "pi: out of memory planning the job");
    s->grain_samples = pi_grain_samples(p->samples);
    hetero_job_set_state(job, s);
    return hetero_job_set_grains(job, (p->samples + s->grain_samples - 1) / s->grain_samples,
                                 sizeof(uint64_t));
}

static void pi_release(hetero_job *job)
{
    free(hetero_job_state(job));
    hetero_job_set_state(job, NULL);
}

static uint64_t pi_items(const hetero_job *job, uint64_t g0, uint64_t n)
{
    const pi_params *p = hetero_job_params(job);
    const pi_state *s = hetero_job_state(job);
    uint64_t first = g0 * s->grain_samples;
    uint64_t last = (g0 + n) * s->grain_samples;
    if (last > p->samples || last < first)
        last = p->samples;
    return last > first ? last - first : 0;
}

/* A grain's hit count is at most its samples. */
static int pi_possible(const hetero_job *job, uint64_t g, const void *partial)
{
    uint64_t hits;
    memcpy(&hits, partial, sizeof hits);
    return hits <= pi_items(job, g, 1);
}

/* One Philox4x32-10 block through Random123, for the odd tail and as the
 * reference the vector path is tested against. */
static unsigned pi_block_hits(uint64_t b, philox4x32_key_t key, int both)
{
    philox4x32_ctr_t c = {{(uint32_t)b, (uint32_t)(b >> 32), 0, HET_PI_TAG}};
    philox4x32_ctr_t r = philox4x32_R(HET_PHILOX_ROUNDS, c, key);
    int64_t x0 = (int32_t)r.v[0], y0 = (int32_t)r.v[1];
    int64_t x1 = (int32_t)r.v[2], y1 = (int32_t)r.v[3];
    unsigned h = (uint64_t)(x0 * x0) + (uint64_t)(y0 * y0) < HET_PI_R2;
    if (both)
        h += (uint64_t)(x1 * x1) + (uint64_t)(y1 * y1) < HET_PI_R2;
    return h;
}

/* Philox4x32-10 on PI_LANES consecutive blocks at once, structure of
 * arrays, so that the compiler turns each lane loop into vector code: the
 * 32x32->64-bit multiplies become vpmuludq and the hit test vpmuldq plus an
 * unsigned 64-bit compare.  target_clones picks AVX-512, AVX2 or plain
 * x86-64 at run time.  Same rounds and constants as Random123's
 * philox4x32 (tests check it block for block). */
#define PI_LANES 16
#define PHILOX_M0 UINT32_C(0xD2511F53)
#define PHILOX_M1 UINT32_C(0xCD9E8D57)
#define PHILOX_W0 UINT32_C(0x9E3779B9)
#define PHILOX_W1 UINT32_C(0xBB67AE85)

HET_CLONES("arch=x86-64-v4", "avx2", "default")
static uint64_t pi_count_blocks(uint32_t k0, uint32_t k1, uint64_t b0, uint64_t nblocks)
{
    uint64_t hits = 0;
    uint64_t b = b0;
    const uint64_t end = b0 + nblocks / PI_LANES * PI_LANES;
    for (; b < end; b += PI_LANES) {
        uint32_t c0[PI_LANES], c1[PI_LANES], c2[PI_LANES], c3[PI_LANES];
        for (int l = 0; l < PI_LANES; l++) {
            c0[l] = (uint32_t)(b + (uint64_t)l);
            c1[l] = (uint32_t)((b + (uint64_t)l) >> 32);
            c2[l] = 0;
            c3[l] = HET_PI_TAG;
        }
        uint32_t ka = k0, kb = k1;
        for (int round = 0; round < HET_PHILOX_ROUNDS; round++) {
            for (int l = 0; l < PI_LANES; l++) {
                uint64_t p0 = (uint64_t)PHILOX_M0 * c0[l];
                uint64_t p1 = (uint64_t)PHILOX_M1 * c2[l];
                uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1[l] ^ ka;
                uint32_t n1 = (uint32_t)p1;
                uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3[l] ^ kb;
                uint32_t n3 = (uint32_t)p0;
                c0[l] = n0;
                c1[l] = n1;
                c2[l] = n2;
                c3[l] = n3;
            }
            ka += PHILOX_W0;
            kb += PHILOX_W1;
        }
        uint64_t h = 0;
        for (int l = 0; l < PI_LANES; l++) {
            int64_t x0 = (int32_t)c0[l], y0 = (int32_t)c1[l];
            int64_t x1 = (int32_t)c2[l], y1 = (int32_t)c3[l];
            h += ((uint64_t)(x0 * x0) + (uint64_t)(y0 * y0)) < HET_PI_R2;
            h += ((uint64_t)(x1 * x1) + (uint64_t)(y1 * y1)) < HET_PI_R2;
        }
        hits += h;
    }
    philox4x32_key_t key = {{k0, k1}};
    for (; b < b0 + nblocks; b++)
        hits += pi_block_hits(b, key, 1);
    return hits;
}

/* Hits among samples [first, last) with first even. */
uint64_t het_pi_hits(uint64_t seed, uint64_t first, uint64_t last)
{
    uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
    uint64_t full = (last - first) / 2;
    uint64_t hits = pi_count_blocks(k0, k1, first / 2, full);
    if ((last - first) & 1) {
        philox4x32_key_t key = {{k0, k1}};
        hits += pi_block_hits(first / 2 + full, key, 0);
    }
    return hits;
}

/* A grain holds up to 2^43 samples (hours on one core); it is counted in
 * pieces of PI_PIECE samples (about a tenth of a second), and a batch the
 * run no longer needs stops between two pieces.  The hit count is a sum
 * of integers: the pieces change no bit of it. */
#define PI_PIECE (UINT64_C(1) << 25)

static int pi_cpu_batch(const hetero_job *job, uint64_t g0, uint64_t n, void *out, int nthreads)
{
    const pi_params *p = hetero_job_params(job);
    const pi_state *s = hetero_job_state(job);
    uint64_t *hits = out;
    int dropped = 0;
#pragma omp parallel for num_threads(nthreads) schedule(dynamic, 1)
    for (uint64_t i = 0; i < n; i++) {
        uint64_t first = (g0 + i) * s->grain_samples;
        uint64_t last = first + s->grain_samples;
        if (last > p->samples)
            last = p->samples;
        uint64_t h = 0;
        for (uint64_t a = first; a < last; a += PI_PIECE) {
            if (hetero_job_abandoned(job)) {
#pragma omp atomic write
                dropped = 1;
                break;
            }
            h += het_pi_hits(hetero_job_seed(job), a, last - a > PI_PIECE ? a + PI_PIECE : last);
        }
        hits[i] = h;
    }
    return dropped ? HETERO_E_INTERRUPTED : HETERO_OK;
}

/* Work-group size: a power of two up to 256 (the reduction halves it). */
static size_t pi_local(const hetero_cl_caps *caps)
{
    size_t l = 256;
    while (l > caps->max_wg && l > 1)
        l >>= 1;
    return l;
}

static int pi_cl_fit(const hetero_job *job, const hetero_cl_caps *caps, size_t *local)
{
    (void)job;
    size_t l = pi_local(caps);
    if (l * sizeof(uint64_t) > caps->local_mem)
        return hetero_fail(HETERO_E_NODEV, "needs %zu bytes of local memory, has %llu", l * sizeof(uint64_t),
                           (unsigned long long)caps->local_mem);
    *local = l;
    return HETERO_OK;
}

/* Which kernel path suits the device (pi.cl): 64-bit lanes on CPU
 * devices, whose vector units multiply 32x32->64 bits in one instruction
 * (PoCL runs the 32-bit path some 19 times slower), 32-bit words with mul_hi
 * everywhere else (GPUs, whose 64-bit integer multiplies run at a fraction
 * of the 32-bit rate: 7% faster than the lanes on an H200).  Both give the
 * same bits (bench/RESULTS.md has the figures). */
static int pi_lanes64(const hetero_cl_caps *caps) { return (caps->type & HETERO_DEVICE_CPU) != 0; }

/* Each path is a kernel of its own, so that a GPU's 32-bit path is not
 * compiled beside the 64-bit lanes' registers (84 registers together, 36
 * alone on an H200's compiler). */
static const char *pi_cl_kernel(const hetero_job *job, const hetero_cl_caps *caps)
{
    (void)job;
    return pi_lanes64(caps) ? "pi_lanes64" : "pi";
}

static size_t pi_cl_args(const hetero_job *job, const hetero_cl_caps *caps, hetero_karg *a, size_t max)
{
    const pi_params *p = hetero_job_params(job);
    const pi_state *s = hetero_job_state(job);
    if (max < 5)
        return 0;
    a[0] = (hetero_karg){.kind = HETERO_KARG_U32, .v.u32 = (uint32_t)hetero_job_seed(job)};
    a[1] = (hetero_karg){.kind = HETERO_KARG_U32, .v.u32 = (uint32_t)(hetero_job_seed(job) >> 32)};
    a[2] = (hetero_karg){.kind = HETERO_KARG_U64, .v.u64 = p->samples};
    a[3] = (hetero_karg){.kind = HETERO_KARG_U64, .v.u64 = s->grain_samples};
    /* scratch for the group's reduction: one ulong per work-item */
    a[4] = (hetero_karg){.kind = HETERO_KARG_LOCAL, .v.local_bytes = pi_local(caps) * sizeof(uint64_t)};
    return 5;
}

static int pi_merge(hetero_job *job, const void *partials)
{
    const pi_params *p = hetero_job_params(job);
    pi_state *s = hetero_job_state(job);
    const uint64_t *hits = partials;
    uint64_t h = 0;
    for (uint64_t g = 0; g < hetero_job_grains(job); g++)
        h += hits[g];
    s->hits = h;
    double frac = (double)h / (double)p->samples;
    s->pi = 4.0 * frac;
    /* binomial standard error of 4 * hits / N */
    s->stderr_ = 4.0 * sqrt(frac * (1.0 - frac) / (double)p->samples);
    s->abs_error = fabs(s->pi - M_PI);
    return HETERO_OK;
}

static size_t pi_result(const hetero_job *job, hetero_field *f, size_t max)
{
    const pi_params *p = hetero_job_params(job);
    const pi_state *s = hetero_job_state(job);
    if (max < 5)
        return 0;
    f[0] = (hetero_field){"hits", HETERO_FIELD_U64, {.u64 = s->hits}};
    f[1] = (hetero_field){"samples", HETERO_FIELD_U64, {.u64 = p->samples}};
    f[2] = (hetero_field){"pi", HETERO_FIELD_F64, {.f64 = s->pi}};
    f[3] = (hetero_field){"stderr", HETERO_FIELD_F64, {.f64 = s->stderr_}};
    f[4] = (hetero_field){"abs_error", HETERO_FIELD_F64, {.f64 = s->abs_error}};
    return 5;
}

static size_t pi_params_fields(const hetero_job *job, hetero_field *f, size_t max)
{
    const pi_params *p = hetero_job_params(job);
    const pi_state *s = hetero_job_state(job);
    if (max < 3)
        return 0;
    f[0] = (hetero_field){"samples", HETERO_FIELD_U64, {.u64 = p->samples}};
    f[1] = (hetero_field){"seed", HETERO_FIELD_U64, {.u64 = hetero_job_seed(job)}};
    f[2] = (hetero_field){"grain_samples", HETERO_FIELD_U64, {.u64 = s ? s->grain_samples : 0}};
    return 3;
}

static void pi_bench_params(void *p, double items)
{
    pi_params *pp = p;
    pp->samples = items < 1 ? 1 : items > (double)PI_MAX_SAMPLES ? PI_MAX_SAMPLES : (uint64_t)items;
}

const hetero_workload het_wl_pi = {
    .abi = HETERO_WORKLOAD_ABI,
    .possible = pi_possible,
    .name = "pi",
    .summary = "Monte Carlo estimate of pi from N random points",
    .options = pi_options,
    .params_size = sizeof(pi_params),
    .item_name = "samples",
    .plan = pi_plan,
    .release = pi_release,
    .items = pi_items,
    .cpu_batch = pi_cpu_batch,
    .kernel_source = het_kernel_pi,
    .kernel_name = "pi",
    .cl_kernel = pi_cl_kernel,
    .build_options = NULL,
    .cl_args = pi_cl_args,
    .cl_fit = pi_cl_fit,
    .merge = pi_merge,
    .result = pi_result,
    .params_fields = pi_params_fields,
    .bench_params = pi_bench_params,
};
