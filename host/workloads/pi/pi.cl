/* pi.cl - Monte Carlo pi: one work-group per grain of samples.
 *
 * out[w] = number of hits among the samples of grain g0 + w.  Work-item l
 * of the group takes blocks start + l, start + l + L, ...; the hit count is
 * an integer, so the order of summation cannot change it.
 *
 * Two paths compute the same bits (the stream of pi_common.h), each a
 * kernel of its own so that each is compiled (and given registers) for its
 * own code; the host picks one per device (wl_pi.c):
 *   pi_lanes64: Philox on 8-lane vectors of 64-bit lanes, each 32x32->64
 *     product one 64-bit lane multiply.  CPU OpenCL compilers (PoCL) turn
 *     this into AVX-512/AVX2 vpmuludq code.
 *   pi: one block per work-item step in 32-bit words only, the high half
 *     of each product from mul_hi and the hit test x^2 + y^2 < 2^62 as a
 *     32-bit high/low pair with a carry.  GPUs run 32-bit integer
 *     multiplies at full rate and 64-bit ones at a fraction of it.
 */
#pragma OPENCL FP_CONTRACT OFF
#include <Random123/philox.h>
#include "pi_common.h"
#include "grain_check.h"

#define PHILOX_M0 0xD2511F53ul
#define PHILOX_M1 0xCD9E8D57ul
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

/* Hits of both samples of blocks b .. b+7: Philox4x32-10 on 8 lanes, the
 * 32x32->64-bit products written as 64-bit lane multiplies so that CPU
 * compilers emit one vpmuludq per product. */
inline ulong pi_hits8(ulong b, uint key0, uint key1)
{
    ulong8 bb = (ulong8)(b) + (ulong8)(0, 1, 2, 3, 4, 5, 6, 7);
    ulong8 c0 = bb & 0xFFFFFFFFul, c1 = bb >> 32;
    ulong8 c2 = (ulong8)(0ul), c3 = (ulong8)((ulong)HET_PI_TAG);
    ulong k0 = key0, k1 = key1;
    for (int r = 0; r < HET_PHILOX_ROUNDS; r++) {
        ulong8 p0 = c0 * PHILOX_M0;
        ulong8 p1 = c2 * PHILOX_M1;
        c0 = ((p1 >> 32) ^ c1 ^ k0);
        c1 = p1 & 0xFFFFFFFFul;
        c2 = ((p0 >> 32) ^ c3 ^ k1);
        c3 = p0 & 0xFFFFFFFFul;
        k0 = (k0 + PHILOX_W0) & 0xFFFFFFFFul;
        k1 = (k1 + PHILOX_W1) & 0xFFFFFFFFul;
    }
    long8 x0 = convert_long8(as_int8(convert_uint8(c0)));
    long8 y0 = convert_long8(as_int8(convert_uint8(c1)));
    long8 x1 = convert_long8(as_int8(convert_uint8(c2)));
    long8 y1 = convert_long8(as_int8(convert_uint8(c3)));
    ulong8 d0 = as_ulong8(x0 * x0) + as_ulong8(y0 * y0);
    ulong8 d1 = as_ulong8(x1 * x1) + as_ulong8(y1 * y1);
    long8 h = -(d0 < (ulong8)(HET_PI_R2)) - (d1 < (ulong8)(HET_PI_R2));
    return (ulong)(h.s0 + h.s1 + h.s2 + h.s3 + h.s4 + h.s5 + h.s6 + h.s7);
}

/* Hits (0, 1 or 2) of block b, both samples or (both = 0) the first only,
 * in 32-bit arithmetic: Philox4x32-10 with mul_hi for the high words, then
 * |x|^2 + |y|^2 as (high, low) 32-bit words; the sum is below 2^63, so it
 * is below 2^62 exactly when its high word is below 2^30. */
