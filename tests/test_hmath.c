/* test_hmath.c - our log and sincos (kernels/hmath.h) against the C library.
 *
 * The reference is the C library's long double (x87, 64-bit mantissa)
 * logl/sinl/cosl, so the error of the reference itself is ~2^-11 ulp of a
 * double and the measured error is ours.  Errors are in units in the last
 * place of the correctly rounded double result.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <math.h>
#include <cmocka.h>

#include "hmath.h"

#define LOG_MAX_ULP 1.0
#define SINCOS_MAX_ULP 1.0

static uint64_t sm_state;
static uint64_t splitmix64(void)
{
    uint64_t z = (sm_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* |got - ref| in ulps of the double nearest to ref. */
static double ulp_error(double got, long double ref)
{
    double r = (double)ref;
    if (r == 0.0)
        return got == 0.0 ? 0.0 : INFINITY;
    double ulp = nextafter(fabs(r), INFINITY) - fabs(r);
    return (double)(fabsl((long double)got - ref) / ulp);
}

static double worst_log(double x, double worst, double *at)
{
    double e = ulp_error(hetero_log(x), logl((long double)x));
    if (e > worst) {
        *at = x;
        return e;
    }
    return worst;
}

/* log over the whole positive normal range: random exponents and
 * mantissas. */
static void test_log_random_normals_within_one_ulp(void **st)
{
    (void)st;
    sm_state = 1;
    double worst = 0, at = 0;
    for (int i = 0; i < 2000000; i++) {
        uint64_t b = splitmix64();
        uint64_t exp = 1 + (b >> 52) % 2046; /* 1..2046: normal */
        double x = hetero__bits_f64(exp << 52 | (b & 0xfffffffffffffu));
        worst = worst_log(x, worst, &at);
    }
    print_message("hetero_log, random normals: worst %.3f ulp at %a\n", worst, at);
    assert_true(worst <= LOG_MAX_ULP);
}

/* The range the reservoir uses, u in (0, 1] on the 2^-53 grid, densest
 * where the mantissa reduction switches and near 1 (f tiny). */
static void test_log_unit_interval_and_edges_within_one_ulp(void **st)
{
    (void)st;
    sm_state = 2;
    double worst = 0, at = 0;
    for (int k = 1; k <= 200000; k++) {
        worst = worst_log(ldexp((double)k, -53), worst, &at);       /* near 0 */
        worst = worst_log(1.0 - ldexp((double)k, -53), worst, &at); /* near 1 */
        worst = worst_log(1.0 + ldexp((double)k, -52), worst, &at); /* just above 1 */
        worst = worst_log(M_SQRT1_2 + ldexp((double)(k - 100000), -53), worst, &at);
        worst = worst_log(M_SQRT2 + ldexp((double)(k - 100000), -52), worst, &at);
    }
    for (int i = 0; i < 2000000; i++) {
        double u = ldexp((double)(splitmix64() >> 11) + 1.0, -53); /* (0, 1] */
        worst = worst_log(u, worst, &at);
    }
    worst = worst_log(0x1p-1022, worst, &at);
    worst = worst_log(0x1.fffffffffffffp+1023, worst, &at);
    print_message("hetero_log, (0, 1] and edges: worst %.3f ulp at %a\n", worst, at);
    assert_true(worst <= LOG_MAX_ULP);
}

static void test_log_exact_values(void **st)
{
    (void)st;
    assert_true(hetero_log(1.0) == 0.0);
    /* log(2^k) = k*ln2_hi + k*ln2_lo: the correctly rounded value. */
    for (int k = -1022; k <= 1023; k++) {
        long double ref = (long double)k * 0.693147180559945309417232121458176568L;
        assert_true(ulp_error(hetero_log(ldexp(1.0, k)), ref) <= 0.5);
    }
}

/* The C library's own double log, for the record: we agree with it to
 * within one ulp (most often exactly). */
static void test_log_agrees_with_libm_double(void **st)
{
    (void)st;
    sm_state = 3;
    long same = 0, n = 1000000;
    for (long i = 0; i < n; i++) {
        double u = ldexp((double)(splitmix64() >> 11) + 1.0, -53);
        double a = hetero_log(u), b = log(u);
        assert_true(ulp_error(a, (long double)b) <= 1.0);
        same += a == b;
    }
    print_message("hetero_log == glibc log on %.2f%% of u in (0, 1]\n", 100.0 * same / n);
}

/* Reference sin/cos(2*pi*u) in long double.  The reduction to the nearest
 * quarter turn is done exactly first (as any careful library would on an
 * argument known in turns); reducing a rounded 2*pi*u instead would make
 * the reference, not us, wrong near the zeros. */
