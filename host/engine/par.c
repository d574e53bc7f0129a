/* par.c - the MPI back end (see par.h). */
#include "par.h"

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "tunables.h"

#if HETERO_HAVE_MPI
#include <mpi.h>
#endif

static struct {
    int active, rank, size, local_rank, local_size, broken;
    int external; /* the caller initialised MPI, and ends it */
    char host[64];
} het__par = {0, 0, 1, 0, 1, 0, 0, ""};

#if HETERO_HAVE_MPI
/* The tags of our point-to-point messages: the gather's run counts and
 * data, finished grains shipped to rank 0's journal, and its answer; a
 * request for grains, its grant, a heartbeat, a notice for rank 0. */
enum {
    HET_TAG_COUNT = 5,
    HET_TAG_DATA = 7,
    HET_TAG_SHIP = 11,
    HET_TAG_ACK = 12,
    HET_TAG_REQ = 13,
    HET_TAG_GRANT = 14,
    HET_TAG_BEAT = 15,
    HET_TAG_NOTE = 16
};
/* The longest notice another rank sends to rank 0. */
#define HET__NOTE_MAX 1024

#define MPI_CHECK(call)                                                                                      \
    do {                                                                                                     \
        int het__rc = (call);                                                                                \
        if (het__rc != MPI_SUCCESS)                                                                          \
            return het__mpi_fail(#call, het__rc);                                                            \
    } while (0)

static int het__mpi_fail(const char *call, int rc);
static int het__service_start(void);
static void het__service_stop(void);
static void het__service_quiesce(void);

/* Launchers we know put these in every rank's environment. */
static int het__launched(void)
{
    /* Open MPI's mpirun; srun through PMIx or PMI-2; MPICH's hydra.  Not
     * SLURM_* alone: a batch script sets those without any launcher. */
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE",
                                       "MPI_LOCALNRANKS",      NULL};
    for (int i = 0; vars[i]; i++)
        if (getenv(vars[i]))
            return 1;
    return 0;
}

#endif /* HETERO_HAVE_MPI */

/* srun started this process as one of several tasks of a step, but MPI
 * sees it alone (srun without PMI, or an MPI library srun cannot talk to):
 * every task would compute the whole job and print it.  A plain run inside
 * an allocation (no srun step of several tasks) is fine. */
static int het__srun_alone(void)
{
    const char *v = getenv("SLURM_STEP_NUM_TASKS");
    long tasks = v ? strtol(v, NULL, 10) : 0;
    if (tasks > 1 && het__par.size == 1)
        return hetero_fail(HETERO_E_BADARG,
                           "srun started %ld tasks, but this one is alone in MPI: run hetero with "
                           "srun --mpi=pmix (or under mpirun) so the tasks form one job",
                           tasks);
    return HETERO_OK;
}

int het_par_init(int *argc, char ***argv)
{
    (void)het_par_host();
#if !HETERO_HAVE_MPI
    /* Built without MPI: every process is a one-rank run.  A launcher
     * that started several copies would make each compute the whole job
     * and print it; refuse instead of multiplying the work silently. */
    (void)argc;
    (void)argv;
    const char *n = getenv("OMPI_COMM_WORLD_SIZE");
    if (!n)
        n = getenv("PMI_SIZE");
    if (n && atoi(n) > 1)
        return hetero_fail(HETERO_E_MPI,
                           "this hetero was built without MPI (HETERO_MPI=OFF) but was "
                           "started as one of %d ranks; rebuild with MPI or run one process",
                           atoi(n));
    return het__srun_alone();
#else
    int initialised = 0;
    MPI_Initialized(&initialised);
    if (initialised)
        return het_par_attach();
    if (!het__launched())
        return het__srun_alone();
    int provided = 0;
    MPI_CHECK(MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &provided));
    het__par.active = 1;
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &het__par.rank));
    MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &het__par.size));
    if (provided < MPI_THREAD_SERIALIZED)
        return hetero_fail(HETERO_E_MPI,
                           "MPI_Init_thread on rank %d (%s): the MPI library offers no "
                           "MPI_THREAD_SERIALIZED support",
                           het__par.rank, het__par.host);
    MPI_Comm node;
    MPI_CHECK(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, het__par.rank, MPI_INFO_NULL, &node));
    MPI_CHECK(MPI_Comm_rank(node, &het__par.local_rank));
    MPI_CHECK(MPI_Comm_size(node, &het__par.local_size));
    MPI_CHECK(MPI_Comm_free(&node));
    int rc = het__srun_alone();
    return rc ? rc : het__service_start();
#endif
}

void het_par_set_broken(void) { het__par.broken = 1; }

int het_par_attach(void)
{
#if HETERO_HAVE_MPI
    int initialised = 0, finalised = 0;
    if (het__par.active || MPI_Initialized(&initialised) != MPI_SUCCESS || !initialised ||
        MPI_Finalized(&finalised) != MPI_SUCCESS || finalised)
        return HETERO_OK;
    int provided = 0;
    MPI_CHECK(MPI_Query_thread(&provided));
    if (provided < MPI_THREAD_SERIALIZED)
        return hetero_fail(HETERO_E_MPI, "MPI was initialised without MPI_THREAD_SERIALIZED support; hetero "
                                         "needs MPI_Init_thread with MPI_THREAD_MULTIPLE");
    het__par.active = 1;
    het__par.external = 1;
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &het__par.rank));
    MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &het__par.size));
    MPI_Comm node;
    MPI_CHECK(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, het__par.rank, MPI_INFO_NULL, &node));
    MPI_CHECK(MPI_Comm_rank(node, &het__par.local_rank));
    MPI_CHECK(MPI_Comm_size(node, &het__par.local_size));
    MPI_CHECK(MPI_Comm_free(&node));
    return het__service_start();
#else
    return HETERO_OK;
#endif
}

