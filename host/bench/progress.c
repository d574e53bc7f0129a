/* progress.c - hetero-bench's progress line on stderr ("bench: [3/8] pi on
 * omp/all: repeat 2/3"): one line rewritten in place as the bench goes,
 * wiped at the end, shown only where bench_progress_show says (rank 0,
 * with --progress or a terminal), and the name it gives a device set.
 */
#include "bench.h"

#include <stdarg.h>
#include <stdio.h>

static int bench_show_progress;
static int bench_progress_len;
static size_t bench_progress_row, bench_progress_rows; /* "row 3/8" */

void bench_progress_show(int on) { bench_show_progress = on; }

void bench_progress_at(size_t row, size_t rows)
{
    bench_progress_row = row;
    bench_progress_rows = rows;
}

void bench_progress(const char *fmt, ...)
{
    if (!bench_show_progress)
        return;
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (n >= (int)sizeof line)
        n = (int)sizeof line - 1;
    /* pad over the previous line instead of a terminal escape, so that
     * the line reads the same in a log file */
    fprintf(stderr, "\rbench: [%zu/%zu] %s%*s", bench_progress_row, bench_progress_rows, line,
            bench_progress_len > n ? bench_progress_len - n : 0, "");
    (void)fflush(stderr); /* the progress line only: nowhere to report its loss */
    bench_progress_len = n;
}

void bench_progress_end(void)
{
    if (!bench_show_progress || !bench_progress_len)
        return;
    fprintf(stderr, "\r%*s\r", bench_progress_len + 24, "");
    (void)fflush(stderr); /* as above */
    bench_progress_len = 0;
}

/* The progress line's name of a set: its id and, when that is not plain,
 * what it holds. */
void bench_progress_label(const bench_set *s, char *buf, size_t size)
{
    if (s->kind == BENCH_SET_OMP1)
        snprintf(buf, size, "%s", s->name);
    else
        snprintf(buf, size, "%.40s (%.60s)", s->name, s->label);
}
