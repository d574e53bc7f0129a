/* fan.c - the reservoir's trace CSV and fan chart (see fan.h).
 *
 * The chart, top to bottom:
 *   - the title: the job (P, T, seed) and the model's parameters;
 *   - a legend with the value of each line at the last traced step;
 *   - the main panel, storage S (0 .. K) against the step t (0 .. T): the
 *     density of storage as shading (the share of paths per unit of S at
 *     each traced step, from the histogram of that step: one column per
 *     traced step), a strip above it for the share of paths exactly full
 *     (S = K) and one below for those empty (S = 0), the quantile lines 5,
 *     25, 50 (median), 75 and 95 and the exact mean;
 *   - beside it, the distribution at the last traced step (full, empty and
 *     the density over (0, K)) with numbers;
 *   - under it, three sample paths at every step, each in its own strip on
 *     the same time axis (a run of steps narrower than a pixel is drawn as
 *     its range, so no excursion is hidden).
 */
#include "fan.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "draw.h"
#include "error.h"
#include "format.h"

const double het_fan_qs[HET_FAN_NQ] = {0.05, 0.25, 0.50, 0.75, 0.95};

int het_fan_alloc(het_fan *f, uint32_t nt, int ns, uint64_t T)
{
    f->nt = nt;
    f->ns = ns;
    f->nbuckets = T + 1 <= HET_FAN_MAX_POINTS ? (size_t)(T + 1) : HET_FAN_BUCKETS;
    f->step = calloc(nt ? nt : 1, sizeof *f->step);
    f->mean = calloc(nt ? nt : 1, sizeof *f->mean);
    f->q = calloc(nt ? nt : 1, sizeof *f->q);
    f->traced = calloc(nt ? nt : 1, sizeof *f->traced);
    f->buckets = calloc((size_t)(ns > 0 ? ns : 1) * f->nbuckets, sizeof *f->buckets);
    if (!f->step || !f->mean || !f->q || !f->traced || !f->buckets) {
        het_fan_free(f);
        return hetero_fail(HETERO_E_NOMEM, "reservoir: out of memory for the trace");
    }
    for (size_t i = 0; i < (size_t)(ns > 0 ? ns : 1) * f->nbuckets; i++)
        f->buckets[i].t0 = UINT64_MAX; /* empty */
    return HETERO_OK;
}

void het_fan_free(het_fan *f)
{
    free(f->step);
    free(f->mean);
    free(f->q);
    free(f->traced);
    free(f->buckets);
    f->step = NULL;
    f->mean = NULL;
    f->q = NULL;
    f->traced = NULL;
    f->buckets = NULL;
}

void het_fan_sample(het_fan *f, int k, uint64_t t, double v)
{
    uint64_t T1 = f->steps + 1;
    size_t b = f->nbuckets == T1 ? (size_t)t : (size_t)(t * (uint64_t)f->nbuckets / T1);
    het_fan_bucket *u = &f->buckets[(size_t)k * f->nbuckets + b];
    if (u->t0 == UINT64_MAX) {
        u->t0 = t;
        u->first = u->lo = u->hi = v;
    }
    u->t1 = t;
    u->last = v;
    if (v < u->lo)
        u->lo = v;
    if (v > u->hi)
        u->hi = v;
}

int het_fan_csv(const het_fan *f, char **text, size_t *len)
{
    *text = NULL;
    *len = 0;
    FILE *o = open_memstream(text, len);
    if (!o)
        return hetero_fail(HETERO_E_NOMEM, "--trace: out of memory");
    fputs("step,mean,p5,p25,p50,p75,p95", o);
    for (int k = 0; k < f->ns; k++)
        fprintf(o, ",path%d", k);
    fputc('\n', o);
    for (uint32_t i = 0; i < f->nt; i++) {
        fprintf(o, "%" PRIu64 ",%.17g", f->step[i], f->mean[i]);
        for (int k = 0; k < HET_FAN_NQ; k++)
            fprintf(o, ",%.17g", f->q[i][k]);
        for (int k = 0; k < f->ns; k++)
            fprintf(o, ",%.17g", f->traced[i][k]);
        fputc('\n', o);
    }
    if (ferror(o) | (fclose(o) != 0)) {
        free(*text);
        *text = NULL;
        return hetero_fail(HETERO_E_NOMEM, "--trace: out of memory");
    }
    return HETERO_OK;
}

