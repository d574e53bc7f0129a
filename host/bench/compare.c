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
 */
#include "bench.h"

#include "format.h"
#include "output.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- loading a report ------------------------------------------------------ */

/* A string of a report from disk, fit to print: each control character
 * (C0, DEL, C1) becomes '?', so that nothing read from it can break a
 * message's line or drive the terminal, and each ill-formed UTF-8 part
 * becomes U+FFFD, so that the JSON written from it is UTF-8.  *s is
 * replaced (cJSON's allocator) only when something changed.  HETERO_OK or
 * HETERO_E_NOMEM. */
static int bench_clean(char **s)
{
    const char *in = *s;
    size_t n = strlen(in), out = 0;
    int dirty = 0;
    for (size_t i = 0; i < n;) {
        int k = het_utf8_seq(in + i, n - i);
        unsigned char c = (unsigned char)in[i];
        if (k < 0) {
            out += 3;
            i += (size_t)-k;
            dirty = 1;
            continue;
        }
        if (c < 0x20 || c == 0x7f || (c == 0xc2 && (unsigned char)in[i + 1] < 0xa0))
            out += 1, dirty = 1;
        else
            out += (size_t)k;
        i += (size_t)k;
    }
    if (!dirty)
        return HETERO_OK;
    char *o = cJSON_malloc(out + 1);
    if (!o)
        return hetero_fail(HETERO_E_NOMEM, "out of memory reading a report");
    size_t w = 0;
    for (size_t i = 0; i < n;) {
        int k = het_utf8_seq(in + i, n - i);
        unsigned char c = (unsigned char)in[i];
        if (k < 0) {
            memcpy(o + w, "\xef\xbf\xbd", 3); /* U+FFFD */
            w += 3;
            i += (size_t)-k;
            continue;
        }
        if (c < 0x20 || c == 0x7f || (c == 0xc2 && (unsigned char)in[i + 1] < 0xa0))
            o[w++] = '?';
        else
            memcpy(o + w, in + i, (size_t)k), w += (size_t)k;
        i += (size_t)k;
    }
    o[w] = 0;
    cJSON_free(*s);
    *s = o;
    return HETERO_OK;
}

/* Every name and string of the document, cleaned (bench_clean). */
static int bench_defang(cJSON *node)
{
    for (; node; node = node->next) {
        if (node->string && !(node->type & cJSON_StringIsConst) && bench_clean(&node->string))
            return HETERO_E_NOMEM;
        if (cJSON_IsString(node) && node->valuestring && bench_clean(&node->valuestring))
            return HETERO_E_NOMEM;
        if (node->child && bench_defang(node->child))
            return HETERO_E_NOMEM;
    }
    return HETERO_OK;
}

/* The whole-number fields of a row, read as int (bench_identity): present,
 * each must be a number with no fraction, 0 to INT_MAX.  A cast of 1e300,
 * of -1 or of a NaN to int is undefined, and 2.5 threads is no run.
 * Checked before bench_upgrade, so that a message names the field as the
 * file does: `ranks` before version 3. */
static int bench_check_ints(const char *opt, const char *path, int version, const cJSON *results)
{
    const char *const fields[] = {"threads", version < 3 ? "ranks" : "mpi_ranks", "repeats"};
    const cJSON *row;
    int i = 0;
    cJSON_ArrayForEach(row, results)
    {
        for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, fields[k]);
            if (!v)
                continue;
            double x = cJSON_IsNumber(v) ? v->valuedouble : NAN;
            if (x >= 0 && x <= INT_MAX && x == floor(x))
                continue;
            char got[64];
            if (cJSON_IsNumber(v))
                snprintf(got, sizeof got, "%.15g", x);
            else
                snprintf(got, sizeof got, "%s", cJSON_IsString(v) ? "a string" : "not a number");
            return hetero_fail(HETERO_E_BADARG,
                               "%s: '%s': results[%d].%s: expected a whole number from 0 to %d, got %s", opt,
                               path, i, fields[k], INT_MAX, got);
        }
        i++;
    }
    return HETERO_OK;
}