void het_par_finalize(void)
{
#if HETERO_HAVE_MPI
    int lost = het_par_lost() >= 0;
    if (het__par.active && !lost && !het__par.broken)
        het__service_quiesce();
    het__service_stop();
    /* a peer is gone: no goodbye can complete; MPI_Abort ends every rank
     * (mpirun or srun then exit with its status, 1) */
    if (het__par.active && lost)
        MPI_Abort(MPI_COMM_WORLD, 1);
    if (het__par.active && !het__par.broken && !het__par.external) {
        MPI_Finalize();
        het__par.active = 0;
    }
#endif
}

int het_par_rank(void) { return het__par.rank; }
int het_par_size(void) { return het__par.size; }
int het_par_local_rank(void) { return het__par.local_rank; }
int het_par_local_size(void) { return het__par.local_size; }
static void het__host_once(void)
{
    if (!het__par.host[0] && gethostname(het__par.host, sizeof het__par.host) != 0)
        snprintf(het__par.host, sizeof het__par.host, "localhost");
    het__par.host[sizeof het__par.host - 1] = 0;
}

const char *het_par_host(void)
{
    /* a library user that never called hetero_init still has a host */
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, het__host_once);
    return het__par.host[0] ? het__par.host : "localhost";
}

#if HETERO_HAVE_MPI
/* ---- one MPI call at a time -------------------------------------------
 *
 * Every MPI call of this file is made under het__mpi_lock and none of them
 * blocks: a call that may wait (a receive, a collective, a large send) is
 * started non-blocking and tested under the lock until it completes
 * (het__wait), so the service thread's calls interleave with the main
 * thread's and the workers'.  That is all MPI_THREAD_SERIALIZED asks, and
 * it means no thread of ours ever sits inside MPI waiting on the network:
 * the service keeps answering and listening while a collective waits for a
 * rank that is still computing, and a wait ends when a peer is lost. */
static pthread_mutex_t het__mpi_lock = PTHREAD_MUTEX_INITIALIZER;

/* The service: one thread per rank, from het_par_init to het_par_finalize
 * (see par.h).  Everything below is guarded by `mu`. */
#define HET__MAX_REQ 64

typedef struct {
    uint64_t id, n, start;
    int state; /* 0 free, 1 to send, 2 sent, 3 granted */
} het__req;

typedef struct {
    int rank;
    char *text;
} het__note;

static struct {
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
    het__req req[HET__MAX_REQ];
    uint64_t seq;
    het__note *notes; /* rank 0: notices from the other ranks, not yet taken */
    size_t n_notes, cap_notes;
    char (*hosts)[64]; /* every rank's host name */
} het__svc = {.lost = -1, .timeout = HET_PEER_TIMEOUT_S};

struct het_counter {
    _Atomic uint64_t next; /* rank 0 (and one-rank runs): the counter itself */
    _Atomic uint64_t done; /* this rank's items done */
    int mpi;
};

