/* build.c - program build with an on-disk binary cache.
 *
 * A cache entry is <dir>/<key>.clbin where key is the 128-bit XXH3 hash of
 * everything that changes the compiled output: the source, the build
 * options, the platform name, the device name, the device version and the
 * driver version (a driver update silently invalidates old entries).
 *
 * File layout (native byte order; the cache belongs to one machine):
 *   8 bytes   magic "HETCLB02"
 *   8 bytes   payload length n (uint64)
 *   16 bytes  XXH128 of the key (32 hex digits) and the payload, canonical
 *             (big-endian) form
 *   n bytes   payload: the CL_PROGRAM_BINARIES of the one device
 * The checksum catches a truncated or damaged file, or an entry copied
 * under another key's name, before a driver sees it (some drivers crash
 * rather than return CL_INVALID_BINARY on garbage); a payload the driver
 * still rejects is rebuilt from source and rewritten.  Files are written
 * to a temporary name in the same directory and renamed into place, so a
 * reader sees either no entry or a whole one, even with several processes
 * building at once.
 *
 * Trust.  A checksum proves nothing against someone who can write the
 * file: a planted binary runs on the device as ours.  So, as ssh does with
 * its keys, a directory is used only when it is owned by this user and
 * not writable by group or others, and an entry only when it is a regular
 * file with the same owner and the same restriction (checked on the open
 * descriptor, not the name).  Anything else is ignored, with a line under
 * HETERO_DEBUG, and the program is built from source; a configured
 * directory ($HETERO_CACHE_DIR) that fails the test gives way to the
 * user's own ($XDG_CACHE_HOME/hetero or ~/.cache/hetero).  Directories we
 * create are 0700, entries 0600.
 *
 * Where.  The cache creates its own folder and nothing above it: the
 * folder that holds it ($XDG_CACHE_HOME, or the parent of
 * $HETERO_CACHE_DIR) must exist already, and so must $HOME, of which only
 * ~/.cache may be made, when $HOME is a folder this user owns.  A home
 * that does not exist (HOME=/nonexistent, the home of service accounts,
 * set so that nothing is ever written there) turns the cache off.  PoCL
 * keeps a cache of its own, which follows ours (hcl_cache_env): inside
 * ours, or off with ours.
 */
#include "hcl_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#define CACHE_MAGIC "HETCLB02"
#define CACHE_HEADER (8 + 8 + 16)
/* Bumped when the file layout or the key's make-up changes. */
#define CACHE_KEY_VERSION "hetero-clcache-2"

/* ---- where the cache lives ---------------------------------------------- */

/* The configured directory ($HETERO_CACHE_DIR) into buf: 1, or 0 when
 * there is none; *off says HETERO_CACHE_DIR=off. */
static int cache_dir_configured(char *buf, size_t cap, int *off)
{
    const char *env = getenv("HETERO_CACHE_DIR");
    *off = 0;
    if (!env || !*env)
        return 0;
    if (strcmp(env, "off") == 0) {
        *off = 1;
        return 0;
    }
    int n = snprintf(buf, cap, "%s", env);
    return n > 0 && (size_t)n < cap;
}

/* The user's own: $XDG_CACHE_HOME/hetero, else $HOME/.cache/hetero (then
 * *home is $HOME, else NULL). */
static int cache_dir_default(char *buf, size_t cap, const char **home)
{
    const char *env;
    int n;
    *home = NULL;
    if ((env = getenv("XDG_CACHE_HOME")) && *env) {
        n = snprintf(buf, cap, "%s/hetero", env);
    } else if ((env = getenv("HOME")) && *env) {
        n = snprintf(buf, cap, "%s/.cache/hetero", env);
        *home = env;
    } else {
        return 0;
    }
    return n > 0 && (size_t)n < cap;
}

/* The folder that holds `path` into buf ("." for a bare name). */
static void parent_of(const char *path, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", path);
    size_t len = strlen(buf);
    while (len > 1 && buf[len - 1] == '/')
        buf[--len] = '\0';
    char *slash = strrchr(buf, '/');
    if (!slash)
        snprintf(buf, cap, ".");
    else if (slash == buf)
        buf[1] = '\0';
    else
        *slash = '\0';
}