/* Renames o's field `from` to `to`, in place (the order of the fields
 * stays); a field already named `to` gives way.  HETERO_OK, or
 * HETERO_E_NOMEM. */
static int bench_rename(cJSON *o, const char *from, const char *to)
{
    if (!cJSON_GetObjectItemCaseSensitive(o, from))
        return HETERO_OK;
    cJSON_DeleteItemFromObjectCaseSensitive(o, to);
    cJSON *item = cJSON_GetObjectItemCaseSensitive(o, from);
    size_t n = strlen(to) + 1;
    char *name = cJSON_malloc(n);
    if (!name)
        return HETERO_E_NOMEM;
    memcpy(name, to, n);
    if (!(item->type & cJSON_StringIsConst))
        cJSON_free(item->string);
    item->string = name;
    item->type &= ~cJSON_StringIsConst;
    return HETERO_OK;
}

/* The fields of version 3 that had other names before (bench.h says why):
 * an array of the document (in the object `parent`, when not NULL), and in
 * each of its objects the old name and the new. */
static const struct bench_renamed {
    const char *parent, *array, *from, *to;
} bench_renamed[] = {
    {NULL, "results", "devices", "set"},
    {NULL, "results", "ranks", "mpi_ranks"},
    {NULL, "results", "wall", "wall_median_s"},
    {NULL, "results", "digest", "check_digest"},
    {NULL, "sets", "devices", "set"},
    {"compare", "rows", "devices", "set"}, /* a report made with --compare */
};

/* A report of version 1 or 2 in version 3's names, in place, so that
 * nothing past loading knows the old ones.  Its `version` stays what the
 * file says (bench_run_line shows it).  HETERO_OK, or HETERO_E_NOMEM. */
static int bench_upgrade(cJSON *doc)
{
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(doc, "version");
    if (version->valuedouble >= 3)
        return HETERO_OK;
    for (size_t i = 0; i < sizeof bench_renamed / sizeof bench_renamed[0]; i++) {
        const struct bench_renamed *r = &bench_renamed[i];
        cJSON *in = r->parent ? cJSON_GetObjectItemCaseSensitive(doc, r->parent) : doc;
        cJSON *array = cJSON_GetObjectItemCaseSensitive(in, r->array), *o;
        if (!cJSON_IsArray(array))
            continue;
        cJSON_ArrayForEach(o, array)
        {
            if (cJSON_IsObject(o) && bench_rename(o, r->from, r->to))
                return hetero_fail(HETERO_E_NOMEM, "out of memory reading a report");
        }
    }
    return HETERO_OK;
}

int bench_load_report(const char *opt, const char *path, cJSON **out)
{
    char *text = NULL;
    size_t len = 0;
    *out = NULL;
    /* a regular file of sane size, or bad input: never a FIFO that blocks
     * or /dev/zero that fills memory */
    int rc = het_read_input(opt, path, BENCH_MAX_REPORT, &text, &len);
    if (rc)
        return rc;
    (void)len;
    cJSON *doc = cJSON_Parse(text);
    free(text);
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(doc, "schema");
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(doc, "version");
    const cJSON *results = cJSON_GetObjectItemCaseSensitive(doc, "results");
    if (!doc || !cJSON_IsString(schema) || strcmp(schema->valuestring, BENCH_SCHEMA) != 0 ||
        !cJSON_IsArray(results)) {
        cJSON_Delete(doc);
        return hetero_fail(HETERO_E_BADARG, "%s: '%s' is not a hetero-bench JSON report (schema %s)", opt,
                           path, BENCH_SCHEMA);
    }
    if (!cJSON_IsNumber(version) || version->valuedouble < 1 || version->valuedouble > BENCH_VERSION) {
        cJSON_Delete(doc);
        return hetero_fail(HETERO_E_BADARG,
                           "%s: '%s' is a hetero-bench report of a version this bench does not read "
                           "(it reads 1 to %d)",
                           opt, path, BENCH_VERSION);
    }
    /* the comparison's time, memory and output grow with these: bounded
     * before any of it starts */
    const cJSON *machine = cJSON_GetObjectItemCaseSensitive(doc, "machine");
    size_t n_rows = (size_t)cJSON_GetArraySize(results);
    size_t n_cl = (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(machine, "opencl"));
    if (n_rows > BENCH_MAX_REPORT_ROWS || n_cl > BENCH_MAX_REPORT_DEVICES) {
        int rows = n_rows > BENCH_MAX_REPORT_ROWS;
        cJSON_Delete(doc);
        return hetero_fail(HETERO_E_BADARG, "%s: '%s' has %zu %s, more than the %d a report may have", opt,
                           path, rows ? n_rows : n_cl,
                           rows ? "rows (results)" : "OpenCL devices (machine.opencl)",
                           rows ? BENCH_MAX_REPORT_ROWS : BENCH_MAX_REPORT_DEVICES);
    }
    rc = bench_check_ints(opt, path, (int)version->valuedouble, results);
    if (rc == HETERO_OK)
        rc = bench_upgrade(doc);
    if (rc) {
        cJSON_Delete(doc);
        return rc;
    }
    if (bench_defang(doc->child)) {
        cJSON_Delete(doc);
        return HETERO_E_NOMEM;
    }
    *out = doc;
    return HETERO_OK;
}

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

