/* plot.c - --plot: a grouped bar chart of items/s, one group per workload,
 * one bar per device set, with the min..max of the repeats as a whisker.
 * The y axis is log10 with a grid line per decade when the largest rate is
 * more than BENCH_LOG_SPREAD times the smallest, linear otherwise.
 *
 * SVG is written here (no dependency, and it always works); PNG goes
 * through gnuplot when the build found it (host/gnuplot.c: no shell, no
 * file name, the data inline).  Either way the picture goes to a temporary
 * file renamed over FILE only when it is whole (host/output.c).
 */
#include "bench.h"
#include "format.h"
#include "gnuplot.h"
#include "output.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_LOG_SPREAD 30.0

int bench_plot_kind(const char *path)
{
    size_t n = strlen(path);
    if (n > 4 && strcmp(path + n - 4, ".svg") == 0)
        return 1;
    if (n > 4 && strcmp(path + n - 4, ".png") == 0)
        return 2;
    return 0;
}

/* The row of workload w on set s, or NULL. */
static const bench_row *bench_plot_row(const bench *b, const het_workload *wl, size_t s)
{
    for (size_t i = 0; i < b->n_rows; i++)
        if (b->rows[i].wl == wl && b->rows[i].set == s)
            return &b->rows[i];
    return NULL;
}

/* The axis: [lo, hi] in items/s, log or linear, and the tick step (a
 * factor of 10 on a log axis). */
typedef struct bench_axis {
    int log;
    double lo, hi, step;
} bench_axis;

static bench_axis bench_plot_axis(const bench *b)
{
    double vmin = INFINITY, vmax = 0;
    for (size_t i = 0; i < b->n_rows; i++) {
        const bench_row *r = &b->rows[i];
        double lo = isfinite(r->items_per_s_min) ? r->items_per_s_min : r->items_per_s;
        double hi = isfinite(r->items_per_s_max) ? r->items_per_s_max : r->items_per_s;
        if (lo > 0 && lo < vmin)
            vmin = lo;
        if (hi > vmax)
            vmax = hi;
    }
    bench_axis a = {0, 0, 1, 0.2};
    if (!(vmax > 0))
        return a;
    if (vmax / vmin > BENCH_LOG_SPREAD) {
        a.log = 1;
        a.lo = pow(10, floor(log10(vmin)));
        a.hi = pow(10, ceil(log10(vmax)));
        if (a.hi <= a.lo)
            a.hi = a.lo * 10;
        a.step = 10;
        return a;
    }
    /* a 1-2-5 step giving about five grid lines */
    double raw = vmax / 5, mag = pow(10, floor(log10(raw)));
    double f = raw / mag;
    a.step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
    a.hi = ceil(vmax / a.step) * a.step;
    if (a.hi < vmax * 1.05)
        a.hi += a.step; /* room for the value labels */
    return a;
}

/* 0 at the bottom of the plot area, 1 at the top. */
static double bench_plot_frac(const bench_axis *a, double v)
{
    double f;
    if (a->log)
        f = v > 0 ? (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo)) : 0;
    else
        f = (v - a->lo) / (a->hi - a->lo);
    return f < 0 ? 0 : f > 1 ? 1 : f;
}

static void bench_xml(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f); break;
        }
    }
}

/* Colour-blind-safe palette (Okabe-Ito), one colour per device set. */
static const char *const bench_colours[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7",
                                            "#56B4E9", "#D55E00", "#F0E442", "#000000"};
#define BENCH_N_COLOURS (sizeof bench_colours / sizeof bench_colours[0])

