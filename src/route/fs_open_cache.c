/* Recently served regular files, per thread, so a repeated request costs
 * a stat of the path instead of an open, an fstat and the close that frees
 * the open file (see fs.h). Never stale: every hit stats the path again and
 * uses the entry only when the path still names the very inode it holds,
 * unchanged since it was opened (same mode, owner and ctime, which every
 * write, chmod or rename of the file moves). The stat's result is what the
 * caller gets, so validators follow the file as it is now. That stat
 * follows symlinks in the directories on the way (openat2 refused them):
 * docs/directives.md (file_server) says what that still allows.
 *
 * A small file's bytes are kept, once its ctime and mtime are a few seconds
 * old: a hit then costs the stat alone (no descriptor copy, no read, no
 * close; nginx's open_file_cache still reads). The age is what makes the
 * copy safe: timestamps move in clock ticks, so a write in the same tick as
 * the read could leave ctime unchanged, but a write to a file last changed
 * seconds ago always moves it. Such an entry holds no descriptor: a file
 * put later on the same inode number gets a ctime of its own time, seconds
 * after the kept one, so it cannot pass for the kept file. An entry without
 * kept bytes (a big file, or one changed just now) holds a descriptor
 * instead, which keeps its inode alive so the number is not handed on.
 *
 * The table is set-associative (ROUTE__FS_CACHE_SETS sets of
 * ROUTE__FS_CACHE_WAYS entries, the least recently used one replaced) so a
 * page's 50 or a few hundred assets all stay in. Bounded whatever the site
 * holds: kept bytes by the entries (512 x ROUTE_FS_CACHE_BODY_MAX, 8 MiB
 * per thread at most, freed once idle), held descriptors by their own
 * ceiling. */
#include "route/fs.h"

#include <string.h>

#ifdef __linux__
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define ROUTE__FS_CACHE_SETS 64   /* a power of two */
#define ROUTE__FS_CACHE_WAYS 8
#define ROUTE__FS_CACHE_ENTRIES (ROUTE__FS_CACHE_SETS * ROUTE__FS_CACHE_WAYS)
#define ROUTE__FS_CACHE_PATH 256
/* Descriptors one thread holds at most, and at most this fraction of the
 * process's descriptor limit, so cached files never take the descriptors
 * connections need. */
#define ROUTE__FS_CACHE_FDS_MAX 128
#define ROUTE__FS_CACHE_FDS_SHARE 16
/* An entry unused this long is dropped by a later lookup that passes by,
 * so a deleted file's space is not held for long on a busy worker. */
#define ROUTE__FS_CACHE_IDLE_S 10
/* How old (seconds, by the wall clock) a file's ctime and mtime must be
 * before its bytes are kept: far more than a timestamp's tick. */
#define ROUTE__FS_CACHE_SETTLED_S 2

typedef struct {
    char *path;            /* NULL: empty entry; else owned, NUL-terminated */
    unsigned char *body;   /* the file's st.st_size bytes, or NULL */
    int fd;                /* held only while body is NULL, else -1 */
    uint32_t hash;
    uint32_t tick;         /* the thread's lookup count at the last use */
    time_t used;           /* monotonic seconds at the last use */
    struct stat st;
} route__fs_cache_entry_t;

typedef struct {
    route__fs_cache_entry_t sets[ROUTE__FS_CACHE_SETS][ROUTE__FS_CACHE_WAYS];
    unsigned fds, fds_max;
    uint32_t tick;
    unsigned sweep;
} route__fs_cache_t;

/* Per thread, so no locks; allocated by the first file this thread opens
 * (threads that serve no files pay nothing). */
static _Thread_local route__fs_cache_t *route__fs_cache;

static time_t route__fs_cache_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return ts.tv_sec;
}

static route__fs_cache_t *route__fs_cache_get(void)
{
    if (route__fs_cache) return route__fs_cache;
    route__fs_cache_t *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    for (size_t i = 0; i < ROUTE__FS_CACHE_ENTRIES; i++)
        c->sets[i / ROUTE__FS_CACHE_WAYS][i % ROUTE__FS_CACHE_WAYS].fd = -1;
    struct rlimit rl;
    c->fds_max = ROUTE__FS_CACHE_FDS_MAX;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        rl.rlim_cur / ROUTE__FS_CACHE_FDS_SHARE < c->fds_max)
        c->fds_max = (unsigned)(rl.rlim_cur / ROUTE__FS_CACHE_FDS_SHARE);
    route__fs_cache = c;
    return c;
}

static void route__fs_cache_drop(route__fs_cache_t *c, route__fs_cache_entry_t *e)
{
    if (e->fd >= 0) {
        close(e->fd);
        c->fds--;
    }
    free(e->body);
    free(e->path);
    *e = (route__fs_cache_entry_t){ .fd = -1 };
}

/* Keeps e's bytes, read from fd, when the file is small and has not
 * changed for a while (see the top); then e holds no descriptor. A short read (the file shrank since the stat) keeps none. */
static void route__fs_cache_keep_body(route__fs_cache_t *c, route__fs_cache_entry_t *e, int fd)
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
        ssize_t r = pread(fd, b + got, len - got, (off_t)got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += (size_t)r;
    }
    if (got != len) {
        free(b);
        return;
    }
    e->body = b;
    if (e->fd >= 0) {
        close(e->fd);
        c->fds--;
        e->fd = -1;
    }
}

static uint32_t route__fs_cache_hash(const char *path, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)path[i]) * 16777619u;
    return h ^ (h >> 16);   /* FNV-1a's low bits alone mix poorly */
}

