/* test_parse.c - the number parsers every option uses (host/base/parse.c) and
 * --format (host/cli/cli.c): what each accepts, what it refuses, and that a
 * refusal is HETERO_E_BADARG with a message that names the option and quotes
 * what was given. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "workload.h"

#define TWO_63 (UINT64_C(1) << 63)

static uint64_t count_ok(const char *s, uint64_t min, uint64_t max)
{
    uint64_t v = 0xdeadbeef;
    int rc = hetero_parse_count("--samples", s, min, max, &v);
    if (rc != HETERO_OK)
        fail_msg("'%s' refused: %s", s, hetero_errmsg());
    return v;
}

/* A refusal leaves *out alone, is BADARG, names the option and quotes the
 * input, so that the user sees which of several counts was wrong. */
static void count_refused(const char *s, uint64_t min, uint64_t max)
{
    uint64_t v = 77;
    int rc = hetero_parse_count("--samples", s, min, max, &v);
    if (rc != HETERO_E_BADARG)
        fail_msg("'%s' gave %d (value %llu), expected HETERO_E_BADARG", s, rc, (unsigned long long)v);
    assert_int_equal(v, 77);
    assert_non_null(strstr(hetero_errmsg(), "--samples: "));
    assert_null(strchr(hetero_errmsg(), '\n'));
    if (*s) {
        char quoted[128];
        snprintf(quoted, sizeof quoted, "'%s'", s);
        if (!strstr(hetero_errmsg(), quoted))
            fail_msg("message '%s' does not quote %s", hetero_errmsg(), quoted);
    }
}

static void count_plain_decimal(void **state)
{
    (void)state;
    assert_int_equal(count_ok("1", 1, TWO_63), 1);
    assert_int_equal(count_ok("1000000", 1, TWO_63), 1000000);
    assert_int_equal(count_ok("3000001", 1, TWO_63), 3000001);
    assert_int_equal(count_ok("007", 1, TWO_63), 7);
    assert_int_equal(count_ok("18446744073709551615", 0, UINT64_MAX), UINT64_MAX);
}

static void count_exponent_forms(void **state)
{
    (void)state;
    assert_int_equal(count_ok("1e9", 1, TWO_63), UINT64_C(1000000000));
    assert_int_equal(count_ok("1E9", 1, TWO_63), UINT64_C(1000000000));
    assert_int_equal(count_ok("1e+9", 1, TWO_63), UINT64_C(1000000000));
    assert_int_equal(count_ok("2.5e9", 1, TWO_63), UINT64_C(2500000000));
    assert_int_equal(count_ok("1e0", 1, TWO_63), 1);
    assert_int_equal(count_ok("1.25e2", 1, TWO_63), 125);
    assert_int_equal(count_ok("1.20e1", 1, TWO_63), 12); /* trailing zero fraction is whole */
    assert_int_equal(count_ok("0.5e1", 1, TWO_63), 5);
    assert_int_equal(count_ok("3.000001e6", 1, TWO_63), 3000001);
}

/* 2^63 written in exponent form must come out exact: through a double it
 * would be rounded and 2^63 + 1 would pass as 2^63. */
static void count_exponent_is_exact_at_two_to_the_63(void **state)
{
    (void)state;
    assert_int_equal(count_ok("9.223372036854775808e18", 1, TWO_63), TWO_63);
    assert_int_equal(count_ok("9223372036854775808", 1, TWO_63), TWO_63);
    assert_int_equal(count_ok("9.223372036854775807e18", 1, TWO_63), TWO_63 - 1);
    count_refused("9.223372036854775809e18", 1, TWO_63);
    count_refused("9223372036854775809", 1, TWO_63);
}

static void count_above_max_refused(void **state)
{
    (void)state;
    count_refused("1e19", 1, TWO_63); /* fits in 64 bits, above pi's maximum */
    count_refused("1e20", 1, TWO_63); /* overflows 64 bits */
    count_refused("1e400", 1, TWO_63);
    count_refused("18446744073709551616", 0, UINT64_MAX);
    count_refused("99999999999999999999999", 1, TWO_63);
    count_refused("101", 1, 100);
    assert_non_null(strstr(hetero_errmsg(), "at most 100"));
}

