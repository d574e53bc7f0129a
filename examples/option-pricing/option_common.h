/* option_common.h - one path of a European call under geometric Brownian
 * motion, written once for the CPU (C) and the kernel (OpenCL C), so both
 * give the same bits.
 *
 * Random stream (workload tag 3): path p uses Philox4x32-10 with counter
 * (p low, p high, 0, 3) and key (seed low, seed high); its words r0..r3
 * give two uniforms
 *   u1 = ((r0 >> 5) * 2^26 + (r1 >> 6) + 0.5) * 2^-53   in (0, 1)
 *   u2 = ((r2 >> 5) * 2^26 + (r3 >> 6)) * 2^-53         in [0, 1)
 * and one normal z = sqrt(-2 ln u1) * cos(2 pi u2) (Box-Muller).  The
 * terminal price is S_T = S * exp(drift + volt * z), drift = (r - vol^2/2)
 * T and volt = vol sqrt(T) computed once on the host, and the payoff is
 * max(S_T - K, 0).  log, cos and exp are hetero's own (hetero/hmath.h),
 * which round the same on every device; contraction is off on both sides.
 */
#ifndef OPTION_COMMON_H
#define OPTION_COMMON_H

#include <Random123/philox.h>
#include <hetero/hmath.h>

#define OPTION_TAG 3u

HETERO_HMATH_FN double option_payoff(hetero_u64 p, unsigned key0, unsigned key1, double spot, double strike,
                                     double drift, double volt)
{
    philox4x32_key_t k = {{key0, key1}};
    philox4x32_ctr_t c = {{(unsigned)p, (unsigned)(p >> 32), 0u, OPTION_TAG}};
    philox4x32_ctr_t r = philox4x32(c, k);
    double u1 = ((double)(r.v[0] >> 5) * 67108864.0 + (double)(r.v[1] >> 6) + 0.5) * 0x1.0p-53;
    double u2 = ((double)(r.v[2] >> 5) * 67108864.0 + (double)(r.v[3] >> 6)) * 0x1.0p-53;
    double s, co;
    hetero_sincos2pi(u2, &s, &co);
    double z = sqrt(-2.0 * hetero_log(u1)) * co;
    double st = spot * hetero_exp(drift + volt * z);
    return st > strike ? st - strike : 0.0;
}

#endif
