/* engine.c - the scheduler: workers pull batches of grains from one
 * counter, compute them into the job's partials array, and the partials
 * merge in grain order on rank 0 (see DESIGN.md, Scheduling).
 *
 * Threads: one host thread per worker (the OpenMP team is one worker whose
 * thread opens a parallel region per batch; each OpenCL device has its own
 * thread that keeps two batches in flight).  The main thread waits, shows
 * progress, and does every collective MPI call.
 */
#include "engine.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "devices.h"
#include "format.h"
#include "hcl.h"
#include "par.h"

#define HET_DEFAULT_BATCH_S 0.05
/* Device buffers for one in-flight batch are capped at this size. */
#define HET_MAX_OUT_BYTES (64u << 20)

double het_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct het_engine het_engine;

typedef struct het_worker {
    het_engine *e;
    int is_cl;
    hcl_info info;
    hcl_device dev;
    cl_program prog;
    cl_kernel kern;
    cl_mem out[2];
    cl_mem bufs[HET_MAX_KARGS];
    size_t n_bufs;
    size_t local;
    uint64_t max_batch;
    int threads;
    het_worker_stats st;
    double rate;               /* grains per second, smoothed */
    double rate_grains, rate_time;
    int err;
    char msg[HET_MSG_MAX];
    uint64_t *batches;         /* (g0, n) pairs this worker computed */
    size_t n_batches, cap_batches;
    int from_cache;
    uint64_t jitter;           /* test seam: xorshift state, 0 = off */
    double t_done;             /* when this worker stopped computing */
    pthread_t th;
} het_worker;

struct het_engine {
    het_job *job;
    het_counter *counter;
    unsigned char *partials;
    het_worker *w;
    size_t nw;
    double target_s;
    double t_compute0;
    /* Phases: workers set up, report in (n_setup), and wait for `go`. */
    pthread_mutex_t phase_lock;
    pthread_cond_t phase_cond;
    size_t n_setup;
    int go;
    _Atomic int stop;          /* a worker failed: everyone stops taking */
    _Atomic int abort_run;     /* set before `go`: skip the compute phase */
    _Atomic uint64_t claimed;  /* highest grain index handed out, as seen here */
    _Atomic uint64_t done_items;
    _Atomic int finished;
    int debug;                 /* HETERO_DEBUG_SCHED: one stderr line per batch */
};

/* ---- batches ---------------------------------------------------------- */

/* How many grains to ask for: enough for target_s at this worker's rate,
 * but no more than its share of half the time the whole job has left
 * (estimated from how fast the counter moves, which counts every rank), so
 * batches shrink toward the end and all workers finish together. */
static uint64_t het__batch_size(het_engine *e, het_worker *w)
{
    if (w->jitter) {
        w->jitter ^= w->jitter << 13;
        w->jitter ^= w->jitter >> 7;
        w->jitter ^= w->jitter << 17;
        uint64_t n = 1 + w->jitter % 64;
        return n < w->max_batch ? n : w->max_batch;
    }
    if (w->rate <= 0)
        return 1; /* the probe: one grain measures the rate */
    uint64_t total = e->job->n_grains;
    double n = w->rate * e->target_s;
    uint64_t claimed = atomic_load(&e->claimed);
    double remaining = claimed < total ? (double)(total - claimed) : 0;
    double elapsed = het_now() - e->t_compute0;
    double grate = elapsed > 0 ? (double)claimed / elapsed : 0;
    if (grate < w->rate)
        grate = w->rate;
    double cap = w->rate * (remaining / grate) * 0.5;
    if (n > cap)
        n = cap;
    if (n < 1)
        n = 1;
    if (n > (double)w->max_batch)
        n = (double)w->max_batch;
    return (uint64_t)n;
}

/* 1: got [*g0, *g0 + *n); 0: no grains left (or the run is stopping);
 * negative: the counter failed. */
