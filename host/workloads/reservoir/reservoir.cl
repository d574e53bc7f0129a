/* reservoir.cl - the reservoir workload on an OpenCL device.
 *
 * Work-group w computes grain g0 + w: paths [g*G, min(g*G + G, P)).  The
 * work-items take the grain's paths in rounds of L (path = round start +
 * local id), each running one whole path with het_res_advance().  After
 * every traced step and at the end of every round the work-items put their
 * paths' values in local memory and work-item 0 adds them to the grain's
 * sums one path at a time, in path order: the same additions in the same
 * order as the host's CPU path, so the partial does not depend on L or on
 * the device.  Only work-item 0 touches the partial.
 *
 * Buffer manifest:
 *   out   __global, n * partial_size bytes, written: grain g0 + w's partial
 *         at byte w * partial_size (layout in reservoir_common.h)
 *   sc_*  __local, HET_RES_MAX_LOCAL doubles each: one value per work-item
 */
#pragma OPENCL FP_CONTRACT OFF
#pragma OPENCL EXTENSION cl_khr_fp64 : enable

#include "reservoir_common.h"
#include "grain_check.h"

__kernel void reservoir(__global uchar *out, ulong g0, uint n, __global ulong *chk, ulong P, ulong T, ulong G,
                        double cap, double mu, double sigma, double sbar, double s0, uint key0, uint key1,
                        uint nb, uint nt, double tscale)
{
    __local double sc_s[HET_RES_MAX_LOCAL];
    __local double sc_sum[HET_RES_MAX_LOCAL];
    __local double sc_nshort[HET_RES_MAX_LOCAL];
    __local double sc_nspill[HET_RES_MAX_LOCAL];

    const uint lid = (uint)get_local_id(0);
    const uint L = (uint)get_local_size(0);
    const uint w = (uint)get_group_id(0);
    if (w >= n || L > HET_RES_MAX_LOCAL)
        return; /* uniform across the group */

    const ulong g = g0 + w;
    const ulong psize = het_res_partial_size(nb, nt);
    __global uchar *part = out + (ulong)w * psize;
    __global uint *rel = (__global uint *)(part + HET_RES_HDR_BYTES);
    __global double *tsum = (__global double *)(part + het_res_off_tsum(nb));
    __global uint *thist = (__global uint *)(part + het_res_off_thist(nb, nt));
    const ulong begin = g * G;
    const ulong end = begin + G < P ? begin + G : P;

    het_res_model m;
    m.cap = cap;
    m.mu = mu;
    m.sigma = sigma;
    m.sbar = sbar;
    m.s0 = s0;
    m.key0 = key0;
    m.key1 = key1;

    het_res_acc acc = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
    if (lid == 0) {
        __global ulong *words = (__global ulong *)part;
        for (ulong i = 0; i < psize / 8; i++)
            words[i] = 0;
    }

    /* Without a trace the whole path is one stretch; with one, a stretch
     * ends at every traced step.  The barriers are outside any condition
     * (nt is the same for the whole group anyway). */
    const uint nseg = nt > 0 ? nt - 1 : 1;
    for (ulong r0 = begin; r0 < end; r0 += L) {
        const ulong p = r0 + lid;
        const uint nact = end - r0 < (ulong)L ? (uint)(end - r0) : L;
        het_res_path ps;
        ps.s = s0;
        ps.sum = 0.0;
        ps.nshort = 0.0;
        ps.nspill = 0.0;

        ulong t0 = 0;
        for (uint i = 0; i <= nseg; i++) {
            if (i > 0) {
                ulong t1 = nt > 0 ? het_res_trace_step(i, nt, T) : T;
                het_res_advance(&ps, p, t0, t1, &m);
                t0 = t1;
            }
            sc_s[lid] = ps.s;
            barrier(CLK_LOCAL_MEM_FENCE);
            if (lid == 0 && nt > 0) {
                for (uint l = 0; l < nact; l++) { /* path order */
                    double v = sc_s[l];
                    tsum[i] += v;
                    thist[i * HET_RES_TRACE_BINS + het_res_trace_bin(v, cap, tscale)] += 1u;
                }
            }
            barrier(CLK_LOCAL_MEM_FENCE);
        }

        sc_sum[lid] = ps.sum;
        sc_nshort[lid] = ps.nshort;
        sc_nspill[lid] = ps.nspill;
        barrier(CLK_LOCAL_MEM_FENCE);
        if (lid == 0) {
            for (uint l = 0; l < nact; l++) { /* path order */
                het_res_acc_add(&acc, sc_sum[l], sc_s[l], sc_nshort[l], sc_nspill[l]);
                rel[het_res_rel_bin((ulong)sc_nshort[l], T, nb)] += 1u;
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }

    if (lid == 0) {
        __global double *d = (__global double *)part;
        __global ulong *u = (__global ulong *)part;
        d[0] = acc.sum;
        d[1] = acc.sum2;
        d[2] = acc.fin;
        d[3] = acc.fin2;
        u[4] = (ulong)acc.nshort;
        d[5] = acc.nshort2;
        u[6] = (ulong)acc.nspill;
        d[7] = acc.nspill2;
        chk[w] = HETERO_GRAIN_CHECK(g);
    }
}
