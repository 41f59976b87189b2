/* Descriptors of recently served regular files, kept open per thread so a
 * repeated request costs a stat of the path instead of an open, an fstat
 * and the close that frees the open file (see fs.h). Never stale: every
 * hit stats the path again and uses the descriptor only when the path
 * still names the very inode it holds, unchanged since it was opened
 * (same mode, owner and ctime, which every write, chmod or rename of the
 * file moves). Holding the descriptor keeps that inode alive, so its
 * number cannot be handed to a newer file meanwhile. The stat's result is
 * what the caller gets, so validators follow the file as it is now. That
 * stat follows symlinks in the directories on the way (openat2 refused
 * them): docs/directives.md (file_server) says what that still allows.
 *
 * A small file's bytes are kept too, once its ctime and mtime are a few
 * seconds old: a hit then costs the stat alone (no descriptor copy, no
 * read, no close; nginx's open_file_cache still reads). The age is what
 * makes the copy safe: timestamps move in clock ticks, so a write in the
 * same tick as the read could leave ctime unchanged, but a write to a
 * file last changed seconds ago always moves it. */
#include "route/fs.h"

#include <string.h>

#ifdef __linux__
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#define ROUTE__FS_CACHE_SLOTS 32
#define ROUTE__FS_CACHE_PATH 256
/* An entry unused this long is closed by the next lookup that passes by,
 * so a deleted file's space is not held for long on a busy worker. */
#define ROUTE__FS_CACHE_IDLE_S 10
/* How old (seconds, by the wall clock) a file's ctime and mtime must be
 * before its bytes are kept: far more than a timestamp's tick. */
#define ROUTE__FS_CACHE_SETTLED_S 2

typedef struct {
    int fd;   /* -1: empty slot */
    time_t used;
    struct stat st;
    unsigned char *body;   /* the file's st.st_size bytes, or NULL */
    char path[ROUTE__FS_CACHE_PATH];
} route__fs_cache_entry_t;

/* Direct-mapped by a hash of the path; per thread, so no locks. */
static _Thread_local route__fs_cache_entry_t route__fs_cache[ROUTE__FS_CACHE_SLOTS];
static _Thread_local bool route__fs_cache_ready;
static _Thread_local unsigned route__fs_cache_sweep;

static time_t route__fs_cache_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return ts.tv_sec;
}

static void route__fs_cache_drop(route__fs_cache_entry_t *e)
{
    if (e->fd >= 0) close(e->fd);
    e->fd = -1;
    free(e->body);
    e->body = NULL;
}

/* Keeps e's bytes when the file is small and has not changed for a while
 * (see the top). A short read (the file shrank since the stat) keeps none. */
static void route__fs_cache_keep_body(route__fs_cache_entry_t *e)
{
    if (e->body || e->st.st_size <= 0 || e->st.st_size > ROUTE_FS_CACHE_BODY_MAX) return;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    time_t settled = now.tv_sec - ROUTE__FS_CACHE_SETTLED_S;
    if (e->st.st_ctim.tv_sec >= settled || e->st.st_mtim.tv_sec >= settled) return;
    size_t len = (size_t)e->st.st_size;
    unsigned char *b = malloc(len);
    if (!b) return;
    size_t got = 0;
    while (got < len) {
        ssize_t r = pread(e->fd, b + got, len - got, (off_t)got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += (size_t)r;
    }
    if (got == len) e->body = b;
    else free(b);
}

static route__fs_cache_entry_t *route__fs_cache_slot(const char *path, size_t len)
{
    if (!route__fs_cache_ready) {
        for (size_t i = 0; i < ROUTE__FS_CACHE_SLOTS; i++) route__fs_cache[i].fd = -1;
        route__fs_cache_ready = true;
    }
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)path[i]) * 16777619u;
    return &route__fs_cache[h % ROUTE__FS_CACHE_SLOTS];
}

/* Closes one other slot if it has been idle too long: a little cleaning
 * per lookup, without a timer. */
static void route__fs_cache_sweep_one(time_t now)
{
    route__fs_cache_entry_t *e = &route__fs_cache[route__fs_cache_sweep++ % ROUTE__FS_CACHE_SLOTS];
    if (e->fd >= 0 && now - e->used > ROUTE__FS_CACHE_IDLE_S) route__fs_cache_drop(e);
}

static bool route__fs_same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_mode == b->st_mode &&
           a->st_uid == b->st_uid && a->st_gid == b->st_gid && a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
           a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

int route_fs_cache_open(const char *path, struct stat *st)
{
    size_t len = strlen(path);
    if (len >= ROUTE__FS_CACHE_PATH) return -1;
    route__fs_cache_entry_t *e = route__fs_cache_slot(path, len);
    time_t now = route__fs_cache_now();
    route__fs_cache_sweep_one(now);
    if (e->fd < 0 || memcmp(e->path, path, len + 1) != 0) return -1;
    struct stat now_st;
    if (fstatat(AT_FDCWD, path, &now_st, AT_SYMLINK_NOFOLLOW) != 0 || !route__fs_same_file(&now_st, &e->st)) {
        route__fs_cache_drop(e);
        return -1;
    }
    e->used = now;
    *st = now_st;
    route__fs_cache_keep_body(e);
    if (e->body) return ROUTE_FS_IN_CACHE;
    return fcntl(e->fd, F_DUPFD_CLOEXEC, 0);
}

bool route_fs_cache_body(const char *path, const struct stat *st, ifr_str_t *body)
{
    size_t len = strlen(path);
    if (len >= ROUTE__FS_CACHE_PATH) return false;
    const route__fs_cache_entry_t *e = route__fs_cache_slot(path, len);
    if (e->fd < 0 || !e->body || memcmp(e->path, path, len + 1) != 0 || !route__fs_same_file(st, &e->st) ||
        st->st_size != e->st.st_size)
        return false;
    *body = (ifr_str_t){ (const char *)e->body, (size_t)e->st.st_size };
    return true;
}

void route_fs_cache_put(const char *path, int fd, const struct stat *st)
{
    size_t len = strlen(path);
    if (len >= ROUTE__FS_CACHE_PATH || !S_ISREG(st->st_mode)) return;
    route__fs_cache_entry_t *e = route__fs_cache_slot(path, len);
    time_t now = route__fs_cache_now();
    /* A slot that served another file this second stays: two busy files
     * sharing a slot would otherwise cost a copy and a close each time. */
    if (e->fd >= 0 && e->used == now) return;
    route__fs_cache_drop(e);
    e->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (e->fd < 0) return;
    e->used = now;
    e->st = *st;
    memcpy(e->path, path, len + 1);
    route__fs_cache_keep_body(e);
}

void route_fs_cache_thread_exit(void)
{
    if (!route__fs_cache_ready) return;
    for (size_t i = 0; i < ROUTE__FS_CACHE_SLOTS; i++) route__fs_cache_drop(&route__fs_cache[i]);
}

#else

int route_fs_cache_open(const char *path, struct stat *st)
{
    (void)path;
    (void)st;
    return -1;
}

void route_fs_cache_put(const char *path, int fd, const struct stat *st)
{
    (void)path;
    (void)fd;
    (void)st;
}

bool route_fs_cache_body(const char *path, const struct stat *st, ifr_str_t *body)
{
    (void)path;
    (void)st;
    (void)body;
    return false;
}

void route_fs_cache_thread_exit(void) {}

#endif
