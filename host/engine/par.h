/* par.h - MPI glue: one process is one rank; a run without a launcher is a
 * one-rank run that never initialises MPI.
 *
 * Everything MPI lives in host/engine/par.c and its siblings (the files
 * internal/par_int.h lists).  Collective functions must be called by every
 * rank in the same order.
 */
#ifndef HET_PAR_H
#define HET_PAR_H

#include <stddef.h>
#include <stdint.h>

/* Initialises MPI if the process was started by a launcher (mpirun,
 * srun: detected from their environment), asking for
 * MPI_THREAD_MULTIPLE.  Safe to call once; returns HETERO_OK or HETERO_E_MPI. */
int het_par_init(int *argc, char ***argv);
void het_par_finalize(void);
/* A library user that initialised MPI itself: use MPI_COMM_WORLD as it
 * is (and leave finalising to the caller).  No-op otherwise. */
int het_par_attach(void);

int het_par_rank(void);
int het_par_size(void);
int het_par_local_rank(void); /* rank among the ranks of this node */
int het_par_local_size(void);
const char *het_par_host(void);

/* The service.  Under MPI with more than one rank, every rank runs one
 * thread of its own from het_par_init to het_par_finalize that speaks for
 * it with point-to-point messages only (contract 11: nothing depends on
 * one-sided progress, any transport, any MPI with THREAD_SERIALIZED):
 *   - rank 0's serves the grain counter: a request {id, n, items done}
 *     from any rank gets its grant {id, start} within HET_SERVE_POLL_US,
 *     whatever rank 0's workers are doing;
 *   - heartbeats: rank 0 beats to every rank and every rank to rank 0
 *     each HET_BEAT_S (a request counts as one); a peer silent for longer
 *     than the peer timeout is lost (rank 0 watches every rank, the others
 *     rank 0): every wait in this file then ends with HETERO_E_PEER naming
 *     the rank and its host, and het_par_finalize calls MPI_Abort;
 *   - notices of ranks other than 0 travel to rank 0, which prints them.
 * Every other MPI call here is non-blocking, tested under one lock, so no
 * thread waits inside MPI and a wait notices a lost peer. */

/* The lost rank, or -1; HETERO_E_PEER with its message when one is lost
 * (HETERO_OK otherwise). */
int het_par_lost(void);
int het_par_lost_fail(void);
/* Seconds of silence after which a peer is lost (HET_PEER_TIMEOUT_S until
 * set; --peer-timeout). */
void het_par_set_peer_timeout(double seconds);
/* A rank other than 0: sends a notice line to rank 0 and returns 1; rank 0
 * or a one-rank run: returns 0 (print it here). */
int het_par_note(const char *text);
/* Rank 0: calls fn for every notice the other ranks sent since the last
 * call, in arrival order; returns how many. */
size_t het_par_notes_take(void (*fn)(void *ctx, int rank, const char *host, const char *text), void *ctx);
/* A rank's host name ("?" for a rank that does not exist). */
const char *het_par_host_of(int rank);

/* The grain counter: every rank takes [start, start + n) batches from one
 * global counter (rank 0's, served by its service thread to the other
 * ranks; an atomic in a one-rank run).  Collective open and close.  take()
 * is thread-safe; on a rank other than 0 it waits one round trip. */
typedef struct het_counter het_counter;
int het_counter_open(het_counter **c, uint64_t total);
int het_counter_take(het_counter *c, uint64_t n, uint64_t *start);
void het_counter_close(het_counter *c);
/* Frees this rank's side only, without the collective barrier: for a
 * run that was interrupted, where a rank may be gone. */
void het_counter_abandon(het_counter *c);

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

/* Work done, for progress across ranks: every rank adds the items it
 * finished (its service reports them to rank 0 with each heartbeat); rank
 * 0 reads the total. */
int het_counter_add_done(het_counter *c, uint64_t items);
uint64_t het_counter_done(het_counter *c); /* rank 0: every rank's items */

/* Collective: rank 0's n bytes at p reach every rank. */
int het_par_bcast(void *p, size_t n);

/* Checkpoints under MPI: a rank other than 0 sends finished grains to rank
 * 0 while the run goes on, so that rank 0's journal has them even if this
 * rank dies later.  runs: n_runs (g0, n) pairs; their partials are read
 * from `partials` (the whole job's array, psize bytes a grain).  n_runs 0
 * is the rank's last message of the run ("nothing more from me"). */
int het_par_ship(const uint64_t *runs, size_t n_runs, const void *partials, size_t psize);
/* Rank 0: receives whatever has arrived (never blocks), copying each
 * grain's partial into `partials` and calling got(ctx, g0, n) per run;
 * counts the ranks whose last message came in *finished.  */
int het_par_receive_shipped(void *partials, size_t psize, uint64_t n_grains,
                            void (*got)(void *ctx, uint64_t g0, uint64_t n), void *ctx, int *finished);

/* Stopping: rank 0 tells the other ranks their grains are in the journal
 * (never blocks); another rank waits for that word up to `seconds` and
 * returns 1 when it came. */
void het_par_ack_all(void);
int het_par_wait_ack(double seconds);

/* The ranks are out of step (interrupted: some rank may be gone, or wait
 * in a collective call this one will not make): MPI_Finalize, a
 * collective, is skipped at the end and the launcher ends the others. */
void het_par_set_broken(void);

/* Collective: 1 on every rank when every rank passed the same v, 0 when
 * not, a negative HETERO_E_MPI when the call failed. */
int het_par_same_u64(uint64_t v);

/* Collective: maximum of a double over ranks, on every rank. */
double het_par_max(double v);

#endif
