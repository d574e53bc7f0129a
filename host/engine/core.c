/* core.c - the engine's reference count, clock, waits and notices
 * (engine_int.h), and the freeing of a report's rows (engine.h). */
#include "engine_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void eng_copy(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

double eng_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

void eng_unref(het_engine *e)
{
    if (atomic_fetch_sub(&e->refs, 1) != 1)
        return;
    pthread_cond_destroy(&e->cond);
    pthread_mutex_destroy(&e->lock);
    free(e->retry);
    free(e->rem);
    free(e->rem_at);
    free(e->sched.w);
    free(e->w);
    free(e->partials);
    free(e->done);
    free(e->owner);
    free(e->base);
    free(e);
}

void eng_timed_wait(het_engine *e, double seconds)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    long ns = ts.tv_nsec + (long)(seconds * 1e9);
    ts.tv_sec += ns / 1000000000L;
    ts.tv_nsec = ns % 1000000000L;
    pthread_cond_timedwait(&e->cond, &e->lock, &ts);
}

void eng_notice(const hetero_job *job, const char *fmt, ...)
{
    if (!job->notice || job->run.quiet) /* --quiet: no notices, to any callback */
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (het_par_size() == 1) {
        job->notice(job->notice_ctx, line);
    } else if (!het_par_note(line)) {
        char full[1100];
        snprintf(full, sizeof full, "rank %d (%s): %s", het_par_rank(), het_par_host(), line);
        job->notice(job->notice_ctx, full);
    }
}

static void het__remote_notice(void *ctx, int rank, const char *host, const char *text)
{
    const hetero_job *job = ctx;
    char full[1200];
    snprintf(full, sizeof full, "rank %d (%s): %s", rank, host, text);
    job->notice(job->notice_ctx, full);
}

void eng_remote_notices(const hetero_job *job)
{
    if (job->notice && !job->run.quiet)
        het_par_notes_take(het__remote_notice, (void *)job);
}

int eng_agree(int rc, char *msg)
{
    if (rc)
        snprintf(msg, HETERO_MSG_MAX, "%s", hetero_errmsg());
    else
        msg[0] = 0;
    return het_par_agree(rc, msg, HETERO_MSG_MAX);
}

void het_report_free(hetero_report *rep)
{
    free(rep->workers);
    free(rep->ranks);
    rep->workers = NULL;
    rep->ranks = NULL;
    rep->n_workers = 0;
    rep->n_ranks = 0;
}