/* Makes `dir` (0700) when it is missing, and nothing above it: its parent
 * must exist, but for ~/.cache (home is $HOME), made when $HOME is a
 * folder this user owns.  0 on success; else -1 with the reason in why. */
static int make_dir(const char *dir, const char *home, char *why, size_t size)
{
    char parent[4096];
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return 0;
        snprintf(why, size, "not a directory");
        return -1;
    }
    if (errno != ENOENT || strlen(dir) >= sizeof parent) {
        snprintf(why, size, "%s", strerror(errno == ENOENT ? ENAMETOOLONG : errno));
        return -1;
    }
    parent_of(dir, parent, sizeof parent);
    if (stat(parent, &st) != 0) {
        int e = errno;
        struct stat hs;
        if (e != ENOENT || !home) {
            snprintf(why, size, "'%s': %s (a cache makes only its own folder)", parent, strerror(e));
            return -1;
        }
        if (stat(home, &hs) != 0 || !S_ISDIR(hs.st_mode) || hs.st_uid != geteuid()) {
            snprintf(why, size, "the home folder '%s' does not exist or is not this user's", home);
            return -1;
        }
        if (mkdir(parent, 0700) != 0 && errno != EEXIST) {
            snprintf(why, size, "cannot create '%s': %s", parent, strerror(errno));
            return -1;
        }
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(why, size, "%s", strerror(errno));
        return -1;
    }
    return 0;
}

/* Why st (of a cache directory or entry) is not to be trusted, or NULL. */
static const char *untrusted(const struct stat *st, char *why, size_t size)
{
    if (st->st_uid != geteuid()) {
        snprintf(why, size, "owned by uid %u, not by this user (uid %u)", (unsigned)st->st_uid,
                 (unsigned)geteuid());
        return why;
    }
    if (st->st_mode & (S_IWGRP | S_IWOTH)) {
        snprintf(why, size, "mode %04o: writable by group or others", (unsigned)(st->st_mode & 07777));
        return why;
    }
    return NULL;
}

/* An open descriptor of `dir` (created if missing, see make_dir) when it
 * may hold cache entries; -1 when it cannot be had, -2 when it is not to be
 * trusted (with a debug line saying why). */
