/* report.c - hetero-bench's report: one JSON document (also what --compare
 * compares, compare.c), a table for people, or CSV rows; with --results,
 * the comparison of two saved reports alone. */
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
    default: return "combined";
    }
}

/* Integers go in as raw decimal text: cJSON's numbers are doubles. */
static cJSON *bench_fields_json(const bench_fields *f)
{
    cJSON *o = cJSON_CreateObject();
    for (size_t i = 0; i < f->n; i++)
        cJSON_AddItemToObject(o, f->f[i].name, het_json_field(&f->f[i]));
    return o;
}

static void bench_digest(uint64_t d, char *buf, size_t size) { snprintf(buf, size, "%016" PRIx64, d); }

/* ---- the JSON document --------------------------------------------------- */

static void bench_json_run(cJSON *root, const bench *b)
{
    cJSON *run = cJSON_AddObjectToObject(root, "run");
    cJSON_AddStringToObject(run, "host", b->run.host);
    cJSON_AddStringToObject(run, "started", b->run.started);
    cJSON_AddStringToObject(run, "hetero", HETERO_VERSION);
    cJSON_AddStringToObject(run, "git", b->run.git);
    if (b->run.git_dirty < 0)
        cJSON_AddNullToObject(run, "git_dirty");
    else
        cJSON_AddBoolToObject(run, "git_dirty", b->run.git_dirty);
    cJSON_AddStringToObject(run, "compiler", b->run.compiler);
    cJSON_AddStringToObject(run, "build_type", b->run.build_type);
}

static void bench_json_machine(cJSON *root, const bench *b)
{
    cJSON *m = cJSON_AddObjectToObject(root, "machine");
    cJSON_AddStringToObject(m, "cpu_model", b->m.cpu);
    cJSON_AddNumberToObject(m, "cores", (double)b->m.cores);
    cJSON_AddNumberToObject(m, "omp_threads", b->m.omp_threads);
    cJSON_AddNumberToObject(m, "mpi_ranks", b->m.ranks);
    cJSON *cl = cJSON_AddArrayToObject(m, "opencl");
    for (size_t i = 0; i < b->m.n_cl; i++)
        cJSON_AddItemToArray(cl, het_json_device(&b->m.cl[i]));
}

static void bench_json_settings(cJSON *root, const bench *b)
{
    cJSON *st = cJSON_AddObjectToObject(root, "settings");
    cJSON_AddBoolToObject(st, "quick", b->opt.quick);
    cJSON_AddNumberToObject(st, "repeats", b->opt.repeats);
    cJSON_AddItemToObject(st, "seconds", het_json_f64(b->opt.seconds, 6));
    cJSON_AddItemToObject(st, "check_items", het_json_u64(b->opt.check_items));
    cJSON_AddItemToObject(st, "seed", het_json_u64(b->opt.seed));
    cJSON_AddStringToObject(st, "devices", b->opt.devices ? b->opt.devices : "omp,cl");
    if (b->opt.threads > 0)
        cJSON_AddNumberToObject(st, "threads", b->opt.threads);
    else
        cJSON_AddNullToObject(st, "threads");
    cJSON_AddNumberToObject(st, "noisy_pct", BENCH_NOISY_PCT);
    cJSON_AddStringToObject(st, "time", "compute phase, slowest rank");
}

static void bench_json_sets(cJSON *root, const bench *b)
{
    cJSON *sets = cJSON_AddArrayToObject(root, "sets");
    for (size_t i = 0; i < b->n_sets; i++) {
        const bench_set *s = &b->sets[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "set", s->name);
        cJSON_AddStringToObject(o, "label", s->label);
        cJSON_AddStringToObject(o, "kind", bench_kind_name(s->kind));
        cJSON_AddStringToObject(o, "engine_devices", s->devices);
        cJSON *mem = cJSON_AddArrayToObject(o, "members");
        for (size_t k = 0; k < s->n_members; k++)
            cJSON_AddItemToArray(mem, cJSON_CreateString(b->sets[s->members[k]].name));
        cJSON_AddBoolToObject(o, "shares_cores", s->shares_cores);
        cJSON_AddItemToArray(sets, o);
    }
}

static void bench_json_checks(cJSON *root, const bench *b)
{
    char buf[64];
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
}

/* One row of "results", without its identity (which needs the whole
 * document). */
