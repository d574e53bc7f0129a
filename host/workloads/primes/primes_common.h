/* primes_common.h - the number layout of the primes workload, shared by the
 * CPU sieve (C) and the kernel (OpenCL C).
 *
 * Mod-30 wheel.  Only numbers coprime to 30 are stored: byte k of a sieve
 * whose first number is S (S a multiple of 30) stands for the 30 numbers
 * S + 30k .. S + 30k + 29, and its bit t for S + 30k + HET_PRIMES_RES[t]
 * (residues 1, 7, 11, 13, 17, 19, 23, 29).  A set bit means "not crossed
 * out".  2, 3 and 5 are not in the wheel; whoever counts adds them by hand.
 *
 * The kernel packs 4 wheel bytes into one 32-bit word, byte k of a word at
 * bits 8k..8k+7, with shifts (never by aliasing), so the layout does not
 * depend on the device's byte order.
 *
 * Pre-sieve.  Multiples of the primes 7..43 are crossed out by AND-ing
 * HET_PRIMES_PRE_TABLES periodic tables instead of sieving: in the wheel,
 * the multiples p*m (m coprime to 30) of a prime p repeat with a period of
 * p bytes, so the pattern of a group of primes repeats with the product of
 * the group.  Table i covers the group's primes and has period
 * HET_PRIMES_PRE_PERIOD_i; it is stored with HET_PRIMES_PRE_TAIL extra
 * bytes (its own start again) so that any run of up to that many bytes
 * starting anywhere in the period can be read without wrapping.  The first
 * prime that is really sieved is HET_PRIMES_FIRST_SIEVED (47).  The
 * pre-sieve also crosses out the pre-sieve primes themselves (p = p * 1)
 * and leaves 1 standing; the sieve fixes both in the first two bytes of
 * the number line.
 */
#ifndef HET_PRIMES_COMMON_H
#define HET_PRIMES_COMMON_H

#ifndef HETERO_OPENCL
#define HETERO_OPENCL 0
#endif

#if HETERO_OPENCL
#define HET_PRIMES_CONST __constant
#define HET_PRIMES_U64(x) ((ulong)(x##UL))
typedef ulong het_primes_u64;
#else
#include <stdint.h>
#define HET_PRIMES_CONST static const
#define HET_PRIMES_U64(x) UINT64_C(x)
typedef uint64_t het_primes_u64;
#endif

/* Residues coprime to 30, in bit order. */
HET_PRIMES_CONST unsigned char HET_PRIMES_RES[8] = {1, 7, 11, 13, 17, 19, 23, 29};

/* Wheel arithmetic.  For a prime p = 30a + RES[i] and a multiplier
 * m = 30b + RES[j] (both coprime to 30), p*m lies in wheel byte
 * p*b + a*RES[j] + HET_PRIMES_F[i][j], at bit HET_PRIMES_B[i][j]:
 *   F[i][j] = RES[i]*RES[j] / 30,  B[i][j] = bit of RES[i]*RES[j] mod 30.
 * The next multiplier in wheel order is m + GAP[j]; its byte is
 * a*GAP[j] + INC[i][j] further on.  (tests/test_primes.c checks these
 * tables against their definitions.) */
HET_PRIMES_CONST unsigned char HET_PRIMES_GAP[8] = {6, 4, 2, 4, 2, 4, 6, 2};
HET_PRIMES_CONST unsigned char HET_PRIMES_F[8][8] = {
    {0, 0, 0, 0, 0, 0, 0, 0},     {0, 1, 2, 3, 3, 4, 5, 6},      {0, 2, 4, 4, 6, 6, 8, 10},
    {0, 3, 4, 5, 7, 8, 9, 12},    {0, 3, 6, 7, 9, 10, 13, 16},   {0, 4, 6, 8, 10, 12, 14, 18},
    {0, 5, 8, 9, 13, 14, 17, 22}, {0, 6, 10, 12, 16, 18, 22, 28}};
HET_PRIMES_CONST unsigned char HET_PRIMES_B[8][8] = {
    {0, 1, 2, 3, 4, 5, 6, 7}, {1, 5, 4, 0, 7, 3, 2, 6}, {2, 4, 0, 6, 1, 7, 3, 5}, {3, 0, 6, 5, 2, 1, 7, 4},
    {4, 7, 1, 2, 5, 6, 0, 3}, {5, 3, 7, 1, 6, 0, 4, 2}, {6, 2, 3, 7, 0, 4, 5, 1}, {7, 6, 5, 4, 3, 2, 1, 0}};
HET_PRIMES_CONST unsigned char HET_PRIMES_INC[8][8] = {
    {0, 0, 0, 0, 0, 0, 0, 1}, {1, 1, 1, 0, 1, 1, 1, 1}, {2, 2, 0, 2, 0, 2, 2, 1}, {3, 1, 1, 2, 1, 1, 3, 1},
    {3, 3, 1, 2, 1, 3, 3, 1}, {4, 2, 2, 2, 2, 2, 4, 1}, {5, 3, 1, 4, 1, 3, 5, 1}, {6, 4, 2, 4, 2, 4, 6, 1}};
