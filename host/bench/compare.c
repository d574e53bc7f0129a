/* compare.c - two hetero-bench reports side by side (--compare BASELINE,
 * --fail-on PCT, --results REPORT).
 *
 * Both sides are JSON documents (this run's is built by report.c), so one
 * function compares a live run and two saved reports alike.  A report of
 * an earlier version is read too: its fields are renamed to this version's
 * as it is loaded (bench_upgrade), and a version 1 report (before `run`,
 * `noisy` and the combined set's new name) still compares because a row's
 * identity is computed from the document's machine facts, never from the
 * set's name.
 *
 * A row's identity: its workload, and each device of its set as what it
 * is: an OpenCL device by name and driver, the OpenMP team by CPU model
 * and thread count; and the rank count.  Rows of the same identity are
 * compared.  A row whose set has the same name on both sides but other
 * devices (another CPU, another driver, another team) cannot be compared,
 * and says why.
 *
 * This file: the documents read and compared.  Loading a report is
 * compare_load.c's, the comparison printed compare_print.c's.
 */
#include "bench.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


/* ---- reading a document ---------------------------------------------------- */

static const cJSON *bench_get(const cJSON *o, const char *dotted)
{
    char key[64];
    const char *p = dotted;
    while (o && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n >= sizeof key)
            return NULL;
        memcpy(key, p, n);
        key[n] = 0;
        o = cJSON_GetObjectItemCaseSensitive(o, key);
        p += n + (dot ? 1 : 0);
    }
    return o;
}

