/* tunables.h - the library's tunable constants, in one place: times,
 * sizes and limits that trade one thing for another.  Each says what it
 * trades.  None changes a result or a digest (contract 1): grains are fixed
 * by the job, not by any of these.  The kernel cache's own limits are in
 * cl/internal/hcl_internal.h (cl/ includes nothing from host/).
 */
#ifndef HET_TUNABLES_H
#define HET_TUNABLES_H

/* ---- scheduling (schedule.c) ---------------------------------------- */

/* A batch target of 50 ms hides a GPU launch (tens of microseconds) and a
 * read-back, and is short enough that workers finish within a few percent
 * of each other. */
#define HET_SCHED_TARGET_S 0.05
/* Near the end a batch takes at most this share of the time the whole rank
 * is estimated to need for the rest, so batches shrink toward the end. */
#define HET_SCHED_END_SHARE 0.5
/* An idle worker copies a straggler's batch only when it would finish it
 * this many times sooner than the straggler is expected to. */
#define HET_SCHED_STEAL_MARGIN 2.0
/* Batches in flight per worker (an OpenCL device keeps the next one queued
 * while the last is read back). */
#define HET_SCHED_MAX_FLIGHT 2
/* A device's thread naps this long at least and at most between two
 * polls of its batch (het_sched_poll_nap): a wake-up costs its core a few
 * microseconds, a long nap sees the batch late (1 ms is 13% of a 7.7 ms
 * job where the device's queue has run dry). */
#define HET_SCHED_POLL_MIN_S 20e-6
#define HET_SCHED_POLL_MAX_S 1e-3

/* ---- the engine (host/engine/) ---------------------------------- */

/* Device buffers for one in-flight batch are capped at this size. */
#define HET_MAX_OUT_BYTES (64u << 20)
/* Work-items a GPU compute unit keeps resident (NVIDIA since Maxwell and
 * AMD's GCN/CDNA hold 2048 to 2560); OpenCL cannot tell, so the width of a
 * GPU is its compute units times this over the work-group size. */
#define HET_GPU_ITEMS_PER_CU 2048
/* Drivers report the local memory one work-group may use; a compute unit
 * usually has more (NVIDIA reports 48 KiB of up to 228 KiB).  Assume twice
 * that per compute unit when estimating resident groups: too wide a
 * batch only queues, too narrow starves the device. */
#define HET_GPU_LOCAL_PER_CU_FACTOR 2
/* Interrupted or at the time limit: batches in flight get this long to
 * finish before they are abandoned (and the journal written). */
#define HET_STOP_GRACE_S 2.0
/* How often the journal gets the newly finished grains (and ranks other
 * than 0 send theirs to rank 0), and the default between fsyncs. */
#define HET_JOURNAL_WRITE_S 1.0
#define HET_JOURNAL_SYNC_S 30.0
/* A journal another run holds (its lock) is waited for this long before
 * the run is refused: a run that was just stopped may still be writing
 * its last records (a rank outliving its launcher by a moment). */
#define HET_JOURNAL_LOCK_WAIT_S 10.0
/* Stopping at a time limit: this long before it, no new batches (the
 * grace for those in flight, the journal's last write, a margin). */
#define HET_TIME_LIMIT_MARGIN_S (HET_STOP_GRACE_S + 1.0)
/* A device whose first batch is out this long, and HET_DEMOTE_WAVES of
 * another worker's waves, is a straggler: its host thread yields the cores
 * (eng_demote).  Sooner demotes a device that is merely slow to start. */
#define HET_DEMOTE_AFTER_S 0.2
#define HET_DEMOTE_WAVES 10
/* With a straggler, a thread of the process that is not the run's own (a
 * device runtime's) and has used this many clock ticks of CPU is given the
 * lowest priority too; below it, a thread counts as idle. */
#define HET_FOREIGN_BUSY_TICKS 5
/* --progress=lines: one line this often. */
#define HET_PROGRESS_LINE_S 5.0
/* The main thread adds this rank's items to the every-rank progress count
 * (one MPI call) this often. */
#define HET_PROGRESS_COUNT_S 0.25
/* Once every grain has a result, a device thread gets this long to notice
 * (it polls every millisecond at most) before it is left behind inside
 * its driver call. */
#define HET_WIND_DOWN_GRACE_S 0.02
/* A program that links the library and exits normally waits this long at
 * most for device threads left behind inside their drivers (exit handlers
 * must not unload a driver's compiler under them). */
#define HET_EXIT_WAIT_S 30.0

/* ---- ranks (par.c) -------------------------------------------------- */

/* A peer silent this long is lost (--peer-timeout; the engine raises it to
 * a few of the longest batch times when those are longer).  Shorter ends a
 * job sooner after a host dies, but a rank stalled by a swapping node or
 * a stopped VM is then taken for dead. */
#define HET_PEER_TIMEOUT_S 30.0
/* Heartbeats each way this often: a few per timeout at the smallest
 * timeout allowed, and 2 messages a second per rank on rank 0 (2,000 a
 * second at 1,000 ranks, against the tens of thousands it serves). */
#define HET_BEAT_S 0.5
/* Rank 0's service polls for requests at least this often (microseconds)
 * while idle, faster while busy: a grant's worst wait on rank 0's side. */
#define HET_SERVE_POLL_US 500

/* ---- limits ---------------------------------------------------------- */

/* OpenCL devices one process drives. */
#define HET_MAX_CL_DEVICES 64
/* The most OpenMP threads per rank, from --threads or OMP_NUM_THREADS
 * alike (a team of 100000 overflows libgomp's stacks). */
#define HET_MAX_THREADS 4096
/* Threads of a run the engine knows as its own (main, workers, teams). */
#define HET_MAX_OWN_THREADS 4160
/* Workloads in the registry, built-ins included. */
#define HET_MAX_WORKLOADS 64

#endif