static int het__take(het_engine *e, het_worker *w, uint64_t *g0, uint64_t *n)
{
    uint64_t total = e->job->n_grains;
    if (atomic_load(&e->stop))
        return 0;
    uint64_t want = het__batch_size(e, w), start;
    int rc = het_counter_take(e->counter, want, &start);
    if (rc)
        return rc;
    uint64_t seen = atomic_load(&e->claimed), end = start + want;
    while (seen < end && !atomic_compare_exchange_weak(&e->claimed, &seen, end))
        ;
    if (start >= total)
        return 0;
    *g0 = start;
    *n = want < total - start ? want : total - start;
    return 1;
}

static int het__record(het_worker *w, uint64_t g0, uint64_t n, double dt)
{
    het_engine *e = w->e;
    if (w->n_batches == w->cap_batches) {
        size_t cap = w->cap_batches ? 2 * w->cap_batches : 64;
        uint64_t *b = realloc(w->batches, cap * 2 * sizeof *b);
        if (!b)
            return het_fail(HET_E_NOMEM, "out of memory recording batches");
        w->batches = b;
        w->cap_batches = cap;
    }
    if (e->debug)
        fprintf(stderr, "hetero: batch rank %d %-8s t=%.4f g0=%llu n=%llu dt=%.4f rate=%.1f\n",
                het_par_rank(), w->st.id, het_now() - e->t_compute0, (unsigned long long)g0,
                (unsigned long long)n, dt, w->rate);
    w->batches[2 * w->n_batches] = g0;
    w->batches[2 * w->n_batches + 1] = n;
    w->n_batches++;
    uint64_t items = e->job->wl->items(e->job, g0, n);
    w->st.grains += n;
    w->st.items += items;
    w->st.batches++;
    w->st.busy_s += dt;
    /* Rate = grains over time, both decayed by half per batch: a batch
     * that finishes right behind its pipelined predecessor (dt near 0)
     * adds its grains without making the rate jump. */
    w->rate_grains = 0.5 * w->rate_grains + (double)n;
    w->rate_time = 0.5 * w->rate_time + dt;
    if (w->rate_time > 0)
        w->rate = w->rate_grains / w->rate_time;
    atomic_fetch_add(&e->done_items, items);
    return HET_OK;
}

/* A failing worker keeps its message, stops its own rank's workers and
 * drains the global counter so the other ranks stop too. */
static void het__worker_fail(het_worker *w, int rc)
{
    het_engine *e = w->e;
    w->err = rc;
    snprintf(w->msg, sizeof w->msg, "%s", het_errmsg());
    atomic_store(&e->stop, 1);
    uint64_t ignored;
    het_counter_take(e->counter, e->job->n_grains, &ignored);
}

/* ---- the OpenMP worker ------------------------------------------------ */

static int het__omp_compute(het_worker *w)
{
    het_engine *e = w->e;
    const het_job *job = e->job;
    uint64_t g0, n;
    int got;
    while ((got = het__take(e, w, &g0, &n)) == 1) {
        double t0 = het_now();
        int rc = job->wl->cpu_batch(job, g0, n, e->partials + g0 * job->partial_size, w->threads);
        if (rc)
            return rc;
        if ((rc = het__record(w, g0, n, het_now() - t0)))
            return rc;
    }
    return got;
}

/* ---- an OpenCL worker ------------------------------------------------- */

