/* reservoir_common.h - the reservoir model, written once for the host (C)
 * and the kernel (OpenCL C).
 *
 * Everything that decides a bit of a result lives here: the random stream
 * of a path, how four Philox words become two normal variates, one step of
 * the model, what a path contributes to its grain's sums, the histogram
 * bins, the trace steps and the byte layout of a grain's partial.  The
 * host's vectorised CPU path (reservoir_cpu.c) and the kernel
 * (reservoir.cl) both call these functions, so they compute the
 * same operations in the same order.  Compile with FP contraction off.
 *
 * The model (one path): S[0] = S0; for t = 0 .. T-1:
 *     W[t]   = min(S[t], Sbar)                 release (demand Sbar)
 *     I[t+1] = max(mu + sigma * Z[t], 0)       inflow, Z[t] standard normal
 *     S[t+1] = min((S[t] - W[t]) + I[t+1], K)  storage, spilling above K
 * Storage stays in [0, K].
 *
 * Random stream (docs/design.md contract 2, workload tag 2): for path p and
 * j = 0, 1, 2, ..., Philox4x32-10 with
 *     counter (j, p mod 2^32, p div 2^32, 2), key (seed mod 2^32, seed div 2^32)
 * gives words r0..r3, which het_res_normals() turns into Z[2j] and Z[2j+1].
 */
#ifndef HET_RESERVOIR_COMMON_H
#define HET_RESERVOIR_COMMON_H

#include "het_philox.h"
#include "hmath.h"
#include <Random123/philox.h>

#if HETERO_OPENCL
typedef uint het_u32;
#define HET_RES_FN static inline
#define het__res_sqrt(x) sqrt(x)
#else
#include <math.h>
#include <stddef.h>
#include <stdint.h>
typedef uint32_t het_u32;
#define HET_RES_FN static inline
#define het__res_sqrt(x) sqrt(x)
#endif

#define HET_RES_TAG 2u
/* Trace: at most this many steps (0..T, evenly spaced) are traced. */
#define HET_RES_TRACE_MAX 65u
/* Trace histogram per traced step: bin 0 holds S == 0, bin 257 holds
 * S == K, bins 1..256 split (0, K) evenly. */
#define HET_RES_TRACE_INNER 256u
#define HET_RES_TRACE_BINS (HET_RES_TRACE_INNER + 2u)
/* Reliability histogram: one bin per shortfall count k = 0..T while
 * T + 1 <= HET_RES_REL_BINS (exact), else this many even bins. */
#define HET_RES_REL_BINS 1024u
/* Largest work-group the kernel accepts (its local scratch is sized so). */
#define HET_RES_MAX_LOCAL 128u

/* ---- random numbers ---------------------------------------------------- */

/* Two standard normal variates from one Philox output block.
 *   u1 = r0 * 2^-32 + ((r1 >> 11) + 1) * 2^-53      in (0, 1]
 *   u2 = r2 * 2^-32 + (r3 >> 11) * 2^-53            in [0, 1)
 * (each a 53-bit uniform on the 2^-53 grid, every operation exact), then
 * Box-Muller with our own log, sin and cos:
 *   rho = sqrt(-2 * log(u1)),  z0 = rho * cos(2 pi u2),  z1 = rho * sin(2 pi u2).
 * u1 > 0, so log is finite and |z| <= sqrt(-2 log 2^-53) < 8.58. */
HET_RES_FN double het__res_u32_to_f64(hetero_u64 w)
{
    /* w < 2^32 placed in the low mantissa bits of 2^52: exact, and with no
     * integer conversion instruction (the host's vector code has none for
     * unsigned 64-bit lanes before AVX-512DQ). */
    return hetero__bits_f64(0x4330000000000000u | w) - 0x1p52;
}

/* The words come in 64-bit integers (each below 2^32) so that the host's
 * lanes need no narrowing. */