static route__fs_cache_entry_t *route__fs_cache_set(route__fs_cache_t *c, uint32_t hash)
{
    return c->sets[hash & (ROUTE__FS_CACHE_SETS - 1)];
}

/* The entry for path in its set, or NULL. */
static route__fs_cache_entry_t *route__fs_cache_find(route__fs_cache_t *c, const char *path, size_t len,
                                                     uint32_t hash)
{
    route__fs_cache_entry_t *set = route__fs_cache_set(c, hash);
    for (size_t i = 0; i < ROUTE__FS_CACHE_WAYS; i++)
        if (set[i].path && set[i].hash == hash && memcmp(set[i].path, path, len + 1) == 0) return &set[i];
    return NULL;
}

/* Drops one other entry if it has been idle too long: a little cleaning
 * per lookup, without a timer. */
static void route__fs_cache_sweep_one(route__fs_cache_t *c, time_t now)
{
    unsigned i = c->sweep++ % ROUTE__FS_CACHE_ENTRIES;
    route__fs_cache_entry_t *e = &c->sets[i / ROUTE__FS_CACHE_WAYS][i % ROUTE__FS_CACHE_WAYS];
    if (e->path && now - e->used > ROUTE__FS_CACHE_IDLE_S) route__fs_cache_drop(c, e);
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
    route__fs_cache_t *c = route__fs_cache_get();
    if (len >= ROUTE__FS_CACHE_PATH || !c) return -1;
    time_t now = route__fs_cache_now();
    c->tick++;
    route__fs_cache_sweep_one(c, now);
    route__fs_cache_entry_t *e = route__fs_cache_find(c, path, len, route__fs_cache_hash(path, len));
    if (!e) return -1;
    struct stat now_st;
    if (fstatat(AT_FDCWD, path, &now_st, AT_SYMLINK_NOFOLLOW) != 0 || !route__fs_same_file(&now_st, &e->st)) {
        route__fs_cache_drop(c, e);
        return -1;
    }
    e->used = now;
    e->tick = c->tick;
    *st = now_st;
    if (!e->body) route__fs_cache_keep_body(c, e, e->fd);
    if (e->body) return ROUTE_FS_IN_CACHE;
    return fcntl(e->fd, F_DUPFD_CLOEXEC, 0);
}

bool route_fs_cache_body(const char *path, const struct stat *st, ifr_str_t *body)
{
    size_t len = strlen(path);
    route__fs_cache_t *c = route__fs_cache;
    if (len >= ROUTE__FS_CACHE_PATH || !c) return false;
    const route__fs_cache_entry_t *e = route__fs_cache_find(c, path, len, route__fs_cache_hash(path, len));
    if (!e || !e->body || !route__fs_same_file(st, &e->st) || st->st_size != e->st.st_size) return false;
    *body = (ifr_str_t){ (const char *)e->body, (size_t)e->st.st_size };
    return true;
}

/* Where path goes in its set: its own entry, an empty one, else the least
 * recently used, unless that one served a file this second (a set of busy
 * files would otherwise cost a copy and a close on every request). NULL
 * when there is no room. */
static route__fs_cache_entry_t *route__fs_cache_victim(route__fs_cache_t *c, const char *path, size_t len,
                                                       uint32_t hash, time_t now)
{
    route__fs_cache_entry_t *own = route__fs_cache_find(c, path, len, hash);
    if (own) return own;
    route__fs_cache_entry_t *set = route__fs_cache_set(c, hash), *lru = NULL;
    for (size_t i = 0; i < ROUTE__FS_CACHE_WAYS; i++) {
        if (!set[i].path) return &set[i];
        if (!lru || (uint32_t)(c->tick - set[i].tick) > (uint32_t)(c->tick - lru->tick)) lru = &set[i];
    }
    return lru->used == now ? NULL : lru;
}

void route_fs_cache_put(const char *path, int fd, const struct stat *st)
{
    size_t len = strlen(path);
    route__fs_cache_t *c = route__fs_cache_get();
    if (len >= ROUTE__FS_CACHE_PATH || !S_ISREG(st->st_mode) || !c) return;
    time_t now = route__fs_cache_now();
    uint32_t hash = route__fs_cache_hash(path, len);
    route__fs_cache_entry_t *e = route__fs_cache_victim(c, path, len, hash, now);
    if (!e) return;
    if (e->path) route__fs_cache_drop(c, e);
    char *copy = malloc(len + 1);
    if (!copy) return;
    memcpy(copy, path, len + 1);
    *e = (route__fs_cache_entry_t){ .path = copy, .fd = -1, .hash = hash, .tick = c->tick, .used = now, .st = *st };
    route__fs_cache_keep_body(c, e, fd);
    if (e->body) return;
    /* No bytes kept: the entry holds a copy of the descriptor (fd stays
     * the caller's), within the thread's share. */
    if (c->fds < c->fds_max) e->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (e->fd < 0) {
        route__fs_cache_drop(c, e);
        return;
    }
    c->fds++;
}

void route_fs_cache_thread_exit(void)
{
    route__fs_cache_t *c = route__fs_cache;
    if (!c) return;
    for (size_t s = 0; s < ROUTE__FS_CACHE_SETS; s++)
        for (size_t w = 0; w < ROUTE__FS_CACHE_WAYS; w++)
            if (c->sets[s][w].path) route__fs_cache_drop(c, &c->sets[s][w]);
    free(c);
    route__fs_cache = NULL;
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