static cJSON *bench_json_row(const bench *b, const bench_row *r)
{
    char buf[64];
    const bench_set *s = &b->sets[r->set];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "workload", r->wl->name);
    cJSON_AddStringToObject(o, "item_name", r->wl->item_name);
    cJSON_AddStringToObject(o, "set", s->name);
    cJSON_AddStringToObject(o, "label", s->label);
    cJSON_AddStringToObject(o, "engine_devices", s->devices);
    cJSON_AddNumberToObject(o, "threads", r->threads);
    cJSON_AddNumberToObject(o, "mpi_ranks", r->ranks);
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
    cJSON_AddItemToObject(o, "spread_pct", het_json_f64(r->spread_pct, 4));
    cJSON_AddItemToObject(o, "calibration_items_per_s", het_json_f64(r->calib_rate, 6));
    cJSON_AddBoolToObject(o, "noisy", r->noisy);
    if (r->noise)
        cJSON_AddStringToObject(o, "noise", r->noise);
    else
        cJSON_AddNullToObject(o, "noise");
    cJSON_AddBoolToObject(o, "remeasured", r->remeasured);
    cJSON_AddItemToObject(o, "first_spread_pct", het_json_f64(r->first_spread_pct, 4));
    cJSON_AddItemToObject(o, "speedup", het_json_f64(r->speedup, 4));
    cJSON_AddItemToObject(o, "coexec_efficiency", het_json_f64(r->coexec, 4));
    cJSON_AddBoolToObject(o, "shares_cores", s->shares_cores);
    if (r->workers_note[0])
        cJSON_AddStringToObject(o, "workers_note", r->workers_note);
    else
        cJSON_AddNullToObject(o, "workers_note");
    bench_digest(r->digest, buf, sizeof buf);
    cJSON_AddStringToObject(o, "check_digest", buf);
    return o;
}

cJSON *bench_report_doc(const bench *b)
{
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return NULL;
    cJSON_AddStringToObject(root, "schema", BENCH_SCHEMA);
    cJSON_AddNumberToObject(root, "version", BENCH_VERSION);
    cJSON_AddStringToObject(root, "hetero", HETERO_VERSION);
    bench_json_run(root, b);
    bench_json_machine(root, b);
    bench_json_settings(root, b);
    bench_json_sets(root, b);
    bench_json_checks(root, b);
    cJSON *results = cJSON_AddArrayToObject(root, "results");
    for (size_t i = 0; i < b->n_rows; i++)
        cJSON_AddItemToArray(results, bench_json_row(b, &b->rows[i]));
    /* what each row ran on, as --compare matches it */
    cJSON *row;
    cJSON_ArrayForEach(row, results)
    {
        char id[1400];
        bench_identity(root, row, id, sizeof id);
        cJSON_AddStringToObject(row, "identity", id);
    }
    return root;
}

/* Well-formed UTF-8 whatever the strings hold (a device's name from its
 * driver, a file name, a cut in the middle of a character): het_json_emit. */
static int bench_emit(const cJSON *doc, FILE *out)
{
    char *text = cJSON_Print(doc);
    if (!text)
        return hetero_fail(HETERO_E_NOMEM, "out of memory printing JSON");
    het_utf8_fputs(text, out);
    fputc('\n', out);
    free(text);
    return HETERO_OK;
}

static int bench_print_json(const bench *b, FILE *out)
{
    cJSON *doc = b->doc;
    /* the comparison goes into the printed document only */
    if (b->have_cmp) {
        cJSON *cmp = bench_compare_json(&b->cmp);
        if (!cmp)
            return hetero_fail(HETERO_E_NOMEM, "out of memory printing JSON");
        cJSON_AddItemToObject(doc, "compare", cmp);
        int rc = bench_emit(doc, out);
        cJSON_DeleteItemFromObjectCaseSensitive(doc, "compare");
        return rc;
    }
    return bench_emit(doc, out);
}

/* ---- text ---------------------------------------------------------------- */

static void bench_spread_text(const bench_row *r, char *buf, size_t size)
{
    if (!isfinite(r->spread_pct))
        snprintf(buf, size, "-");
    else
        snprintf(buf, size, "%.1f%%%s", r->spread_pct, r->noisy ? " !" : r->remeasured ? " ~" : "");
}

/* What the table's rows call for under it. */
typedef struct bench_text_marks {
    int footnote; /* a set shares cores (*) */
    int noisy;    /* a row is noisy (!) */
    int again;    /* a row was measured again, and then was not noisy (~) */
    int note;     /* a row has a note about its workers (w) */
} bench_text_marks;