/* ---- the chart ------------------------------------------------------------ */

/* layout, in pixels */
#define FAN_W 1000.0
#define FAN_L 84.0   /* left edge of the panels */
#define FAN_PW 700.0 /* width of the panels */
#define FAN_SX 812.0 /* the side panel */
#define FAN_SW 150.0
#define FAN_PT 118.0 /* top of the main panel */
#define FAN_PH 340.0
#define FAN_STRIP 9.0   /* the full / empty strips */
#define FAN_PATH_H 54.0 /* one sample path's strip */
#define FAN_PATH_GAP 8.0
#define FAN_PER_LEVEL 400 /* paths per level of the shading, on average */
#define FAN_MIN_LEVELS 8  /* below this (P < 3200) no shading */

#define C_TEXT 0x222222u
#define C_GREY 0x666666u
#define C_GRID 0xdddddd
#define C_Q 0xd95f0eu /* quantile lines */
#define C_MEDIAN 0x993404u
#define C_MEAN 0x000000u
#define C_PATH 0x2b5f75u

static const het_text_style fan_title = {17, HET_ANCHOR_LEFT, 1, C_TEXT, 0};
static const het_text_style fan_sub = {12, HET_ANCHOR_LEFT, 0, C_GREY, 0};
static const het_text_style fan_small = {11, HET_ANCHOR_LEFT, 0, C_TEXT, 0};
static const het_text_style fan_tick_r = {11, HET_ANCHOR_RIGHT, 0, C_TEXT, 0};
static const het_text_style fan_tick_c = {11, HET_ANCHOR_CENTER, 0, C_TEXT, 0};
static const het_text_style fan_label_c = {12, HET_ANCHOR_CENTER, 0, C_TEXT, 0};
static const het_text_style fan_note = {10.5, HET_ANCHOR_LEFT, 0, C_GREY, 0};

/* 1234567 -> "1,234,567" */
static void fan_count(uint64_t v, char *buf, size_t size)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%" PRIu64, v);
    size_t k = 0;
    for (int i = 0; i < n && k + 2 < size; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[k++] = ',';
        buf[k++] = digits[i];
    }
    buf[k] = 0;
}

/* A tick label: integers as such up to 10^6, else three digits and an SI
 * prefix. */
static void fan_tick(double v, char *buf, size_t size)
{
    if (fabs(v) < 1e6 && v == floor(v))
        snprintf(buf, size, "%.0f", v);
    else if (fabs(v) < 1e6)
        snprintf(buf, size, "%g", v);
    else
        het_format_si(v, buf, size);
}

static uint32_t fan_mix(uint32_t a, uint32_t b, double t)
{
    uint32_t o = 0;
    for (int s = 0; s <= 16; s += 8) {
        double x = (double)((a >> s) & 0xff) * (1 - t) + (double)((b >> s) & 0xff) * t;
        o |= (uint32_t)lround(x) << s;
    }
    return o;
}

/* t in [0, 1] along a ramp of n colours. */
static uint32_t fan_ramp(const uint32_t *stops, int n, double t)
{
    if (!(t > 0))
        return stops[0];
    if (t >= 1)
        return stops[n - 1];
    double u = t * (n - 1);
    int i = (int)u;
    return fan_mix(stops[i], stops[i + 1], u - i);
}

/* light enough at the top of the scale that the lines over it stay clear */
static const uint32_t fan_blues[] = {0xffffff, 0xdeebf7, 0xb3d3ea, 0x7fb2dc, 0x4f8fc6};
static const uint32_t fan_purples[] = {0xffffff, 0xdadaeb, 0x9e9ac8, 0x6a51a3, 0x3f007d};
#define FAN_NBLUES 5
#define FAN_NPURPLES 5

/* Density is shaded linearly, 0 (white) to the top of the scale. */
static double fan_shade(double density, double top) { return top > 0 ? density / top : 0; }

static int fan_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The traced step whose column holds time t: columns meet half-way between
 * traced steps. */
static uint32_t fan_column(const het_fan *f, double t)
{
    uint32_t i = 0;
    while (i + 1 < f->nt && t >= 0.5 * ((double)f->step[i] + (double)f->step[i + 1]))
        i++;
    return i;
}

static cJSON *fan_array(const double *v, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(a, het_json_f64(v[i], 17));
    return a;
}

