/* par_service.c - the service thread of a multi-rank run (par.h): its
 * state, its start and stop, and its loop; rank 0's side (serving grains
 * from the open counter, recording heartbeats and notices, beating to
 * every rank) and the other ranks' (sending the workers' requests and
 * heartbeats, taking grants); who has been silent past the peer timeout;
 * the quiet before MPI_Finalize; the notices sent to rank 0 and taken
 * there.
 */
#include "par.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "par_int.h"
#include "tunables.h"

#if HETERO_HAVE_MPI
/* The longest notice another rank sends to rank 0. */
#define HET__NOTE_MAX 1024

par_service par_svc = {.lost = -1, .timeout = HET_PEER_TIMEOUT_S};

static double het__mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* A small message, sent now (under the lock; eager-sized, so it never
 * waits for the receiver). */
static int het__send_small(const void *buf, int bytes, int to, int tag)
{
    pthread_mutex_lock(&par_mpi_lock);
    int rc = MPI_Send(buf, bytes, MPI_BYTE, to, tag, MPI_COMM_WORLD);
    pthread_mutex_unlock(&par_mpi_lock);
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
    if (par_svc.n_notes == par_svc.cap_notes) {
        size_t cap = par_svc.cap_notes ? 2 * par_svc.cap_notes : 16;
        par_note *n = realloc(par_svc.notes, cap * sizeof *n);
        if (!n)
            return; /* a notice lost to a full memory: the run's own calls report that */
        par_svc.notes = n;
        par_svc.cap_notes = cap;
    }
    char *t = malloc((size_t)len + 1);
    if (!t)
        return;
    memcpy(t, text, (size_t)len);
    t[len] = 0;
    par_svc.notes[par_svc.n_notes++] = (par_note){rank, t};
}

/* Rank 0's turn: serve every request for grains, record heartbeats and
 * notices, beat to every rank.  Returns 1 when anything came in. */
static int het__serve(double now, double *last_beat)
{
    int busy = 0, src = 0, len = 0;
    uint64_t m[3];
    char text[HET__NOTE_MAX];
    pthread_mutex_lock(&par_mpi_lock);
    for (int i = 0;
         i < 4 * par_proc.size && het__poll_locked(MPI_ANY_SOURCE, PAR_TAG_REQ, m, sizeof m, &src, &len);
         i++) {
        /* {id, n, items done}: grants [start, start + n) of the open
         * counter; with none open (the ranks are between runs, or this
         * one stopped) a start past every job's end, which reads "no
         * more" */
        uint64_t grant[2] = {m[0], UINT64_MAX / 2};
        pthread_mutex_lock(&par_svc.mu);
        if (par_svc.counter)
            grant[1] = atomic_fetch_add(&par_svc.counter->next, m[1]);
        par_svc.heard[src] = now;
        par_svc.done_of[src] = m[2];
        pthread_mutex_unlock(&par_svc.mu);
        MPI_Send(grant, sizeof grant, MPI_BYTE, src, PAR_TAG_GRANT, MPI_COMM_WORLD);
        busy = 1;
    }
    for (int i = 0;
         i < 4 * par_proc.size && het__poll_locked(MPI_ANY_SOURCE, PAR_TAG_BEAT, m, sizeof m, &src, &len);
         i++) {
        pthread_mutex_lock(&par_svc.mu);
        par_svc.heard[src] = now;
        if (len >= 8)
            par_svc.done_of[src] = m[0];
        pthread_mutex_unlock(&par_svc.mu);
        busy = 1;
    }
    while (het__poll_locked(MPI_ANY_SOURCE, PAR_TAG_NOTE, text, sizeof text, &src, &len)) {
        pthread_mutex_lock(&par_svc.mu);
        par_svc.heard[src] = now;
        het__note_push(src, text, len < (int)sizeof text ? len : (int)sizeof text - 1);
        pthread_mutex_unlock(&par_svc.mu);
        busy = 1;
    }
    if (now - *last_beat >= HET_BEAT_S && !atomic_load(&par_svc.quiet)) {
        *last_beat = now;
        uint64_t none = 0;
        for (int r = 1; r < par_proc.size; r++)
            MPI_Send(&none, sizeof none, MPI_BYTE, r, PAR_TAG_BEAT, MPI_COMM_WORLD);
    }
    pthread_mutex_unlock(&par_mpi_lock);
    return busy;
}

/* Another rank's turn: send the workers' requests and a heartbeat with
 * this rank's items, take grants and rank 0's heartbeats.  Returns 1 when
 * a request is still out (poll again soon). */