/* The build, the machine, its OpenCL devices and how rows are measured. */
static void bench_text_head(const bench *b, FILE *out)
{
    const bench_run_info *ri = &b->run;
    fprintf(out, "hetero-bench %s (git %.12s%s, %s, %s) on host %s, started %s\n", HETERO_VERSION, ri->git,
            ri->git_dirty > 0 ? "+changes" : "", ri->compiler, ri->build_type, ri->host, ri->started);
    fprintf(out, "machine: %s, %ld cores, %d OpenMP thread%s", b->m.cpu, b->m.cores, b->m.omp_threads,
            b->m.omp_threads == 1 ? "" : "s");
    if (b->m.ranks > 1)
        fprintf(out, " per rank, %d MPI ranks (every row runs across all of them)\n", b->m.ranks);
    else
        fputs(", 1 rank\n", out);
    for (size_t i = 0; i < b->m.n_cl; i++)
        fprintf(out, "OpenCL %s: %s (%s, %s, driver %s)\n", b->m.cl[i].id, b->m.cl[i].name,
                hcl_type_name(b->m.cl[i].type), b->m.cl[i].version, b->m.cl[i].driver);
    fprintf(
        out,
        "%d repeat%s per row, each sized to about %g s of compute; time is the engine's compute phase%s;\n"
        "a row whose repeats spread more than %g%%, or fall that much below the rate its calibration just\n"
        "measured, is measured again, and marked noisy (!) if it still does\n",
        b->opt.repeats, b->opt.repeats == 1 ? "" : "s", b->opt.seconds,
        b->m.ranks > 1 ? " (slowest rank)" : "", BENCH_NOISY_PCT);
}

/* The device sets; returns the width of the set column. */
static int bench_text_sets(const bench *b, FILE *out)
{
    int wd = 8;
    for (size_t i = 0; i < b->n_sets; i++)
        if ((int)strlen(b->sets[i].name) > wd)
            wd = (int)strlen(b->sets[i].name);
    fputs("\nsets:\n", out);
    for (size_t i = 0; i < b->n_sets; i++) {
        const bench_set *s = &b->sets[i];
        fprintf(out, "  %-*s  %s%s%s\n", wd, s->name, s->label,
                s->kind == BENCH_SET_COMBINED ? ": all of the above at once" : "",
                s->shares_cores ? " (shares cores *)" : "");
    }
    return wd;
}

/* One row of the table, its set column wd wide. */
static void bench_text_row(const bench *b, const bench_row *r, int wd, FILE *out)
{
    const bench_set *s = &b->sets[r->set];
    char items[32], rate[32], lo[32], hi[32], range[72], th[16], sp[16], co[16], spread[24];
    het_format_si((double)r->items, items, sizeof items);
    het_format_si(r->items_per_s, rate, sizeof rate);
    het_format_si(r->items_per_s_min, lo, sizeof lo);
    het_format_si(r->items_per_s_max, hi, sizeof hi);
    snprintf(range, sizeof range, "%s..%s", lo, hi);
    snprintf(th, sizeof th, r->threads ? "%d" : "-", r->threads);
    snprintf(sp, sizeof sp, isfinite(r->speedup) ? "%.2f" : "-", r->speedup);
    snprintf(co, sizeof co, isfinite(r->coexec) ? "%.2f%s" : "-", r->coexec, s->shares_cores ? "*" : "");
    bench_spread_text(r, spread, sizeof spread);
    fprintf(out, "%-10s  %-*s  %7s  %8s  %8.3f  %9s  %-17s  %8s  %7s  %7s%s\n", r->wl->name, wd, s->name, th,
            items, r->median_s, rate, range, spread, sp, co, r->workers_note[0] ? "  w" : "");
}

/* The table of rows; returns the marks they carry. */
static bench_text_marks bench_text_rows(const bench *b, int wd, FILE *out)
{
    bench_text_marks mk = {0, 0, 0, 0};
    fprintf(out, "\n%-10s  %-*s  %7s  %8s  %8s  %9s  %-17s  %8s  %7s  %7s\n", "workload", wd, "set",
            "threads", "items", "median_s", "items/s", "items/s min..max", "spread", "speedup", "co-exec");
    for (size_t i = 0; i < b->n_rows; i++) {
        const bench_row *r = &b->rows[i];
        bench_text_row(b, r, wd, out);
        mk.footnote |= b->sets[r->set].shares_cores;
        mk.noisy |= r->noisy;
        mk.again |= r->remeasured && !r->noisy;
        mk.note |= r->workers_note[0] != 0;
    }
    return mk;
}

/* The self-check: each workload's result and digest, and how many sets
 * agree on them. */