static int open_trusted_dir(const char *dir, const char *home)
{
    struct stat st;
    char why[4400];
    if (make_dir(dir, home, why, sizeof why) != 0) {
        hcl_debug("program cache: off, cannot create directory '%s': %s", dir, why);
        return -1;
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        hcl_debug("program cache: cannot open directory '%s': %s", dir, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0) {
        close(fd);
        return -1;
    }
    if (untrusted(&st, why, sizeof why)) {
        hcl_debug("program cache: not using directory '%s': %s", dir, why);
        close(fd);
        return -2;
    }
    return fd;
}

/* The cache directory to use, into buf, and an open descriptor of it; < 0
 * when the cache is off or no trusted directory can be had. */
static int cache_dir(char *buf, size_t cap)
{
    char mine[4096];
    const char *home = NULL;
    int off = 0;
    if (cache_dir_configured(buf, cap, &off)) {
        int fd = open_trusted_dir(buf, NULL);
        /* a directory that cannot be made is skipped (the cache is an
         * optimisation); somebody else's gives way to the user's own */
        if (fd != -2 || !cache_dir_default(mine, sizeof mine, &home) || strcmp(mine, buf) == 0)
            return fd;
        hcl_debug("program cache: using '%s' instead", mine);
        snprintf(buf, cap, "%s", mine);
        return open_trusted_dir(buf, home);
    }
    if (off || !cache_dir_default(buf, cap, &home))
        return -1;
    return open_trusted_dir(buf, home);
}

/* ---- PoCL's cache ------------------------------------------------------- */

/* PoCL makes its cache folder, and every folder above it, when it starts
 * ($POCL_CACHE_DIR, else $XDG_CACHE_HOME/pocl or ~/.cache/pocl, even with
 * its cache off, for its scratch files).  Left alone it would make the
 * home folder that ours refuses to make. */

/* `name` (0700) in the folder dirfd, held to the trust test, and its path
 * (dir/name) into buf; 0 when it can be had.  PoCL's cache folder and the
 * throughput models' (hcl_cache_subdir) are made with it. */
static int trusted_subdir(int dirfd, const char *dir, const char *name, char *buf, size_t cap)
{
    struct stat st;
    char why[128];
    int n = snprintf(buf, cap, "%s/%s", dir, name);
    if (n <= 0 || (size_t)n >= cap || (mkdirat(dirfd, name, 0700) != 0 && errno != EEXIST))
        return -1;
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    const char *bad = fstat(fd, &st) == 0 ? untrusted(&st, why, sizeof why) : "cannot stat it";
    close(fd);
    if (bad)
        hcl_debug("cache: not using folder '%s': %s", buf, bad);
    return bad ? -1 : 0;
}

static void cache_env_once(void)
{
    const char *set = getenv("POCL_CACHE_DIR");
    if (set && *set) {
        hcl_debug("PoCL cache: POCL_CACHE_DIR is set ('%s'), left as it is", set);
        return;
    }
    char dir[4096], pocl[4200], name[64];
    int fd = cache_dir(dir, sizeof dir);
    if (fd >= 0) {
        int ok = trusted_subdir(fd, dir, "pocl", pocl, sizeof pocl) == 0;
        close(fd);
        if (ok) {
            setenv("POCL_CACHE_DIR", pocl, 1);
            hcl_debug("PoCL cache: '%s'", pocl);
            return;
        }
    }
    /* ours is off: PoCL's too (unless the user says otherwise), and its
     * scratch files go to a folder of this user's in the temporary folder */
    if (!getenv("POCL_KERNEL_CACHE"))
        setenv("POCL_KERNEL_CACHE", "0", 1);
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    snprintf(name, sizeof name, "hetero-pocl-%u", (unsigned)geteuid());
    fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int ok = fd >= 0 && trusted_subdir(fd, tmp, name, pocl, sizeof pocl) == 0;
    if (fd >= 0)
        close(fd);
    if (!ok) {
        hcl_debug("PoCL cache: off, and no folder of this user's in '%s' for its scratch files", tmp);
        return;
    }
    setenv("POCL_CACHE_DIR", pocl, 1);
    hcl_debug("PoCL cache: off, scratch files in '%s'", pocl);
}

int hcl_cache_subdir(const char *name, char *path, size_t cap)
{
    char dir[4096];
    int fd = cache_dir(dir, sizeof dir);
    if (fd < 0)
        return -1;
    int ok = trusted_subdir(fd, dir, name, path, cap) == 0;
    int sub = ok ? openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
    close(fd);
    return sub;
}

void hcl_cache_env(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, cache_env_once);
}

/* ---- the key ------------------------------------------------------------ */

/* Each field goes in with its length first, so that ("ab","c") and
 * ("a","bc") hash differently. */
static void hash_field(XXH3_state_t *st, const char *s)
{
    uint64_t len = strlen(s);
    XXH3_128bits_update(st, &len, sizeof len);
    XXH3_128bits_update(st, s, (size_t)len);
}

static int cache_key(const hcl_device *d, const char *source, const char *options, char hex[33])
{
    XXH3_state_t *st = XXH3_createState();
    if (!st)
        return -1;
    XXH3_128bits_reset(st);
    hash_field(st, CACHE_KEY_VERSION);
    hash_field(st, source);
    hash_field(st, options);
    hash_field(st, d->info.platform_name);
    hash_field(st, d->info.name);
    hash_field(st, d->info.version);
    hash_field(st, d->info.driver);
    XXH128_hash_t h = XXH3_128bits_digest(st);
    XXH3_freeState(st);
    snprintf(hex, 33, "%016llx%016llx", (unsigned long long)h.high64, (unsigned long long)h.low64);
    return 0;
}

/* ---- reading and writing entries ---------------------------------------- */

