/* test_kernels_device.c - the pi and primes kernels on every OpenCL device,
 * run the way the engine runs them (cl_fit, cl_args, one work-group per
 * grain, check words), with the device's capabilities overridden through
 * those workload hooks: local memory of 16, 32, 48 and 64 KiB, work-groups
 * of 8 to 256 work-items, the device taken for a CPU or a GPU (which picks
 * the kernel paths: pi's 64-bit lanes or 32-bit words; the primes lane
 * primes one per work-item or by teams of 8, and its group primes), and the
 * primes large-prime chunk shrunk so that a grain takes several.  Every
 * grain's partial must equal the CPU path's (cpu_batch), bit for bit.
 *
 * A forced local memory above the device's own is tried only where the
 * kernel would still fit the real one (the primes kernel uses at most
 * 32 KiB however much it is offered).  Skipped when there is no OpenCL
 * device.  The name ends in _device: scripts/gpu-check.sh runs it on GPU
 * nodes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <inttypes.h>

#include "engine.h"
#include "hcl.h"
#include "grain_check.h"
#include "workload.h"

#define KIB 1024u

typedef struct kcase {
    const char *what;
    int type;           /* HCL_CPU or HCL_GPU: what the hooks are told */
    uint64_t local_mem; /* bytes of local memory the hooks are told of */
    size_t max_wg;      /* cap on the work-group size */
    uint64_t chunk;     /* primes: chunk_bytes instead of cl_args' (0: as given) */
} kcase;

static hcl_info *g_list;
static size_t g_n;

static int group_setup(void **state)
{
    (void)state;
    return hcl_discover(&g_list, &g_n) == HETERO_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    free(g_list);
    return 0;
}

/* A planned job from "--opt value" pairs. */
static void make_job(hetero_job *job, const char *wl_name, uint64_t seed, const char *const *opts)
{
    const hetero_workload *wl = hetero_workload_find(wl_name);
    assert_non_null(wl);
    assert_int_equal(het_job_init(job, wl), HETERO_OK);
    job->seed = seed;
    for (size_t i = 0; opts[i]; i += 2)
        if (hetero_job_set(job, opts[i], opts[i + 1]) != HETERO_OK)
            fail_msg("%s %s: %s", opts[i], opts[i + 1], hetero_errmsg());
    if (het_job_plan(job) != HETERO_OK)
        fail_msg("plan: %s", hetero_errmsg());
}

/* Runs grains [0, n_grains) of job on one device under case kc and
 * compares each partial with cpu_batch's.  Returns 0 when the case does
 * not apply to this device (forced local memory it cannot back). */
