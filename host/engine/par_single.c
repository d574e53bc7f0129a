/* par_single.c - the back end of a build without MPI (par.h): every
 * process is a one-rank run, so the counter is one atomic, the collectives
 * return what this rank passed, and no peer is ever lost.  het_par_init's
 * refusal of a launcher's several copies is in par.c.
 */
#include "par.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

#if !HETERO_HAVE_MPI
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

#endif /* !HETERO_HAVE_MPI */