HET_RES_FN void het_res_normals(hetero_u64 r0, hetero_u64 r1, hetero_u64 r2, hetero_u64 r3, double *z0,
                                double *z1)
{
    const double two_m32 = 0x1p-32, two_m53 = 0x1p-53;
    double u1 = het__res_u32_to_f64(r0) * two_m32 + het__res_u32_to_f64((r1 >> 11) + 1u) * two_m53;
    double u2 = het__res_u32_to_f64(r2) * two_m32 + het__res_u32_to_f64(r3 >> 11) * two_m53;
    double rho = het__res_sqrt(-2.0 * hetero_log(u1));
    double s, c;
    hetero_sincos2pi(u2, &s, &c);
    *z0 = rho * c;
    *z1 = rho * s;
}

/* Z[2j] and Z[2j+1] of path p (Random123's Philox4x32-10). */
HET_RES_FN void het_res_pair(hetero_u64 p, het_u32 j, het_u32 key0, het_u32 key1, double *z0, double *z1)
{
    philox4x32_ctr_t c = {{j, (het_u32)p, (het_u32)(p >> 32), HET_RES_TAG}};
    philox4x32_key_t k = {{key0, key1}};
    philox4x32_ctr_t r = philox4x32_R(HET_PHILOX_ROUNDS, c, k);
    het_res_normals(r.v[0], r.v[1], r.v[2], r.v[3], z0, z1);
}

/* ---- the model --------------------------------------------------------- */

/* One path's running state and its per-path totals (counts are kept as
 * doubles, exact below 2^53, so that every lane of the host's vector code
 * is a double). */
typedef struct het_res_path {
    double s;      /* S[t] */
    double sum;    /* S[1] + ... + S[t], added in t order */
    double nshort; /* steps t' < t with S[t'] < Sbar (release short) */
    double nspill; /* steps t' <= t with (S[t'-1] - W) + I > K */
} het_res_path;

/* One step t -> t+1 with the normal z = Z[t].  min/max are written as
 * selects so that -0.0 and NaN never enter (fmin/fmax differ there). */
HET_RES_FN void het_res_step(double *s, double *sum, double *nshort, double *nspill, double z, double cap,
                             double mu, double sigma, double sbar)
{
    double st = *s;
    double w = st < sbar ? st : sbar;
    double inflow = mu + sigma * z;
    inflow = inflow > 0.0 ? inflow : 0.0;
    double x = (st - w) + inflow;
    *nshort += st < sbar ? 1.0 : 0.0;
    *nspill += x > cap ? 1.0 : 0.0;
    st = x < cap ? x : cap;
    *sum += st;
    *s = st;
}

typedef struct het_res_model {
    double cap, mu, sigma, sbar, s0;
    het_u32 key0, key1;
} het_res_model;

/* Advances one path from step t0 to t1 (t0 <= t1 <= T).  Steps come in
 * pairs (2j, 2j+1) that share one Philox block; a stretch that starts on
 * an odd step draws the pair again and uses its second normal.  The host's
 * lane version (reservoir_cpu.c) follows exactly this structure. */
HET_RES_FN void het_res_advance(het_res_path *ps, hetero_u64 p, hetero_u64 t0, hetero_u64 t1,
                                const het_res_model *m)
{
    hetero_u64 t = t0;
    double z0, z1;
    if ((t & 1u) && t < t1) {
        het_res_pair(p, (het_u32)(t >> 1), m->key0, m->key1, &z0, &z1);
        het_res_step(&ps->s, &ps->sum, &ps->nshort, &ps->nspill, z1, m->cap, m->mu, m->sigma, m->sbar);
        t++;
    }
    for (; t + 1 < t1; t += 2) {
        het_res_pair(p, (het_u32)(t >> 1), m->key0, m->key1, &z0, &z1);
        het_res_step(&ps->s, &ps->sum, &ps->nshort, &ps->nspill, z0, m->cap, m->mu, m->sigma, m->sbar);
        het_res_step(&ps->s, &ps->sum, &ps->nshort, &ps->nspill, z1, m->cap, m->mu, m->sigma, m->sbar);
    }
    if (t < t1) {
        het_res_pair(p, (het_u32)(t >> 1), m->key0, m->key1, &z0, &z1);
        het_res_step(&ps->s, &ps->sum, &ps->nshort, &ps->nspill, z0, m->cap, m->mu, m->sigma, m->sbar);
    }
}

/* ---- a grain's sums ---------------------------------------------------- */

