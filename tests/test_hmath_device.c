/* test_hmath_device.c - device known answers for the shared double math.
 *
 * The reservoir's bits rest on kernels/hmath.h (hetero_log, hetero_sincos2pi)
 * and host/workloads/reservoir/reservoir_common.h (the normals, a path's
 * pair of normals from Philox, one model step) giving the same bits on
 * every device as on the host (contract 1).  This runs them on each OpenCL
 * device with double precision (host/workloads/reservoir/hmath_kat.cl)
 * over some 147,000 inputs, the edge cases among them, and compares every result bit with the same functions
 * compiled here.  The edges: 1.0, every power of two from 2^-1074 to
 * 2^1023, subnormals (outside hetero_log's domain, but the same bits all the
 * same), the largest and smallest normals, the neighbours of 1 and of
 * sqrt(2) (where the log's reduction switches), the uniforms' grid near 0
 * and near 1, the quadrant boundaries of sin/cos, the extreme Philox words
 * (u1 = 2^-53 and u1 = 1), and model steps that land exactly on 0, on the
 * demand and on the capacity.
 *
 * Skipped (not failed) when no OpenCL device exists; devices without
 * cl_khr_fp64 are passed over with a note.  The name ends in _device:
 * scripts/gpu-check.sh runs it on GPU nodes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <float.h>
#include <inttypes.h>
#include <math.h>

#include "hcl.h"
#include "reservoir_common.h"

extern const char het_kernel_hmath_kat[];

#define KEY0 0x9E3779B9u
#define KEY1 0x01234567u

static uint64_t sm_state;
static uint64_t splitmix64(void)
{
    uint64_t z = (sm_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static uint64_t bits(double x) { return hetero__f64_bits(x); }
static double dbl(uint64_t b) { return hetero__bits_f64(b); }
/* a uniform double in [0, 1) on the 2^-53 grid */
static double unit53(void) { return (double)(splitmix64() >> 11) * 0x1p-53; }

/* A growable list of 64-bit words. */
typedef struct words {
    uint64_t *w;
    size_t n, cap;
} words;

static void push(words *v, uint64_t x)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? 2 * v->cap : 4096;
        v->w = realloc(v->w, v->cap * sizeof *v->w);
        assert_non_null(v->w);
    }
    v->w[v->n++] = x;
}

static void pushd(words *v, double x) { push(v, bits(x)); }

/* ---- inputs --------------------------------------------------------------- */

static words log_inputs(void)
{
    words v = {0};
    sm_state = 11;
    pushd(&v, 1.0);
    pushd(&v, DBL_MIN);
    pushd(&v, DBL_MAX);
    pushd(&v, DBL_TRUE_MIN);
    pushd(&v, nextafter(DBL_MIN, 0.0)); /* the largest subnormal */
    for (int e = -1074; e <= 1023; e++) /* every power of two */
        pushd(&v, ldexp(1.0, e));
    for (int k = 1; k <= 2000; k++) {
        pushd(&v, ldexp((double)k, -53));       /* the u1 grid near 0 */
        pushd(&v, 1.0 - ldexp((double)k, -53)); /* ... and near 1 */
        pushd(&v, 1.0 + ldexp((double)k, -52)); /* just above 1 */
    }
    for (int k = -500; k <= 500; k++) { /* where the reduction switches */
        pushd(&v, M_SQRT2 + ldexp((double)k, -52));
        pushd(&v, M_SQRT1_2 + ldexp((double)k, -53));
    }
    for (int i = 0; i < 2000; i++) /* subnormals */
        push(&v, splitmix64() & 0x000fffffffffffffu);
    for (int i = 0; i < 20000; i++) { /* normals, any exponent */
        uint64_t b = splitmix64();
        push(&v, (1 + (b >> 52) % 2046) << 52 | (b & 0xfffffffffffffu));
    }
    for (int i = 0; i < 10000; i++) /* the uniforms the reservoir feeds it */
        pushd(&v, 1.0 - unit53());
    return v;
}

