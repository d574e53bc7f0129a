/* test_devices.c - --devices lists (host/engine/devices.c): their syntax, how they
 * resolve against a discovered device list (here a made-up one, so that
 * GPUs and accelerators can be tested on a machine without them), how
 * ranks on one node share devices, and the default OpenMP team size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices.h"

/* cl:0:0 a CPU (PoCL), cl:0:1 a GPU, cl:1:0 an accelerator, cl:1:1 a GPU. */
static hcl_info fake[4];

static int setup_fake(void **state)
{
    (void)state;
    const struct {
        unsigned p, d;
        int type;
    } spec[4] = {{0, 0, HCL_CPU}, {0, 1, HCL_GPU}, {1, 0, HCL_ACCEL}, {1, 1, HCL_GPU}};
    memset(fake, 0, sizeof fake);
    for (int i = 0; i < 4; i++) {
        fake[i].platform = spec[i].p;
        fake[i].device = spec[i].d;
        fake[i].type = spec[i].type;
        snprintf(fake[i].id, sizeof fake[i].id, "cl:%u:%u", spec[i].p, spec[i].d);
        snprintf(fake[i].name, sizeof fake[i].name, "fake %d", i);
    }
    return 0;
}

static void assert_selected(const het_selection *sel, int omp, size_t n, const size_t *idx)
{
    assert_int_equal(sel->omp, omp);
    assert_int_equal(sel->n_cl, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(sel->cl[i], idx[i]);
}

/* ---- syntax ------------------------------------------------------------ */

static void parse_omp_needs_no_opencl(void **state)
{
    (void)state;
    het_selection sel;
    assert_int_equal(het_devices_parse("omp", &sel), HETERO_OK);
    assert_int_equal(sel.omp, 1);
    assert_int_equal(sel.needs_opencl, 0);
    assert_int_equal(sel.n_cl, 0);
}

/* "all" wants OpenCL but does not insist on it: without a platform the CPU
 * carries the job with a notice.  gpu, cl and cl:P:D insist. */
static void parse_says_who_insists_on_opencl(void **state)
{
    (void)state;
    het_selection sel;
    assert_int_equal(het_devices_parse("all", &sel), HETERO_OK);
    assert_int_equal(sel.omp, 1);
    assert_int_equal(sel.needs_opencl, 1);
    assert_int_equal(sel.asked_opencl_by_name, 0);
    const char *named[] = {"gpu", "cl", "cl:0:0", "cl:12:345", "omp,cl", "all,gpu"};
    for (size_t i = 0; i < sizeof named / sizeof *named; i++) {
        assert_int_equal(het_devices_parse(named[i], &sel), HETERO_OK);
        assert_int_equal(sel.needs_opencl, 1);
        assert_int_equal(sel.asked_opencl_by_name, 1);
    }
    assert_int_equal(het_devices_parse("gpu", &sel), HETERO_OK);
    assert_int_equal(sel.omp, 0);
    /* syntax only: nothing is resolved */
    assert_int_equal(sel.n_cl, 0);
}

static void parse_refuses_junk(void **state)
{
    (void)state;
    const char *junk[] = {"cl:x",    "foo",
                          "",        "OMP",
                          "All",     "cl:",
                          "cl:0",    "cl:0:",
                          "cl::0",   "cl:0:0:0",
                          "cl:0:x",  "cl:x:0",
                          "cl: 0:0", "cl:0: 0",
                          "cl:+0:0", "cl:-1:0",
                          "cl:0:0 ", " omp",
                          "omp cl",  "omp;cl",
                          "cl0:0",   "cl:99999999999:0",
                          ",",       "omp,",
                          ",omp",    "omp,,cl",
                          "gpu:0"};
    for (size_t i = 0; i < sizeof junk / sizeof *junk; i++) {
        het_selection sel;
        int rc = het_devices_parse(junk[i], &sel);
        if (rc != HETERO_E_BADARG)
            fail_msg("--devices '%s' gave %d, expected HETERO_E_BADARG", junk[i], rc);
        assert_non_null(strstr(hetero_errmsg(), "--devices: "));
        assert_null(strchr(hetero_errmsg(), '\n'));
    }
    het_selection sel;
    assert_int_equal(het_devices_parse(NULL, &sel), HETERO_E_BADARG);
}

static void parse_refuses_overlong_list(void **state)
{
    (void)state;
    char big[4096];
    big[0] = 0;
    while (strlen(big) + 4 < sizeof big)
        strcat(big, "omp,");
    strcat(big, "cl");
    het_selection sel;
    assert_int_equal(het_devices_parse(big, &sel), HETERO_E_BADARG);
    assert_non_null(strstr(hetero_errmsg(), "--devices"));
}

/* ---- resolving against discovered devices ------------------------------ */

static void select_all_is_gpus_and_accelerators_plus_omp(void **state)
{
    (void)state;
    het_selection sel;
    assert_int_equal(het_devices_select("all", fake, 4, &sel), HETERO_OK);
    assert_selected(&sel, 1, 3, (size_t[]){1, 2, 3});
}

static void select_gpu_excludes_cpu_devices_and_omp(void **state)
{
    (void)state;
    het_selection sel;
    assert_int_equal(het_devices_select("gpu", fake, 4, &sel), HETERO_OK);
    assert_selected(&sel, 0, 3, (size_t[]){1, 2, 3});
}

static void select_cl_takes_every_opencl_device(void **state)
{
    (void)state;
    het_selection sel;
    assert_int_equal(het_devices_select("cl", fake, 4, &sel), HETERO_OK);
    assert_selected(&sel, 0, 4, (size_t[]){0, 1, 2, 3});
}

static void select_by_id(void **state)
{
    (void)state;
    het_selection sel;
    assert_int_equal(het_devices_select("cl:1:0", fake, 4, &sel), HETERO_OK);
    assert_selected(&sel, 0, 1, (size_t[]){2});
    assert_int_equal(het_devices_select("omp,cl:0:0", fake, 4, &sel), HETERO_OK);
    assert_selected(&sel, 1, 1, (size_t[]){0});
    assert_int_equal(het_devices_select("cl:1:1,cl:0:0", fake, 4, &sel), HETERO_OK);
    assert_selected(&sel, 0, 2, (size_t[]){3, 0});
}

/* A device named twice (directly or through a group) is one worker. */
static void select_never_repeats_a_device(void **state)
{
    (void)state;
    het_selection sel;
    assert_int_equal(het_devices_select("cl:0:1,gpu,cl,cl:0:1,all,omp", fake, 4, &sel), HETERO_OK);
    assert_selected(&sel, 1, 4, (size_t[]){1, 2, 3, 0});
}

static void select_unknown_id_is_no_such_device(void **state)
{
    (void)state;
    het_selection sel;
    assert_int_equal(het_devices_select("cl:7:7", fake, 4, &sel), HETERO_E_NODEV);
    assert_non_null(strstr(hetero_errmsg(), "--devices"));
    assert_non_null(strstr(hetero_errmsg(), "cl:7:7"));
    assert_int_equal(het_devices_select("omp,cl:0:2", fake, 4, &sel), HETERO_E_NODEV);
    assert_non_null(strstr(hetero_errmsg(), "cl:0:2"));
}

static void select_gpu_without_gpus_is_no_such_device(void **state)
{
    (void)state;
    het_selection sel;
    assert_int_equal(het_devices_select("gpu", fake, 1, &sel), HETERO_E_NODEV); /* only the CPU device */
    assert_non_null(strstr(hetero_errmsg(), "gpu"));
    /* all is content with the CPU alone */
    assert_int_equal(het_devices_select("all", fake, 1, &sel), HETERO_OK);
    assert_selected(&sel, 1, 0, NULL);
}

static void select_without_any_platform(void **state)
{
    (void)state;
    het_selection sel;
    assert_int_equal(het_devices_select("all", NULL, 0, &sel), HETERO_OK);
    assert_selected(&sel, 1, 0, NULL);
    assert_int_equal(het_devices_select("omp", NULL, 0, &sel), HETERO_OK);
    assert_selected(&sel, 1, 0, NULL);
    assert_int_equal(het_devices_select("cl", NULL, 0, &sel), HETERO_E_NODEV);
    assert_int_equal(het_devices_select("gpu", NULL, 0, &sel), HETERO_E_NODEV);
    assert_int_equal(het_devices_select("cl:0:0", NULL, 0, &sel), HETERO_E_NODEV);
    assert_non_null(strstr(hetero_errmsg(), "cl:0:0"));
}

static void select_still_checks_syntax(void **state)
{
    (void)state;
    het_selection sel;
    assert_int_equal(het_devices_select("omp,foo", fake, 4, &sel), HETERO_E_BADARG);
    assert_non_null(strstr(hetero_errmsg(), "'foo'"));
}

/* ---- sharing devices among the ranks of one node ------------------------ */

static het_selection four_devices(void)
{
    het_selection sel = {.omp = 1, .n_cl = 4, .cl = {10, 11, 12, 13}};
    return sel;
}

static void split_one_rank_keeps_everything(void **state)
{
    (void)state;
    het_selection sel = four_devices();
    het_devices_split(&sel, 0, 1);
    assert_selected(&sel, 1, 4, (size_t[]){10, 11, 12, 13});
}

static void split_deals_devices_round_robin(void **state)
{
    (void)state;
    het_selection sel = four_devices();
    het_devices_split(&sel, 0, 2);
    assert_selected(&sel, 1, 2, (size_t[]){10, 12});
    sel = four_devices();
    het_devices_split(&sel, 1, 2);
    assert_selected(&sel, 1, 2, (size_t[]){11, 13});
    sel = four_devices();
    het_devices_split(&sel, 2, 3);
    assert_selected(&sel, 1, 1, (size_t[]){12});
}

/* More ranks than devices: every rank still gets one, and every device is
 * used by some rank. */
static void split_more_ranks_than_devices_share(void **state)
{
    (void)state;
    int used[4] = {0};
    for (int r = 0; r < 7; r++) {
        het_selection sel = four_devices();
        sel.n_cl = 3;
        het_devices_split(&sel, r, 7);
        assert_int_equal(sel.n_cl, 1);
        assert_int_equal(sel.cl[0], (size_t)(10 + r % 3));
        used[sel.cl[0] - 10]++;
    }
    assert_true(used[0] > 0 && used[1] > 0 && used[2] > 0);
    het_selection none = {.omp = 1};
    het_devices_split(&none, 1, 2);
    assert_int_equal(none.n_cl, 0);
}

/* ---- the OpenMP team ---------------------------------------------------- */

static void threads_explicit_wins(void **state)
{
    (void)state;
    setenv("OMP_NUM_THREADS", "3", 1);
    assert_int_equal(het_default_threads(5, 1), 5);
    assert_int_equal(het_default_threads(5, 4), 5);
}

static void threads_from_environment(void **state)
{
    (void)state;
    setenv("OMP_NUM_THREADS", "3", 1);
    assert_int_equal(het_default_threads(0, 1), 3);
}

static void threads_bad_environment_falls_back_to_cores(void **state)
{
    (void)state;
    unsetenv("OMP_NUM_THREADS");
    int cores = het_default_threads(0, 1);
    assert_true(cores >= 1);
    const char *bad[] = {"0", "-2", "many", ""};
    for (size_t i = 0; i < 4; i++) {
        setenv("OMP_NUM_THREADS", bad[i], 1);
        assert_int_equal(het_default_threads(0, 1), cores);
    }
    /* never below one, however many ranks share the node */
    unsetenv("OMP_NUM_THREADS");
    assert_true(het_default_threads(0, 1000) >= 1);
}

static void threads_environment_is_read_as_libgomp_reads_it(void **state)
{
    (void)state;
    int t = -1;
    unsetenv("OMP_NUM_THREADS");
    assert_int_equal(het_threads_env(&t), HETERO_OK);
    assert_int_equal(t, 0);
    const char *good[] = {"3", " 3 ", "+3", "3,2", " 3 , 2 ,1", "4096", "4096,100000"};
    const int want[] = {3, 3, 3, 3, 3, 4096, 4096};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        setenv("OMP_NUM_THREADS", good[i], 1);
        assert_int_equal(het_threads_env(&t), HETERO_OK);
        assert_int_equal(t, want[i]);
    }
    /* what libgomp calls invalid, and a team past the cap --threads has */
    const char *bad[] = {"1.5",
                         "0",
                         "-2",
                         "many",
                         "3,",
                         ",3",
                         "3,,2",
                         "3 2",
                         "2e3",
                         "0x10",
                         "4097",
                         "100000",
                         "99999999999999999999999",
                         "3,0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv("OMP_NUM_THREADS", bad[i], 1);
        assert_int_equal(het_threads_env(&t), HETERO_E_BADARG);
        assert_non_null(strstr(hetero_errmsg(), "OMP_NUM_THREADS"));
    }
    unsetenv("OMP_NUM_THREADS");
}

