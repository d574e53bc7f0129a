/* error.h - the one error type of hetero, inside the library.
 *
 * The codes, their names and exit statuses and hetero_fail() are public
 * (include/hetero.h); this adds what the library's own files share.
 * Every fallible function returns 0 (HETERO_OK) or a negative HETERO_E_* code.
 * The code says what kind of failure it was (and so the exit status); the
 * human message that names the option, call, device and error name is kept
 * per thread by hetero_fail() and read back with hetero_errmsg().  No function
 * below main() prints an error or calls exit(): it records and returns.
 */
#ifndef HET_ERROR_H
#define HET_ERROR_H

#include <stdarg.h>
#include <stddef.h>

#include "hetero.h"

/* hetero_fail() with a va_list. */
int het_vfail(int code, const char *fmt, va_list ap);

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

#endif
