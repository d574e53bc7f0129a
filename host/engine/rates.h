/* rates.h - throughput models kept between runs.
 *
 * A worker's measured rate (grains per second at full width) for one job
 * shape, kept in the program cache's folder (rates/, one small file per
 * model, the cache's owner and mode rules) so that the next run's first
 * batch is sized from it: a GPU far wider than a short job knows before
 * its first wave whether the others would finish first.  The key hashes
 * the worker (device name, driver and version, or the CPU and its team),
 * its width and the job's identity but its seed.  HETERO_CACHE_DIR=off
 * or HETERO_MODELS=off turn the models off; a model is an optimisation,
 * so every failure is silent (a HETERO_DEBUG line).
 */
#ifndef HET_RATES_H
#define HET_RATES_H

#include <stdint.h>

#include "hetero.h"

/* The model's file name (32 hex digits) into key; -1 out of memory. */
int het_rates_key(const hetero_job *job, const char *worker, uint64_t width, char key[33]);
/* The rate kept under key; 0 when there is none (or it is not trusted). */
double het_rates_load(const char *key);
/* Keeps rate under key, replacing the file whole. */
void het_rates_store(const char *key, double rate);

#endif
