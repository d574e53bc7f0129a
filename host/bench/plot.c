/* plot.c - --plot: one panel per workload (its own unit and its own
 * linear axis from 0: items differ between workloads, so bars are compared
 * within a panel only), one horizontal bar per device set, named as a
 * person knows it ("PoCL CPU", "OpenMP, 2 threads"), at the median items/s,
 * with a whisker from the slowest to the fastest repeat, the value and the
 * spread written beside it; a noisy row is framed in red and says so, a
 * set whose members share cores (a CPU OpenCL device beside OpenMP) is
 * hatched.
 *
 * Drawn once through host/base/draw.c, then written to every --plot file, SVG
 * or PNG, from that same drawing; each file carries the drawn values and
 * rectangles as JSON (draw.h; docs/schema/hetero.bench.chart.schema.json),
 * which the tests compare with the report.
 */
#include "bench.h"
#include "draw.h"
#include "format.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PL_W 1000.0
#define PL_RIGHT 190.0 /* room for the value labels */
#define PL_ROW 24.0
#define PL_BAR 15.0
#define PL_PANEL_HEAD 28.0
#define PL_PANEL_FOOT 34.0
#define PL_PANEL_GAP 14.0

#define C_TEXT 0x222222u
#define C_GREY 0x666666u
#define C_NOISY 0xc0392bu

static const het_text_style pl_title = {17, HET_ANCHOR_LEFT, 1, C_TEXT, 0};
static const het_text_style pl_sub = {11.5, HET_ANCHOR_LEFT, 0, C_GREY, 0};
static const het_text_style pl_panel = {13, HET_ANCHOR_LEFT, 1, C_TEXT, 0};
static const het_text_style pl_label = {12, HET_ANCHOR_RIGHT, 0, C_TEXT, 0};
static const het_text_style pl_value = {11.5, HET_ANCHOR_LEFT, 1, C_TEXT, 0};
static const het_text_style pl_spread = {11, HET_ANCHOR_LEFT, 0, C_GREY, 0};
static const het_text_style pl_noisy = {11, HET_ANCHOR_LEFT, 1, C_NOISY, 0};
static const het_text_style pl_tick = {10.5, HET_ANCHOR_CENTER, 0, C_GREY, 0};
static const het_text_style pl_note = {11, HET_ANCHOR_LEFT, 0, C_TEXT, 0};

/* Okabe-Ito, colour-blind safe: blues and pink for OpenCL devices, orange
 * for OpenMP, green for the combined set. */
static const uint32_t pl_cl_colours[] = {0x0072B2, 0x56B4E9, 0xCC79A7, 0x8C6D31, 0x444444};

static uint32_t pl_colour(const bench *b, size_t set)
{
    const bench_set *s = &b->sets[set];
    switch (s->kind) {
    case BENCH_SET_OMP1: return 0xE69F00;
    case BENCH_SET_OMPALL: return 0xD55E00;
    case BENCH_SET_COMBINED: return 0x009E73;
    default: {
        size_t k = 0;
        for (size_t i = 0; i < set; i++)
            k += b->sets[i].kind == BENCH_SET_CL;
        return pl_cl_colours[k % (sizeof pl_cl_colours / sizeof pl_cl_colours[0])];
    }
    }
}

static const bench_row *pl_row(const bench *b, const hetero_workload *wl, size_t s)
{
    for (size_t i = 0; i < b->n_rows; i++)
        if (b->rows[i].wl == wl && b->rows[i].set == s)
            return &b->rows[i];
    return NULL;
}

static void pl_hex(uint32_t rgb, char *buf, size_t size) { snprintf(buf, size, "#%06x", rgb & 0xffffffu); }

/* The chart's layout: the bars run from X0 to X1; panel g starts at
 * top0 + g * (panel_h + PL_PANEL_GAP). */
typedef struct pl_chart {
    const bench *b;
    het_draw *d;
    double X0, X1, top0, panel_h, H;
} pl_chart;