static int het__cl_setup(het_worker *w)
{
    het_engine *e = w->e;
    const het_job *job = e->job;
    const het_workload *wl = job->wl;
    int rc;
    if ((rc = hcl_open(&w->dev, &w->info)))
        return rc;
    if ((rc = hcl_build(&w->dev, wl->kernel_source, wl->build_options, &w->prog, &w->from_cache)))
        return rc;
    if ((rc = hcl_kernel(&w->dev, w->prog, wl->kernel_name, &w->kern)))
        return rc;
    het_karg ka[HET_MAX_KARGS];
    hcl_arg args[HET_MAX_KARGS];
    size_t na = wl->cl_args(job, ka, HET_MAX_KARGS);
    for (size_t i = 0; i < na; i++) {
        switch (ka[i].kind) {
        case HET_KARG_U32: args[i] = (hcl_arg){.kind = HCL_ARG_U32, .u.u32 = ka[i].v.u32}; break;
        case HET_KARG_U64: args[i] = (hcl_arg){.kind = HCL_ARG_U64, .u.u64 = ka[i].v.u64}; break;
        case HET_KARG_F64: args[i] = (hcl_arg){.kind = HCL_ARG_F64, .u.f64 = ka[i].v.f64}; break;
        case HET_KARG_LOCAL: args[i] = (hcl_arg){.kind = HCL_ARG_LOCAL, .u.bytes = ka[i].v.local_bytes}; break;
        case HET_KARG_BUF: {
            cl_mem m;
            /* a zero-byte buffer is not allowed: pass one dummy byte */
            size_t bytes = ka[i].v.buf.bytes ? ka[i].v.buf.bytes : 1;
            static const unsigned char zero[8];
            const void *data = ka[i].v.buf.bytes ? ka[i].v.buf.data : zero;
            if ((rc = hcl_buffer(&w->dev, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, bytes, data, &m)))
                return rc;
            w->bufs[w->n_bufs++] = m;
            args[i] = (hcl_arg){.kind = HCL_ARG_MEM, .u.mem = m};
            break;
        }
        default:
            return het_fail(HET_E_INTERNAL, "%s: unknown kernel argument kind %d", wl->name, ka[i].kind);
        }
    }
    if ((rc = hcl_set_args(&w->dev, w->kern, 3, args, na)))
        return rc;
    w->local = wl->cl_local_size(job, w->info.max_wg ? w->info.max_wg : 1);
    uint64_t cap = HET_MAX_OUT_BYTES;
    if (w->info.max_alloc && w->info.max_alloc < cap)
        cap = w->info.max_alloc;
    w->max_batch = cap / job->partial_size;
    if (w->max_batch > job->n_grains)
        w->max_batch = job->n_grains;
    if (w->max_batch > UINT32_MAX)
        w->max_batch = UINT32_MAX;
    if (w->max_batch == 0)
        w->max_batch = 1;
    for (int s = 0; s < 2; s++)
        if ((rc = hcl_buffer(&w->dev, CL_MEM_WRITE_ONLY, w->max_batch * job->partial_size, NULL, &w->out[s])))
            return rc;
    return HET_OK;
}

typedef struct het_inflight {
    uint64_t g0, n;
    cl_event ev, kev;
    double t_enq;
} het_inflight;

