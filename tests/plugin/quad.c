/* quad.c - a workload in a shared object of its own, for tests/e2e/load.sh:
 * the integral of 4 / (1 + x^2) over [0, B] by Monte Carlo, which is
 * 4 atan(B) (pi for B = 1).  Built like a user's object, against hetero.h
 * alone and without libhetero:
 *
 *   cc -shared -fPIC -fopenmp -ffp-contract=off -I include quad.c -o quad.so
 *
 * Sample i of seed s draws x = B * u, u from the top 53 bits of
 * splitmix64(s + (i + 1) * golden), so any cut of the samples gives the
 * same values.  A grain is QUAD_GRAIN samples; its partial is the sum and
 * the sum of squares of its f(x), added in sample order; merge adds the
 * partials in grain order.  The result is B times the mean, and its
 * standard error.
 *
 * The refusals hetero_workload_load makes are built from the same file:
 *   -DQUAD_ABI=N        the object claims workload ABI N
 *   -DQUAD_NO_SYMBOL    no hetero_workloads at all
 *   -DQUAD_NAME='"pi"'  a name a built-in has
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <hetero.h>

#ifndef QUAD_NAME
#define QUAD_NAME "quad"
#endif
#define QUAD_GRAIN 65536u

typedef struct quad_params {
    uint64_t samples;
    double upper;
} quad_params;

typedef struct quad_state {
    double integral, stderr_;
} quad_state;

static const hetero_option quad_options[] = {
    {.type = HETERO_OPT_COUNT,
     .name = "--samples",
     .metavar = "N",
     .help = "number of samples (1e6 forms accepted)",
     .offset = offsetof(quad_params, samples),
     .min = 2,
     .max = 1e15,
     .required = 1},
    {.type = HETERO_OPT_REAL,
     .name = "--upper",
     .metavar = "B",
     .help = "upper bound B of the integral over [0, B] (default 1)",
     .offset = offsetof(quad_params, upper),
     .min = 1e-6,
     .max = 1e6,
     .def = "1"},
    {.type = HETERO_OPT_END},
};

static uint64_t splitmix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int quad_plan(hetero_job *job)
{
    const quad_params *p = hetero_job_params(job);
    quad_state *s = calloc(1, sizeof *s);
    if (!s)
        return hetero_fail(HETERO_E_NOMEM, "quad: out of memory");
    hetero_job_set_state(job, s);
    return hetero_job_set_grains(job, p->samples / QUAD_GRAIN + (p->samples % QUAD_GRAIN != 0),
                                 2 * sizeof(double));
}

static void quad_release(hetero_job *job) { free(hetero_job_state(job)); }

static uint64_t quad_items(const hetero_job *job, uint64_t g0, uint64_t n)
{
    const quad_params *p = hetero_job_params(job);
    uint64_t first = g0 * QUAD_GRAIN, last = (g0 + n) * QUAD_GRAIN;
    return (last > p->samples ? p->samples : last) - first;
}

static int quad_cpu_batch(const hetero_job *job, uint64_t g0, uint64_t n, void *out, int nthreads)
{
    const quad_params *p = hetero_job_params(job);
    uint64_t seed = hetero_job_seed(job);
    double *o = out;
#pragma omp parallel for num_threads(nthreads) schedule(dynamic, 1)
    for (uint64_t k = 0; k < n; k++) {
        uint64_t begin = (g0 + k) * QUAD_GRAIN, end = begin + QUAD_GRAIN;
        if (end > p->samples)
            end = p->samples;
        double sum = 0.0, sum2 = 0.0;
        for (uint64_t i = begin; i < end; i++) {
            double u = (double)(splitmix64(seed + (i + 1) * 0x9e3779b97f4a7c15ull) >> 11) * 0x1p-53;
            double x = p->upper * u, f = 4.0 / (1.0 + x * x);
            sum += f;
            sum2 += f * f;
        }
        o[2 * k] = sum;
        o[2 * k + 1] = sum2;
    }
    return HETERO_OK;
}

static int quad_merge(hetero_job *job, const void *partials)
{
    const quad_params *p = hetero_job_params(job);
    quad_state *s = hetero_job_state(job);
    const double *v = partials;
    double sum = 0.0, sum2 = 0.0;
    for (uint64_t g = 0; g < hetero_job_grains(job); g++) {
        sum += v[2 * g];
        sum2 += v[2 * g + 1];
    }
    double n = (double)p->samples, mean = sum / n, var = (sum2 - n * mean * mean) / (n - 1.0);
    s->integral = p->upper * mean;
    s->stderr_ = p->upper * sqrt(var > 0 ? var : 0) / sqrt(n);
    return HETERO_OK;
}

static size_t quad_result(const hetero_job *job, hetero_field *f, size_t max)
{
    const quad_state *s = hetero_job_state(job);
    if (max < 2)
        return 0;
    f[0] = (hetero_field){.name = "integral", .kind = HETERO_FIELD_F64, .v.f64 = s->integral};
    f[1] = (hetero_field){.name = "stderr", .kind = HETERO_FIELD_F64, .v.f64 = s->stderr_};
    return 2;
}

static void quad_bench_params(void *params, double items)
{
    quad_params *p = params;
    p->samples = items < 2 ? 2 : (uint64_t)items;
}

static const hetero_workload quad = {
    .abi = HETERO_WORKLOAD_ABI,
    .name = QUAD_NAME,
    .summary = "Monte Carlo integral of 4/(1+x^2) over [0, B] (a workload from a shared object)",
    .item_name = "samples",
    .params_size = sizeof(quad_params),
    .options = quad_options,
    .plan = quad_plan,
    .release = quad_release,
    .items = quad_items,
    .cpu_batch = quad_cpu_batch,
    .merge = quad_merge,
    .result = quad_result,
    .bench_params = quad_bench_params,
};

#if defined(QUAD_NO_SYMBOL)
/* the description alone, exported under no name a loader knows */
const hetero_workload *quad_only(void);
const hetero_workload *quad_only(void) { return &quad; }
#elif defined(QUAD_ABI)
static const hetero_workload *const quad_list[] = {&quad};
HETERO__EXPORT extern const hetero_plugin hetero_workloads;
HETERO__EXPORT const hetero_plugin hetero_workloads = {QUAD_ABI, 1, quad_list};
#else
HETERO_PLUGIN(&quad);
#endif