/* One panel's value axis: 0 at X0, `axis` at X1. */
static double pl_px(const pl_chart *c, double axis, double v) { return c->X0 + (c->X1 - c->X0) * v / axis; }

/* The left edge of the bars: the label column fits the longest set label.
 * < 0 when out of memory. */
static double pl_bars_left(const bench *b)
{
    double maxw = 0;
    het_draw *probe = het_draw_new(10, 10);
    if (!probe)
        return -1;
    for (size_t s = 0; s < b->n_sets; s++) {
        double w = het_draw_text_width(probe, b->sets[s].label, &pl_label);
        maxw = w > maxw ? w : maxw;
    }
    het_draw_free(probe);
    double X0 = 24 + maxw + 12;
    if (X0 < 170)
        X0 = 170;
    if (X0 > PL_W - PL_RIGHT - 360)
        X0 = PL_W - PL_RIGHT - 360; /* a very long label runs off to the left, cut */
    return X0;
}

/* The title and the two lines under it: the machine, the build and the
 * settings. */
static void pl_draw_head(const pl_chart *c, const char *title)
{
    const bench *b = c->b;
    char buf[1024];
    het_draw_text(c->d, 20, 30, title, &pl_title);
    snprintf(buf, sizeof buf, "%s, %ld cores, %d OpenMP thread%s, %d rank%s; host %s, started %s", b->m.cpu,
             b->m.cores, b->m.omp_threads, b->m.omp_threads == 1 ? "" : "s", b->m.ranks,
             b->m.ranks == 1 ? "" : "s", b->run.host, b->run.started);
    het_draw_text(c->d, 20, 50, buf, &pl_sub);
    snprintf(buf, sizeof buf,
             "hetero %s (git %.12s%s), %s, %s; each bar: the median of %d repeat%s of about %g s "
             "of compute",
             HETERO_VERSION, b->run.git, b->run.git_dirty > 0 ? "+changes" : "", b->run.compiler,
             b->run.build_type, b->opt.repeats, b->opt.repeats == 1 ? "" : "s", b->opt.seconds);
    het_draw_text(c->d, 20, 67, buf, &pl_sub);
}

/* The marks, explained: the whisker (with repeats), the hatching (when a
 * set shares cores) and the noisy frame. */
static void pl_draw_key(const pl_chart *c)
{
    const bench *b = c->b;
    het_draw *d = c->d;
    char buf[1024];
    double lx = 20, ly = 90;
    if (b->opt.repeats > 1) {
        het_draw_line(d, lx, ly - 4, lx + 30, ly - 4, C_TEXT, 1.3, HET_DASH_SOLID);
        het_draw_line(d, lx, ly - 8, lx, ly, C_TEXT, 1.3, HET_DASH_SOLID);
        het_draw_line(d, lx + 30, ly - 8, lx + 30, ly, C_TEXT, 1.3, HET_DASH_SOLID);
        het_draw_text(d, lx + 36, ly, "slowest to fastest repeat", &pl_note);
        lx += 36 + het_draw_text_width(d, "slowest to fastest repeat", &pl_note) + 24;
    }
    int any_shared = 0;
    for (size_t s = 0; s < b->n_sets; s++)
        any_shared |= b->sets[s].shares_cores;
    if (any_shared) {
        het_draw_rect(d, lx, ly - 10, 26, 12, 0x009E73, 1);
        het_draw_hatch(d, lx, ly - 10, 26, 12, 0xffffff, 0.75, 5);
        const char *t = "members share cores (a CPU OpenCL device beside OpenMP)";
        het_draw_text(d, lx + 32, ly, t, &pl_note);
        lx += 32 + het_draw_text_width(d, t, &pl_note) + 24;
    }
    het_draw_frame(d, lx, ly - 10, 26, 12, C_NOISY, 1.5);
    snprintf(buf, sizeof buf, "noisy: spread > %g%% or that far below calibration, twice", BENCH_NOISY_PCT);
    het_draw_text(d, lx + 32, ly, buf, &pl_note);
}

