/* compare_load.c - a hetero-bench report read for --compare or --results:
 * a regular file of bounded size, parsed and checked (schema, version,
 * the counts and whole numbers the comparison relies on), a version 1 or
 * 2 report's fields renamed to version 3's, and every string of it made
 * fit to print (no control characters, UTF-8 only), so that what reads
 * it next trusts its names and its text.
 */
#include "bench.h"

#include "format.h"
#include "output.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
