/* report.c - hetero-bench's report: a table for people, one JSON document,
 * or CSV rows; and the change against a baseline JSON (--compare). */
#include "bench.h"

#include "format.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *bench_kind_name(int kind)
{
    switch (kind) {
    case BENCH_SET_CL: return "opencl";
    case BENCH_SET_OMP1: return "omp-1-thread";
    case BENCH_SET_OMPALL: return "omp-all-threads";
    default: return "all";
    }
}

/* ---- comparison --------------------------------------------------------- */

/* One line of the comparison: a row of this run, of the baseline, or both
 * (matched by workload and devices). */
typedef struct bench_cmp {
    const char *workload, *devices;   /* point into the bench or the baseline */
    double old_rate, new_rate;        /* items/s; NAN where that side has no number */
    int in_old, in_new;
} bench_cmp;

static const char *bench_json_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static const cJSON *bench_baseline_row(const cJSON *baseline, const char *wl, const char *devices)
{
    const cJSON *row;
    cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(baseline, "results"))
    {
        if (strcmp(bench_json_str(row, "workload"), wl) == 0 &&
            strcmp(bench_json_str(row, "devices"), devices) == 0)
            return row;
    }
    return NULL;
}

static double bench_json_rate(const cJSON *row)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, "items_per_s");
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* This run's rows in order, then the baseline's rows this run lacks.
 * Caller frees the array. */
static bench_cmp *bench_compare(const bench *b, size_t *n)
{
    const cJSON *results = cJSON_GetObjectItemCaseSensitive(b->baseline, "results");
    size_t cap = b->n_rows + (size_t)cJSON_GetArraySize(results) + 1, k = 0;
    bench_cmp *c = calloc(cap, sizeof *c);
    if (!c)
        return NULL;
    for (size_t i = 0; i < b->n_rows; i++) {
        const bench_row *r = &b->rows[i];
        const char *dev = b->sets[r->set].name;
        const cJSON *old = bench_baseline_row(b->baseline, r->wl->name, dev);
        c[k++] = (bench_cmp){r->wl->name, dev, old ? bench_json_rate(old) : NAN, r->items_per_s,
                             old != NULL, 1};
    }
    const cJSON *row;
    cJSON_ArrayForEach(row, results)
    {
        const char *wl = bench_json_str(row, "workload"), *dev = bench_json_str(row, "devices");
        int found = 0;
        for (size_t i = 0; i < b->n_rows && !found; i++)
            found = strcmp(b->rows[i].wl->name, wl) == 0 && strcmp(b->sets[b->rows[i].set].name, dev) == 0;
        if (!found && k < cap)
            c[k++] = (bench_cmp){wl, dev, bench_json_rate(row), NAN, 1, 0};
    }
    *n = k;
    return c;
}

static double bench_change_pct(const bench_cmp *c)
{
    return c->old_rate > 0 && isfinite(c->new_rate) ? 100.0 * (c->new_rate / c->old_rate - 1.0) : NAN;
}

/* ---- numbers for JSON ---------------------------------------------------- */

/* Integers go in as raw decimal text: cJSON's numbers are doubles. */
static cJSON *bench_fields_json(const bench_fields *f)
{
    cJSON *o = cJSON_CreateObject();
    for (size_t i = 0; i < f->n; i++)
        cJSON_AddItemToObject(o, f->f[i].name, het_json_field(&f->f[i]));
    return o;
}

static void bench_digest(uint64_t d, char *buf, size_t size)
{
    snprintf(buf, size, "%016" PRIx64, d);
}

/* ---- JSON ---------------------------------------------------------------- */