static int run_case(const hcl_info *info, const hetero_job *job, const kcase *kc)
{
    const hetero_workload *wl = job->wl;
    const uint64_t n = job->n_grains;
    const size_t psize = job->partial_size;
    hcl_device d;
    cl_program prog = NULL;
    cl_kernel k = NULL;
    cl_mem bufs[HETERO_MAX_KARGS], out = NULL, chk = NULL, scratch = NULL;
    size_t nbufs = 0;

    assert_int_equal(hcl_open(&d, info), HETERO_OK);
    if (hcl_build(&d, wl->kernel_source, wl->build_options, &prog, NULL) != HETERO_OK)
        fail_msg("%s", hetero_errmsg());
    /* the entry point the engine would pick for a device of the case's type */
    hetero_cl_caps pre;
    memset(&pre, 0, sizeof pre);
    pre.type = kc->type;
    pre.fp64 = info->fp64;
    const char *kname = wl->cl_kernel ? wl->cl_kernel(job, &pre) : NULL;
    assert_int_equal(hcl_kernel(&d, prog, kname ? kname : wl->kernel_name, &k), HETERO_OK);
    size_t kwg = 0;
    uint64_t klocal = 0;
    assert_int_equal(hcl_kernel_limits(&d, k, &kwg, &klocal), HETERO_OK);

    /* the device's caps as the engine derives them, then the case's */
    hetero_cl_caps caps;
    memset(&caps, 0, sizeof caps);
    caps.type = info->type;
    caps.fp64 = info->fp64;
    caps.compute_units = info->compute_units ? info->compute_units : 1;
    caps.max_wg = info->max_wg ? info->max_wg : 1;
    if (kwg && kwg < caps.max_wg)
        caps.max_wg = kwg;
    const uint64_t real_local = info->local_mem > klocal ? info->local_mem - klocal : 0;
    caps.max_alloc = info->max_alloc;
    caps.global_mem = info->global_mem;
    caps.type = kc->type;
    if (kc->max_wg && kc->max_wg < caps.max_wg)
        caps.max_wg = kc->max_wg;
    caps.local_mem = kc->local_mem ? kc->local_mem : real_local;

    size_t local = 0;
    if (wl->cl_fit(job, &caps, &local) != HETERO_OK)
        fail_msg("%s: cl_fit: %s", kc->what, hetero_errmsg());
    hetero_karg ka[HETERO_MAX_KARGS];
    size_t na = wl->cl_args(job, &caps, ka, HETERO_MAX_KARGS);
    assert_true(na > 0);

    /* what the kernel will really take of __local memory */
    uint64_t dyn_local = 0;
    for (size_t i = 0; i < na; i++)
        if (ka[i].kind == HETERO_KARG_LOCAL)
            dyn_local += ka[i].v.local_bytes;
    if (dyn_local > real_local) {
        print_message("  %s: skipped on %s (needs %" PRIu64 " bytes of local memory, has %" PRIu64 ")\n",
                      kc->what, info->id, dyn_local, real_local);
        hcl_release_kernel(k);
        hcl_release_program(prog);
        hcl_close(&d);
        return 0;
    }

    hcl_arg args[HETERO_MAX_KARGS];
    size_t scratch_arg = SIZE_MAX, scratch_bytes = 0;
    for (size_t i = 0; i < na; i++) {
        switch (ka[i].kind) {
        case HETERO_KARG_U32: args[i] = (hcl_arg){.kind = HCL_ARG_U32, .u.u32 = ka[i].v.u32}; break;
        case HETERO_KARG_U64: args[i] = (hcl_arg){.kind = HCL_ARG_U64, .u.u64 = ka[i].v.u64}; break;
        case HETERO_KARG_F64: args[i] = (hcl_arg){.kind = HCL_ARG_F64, .u.f64 = ka[i].v.f64}; break;
        case HETERO_KARG_LOCAL:
            args[i] = (hcl_arg){.kind = HCL_ARG_LOCAL, .u.bytes = ka[i].v.local_bytes};
            break;
        case HETERO_KARG_SCRATCH:
            scratch_arg = i;
            scratch_bytes = ka[i].v.scratch_bytes;
            break;
        case HETERO_KARG_BUF: {
            static const unsigned char zero[8];
            size_t bytes = ka[i].v.buf.bytes ? ka[i].v.buf.bytes : 1;
            const void *data = ka[i].v.buf.bytes ? ka[i].v.buf.data : zero;
            assert_int_equal(
                hcl_buffer(&d, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, bytes, data, &bufs[nbufs]),
                HETERO_OK);
            args[i] = (hcl_arg){.kind = HCL_ARG_MEM, .u.mem = bufs[nbufs++]};
            break;
        }
        default: fail_msg("unknown argument kind %d", ka[i].kind);
        }
    }
    /* primes (host/workloads/primes/primes.cl): the argument after the scratch is
     * chunk_bytes, and the scratch holds chunk_bytes of marks */
    if (kc->chunk) {
        assert_true(scratch_arg + 1 < na && ka[scratch_arg + 1].kind == HETERO_KARG_U64);
        uint64_t was = ka[scratch_arg + 1].v.u64;
        assert_true(was > 0);
        scratch_bytes = scratch_bytes - was + kc->chunk;
        args[scratch_arg + 1].u.u64 = kc->chunk;
    }
    if (scratch_arg != SIZE_MAX) {
        assert_int_equal(
            hcl_buffer(&d, CL_MEM_READ_WRITE, n * (scratch_bytes ? scratch_bytes : 1), NULL, &scratch),
            HETERO_OK);
        args[scratch_arg] = (hcl_arg){.kind = HCL_ARG_MEM, .u.mem = scratch};
    }
    assert_int_equal(hcl_set_args(&d, k, 4, args, na), HETERO_OK);

    unsigned char *got = malloc(n * psize), *want = malloc(n * psize);
    uint64_t *words = malloc(n * sizeof *words);
    assert_true(got && want && words);
    memset(got, 0xA5, n * psize);
    assert_int_equal(hcl_buffer(&d, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, n * psize, got, &out),
                     HETERO_OK);
    assert_int_equal(hcl_buffer(&d, CL_MEM_READ_WRITE, n * sizeof *words, NULL, &chk), HETERO_OK);
    assert_int_equal(hcl_fill(&d, chk, 0, n * sizeof *words, 0, NULL), HETERO_OK);
    hcl_arg a4[4] = {
        {.kind = HCL_ARG_MEM, .u.mem = out},
        {.kind = HCL_ARG_U64, .u.u64 = 0},
        {.kind = HCL_ARG_U32, .u.u32 = (uint32_t)n},
        {.kind = HCL_ARG_MEM, .u.mem = chk},
    };
    assert_int_equal(hcl_set_args(&d, k, 0, a4, 4), HETERO_OK);
    cl_event ev = NULL;
    if (hcl_launch(&d, k, n * local, local, &ev) != HETERO_OK)
        fail_msg("%s: %s", kc->what, hetero_errmsg());
    assert_int_equal(hcl_read(&d, out, 0, n * psize, got, 1, NULL), HETERO_OK);
    assert_int_equal(hcl_read(&d, chk, 0, n * sizeof *words, words, 1, NULL), HETERO_OK);
    if (hcl_wait(&d, ev) != HETERO_OK)
        fail_msg("%s: %s", kc->what, hetero_errmsg());
    hcl_release_event(ev);

    assert_int_equal(wl->cpu_batch(job, 0, n, want, 1), HETERO_OK);
    for (uint64_t g = 0; g < n; g++) {
        if (words[g] != HETERO_GRAIN_CHECK(g))
            fail_msg("%s on %s: grain %" PRIu64 " not finished (check word %016" PRIx64 ")", kc->what,
                     info->id, g, words[g]);
        if (memcmp(got + g * psize, want + g * psize, psize) != 0) {
            uint64_t a = 0, b = 0;
            memcpy(&a, got + g * psize, 8);
            memcpy(&b, want + g * psize, 8);
            fail_msg("%s on %s (local %zu): grain %" PRIu64 " differs from the CPU's (first words %" PRIu64
                     " vs %" PRIu64 ")",
                     kc->what, info->id, local, g, a, b);
        }
    }
    free(got);
    free(want);
    free(words);
    hcl_release_mem(out);
    hcl_release_mem(chk);
    hcl_release_mem(scratch);
    for (size_t i = 0; i < nbufs; i++)
        hcl_release_mem(bufs[i]);
    hcl_release_kernel(k);
    hcl_release_program(prog);
    hcl_close(&d);
    return 1;
}