static const char *bench_str(const cJSON *o, const char *key)
{
    const cJSON *v = bench_get(o, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static int bench_numeric(const cJSON *v, double *out);

static double bench_num(const cJSON *o, const char *key)
{
    double x;
    return bench_numeric(bench_get(o, key), &x) ? x : NAN;
}

/* A count: 0 when missing, not a number or out of int's range. */
static int bench_int(const cJSON *o, const char *key)
{
    double x = bench_num(o, key);
    return x >= -1e9 && x <= 1e9 ? (int)x : 0;
}

/* What rows are identified by, looked up once per document: its CPU model,
 * and its OpenCL devices sorted by id (the first of an id wins, as in the
 * document's order), so that a row's identity costs the same however many
 * rows and devices the document has. */
struct bench_dev {
    const char *id;
    const cJSON *d;
    size_t pos; /* in machine.opencl */
};

typedef struct bench_facts {
    const char *cpu;
    const cJSON *list;     /* machine.opencl */
    struct bench_dev *dev; /* sorted; NULL: none, or no memory for them (then looked up in the list) */
    size_t n_dev;
} bench_facts;

static int bench_dev_cmp(const void *a, const void *b)
{
    const struct bench_dev *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

static void bench_facts_init(bench_facts *f, const cJSON *doc)
{
    memset(f, 0, sizeof *f);
    f->cpu = bench_str(doc, "machine.cpu_model");
    f->list = bench_get(doc, "machine.opencl");
    size_t n = (size_t)cJSON_GetArraySize(f->list);
    if (!n || !(f->dev = malloc(n * sizeof *f->dev)))
        return;
    const cJSON *d;
    cJSON_ArrayForEach(d, f->list)
    {
        f->dev[f->n_dev] = (struct bench_dev){bench_str(d, "id"), d, f->n_dev};
        f->n_dev++;
    }
    qsort(f->dev, f->n_dev, sizeof *f->dev, bench_dev_cmp);
}

static void bench_facts_free(bench_facts *f)
{
    free(f->dev);
    f->dev = NULL;
}

static const cJSON *bench_cl_device(const bench_facts *f, const char *id)
{
    if (!f->dev) {
        const cJSON *d;
        cJSON_ArrayForEach(d, f->list)
        {
            if (strcmp(bench_str(d, "id"), id) == 0)
                return d;
        }
        return NULL;
    }
    /* the first entry not below id */
    size_t lo = 0, hi = f->n_dev;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(f->dev[mid].id, id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < f->n_dev && strcmp(f->dev[lo].id, id) == 0 ? f->dev[lo].d : NULL;
}

static int bench_cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* What a row ran on, from the document: "OpenMP on AMD EPYC, 2 threads",
 * "pthread-...-AMD EPYC (driver 3.1+debian)", joined by " + " in a fixed
 * order, ", 2 ranks" when more than one. */
static void bench_row_identity(const bench_facts *f, const cJSON *row, char *buf, size_t size)
{
    char list[1024], items[16][320];
    const char *ptr[16];
    size_t n = 0;
    snprintf(list, sizeof list, "%s", bench_str(row, "engine_devices"));
    int threads = bench_int(row, "threads");
    int ranks = bench_int(row, "mpi_ranks");
    char *save = NULL;
    for (char *tok = strtok_r(list, ",", &save); tok && n < 16; tok = strtok_r(NULL, ",", &save)) {
        if (strcmp(tok, "omp") == 0) {
            snprintf(items[n], sizeof items[n], "OpenMP on %.200s, %d thread%s", f->cpu, threads,
                     threads == 1 ? "" : "s");
        } else {
            const cJSON *d = bench_cl_device(f, tok);
            if (d)
                snprintf(items[n], sizeof items[n], "%.200s (driver %.80s)", bench_str(d, "name"),
                         bench_str(d, "driver"));
            else
                snprintf(items[n], sizeof items[n], "%.200s (not described)", tok);
        }
        ptr[n] = items[n];
        n++;
    }
    qsort(ptr, n, sizeof *ptr, bench_cmp_str);
    buf[0] = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(buf);
        snprintf(buf + len, size - len, "%s%s", i ? " + " : "", ptr[i]);
    }
    if (ranks > 1) {
        size_t len = strlen(buf);
        snprintf(buf + len, size - len, ", %d ranks", ranks);
    }
}

void bench_identity(const cJSON *doc, const cJSON *row, char *buf, size_t size)
{
    bench_facts f;
    bench_facts_init(&f, doc);
    bench_row_identity(&f, row, buf, size);
    bench_facts_free(&f);
}

/* The role of a set by its name: the combined set ("cl:0:0+omp/all", or
 * "all" in a version 1 report) is one role whatever it holds. */
static const char *bench_role(const char *set)
{
    return strchr(set, '+') || strcmp(set, "all") == 0 ? "combined" : set;
}

/* ---- differences of machine, devices, build and settings ------------------ */

/* A number, whether cJSON parsed it or we wrote it as raw text (exact
 * integers, rounded doubles: format.h). */
static int bench_numeric(const cJSON *v, double *out)
{
    if (cJSON_IsNumber(v)) {
        *out = v->valuedouble;
        return 1;
    }
    if (cJSON_IsRaw(v) && v->valuestring) {
        char *end;
        *out = strtod(v->valuestring, &end);
        return end != v->valuestring && *end == 0;
    }
    return 0;
}

static int bench_same_value(const cJSON *a, const cJSON *b)
{
    double x, y;
    if (bench_numeric(a, &x) && bench_numeric(b, &y))
        return x == y || fabs(x - y) <= 1e-9 * fmax(fabs(x), fabs(y));
    return cJSON_Compare(a, b, 1);
}

static int bench_mm_add(bench_comparison *c, size_t *cap, const char *field, const cJSON *run,
                        const cJSON *base)
{
    if (run && base && bench_same_value(run, base))
        return HETERO_OK;
    if (!run && !base)
        return HETERO_OK;
    if (c->n_mm == *cap) {
        size_t ncap = *cap ? 2 * *cap : 16;
        bench_mismatch *m = realloc(c->mm, ncap * sizeof *m);
        if (!m)
            return hetero_fail(HETERO_E_NOMEM, "out of memory comparing with the baseline");
        c->mm = m;
        *cap = ncap;
    }
    bench_mismatch *m = &c->mm[c->n_mm++];
    snprintf(m->field, sizeof m->field, "%s", field);
    char *a = run ? cJSON_PrintUnformatted(run) : NULL, *b = base ? cJSON_PrintUnformatted(base) : NULL;
    snprintf(m->run, sizeof m->run, "%s", a ? a : "null");
    snprintf(m->baseline, sizeof m->baseline, "%s", b ? b : "null");
    free(a);
    free(b);
    return HETERO_OK;
}

static int bench_mismatches(const cJSON *run, const cJSON *base, const bench_facts *frun,
                            const bench_facts *fbase, bench_comparison *c)
{
    static const char *const fields[] = {
        "run.host",         "run.compiler",        "run.build_type",       "machine.cpu_model",
        "machine.cores",    "machine.omp_threads", "machine.mpi_ranks",    "settings.quick",
        "settings.repeats", "settings.seconds",    "settings.check_items", "settings.seed",
        "settings.devices", "settings.threads",    "settings.noisy_pct",   "settings.time",
    };
    size_t cap = 0;
    int rc = HETERO_OK;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0] && rc == HETERO_OK; i++)
        rc = bench_mm_add(c, &cap, fields[i], bench_get(run, fields[i]), bench_get(base, fields[i]));
    /* the OpenCL devices, by id: each one's name, driver and version, and
     * the devices found on one side only */
    static const char *const dev_fields[] = {"name", "driver", "version", "type", "compute_units"};
    const cJSON *d;
    cJSON_ArrayForEach(d, bench_get(run, "machine.opencl"))
    {
        const char *id = bench_str(d, "id");
        const cJSON *o = bench_cl_device(fbase, id);
        char field[64];
        if (!o) {
            snprintf(field, sizeof field, "device %.40s", id);
            rc = rc ? rc : bench_mm_add(c, &cap, field, bench_get(d, "name"), NULL);
            continue;
        }
        for (size_t k = 0; k < sizeof dev_fields / sizeof dev_fields[0]; k++) {
            snprintf(field, sizeof field, "device %.40s %s", id, dev_fields[k]);
            rc = rc ? rc
                    : bench_mm_add(c, &cap, field, bench_get(d, dev_fields[k]), bench_get(o, dev_fields[k]));
        }
    }
    cJSON_ArrayForEach(d, bench_get(base, "machine.opencl"))
    {
        const char *id = bench_str(d, "id");
        char field[64];
        snprintf(field, sizeof field, "device %.40s", id);
        if (!bench_cl_device(frun, id))
            rc = rc ? rc : bench_mm_add(c, &cap, field, NULL, bench_get(d, "name"));
    }
    return rc;
}

/* ---- rows --------------------------------------------------------------- */

void bench_run_line(const cJSON *doc, char *buf, size_t size)
{
    const cJSON *run = bench_get(doc, "run");
    if (run)
        snprintf(buf, size, "hetero %.32s (git %.12s%s), %.60s %.100s, host %.100s, started %.32s",
                 bench_str(doc, "hetero"), bench_str(run, "git"),
                 cJSON_IsTrue(bench_get(run, "git_dirty")) ? "+changes" : "", bench_str(run, "build_type"),
                 bench_str(run, "compiler"), bench_str(run, "host"), bench_str(run, "started"));
    else
        snprintf(buf, size, "hetero %.32s; a report of version %g, which records no host, time or commit",
                 bench_str(doc, "hetero"), bench_num(doc, "version"));
}

/* Baseline rows grouped by a pair of strings (the workload, and the
 * identity or the role), in the baseline's order within a group: the rows
 * sorted by (pair, position), and for each group where its rows end and
 * which is the first not taken yet.  A lookup is a binary search, and each
 * taken row is skipped once, so matching costs O(n log n) in the rows
 * whatever they hold. */
#define BENCH_NONE ((size_t)-1)

typedef struct bench_ref {
    const char *wl, *str;
    size_t j; /* the row's position in the baseline */
} bench_ref;

typedef struct bench_groups {
    bench_ref *r;          /* sorted */
    size_t *end, *untaken; /* at a group's first position: its end, its first row not taken */
    size_t n;
} bench_groups;

static int bench_pair_cmp(const bench_ref *x, const char *wl, const char *str)
{
    int c = strcmp(x->wl, wl);
    return c ? c : strcmp(x->str, str);
}

static int bench_ref_cmp(const void *a, const void *b)
{
    const bench_ref *x = a, *y = b;
    int c = bench_pair_cmp(x, y->wl, y->str);
    return c ? c : (x->j > y->j) - (x->j < y->j);
}

static int bench_groups_init(bench_groups *g, size_t n)
{
    g->n = n;
    g->r = calloc(n + 1, sizeof *g->r);
    g->end = calloc(n + 1, sizeof *g->end);
    g->untaken = calloc(n + 1, sizeof *g->untaken);
    return g->r && g->end && g->untaken ? HETERO_OK : HETERO_E_NOMEM;
}

static void bench_groups_free(bench_groups *g)
{
    free(g->r);
    free(g->end);
    free(g->untaken);
}

/* Every row's pair set (g->r[j] for row j): sorts them into groups. */
static void bench_groups_sort(bench_groups *g)
{
    qsort(g->r, g->n, sizeof *g->r, bench_ref_cmp);
    for (size_t i = 0; i < g->n;) {
        size_t k = i + 1;
        while (k < g->n && bench_pair_cmp(&g->r[k], g->r[i].wl, g->r[i].str) == 0)
            k++;
        g->end[i] = k;
        g->untaken[i] = i;
        i = k;
    }
}

/* The first row of (wl, str) in the baseline's order not taken yet, or
 * BENCH_NONE. */
static size_t bench_groups_find(bench_groups *g, const char *wl, const char *str, const char *taken)
{
    size_t lo = 0, hi = g->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (bench_pair_cmp(&g->r[mid], wl, str) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == g->n || bench_pair_cmp(&g->r[lo], wl, str) != 0)
        return BENCH_NONE;
    size_t *u = &g->untaken[lo];
    while (*u < g->end[lo] && taken[g->r[*u].j])
        (*u)++;
    return *u < g->end[lo] ? g->r[*u].j : BENCH_NONE;
}

/* The identity of a row: at most this long (longer is cut, on both sides alike). */
#define BENCH_KEY_MAX 1400

/* The baseline's rows as the matching needs them: in the baseline's
 * order, each one's identity (one string after another in keys), grouped
 * by workload and identity and by workload and role, and which are taken
 * yet. */
typedef struct bench_baseline {
    const cJSON **row;
    size_t *koff; /* row j's identity: keys + koff[j] */
    char *keys;
    char *used;
    bench_groups by_id, by_role;
} bench_baseline;

static void bench_baseline_free(bench_baseline *x)
{
    free(x->used);
    free(x->keys);
    free(x->koff);
    free(x->row);
    bench_groups_free(&x->by_id);
    bench_groups_free(&x->by_role);
}

/* HETERO_OK, or HETERO_E_NOMEM (then x is still freed by
 * bench_baseline_free). */
static int bench_baseline_init(bench_baseline *x, const cJSON *brows, const bench_facts *fbase)
{
    size_t nb = (size_t)cJSON_GetArraySize(brows);
    memset(x, 0, sizeof *x);
    int rc = bench_groups_init(&x->by_id, nb);
    rc = rc ? rc : bench_groups_init(&x->by_role, nb);
    x->used = calloc(nb + 1, 1);
    /* the baseline's identities, one after another */
    size_t kcap = 0, klen = 0;
    x->koff = calloc(nb + 1, sizeof *x->koff);
    x->row = calloc(nb + 1, sizeof *x->row);
    if (rc || !x->used || !x->koff || !x->row)
        return HETERO_E_NOMEM;
    size_t j = 0;
    const cJSON *row;
    cJSON_ArrayForEach(row, brows)
    {
        char key[BENCH_KEY_MAX];
        bench_row_identity(fbase, row, key, sizeof key);
        size_t n = strlen(key) + 1;
        if (klen + n > kcap) {
            size_t ncap = kcap ? 2 * kcap : 4096;
            while (ncap < klen + n)
                ncap *= 2;
            char *k = realloc(x->keys, ncap);
            if (!k)
                return HETERO_E_NOMEM;
            x->keys = k;
            kcap = ncap;
        }
        memcpy(x->keys + klen, key, n);
        x->koff[j] = klen;
        klen += n;
        x->row[j++] = row;
    }
    for (j = 0; j < nb; j++) {
        const char *wl = bench_str(x->row[j], "workload");
        x->by_id.r[j] = (bench_ref){wl, x->keys + x->koff[j], j};
        x->by_role.r[j] = (bench_ref){wl, bench_role(bench_str(x->row[j], "set")), j};
    }
    bench_groups_sort(&x->by_id);
    bench_groups_sort(&x->by_role);
    return HETERO_OK;
}

/* The next row of the comparison, from this run's row: compared with the
 * first baseline row not taken yet of the same workload and identity,
 * else not comparable with one of the same workload and role (to say why
 * not), else new.  HETERO_OK or HETERO_E_NOMEM. */
static int bench_match_row(bench_comparison *c, bench_baseline *x, const bench_facts *frun, const cJSON *row)
{
    bench_cmp_row *o = &c->rows[c->n_rows++];
    const char *wl = bench_str(row, "workload"), *set = bench_str(row, "set");
    char key[BENCH_KEY_MAX];
    bench_row_identity(frun, row, key, sizeof key);
    o->workload = wl;
    o->set = set;
    o->label = bench_str(row, "label");
    o->new_rate = bench_num(row, "items_per_s");
    o->old_rate = NAN;
    o->change_pct = NAN;
    o->noisy = cJSON_IsTrue(bench_get(row, "noisy"));
    o->status = BENCH_CMP_NEW;
    /* the first baseline row not taken yet of the same workload and
     * identity, else of the same workload and role (to say why not) */
    size_t mj = bench_groups_find(&x->by_id, wl, key, x->used);
    size_t rj = mj == BENCH_NONE ? bench_groups_find(&x->by_role, wl, bench_role(set), x->used) : BENCH_NONE;
    char reason[512] = "";
    if (mj != BENCH_NONE) {
        const cJSON *match = x->row[mj];
        x->used[mj] = 1;
        o->status = BENCH_CMP_COMPARED;
        o->old_rate = bench_num(match, "items_per_s");
        o->noisy |= cJSON_IsTrue(bench_get(match, "noisy"));
        if (o->old_rate > 0 && o->new_rate > 0 && isfinite(o->old_rate) && isfinite(o->new_rate)) {
            o->change_pct = 100.0 * (o->new_rate / o->old_rate - 1.0);
            c->n_compared++;
            o->regression = c->fail_on >= 0 && o->change_pct < -c->fail_on;
            c->n_regressions += (size_t)o->regression;
        } else {
            /* a rate missing or not a positive number: never "compared"
             * and left out of --fail-on's count */
            o->status = BENCH_CMP_INCOMPARABLE;
            snprintf(reason, sizeof reason, "no positive items_per_s %s",
                     o->old_rate > 0 && isfinite(o->old_rate) ? "in this run" : "in the baseline");
        }
    } else if (rj != BENCH_NONE) {
        const cJSON *role = x->row[rj];
        x->used[rj] = 1;
        o->status = BENCH_CMP_INCOMPARABLE;
        o->old_rate = bench_num(role, "items_per_s");
        o->noisy |= cJSON_IsTrue(bench_get(role, "noisy"));
        snprintf(reason, sizeof reason, "here %.240s; in the baseline %.240s", key, x->keys + x->koff[rj]);
    }
    if (o->status == BENCH_CMP_INCOMPARABLE && !(o->reason = strdup(reason)))
        return HETERO_E_NOMEM;
    return HETERO_OK;
}

/* The rows of the baseline that no row of this run took. */
static void bench_gone_rows(bench_comparison *c, const bench_baseline *x, size_t nb)
{
    for (size_t j = 0; j < nb; j++) {
        if (!x->used[j]) {
            const cJSON *row = x->row[j];
            bench_cmp_row *o = &c->rows[c->n_rows++];
            o->workload = bench_str(row, "workload");
            o->set = bench_str(row, "set");
            o->label = bench_str(row, "label");
            o->old_rate = bench_num(row, "items_per_s");
            o->new_rate = NAN;
            o->change_pct = NAN;
            o->noisy = cJSON_IsTrue(bench_get(row, "noisy"));
            o->status = BENCH_CMP_GONE;
        }
    }
}

int bench_compare_docs(const cJSON *run, const cJSON *base, double fail_on, bench_comparison *c)
{
    memset(c, 0, sizeof *c);
    c->fail_on = fail_on;
    const cJSON *rrows = bench_get(run, "results"), *brows = bench_get(base, "results");
    size_t nr = (size_t)cJSON_GetArraySize(rrows), nb = (size_t)cJSON_GetArraySize(brows);
    bench_facts frun, fbase;
    bench_facts_init(&frun, run);
    bench_facts_init(&fbase, base);
    bench_baseline x;
    int rc = bench_baseline_init(&x, brows, &fbase);
    c->rows = calloc(nr + nb + 1, sizeof *c->rows);
    if (!c->rows)
        rc = HETERO_E_NOMEM;
    const cJSON *row;
    cJSON_ArrayForEach(row, rrows)
    {
        if (rc)
            break;
        rc = bench_match_row(c, &x, &frun, row);
    }
    if (rc == HETERO_OK)
        bench_gone_rows(c, &x, nb);
    bench_baseline_free(&x);

    if (rc == HETERO_OK) {
        bench_run_line(base, c->baseline_run, sizeof c->baseline_run);
        rc = bench_mismatches(run, base, &frun, &fbase, c);
    } else {
        rc = hetero_fail(HETERO_E_NOMEM, "out of memory comparing with the baseline");
    }
    bench_facts_free(&frun);
    bench_facts_free(&fbase);
    if (rc)
        bench_comparison_free(c);
    return rc;
}


void bench_comparison_free(bench_comparison *c)
{
    for (size_t i = 0; c->rows && i < c->n_rows; i++)
        free(c->rows[i].reason);
    free(c->rows);
    free(c->mm);
    c->rows = NULL;
    c->mm = NULL;
    c->n_rows = c->n_mm = 0;
}