inline uint pi_sq_hit(uint x, uint y)
{
    const uint ax = abs((int)x), ay = abs((int)y); /* <= 2^31, exact as uint */
    const uint lx = ax * ax, ly = ay * ay;
    const uint lo = lx + ly;
    const uint hi = mul_hi(ax, ax) + mul_hi(ay, ay) + (lo < lx ? 1u : 0u);
    return hi < 0x40000000u ? 1u : 0u;
}

inline uint pi_hits_u32(ulong b, uint k0, uint k1, uint both)
{
    uint c0 = (uint)b, c1 = (uint)(b >> 32), c2 = 0u, c3 = HET_PI_TAG;
    for (int r = 0; r < HET_PHILOX_ROUNDS; r++) {
        const uint h0 = mul_hi((uint)PHILOX_M0, c0), l0 = (uint)PHILOX_M0 * c0;
        const uint h1 = mul_hi((uint)PHILOX_M1, c2), l1 = (uint)PHILOX_M1 * c2;
        c0 = h1 ^ c1 ^ k0;
        c1 = l1;
        c2 = h0 ^ c3 ^ k1;
        c3 = l0;
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    return pi_sq_hit(c0, c1) + (both ? pi_sq_hit(c2, c3) : 0u);
}

/* The body of both kernels; lanes64 is a constant in each, so the path
 * not taken is compiled out of it. */
inline void pi_grains(__global ulong *out, ulong g0, uint n, __global ulong *chk, uint key0, uint key1,
                      ulong samples, ulong grain_samples, __local ulong *scratch, const uint lanes64)
{
    const uint w = get_group_id(0);
    const uint l = get_local_id(0);
    const uint L = get_local_size(0);
    if (w >= n)
        return;
    const ulong g = g0 + w;
    const ulong first = g * grain_samples; /* even */
    ulong last = first + grain_samples;    /* one past */
    if (last > samples)
        last = samples;
    const ulong b0 = first >> 1;
    const ulong nfull = (last - first) >> 1;
    const ulong nblocks = nfull + ((last - first) & 1); /* the last one maybe half used */
    ulong hits = 0;
    if (lanes64) {
        const ulong nvec = nfull / 8;
        for (ulong v = l; v < nvec; v += L)
            hits += pi_hits8(b0 + v * 8, key0, key1);
        philox4x32_key_t key = {{key0, key1}};
        for (ulong b = b0 + nvec * 8 + l; b < b0 + nblocks; b += L) {
            philox4x32_ctr_t c = {{(uint)b, (uint)(b >> 32), 0u, HET_PI_TAG}};
            philox4x32_ctr_t r = philox4x32_R(HET_PHILOX_ROUNDS, c, key);
            long x0 = (int)r.v[0], y0 = (int)r.v[1];
            long x1 = (int)r.v[2], y1 = (int)r.v[3];
            hits += ((ulong)(x0 * x0) + (ulong)(y0 * y0)) < HET_PI_R2;
            if (b < b0 + nfull)
                hits += ((ulong)(x1 * x1) + (ulong)(y1 * y1)) < HET_PI_R2;
        }
    } else {
        for (ulong v = l; v < nblocks; v += L)
            hits += pi_hits_u32(b0 + v, key0, key1, v < nfull);
    }
    scratch[l] = hits;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint s = L >> 1; s > 0; s >>= 1) {
        if (l < s)
            scratch[l] += scratch[l + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (l == 0) {
        out[w] = scratch[0];
        chk[w] = HETERO_GRAIN_CHECK(g);
    }
}

__kernel void pi(__global ulong *out, ulong g0, uint n, __global ulong *chk, uint key0, uint key1,
                 ulong samples, ulong grain_samples, __local ulong *scratch)
{
    pi_grains(out, g0, n, chk, key0, key1, samples, grain_samples, scratch, 0u);
}

__kernel void pi_lanes64(__global ulong *out, ulong g0, uint n, __global ulong *chk, uint key0, uint key1,
                         ulong samples, ulong grain_samples, __local ulong *scratch)
{
    pi_grains(out, g0, n, chk, key0, key1, samples, grain_samples, scratch, 1u);
}