/* The chart's geometry and what one panel computes for another: the
 * shading's scale is also written in the side panel, the notes and the
 * JSON; the time axis's ticks are repeated under the sample paths. */
typedef struct fan_chart {
    const het_fan *f;
    het_draw *d;
    double T, K, P;   /* steps, capacity, paths */
    uint32_t inner;   /* the histogram's bins over (0, K) */
    int ndrawn;       /* sample paths drawn */
    double PB;        /* bottom of the main panel */
    double paths_top; /* the sample paths' strips */
    double paths_bottom;
    double H;        /* height of the chart */
    double xstep;    /* between ticks of the time axis */
    uint32_t levels; /* of the shading */
    int shade;       /* whether there is shading */
    double dtop;     /* the top of its colour scale */
    char title[512];
} fan_chart;

/* x: step t over [0, T]; y: storage over [0, K] */
static double fan_x(const fan_chart *c, double t) { return FAN_L + FAN_PW * (c->T > 0 ? t / c->T : 0); }
static double fan_y(const fan_chart *c, double v) { return c->PB - FAN_PH * v / c->K; }

static void fan_draw_title(fan_chart *c)
{
    const het_fan *f = c->f;
    char buf[512], a[64], b[64];
    fan_count(f->paths, a, sizeof a);
    fan_count(f->steps, b, sizeof b);
    snprintf(buf, sizeof buf, "reservoir: storage over time, %s path%s x %s step%s (T), seed %" PRIu64, a,
             f->paths == 1 ? "" : "s", b, f->steps == 1 ? "" : "s", f->seed);
    het_draw_text(c->d, FAN_L - 60, 30, buf, &fan_title);
    snprintf(c->title, sizeof c->title, "%s", buf);
    snprintf(buf, sizeof buf,
             "capacity K = %g, inflow mean mu = %g and sd sigma = %g per step, release Sbar = %g per step, "
             "initial S0 = %g",
             c->K, f->mu, f->sigma, f->sbar, f->s0);
    het_draw_text(c->d, FAN_L - 60, 50, buf, &fan_sub);
}

/* The share of paths per unit of storage in level k (bins merged in groups
 * of `merge`) at traced step i. */
static double fan_density(const fan_chart *c, uint32_t i, uint32_t k, uint32_t merge, double unit)
{
    uint64_t n = 0;
    for (uint32_t j = k * merge; j < (k + 1) * merge && j < c->inner; j++)
        n += c->f->hist[(size_t)i * c->f->bins + 1 + j];
    return (double)n / c->P / unit;
}

/* The top of the colour scale: the 99th percentile of the cells that hold
 * paths, so that one crowded cell does not wash out the rest. */
static double fan_shading_top(const fan_chart *c, uint32_t merge, double unit, double *dens)
{
    size_t nz = 0;
    for (uint32_t i = 0; i < c->f->nt; i++)
        for (uint32_t k = 0; k < c->levels; k++) {
            double v = fan_density(c, i, k, merge, unit);
            if (v > 0)
                dens[nz++] = v;
        }
    qsort(dens, nz, sizeof *dens, fan_cmp);
    return nz ? dens[(size_t)(0.99 * (double)(nz - 1))] : 0;
}

/* The main panel's density shading, one column per traced step; sets the
 * levels, whether there is shading and the top of its scale. */
static int fan_draw_shading(fan_chart *c)
{
    const het_fan *f = c->f;
    const size_t cells = (size_t)f->nt * c->inner;
    double *dens = malloc((cells ? cells : 1) * sizeof *dens);
    const int pw = (int)FAN_PW, ph = (int)FAN_PH;
    uint32_t *img = malloc((size_t)pw * (size_t)ph * sizeof *img);
    uint32_t *col = malloc((size_t)pw * sizeof *col);
    if (!dens || !img || !col) {
        free(dens);
        free(img);
        free(col);
        return hetero_fail(HETERO_E_NOMEM, "--plot: out of memory");
    }
    /* levels of storage: the histogram's bins, merged in groups of `merge`
     * while the paths are too few to fill them (FAN_PER_LEVEL paths a level
     * on average), so that the shading shows the distribution rather than
     * its sampling noise; with fewer than FAN_MIN_LEVELS levels there is
     * nothing to shade */
    uint32_t merge = 1;
    while (merge < c->inner && c->P * merge / c->inner < FAN_PER_LEVEL)
        merge *= 2;
    c->levels = (c->inner + merge - 1) / merge;
    c->shade = c->levels >= FAN_MIN_LEVELS;
    const double unit = c->K / c->inner * merge; /* storage per level */
    c->dtop = fan_shading_top(c, merge, unit, dens);
    for (int x = 0; x < pw; x++)
        col[x] = fan_column(f, (x + 0.5) / FAN_PW * c->T);
    for (int y = 0; y < ph; y++) {
        double v = c->K * (1 - (y + 0.5) / FAN_PH);
        uint32_t k = (uint32_t)(v / unit);
        if (k >= c->levels)
            k = c->levels - 1;
        for (int x = 0; x < pw; x++) {
            double dv = fan_density(c, col[x], k, merge, unit);
            img[(size_t)y * (size_t)pw + (size_t)x] = 0xff000000u |
                                                      fan_ramp(fan_blues, FAN_NBLUES, fan_shade(dv, c->dtop));
        }
    }
    if (c->shade)
        het_draw_image(c->d, FAN_L, FAN_PT, pw, ph, img);
    free(img);
    free(col);
    free(dens);
    return HETERO_OK;
}

