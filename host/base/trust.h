/* trust.h - whose files hetero uses.  A file it reads back and acts on (a
 * checkpoint journal, a workload's shared object) must sit in folders that
 * nobody but this user or root can change; the file rules themselves
 * (whose, which mode) are the caller's, since they differ: a journal must
 * be this user's own, a system-wide shared object may be root's. */
#ifndef HET_TRUST_H
#define HET_TRUST_H

#include <stddef.h>

/* Why a folder on a path could let somebody else replace what it holds,
 * or NULL: each folder from `dir` (resolved) up to / must belong to this
 * user or root, and be writable by nobody else unless it is sticky (as
 * /tmp is: there others may add files but not rename or remove ours).
 * The reason, one line naming the folder, goes into why. */
const char *het_dir_unsafe(const char *dir, char *why, size_t size);

/* The folder of `path` (as written) into buf: "." for a bare name. */
void het_dir_of(const char *path, char *buf, size_t size);

#endif
