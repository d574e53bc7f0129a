/* pi.cl - Monte Carlo pi: one work-group per grain of samples.
 *
 * out[w] = number of hits among the samples of grain g0 + w.  Work-item l
 * of the group takes blocks start + l, start + l + L, ...; the hit count is
 * an integer, so the order of summation cannot change it.
 */
#pragma OPENCL FP_CONTRACT OFF
#include <Random123/philox.h>
#include "pi_common.h"

__kernel void pi(__global ulong *out, ulong g0, uint n,
                 uint key0, uint key1, ulong samples, ulong grain_samples,
                 __local ulong *scratch)
{
    const uint w = get_group_id(0);
    const uint l = get_local_id(0);
    const uint L = get_local_size(0);
    if (w >= n)
        return;
    const ulong g = g0 + w;
    const ulong first = g * grain_samples;          /* even */
    ulong last = first + grain_samples;             /* one past */
    if (last > samples)
        last = samples;
    const ulong b0 = first >> 1;
    const ulong b1 = (last + 1) >> 1;               /* blocks touched */
    const int odd_tail = (int)(last & 1);           /* last block has one sample */

    philox4x32_key_t key = {{key0, key1}};
    ulong hits = 0;
    for (ulong b = b0 + l; b < b1; b += L) {
        philox4x32_ctr_t c = {{(uint)b, (uint)(b >> 32), 0u, HET_PI_TAG}};
        philox4x32_ctr_t r = philox4x32(c, key);
        long x0 = (int)r.v[0], y0 = (int)r.v[1];
        long x1 = (int)r.v[2], y1 = (int)r.v[3];
        hits += ((ulong)(x0 * x0) + (ulong)(y0 * y0)) < HET_PI_R2;
        if (!(odd_tail && b == b1 - 1))
            hits += ((ulong)(x1 * x1) + (ulong)(y1 * y1)) < HET_PI_R2;
    }
    scratch[l] = hits;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint s = L >> 1; s > 0; s >>= 1) {
        if (l < s)
            scratch[l] += scratch[l + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (l == 0)
        out[w] = scratch[0];
}
