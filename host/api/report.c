/* report.c - the one report every run ends with: text, JSON or CSV. */
#include "report.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "format.h"

static int het__print_json(const hetero_job *job, const hetero_report *rep, FILE *out)
{
    hetero_field f[HETERO_MAX_FIELDS];
    char digest[24];
    snprintf(digest, sizeof digest, "%016" PRIx64, rep->digest);
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "schema", HETERO_REPORT_SCHEMA);
    cJSON_AddNumberToObject(root, "version", HETERO_REPORT_VERSION);
    cJSON_AddStringToObject(root, "hetero", HETERO_VERSION);
    cJSON_AddStringToObject(root, "workload", job->wl->name);
    cJSON *params = cJSON_AddObjectToObject(root, "params");
    size_t n = het_job_params_fields(job, f, HETERO_MAX_FIELDS);
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToObject(params, f[i].name, het_json_field(&f[i]));
    cJSON *result = cJSON_AddObjectToObject(root, "result");
    n = job->wl->result(job, f, HETERO_MAX_FIELDS);
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToObject(result, f[i].name, het_json_field(&f[i]));
    cJSON_AddStringToObject(root, "digest", digest);
    cJSON_AddItemToObject(root, "grains", het_json_u64(job->n_grains));
    cJSON_AddItemToObject(root, "items", het_json_u64(rep->items));
    cJSON_AddStringToObject(root, "item_name", job->wl->item_name);
    cJSON *ph = cJSON_AddObjectToObject(root, "phases");
    cJSON_AddItemToObject(ph, "discovery", het_json_f64(rep->discovery_s, 6));
    cJSON_AddItemToObject(ph, "build", het_json_f64(rep->build_s, 6));
    cJSON_AddBoolToObject(ph, "build_cached", rep->build_cached);
    cJSON_AddItemToObject(ph, "compute", het_json_f64(rep->compute_s, 6));
    cJSON_AddItemToObject(ph, "merge", het_json_f64(rep->merge_s, 6));
    cJSON_AddItemToObject(ph, "wall", het_json_f64(rep->wall_s, 6));
    if (rep->checkpoint) {
        cJSON *cp = cJSON_AddObjectToObject(root, "checkpoint");
        cJSON_AddItemToObject(cp, "resumed_grains", het_json_u64(rep->resumed_grains));
    }
    cJSON *ws = cJSON_AddArrayToObject(root, "workers");
    for (size_t i = 0; i < rep->n_workers; i++) {
        const hetero_worker_stats *s = &rep->workers[i];
        cJSON *w = cJSON_CreateObject();
        cJSON_AddNumberToObject(w, "rank", s->rank);
        cJSON_AddStringToObject(w, "id", s->id);
        cJSON_AddStringToObject(w, "kind", s->kind);
        cJSON_AddStringToObject(w, "name", s->name);
        cJSON_AddStringToObject(w, "status", s->status);
        if (s->error[0])
            cJSON_AddStringToObject(w, "error", s->error);
        cJSON_AddNumberToObject(w, "threads", s->threads);
        cJSON_AddItemToObject(w, "width", het_json_u64(s->width));
        cJSON_AddItemToObject(w, "grains", het_json_u64(s->grains));
        cJSON_AddItemToObject(w, "recomputed", het_json_u64(s->recomputed));
        cJSON_AddItemToObject(w, "batches", het_json_u64(s->batches));
        cJSON_AddItemToObject(w, "items", het_json_u64(s->items));
        cJSON_AddItemToObject(w, "busy_s", het_json_f64(s->busy_s, 6));
        cJSON_AddItemToObject(w, "kernel_s", het_json_f64(s->kernel_s, 6));
        cJSON_AddItemToObject(w, "items_per_s", het_json_f64(s->items_per_s, 6));
        cJSON_AddItemToObject(w, "share", het_json_f64(s->share, 6));
        cJSON_AddItemToArray(ws, w);
    }
    cJSON *rs = cJSON_AddArrayToObject(root, "ranks");
    for (int i = 0; i < rep->n_ranks; i++) {
        const hetero_rank_stats *s = &rep->ranks[i];
        cJSON *r = cJSON_CreateObject();
        cJSON_AddNumberToObject(r, "rank", s->rank);
        cJSON_AddStringToObject(r, "host", s->host);
        cJSON_AddStringToObject(r, "devices", s->devices);
        cJSON_AddNumberToObject(r, "threads", s->threads);
        cJSON_AddItemToObject(r, "grains", het_json_u64(s->grains));
        cJSON_AddItemToObject(r, "busy_s", het_json_f64(s->busy_s, 6));
        cJSON_AddItemToArray(rs, r);
    }
    cJSON_AddItemToObject(root, "balance", het_json_f64(rep->balance, 6));
    return het_json_emit(root, out);
}