static int bench_print_json(const bench *b, FILE *out)
{
    char buf[64];
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "schema", BENCH_SCHEMA);
    cJSON_AddNumberToObject(root, "version", BENCH_VERSION);
    cJSON_AddStringToObject(root, "hetero", HETERO_VERSION);

    cJSON *m = cJSON_AddObjectToObject(root, "machine");
    cJSON_AddStringToObject(m, "cpu_model", b->m.cpu);
    cJSON_AddNumberToObject(m, "cores", (double)b->m.cores);
    cJSON_AddNumberToObject(m, "omp_threads", b->m.omp_threads);
    cJSON_AddNumberToObject(m, "mpi_ranks", b->m.ranks);
    cJSON *cl = cJSON_AddArrayToObject(m, "opencl");
    for (size_t i = 0; i < b->m.n_cl; i++)
        cJSON_AddItemToArray(cl, het_json_device(&b->m.cl[i]));

    cJSON *st = cJSON_AddObjectToObject(root, "settings");
    cJSON_AddBoolToObject(st, "quick", b->opt.quick);
    cJSON_AddNumberToObject(st, "repeats", b->opt.repeats);
    cJSON_AddItemToObject(st, "seconds", het_json_f64(b->opt.seconds, 6));
    cJSON_AddItemToObject(st, "check_items", het_json_u64(b->opt.check_items));
    cJSON_AddItemToObject(st, "seed", het_json_u64(b->opt.seed));
    cJSON_AddStringToObject(st, "devices", b->opt.devices ? b->opt.devices : "omp,cl");
    cJSON_AddStringToObject(st, "time", "compute phase, slowest rank");

    cJSON *sets = cJSON_AddArrayToObject(root, "sets");
    for (size_t i = 0; i < b->n_sets; i++) {
        const bench_set *s = &b->sets[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "devices", s->name);
        cJSON_AddStringToObject(o, "kind", bench_kind_name(s->kind));
        cJSON_AddStringToObject(o, "engine_devices", s->devices);
        cJSON *mem = cJSON_AddArrayToObject(o, "members");
        for (size_t k = 0; k < s->n_members; k++)
            cJSON_AddItemToArray(mem, cJSON_CreateString(b->sets[s->members[k]].name));
        cJSON_AddBoolToObject(o, "shares_cores", s->shares_cores);
        cJSON_AddItemToArray(sets, o);
    }

    cJSON *checks = cJSON_AddArrayToObject(root, "checks");
    for (size_t i = 0; i < b->n_checks; i++) {
        const bench_check *c = &b->checks[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "workload", c->wl->name);
        cJSON_AddItemToObject(o, "items", het_json_u64(c->items));
        cJSON_AddItemToObject(o, "params", bench_fields_json(&c->params));
        cJSON_AddItemToObject(o, "result", bench_fields_json(&c->result));
        bench_digest(c->digest, buf, sizeof buf);
        cJSON_AddStringToObject(o, "digest", buf);
        cJSON_AddNumberToObject(o, "sets_agreeing", (double)c->n_sets);
        cJSON_AddItemToArray(checks, o);
    }

    cJSON *results = cJSON_AddArrayToObject(root, "results");
    for (size_t i = 0; i < b->n_rows; i++) {
        const bench_row *r = &b->rows[i];
        const bench_set *s = &b->sets[r->set];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "workload", r->wl->name);
        cJSON_AddStringToObject(o, "item_name", r->wl->item_name);
        cJSON_AddStringToObject(o, "devices", s->name);
        cJSON_AddStringToObject(o, "engine_devices", s->devices);
        cJSON_AddNumberToObject(o, "threads", r->threads);
        cJSON_AddNumberToObject(o, "ranks", r->ranks);
        cJSON_AddItemToObject(o, "items", het_json_u64(r->items));
        cJSON_AddItemToObject(o, "params", bench_fields_json(&r->params));
        cJSON_AddNumberToObject(o, "repeats", r->repeats);
        cJSON_AddItemToObject(o, "median_s", het_json_f64(r->median_s, 6));
        cJSON_AddItemToObject(o, "min_s", het_json_f64(r->min_s, 6));
        cJSON_AddItemToObject(o, "max_s", het_json_f64(r->max_s, 6));
        cJSON_AddItemToObject(o, "wall_median_s", het_json_f64(r->wall_median_s, 6));
        cJSON_AddItemToObject(o, "items_per_s", het_json_f64(r->items_per_s, 6));
        cJSON_AddItemToObject(o, "items_per_s_min", het_json_f64(r->items_per_s_min, 6));
        cJSON_AddItemToObject(o, "items_per_s_max", het_json_f64(r->items_per_s_max, 6));
        cJSON_AddItemToObject(o, "speedup", het_json_f64(r->speedup, 4));
        cJSON_AddItemToObject(o, "coexec_efficiency", het_json_f64(r->coexec, 4));
        cJSON_AddBoolToObject(o, "shares_cores", s->shares_cores);
        bench_digest(r->digest, buf, sizeof buf);
        cJSON_AddStringToObject(o, "result_digest", buf);
        cJSON_AddItemToArray(results, o);
    }

    if (b->baseline) {
        size_t n;
        bench_cmp *c = bench_compare(b, &n);
        if (!c) {
            cJSON_Delete(root);
            return het_fail(HET_E_NOMEM, "out of memory comparing with the baseline");
        }
        cJSON *cmp = cJSON_AddObjectToObject(root, "compare");
        cJSON_AddStringToObject(cmp, "baseline", b->opt.compare);
        cJSON *rows = cJSON_AddArrayToObject(cmp, "rows");
        for (size_t i = 0; i < n; i++) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "workload", c[i].workload);
            cJSON_AddStringToObject(o, "devices", c[i].devices);
            cJSON_AddBoolToObject(o, "in_baseline", c[i].in_old);
            cJSON_AddBoolToObject(o, "in_run", c[i].in_new);
            cJSON_AddItemToObject(o, "old_items_per_s", het_json_f64(c[i].old_rate, 6));
            cJSON_AddItemToObject(o, "new_items_per_s", het_json_f64(c[i].new_rate, 6));
            cJSON_AddItemToObject(o, "change_pct", het_json_f64(bench_change_pct(&c[i]), 4));
            cJSON_AddItemToArray(rows, o);
        }
        free(c);
    }

    return het_json_emit(root, out);
}

