/* load.c - workloads from shared objects (see load.h and hetero.h).
 *
 * A shared object is code: dlopen runs its constructors, and its
 * cpu_batch runs on every core.  So nothing is opened before the file and
 * its folders pass the rules the kernel cache and the journal keep
 * (trust.h): this user's or root's, writable by nobody else.  What is
 * left to check after dlopen (the symbol, the ABI, the descriptions, the
 * names) is checked for every workload before the first is registered. */
#include "load.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trust.h"
#include "workload.h"

/* The file rule: a regular file of this user's or root's, writable by
 * nobody else; and the folder rule for the folder of the name as given
 * and of the file it resolves to. */
static int het__trusted(const char *path, char *real, size_t real_size)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return hetero_fail(HETERO_E_BADARG, "'%s': %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return hetero_fail(HETERO_E_BADARG, "'%s' is not a regular file", path);
    if (st.st_uid != geteuid() && st.st_uid != 0)
        return hetero_fail(HETERO_E_BADARG,
                           "'%s' belongs to uid %u, not to this user (uid %u) or root: code others could "
                           "have written is not run",
                           path, (unsigned)st.st_uid, (unsigned)geteuid());
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        return hetero_fail(HETERO_E_BADARG,
                           "'%s' (mode %04o) is writable by group or others: code others could have "
                           "written is not run (chmod go-w)",
                           path, (unsigned)(st.st_mode & 07777));
    char dir[PATH_MAX], why[PATH_MAX + 160];
    het_dir_of(path, dir, sizeof dir);
    if (het_dir_unsafe(dir, why, sizeof why))
        return hetero_fail(HETERO_E_BADARG, "'%s' is not run: %s", path, why);
    if (real_size < PATH_MAX || !realpath(path, real))
        return hetero_fail(HETERO_E_BADARG, "'%s': %s", path, strerror(errno));
    het_dir_of(real, dir, sizeof dir);
    if (het_dir_unsafe(dir, why, sizeof why))
        return hetero_fail(HETERO_E_BADARG, "'%s' is not run: %s", path, why);
    return HETERO_OK;
}

/* What dlopen's object offers, checked whole before anything is
 * registered: the symbol, the ABI, and every workload (its description,
 * and a name no registered workload and no other of the list has). */
static int het__usable(const char *path, const hetero_plugin *pl)
{
    if (!pl)
        return hetero_fail(HETERO_E_BADARG,
                           "'%s' has no symbol %s (a workload object defines it with HETERO_PLUGIN)", path,
                           HETERO_PLUGIN_SYMBOL);
    if (pl->abi != HETERO_WORKLOAD_ABI)
        return hetero_fail(HETERO_E_BADARG,
                           "'%s' was built for workload ABI %u, this hetero speaks %d (rebuild it against "
                           "this hetero.h)",
                           path, pl->abi, HETERO_WORKLOAD_ABI);
    if (!pl->n || !pl->workloads)
        return hetero_fail(HETERO_E_BADARG, "'%s' lists no workload", path);
    for (size_t i = 0; i < pl->n; i++) {
        const hetero_workload *wl = pl->workloads[i];
        if (het_workload_check(wl))
            return hetero_fail(HETERO_E_BADARG, "'%s': %s", path, hetero_errmsg());
        for (size_t k = 0; k < i; k++)
            if (strcmp(pl->workloads[k]->name, wl->name) == 0)
                return hetero_fail(HETERO_E_BADARG, "'%s' lists workload %s twice", path, wl->name);
        const hetero_workload *there = hetero_workload_find(wl->name);
        if (there && there != wl) /* the same description: this object, loaded before */
            return hetero_fail(HETERO_E_BADARG,
                               "'%s': workload %s clashes with the registered workload of that name "
                               "(a built-in or one loaded before)",
                               path, wl->name);
    }
    return HETERO_OK;
}

int hetero_workload_load(const char *path)
{
    if (!path || !*path)
        return hetero_fail(HETERO_E_BADARG, "'': expected the path of a shared object");
    char real[PATH_MAX];
    int rc = het__trusted(path, real, sizeof real);
    if (rc)
        return rc;
    /* RTLD_NOW: a symbol the object needs and nobody has is an error now,
     * not a crash in the middle of a run; RTLD_LOCAL: two objects' own
     * symbols never meet.  The handle is never closed: the descriptions
     * and their code are used until the process ends. */
    (void)dlerror();
    void *h = dlopen(real, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        return hetero_fail(HETERO_E_BADARG, "'%s' cannot be loaded: %s", path, e ? e : "dlopen failed");
    }
    const hetero_plugin *pl = dlsym(h, HETERO_PLUGIN_SYMBOL);
    if ((rc = het__usable(path, pl))) {
        dlclose(h); /* nothing of it was registered */
        return rc;
    }
    for (size_t i = 0; i < pl->n; i++)
        if (hetero_workload_find(pl->workloads[i]->name) != pl->workloads[i] &&
            (rc = hetero_workload_register(pl->workloads[i])))
            return hetero_fail(HETERO_E_BADARG, "'%s': %s", path, hetero_errmsg());
    return HETERO_OK;
}

/* Only a workload's name is looked up: no '/', no "..", nothing to
 * escape a folder with. */
static int het__name_ok(const char *name)
{
    return *name && strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-_") == strlen(name);
}

int het_load_named(const char *name, const hetero_workload **wl)
{
    *wl = NULL;
    const char *path = getenv(HET_WORKLOAD_PATH_ENV);
    if (!path || !*path || !name || !het__name_ok(name))
        return HETERO_OK;
    for (const char *p = path; *p;) {
        size_t len = strcspn(p, ":");
        if (len) {
            if (p[0] != '/')
                return hetero_fail(HETERO_E_BADARG,
                                   "%s: expected absolute folders separated by ':', got '%.*s'",
                                   HET_WORKLOAD_PATH_ENV, (int)len, p);
            char file[PATH_MAX];
            int k = snprintf(file, sizeof file, "%.*s/%s.so", (int)len, p, name);
            if (k > 0 && (size_t)k < sizeof file && access(file, F_OK) == 0) {
                int rc = hetero_workload_load(file);
                if (rc)
                    return hetero_fail(rc, "%s: %s", HET_WORKLOAD_PATH_ENV, hetero_errmsg());
                *wl = hetero_workload_find(name);
                if (!*wl)
                    return hetero_fail(HETERO_E_BADARG, "%s: '%s' holds no workload %s",
                                       HET_WORKLOAD_PATH_ENV, file, name);
                return HETERO_OK;
            }
        }
        p += len;
        if (*p == ':')
            p++;
    }
    return HETERO_OK;
}
