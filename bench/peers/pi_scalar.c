/* pi_scalar.c - the plain version a user would write first: one scalar C
 * loop over Random123's philox4x32, the same stream layout as hetero pi
 * (docs/random-streams.md, "pi"), so the hit counts agree exactly.
 *
 *   pi_scalar N [SEED]   prints: hits N seconds samples_per_second
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <Random123/philox.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: pi_scalar N [SEED]\n");
        return 2;
    }
    uint64_t n = (uint64_t)strtod(argv[1], NULL);
    uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    philox4x32_key_t k = {{(uint32_t)seed, (uint32_t)(seed >> 32)}};
    uint64_t hits = 0;
    for (uint64_t s = 0; s < n; s += 2) {
        uint64_t b = s / 2;
        philox4x32_ctr_t c = {{(uint32_t)b, (uint32_t)(b >> 32), 0, 1}};
        philox4x32_ctr_t r = philox4x32(c, k);
        int64_t x0 = (int32_t)r.v[0], y0 = (int32_t)r.v[1];
        hits += (uint64_t)(x0 * x0) + (uint64_t)(y0 * y0) < (UINT64_C(1) << 62);
        if (s + 1 < n) {
            int64_t x1 = (int32_t)r.v[2], y1 = (int32_t)r.v[3];
            hits += (uint64_t)(x1 * x1) + (uint64_t)(y1 * y1) < (UINT64_C(1) << 62);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    printf("%" PRIu64 " %" PRIu64 " %.4f %.4g\n", hits, n, s, (double)n / s);
    return 0;
}
