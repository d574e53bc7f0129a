/* stragglers.c - stragglers yield the cores (engine_int.h).
 *
 * A straggler (a device whose first batch is out for many of another
 * worker's waves, or, on the team's cores, longer than the team would take
 * for it) has its host thread set to the lowest priority at once, and the
 * main thread then does the same to every thread of the process that has
 * used CPU time since the compute phase began and belongs to no running
 * job (a process-wide list holds every job's main, worker and OpenMP team
 * threads): a device runtime that computes on the host's cores (PoCL's
 * pool, Oclgrind's workers) then leaves them to the workers copying its
 * grains.  Also here: the device threads a run leaves behind inside a
 * driver call, counted process-wide.
 */
#include "engine_int.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* ---- the process's own threads ------------------------------------------ */

/* The threads of every job running in this process (its main thread, its
 * workers' and its OpenMP teams'): a straggler's demotion never touches
 * them, whichever job's straggler it is.  An id that does not fit turns
 * the demotion of foreign threads off (het__own_full). */
static pthread_mutex_t het__own_lock = PTHREAD_MUTEX_INITIALIZER;
static long het__own[HET_MAX_OWN_THREADS];
static size_t het__n_own;
static int het__own_full;

void eng_own_thread(het_engine *e, long tid)
{
    pthread_mutex_lock(&het__own_lock);
    int known = 0;
    for (size_t i = 0; i < het__n_own && !known; i++)
        known = het__own[i] == tid;
    if (!known) {
        if (het__n_own < HET_MAX_OWN_THREADS && e->n_own < HET_MAX_OWN_THREADS) {
            het__own[het__n_own++] = tid;
            e->own_tids[e->n_own++] = tid;
        } else {
            het__own_full = 1;
        }
    }
    pthread_mutex_unlock(&het__own_lock);
}

void eng_own_release(het_engine *e)
{
    pthread_mutex_lock(&het__own_lock);
    for (size_t k = 0; k < e->n_own; k++)
        for (size_t i = 0; i < het__n_own; i++)
            if (het__own[i] == e->own_tids[k]) {
                het__own[i] = het__own[--het__n_own];
                break;
            }
    e->n_own = 0;
    if (het__n_own == 0)
        het__own_full = 0;
    pthread_mutex_unlock(&het__own_lock);
}

static int het__is_own(long tid)
{
    pthread_mutex_lock(&het__own_lock);
    int own = het__own_full;
    for (size_t i = 0; i < het__n_own && !own; i++)
        own = het__own[i] == tid;
    pthread_mutex_unlock(&het__own_lock);
    return own;
}

/* ---- every thread's CPU time (/proc) ---------------------------------------- */

/* CPU time (clock ticks) thread tid of this process has used; -1 if it
 * cannot be read. */
static long het__thread_ticks(long tid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/self/task/%ld/stat", tid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    (void)fclose(f); /* read only: nothing to lose */
    buf[len] = 0;
    /* after the name's closing parenthesis: state, then utime and stime
     * are fields 14 and 15 of the line */
    const char *p = strrchr(buf, ')');
    unsigned long utime, stime;
    if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
        return -1;
    return (long)(utime + stime);
}

typedef struct het_ticks {
    long tid, ticks;
} het_ticks;

/* Calls fn(e, tid) for every thread of the process. */
static void het__each_thread(het_engine *e, void (*fn)(het_engine *e, long tid))
{
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        char *end;
        long tid = strtol(de->d_name, &end, 10);
        if (tid > 0 && !*end)
            fn(e, tid);
    }
    closedir(d);
}

static void het__note_base(het_engine *e, long tid)
{
    long t = het__thread_ticks(tid);
    het_ticks *b = realloc(e->base, (e->n_base + 1) * sizeof *b);
    if (!b || t < 0) {
        e->base = b ? b : e->base;
        return;
    }
    e->base = b;
    e->base[e->n_base++] = (het_ticks){tid, t};
}

void eng_ticks_base(het_engine *e) { het__each_thread(e, het__note_base); }

/* ---- demotion ------------------------------------------------------------------ */

static void het__demote_one(het_engine *e, long tid)
{
    if (het__is_own(tid))
        return;
    long now = het__thread_ticks(tid), then = 0;
    for (size_t i = 0; i < e->n_base; i++)
        if (e->base[i].tid == tid)
            then = e->base[i].ticks;
    if (now < 0 || now - then < HET_FOREIGN_BUSY_TICKS)
        return;
    errno = 0;
    if (getpriority(PRIO_PROCESS, (id_t)tid) == 19 && errno == 0)
        return;
    int rc = setpriority(PRIO_PROCESS, (id_t)tid, 19);
    if (e->debug)
        fprintf(stderr, "hetero: demote rank %d a device runtime's thread %ld: %s\n", het_par_rank(), tid,
                rc == 0 ? "lowest priority" : strerror(errno));
}

/* A straggler's device may compute on the host's cores in threads of its
 * runtime (PoCL's pool, a simulator's workers), not in the thread that
 * drives it: every thread of the process that is no running job's own and
 * has used CPU time since this run's compute phase began (an idle one,
 * such as MPI's progress thread or a program's thread that waits, is left
 * alone) gets the lowest priority, so that the workers copying the
 * straggler's grains have the cores. */
void eng_demote_foreign(het_engine *e) { het__each_thread(e, het__demote_one); }

/* Once per worker; the main thread demotes the device runtime's busy
 * threads next (foreign_pending). */
void eng_demote(het_worker *w)
{
    long tid = atomic_load(&w->tid);
    if (!w->dev.ops || w->demoted || tid <= 0 || !w->started || w->finished)
        return;
    w->demoted = 1;
    w->e->foreign_pending = 1;
    int rc = setpriority(PRIO_PROCESS, (id_t)tid, 19);
    if (w->e->debug)
        fprintf(stderr, "hetero: demote rank %d %-8s (thread %ld): %s\n", het_par_rank(), w->st.id, tid,
                rc == 0 ? "lowest priority" : strerror(errno));
}

/* A device whose first batch is still out after many of another worker's
 * waves is a straggler: its thread yields the cores.  A device on the
 * team's cores, as soon as the team would have finished that batch
 * itself: it is slower than the team, will take no more grains, and slows
 * the team while its batch runs. */
void eng_find_stragglers(het_engine *e, double now)
{
    double fastest_wave = INFINITY;
    for (size_t i = 0; i < e->nw; i++) {
        double t = het_sched_batch_time(&e->sched.w[i], e->sched.w[i].width);
        if (t < fastest_wave)
            fastest_wave = t;
    }
    double team_rate = 0;
    for (size_t i = 0; i < e->nw; i++)
        if (e->sched.w[i].team && e->sched.w[i].taking)
            team_rate += e->sched.w[i].rate;
    for (size_t i = 0; i < e->nw; i++) {
        const het_sched_worker *sw = &e->sched.w[i];
        if (sw->rate > 0 || !sw->n_flight)
            continue;
        double out = now - sw->flight[0].t_start;
        if ((out > HET_DEMOTE_WAVES * fastest_wave && out > HET_DEMOTE_AFTER_S) ||
            (sw->on_team_cores && team_rate > 0 && out > (double)sw->flight[0].n / team_rate))
            eng_demote(&e->w[i]);
    }
}

/* ---- threads and batches left behind ------------------------------------------ */

int het_engine_threads_left(void) { return het_device_held(); }

void eng_leave_behind(het_worker *w)
{
    w->detached = 1;
    het_device_hold();
}

void eng_left_behind_done(void) { het_device_done(); }