static void bench_text_checks(const bench *b, FILE *out)
{
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
            const hetero_field *f = &c->result.f[k];
            if (f->kind == HETERO_FIELD_F64)
                snprintf(v, sizeof v, "%.10g", f->v.f64);
            else
                het_format_field(f, 17, v, sizeof v);
            fprintf(out, " %s=%s", f->name, v);
        }
        fputc('\n', out);
    }
}

/* What the columns mean. */
static void bench_text_legend(const bench *b, FILE *out)
{
    fputs("\nitems:    ", out);
    for (size_t i = 0; i < b->n_checks; i++)
        fprintf(out, "%s%s = %s", i ? ", " : "", b->checks[i].wl->name, b->checks[i].wl->item_name);
    fprintf(out,
            "\nspread:   (fastest - slowest items/s) / median items/s of the repeats (- with one repeat)\n"
            "speedup:  items/s over the omp/1 row of the same workload\n"
            "co-exec:  items/s of the combined set over the sum of its members' solo items/s\n"
            "          (1.00: nothing lost by running them together)\n");
}

/* The noisy rows (!), each with why, and the rows measured again (~). */
static void bench_text_noisy(const bench *b, const bench_text_marks *mk, FILE *out)
{
    for (size_t i = 0; mk->noisy && i < b->n_rows; i++) {
        const bench_row *r = &b->rows[i];
        if (!r->noisy)
            continue;
        char cal[32];
        het_format_si(r->calib_rate, cal, sizeof cal);
        if (strcmp(r->noise, "spread") == 0)
            fprintf(out, "!  %s on %s is noisy: its repeats spread more than %g%% twice (measured again)\n",
                    r->wl->name, b->sets[r->set].name, BENCH_NOISY_PCT);
        else
            fprintf(
                out,
                "!  %s on %s is noisy: its repeats ran more than %g%% below the %s items/s its calibration\n"
                "   measured just before, twice (measured again)\n",
                r->wl->name, b->sets[r->set].name, BENCH_NOISY_PCT, cal);
    }
    if (mk->noisy)
        fputs("   A noisy figure is not to be trusted (another process, a frequency change): run it again.\n",
              out);
    if (mk->again)
        fprintf(out,
                "~  the first measurement was suspect (spread or below its calibration by more than %g%%);\n"
                "   this is the second, which was not\n",
                BENCH_NOISY_PCT);
}

/* The sets whose members share cores (*), each with its CPU OpenCL
 * devices. */
static void bench_text_shared(const bench *b, FILE *out)
{
    for (size_t i = 0; i < b->n_sets; i++) {
        const bench_set *s = &b->sets[i];
        if (!s->shares_cores)
            continue;
        fputs("*  ", out);
        for (size_t k = 0, first = 1; k < s->n_members; k++) {
            const bench_set *m = &b->sets[s->members[k]];
            if (m->kind == BENCH_SET_CL && (m->cl_type & HCL_CPU)) {
                fprintf(out, "%s%s (%s)", first ? "" : ", ", m->name, m->label);
                first = 0;
            }
        }
        fputs(" is a CPU OpenCL device that shares its cores with OpenMP: each member's\n"
              "   solo rate had the whole CPU, so their sum is not reachable and co-exec is not\n"
              "   a meaningful efficiency here.\n",
              out);
    }
}

static int bench_print_text(const bench *b, FILE *out)
{
    bench_text_head(b, out);
    int wd = bench_text_sets(b, out);
    if (b->have_cmp) {
        fputc('\n', out);
        bench_compare_print_head(&b->cmp, out);
    }
    bench_text_marks mk = bench_text_rows(b, wd, out);
    bench_text_checks(b, out);
    bench_text_legend(b, out);
    bench_text_noisy(b, &mk, out);
    if (mk.footnote)
        bench_text_shared(b, out);
    for (size_t i = 0; mk.note && i < b->n_rows; i++)
        if (b->rows[i].workers_note[0])
            fprintf(out, "w  %s on %s: %s\n", b->rows[i].wl->name, b->sets[b->rows[i].set].name,
                    b->rows[i].workers_note);
    if (b->have_cmp)
        bench_compare_print_text(&b->cmp, out);
    return HETERO_OK;
}

/* ---- CSV ----------------------------------------------------------------- */

static void bench_csv_num(FILE *out, double v, int digits)
{
    if (isfinite(v))
        fprintf(out, ",%.*g", digits, v);
    else
        fputs(",", out);
}

