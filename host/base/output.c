/* output.c - checked output and atomic files (see output.h). */
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "interrupt.h"

static int het__stdout_closed;
static mode_t het__umask = 022;

void het_stdio_init(void)
{
    /* in order, so that open() hands out exactly the missing descriptor */
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        int nfd = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
        if (nfd >= 0 && nfd != fd) {
            dup2(nfd, fd);
            close(nfd);
        }
        if (fd == 1)
            het__stdout_closed = 1;
    }
    het__umask = umask(022);
    umask(het__umask);
}

int het_stdout_check_open(void)
{
    if (het__stdout_closed)
        return hetero_fail(HETERO_E_IO, "standard output is closed (%s): nowhere to write the answer",
                           strerror(EBADF));
    return HETERO_OK;
}

static const char *het__why(int e) { return e ? strerror(e) : "write error"; }

int het_stream_flush(FILE *f, const char *what)
{
    errno = 0;
    int bad = fflush(f) != 0;
    int e = errno;
    if (bad || ferror(f))
        return hetero_fail(HETERO_E_IO, "writing %s: %s", what, het__why(bad ? e : 0));
    return HETERO_OK;
}

int het_stdout_close(const char *what)
{
    int rc = het_stream_flush(stdout, what);
    errno = 0;
    if (fclose(stdout) != 0 && rc == HETERO_OK)
        rc = hetero_fail(HETERO_E_IO, "closing stdout after %s: %s", what, het__why(errno));
    return rc;
}

/* ---- paths ----------------------------------------------------------------- */

/* dir and base of path ("a/b" -> "a", "b"; "b" -> ".", "b"; "/b" -> "/", "b"). */
static int het__split(const char *path, char *dir, size_t dsize, const char **base)
{
    const char *slash = strrchr(path, '/');
    int n;
    if (!slash) {
        n = snprintf(dir, dsize, ".");
        *base = path;
    } else if (slash == path) {
        n = snprintf(dir, dsize, "/");
        *base = slash + 1;
    } else {
        n = snprintf(dir, dsize, "%.*s", (int)(slash - path), path);
        *base = slash + 1;
    }
    return n > 0 && (size_t)n < dsize ? 0 : -1;
}

/* A temporary file next to base in dir, mode 0600 until the caller says,
 * registered for removal by a signal's immediate exit (*slot).  Signals
 * wait while it is made and registered: one in between would leave it. */
static int het__mktemp(const char *dir, const char *base, char *out, size_t size, int *slot)
{
    int n = snprintf(out, size, "%s/.%.200s.XXXXXX", dir, base);
    if (n < 0 || (size_t)n >= size) {
        errno = ENAMETOOLONG;
        return -1;
    }
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int fd = mkostemp(out, O_CLOEXEC);
    int e = errno;
    *slot = fd >= 0 ? het_cleanup_register(out) : -1;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = e;
    return fd;
}

/* Where the data lands: a symbolic link to an existing file is followed
 * (the file is replaced, the link stays). */
static void het__target(const char *path, char *dst, size_t size)
{
    char real[PATH_MAX];
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && realpath(path, real) && strlen(real) < size)
        snprintf(dst, size, "%s", real);
    else
        snprintf(dst, size, "%s", path);
}

/* path's folder resolved, then its last name: "<real folder>/<name>". */
static int het__out_canon(const char *path, char *out, size_t n)
{
    const char *slash = strrchr(path, '/');
    char dir[PATH_MAX], real[PATH_MAX];
    if (slash) {
        size_t k = slash == path ? 1 : (size_t)(slash - path);
        if (k >= sizeof dir)
            return -1;
        memcpy(dir, path, k);
        dir[k] = 0;
    } else {
        snprintf(dir, sizeof dir, ".");
    }
    if (!realpath(dir, real))
        return -1;
    int w = snprintf(out, n, "%s/%s", real, slash ? slash + 1 : path);
    return w >= 0 && (size_t)w < n ? 0 : -1;
}

int het_out_same(const char *a, const char *b)
{
    if (strcmp(a, b) == 0)
        return 1;
    struct stat sa, sb;
    if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    char ca[2 * PATH_MAX], cb[2 * PATH_MAX];
    return het__out_canon(a, ca, sizeof ca) == 0 && het__out_canon(b, cb, sizeof cb) == 0 &&
           strcmp(ca, cb) == 0;
}

int het_out_not_stdout(const char *opt, const char *path)
{
    struct stat so, sp;
    if (!path || strcmp(path, "-") == 0 || fstat(1, &so) != 0 || !S_ISREG(so.st_mode) || stat(path, &sp) != 0)
        return HETERO_OK;
    if (so.st_dev == sp.st_dev && so.st_ino == sp.st_ino)
        return hetero_fail(
            HETERO_E_BADARG,
            "%s: expected another file than standard output's, got '%s' (the report goes there)", opt, path);
    return HETERO_OK;
}

