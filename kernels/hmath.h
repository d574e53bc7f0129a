/* hmath.h - our own log, sin and cos, written once for C and OpenCL C.
 *
 * Why: contract 1 (same job, same bits).  The platform's log/sin/cos may
 * differ in the last bit between glibc, PoCL and a GPU driver.  These
 * functions use only IEEE-754 double +, -, *, / (and integer bit
 * manipulation), each correctly rounded everywhere, evaluated in a fixed
 * order; with FP contraction off (`#pragma OPENCL FP_CONTRACT OFF` in the
 * kernel, -ffp-contract=off on the host) they give the same bits on every
 * device.
 *
 * They are also branch-free (selects only), so GCC vectorises them across
 * the lanes of a loop on the host.
 *
 * The polynomials are fdlibm's (Sun Microsystems, 1993: e_log.c, k_sin.c,
 * k_cos.c), whose coefficients are minimax fits with error below 2^-58;
 * constants are written as hexadecimal floating constants so no decimal
 * conversion can move them.
 *
 * Accuracy (tests/test_hmath.c measures it against the C library's long
 * double functions): hetero_log within 1 ulp on all positive normal doubles;
 * hetero_sincos2pi within 1 ulp on [0, 1).
 *
 * Compile as OpenCL C with HETERO_OPENCL defined to 1 (the kernel build does
 * that); otherwise it is C11.
 */
#ifndef HETERO_HMATH_H
#define HETERO_HMATH_H

#ifndef HETERO_OPENCL
#define HETERO_OPENCL 0
#endif

#if HETERO_OPENCL
typedef ulong hetero_u64;
#define HETERO_HMATH_FN static inline
#define hetero__f64_bits(x) as_ulong(x)
#define hetero__bits_f64(b) as_double(b)
#else
#include <stdint.h>
#include <string.h>
typedef uint64_t hetero_u64;
#define HETERO_HMATH_FN static inline
/* memcpy is the defined way to reinterpret bits in C; compilers turn it
 * into a register move (and a vector move inside vectorised loops). */
static inline hetero_u64 hetero__f64_bits(double x)
{
    hetero_u64 b;
    memcpy(&b, &x, sizeof b);
    return b;
}
static inline double hetero__bits_f64(hetero_u64 b)
{
    double x;
    memcpy(&x, &b, sizeof x);
    return x;
}
#endif

/* ---- natural logarithm ------------------------------------------------ */

/* hetero_log(x) for a positive, normal, finite double x (no zero, subnormal,
 * infinity or NaN: the reservoir workload only feeds it u in [2^-53, 1]).
 *
 * Method (fdlibm): x = 2^k * (1 + f) with sqrt(2)/2 < 1 + f < sqrt(2),
 * found exactly from the bits; s = f / (2 + f);
 *   log(1 + f) = 2 atanh(s) = f - (hfsq - s * (hfsq + R(s^2))), hfsq = f*f/2,
 * with R a degree-7 polynomial in s^2 (error < 2^-58.45), and
 *   log(x) = k*ln2_hi - ((hfsq - (s*(hfsq + R) + k*ln2_lo)) - f),
 * where k*ln2_hi is exact for |k| < 2000.  fdlibm picks between two final
 * forms by the size of f; we always take the one above (the more accurate
 * one), which keeps the code free of branches. */
