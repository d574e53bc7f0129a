/* par.c - the MPI back end (see par.h). */
#include "par.h"

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"

#if HETERO_HAVE_MPI
#include <mpi.h>
#endif

static struct {
    int active, rank, size, local_rank, local_size, broken;
    int external; /* the caller initialised MPI, and ends it */
    char host[64];
} het__par = {0, 0, 1, 0, 1, 0, 0, ""};

#if HETERO_HAVE_MPI
static int het__mpi_fail(const char *call, int rc)
{
    char s[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(rc, s, &len) != MPI_SUCCESS)
        snprintf(s, sizeof s, "error %d", rc);
    return hetero_fail(HETERO_E_MPI, "%s on rank %d (%s): %s", call, het__par.rank, het__par.host, s);
}

/* The tags of our point-to-point messages: the gather's run counts and
 * data, finished grains shipped to rank 0's journal, and its answer. */
enum { HET_TAG_COUNT = 5, HET_TAG_DATA = 7, HET_TAG_SHIP = 11, HET_TAG_ACK = 12 };

#define MPI_CHECK(call)                                                                                      \
    do {                                                                                                     \
        int het__rc = (call);                                                                                \
        if (het__rc != MPI_SUCCESS)                                                                          \
            return het__mpi_fail(#call, het__rc);                                                            \
    } while (0)

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
    if (gethostname(het__par.host, sizeof het__par.host) != 0)
        snprintf(het__par.host, sizeof het__par.host, "localhost");
    het__par.host[sizeof het__par.host - 1] = 0;
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
    return het__srun_alone();
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
#endif
    return HETERO_OK;
}

