/* reservoir_cpu.c - the reservoir workload's CPU path: OpenMP over grains;
 * inside a grain, HET_RES_VL paths at a time, one vector lane per path
 * (the step loop is branch-free so GCC vectorises it, and target_clones
 * picks AVX-512 or AVX2 at run time).  The lanes compute exactly what
 * het_res_advance() computes for one path, and the per-path totals are
 * combined in path order exactly as the kernel does.  The fan's sample
 * paths are recomputed here too, with the same lanes.
 */
#include "hetero.h"

#include <string.h>

#include "clones.h"
#include "reservoir_job.h"

typedef struct het_res_lanes {
    double s[HET_RES_VL], sum[HET_RES_VL], nshort[HET_RES_VL], nspill[HET_RES_VL];
} het_res_lanes;

/* Z[2j], Z[2j+1] for paths p0 .. p0+VL-1.  Philox4x32-10 written out on
 * lane arrays (the same rounds as Random123's philox4x32_R(HET_PHILOX_ROUNDS, ...), which
 * the scalar path uses; test_reservoir checks they agree bit for bit). */
static inline void het__res_pair_lanes(uint64_t p0, het_u32 j, het_u32 key0, het_u32 key1,
                                       double *restrict z0, double *restrict z1)
{
    /* Words are kept in 64-bit lanes (values below 2^32) so that the
     * 32x32->64 multiplies map onto vpmuludq without reshuffling. */
    uint64_t w0[HET_RES_VL], w1[HET_RES_VL], w2[HET_RES_VL], w3[HET_RES_VL];
    const uint64_t lo32 = 0xffffffffu;
    for (int l = 0; l < HET_RES_VL; l++) {
        uint64_t p = p0 + (uint64_t)l;
        uint64_t c0 = j, c1 = p & lo32, c2 = p >> 32, c3 = HET_RES_TAG;
        uint64_t k0 = key0, k1 = key1;
#pragma GCC unroll 10
        for (int r = 0; r < HET_PHILOX_ROUNDS; r++) {
            uint64_t m0 = UINT64_C(0xD2511F53) * (c0 & lo32);
            uint64_t m1 = UINT64_C(0xCD9E8D57) * (c2 & lo32);
            uint64_t n0 = (m1 >> 32) ^ c1 ^ k0;
            uint64_t n2 = (m0 >> 32) ^ c3 ^ k1;
            c1 = m1 & lo32;
            c3 = m0 & lo32;
            c0 = n0;
            c2 = n2;
            k0 = (k0 + 0x9E3779B9u) & lo32;
            k1 = (k1 + 0xBB67AE85u) & lo32;
        }
        w0[l] = c0;
        w1[l] = c1;
        w2[l] = c2;
        w3[l] = c3;
    }
    for (int l = 0; l < HET_RES_VL; l++)
        het_res_normals(w0[l], w1[l], w2[l], w3[l], &z0[l], &z1[l]);
}

static inline void het__res_step_lanes(het_res_lanes *restrict L, const double *restrict z,
                                       const het_res_model *m)
{
    const double cap = m->cap, mu = m->mu, sigma = m->sigma, sbar = m->sbar;
    for (int l = 0; l < HET_RES_VL; l++)
        het_res_step(&L->s[l], &L->sum[l], &L->nshort[l], &L->nspill[l], z[l], cap, mu, sigma, sbar);
}

/* het_res_advance() for VL paths at once: the same pairs, the same steps. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(HET_RES_NO_CLONES)
HET_CLONES("arch=x86-64-v4", "avx2", "default")
#endif
static void het__res_advance_lanes(het_res_lanes *L, uint64_t p0, uint64_t t0, uint64_t t1,
                                   const het_res_model *m)
{
    double z0[HET_RES_VL], z1[HET_RES_VL];
    uint64_t t = t0;
    if ((t & 1u) && t < t1) {
        het__res_pair_lanes(p0, (het_u32)(t >> 1), m->key0, m->key1, z0, z1);
        het__res_step_lanes(L, z1, m);
        t++;
    }
    for (; t + 1 < t1; t += 2) {
        het__res_pair_lanes(p0, (het_u32)(t >> 1), m->key0, m->key1, z0, z1);
        het__res_step_lanes(L, z0, m);
        het__res_step_lanes(L, z1, m);
    }
    if (t < t1) {
        het__res_pair_lanes(p0, (het_u32)(t >> 1), m->key0, m->key1, z0, z1);
        het__res_step_lanes(L, z0, m);
    }
}

/* Steps [t0, t1) in pieces of RES_PIECE steps (a grain of 32 paths may
 * have billions), stopping between two once the run no longer needs the
 * batch; returns 1 then.  Advancing from any step gives the same bits as
 * one call (an odd t0 draws its pair again). */
#define RES_PIECE (UINT64_C(1) << 18)

static int het__res_advance_polled(het_res_lanes *L, uint64_t p0, uint64_t t0, uint64_t t1,
                                   const het_res_model *m, const hetero_job *job)
{
    while (t0 < t1) {
        if (hetero_job_abandoned(job))
            return 1;
        uint64_t t = t1 - t0 > RES_PIECE ? t0 + RES_PIECE : t1;
        het__res_advance_lanes(L, p0, t0, t, m);
        t0 = t;
    }
    return 0;
}

/* Runs paths p0 .. p0+VL-1 over all T steps; with nt > 0 records S at the
 * traced steps into tv[i][lane].  Returns 1 when it stopped early
 * (het__res_advance_polled). */