static void count_zero_and_below_min_refused(void **state)
{
    (void)state;
    count_refused("0", 1, TWO_63);
    assert_non_null(strstr(hetero_errmsg(), "at least 1"));
    count_refused("0e5", 1, TWO_63);
    count_refused("4", 5, 10);
    assert_int_equal(count_ok("0", 0, 10), 0);
}

static void count_negative_refused(void **state)
{
    (void)state;
    count_refused("-1", 1, TWO_63);
    count_refused("-0", 1, TWO_63);
    count_refused("-1e9", 1, TWO_63);
}

static void count_fractional_refused(void **state)
{
    (void)state;
    count_refused("1.5", 1, TWO_63);
    count_refused("2.5e0", 1, TWO_63);
    count_refused("1.23e1", 1, TWO_63);
    count_refused("1e-3", 1, TWO_63);
    count_refused("1000.0", 1, TWO_63);
}

static void count_non_numeric_refused(void **state)
{
    (void)state;
    const char *junk[] = {"abc", "1k",   "1 000", " 5",     "5 ",      "+5",  "0x10", "e9",    "1e",
                          "1e+", "1e9x", ".e3",   "1..5e3", "1.2.3e4", "inf", "nan",  "1e9.0", "1ee9"};
    for (size_t i = 0; i < sizeof junk / sizeof *junk; i++)
        count_refused(junk[i], 1, TWO_63);
}

static void count_empty_or_missing_refused(void **state)
{
    (void)state;
    count_refused("", 1, TWO_63);
    uint64_t v = 3;
    assert_int_equal(hetero_parse_count("--samples", NULL, 1, 10, &v), HETERO_E_BADARG);
    assert_int_equal(v, 3);
    assert_non_null(strstr(hetero_errmsg(), "--samples"));
}

static void count_message_names_the_given_option(void **state)
{
    (void)state;
    uint64_t v;
    assert_int_equal(hetero_parse_count("--threads", "zero", 1, 4096, &v), HETERO_E_BADARG);
    assert_non_null(strstr(hetero_errmsg(), "--threads: "));
    assert_null(strstr(hetero_errmsg(), "--samples"));
}

static uint64_t u64_ok(const char *s)
{
    uint64_t v = 0xdeadbeef;
    if (hetero_parse_u64("--seed", s, &v) != HETERO_OK)
        fail_msg("'%s' refused: %s", s, hetero_errmsg());
    return v;
}

static void u64_refused(const char *s)
{
    uint64_t v = 5;
    assert_int_equal(hetero_parse_u64("--seed", s, &v), HETERO_E_BADARG);
    assert_int_equal(v, 5);
    assert_non_null(strstr(hetero_errmsg(), "--seed: "));
}

static void seed_decimal(void **state)
{
    (void)state;
    assert_int_equal(u64_ok("0"), 0);
    assert_int_equal(u64_ok("42"), 42);
    assert_int_equal(u64_ok("4294967296"), UINT64_C(4294967296));
    assert_int_equal(u64_ok("18446744073709551615"), UINT64_MAX);
}

static void seed_hex(void **state)
{
    (void)state;
    assert_int_equal(u64_ok("0x0"), 0);
    assert_int_equal(u64_ok("0x2a"), 42);
    assert_int_equal(u64_ok("0X2A"), 42);
    assert_int_equal(u64_ok("0x123456789abcdef0"), UINT64_C(0x123456789abcdef0));
    assert_int_equal(u64_ok("0xFFFFFFFFFFFFFFFF"), UINT64_MAX);
    assert_int_equal(u64_ok("0x0000000000000001"), 1);
}

static void seed_beyond_64_bits_refused(void **state)
{
    (void)state;
    u64_refused("18446744073709551616");
    u64_refused("0x10000000000000000");
    u64_refused("99999999999999999999999999");
}

static void seed_junk_refused(void **state)
{
    (void)state;
    const char *junk[] = {"", "-1", "+1", "0x", "0xg", "0x12 ", " 1", "1e3", "12abc", "x12", "1.0"};
    for (size_t i = 0; i < sizeof junk / sizeof *junk; i++)
        u64_refused(junk[i]);
    uint64_t v = 5;
    assert_int_equal(hetero_parse_u64("--seed", NULL, &v), HETERO_E_BADARG);
    assert_int_equal(v, 5);
}

