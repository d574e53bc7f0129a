/* gnuplot.c - see gnuplot.h. */
#include "gnuplot.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"

extern char **environ;

int het_gnuplot_available(void)
{
#ifdef HETERO_GNUPLOT
    return 1;
#else
    return 0;
#endif
}

#ifdef HETERO_GNUPLOT
/* A read-write file with no name (gone when the last descriptor closes). */
static int het__anon(void)
{
#ifdef MFD_CLOEXEC
    int fd = memfd_create("hetero-gnuplot", MFD_CLOEXEC);
    if (fd >= 0)
        return fd;
#endif
    FILE *f = tmpfile();
    if (!f)
        return -1;
    int fd2 = fcntl(fileno(f), F_DUPFD_CLOEXEC, 3);
    fclose(f);
    return fd2;
}

static int het__write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The first non-blank line of what gnuplot said, trimmed. */
static void het__first_line(int fd, char *buf, size_t size)
{
    char text[2048];
    buf[0] = 0;
    if (lseek(fd, 0, SEEK_SET) != 0)
        return;
    ssize_t n = read(fd, text, sizeof text - 1);
    if (n <= 0)
        return;
    text[n] = 0;
    if (het_debug_on())
        het_debug("gnuplot said: %s", text);
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        while (*line == ' ' || *line == '\t' || *line == '\r')
            line++;
        if (*line) {
            snprintf(buf, size, "%s", line);
            return;
        }
    }
}
#endif

/* 1 when the picture in fd (size bytes) ends as a whole PNG or SVG does. */
static int het__complete(int fd, off_t size, const char *format)
{
    char tail[64];
    size_t n = size < (off_t)sizeof tail ? (size_t)size : sizeof tail;
    if (pread(fd, tail, n, size - (off_t)n) != (ssize_t)n)
        return 0;
    if (strcmp(format, "png") == 0)   /* the IEND chunk: length 0, type, CRC */
        return n >= 12 && memcmp(tail + n - 12, "\0\0\0\0IEND\xae\x42\x60\x82", 12) == 0;
    return memmem(tail, n, "</svg>", 6) != NULL;
}

int het_gnuplot_draw(const char *opt, const char *format, const char *script, size_t len, het_out *out)
{
#ifndef HETERO_GNUPLOT
    (void)format;
    (void)script;
    (void)len;
    return het_fail(HET_E_IO, "%s: cannot draw '%s': gnuplot was not found when hetero was built", opt,
                    out->name);
#else
    int in = het__anon(), pic = het__anon(), err = het__anon();
    int rc = HET_OK;
    pid_t pid = -1;
    if (in < 0 || pic < 0 || err < 0) {
        rc = het_fail(HET_E_IO, "%s: cannot create a temporary file for gnuplot: %s", opt, strerror(errno));
        goto done;
    }
    if (het__write_all(in, script, len) != 0 || lseek(in, 0, SEEK_SET) != 0) {
        rc = het_fail(HET_E_IO, "%s: cannot write gnuplot's program: %s", opt, strerror(errno));
        goto done;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in, 0);
    posix_spawn_file_actions_adddup2(&fa, pic, 1);
    posix_spawn_file_actions_adddup2(&fa, err, 2);
    char *argv[] = {(char *)HETERO_GNUPLOT, NULL};
    int e = posix_spawn(&pid, HETERO_GNUPLOT, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (e != 0) {
        pid = -1;
        rc = het_fail(HET_E_IO, "%s: cannot start gnuplot (%s): %s", opt, HETERO_GNUPLOT, strerror(e));
        goto done;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            rc = het_fail(HET_E_IO, "%s: waiting for gnuplot: %s", opt, strerror(errno));
            goto done;
        }
    }
    struct stat st;
    char said[512];
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || fstat(pic, &st) != 0 || st.st_size == 0) {
        het__first_line(err, said, sizeof said);
        char how[64];
        if (WIFSIGNALED(status))
            snprintf(how, sizeof how, "killed by signal %d", WTERMSIG(status));
        else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
            snprintf(how, sizeof how, "exit status %d", WEXITSTATUS(status));
        else
            snprintf(how, sizeof how, "it drew nothing");
        rc = het_fail(HET_E_IO, "%s: gnuplot failed drawing '%s' (%s)%s%s", opt, out->name, how,
                      said[0] ? ": " : "", said);
        goto done;
    }
    if (!het__complete(pic, st.st_size, format)) {
        het__first_line(err, said, sizeof said);
        rc = het_fail(HET_E_IO, "%s: gnuplot drew an incomplete %s picture for '%s' (%lld bytes; could it "
                      "not write the rest?)%s%s", opt, format, out->name, (long long)st.st_size,
                      said[0] ? ": " : "", said);
        goto done;
    }
    if (het_debug_on())
        het__first_line(err, said, sizeof said);
    /* the picture, into the caller's output */
    if (lseek(pic, 0, SEEK_SET) != 0) {
        rc = het_fail(HET_E_IO, "%s: reading gnuplot's picture: %s", opt, strerror(errno));
        goto done;
    }
    char buf[65536];
    for (;;) {
        ssize_t n = read(pic, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = het_fail(HET_E_IO, "%s: reading gnuplot's picture: %s", opt, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        errno = 0;
        if (fwrite(buf, 1, (size_t)n, out->f) != (size_t)n) {
            rc = het_fail(HET_E_IO, "%s: writing '%s': %s", opt, out->name,
                          errno ? strerror(errno) : "write error");
            break;
        }
    }
done:
    if (in >= 0)
        close(in);
    if (pic >= 0)
        close(pic);
    if (err >= 0)
        close(err);
    return rc;
#endif
}