static int het__cl_compute(het_worker *w)
{
    het_engine *e = w->e;
    const het_job *job = e->job;
    het_inflight q[2] = {{0}};
    int head = 0, count = 0, exhausted = 0, rc = HET_OK;
    double t_prev_done = 0;
    for (;;) {
        /* keep the device fed: the next batch is queued before the last
         * one is read back */
        while (count < 2 && !exhausted) {
            uint64_t g0, n;
            int got = het__take(e, w, &g0, &n);
            if (got < 0) {
                rc = got;
                goto drain;
            }
            if (got == 0) {
                exhausted = 1;
                break;
            }
            int slot = (head + count) % 2;
            hcl_arg a[3] = {
                {.kind = HCL_ARG_MEM, .u.mem = w->out[slot]},
                {.kind = HCL_ARG_U64, .u.u64 = g0},
                {.kind = HCL_ARG_U32, .u.u32 = (uint32_t)n},
            };
            het_inflight *f = &q[slot];
            f->g0 = g0;
            f->n = n;
            f->ev = NULL;
            f->kev = NULL;
            f->t_enq = het_now();
            if ((rc = hcl_set_args(&w->dev, w->kern, 0, a, 3)) ||
                (rc = hcl_launch(&w->dev, w->kern, (size_t)n * w->local, w->local, &f->kev)) ||
                (rc = hcl_read(&w->dev, w->out[slot], 0, n * job->partial_size,
                               e->partials + g0 * job->partial_size, 0, &f->ev)) ||
                (rc = hcl_flush(&w->dev)))
                goto drain;
            count++;
        }
        if (!count)
            break;
        het_inflight *f = &q[head];
        rc = hcl_wait(&w->dev, f->ev);
        hcl_release_event(f->ev);
        f->ev = NULL;
        double ks = 0;
        if (rc == HET_OK && f->kev && hcl_event_seconds(&w->dev, f->kev, &ks) == HET_OK)
            w->st.kernel_s += ks;
        hcl_release_event(f->kev);
        f->kev = NULL;
        if (rc)
            goto drain;
        double t = het_now();
        double start = f->t_enq > t_prev_done ? f->t_enq : t_prev_done;
        t_prev_done = t;
        if ((rc = het__record(w, f->g0, f->n, t - start)))
            goto drain;
        head = (head + 1) % 2;
        count--;
    }
    return HET_OK;
drain:
    /* nothing may still write into the partials once we return */
    {
        char keep[HET_MSG_MAX];
        snprintf(keep, sizeof keep, "%s", het_errmsg());
        hcl_finish(&w->dev);
        for (int i = 0; i < 2; i++) {
            hcl_release_event(q[i].ev);
            hcl_release_event(q[i].kev);
        }
        het_errmsg_set(keep);
    }
    return rc;
}

static void het__cl_free(het_worker *w)
{
    for (int s = 0; s < 2; s++)
        if (w->out[s])
            hcl_release_mem(w->out[s]);
    for (size_t i = 0; i < w->n_bufs; i++)
        hcl_release_mem(w->bufs[i]);
    if (w->kern)
        hcl_release_kernel(w->kern);
    if (w->prog)
        hcl_release_program(w->prog);
    hcl_close(&w->dev);
}

/* ---- worker threads --------------------------------------------------- */

static void *het__worker_main(void *arg)
{
    het_worker *w = arg;
    het_engine *e = w->e;
    if (w->is_cl) {
        int rc = het__cl_setup(w);
        if (rc) {
            w->err = rc;
            snprintf(w->msg, sizeof w->msg, "%s", het_errmsg());
        }
    }
    pthread_mutex_lock(&e->phase_lock);
    e->n_setup++;
    pthread_cond_broadcast(&e->phase_cond);
    while (!e->go)
        pthread_cond_wait(&e->phase_cond, &e->phase_lock);
    pthread_mutex_unlock(&e->phase_lock);
    if (!atomic_load(&e->abort_run) && !w->err) {
        int rc = w->is_cl ? het__cl_compute(w) : het__omp_compute(w);
        if (rc)
            het__worker_fail(w, rc);
    }
    w->t_done = het_now();
    atomic_fetch_add(&e->finished, 1);
    return NULL;
}

/* ---- progress --------------------------------------------------------- */

static void het__progress(het_engine *e, int show, double t0)
{
    double last = 0;
    int shown = 0;
    while (atomic_load(&e->finished) < (int)e->nw) {
        usleep(50000);
        double t = het_now();
        if (!show || t - t0 < (show > 0 ? 0.2 : 1.0) || t - last < 0.25)
            continue;
        last = t;
        uint64_t done = atomic_load(&e->done_items);
        uint64_t total = e->job->wl->items(e->job, 0, e->job->n_grains);
        double frac = total ? (double)done / (double)total : 0;
        double rate = done / (t - t0);
        double left = rate > 0 ? (double)(total - done) / rate : 0;
        fprintf(stderr, "\r%s: %5.1f%%  %.3g %s/s  %.0f s left   ", e->job->wl->name,
                100.0 * frac, rate, e->job->wl->item_name, left);
        fflush(stderr);
        shown = 1;
    }
    if (shown) {
        fprintf(stderr, "\r\033[K");
        fflush(stderr);
    }
}

