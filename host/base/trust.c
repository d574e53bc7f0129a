/* trust.c - the folder rule every file hetero trusts follows (trust.h). */
#include "trust.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *het_dir_unsafe(const char *dir, char *why, size_t size)
{
    char real[PATH_MAX];
    if (!realpath(dir, real)) {
        snprintf(why, size, "folder '%s': %s", dir, strerror(errno));
        return why;
    }
    for (;;) {
        struct stat st;
        if (stat(real, &st) != 0) {
            snprintf(why, size, "folder '%s': %s", real, strerror(errno));
            return why;
        }
        if (st.st_uid != geteuid() && st.st_uid != 0) {
            snprintf(why, size, "folder '%s' belongs to uid %u, not to this user (uid %u) or root", real,
                     (unsigned)st.st_uid, (unsigned)geteuid());
            return why;
        }
        if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)) {
            snprintf(why, size,
                     "folder '%s' (mode %04o) is writable by others, who could replace what it holds", real,
                     (unsigned)(st.st_mode & 07777));
            return why;
        }
        char *slash = strrchr(real, '/');
        if (!slash || slash == real) {
            if (strcmp(real, "/") == 0)
                return NULL;
            real[1] = 0; /* then "/" itself */
        } else {
            *slash = 0;
        }
    }
}

void het_dir_of(const char *path, char *buf, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(buf, size, ".");
    else if (slash == path)
        snprintf(buf, size, "/");
    else
        snprintf(buf, size, "%.*s", (int)(slash - path), path);
}