/* ---- text ---------------------------------------------------------------- */

static void bench_print_compare_text(const bench *b, const bench_cmp *c, size_t n, FILE *out)
{
    fprintf(out, "\nchange against %s (items/s, matched by workload and devices)\n", b->opt.compare);
    fprintf(out, "%-10s  %-8s  %9s  %9s  %s\n", "workload", "devices", "old", "new", "change");
    for (size_t i = 0; i < n; i++) {
        char o[32], w[32], ch[40];
        het_format_si(c[i].old_rate, o, sizeof o);
        het_format_si(c[i].new_rate, w, sizeof w);
        double pct = bench_change_pct(&c[i]);
        if (!c[i].in_old)
            snprintf(ch, sizeof ch, "(not in the baseline)");
        else if (!c[i].in_new)
            snprintf(ch, sizeof ch, "(not in this run)");
        else if (isfinite(pct))
            snprintf(ch, sizeof ch, "%+.1f%%", pct);
        else
            snprintf(ch, sizeof ch, "-");
        fprintf(out, "%-10s  %-8s  %9s  %9s  %s\n", c[i].workload, c[i].devices, o, w, ch);
    }
}

static int bench_print_text(const bench *b, FILE *out)
{
    fprintf(out, "hetero-bench %s on %s: %ld cores, %d OpenMP thread%s", HETERO_VERSION, b->m.cpu,
            b->m.cores, b->m.omp_threads, b->m.omp_threads == 1 ? "" : "s");
    if (b->m.ranks > 1)
        fprintf(out, " per rank, %d MPI ranks (every row runs across all of them)\n", b->m.ranks);
    else
        fputs(", 1 rank\n", out);
    for (size_t i = 0; i < b->m.n_cl; i++)
        fprintf(out, "OpenCL %s: %s (%s, %s, driver %s)\n", b->m.cl[i].id, b->m.cl[i].name,
                hcl_type_name(b->m.cl[i].type), b->m.cl[i].version, b->m.cl[i].driver);
    fprintf(out, "%d repeat%s per row, each sized to about %g s of compute; time is the engine's "
            "compute phase%s\n\n", b->opt.repeats, b->opt.repeats == 1 ? "" : "s", b->opt.seconds,
            b->m.ranks > 1 ? " (slowest rank)" : "");

    fprintf(out, "%-10s  %-8s  %7s  %8s  %8s  %9s  %-17s  %7s  %7s\n", "workload", "devices", "threads",
            "items", "median_s", "items/s", "items/s min..max", "speedup", "co-exec");
    int footnote = 0;
    for (size_t i = 0; i < b->n_rows; i++) {
        const bench_row *r = &b->rows[i];
        const bench_set *s = &b->sets[r->set];
        char items[32], rate[32], lo[32], hi[32], range[72], th[16], sp[16], co[16];
        het_format_si((double)r->items, items, sizeof items);
        het_format_si(r->items_per_s, rate, sizeof rate);
        het_format_si(r->items_per_s_min, lo, sizeof lo);
        het_format_si(r->items_per_s_max, hi, sizeof hi);
        snprintf(range, sizeof range, "%s..%s", lo, hi);
        snprintf(th, sizeof th, r->threads ? "%d" : "-", r->threads);
        snprintf(sp, sizeof sp, isfinite(r->speedup) ? "%.2f" : "-", r->speedup);
        snprintf(co, sizeof co, isfinite(r->coexec) ? "%.2f%s" : "-", r->coexec, s->shares_cores ? "*" : "");
        footnote |= s->shares_cores;
        fprintf(out, "%-10s  %-8s  %7s  %8s  %8.3f  %9s  %-17s  %7s  %7s\n", r->wl->name, s->name, th, items,
                r->median_s, rate, range, sp, co);
    }

    fputs("\nself-check: the same job on every device set gives the same result and digest\n", out);
    for (size_t i = 0; i < b->n_checks; i++) {
        const bench_check *c = &b->checks[i];
        char items[32];
        het_format_si((double)c->items, items, sizeof items);
        char agree[48];
        snprintf(agree, sizeof agree, c->n_sets == 1 ? "1 set (no other)" : "%zu sets agree", c->n_sets);
        fprintf(out, "  %-10s  %-16s  %s %s  digest %016" PRIx64 " ", c->wl->name, agree, items,
                c->wl->item_name, c->digest);
        /* the first few result fields, enough to recognise the answer */
        for (size_t k = 0; k < c->result.n && k < 3; k++) {
            char v[64];
            const het_field *f = &c->result.f[k];
            if (f->kind == HET_FIELD_F64)
                snprintf(v, sizeof v, "%.10g", f->v.f64);
            else
                het_format_field(f, 17, v, sizeof v);
            fprintf(out, " %s=%s", f->name, v);
        }
        fputc('\n', out);
    }

    fputs("\nitems:    ", out);
    for (size_t i = 0; i < b->n_checks; i++)
        fprintf(out, "%s%s = %s", i ? ", " : "", b->checks[i].wl->name, b->checks[i].wl->item_name);
    fputs("\nspeedup:  items/s over the omp/1 row of the same workload\n"
          "co-exec:  items/s of `all` over the sum of its members' solo items/s\n"
          "          (1.00: nothing lost by running them together)\n", out);
    for (size_t i = 0; footnote && i < b->n_sets; i++) {
        const bench_set *s = &b->sets[i];
        if (!s->shares_cores)
            continue;
        fputs("* ", out);
        for (size_t k = 0, first = 1; k < s->n_members; k++) {
            const bench_set *m = &b->sets[s->members[k]];
            if (m->kind == BENCH_SET_CL && (m->cl_type & HCL_CPU)) {
                fprintf(out, "%s%s", first ? "" : ", ", m->name);
                first = 0;
            }
        }
        fputs(" is a CPU OpenCL device that shares its cores with OpenMP: each member's\n"
              "  solo rate had the whole CPU, so their sum is not reachable and co-exec is not\n"
              "  a meaningful efficiency here.\n", out);
    }

    if (b->baseline) {
        size_t n;
        bench_cmp *c = bench_compare(b, &n);
        if (!c)
            return het_fail(HET_E_NOMEM, "out of memory comparing with the baseline");
        bench_print_compare_text(b, c, n, out);
        free(c);
    }
    return HET_OK;
}

