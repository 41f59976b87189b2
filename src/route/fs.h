/* File system helpers for file_server: symlink-safe path resolution, MIME
 * types, HTTP dates. Only POSIX calls that wasi-libc also has. */
#ifndef IFRIT_ROUTE_FS_H
#define IFRIT_ROUTE_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

#include "base/str.h"

#define ROUTE_PATH_MAX 4096

/* Canonical absolute form of path with every symlink resolved (like
 * realpath(3), which wasi-libc lacks), into out[ROUTE_PATH_MAX].
 * 0, or an errno value (ENOENT, EACCES, ELOOP, ENAMETOOLONG). */
int route_fs_realpath(const char *path, char *out);

/* The same for path taken relative to base, a canonical directory (as
 * route_fs_realpath or route_fs_root made it), so base's own components
 * are not walked again. st, if not NULL, receives the stat of the result. */
int route_fs_resolve(const char *base, const char *path, char *out, struct stat *st);

/* route_fs_realpath of a site root, remembered for a second per thread: a
 * root is resolved on every file request otherwise. A stale entry can only
 * make files outside the new root look missing, never let a path out. */
int route_fs_root(ifr_str_t root, char *out);

/* Opens path (absolute) for reading only if no element of it is a symlink,
 * and fstats it into st: a canonical root joined with a cleaned request
 * path (no ".", "..", "//") and opened this way is the canonical file and
 * lies under the root, without the element-by-element walk. Returns the
 * descriptor (the caller closes it; it may be a directory or any other
 * type, opened non-blocking), or -1 with errno: ENOENT and ENOTDIR are
 * final; ELOOP (a symlink on the way), ENOSYS (no such call here) and
 * anything else mean "resolve it with route_fs_resolve instead" (EACCES
 * too: a directory that may be searched but not read still has an index).
 * ROUTE_FS_IN_CACHE instead of a descriptor: path is a regular file whose
 * bytes the cache holds (st is its stat; route_fs_cache_body gives them,
 * nothing is open and nothing needs closing). */
int route_fs_open_nofollow(const char *path, struct stat *st);
#define ROUTE_FS_IN_CACHE (-2)

/* The cache route_fs_open_nofollow keeps of the regular files it opened
 * (fs_open_cache.c; Linux only, elsewhere it never hits). _open returns a
 * new descriptor (the caller's) for path and its current stat when the
 * cached one still is the file path names, ROUTE_FS_IN_CACHE when it also
 * holds the file's bytes, else -1; _put remembers the file's bytes read
 * from fd, or else a copy of fd (fd stays the caller's). _body points body at the bytes of path kept for the file
 * with stat st (as _open gave it) and says whether there are: valid until
 * the next call into the cache on this thread, so they are to be sent (a
 * copy taken) at once. Bytes are kept for regular files of at most
 * ROUTE_FS_CACHE_BODY_MAX bytes not changed in the last seconds, a few
 * hundred files per thread, with ceilings on kept bytes and held
 * descriptors (fs_open_cache.c says which). Each
 * thread has its own cache: a thread that served files calls
 * route_fs_cache_thread_exit before it ends, which closes its descriptors
 * and frees the bytes. */
#define ROUTE_FS_CACHE_BODY_MAX (16 * 1024)
int route_fs_cache_open(const char *path, struct stat *st);
void route_fs_cache_put(const char *path, int fd, const struct stat *st);
bool route_fs_cache_body(const char *path, const struct stat *st, ifr_str_t *body);
void route_fs_cache_thread_exit(void);

/* Whether path is root itself or lies under it (both canonical). */
bool route_fs_within(const char *root, const char *path);

/* The MIME type for a file name by its extension; NULL when unknown. */
const char *route_mime_type(ifr_str_t name);

#define ROUTE_HTTP_DATE_SIZE 40
/* IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") into buf[ROUTE_HTTP_DATE_SIZE]. */
void route_http_date(time_t t, char *buf);
/* Parses an IMF-fixdate; false when it is not one. */
bool route_http_date_parse(ifr_str_t s, time_t *out);

#endif