/* ---- the run ---------------------------------------------------------- */

static void het__join_ids(const het_worker *w, size_t nw, char *buf, size_t size)
{
    buf[0] = 0;
    for (size_t i = 0; i < nw; i++) {
        size_t len = strlen(buf);
        snprintf(buf + len, size - len, "%s%s", i ? "," : "", w[i].st.id);
    }
}

static int het__fill_report(het_engine *e, het_report *rep, int threads)
{
    int rank = het_par_rank();
    het_worker_stats *mine = calloc(e->nw ? e->nw : 1, sizeof *mine);
    if (!mine)
        return het_fail(HET_E_NOMEM, "out of memory for the report");
    het_rank_stats rs = {.rank = rank, .threads = 0};
    snprintf(rs.host, sizeof rs.host, "%s", het_par_host());
    het__join_ids(e->w, e->nw, rs.devices, sizeof rs.devices);
    for (size_t i = 0; i < e->nw; i++) {
        mine[i] = e->w[i].st;
        mine[i].rank = rank;
        if (!e->w[i].is_cl)
            rs.threads = threads;
        rs.grains += mine[i].grains;
        rs.busy_s += mine[i].busy_s;
    }
    void *all = NULL, *ranks = NULL;
    size_t n_all = 0, n_ranks = 0;
    int rc = het_par_gather_records(mine, e->nw, sizeof *mine, &all, &n_all);
    free(mine);
    if (rc == HET_OK)
        rc = het_par_gather_records(&rs, 1, sizeof rs, &ranks, &n_ranks);
    if (rc) {
        free(all);
        free(ranks);
        return rc;
    }
    rep->workers = all;
    rep->n_workers = n_all;
    rep->ranks = ranks;
    rep->n_ranks = (int)n_ranks;
    uint64_t items = 0;
    double max_busy = 0, sum_busy = 0;
    for (size_t i = 0; i < n_all; i++) {
        items += rep->workers[i].items;
        sum_busy += rep->workers[i].busy_s;
        if (rep->workers[i].busy_s > max_busy)
            max_busy = rep->workers[i].busy_s;
    }
    for (size_t i = 0; i < n_all; i++) {
        het_worker_stats *s = &rep->workers[i];
        s->items_per_s = s->busy_s > 0 ? (double)s->items / s->busy_s : 0;
        s->share = items ? (double)s->items / (double)items : 0;
    }
    rep->items = items;
    rep->balance = (n_all && max_busy > 0) ? sum_busy / ((double)n_all * max_busy) : 1.0;
    return HET_OK;
}

/* A hash of what defines the job: workload, seed, grains, partial size and
 * the parameters as the report prints them. */
static uint64_t het__job_fingerprint(const het_job *job)
{
    het_field f[HET_MAX_FIELDS];
    size_t n = job->wl->params_fields(job, f, HET_MAX_FIELDS);
    XXH3_state_t *st = XXH3_createState();
    if (!st)
        return 0;
    XXH3_64bits_reset(st);
    XXH3_64bits_update(st, job->wl->name, strlen(job->wl->name));
    XXH3_64bits_update(st, &job->seed, sizeof job->seed);
    XXH3_64bits_update(st, &job->n_grains, sizeof job->n_grains);
    XXH3_64bits_update(st, &job->partial_size, sizeof job->partial_size);
    for (size_t i = 0; i < n; i++) {
        char buf[256];
        het_format_field(&f[i], 17, buf, sizeof buf);
        XXH3_64bits_update(st, f[i].name, strlen(f[i].name));
        XXH3_64bits_update(st, buf, strlen(buf));
    }
    uint64_t h = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    return h;
}

