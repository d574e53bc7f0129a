/* gnuplot.h - drawing through gnuplot without handing it anything a user
 * typed.
 *
 * The caller writes the whole gnuplot program, data inline as a datablock
 * ($data << EOD ... EOD) and no `set output`, from strings it made itself
 * (numbers, fixed words): never a file name or other user input.  gnuplot
 * is started without a shell (posix_spawn of the program CMake found, no
 * PATH search), reads that program from an anonymous temporary file on its
 * stdin, and prints the picture on its stdout, another anonymous file;
 * only when it exits 0 having drawn something is the picture copied into
 * `out`, which the caller then commits (output.h).  Its messages go to a
 * third anonymous file: the first line goes into the error message, the
 * rest is shown under HETERO_DEBUG.
 */
#ifndef HET_GNUPLOT_H
#define HET_GNUPLOT_H

#include <stddef.h>

#include "output.h"

/* 1 when this build found gnuplot. */
int het_gnuplot_available(void);

/* Runs the program `script` (len bytes) and writes the picture into out.
 * `format` is "png" or "svg": the picture must end as one does (gnuplot
 * exits 0 even when it could not write all of it).  HET_E_IO naming opt
 * and out's file when gnuplot cannot be started, fails, draws nothing or
 * an incomplete picture, or the copy cannot be written. */
int het_gnuplot_draw(const char *opt, const char *format, const char *script, size_t len, het_out *out);

#endif
