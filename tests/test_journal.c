/* test_journal.c - the checkpoint journal (journal.h) on the files a crash,
 * a flipped bit or a mistake leaves behind, through journal.c's functions
 * alone (no run, no engine):
 *
 *   - a clean round trip: the grains and partials written come back, the
 *     missing ones can be appended, --checkpoint-remove deletes the file;
 *   - torn: a journal cut at every length: an empty file starts a new
 *     journal, a cut header is refused and left as it is, a cut record is
 *     dropped with what follows it and the file truncated there, and the
 *     records appended after the cut make the reference file again;
 *   - flipped: one bit flipped anywhere: in the header refused and left as
 *     it is, in a record that record and the ones after it dropped, never
 *     a partial that was not written;
 *   - forged: records with valid checksums outside the job's grains, over
 *     grains already loaded, or impossible (hetero_workload.possible);
 *   - foreign: another job's journal (workload, seed, an option, grains,
 *     partial size, fingerprint, another version's header), files that are
 *     not journals (random bytes, text, a folder): refused naming what
 *     differs, never overwritten;
 *   - read errors: each of the journal's reads failing in turn is
 *     HETERO_E_IO and the file is left whole (an error is not the
 *     journal's end); reads interrupted or returning a byte at a time
 *     change nothing.  The library's read() is the test's here
 *     (-Wl,--wrap=read, tests/checkpoint.cmake).
 *
 * Every refusal is HETERO_E_BADARG with a message naming the file and the
 * reason; no refusal leaves a descriptor open, a temporary file behind, or
 * a changed file.  The job is a planned pi job of 32 grains (8-byte
 * partials, a hit count that must not exceed the grain's samples). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include "journal.h"
#include "trust.h"
#include "workload.h"

/* pi: grains of 2^20 samples (HET_PI_MIN_GRAIN) */
#define GRAIN_SAMPLES (UINT64_C(1) << 20)
#define N_GRAINS 32
#define PSIZE 8
#define MAGIC "HETJRNL1"

/* The reference journal's records, out of order and of several sizes;
 * grains 8, 10..19 are never written. */
static const uint64_t RECS[][2] = {{0, 1}, {5, 3}, {1, 4}, {20, 12}, {9, 1}};
#define N_RECS (sizeof RECS / sizeof *RECS)

typedef struct fixture {
    char dir[PATH_MAX];
    char path[PATH_MAX + 16];
    hetero_job *job;
    uint64_t fp;
    unsigned char *ref; /* the reference journal's bytes */
    size_t ref_len, hl;
    size_t rec_at[N_RECS + 1]; /* where each record starts; [N_RECS]: the end */
} fixture;

/* What het_journal_open gave. */
typedef struct opened {
    int rc;
    char msg[2048];
    het_journal *j;
    unsigned char done[N_GRAINS];
    unsigned char partials[N_GRAINS * PSIZE];
    uint64_t resumed, impossible;
} opened;

/* ---- the journal's reads --------------------------------------------- */

/* Reads of the file fail_ino (on fail_dev): the fail_at-th fails with
 * fail_errno (0: none does), and each returns at most read_max bytes (0:
 * as many as asked). */
static dev_t fail_dev;
static ino_t fail_ino;
static int fail_at, fail_errno, reads_seen;
static size_t read_max;

ssize_t __real_read(int fd, void *buf, size_t n);
ssize_t __wrap_read(int fd, void *buf, size_t n);
ssize_t __wrap_read(int fd, void *buf, size_t n)
{
    struct stat st;
    if ((fail_at > 0 || read_max > 0) && fstat(fd, &st) == 0 && st.st_dev == fail_dev &&
        st.st_ino == fail_ino) {
        if (++reads_seen == fail_at) {
            errno = fail_errno;
            return -1;
        }
        if (read_max > 0 && n > read_max)
            n = read_max;
    }
    return __real_read(fd, buf, n);
}

/* ---- helpers ------------------------------------------------------------ */

/* A grain's partial in the reference journal: a possible hit count. */
static uint64_t part(uint64_t g) { return 1000 + 37 * g; }

static void put64(unsigned char *p, uint64_t v) { memcpy(p, &v, 8); }

/* A planned job of `workload` with the options given as name, value pairs
 * (NULL-terminated). */