/* The strips: share of paths exactly full (above) and empty (below). */
static void fan_draw_strips(const fan_chart *c)
{
    const het_fan *f = c->f;
    for (uint32_t i = 0; i < f->nt; i++) {
        double t0 = i == 0 ? 0 : 0.5 * ((double)f->step[i - 1] + (double)f->step[i]);
        double t1 = i + 1 == f->nt ? c->T : 0.5 * ((double)f->step[i] + (double)f->step[i + 1]);
        double full = (double)f->hist[(size_t)i * f->bins + f->bins - 1] / c->P;
        double empty = (double)f->hist[(size_t)i * f->bins] / c->P;
        double x0 = fan_x(c, t0), w = fan_x(c, t1) - x0;
        het_draw_rect(c->d, x0, FAN_PT - FAN_STRIP - 2, w, FAN_STRIP,
                      fan_ramp(fan_purples, FAN_NPURPLES, full), 1);
        het_draw_rect(c->d, x0, c->PB + 2, w, FAN_STRIP, fan_ramp(fan_purples, FAN_NPURPLES, empty), 1);
    }
    het_draw_frame(c->d, FAN_L, FAN_PT - FAN_STRIP - 2, FAN_PW, FAN_STRIP, 0x999999, 0.6);
    het_draw_frame(c->d, FAN_L, c->PB + 2, FAN_PW, FAN_STRIP, 0x999999, 0.6);
}

/* The ticks of the time axis, their labels `label_dy` below `y`. */
static void fan_draw_time_ticks(const fan_chart *c, double y, double tick, double label_dy)
{
    char a[64];
    for (double t = 0; t <= c->T * (1 + 1e-12); t += c->xstep) {
        fan_tick(t, a, sizeof a);
        het_draw_line(c->d, fan_x(c, t), y, fan_x(c, t), y + tick, 0x555555, 1, HET_DASH_SOLID);
        het_draw_text(c->d, fan_x(c, t), y + label_dy, a, &fan_tick_c);
    }
}

/* Axes and grid of the main panel; sets the time axis's step. */
static void fan_draw_axes(fan_chart *c)
{
    const double K = c->K;
    char a[64];
    double step = 1, top = 1;
    het_draw_nice_axis(K, 5, &step, &top);
    for (double v = 0; v <= K * (1 + 1e-9); v += step) {
        double y = fan_y(c, v);
        het_draw_line(c->d, FAN_L, y, FAN_L + FAN_PW, y, 0xffffff, 0.6, HET_DASH_DOTTED);
        fan_tick(v, a, sizeof a);
        het_draw_text(c->d, FAN_L - 8, y + 4, a, &fan_tick_r);
    }
    if (fmod(K, step) > 1e-9 * K) { /* K itself when it is not a tick */
        fan_tick(K, a, sizeof a);
        het_draw_text(c->d, FAN_L - 8, fan_y(c, K) + 4, a, &fan_tick_r);
    }
    het_draw_frame(c->d, FAN_L, FAN_PT, FAN_PW, FAN_PH, 0x555555, 1);
    double xtop;
    het_draw_nice_axis(c->T, 8, &c->xstep, &xtop);
    if (c->xstep < 1)
        c->xstep = 1; /* steps are whole */
    /* the tick marks run from 2 to 6 px under the empty strip */
    fan_draw_time_ticks(c, c->PB + FAN_STRIP + 2, 4, 17);
    het_text_style ylab = {12, HET_ANCHOR_CENTER, 0, C_TEXT, 90};
    het_draw_text(c->d, FAN_L - 48, FAN_PT + FAN_PH / 2, "storage S (volume units, as K, mu and Sbar)",
                  &ylab);
    het_draw_text(c->d, FAN_L + FAN_PW / 2, c->PB + FAN_STRIP + 36, "step t", &fan_label_c);
}