/* XXH128 of the key and the payload: an entry copied under another key's
 * name does not check. */
static void entry_sum(const char *key, const unsigned char *bin, size_t len, XXH128_canonical_t *out)
{
    XXH3_state_t *st = XXH3_createState();
    XXH128_hash_t h = {0, 0};
    if (st) {
        XXH3_128bits_reset(st);
        XXH3_128bits_update(st, key, strlen(key));
        XXH3_128bits_update(st, bin, len);
        h = XXH3_128bits_digest(st);
        XXH3_freeState(st);
    }
    XXH128_canonicalFromHash(out, h);
}

/* The payload of a valid, trusted entry `key`.clbin in the directory dirfd
 * (caller frees), or NULL if there is none, it is damaged, or it is not
 * ours alone. */
static unsigned char *cache_load(int dirfd, const char *dir, const char *key, size_t *len)
{
    unsigned char header[CACHE_HEADER];
    unsigned char *payload = NULL;
    uint64_t n;
    XXH128_canonical_t want, got;
    char name[64], why[128];
    struct stat st;
    snprintf(name, sizeof name, "%s.clbin", key);
    /* no symbolic links, and no FIFO that would block the open */
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        if (errno != ENOENT)
            hcl_debug("program cache: ignoring entry '%s/%s': %s", dir, name, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        hcl_debug("program cache: ignoring entry '%s/%s': not a regular file", dir, name);
        close(fd);
        return NULL;
    }
    if (untrusted(&st, why, sizeof why)) {
        hcl_debug("program cache: ignoring entry '%s/%s': %s; rebuilding it", dir, name, why);
        close(fd);
        return NULL;
    }
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        close(fd);
        return NULL;
    }
    if (fread(header, 1, sizeof header, f) != sizeof header || memcmp(header, CACHE_MAGIC, 8) != 0)
        goto bad;
    memcpy(&n, header + 8, 8);
    memcpy(&want, header + 16, 16);
    if (n == 0 || n > ((uint64_t)1 << 31)) /* no program binary is 2 GiB */
        goto bad;
    payload = malloc((size_t)n);
    if (!payload || fread(payload, 1, (size_t)n, f) != (size_t)n || fgetc(f) != EOF)
        goto bad;
    entry_sum(key, payload, (size_t)n, &got);
    if (memcmp(&want, &got, sizeof want) != 0)
        goto bad;
    (void)fclose(f); /* read only: nothing to lose */
    *len = (size_t)n;
    return payload;
bad:
    hcl_debug("program cache: ignoring entry '%s/%s': damaged (length or checksum); rebuilding it", dir,
              name);
    free(payload);
    (void)fclose(f); /* read only */
    return NULL;
}

/* Best effort: any failure leaves no entry (and no temporary file) behind.
 * The entry is 0600 (mkstemp's mode), in a directory cache_dir trusted. */
static void cache_store(const char *dir, const char *key, const unsigned char *bin, size_t len)
{
    char tmp[4200], path[4200];
    unsigned char header[CACHE_HEADER];
    uint64_t n = len;
    XXH128_canonical_t sum;

    if (snprintf(path, sizeof path, "%s/%s.clbin", dir, key) >= (int)sizeof path ||
        snprintf(tmp, sizeof tmp, "%s.XXXXXX", path) >= (int)sizeof tmp)
        return;
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return;
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        close(fd);
        unlink(tmp);
        return;
    }
    memcpy(header, CACHE_MAGIC, 8);
    memcpy(header + 8, &n, 8);
    entry_sum(key, bin, len, &sum);
    memcpy(header + 16, &sum, 16);
    int ok = fwrite(header, 1, sizeof header, f) == sizeof header && fwrite(bin, 1, len, f) == len;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0)
        unlink(tmp);
}

/* ---- building ----------------------------------------------------------- */

/* The build log of the device, trailing blank lines cut (caller frees; NULL
 * if there is none). */