static int het__res_chunk(const het_res_model *m, uint64_t p0, uint64_t T, het_u32 nt, het_res_lanes *L,
                          double (*tv)[HET_RES_VL], const hetero_job *job)
{
    for (int l = 0; l < HET_RES_VL; l++) {
        L->s[l] = m->s0;
        L->sum[l] = L->nshort[l] = L->nspill[l] = 0.0;
    }
    if (nt == 0)
        return het__res_advance_polled(L, p0, 0, T, m, job);
    for (int l = 0; l < HET_RES_VL; l++)
        tv[0][l] = m->s0;
    uint64_t t0 = 0;
    for (het_u32 i = 1; i < nt; i++) {
        uint64_t t1 = het_res_trace_step(i, nt, T);
        if (het__res_advance_polled(L, p0, t0, t1, m, job))
            return 1;
        for (int l = 0; l < HET_RES_VL; l++)
            tv[i][l] = L->s[l];
        t0 = t1;
    }
    return 0;
}

/* The first ns paths (ns <= HET_RES_VL) at every step 0..T, handed to the
 * fan (its sample paths, and their values at the traced steps).  The same
 * pairs and steps as het__res_advance_lanes() from t = 0, so the same bits
 * as the grains computed. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(HET_RES_NO_CLONES)
HET_CLONES("arch=x86-64-v4", "avx2", "default")
#endif
void reservoir_samples(const het_res_model *m, uint64_t T, het_fan *f)
{
    het_res_lanes L;
    double z0[HET_RES_VL], z1[HET_RES_VL];
    for (int l = 0; l < HET_RES_VL; l++) {
        L.s[l] = m->s0;
        L.sum[l] = L.nshort[l] = L.nspill[l] = 0.0;
    }
    uint32_t next = 0; /* the next traced step */
    for (uint64_t t = 0;; t++) {
        for (int k = 0; k < f->ns; k++)
            het_fan_sample(f, k, t, L.s[k]);
        if (next < f->nt && f->step[next] == t) {
            for (int k = 0; k < f->ns; k++)
                f->traced[next][k] = L.s[k];
            next++;
        }
        if (t == T)
            break;
        if ((t & 1u) == 0) {
            het__res_pair_lanes(0, (het_u32)(t >> 1), m->key0, m->key1, z0, z1);
            het__res_step_lanes(&L, z0, m);
        } else {
            het__res_step_lanes(&L, z1, m);
        }
    }
}

static void het__res_put_f64(unsigned char *dst, double v) { memcpy(dst, &v, 8); }
static void het__res_put_u64(unsigned char *dst, uint64_t v) { memcpy(dst, &v, 8); }

/* One grain's partial (layout in reservoir_common.h); returns 1 when it
 * stopped early (the run no longer needs it). */
static int het__res_grain(const hetero_job *job, uint64_t g, unsigned char *out)
{
    const het_res_params *p = hetero_job_params(job);
    const het_res_state *s = hetero_job_state(job);
    const het_res_model *m = &s->model;
    const het_u32 nb = s->nbins, nt = s->ntrace;
    uint64_t begin = g * s->grain_paths, end = begin + s->grain_paths;
    if (end > p->paths)
        end = p->paths;

    memset(out, 0, hetero_job_partial_size(job));
    het_u32 *rel = (het_u32 *)(void *)(out + HET_RES_HDR_BYTES);
    double *tsum = (double *)(void *)(out + het_res_off_tsum(nb));
    het_u32 *thist = (het_u32 *)(void *)(out + het_res_off_thist(nb, nt));
    het_res_acc acc = {0, 0, 0, 0, 0, 0, 0, 0};
    het_res_lanes L;
    double tv[HET_RES_TRACE_MAX][HET_RES_VL];

    for (uint64_t p0 = begin; p0 < end; p0 += HET_RES_VL) {
        int nact = end - p0 < HET_RES_VL ? (int)(end - p0) : HET_RES_VL;
        if (het__res_chunk(m, p0, p->steps, nt, &L, tv, job))
            return 1;
        for (int l = 0; l < nact; l++) { /* path order */
            het_res_acc_add(&acc, L.sum[l], L.s[l], L.nshort[l], L.nspill[l]);
            rel[het_res_rel_bin((uint64_t)L.nshort[l], p->steps, nb)]++;
        }
        for (het_u32 i = 0; i < nt; i++) {
            for (int l = 0; l < nact; l++) {
                tsum[i] += tv[i][l];
                thist[i * HET_RES_TRACE_BINS + het_res_trace_bin(tv[i][l], m->cap, s->tscale)]++;
            }
        }
    }
    het__res_put_f64(out + 0, acc.sum);
    het__res_put_f64(out + 8, acc.sum2);
    het__res_put_f64(out + 16, acc.fin);
    het__res_put_f64(out + 24, acc.fin2);
    het__res_put_u64(out + 32, (uint64_t)acc.nshort);
    het__res_put_f64(out + 40, acc.nshort2);
    het__res_put_u64(out + 48, (uint64_t)acc.nspill);
    het__res_put_f64(out + 56, acc.nspill2);
    return 0;
}

int reservoir_cpu_batch(const hetero_job *job, uint64_t g0, uint64_t n, void *out, int nthreads)
{
    unsigned char *base = out;
    const size_t psize = hetero_job_partial_size(job);
    int dropped = 0;
    if (nthreads < 1)
        nthreads = 1;
        /* Grains are independent; dynamic scheduling because the last grain
     * may be short. */
#pragma omp parallel for num_threads(nthreads) schedule(dynamic, 1)
    for (uint64_t i = 0; i < n; i++)
        if (het__res_grain(job, g0 + i, base + i * psize)) {
#pragma omp atomic write
            dropped = 1;
        }
    return dropped ? HETERO_E_INTERRUPTED : HETERO_OK;
}