HETERO_HMATH_FN double hetero_log(double x)
{
    const double ln2_hi = 0x1.62e42feep-1;       /* 3fe62e42 fee00000 */
    const double ln2_lo = 0x1.a39ef35793c76p-33; /* 3dea39ef 35793c76 */
    const double Lg1 = 0x1.5555555555593p-1;
    const double Lg2 = 0x1.999999997fa04p-2;
    const double Lg3 = 0x1.2492494229359p-2;
    const double Lg4 = 0x1.c71c51d8e78afp-3;
    const double Lg5 = 0x1.7466496cb03dep-3;
    const double Lg6 = 0x1.39a09d078c69fp-3;
    const double Lg7 = 0x1.2f112df3e5244p-3;
    /* 2^52 + 1023: see dk below. */
    const double two52_bias = 0x1.00000000003ffp+52;

    hetero_u64 b = hetero__f64_bits(x);
    hetero_u64 hx = b >> 32;         /* high word; sign is 0 */
    hetero_u64 m = hx & 0x000fffffu; /* top 20 mantissa bits */
    /* i = 0x100000 when the mantissa is >= sqrt(2) (then use x/2). */
    hetero_u64 i = (m + 0x95f64u) & 0x100000u;
    hetero_u64 nb = ((m | (i ^ 0x3ff00000u)) << 32) | (b & 0xffffffffu);
    double f = hetero__bits_f64(nb) - 1.0; /* exact */
    /* k as a double without an integer conversion: the biased exponent
     * e (1..2047) placed in the low mantissa bits of 2^52 gives 2^52 + e
     * exactly; subtracting 2^52 + 1023 is exact too. */
    hetero_u64 e = (hx >> 20) + (i >> 20);
    double dk = hetero__bits_f64(0x4330000000000000u | e) - two52_bias;

    double s = f / (2.0 + f);
    double z = s * s;
    double w = z * z;
    double t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
    double t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
    double R = t2 + t1;
    double hfsq = 0.5 * f * f;
    return dk * ln2_hi - ((hfsq - (s * (hfsq + R) + dk * ln2_lo)) - f);
}

/* ---- exponential ---------------------------------------------------- */

/* hetero_exp(x) for a finite x with |x| <= 700 (the results stay normal).
 *
 * Method (fdlibm's e_exp.c): x = k*ln2 + r with k = round(x/ln2), found
 * with the add-and-subtract rounding trick (no integer conversion), and
 * |r| <= ln2/2 as a head hi = x - k*ln2_hi (exact: ln2_hi has 21 trailing
 * zero bits) and a tail lo = k*ln2_lo; then
 *   c = r - r^2*(P1 + r^2*(P2 + ... + r^2*P5)),
 *   exp(r) = 1 - ((lo - r*c/(2 - c)) - hi),
 * and exp(x) = 2^k * exp(r), 2^k built from the bits.  Within 1 ulp. */
HETERO_HMATH_FN double hetero_exp(double x)
{
    const double ln2_hi = 0x1.62e42feep-1;
    const double ln2_lo = 0x1.a39ef35793c76p-33;
    const double inv_ln2 = 0x1.71547652b82fep+0;
    const double P1 = 0x1.555555555553ep-3;
    const double P2 = -0x1.6c16c16bebd93p-9;
    const double P3 = 0x1.1566aaf25de2cp-14;
    const double P4 = -0x1.bbd41c5d26bf1p-20;
    const double P5 = 0x1.6376972bea4d0p-25;
    const double round52 = 0x1.8p+52;

    double t = x * inv_ln2 + round52;                     /* round(x/ln2) in the low bits */
    double dk = t - round52;                              /* exact */
    hetero_u64 kbits = hetero__f64_bits(t) & 0xffffffffu; /* k mod 2^32 */
    double hi = x - dk * ln2_hi;                          /* exact */
    double lo = dk * ln2_lo;
    double r = hi - lo;
    double rr = r * r;
    double c = r - rr * (P1 + rr * (P2 + rr * (P3 + rr * (P4 + rr * P5))));
    double y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
    /* 2^k: the biased exponent k + 1023 (k in -1022..1023) */
    hetero_u64 e = (kbits + 1023u) & 0x7ffu;
    return y * hetero__bits_f64(e << 52);
}

/* ---- sine and cosine of 2*pi*u ----------------------------------------- */

/* fdlibm's kernels on [-pi/4, pi/4] for an argument x + y, y the tail. */
HETERO_HMATH_FN double hetero__ksin(double x, double y)
{
    const double S1 = -0x1.5555555555549p-3;
    const double S2 = 0x1.111111110f8a6p-7;
    const double S3 = -0x1.a01a019c161d5p-13;
    const double S4 = 0x1.71de357b1fe7dp-19;
    const double S5 = -0x1.ae5e68a2b9cebp-26;
    const double S6 = 0x1.5d93a5acfd57cp-33;
    double z = x * x;
    double v = z * x;
    double r = S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)));
    return x - ((z * (0.5 * y - v * r) - y) - v * S1);
}