static hetero_job *make_job(const char *workload, const char *const *opts)
{
    hetero_job *job = NULL;
    assert_int_equal(hetero_job_create(&job, workload), HETERO_OK);
    for (; opts && *opts; opts += 2)
        if (hetero_job_set(job, opts[0], opts[1]) != HETERO_OK)
            fail_msg("%s %s %s: %s", workload, opts[0], opts[1], hetero_errmsg());
    if (het_job_plan(job) != HETERO_OK)
        fail_msg("%s: plan: %s", workload, hetero_errmsg());
    return job;
}

/* The job's fingerprint as the engine makes it (identity, grains, partial
 * size); to the journal it is a value its header must repeat. */
static uint64_t fingerprint(const hetero_job *job)
{
    char *id = het_job_identity(job);
    assert_non_null(id);
    XXH3_state_t *st = XXH3_createState();
    assert_non_null(st);
    XXH3_64bits_reset(st);
    XXH3_64bits_update(st, id, strlen(id));
    XXH3_64bits_update(st, &job->n_grains, sizeof job->n_grains);
    XXH3_64bits_update(st, &job->partial_size, sizeof job->partial_size);
    uint64_t h = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    free(id);
    return h;
}

/* A new file each time: rewriting one truncated to nothing makes ext4
 * flush it at close (auto_da_alloc), a few milliseconds each. */
static void write_file(const char *path, const void *p, size_t n)
{
    if (unlink(path) != 0 && errno != ENOENT)
        fail_msg("cannot remove %s: %s", path, strerror(errno));
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        fail_msg("cannot create %s: %s", path, strerror(errno));
    assert_int_equal(write(fd, p, n), (ssize_t)n);
    assert_int_equal(close(fd), 0);
}

/* The whole file (NULL for none, or not a file); *n its length. */
static unsigned char *read_file(const char *path, size_t *n)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return NULL;
    }
    unsigned char *p = malloc((size_t)st.st_size + 1);
    assert_non_null(p);
    ssize_t got = read(fd, p, (size_t)st.st_size);
    if (got != (ssize_t)st.st_size)
        fail_msg("read %s: %zd of %zu bytes: %s", path, got, (size_t)st.st_size, strerror(errno));
    assert_int_equal(close(fd), 0);
    *n = (size_t)st.st_size;
    return p;
}

