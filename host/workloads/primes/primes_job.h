/* primes_job.h - what the primes workload's files share: the parameters,
 * the planned state, a grain's numbers, and the functions one file hands
 * another.  wl_primes.c describes the workload (options, plan, CPU batch,
 * merge, reported fields); primes_cl.c gives the kernel its shape and
 * arguments; primes_nth.c finds the Nth prime; primes_print.c streams
 * --print.  Nothing outside this folder includes it.
 */
#ifndef HET_PRIMES_JOB_H
#define HET_PRIMES_JOB_H

#include <pthread.h>
#include <stdint.h>

#include "hetero.h"

#include "primes_sieve.h"

typedef struct primes_params {
    int have_range, have_nth;
    uint64_t a, b;     /* --range A:B */
    uint64_t n;        /* --nth N */
    const char *print; /* --print FILE ("-": stdout), NULL if none */
} primes_params;

typedef struct primes_state {
    het__primes_base base; /* sieving primes up to sqrt(hi - 1), pre-sieve tables */
    uint64_t lo, hi;       /* the numbers sieved: [lo, hi) */
    uint64_t start;        /* lo rounded down to a multiple of 30 */
    uint64_t nbytes;       /* wheel bytes from start to hi */
    uint64_t grain_bytes;
    uint64_t count;      /* result: primes in [lo, hi) */
    uint64_t prime;      /* result (--nth): the Nth prime */
    uint32_t *cl_primes; /* the sieving primes 47 <= p < PRIMES_CL_MED_MAX,
                                ascending, for the kernel */
    uint32_t cl_nprimes;
    /* The CPU's sieve, kept between batches: a batch that starts where the
     * last one ended continues it without set-up.  A cache, not state of
     * the job: any batch gives the same counts with or without it. */
    pthread_mutex_t team_mu;
    het__primes_team *team; /* NULL until the first batch */
} primes_state;

/* Numbers [*glo, *ghi) of grain g (wl_primes.c). */
void primes_grain(const primes_state *s, uint64_t g, uint64_t *glo, uint64_t *ghi);

/* primes_cl.c: the kernel's sieving primes listed at plan time (into
 * s->cl_primes), and the workload's cl_fit and cl_args. */
int primes_cl_list(primes_state *s);
int primes_cl_fit(const hetero_job *job, const hetero_cl_caps *caps, size_t *local);
size_t primes_cl_args(const hetero_job *job, const hetero_cl_caps *caps, hetero_karg *a, size_t max);

/* primes_nth.c: --nth's prime, from the grains' counts (merge). */
int primes_find_nth(hetero_job *job, const uint64_t *counts);

/* primes_print.c: --print's primes of the range, streamed (merge). */
int primes_print_all(hetero_job *job);

#endif
