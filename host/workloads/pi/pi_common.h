/* pi_common.h - the pi workload's stream layout, shared by the host
 * (C) and the kernel (OpenCL C).  See docs/random-streams.md, "pi".
 *
 * Block b (b = 0, 1, ...) is Philox4x32-10 with counter (b low, b high, 0,
 * HET_PI_TAG) and key (seed low, seed high); it gives words r0..r3.
 * Sample 2b is (x, y) = ((int32)r0, (int32)r1), sample 2b+1 is
 * ((int32)r2, (int32)r3); a sample hits when x*x + y*y < 2^62, computed
 * exactly in 64-bit unsigned arithmetic (the sum is at most 2^63).
 */
#ifndef HET_PI_COMMON_H
#define HET_PI_COMMON_H

#include "het_philox.h"

#define HET_PI_TAG 1u
#define HET_PI_R2 0x4000000000000000ul /* 2^62 = (2^31)^2 */

/* Grains: every grain but the last holds het_pi_grain_samples(N)
 * samples, an even number so that a grain starts on a block boundary. */
#define HET_PI_MIN_GRAIN (1ul << 20)
#define HET_PI_MAX_GRAINS (1ul << 20)

#endif