/* The quantile lines and the mean. */
static int fan_draw_lines(const fan_chart *c)
{
    const het_fan *f = c->f;
    double *xy = malloc(2 * (size_t)(f->nt ? f->nt : 1) * sizeof *xy);
    if (!xy)
        return hetero_fail(HETERO_E_NOMEM, "--plot: out of memory");
    static const struct {
        int q; /* index in het_fan_qs, or -1 for the mean */
        uint32_t rgb;
        double width;
        int dash;
    } lines[] = {{0, C_Q, 1.3, HET_DASH_DASHED},     {4, C_Q, 1.3, HET_DASH_DASHED},
                 {1, C_Q, 1.6, HET_DASH_SOLID},      {3, C_Q, 1.6, HET_DASH_SOLID},
                 {2, C_MEDIAN, 2.8, HET_DASH_SOLID}, {-1, C_MEAN, 2.0, HET_DASH_DASHED}};
    for (size_t l = 0; l < sizeof lines / sizeof lines[0]; l++) {
        for (uint32_t i = 0; i < f->nt; i++) {
            double v = lines[l].q < 0 ? f->mean[i] : f->q[i][lines[l].q];
            xy[2 * i] = fan_x(c, (double)f->step[i]);
            /* a line on the frame would vanish into it: keep it a hair inside */
            double y = fan_y(c, v);
            xy[2 * i + 1] = y < FAN_PT + 1 ? FAN_PT + 1 : y > c->PB - 1 ? c->PB - 1 : y;
        }
        het_draw_polyline(c->d, xy, f->nt, lines[l].rgb, 1, lines[l].width, lines[l].dash);
    }
    free(xy);
    return HETERO_OK;
}

/* The legend, with the values at the last traced step. */
static void fan_draw_legend(const fan_chart *c)
{
    const het_fan *f = c->f;
    const uint32_t last = f->nt ? f->nt - 1 : 0;
    char buf[512];
    double lx = FAN_L - 60, ly = 78;
    static const struct {
        const char *what;
        uint32_t rgb;
        double width;
        int dash;
    } leg[] = {{"median", C_MEDIAN, 2.8, HET_DASH_SOLID},
               {"mean", C_MEAN, 2.0, HET_DASH_DASHED},
               {"25-75%", C_Q, 1.6, HET_DASH_SOLID},
               {"5-95%", C_Q, 1.3, HET_DASH_DASHED}};
    for (size_t l = 0; l < 4 && f->nt; l++) {
        het_draw_line(c->d, lx, ly - 4, lx + 26, ly - 4, leg[l].rgb, leg[l].width, leg[l].dash);
        if (l == 0)
            snprintf(buf, sizeof buf, "median %.4g", f->q[last][2]);
        else if (l == 1)
            snprintf(buf, sizeof buf, "mean %.4g", f->mean[last]);
        else if (l == 2)
            snprintf(buf, sizeof buf, "25-75%%: %.4g to %.4g", f->q[last][1], f->q[last][3]);
        else
            snprintf(buf, sizeof buf, "5-95%%: %.4g to %.4g", f->q[last][0], f->q[last][4]);
        het_draw_text(c->d, lx + 32, ly, buf, &fan_small);
        lx += 32 + het_draw_text_width(c->d, buf, &fan_small) + 22;
    }
    snprintf(buf, sizeof buf, "(values at t = %" PRIu64 ")", f->nt ? f->step[last] : 0);
    het_text_style lg = fan_small;
    lg.rgb = C_GREY;
    het_draw_text(c->d, lx, ly, buf, &lg);
}

