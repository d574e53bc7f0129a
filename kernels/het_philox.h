/* het_philox.h - the generator every random stream uses: Random123's
 * Philox4x32 with 10 rounds (docs/random-streams.md).  The hand-vectorised
 * copies of its rounds (wl_pi.c, reservoir_cpu.c, pi.cl) and the calls to
 * philox4x32_R run this many; the known-answer tests check them against
 * Random123's own vectors.  Changing it changes every result and digest. */
#ifndef HET_PHILOX_H
#define HET_PHILOX_H

#define HET_PHILOX_ROUNDS 10

#endif