static int het__client(double now, double *last_beat)
{
    uint64_t out[PAR_MAX_REQ][3];
    int n_out = 0, waiting = 0;
    pthread_mutex_lock(&par_svc.mu);
    uint64_t done = par_svc.counter ? atomic_load(&par_svc.counter->done) : 0;
    for (int i = 0; i < PAR_MAX_REQ; i++) {
        if (par_svc.req[i].state == 1) {
            out[n_out][0] = par_svc.req[i].id;
            out[n_out][1] = par_svc.req[i].n;
            out[n_out][2] = done;
            n_out++;
            par_svc.req[i].state = 2;
        }
        waiting |= par_svc.req[i].state == 2;
    }
    pthread_mutex_unlock(&par_svc.mu);
    int src = 0, len = 0;
    uint64_t m[2];
    pthread_mutex_lock(&par_mpi_lock);
    for (int i = 0; i < n_out; i++)
        MPI_Send(out[i], sizeof out[i], MPI_BYTE, 0, PAR_TAG_REQ, MPI_COMM_WORLD);
    if (n_out || (now - *last_beat >= HET_BEAT_S && !atomic_load(&par_svc.quiet))) {
        *last_beat = now; /* a request says "alive" as well as a beat */
        if (!n_out)
            MPI_Send(&done, sizeof done, MPI_BYTE, 0, PAR_TAG_BEAT, MPI_COMM_WORLD);
    }
    int heard = 0;
    while (het__poll_locked(0, PAR_TAG_GRANT, m, sizeof m, &src, &len)) {
        heard = 1;
        pthread_mutex_lock(&par_svc.mu);
        for (int i = 0; i < PAR_MAX_REQ; i++)
            if (par_svc.req[i].state == 2 && par_svc.req[i].id == m[0]) {
                par_svc.req[i].start = m[1];
                par_svc.req[i].state = 3;
            }
        pthread_cond_broadcast(&par_svc.cv);
        pthread_mutex_unlock(&par_svc.mu);
    }
    while (het__poll_locked(0, PAR_TAG_BEAT, m, sizeof m, &src, &len))
        heard = 1;
    pthread_mutex_unlock(&par_mpi_lock);
    if (heard) {
        pthread_mutex_lock(&par_svc.mu);
        par_svc.heard[0] = now;
        pthread_mutex_unlock(&par_svc.mu);
    }
    return waiting || n_out;
}

static void *het__service(void *arg)
{
    (void)arg;
    double last_beat = 0;
    long nap = 50;
    while (!atomic_load(&par_svc.stop)) {
        double now = het__mono();
        int busy = par_proc.rank == 0 ? het__serve(now, &last_beat) : het__client(now, &last_beat);
        /* who has been silent too long: on rank 0 every other rank, on
         * the others rank 0 (which would notice a silent rank itself) */
        pthread_mutex_lock(&par_svc.mu);
        if (par_svc.lost < 0 && !atomic_load(&par_svc.quiet)) {
            int n = par_proc.rank == 0 ? par_proc.size : 1;
            for (int r = par_proc.rank == 0 ? 1 : 0; r < n; r++)
                if (now - par_svc.heard[r] > par_svc.timeout) {
                    par_svc.lost = r;
                    par_svc.lost_silent = now - par_svc.heard[r];
                    pthread_cond_broadcast(&par_svc.cv);
                    break;
                }
        }
        /* rank 0 answers within HET_SERVE_POLL_US; another rank polls
         * fast while a request is out, and otherwise sleeps until a
         * worker asks (or a beat is due) */
        if (par_proc.rank == 0) {
            pthread_mutex_unlock(&par_svc.mu);
            nap = busy ? 20 : nap < HET_SERVE_POLL_US ? nap * 2 : HET_SERVE_POLL_US;
            par_nap(nap);
        } else if (busy) {
            pthread_mutex_unlock(&par_svc.mu);
            par_nap(20);
        } else {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += HET_SERVE_POLL_US * 1000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            int queued = 0;
            for (int i = 0; i < PAR_MAX_REQ; i++)
                queued |= par_svc.req[i].state == 1;
            if (!queued)
                pthread_cond_timedwait(&par_svc.cv, &par_svc.mu, &ts);
            pthread_mutex_unlock(&par_svc.mu);
        }
    }
    return NULL;
}

/* Collective, at the end of init: every rank's host name, then the
 * service thread. */