HETERO_HMATH_FN double hetero__kcos(double x, double y)
{
    const double C1 = 0x1.555555555554cp-5;
    const double C2 = -0x1.6c16c16c15177p-10;
    const double C3 = 0x1.a01a019cb159p-16;
    const double C4 = -0x1.27e4f809c52adp-22;
    const double C5 = 0x1.1ee9ebdb4b1c4p-29;
    const double C6 = -0x1.8fae9be8838d4p-37;
    double z = x * x;
    double r = z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6)))));
    /* cos(x+y) = (1 - qx) - ((z/2 - qx) - (z*r - x*y)): fdlibm subtracts
     * an exact qx (about x^2/8 with its low word cleared) from both parts
     * when |x| >= 0.3 to shrink the rounding error of the last subtraction;
     * qx = 0 below 0.3 gives fdlibm's small-argument formula exactly. */
    hetero_u64 ix = (hetero__f64_bits(x) >> 32) & 0x7fffffffu;
    double qmid = hetero__bits_f64((ix - 0x00200000u) << 32); /* |x|/4, low word 0 */
    double qx = ix < 0x3fd33333u ? 0.0 : (ix > 0x3fe90000u ? 0.28125 : qmid);
    double hz = 0.5 * z - qx;
    double a = 1.0 - qx;
    return a - (hz - (z * r - x * y));
}

/* Sets *s = sin(2*pi*u) and *c = cos(2*pi*u) for u in [0, 1) (any finite u
 * with |u| < 2^50 works; the reservoir feeds 53-bit grid values in [0, 1)).
 *
 * Range reduction is exact: 4u = n + r with n = round(4u) and |r| <= 1/2
 * (both steps exact in double), so 2*pi*u = n*pi/2 + r*pi/2.  Then
 * theta = r*pi/2 is formed as a head and a tail: r is split into a 21-bit
 * head (the product with the 31-bit pi/2 head is exact) and the rest, so
 * the kernels see theta to about 2^-70 relative, and the quadrant n picks
 * and signs sin/cos of theta. */
HETERO_HMATH_FN void hetero_sincos2pi(double u, double *s, double *c)
{
    const double pio2_1 = 0x1.921fb544p+0;        /* 31 significant bits */
    const double pio2_1t = 0x1.0b4611a626331p-34; /* pi/2 - pio2_1 */
    const double round52 = 0x1.8p+52;             /* adding it rounds to an integer */

    double q = 4.0 * u;     /* exact */
    double t = q + round52; /* round(q) in the low bits */
    double n = t - round52; /* exact */
    hetero_u64 quad = hetero__f64_bits(t) & 3u;
    double r = q - n; /* exact, |r| <= 1/2 */

    double rh = hetero__bits_f64(hetero__f64_bits(r) & 0xffffffff00000000u);
    double rl = r - rh;                    /* exact */
    double a = rh * pio2_1;                /* exact */
    double bt = rl * pio2_1 + r * pio2_1t; /* small, rounded */
    double x = a + bt;
    double y = bt - (x - a); /* Fast2Sum: |a| >= |bt| */

    double sn = hetero__ksin(x, y);
    double cs = hetero__kcos(x, y);
    /* 2*pi*u = quad*pi/2 + theta:
     *   quad 0: ( sin,  cos)   1: ( cos, -sin)
     *   quad 2: (-sin, -cos)   3: (-cos,  sin)          */
    double s1 = (quad & 1u) ? cs : sn;
    double c1 = (quad & 1u) ? sn : cs;
    *s = (quad & 2u) ? -s1 : s1;
    *c = ((quad + 1u) & 2u) ? -c1 : c1;
}

#endif
