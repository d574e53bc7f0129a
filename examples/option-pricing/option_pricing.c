/* option-pricing - prices a European call by Monte Carlo under geometric
 * Brownian motion, on every device hetero is given, with the same bits on
 * any mix of devices, threads and ranks.  A workload of its own, written
 * against the installed libhetero only (include/hetero.h).
 *
 *   option-pricing --paths N [--spot S] [--strike K] [--rate R] [--vol V]
 *                  [--maturity T] [--seed S] [--devices LIST] [--threads T]
 *                  [--format text|json|csv] [hetero's other options]
 *   option-pricing devices | --help | --version
 *
 * Grains are runs of paths; a grain's partial is the sum and the sum of
 * squares of its payoffs, added in path order on the CPU and on a device
 * alike.  The price is exp(-rT) times the mean payoff, and its standard
 * error exp(-rT) times the payoffs' sample standard deviation over sqrt(N).
 */
#include <math.h>
#include <omp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <hetero.h>

#include "option_common.h"

extern const char option_pricing_kernel[];

typedef struct params {
    uint64_t paths;
    double spot, strike, rate, vol, maturity;
} params;

typedef struct state {
    uint64_t grain_paths;
    double drift, volt; /* (r - vol^2/2) T and vol sqrt(T) */
    double price, stderr_, black_scholes;
} state;

#define MAX_GRAINS (1u << 20)
#define MIN_GRAIN 4096u

static const hetero_option options[] = {
    {.type = HETERO_OPT_COUNT,
     .name = "--paths",
     .metavar = "N",
     .help = "number of paths (1e6 forms accepted)",
     .offset = offsetof(params, paths),
     .min = 2,
     .max = 9.007199254740992e15,
     .required = 1},
    {.type = HETERO_OPT_REAL,
     .name = "--spot",
     .metavar = "S",
     .help = "spot price S > 0 (default 100)",
     .offset = offsetof(params, spot),
     .min = 1e-300,
     .max = 1e300,
     .def = "100"},
    {.type = HETERO_OPT_REAL,
     .name = "--strike",
     .metavar = "K",
     .help = "strike price K >= 0 (default 100)",
     .offset = offsetof(params, strike),
     .min = 0,
     .max = 1e300,
     .def = "100"},
    {.type = HETERO_OPT_REAL,
     .name = "--rate",
     .metavar = "R",
     .help = "risk-free rate per year (default 0.05)",
     .offset = offsetof(params, rate),
     .min = -1,
     .max = 1,
     .def = "0.05"},
    {.type = HETERO_OPT_REAL,
     .name = "--vol",
     .metavar = "V",
     .help = "volatility per sqrt(year) > 0 (default 0.2)",
     .offset = offsetof(params, vol),
     .min = 1e-6,
     .max = 5,
     .def = "0.2"},
    {.type = HETERO_OPT_REAL,
     .name = "--maturity",
     .metavar = "T",
     .help = "years to maturity > 0 (default 1)",
     .offset = offsetof(params, maturity),
     .min = 1e-6,
     .max = 100,
     .def = "1"},
    {.type = HETERO_OPT_END},
};

static int plan(hetero_job *job)
{
    const params *p = hetero_job_params(job);
    state *s = calloc(1, sizeof *s);
    if (!s)
        return hetero_fail(HETERO_E_NOMEM, "option-pricing: out of memory");
    uint64_t g = p->paths / MAX_GRAINS + (p->paths % MAX_GRAINS != 0);
    s->grain_paths = g < MIN_GRAIN ? MIN_GRAIN : g;
    s->drift = (p->rate - 0.5 * p->vol * p->vol) * p->maturity;
    s->volt = p->vol * sqrt(p->maturity);
    hetero_job_set_state(job, s);
    return hetero_job_set_grains(job, p->paths / s->grain_paths + (p->paths % s->grain_paths != 0),
                                 2 * sizeof(double));
}

static uint64_t items(const hetero_job *job, uint64_t g0, uint64_t n)
{
    const params *p = hetero_job_params(job);
    const state *s = hetero_job_state(job);
    uint64_t first = g0 * s->grain_paths, last = (g0 + n) * s->grain_paths;
    return (last > p->paths ? p->paths : last) - first;
}