int het_engine_run(het_job *job, const het_run_opts *opts, het_report *rep)
{
    static const het_run_opts defaults = {.devices = "all", .progress = -1};
    if (!opts)
        opts = &defaults;
    memset(rep, 0, sizeof *rep);
    double t_start = het_now();
    const char *list = opts->devices ? opts->devices : "all";
    het_selection sel;
    hcl_info *infos = NULL;
    size_t n_infos = 0;
    char msg[HET_MSG_MAX] = "";
    het_engine e;
    memset(&e, 0, sizeof e);
    e.job = job;
    e.debug = getenv("HETERO_DEBUG_SCHED") != NULL;
    e.target_s = opts->batch_seconds > 0 ? opts->batch_seconds : HET_DEFAULT_BATCH_S;
    int threads = het_default_threads(opts->threads, het_par_local_size());

    /* Every rank must have planned the same job: the same workload,
     * parameters, seed and grains (a rank started with other arguments or
     * another hetero version would otherwise only show as a wrong digest). */
    int rc = het_par_same_u64(het__job_fingerprint(job))
                 ? HET_OK
                 : het_fail(HET_E_RUNTIME, "the ranks planned different jobs (other arguments or another "
                                           "hetero version on some rank?)");

    /* discovery and selection; every rank must agree before going on */
    if (rc == HET_OK)
        rc = het_devices_parse(list, &sel);
    if (rc == HET_OK && sel.needs_opencl) {
        double t0 = het_now();
        rc = hcl_discover(&infos, &n_infos);
        rep->discovery_s = het_now() - t0;
        if (rc == HET_OK && n_infos == 0 && !sel.asked_opencl_by_name && !opts->quiet &&
            het_par_rank() == 0)
            fprintf(stderr, "hetero: notice: %s; the CPU carries the job\n",
                    *hcl_discover_note() ? hcl_discover_note() : "no OpenCL platform found");
    }
    if (rc == HET_OK)
        rc = het_devices_select(list, infos, n_infos, &sel);
    if (rc == HET_OK)
        het_devices_split(&sel, het_par_local_rank(), het_par_local_size());
    if (rc == HET_OK && !sel.omp && sel.n_cl == 0)
        rc = het_fail(HET_E_NODEV, "--devices: '%s' leaves this rank with no device to run on", list);
    snprintf(msg, sizeof msg, "%s", het_errmsg());
    rc = het_par_agree(rc, msg, sizeof msg);
    if (rc) {
        free(infos);
        return het_fail(rc, "%s", msg);
    }

    /* workers: OpenCL devices first, then the OpenMP team */
    int cpu_workers = opts->cpu_workers > 1 ? opts->cpu_workers : 1;
    e.nw = sel.n_cl + (sel.omp ? (size_t)cpu_workers : 0);
    e.w = calloc(e.nw, sizeof *e.w);
    e.partials = calloc(job->n_grains ? job->n_grains : 1, job->partial_size);
    if (!e.w || !e.partials) {
        free(e.w);
        free(e.partials);
        free(infos);
        return het_fail(HET_E_NOMEM, "out of memory for %" PRIu64 " partials of %zu bytes",
                        job->n_grains, job->partial_size);
    }
    for (size_t i = 0; i < sel.n_cl; i++) {
        het_worker *w = &e.w[i];
        w->e = &e;
        w->is_cl = 1;
        w->info = infos[sel.cl[i]];
        snprintf(w->st.id, sizeof w->st.id, "%s", w->info.id);
        snprintf(w->st.kind, sizeof w->st.kind, "opencl");
        snprintf(w->st.name, sizeof w->st.name, "%s", w->info.name);
    }
    for (int k = 0; sel.omp && k < cpu_workers; k++) {
        het_worker *w = &e.w[sel.n_cl + (size_t)k];
        w->e = &e;
        w->threads = threads / cpu_workers > 0 ? threads / cpu_workers : 1;
        w->max_batch = job->n_grains ? job->n_grains : 1;
        snprintf(w->st.id, sizeof w->st.id, k ? "omp.%d" : "omp", k);
        snprintf(w->st.kind, sizeof w->st.kind, "omp");
        het_cpu_model(w->st.name, sizeof w->st.name);
        w->st.threads = w->threads;
    }
    for (size_t i = 0; opts->batch_jitter && i < e.nw; i++)
        e.w[i].jitter = opts->batch_jitter * 0x9E3779B97F4A7C15ull + i + 1;
    free(infos);

    rc = het_counter_open(&e.counter, job->n_grains);
    snprintf(msg, sizeof msg, "%s", het_errmsg());
    rc = het_par_agree(rc, msg, sizeof msg);
    if (rc) {
        het_counter_close(e.counter);
        free(e.w);
        free(e.partials);
        return het_fail(rc, "%s", msg);
    }

    /* setup (kernel builds, in parallel per device), then compute */
    pthread_mutex_init(&e.phase_lock, NULL);
    pthread_cond_init(&e.phase_cond, NULL);
    double t_build0 = het_now();
    size_t started = 0;
    int create_err = 0;
    for (; started < e.nw; started++)
        if ((create_err = pthread_create(&e.w[started].th, NULL, het__worker_main, &e.w[started])) != 0)
            break;
    pthread_mutex_lock(&e.phase_lock);
    while (e.n_setup < started)
        pthread_cond_wait(&e.phase_cond, &e.phase_lock);
    pthread_mutex_unlock(&e.phase_lock);
    rep->build_s = het_now() - t_build0;
    rc = HET_OK;
    if (started < e.nw) {
        rc = het_fail(HET_E_RUNTIME, "pthread_create for worker %s: %s", e.w[started].st.id,
                      strerror(create_err));
        snprintf(msg, sizeof msg, "%s", het_errmsg());
    }
    rep->build_cached = sel.n_cl > 0;
    for (size_t i = 0; i < started; i++) {
        if (e.w[i].is_cl && !e.w[i].from_cache)
            rep->build_cached = 0;
        if (e.w[i].err && rc == HET_OK) {
            rc = e.w[i].err;
            snprintf(msg, sizeof msg, "%s", e.w[i].msg);
        }
    }
    rc = het_par_agree(rc, msg, sizeof msg);
    if (rc)
        atomic_store(&e.abort_run, 1);
    e.t_compute0 = het_now();
    pthread_mutex_lock(&e.phase_lock);
    e.go = 1;
    pthread_cond_broadcast(&e.phase_cond);
    pthread_mutex_unlock(&e.phase_lock);
    if (!rc) {
        int show = opts->progress < 0 ? (het_par_rank() == 0 && isatty(2) ? -1 : 0) : opts->progress;
        het__progress(&e, show && het_par_rank() == 0 ? show : 0, e.t_compute0);
    }
    /* compute ends when the last worker stops, not when the main thread
     * notices: its progress loop polls every 50 ms, which would blur short
     * runs (hetero-bench times runs of 0.1 s) */
    double t_done = e.t_compute0;
    for (size_t i = 0; i < started; i++) {
        pthread_join(e.w[i].th, NULL);
        if (e.w[i].t_done > t_done)
            t_done = e.w[i].t_done;
    }
    rep->compute_s = t_done - e.t_compute0;
    pthread_cond_destroy(&e.phase_cond);
    pthread_mutex_destroy(&e.phase_lock);

    if (!rc) {
        for (size_t i = 0; i < e.nw; i++)
            if (e.w[i].err) {
                rc = e.w[i].err;
                snprintf(msg, sizeof msg, "%s", e.w[i].msg);
                break;
            }
        rc = het_par_agree(rc, msg, sizeof msg);
    }
    het_counter_close(e.counter);
    for (size_t i = 0; i < e.nw; i++)
        if (e.w[i].is_cl)
            het__cl_free(&e.w[i]);

    /* gather, merge, digest */
    double t_merge0 = het_now();
    uint64_t *batches = NULL;
    size_t nb = 0;
    if (!rc) {
        for (size_t i = 0; i < e.nw; i++)
            nb += e.w[i].n_batches;
        batches = malloc((nb ? nb : 1) * 2 * sizeof *batches);
        if (!batches)
            rc = het_fail(HET_E_NOMEM, "out of memory gathering partials");
        else {
            size_t k = 0;
            for (size_t i = 0; i < e.nw; i++) {
                /* a worker that got no batch has batches == NULL, and
                 * memcpy from NULL is undefined even for 0 bytes */
                if (e.w[i].n_batches)
                    memcpy(batches + 2 * k, e.w[i].batches, e.w[i].n_batches * 2 * sizeof *batches);
                k += e.w[i].n_batches;
            }
        }
        snprintf(msg, sizeof msg, "%s", het_errmsg());
        rc = het_par_agree(rc, msg, sizeof msg);
    }
    if (!rc) {
        rc = het_par_gather_partials(e.partials, job->partial_size, batches, nb);
        snprintf(msg, sizeof msg, "%s", het_errmsg());
        rc = het_par_agree(rc, msg, sizeof msg);
    }
    free(batches);
    if (!rc) {
        rc = het__fill_report(&e, rep, threads);
        snprintf(msg, sizeof msg, "%s", het_errmsg());
        rc = het_par_agree(rc, msg, sizeof msg);
    }
    if (!rc && het_par_rank() == 0) {
        /* contract 3: every grain exactly once */
        uint64_t grains = 0;
        for (size_t i = 0; i < rep->n_workers; i++)
            grains += rep->workers[i].grains;
        if (grains != job->n_grains)
            rc = het_fail(HET_E_INTERNAL, "scheduler computed %" PRIu64 " grains of %" PRIu64,
                          grains, job->n_grains);
        if (!rc) {
            rep->digest = XXH3_64bits(e.partials, job->n_grains * job->partial_size);
            rc = job->wl->merge(job, e.partials);
        }
        if (rc)
            snprintf(msg, sizeof msg, "%s", het_errmsg());
    }
    /* merge can fail only on rank 0 (e.g. writing --trace); tell everyone */
    rc = het_par_agree(rc, msg, sizeof msg);
    rep->merge_s = het_now() - t_merge0;
    rep->wall_s = het_now() - t_start;
    for (size_t i = 0; i < e.nw; i++)
        free(e.w[i].batches);
    free(e.w);
    free(e.partials);
    if (rc) {
        het_report_free(rep);
        return het_fail(rc, "%s", msg);
    }
    return HET_OK;
}

