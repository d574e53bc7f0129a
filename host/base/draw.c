/* draw.c - see draw.h. */
#include "draw.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "output.h"

#if HETERO_HAVE_CAIRO
#include <cairo.h>
#include <cairo-svg.h>
#endif

int het_draw_format_of(const char *path)
{
    size_t n = path ? strlen(path) : 0;
    if (n > 4 && strcmp(path + n - 4, ".svg") == 0)
        return HET_DRAW_SVG;
    if (n > 4 && strcmp(path + n - 4, ".png") == 0)
        return HET_DRAW_PNG;
    return HET_DRAW_NONE;
}

int het_draw_check(const char *opt, const char *path)
{
    if (!path || !*path)
        return hetero_fail(HETERO_E_BADARG, "%s: expected a file name ending in .svg or .png, got nothing",
                           opt);
    if (het_draw_format_of(path) == HET_DRAW_NONE)
        return hetero_fail(HETERO_E_BADARG, "%s: expected a file name ending in .svg or .png, got '%s'", opt,
                           path);
    if (!het_draw_available())
        return hetero_fail(HETERO_E_BADARG,
                           "%s: '%s': this build cannot draw (cairo was not found when hetero was "
                           "built: install libcairo2-dev and rebuild)",
                           opt, path);
    return het_out_check(opt, path);
}

void het_draw_nice_axis(double max, int ticks, double *step, double *top)
{
    if (!(max > 0) || !isfinite(max) || ticks < 1) {
        *step = 1;
        *top = 1;
        return;
    }
    double raw = max / ticks, mag = pow(10, floor(log10(raw))), f = raw / mag;
    *step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
    *top = ceil(max / *step * (1 - 1e-12)) * *step;
    if (*top < max)
        *top += *step;
}

#if HETERO_HAVE_CAIRO

/* Valid UTF-8 without control characters: anything else becomes '?'.
 * Returns a new string (NULL when memory runs out). */
static char *het__clean_utf8(const char *s)
{
    size_t n = strlen(s);
    char *o = malloc(n + 1);
    if (!o)
        return NULL;
    const unsigned char *p = (const unsigned char *)s;
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        size_t len = c < 0x80             ? 1
                     : (c & 0xe0) == 0xc0 ? 2
                     : (c & 0xf0) == 0xe0 ? 3
                     : (c & 0xf8) == 0xf0 ? 4
                                          : 0;
        int ok = len > 0 && i + len <= n;
        for (size_t j = 1; ok && j < len; j++)
            ok = (p[i + j] & 0xc0) == 0x80;
        if (ok && len == 2)
            ok = c >= 0xc2; /* overlong */
        if (ok && len == 3)
            ok = !(c == 0xe0 && p[i + 1] < 0xa0) &&
                 !(c == 0xed && p[i + 1] >= 0xa0); /* overlong, surrogates */
        if (ok && len == 4)
            ok = c <= 0xf4 && !(c == 0xf0 && p[i + 1] < 0x90) && !(c == 0xf4 && p[i + 1] >= 0x90);
        if (ok && len == 1 && (c < 0x20 || c == 0x7f))
            ok = 0;
        if (!ok) {
            o[k++] = '?';
            i++;
            continue;
        }
        memcpy(o + k, p + i, len);
        k += len;
        i += len;
    }
    o[k] = 0;
    return o;
}

struct het_draw {
    double w, h;
    cairo_surface_t *rec;
    cairo_t *cr;
    cJSON *meta;
};

int het_draw_available(void) { return 1; }

const char *het_draw_backend(void)
{
    static char name[32];
    snprintf(name, sizeof name, "cairo %s", cairo_version_string());
    return name;
}

static void het__rgb(cairo_t *cr, uint32_t rgb, double alpha)
{
    cairo_set_source_rgba(cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0, (rgb & 0xff) / 255.0,
                          alpha);
}

het_draw *het_draw_new(double width, double height)
{
    het_draw *d = calloc(1, sizeof *d);
    if (!d) {
        hetero_fail(HETERO_E_NOMEM, "out of memory for a chart");
        return NULL;
    }
    d->w = ceil(width);
    d->h = ceil(height);
    cairo_rectangle_t extents = {0, 0, d->w, d->h};
    d->rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &extents);
    d->cr = cairo_create(d->rec);
    if (cairo_status(d->cr) != CAIRO_STATUS_SUCCESS) {
        hetero_fail(HETERO_E_NOMEM, "cannot start a chart: %s", cairo_status_to_string(cairo_status(d->cr)));
        het_draw_free(d);
        return NULL;
    }
    /* the same glyph positions whatever surface replays them */
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    cairo_set_font_options(d->cr, fo);
    cairo_font_options_destroy(fo);
    cairo_set_source_rgb(d->cr, 1, 1, 1);
    cairo_paint(d->cr);
    return d;
}

