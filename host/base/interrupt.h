/* interrupt.h - SIGINT, SIGTERM and SIGHUP, and the temporary files a
 * signal must not leave behind.
 *
 * By default a signal ends the process at once, from the handler: it
 * removes every registered temporary file, clears the progress line, says
 * "<prog>: interrupted" on rank 0 and exits 128 + the signal number (130
 * for SIGINT, 143 for SIGTERM, 129 for SIGHUP), with nothing more on
 * stdout.  Everything it does there is async-signal-safe (unlink, write,
 * _exit).
 *
 * Code that can stop cleanly at a point of its choosing (a stream that must
 * end on a line boundary, and later the engine, which can stop handing out
 * batches) switches to deferred mode: the first signal is then only
 * recorded, the code polls het_interrupted() and unwinds with
 * HETERO_E_INTERRUPTED; main() prints the line and exits with the signal's
 * status.  A second signal still ends the process at once.
 */
#ifndef HET_INTERRUPT_H
#define HET_INTERRUPT_H

/* Installs the handlers.  prog names the program in the message; speak
 * says whether this process prints it (rank 0); progress_line says a
 * progress line may be on stderr and must be cleared first.  A signal
 * that was ignored when the program started (SIGINT of a background job,
 * nohup's SIGHUP) stays ignored. */
void het_interrupt_install(const char *prog, int speak, int progress_line);

/* The first signal received (SIGINT, SIGTERM, SIGHUP), or 0.  Cheap: an
 * atomic load, meant to be polled. */
int het_interrupted(void);

/* Deferred mode on (1) or off (0); returns the previous mode.  Turning it
 * off does not act on a signal already recorded: the caller polls
 * het_interrupted() and unwinds. */
int het_interrupt_defer(int on);

/* In deferred mode, the handler also calls fn(ctx, signal number) (which
 * must be async-signal-safe: hetero_job_cancel is); NULL stops that. */
void het_interrupt_forward(void (*fn)(void *ctx, int sig), void *ctx);

/* The answer is complete and every output committed: from now on a signal
 * is only recorded, never acted on (a second one included), so the
 * process ends one way, exit 0 with the whole answer (contract 13).  Only
 * for the last steps: printing the report and closing stdout. */
void het_interrupt_hold(void);

/* For main(): writes the progress-line clear (when a progress line may be
 * shown) and "<prog>: interrupted" on stderr, and returns the exit status
 * of the signal received (0 if none). */
int het_interrupt_report(void);

/* The temporary files a signal removes.  Register returns a slot (-1 when
 * the table is full or the path too long: the file is then left to the
 * caller alone); unregister frees it (after a rename or a remove). */
int het_cleanup_register(const char *path);
void het_cleanup_unregister(int slot);

#endif
