/* primes_cl.c - the primes kernel's side on the host: the sieving primes
 * it reads, listed once at plan time, and per device the shape it runs in
 * (work-group, __local sub-segment, which primes are group, lane and
 * large primes, the scratch for the large ones' marks) and the arguments
 * that hand it the job.
 */
#include "hetero.h"

#include <stdlib.h>
#include <string.h>

#include "primes_common.h"
#include "primes_job.h"

/* Kernel (primes.cl): sub-segments of up to 32 KiB of __local
 * memory (8192 words), down to 4 KiB in steps of 1024 words; work-groups of
 * 8 to 256 work-items (a power of two: 8 for the lane teams, the final sum
 * halves nothing but needs 2 words per work-item of the segment). */
#define PRIMES_CL_SEG_WORDS 8192u
#define PRIMES_CL_SEG_STEP 1024u
#define PRIMES_CL_MAX_LOCAL 256u
#define PRIMES_CL_MIN_LOCAL 8u
/* The kernel's group and lane primes are those below a bound that depends
 * on the device (at most 4 * 32 KiB); plan() lists the sieving primes 47 ..
 * PRIMES_CL_MED_MAX - 1 for it, so that any bound below this fits. */
#define PRIMES_CL_MED_MAX (UINT32_C(1) << 20)
/* The large primes' marks cover at most this many wheel bytes (480M
 * numbers) of a grain at a time. */
#define PRIMES_CL_MAX_CHUNK (UINT64_C(1) << 24)

/* The kernel's group and lane primes, from the sieving-prime bitmap. */
int primes_cl_list(primes_state *s)
{
    const het__primes_base *b = &s->base;
    uint64_t top = b->limit < PRIMES_CL_MED_MAX ? b->limit + 1 : PRIMES_CL_MED_MAX;
    uint64_t nbytes = (top + 29) / 30;
    if (nbytes > b->nbytes)
        nbytes = b->nbytes;
    uint32_t n = 0;
    for (uint64_t k = 0; k < nbytes; k++)
        n += (uint32_t)__builtin_popcount(b->bits[k]);
    s->cl_primes = malloc((n ? n : 1) * sizeof *s->cl_primes);
    if (!s->cl_primes)
        return hetero_fail(HETERO_E_NOMEM, "primes: out of memory listing the sieving primes");
    n = 0;
    for (uint64_t k = 0; k < nbytes; k++)
        for (unsigned v = b->bits[k]; v; v &= v - 1) {
            uint64_t p = 30 * k + HET_PRIMES_RES[__builtin_ctz(v)];
            if (p >= HET_PRIMES_FIRST_SIEVED && p < top)
                s->cl_primes[n++] = (uint32_t)p;
        }
    s->cl_nprimes = n;
    return HETERO_OK;
}

/* How the kernel runs on a device with these caps. */
typedef struct primes_cl_shape {
    size_t local;           /* work-items per group */
    uint32_t seg_words;     /* __local sub-segment */
    uint32_t p_small;       /* group primes: p < p_small */
    uint32_t p_large;       /* large primes: p >= p_large */
    uint32_t n_grp, n_med;  /* cl_primes[0, n_grp) are group primes, up to n_med lane primes */
    uint64_t chunk_bytes;   /* wheel bytes of large-prime marks; 0: no large primes */
    uint64_t scratch_bytes; /* per work-group */
    uint32_t solo;          /* lane primes one per work-item (1) or by teams of 8 (0) */
} primes_cl_shape;

static uint32_t primes_count_below(const primes_state *s, uint32_t bound)
{
    uint32_t a = 0, b = s->cl_nprimes;
    while (a < b) {
        uint32_t m = a + (b - a) / 2;
        if (s->cl_primes[m] < bound)
            a = m + 1;
        else
            b = m;
    }
    return a;
}

/* Work-group: a power of two from 8 to 256.  Sub-segment: the largest
 * multiple of 1024 words, up to 8192, that the device's local memory
 * holds (16 KiB: 4096 words; 32, 48 and 64 KiB: 8192), and at least 2
 * words per work-item (the final sum reuses it).  Lane primes: below 4
 * segment lengths (a multiple every fourth sub-segment or more often for
 * each work-item of a team); the larger ones are marked chunk by chunk in
 * the scratch.  On a GPU the primes with at least one multiple per
 * work-item and sub-segment (p < 8 * segment bytes / L) are group primes
 * and the lane primes go by teams of 8; on a CPU device, where the
 * work-items of a group run one after the other, there are no group
 * primes and each lane prime is one work-item's (PoCL, primes below 2e9:
 * 15% less CPU time than teams). */
