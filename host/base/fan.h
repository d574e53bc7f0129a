/* fan.h - the reservoir's storage over time, as the --trace CSV and the
 * --plot fan chart (drawn through draw.h).
 *
 * reservoir_fan.c fills a het_fan from the merged partials (the mean and the
 * storage histogram of every traced step) and from its sample paths, which
 * it recomputes on the host at every step (the same lanes the grains ran,
 * so the same bits); this module only formats and draws.  Nothing here
 * changes a partial or a digest.
 */
#ifndef HET_FAN_H
#define HET_FAN_H

#include <stddef.h>
#include <stdint.h>

/* Quantiles of storage at each traced step, in this order. */
#define HET_FAN_NQ 5
extern const double het_fan_qs[HET_FAN_NQ]; /* 0.05, 0.25, 0.50, 0.75, 0.95 */

/* Sample paths kept for the CSV (path0..path4) and drawn (the first 3). */
#define HET_FAN_SAMPLES 5
#define HET_FAN_DRAWN_SAMPLES 3
/* A sample path is kept at every step while T + 1 is at most this; a
 * longer one in HET_FAN_BUCKETS runs of steps, each with its first, last,
 * lowest and highest value (all that a column of pixels can show). */
#define HET_FAN_MAX_POINTS 4096
#define HET_FAN_BUCKETS 2048

typedef struct het_fan_bucket {
    uint64_t t0, t1; /* the steps it covers, t0 <= t1 */
    double first, last, lo, hi;
} het_fan_bucket;

typedef struct het_fan {
    /* the job */
    uint64_t paths, steps, seed;
    double cap, mu, sigma, sbar, s0;
    /* the traced steps */
    uint32_t nt;
    uint64_t *step;          /* [nt] */
    double *mean;            /* [nt], exact */
    double (*q)[HET_FAN_NQ]; /* [nt] from the histogram */
    const uint64_t *hist;    /* [nt][bins] paths per bin: bin 0 holds S == 0, bin bins-1
                                  S == K, the others split (0, K) evenly */
    uint32_t bins;
    /* the sample paths 0 .. ns-1 */
    int ns;
    double (*traced)[HET_FAN_SAMPLES]; /* [nt] S of each sample path at the traced steps */
    size_t nbuckets;                   /* per path */
    het_fan_bucket *buckets;           /* [ns][nbuckets] */
} het_fan;

/* Allocates the arrays for nt traced steps and ns sample paths over T
 * steps (hist is the caller's).  HETERO_E_NOMEM on failure. */
int het_fan_alloc(het_fan *f, uint32_t nt, int ns, uint64_t T);
void het_fan_free(het_fan *f);

/* Sample path k reached value v at step t (called for t = 0, 1, ..., T in
 * order). */
void het_fan_sample(het_fan *f, int k, uint64_t t, double v);

/* The trace CSV: a header row, then one row per traced step:
 * step,mean,p5,p25,p50,p75,p95,path0..path{ns-1}.  *text is the caller's. */
int het_fan_csv(const het_fan *f, char **text, size_t *len);

/* Draws the fan chart (opt names the option in messages) into a new
 * drawing; the caller writes and frees it (draw.h).  NULL on failure. */
struct het_draw *het_fan_draw(const het_fan *f);

#endif
