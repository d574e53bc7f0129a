/* par_collect.c - what the ranks do together under MPI (par.h): the
 * grain counter (rank 0's atomic, served to the others by the service
 * thread), the agreement on errors, the gathers of partials and records,
 * the broadcast, the shipping of finished grains to rank 0's journal and
 * its acknowledgement, and the collectives same_u64 and max.  Each waits
 * through par_wait, so a lost peer ends it.
 */
#include "par.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "par_int.h"

#if HETERO_HAVE_MPI
/* Starts a non-blocking call under the lock and waits for it. */
#define HET__START_WAIT(name, call)                                                                          \
    do {                                                                                                     \
        MPI_Request het__r;                                                                                  \
        pthread_mutex_lock(&par_mpi_lock);                                                                   \
        int het__rc = (call);                                                                                \
        pthread_mutex_unlock(&par_mpi_lock);                                                                 \
        if (het__rc != MPI_SUCCESS)                                                                          \
            return par_mpi_fail(name, het__rc);                                                              \
        int het__w = par_wait(&het__r, name);                                                                \
        if (het__w)                                                                                          \
            return het__w;                                                                                   \
    } while (0)

/* ---- the grain counter ---------------------------------------------- */

int het_counter_open(het_counter **out, uint64_t total)
{
    (void)total;
    het_counter *c = calloc(1, sizeof *c);
    if (!c)
        return hetero_fail(HETERO_E_NOMEM, "out of memory for the grain counter");
    atomic_init(&c->next, 0);
    atomic_init(&c->done, 0);
    if (par_svc.running) {
        pthread_mutex_lock(&par_svc.mu);
        par_svc.counter = c;
        if (par_proc.rank == 0)
            memset(par_svc.done_of, 0, (size_t)par_proc.size * sizeof *par_svc.done_of);
        pthread_mutex_unlock(&par_svc.mu);
        c->mpi = 1;
        /* no rank asks before rank 0 serves this counter */
        MPI_Request r;
        pthread_mutex_lock(&par_mpi_lock);
        int rc = MPI_Ibarrier(MPI_COMM_WORLD, &r);
        pthread_mutex_unlock(&par_mpi_lock);
        if (rc == MPI_SUCCESS)
            rc = par_wait(&r, "MPI_Ibarrier (opening the grain counter)");
        else
            rc = par_mpi_fail("MPI_Ibarrier (opening the grain counter)", rc);
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
    if (!c->mpi || par_proc.rank == 0) {
        *start = atomic_fetch_add(&c->next, n);
        return HETERO_OK;
    }
    /* ask the service, which asks rank 0, and wait for the grant */
    pthread_mutex_lock(&par_svc.mu);
    int slot = -1;
    while (slot < 0 && par_svc.lost < 0) {
        for (int i = 0; i < PAR_MAX_REQ && slot < 0; i++)
            if (par_svc.req[i].state == 0)
                slot = i;
        if (slot < 0)
            pthread_cond_wait(&par_svc.cv, &par_svc.mu);
    }
    if (slot >= 0) {
        par_svc.req[slot] = (par_req){++par_svc.seq, n, 0, 1};
        pthread_cond_broadcast(&par_svc.cv);
        while (par_svc.req[slot].state != 3 && par_svc.lost < 0)
            pthread_cond_wait(&par_svc.cv, &par_svc.mu);
        *start = par_svc.req[slot].start;
        par_svc.req[slot].state = par_svc.req[slot].state == 3 ? 0 : par_svc.req[slot].state;
    }
    int lost = par_svc.lost >= 0;
    pthread_mutex_unlock(&par_svc.mu);
    return lost ? par_lost_fail() : HETERO_OK;
}

int het_counter_add_done(het_counter *c, uint64_t items)
{
    atomic_fetch_add(&c->done, items);
    return HETERO_OK;
}

uint64_t het_counter_done(het_counter *c)
{
    uint64_t sum = atomic_load(&c->done);
    if (c->mpi && par_proc.rank == 0) {
        pthread_mutex_lock(&par_svc.mu);
        for (int r = 1; r < par_proc.size; r++)
            sum += par_svc.done_of[r];
        pthread_mutex_unlock(&par_svc.mu);
    }
    return sum;
}

static void het__counter_forget(het_counter *c)
{
    if (c->mpi && par_svc.running) {
        pthread_mutex_lock(&par_svc.mu);
        if (par_svc.counter == c)
            par_svc.counter = NULL;
        pthread_mutex_unlock(&par_svc.mu);
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
        pthread_mutex_lock(&par_mpi_lock);
        int rc = MPI_Ibarrier(MPI_COMM_WORLD, &r);
        pthread_mutex_unlock(&par_mpi_lock);
        if (rc == MPI_SUCCESS)
            (void)par_wait(&r, "MPI_Ibarrier"); /* a failure here is the run's last; nothing depends on it */
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
    if (!par_proc.active || par_proc.size == 1)
        return code;
    /* MINLOC over (ok ? 1 : 0, rank) finds the lowest failing rank: ties
     * in the value go to the lower rank. */
    struct {
        int ok, rank;
    } mine = {code < 0 ? 0 : 1, par_proc.rank}, first;
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
            snprintf(msg, msg_size, "rank %d (%s): %s", first.rank, het_par_host_of(first.rank), buf);
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
    if (!par_proc.active || par_proc.size == 1)
        return HETERO_OK;
    char *base = all;
    uint64_t mine = n_batches;
    int rc = HETERO_OK;
    if (par_proc.rank != 0) {
        rc = het__send_bytes(&mine, sizeof mine, 0, PAR_TAG_COUNT);
        if (rc == HETERO_OK && n_batches)
            rc = het__send_bytes(batches, n_batches * 2 * sizeof(uint64_t), 0, PAR_TAG_DATA);
        /* the batches' data in batch order, each contiguous in `all` */
        for (size_t i = 0; rc == HETERO_OK && i < n_batches; i++)
            rc = het__send_bytes(base + batches[2 * i] * psize, batches[2 * i + 1] * psize, 0, PAR_TAG_DATA);
        return rc;
    }
    for (int r = 1; r < par_proc.size && rc == HETERO_OK; r++) {
        uint64_t nb = 0;
        if ((rc = het__recv_bytes(&nb, sizeof nb, r, PAR_TAG_COUNT)) || !nb)
            continue;
        uint64_t *b = malloc(nb * 2 * sizeof *b);
        if (!b)
            return hetero_fail(HETERO_E_NOMEM, "out of memory gathering partials from rank %d", r);
        rc = het__recv_bytes(b, nb * 2 * sizeof *b, r, PAR_TAG_DATA);
        for (uint64_t i = 0; rc == HETERO_OK && i < nb; i++)
            rc = het__recv_bytes(base + b[2 * i] * psize, b[2 * i + 1] * psize, r, PAR_TAG_DATA);
        free(b);
    }
    return rc;
}

int het_par_gather_records(const void *mine, size_t count, size_t size, void **out, size_t *out_count)
{
    *out = NULL;
    *out_count = 0;
    if (!par_proc.active || par_proc.size == 1) {
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
    if (par_proc.rank == 0) {
        counts = calloc((size_t)par_proc.size, sizeof *counts);
        displs = calloc((size_t)par_proc.size, sizeof *displs);
        if (!counts || !displs) {
            free(counts);
            free(displs);
            return hetero_fail(HETERO_E_NOMEM, "out of memory gathering the report");
        }
    }
    int rc;
    MPI_Request r;
    pthread_mutex_lock(&par_mpi_lock);
    rc = MPI_Igather(&n, 1, MPI_INT, counts, 1, MPI_INT, 0, MPI_COMM_WORLD, &r);
    pthread_mutex_unlock(&par_mpi_lock);
    rc = rc == MPI_SUCCESS ? par_wait(&r, "MPI_Gather") : par_mpi_fail("MPI_Gather", rc);
    size_t total = 0;
    if (rc == HETERO_OK && par_proc.rank == 0) {
        for (int k = 0; k < par_proc.size; k++) {
            displs[k] = (int)total;
            total += (size_t)counts[k];
        }
        buf = malloc(total + 1);
        /* without the memory, rank 0 still takes part: the others would
         * wait in the gather; it fails after */
    }
    if (rc == HETERO_OK) {
        char dummy;
        pthread_mutex_lock(&par_mpi_lock);
        rc = MPI_Igatherv(mine, n, MPI_BYTE, buf ? buf : &dummy, counts, displs, MPI_BYTE, 0, MPI_COMM_WORLD,
                          &r);
        pthread_mutex_unlock(&par_mpi_lock);
        rc = rc == MPI_SUCCESS ? par_wait(&r, "MPI_Gatherv") : par_mpi_fail("MPI_Gatherv", rc);
    }
    free(counts);
    free(displs);
    if (rc == HETERO_OK && par_proc.rank == 0 && !buf && total)
        rc = hetero_fail(HETERO_E_NOMEM, "out of memory gathering the report");
    if (rc) {
        free(buf);
        return rc;
    }
    if (par_proc.rank == 0) {
        *out = buf;
        *out_count = total / size;
    }
    return HETERO_OK;
}

int het_par_bcast(void *p, size_t n)
{
    if (!par_proc.active || par_proc.size == 1)
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
    if (!par_proc.active || par_proc.size == 1 || par_proc.rank == 0)
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
    int rc = het__send_bytes(buf, bytes, 0, PAR_TAG_SHIP);
    free(buf);
    return rc;
}

int het_par_receive_shipped(void *partials, size_t psize, uint64_t n_grains,
                            void (*got)(void *ctx, uint64_t g0, uint64_t n), void *ctx, int *finished)
{
    if (!par_proc.active || par_proc.size == 1 || par_proc.rank != 0)
        return HETERO_OK;
    for (;;) {
        int flag = 0;
        MPI_Status st;
        pthread_mutex_lock(&par_mpi_lock);
        int prc = MPI_Iprobe(MPI_ANY_SOURCE, PAR_TAG_SHIP, MPI_COMM_WORLD, &flag, &st);
        pthread_mutex_unlock(&par_mpi_lock);
        if (prc != MPI_SUCCESS)
            return par_mpi_fail("MPI_Iprobe", prc);
        if (!flag)
            return HETERO_OK;
        int count = 0;
        MPI_Get_count(&st, MPI_BYTE, &count);
        char *buf = malloc(count > 0 ? (size_t)count : 1);
        if (!buf)
            return hetero_fail(HETERO_E_NOMEM, "out of memory receiving finished grains");
        int rc = het__recv_bytes(buf, (size_t)count, st.MPI_SOURCE, PAR_TAG_SHIP);
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
    if (!par_proc.active || par_proc.size == 1 || par_proc.rank != 0)
        return;
    pthread_mutex_lock(&par_mpi_lock);
    for (int r = 1; r < par_proc.size; r++) {
        MPI_Request req;
        if (MPI_Isend(NULL, 0, MPI_BYTE, r, PAR_TAG_ACK, MPI_COMM_WORLD, &req) == MPI_SUCCESS)
            MPI_Request_free(&req);
    }
    pthread_mutex_unlock(&par_mpi_lock);
}

int het_par_wait_ack(double seconds)
{
    if (!par_proc.active || par_proc.size == 1 || par_proc.rank == 0)
        return 1;
    for (double waited = 0; waited < seconds; waited += 0.005) {
        int flag = 0;
        pthread_mutex_lock(&par_mpi_lock);
        int rc = MPI_Iprobe(0, PAR_TAG_ACK, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
        if (rc == MPI_SUCCESS && flag)
            rc = MPI_Recv(NULL, 0, MPI_BYTE, 0, PAR_TAG_ACK, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        pthread_mutex_unlock(&par_mpi_lock);
        if (rc != MPI_SUCCESS || het_par_lost() >= 0)
            return 0;
        if (flag)
            return 1;
        par_nap(5000);
    }
    return 0;
}

int het_par_same_u64(uint64_t v)
{
    if (!par_proc.active || par_proc.size == 1)
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
    if (!par_proc.active || par_proc.size == 1)
        return v;
    double m = v;
    /* a failure leaves this rank's own value: the bench's timing only */
    if (het__max(v, &m) != HETERO_OK)
        m = v;
    return m;
}

#endif /* HETERO_HAVE_MPI */