static words sincos_inputs(void)
{
    words v = {0};
    sm_state = 12;
    pushd(&v, 0.0);
    pushd(&v, -0.0);
    pushd(&v, 1.0 - 0x1p-53);
    for (int k = 0; k <= 16; k++) { /* multiples of 1/16, and their neighbours */
        double u = k / 16.0;
        pushd(&v, u);
        for (int d = 1; d <= 40; d++) {
            pushd(&v, u + ldexp((double)d, -53));
            if (u > 0)
                pushd(&v, u - ldexp((double)d, -53));
        }
    }
    for (int e = -1074; e < 0; e++) /* tiny arguments, subnormals too */
        pushd(&v, ldexp(1.0, e));
    for (int k = 1; k <= 2000; k++)
        pushd(&v, ldexp((double)k, -53));
    for (int i = 0; i < 1000; i++) { /* any finite |u| < 2^50 */
        double u = unit53() * ldexp(1.0, (int)(splitmix64() % 50));
        pushd(&v, (i & 1) ? -u : u);
    }
    for (int i = 0; i < 40000; i++) /* the reservoir's u2 grid */
        pushd(&v, unit53());
    return v;
}

/* four Philox words per item, in 64-bit slots (each below 2^32) */
static words normals_inputs(void)
{
    words v = {0};
    sm_state = 13;
    static const uint32_t edge[] = {0u,          1u,          0x7FFu,      0x800u,
                                    0x3FFFFFFFu, 0x40000000u, 0x7FFFFFFFu, 0x80000000u,
                                    0xBFFFFFFFu, 0xC0000000u, 0xFFFFF800u, 0xFFFFFFFFu};
    const size_t ne = sizeof edge / sizeof *edge;
    for (size_t a = 0; a < ne; a++) /* u1 and u2 at their extremes */
        for (size_t b = 0; b < ne; b++)
            for (size_t c = 0; c < ne; c++) {
                push(&v, edge[a]);
                push(&v, edge[b]);
                push(&v, edge[c]);
                push(&v, edge[(a + b + c) % ne]);
            }
    for (int i = 0; i < 30000; i++)
        for (int j = 0; j < 4; j++)
            push(&v, splitmix64() >> 32);
    return v;
}

/* (path, pair) per item */
static words pair_inputs(void)
{
    words v = {0};
    sm_state = 14;
    static const uint64_t paths[] = {0, 1, 0xFFFFFFFFu, 0x100000000u, UINT64_MAX, 0x8000000000000000u};
    static const uint64_t pairs[] = {0, 1, 0x7FFFFFFFu, 0xFFFFFFFFu};
    for (size_t a = 0; a < 6; a++)
        for (size_t b = 0; b < 4; b++) {
            push(&v, paths[a]);
            push(&v, pairs[b]);
        }
    for (int i = 0; i < 8000; i++) {
        push(&v, (i & 1) ? splitmix64() : splitmix64() % 100000);
        push(&v, (i & 2) ? splitmix64() >> 32 : splitmix64() % 5000);
    }
    return v;
}

/* (s, sum, nshort, nspill, z, cap, mu, sigma, sbar) per item */
static words step_inputs(void)
{
    words v = {0};
    sm_state = 15;
    for (int i = 0; i < 20000; i++) {
        double cap = (i % 7 == 0) ? 1.0 : 1.0 + 1000.0 * unit53();
        double s = (i % 5 == 0) ? 0.0 : (i % 5 == 1) ? cap : cap * unit53();
        double sbar = (i % 11 == 0) ? 0.0 : (i % 11 == 1) ? s : cap * unit53();
        double mu = (i % 13 == 0) ? 0.0 : cap * unit53();
        double sigma = (i % 17 == 0) ? 0.0 : cap * unit53();
        double z = 17.2 * unit53() - 8.6;
        if (i % 19 == 0 && sigma > 0) /* inflow exactly 0 */
            z = -mu / sigma;
        if (i % 23 == 0) /* lands exactly on the capacity */
            mu = cap - (s - (s < sbar ? s : sbar)), sigma = 0.0;
        pushd(&v, s);
        pushd(&v, 1000.0 * unit53());
        pushd(&v, (double)(splitmix64() % 1000));
        pushd(&v, (double)(splitmix64() % 1000));
        pushd(&v, z);
        pushd(&v, cap);
        pushd(&v, mu);
        pushd(&v, sigma);
        pushd(&v, sbar);
    }
    return v;
}

/* ---- the host's answers ------------------------------------------------------ */

static void host_log(const words *in, uint64_t *out)
{
    for (size_t i = 0; i < in->n; i++)
        out[i] = bits(hetero_log(dbl(in->w[i])));
}

