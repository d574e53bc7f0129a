/* squares.c - a workload with an OpenCL kernel, in a shared object of its
 * own, for tests/e2e/bench_conform.sh: grain g's partial is the two words
 * (g, g*g), the result their sums.  Built with -DSQUARES_WRONG=G its kernel
 * adds 256 to grain G's second word, a wrong sum that still runs to the
 * end: only the conformance check (hetero_job_conform) can say where.
 * Built like a user's object, against hetero.h alone:
 *
 *   cc -shared -fPIC -fopenmp -I include squares.c -o squares.so
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <hetero.h>

#ifndef SQUARES_WRONG
#define SQUARES_WRONG UINT64_MAX /* no grain */
#endif

typedef struct squares_params {
    uint64_t grains;
} squares_params;

typedef struct squares_sum {
    uint64_t g, gg;
} squares_sum;

static const hetero_option squares_options[] = {
    {.type = HETERO_OPT_COUNT,
     .name = "--grains",
     .metavar = "N",
     .help = "number of grains",
     .offset = offsetof(squares_params, grains),
     .min = 1,
     .max = 1e9,
     .def = "10"},
    {.type = HETERO_OPT_END},
};

static int squares_plan(hetero_job *job)
{
    const squares_params *p = hetero_job_params(job);
    squares_sum *s = calloc(1, sizeof *s);
    if (!s)
        return hetero_fail(HETERO_E_NOMEM, "squares: out of memory");
    hetero_job_set_state(job, s);
    return hetero_job_set_grains(job, p->grains, 2 * sizeof(uint64_t));
}

static int squares_cpu_batch(const hetero_job *job, uint64_t g0, uint64_t n, void *out, int nthreads)
{
    (void)job;
    (void)nthreads;
    uint64_t *partial = out;
    for (uint64_t i = 0; i < n; i++) {
        partial[2 * i] = g0 + i;
        partial[2 * i + 1] = (g0 + i) * (g0 + i);
    }
    return HETERO_OK;
}

#define SQUARES_STR(x) #x
#define SQUARES_XSTR(x) SQUARES_STR(x)

static const char squares_kernel[] = "#define CHECK(g) " SQUARES_XSTR(HETERO_GRAIN_CHECK(
    g)) "\n"
        "__kernel void squares(__global ulong *out, ulong g0, uint n, __global ulong *chk, ulong wrong)\n"
        "{\n"
        "    uint w = get_group_id(0);\n"
        "    if (w >= n || get_local_id(0) != 0)\n"
        "        return;\n"
        "    ulong g = g0 + w;\n"
        "    out[2 * w] = g;\n"
        "    out[2 * w + 1] = g * g + (g == wrong ? 256ul : 0ul);\n"
        "    chk[w] = CHECK(g);\n"
        "}\n";

static size_t squares_cl_args(const hetero_job *job, const hetero_cl_caps *caps, hetero_karg *args,
                              size_t max)
{
    (void)job;
    (void)caps;
    if (max < 1)
        return 0;
    args[0] = (hetero_karg){.kind = HETERO_KARG_U64, .v.u64 = SQUARES_WRONG};
    return 1;
}

static int squares_merge(hetero_job *job, const void *partials)
{
    const uint64_t *p = partials;
    squares_sum *s = hetero_job_state(job);
    for (uint64_t g = 0; g < hetero_job_grains(job); g++) {
        s->g += p[2 * g];
        s->gg += p[2 * g + 1];
    }
    return HETERO_OK;
}

static size_t squares_result(const hetero_job *job, hetero_field *f, size_t max)
{
    const squares_sum *s = hetero_job_state(job);
    if (max < 2)
        return 0;
    f[0] = (hetero_field){.name = "sum", .kind = HETERO_FIELD_U64, .v.u64 = s->g};
    f[1] = (hetero_field){.name = "squares", .kind = HETERO_FIELD_U64, .v.u64 = s->gg};
    return 2;
}

static void squares_bench_params(void *params, double items)
{
    squares_params *p = params;
    p->grains = items < 10 ? 10 : items > 1e6 ? 1000000 : (uint64_t)items;
}

static const hetero_workload squares = {
    .abi = HETERO_WORKLOAD_ABI,
    .name = "squares",
    .summary = "(g, g*g) per grain, summed (a workload with a kernel, from a shared object)",
    .item_name = "grains",
    .params_size = sizeof(squares_params),
    .options = squares_options,
    .plan = squares_plan,
    .cpu_batch = squares_cpu_batch,
    .kernel_source = squares_kernel,
    .kernel_name = "squares",
    .cl_args = squares_cl_args,
    .merge = squares_merge,
    .result = squares_result,
    .bench_params = squares_bench_params,
};

HETERO_PLUGIN(&squares);
