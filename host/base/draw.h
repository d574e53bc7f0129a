/* draw.h - the one way hetero draws a chart (hetero reservoir --plot,
 * hetero-bench --plot), in either format from the same drawing.
 *
 * A chart is drawn once, with the primitives below, into a cairo recording
 * surface; het_draw_write() then replays that recording onto a cairo SVG
 * surface or an image surface written as PNG, so the two formats hold the
 * same picture by construction (same size: one SVG user unit is one PNG
 * pixel).  No other program runs: no gnuplot, no shell.  Only the bytes of
 * the picture reach the file, through output.c (a temporary file renamed
 * into place when whole); the file name only ever reaches open() and
 * rename().
 *
 * The chart also hands over what it drew as data (het_draw_meta: a JSON
 * object of the values and the rectangles, lines and labels that show
 * them).  Both formats carry that same text: the SVG in a <metadata
 * id="hetero-chart"> element, the PNG in an iTXt chunk with the keyword
 * "hetero-chart".  Tests read it back to check the picture against the
 * report; a reader can too.
 *
 * Without cairo (the build did not find libcairo2-dev) the primitives do
 * nothing, het_draw_available() is 0 and het_draw_check() makes --plot bad
 * input saying why.  Coordinates are in pixels from the top left corner.
 */
#ifndef HET_DRAW_H
#define HET_DRAW_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

enum het_draw_format { HET_DRAW_NONE = 0, HET_DRAW_SVG = 1, HET_DRAW_PNG = 2 };
enum het_draw_anchor { HET_ANCHOR_LEFT, HET_ANCHOR_CENTER, HET_ANCHOR_RIGHT };
enum het_draw_dash { HET_DASH_SOLID, HET_DASH_DASHED, HET_DASH_DOTTED };

/* The keyword of the chart's data in both formats. */
#define HET_DRAW_META_KEY "hetero-chart"

typedef struct het_draw het_draw;

/* How a text is set: size in pixels, anchor of x (the baseline is at y),
 * bold, colour 0xRRGGBB, angle in degrees counter-clockwise (90: reads
 * upwards, for a y axis label). */
typedef struct het_text_style {
    double size;
    int anchor;
    int bold;
    uint32_t rgb;
    double angle;
} het_text_style;

/* 1 when this build draws (it found cairo); 0 otherwise. */
int het_draw_available(void);
/* "cairo 1.16.0", or "none". */
const char *het_draw_backend(void);

/* The format a file name asks for, by its extension (.svg or .png). */
int het_draw_format_of(const char *path);

/* Everything about an output path that can be known before the work, as
 * bad input (HETERO_E_BADARG, one line naming opt): an extension other than
 * .svg or .png, a build without cairo, and het_out_check()'s tests. */
int het_draw_check(const char *opt, const char *path);

/* A white canvas of width x height pixels.  NULL (HETERO_E_NOMEM set) when it
 * cannot be made. */
het_draw *het_draw_new(double width, double height);
void het_draw_free(het_draw *d);

/* Filled rectangle; alpha 0..1. */
void het_draw_rect(het_draw *d, double x, double y, double w, double h, uint32_t rgb, double alpha);
/* Rectangle outline. */
void het_draw_frame(het_draw *d, double x, double y, double w, double h, uint32_t rgb, double width);
/* Diagonal hatching over a rectangle (lines every `gap` pixels). */
void het_draw_hatch(het_draw *d, double x, double y, double w, double h, uint32_t rgb, double alpha,
                    double gap);
void het_draw_line(het_draw *d, double x0, double y0, double x1, double y1, uint32_t rgb, double width,
                   int dash);
/* A polyline through n points xy[2i], xy[2i+1]. */
void het_draw_polyline(het_draw *d, const double *xy, size_t n, uint32_t rgb, double alpha, double width,
                       int dash);
/* A filled polygon through n points. */
void het_draw_polygon(het_draw *d, const double *xy, size_t n, uint32_t rgb, double alpha);
/* A circle, filled. */
void het_draw_dot(het_draw *d, double x, double y, double r, uint32_t rgb);
/* An image of w x h pixels (0xAARRGGBB, premultiplied alpha; row after
 * row) put at (x, y), one image pixel on one chart pixel. */
void het_draw_image(het_draw *d, double x, double y, int w, int h, const uint32_t *argb);
/* Text; bytes that are not UTF-8 or are control characters are drawn as
 * '?'. */
void het_draw_text(het_draw *d, double x, double y, const char *s, const het_text_style *st);
/* Width in pixels of s set in st (0 without cairo). */
double het_draw_text_width(het_draw *d, const char *s, const het_text_style *st);

/* Hands over the chart's data (the object becomes the draw's; it is
 * written compactly into both formats).  A second call replaces it. */
void het_draw_meta(het_draw *d, cJSON *meta);

/* Renders into memory: *buf (the caller frees) holds a whole SVG or PNG
 * document.  HETERO_E_IO naming opt when cairo reports an error; HETERO_E_NOMEM
 * when memory runs out. */
int het_draw_render(het_draw *d, int format, const char *opt, unsigned char **buf, size_t *len);

/* Renders in the format path's extension asks for and writes the file
 * through output.c.  HETERO_E_IO naming opt and path on any failure (the old
 * file, if any, is kept). */
int het_draw_write(het_draw *d, const char *opt, const char *path);

/* An axis: a "nice" step (1, 2 or 5 times a power of ten) giving about
 * `ticks` intervals over [0, max], and the top of the axis (a multiple of
 * the step, at least max). */
void het_draw_nice_axis(double max, int ticks, double *step, double *top);

#endif