static void host_sincos(const words *in, uint64_t *out)
{
    for (size_t i = 0; i < in->n; i++) {
        double s, c;
        hetero_sincos2pi(dbl(in->w[i]), &s, &c);
        out[2 * i] = bits(s);
        out[2 * i + 1] = bits(c);
    }
}

static void host_normals(const words *in, uint64_t *out)
{
    for (size_t i = 0; i < in->n / 4; i++) {
        double z0, z1;
        het_res_normals(in->w[4 * i], in->w[4 * i + 1], in->w[4 * i + 2], in->w[4 * i + 3], &z0, &z1);
        out[2 * i] = bits(z0);
        out[2 * i + 1] = bits(z1);
    }
}

static void host_pair(const words *in, uint64_t *out)
{
    for (size_t i = 0; i < in->n / 2; i++) {
        double z0, z1;
        het_res_pair(in->w[2 * i], (uint32_t)in->w[2 * i + 1], KEY0, KEY1, &z0, &z1);
        out[2 * i] = bits(z0);
        out[2 * i + 1] = bits(z1);
    }
}

static void host_step(const words *in, uint64_t *out)
{
    for (size_t i = 0; i < in->n / 9; i++) {
        const uint64_t *a = in->w + 9 * i;
        double s = dbl(a[0]), sum = dbl(a[1]), ns = dbl(a[2]), np = dbl(a[3]);
        het_res_step(&s, &sum, &ns, &np, dbl(a[4]), dbl(a[5]), dbl(a[6]), dbl(a[7]), dbl(a[8]));
        out[4 * i] = bits(s);
        out[4 * i + 1] = bits(sum);
        out[4 * i + 2] = bits(ns);
        out[4 * i + 3] = bits(np);
    }
}

/* ---- one function on every device ------------------------------------------ */

typedef struct kat {
    const char *kernel;
    words (*inputs)(void);
    size_t in_words, out_words; /* per item */
    int in_u32;                 /* inputs go to the device as uint (normals) */
    void (*host)(const words *, uint64_t *);
} kat;


/* Runs k on one device; returns the number of results that differ. */
static size_t check_device(const hcl_info *info, const kat *k, const words *in, const uint64_t *want)
{
    const size_t n = in->n / k->in_words, nout = n * k->out_words;
    hcl_device d;
    cl_program prog = NULL;
    cl_kernel kern = NULL;
    cl_mem bin = NULL, bout = NULL;
    uint64_t *got = malloc(nout * sizeof *got);
    assert_non_null(got);
    memset(got, 0xA5, nout * sizeof *got);

    assert_int_equal(hcl_open(&d, info), HETERO_OK);
    if (hcl_build(&d, het_kernel_hmath_kat, "", &prog, NULL) != HETERO_OK)
        fail_msg("%s", hetero_errmsg());
    assert_int_equal(hcl_kernel(&d, prog, k->kernel, &kern), HETERO_OK);
    if (k->in_u32) {
        uint32_t *w32 = malloc(in->n * sizeof *w32);
        assert_non_null(w32);
        for (size_t i = 0; i < in->n; i++)
            w32[i] = (uint32_t)in->w[i];
        assert_int_equal(
            hcl_buffer(&d, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, in->n * sizeof *w32, w32, &bin),
            HETERO_OK);
        free(w32);
    } else {
        assert_int_equal(
            hcl_buffer(&d, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, in->n * sizeof *in->w, in->w, &bin),
            HETERO_OK);
    }
    assert_int_equal(hcl_buffer(&d, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, nout * sizeof *got, got, &bout),
                     HETERO_OK);
    hcl_arg args[5] = {
        {.kind = HCL_ARG_MEM, .u.mem = bin},         {.kind = HCL_ARG_MEM, .u.mem = bout},
        {.kind = HCL_ARG_U32, .u.u32 = (uint32_t)n}, {.kind = HCL_ARG_U32, .u.u32 = KEY0},
        {.kind = HCL_ARG_U32, .u.u32 = KEY1},
    };
    assert_int_equal(hcl_set_args(&d, kern, 0, args, strcmp(k->kernel, "kat_pair") == 0 ? 5 : 3), HETERO_OK);
    const size_t local = 64;
    if (hcl_launch(&d, kern, (n + local - 1) / local * local, local, NULL) != HETERO_OK)
        fail_msg("%s", hetero_errmsg());
    if (hcl_read(&d, bout, 0, nout * sizeof *got, got, 1, NULL) != HETERO_OK)
        fail_msg("%s", hetero_errmsg());

    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < k->out_words; j++) {
            size_t o = i * k->out_words + j;
            if (got[o] == want[o])
                continue;
            if (bad++ < 8) {
                char inputs[200] = "";
                size_t len = 0;
                for (size_t t = 0; t < k->in_words && len < sizeof inputs - 40; t++)
                    len += (size_t)snprintf(inputs + len, sizeof inputs - len, "%s%016" PRIx64, t ? " " : "",
                                            in->w[i * k->in_words + t]);
                print_error("%s on %s (%s): item %zu (input %s) result %zu: device %016" PRIx64 " (%a), "
                            "host %016" PRIx64 " (%a)\n",
                            k->kernel, info->id, info->name, i, inputs, j, got[o], dbl(got[o]), want[o],
                            dbl(want[o]));
            }
        }
    free(got);
    hcl_release_mem(bin);
    hcl_release_mem(bout);
    hcl_release_kernel(kern);
    hcl_release_program(prog);
    hcl_close(&d);
    return bad;
}