/* A field in double quotes, with its quotes doubled. */
static void bench_csv_str(FILE *out, const char *s)
{
    fputs(",\"", out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static int bench_print_csv(const bench *b, FILE *out)
{
    const bench_comparison *c = b->have_cmp ? &b->cmp : NULL;
    fputs("workload,item_name,set,label,engine_devices,threads,mpi_ranks,items,repeats,median_s,min_s,max_s,"
          "wall_median_s,items_per_s,items_per_s_min,items_per_s_max,spread_pct,noisy,remeasured,speedup,"
          "coexec_efficiency,shares_cores,check_digest",
          out);
    if (c)
        fputs(",baseline_items_per_s,change_pct,comparable", out);
    fputc('\n', out);
    for (size_t i = 0; i < b->n_rows; i++) {
        const bench_row *r = &b->rows[i];
        const bench_set *s = &b->sets[r->set];
        fprintf(out, "%s,%s,%s", r->wl->name, r->wl->item_name, s->name);
        bench_csv_str(out, s->label);
        bench_csv_str(out, s->devices);
        fprintf(out, ",%d,%d,%" PRIu64 ",%d", r->threads, r->ranks, r->items, r->repeats);
        bench_csv_num(out, r->median_s, 6);
        bench_csv_num(out, r->min_s, 6);
        bench_csv_num(out, r->max_s, 6);
        bench_csv_num(out, r->wall_median_s, 6);
        bench_csv_num(out, r->items_per_s, 6);
        bench_csv_num(out, r->items_per_s_min, 6);
        bench_csv_num(out, r->items_per_s_max, 6);
        bench_csv_num(out, r->spread_pct, 4);
        fprintf(out, ",%s,%s", r->noisy ? "true" : "false", r->remeasured ? "true" : "false");
        bench_csv_num(out, r->speedup, 4);
        bench_csv_num(out, r->coexec, 4);
        fprintf(out, ",%s,%016" PRIx64, s->shares_cores ? "true" : "false", r->digest);
        if (c) {
            /* the comparison lists this run's rows first, in the same order */
            const bench_cmp_row *x = &c->rows[i];
            bench_csv_num(out, x->old_rate, 6);
            bench_csv_num(out, x->change_pct, 4);
            fprintf(out, ",%s", x->status == BENCH_CMP_COMPARED ? "true" : "false");
        }
        fputc('\n', out);
    }
    return HETERO_OK;
}

/* ---- --results: two saved reports ----------------------------------------- */

static int bench_print_results(const bench *b, FILE *out)
{
    const bench_comparison *c = &b->cmp;
    char line[512];
    bench_run_line(b->doc, line, sizeof line);
    if (b->opt.format == HETERO_FORMAT_JSON) {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "schema", BENCH_COMPARE_SCHEMA);
        cJSON_AddNumberToObject(root, "version", BENCH_COMPARE_VERSION);
        cJSON_AddStringToObject(root, "results", b->opt.results);
        cJSON_AddStringToObject(root, "results_run", line);
        cJSON_AddItemToObject(root, "compare", bench_compare_json(c));
        return het_json_emit(root, out);
    }
    if (b->opt.format == HETERO_FORMAT_CSV) {
        fputs("workload,set,status,old_items_per_s,new_items_per_s,change_pct,noisy,regression\n", out);
        for (size_t i = 0; i < c->n_rows; i++) {
            const bench_cmp_row *r = &c->rows[i];
            static const char *const names[] = {"compared", "not_comparable", "not_in_baseline",
                                                "not_in_run"};
            fprintf(out, "%s,%s,%s", r->workload, r->set, names[r->status]);
            bench_csv_num(out, r->old_rate, 6);
            bench_csv_num(out, r->new_rate, 6);
            bench_csv_num(out, r->change_pct, 4);
            fprintf(out, ",%s,%s\n", r->noisy ? "true" : "false", r->regression ? "true" : "false");
        }
        return HETERO_OK;
    }
    fprintf(out, "hetero-bench %s: the report %s (%s), nothing run\n", HETERO_VERSION, b->opt.results, line);
    bench_compare_print_head(c, out);
    bench_compare_print_text(c, out);
    return HETERO_OK;
}

int bench_print(const bench *b, FILE *out)
{
    if (b->opt.results)
        return bench_print_results(b, out);
    switch (b->opt.format) {
    case HETERO_FORMAT_JSON: return bench_print_json(b, out);
    case HETERO_FORMAT_CSV: return bench_print_csv(b, out);
    default: return bench_print_text(b, out);
    }
}
