/* format.c - see format.h. */
#include "format.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void het_format_si(double v, char *buf, size_t size)
{
    static const char *const unit[] = {"", "k", "M", "G", "T", "P", "E"};
    if (!isfinite(v)) {
        snprintf(buf, size, "-");
        return;
    }
    int u = 0;
    while (fabs(v) >= 1000 && u < 6) {
        v /= 1000;
        u++;
    }
    snprintf(buf, size, "%.3g%s", v, unit[u]);
}

void het_format_field(const hetero_field *f, int digits, char *buf, size_t size)
{
    switch (f->kind) {
    case HETERO_FIELD_U64: snprintf(buf, size, "%" PRIu64, f->v.u64); break;
    case HETERO_FIELD_I64: snprintf(buf, size, "%" PRId64, f->v.i64); break;
    case HETERO_FIELD_F64: snprintf(buf, size, "%.*g", digits, f->v.f64); break;
    default: snprintf(buf, size, "%s", f->v.str ? f->v.str : ""); break;
    }
}

cJSON *het_json_u64(uint64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRIu64, v);
    return cJSON_CreateRaw(buf);
}

cJSON *het_json_f64(double v, int digits)
{
    char buf[48];
    snprintf(buf, sizeof buf, "%.*g", digits, v);
    return isfinite(v) ? cJSON_CreateRaw(buf) : cJSON_CreateNull();
}

cJSON *het_json_field(const hetero_field *f)
{
    char buf[64];
    switch (f->kind) {
    case HETERO_FIELD_STR: return cJSON_CreateString(f->v.str ? f->v.str : "");
    case HETERO_FIELD_F64: return het_json_f64(f->v.f64, 17);
    default: het_format_field(f, 17, buf, sizeof buf); return cJSON_CreateRaw(buf);
    }
}

int het_json_emit(cJSON *root, FILE *out)
{
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text)
        return hetero_fail(HETERO_E_NOMEM, "out of memory printing JSON");
    /* outside strings cJSON writes ASCII only, so a replacement can only
     * land inside a string, where U+FFFD is as good JSON as any */
    het_utf8_fputs(text, out);
    fputc('\n', out);
    free(text);
    return HETERO_OK;
}

/* ---- UTF-8 ------------------------------------------------------------------ */

int het_utf8_seq(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned c = p[0];
    if (c < 0x80)
        return 1;
    /* the length, and the range of the second byte (Unicode Table 3-7);
     * every later byte is 80..BF */
    int len;
    unsigned lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0)
            lo = 0xa0; /* overlong */
        else if (c == 0xed)
            hi = 0x9f; /* surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0)
            lo = 0x90; /* overlong */
        else if (c == 0xf4)
            hi = 0x8f; /* above U+10FFFF */
    } else {
        return -1; /* a continuation byte, C0, C1 (overlong) or F5..FF */
    }
    for (int k = 1; k < len; k++) {
        if ((size_t)k >= n || p[k] < lo || p[k] > hi)
            return -k;
        lo = 0x80;
        hi = 0xbf;
    }
    return len;
}

void het_utf8_fputs(const char *s, FILE *out)
{
    size_t n = strlen(s), run = 0, i = 0;
    while (i < n) {
        int k = het_utf8_seq(s + i, n - i);
        if (k > 0) {
            i += (size_t)k;
            continue;
        }
        fwrite(s + run, 1, i - run, out);
        fputs("\xef\xbf\xbd", out); /* U+FFFD */
        i += (size_t)-k;
        run = i;
    }
    fwrite(s + run, 1, n - run, out);
}