/* The file holds exactly the n bytes at p. */
static void assert_file_is(const char *path, const unsigned char *p, size_t n, const char *what)
{
    size_t len = 0;
    unsigned char *got = read_file(path, &len);
    if (!got)
        fail_msg("%s: %s is gone", what, path);
    if (len != n || memcmp(got, p, n) != 0)
        fail_msg("%s: %s holds %zu bytes, expected %zu%s", what, path, len, n,
                 len == n ? " (other bytes)" : "");
    free(got);
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

/* Open descriptors of this process (the listing's own among them, every
 * time alike). */
static int count_fds(void) { return count_entries("/proc/self/fd"); }

static void try_open(opened *o, const hetero_job *job, uint64_t fp, const char *path)
{
    memset(o, 0, sizeof *o);
    o->rc = het_journal_open(&o->j, path, job, fp, o->done, o->partials, &o->resumed, &o->impossible);
    snprintf(o->msg, sizeof o->msg, "%s", o->rc ? hetero_errmsg() : "");
}

static void close_opened(opened *o)
{
    assert_int_equal(het_journal_close(o->j, 0, 0), HETERO_OK);
    o->j = NULL;
}

/* Opening `path` for job is refused: HETERO_E_BADARG with a message naming
 * the file and holding `why`; no journal handed out, the file as it was,
 * no descriptor or temporary file left. */
static void expect_refused(const hetero_job *job, uint64_t fp, const char *dir, const char *path,
                           const char *why, const char *what)
{
    size_t before_len = 0;
    unsigned char *before = read_file(path, &before_len);
    int fds = count_fds(), entries = count_entries(dir);
    opened o;
    try_open(&o, job, fp, path);
    if (o.rc != HETERO_E_BADARG)
        fail_msg("%s: expected HETERO_E_BADARG, got %d (%s)", what, o.rc, o.msg);
    assert_null(o.j);
    if (!strstr(o.msg, path) || !strstr(o.msg, "--checkpoint") || !strstr(o.msg, why))
        fail_msg("%s: the message '%s' does not name the file and '%s'", what, o.msg, why);
    if (before)
        assert_file_is(path, before, before_len, what);
    if (count_fds() != fds)
        fail_msg("%s: a descriptor was left open", what);
    if (count_entries(dir) != entries)
        fail_msg("%s: a file was left in the folder", what);
    free(before);
}

/* `o` is the reference journal's first k records loaded: their grains
 * done with their partials, every other grain not done with its partial
 * untouched (zero). */
static void expect_records(const opened *o, size_t k, const char *what)
{
    if (o->rc != HETERO_OK)
        fail_msg("%s: refused (%d: %s), expected %zu records", what, o->rc, o->msg, k);
    assert_non_null(o->j);
    unsigned char want[N_GRAINS] = {0};
    uint64_t n = 0;
    for (size_t r = 0; r < k; r++) {
        memset(want + RECS[r][0], 1, RECS[r][1]);
        n += RECS[r][1];
    }
    if (o->resumed != n)
        fail_msg("%s: %" PRIu64 " grains resumed, expected %" PRIu64 " (%zu records)", what, o->resumed, n,
                 k);
    assert_int_equal(o->impossible, UINT64_MAX);
    for (uint64_t g = 0; g < N_GRAINS; g++) {
        uint64_t v;
        memcpy(&v, o->partials + g * PSIZE, PSIZE);
        if (!!o->done[g] != want[g])
            fail_msg("%s: grain %" PRIu64 " %s", what, g,
                     want[g] ? "not loaded" : "loaded, never written whole");
        if (v != (want[g] ? part(g) : 0))
            fail_msg("%s: grain %" PRIu64 "'s partial is %" PRIu64 ", expected %" PRIu64, what, g, v,
                     want[g] ? part(g) : 0);
    }
}

/* Appends the reference records [from, N_RECS) through j. */
static void append_records(het_journal *j, size_t from)
{
    for (size_t r = from; r < N_RECS; r++) {
        uint64_t p[N_GRAINS];
        for (uint64_t i = 0; i < RECS[r][1]; i++)
            p[i] = part(RECS[r][0] + i);
        assert_int_equal(het_journal_append(j, RECS[r][0], RECS[r][1], p), HETERO_OK);
    }
}

/* The records wholly inside the first len bytes of the reference. */
static size_t whole_records(const fixture *fx, size_t len)
{
    size_t k = 0;
    while (k < N_RECS && fx->rec_at[k + 1] <= len)
        k++;
    return k;
}

/* ---- setup: a folder and the reference journal -------------------------- */

static const char *const PI_OPTS[] = {"--samples", "33554432", "--seed", "7", NULL};

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    snprintf(fx->dir, sizeof fx->dir, "%s/test_journal.XXXXXX", base);
    if (!mkdtemp(fx->dir))
        fail_msg("mkdtemp %s: %s", fx->dir, strerror(errno));
    char why[PATH_MAX + 160];
    if (het_dir_unsafe(fx->dir, why, sizeof why))
        fail_msg("no folder a journal may live in (set TMPDIR): %s", why);
    snprintf(fx->path, sizeof fx->path, "%s/j", fx->dir);
    fx->job = make_job("pi", PI_OPTS);
    assert_int_equal(fx->job->n_grains, N_GRAINS);
    assert_int_equal(fx->job->partial_size, PSIZE);
    fx->fp = fingerprint(fx->job);

    /* a new journal, written as the engine writes one */
    opened o;
    try_open(&o, fx->job, fx->fp, fx->path);
    expect_records(&o, 0, "a new journal");
    append_records(o.j, 0);
    assert_int_equal(het_journal_sync(o.j), HETERO_OK);
    assert_int_equal(het_journal_close(o.j, 1, 0), HETERO_OK);
    fx->ref = read_file(fx->path, &fx->ref_len);
    assert_non_null(fx->ref);

    /* the layout journal.h documents */
    char *id = het_journal_describe(fx->job);
    assert_non_null(id);
    assert_non_null(strstr(id, "workload=pi\n"));
    assert_non_null(strstr(id, "seed=7\n"));
    fx->hl = 48 + strlen(id);
    assert_memory_equal(fx->ref, MAGIC, 8);
    uint32_t hl;
    memcpy(&hl, fx->ref + 8, 4);
    assert_int_equal(hl, fx->hl);
    uint64_t v[3];
    memcpy(v, fx->ref + 16, sizeof v);
    assert_int_equal(v[0], fx->fp);
    assert_int_equal(v[1], N_GRAINS);
    assert_int_equal(v[2], PSIZE);
    assert_memory_equal(fx->ref + 40, id, strlen(id));
    memcpy(v, fx->ref + fx->hl - 8, 8);
    assert_int_equal(v[0], XXH3_64bits(fx->ref, fx->hl - 8));
    free(id);
    size_t at = fx->hl;
    for (size_t r = 0; r < N_RECS; r++) {
        fx->rec_at[r] = at;
        at += 16 + RECS[r][1] * PSIZE + 8;
    }
    fx->rec_at[N_RECS] = at;
    assert_int_equal(fx->ref_len, at);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    DIR *d = opendir(fx->dir);
    for (struct dirent *e; d && (e = readdir(d));) {
        char p[PATH_MAX + 300];
        snprintf(p, sizeof p, "%s/%s", fx->dir, e->d_name);
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 && unlink(p) != 0)
            rmdir(p);
    }
    if (d)
        closedir(d);
    rmdir(fx->dir);
    hetero_job_free(fx->job);
    free(fx->ref);
    free(fx);
    return 0;
}