static void bench_plot_svg(const bench *b, FILE *f)
{
    const double bar = 30, gap = 40, left = 80, right = 190, top = 60, bottom = 70, plot_h = 340;
    size_t groups = b->n_checks, sets = b->n_sets;
    double group_w = (double)sets * bar + gap;
    double plot_w = (double)groups * group_w;
    if (plot_w < 300)
        plot_w = 300;
    double W = left + plot_w + right, H = top + plot_h + bottom;
    bench_axis a = bench_plot_axis(b);

    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
               "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"12\">\n",
            W, H, W, H);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    fprintf(f, "<text x=\"%.1f\" y=\"24\" font-size=\"16\" text-anchor=\"middle\">hetero-bench: items/s per "
               "device set</text>\n", W / 2);
    fprintf(f, "<text x=\"%.1f\" y=\"42\" text-anchor=\"middle\" fill=\"#555\">", W / 2);
    bench_xml(f, b->m.cpu);
    fprintf(f, ", %ld cores, %d rank%s; median of %d repeat%s%s</text>\n", b->m.cores, b->m.ranks,
            b->m.ranks == 1 ? "" : "s", b->opt.repeats, b->opt.repeats == 1 ? "" : "s",
            b->opt.repeats > 1 ? ", whiskers min..max" : "");

    /* grid and y labels */
    double y0 = top + plot_h;
    for (double v = a.lo; v <= a.hi * (1 + 1e-9); v = a.log ? v * a.step : v + a.step) {
        double y = y0 - plot_h * bench_plot_frac(&a, v);
        char lab[32];
        het_format_si(v, lab, sizeof lab);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", left, y,
                left + plot_w, y);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", left - 6, y + 4, lab);
        if (!a.log && a.step <= 0)
            break;
    }
    fprintf(f, "<text transform=\"translate(18,%.1f) rotate(-90)\" text-anchor=\"middle\">items/s%s</text>\n",
            top + plot_h / 2, a.log ? " (log scale)" : "");

    /* bars */
    for (size_t g = 0; g < groups; g++) {
        const het_workload *wl = b->checks[g].wl;
        double gx = left + (double)g * group_w + gap / 2;
        for (size_t s = 0; s < sets; s++) {
            const bench_row *r = bench_plot_row(b, wl, s);
            if (!r || !(r->items_per_s > 0))
                continue;
            double x = gx + (double)s * bar;
            double y = y0 - plot_h * bench_plot_frac(&a, r->items_per_s);
            fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
                       "<title>", x + 2, y, bar - 4, y0 - y, bench_colours[s % BENCH_N_COLOURS]);
            char rate[32];
            het_format_si(r->items_per_s, rate, sizeof rate);
            bench_xml(f, wl->name);
            fputs(" on ", f);
            bench_xml(f, b->sets[s].name);
            fprintf(f, ": %s %s/s</title></rect>\n", rate, wl->item_name);
            double label_y = y;
            if (r->repeats > 1 && isfinite(r->items_per_s_min) && isfinite(r->items_per_s_max)) {
                double ylo = y0 - plot_h * bench_plot_frac(&a, r->items_per_s_min);
                double yhi = y0 - plot_h * bench_plot_frac(&a, r->items_per_s_max);
                double cx = x + bar / 2;
                fprintf(f, "<path d=\"M%.1f %.1fV%.1fM%.1f %.1fH%.1fM%.1f %.1fH%.1f\" stroke=\"#333\"/>\n", cx,
                        ylo, yhi, cx - 4, ylo, cx + 4, cx - 4, yhi, cx + 4);
                if (yhi < label_y)
                    label_y = yhi;
            }
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"middle\">%s</text>\n",
                    x + bar / 2, label_y - 4, rate);
        }
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"13\">", gx + (double)sets * bar / 2,
                y0 + 20);
        bench_xml(f, wl->name);
        fprintf(f, "</text>\n<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#555\">", gx + (double)sets * bar / 2,
                y0 + 36);
        bench_xml(f, wl->item_name);
        fputs("/s</text>\n", f);
    }
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n", left, y0,
            left + plot_w, y0);
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n", left, top, left, y0);

    /* legend */
    for (size_t s = 0; s < sets; s++) {
        double x = left + plot_w + 20, y = top + 10 + 22 * (double)s;
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"14\" fill=\"%s\"/>\n", x, y,
                bench_colours[s % BENCH_N_COLOURS]);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">", x + 20, y + 11);
        bench_xml(f, b->sets[s].name);
        if (b->sets[s].kind == BENCH_SET_OMPALL)
            fprintf(f, " (%d threads)", b->m.omp_threads);
        fputs("</text>\n", f);
    }
    fputs("</svg>\n", f);
}

/* A string for gnuplot's single quotes, where '' stands for one quote
 * (only our own strings: titles, set and workload names). */
static void bench_gp_str(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

/* The gnuplot program of the PNG chart, the data inline as a datablock. */
static int bench_png_script(const bench *b, char **text, size_t *len)
{
    FILE *gp = open_memstream(text, len);
    if (!gp)
        return het_fail(HET_E_NOMEM, "--plot: out of memory");
    bench_axis a = bench_plot_axis(b);
    double width = 360 + 60.0 * (double)(b->n_checks * b->n_sets);
    fprintf(gp, "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) { set terminal pngcairo size %.0f,480 noenhanced } "
                "else { set terminal png size %.0f,480 noenhanced }\n", width, width);
    fputs("set title ", gp);
    bench_gp_str(gp, "hetero-bench: items/s per device set");
    fputs("\nset style data histograms\nset style histogram clustered gap 1\n"
          "set style fill solid 0.9 border -1\nset key outside right top\nset grid ytics\n"
          "set datafile missing '?'\nset format y '%.0s%c'\n", gp);
    if (a.log)
        fprintf(gp, "set logscale y\nset yrange [%g:%g]\nset ylabel 'items/s (log scale)'\n", a.lo, a.hi);
    else
        fprintf(gp, "set yrange [0:%g]\nset ylabel 'items/s'\n", a.hi);
    fputs("$data << EOD\nworkload", gp);
    for (size_t s = 0; s < b->n_sets; s++)
        fprintf(gp, " \"%s\"", b->sets[s].name);
    fputc('\n', gp);
    for (size_t g = 0; g < b->n_checks; g++) {
        fprintf(gp, "\"%s\"", b->checks[g].wl->name);
        for (size_t s = 0; s < b->n_sets; s++) {
            const bench_row *r = bench_plot_row(b, b->checks[g].wl, s);
            if (r && r->items_per_s > 0)
                fprintf(gp, " %.6g", r->items_per_s);
            else
                fputs(" ?", gp);
        }
        fputc('\n', gp);
    }
    fprintf(gp, "EOD\nplot for [i=2:%zu] $data using i:xtic(1) title columnheader(i)\n", b->n_sets + 1);
    if (ferror(gp) | (fclose(gp) != 0)) {
        free(*text);
        *text = NULL;
        return het_fail(HET_E_NOMEM, "--plot: out of memory");
    }
    return HET_OK;
}

int bench_plot(const bench *b, const char *path)
{
    het_out out;
    int rc = het_out_open(&out, "--plot", path);
    if (rc)
        return rc;
    if (bench_plot_kind(path) == 2) {
        char *script = NULL;
        size_t len = 0;
        rc = bench_png_script(b, &script, &len);
        if (rc == HET_OK)
            rc = het_gnuplot_draw("--plot", "png", script, len, &out);
        free(script);
    } else {
        bench_plot_svg(b, out.f);
    }
    if (rc == HET_OK)
        rc = het_out_commit(&out);
    het_out_discard(&out);
    return rc;
}