static void threads_option_and_environment_share_one_message(void **state)
{
    (void)state;
    int t;
    char opt[512], env[512];
    assert_int_equal(het_parse_threads("--threads", "100000", &t), HETERO_E_BADARG);
    snprintf(opt, sizeof opt, "%s", strstr(hetero_errmsg(), ":"));
    setenv("OMP_NUM_THREADS", "100000", 1);
    assert_int_equal(het_threads_env(&t), HETERO_E_BADARG);
    snprintf(env, sizeof env, "%s", strstr(hetero_errmsg(), ":"));
    assert_string_equal(opt, env);
    unsetenv("OMP_NUM_THREADS");
}

static void cpu_model_is_one_line(void **state)
{
    (void)state;
    char buf[160];
    memset(buf, 'x', sizeof buf);
    het_cpu_model(buf, sizeof buf);
    assert_true(strlen(buf) > 0 && strlen(buf) < sizeof buf);
    assert_null(strchr(buf, '\n'));
    char tiny[4];
    het_cpu_model(tiny, sizeof tiny);
    assert_true(strlen(tiny) <= 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_omp_needs_no_opencl),
        cmocka_unit_test(parse_says_who_insists_on_opencl),
        cmocka_unit_test(parse_refuses_junk),
        cmocka_unit_test(parse_refuses_overlong_list),
        cmocka_unit_test_setup(select_all_is_gpus_and_accelerators_plus_omp, setup_fake),
        cmocka_unit_test_setup(select_gpu_excludes_cpu_devices_and_omp, setup_fake),
        cmocka_unit_test_setup(select_cl_takes_every_opencl_device, setup_fake),
        cmocka_unit_test_setup(select_by_id, setup_fake),
        cmocka_unit_test_setup(select_never_repeats_a_device, setup_fake),
        cmocka_unit_test_setup(select_unknown_id_is_no_such_device, setup_fake),
        cmocka_unit_test_setup(select_gpu_without_gpus_is_no_such_device, setup_fake),
        cmocka_unit_test(select_without_any_platform),
        cmocka_unit_test_setup(select_still_checks_syntax, setup_fake),
        cmocka_unit_test(split_one_rank_keeps_everything),
        cmocka_unit_test(split_deals_devices_round_robin),
        cmocka_unit_test(split_more_ranks_than_devices_share),
        cmocka_unit_test(threads_explicit_wins),
        cmocka_unit_test(threads_from_environment),
        cmocka_unit_test(threads_bad_environment_falls_back_to_cores),
        cmocka_unit_test(threads_environment_is_read_as_libgomp_reads_it),
        cmocka_unit_test(threads_option_and_environment_share_one_message),
        cmocka_unit_test(cpu_model_is_one_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
