/* par.h - MPI glue: one process is one rank; a run without a launcher is a
 * one-rank run that never initialises MPI.
 *
 * Everything MPI lives in host/par.c.  Collective functions must be called
 * by every rank in the same order.
 */
#ifndef HET_PAR_H
#define HET_PAR_H

#include <stddef.h>
#include <stdint.h>

/* Initialises MPI if the process was started by a launcher (mpirun,
 * srun: detected from their environment), asking for
 * MPI_THREAD_MULTIPLE.  Safe to call once; returns HET_OK or HET_E_MPI. */
int het_par_init(int *argc, char ***argv);
void het_par_finalize(void);

int het_par_active(void);      /* 1 when MPI is in use */
int het_par_rank(void);
int het_par_size(void);
int het_par_local_rank(void);  /* rank among the ranks of this node */
int het_par_local_size(void);
const char *het_par_host(void);

/* The grain counter: every rank takes [start, start + n) batches from one
 * global counter (MPI-3 fetch-and-add on rank 0's window; an atomic in a
 * one-rank run).  Collective open and close.  take() is thread-safe. */
typedef struct het_counter het_counter;
int het_counter_open(het_counter **c, uint64_t total);
int het_counter_take(het_counter *c, uint64_t n, uint64_t *start);
void het_counter_close(het_counter *c);

/* Collective: combines a status code (0 or negative) and message from
 * every rank.  Returns the first failing rank's code (lowest rank) on
 * every rank; on rank 0, msg receives "rank R (host): <message>" when
 * running with more than one rank, the plain message otherwise. */
int het_par_agree(int code, char *msg, size_t msg_size);

/* Collective: rank 0 receives into `all` (n_grains * psize bytes) the
 * grains every other rank computed, described by (g0, n) pairs in
 * `batches` (n_batches of them); rank 0's own grains are already there. */
int het_par_gather_partials(void *all, size_t psize, const uint64_t *batches, size_t n_batches);

/* Collective: gathers `count` records of `size` bytes from every rank to
 * rank 0 (*out, *out_count; caller frees *out).  On other ranks *out is
 * NULL. */
int het_par_gather_records(const void *mine, size_t count, size_t size, void **out, size_t *out_count);

/* Collective: maximum of a double over ranks, on every rank. */
double het_par_max(double v);

#endif