static int primes_cl_shape_of(const hetero_job *job, const hetero_cl_caps *caps, primes_cl_shape *sh)
{
    const primes_state *s = hetero_job_state(job);
    memset(sh, 0, sizeof *sh);
    size_t l = PRIMES_CL_MAX_LOCAL;
    while (l > caps->max_wg && l > 1)
        l >>= 1;
    if (l < PRIMES_CL_MIN_LOCAL)
        return hetero_fail(HETERO_E_NODEV, "needs work-groups of %u work-items, the kernel allows %zu",
                           PRIMES_CL_MIN_LOCAL, caps->max_wg);
    uint64_t words = caps->local_mem / sizeof(uint32_t);
    if (words > PRIMES_CL_SEG_WORDS)
        words = PRIMES_CL_SEG_WORDS;
    words -= words % PRIMES_CL_SEG_STEP;
    if (words < PRIMES_CL_SEG_STEP || words < 2 * l)
        return hetero_fail(HETERO_E_NODEV, "needs %llu bytes of local memory, has %llu",
                           (unsigned long long)(PRIMES_CL_SEG_STEP * sizeof(uint32_t)),
                           (unsigned long long)caps->local_mem);
    const uint32_t seg_bytes = (uint32_t)words * 4;
    sh->local = l;
    sh->seg_words = (uint32_t)words;
    sh->solo = (caps->type & HETERO_DEVICE_CPU) != 0;
    sh->p_small = sh->solo ? 0 : (uint32_t)(8u * seg_bytes / l);
    sh->p_large = 4u * seg_bytes;
    sh->n_grp = primes_count_below(s, sh->p_small);
    sh->n_med = primes_count_below(s, sh->p_large);
    if (s->base.limit >= sh->p_large) {
        uint64_t c = (s->grain_bytes + seg_bytes - 1) / seg_bytes * seg_bytes;
        uint64_t cmax = PRIMES_CL_MAX_CHUNK / seg_bytes * seg_bytes;
        sh->chunk_bytes = c < cmax ? c : cmax;
    }
    sh->scratch_bytes = 2 * sizeof(int64_t) * (uint64_t)sh->n_med + sh->chunk_bytes;
    return HETERO_OK;
}

int primes_cl_fit(const hetero_job *job, const hetero_cl_caps *caps, size_t *local)
{
    primes_cl_shape sh;
    int rc = primes_cl_shape_of(job, caps, &sh);
    if (rc)
        return rc;
    *local = sh.local;
    return HETERO_OK;
}

size_t primes_cl_args(const hetero_job *job, const hetero_cl_caps *caps, hetero_karg *a, size_t max)
{
    const primes_state *s = hetero_job_state(job);
    primes_cl_shape sh;
    if (max < 16 || primes_cl_shape_of(job, caps, &sh) != HETERO_OK)
        return 0;
    a[0] = (hetero_karg){.kind = HETERO_KARG_U64, .v.u64 = s->lo};
    a[1] = (hetero_karg){.kind = HETERO_KARG_U64, .v.u64 = s->hi};
    a[2] = (hetero_karg){.kind = HETERO_KARG_U64, .v.u64 = s->nbytes};
    a[3] = (hetero_karg){.kind = HETERO_KARG_U64, .v.u64 = s->grain_bytes};
    a[4] = (hetero_karg){.kind = HETERO_KARG_BUF, .v.buf = {s->base.bits, s->base.nbytes}};
    a[5] = (hetero_karg){.kind = HETERO_KARG_U64, .v.u64 = s->base.nbytes};
    a[6] = (hetero_karg){.kind = HETERO_KARG_BUF, .v.buf = {s->base.pre, HET_PRIMES_PRE_BYTES}};
    a[7] = (hetero_karg){.kind = HETERO_KARG_LOCAL, .v.local_bytes = sh.seg_words * sizeof(uint32_t)};
    a[8] = (hetero_karg){.kind = HETERO_KARG_U32, .v.u32 = sh.seg_words};
    a[9] = (hetero_karg){.kind = HETERO_KARG_BUF, .v.buf = {s->cl_primes, sh.n_med * sizeof(uint32_t)}};
    a[10] = (hetero_karg){.kind = HETERO_KARG_U32, .v.u32 = sh.n_grp};
    a[11] = (hetero_karg){.kind = HETERO_KARG_U32, .v.u32 = sh.n_med};
    a[12] = (hetero_karg){.kind = HETERO_KARG_U32, .v.u32 = sh.p_large};
    a[13] = (hetero_karg){.kind = HETERO_KARG_SCRATCH, .v.scratch_bytes = sh.scratch_bytes};
    a[14] = (hetero_karg){.kind = HETERO_KARG_U64, .v.u64 = sh.chunk_bytes};
    a[15] = (hetero_karg){.kind = HETERO_KARG_U32, .v.u32 = sh.solo};
    return 16;
}
