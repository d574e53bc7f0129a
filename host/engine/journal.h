/* journal.h - the checkpoint journal of a run (--checkpoint FILE).
 *
 * A journal holds finished grains' partials so that the same command, run
 * again after an interruption, computes only the rest (contract 9).  Rank 0
 * owns it; the engine appends committed grains and syncs it every few
 * seconds and at the end.
 *
 * File layout (little-endian, as the host writes it; a journal moves
 * between machines of one byte order):
 *   header:  "HETJRNL1", u32 header bytes H (all of it), u32 0,
 *            u64 job fingerprint, u64 grains, u64 partial size,
 *            the job as text ("key=value\n" lines: workload, seed, every
 *            parameter as the report prints it), u64 XXH3 of the bytes
 *            before it.
 *   records: u64 first grain g0, u64 count n, n * partial size bytes of
 *            partials, u64 XXH3 of the record's bytes before it.
 * A record cut short or failing its checksum ends the journal: it and
 * anything after it are dropped (a crash while appending), and the file is
 * truncated there before new records are appended.
 *
 * Nothing in the file is trusted beyond its checksums and bounds: a record
 * naming grains outside the job, overlapping grains already loaded, or
 * holding a partial its workload calls impossible (hetero_workload.possible)
 * ends the journal as a damaged one does.
 *
 * Nor is a file somebody else could have written: a journal must belong to
 * the user, be writable by nobody else, and sit in folders (up to /) that
 * belong to the user or root and that others cannot write unless they are
 * sticky.  While a run has the journal open it holds an advisory lock
 * (flock) on it: a second run on the same journal is refused.
 */
#ifndef HET_JOURNAL_H
#define HET_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "workload.h"

typedef struct het_journal het_journal;

/* The job as the journal's header describes it ("workload=pi\nseed=7\n
 * samples=1000\n..."); the caller frees it. */
char *het_journal_describe(const hetero_job *job);

/* Opens `path` for job (fingerprint fp).  An existing journal of the same
 * job is loaded: each grain it holds gets done[g] = 1 and its partial in
 * partials (n_grains * partial_size bytes), and *resumed counts them.  A
 * missing or empty file starts a new journal (the header is written to a
 * temporary file and renamed into place).  HETERO_E_BADARG, naming the
 * reason: a journal of another job, a file that is not a journal (it is
 * never overwritten), one that cannot be written, one that breaks the
 * rules above, one another run holds.  I/O errors while reading are
 * HETERO_E_IO.  *impossible is the first grain of a record dropped because
 * its partial was impossible, UINT64_MAX when none was. */
int het_journal_open(het_journal **out, const char *path, const hetero_job *job, uint64_t fp,
                     unsigned char *done, void *partials, uint64_t *resumed, uint64_t *impossible);

/* Appends grains [g0, g0 + n), their partials at `partials` (n *
 * partial_size bytes).  Buffered: durable after het_journal_sync. */
int het_journal_append(het_journal *j, uint64_t g0, uint64_t n, const void *partials);

/* Flushes and fsyncs. */
int het_journal_sync(het_journal *j);

/* Syncs (unless the run failed: pass sync 0), closes and frees; with
 * remove 1 the file is deleted (--checkpoint-remove after a complete
 * run).  Safe on NULL. */
int het_journal_close(het_journal *j, int sync, int remove);

#endif
