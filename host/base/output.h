/* output.h - everything hetero writes, checked; every file written whole
 * or not at all; every input file read with limits.
 *
 *   - stdout: het_stdio_init() at the start of main() makes sure a closed
 *     descriptor 0, 1 or 2 cannot be taken by a file we open (it gets
 *     /dev/null, and a closed stdout is then a run-time error, since the
 *     answer could not be written); het_stream_flush() after each thing
 *     printed and het_stdout_close() at the very end turn a failed write
 *     (a full disk, a closed pipe with SIGPIPE ignored) into HETERO_E_IO,
 *     exit status 1, with a message that names what was being written.
 *
 *   - files (--print, --trace, --plot, hetero-bench --plot): het_out_check()
 *     before any work, as bad input (HETERO_E_BADARG, one line naming the
 *     option): a missing directory, a directory or other non-file in place
 *     of the file, a directory in which no file can be created.  Then
 *     het_out_open() writes a temporary file ".<name>.XXXXXX" in the same
 *     directory, registered with interrupt.h so that a signal removes it,
 *     and het_out_commit() flushes, syncs and renames it over the
 *     destination only when everything was written; het_out_discard() (or a
 *     failed commit) removes it, so an existing file keeps its content.  An
 *     existing character device or FIFO (/dev/null, a pipe from `>(...)`)
 *     is written directly.  A symbolic link to a file is followed: the file
 *     it names is replaced, the link stays.  The new file has the old
 *     file's permission bits, or 0666 less the umask.
 *
 *   - inputs (hetero-bench --compare): het_read_input() reads a regular
 *     file of at most a given size, opened without blocking (a FIFO or a
 *     device is refused, never read).
 *
 * File names only ever reach open(), stat(), rename() and unlink().
 */
#ifndef HET_OUTPUT_H
#define HET_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

/* Call first in main(), before anything opens a file. */
void het_stdio_init(void);

/* HETERO_E_IO "standard output is closed" when descriptor 1 was closed when
 * the program started; HETERO_OK otherwise. */
int het_stdout_check_open(void);

/* Flushes f and checks its error flag: HETERO_E_IO "writing <what>: <why>". */
int het_stream_flush(FILE *f, const char *what);

/* The end of main(): flushes and closes stdout, HETERO_E_IO "writing <what>:
 * <why>" if that fails.  Nothing may be printed on stdout afterwards. */
int het_stdout_close(const char *what);

/* Checks that `path` can be written by het_out_open (see above); opt names
 * the option in the message.  HETERO_OK or HETERO_E_BADARG. */
int het_out_check(const char *opt, const char *path);

/* 1 when paths a and b name one file: the same text, the same file on disk
 * (hard links, symbolic links, "./x" and "x"), or, for a file not there
 * yet, the same name in the same folder however the folder is spelled. */
int het_out_same(const char *a, const char *b);

/* For a program whose report goes to stdout: HETERO_E_BADARG naming `opt`
 * when `path` is the very file stdout writes to (`--print o.txt > o.txt`:
 * the rename would put the primes where the report went, or the report
 * over the journal), HETERO_OK otherwise (stdout a terminal, a pipe,
 * /dev/null, another file). */
int het_out_not_stdout(const char *opt, const char *path);

enum het_out_kind { HET_OUT_NONE, HET_OUT_STDOUT, HET_OUT_FILE, HET_OUT_DIRECT };

typedef struct het_out {
    FILE *f;          /* write here (stdio; every error is caught at commit) */
    int kind;         /* enum het_out_kind */
    int slot;         /* interrupt.h cleanup slot of tmp, -1 if none */
    const char *opt;  /* "--print" */
    const char *name; /* the path as given, for messages */
    char tmp[4096];   /* HET_OUT_FILE: the temporary file */
    char dst[4096];   /* HET_OUT_FILE: what it is renamed to */
} het_out;

/* Opens `path` for writing (a temporary file, or the device or FIFO
 * itself).  HETERO_E_IO naming opt and path on failure. */
int het_out_open(het_out *o, const char *opt, const char *path);
/* Writes to stdout through the same interface (`--print -`); commit
 * flushes it and checks for errors. */
void het_out_stdout(het_out *o, const char *opt);
/* Everything written: flush, check, sync, close, rename into place.
 * HETERO_E_IO naming opt and path on failure (the temporary file is then
 * gone).  The het_out is closed either way. */
int het_out_commit(het_out *o);
/* Abandons the output: removes the temporary file (the destination is
 * untouched).  Safe after commit and on a zeroed het_out. */
void het_out_discard(het_out *o);

/* Reads the whole of `path`, a regular file of at most `max` bytes, into
 * *text (NUL-terminated, the caller frees) and *len.  Bad input
 * (HETERO_E_BADARG naming opt) when it cannot be opened or read, is not a
 * regular file, or is larger than max. */
int het_read_input(const char *opt, const char *path, size_t max, char **text, size_t *len);

#endif