/* The side panel's colour scale of the shading, or why there is none. */
static void fan_draw_scale(const fan_chart *c)
{
    const het_text_style sn = {10, HET_ANCHOR_LEFT, 0, C_GREY, 0};
    double cy = c->PB + 88, cw = FAN_SW - 10;
    char buf[64];
    if (!c->shade) {
        het_draw_text(c->d, FAN_SX, cy - 4, "no shading: too few paths", &sn);
        het_draw_text(c->d, FAN_SX, cy + 8, "for a density (< 3,200)", &sn);
        return;
    }
    for (int x = 0; x < (int)cw; x++)
        het_draw_rect(c->d, FAN_SX + x, cy, 1.2, 8, fan_ramp(fan_blues, FAN_NBLUES, (x + 0.5) / cw), 1);
    het_draw_frame(c->d, FAN_SX, cy, cw, 8, 0x999999, 0.6);
    het_text_style cl = {10, HET_ANCHOR_LEFT, 0, C_TEXT, 0};
    het_text_style cr = {10, HET_ANCHOR_RIGHT, 0, C_TEXT, 0};
    het_draw_text(c->d, FAN_SX, cy + 20, "0", &cl);
    snprintf(buf, sizeof buf, "%.3g%% or more", 100 * c->dtop);
    het_draw_text(c->d, FAN_SX + cw, cy + 20, buf, &cr);
    het_draw_text(c->d, FAN_SX, cy - 16, "shading: % of paths", &sn);
    het_draw_text(c->d, FAN_SX, cy - 4, "per unit of storage", &sn);
}

/* The side panel: the distribution at the last traced step (f->nt > 0). */
static void fan_draw_side(const fan_chart *c)
{
    const het_fan *f = c->f;
    const double K = c->K, P = c->P, PB = c->PB;
    const uint32_t last = f->nt - 1;
    const uint64_t *h = f->hist + (size_t)last * f->bins;
    double full = (double)h[f->bins - 1] / P, empty = (double)h[0] / P, mid = 1 - full - empty;
    char buf[128];
    snprintf(buf, sizeof buf, "at t = %" PRIu64, f->step[last]);
    het_text_style sh = {12, HET_ANCHOR_LEFT, 1, C_TEXT, 0};
    het_draw_text(c->d, FAN_SX, FAN_PT - FAN_STRIP - 26, buf, &sh);
    /* full and empty: bars on an absolute scale, 100% = the panel's width */
    double bw = FAN_SW - 10;
    het_draw_rect(c->d, FAN_SX, FAN_PT - FAN_STRIP - 2, bw * full, FAN_STRIP, 0x6a51a3, 1);
    het_draw_rect(c->d, FAN_SX, PB + 2, bw * empty, FAN_STRIP, 0x6a51a3, 1);
    het_text_style sv = {11, HET_ANCHOR_LEFT, 0, C_TEXT, 0};
    het_text_style sn = {10, HET_ANCHOR_LEFT, 0, C_GREY, 0};
    snprintf(buf, sizeof buf, "full (S = K): %.1f%%", 100 * full);
    het_draw_text(c->d, FAN_SX + bw * full + 4, FAN_PT - 3, buf, &sv);
    snprintf(buf, sizeof buf, "empty (S = 0): %.1f%%", 100 * empty);
    het_draw_text(c->d, FAN_SX + bw * empty + 4, PB + 11, buf, &sv);
    /* (0, K): the share of paths in 34 even levels, scaled to the largest */
    enum { NB = 34 };
    double coarse[NB] = {0}, cmax = 0;
    for (uint32_t k = 0; k < c->inner; k++)
        coarse[(size_t)k * NB / c->inner] += (double)h[1 + k] / P;
    for (int k = 0; k < NB; k++)
        cmax = coarse[k] > cmax ? coarse[k] : cmax;
    for (int k = 0; k < NB && cmax > 0; k++) {
        double y0 = fan_y(c, K * (k + 1) / NB), y1 = fan_y(c, K * k / NB);
        het_draw_rect(c->d, FAN_SX, y0 + 0.5, (bw - 20) * coarse[k] / cmax, y1 - y0 - 1, 0x4f8fc6, 1);
    }
    het_draw_line(c->d, FAN_SX, FAN_PT, FAN_SX, PB, 0x555555, 1, HET_DASH_SOLID);
    snprintf(buf, sizeof buf, "in (0, K): %.1f%%", 100 * mid);
    het_draw_text(c->d, FAN_SX, PB + 32, buf, &sv);
    het_draw_text(c->d, FAN_SX, PB + 45, "(bars: share per level of S,", &sn);
    het_draw_text(c->d, FAN_SX, PB + 57, "scaled to the largest)", &sn);
    fan_draw_scale(c);
}

