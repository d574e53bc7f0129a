/* wl_pi.h - the pi workload's face: its description (which the library's
 * table of built-ins lists) and, for tests/test_pi.c, its CPU path. */
#ifndef HET_WL_PI_H
#define HET_WL_PI_H

#include <stdint.h>

#include "hetero.h"

extern const hetero_workload het_wl_pi;

/* The hits among samples [first, last), first even. */
uint64_t het_pi_hits(uint64_t seed, uint64_t first, uint64_t last);

#endif
