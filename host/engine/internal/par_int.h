/* par_int.h - the inside of the MPI back end (par.h), shared by its files
 * only.  The back end is one module in four files, each one job:
 *
 *   par.c          init, attach, finalize, host names, one MPI call at a
 *                  time (the lock, the wait), lost peers
 *   par_service.c  the service thread: grains served, heartbeats, notices,
 *                  the peer timeout
 *   par_collect.c  the grain counter, agree, the gathers, bcast, shipping
 *                  and its ack, same_u64, max
 *   par_single.c   the build without MPI: every process is one rank
 */
#ifndef HET_PAR_INT_H
#define HET_PAR_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "par.h"

#if HETERO_HAVE_MPI
#include <mpi.h>
#endif

/* This process as a rank (par.c; both builds). */
typedef struct {
    int active, rank, size, local_rank, local_size, broken;
    int external; /* the caller initialised MPI, and ends it */
    char host[64];
} par_process;
extern par_process par_proc;

#if HETERO_HAVE_MPI
/* The tags of our point-to-point messages: the gather's run counts and
 * data, finished grains shipped to rank 0's journal, and its answer; a
 * request for grains, its grant, a heartbeat, a notice for rank 0. */
enum {
    PAR_TAG_COUNT = 5,
    PAR_TAG_DATA = 7,
    PAR_TAG_SHIP = 11,
    PAR_TAG_ACK = 12,
    PAR_TAG_REQ = 13,
    PAR_TAG_GRANT = 14,
    PAR_TAG_BEAT = 15,
    PAR_TAG_NOTE = 16
};

/* The service: one thread per rank, from het_par_init to het_par_finalize
 * (see par.h).  Everything in par_svc is guarded by its `mu`. */
#define PAR_MAX_REQ 64

typedef struct {
    uint64_t id, n, start;
    int state; /* 0 free, 1 to send, 2 sent, 3 granted */
} par_req;

typedef struct {
    int rank;
    char *text;
} par_note;

typedef struct {
    pthread_t th;
    int running;
    _Atomic int stop;
    _Atomic int quiet; /* finalizing: no more beats, nobody is lost */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    double timeout;       /* seconds of silence after which a peer is lost */
    double *heard;        /* when we last heard from each rank (rank 0), or from rank 0 */
    uint64_t *done_of;    /* rank 0: items each rank reported, for progress */
    int lost;             /* the rank lost, or -1 */
    double lost_silent;   /* how long it had been silent */
    het_counter *counter; /* the open counter: rank 0 serves it, the others report its items */
    par_req req[PAR_MAX_REQ];
    uint64_t seq;
    par_note *notes; /* rank 0: notices from the other ranks, not yet taken */
    size_t n_notes, cap_notes;
    char (*hosts)[64]; /* every rank's host name */
} par_service;
extern par_service par_svc; /* par_service.c */

struct het_counter {
    _Atomic uint64_t next; /* rank 0 (and one-rank runs): the counter itself */
    _Atomic uint64_t done; /* this rank's items done */
    int mpi;
};

/* par.c: the lock every MPI call of the back end is made under (see
 * there); a failed MPI call as HETERO_E_MPI naming it, this rank and its
 * host; the lost peer's HETERO_E_PEER; a wait for a started non-blocking
 * call, ended by a lost peer; a nap of `us` microseconds. */
extern pthread_mutex_t par_mpi_lock;
int par_mpi_fail(const char *call, int rc);
int par_lost_fail(void);
int par_wait(MPI_Request *req, const char *call);
void par_nap(long us);

/* par_service.c: the service thread's start (collective, at the end of
 * init), its stop, and the collective quiet before MPI_Finalize. */
int par_service_start(void);
void par_service_stop(void);
void par_service_quiesce(void);
#endif /* HETERO_HAVE_MPI */

#endif
