/* error.h - the one error type of hetero.
 *
 * Every fallible function returns 0 (HET_OK) or a negative HET_E_* code.
 * The code says what kind of failure it was (and so the exit status); the
 * human message that names the option, call, device and error name is kept
 * per thread by het_fail() and read back with het_errmsg().  No function
 * below main() prints an error or calls exit(): it records and returns.
 */
#ifndef HET_ERROR_H
#define HET_ERROR_H

#include <stdarg.h>
#include <stddef.h>

/* X(name, exit status, short description).  The enum, the names, the
 * descriptions and the exit statuses all come from this one table. */
#define HET_ERROR_MAP(X)                                   \
    X(BADARG,   2, "bad input")                            \
    X(NODEV,    2, "no such device")                       \
    X(NOMEM,    1, "out of memory")                        \
    X(OPENCL,   1, "OpenCL call failed")                   \
    X(BUILD,    1, "kernel build failed")                  \
    X(MPI,      1, "MPI call failed")                      \
    X(IO,       1, "input/output error")                   \
    X(RUNTIME,  1, "run-time failure")                     \
    X(INTERNAL, 1, "internal error")                       \
    X(INTERRUPTED, 130, "interrupted")                      \
    X(STOPPED,  3, "stopped at the time limit")

enum het__errno_index {
#define X(name, status, desc) HET__EI_##name,
    HET__EI_ZERO = 0,
    HET_ERROR_MAP(X)
#undef X
    HET__EI_COUNT
};

enum het_errno {
    HET_OK = 0,
#define X(name, status, desc) HET_E_##name = -HET__EI_##name,
    HET_ERROR_MAP(X)
#undef X
};

/* Records a message for the calling thread and returns code, so that
 * `return het_fail(HET_E_BADARG, "--samples: expected ...");` reads as one
 * statement.  The message is one line, without a trailing newline: control
 * characters that come in with an echoed value (a newline, a tab, an
 * escape) are written as \n, \t, \x1b.  The one exception is HET_E_BUILD,
 * whose message carries the compiler's multi-line build log. */
int het_fail(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int het_vfail(int code, const char *fmt, va_list ap);

/* The calling thread's last message ("" if none).  Valid until the next
 * het_fail() on this thread. */
const char *het_errmsg(void);

/* Longest message kept (a kernel build log rides in the message). */
#define HET_MSG_MAX 8192

/* Copies a message into this thread's slot (used to carry a worker
 * thread's failure to the thread that reports it). */
void het_errmsg_set(const char *msg);

/* Copies s into out (size bytes, always terminated) with every control
 * character escaped as above, so that it prints as one line. */
void het_escape(const char *s, char *out, size_t size);

/* Diagnostics for people chasing a problem, not errors: printed on stderr
 * as "hetero: debug: ..." (escaped, one line) only when the environment
 * variable HETERO_DEBUG is set to anything but "" or "0". */
int het_debug_on(void);
void het_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The program name messages start with ("hetero", "hetero-bench"). */
void het_set_progname(const char *name);
const char *het_progname(void);

const char *het_errname(int code);   /* "HET_E_BADARG" */
const char *het_strerror(int code);  /* "bad input" */
int het_exit_status(int code);       /* 0, 1 or 2 (130 for HET_E_INTERRUPTED) */

#endif