void het_draw_free(het_draw *d)
{
    if (!d)
        return;
    if (d->cr)
        cairo_destroy(d->cr);
    if (d->rec)
        cairo_surface_destroy(d->rec);
    cJSON_Delete(d->meta);
    free(d);
}

void het_draw_rect(het_draw *d, double x, double y, double w, double h, uint32_t rgb, double alpha)
{
    cairo_t *cr = d->cr;
    cairo_save(cr);
    het__rgb(cr, rgb, alpha);
    cairo_rectangle(cr, x, y, w, h);
    cairo_fill(cr);
    cairo_restore(cr);
}

void het_draw_frame(het_draw *d, double x, double y, double w, double h, uint32_t rgb, double width)
{
    cairo_t *cr = d->cr;
    cairo_save(cr);
    het__rgb(cr, rgb, 1);
    cairo_set_line_width(cr, width);
    cairo_rectangle(cr, x, y, w, h);
    cairo_stroke(cr);
    cairo_restore(cr);
}

void het_draw_hatch(het_draw *d, double x, double y, double w, double h, uint32_t rgb, double alpha,
                    double gap)
{
    cairo_t *cr = d->cr;
    cairo_save(cr);
    cairo_rectangle(cr, x, y, w, h);
    cairo_clip(cr);
    het__rgb(cr, rgb, alpha);
    cairo_set_line_width(cr, 1.5);
    for (double u = x - h; u < x + w; u += gap) {
        cairo_move_to(cr, u, y + h);
        cairo_line_to(cr, u + h, y);
    }
    cairo_stroke(cr);
    cairo_restore(cr);
}

static void het__dash(cairo_t *cr, int dash, double width)
{
    if (dash == HET_DASH_DASHED) {
        double pat[] = {6 * width > 6 ? 6 * width : 6, 4 * width > 4 ? 4 * width : 4};
        cairo_set_dash(cr, pat, 2, 0);
    } else if (dash == HET_DASH_DOTTED) {
        double pat[] = {width, 2.5 * width};
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
        cairo_set_dash(cr, pat, 2, 0);
    }
}

void het_draw_line(het_draw *d, double x0, double y0, double x1, double y1, uint32_t rgb, double width,
                   int dash)
{
    cairo_t *cr = d->cr;
    cairo_save(cr);
    het__rgb(cr, rgb, 1);
    cairo_set_line_width(cr, width);
    het__dash(cr, dash, width);
    cairo_move_to(cr, x0, y0);
    cairo_line_to(cr, x1, y1);
    cairo_stroke(cr);
    cairo_restore(cr);
}

void het_draw_polyline(het_draw *d, const double *xy, size_t n, uint32_t rgb, double alpha, double width,
                       int dash)
{
    if (n < 2)
        return;
    cairo_t *cr = d->cr;
    cairo_save(cr);
    het__rgb(cr, rgb, alpha);
    cairo_set_line_width(cr, width);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    het__dash(cr, dash, width);
    cairo_move_to(cr, xy[0], xy[1]);
    for (size_t i = 1; i < n; i++)
        cairo_line_to(cr, xy[2 * i], xy[2 * i + 1]);
    cairo_stroke(cr);
    cairo_restore(cr);
}

void het_draw_polygon(het_draw *d, const double *xy, size_t n, uint32_t rgb, double alpha)
{
    if (n < 3)
        return;
    cairo_t *cr = d->cr;
    cairo_save(cr);
    het__rgb(cr, rgb, alpha);
    cairo_move_to(cr, xy[0], xy[1]);
    for (size_t i = 1; i < n; i++)
        cairo_line_to(cr, xy[2 * i], xy[2 * i + 1]);
    cairo_close_path(cr);
    cairo_fill(cr);
    cairo_restore(cr);
}

void het_draw_dot(het_draw *d, double x, double y, double r, uint32_t rgb)
{
    cairo_t *cr = d->cr;
    cairo_save(cr);
    het__rgb(cr, rgb, 1);
    cairo_arc(cr, x, y, r, 0, 2 * M_PI);
    cairo_fill(cr);
    cairo_restore(cr);
}