int het_out_check(const char *opt, const char *path)
{
    struct stat st;
    if (!path || !*path)
        return hetero_fail(HETERO_E_BADARG, "%s: expected a file name, got nothing", opt);
    size_t len = strlen(path);
    if (len >= 4000)
        return hetero_fail(HETERO_E_BADARG, "%s: expected a file name shorter than 4000 bytes", opt);
    if (path[len - 1] == '/')
        return hetero_fail(HETERO_E_BADARG, "%s: expected a file name, got the directory '%s'", opt, path);
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return hetero_fail(HETERO_E_BADARG, "%s: expected a file name, got the directory '%s'", opt,
                               path);
        if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
            /* written in place (/dev/null, a pipe): it must be writable */
            if (access(path, W_OK) != 0)
                return hetero_fail(HETERO_E_BADARG, "%s: cannot write '%s': %s", opt, path, strerror(errno));
            return HETERO_OK;
        }
        if (!S_ISREG(st.st_mode))
            return hetero_fail(HETERO_E_BADARG, "%s: cannot write '%s': not a regular file", opt, path);
        if (access(path, W_OK) != 0)
            return hetero_fail(HETERO_E_BADARG, "%s: cannot write '%s': %s", opt, path, strerror(errno));
    } else if (errno != ENOENT) {
        return hetero_fail(HETERO_E_BADARG, "%s: cannot write '%s': %s", opt, path, strerror(errno));
    } else if (lstat(path, &st) == 0) {
        return hetero_fail(HETERO_E_BADARG, "%s: cannot write '%s': a symbolic link to nothing", opt, path);
    }
    /* the temporary file goes next to the destination: try one */
    char dst[4096], dir[4096], tmp[4200];
    const char *base;
    het__target(path, dst, sizeof dst);
    if (het__split(dst, dir, sizeof dir, &base) != 0)
        return hetero_fail(HETERO_E_BADARG, "%s: cannot write '%s': name too long", opt, path);
    if (stat(dir, &st) != 0)
        return hetero_fail(HETERO_E_BADARG, "%s: cannot write '%s': directory '%s': %s", opt, path, dir,
                           strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return hetero_fail(HETERO_E_BADARG, "%s: cannot write '%s': '%s' is not a directory", opt, path, dir);
    /* what the final rename will see: in a sticky folder (/tmp) only the
     * owner of a file, or of the folder, may rename over it */
    struct stat ft;
    if ((st.st_mode & S_ISVTX) && lstat(dst, &ft) == 0 && ft.st_uid != geteuid() && st.st_uid != geteuid() &&
        geteuid() != 0)
        return hetero_fail(HETERO_E_BADARG,
                           "%s: cannot replace '%s': it belongs to uid %u in the sticky folder '%s', where "
                           "only its owner may replace it",
                           opt, path, (unsigned)ft.st_uid, dir);
    int slot;
    int fd = het__mktemp(dir, base, tmp, sizeof tmp, &slot);
    if (fd < 0)
        return hetero_fail(HETERO_E_BADARG, "%s: cannot create a file in directory '%s': %s", opt, dir,
                           strerror(errno));
    close(fd);
    unlink(tmp);
    het_cleanup_unregister(slot);
    return HETERO_OK;
}

/* ---- writing --------------------------------------------------------------- */

int het_out_open(het_out *o, const char *opt, const char *path)
{
    struct stat st;
    memset(o, 0, sizeof *o);
    o->slot = -1;
    o->opt = opt;
    o->name = path;
    int exists = stat(path, &st) == 0;
    if (exists && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
        int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0 || !(o->f = fdopen(fd, "w"))) {
            int e = errno;
            if (fd >= 0)
                close(fd);
            return hetero_fail(HETERO_E_IO, "%s: cannot open '%s' for writing: %s", opt, path, strerror(e));
        }
        o->kind = HET_OUT_DIRECT;
        return HETERO_OK;
    }
    if (exists && S_ISDIR(st.st_mode))
        return hetero_fail(HETERO_E_IO, "%s: cannot write '%s': it is a directory", opt, path);
    char dir[4096];
    const char *base;
    het__target(path, o->dst, sizeof o->dst);
    if (het__split(o->dst, dir, sizeof dir, &base) != 0)
        return hetero_fail(HETERO_E_IO, "%s: cannot write '%s': name too long", opt, path);
    int fd = het__mktemp(dir, base, o->tmp, sizeof o->tmp, &o->slot);
    if (fd < 0)
        return hetero_fail(HETERO_E_IO, "%s: cannot create a temporary file for '%s' in '%s': %s", opt, path,
                           dir, strerror(errno));
    mode_t mode = exists && S_ISREG(st.st_mode) ? (st.st_mode & 0777) : (0666 & ~het__umask);
    o->f = fdopen(fd, "w");
    if (!o->f || fchmod(fd, mode) != 0) {
        int e = errno;
        /* failing already, nothing written: the file is removed */
        if (o->f)
            (void)fclose(o->f);
        else
            (void)close(fd);
        o->f = NULL;
        unlink(o->tmp);
        het_cleanup_unregister(o->slot);
        return hetero_fail(HETERO_E_IO, "%s: cannot write '%s': %s", opt, path, strerror(e));
    }
    o->kind = HET_OUT_FILE;
    return HETERO_OK;
}