/* Sample path k in its strip with top y0, every step: a bucket of steps
 * narrower than a pixel is drawn as its first value, its range and its
 * last value.  `pts` holds 4 points per bucket. */
static void fan_draw_path(const fan_chart *c, int k, double y0, double *pts)
{
    const het_fan *f = c->f;
    char buf[32], a[64];
    het_draw_rect(c->d, FAN_L, y0, FAN_PW, FAN_PATH_H, 0xf4f4f4, 1);
    het_draw_line(c->d, FAN_L, y0 + FAN_PATH_H / 2, FAN_L + FAN_PW, y0 + FAN_PATH_H / 2, C_GRID, 0.6,
                  HET_DASH_DOTTED);
    size_t n = 0;
    for (size_t j = 0; j < f->nbuckets; j++) {
        const het_fan_bucket *u = &f->buckets[(size_t)k * f->nbuckets + j];
        if (u->t0 == UINT64_MAX)
            continue;
#define PY(v) (y0 + FAN_PATH_H - FAN_PATH_H * (v) / c->K)
        pts[2 * n] = fan_x(c, (double)u->t0);
        pts[2 * n + 1] = PY(u->first);
        n++;
        if (u->t1 > u->t0) {
            double xm = 0.5 * (fan_x(c, (double)u->t0) + fan_x(c, (double)u->t1));
            pts[2 * n] = xm;
            pts[2 * n + 1] = PY(u->lo);
            pts[2 * n + 2] = xm;
            pts[2 * n + 3] = PY(u->hi);
            pts[2 * n + 4] = fan_x(c, (double)u->t1);
            pts[2 * n + 5] = PY(u->last);
            n += 3;
        }
#undef PY
    }
    het_draw_polyline(c->d, pts, n, C_PATH, 1, f->steps <= 400 ? 1.2 : 0.8, HET_DASH_SOLID);
    het_draw_frame(c->d, FAN_L, y0, FAN_PW, FAN_PATH_H, 0x999999, 0.6);
    snprintf(buf, sizeof buf, "path %d", k);
    het_draw_text(c->d, FAN_L - 6, y0 + FAN_PATH_H / 2 + 4, buf, &fan_tick_r);
    het_text_style tiny = {9, HET_ANCHOR_LEFT, 0, C_GREY, 0};
    fan_tick(c->K, a, sizeof a);
    het_draw_text(c->d, FAN_L + FAN_PW + 4, y0 + 8, a, &tiny);
    het_draw_text(c->d, FAN_L + FAN_PW + 4, y0 + FAN_PATH_H, "0", &tiny);
}

/* The sample paths panel (c->ndrawn > 0), on the main panel's time axis. */
static int fan_draw_paths(const fan_chart *c)
{
    const int ndrawn = c->ndrawn;
    char buf[128];
    snprintf(buf, sizeof buf, "sample path%s %s, every step", ndrawn > 1 ? "s" : "",
             ndrawn == 1   ? "0"
             : ndrawn == 2 ? "0 and 1"
                           : "0, 1 and 2");
    het_text_style ph_t = {12, HET_ANCHOR_LEFT, 1, C_TEXT, 0};
    het_draw_text(c->d, FAN_L, c->paths_top - 10, buf, &ph_t);
    size_t npts = 4 * c->f->nbuckets;
    double *pts = malloc(2 * npts * sizeof *pts);
    if (!pts)
        return hetero_fail(HETERO_E_NOMEM, "--plot: out of memory");
    for (int k = 0; k < ndrawn; k++)
        fan_draw_path(c, k, c->paths_top + k * (FAN_PATH_H + FAN_PATH_GAP), pts);
    free(pts);
    fan_draw_time_ticks(c, c->paths_bottom, 4, 17);
    het_draw_text(c->d, FAN_L + FAN_PW / 2, c->paths_bottom + 34, "step t", &fan_label_c);
    return HETERO_OK;
}