/* CSV field with quotes when it needs them. */
static void het__csv(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

/* The host of a rank, from the report's rank rows ("" if none). */
static const char *het__rank_host(const hetero_report *rep, int rank)
{
    for (int r = 0; r < rep->n_ranks; r++)
        if (rep->ranks[r].rank == rank)
            return rep->ranks[r].host;
    return "";
}

static int het__print_csv(const hetero_job *job, const hetero_report *rep, FILE *out)
{
    hetero_field f[HETERO_MAX_FIELDS];
    size_t n = job->wl->result(job, f, HETERO_MAX_FIELDS);
    fputs("workload,rank,host,id,kind,name,threads,grains,batches,items,busy_s,items_per_s,share,"
          "balance,wall_s,digest,status,width,recomputed",
          out);
    for (size_t i = 0; i < n; i++)
        fprintf(out, ",%s", f[i].name);
    fputc('\n', out);
    for (size_t w = 0; w < rep->n_workers; w++) {
        const hetero_worker_stats *s = &rep->workers[w];
        fprintf(out, "%s,%d,", job->wl->name, s->rank);
        het__csv(out, het__rank_host(rep, s->rank));
        fprintf(out, ",%s,%s,", s->id, s->kind);
        het__csv(out, s->name);
        fprintf(out, ",%d,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.6g,%.6g,%.6g,%.6g,%.6g,%016" PRIx64,
                s->threads, s->grains, s->batches, s->items, s->busy_s, s->items_per_s, s->share,
                rep->balance, rep->wall_s, rep->digest);
        fprintf(out, ",%s,%" PRIu64 ",%" PRIu64, s->status, s->width, s->recomputed);
        for (size_t i = 0; i < n; i++) {
            char buf[256];
            if (f[i].kind == HETERO_FIELD_F64)
                snprintf(buf, sizeof buf, "%.17g", f[i].v.f64);
            else
                het_format_field(&f[i], 12, buf, sizeof buf);
            fputc(',', out);
            het__csv(out, buf);
        }
        fputc('\n', out);
    }
    return HETERO_OK;
}

static int het__print_text(const hetero_job *job, const hetero_report *rep, FILE *out)
{
    hetero_field f[HETERO_MAX_FIELDS];
    char buf[256];
    fprintf(out, "hetero %s", job->wl->name);
    size_t n = het_job_params_fields(job, f, HETERO_MAX_FIELDS);
    for (size_t i = 0; i < n; i++) {
        het_format_field(&f[i], 12, buf, sizeof buf);
        fprintf(out, "  %s=%s", f[i].name, buf);
    }
    fputs("\n\nresult\n", out);
    n = job->wl->result(job, f, HETERO_MAX_FIELDS);
    int width = 0;
    for (size_t i = 0; i < n; i++)
        if ((int)strlen(f[i].name) > width)
            width = (int)strlen(f[i].name);
    for (size_t i = 0; i < n; i++) {
        het_format_field(&f[i], 12, buf, sizeof buf);
        fprintf(out, "  %-*s  %s\n", width, f[i].name, buf);
    }
    fprintf(out, "  %-*s  %016" PRIx64 "\n", width, "digest", rep->digest);
    if (rep->checkpoint)
        fprintf(out, "  %-*s  %" PRIu64 " of %" PRIu64 " grains from the journal\n", width, "resumed",
                rep->resumed_grains, job->n_grains);
    fprintf(out, "\nphases (s)   discovery %.3f   build %.3f%s   compute %.3f   merge %.3f   wall %.3f\n",
            rep->discovery_s, rep->build_s, rep->build_cached ? " (cached)" : "", rep->compute_s,
            rep->merge_s, rep->wall_s);
    int marks = 0; /* a status column only when some worker is not ok */
    uint64_t copied = 0;
    for (size_t w = 0; w < rep->n_workers; w++) {
        marks |= strcmp(rep->workers[w].status, "ok") != 0;
        copied += rep->workers[w].recomputed;
    }
    fprintf(out, "\n%-4s  %-8s  %-6s  %-32s  %7s  %8s  %9s  %8s  %10s  %6s%s%s\n", "rank", "id", "kind",
            "name", "threads", "grains", job->wl->item_name, "busy_s", "items/s", "share",
            copied ? "    copied" : "", marks ? "  status" : "");
    for (size_t w = 0; w < rep->n_workers; w++) {
        const hetero_worker_stats *s = &rep->workers[w];
        char items[32], rate[32], threads[16];
        het_format_si((double)s->items, items, sizeof items);
        het_format_si(s->items_per_s, rate, sizeof rate);
        snprintf(threads, sizeof threads, s->threads ? "%d" : "-", s->threads);
        fprintf(out, "%-4d  %-8s  %-6s  %-32.32s  %7s  %8" PRIu64 "  %9s  %8.3f  %10s  %5.1f%%", s->rank,
                s->id, s->kind, s->name, threads, s->grains, items, s->busy_s, rate, 100.0 * s->share);
        if (copied)
            fprintf(out, "  %8" PRIu64, s->recomputed);
        if (marks)
            fprintf(out, "  %s", s->status);
        fputc('\n', out);
    }
    for (size_t w = 0; w < rep->n_workers; w++)
        if (rep->workers[w].error[0])
            fprintf(out, "  %s %s: %s\n", rep->workers[w].id, rep->workers[w].status, rep->workers[w].error);
    if (rep->n_ranks > 1) {
        /* host names and device lists whole: a cluster's names are long
         * and often differ only at the end */
        int hw = 4, dw = 7;
        for (int r = 0; r < rep->n_ranks; r++) {
            if ((int)strlen(rep->ranks[r].host) > hw)
                hw = (int)strlen(rep->ranks[r].host);
            if ((int)strlen(rep->ranks[r].devices) > dw)
                dw = (int)strlen(rep->ranks[r].devices);
        }
        fprintf(out, "\n%-4s  %-*s  %-*s  %7s  %8s  %8s\n", "rank", hw, "host", dw, "devices", "threads",
                "grains", "busy_s");
        for (int r = 0; r < rep->n_ranks; r++) {
            const hetero_rank_stats *s = &rep->ranks[r];
            fprintf(out, "%-4d  %-*s  %-*s  %7d  %8" PRIu64 "  %8.3f\n", s->rank, hw, s->host, dw, s->devices,
                    s->threads, s->grains, s->busy_s);
        }
    }
    char total[32], rate[32];
    het_format_si((double)rep->items, total, sizeof total);
    het_format_si(rep->compute_s > 0 ? (double)rep->items / rep->compute_s : 0, rate, sizeof rate);
    fprintf(out, "\ntotal %s %s in %.3f s (%s/s) on %d rank%s, %zu worker%s; load balance %.3f\n", total,
            job->wl->item_name, rep->compute_s, rate, rep->n_ranks, rep->n_ranks == 1 ? "" : "s",
            rep->n_workers, rep->n_workers == 1 ? "" : "s", rep->balance);
    return HETERO_OK;
}

int het_report_print(const hetero_job *job, const hetero_report *rep, int format, FILE *out)
{
    switch (format) {
    case HETERO_FORMAT_JSON: return het__print_json(job, rep, out);
    case HETERO_FORMAT_CSV: return het__print_csv(job, rep, out);
    default: return het__print_text(job, rep, out);
    }
}
