/* report.h - the report every run ends with (hetero_report, include/hetero.h):
 * the engine fills it (engine.h, which frees its rows: het_report_free),
 * report.c prints it in text, JSON or CSV.
 */
#ifndef HET_REPORT_H
#define HET_REPORT_H

#include <stdio.h>

#include "workload.h"

/* Prints the whole report (job, params, result, digest, phases, workers,
 * ranks, balance) in the given format (HETERO_FORMAT_*).  Rank 0 only. */
int het_report_print(const hetero_job *job, const hetero_report *rep, int format, FILE *out);

#endif
