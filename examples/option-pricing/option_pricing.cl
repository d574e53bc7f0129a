/* option_pricing.cl - one work-group prices one grain of paths.
 *
 * out[2w], out[2w + 1] = the sum and the sum of squares of the payoffs of
 * grain g0 + w, added in path order (the CPU adds them in the same order,
 * so the two give the same bits): the work-items price a chunk of paths
 * side by side, then the first adds the chunk's payoffs in order. */
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#pragma OPENCL FP_CONTRACT OFF
#include "option_common.h"
#include <hetero/grain_check.h>

#define OPTION_MAX_LOCAL 256

__kernel void option_pricing(__global double *out, ulong g0, uint n, __global ulong *chk, ulong paths,
                             ulong grain_paths, uint key0, uint key1, double spot, double strike,
                             double drift, double volt)
{
    __local double pay[OPTION_MAX_LOCAL];
    const uint w = get_group_id(0), l = get_local_id(0), L = get_local_size(0);
    if (w >= n || L > OPTION_MAX_LOCAL)
        return;
    const ulong g = g0 + w;
    const ulong begin = g * grain_paths;
    const ulong end = begin + grain_paths < paths ? begin + grain_paths : paths;
    double sum = 0.0, sum2 = 0.0;
    for (ulong c0 = begin; c0 < end; c0 += L) {
        const ulong p = c0 + l;
        pay[l] = p < end ? option_payoff(p, key0, key1, spot, strike, drift, volt) : 0.0;
        barrier(CLK_LOCAL_MEM_FENCE);
        if (l == 0) {
            const uint k = end - c0 < (ulong)L ? (uint)(end - c0) : L;
            for (uint i = 0; i < k; i++) {
                sum += pay[i];
                sum2 += pay[i] * pay[i];
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (l == 0) {
        out[2 * w] = sum;
        out[2 * w + 1] = sum2;
        chk[w] = HETERO_GRAIN_CHECK(g);
    }
}
