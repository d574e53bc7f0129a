/* rates.c - throughput models kept between runs (see rates.h). */
#include "rates.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "hcl.h"
#include "workload.h"

#define HET_RATES_DIR "rates"
#define HET_RATES_MAGIC "hetero-rate 1"

static int het__rates_on(void)
{
    const char *m = getenv("HETERO_MODELS");
    return !(m && strcmp(m, "off") == 0);
}

static void het__rates_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void het__rates_debug(const char *fmt, ...)
{
    if (!getenv("HETERO_DEBUG"))
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("hetero: debug: rates: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* Each field with its length first, so that ("ab","c") and ("a","bc")
 * differ. */
static void het__hash_field(XXH3_state_t *st, const char *s, size_t len)
{
    uint64_t n = len;
    XXH3_128bits_update(st, &n, sizeof n);
    XXH3_128bits_update(st, s, len);
}

int het_rates_key(const hetero_job *job, const char *worker, uint64_t width, char key[33])
{
    char *id = het_job_identity(job);
    XXH3_state_t *st = XXH3_createState();
    if (!id || !st) {
        free(id);
        XXH3_freeState(st);
        return -1;
    }
    XXH3_128bits_reset(st);
    het__hash_field(st, HET_RATES_MAGIC, strlen(HET_RATES_MAGIC));
    het__hash_field(st, worker, strlen(worker));
    char w[32];
    snprintf(w, sizeof w, "%" PRIu64, width);
    het__hash_field(st, w, strlen(w));
    /* the job's identity but its seed, which changes no grain's cost */
    for (const char *line = id; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (strncmp(line, "seed=", 5) != 0)
            het__hash_field(st, line, len);
        line += len + (end != NULL);
    }
    XXH128_hash_t h = XXH3_128bits_digest(st);
    XXH3_freeState(st);
    free(id);
    snprintf(key, 33, "%016" PRIx64 "%016" PRIx64, (uint64_t)h.high64, (uint64_t)h.low64);
    return 0;
}

double het_rates_load(const char *key)
{
    if (!het__rates_on())
        return 0;
    char dir[4200];
    int dfd = hcl_cache_subdir(HET_RATES_DIR, dir, sizeof dir);
    if (dfd < 0)
        return 0;
    /* never a link, never a FIFO that would block the open */
    int fd = openat(dfd, key, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    close(dfd);
    if (fd < 0)
        return 0;
    struct stat st;
    char buf[128];
    ssize_t n = -1;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
        !(st.st_mode & (S_IWGRP | S_IWOTH)) && st.st_size < (off_t)sizeof buf)
        n = read(fd, buf, sizeof buf - 1);
    else
        het__rates_debug("'%s/%s' is not used: not a regular file of this user's, writable by nobody else",
                         dir, key);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    char magic[32], tail;
    double rate;
    if (sscanf(buf, "%31[^\n]\n%lf\n%c", magic, &rate, &tail) != 2 || strcmp(magic, HET_RATES_MAGIC) != 0 ||
        !isfinite(rate) || rate <= 0 || rate > 1e15) {
        het__rates_debug("'%s/%s' is not a rate: ignored", dir, key);
        return 0;
    }
    het__rates_debug("%s: %.6g grains/s", key, rate);
    return rate;
}

void het_rates_store(const char *key, double rate)
{
    if (!het__rates_on() || !isfinite(rate) || rate <= 0 || rate > 1e15)
        return;
    char dir[4200], tmp[64], text[96];
    int dfd = hcl_cache_subdir(HET_RATES_DIR, dir, sizeof dir);
    if (dfd < 0)
        return;
    int len = snprintf(text, sizeof text, "%s\n%.17g\n", HET_RATES_MAGIC, rate);
    snprintf(tmp, sizeof tmp, ".%s.%ld.tmp", key, (long)getpid());
    int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    int ok = fd >= 0 && write(fd, text, (size_t)len) == len;
    if (fd >= 0 && close(fd) != 0)
        ok = 0;
    /* whole or not at all: a temporary file renamed over the old one */
    if (ok && renameat(dfd, tmp, dfd, key) != 0)
        ok = 0;
    if (!ok) {
        het__rates_debug("cannot write '%s/%s': %s", dir, key, strerror(errno));
        if (fd >= 0)
            (void)unlinkat(dfd, tmp, 0);
    }
    close(dfd);
}