static void check_all_devices(const kat *k)
{
    hcl_info *list = NULL;
    size_t ndev = 0;
    assert_int_equal(hcl_discover(&list, &ndev), HETERO_OK);
    if (ndev == 0) {
        free(list);
        skip();
    }
    words in = k->inputs();
    const size_t n = in.n / k->in_words;
    uint64_t *want = malloc(n * k->out_words * sizeof *want);
    assert_non_null(want);
    k->host(&in, want);
    size_t bad = 0, ran = 0;
    for (size_t i = 0; i < ndev; i++) {
        if (!list[i].fp64) {
            print_message("  %s: %s (%s) has no cl_khr_fp64, passed over\n", k->kernel, list[i].id,
                          list[i].name);
            continue;
        }
        bad += check_device(&list[i], k, &in, want);
        ran++;
    }
    print_message("  %s: %zu inputs on %zu device(s), %zu results differ\n", k->kernel, n, ran, bad);
    free(want);
    free(in.w);
    free(list);
    if (ran == 0)
        skip();
    assert_int_equal(bad, 0);
}

static void log_bits_equal_the_host(void **state)
{
    (void)state;
    static const kat k = {"kat_log", log_inputs, 1, 1, 0, host_log};
    check_all_devices(&k);
}

static void sincos_bits_equal_the_host(void **state)
{
    (void)state;
    static const kat k = {"kat_sincos", sincos_inputs, 1, 2, 0, host_sincos};
    check_all_devices(&k);
}

static void normals_bits_equal_the_host(void **state)
{
    (void)state;
    static const kat k = {"kat_normals", normals_inputs, 4, 2, 1, host_normals};
    check_all_devices(&k);
}

static void path_pairs_bits_equal_the_host(void **state)
{
    (void)state;
    static const kat k = {"kat_pair", pair_inputs, 2, 2, 0, host_pair};
    check_all_devices(&k);
}

static void model_step_bits_equal_the_host(void **state)
{
    (void)state;
    static const kat k = {"kat_step", step_inputs, 9, 4, 0, host_step};
    check_all_devices(&k);
}

/* The inputs above number at least 100,000 (the floor). */
static void at_least_100000_inputs(void **state)
{
    (void)state;
    size_t n = 0;
    words (*gens[])(void) = {log_inputs, sincos_inputs, normals_inputs, pair_inputs, step_inputs};
    size_t per[] = {1, 1, 4, 2, 9};
    for (size_t i = 0; i < 5; i++) {
        words w = gens[i]();
        n += w.n / per[i];
        free(w.w);
    }
    print_message("  %zu inputs in all\n", n);
    assert_true(n >= 100000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(at_least_100000_inputs),         cmocka_unit_test(log_bits_equal_the_host),
        cmocka_unit_test(sincos_bits_equal_the_host),     cmocka_unit_test(normals_bits_equal_the_host),
        cmocka_unit_test(path_pairs_bits_equal_the_host), cmocka_unit_test(model_step_bits_equal_the_host),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