/* How to read it, at the foot of the chart. */
static void fan_draw_notes(const fan_chart *c)
{
    char buf[512];
    if (c->shade)
        snprintf(
            buf, sizeof buf,
            "Shading: share of paths at each level of storage at the %u traced steps, %u levels over (0, K); "
            "strips: share exactly full (S = K, top) and empty (S = 0, bottom), 0 to 100%%.",
            c->f->nt, c->levels);
    else
        snprintf(
            buf, sizeof buf,
            "Strips: share of paths exactly full (S = K, top) and empty (S = 0, bottom) at the %u traced steps, "
            "0 to 100%%.",
            c->f->nt);
    het_draw_text(c->d, FAN_L - 60, c->H - 28, buf, &fan_note);
    het_draw_text(
        c->d, FAN_L - 60, c->H - 13,
        "Quantiles come from 256 bins over (0, K), within K/256; the mean is exact. Wiggles in the lines "
        "are the sampling noise of P paths (as 1/sqrt(P)), not the bins.",
        &fan_note);
}

/* What was drawn, as data (draw.h). */
static cJSON *fan_meta(const fan_chart *c)
{
    const het_fan *f = c->f;
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "chart", "reservoir-fan");
    cJSON_AddStringToObject(m, "title", c->title);
    cJSON_AddNumberToObject(m, "width", FAN_W);
    cJSON_AddNumberToObject(m, "height", c->H);
    cJSON_AddItemToObject(m, "paths", het_json_u64(f->paths));
    cJSON_AddItemToObject(m, "steps", het_json_u64(f->steps));
    cJSON_AddItemToObject(m, "seed", het_json_u64(f->seed));
    cJSON *par = cJSON_AddObjectToObject(m, "params");
    cJSON_AddItemToObject(par, "capacity", het_json_f64(c->K, 17));
    cJSON_AddItemToObject(par, "inflow_mean", het_json_f64(f->mu, 17));
    cJSON_AddItemToObject(par, "inflow_sd", het_json_f64(f->sigma, 17));
    cJSON_AddItemToObject(par, "release", het_json_f64(f->sbar, 17));
    cJSON_AddItemToObject(par, "initial", het_json_f64(f->s0, 17));
    cJSON *st = cJSON_AddArrayToObject(m, "traced_steps");
    for (uint32_t i = 0; i < f->nt; i++)
        cJSON_AddItemToArray(st, het_json_u64(f->step[i]));
    cJSON_AddItemToObject(m, "mean", fan_array(f->mean, f->nt));
    const char *qn[HET_FAN_NQ] = {"p5", "p25", "p50", "p75", "p95"};
    for (int k = 0; k < HET_FAN_NQ; k++) {
        cJSON *arr = cJSON_AddArrayToObject(m, qn[k]);
        for (uint32_t i = 0; i < f->nt; i++)
            cJSON_AddItemToArray(arr, het_json_f64(f->q[i][k], 17));
    }
    cJSON_AddNumberToObject(m, "sample_paths_drawn", c->ndrawn);
    cJSON_AddBoolToObject(m, "sample_paths_every_step", f->nbuckets == f->steps + 1);
    cJSON_AddItemToObject(m, "shading_top", het_json_f64(c->dtop, 6));
    cJSON_AddNumberToObject(m, "shading_levels", c->shade ? c->levels : 0);
    return m;
}

het_draw *het_fan_draw(const het_fan *f)
{
    fan_chart c = {.f = f, .T = (double)f->steps, .K = f->cap, .P = (double)f->paths, .inner = f->bins - 2};
    c.ndrawn = f->ns < HET_FAN_DRAWN_SAMPLES ? f->ns : HET_FAN_DRAWN_SAMPLES;
    c.PB = FAN_PT + FAN_PH;
    c.paths_top = c.PB + FAN_STRIP + 64;
    c.paths_bottom = c.paths_top + c.ndrawn * (FAN_PATH_H + FAN_PATH_GAP) - FAN_PATH_GAP;
    c.H = (c.ndrawn ? c.paths_bottom : c.PB + FAN_STRIP) + 84;
    c.d = het_draw_new(FAN_W, c.H);
    if (!c.d)
        return NULL;
    fan_draw_title(&c);
    if (fan_draw_shading(&c) != HETERO_OK)
        goto fail;
    fan_draw_strips(&c);
    fan_draw_axes(&c);
    if (fan_draw_lines(&c) != HETERO_OK)
        goto fail;
    fan_draw_legend(&c);
    if (f->nt)
        fan_draw_side(&c);
    if (c.ndrawn && fan_draw_paths(&c) != HETERO_OK)
        goto fail;
    fan_draw_notes(&c);
    het_draw_meta(c.d, fan_meta(&c));
    return c.d;
fail:
    het_draw_free(c.d);
    return NULL;
}
