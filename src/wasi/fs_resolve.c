/* The sandbox: resolving guest paths beneath a preopened directory, one
 * component at a time. Each directory on the way is opened with
 * O_NOFOLLOW relative to the previous one and kept open, so ".." is a pop
 * of our own stack (never the kernel's ".."), and a symlink is read and
 * expanded here, where an absolute target or a ".." past the root is
 * refused. A directory renamed or a symlink swapped in meanwhile cannot
 * lead outside: every step is relative to a descriptor already inside. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "wasi/fs.h"

#define IWASI__RESOLVE_DEPTH 128     /* directories open at once */
#define IWASI__RESOLVE_LINKS 40      /* symlinks expanded per path (as Linux) */
#define IWASI__RESOLVE_BUF 8192      /* the path with its expansions */

typedef struct {
    int fds[IWASI__RESOLVE_DEPTH];   /* fds[0] is the root (not ours) */
    int depth;                      /* index of the current directory */
} iwasi__dirstack_t;

static void iwasi__pop(iwasi__dirstack_t *s)
{
    close(s->fds[s->depth--]);
}

static void iwasi__unwind(iwasi__dirstack_t *s)
{
    while (s->depth > 0) iwasi__pop(s);
}

/* Expands the symlink (dir, comp): the part of work already walked,
 * [0, rest_at), is replaced by the link's target, so the walk goes on
 * from dir with target + rest. */
static iwasi_errno_t iwasi__expand(int dir, const char *comp, char *work, size_t *wlen, size_t rest_at)
{
    char target[IWASI__RESOLVE_BUF];
    ssize_t n = readlinkat(dir, comp, target, sizeof target);
    if (n < 0) return iwasi_errno_from_host(errno);
    if (n == 0) return IWASI_ENOENT;
    if (target[0] == '/') return IWASI_ENOTCAPABLE;
    size_t rest = *wlen - rest_at;
    if ((size_t)n + rest > IWASI__RESOLVE_BUF) return IWASI_ENAMETOOLONG;
    memmove(work + n, work + rest_at, rest);
    memcpy(work, target, (size_t)n);
    *wlen = (size_t)n + rest;
    return 0;
}

/* Is (dir, name) a symlink? -1 on an error other than "not one". */
static int iwasi__is_symlink(int dir, const char *name)
{
    struct stat st;
    if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0) return errno == ENOENT ? 0 : -1;
    return S_ISLNK(st.st_mode);
}

static iwasi_errno_t iwasi__walk(iwasi__dirstack_t *s, char *work, size_t wlen, bool follow,
                                 iwasi_resolved_t *out)
{
    size_t pos = 0;
    int links = 0;
    for (;;) {
        while (pos < wlen && work[pos] == '/') pos++;
        size_t start = pos;
        while (pos < wlen && work[pos] != '/') pos++;
        size_t clen = pos - start, after = pos;
        while (after < wlen && work[after] == '/') after++;
        bool last = after == wlen, slash = pos < wlen;
        if (clen >= sizeof out->name) return IWASI_ENAMETOOLONG;
        char comp[sizeof out->name];
        memcpy(comp, work + start, clen);
        comp[clen] = 0;

        bool dotdot = strcmp(comp, "..") == 0;
        if (clen == 0 || dotdot || strcmp(comp, ".") == 0) {
            if (dotdot) {
                if (s->depth == 0) return IWASI_ENOTCAPABLE;
                iwasi__pop(s);
            }
            if (!last) continue;
            strcpy(out->name, ".");
            out->trailing_slash = slash;
            return 0;
        }
        if (last && !follow && !slash) {
            strcpy(out->name, comp);
            out->trailing_slash = false;
            return 0;
        }
        int link = iwasi__is_symlink(s->fds[s->depth], comp);
        if (link < 0) return iwasi_errno_from_host(errno);
        if (link) {
            if (++links > IWASI__RESOLVE_LINKS) return IWASI_ELOOP;
            iwasi_errno_t e = iwasi__expand(s->fds[s->depth], comp, work, &wlen, pos);
            if (e) return e;
            pos = 0;
            continue;
        }
        if (last) {
            strcpy(out->name, comp);
            out->trailing_slash = slash;
            return 0;
        }
        if (s->depth + 1 >= IWASI__RESOLVE_DEPTH) return IWASI_ENAMETOOLONG;
        int fd = openat(s->fds[s->depth], comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) return iwasi_errno_from_host(errno);
        s->fds[++s->depth] = fd;
    }
}

iwasi_errno_t iwasi_resolve(int root, const char *path, size_t len, bool follow, iwasi_resolved_t *out)
{
    if (len == 0) return IWASI_ENOENT;
    if (path[0] == '/') return IWASI_ENOTCAPABLE;
    if (len > IWASI__RESOLVE_BUF) return IWASI_ENAMETOOLONG;
    char work[IWASI__RESOLVE_BUF];
    memcpy(work, path, len);
    iwasi__dirstack_t s = { .fds = { root }, .depth = 0 };
    iwasi_errno_t e = iwasi__walk(&s, work, len, follow, out);
    if (e) {
        iwasi__unwind(&s);
        return e;
    }
    /* Keep only the directory holding the last component. */
    out->dirfd = s.fds[s.depth];
    out->owned = s.depth > 0;
    if (out->owned) s.depth--;
    iwasi__unwind(&s);
    return 0;
}

void iwasi_resolved_done(iwasi_resolved_t *r)
{
    if (r->owned) close(r->dirfd);
    r->owned = false;
}