static void run_cases(const hetero_job *job, const kcase *cases, size_t ncases)
{
    if (g_n == 0)
        skip();
    for (size_t i = 0; i < g_n; i++)
        for (size_t c = 0; c < ncases; c++)
            run_case(&g_list[i], job, &cases[c]);
}

/* ---- primes ------------------------------------------------------------- */

/* local memory 16, 32, 48, 64 KiB, taken for a GPU and for a CPU; the
 * smallest and a middle work-group; several chunks per grain */
static const kcase primes_cases[] = {
    {"gpu, 16 KiB", HCL_GPU, 16 * KIB, 0, 0},
    {"gpu, 32 KiB", HCL_GPU, 32 * KIB, 0, 0},
    {"gpu, 48 KiB", HCL_GPU, 48 * KIB, 0, 0},
    {"gpu, 64 KiB", HCL_GPU, 64 * KIB, 0, 0},
    {"cpu, 16 KiB", HCL_CPU, 16 * KIB, 0, 0},
    {"cpu, 32 KiB", HCL_CPU, 32 * KIB, 0, 0},
    {"cpu, 48 KiB", HCL_CPU, 48 * KIB, 0, 0},
    {"cpu, 64 KiB", HCL_CPU, 64 * KIB, 0, 0},
    {"gpu, 32 KiB, work-groups of 8", HCL_GPU, 32 * KIB, 8, 0},
    {"gpu, 16 KiB, work-groups of 64", HCL_GPU, 16 * KIB, 64, 0},
};