/* The largest items/s of a workload's rows, whiskers included. */
static double pl_vmax(const bench *b, const hetero_workload *wl)
{
    double vmax = 0;
    for (size_t s = 0; s < b->n_sets; s++) {
        const bench_row *r = pl_row(b, wl, s);
        if (!r)
            continue;
        if (r->items_per_s > vmax)
            vmax = r->items_per_s;
        if (isfinite(r->items_per_s_max) && r->items_per_s_max > vmax)
            vmax = r->items_per_s_max;
    }
    return vmax;
}

/* A panel's background, value axis and unit, and its JSON; returns the
 * axis's top. */
static double pl_draw_axis(const pl_chart *c, const hetero_workload *wl, double rows_top, double rows_bottom,
                           cJSON *jpanels)
{
    char buf[1024];
    double step, axis;
    het_draw_nice_axis(pl_vmax(c->b, wl), 5, &step, &axis);
    het_draw_rect(c->d, c->X0, rows_top, c->X1 - c->X0, rows_bottom - rows_top, 0xf7f7f7, 1);
    for (double v = 0; v <= axis * (1 + 1e-9); v += step) {
        char t[32];
        het_format_si(v, t, sizeof t);
        het_draw_line(c->d, pl_px(c, axis, v), rows_top, pl_px(c, axis, v), rows_bottom + 4, 0xd8d8d8, 1,
                      HET_DASH_SOLID);
        het_draw_text(c->d, pl_px(c, axis, v), rows_bottom + 17, t, &pl_tick);
    }
    snprintf(buf, sizeof buf, "%s/s", wl->item_name);
    het_text_style unit = pl_tick;
    unit.anchor = HET_ANCHOR_LEFT;
    het_draw_text(c->d, c->X1 + 26, rows_bottom + 17, buf, &unit);
    cJSON *jp = cJSON_CreateObject();
    cJSON_AddStringToObject(jp, "workload", wl->name);
    cJSON_AddStringToObject(jp, "unit", buf);
    cJSON_AddNumberToObject(jp, "x0", c->X0);
    cJSON_AddNumberToObject(jp, "x1", c->X1);
    cJSON_AddItemToObject(jp, "axis_max", het_json_f64(axis, 17));
    cJSON_AddItemToArray(jpanels, jp);
    return axis;
}

/* A drawn bar as JSON: where it is, its whisker (wk: its two ends, or
 * NULL) and its value label. */
static cJSON *pl_bar_json(const pl_chart *c, const hetero_workload *wl, const bench_set *set,
                          const bench_row *r, uint32_t fill, double yb, double w, const double *wk,
                          const char *v)
{
    char hex[16];
    pl_hex(fill, hex, sizeof hex);
    cJSON *jb = cJSON_CreateObject();
    cJSON_AddStringToObject(jb, "workload", wl->name);
    cJSON_AddStringToObject(jb, "set", set->name);
    cJSON_AddStringToObject(jb, "label", set->label);
    cJSON_AddItemToObject(jb, "items_per_s", het_json_f64(r->items_per_s, 17));
    cJSON_AddItemToObject(jb, "items_per_s_min", het_json_f64(r->items_per_s_min, 17));
    cJSON_AddItemToObject(jb, "items_per_s_max", het_json_f64(r->items_per_s_max, 17));
    cJSON_AddItemToObject(jb, "spread_pct", het_json_f64(r->spread_pct, 6));
    cJSON_AddBoolToObject(jb, "noisy", r->noisy);
    if (r->noise)
        cJSON_AddStringToObject(jb, "noise", r->noise);
    else
        cJSON_AddNullToObject(jb, "noise");
    cJSON_AddBoolToObject(jb, "shares_cores", set->shares_cores);
    cJSON_AddStringToObject(jb, "fill", hex);
    cJSON_AddNumberToObject(jb, "x", c->X0);
    cJSON_AddNumberToObject(jb, "y", yb);
    cJSON_AddNumberToObject(jb, "w", w);
    cJSON_AddNumberToObject(jb, "h", PL_BAR);
    if (wk) {
        cJSON *a = cJSON_AddArrayToObject(jb, "whisker");
        cJSON_AddItemToArray(a, cJSON_CreateNumber(wk[0]));
        cJSON_AddItemToArray(a, cJSON_CreateNumber(wk[1]));
    } else {
        cJSON_AddNullToObject(jb, "whisker");
    }
    cJSON_AddStringToObject(jb, "value_label", v);
    return jb;
}