void het_report_free(het_report *rep)
{
    free(rep->workers);
    free(rep->ranks);
    rep->workers = NULL;
    rep->ranks = NULL;
    rep->n_workers = 0;
    rep->n_ranks = 0;
}

/* ---- job life cycle --------------------------------------------------- */

int het_job_init(het_job *job, const het_workload *wl)
{
    memset(job, 0, sizeof *job);
    job->wl = wl;
    job->params = calloc(1, wl->params_size ? wl->params_size : 1);
    if (!job->params)
        return het_fail(HET_E_NOMEM, "out of memory");
    wl->defaults(job->params);
    job->rank = het_par_rank();
    return HET_OK;
}

int het_job_plan(het_job *job)
{
    int rc = job->wl->validate(job->params);
    if (rc)
        return rc;
    rc = job->wl->plan(job);
    if (rc == HET_OK && (job->n_grains == 0 || job->partial_size == 0))
        rc = het_fail(HET_E_INTERNAL, "%s: plan gave %" PRIu64 " grains of %zu bytes",
                      job->wl->name, job->n_grains, job->partial_size);
    return rc;
}

void het_job_free(het_job *job)
{
    if (job->wl && job->state)
        job->wl->release(job);
    free(job->params);
    job->params = NULL;
    job->state = NULL;
}