/* chunks of 2 and 5 sub-segments (of 16 and 32 KiB): the large primes'
 * marks and the carried states across chunk boundaries */
static const kcase primes_chunk_cases[] = {
    {"gpu, 32 KiB, chunks of 64 KiB", HCL_GPU, 32 * KIB, 0, 64 * KIB},
    {"cpu, 16 KiB, chunks of 80 KiB", HCL_CPU, 16 * KIB, 0, 80 * KIB},
};

static void primes_job(const char *range, const kcase *cases, size_t ncases)
{
    hetero_job job;
    const char *opts[] = {"--range", range, NULL};
    make_job(&job, "primes", 0, opts);
    run_cases(&job, cases, ncases);
    het_job_free(&job);
}

/* three grains from 0: the group primes start at p^2 inside them */
static void primes_from_zero(void **state)
{
    (void)state;
    primes_job("0:40000000", primes_cases, sizeof primes_cases / sizeof *primes_cases);
}

/* 1e12, three grains, an unaligned start: large primes (up to 1e6) too */
static void primes_at_1e12(void **state)
{
    (void)state;
    primes_job("1000000000007:1000040000000", primes_cases, sizeof primes_cases / sizeof *primes_cases);
}

/* 1e15, part of one grain: mostly large primes, 1.9 million of them */
static void primes_at_1e15(void **state)
{
    (void)state;
    primes_job("1000000000000000:1000000003000001", primes_cases, sizeof primes_cases / sizeof *primes_cases);
}

static void primes_chunks_at_1e12(void **state)
{
    (void)state;
    primes_job("1000000000000:1000030000000", primes_chunk_cases,
               sizeof primes_chunk_cases / sizeof *primes_chunk_cases);
}

/* ---- pi ----------------------------------------------------------------- */

/* the 64-bit-lane path (cpu) and the 32-bit path (gpu), with an odd
 * number of samples (the last grain ends on half a block) */
static const kcase pi_cases[] = {
    {"cpu (64-bit lanes)", HCL_CPU, 0, 0, 0},
    {"gpu (32-bit words)", HCL_GPU, 0, 0, 0},
    {"gpu (32-bit words), work-groups of 32", HCL_GPU, 0, 32, 0},
};

static void pi_both_paths(void **state)
{
    (void)state;
    hetero_job job;
    const char *opts[] = {"--samples", "3145731", NULL};
    make_job(&job, "pi", UINT64_C(0x0123456789abcdef), opts);
    assert_true(job.n_grains >= 3);
    run_cases(&job, pi_cases, sizeof pi_cases / sizeof *pi_cases);
    het_job_free(&job);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pi_both_paths),         cmocka_unit_test(primes_from_zero),
        cmocka_unit_test(primes_at_1e12),        cmocka_unit_test(primes_at_1e15),
        cmocka_unit_test(primes_chunks_at_1e12),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