static double het__mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void het__nap(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

static int het__mpi_fail(const char *call, int rc)
{
    char s[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(rc, s, &len) != MPI_SUCCESS)
        snprintf(s, sizeof s, "error %d", rc);
    return hetero_fail(HETERO_E_MPI, "%s on rank %d (%s): %s", call, het__par.rank, het__par.host, s);
}

static const char *het__host_of(int rank)
{
    return het__svc.hosts && rank >= 0 && rank < het__par.size ? het__svc.hosts[rank] : "?";
}

/* The lost peer's failure, for every call after it was noticed. */
static int het__lost_fail(void)
{
    pthread_mutex_lock(&het__svc.mu);
    int r = het__svc.lost;
    double silent = het__svc.lost_silent;
    pthread_mutex_unlock(&het__svc.mu);
    /* het_par_finalize sees the loss itself and aborts */
    return hetero_fail(HETERO_E_PEER, "rank %d (%s) was lost: no word from it for %.0f s (--peer-timeout)", r,
                       het__host_of(r), silent);
}

int het_par_lost(void)
{
    if (!het__svc.running)
        return -1;
    pthread_mutex_lock(&het__svc.mu);
    int r = het__svc.lost;
    pthread_mutex_unlock(&het__svc.mu);
    return r;
}

int het_par_lost_fail(void) { return het_par_lost() >= 0 ? het__lost_fail() : HETERO_OK; }

/* Tests *req under the lock until it completes, napping between tests
 * (briefly at first: most waits are short); a lost peer ends the wait. */
static int het__wait(MPI_Request *req, const char *call)
{
    long nap = 20;
    for (;;) {
        int flag = 0;
        pthread_mutex_lock(&het__mpi_lock);
        int rc = MPI_Test(req, &flag, MPI_STATUS_IGNORE);
        pthread_mutex_unlock(&het__mpi_lock);
        if (rc != MPI_SUCCESS)
            return het__mpi_fail(call, rc);
        if (flag)
            return HETERO_OK;
        if (het_par_lost() >= 0)
            return het__lost_fail(); /* the request is left: MPI_Abort follows */
        het__nap(nap);
        if (nap < 1000)
            nap += nap / 2;
    }
}

/* Starts a non-blocking call under the lock and waits for it. */
#define HET__START_WAIT(name, call)                                                                          \
    do {                                                                                                     \
        MPI_Request het__r;                                                                                  \
        pthread_mutex_lock(&het__mpi_lock);                                                                  \
        int het__rc = (call);                                                                                \
        pthread_mutex_unlock(&het__mpi_lock);                                                                \
        if (het__rc != MPI_SUCCESS)                                                                          \
            return het__mpi_fail(name, het__rc);                                                             \
        int het__w = het__wait(&het__r, name);                                                               \
        if (het__w)                                                                                          \
            return het__w;                                                                                   \
    } while (0)

/* A small message, sent now (under the lock; eager-sized, so it never
 * waits for the receiver). */
static int het__send_small(const void *buf, int bytes, int to, int tag)
{
    pthread_mutex_lock(&het__mpi_lock);
    int rc = MPI_Send(buf, bytes, MPI_BYTE, to, tag, MPI_COMM_WORLD);
    pthread_mutex_unlock(&het__mpi_lock);
    return rc;
}

/* A message with `tag` from `from` (MPI_ANY_SOURCE for any), received if
 * one is there: 1 and its source, 0 when none.  Bytes beyond `cap` are
 * dropped; *len gets what the sender sent.  Caller holds the lock. */
static int het__poll_locked(int from, int tag, void *buf, int cap, int *src, int *len)
{
    int flag = 0;
    MPI_Status st;
    if (MPI_Iprobe(from, tag, MPI_COMM_WORLD, &flag, &st) != MPI_SUCCESS || !flag)
        return 0;
    int count = 0;
    MPI_Get_count(&st, MPI_BYTE, &count);
    char small[256];
    char *tmp = count <= cap ? buf : count <= (int)sizeof small ? small : malloc((size_t)count);
    if (!tmp)
        return 0;
    int rc = MPI_Recv(tmp, count, MPI_BYTE, st.MPI_SOURCE, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (tmp != buf) {
        memcpy(buf, tmp, (size_t)(count < cap ? count : cap));
        if (tmp != small)
            free(tmp);
    }
    *src = st.MPI_SOURCE;
    *len = count;
    return rc == MPI_SUCCESS;
}

static void het__note_push(int rank, const char *text, int len)
{
    if (het__svc.n_notes == het__svc.cap_notes) {
        size_t cap = het__svc.cap_notes ? 2 * het__svc.cap_notes : 16;
        het__note *n = realloc(het__svc.notes, cap * sizeof *n);
        if (!n)
            return; /* a notice lost to a full memory: the run's own calls report that */
        het__svc.notes = n;
        het__svc.cap_notes = cap;
    }
    char *t = malloc((size_t)len + 1);
    if (!t)
        return;
    memcpy(t, text, (size_t)len);
    t[len] = 0;
    het__svc.notes[het__svc.n_notes++] = (het__note){rank, t};
}

/* Rank 0's turn: serve every request for grains, record heartbeats and
 * notices, beat to every rank.  Returns 1 when anything came in. */
static int het__serve(double now, double *last_beat)
{
    int busy = 0, src = 0, len = 0;
    uint64_t m[3];
    char text[HET__NOTE_MAX];
    pthread_mutex_lock(&het__mpi_lock);
    for (int i = 0;
         i < 4 * het__par.size && het__poll_locked(MPI_ANY_SOURCE, HET_TAG_REQ, m, sizeof m, &src, &len);
         i++) {
        /* {id, n, items done}: grants [start, start + n) of the open
         * counter; with none open (the ranks are between runs, or this
         * one stopped) a start past every job's end, which reads "no
         * more" */
        uint64_t grant[2] = {m[0], UINT64_MAX / 2};
        pthread_mutex_lock(&het__svc.mu);
        if (het__svc.counter)
            grant[1] = atomic_fetch_add(&het__svc.counter->next, m[1]);
        het__svc.heard[src] = now;
        het__svc.done_of[src] = m[2];
        pthread_mutex_unlock(&het__svc.mu);
        MPI_Send(grant, sizeof grant, MPI_BYTE, src, HET_TAG_GRANT, MPI_COMM_WORLD);
        busy = 1;
    }
    for (int i = 0;
         i < 4 * het__par.size && het__poll_locked(MPI_ANY_SOURCE, HET_TAG_BEAT, m, sizeof m, &src, &len);
         i++) {
        pthread_mutex_lock(&het__svc.mu);
        het__svc.heard[src] = now;
        if (len >= 8)
            het__svc.done_of[src] = m[0];
        pthread_mutex_unlock(&het__svc.mu);
        busy = 1;
    }
    while (het__poll_locked(MPI_ANY_SOURCE, HET_TAG_NOTE, text, sizeof text, &src, &len)) {
        pthread_mutex_lock(&het__svc.mu);
        het__svc.heard[src] = now;
        het__note_push(src, text, len < (int)sizeof text ? len : (int)sizeof text - 1);
        pthread_mutex_unlock(&het__svc.mu);
        busy = 1;
    }
    if (now - *last_beat >= HET_BEAT_S && !atomic_load(&het__svc.quiet)) {
        *last_beat = now;
        uint64_t none = 0;
        for (int r = 1; r < het__par.size; r++)
            MPI_Send(&none, sizeof none, MPI_BYTE, r, HET_TAG_BEAT, MPI_COMM_WORLD);
    }
    pthread_mutex_unlock(&het__mpi_lock);
    return busy;
}

/* Another rank's turn: send the workers' requests and a heartbeat with
 * this rank's items, take grants and rank 0's heartbeats.  Returns 1 when
 * a request is still out (poll again soon). */
static int het__client(double now, double *last_beat)
{
    uint64_t out[HET__MAX_REQ][3];
    int n_out = 0, waiting = 0;
    pthread_mutex_lock(&het__svc.mu);
    uint64_t done = het__svc.counter ? atomic_load(&het__svc.counter->done) : 0;
    for (int i = 0; i < HET__MAX_REQ; i++) {
        if (het__svc.req[i].state == 1) {
            out[n_out][0] = het__svc.req[i].id;
            out[n_out][1] = het__svc.req[i].n;
            out[n_out][2] = done;
            n_out++;
            het__svc.req[i].state = 2;
        }
        waiting |= het__svc.req[i].state == 2;
    }
    pthread_mutex_unlock(&het__svc.mu);
    int src = 0, len = 0;
    uint64_t m[2];
    pthread_mutex_lock(&het__mpi_lock);
    for (int i = 0; i < n_out; i++)
        MPI_Send(out[i], sizeof out[i], MPI_BYTE, 0, HET_TAG_REQ, MPI_COMM_WORLD);
    if (n_out || (now - *last_beat >= HET_BEAT_S && !atomic_load(&het__svc.quiet))) {
        *last_beat = now; /* a request says "alive" as well as a beat */
        if (!n_out)
            MPI_Send(&done, sizeof done, MPI_BYTE, 0, HET_TAG_BEAT, MPI_COMM_WORLD);
    }
    int heard = 0;
    while (het__poll_locked(0, HET_TAG_GRANT, m, sizeof m, &src, &len)) {
        heard = 1;
        pthread_mutex_lock(&het__svc.mu);
        for (int i = 0; i < HET__MAX_REQ; i++)
            if (het__svc.req[i].state == 2 && het__svc.req[i].id == m[0]) {
                het__svc.req[i].start = m[1];
                het__svc.req[i].state = 3;
            }
        pthread_cond_broadcast(&het__svc.cv);
        pthread_mutex_unlock(&het__svc.mu);
    }
    while (het__poll_locked(0, HET_TAG_BEAT, m, sizeof m, &src, &len))
        heard = 1;
    pthread_mutex_unlock(&het__mpi_lock);
    if (heard) {
        pthread_mutex_lock(&het__svc.mu);
        het__svc.heard[0] = now;
        pthread_mutex_unlock(&het__svc.mu);
    }
    return waiting || n_out;
}

static void *het__service(void *arg)
{
    (void)arg;
    double last_beat = 0;
    long nap = 50;
    while (!atomic_load(&het__svc.stop)) {
        double now = het__mono();
        int busy = het__par.rank == 0 ? het__serve(now, &last_beat) : het__client(now, &last_beat);
        /* who has been silent too long: on rank 0 every other rank, on
         * the others rank 0 (which would notice a silent rank itself) */
        pthread_mutex_lock(&het__svc.mu);
        if (het__svc.lost < 0 && !atomic_load(&het__svc.quiet)) {
            int n = het__par.rank == 0 ? het__par.size : 1;
            for (int r = het__par.rank == 0 ? 1 : 0; r < n; r++)
                if (now - het__svc.heard[r] > het__svc.timeout) {
                    het__svc.lost = r;
                    het__svc.lost_silent = now - het__svc.heard[r];
                    pthread_cond_broadcast(&het__svc.cv);
                    break;
                }
        }
        /* rank 0 answers within HET_SERVE_POLL_US; another rank polls
         * fast while a request is out, and otherwise sleeps until a
         * worker asks (or a beat is due) */
        if (het__par.rank == 0) {
            pthread_mutex_unlock(&het__svc.mu);
            nap = busy ? 20 : nap < HET_SERVE_POLL_US ? nap * 2 : HET_SERVE_POLL_US;
            het__nap(nap);
        } else if (busy) {
            pthread_mutex_unlock(&het__svc.mu);
            het__nap(20);
        } else {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += HET_SERVE_POLL_US * 1000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            int queued = 0;
            for (int i = 0; i < HET__MAX_REQ; i++)
                queued |= het__svc.req[i].state == 1;
            if (!queued)
                pthread_cond_timedwait(&het__svc.cv, &het__svc.mu, &ts);
            pthread_mutex_unlock(&het__svc.mu);
        }
    }
    return NULL;
}

/* Collective, at the end of init: every rank's host name, then the
 * service thread. */
static int het__service_start(void)
{
    if (het__par.size < 2)
        return HETERO_OK;
    het__svc.hosts = calloc((size_t)het__par.size, sizeof *het__svc.hosts);
    het__svc.heard = calloc((size_t)het__par.size, sizeof *het__svc.heard);
    het__svc.done_of = calloc((size_t)het__par.size, sizeof *het__svc.done_of);
    if (!het__svc.hosts || !het__svc.heard || !het__svc.done_of)
        return hetero_fail(HETERO_E_NOMEM, "out of memory for %d ranks", het__par.size);
    char mine[64];
    snprintf(mine, sizeof mine, "%s", het__par.host);
    int rc = MPI_Allgather(mine, sizeof mine, MPI_CHAR, het__svc.hosts, sizeof mine, MPI_CHAR,
                           MPI_COMM_WORLD);
    if (rc != MPI_SUCCESS)
        return het__mpi_fail("MPI_Allgather (host names)", rc);
    for (int r = 0; r < het__par.size; r++)
        het__svc.hosts[r][63] = 0;
    pthread_mutex_init(&het__svc.mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_cond_init(&het__svc.cv, &ca);
    pthread_condattr_destroy(&ca);
    double now = het__mono();
    for (int r = 0; r < het__par.size; r++)
        het__svc.heard[r] = now;
    atomic_store(&het__svc.stop, 0);
    if (pthread_create(&het__svc.th, NULL, het__service, NULL) != 0)
        return hetero_fail(HETERO_E_RUNTIME, "pthread_create (the MPI service thread) on rank %d (%s) failed",
                           het__par.rank, het__par.host);
    het__svc.running = 1;
    return HETERO_OK;
}

static void het__service_stop(void)
{
    if (!het__svc.running)
        return;
    atomic_store(&het__svc.stop, 1);
    pthread_mutex_lock(&het__svc.mu);
    pthread_cond_broadcast(&het__svc.cv);
    pthread_mutex_unlock(&het__svc.mu);
    pthread_join(het__svc.th, NULL);
    het__svc.running = 0;
    for (size_t i = 0; i < het__svc.n_notes; i++)
        free(het__svc.notes[i].text);
    free(het__svc.notes);
    het__svc.notes = NULL;
    het__svc.n_notes = het__svc.cap_notes = 0;
}

/* Drops whatever service messages came in and were not taken. */
static void het__drain(void)
{
    static const int tags[] = {HET_TAG_REQ, HET_TAG_GRANT, HET_TAG_BEAT, HET_TAG_NOTE};
    char buf[HET__NOTE_MAX];
    int src, len;
    pthread_mutex_lock(&het__mpi_lock);
    for (size_t i = 0; i < sizeof tags / sizeof *tags; i++)
        while (het__poll_locked(MPI_ANY_SOURCE, tags[i], buf, sizeof buf, &src, &len))
            ;
    pthread_mutex_unlock(&het__mpi_lock);
}

/* Collective, before MPI_Finalize: the services fall quiet together, and
 * every heartbeat sent is received, so no MPI reports a message left
 * unmatched (MPICH's UCX does, on stdout). */
static void het__service_quiesce(void)
{
    if (!het__svc.running)
        return;
    atomic_store(&het__svc.quiet, 1);
    for (int round = 0; round < 2; round++) {
        MPI_Request r;
        pthread_mutex_lock(&het__mpi_lock);
        int rc = MPI_Ibarrier(MPI_COMM_WORLD, &r);
        pthread_mutex_unlock(&het__mpi_lock);
        if (rc != MPI_SUCCESS || het__wait(&r, "MPI_Ibarrier") != HETERO_OK)
            return;
        if (round == 0)
            het__service_stop();
        het__drain();
    }
}

void het_par_set_peer_timeout(double seconds)
{
    if (!het__svc.running || !(seconds > 0))
        return;
    pthread_mutex_lock(&het__svc.mu);
    het__svc.timeout = seconds;
    pthread_mutex_unlock(&het__svc.mu);
}

int het_par_note(const char *text)
{
    if (!het__svc.running || het__par.rank == 0)
        return 0;
    size_t len = strlen(text);
    if (len >= HET__NOTE_MAX)
        len = HET__NOTE_MAX - 1;
    het__send_small(text, (int)len, 0, HET_TAG_NOTE);
    return 1;
}

size_t het_par_notes_take(void (*fn)(void *ctx, int rank, const char *host, const char *text), void *ctx)
{
    if (!het__svc.running || het__par.rank != 0)
        return 0;
    pthread_mutex_lock(&het__svc.mu);
    het__note *notes = het__svc.notes;
    size_t n = het__svc.n_notes;
    het__svc.notes = NULL;
    het__svc.n_notes = het__svc.cap_notes = 0;
    pthread_mutex_unlock(&het__svc.mu);
    for (size_t i = 0; i < n; i++) {
        fn(ctx, notes[i].rank, het__host_of(notes[i].rank), notes[i].text);
        free(notes[i].text);
    }
    free(notes);
    return n;
}

const char *het_par_host_of(int rank) { return het__host_of(rank); }

/* ---- the grain counter ---------------------------------------------- */

int het_counter_open(het_counter **out, uint64_t total)
{
    (void)total;
    het_counter *c = calloc(1, sizeof *c);
    if (!c)
        return hetero_fail(HETERO_E_NOMEM, "out of memory for the grain counter");
    atomic_init(&c->next, 0);
    atomic_init(&c->done, 0);
    if (het__svc.running) {
        pthread_mutex_lock(&het__svc.mu);
        het__svc.counter = c;
        if (het__par.rank == 0)
            memset(het__svc.done_of, 0, (size_t)het__par.size * sizeof *het__svc.done_of);
        pthread_mutex_unlock(&het__svc.mu);
        c->mpi = 1;
        /* no rank asks before rank 0 serves this counter */
        MPI_Request r;
        pthread_mutex_lock(&het__mpi_lock);
        int rc = MPI_Ibarrier(MPI_COMM_WORLD, &r);
        pthread_mutex_unlock(&het__mpi_lock);
        if (rc == MPI_SUCCESS)
            rc = het__wait(&r, "MPI_Ibarrier (opening the grain counter)");
        else
            rc = het__mpi_fail("MPI_Ibarrier (opening the grain counter)", rc);
        if (rc) {
            het_counter_abandon(c);
            return rc;
        }
    }
    *out = c;
    return HETERO_OK;
}

int het_counter_take(het_counter *c, uint64_t n, uint64_t *start)
{
    if (!c->mpi || het__par.rank == 0) {
        *start = atomic_fetch_add(&c->next, n);
        return HETERO_OK;
    }
    /* ask the service, which asks rank 0, and wait for the grant */
    pthread_mutex_lock(&het__svc.mu);
    int slot = -1;
    while (slot < 0 && het__svc.lost < 0) {
        for (int i = 0; i < HET__MAX_REQ && slot < 0; i++)
            if (het__svc.req[i].state == 0)
                slot = i;
        if (slot < 0)
            pthread_cond_wait(&het__svc.cv, &het__svc.mu);
    }
    if (slot >= 0) {
        het__svc.req[slot] = (het__req){++het__svc.seq, n, 0, 1};
        pthread_cond_broadcast(&het__svc.cv);
        while (het__svc.req[slot].state != 3 && het__svc.lost < 0)
            pthread_cond_wait(&het__svc.cv, &het__svc.mu);
        *start = het__svc.req[slot].start;
        het__svc.req[slot].state = het__svc.req[slot].state == 3 ? 0 : het__svc.req[slot].state;
    }
    int lost = het__svc.lost >= 0;
    pthread_mutex_unlock(&het__svc.mu);
    return lost ? het__lost_fail() : HETERO_OK;
}

int het_counter_add_done(het_counter *c, uint64_t items)
{
    atomic_fetch_add(&c->done, items);
    return HETERO_OK;
}

uint64_t het_counter_done(het_counter *c)
{
    uint64_t sum = atomic_load(&c->done);
    if (c->mpi && het__par.rank == 0) {
        pthread_mutex_lock(&het__svc.mu);
        for (int r = 1; r < het__par.size; r++)
            sum += het__svc.done_of[r];
        pthread_mutex_unlock(&het__svc.mu);
    }
    return sum;
}

static void het__counter_forget(het_counter *c)
{
    if (c->mpi && het__svc.running) {
        pthread_mutex_lock(&het__svc.mu);
        if (het__svc.counter == c)
            het__svc.counter = NULL;
        pthread_mutex_unlock(&het__svc.mu);
    }
    free(c);
}

void het_counter_close(het_counter *c)
{
    if (!c)
        return;
    if (c->mpi && het_par_lost() < 0) {
        /* every rank is done asking before rank 0 stops serving */
        MPI_Request r;
        pthread_mutex_lock(&het__mpi_lock);
        int rc = MPI_Ibarrier(MPI_COMM_WORLD, &r);
        pthread_mutex_unlock(&het__mpi_lock);
        if (rc == MPI_SUCCESS)
            (void)het__wait(&r, "MPI_Ibarrier"); /* a failure here is the run's last; nothing depends on it */
    }
    het__counter_forget(c);
}

void het_counter_abandon(het_counter *c)
{
    if (c)
        het__counter_forget(c);
}

/* ---- collectives and the gathers ------------------------------------ */

int het_par_agree(int code, char *msg, size_t msg_size)
{
    if (!het__par.active || het__par.size == 1)
        return code;
    /* MINLOC over (ok ? 1 : 0, rank) finds the lowest failing rank: ties
     * in the value go to the lower rank. */
    struct {
        int ok, rank;
    } mine = {code < 0 ? 0 : 1, het__par.rank}, first;
    HET__START_WAIT("MPI_Allreduce",
                    MPI_Iallreduce(&mine, &first, 1, MPI_2INT, MPI_MINLOC, MPI_COMM_WORLD, &het__r));
    if (first.ok == 1)
        return HETERO_OK; /* nobody failed */
    int fail_code = code;
    HET__START_WAIT("MPI_Bcast", MPI_Ibcast(&fail_code, 1, MPI_INT, first.rank, MPI_COMM_WORLD, &het__r));
    char buf[HETERO_MSG_MAX];
    snprintf(buf, sizeof buf, "%s", msg ? msg : "");
    HET__START_WAIT("MPI_Bcast", MPI_Ibcast(buf, sizeof buf, MPI_CHAR, first.rank, MPI_COMM_WORLD, &het__r));
    if (msg && msg_size) {
        /* a message that already names its rank is not prefixed twice */
        char tag[32];
        snprintf(tag, sizeof tag, "rank %d", first.rank);
        if (strstr(buf, tag))
            snprintf(msg, msg_size, "%s", buf);
        else
            snprintf(msg, msg_size, "rank %d (%s): %s", first.rank, het__host_of(first.rank), buf);
    }
    return fail_code;
}

/* Sends or receives `bytes` bytes in pieces MPI's int counts can carry. */
static int het__send_bytes(const void *p, size_t bytes, int to, int tag)
{
    const char *c = p;
    while (bytes) {
        int piece = bytes > (size_t)INT_MAX ? INT_MAX : (int)bytes;
        HET__START_WAIT("MPI_Send", MPI_Isend(c, piece, MPI_BYTE, to, tag, MPI_COMM_WORLD, &het__r));
        c += piece;
        bytes -= (size_t)piece;
    }
    return HETERO_OK;
}

static int het__recv_bytes(void *p, size_t bytes, int from, int tag)
{
    char *c = p;
    while (bytes) {
        int piece = bytes > (size_t)INT_MAX ? INT_MAX : (int)bytes;
        HET__START_WAIT("MPI_Recv", MPI_Irecv(c, piece, MPI_BYTE, from, tag, MPI_COMM_WORLD, &het__r));
        c += piece;
        bytes -= (size_t)piece;
    }
    return HETERO_OK;
}

int het_par_gather_partials(void *all, size_t psize, const uint64_t *batches, size_t n_batches)
{
    if (!het__par.active || het__par.size == 1)
        return HETERO_OK;
    char *base = all;
    uint64_t mine = n_batches;
    int rc = HETERO_OK;
    if (het__par.rank != 0) {
        rc = het__send_bytes(&mine, sizeof mine, 0, HET_TAG_COUNT);
        if (rc == HETERO_OK && n_batches)
            rc = het__send_bytes(batches, n_batches * 2 * sizeof(uint64_t), 0, HET_TAG_DATA);
        /* the batches' data in batch order, each contiguous in `all` */
        for (size_t i = 0; rc == HETERO_OK && i < n_batches; i++)
            rc = het__send_bytes(base + batches[2 * i] * psize, batches[2 * i + 1] * psize, 0, HET_TAG_DATA);
        return rc;
    }
    for (int r = 1; r < het__par.size && rc == HETERO_OK; r++) {
        uint64_t nb = 0;
        if ((rc = het__recv_bytes(&nb, sizeof nb, r, HET_TAG_COUNT)) || !nb)
            continue;
        uint64_t *b = malloc(nb * 2 * sizeof *b);
        if (!b)
            return hetero_fail(HETERO_E_NOMEM, "out of memory gathering partials from rank %d", r);
        rc = het__recv_bytes(b, nb * 2 * sizeof *b, r, HET_TAG_DATA);
        for (uint64_t i = 0; rc == HETERO_OK && i < nb; i++)
            rc = het__recv_bytes(base + b[2 * i] * psize, b[2 * i + 1] * psize, r, HET_TAG_DATA);
        free(b);
    }
    return rc;
}

int het_par_gather_records(const void *mine, size_t count, size_t size, void **out, size_t *out_count)
{
    *out = NULL;
    *out_count = 0;
    if (!het__par.active || het__par.size == 1) {
        void *copy = malloc(count * size + 1);
        if (!copy)
            return hetero_fail(HETERO_E_NOMEM, "out of memory gathering the report");
        memcpy(copy, mine, count * size);
        *out = copy;
        *out_count = count;
        return HETERO_OK;
    }
    int n = (int)(count * size);
    int *counts = NULL, *displs = NULL;
    char *buf = NULL;
    if (het__par.rank == 0) {
        counts = calloc((size_t)het__par.size, sizeof *counts);
        displs = calloc((size_t)het__par.size, sizeof *displs);
        if (!counts || !displs) {
            free(counts);
            free(displs);
            return hetero_fail(HETERO_E_NOMEM, "out of memory gathering the report");
        }
    }
    int rc;
    MPI_Request r;
    pthread_mutex_lock(&het__mpi_lock);
    rc = MPI_Igather(&n, 1, MPI_INT, counts, 1, MPI_INT, 0, MPI_COMM_WORLD, &r);
    pthread_mutex_unlock(&het__mpi_lock);
    rc = rc == MPI_SUCCESS ? het__wait(&r, "MPI_Gather") : het__mpi_fail("MPI_Gather", rc);
    size_t total = 0;
    if (rc == HETERO_OK && het__par.rank == 0) {
        for (int k = 0; k < het__par.size; k++) {
            displs[k] = (int)total;
            total += (size_t)counts[k];
        }
        buf = malloc(total + 1);
        /* without the memory, rank 0 still takes part: the others would
         * wait in the gather; it fails after */
    }
    if (rc == HETERO_OK) {
        char dummy;
        pthread_mutex_lock(&het__mpi_lock);
        rc = MPI_Igatherv(mine, n, MPI_BYTE, buf ? buf : &dummy, counts, displs, MPI_BYTE, 0, MPI_COMM_WORLD,
                          &r);
        pthread_mutex_unlock(&het__mpi_lock);
        rc = rc == MPI_SUCCESS ? het__wait(&r, "MPI_Gatherv") : het__mpi_fail("MPI_Gatherv", rc);
    }
    free(counts);
    free(displs);
    if (rc == HETERO_OK && het__par.rank == 0 && !buf && total)
        rc = hetero_fail(HETERO_E_NOMEM, "out of memory gathering the report");
    if (rc) {
        free(buf);
        return rc;
    }
    if (het__par.rank == 0) {
        *out = buf;
        *out_count = total / size;
    }
    return HETERO_OK;
}

int het_par_bcast(void *p, size_t n)
{
    if (!het__par.active || het__par.size == 1)
        return HETERO_OK;
    char *c = p;
    while (n) {
        int piece = n > (size_t)INT_MAX ? INT_MAX : (int)n;
        HET__START_WAIT("MPI_Bcast", MPI_Ibcast(c, piece, MPI_BYTE, 0, MPI_COMM_WORLD, &het__r));
        c += piece;
        n -= (size_t)piece;
    }
    return HETERO_OK;
}

int het_par_ship(const uint64_t *runs, size_t n_runs, const void *partials, size_t psize)
{
    if (!het__par.active || het__par.size == 1 || het__par.rank == 0)
        return HETERO_OK;
    size_t bytes = 8 + n_runs * 16;
    for (size_t i = 0; i < n_runs; i++)
        bytes += runs[2 * i + 1] * psize;
    if (bytes > (size_t)INT_MAX)
        return hetero_fail(HETERO_E_INTERNAL, "a checkpoint message of %zu bytes", bytes);
    char *buf = malloc(bytes);
    if (!buf)
        return hetero_fail(HETERO_E_NOMEM, "out of memory sending finished grains to rank 0");
    uint64_t n = n_runs;
    memcpy(buf, &n, 8);
    if (n_runs) /* the last word is no runs, and runs may be NULL */
        memcpy(buf + 8, runs, n_runs * 16);
    char *d = buf + 8 + n_runs * 16;
    for (size_t i = 0; i < n_runs; i++) {
        size_t len = runs[2 * i + 1] * psize;
        memcpy(d, (const char *)partials + runs[2 * i] * psize, len);
        d += len;
    }
    int rc = het__send_bytes(buf, bytes, 0, HET_TAG_SHIP);
    free(buf);
    return rc;
}

int het_par_receive_shipped(void *partials, size_t psize, uint64_t n_grains,
                            void (*got)(void *ctx, uint64_t g0, uint64_t n), void *ctx, int *finished)
{
    if (!het__par.active || het__par.size == 1 || het__par.rank != 0)
        return HETERO_OK;
    for (;;) {
        int flag = 0;
        MPI_Status st;
        pthread_mutex_lock(&het__mpi_lock);
        int prc = MPI_Iprobe(MPI_ANY_SOURCE, HET_TAG_SHIP, MPI_COMM_WORLD, &flag, &st);
        pthread_mutex_unlock(&het__mpi_lock);
        if (prc != MPI_SUCCESS)
            return het__mpi_fail("MPI_Iprobe", prc);
        if (!flag)
            return HETERO_OK;
        int count = 0;
        MPI_Get_count(&st, MPI_BYTE, &count);
        char *buf = malloc(count > 0 ? (size_t)count : 1);
        if (!buf)
            return hetero_fail(HETERO_E_NOMEM, "out of memory receiving finished grains");
        int rc = het__recv_bytes(buf, (size_t)count, st.MPI_SOURCE, HET_TAG_SHIP);
        if (rc) {
            free(buf);
            return rc;
        }
        uint64_t n_runs = 0;
        if (count >= 8)
            memcpy(&n_runs, buf, 8);
        if (n_runs == 0) {
            (*finished)++;
        } else if ((size_t)count >= 8 + n_runs * 16) {
            const char *d = buf + 8 + n_runs * 16, *end = buf + count;
            for (uint64_t i = 0; i < n_runs; i++) {
                uint64_t g0, n;
                memcpy(&g0, buf + 8 + 16 * i, 8);
                memcpy(&n, buf + 16 + 16 * i, 8);
                if (g0 >= n_grains || n > n_grains - g0 || (size_t)(end - d) < n * psize)
                    break;
                memcpy((char *)partials + g0 * psize, d, n * psize);
                d += n * psize;
                got(ctx, g0, n);
            }
        }
        free(buf);
    }
}

void het_par_ack_all(void)
{
    if (!het__par.active || het__par.size == 1 || het__par.rank != 0)
        return;
    pthread_mutex_lock(&het__mpi_lock);
    for (int r = 1; r < het__par.size; r++) {
        MPI_Request req;
        if (MPI_Isend(NULL, 0, MPI_BYTE, r, HET_TAG_ACK, MPI_COMM_WORLD, &req) == MPI_SUCCESS)
            MPI_Request_free(&req);
    }
    pthread_mutex_unlock(&het__mpi_lock);
}

int het_par_wait_ack(double seconds)
{
    if (!het__par.active || het__par.size == 1 || het__par.rank == 0)
        return 1;
    for (double waited = 0; waited < seconds; waited += 0.005) {
        int flag = 0;
        pthread_mutex_lock(&het__mpi_lock);
        int rc = MPI_Iprobe(0, HET_TAG_ACK, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
        if (rc == MPI_SUCCESS && flag)
            rc = MPI_Recv(NULL, 0, MPI_BYTE, 0, HET_TAG_ACK, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        pthread_mutex_unlock(&het__mpi_lock);
        if (rc != MPI_SUCCESS || het_par_lost() >= 0)
            return 0;
        if (flag)
            return 1;
        het__nap(5000);
    }
    return 0;
}

int het_par_same_u64(uint64_t v)
{
    if (!het__par.active || het__par.size == 1)
        return 1;
    uint64_t lo = v, hi = v;
    HET__START_WAIT("MPI_Allreduce",
                    MPI_Iallreduce(&v, &lo, 1, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD, &het__r));
    HET__START_WAIT("MPI_Allreduce",
                    MPI_Iallreduce(&v, &hi, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD, &het__r));
    return lo == hi;
}

static int het__max(double v, double *m)
{
    HET__START_WAIT("MPI_Allreduce", MPI_Iallreduce(&v, m, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD, &het__r));
    return HETERO_OK;
}

double het_par_max(double v)
{
    if (!het__par.active || het__par.size == 1)
        return v;
    double m = v;
    /* a failure leaves this rank's own value: the bench's timing only */
    if (het__max(v, &m) != HETERO_OK)
        m = v;
    return m;
}

#else /* !HETERO_HAVE_MPI: the one-rank back end */

struct het_counter {
    _Atomic uint64_t next;
    _Atomic uint64_t done;
};

int het_counter_open(het_counter **out, uint64_t total)
{
    (void)total;
    het_counter *c = calloc(1, sizeof *c);
    if (!c)
        return hetero_fail(HETERO_E_NOMEM, "out of memory for the grain counter");
    atomic_init(&c->next, 0);
    atomic_init(&c->done, 0);
    *out = c;
    return HETERO_OK;
}

int het_counter_take(het_counter *c, uint64_t n, uint64_t *start)
{
    *start = atomic_fetch_add(&c->next, n);
    return HETERO_OK;
}

void het_counter_close(het_counter *c) { free(c); }
void het_counter_abandon(het_counter *c) { free(c); }

int het_par_agree(int code, char *msg, size_t msg_size)
{
    (void)msg;
    (void)msg_size;
    return code;
}

int het_par_gather_partials(void *all, size_t psize, const uint64_t *batches, size_t n_batches)
{
    (void)all;
    (void)psize;
    (void)batches;
    (void)n_batches;
    return HETERO_OK;
}

int het_par_gather_records(const void *mine, size_t count, size_t size, void **out, size_t *out_count)
{
    *out = NULL;
    *out_count = 0;
    void *copy = malloc(count * size + 1);
    if (!copy)
        return hetero_fail(HETERO_E_NOMEM, "out of memory gathering the report");
    if (count)
        memcpy(copy, mine, count * size);
    *out = copy;
    *out_count = count;
    return HETERO_OK;
}

int het_counter_add_done(het_counter *c, uint64_t items)
{
    atomic_fetch_add(&c->done, items);
    return HETERO_OK;
}

uint64_t het_counter_done(het_counter *c) { return atomic_load(&c->done); }

int het_par_bcast(void *p, size_t n)
{
    (void)p;
    (void)n;
    return HETERO_OK;
}

int het_par_ship(const uint64_t *runs, size_t n_runs, const void *partials, size_t psize)
{
    (void)runs;
    (void)n_runs;
    (void)partials;
    (void)psize;
    return HETERO_OK;
}

int het_par_receive_shipped(void *partials, size_t psize, uint64_t n_grains,
                            void (*got)(void *ctx, uint64_t g0, uint64_t n), void *ctx, int *finished)
{
    (void)partials;
    (void)psize;
    (void)n_grains;
    (void)got;
    (void)ctx;
    (void)finished;
    return HETERO_OK;
}

void het_par_ack_all(void) {}
int het_par_lost(void) { return -1; }
int het_par_lost_fail(void) { return HETERO_OK; }
void het_par_set_peer_timeout(double seconds) { (void)seconds; }
int het_par_note(const char *text)
{
    (void)text;
    return 0;
}
size_t het_par_notes_take(void (*fn)(void *ctx, int rank, const char *host, const char *text), void *ctx)
{
    (void)fn;
    (void)ctx;
    return 0;
}
const char *het_par_host_of(int rank)
{
    (void)rank;
    return het_par_host();
}
int het_par_wait_ack(double seconds)
{
    (void)seconds;
    return 1;
}

int het_par_same_u64(uint64_t v)
{
    (void)v;
    return 1;
}

double het_par_max(double v) { return v; }

#endif /* HETERO_HAVE_MPI */
