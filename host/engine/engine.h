/* engine.h - runs a planned job over the workers it is given and reports.
 *
 * The engine owns devices, worker threads, the grain counter (local or
 * across MPI ranks), the ordered gather of partials, the digest and the
 * report.  Workloads plug in through workload.h; the public job API
 * (host/api/job.c) and the bench (host/bench/) drive it through this
 * header.
 */
#ifndef HET_ENGINE_H
#define HET_ENGINE_H

#include <stdint.h>

#include "workload.h"

/* Runs job (already planned: n_grains, partial_size set) and fills rep.
 * On rank 0 the workload's merge() has run when this returns HETERO_OK.  On
 * failure nothing is merged, rep holds no rows, and the message names the
 * call, device and rank.  The caller frees rep's rows (het_report_free).  Collective under MPI: every rank calls it with the same job.
 *
 * A run stops when a signal arrives (interrupt.h, deferred mode
 * while it runs): no new batches, a short grace for those in flight, the
 * journal written, HETERO_E_INTERRUPTED returned with how far it got. */
int het_engine_run(hetero_job *job, const het_run_opts *opts, hetero_report *rep);

/* Device threads that runs left behind, still inside a driver call (a
 * simulator or driver that computes a straggler's abandoned batch in the
 * calling thread), and batches left in flight to a driver's completion
 * callbacks (a driver that runs them, even compiles their kernel, on
 * threads of its own).  They clean up after themselves when they finish;
 * but a process that exits meanwhile must not run the libraries' exit
 * handlers under them (a driver's static destructors would pull its state
 * away from its own threads): leave with _exit() once every output is
 * flushed and closed. */
int het_engine_threads_left(void);

/* Frees the rows a run gathered (workers, ranks) and leaves none; the
 * other fields stay.  Safe on a zeroed report, and twice. */
void het_report_free(hetero_report *rep);

#endif
