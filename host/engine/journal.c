/* journal.c - the checkpoint journal (see journal.h). */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "format.h"
#include "trust.h"
#include "tunables.h"

#define HET_JOURNAL_MAGIC "HETJRNL1"
/* A header longer than this is not ours (the job's text is a few hundred
 * bytes). */
#define HET_JOURNAL_MAX_HEADER (1u << 20)

struct het_journal {
    int fd;
    char *path;
    size_t psize;
    uint64_t n_grains;
};

char *het_journal_describe(const hetero_job *job) { return het_job_identity(job); }

static int het__io(const char *path, const char *what)
{
    return hetero_fail(HETERO_E_IO, "--checkpoint: cannot %s '%s': %s", what, path, strerror(errno));
}

static int het__write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t k = write(fd, c, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        c += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Reads exactly n bytes: 1; a clean or short end: 0; an error: -1. */
static int het__read_all(int fd, void *p, size_t n)
{
    char *c = p;
    while (n) {
        ssize_t k = read(fd, c, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        if (k == 0)
            return 0;
        c += k;
        n -= (size_t)k;
    }
    return 1;
}

static void het__put64(unsigned char *p, uint64_t v) { memcpy(p, &v, 8); }
static uint64_t het__get64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* The header's bytes; the caller frees them. */
static unsigned char *het__header(const hetero_job *job, uint64_t fp, size_t *len)
{
    char *text = het_journal_describe(job);
    if (!text)
        return NULL;
    size_t tl = strlen(text), n = 8 + 4 + 4 + 8 + 8 + 8 + tl + 8;
    unsigned char *h = malloc(n);
    if (!h) {
        free(text);
        return NULL;
    }
    uint32_t hl = (uint32_t)n, zero = 0;
    memcpy(h, HET_JOURNAL_MAGIC, 8);
    memcpy(h + 8, &hl, 4);
    memcpy(h + 12, &zero, 4);
    het__put64(h + 16, fp);
    het__put64(h + 24, job->n_grains);
    het__put64(h + 32, job->partial_size);
    memcpy(h + 40, text, tl);
    het__put64(h + 40 + tl, XXH3_64bits(h, 40 + tl));
    free(text);
    *len = n;
    return h;
}

/* Names the first parameter that differs between two job texts. */
static int het__differs(const char *path, const char *there, const char *here)
{
    char key[128], va[256], vb[256];
    if (het_identity_differs(there, here, key, sizeof key, va, sizeof va, vb, sizeof vb))
        return hetero_fail(HETERO_E_BADARG,
                           "--checkpoint: '%s' is the journal of another job: %s is %s there, %s here", path,
                           key, va, vb);
    return hetero_fail(HETERO_E_BADARG,
                       "--checkpoint: '%s' is the journal of a job with the same parameters but other "
                       "grains (written by another hetero version?)",
                       path);
}

/* A new journal: the header goes to a temporary file beside `path`, which
 * is synced and renamed into place, so the file appears whole or not at
 * all. */
static int het__create(const char *path, const unsigned char *h, size_t hl)
{
    size_t n = strlen(path) + 16;
    char *tmp = malloc(n);
    char *dir = strdup(path);
    if (!tmp || !dir) {
        free(tmp);
        free(dir);
        return hetero_fail(HETERO_E_NOMEM, "out of memory");
    }
    snprintf(tmp, n, "%s.XXXXXX", path);
    int rc = HETERO_OK;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        rc = hetero_fail(HETERO_E_BADARG, "--checkpoint: cannot create '%s': %s", path, strerror(errno));
        goto done;
    }
    if (het__write_all(fd, h, hl) != 0 || fsync(fd) != 0) {
        rc = het__io(path, "write");
        close(fd);
        unlink(tmp);
        goto done;
    }
    if (close(fd) != 0) {
        rc = het__io(path, "write");
        unlink(tmp);
        goto done;
    }
    if (rename(tmp, path) != 0) {
        rc = hetero_fail(HETERO_E_BADARG, "--checkpoint: cannot create '%s': %s", path, strerror(errno));
        unlink(tmp);
        goto done;
    }
    int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
done:
    free(tmp);
    free(dir);
    return rc;
}

/* The rules the program cache follows, for a journal that exists: a file
 * of this user's, writable by nobody else, in folders nobody else can
 * change (the folder of the name as given and, for a symbolic link, the
 * folder of the file it names).  HETERO_OK or HETERO_E_BADARG naming the
 * file and the rule. */
static int het__trusted(const char *path, const struct stat *st)
{
    char dir[PATH_MAX], why[PATH_MAX + 160];
    if (st->st_uid != geteuid())
        return hetero_fail(HETERO_E_BADARG,
                           "--checkpoint: '%s' belongs to uid %u, not to this user (uid %u): a journal "
                           "others could have written is not used",
                           path, (unsigned)st->st_uid, (unsigned)geteuid());
    if (st->st_mode & (S_IWGRP | S_IWOTH))
        return hetero_fail(HETERO_E_BADARG,
                           "--checkpoint: '%s' (mode %04o) is writable by group or others: a journal "
                           "others could have written is not used (chmod go-w)",
                           path, (unsigned)(st->st_mode & 07777));
    het_dir_of(path, dir, sizeof dir);
    if (het_dir_unsafe(dir, why, sizeof why))
        return hetero_fail(HETERO_E_BADARG, "--checkpoint: '%s' is not used: %s", path, why);
    char real[PATH_MAX];
    if (realpath(path, real)) {
        het_dir_of(real, dir, sizeof dir);
        if (het_dir_unsafe(dir, why, sizeof why))
            return hetero_fail(HETERO_E_BADARG, "--checkpoint: '%s' is not used: %s", path, why);
    }
    return HETERO_OK;
}

/* 1 when every partial of a record is one its grains could have. */
static int het__possible(const hetero_job *job, uint64_t g0, uint64_t n, const unsigned char *p,
                         uint64_t *bad)
{
    if (!job->wl->possible)
        return 1;
    for (uint64_t k = 0; k < n; k++)
        if (!job->wl->possible(job, g0 + k, p + k * job->partial_size)) {
            *bad = g0 + k;
            return 0;
        }
    return 1;
}

/* Before anything is opened: the name must be a regular file of this
 * user's that others cannot write, or nothing (not a link to nothing) in a
 * folder others cannot change.  Where there is no journal, or an empty
 * file, one holding only the header h is created. */
static int het__prepare(const char *path, const unsigned char *h, size_t hl)
{
    struct stat sb, lb;
    int rc, exists = stat(path, &sb) == 0;
    if (!exists && errno != ENOENT)
        return hetero_fail(HETERO_E_BADARG, "--checkpoint: cannot use '%s': %s", path, strerror(errno));
    /* as for outputs: a link to nothing is a mistake, not a place to
     * create a journal */
    if (!exists && lstat(path, &lb) == 0)
        return hetero_fail(HETERO_E_BADARG, "--checkpoint: cannot use '%s': a symbolic link to nothing",
                           path);
    if (exists && !S_ISREG(sb.st_mode))
        return hetero_fail(HETERO_E_BADARG, "--checkpoint: '%s' is not a regular file", path);
    if (exists && (rc = het__trusted(path, &sb)))
        return rc;
    if (!exists || (S_ISREG(sb.st_mode) && sb.st_size == 0)) {
        char dir[PATH_MAX], why[PATH_MAX + 160];
        het_dir_of(path, dir, sizeof dir);
        if (het_dir_unsafe(dir, why, sizeof why))
            return hetero_fail(HETERO_E_BADARG, "--checkpoint: '%s' is not used: %s", path, why);
        return het__create(path, h, hl);
    }
    return HETERO_OK;
}

/* Opens the journal for reading and writing and takes its lock, waiting
 * up to HET_JOURNAL_LOCK_WAIT_S for another run to let it go.  *fd is the
 * open file (or -1), for the caller to close whatever the outcome; *sb is
 * what fstat says of it. */
static int het__open_locked(const char *path, int *fd, struct stat *sb)
{
    int rc;
    /* every journal that cannot be written is bad input, found before
     * any work: a read-only file as much as a read-only folder */
    *fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (*fd < 0)
        return hetero_fail(HETERO_E_BADARG, "--checkpoint: cannot write '%s': %s", path, strerror(errno));
    if (fstat(*fd, sb) != 0 || !S_ISREG(sb->st_mode))
        return hetero_fail(HETERO_E_BADARG, "--checkpoint: '%s' is not a regular file", path);
    if ((rc = het__trusted(path, sb)))
        return rc;
    /* one run per journal: a second one would compute everything again
     * and interleave its records with ours */
    int locked;
    for (int tries = 0; !(locked = flock(*fd, LOCK_EX | LOCK_NB) == 0) && errno == EWOULDBLOCK &&
                        tries < (int)(HET_JOURNAL_LOCK_WAIT_S * 20);
         tries++)
        nanosleep(&(struct timespec){0, 50000000L}, NULL);
    if (!locked)
        return errno == EWOULDBLOCK ? hetero_fail(HETERO_E_BADARG,
                                                  "--checkpoint: '%s' is in use by another run (it holds the "
                                                  "journal's lock)",
                                                  path)
                                    : het__io(path, "lock");
    /* the file we locked must still be the one the name gives (another
     * run may have just created its own in its place) */
    struct stat now;
    if (stat(path, &now) != 0 || now.st_dev != sb->st_dev || now.st_ino != sb->st_ino)
        return hetero_fail(HETERO_E_BADARG,
                           "--checkpoint: '%s' is in use by another run (it was replaced "
                           "while opening)",
                           path);
    int flags = fcntl(*fd, F_GETFL);
    if (flags < 0 || fcntl(*fd, F_SETFL, flags & ~O_NONBLOCK) != 0)
        return het__io(path, "open");
    return HETERO_OK;
}

/* Reads the header at the start of fd: it must be ours, whole, and the
 * same as h (this job's, hl bytes; when they differ, the job's text in h
 * is terminated in place to name the parameter that differs).  *len is
 * the header's length. */
static int het__read_header(int fd, const char *path, unsigned char *h, size_t hl, uint32_t *len)
{
    unsigned char fixed[16];
    int rc = HETERO_OK, r = het__read_all(fd, fixed, sizeof fixed);
    uint32_t their_len = 0;
    if (r < 0)
        return het__io(path, "read");
    if (r == 1)
        memcpy(&their_len, fixed + 8, 4);
    if (r != 1 || memcmp(fixed, HET_JOURNAL_MAGIC, 8) != 0 || their_len < 48 ||
        their_len > HET_JOURNAL_MAX_HEADER)
        return hetero_fail(HETERO_E_BADARG,
                           "--checkpoint: '%s' exists and is not a hetero journal (it is left as it is)",
                           path);
    unsigned char *theirs = malloc(their_len + 1);
    if (!theirs)
        return hetero_fail(HETERO_E_NOMEM, "out of memory reading the journal");
    memcpy(theirs, fixed, sizeof fixed);
    if ((r = het__read_all(fd, theirs + 16, their_len - 16)) < 0) {
        rc = het__io(path, "read");
    } else if (r == 0 || XXH3_64bits(theirs, their_len - 8) != het__get64(theirs + their_len - 8)) {
        rc = hetero_fail(HETERO_E_BADARG, "--checkpoint: the header of journal '%s' is damaged", path);
    } else if (their_len != hl || memcmp(theirs, h, hl) != 0) {
        theirs[their_len - 8] = 0; /* the job's text, terminated */
        char *mine = (char *)h + 40;
        h[hl - 8] = 0;
        rc = het__differs(path, (char *)theirs + 40, mine);
    }
    free(theirs);
    *len = their_len;
    return rc;
}

/* Reads the records that follow the header, up to the first damaged,
 * overlapping or impossible one (see journal.h): their grains are marked
 * in done and their partials copied into partials.  *good is the offset
 * after the last good record.  A read that fails is HETERO_E_IO, not the
 * journal's end: the records after it may be whole, and would be cut off. */
static int het__read_records(int fd, const char *path, const hetero_job *job, unsigned char *done,
                             void *partials, uint64_t *resumed, uint64_t *impossible, off_t *good)
{
    XXH3_state_t *st = XXH3_createState();
    if (!st)
        return hetero_fail(HETERO_E_NOMEM, "out of memory reading the journal");
    const size_t ps = job->partial_size;
    int rc = HETERO_OK;
    for (;;) {
        unsigned char rh[16], sum[8];
        int r = het__read_all(fd, rh, sizeof rh);
        if (r < 0)
            rc = het__io(path, "read");
        if (r != 1)
            break;
        uint64_t g0 = het__get64(rh), n = het__get64(rh + 8);
        if (n == 0 || g0 >= job->n_grains || n > job->n_grains - g0)
            break;
        int overlap = 0;
        for (uint64_t g = g0; g < g0 + n && !overlap; g++)
            overlap = done[g] != 0;
        if (overlap)
            break;
        unsigned char *dst = (unsigned char *)partials + g0 * ps;
        if ((r = het__read_all(fd, dst, (size_t)n * ps)) == 1)
            r = het__read_all(fd, sum, sizeof sum);
        if (r != 1) {
            memset(dst, 0, (size_t)n * ps);
            if (r < 0)
                rc = het__io(path, "read");
            break;
        }
        XXH3_64bits_reset(st);
        XXH3_64bits_update(st, rh, sizeof rh);
        XXH3_64bits_update(st, dst, (size_t)n * ps);
        if (XXH3_64bits_digest(st) != het__get64(sum)) {
            memset(dst, 0, (size_t)n * ps);
            break;
        }
        /* whole and ours, but is it a result? an impossible one ends the
         * journal as damage does */
        if (!het__possible(job, g0, n, dst, impossible)) {
            memset(dst, 0, (size_t)n * ps);
            break;
        }
        memset(done + g0, 1, (size_t)n);
        *resumed += n;
        *good += (off_t)(16 + n * ps + 8);
    }
    XXH3_freeState(st);
    return rc;
}

/* The journal's handle, which takes fd over. */
static int het__journal_new(het_journal **out, int fd, const char *path, const hetero_job *job)
{
    het_journal *j = calloc(1, sizeof *j);
    char *p = strdup(path);
    if (!j || !p) {
        free(j);
        free(p);
        return hetero_fail(HETERO_E_NOMEM, "out of memory");
    }
    j->fd = fd;
    j->path = p;
    j->psize = job->partial_size;
    j->n_grains = job->n_grains;
    *out = j;
    return HETERO_OK;
}

int het_journal_open(het_journal **out, const char *path, const hetero_job *job, uint64_t fp,
                     unsigned char *done, void *partials, uint64_t *resumed, uint64_t *impossible)
{
    *out = NULL;
    *resumed = 0;
    *impossible = UINT64_MAX;
    size_t hl = 0;
    unsigned char *h = het__header(job, fp, &hl);
    if (!h)
        return hetero_fail(HETERO_E_NOMEM, "out of memory for the journal header");
    struct stat sb;
    uint32_t their_len = 0;
    off_t good = 0;
    int fd = -1, rc;
    if ((rc = het__prepare(path, h, hl)) || (rc = het__open_locked(path, &fd, &sb)) ||
        (rc = het__read_header(fd, path, h, hl, &their_len)))
        goto done;
    good = (off_t)their_len;
    if ((rc = het__read_records(fd, path, job, done, partials, resumed, impossible, &good)))
        goto done;
    /* drop a torn or damaged tail, then append after the good records */
    if ((good != sb.st_size && ftruncate(fd, good) != 0) || lseek(fd, good, SEEK_SET) != good) {
        rc = het__io(path, "truncate the damaged tail of");
        goto done;
    }
    if ((rc = het__journal_new(out, fd, path, job)) == HETERO_OK)
        fd = -1;
done:
    if (fd >= 0)
        close(fd);
    free(h);
    return rc;
}

int het_journal_append(het_journal *j, uint64_t g0, uint64_t n, const void *partials)
{
    unsigned char rh[16], sum[8];
    het__put64(rh, g0);
    het__put64(rh + 8, n);
    XXH3_state_t *st = XXH3_createState();
    if (!st)
        return hetero_fail(HETERO_E_NOMEM, "out of memory writing the journal");
    XXH3_64bits_reset(st);
    XXH3_64bits_update(st, rh, sizeof rh);
    XXH3_64bits_update(st, partials, (size_t)n * j->psize);
    het__put64(sum, XXH3_64bits_digest(st));
    XXH3_freeState(st);
    if (het__write_all(j->fd, rh, sizeof rh) != 0 ||
        het__write_all(j->fd, partials, (size_t)n * j->psize) != 0 ||
        het__write_all(j->fd, sum, sizeof sum) != 0)
        return het__io(j->path, "write");
    return HETERO_OK;
}

int het_journal_sync(het_journal *j)
{
    if (fsync(j->fd) != 0)
        return het__io(j->path, "sync");
    return HETERO_OK;
}

int het_journal_close(het_journal *j, int sync, int remove)
{
    if (!j)
        return HETERO_OK;
    int rc = HETERO_OK;
    if (sync && fsync(j->fd) != 0)
        rc = het__io(j->path, "sync");
    if (close(j->fd) != 0 && rc == HETERO_OK)
        rc = het__io(j->path, "close");
    if (rc == HETERO_OK && remove && unlink(j->path) != 0)
        rc = het__io(j->path, "remove");
    free(j->path);
    free(j);
    return rc;
}
