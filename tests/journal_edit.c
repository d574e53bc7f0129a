/* journal_edit.c - for tests: rewrites one value in a checkpoint journal
 * (journal.h's layout) and recomputes the record's checksum, as a hand
 * that knows the format would, so that only the journal's trust rules and
 * the workload's possibility check stand in the way.
 *
 *   journal_edit FILE GRAIN OFFSET KIND VALUE
 *
 * writes VALUE at byte OFFSET of GRAIN's partial: KIND u64 (a decimal, or
 * +N to add N to what is there) or f64 (a number, nan, inf).  Exit 0, or 1
 * with a line on stderr. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

static uint64_t get64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: journal_edit FILE GRAIN OFFSET u64|f64 VALUE\n");
        return 1;
    }
    FILE *f = fopen(argv[1], "r+b");
    if (!f) {
        fprintf(stderr, "journal_edit: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    const uint64_t grain = strtoull(argv[2], NULL, 10), off = strtoull(argv[3], NULL, 10);
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? 2 * cap : 1 << 16;
            unsigned char *b = realloc(buf, cap);
            if (!b)
                return 1;
            buf = b;
        }
        size_t k = fread(buf + len, 1, cap - len, f);
        if (k == 0)
            break;
        len += k;
    }
    uint32_t hl;
    memcpy(&hl, buf + 8, 4);
    const uint64_t psize = get64(buf + 32);
    for (size_t at = hl; at + 16 <= len;) {
        const uint64_t g0 = get64(buf + at), n = get64(buf + at + 8);
        const size_t rec = 16 + (size_t)(n * psize);
        if (at + rec + 8 > len)
            break;
        if (grain >= g0 && grain < g0 + n && off + 8 <= psize) {
            unsigned char *p = buf + at + 16 + (grain - g0) * psize + off;
            if (strcmp(argv[4], "u64") == 0) {
                uint64_t v = argv[5][0] == '+' ? get64(p) + strtoull(argv[5] + 1, NULL, 10)
                                               : strtoull(argv[5], NULL, 10);
                memcpy(p, &v, 8);
            } else {
                double d = strtod(argv[5], NULL);
                memcpy(p, &d, 8);
            }
            const uint64_t sum = XXH3_64bits(buf + at, rec);
            memcpy(buf + at + rec, &sum, 8);
            if (fseek(f, 0, SEEK_SET) != 0 || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
                fprintf(stderr, "journal_edit: cannot write %s\n", argv[1]);
                return 1;
            }
            free(buf);
            return 0;
        }
        at += rec + 8;
    }
    fprintf(stderr, "journal_edit: no record of grain %" PRIu64 " in %s\n", grain, argv[1]);
    return 1;
}