void het_draw_image(het_draw *d, double x, double y, int w, int h, const uint32_t *argb)
{
    if (w <= 0 || h <= 0)
        return;
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(img);
        return; /* the picture lacks it; the chart's own status is unaffected */
    }
    cairo_surface_flush(img);
    unsigned char *data = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    for (int r = 0; r < h; r++)
        memcpy(data + (size_t)r * (size_t)stride, argb + (size_t)r * (size_t)w, (size_t)w * 4);
    cairo_surface_mark_dirty(img);
    cairo_t *cr = d->cr;
    cairo_save(cr);
    cairo_set_source_surface(cr, img, x, y);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
    cairo_rectangle(cr, x, y, w, h);
    cairo_fill(cr);
    cairo_restore(cr);
    cairo_surface_destroy(img);
}

static void het__font(cairo_t *cr, const het_text_style *st)
{
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                           st->bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, st->size > 0 ? st->size : 12);
}

double het_draw_text_width(het_draw *d, const char *s, const het_text_style *st)
{
    char *t = het__clean_utf8(s);
    if (!t)
        return 0;
    cairo_t *cr = d->cr;
    cairo_save(cr);
    het__font(cr, st);
    cairo_text_extents_t ext;
    cairo_text_extents(cr, t, &ext);
    cairo_restore(cr);
    free(t);
    return ext.x_advance;
}

void het_draw_text(het_draw *d, double x, double y, const char *s, const het_text_style *st)
{
    char *t = het__clean_utf8(s);
    if (!t)
        return;
    cairo_t *cr = d->cr;
    cairo_save(cr);
    het__font(cr, st);
    cairo_text_extents_t ext;
    cairo_text_extents(cr, t, &ext);
    double dx = st->anchor == HET_ANCHOR_CENTER  ? -ext.x_advance / 2
                : st->anchor == HET_ANCHOR_RIGHT ? -ext.x_advance
                                                 : 0;
    cairo_translate(cr, x, y);
    if (st->angle != 0)
        cairo_rotate(cr, -st->angle * M_PI / 180.0);
    het__rgb(cr, st->rgb, 1);
    cairo_move_to(cr, dx, 0);
    cairo_show_text(cr, t);
    cairo_restore(cr);
    free(t);
}

void het_draw_meta(het_draw *d, cJSON *meta)
{
    cJSON_Delete(d->meta);
    d->meta = meta;
}

/* ---- rendering ----------------------------------------------------------- */

typedef struct het__buf {
    unsigned char *p;
    size_t len, cap;
    int oom;
} het__buf;

