/* test_cl.c - the OpenCL layer: error names, discovery, open/close, build,
 * run, build errors and the program cache.  Device tests run on the first
 * device found (PoCL's CPU device is enough) and are skipped without one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <dirent.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

#include "hcl.h"

/* out[i] = a * i + (uint)(b >> 32) + (uint)b, via a __local staging area so
 * that every argument kind but F64 takes part. */
static const char FILL_SRC[] = "__kernel void fill(__global uint *out, uint a, ulong b, __local uint *tmp)\n"
                               "{\n"
                               "    size_t i = get_global_id(0), l = get_local_id(0);\n"
                               "    tmp[l] = a * (uint)i + (uint)(b >> 32) + (uint)b;\n"
                               "    barrier(CLK_LOCAL_MEM_FENCE);\n"
                               "    out[i] = tmp[l];\n"
                               "}\n"
                               "#ifdef cl_khr_fp64\n"
                               "#pragma OPENCL EXTENSION cl_khr_fp64 : enable\n"
                               "__kernel void scale(__global double *out, double c)\n"
                               "{\n"
                               "    size_t i = get_global_id(0);\n"
                               "    out[i] = c * (double)i;\n"
                               "}\n"
                               "#endif\n";

#define FILL_N 64u
#define FILL_LOCAL 16u
#define FILL_A 7u
#define FILL_B ((uint64_t)0x0000000500000003ull)

static uint32_t fill_expect(uint32_t i) { return FILL_A * i + 5u + 3u; }

/* ---- shared device state ------------------------------------------------ */

static hcl_info *g_list;
static size_t g_n;
static hcl_device g_dev;
static int g_open;
static char g_cache[256]; /* a fresh cache directory per test */