/* ---- a clean round trip ------------------------------------------------- */

static void round_trip(void **state)
{
    fixture *fx = *state;
    int fds = count_fds();
    opened o;
    try_open(&o, fx->job, fx->fp, fx->path);
    expect_records(&o, N_RECS, "the reference journal");
    close_opened(&o);
    assert_file_is(fx->path, fx->ref, fx->ref_len, "a journal reopened");

    /* the grains never written, appended: then the whole job comes back */
    try_open(&o, fx->job, fx->fp, fx->path);
    expect_records(&o, N_RECS, "the reference journal again");
    uint64_t p[2];
    for (uint64_t g = 0; g < N_GRAINS; g++)
        if (!o.done[g]) {
            p[0] = part(g);
            assert_int_equal(het_journal_append(o.j, g, 1, p), HETERO_OK);
        }
    assert_int_equal(het_journal_close(o.j, 1, 0), HETERO_OK);
    try_open(&o, fx->job, fx->fp, fx->path);
    assert_int_equal(o.rc, HETERO_OK);
    assert_int_equal(o.resumed, N_GRAINS);
    for (uint64_t g = 0; g < N_GRAINS; g++) {
        assert_true(o.done[g]);
        memcpy(p, o.partials + g * PSIZE, PSIZE);
        assert_int_equal(p[0], part(g));
    }
    /* --checkpoint-remove after a complete run */
    assert_int_equal(het_journal_close(o.j, 1, 1), HETERO_OK);
    assert_int_equal(access(fx->path, F_OK), -1);
    assert_int_equal(count_entries(fx->dir), 0);
    assert_int_equal(count_fds(), fds);
    assert_int_equal(het_journal_close(NULL, 1, 1), HETERO_OK);

    /* a missing file: a new journal, the header alone, written whole */
    try_open(&o, fx->job, fx->fp, fx->path);
    expect_records(&o, 0, "a new journal");
    close_opened(&o);
    assert_file_is(fx->path, fx->ref, fx->hl, "a new journal");
    assert_int_equal(count_entries(fx->dir), 1);
}

/* ---- torn files ---------------------------------------------------------- */

/* The reference cut at every length.  Each readable cut is then completed
 * by appending the records it lost: the file must be the reference again
 * (the torn tail truncated before the first new record). */