void het_par_finalize(void)
{
#if HETERO_HAVE_MPI
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
const char *het_par_host(void) { return het__par.host[0] ? het__par.host : "localhost"; }

#if HETERO_HAVE_MPI
/* MPI calls made while worker threads run (the counter's, from every
 * worker; checkpoint shipping, from the main thread) take turns: MPI is
 * asked for THREAD_MULTIPLE but MPI_THREAD_SERIALIZED is accepted, and one
 * call at a time per rank keeps the passive-target epochs simple. */
static pthread_mutex_t het__mpi_lock = PTHREAD_MUTEX_INITIALIZER;

struct het_counter {
    _Atomic uint64_t local; /* one-rank runs */
    _Atomic uint64_t done;  /* one-rank runs: items done */
    int mpi;
    MPI_Win win;
    uint64_t *base;
    pthread_mutex_t lock; /* unused: see het__mpi_lock */
};

int het_counter_open(het_counter **out, uint64_t total)
{
    (void)total;
    het_counter *c = calloc(1, sizeof *c);
    if (!c)
        return hetero_fail(HETERO_E_NOMEM, "out of memory for the grain counter");
    pthread_mutex_init(&c->lock, NULL);
    atomic_init(&c->local, 0);
    atomic_init(&c->done, 0);
    if (het__par.active && het__par.size > 1) {
        /* slot 0: the grain counter; slot 1: items done, every rank */
        MPI_Aint bytes = het__par.rank == 0 ? (MPI_Aint)(2 * sizeof(uint64_t)) : 0;
        int rc = MPI_Win_allocate(bytes, sizeof(uint64_t), MPI_INFO_NULL, MPI_COMM_WORLD, &c->base, &c->win);
        if (rc != MPI_SUCCESS) {
            free(c);
            return het__mpi_fail("MPI_Win_allocate", rc);
        }
        if (het__par.rank == 0)
            c->base[0] = c->base[1] = 0;
        if ((rc = MPI_Barrier(MPI_COMM_WORLD)) != MPI_SUCCESS ||
            (rc = MPI_Win_lock_all(MPI_MODE_NOCHECK, c->win)) != MPI_SUCCESS) {
            MPI_Win_free(&c->win);
            free(c);
            return het__mpi_fail("MPI_Win_lock_all", rc);
        }
        c->mpi = 1;
    }
    *out = c;
    return HETERO_OK;
}

int het_counter_take(het_counter *c, uint64_t n, uint64_t *start)
{
    if (!c->mpi) {
        *start = atomic_fetch_add(&c->local, n);
        return HETERO_OK;
    }
    uint64_t got = 0;
    pthread_mutex_lock(&het__mpi_lock);
    int rc = MPI_Fetch_and_op(&n, &got, MPI_UINT64_T, 0, 0, MPI_SUM, c->win);
    if (rc == MPI_SUCCESS)
        rc = MPI_Win_flush(0, c->win);
    pthread_mutex_unlock(&het__mpi_lock);
    if (rc != MPI_SUCCESS)
        return het__mpi_fail("MPI_Fetch_and_op", rc);
    *start = got;
    return HETERO_OK;
}

int het_counter_add_done(het_counter *c, uint64_t items)
{
    if (!c->mpi) {
        atomic_fetch_add(&c->done, items);
        return HETERO_OK;
    }
    uint64_t ignored;
    pthread_mutex_lock(&het__mpi_lock);
    int rc = MPI_Fetch_and_op(&items, &ignored, MPI_UINT64_T, 0, 1, MPI_SUM, c->win);
    if (rc == MPI_SUCCESS)
        rc = MPI_Win_flush(0, c->win);
    pthread_mutex_unlock(&het__mpi_lock);
    return rc == MPI_SUCCESS ? HETERO_OK : het__mpi_fail("MPI_Fetch_and_op", rc);
}

uint64_t het_counter_done(het_counter *c)
{
    if (!c->mpi)
        return atomic_load(&c->done);
    uint64_t got = 0, none = 0;
    pthread_mutex_lock(&het__mpi_lock);
    /* progress only: a failed read shows 0 more, and the run's own calls
     * report the failure */
    if (MPI_Fetch_and_op(&none, &got, MPI_UINT64_T, 0, 1, MPI_NO_OP, c->win) != MPI_SUCCESS ||
        MPI_Win_flush(0, c->win) != MPI_SUCCESS)
        got = 0;
    pthread_mutex_unlock(&het__mpi_lock);
    return got;
}

void het_counter_close(het_counter *c)
{
    if (!c)
        return;
    if (c->mpi) {
        MPI_Win_unlock_all(c->win);
        MPI_Win_free(&c->win);
    }
    pthread_mutex_destroy(&c->lock);
    free(c);
}

void het_counter_abandon(het_counter *c)
{
    if (!c)
        return;
    pthread_mutex_destroy(&c->lock);
    free(c);
}

int het_par_agree(int code, char *msg, size_t msg_size)
{
    if (!het__par.active || het__par.size == 1)
        return code;
    /* MINLOC over (ok ? 1 : 0, rank) finds the lowest failing rank: ties
     * in the value go to the lower rank. */
    struct {
        int ok, rank;
    } mine = {code < 0 ? 0 : 1, het__par.rank}, first;
    MPI_CHECK(MPI_Allreduce(&mine, &first, 1, MPI_2INT, MPI_MINLOC, MPI_COMM_WORLD));
    if (first.ok == 1)
        return HETERO_OK; /* nobody failed */
    int fail_code = code;
    MPI_CHECK(MPI_Bcast(&fail_code, 1, MPI_INT, first.rank, MPI_COMM_WORLD));
    char buf[HETERO_MSG_MAX];
    char host[64];
    snprintf(buf, sizeof buf, "%s", msg ? msg : "");
    snprintf(host, sizeof host, "%s", het__par.host);
    MPI_CHECK(MPI_Bcast(buf, sizeof buf, MPI_CHAR, first.rank, MPI_COMM_WORLD));
    MPI_CHECK(MPI_Bcast(host, sizeof host, MPI_CHAR, first.rank, MPI_COMM_WORLD));
    if (msg && msg_size) {
        /* a message that already names its rank is not prefixed twice */
        char tag[32];
        snprintf(tag, sizeof tag, "rank %d", first.rank);
        if (strstr(buf, tag))
            snprintf(msg, msg_size, "%s", buf);
        else
            snprintf(msg, msg_size, "rank %d (%s): %s", first.rank, host, buf);
    }
    return fail_code;
}

/* Sends or receives `bytes` bytes in pieces MPI's int counts can carry. */
static int het__send_bytes(const void *p, size_t bytes, int to)
{
    const char *c = p;
    while (bytes) {
        int piece = bytes > (size_t)INT_MAX ? INT_MAX : (int)bytes;
        MPI_CHECK(MPI_Send(c, piece, MPI_BYTE, to, HET_TAG_DATA, MPI_COMM_WORLD));
        c += piece;
        bytes -= (size_t)piece;
    }
    return HETERO_OK;
}

static int het__recv_bytes(void *p, size_t bytes, int from)
{
    char *c = p;
    while (bytes) {
        int piece = bytes > (size_t)INT_MAX ? INT_MAX : (int)bytes;
        MPI_CHECK(MPI_Recv(c, piece, MPI_BYTE, from, HET_TAG_DATA, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
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
        MPI_CHECK(MPI_Send(&mine, 1, MPI_UINT64_T, 0, HET_TAG_COUNT, MPI_COMM_WORLD));
        if (n_batches)
            rc = het__send_bytes(batches, n_batches * 2 * sizeof(uint64_t), 0);
        /* the batches' data in batch order, each contiguous in `all` */
        for (size_t i = 0; rc == HETERO_OK && i < n_batches; i++)
            rc = het__send_bytes(base + batches[2 * i] * psize, batches[2 * i + 1] * psize, 0);
        return rc;
    }
    for (int r = 1; r < het__par.size && rc == HETERO_OK; r++) {
        uint64_t nb = 0;
        MPI_CHECK(MPI_Recv(&nb, 1, MPI_UINT64_T, r, HET_TAG_COUNT, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        if (!nb)
            continue;
        uint64_t *b = malloc(nb * 2 * sizeof *b);
        if (!b)
            return hetero_fail(HETERO_E_NOMEM, "out of memory gathering partials from rank %d", r);
        rc = het__recv_bytes(b, nb * 2 * sizeof *b, r);
        for (uint64_t i = 0; rc == HETERO_OK && i < nb; i++)
            rc = het__recv_bytes(base + b[2 * i] * psize, b[2 * i + 1] * psize, r);
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
    }
    MPI_CHECK(MPI_Gather(&n, 1, MPI_INT, counts, 1, MPI_INT, 0, MPI_COMM_WORLD));
    size_t total = 0;
    if (het__par.rank == 0) {
        for (int r = 0; r < het__par.size; r++) {
            displs[r] = (int)total;
            total += (size_t)counts[r];
        }
        buf = malloc(total + 1);
    }
    int rc = MPI_Gatherv(mine, n, MPI_BYTE, buf, counts, displs, MPI_BYTE, 0, MPI_COMM_WORLD);
    free(counts);
    free(displs);
    if (rc != MPI_SUCCESS) {
        free(buf);
        return het__mpi_fail("MPI_Gatherv", rc);
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
        MPI_CHECK(MPI_Bcast(c, piece, MPI_BYTE, 0, MPI_COMM_WORLD));
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
    pthread_mutex_lock(&het__mpi_lock);
    int rc = MPI_Send(buf, (int)bytes, MPI_BYTE, 0, HET_TAG_SHIP, MPI_COMM_WORLD);
    pthread_mutex_unlock(&het__mpi_lock);
    free(buf);
    return rc == MPI_SUCCESS ? HETERO_OK : het__mpi_fail("MPI_Send (finished grains to rank 0)", rc);
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
        MPI_CHECK(MPI_Get_count(&st, MPI_BYTE, &count));
        char *buf = malloc(count > 0 ? (size_t)count : 1);
        if (!buf)
            return hetero_fail(HETERO_E_NOMEM, "out of memory receiving finished grains");
        pthread_mutex_lock(&het__mpi_lock);
        int rc = MPI_Recv(buf, count, MPI_BYTE, st.MPI_SOURCE, HET_TAG_SHIP, MPI_COMM_WORLD,
                          MPI_STATUS_IGNORE);
        pthread_mutex_unlock(&het__mpi_lock);
        if (rc != MPI_SUCCESS) {
            free(buf);
            return het__mpi_fail("MPI_Recv (finished grains)", rc);
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
        if (rc != MPI_SUCCESS)
            return 0;
        if (flag)
            return 1;
        usleep(5000);
    }
    return 0;
}

int het_par_same_u64(uint64_t v)
{
    if (!het__par.active || het__par.size == 1)
        return 1;
    uint64_t lo = v, hi = v;
    int rc = MPI_Allreduce(&v, &lo, 1, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD);
    if (rc == MPI_SUCCESS)
        rc = MPI_Allreduce(&v, &hi, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
    if (rc != MPI_SUCCESS)
        return het__mpi_fail("MPI_Allreduce", rc);
    return lo == hi;
}

double het_par_max(double v)
{
    if (!het__par.active || het__par.size == 1)
        return v;
    double m = v;
    /* a failure leaves this rank's own value: the bench's timing only */
    if (MPI_Allreduce(&v, &m, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD) != MPI_SUCCESS)
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