static int group_setup(void **state)
{
    (void)state;
    if (hcl_discover(&g_list, &g_n) != HETERO_OK)
        return -1;
    if (g_n > 0) {
        if (hcl_open(&g_dev, &g_list[0]) != HETERO_OK) {
            fprintf(stderr, "hcl_open: %s\n", hetero_errmsg());
            return -1;
        }
        g_open = 1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    if (g_open)
        hcl_close(&g_dev);
    free(g_list);
    return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Each cache test gets its own empty HETERO_CACHE_DIR, removed afterwards. */
static int cache_setup(void **state)
{
    (void)state;
    snprintf(g_cache, sizeof g_cache, "%s/hcl-test-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(g_cache))
        return -1;
    return setenv("HETERO_CACHE_DIR", g_cache, 1);
}

static int cache_teardown(void **state)
{
    (void)state;
    nftw(g_cache, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    return 0;
}

static void need_device(void)
{
    if (!g_open)
        skip();
}

/* Runs `fill` from prog and checks every output word; the buffer starts as
 * poison (0xA5 bytes) so a word the kernel never wrote shows. */
static void run_fill(cl_program prog)
{
    cl_kernel k = NULL;
    cl_mem out = NULL;
    cl_event ev = NULL;
    uint32_t got[FILL_N];
    double secs = -1.0;

    memset(got, 0xA5, sizeof got);
    assert_int_equal(hcl_kernel(&g_dev, prog, "fill", &k), HETERO_OK);
    assert_int_equal(hcl_buffer(&g_dev, CL_MEM_WRITE_ONLY, sizeof got, got, &out), HETERO_OK);
    hcl_arg args[] = {
        {.kind = HCL_ARG_MEM, .u.mem = out},
        {.kind = HCL_ARG_U32, .u.u32 = FILL_A},
        {.kind = HCL_ARG_U64, .u.u64 = FILL_B},
        {.kind = HCL_ARG_LOCAL, .u.bytes = FILL_LOCAL * sizeof(uint32_t)},
    };
    assert_int_equal(hcl_set_args(&g_dev, k, 0, args, 4), HETERO_OK);
    assert_int_equal(hcl_launch(&g_dev, k, FILL_N, FILL_LOCAL, &ev), HETERO_OK);
    assert_int_equal(hcl_read(&g_dev, out, 0, sizeof got, got, 1, NULL), HETERO_OK);
    assert_int_equal(hcl_wait(&g_dev, ev), HETERO_OK);
    assert_int_equal(hcl_event_seconds(&g_dev, ev, &secs), HETERO_OK);
    assert_true(secs >= 0.0 && secs < 60.0);
    for (uint32_t i = 0; i < FILL_N; i++)
        assert_int_equal(got[i], fill_expect(i));
    hcl_release_event(ev);
    hcl_release_mem(out);
    hcl_release_kernel(k);
}

static cl_program build_ok(const char *src, const char *opts, int *from_cache)
{
    cl_program prog = NULL;
    int rc = hcl_build(&g_dev, src, opts, &prog, from_cache);
    if (rc != HETERO_OK)
        fail_msg("hcl_build: %s", hetero_errmsg());
    assert_non_null(prog);
    return prog;
}

/* The one entry in the cache directory, or fails. */
static void cache_file(char *path, size_t cap)
{
    DIR *dir = opendir(g_cache);
    struct dirent *e;
    int found = 0;
    assert_non_null(dir);
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        found++;
        snprintf(path, cap, "%s/%s", g_cache, e->d_name);
    }
    closedir(dir);
    assert_int_equal(found, 1);
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* ---- error names -------------------------------------------------------- */

static void errname_names_known_codes(void **state)
{
    (void)state;
    assert_string_equal(hcl_errname(CL_SUCCESS), "CL_SUCCESS");
    assert_string_equal(hcl_errname(CL_DEVICE_NOT_FOUND), "CL_DEVICE_NOT_FOUND");
    assert_string_equal(hcl_errname(CL_OUT_OF_RESOURCES), "CL_OUT_OF_RESOURCES");
    assert_string_equal(hcl_errname(CL_BUILD_PROGRAM_FAILURE), "CL_BUILD_PROGRAM_FAILURE");
    assert_string_equal(hcl_errname(CL_INVALID_BINARY), "CL_INVALID_BINARY");
    assert_string_equal(hcl_errname(-72), "CL_MAX_SIZE_RESTRICTION_EXCEEDED");
    assert_string_equal(hcl_errname(-1001), "CL_PLATFORM_NOT_FOUND_KHR");
}

static void errname_covers_every_core_code(void **state)
{
    (void)state;
    /* OpenCL 3.0's core codes are -1..-19 and -30..-72. */
    for (int e = -72; e <= -1; e++) {
        if (e < -19 && e > -30)
            continue;
        const char *name = hcl_errname(e);
        assert_non_null(name);
        assert_memory_equal(name, "CL_", 3);
        assert_null(strstr(name, "UNKNOWN"));
    }
}

static void errname_formats_unknown_codes_with_their_value(void **state)
{
    (void)state;
    assert_string_equal(hcl_errname(-9999), "CL_UNKNOWN_ERROR(-9999)");
    assert_string_equal(hcl_errname(-25), "CL_UNKNOWN_ERROR(-25)");
    assert_string_equal(hcl_errname(17), "CL_UNKNOWN_ERROR(17)");
}

static void type_names(void **state)
{
    (void)state;
    assert_string_equal(hcl_type_name(HCL_CPU), "cpu");
    assert_string_equal(hcl_type_name(HCL_GPU), "gpu");
    assert_string_equal(hcl_type_name(HCL_ACCEL), "accelerator");
    assert_string_equal(hcl_type_name(HCL_OTHER), "other");
}

/* ---- discovery ---------------------------------------------------------- */

static void discover_ids_match_indices_in_order(void **state)
{
    (void)state;
    if (g_n == 0)
        skip();
    for (size_t i = 0; i < g_n; i++) {
        const hcl_info *in = &g_list[i];
        char want[24];
        snprintf(want, sizeof want, "cl:%u:%u", in->platform, in->device);
        assert_string_equal(in->id, want);
        if (i > 0) {
            const hcl_info *prev = &g_list[i - 1];
            /* Platform order, then device order, numbered from 0 with no gap. */
            if (in->platform == prev->platform)
                assert_int_equal(in->device, prev->device + 1);
            else
                assert_true(in->platform > prev->platform && in->device == 0);
        } else {
            assert_int_equal(in->device, 0);
        }
    }
}

static void discover_fills_sane_fields(void **state)
{
    (void)state;
    if (g_n == 0)
        skip();
    for (size_t i = 0; i < g_n; i++) {
        const hcl_info *in = &g_list[i];
        assert_true(in->name[0] != '\0');
        assert_true(in->vendor[0] != '\0');
        assert_true(in->platform_name[0] != '\0');
        assert_true(in->driver[0] != '\0');
        assert_memory_equal(in->version, "OpenCL ", 7);
        assert_true(in->type == HCL_CPU || in->type == HCL_GPU || in->type == HCL_ACCEL ||
                    in->type == HCL_OTHER);
        assert_true(in->compute_units > 0);
        assert_true(in->global_mem > 0);
        assert_true(in->local_mem > 0);
        assert_true(in->max_alloc > 0 && in->max_alloc <= in->global_mem);
        assert_true(in->max_wg > 0);
        assert_true(in->fp64 == 0 || in->fp64 == 1);
    }
}

static void discover_is_stable_across_calls(void **state)
{
    (void)state;
    hcl_info *again = NULL;
    size_t n = 0;
    assert_int_equal(hcl_discover(&again, &n), HETERO_OK);
    assert_int_equal(n, g_n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(again[i].id, g_list[i].id);
        assert_string_equal(again[i].name, g_list[i].name);
    }
    free(again);
}

/* The ICD loader reads its vendor list once per process, so "no platform"
 * is checked in a fresh copy of this program pointed at an empty vendor
 * directory (OCL_ICD_VENDORS, honoured by ocl-icd and the Khronos loader). */
static void no_platform_means_no_devices_and_no_error(void **state)
{
    (void)state;
    char self[512], empty[256], vendors[300], line[128] = "";
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0)
        skip();
    self[len] = '\0';
    snprintf(empty, sizeof empty, "%s/hcl-novendors-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(empty));
    /* this program again, run directly (no shell), with an environment
     * whose loader finds no vendor */
    extern char **environ;
    size_t n_env = 0;
    while (environ[n_env])
        n_env++;
    char **env = calloc(n_env + 2, sizeof *env);
    assert_non_null(env);
    size_t k = 0;
    for (size_t i = 0; i < n_env; i++)
        if (strncmp(environ[i], "OCL_ICD_FILENAMES=", 18) != 0 &&
            strncmp(environ[i], "OCL_ICD_VENDORS=", 16) != 0)
            env[k++] = environ[i];
    snprintf(vendors, sizeof vendors, "OCL_ICD_VENDORS=%s", empty);
    env[k] = vendors;
    char *argv[] = {self, "--discover-count", NULL};
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        execve(self, argv, env);
        _exit(127);
    }
    close(fd[1]);
    free(env);
    FILE *p = fdopen(fd[0], "r");
    assert_non_null(p);
    char *got = fgets(line, sizeof line, p);
    assert_int_equal(fclose(p), 0);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    rmdir(empty);
    assert_non_null(got);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_string_equal(line, "rc=0 n=0 list=null\n");
}

/* ---- open and close ----------------------------------------------------- */

static void open_gives_context_and_queue_and_close_clears_them(void **state)
{
    (void)state;
    need_device();
    hcl_device d;
    assert_int_equal(hcl_open(&d, &g_list[0]), HETERO_OK);
    assert_non_null(d.context);
    assert_non_null(d.queue);
    assert_string_equal(d.info.id, g_list[0].id);
    hcl_close(&d);
    assert_null(d.context);
    assert_null(d.queue);
    hcl_close(&d); /* twice is harmless */
}

static void close_is_safe_on_a_zeroed_device(void **state)
{
    (void)state;
    hcl_device d;
    memset(&d, 0, sizeof d);
    hcl_close(&d);
    hcl_close(NULL);
}

static void open_of_a_missing_device_is_nodev(void **state)
{
    (void)state;
    hcl_info fake;
    memset(&fake, 0, sizeof fake);
    fake.platform = 0;
    fake.device = 4000;
    snprintf(fake.id, sizeof fake.id, "cl:0:4000");
    hcl_device d;
    assert_int_equal(hcl_open(&d, &fake), HETERO_E_NODEV);
    assert_non_null(strstr(hetero_errmsg(), "cl:0:4000"));
    assert_null(d.context);
    hcl_close(&d);
}

/* ---- build and run ------------------------------------------------------ */

static void build_and_run_writes_known_values(void **state)
{
    (void)state;
    need_device();
    cl_program prog = build_ok(FILL_SRC, "", NULL);
    run_fill(prog);
    hcl_release_program(prog);
}

static void f64_argument_reaches_the_kernel(void **state)
{
    (void)state;
    need_device();
    if (!g_dev.info.fp64)
        skip();
    cl_program prog = build_ok(FILL_SRC, NULL, NULL);
    cl_kernel k = NULL;
    cl_mem out = NULL;
    double got[8];
    memset(got, 0xA5, sizeof got);
    assert_int_equal(hcl_kernel(&g_dev, prog, "scale", &k), HETERO_OK);
    assert_int_equal(hcl_buffer(&g_dev, CL_MEM_WRITE_ONLY, sizeof got, NULL, &out), HETERO_OK);
    hcl_arg args[] = {{.kind = HCL_ARG_MEM, .u.mem = out}, {.kind = HCL_ARG_F64, .u.f64 = 0.25}};
    assert_int_equal(hcl_set_args(&g_dev, k, 0, args, 2), HETERO_OK);
    assert_int_equal(hcl_launch(&g_dev, k, 8, 0, NULL), HETERO_OK);
    cl_event ev = NULL;
    assert_int_equal(hcl_read(&g_dev, out, 0, sizeof got, got, 0, &ev), HETERO_OK);
    assert_int_equal(hcl_flush(&g_dev), HETERO_OK);
    assert_int_equal(hcl_wait(&g_dev, ev), HETERO_OK);
    for (int i = 0; i < 8; i++)
        assert_true(got[i] == 0.25 * i);
    hcl_release_event(ev);
    hcl_release_mem(out);
    hcl_release_kernel(k);
    hcl_release_program(prog);
}

static void write_then_read_round_trips_at_an_offset(void **state)
{
    (void)state;
    need_device();
    cl_mem buf = NULL;
    uint32_t in[16], out[16];
    for (int i = 0; i < 16; i++)
        in[i] = 0x1000u + (uint32_t)i;
    memset(out, 0xA5, sizeof out);
    assert_int_equal(hcl_buffer(&g_dev, CL_MEM_READ_WRITE, sizeof in, NULL, &buf), HETERO_OK);
    assert_int_equal(hcl_write(&g_dev, buf, 0, sizeof in, in), HETERO_OK);
    assert_int_equal(hcl_read(&g_dev, buf, 4 * sizeof(uint32_t), 8 * sizeof(uint32_t), out, 1, NULL),
                     HETERO_OK);
    assert_int_equal(hcl_finish(&g_dev), HETERO_OK);
    assert_memory_equal(out, &in[4], 8 * sizeof(uint32_t));
    hcl_release_mem(buf);
}

static void syntax_error_is_a_build_error_with_the_log(void **state)
{
    (void)state;
    need_device();
    cl_program prog = (cl_program)1;
    int rc = hcl_build(&g_dev, "__kernel void broken(__global int *x) { x[0] = ; }\n", "", &prog, NULL);
    assert_int_equal(rc, HETERO_E_BUILD);
    assert_null(prog);
    const char *msg = hetero_errmsg();
    char head[600];
    snprintf(head, sizeof head, "clBuildProgram on %s (%s): CL_BUILD_PROGRAM_FAILURE\n", g_dev.info.id,
             g_dev.info.name);
    assert_memory_equal(msg, head, strlen(head));
    /* The log follows and points at the offending line. */
    assert_true(strlen(msg) > strlen(head));
    assert_non_null(strstr(msg + strlen(head), "error"));
}

static void unknown_kernel_name_names_the_call_and_device(void **state)
{
    (void)state;
    need_device();
    cl_program prog = build_ok(FILL_SRC, "", NULL);
    cl_kernel k = (cl_kernel)1;
    assert_int_equal(hcl_kernel(&g_dev, prog, "no_such_kernel", &k), HETERO_E_OPENCL);
    assert_null(k);
    assert_non_null(strstr(hetero_errmsg(), "clCreateKernel"));
    assert_non_null(strstr(hetero_errmsg(), g_dev.info.id));
    assert_non_null(strstr(hetero_errmsg(), "CL_INVALID_KERNEL_NAME"));
    hcl_release_program(prog);
}

static void oversized_work_group_is_an_opencl_error(void **state)
{
    (void)state;
    need_device();
    cl_program prog = build_ok(FILL_SRC, "", NULL);
    cl_kernel k = NULL;
    cl_mem out = NULL;
    size_t local = g_dev.info.max_wg * 2;
    assert_int_equal(hcl_kernel(&g_dev, prog, "fill", &k), HETERO_OK);
    assert_int_equal(hcl_buffer(&g_dev, CL_MEM_WRITE_ONLY, local * 4, NULL, &out), HETERO_OK);
    hcl_arg args[] = {
        {.kind = HCL_ARG_MEM, .u.mem = out},
        {.kind = HCL_ARG_U32, .u.u32 = 1},
        {.kind = HCL_ARG_U64, .u.u64 = 0},
        {.kind = HCL_ARG_LOCAL, .u.bytes = 4},
    };
    assert_int_equal(hcl_set_args(&g_dev, k, 0, args, 4), HETERO_OK);
    cl_event ev = (cl_event)1;
    assert_int_equal(hcl_launch(&g_dev, k, local, local, &ev), HETERO_E_OPENCL);
    assert_null(ev);
    char head[600];
    snprintf(head, sizeof head, "clEnqueueNDRangeKernel on %s (%s): CL_INVALID_", g_dev.info.id,
             g_dev.info.name);
    assert_memory_equal(hetero_errmsg(), head, strlen(head));
    hcl_release_mem(out);
    hcl_release_kernel(k);
    hcl_release_program(prog);
}

/* ---- the program cache -------------------------------------------------- */

static void second_build_comes_from_the_cache_and_runs_the_same(void **state)
{
    (void)state;
    need_device();
    int from_cache = -1;
    cl_program first = build_ok(FILL_SRC, "", &from_cache);
    assert_int_equal(from_cache, 0);
    char path[512];
    cache_file(path, sizeof path);
    cl_program second = build_ok(FILL_SRC, "", &from_cache);
    assert_int_equal(from_cache, 1);
    run_fill(first);
    run_fill(second);
    hcl_release_program(first);
    hcl_release_program(second);
}

/* The cache makes its own folder and nothing above it: under a folder
 * that is missing it is off (built each time), and nothing is made. */
static void cache_dir_under_a_missing_folder_is_not_made(void **state)
{
    (void)state;
    need_device();
    char nested[400], top[400];
    struct stat st;
    snprintf(nested, sizeof nested, "%s/a/b/c", g_cache);
    snprintf(top, sizeof top, "%s/a", g_cache);
    setenv("HETERO_CACHE_DIR", nested, 1);
    for (int i = 0; i < 2; i++) {
        int from_cache = -1;
        cl_program p = build_ok(FILL_SRC, "", &from_cache);
        hcl_release_program(p);
        assert_int_equal(from_cache, 0);
    }
    assert_int_not_equal(stat(top, &st), 0);
    /* its own folder, in one that exists, is made */
    snprintf(nested, sizeof nested, "%s/c", g_cache);
    setenv("HETERO_CACHE_DIR", nested, 1);
    for (int i = 0; i < 2; i++) {
        int from_cache = -1;
        cl_program p = build_ok(FILL_SRC, "", &from_cache);
        hcl_release_program(p);
        assert_int_equal(from_cache, i);
    }
    assert_int_equal(stat(nested, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
}

static void options_are_part_of_the_key(void **state)
{
    (void)state;
    need_device();
    int from_cache = -1;
    cl_program p = build_ok(FILL_SRC, "-DVARIANT=1", &from_cache);
    hcl_release_program(p);
    assert_int_equal(from_cache, 0);
    p = build_ok(FILL_SRC, "-DVARIANT=2", &from_cache);
    hcl_release_program(p);
    assert_int_equal(from_cache, 0);
    p = build_ok(FILL_SRC, "-DVARIANT=1", &from_cache);
    hcl_release_program(p);
    assert_int_equal(from_cache, 1);
}

/* Flips bytes in the middle of the one cache entry. */
static void damage_cache_file(void)
{
    char path[512];
    cache_file(path, sizeof path);
    long size = file_size(path);
    assert_true(size > 64);
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    unsigned char junk[16];
    memset(junk, 0x5A, sizeof junk);
    assert_int_equal(fseek(f, size / 2, SEEK_SET), 0);
    assert_int_equal(fwrite(junk, 1, sizeof junk, f), sizeof junk);
    assert_int_equal(fclose(f), 0);
}

static void damaged_cache_file_is_rebuilt_and_rewritten(void **state)
{
    (void)state;
    need_device();
    int from_cache = -1;
    cl_program p = build_ok(FILL_SRC, "", &from_cache);
    hcl_release_program(p);
    damage_cache_file();
    p = build_ok(FILL_SRC, "", &from_cache);
    assert_int_equal(from_cache, 0);
    run_fill(p);
    hcl_release_program(p);
    /* The rebuild replaced the damaged entry with a good one. */
    p = build_ok(FILL_SRC, "", &from_cache);
    assert_int_equal(from_cache, 1);
    run_fill(p);
    hcl_release_program(p);
}

static void truncated_cache_file_is_rebuilt(void **state)
{
    (void)state;
    need_device();
    int from_cache = -1;
    cl_program p = build_ok(FILL_SRC, "", &from_cache);
    hcl_release_program(p);
    char path[512];
    cache_file(path, sizeof path);
    assert_int_equal(truncate(path, file_size(path) / 3), 0);
    p = build_ok(FILL_SRC, "", &from_cache);
    assert_int_equal(from_cache, 0);
    run_fill(p);
    hcl_release_program(p);
}

/* A well-formed entry (right magic, length and checksum) whose payload is
 * not a program binary: the driver must reject it and we rebuild. */
static void binary_the_driver_rejects_is_rebuilt(void **state)
{
    (void)state;
    need_device();
    int from_cache = -1;
    cl_program p = build_ok(FILL_SRC, "", &from_cache);
    hcl_release_program(p);
    char path[512];
    cache_file(path, sizeof path);

    unsigned char payload[256];
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (unsigned char)(i * 37u + 11u);
    uint64_t n = sizeof payload;
    /* the checksum covers the key (the file's name) and the payload */
    char key[33];
    snprintf(key, sizeof key, "%.32s", strrchr(path, '/') + 1);
    XXH3_state_t *st = XXH3_createState();
    assert_non_null(st);
    XXH3_128bits_reset(st);
    XXH3_128bits_update(st, key, 32);
    XXH3_128bits_update(st, payload, sizeof payload);
    XXH128_canonical_t sum;
    XXH128_canonicalFromHash(&sum, XXH3_128bits_digest(st));
    XXH3_freeState(st);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite("HETCLB02", 1, 8, f);
    fwrite(&n, 1, 8, f);
    fwrite(&sum, 1, 16, f);
    fwrite(payload, 1, sizeof payload, f);
    assert_int_equal(fclose(f), 0);

    p = build_ok(FILL_SRC, "", &from_cache);
    assert_int_equal(from_cache, 0);
    run_fill(p);
    hcl_release_program(p);
    assert_true(file_size(path) > (long)(32 + sizeof payload));
}

static void cache_off_never_reads_or_writes(void **state)
{
    (void)state;
    need_device();
    setenv("HETERO_CACHE_DIR", "off", 1);
    int from_cache = -1;
    for (int i = 0; i < 2; i++) {
        cl_program p = build_ok(FILL_SRC, "", &from_cache);
        hcl_release_program(p);
        assert_int_equal(from_cache, 0);
    }
    setenv("HETERO_CACHE_DIR", g_cache, 1);
    DIR *dir = opendir(g_cache);
    struct dirent *e;
    int entries = 0;
    while ((e = readdir(dir)) != NULL)
        entries += e->d_name[0] != '.';
    closedir(dir);
    assert_int_equal(entries, 0);
}

/* An entry others may write is not used (a planted binary would run as
 * ours), and is replaced by our own, 0600. */
static void entry_writable_by_others_is_ignored(void **state)
{
    (void)state;
    need_device();
    int from_cache = -1;
    cl_program p = build_ok(FILL_SRC, "", &from_cache);
    hcl_release_program(p);
    char path[512];
    cache_file(path, sizeof path);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(chmod(path, 0666), 0);
    p = build_ok(FILL_SRC, "", &from_cache);
    assert_int_equal(from_cache, 0);
    run_fill(p);
    hcl_release_program(p);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    p = build_ok(FILL_SRC, "", &from_cache);
    assert_int_equal(from_cache, 1);
    hcl_release_program(p);
}

/* A directory anybody may write is not used: the program comes from the
 * user's own cache ($XDG_CACHE_HOME/hetero) instead. */
static void directory_writable_by_others_gives_way_to_the_users_own(void **state)
{
    (void)state;
    need_device();
    char xdg[400], own[460];
    snprintf(xdg, sizeof xdg, "%s/xdg", g_cache);
    snprintf(own, sizeof own, "%s/hetero", xdg);
    char *old_xdg = getenv("XDG_CACHE_HOME") ? strdup(getenv("XDG_CACHE_HOME")) : NULL;
    setenv("XDG_CACHE_HOME", xdg, 1);
    assert_int_equal(mkdir(xdg, 0700), 0); /* the cache makes only its own folder */
    assert_int_equal(chmod(g_cache, 0777), 0);
    int from_cache = -1;
    for (int i = 0; i < 2; i++) {
        cl_program p = build_ok(FILL_SRC, "", &from_cache);
        hcl_release_program(p);
        assert_int_equal(from_cache, i); /* built, then from the user's own */
    }
    struct stat st;
    assert_int_equal(stat(own, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(chmod(g_cache, 0700), 0);
    if (old_xdg)
        setenv("XDG_CACHE_HOME", old_xdg, 1);
    else
        unsetenv("XDG_CACHE_HOME");
    free(old_xdg); /* the teardown removes xdg with the rest */
}

static void unwritable_cache_is_silently_skipped(void **state)
{
    (void)state;
    need_device();
    /* A regular file where a directory should be: mkdir must fail. */
    char blocker[400], under[460];
    snprintf(blocker, sizeof blocker, "%s/file", g_cache);
    FILE *f = fopen(blocker, "w");
    assert_non_null(f);
    assert_int_equal(fclose(f), 0);
    snprintf(under, sizeof under, "%s/sub", blocker);
    setenv("HETERO_CACHE_DIR", under, 1);
    int from_cache = -1;
    cl_program p = build_ok(FILL_SRC, "", &from_cache);
    assert_int_equal(from_cache, 0);
    run_fill(p);
    hcl_release_program(p);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--discover-count") == 0) {
        hcl_info *list = NULL;
        size_t n = 99;
        int rc = hcl_discover(&list, &n);
        printf("rc=%d n=%zu list=%s\n", rc, n, list ? "set" : "null");
        free(list);
        return 0;
    }
#define CACHE_TEST(f) cmocka_unit_test_setup_teardown(f, cache_setup, cache_teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(errname_names_known_codes),
        cmocka_unit_test(errname_covers_every_core_code),
        cmocka_unit_test(errname_formats_unknown_codes_with_their_value),
        cmocka_unit_test(type_names),
        cmocka_unit_test(discover_ids_match_indices_in_order),
        cmocka_unit_test(discover_fills_sane_fields),
        cmocka_unit_test(discover_is_stable_across_calls),
        cmocka_unit_test(no_platform_means_no_devices_and_no_error),
        cmocka_unit_test(open_gives_context_and_queue_and_close_clears_them),
        cmocka_unit_test(close_is_safe_on_a_zeroed_device),
        cmocka_unit_test(open_of_a_missing_device_is_nodev),
        CACHE_TEST(build_and_run_writes_known_values),
        CACHE_TEST(f64_argument_reaches_the_kernel),
        CACHE_TEST(write_then_read_round_trips_at_an_offset),
        CACHE_TEST(syntax_error_is_a_build_error_with_the_log),
        CACHE_TEST(unknown_kernel_name_names_the_call_and_device),
        CACHE_TEST(oversized_work_group_is_an_opencl_error),
        CACHE_TEST(second_build_comes_from_the_cache_and_runs_the_same),
        CACHE_TEST(cache_dir_under_a_missing_folder_is_not_made),
        CACHE_TEST(options_are_part_of_the_key),
        CACHE_TEST(damaged_cache_file_is_rebuilt_and_rewritten),
        CACHE_TEST(truncated_cache_file_is_rebuilt),
        CACHE_TEST(binary_the_driver_rejects_is_rebuilt),
        CACHE_TEST(cache_off_never_reads_or_writes),
        CACHE_TEST(entry_writable_by_others_is_ignored),
        CACHE_TEST(directory_writable_by_others_gives_way_to_the_users_own),
        CACHE_TEST(unwritable_cache_is_silently_skipped),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