static char *build_log(const hcl_device *d, cl_program prog)
{
    size_t size = 0;
    if (clGetProgramBuildInfo(prog, d->device, CL_PROGRAM_BUILD_LOG, 0, NULL, &size) != CL_SUCCESS ||
        size == 0)
        return NULL;
    char *log = malloc(size + 1);
    if (!log)
        return NULL;
    if (clGetProgramBuildInfo(prog, d->device, CL_PROGRAM_BUILD_LOG, size, log, NULL) != CL_SUCCESS) {
        free(log);
        return NULL;
    }
    log[size] = '\0';
    size_t n = strlen(log);
    while (n > 0 && (log[n - 1] == '\n' || log[n - 1] == '\r' || log[n - 1] == ' '))
        n--;
    log[n] = '\0';
    if (n == 0) {
        free(log);
        return NULL;
    }
    return log;
}

/* A built program from a cached binary, or NULL if the driver rejects it
 * (then the caller builds from source). */
static cl_program from_binary(const hcl_device *d, const unsigned char *bin, size_t len, const char *options)
{
    cl_int err, status = CL_SUCCESS;
    cl_program prog = clCreateProgramWithBinary(d->context, 1, &d->device, &len, &bin, &status, &err);
    if (err != CL_SUCCESS || status != CL_SUCCESS) {
        if (prog)
            clReleaseProgram(prog);
        return NULL;
    }
    if (clBuildProgram(prog, 1, &d->device, options, NULL, NULL) != CL_SUCCESS) {
        clReleaseProgram(prog);
        return NULL;
    }
    return prog;
}

/* Writes the freshly built program's binary to the cache; silent on failure. */
static void store_program(cl_program prog, const char *dir, const char *key)
{
    size_t len = 0;
    cl_uint ndev = 0;
    /* CL_PROGRAM_BINARY_SIZES has one entry per device of the program; we
     * built for one, but ask rather than assume. */
    if (clGetProgramInfo(prog, CL_PROGRAM_NUM_DEVICES, sizeof ndev, &ndev, NULL) != CL_SUCCESS || ndev != 1 ||
        clGetProgramInfo(prog, CL_PROGRAM_BINARY_SIZES, sizeof len, &len, NULL) != CL_SUCCESS || len == 0)
        return;
    unsigned char *bin = malloc(len);
    if (!bin)
        return;
    if (clGetProgramInfo(prog, CL_PROGRAM_BINARIES, sizeof bin, &bin, NULL) == CL_SUCCESS)
        cache_store(dir, key, bin, len);
    free(bin);
}

int hcl_build(hcl_device *d, const char *source, const char *options, cl_program *out, int *from_cache)
{
    char dir[4096], key[33];
    cl_program prog = NULL;
    cl_int err;
    int rc = HETERO_OK;

    if (!options)
        options = "";
    *out = NULL;
    if (from_cache)
        *from_cache = 0;

    int dirfd = cache_key(d, source, options, key) == 0 ? cache_dir(dir, sizeof dir) : -1;
    int cached = dirfd >= 0;
    if (cached) {
        size_t len = 0;
        unsigned char *bin = cache_load(dirfd, dir, key, &len);
        close(dirfd);
        if (bin) {
            prog = from_binary(d, bin, len, options);
            free(bin);
            if (prog) {
                *out = prog;
                if (from_cache)
                    *from_cache = 1;
                return HETERO_OK;
            }
        }
    }

    prog = clCreateProgramWithSource(d->context, 1, &source, NULL, &err);
    HCL_TRY(d, "clCreateProgramWithSource", err);
    err = clBuildProgram(prog, 1, &d->device, options, NULL, NULL);
    if (err != CL_SUCCESS) {
        char *log = build_log(d, prog);
        /* The one multi-line message: the build log is what the user needs. */
        rc = hetero_fail(HETERO_E_BUILD, "clBuildProgram on %s (%s): %s%s%s", d->info.id, d->info.name,
                         hcl_errname(err), log ? "\n" : "", log ? log : "");
        free(log);
        goto done;
    }
    if (cached)
        store_program(prog, dir, key);
    *out = prog;
    prog = NULL;
done:
    if (prog)
        clReleaseProgram(prog);
    return rc;
}