static void ref_sincos2pi(double u, long double *s, long double *c)
{
    const long double pi = 3.141592653589793238462643383279502884L;
    long double n = roundl(4.0L * u);
    long double d = ((long double)u - n / 4.0L) * 2.0L * pi; /* |d| <= pi/4 */
    long double sd = sinl(d), cd = cosl(d);
    switch ((long)n & 3) {
    case 0:
        *s = sd;
        *c = cd;
        break;
    case 1:
        *s = cd;
        *c = -sd;
        break;
    case 2:
        *s = -sd;
        *c = -cd;
        break;
    default:
        *s = -cd;
        *c = sd;
        break;
    }
}

static void check_sincos(double u, double *worst, double *at)
{
    double s, c;
    long double rs, rc;
    hetero_sincos2pi(u, &s, &c);
    ref_sincos2pi(u, &rs, &rc);
    double e = fmax(ulp_error(s, rs), ulp_error(c, rc));
    if (e > *worst) {
        *worst = e;
        *at = u;
    }
}

static void test_sincos2pi_random_within_one_ulp(void **st)
{
    (void)st;
    sm_state = 4;
    double worst = 0, at = 0;
    for (int i = 0; i < 4000000; i++)
        check_sincos(ldexp((double)(splitmix64() >> 11), -53), &worst, &at);
    print_message("hetero_sincos2pi, random u: worst %.3f ulp at %a\n", worst, at);
    assert_true(worst <= SINCOS_MAX_ULP);
}

/* Near every multiple of 1/8 (zeros of sin and cos, quadrant and octant
 * switches), and u near 0 and 1. */
static void test_sincos2pi_edges_within_one_ulp(void **st)
{
    (void)st;
    double worst = 0, at = 0;
    for (int q = 0; q <= 8; q++) {
        for (int k = -20000; k <= 20000; k++) {
            double u = q / 8.0 + ldexp((double)k, -53);
            if (u >= 0.0 && u < 1.0)
                check_sincos(u, &worst, &at);
        }
    }
    for (int k = 0; k <= 1000; k++)
        check_sincos(ldexp(1.0, -k - 1), &worst, &at); /* 2^-1 .. 2^-1001 */
    print_message("hetero_sincos2pi, edges: worst %.3f ulp at %a\n", worst, at);
    assert_true(worst <= SINCOS_MAX_ULP);
}

static void test_sincos2pi_exact_quarter_turns(void **st)
{
    (void)st;
    const double us[4] = {0.0, 0.25, 0.5, 0.75};
    const double ss[4] = {0.0, 1.0, 0.0, -1.0};
    const double cs[4] = {1.0, 0.0, -1.0, 0.0};
    for (int i = 0; i < 4; i++) {
        double s, c;
        hetero_sincos2pi(us[i], &s, &c);
        assert_true(s == ss[i]);
        assert_true(c == cs[i]);
    }
}

/* exp over [-700, 700]: random arguments, the reduction's edges (halfway
 * between multiples of ln2) and small ones. */
static void test_exp_within_one_ulp(void **st)
{
    (void)st;
    sm_state = 7;
    double worst = 0, at = 0;
    for (int i = 0; i < 2000000; i++) {
        double u = (double)(splitmix64() >> 11) * 0x1.0p-53;
        double x = i % 4 == 0   ? (u - 0.5) * 1400.0
                   : i % 4 == 1 ? (u - 0.5) * 8.0
                   : i % 4 == 2 ? (u - 0.5) * 1e-6
                                : ((double)(int)((u - 0.5) * 2000) + 0.5) * 0.6931471805599453;
        double e = ulp_error(hetero_exp(x), expl((long double)x));
        if (e > worst) {
            worst = e;
            at = x;
        }
    }
    print_message("hetero_exp, [-700, 700]: worst %.3f ulp at %a\n", worst, at);
    assert_true(worst <= 1.0);
    assert_true(hetero_exp(0.0) == 1.0);
    assert_true(hetero_exp(1.0) == exp(1.0) || ulp_error(hetero_exp(1.0), expl(1.0L)) <= 1.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_log_random_normals_within_one_ulp),
        cmocka_unit_test(test_log_unit_interval_and_edges_within_one_ulp),
        cmocka_unit_test(test_log_exact_values),
        cmocka_unit_test(test_log_agrees_with_libm_double),
        cmocka_unit_test(test_sincos2pi_random_within_one_ulp),
        cmocka_unit_test(test_sincos2pi_edges_within_one_ulp),
        cmocka_unit_test(test_sincos2pi_exact_quarter_turns),
        cmocka_unit_test(test_exp_within_one_ulp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