static int cpu_batch(const hetero_job *job, uint64_t g0, uint64_t n, void *out, int nthreads)
{
    const params *p = hetero_job_params(job);
    const state *s = hetero_job_state(job);
    uint64_t seed = hetero_job_seed(job);
    double *o = out;
#pragma omp parallel for num_threads(nthreads) schedule(dynamic, 1)
    for (uint64_t i = 0; i < n; i++) {
        uint64_t begin = (g0 + i) * s->grain_paths, end = begin + s->grain_paths;
        if (end > p->paths)
            end = p->paths;
        double sum = 0.0, sum2 = 0.0;
        for (uint64_t q = begin; q < end; q++) { /* path order, as the kernel adds */
            double v = option_payoff(q, (unsigned)seed, (unsigned)(seed >> 32), p->spot, p->strike, s->drift,
                                     s->volt);
            sum += v;
            sum2 += v * v;
        }
        o[2 * i] = sum;
        o[2 * i + 1] = sum2;
    }
    return HETERO_OK;
}

static size_t cl_args(const hetero_job *job, const hetero_cl_caps *caps, hetero_karg *a, size_t max)
{
    (void)caps;
    const params *p = hetero_job_params(job);
    const state *s = hetero_job_state(job);
    uint64_t seed = hetero_job_seed(job);
    if (max < 8)
        return 0;
    a[0] = (hetero_karg){.kind = HETERO_KARG_U64, .v.u64 = p->paths};
    a[1] = (hetero_karg){.kind = HETERO_KARG_U64, .v.u64 = s->grain_paths};
    a[2] = (hetero_karg){.kind = HETERO_KARG_U32, .v.u32 = (uint32_t)seed};
    a[3] = (hetero_karg){.kind = HETERO_KARG_U32, .v.u32 = (uint32_t)(seed >> 32)};
    a[4] = (hetero_karg){.kind = HETERO_KARG_F64, .v.f64 = p->spot};
    a[5] = (hetero_karg){.kind = HETERO_KARG_F64, .v.f64 = p->strike};
    a[6] = (hetero_karg){.kind = HETERO_KARG_F64, .v.f64 = s->drift};
    a[7] = (hetero_karg){.kind = HETERO_KARG_F64, .v.f64 = s->volt};
    return 8;
}

/* Black-Scholes, for the report: the price the Monte Carlo estimate
 * should fall within a few standard errors of. */
static double black_scholes(const params *p)
{
    double sq = p->vol * sqrt(p->maturity);
    double d1 = (log(p->spot / p->strike) + (p->rate + 0.5 * p->vol * p->vol) * p->maturity) / sq;
    double d2 = d1 - sq;
    double n1 = 0.5 * erfc(-d1 / sqrt(2.0)), n2 = 0.5 * erfc(-d2 / sqrt(2.0));
    return p->spot * n1 - p->strike * exp(-p->rate * p->maturity) * n2;
}

static int merge(hetero_job *job, const void *partials)
{
    const params *p = hetero_job_params(job);
    state *s = hetero_job_state(job);
    const double *v = partials;
    double sum = 0.0, sum2 = 0.0;
    for (uint64_t g = 0; g < hetero_job_grains(job); g++) { /* grain order */
        sum += v[2 * g];
        sum2 += v[2 * g + 1];
    }
    double n = (double)p->paths, mean = sum / n;
    double var = (sum2 - n * mean * mean) / (n - 1.0);
    double disc = hetero_exp(-p->rate * p->maturity);
    s->price = disc * mean;
    s->stderr_ = disc * sqrt(var > 0 ? var : 0) / sqrt(n);
    s->black_scholes = black_scholes(p);
    return HETERO_OK;
}

static size_t result(const hetero_job *job, hetero_field *f, size_t max)
{
    const state *s = hetero_job_state(job);
    if (max < 3)
        return 0;
    f[0] = (hetero_field){.name = "price", .kind = HETERO_FIELD_F64, .v.f64 = s->price};
    f[1] = (hetero_field){.name = "stderr", .kind = HETERO_FIELD_F64, .v.f64 = s->stderr_};
    f[2] = (hetero_field){.name = "black_scholes", .kind = HETERO_FIELD_F64, .v.f64 = s->black_scholes};
    return 3;
}

static const hetero_workload option_pricing = {
    .abi = HETERO_WORKLOAD_ABI,
    .name = "option-pricing",
    .summary = "European call under geometric Brownian motion, by Monte Carlo",
    .item_name = "paths",
    .params_size = sizeof(params),
    .options = options,
    .plan = plan,
    .items = items,
    .cpu_batch = cpu_batch,
    .kernel_source = option_pricing_kernel,
    .kernel_name = "option_pricing",
    .needs_fp64 = 1,
    .cl_args = cl_args,
    .merge = merge,
    .result = result,
};

/* The whole command line (options from the rows above, the common ones,
 * --format, --help, `option-pricing devices`, signals, exit statuses,
 * MPI) is the library's: the same as `hetero`'s. */
static const hetero_workload *const workloads[] = {&option_pricing};

int main(int argc, char **argv) { return hetero_main(argc, argv, workloads, 1); }