static void torn_at_every_length(void **state)
{
    fixture *fx = *state;
    int fds = count_fds();
    char what[64];
    for (size_t t = 0; t < fx->ref_len; t++) {
        snprintf(what, sizeof what, "cut at %zu of %zu bytes", t, fx->ref_len);
        write_file(fx->path, fx->ref, t);
        if (t > 0 && t < fx->hl) {
            /* the header is renamed into place whole: a cut one is not
             * one of ours, and is left alone */
            expect_refused(fx->job, fx->fp, fx->dir, fx->path,
                           t < 16 ? "exists and is not a hetero journal (it is left as it is)"
                                  : "the header of journal",
                           what);
            if (t >= 16)
                assert_non_null(strstr(hetero_errmsg(), "is damaged"));
            continue;
        }
        /* empty: a new journal; else the whole records before the cut */
        size_t k = t == 0 ? 0 : whole_records(fx, t);
        opened o;
        try_open(&o, fx->job, fx->fp, fx->path);
        expect_records(&o, k, what);
        size_t len = 0;
        unsigned char *now = read_file(fx->path, &len);
        assert_non_null(now);
        if (len != fx->rec_at[k] || memcmp(now, fx->ref, len) != 0)
            fail_msg("%s: the file is %zu bytes after opening, expected the %zu before the torn record", what,
                     len, fx->rec_at[k]);
        free(now);
        append_records(o.j, k);
        close_opened(&o);
        assert_file_is(fx->path, fx->ref, fx->ref_len, what);
        assert_int_equal(count_entries(fx->dir), 1);
    }
    assert_int_equal(count_fds(), fds);
}

/* ---- flipped bits -------------------------------------------------------- */

/* One bit flipped at every offset: each of the 8 bits in the header's
 * fixed fields and every record's grain numbers and checksum, one bit
 * (varying) elsewhere. */
static void flipped_bits(void **state)
{
    fixture *fx = *state;
    int fds = count_fds();
    unsigned char *bad = malloc(fx->ref_len);
    assert_non_null(bad);
    char what[96];
    size_t tried = 0;
    for (size_t off = 0; off < fx->ref_len; off++) {
        size_t r = 0;
        while (r < N_RECS && fx->rec_at[r + 1] <= off)
            r++;
        size_t in_rec = off >= fx->hl ? off - fx->rec_at[r] : 0, rec_len = fx->rec_at[r + 1] - fx->rec_at[r];
        int all_bits = off < fx->hl ? off < 40 || off >= fx->hl - 8 : in_rec < 16 || in_rec >= rec_len - 8;
        for (int bit = 0; bit < 8; bit++) {
            if (!all_bits && bit != (int)(off * 5 % 8))
                continue;
            tried++;
            memcpy(bad, fx->ref, fx->ref_len);
            bad[off] ^= (unsigned char)(1u << bit);
            write_file(fx->path, bad, fx->ref_len);
            snprintf(what, sizeof what, "bit %d of byte %zu (%s)", bit, off,
                     off < fx->hl ? "header" : "record");
            if (off < fx->hl) {
                /* the magic: not ours; the length: not ours, cut short or
                 * failing the checksum; anything else: the checksum */
                const char *why = off < 8    ? "is not a hetero journal"
                                  : off < 12 ? "--checkpoint"
                                             : "is damaged";
                expect_refused(fx->job, fx->fp, fx->dir, fx->path, why, what);
                if (!strstr(hetero_errmsg(), "is not a hetero journal") &&
                    !strstr(hetero_errmsg(), "is damaged"))
                    fail_msg("%s: refused for another reason: %s", what, hetero_errmsg());
                continue;
            }
            /* a damaged record ends the journal: it and the later ones go */
            opened o;
            try_open(&o, fx->job, fx->fp, fx->path);
            expect_records(&o, r, what);
            close_opened(&o);
            assert_file_is(fx->path, fx->ref, fx->rec_at[r], what);
        }
    }
    free(bad);
    assert_true(tried > fx->ref_len);
    assert_int_equal(count_fds(), fds);
}

/* ---- forged records: checksums right, contents not ----------------------- */

/* Appends to the reference a record of grains [g0, g0 + n) whose partials
 * are `value` (n of them, or none when n is absurd), with its checksum. */
static void write_forged(fixture *fx, uint64_t g0, uint64_t n, uint64_t value, int then_good)
{
    size_t np = n <= N_GRAINS ? (size_t)n : 0, len = fx->ref_len + 16 + np * PSIZE + 8 + (then_good ? 32 : 0);
    unsigned char *b = malloc(len), *p = b + fx->ref_len;
    assert_non_null(b);
    memcpy(b, fx->ref, fx->ref_len);
    put64(p, g0);
    put64(p + 8, n);
    for (size_t i = 0; i < np; i++)
        put64(p + 16 + i * PSIZE, value);
    put64(p + 16 + np * PSIZE, XXH3_64bits(p, 16 + np * PSIZE));
    if (then_good) {
        /* grain 12, never written, in a good record after it */
        unsigned char *q = p + 16 + np * PSIZE + 8;
        put64(q, 12);
        put64(q + 8, 1);
        put64(q + 16, part(12));
        put64(q + 24, XXH3_64bits(q, 24));
    }
    write_file(fx->path, b, len);
    free(b);
}