/* Sums over a grain's paths, each added in path order.  Squares feed the
 * standard errors over paths. */
typedef struct het_res_acc {
    double sum, sum2;       /* of per-path sum of S[1..T] */
    double fin, fin2;       /* of S[T] */
    double nshort, nshort2; /* of per-path shortfall counts */
    double nspill, nspill2; /* of per-path spill counts */
} het_res_acc;

HET_RES_FN void het_res_acc_add(het_res_acc *a, double sum, double fin, double nshort, double nspill)
{
    a->sum += sum;
    a->sum2 += sum * sum;
    a->fin += fin;
    a->fin2 += fin * fin;
    a->nshort += nshort;
    a->nshort2 += nshort * nshort;
    a->nspill += nspill;
    a->nspill2 += nspill * nspill;
}

/* ---- histograms and trace steps ---------------------------------------- */

HET_RES_FN het_u32 het_res_rel_nbins(hetero_u64 T)
{
    return T + 1u <= HET_RES_REL_BINS ? (het_u32)(T + 1u) : HET_RES_REL_BINS;
}

/* Bin of a path with k shortfall steps: k itself when exact, else
 * floor(k * bins / (T + 1)). */
HET_RES_FN het_u32 het_res_rel_bin(hetero_u64 k, hetero_u64 T, het_u32 nbins)
{
    return nbins == T + 1u ? (het_u32)k : (het_u32)((k * nbins) / (T + 1u));
}

/* Bin of a storage value s in [0, K]; tscale = 256.0 / K. */
HET_RES_FN het_u32 het_res_trace_bin(double s, double cap, double tscale)
{
    if (s <= 0.0)
        return 0u;
    if (s >= cap)
        return HET_RES_TRACE_BINS - 1u;
    double b = s * tscale;
    het_u32 i = b < (double)(HET_RES_TRACE_INNER - 1u) ? (het_u32)b : HET_RES_TRACE_INNER - 1u;
    return 1u + i;
}

/* Number of traced steps (0 without --trace). */
HET_RES_FN het_u32 het_res_trace_count(hetero_u64 T, int trace)
{
    if (!trace)
        return 0u;
    return T + 1u <= HET_RES_TRACE_MAX ? (het_u32)(T + 1u) : HET_RES_TRACE_MAX;
}

/* The i-th traced step, i = 0 .. nt-1: floor(i * T / (nt - 1)); all steps
 * 0..T when nt = T + 1, else evenly spaced with both ends. */
HET_RES_FN hetero_u64 het_res_trace_step(het_u32 i, het_u32 nt, hetero_u64 T)
{
    return ((hetero_u64)i * T) / (hetero_u64)(nt - 1u);
}

/* ---- partial layout ---------------------------------------------------- */

/* A grain's partial, in bytes from its start (native little-endian):
 *   0   double sum       sum over paths of (S[1] + ... + S[T])
 *   8   double sum2      sum over paths of that squared
 *   16  double fin       sum of S[T]
 *   24  double fin2      sum of S[T]^2
 *   32  uint64 nshort    shortfall steps (exact count)
 *   40  double nshort2   sum of per-path counts squared
 *   48  uint64 nspill    spill steps (exact count)
 *   56  double nspill2
 *   64  uint32 rel[nb]   paths per reliability bin (nb rounded up to even)
 *   then double tsum[nt]           sum of S at each traced step
 *   then uint32 thist[nt][258]     paths per storage bin at each traced step
 * Every double sum is taken over the grain's paths in path order. */
#define HET_RES_HDR_BYTES 64u

HET_RES_FN hetero_u64 het_res_off_tsum(het_u32 nb)
{
    return HET_RES_HDR_BYTES + 4u * (hetero_u64)((nb + 1u) & ~1u);
}

HET_RES_FN hetero_u64 het_res_off_thist(het_u32 nb, het_u32 nt)
{
    return het_res_off_tsum(nb) + 8u * (hetero_u64)nt;
}

HET_RES_FN hetero_u64 het_res_partial_size(het_u32 nb, het_u32 nt)
{
    return het_res_off_thist(nb, nt) + 4u * (hetero_u64)HET_RES_TRACE_BINS * nt;
}

#endif