/* ---- CSV ----------------------------------------------------------------- */

static void bench_csv_num(FILE *out, double v, int digits)
{
    if (isfinite(v))
        fprintf(out, ",%.*g", digits, v);
    else
        fputs(",", out);
}

static int bench_print_csv(const bench *b, FILE *out)
{
    bench_cmp *c = NULL;
    size_t n = 0;
    if (b->baseline && !(c = bench_compare(b, &n)))
        return het_fail(HET_E_NOMEM, "out of memory comparing with the baseline");
    fputs("workload,item_name,devices,engine_devices,threads,ranks,items,repeats,median_s,min_s,max_s,"
          "wall_median_s,items_per_s,items_per_s_min,items_per_s_max,speedup,coexec_efficiency,"
          "shares_cores,result_digest", out);
    if (c)
        fputs(",baseline_items_per_s,change_pct", out);
    fputc('\n', out);
    for (size_t i = 0; i < b->n_rows; i++) {
        const bench_row *r = &b->rows[i];
        const bench_set *s = &b->sets[r->set];
        /* engine_devices has commas: quote it */
        fprintf(out, "%s,%s,%s,\"%s\",%d,%d,%" PRIu64 ",%d", r->wl->name, r->wl->item_name, s->name,
                s->devices, r->threads, r->ranks, r->items, r->repeats);
        bench_csv_num(out, r->median_s, 6);
        bench_csv_num(out, r->min_s, 6);
        bench_csv_num(out, r->max_s, 6);
        bench_csv_num(out, r->wall_median_s, 6);
        bench_csv_num(out, r->items_per_s, 6);
        bench_csv_num(out, r->items_per_s_min, 6);
        bench_csv_num(out, r->items_per_s_max, 6);
        bench_csv_num(out, r->speedup, 4);
        bench_csv_num(out, r->coexec, 4);
        fprintf(out, ",%s,%016" PRIx64, s->shares_cores ? "true" : "false", r->digest);
        if (c) {
            /* c lists this run's rows first, in the same order */
            bench_csv_num(out, c[i].old_rate, 6);
            bench_csv_num(out, bench_change_pct(&c[i]), 4);
        }
        fputc('\n', out);
    }
    free(c);
    return HET_OK;
}

int bench_print(const bench *b, FILE *out)
{
    switch (b->opt.format) {
    case HET_FMT_JSON: return bench_print_json(b, out);
    case HET_FMT_CSV: return bench_print_csv(b, out);
    default: return bench_print_text(b, out);
    }
}
