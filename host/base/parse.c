/* parse.c - number parsing shared by every option of every workload. */
#include "error.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Plain decimal digits only: no sign, no spaces, no hex. */
static int het__digits(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return 1; /* overflow */
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

/* "2.5e9": mantissa digits with an optional fraction, then e/E and a
 * non-negative exponent; the value must be a whole number.  Done in exact
 * integer arithmetic, not through strtod, so 9.223372036854775807e18 is
 * exact. */
static int het__exponent(const char *s, uint64_t *out)
{
    const char *e = strpbrk(s, "eE");
    if (!e || e == s)
        return -1;
    uint64_t exp10;
    const char *ep = e + 1;
    if (*ep == '+')
        ep++;
    if (het__digits(ep, &exp10) != 0 || exp10 > 400)
        return -1;
    char mant[64];
    size_t mlen = (size_t)(e - s);
    if (mlen >= sizeof mant)
        return -1;
    memcpy(mant, s, mlen);
    mant[mlen] = 0;
    char *dot = strchr(mant, '.');
    size_t frac = 0;
    if (dot) {
        frac = strlen(dot + 1);
        memmove(dot, dot + 1, frac + 1);
        if (dot == mant && frac == 0)
            return -1;
    }
    /* strip leading zeros for the overflow check below */
    char *m = mant;
    while (m[0] == '0' && m[1])
        m++;
    uint64_t v;
    int rc = het__digits(m, &v);
    if (rc < 0)
        return -1;
    if (rc > 0)
        return 1;
    if (exp10 < frac) {
        /* remaining fraction digits must be zero */
        for (uint64_t i = 0; i < frac - exp10; i++) {
            if (v % 10)
                return 2; /* not whole */
            v /= 10;
        }
        *out = v;
        return 0;
    }
    for (uint64_t i = 0; i < exp10 - frac; i++) {
        if (v == 0)
            break;
        if (v > UINT64_MAX / 10)
            return 1;
        v *= 10;
    }
    *out = v;
    return 0;
}

int hetero_parse_count(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    int rc;
    if (!s || !*s)
        return hetero_fail(HETERO_E_BADARG, "%s: expected a whole number, got nothing", opt);
    if (s[0] == '-')
        return hetero_fail(HETERO_E_BADARG, "%s: expected a whole number >= %" PRIu64 ", got '%s'", opt, min,
                           s);
    rc = strpbrk(s, "eE") ? het__exponent(s, &v) : het__digits(s, &v);
    if (rc == 2)
        return hetero_fail(HETERO_E_BADARG, "%s: expected a whole number, got '%s' (not whole)", opt, s);
    if (rc < 0)
        return hetero_fail(HETERO_E_BADARG, "%s: expected a whole number such as 1000000 or 1e6, got '%s'",
                           opt, s);
    if (rc > 0 || v > max)
        return hetero_fail(HETERO_E_BADARG, "%s: expected at most %" PRIu64 ", got '%s'", opt, max, s);
    if (v < min)
        return hetero_fail(HETERO_E_BADARG, "%s: expected at least %" PRIu64 ", got '%s'", opt, min, s);
    *out = v;
    return HETERO_OK;
}

int hetero_parse_real(const char *opt, const char *s, double lo, double hi, double *out)
{
    char *end;
    if (!s || !*s)
        return hetero_fail(HETERO_E_BADARG, "%s: expected a number, got nothing", opt);
    errno = 0;
    double v = strtod(s, &end);
    /* ERANGE for an underflow (1e-320) leaves the nearest double: kept */
    if (*end || end == s || !isfinite(v))
        return hetero_fail(HETERO_E_BADARG, "%s: expected a finite number, got '%s'", opt, s);
    if (v < lo || v > hi) {
        if (isinf(hi))
            return hetero_fail(HETERO_E_BADARG, "%s: expected a number >= %g, got '%s'", opt, lo, s);
        if (isinf(lo))
            return hetero_fail(HETERO_E_BADARG, "%s: expected a number <= %g, got '%s'", opt, hi, s);
        return hetero_fail(HETERO_E_BADARG, "%s: expected a number in [%g, %g], got '%s'", opt, lo, hi, s);
    }
    *out = v;
    return HETERO_OK;
}

int hetero_parse_u64(const char *opt, const char *s, uint64_t *out)
{
    if (!s || !*s)
        return hetero_fail(HETERO_E_BADARG, "%s: expected an unsigned 64-bit integer, got nothing", opt);
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        uint64_t v = 0;
        const char *p = s + 2;
        if (!*p || strlen(p) > 16)
            return hetero_fail(HETERO_E_BADARG, "%s: expected an unsigned 64-bit integer, got '%s'", opt, s);
        for (; *p; p++) {
            int d;
            if (*p >= '0' && *p <= '9')
                d = *p - '0';
            else if (*p >= 'a' && *p <= 'f')
                d = *p - 'a' + 10;
            else if (*p >= 'A' && *p <= 'F')
                d = *p - 'A' + 10;
            else
                return hetero_fail(HETERO_E_BADARG, "%s: expected an unsigned 64-bit integer, got '%s'", opt,
                                   s);
            v = v << 4 | (uint64_t)d;
        }
        *out = v;
        return HETERO_OK;
    }
    int rc = het__digits(s, out);
    if (rc != 0)
        return hetero_fail(HETERO_E_BADARG,
                           "%s: expected an unsigned 64-bit integer (0 to 18446744073709551615), got '%s'",
                           opt, s);
    return HETERO_OK;
}