/* First wheel index j with RES[j] >= t, for t = 0..29. */
HET_PRIMES_CONST unsigned char HET_PRIMES_WHEEL_NEXT[30] = {0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 4,
                                                            4, 4, 4, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7};
/* Class index i of p mod 30 (0xFF where not coprime to 30). */
HET_PRIMES_CONST unsigned char HET_PRIMES_CLASS[30] = {
    0xFF, 0,    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1,    0xFF, 0xFF, 0xFF, 2,    0xFF, 3,    0xFF,
    0xFF, 0xFF, 4,    0xFF, 5,    0xFF, 0xFF, 0xFF, 6,    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 7};

/* Pre-sieve groups: 7*11*13*17*19, 23*29*31, 37*41*43. */
#define HET_PRIMES_PRE_TABLES 3
#define HET_PRIMES_PRE_PERIOD_0 323323u
#define HET_PRIMES_PRE_PERIOD_1 20677u
#define HET_PRIMES_PRE_PERIOD_2 65231u
#define HET_PRIMES_PRE_TAIL 262144u
#define HET_PRIMES_PRE_LEN(period) ((period) + HET_PRIMES_PRE_TAIL)
/* Offsets of the tables in one concatenated buffer. */
#define HET_PRIMES_PRE_OFF_0 0u
#define HET_PRIMES_PRE_OFF_1 (HET_PRIMES_PRE_OFF_0 + HET_PRIMES_PRE_LEN(HET_PRIMES_PRE_PERIOD_0))
#define HET_PRIMES_PRE_OFF_2 (HET_PRIMES_PRE_OFF_1 + HET_PRIMES_PRE_LEN(HET_PRIMES_PRE_PERIOD_1))
#define HET_PRIMES_PRE_BYTES (HET_PRIMES_PRE_OFF_2 + HET_PRIMES_PRE_LEN(HET_PRIMES_PRE_PERIOD_2))
#define HET_PRIMES_PRE_LAST 43u
#define HET_PRIMES_FIRST_SIEVED 47u

/* The pre-sieve primes, and which table each belongs to. */
#define HET_PRIMES_N_PRE 11
HET_PRIMES_CONST unsigned char HET_PRIMES_PRE_PRIMES[HET_PRIMES_N_PRE] = {7,  11, 13, 17, 19, 23,
                                                                          29, 31, 37, 41, 43};

/* What the first two bytes of the number line (numbers 0..59) hold once
 * sieving is done, for the bits the pre-sieve gets wrong:
 * byte 0: 7 11 13 17 19 23 29 are prime, 1 is not -> 0xFE;
 * byte 1: 31 37 41 43 (bits 0..3) are prime, pre-sieve primes. */
#define HET_PRIMES_BYTE0 0xFEu
#define HET_PRIMES_BYTE1_PRE 0x0Fu

/* Grains.  A grain is grain_bytes wheel bytes (a multiple of
 * HET_PRIMES_GRAIN_ALIGN); at least HET_PRIMES_MIN_GRAIN_BYTES, at least
 * the largest sieving prime / 16 (each grain finds the first multiple of
 * every sieving prime, a few ns each; near 2^64 that is 203 million primes,
 * so a grain must hold some 8e9 numbers for that to stay ~10% of its
 * work), and large enough for the job to have at most
 * HET_PRIMES_MAX_GRAINS grains. */
#define HET_PRIMES_MIN_GRAIN_BYTES (HET_PRIMES_U64(1) << 19)
#define HET_PRIMES_GRAIN_ALIGN (HET_PRIMES_U64(1) << 16)
#define HET_PRIMES_MAX_GRAINS (HET_PRIMES_U64(1) << 22)

/* Bit index of residue r (0..29) in a wheel byte, or -1 if r shares a
 * factor with 30. */
static inline int het_primes_bit_of(unsigned r)
{
    switch (r) {
    case 1: return 0;
    case 7: return 1;
    case 11: return 2;
    case 13: return 3;
    case 17: return 4;
    case 19: return 5;
    case 23: return 6;
    case 29: return 7;
    default: return -1;
    }
}

/* Bits of one wheel byte whose numbers base + r satisfy lo_off <= r <
 * hi_off (offsets from the byte's first number, so nothing overflows near
 * 2^64).  Used to trim the two ends of a range. */
static inline unsigned het_primes_byte_mask(het_primes_u64 lo_off, het_primes_u64 hi_off)
{
    unsigned m = 0;
    for (int t = 0; t < 8; t++)
        if (HET_PRIMES_RES[t] >= lo_off && HET_PRIMES_RES[t] < hi_off)
            m |= 1u << t;
    return m;
}

#endif