static int het__buf_put(het__buf *b, const void *data, size_t n)
{
    if (b->oom || n > SIZE_MAX / 4 || b->len > SIZE_MAX / 4) {
        b->oom = 1;
        return -1;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        while (cap < b->len + n + 1)
            cap *= 2;
        unsigned char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return -1;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    return 0;
}

static cairo_status_t het__write(void *closure, const unsigned char *data, unsigned int n)
{
    return het__buf_put(closure, data, n) ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

/* CRC-32 of PNG chunks (ISO 3309, as zlib's crc32). */
static uint32_t het__crc(uint32_t crc, const unsigned char *p, size_t n)
{
    static uint32_t table[256];
    static int ready;
    if (!ready) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++)
                c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        ready = 1;
    }
    crc = ~crc;
    for (size_t i = 0; i < n; i++)
        crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static void het__be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* A PNG chunk of `type` holding key\0 + body (tEXt) or key\0\0\0\0\0 +
 * body (iTXt: no compression, no language). */
static int het__png_chunk(het__buf *o, const char *type, const char *key, const char *body)
{
    int itxt = strcmp(type, "iTXt") == 0;
    size_t klen = strlen(key), blen = strlen(body), n = klen + 1 + (itxt ? 4 : 0) + blen;
    if (n > 0x7fffffffu)
        return -1;
    unsigned char *c = malloc(n + 12);
    if (!c)
        return -1;
    het__be32(c, (uint32_t)n);
    memcpy(c + 4, type, 4);
    unsigned char *q = c + 8;
    memcpy(q, key, klen + 1);
    q += klen + 1;
    if (itxt) {
        memset(q, 0, 4); /* compression flag, method, empty language, empty translated key */
        q += 4;
    }
    memcpy(q, body, blen);
    het__be32(c + 8 + n, het__crc(0, c + 4, n + 4));
    int rc = het__buf_put(o, c, n + 12);
    free(c);
    return rc;
}

/* The text between <metadata> and </metadata>: JSON with &, < and >
 * escaped. */
static int het__xml_put(het__buf *o, const char *s)
{
    int rc = 0;
    for (; *s && rc == 0; s++) {
        if (*s == '&')
            rc = het__buf_put(o, "&amp;", 5);
        else if (*s == '<')
            rc = het__buf_put(o, "&lt;", 4);
        else if (*s == '>')
            rc = het__buf_put(o, "&gt;", 4);
        else
            rc = het__buf_put(o, s, 1);
    }
    return rc;
}

/* Puts the chart's data into the picture: after the SVG's opening tag, or
 * after the PNG's header chunk. */
static int het__embed(het__buf *pic, int format, const char *meta, const char *title, het__buf *o)
{
    if (format == HET_DRAW_SVG) {
        unsigned char *svg = pic->p ? memmem(pic->p, pic->len, "<svg", 4) : NULL;
        unsigned char *end = svg ? memchr(svg, '>', pic->len - (size_t)(svg - pic->p)) : NULL;
        if (!end)
            return -2;
        size_t head = (size_t)(end - pic->p) + 1;
        int rc = het__buf_put(o, pic->p, head);
        if (rc == 0 && title) {
            rc = het__buf_put(o, "\n<title>", 8);
            rc = rc ? rc : het__xml_put(o, title);
            rc = rc ? rc : het__buf_put(o, "</title>", 8);
        }
        rc = rc ? rc
                : het__buf_put(o, "\n<metadata id=\"" HET_DRAW_META_KEY "\">",
                               strlen(HET_DRAW_META_KEY) + 17);
        rc = rc ? rc : het__xml_put(o, meta);
        rc = rc ? rc : het__buf_put(o, "</metadata>", 11);
        rc = rc ? rc : het__buf_put(o, pic->p + head, pic->len - head);
        return rc;
    }
    /* the signature, then IHDR: 4 length + 4 type + 13 data + 4 CRC */
    if (pic->len < 33 || memcmp(pic->p + 12, "IHDR", 4) != 0)
        return -2;
    int rc = het__buf_put(o, pic->p, 33);
    if (rc == 0 && title)
        rc = het__png_chunk(o, "iTXt", "Title", title);
    rc = rc ? rc : het__png_chunk(o, "tEXt", "Software", "hetero " HETERO_VERSION);
    rc = rc ? rc : het__png_chunk(o, "iTXt", HET_DRAW_META_KEY, meta);
    rc = rc ? rc : het__buf_put(o, pic->p + 33, pic->len - 33);
    return rc;
}

int het_draw_render(het_draw *d, int format, const char *opt, unsigned char **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (cairo_status(d->cr) != CAIRO_STATUS_SUCCESS)
        return hetero_fail(HETERO_E_IO, "%s: drawing the chart: %s", opt,
                           cairo_status_to_string(cairo_status(d->cr)));
    het__buf pic = {0};
    cairo_status_t st;
    cairo_surface_t *s;
    if (format == HET_DRAW_SVG) {
        s = cairo_svg_surface_create_for_stream(het__write, &pic, d->w, d->h);
#if CAIRO_VERSION >= CAIRO_VERSION_ENCODE(1, 16, 0)
        cairo_svg_surface_set_document_unit(s, CAIRO_SVG_UNIT_PX);
#endif
    } else {
        s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)d->w, (int)d->h);
    }
    cairo_t *cr = cairo_create(s);
    cairo_set_source_surface(cr, d->rec, 0, 0);
    cairo_paint(cr);
    st = cairo_status(cr);
    cairo_destroy(cr);
    if (format == HET_DRAW_SVG) {
        cairo_surface_finish(s);
    } else if (st == CAIRO_STATUS_SUCCESS) {
        cairo_surface_flush(s);
        st = cairo_surface_write_to_png_stream(s, het__write, &pic);
    }
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(s);
    cairo_surface_destroy(s);
    if (pic.oom) {
        free(pic.p);
        return hetero_fail(HETERO_E_NOMEM, "%s: out of memory rendering the chart", opt);
    }
    if (st != CAIRO_STATUS_SUCCESS) {
        free(pic.p);
        return hetero_fail(HETERO_E_IO, "%s: rendering the chart: %s", opt, cairo_status_to_string(st));
    }
    char *meta_raw = cJSON_PrintUnformatted(d->meta ? d->meta : cJSON_CreateObject());
    char *meta = meta_raw ? het__clean_utf8(meta_raw) : NULL;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(d->meta, "title");
    char *title = cJSON_IsString(t) ? het__clean_utf8(t->valuestring) : NULL;
    free(meta_raw);
    het__buf o = {0};
    int rc = meta ? het__embed(&pic, format, meta, title, &o) : -1;
    free(meta);
    free(title);
    free(pic.p);
    if (rc) {
        free(o.p);
        return rc == -2 ? hetero_fail(HETERO_E_IO,
                                      "%s: cairo wrote a picture this program does not recognise", opt)
                        : hetero_fail(HETERO_E_NOMEM, "%s: out of memory rendering the chart", opt);
    }
    *out = o.p;
    *out_len = o.len;
    return HETERO_OK;
}

