/* plot.c - --plot: one panel per workload (its own unit and its own
 * linear axis from 0: items differ between workloads, so bars are compared
 * within a panel only), one horizontal bar per device set, named as a
 * person knows it ("PoCL CPU", "OpenMP, 2 threads"), at the median items/s,
 * with a whisker from the slowest to the fastest repeat, the value and the
 * spread written beside it; a noisy row is framed in red and says so, a
 * set whose members share cores (a CPU OpenCL device beside OpenMP) is
 * hatched.
 *
 * Drawn once through host/lib/draw.c, then written to every --plot file, SVG
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

static het_draw *pl_draw(const bench *b)
{
    /* the label column fits the longest set label */
    double maxw = 0;
    het_draw *probe = het_draw_new(10, 10);
    if (!probe)
        return NULL;
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
    const double X1 = PL_W - PL_RIGHT;
    const double top0 = 110;
    const double panel_h = PL_PANEL_HEAD + (double)b->n_sets * PL_ROW + PL_PANEL_FOOT;
    const double H = top0 + (double)b->n_checks * (panel_h + PL_PANEL_GAP) + 30;

    het_draw *d = het_draw_new(PL_W, H);
    if (!d)
        return NULL;
    char buf[1024], title[256];
    snprintf(title, sizeof title, "hetero-bench: items per second of each device set");
    het_draw_text(d, 20, 30, title, &pl_title);
    snprintf(buf, sizeof buf, "%s, %ld cores, %d OpenMP thread%s, %d rank%s; host %s, started %s", b->m.cpu,
             b->m.cores, b->m.omp_threads, b->m.omp_threads == 1 ? "" : "s", b->m.ranks,
             b->m.ranks == 1 ? "" : "s", b->run.host, b->run.started);
    het_draw_text(d, 20, 50, buf, &pl_sub);
    snprintf(buf, sizeof buf,
             "hetero %s (git %.12s%s), %s, %s; each bar: the median of %d repeat%s of about %g s "
             "of compute",
             HETERO_VERSION, b->run.git, b->run.git_dirty > 0 ? "+changes" : "", b->run.compiler,
             b->run.build_type, b->opt.repeats, b->opt.repeats == 1 ? "" : "s", b->opt.seconds);
    het_draw_text(d, 20, 67, buf, &pl_sub);

    /* the marks, explained */
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

    cJSON *meta = cJSON_CreateObject();
    cJSON_AddStringToObject(meta, "schema", BENCH_CHART_SCHEMA);
    cJSON_AddNumberToObject(meta, "version", BENCH_CHART_VERSION);
    cJSON_AddStringToObject(meta, "chart", "hetero-bench");
    cJSON_AddStringToObject(meta, "title", title);
    cJSON_AddNumberToObject(meta, "width", PL_W);
    cJSON_AddNumberToObject(meta, "height", H);
    cJSON_AddNumberToObject(meta, "noisy_pct", BENCH_NOISY_PCT);
    cJSON *jpanels = cJSON_AddArrayToObject(meta, "panels");
    cJSON *jbars = cJSON_AddArrayToObject(meta, "bars");

    for (size_t g = 0; g < b->n_checks; g++) {
        const hetero_workload *wl = b->checks[g].wl;
        double top = top0 + (double)g * (panel_h + PL_PANEL_GAP);
        double rows_top = top + PL_PANEL_HEAD, rows_bottom = rows_top + (double)b->n_sets * PL_ROW;
        snprintf(buf, sizeof buf, "%s: %s per second", wl->name, wl->item_name);
        het_draw_text(d, 20, top + 17, buf, &pl_panel);

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
        double step, axis;
        het_draw_nice_axis(vmax, 5, &step, &axis);
#define PX(v) (X0 + (X1 - X0) * (v) / axis)
        het_draw_rect(d, X0, rows_top, X1 - X0, rows_bottom - rows_top, 0xf7f7f7, 1);
        for (double v = 0; v <= axis * (1 + 1e-9); v += step) {
            char t[32];
            het_format_si(v, t, sizeof t);
            het_draw_line(d, PX(v), rows_top, PX(v), rows_bottom + 4, 0xd8d8d8, 1, HET_DASH_SOLID);
            het_draw_text(d, PX(v), rows_bottom + 17, t, &pl_tick);
        }
        snprintf(buf, sizeof buf, "%s/s", wl->item_name);
        het_text_style unit = pl_tick;
        unit.anchor = HET_ANCHOR_LEFT;
        het_draw_text(d, X1 + 26, rows_bottom + 17, buf, &unit);
        cJSON *jp = cJSON_CreateObject();
        cJSON_AddStringToObject(jp, "workload", wl->name);
        cJSON_AddStringToObject(jp, "unit", buf);
        cJSON_AddNumberToObject(jp, "x0", X0);
        cJSON_AddNumberToObject(jp, "x1", X1);
        cJSON_AddItemToObject(jp, "axis_max", het_json_f64(axis, 17));
        cJSON_AddItemToArray(jpanels, jp);

        for (size_t s = 0; s < b->n_sets; s++) {
            const bench_row *r = pl_row(b, wl, s);
            const bench_set *set = &b->sets[s];
            double y = rows_top + (double)s * PL_ROW, yc = y + PL_ROW / 2, yb = yc - PL_BAR / 2;
            het_draw_text(d, X0 - 10, yc + 4, set->label, &pl_label);
            if (!r || !(r->items_per_s > 0)) {
                het_draw_text(d, X0 + 6, yc + 4, "-", &pl_spread);
                continue;
            }
            uint32_t fill = pl_colour(b, s);
            double w = PX(r->items_per_s) - X0;
            het_draw_rect(d, X0, yb, w, PL_BAR, fill, 1);
            if (set->shares_cores)
                het_draw_hatch(d, X0, yb, w, PL_BAR, 0xffffff, 0.75, 5);
            if (r->noisy)
                het_draw_frame(d, X0 - 1, yb - 1, w + 2, PL_BAR + 2, C_NOISY, 1.5);
            double xend = X0 + w;
            int whisker = r->repeats > 1 && isfinite(r->items_per_s_min) && isfinite(r->items_per_s_max);
            if (whisker) {
                double xl = PX(r->items_per_s_min), xh = PX(r->items_per_s_max);
                het_draw_line(d, xl, yc, xh, yc, C_TEXT, 1.3, HET_DASH_SOLID);
                het_draw_line(d, xl, yc - 4.5, xl, yc + 4.5, C_TEXT, 1.3, HET_DASH_SOLID);
                het_draw_line(d, xh, yc - 4.5, xh, yc + 4.5, C_TEXT, 1.3, HET_DASH_SOLID);
                xend = xh > xend ? xh : xend;
            }
            char v[32];
            het_format_si(r->items_per_s, v, sizeof v);
            double tx = xend + 7;
            het_draw_text(d, tx, yc + 4, v, &pl_value);
            tx += het_draw_text_width(d, v, &pl_value) + 6;
            if (r->noisy) {
                if (r->noise && strcmp(r->noise, "spread") == 0)
                    snprintf(buf, sizeof buf, "noisy: spread %.0f%%", r->spread_pct);
                else
                    snprintf(buf, sizeof buf, "noisy: %.0f%% below calibration",
                             100 * (1 - r->items_per_s / r->calib_rate));
                het_draw_text(d, tx, yc + 4, buf, &pl_noisy);
            } else if (isfinite(r->spread_pct)) {
                snprintf(buf, sizeof buf, "spread %.1f%%", r->spread_pct);
                het_draw_text(d, tx, yc + 4, buf, &pl_spread);
            }

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
            cJSON_AddNumberToObject(jb, "x", X0);
            cJSON_AddNumberToObject(jb, "y", yb);
            cJSON_AddNumberToObject(jb, "w", w);
            cJSON_AddNumberToObject(jb, "h", PL_BAR);
            if (whisker) {
                cJSON *wk = cJSON_AddArrayToObject(jb, "whisker");
                cJSON_AddItemToArray(wk, cJSON_CreateNumber(PX(r->items_per_s_min)));
                cJSON_AddItemToArray(wk, cJSON_CreateNumber(PX(r->items_per_s_max)));
            } else {
                cJSON_AddNullToObject(jb, "whisker");
            }
            cJSON_AddStringToObject(jb, "value_label", v);
            cJSON_AddItemToArray(jbars, jb);
        }
        het_draw_line(d, X0, rows_top, X0, rows_bottom, 0x555555, 1, HET_DASH_SOLID);
#undef PX
    }
    het_draw_text(
        d, 20, H - 14,
        "Longer is faster. Each workload counts its own items, so compare bars within a panel, not across "
        "panels.",
        &pl_spread);
    het_draw_meta(d, meta);
    return d;
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
