/* wl_primes.h - the primes workload's face: its description (which the
 * library's table of built-ins lists, and tests/test_primes.c drives
 * directly) and its job layout, for the tests.  The CPU sieve has its own
 * face, primes_sieve.h. */
#ifndef HET_WL_PRIMES_H
#define HET_WL_PRIMES_H

#include <stdint.h>

#include "hetero.h"

extern const hetero_workload het_wl_primes;

/* An upper bound U with p_n < U, the same bits on every machine. */
uint64_t het_primes_nth_bound(uint64_t n);
/* Wheel bytes per grain for a job of nbytes wheel bytes whose sieving
 * primes go up to sqrt_hi. */
uint64_t het_primes_grain_bytes(uint64_t nbytes, uint64_t sqrt_hi);

#endif