static const char *bench_status_name(int status)
{
    switch (status) {
    case BENCH_CMP_COMPARED: return "compared";
    case BENCH_CMP_INCOMPARABLE: return "not_comparable";
    case BENCH_CMP_NEW: return "not_in_baseline";
    default: return "not_in_run";
    }
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

int bench_compare_docs(const cJSON *run, const cJSON *base, double fail_on, bench_comparison *c)
{
    memset(c, 0, sizeof *c);
    c->fail_on = fail_on;
    const cJSON *rrows = bench_get(run, "results"), *brows = bench_get(base, "results");
    size_t nr = (size_t)cJSON_GetArraySize(rrows), nb = (size_t)cJSON_GetArraySize(brows);
    bench_facts frun, fbase;
    bench_facts_init(&frun, run);
    bench_facts_init(&fbase, base);
    bench_groups by_id = {0}, by_role = {0};
    int rc = bench_groups_init(&by_id, nb);
    rc = rc ? rc : bench_groups_init(&by_role, nb);
    c->rows = calloc(nr + nb + 1, sizeof *c->rows);
    char *used = calloc(nb + 1, 1);
    /* the baseline's identities, one after another */
    size_t *koff = calloc(nb + 1, sizeof *koff), kcap = 0, klen = 0;
    char *keys = NULL;
    const cJSON **brow = calloc(nb + 1, sizeof *brow);
    if (rc || !c->rows || !used || !koff || !brow)
        rc = HETERO_E_NOMEM;
    size_t j = 0;
    const cJSON *row;
    cJSON_ArrayForEach(row, brows)
    {
        if (rc)
            break;
        char key[BENCH_KEY_MAX];
        bench_row_identity(&fbase, row, key, sizeof key);
        size_t n = strlen(key) + 1;
        if (klen + n > kcap) {
            size_t ncap = kcap ? 2 * kcap : 4096;
            while (ncap < klen + n)
                ncap *= 2;
            char *k = realloc(keys, ncap);
            if (!k) {
                rc = HETERO_E_NOMEM;
                break;
            }
            keys = k;
            kcap = ncap;
        }
        memcpy(keys + klen, key, n);
        koff[j] = klen;
        klen += n;
        brow[j++] = row;
    }
    if (rc == HETERO_OK) {
        for (j = 0; j < nb; j++) {
            const char *wl = bench_str(brow[j], "workload");
            by_id.r[j] = (bench_ref){wl, keys + koff[j], j};
            by_role.r[j] = (bench_ref){wl, bench_role(bench_str(brow[j], "set")), j};
        }
        bench_groups_sort(&by_id);
        bench_groups_sort(&by_role);
    }
    cJSON_ArrayForEach(row, rrows)
    {
        if (rc)
            break;
        bench_cmp_row *o = &c->rows[c->n_rows++];
        const char *wl = bench_str(row, "workload"), *set = bench_str(row, "set");
        char key[BENCH_KEY_MAX];
        bench_row_identity(&frun, row, key, sizeof key);
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
        size_t mj = bench_groups_find(&by_id, wl, key, used);
        size_t rj = mj == BENCH_NONE ? bench_groups_find(&by_role, wl, bench_role(set), used) : BENCH_NONE;
        char reason[512] = "";
        if (mj != BENCH_NONE) {
            const cJSON *match = brow[mj];
            used[mj] = 1;
            o->status = BENCH_CMP_COMPARED;
            o->old_rate = bench_num(match, "items_per_s");
            o->noisy |= cJSON_IsTrue(bench_get(match, "noisy"));
            if (o->old_rate > 0 && o->new_rate > 0 && isfinite(o->old_rate) && isfinite(o->new_rate)) {
                o->change_pct = 100.0 * (o->new_rate / o->old_rate - 1.0);
                c->n_compared++;
                o->regression = fail_on >= 0 && o->change_pct < -fail_on;
                c->n_regressions += (size_t)o->regression;
            } else {
                /* a rate missing or not a positive number: never "compared"
                 * and left out of --fail-on's count */
                o->status = BENCH_CMP_INCOMPARABLE;
                snprintf(reason, sizeof reason, "no positive items_per_s %s",
                         o->old_rate > 0 && isfinite(o->old_rate) ? "in this run" : "in the baseline");
            }
        } else if (rj != BENCH_NONE) {
            const cJSON *role = brow[rj];
            used[rj] = 1;
            o->status = BENCH_CMP_INCOMPARABLE;
            o->old_rate = bench_num(role, "items_per_s");
            o->noisy |= cJSON_IsTrue(bench_get(role, "noisy"));
            snprintf(reason, sizeof reason, "here %.240s; in the baseline %.240s", key, keys + koff[rj]);
        }
        if (o->status == BENCH_CMP_INCOMPARABLE && !(o->reason = strdup(reason)))
            rc = HETERO_E_NOMEM;
    }
    for (j = 0; rc == HETERO_OK && j < nb; j++) {
        if (!used[j]) {
            row = brow[j];
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
    free(used);
    free(keys);
    free(koff);
    free(brow);
    bench_groups_free(&by_id);
    bench_groups_free(&by_role);

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

/* ---- printing ------------------------------------------------------------ */

void bench_compare_print_head(const bench_comparison *c, FILE *out)
{
    fprintf(out, "compared with %s: %s\n", c->baseline_path, c->baseline_run);
    if (!c->n_mm) {
        fputs("  no difference of machine, devices, build or settings\n", out);
        return;
    }
    fprintf(out, "  %zu difference%s of machine, devices, build or settings (here, then in the baseline):\n",
            c->n_mm, c->n_mm == 1 ? "" : "s");
    for (size_t i = 0; i < c->n_mm; i++)
        fprintf(out, "    %-28s %s  vs  %s\n", c->mm[i].field, c->mm[i].run,
                strcmp(c->mm[i].baseline, "null") == 0 ? "(not recorded)" : c->mm[i].baseline);
}

void bench_compare_print_text(const bench_comparison *c, FILE *out)
{
    int wd = 8;
    for (size_t i = 0; i < c->n_rows; i++)
        if ((int)strlen(c->rows[i].set) > wd)
            wd = (int)strlen(c->rows[i].set);
    fprintf(out,
            "\nchange against %s (items/s; rows matched by workload and devices: each OpenCL device's\n"
            "name and driver, OpenMP's CPU model and thread count, the rank count)\n",
            c->baseline_path);
    fprintf(out, "%-10s  %-*s  %9s  %9s  %s\n", "workload", wd, "set", "old", "new", "change");
    size_t n_inc = 0, n_new = 0, n_gone = 0;
    for (size_t i = 0; i < c->n_rows; i++) {
        const bench_cmp_row *r = &c->rows[i];
        char o[32], w[32], ch[700];
        het_format_si(r->old_rate, o, sizeof o);
        het_format_si(r->new_rate, w, sizeof w);
        switch (r->status) {
        case BENCH_CMP_COMPARED:
            if (isfinite(r->change_pct))
                snprintf(ch, sizeof ch, "%+.1f%%%s%s", r->change_pct,
                         r->regression ? "  REGRESSION (fell more than --fail-on)" : "",
                         r->noisy ? "  noisy" : "");
            else
                snprintf(ch, sizeof ch, "-");
            break;
        case BENCH_CMP_INCOMPARABLE:
            n_inc++;
            snprintf(ch, sizeof ch, "cannot be compared: %s", r->reason);
            break;
        case BENCH_CMP_NEW:
            n_new++;
            snprintf(ch, sizeof ch, "(not in the baseline)");
            break;
        default:
            n_gone++;
            snprintf(ch, sizeof ch, "(not in this run)");
            break;
        }
        fprintf(out, "%-10s  %-*s  %9s  %9s  %s\n", r->workload, wd, r->set, o, w, ch);
    }
    fprintf(out, "%zu compared, %zu cannot be compared, %zu only in this run, %zu only in the baseline",
            c->n_compared, n_inc, n_new, n_gone);
    if (c->fail_on >= 0)
        fprintf(out, "; --fail-on %g%%: %zu regression%s%s", c->fail_on, c->n_regressions,
                c->n_regressions == 1 ? "" : "s", c->n_compared ? "" : " (and nothing to compare: exit 3)");
    fputc('\n', out);
}

cJSON *bench_compare_json(const bench_comparison *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "baseline", c->baseline_path);
    cJSON_AddStringToObject(o, "baseline_run", c->baseline_run);
    cJSON *mm = cJSON_AddArrayToObject(o, "baseline_mismatch");
    for (size_t i = 0; i < c->n_mm; i++) {
        cJSON *m = cJSON_CreateObject();
        cJSON_AddStringToObject(m, "field", c->mm[i].field);
        cJSON *a = cJSON_Parse(c->mm[i].run), *b = cJSON_Parse(c->mm[i].baseline);
        cJSON_AddItemToObject(m, "run", a ? a : cJSON_CreateString(c->mm[i].run));
        cJSON_AddItemToObject(m, "baseline", b ? b : cJSON_CreateString(c->mm[i].baseline));
        cJSON_AddItemToArray(mm, m);
    }
    cJSON_AddItemToObject(o, "fail_on_pct",
                          c->fail_on >= 0 ? het_json_f64(c->fail_on, 6) : cJSON_CreateNull());
    cJSON_AddNumberToObject(o, "compared", (double)c->n_compared);
    cJSON_AddNumberToObject(o, "regressions", (double)c->n_regressions);
    cJSON *rows = cJSON_AddArrayToObject(o, "rows");
    for (size_t i = 0; i < c->n_rows; i++) {
        const bench_cmp_row *r = &c->rows[i];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "workload", r->workload);
        cJSON_AddStringToObject(x, "set", r->set);
        cJSON_AddStringToObject(x, "status", bench_status_name(r->status));
        cJSON_AddBoolToObject(x, "comparable", r->status == BENCH_CMP_COMPARED);
        if (r->status == BENCH_CMP_INCOMPARABLE)
            cJSON_AddStringToObject(x, "reason", r->reason);
        else
            cJSON_AddNullToObject(x, "reason");
        cJSON_AddBoolToObject(x, "in_baseline", r->status != BENCH_CMP_NEW);
        cJSON_AddBoolToObject(x, "in_run", r->status != BENCH_CMP_GONE);
        cJSON_AddItemToObject(x, "old_items_per_s", het_json_f64(r->old_rate, 6));
        cJSON_AddItemToObject(x, "new_items_per_s", het_json_f64(r->new_rate, 6));
        cJSON_AddItemToObject(x, "change_pct", het_json_f64(r->change_pct, 4));
        cJSON_AddBoolToObject(x, "noisy", r->noisy);
        cJSON_AddBoolToObject(x, "regression", r->regression);
        cJSON_AddItemToArray(rows, x);
    }
    return o;
}