/* The value and the spread (or why the row is noisy) beside a bar that
 * ends at xend. */
static void pl_draw_value(const pl_chart *c, const bench_row *r, double xend, double yc, char *v,
                          size_t vsize)
{
    char buf[1024];
    het_format_si(r->items_per_s, v, vsize);
    double tx = xend + 7;
    het_draw_text(c->d, tx, yc + 4, v, &pl_value);
    tx += het_draw_text_width(c->d, v, &pl_value) + 6;
    if (r->noisy) {
        if (r->noise && strcmp(r->noise, "spread") == 0)
            snprintf(buf, sizeof buf, "noisy: spread %.0f%%", r->spread_pct);
        else
            snprintf(buf, sizeof buf, "noisy: %.0f%% below calibration",
                     100 * (1 - r->items_per_s / r->calib_rate));
        het_draw_text(c->d, tx, yc + 4, buf, &pl_noisy);
    } else if (isfinite(r->spread_pct)) {
        snprintf(buf, sizeof buf, "spread %.1f%%", r->spread_pct);
        het_draw_text(c->d, tx, yc + 4, buf, &pl_spread);
    }
}

/* Set s's row of a panel whose rows start at rows_top: its label, then its
 * bar, whisker and value, or "-" when it has no rate. */
static void pl_draw_bar(const pl_chart *c, const hetero_workload *wl, size_t s, double rows_top, double axis,
                        cJSON *jbars)
{
    const bench_row *r = pl_row(c->b, wl, s);
    const bench_set *set = &c->b->sets[s];
    const double X0 = c->X0;
    double y = rows_top + (double)s * PL_ROW, yc = y + PL_ROW / 2, yb = yc - PL_BAR / 2;
    het_draw_text(c->d, X0 - 10, yc + 4, set->label, &pl_label);
    if (!r || !(r->items_per_s > 0)) {
        het_draw_text(c->d, X0 + 6, yc + 4, "-", &pl_spread);
        return;
    }
    uint32_t fill = pl_colour(c->b, s);
    double w = pl_px(c, axis, r->items_per_s) - X0;
    het_draw_rect(c->d, X0, yb, w, PL_BAR, fill, 1);
    if (set->shares_cores)
        het_draw_hatch(c->d, X0, yb, w, PL_BAR, 0xffffff, 0.75, 5);
    if (r->noisy)
        het_draw_frame(c->d, X0 - 1, yb - 1, w + 2, PL_BAR + 2, C_NOISY, 1.5);
    double xend = X0 + w, wk[2];
    int whisker = r->repeats > 1 && isfinite(r->items_per_s_min) && isfinite(r->items_per_s_max);
    if (whisker) {
        double xl = pl_px(c, axis, r->items_per_s_min), xh = pl_px(c, axis, r->items_per_s_max);
        het_draw_line(c->d, xl, yc, xh, yc, C_TEXT, 1.3, HET_DASH_SOLID);
        het_draw_line(c->d, xl, yc - 4.5, xl, yc + 4.5, C_TEXT, 1.3, HET_DASH_SOLID);
        het_draw_line(c->d, xh, yc - 4.5, xh, yc + 4.5, C_TEXT, 1.3, HET_DASH_SOLID);
        xend = xh > xend ? xh : xend;
        wk[0] = xl;
        wk[1] = xh;
    }
    char v[32];
    pl_draw_value(c, r, xend, yc, v, sizeof v);
    cJSON_AddItemToArray(jbars, pl_bar_json(c, wl, set, r, fill, yb, w, whisker ? wk : NULL, v));
}