static void forged_records(void **state)
{
    fixture *fx = *state;
    static const struct {
        uint64_t g0, n, value;
        const char *what;
    } cases[] = {
        {12, 0, 0, "no grains"},
        {N_GRAINS, 1, 5, "a grain past the job"},
        {UINT64_MAX, 1, 5, "grain 2^64-1"},
        {30, 5, 5, "grains running past the job"},
        {1, UINT64_MAX, 5, "a count that wraps"},
        {12, UINT64_MAX / PSIZE + 2, 5, "a count whose bytes wrap"},
        {0, 1, 5, "a grain already loaded"},
        {8, 2, 5, "grains running into a loaded one"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        for (int then_good = 0; then_good < 2; then_good++) {
            write_forged(fx, cases[i].g0, cases[i].n, cases[i].value, then_good);
            opened o;
            try_open(&o, fx->job, fx->fp, fx->path);
            expect_records(&o, N_RECS, cases[i].what);
            close_opened(&o);
            assert_file_is(fx->path, fx->ref, fx->ref_len, cases[i].what);
        }

    /* pi: more hits than the grain has samples */
    write_forged(fx, 12, 1, GRAIN_SAMPLES + 1, 1);
    opened o;
    try_open(&o, fx->job, fx->fp, fx->path);
    assert_int_equal(o.rc, HETERO_OK);
    assert_int_equal(o.impossible, 12);
    o.impossible = UINT64_MAX;
    expect_records(&o, N_RECS, "an impossible partial");
    close_opened(&o);
    assert_file_is(fx->path, fx->ref, fx->ref_len, "an impossible partial");
    /* as many as it has: possible, and kept */
    write_forged(fx, 12, 1, GRAIN_SAMPLES, 0);
    try_open(&o, fx->job, fx->fp, fx->path);
    assert_int_equal(o.rc, HETERO_OK);
    assert_int_equal(o.impossible, UINT64_MAX);
    assert_int_equal(o.resumed, 21 + 1);
    assert_true(o.done[12]);
    close_opened(&o);
}

/* ---- foreign files ------------------------------------------------------- */

/* Another job's journal: refused naming the first difference. */
static void another_jobs_journal(void **state)
{
    fixture *fx = *state;
    write_file(fx->path, fx->ref, fx->ref_len);
    static const struct {
        const char *workload, *opts[5], *why;
    } cases[] = {
        {"pi",
         {"--samples", "33554432", "--seed", "8", NULL},
         "is the journal of another job: seed is 7 there, 8 here"},
        {"pi",
         {"--samples", "34603008", "--seed", "7", NULL},
         "is the journal of another job: samples is 33554432 there, 34603008 here"},
        {"pi",
         {"--samples", "33554431", "--seed", "7", NULL},
         "is the journal of another job: samples is 33554432 there, 33554431 here"},
        {"primes",
         {"--range", "0:1e6", NULL},
         "is the journal of another job: workload is pi there, primes here"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        hetero_job *other = make_job(cases[i].workload, cases[i].opts);
        expect_refused(other, fingerprint(other), fx->dir, fx->path, cases[i].why, cases[i].why);
        hetero_job_free(other);
    }

    /* the same parameters, other grains or partials (another version's
     * plan): the fingerprint and header differ, the text does not */
    const char *same = "is the journal of a job with the same parameters but other grains";
    expect_refused(fx->job, fx->fp + 1, fx->dir, fx->path, same, "another fingerprint");
    fx->job->n_grains = N_GRAINS - 1;
    expect_refused(fx->job, fingerprint(fx->job), fx->dir, fx->path, same, "fewer grains");
    fx->job->n_grains = N_GRAINS;
    fx->job->partial_size = PSIZE / 2;
    expect_refused(fx->job, fingerprint(fx->job), fx->dir, fx->path, same, "smaller partials");
    fx->job->partial_size = PSIZE;
    assert_file_is(fx->path, fx->ref, fx->ref_len, "another job's journal");
}

/* An option other than the size: the reservoir's --capacity. */
static void another_option(void **state)
{
    fixture *fx = *state;
    static const char *const mine[] = {"--paths", "64", "--steps", "10", NULL};
    static const char *const theirs[] = {"--paths", "64", "--steps", "10", "--capacity", "120", NULL};
    hetero_job *a = make_job("reservoir", mine), *b = make_job("reservoir", theirs);
    opened o;
    try_open(&o, a, fingerprint(a), fx->path);
    assert_int_equal(o.rc, HETERO_E_BADARG); /* the pi journal is there */
    assert_int_equal(unlink(fx->path), 0);
    try_open(&o, a, fingerprint(a), fx->path);
    assert_int_equal(o.rc, HETERO_OK);
    close_opened(&o);
    size_t len = 0;
    unsigned char *before = read_file(fx->path, &len);
    assert_non_null(before);
    expect_refused(b, fingerprint(b), fx->dir, fx->path, "capacity is 100 there, 120 here", "--capacity 120");
    assert_file_is(fx->path, before, len, "another --capacity");
    free(before);
    hetero_job_free(a);
    hetero_job_free(b);
}

/* The reference's header changed by a hand that recomputes its checksum. */
static void write_reheaded(fixture *fx, size_t off, const void *bytes, size_t n)
{
    unsigned char *b = malloc(fx->ref_len);
    assert_non_null(b);
    memcpy(b, fx->ref, fx->ref_len);
    memcpy(b + off, bytes, n);
    put64(b + fx->hl - 8, XXH3_64bits(b, fx->hl - 8));
    write_file(fx->path, b, fx->ref_len);
    free(b);
}

static void another_version(void **state)
{
    fixture *fx = *state;
    write_reheaded(fx, 0, "HETJRNL2", 8);
    expect_refused(fx->job, fx->fp, fx->dir, fx->path, "is not a hetero journal", "magic HETJRNL2");
    const uint32_t one = 1;
    write_reheaded(fx, 12, &one, 4);
    expect_refused(fx->job, fx->fp, fx->dir, fx->path, "(written by another hetero version?)",
                   "a reserved field");
    /* the text edited to another seed: named as another job's */
    char *id = het_journal_describe(fx->job);
    char *s = strstr(id, "seed=7\n");
    assert_non_null(s);
    write_reheaded(fx, 40 + (size_t)(s - id), "seed=9\n", 7);
    free(id);
    expect_refused(fx->job, fx->fp, fx->dir, fx->path, "seed is 9 there, 7 here", "another seed in the text");
}

/* Files that are not journals, and one that is nothing at all. */
static void not_a_journal(void **state)
{
    fixture *fx = *state;
    const char *not_ours = "exists and is not a hetero journal (it is left as it is)";
    static const size_t lens[] = {1, 7, 8, 15, 16, 47, 48, 49, 200, 4096, 70000};
    unsigned char *b = malloc(70000);
    assert_non_null(b);
    uint64_t x = UINT64_C(0x9e3779b97f4a7c15);
    for (size_t i = 0; i < sizeof lens / sizeof *lens; i++) {
        for (size_t k = 0; k < lens[i]; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            b[k] = (unsigned char)x;
        }
        char what[64];
        snprintf(what, sizeof what, "%zu random bytes", lens[i]);
        write_file(fx->path, b, lens[i]);
        expect_refused(fx->job, fx->fp, fx->dir, fx->path, not_ours, what);
        /* the magic, then random bytes: a header that does not check out */
        if (lens[i] >= 16) {
            memcpy(b, MAGIC, 8);
            const uint32_t hl = (uint32_t)(lens[i] < 200 ? lens[i] : 200);
            memcpy(b + 8, &hl, 4);
            write_file(fx->path, b, lens[i]);
            expect_refused(fx->job, fx->fp, fx->dir, fx->path, hl >= 48 ? "is damaged" : not_ours, what);
        }
    }
    free(b);
    const char *text = "notes for the run\nsamples=33554432\n";
    write_file(fx->path, text, strlen(text));
    expect_refused(fx->job, fx->fp, fx->dir, fx->path, not_ours, "a text file");
    text = "HETJRNL1 is the magic of a journal, this is text\n";
    write_file(fx->path, text, strlen(text));
    expect_refused(fx->job, fx->fp, fx->dir, fx->path, not_ours, "a text file that starts with the magic");
    /* a header claiming a megabyte and more */
    memcpy(b = malloc(64), fx->ref, 64);
    const uint32_t huge = (1u << 20) + 1;
    memcpy(b + 8, &huge, 4);
    write_file(fx->path, b, 64);
    free(b);
    expect_refused(fx->job, fx->fp, fx->dir, fx->path, not_ours, "a header of 1 MiB + 1");

    assert_int_equal(unlink(fx->path), 0);
    assert_int_equal(mkdir(fx->path, 0700), 0);
    expect_refused(fx->job, fx->fp, fx->dir, fx->path, "is not a regular file", "a folder");
    assert_int_equal(rmdir(fx->path), 0);

    /* empty: documented as a new journal */
    write_file(fx->path, "", 0);
    opened o;
    try_open(&o, fx->job, fx->fp, fx->path);
    expect_records(&o, 0, "an empty file");
    close_opened(&o);
    assert_file_is(fx->path, fx->ref, fx->hl, "an empty file");
}

/* ---- read errors ------------------------------------------------------- */

/* Watches the reads of the journal at path from now on. */
static void watch_reads(const char *path, int at, int err, size_t max)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    fail_dev = st.st_dev;
    fail_ino = st.st_ino;
    fail_at = at;
    fail_errno = err;
    read_max = max;
    reads_seen = 0;
}

static void unwatch_reads(void)
{
    fail_at = 0;
    read_max = 0;
}

static void read_errors(void **state)
{
    fixture *fx = *state;
    write_file(fx->path, fx->ref, fx->ref_len);
    int fds = count_fds(), failed = 0;
    char what[64];
    for (int at = 1;; at++) {
        opened o;
        watch_reads(fx->path, at, EIO, 0);
        try_open(&o, fx->job, fx->fp, fx->path);
        int seen = reads_seen;
        unwatch_reads();
        if (seen < at) {
            /* every read done, none failed */
            expect_records(&o, N_RECS, "no read failing");
            close_opened(&o);
            break;
        }
        failed++;
        snprintf(what, sizeof what, "read %d failing with EIO", at);
        if (o.rc != HETERO_E_IO)
            fail_msg("%s: expected HETERO_E_IO, got %d (%s)", what, o.rc, o.msg);
        assert_null(o.j);
        if (!strstr(o.msg, "--checkpoint: cannot read '") || !strstr(o.msg, fx->path) ||
            !strstr(o.msg, strerror(EIO)))
            fail_msg("%s: the message '%s' does not name the file and the error", what, o.msg);
        assert_file_is(fx->path, fx->ref, fx->ref_len, what);
        assert_int_equal(count_fds(), fds);
    }
    /* the header's two reads, three per record, the end */
    assert_int_equal(failed, 2 + 3 * N_RECS + 1);

    /* an interrupted read is read again */
    for (int at = 1; at <= 2 + 3 * (int)N_RECS + 1; at++) {
        opened o;
        watch_reads(fx->path, at, EINTR, 0);
        try_open(&o, fx->job, fx->fp, fx->path);
        unwatch_reads();
        snprintf(what, sizeof what, "read %d interrupted", at);
        expect_records(&o, N_RECS, what);
        close_opened(&o);
    }
    /* a byte at a time, with a torn record at the end */
    write_file(fx->path, fx->ref, fx->ref_len - 5);
    opened o;
    watch_reads(fx->path, 0, 0, 1);
    try_open(&o, fx->job, fx->fp, fx->path);
    int seen = reads_seen;
    unwatch_reads();
    expect_records(&o, N_RECS - 1, "a byte per read");
    assert_true(seen >= (int)fx->ref_len - 5);
    close_opened(&o);
    assert_file_is(fx->path, fx->ref, fx->rec_at[N_RECS - 1], "a byte per read");
    assert_int_equal(count_fds(), fds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(torn_at_every_length, setup, teardown),
        cmocka_unit_test_setup_teardown(flipped_bits, setup, teardown),
        cmocka_unit_test_setup_teardown(forged_records, setup, teardown),
        cmocka_unit_test_setup_teardown(another_jobs_journal, setup, teardown),
        cmocka_unit_test_setup_teardown(another_option, setup, teardown),
        cmocka_unit_test_setup_teardown(another_version, setup, teardown),
        cmocka_unit_test_setup_teardown(not_a_journal, setup, teardown),
        cmocka_unit_test_setup_teardown(read_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