void het_out_stdout(het_out *o, const char *opt)
{
    memset(o, 0, sizeof *o);
    o->slot = -1;
    o->opt = opt;
    o->name = "-";
    o->f = stdout;
    o->kind = HET_OUT_STDOUT;
}

int het_out_commit(het_out *o)
{
    int kind = o->kind;
    FILE *f = o->f;
    o->kind = HET_OUT_NONE;
    o->f = NULL;
    if (kind == HET_OUT_NONE || !f)
        return hetero_fail(HETERO_E_INTERNAL, "%s: output committed twice", o->opt);
    if (kind == HET_OUT_STDOUT) {
        char what[64];
        snprintf(what, sizeof what, "%s to stdout", o->opt);
        return het_stream_flush(stdout, what);
    }
    errno = 0;
    int e = 0, bad = fflush(f) != 0;
    if (bad)
        e = errno;
    else if (ferror(f))
        bad = 1;
    if (!bad && kind == HET_OUT_FILE && fsync(fileno(f)) != 0 && errno != EINVAL) {
        bad = 1;
        e = errno;
    }
    errno = 0;
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (!bad && kind == HET_OUT_FILE && rename(o->tmp, o->dst) != 0) {
        e = errno;
        unlink(o->tmp);
        het_cleanup_unregister(o->slot);
        o->slot = -1;
        return hetero_fail(HETERO_E_IO, "%s: cannot put '%s' in place (rename): %s", o->opt, o->name,
                           strerror(e));
    }
    if (kind == HET_OUT_FILE) {
        if (bad)
            unlink(o->tmp);
        het_cleanup_unregister(o->slot);
        o->slot = -1;
    }
    if (bad)
        return hetero_fail(HETERO_E_IO, "%s: writing '%s': %s", o->opt, o->name, het__why(e));
    return HETERO_OK;
}

void het_out_discard(het_out *o)
{
    /* discarded on a failure already reported: the temporary file is
     * removed below, and stdout's state is checked at exit (het_stdout_close) */
    if (o->kind == HET_OUT_STDOUT)
        (void)fflush(stdout);
    else if (o->f)
        (void)fclose(o->f);
    if (o->kind == HET_OUT_FILE) {
        unlink(o->tmp);
        het_cleanup_unregister(o->slot);
        o->slot = -1;
    }
    o->f = NULL;
    o->kind = HET_OUT_NONE;
}

/* ---- reading ---------------------------------------------------------------- */

int het_read_input(const char *opt, const char *path, size_t max, char **text, size_t *len)
{
    struct stat st;
    *text = NULL;
    *len = 0;
    if (!path || !*path)
        return hetero_fail(HETERO_E_BADARG, "%s: expected a file name, got nothing", opt);
    /* O_NONBLOCK: a FIFO must not hang us before fstat refuses it */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return hetero_fail(HETERO_E_BADARG, "%s: cannot read '%s': %s", opt, path, strerror(errno));
    int rc = HETERO_OK;
    char *buf = NULL;
    size_t n = 0;
    if (fstat(fd, &st) != 0) {
        rc = hetero_fail(HETERO_E_BADARG, "%s: cannot read '%s': %s", opt, path, strerror(errno));
    } else if (S_ISDIR(st.st_mode)) {
        rc = hetero_fail(HETERO_E_BADARG, "%s: expected a file, got the directory '%s'", opt, path);
    } else if (!S_ISREG(st.st_mode)) {
        rc = hetero_fail(HETERO_E_BADARG, "%s: expected a regular file, got '%s' (a device, FIFO or socket)",
                         opt, path);
    } else if ((uint64_t)st.st_size > (uint64_t)max) {
        rc = hetero_fail(HETERO_E_BADARG, "%s: '%s' is %lld bytes, more than the %zu expected at most", opt,
                         path, (long long)st.st_size, max);
    } else if (!(buf = malloc(max + 1))) {
        rc = hetero_fail(HETERO_E_NOMEM, "%s: out of memory reading '%s'", opt, path);
    } else {
        /* read at most max + 1 bytes: a file that grew is still refused */
        for (;;) {
            ssize_t got = read(fd, buf + n, max + 1 - n);
            if (got < 0 && errno == EINTR)
                continue;
            if (got < 0) {
                rc = hetero_fail(HETERO_E_BADARG, "%s: cannot read '%s': %s", opt, path, strerror(errno));
                break;
            }
            if (got == 0)
                break;
            n += (size_t)got;
            if (n > max) {
                rc = hetero_fail(HETERO_E_BADARG, "%s: '%s' is more than the %zu bytes expected at most", opt,
                                 path, max);
                break;
            }
        }
    }
    close(fd);
    if (rc) {
        free(buf);
        return rc;
    }
    buf[n] = 0;
    *text = buf;
    *len = n;
    return HETERO_OK;
}
