/* test_philox_kat_device.c - Philox4x32-10 gives Random123's published known
 * answers on the host and on every OpenCL device (contract 2: one stream,
 * wherever it is drawn). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <Random123/philox.h>

#include "hcl.h"
#include "kat_vectors.h"

extern const char het_kernel_philox_kat[];

#define N HET_PHILOX_KAT_COUNT

static void host_philox_matches_published_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < N; i++) {
        const het_kat *v = &het_philox4x32_10_kat[i];
        philox4x32_ctr_t ctr = {{v->ctr[0], v->ctr[1], v->ctr[2], v->ctr[3]}};
        philox4x32_key_t key = {{v->key[0], v->key[1]}};
        philox4x32_ctr_t r = philox4x32_R(10, ctr, key);
        for (int j = 0; j < 4; j++)
            assert_int_equal(r.v[j], v->expect[j]);
    }
}

/* Runs the kat kernel on one device; out is pre-filled with a poison byte
 * so that a word the kernel never wrote cannot pass by accident. */
static void check_device(const hcl_info *info)
{
    hcl_device d;
    cl_program prog = NULL;
    cl_kernel k = NULL;
    cl_mem in = NULL, out = NULL;
    uint32_t words[N * 6], got[N * 4];

    for (size_t i = 0; i < N; i++) {
        memcpy(&words[6 * i], het_philox4x32_10_kat[i].ctr, 4 * sizeof(uint32_t));
        memcpy(&words[6 * i + 4], het_philox4x32_10_kat[i].key, 2 * sizeof(uint32_t));
    }
    memset(got, 0xA5, sizeof got);

    int rc = hcl_open(&d, info);
    assert_int_equal(rc, HETERO_OK);
    rc = hcl_build(&d, het_kernel_philox_kat, "", &prog, NULL);
    if (rc != HETERO_OK)
        fail_msg("%s", hetero_errmsg());
    assert_int_equal(hcl_kernel(&d, prog, "philox_kat", &k), HETERO_OK);
    assert_int_equal(hcl_buffer(&d, CL_MEM_READ_ONLY, sizeof words, words, &in), HETERO_OK);
    assert_int_equal(hcl_buffer(&d, CL_MEM_WRITE_ONLY, sizeof got, got, &out), HETERO_OK);
    hcl_arg args[] = {
        {.kind = HCL_ARG_MEM, .u.mem = in},
        {.kind = HCL_ARG_MEM, .u.mem = out},
        {.kind = HCL_ARG_U32, .u.u32 = (uint32_t)N},
    };
    assert_int_equal(hcl_set_args(&d, k, 0, args, 3), HETERO_OK);
    assert_int_equal(hcl_launch(&d, k, N, 0, NULL), HETERO_OK);
    assert_int_equal(hcl_read(&d, out, 0, sizeof got, got, 1, NULL), HETERO_OK);

    for (size_t i = 0; i < N; i++)
        for (int j = 0; j < 4; j++)
            if (got[4 * i + j] != het_philox4x32_10_kat[i].expect[j])
                fail_msg("%s (%s): vector %zu word %d: got %08x, want %08x", info->id, info->name, i, j,
                         got[4 * i + j], het_philox4x32_10_kat[i].expect[j]);

    hcl_release_mem(in);
    hcl_release_mem(out);
    hcl_release_kernel(k);
    hcl_release_program(prog);
    hcl_close(&d);
}

static void every_device_matches_published_vectors(void **state)
{
    (void)state;
    hcl_info *list = NULL;
    size_t n = 0;
    assert_int_equal(hcl_discover(&list, &n), HETERO_OK);
    if (n == 0)
        skip();
    for (size_t i = 0; i < n; i++)
        check_device(&list[i]);
    free(list);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(host_philox_matches_published_vectors),
        cmocka_unit_test(every_device_matches_published_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
