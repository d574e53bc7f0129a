/* builtins.h - the workloads built into the library.  Each is an ordinary
 * hetero_workload (include/hetero.h), registered first by host/lib/job.c; the
 * unit tests drive them directly. */
#ifndef HET_BUILTINS_H
#define HET_BUILTINS_H

#include <stdint.h>

#include "hetero.h"

extern const hetero_workload het_wl_pi;
extern const hetero_workload het_wl_primes;
extern const hetero_workload het_wl_reservoir;

/* The registry's first entries (host/lib/job.c), in `hetero --help` order. */
#define HET_BUILTIN_WORKLOADS &het_wl_pi, &het_wl_primes, &het_wl_reservoir

/* pi's CPU path (host/workloads/pi/wl_pi.c), for tests/test_pi.c: the hits among
 * samples [first, last), first even. */
uint64_t het_pi_hits(uint64_t seed, uint64_t first, uint64_t last);

#endif
