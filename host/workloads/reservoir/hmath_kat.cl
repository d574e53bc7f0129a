/* hmath_kat.cl - runs the double math that the host and the kernels share
 * (hmath.h: hetero_log, hetero_sincos2pi; reservoir_common.h: the normals, a
 * path's pair of normals from Philox, one model step) on given inputs, so
 * tests/test_hmath_device.c can compare every result bit with the host's.
 * Built like every kernel (flattened includes, FP contraction off), so this
 * is the same code the reservoir kernel runs.  Needs cl_khr_fp64.
 *
 * Every value travels as its 64-bit pattern (ulong), in and out.
 */
#pragma OPENCL FP_CONTRACT OFF
#pragma OPENCL EXTENSION cl_khr_fp64 : enable

#include "reservoir_common.h"

/* y[i] = hetero_log(x[i]) */
__kernel void kat_log(__global const ulong *x, __global ulong *y, uint n)
{
    const size_t i = get_global_id(0);
    if (i < n)
        y[i] = as_ulong(hetero_log(as_double(x[i])));
}

/* sc[2i], sc[2i+1] = sin(2 pi u[i]), cos(2 pi u[i]) */
__kernel void kat_sincos(__global const ulong *u, __global ulong *sc, uint n)
{
    const size_t i = get_global_id(0);
    if (i >= n)
        return;
    double s, c;
    hetero_sincos2pi(as_double(u[i]), &s, &c);
    sc[2 * i] = as_ulong(s);
    sc[2 * i + 1] = as_ulong(c);
}

/* z[2i], z[2i+1] = het_res_normals(r[4i .. 4i+3]) */
__kernel void kat_normals(__global const uint *r, __global ulong *z, uint n)
{
    const size_t i = get_global_id(0);
    if (i >= n)
        return;
    double z0, z1;
    het_res_normals(r[4 * i], r[4 * i + 1], r[4 * i + 2], r[4 * i + 3], &z0, &z1);
    z[2 * i] = as_ulong(z0);
    z[2 * i + 1] = as_ulong(z1);
}

/* z[2i], z[2i+1] = het_res_pair(path pj[2i], pair pj[2i+1], key) */
__kernel void kat_pair(__global const ulong *pj, __global ulong *z, uint n, uint key0, uint key1)
{
    const size_t i = get_global_id(0);
    if (i >= n)
        return;
    double z0, z1;
    het_res_pair(pj[2 * i], (uint)pj[2 * i + 1], key0, key1, &z0, &z1);
    z[2 * i] = as_ulong(z0);
    z[2 * i + 1] = as_ulong(z1);
}

/* in: 9 doubles per item (s, sum, nshort, nspill, z, cap, mu, sigma, sbar);
 * out: s, sum, nshort, nspill after het_res_step */
__kernel void kat_step(__global const ulong *in, __global ulong *out, uint n)
{
    const size_t i = get_global_id(0);
    if (i >= n)
        return;
    __global const ulong *a = in + 9 * i;
    double s = as_double(a[0]), sum = as_double(a[1]), ns = as_double(a[2]), np = as_double(a[3]);
    het_res_step(&s, &sum, &ns, &np, as_double(a[4]), as_double(a[5]), as_double(a[6]), as_double(a[7]),
                 as_double(a[8]));
    out[4 * i] = as_ulong(s);
    out[4 * i + 1] = as_ulong(sum);
    out[4 * i + 2] = as_ulong(ns);
    out[4 * i + 3] = as_ulong(np);
}