#else /* !HETERO_HAVE_CAIRO: nothing draws; --plot was refused before any work */

struct het_draw {
    cJSON *meta;
};

int het_draw_available(void) { return 0; }
const char *het_draw_backend(void) { return "none"; }

het_draw *het_draw_new(double width, double height)
{
    (void)width;
    (void)height;
    hetero_fail(HETERO_E_IO, "cannot draw: cairo was not found when hetero was built");
    return NULL;
}

void het_draw_free(het_draw *d)
{
    if (d)
        cJSON_Delete(d->meta);
    free(d);
}

void het_draw_rect(het_draw *d, double x, double y, double w, double h, uint32_t rgb, double alpha)
{
    (void)d, (void)x, (void)y, (void)w, (void)h, (void)rgb, (void)alpha;
}
void het_draw_frame(het_draw *d, double x, double y, double w, double h, uint32_t rgb, double width)
{
    (void)d, (void)x, (void)y, (void)w, (void)h, (void)rgb, (void)width;
}
void het_draw_hatch(het_draw *d, double x, double y, double w, double h, uint32_t rgb, double alpha,
                    double gap)
{
    (void)d, (void)x, (void)y, (void)w, (void)h, (void)rgb, (void)alpha, (void)gap;
}
void het_draw_line(het_draw *d, double x0, double y0, double x1, double y1, uint32_t rgb, double width,
                   int dash)
{
    (void)d, (void)x0, (void)y0, (void)x1, (void)y1, (void)rgb, (void)width, (void)dash;
}
void het_draw_polyline(het_draw *d, const double *xy, size_t n, uint32_t rgb, double alpha, double width,
                       int dash)
{
    (void)d, (void)xy, (void)n, (void)rgb, (void)alpha, (void)width, (void)dash;
}
void het_draw_polygon(het_draw *d, const double *xy, size_t n, uint32_t rgb, double alpha)
{
    (void)d, (void)xy, (void)n, (void)rgb, (void)alpha;
}
void het_draw_dot(het_draw *d, double x, double y, double r, uint32_t rgb)
{
    (void)d, (void)x, (void)y, (void)r, (void)rgb;
}
void het_draw_image(het_draw *d, double x, double y, int w, int h, const uint32_t *argb)
{
    (void)d, (void)x, (void)y, (void)w, (void)h, (void)argb;
}
void het_draw_text(het_draw *d, double x, double y, const char *s, const het_text_style *st)
{
    (void)d, (void)x, (void)y, (void)s, (void)st;
}
double het_draw_text_width(het_draw *d, const char *s, const het_text_style *st)
{
    (void)d, (void)s, (void)st;
    return 0;
}
void het_draw_meta(het_draw *d, cJSON *meta)
{
    if (!d) {
        cJSON_Delete(meta);
        return;
    }
    cJSON_Delete(d->meta);
    d->meta = meta;
}
int het_draw_render(het_draw *d, int format, const char *opt, unsigned char **buf, size_t *len)
{
    (void)d, (void)format;
    *buf = NULL;
    *len = 0;
    return hetero_fail(HETERO_E_IO, "%s: cannot draw: cairo was not found when hetero was built", opt);
}

#endif

int het_draw_write(het_draw *d, const char *opt, const char *path)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    int rc = het_draw_render(d, het_draw_format_of(path), opt, &buf, &len);
    if (rc)
        return rc;
    if (!buf)
        return hetero_fail(HETERO_E_IO, "%s: '%s': nothing was drawn", opt, path);
    het_out out;
    rc = het_out_open(&out, opt, path);
    if (rc == HETERO_OK) {
        errno = 0;
        if (fwrite(buf, 1, len, out.f) != len)
            rc = hetero_fail(HETERO_E_IO, "%s: writing '%s': %s", opt, path,
                             errno ? strerror(errno) : "write error");
        if (rc == HETERO_OK)
            rc = het_out_commit(&out);
        het_out_discard(&out);
    }
    free(buf);
    return rc;
}
