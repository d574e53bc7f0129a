/* test_output.c - host/base/output.c: output paths checked before the work,
 * files written whole or not at all, inputs read within limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "output.h"

static char g_dir[256];

static int dir_setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "%s/output-test-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int dir_teardown(void **state)
{
    (void)state;
    return nftw(g_dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

static void path(char *buf, size_t size, const char *name) { snprintf(buf, size, "%s/%s", g_dir, name); }

static void write_file(const char *p, const char *text)
{
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static char *read_file(const char *p)
{
    static char buf[256];
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    assert_int_equal(fclose(f), 0);
    return buf;
}

/* Entries of g_dir (hidden ones included). */
static int entries(void)
{
    DIR *d = opendir(g_dir);
    struct dirent *e;
    int n = 0;
    assert_non_null(d);
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void expect_bad(const char *p, const char *words)
{
    int rc = het_out_check("--out", p);
    if (rc != HETERO_E_BADARG)
        fail_msg("'%s' was accepted", p);
    if (!strstr(hetero_errmsg(), "--out") || !strstr(hetero_errmsg(), words))
        fail_msg("'%s': message '%s' lacks '--out' or '%s'", p, hetero_errmsg(), words);
}

static void check_refuses_what_cannot_be_written(void **state)
{
    (void)state;
    char p[400];
    expect_bad("", "expected a file name");
    path(p, sizeof p, "");
    expect_bad(p, "directory"); /* "dir/" */
    expect_bad(g_dir, "directory");
    path(p, sizeof p, "missing/x.txt");
    expect_bad(p, "No such file or directory");
    path(p, sizeof p, "file");
    write_file(p, "x");
    path(p, sizeof p, "file/x.txt");
    expect_bad(p, "Not a directory");
    expect_bad("/proc/hetero-test.txt", "cannot create");
    path(p, sizeof p, "dangling");
    assert_int_equal(symlink("nowhere/at/all", p), 0);
    expect_bad(p, "symbolic link to nothing");
    /* the checks leave nothing behind */
    assert_int_equal(entries(), 2);
}

static void check_accepts_what_can_be_written(void **state)
{
    (void)state;
    char p[400];
    path(p, sizeof p, "new.txt");
    assert_int_equal(het_out_check("--out", p), HETERO_OK);
    write_file(p, "old");
    assert_int_equal(het_out_check("--out", p), HETERO_OK);
    assert_int_equal(het_out_check("--out", "/dev/null"), HETERO_OK);
    assert_int_equal(entries(), 1);
}

static void commit_replaces_the_file_whole(void **state)
{
    (void)state;
    char p[400];
    path(p, sizeof p, "out.txt");
    write_file(p, "old\n");
    assert_int_equal(chmod(p, 0640), 0);
    het_out o;
    assert_int_equal(het_out_open(&o, "--out", p), HETERO_OK);
    fputs("new\n", o.f);
    assert_string_equal(read_file(p), "old\n"); /* not yet */
    assert_int_equal(entries(), 2);             /* the temporary file beside it */
    assert_int_equal(het_out_commit(&o), HETERO_OK);
    het_out_discard(&o); /* safe after commit */
    assert_string_equal(read_file(p), "new\n");
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640); /* the old file's mode */
    assert_int_equal(entries(), 1);
}

static void discard_keeps_the_old_file(void **state)
{
    (void)state;
    char p[400];
    path(p, sizeof p, "out.txt");
    write_file(p, "old\n");
    het_out o;
    assert_int_equal(het_out_open(&o, "--out", p), HETERO_OK);
    fputs("half of it", o.f);
    het_out_discard(&o);
    assert_string_equal(read_file(p), "old\n");
    assert_int_equal(entries(), 1);
}

static void a_symbolic_link_is_followed(void **state)
{
    (void)state;
    char p[400], real[400];
    path(real, sizeof real, "real.txt");
    path(p, sizeof p, "link.txt");
    write_file(real, "old\n");
    assert_int_equal(symlink(real, p), 0);
    het_out o;
    assert_int_equal(het_out_open(&o, "--out", p), HETERO_OK);
    fputs("new\n", o.f);
    assert_int_equal(het_out_commit(&o), HETERO_OK);
    struct stat st;
    assert_int_equal(lstat(p, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_string_equal(read_file(real), "new\n");
}

static void a_full_device_fails_at_commit(void **state)
{
    (void)state;
    het_out o;
    assert_int_equal(het_out_open(&o, "--out", "/dev/full"), HETERO_OK);
    fputs("anything\n", o.f);
    assert_int_equal(het_out_commit(&o), HETERO_E_IO);
    assert_non_null(strstr(hetero_errmsg(), "--out: writing '/dev/full': No space left on device"));
}

static void a_stream_that_fails_is_named(void **state)
{
    (void)state;
    FILE *f = fopen("/dev/full", "w");
    assert_non_null(f);
    fputs("the report\n", f);
    assert_int_equal(het_stream_flush(f, "the report to stdout"), HETERO_E_IO);
    assert_string_equal(hetero_errmsg(), "writing the report to stdout: No space left on device");
    assert_int_equal(fclose(f), 0);
}

static void input_is_a_bounded_regular_file(void **state)
{
    (void)state;
    char p[400], fifo[400];
    char *text;
    size_t len;
    path(p, sizeof p, "in.json");
    write_file(p, "{\"a\": 1}\n");
    assert_int_equal(het_read_input("--in", p, 100, &text, &len), HETERO_OK);
    assert_int_equal(len, 9);
    assert_string_equal(text, "{\"a\": 1}\n");
    free(text);
    assert_int_equal(het_read_input("--in", p, 8, &text, &len), HETERO_E_BADARG); /* too large */
    assert_null(text);
    assert_int_equal(het_read_input("--in", "/dev/zero", 100, &text, &len), HETERO_E_BADARG);
    assert_int_equal(het_read_input("--in", g_dir, 100, &text, &len), HETERO_E_BADARG);
    path(fifo, sizeof fifo, "fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(het_read_input("--in", fifo, 100, &text, &len), HETERO_E_BADARG); /* not waited on */
    path(p, sizeof p, "missing.json");
    assert_int_equal(het_read_input("--in", p, 100, &text, &len), HETERO_E_BADARG);
    assert_non_null(strstr(hetero_errmsg(), "--in"));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, dir_setup, dir_teardown)
    const struct CMUnitTest tests[] = {
        T(check_refuses_what_cannot_be_written), T(check_accepts_what_can_be_written),
        T(commit_replaces_the_file_whole),       T(discard_keeps_the_old_file),
        T(a_symbolic_link_is_followed),          T(a_full_device_fails_at_commit),
        T(a_stream_that_fails_is_named),         T(input_is_a_bounded_regular_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
