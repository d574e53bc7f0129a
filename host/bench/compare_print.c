/* compare_print.c - the comparison of two hetero-bench reports as it is
 * shown: for people, where the baseline comes from and every difference
 * of machine, devices, build and settings, then the table of changes
 * with its marks and the summary; for programs, the `compare` object of
 * the JSON report.
 */
#include "bench.h"

#include "format.h"

#include <math.h>
#include <string.h>

static const char *bench_status_name(int status)
{
    switch (status) {
    case BENCH_CMP_COMPARED: return "compared";
    case BENCH_CMP_INCOMPARABLE: return "not_comparable";
    case BENCH_CMP_NEW: return "not_in_baseline";
    default: return "not_in_run";
    }
}

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