/* Panel g: one workload's rows on its own axis. */
static void pl_draw_panel(const pl_chart *c, size_t g, cJSON *jpanels, cJSON *jbars)
{
    const bench *b = c->b;
    const hetero_workload *wl = b->checks[g].wl;
    char buf[1024];
    double top = c->top0 + (double)g * (c->panel_h + PL_PANEL_GAP);
    double rows_top = top + PL_PANEL_HEAD, rows_bottom = rows_top + (double)b->n_sets * PL_ROW;
    snprintf(buf, sizeof buf, "%s: %s per second", wl->name, wl->item_name);
    het_draw_text(c->d, 20, top + 17, buf, &pl_panel);
    double axis = pl_draw_axis(c, wl, rows_top, rows_bottom, jpanels);
    for (size_t s = 0; s < b->n_sets; s++)
        pl_draw_bar(c, wl, s, rows_top, axis, jbars);
    het_draw_line(c->d, c->X0, rows_top, c->X0, rows_bottom, 0x555555, 1, HET_DASH_SOLID);
}

static het_draw *pl_draw(const bench *b)
{
    pl_chart c = {.b = b, .X0 = pl_bars_left(b), .X1 = PL_W - PL_RIGHT, .top0 = 110};
    if (c.X0 < 0)
        return NULL;
    c.panel_h = PL_PANEL_HEAD + (double)b->n_sets * PL_ROW + PL_PANEL_FOOT;
    c.H = c.top0 + (double)b->n_checks * (c.panel_h + PL_PANEL_GAP) + 30;
    c.d = het_draw_new(PL_W, c.H);
    if (!c.d)
        return NULL;
    const char *title = "hetero-bench: items per second of each device set";
    pl_draw_head(&c, title);
    pl_draw_key(&c);

    cJSON *meta = cJSON_CreateObject();
    cJSON_AddStringToObject(meta, "schema", BENCH_CHART_SCHEMA);
    cJSON_AddNumberToObject(meta, "version", BENCH_CHART_VERSION);
    cJSON_AddStringToObject(meta, "chart", "hetero-bench");
    cJSON_AddStringToObject(meta, "title", title);
    cJSON_AddNumberToObject(meta, "width", PL_W);
    cJSON_AddNumberToObject(meta, "height", c.H);
    cJSON_AddNumberToObject(meta, "noisy_pct", BENCH_NOISY_PCT);
    cJSON *jpanels = cJSON_AddArrayToObject(meta, "panels");
    cJSON *jbars = cJSON_AddArrayToObject(meta, "bars");
    for (size_t g = 0; g < b->n_checks; g++)
        pl_draw_panel(&c, g, jpanels, jbars);
    het_draw_text(
        c.d, 20, c.H - 14,
        "Longer is faster. Each workload counts its own items, so compare bars within a panel, not across "
        "panels.",
        &pl_spread);
    het_draw_meta(c.d, meta);
    return c.d;
}

int bench_plot(const bench *b)
{
    het_draw *d = pl_draw(b);
    if (!d) {
        char why[HETERO_MSG_MAX];
        snprintf(why, sizeof why, "%s", hetero_errmsg());
        return hetero_fail(HETERO_E_NOMEM, "--plot: cannot draw the chart: %s", why);
    }
    int rc = HETERO_OK;
    for (size_t i = 0; i < b->opt.n_plots && rc == HETERO_OK; i++)
        rc = het_draw_write(d, "--plot", b->opt.plots[i]);
    het_draw_free(d);
    return rc;
}