static void double_in_range(void **state)
{
    (void)state;
    double v = 0;
    assert_int_equal(hetero_parse_real("--capacity", "2.5", 0, INFINITY, &v), HETERO_OK);
    assert_true(v == 2.5);
    assert_int_equal(hetero_parse_real("--capacity", "-1e3", -INFINITY, 0, &v), HETERO_OK);
    assert_true(v == -1000.0);
    assert_int_equal(hetero_parse_real("--capacity", "1", 1, 1, &v), HETERO_OK);
    assert_true(v == 1.0);
}

static void double_refused(void **state)
{
    (void)state;
    const char *junk[] = {"", "abc", "1.5x", "nan", "inf", "-inf", "1e999", " "};
    for (size_t i = 0; i < sizeof junk / sizeof *junk; i++) {
        double v = 7;
        assert_int_equal(hetero_parse_real("--capacity", junk[i], -INFINITY, INFINITY, &v), HETERO_E_BADARG);
        assert_true(v == 7);
        assert_non_null(strstr(hetero_errmsg(), "--capacity: "));
    }
    double v = 7;
    assert_int_equal(hetero_parse_real("--capacity", "-0.5", 0, INFINITY, &v), HETERO_E_BADARG);
    assert_non_null(strstr(hetero_errmsg(), ">= 0"));
    assert_int_equal(hetero_parse_real("--capacity", "2", 0, 1, &v), HETERO_E_BADARG);
    assert_non_null(strstr(hetero_errmsg(), "[0, 1]"));
    assert_true(v == 7);
}

static void format_values(void **state)
{
    (void)state;
    int f = -1;
    assert_int_equal(het_parse_format("text", 1, &f), HETERO_OK);
    assert_int_equal(f, HETERO_FORMAT_TEXT);
    assert_int_equal(het_parse_format("json", 1, &f), HETERO_OK);
    assert_int_equal(f, HETERO_FORMAT_JSON);
    assert_int_equal(het_parse_format("csv", 1, &f), HETERO_OK);
    assert_int_equal(f, HETERO_FORMAT_CSV);
    assert_int_equal(het_parse_format("json", 0, &f), HETERO_OK);
    assert_int_equal(f, HETERO_FORMAT_JSON);
}

static void format_refused(void **state)
{
    (void)state;
    const char *junk[] = {"xml", "", "JSON", "Text", "json ", "tex"};
    for (size_t i = 0; i < sizeof junk / sizeof *junk; i++) {
        int f = 99;
        assert_int_equal(het_parse_format(junk[i], 1, &f), HETERO_E_BADARG);
        assert_int_equal(f, 99);
        assert_non_null(strstr(hetero_errmsg(), "--format: "));
    }
    int f = 99;
    assert_int_equal(het_parse_format(NULL, 1, &f), HETERO_E_BADARG);
    /* `hetero devices` has no CSV form */
    assert_int_equal(het_parse_format("csv", 0, &f), HETERO_E_BADARG);
    assert_int_equal(f, 99);
    assert_non_null(strstr(hetero_errmsg(), "'csv'"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(count_plain_decimal),
        cmocka_unit_test(count_exponent_forms),
        cmocka_unit_test(count_exponent_is_exact_at_two_to_the_63),
        cmocka_unit_test(count_above_max_refused),
        cmocka_unit_test(count_zero_and_below_min_refused),
        cmocka_unit_test(count_negative_refused),
        cmocka_unit_test(count_fractional_refused),
        cmocka_unit_test(count_non_numeric_refused),
        cmocka_unit_test(count_empty_or_missing_refused),
        cmocka_unit_test(count_message_names_the_given_option),
        cmocka_unit_test(seed_decimal),
        cmocka_unit_test(seed_hex),
        cmocka_unit_test(seed_beyond_64_bits_refused),
        cmocka_unit_test(seed_junk_refused),
        cmocka_unit_test(double_in_range),
        cmocka_unit_test(double_refused),
        cmocka_unit_test(format_values),
        cmocka_unit_test(format_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