int par_service_start(void)
{
    if (par_proc.size < 2)
        return HETERO_OK;
    par_svc.hosts = calloc((size_t)par_proc.size, sizeof *par_svc.hosts);
    par_svc.heard = calloc((size_t)par_proc.size, sizeof *par_svc.heard);
    par_svc.done_of = calloc((size_t)par_proc.size, sizeof *par_svc.done_of);
    if (!par_svc.hosts || !par_svc.heard || !par_svc.done_of)
        return hetero_fail(HETERO_E_NOMEM, "out of memory for %d ranks", par_proc.size);
    char mine[64];
    snprintf(mine, sizeof mine, "%s", par_proc.host);
    int rc = MPI_Allgather(mine, sizeof mine, MPI_CHAR, par_svc.hosts, sizeof mine, MPI_CHAR, MPI_COMM_WORLD);
    if (rc != MPI_SUCCESS)
        return par_mpi_fail("MPI_Allgather (host names)", rc);
    for (int r = 0; r < par_proc.size; r++)
        par_svc.hosts[r][63] = 0;
    pthread_mutex_init(&par_svc.mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_cond_init(&par_svc.cv, &ca);
    pthread_condattr_destroy(&ca);
    double now = het__mono();
    for (int r = 0; r < par_proc.size; r++)
        par_svc.heard[r] = now;
    atomic_store(&par_svc.stop, 0);
    if (pthread_create(&par_svc.th, NULL, het__service, NULL) != 0)
        return hetero_fail(HETERO_E_RUNTIME, "pthread_create (the MPI service thread) on rank %d (%s) failed",
                           par_proc.rank, par_proc.host);
    par_svc.running = 1;
    return HETERO_OK;
}

void par_service_stop(void)
{
    if (!par_svc.running)
        return;
    atomic_store(&par_svc.stop, 1);
    pthread_mutex_lock(&par_svc.mu);
    pthread_cond_broadcast(&par_svc.cv);
    pthread_mutex_unlock(&par_svc.mu);
    pthread_join(par_svc.th, NULL);
    par_svc.running = 0;
    for (size_t i = 0; i < par_svc.n_notes; i++)
        free(par_svc.notes[i].text);
    free(par_svc.notes);
    par_svc.notes = NULL;
    par_svc.n_notes = par_svc.cap_notes = 0;
}

/* Drops whatever service messages came in and were not taken. */
static void het__drain(void)
{
    static const int tags[] = {PAR_TAG_REQ, PAR_TAG_GRANT, PAR_TAG_BEAT, PAR_TAG_NOTE};
    char buf[HET__NOTE_MAX];
    int src, len;
    pthread_mutex_lock(&par_mpi_lock);
    for (size_t i = 0; i < sizeof tags / sizeof *tags; i++)
        while (het__poll_locked(MPI_ANY_SOURCE, tags[i], buf, sizeof buf, &src, &len))
            ;
    pthread_mutex_unlock(&par_mpi_lock);
}

/* Collective, before MPI_Finalize: the services fall quiet together, and
 * every heartbeat sent is received, so no MPI reports a message left
 * unmatched (MPICH's UCX does, on stdout). */
void par_service_quiesce(void)
{
    if (!par_svc.running)
        return;
    atomic_store(&par_svc.quiet, 1);
    for (int round = 0; round < 2; round++) {
        MPI_Request r;
        pthread_mutex_lock(&par_mpi_lock);
        int rc = MPI_Ibarrier(MPI_COMM_WORLD, &r);
        pthread_mutex_unlock(&par_mpi_lock);
        if (rc != MPI_SUCCESS || par_wait(&r, "MPI_Ibarrier") != HETERO_OK)
            return;
        if (round == 0)
            par_service_stop();
        het__drain();
    }
}

void het_par_set_peer_timeout(double seconds)
{
    if (!par_svc.running || !(seconds > 0))
        return;
    pthread_mutex_lock(&par_svc.mu);
    par_svc.timeout = seconds;
    pthread_mutex_unlock(&par_svc.mu);
}

int het_par_note(const char *text)
{
    if (!par_svc.running || par_proc.rank == 0)
        return 0;
    size_t len = strlen(text);
    if (len >= HET__NOTE_MAX)
        len = HET__NOTE_MAX - 1;
    het__send_small(text, (int)len, 0, PAR_TAG_NOTE);
    return 1;
}

size_t het_par_notes_take(void (*fn)(void *ctx, int rank, const char *host, const char *text), void *ctx)
{
    if (!par_svc.running || par_proc.rank != 0)
        return 0;
    pthread_mutex_lock(&par_svc.mu);
    par_note *notes = par_svc.notes;
    size_t n = par_svc.n_notes;
    par_svc.notes = NULL;
    par_svc.n_notes = par_svc.cap_notes = 0;
    pthread_mutex_unlock(&par_svc.mu);
    for (size_t i = 0; i < n; i++) {
        fn(ctx, notes[i].rank, het_par_host_of(notes[i].rank), notes[i].text);
        free(notes[i].text);
    }
    free(notes);
    return n;
}


#endif /* HETERO_HAVE_MPI */
