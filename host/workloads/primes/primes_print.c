/* primes_print.c - --print FILE: the primes of the range streamed as
 * decimal lines, in one sieve over the whole range, through a large buffer
 * flushed on line boundaries; to a file renamed into place only when it is
 * whole, or to stdout ("-"), stopping after a whole line when the run is
 * interrupted.
 */
#include "hetero.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "primes_job.h"

/* Streams primes as decimal lines through a large buffer, flushed only on
 * line boundaries. */
typedef struct primes_print_ctx {
    FILE *out;
    int to_stdout;
    const char *name;
    const hetero_job *job;
    char *buf;
    size_t len, cap;
    uint64_t printed;
    uint64_t *tmp; /* decoded primes of one segment */
} primes_print_ctx;

static int primes_print_flush(primes_print_ctx *c)
{
    errno = 0;
    if (c->len && fwrite(c->buf, 1, c->len, c->out) != c->len) {
        int e = errno;
        if (c->to_stdout)
            return hetero_fail(HETERO_E_IO, "--print: writing stdout: %s", e ? strerror(e) : "write error");
        return hetero_fail(HETERO_E_IO, "--print: writing '%s': %s", c->name,
                           e ? strerror(e) : "write error");
    }
    c->len = 0;
    /* asked to stop while we stream: stop here, after whole lines */
    if (hetero_job_cancelled(c->job))
        return hetero_fail(HETERO_E_INTERRUPTED, "interrupted");
    if (c->to_stdout && fflush(c->out) != 0)
        return hetero_fail(HETERO_E_IO, "--print: writing stdout: %s", strerror(errno));
    return HETERO_OK;
}

static int primes_print_one(primes_print_ctx *c, uint64_t v)
{
    char d[24];
    int n = 0;
    if (c->cap - c->len < sizeof d) {
        int rc = primes_print_flush(c);
        if (rc)
            return rc;
    }
    do {
        d[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        c->buf[c->len++] = d[--n];
    c->buf[c->len++] = '\n';
    c->printed++;
    return HETERO_OK;
}

static int primes_print_visit(void *arg, uint64_t first, const uint8_t *bits, size_t nbytes)
{
    primes_print_ctx *c = arg;
    if (hetero_job_cancelled(c->job))
        return primes_print_flush(c); /* whole lines out, then HETERO_E_INTERRUPTED */
    size_t n = het_primes_decode(first, bits, nbytes, c->tmp);
    for (size_t i = 0; i < n; i++) {
        int rc = primes_print_one(c, c->tmp[i]);
        if (rc)
            return rc;
    }
    return 0;
}

/* --print: FILE is written to a temporary file renamed into place only
 * when every prime is in it, so an interrupted or failed run leaves an
 * existing FILE as it was; `-` streams to stdout and, interrupted, stops
 * after a whole line. */
int primes_print_all(hetero_job *job)
{
    const primes_params *p = hetero_job_params(job);
    const primes_state *s = hetero_job_state(job);
    primes_print_ctx c = {.cap = 1u << 20, .job = job, .name = p->print};
    het__primes_sieve *sv = NULL;
    c.to_stdout = strcmp(p->print, "-") == 0;
    c.out = hetero_job_output(job, "--print");
    if (!c.out)
        return hetero_fail(HETERO_E_INTERNAL, "--print: the output is not open");
    int rc = het_primes_sieve_new(&sv);
    if (rc)
        return rc;
    c.buf = malloc(c.cap);
    c.tmp = malloc(8 * (size_t)HET_PRIMES_SEG_BYTES * sizeof *c.tmp);
    if (!c.buf || !c.tmp) {
        rc = hetero_fail(HETERO_E_NOMEM, "--print: out of memory for the output buffer");
        goto out;
    }
    /* one stream over the whole range (2, 3, 5 come first) */
    uint64_t tiny[3], cnt;
    unsigned nt = het_primes_tiny(s->lo, s->hi, tiny);
    for (unsigned k = 0; k < nt && rc == HETERO_OK; k++)
        rc = primes_print_one(&c, tiny[k]);
    if (rc == HETERO_OK)
        rc = het_primes_sieve_range(sv, &s->base, s->lo, s->hi, primes_print_visit, &c, &cnt);
    if (rc == HETERO_OK)
        rc = primes_print_flush(&c);
    if (rc == HETERO_OK && c.printed != s->count)
        rc = hetero_fail(HETERO_E_INTERNAL, "--print: wrote %" PRIu64 " primes but counted %" PRIu64,
                         c.printed, s->count);
out:
    free(c.buf);
    free(c.tmp);
    het_primes_sieve_free(sv);
    return rc;
}
