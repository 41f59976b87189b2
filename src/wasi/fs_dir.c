/* Directories: preopens, fd_readdir, and the path calls, each resolved
 * beneath its directory by iwasi_resolve (fs_resolve.c). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wasi/ctx.h"
#include "wasi/fs.h"

/* A preopen's rights are the ones wasmtime gives (and its tests and
 * guests' libcs expect), plus PATH_FILESTAT_SET_SIZE, which the spec asks
 * of the directory for path_open's TRUNC (wasmtime does not check it): the
 * path calls, readdir and the directory's own stat and times. What it
 * hands down is that and every right of a regular file. */
#define IWASI__PREOPEN_BASE_RIGHTS                                                               \
    (IWASI_RIGHT_PATH_CREATE_DIRECTORY | IWASI_RIGHT_PATH_CREATE_FILE | IWASI_RIGHT_PATH_LINK_SOURCE | \
     IWASI_RIGHT_PATH_LINK_TARGET | IWASI_RIGHT_PATH_OPEN | IWASI_RIGHT_FD_READDIR |                 \
     IWASI_RIGHT_PATH_READLINK | IWASI_RIGHT_PATH_RENAME_SOURCE | IWASI_RIGHT_PATH_RENAME_TARGET |   \
     IWASI_RIGHT_PATH_SYMLINK | IWASI_RIGHT_PATH_REMOVE_DIRECTORY | IWASI_RIGHT_PATH_UNLINK_FILE |   \
     IWASI_RIGHT_PATH_FILESTAT_GET | IWASI_RIGHT_PATH_FILESTAT_SET_TIMES |                          \
     IWASI_RIGHT_PATH_FILESTAT_SET_SIZE | IWASI_RIGHT_FD_FILESTAT_GET | IWASI_RIGHT_FD_FILESTAT_SET_TIMES)
#define IWASI__FILE_RIGHTS                                                                          \
    (IWASI_RIGHT_FD_DATASYNC | IWASI_RIGHT_FD_READ | IWASI_RIGHT_FD_SEEK | IWASI_RIGHT_FD_FDSTAT_SET_FLAGS | \
     IWASI_RIGHT_FD_SYNC | IWASI_RIGHT_FD_TELL | IWASI_RIGHT_FD_WRITE | IWASI_RIGHT_FD_ADVISE |          \
     IWASI_RIGHT_FD_ALLOCATE | IWASI_RIGHT_FD_FILESTAT_GET | IWASI_RIGHT_FD_FILESTAT_SET_SIZE |        \
     IWASI_RIGHT_FD_FILESTAT_SET_TIMES | IWASI_RIGHT_POLL_FD_READWRITE)

static iwasi_errno_t iwasi__host(int r)
{
    return r < 0 ? iwasi_errno_from_host(errno) : 0;
}

iwasi_errno_t iwasi_ctx_preopen(iwasi_ctx_t *ctx, const char *host_dir, const char *guest_path)
{
    int h = open(host_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (h < 0) return iwasi_errno_from_host(errno);
    iwasi_fd_t e = { .ops = &iwasi_dir_ops, .filetype = IWASI_FILETYPE_DIRECTORY, .host_fd = h,
                     .stream = -1, .rights_base = IWASI__PREOPEN_BASE_RIGHTS,
                     .rights_inheriting = IWASI__PREOPEN_BASE_RIGHTS | IWASI__FILE_RIGHTS,
                     .preopen = strdup(guest_path ? guest_path : host_dir) };
    uint32_t fd;
    iwasi_errno_t err = e.preopen ? iwasi_fd_insert(ctx, &e, &fd) : IWASI_ENOMEM;
    if (err) {
        close(h);
        free(e.preopen);
    }
    return err;
}

/* ---- descriptor operations ---------------------------------------------- */

static uint8_t iwasi__dirent_type(int dir, const struct dirent *de)
{
    switch (de->d_type) {
    case DT_REG: return IWASI_FILETYPE_REGULAR_FILE;
    case DT_DIR: return IWASI_FILETYPE_DIRECTORY;
    case DT_LNK: return IWASI_FILETYPE_SYMBOLIC_LINK;
    case DT_CHR: return IWASI_FILETYPE_CHARACTER_DEVICE;
    case DT_BLK: return IWASI_FILETYPE_BLOCK_DEVICE;
    default: break;
    }
    struct stat st;   /* DT_UNKNOWN (some file systems do not say), sockets, fifos */
    if (fstatat(dir, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) return IWASI_FILETYPE_UNKNOWN;
    return iwasi_filetype_from_mode(st.st_mode);
}

/* Cookies are entry positions: entry i has cookie i, its d_next is i+1.
 * The DIR stream is kept between calls and rewound only when the guest
 * goes back; when the guest's buffer fills on an entry, the stream is put
 * back before it, since the guest may ask for that entry again. */
static iwasi_errno_t iwasi__dir_readdir(iwasi_fd_t *fd, uint64_t cookie, iwasi_dirent_cb emit, void *ud)
{
    DIR *d = fd->dir;
    if (!d) {
        int h = openat(fd->host_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (h < 0) return iwasi_errno_from_host(errno);
        if (!(d = fdopendir(h))) {
            close(h);
            return iwasi_errno_from_host(errno);
        }
        fd->dir = d;
        fd->dir_pos = 0;
    }
    if (cookie < fd->dir_pos) {
        rewinddir(d);
        fd->dir_pos = 0;
    }
    for (;;) {
        long before = telldir(d);
        errno = 0;
        struct dirent *de = readdir(d);
        if (!de) return errno ? iwasi_errno_from_host(errno) : 0;
        uint64_t i = fd->dir_pos++;
        if (i < cookie) continue;
        if (!emit(ud, i + 1, (uint64_t)de->d_ino, iwasi__dirent_type(fd->host_fd, de), de->d_name,
                  (uint32_t)strlen(de->d_name))) {
            seekdir(d, before);
            fd->dir_pos = i;
            return 0;
        }
    }
}

static iwasi_errno_t iwasi__dir_filestat(iwasi_fd_t *fd, iwasi_filestat_t *out)
{
    struct stat st;
    if (fstat(fd->host_fd, &st) < 0) return iwasi_errno_from_host(errno);
    iwasi_filestat_from_host(&st, out);
    return 0;
}

static iwasi_errno_t iwasi__dir_set_times(iwasi_fd_t *fd, uint64_t atim, uint64_t mtim, uint16_t fst)
{
    struct timespec ts[2];
    iwasi_times_to_host(atim, mtim, fst, ts);
    return iwasi__host(futimens(fd->host_fd, ts));
}

static iwasi_errno_t iwasi__dir_sync(iwasi_fd_t *fd, bool data_only)
{
    return iwasi__host(data_only ? fdatasync(fd->host_fd) : fsync(fd->host_fd));
}

/* A copy of its own (not dup): a DIR stream's position must not be shared. */
static iwasi_errno_t iwasi__dir_dup(const iwasi_fd_t *src, iwasi_fd_t *dst)
{
    dst->host_fd = openat(src->host_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return dst->host_fd < 0 ? iwasi_errno_from_host(errno) : 0;
}

static void iwasi__dir_close(iwasi_fd_t *fd)
{
    if (fd->dir) closedir(fd->dir);
    close(fd->host_fd);
}

/* ---- path calls ------------------------------------------------------------ */

/* What a guest may open: a regular file or a directory. */
static bool iwasi__plain(mode_t mode) { return S_ISREG(mode) || S_ISDIR(mode); }

/* Special files are refused: opening a FIFO waits for its other end and a
 * device may wait or act on open, which would block the worker thread the
 * guest runs on where no deadline reaches it. Only regular files and
 * directories open; anything else answers ENXIO (what Linux itself says for
 * a socket, or a FIFO without a reader). A name already there is looked at
 * first so that a special file is never opened at all (unless the guest
 * asked O_EXCL or O_DIRECTORY, whose own errors come first); the open
 * itself is O_NONBLOCK and checked again, for a file swapped in meanwhile.
 * A regular file then gets its blocking mode back unless the guest asked
 * for NONBLOCK. Returns the descriptor and its stat, or -1 with *e set. */
static int iwasi__open_plain(int dirfd, const char *name, int flags, bool nonblock, struct stat *st,
                             iwasi_errno_t *e)
{
    if (!(flags & (O_EXCL | O_DIRECTORY)) && fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) == 0 &&
        !iwasi__plain(st->st_mode) && !S_ISLNK(st->st_mode)) {
        *e = IWASI_ENXIO;
        return -1;
    }
    int h = openat(dirfd, name, flags | O_NONBLOCK | O_NOCTTY, 0666);
    if (h < 0) {
        *e = iwasi_errno_from_host(errno);
        return -1;
    }
    *e = 0;
    if (fstat(h, st) < 0) *e = iwasi_errno_from_host(errno);
    else if (!iwasi__plain(st->st_mode)) *e = IWASI_ENXIO;
    else if (S_ISREG(st->st_mode) && !nonblock) {
        int fl = fcntl(h, F_GETFL);
        if (fl < 0 || fcntl(h, F_SETFL, fl & ~O_NONBLOCK) < 0) *e = iwasi_errno_from_host(errno);
    }
    if (*e) {
        close(h);
        return -1;
    }
    return h;
}

static iwasi_errno_t iwasi__dir_open(iwasi_fd_t *dir, uint32_t lookup, const char *path, size_t len,
                                     uint16_t oflags, uint64_t rights, uint64_t inheriting,
                                     uint16_t fdflags, iwasi_fd_t *out)
{
    iwasi_resolved_t r;
    iwasi_errno_t e = iwasi_resolve(dir->host_fd, path, len, lookup & IWASI_LOOKUP_SYMLINK_FOLLOW, &r);
    if (e) return e;
    /* The access mode follows the rights asked for, as wasmtime does. */
    bool rd = rights & (IWASI_RIGHT_FD_READ | IWASI_RIGHT_FD_READDIR);
    bool wr = rights & (IWASI_RIGHT_FD_WRITE | IWASI_RIGHT_FD_DATASYNC | IWASI_RIGHT_FD_ALLOCATE |
                        IWASI_RIGHT_FD_FILESTAT_SET_SIZE);
    /* A directory asked for with the right to write answers EISDIR (the
     * kernel's answer, and wasmtime's); other write-like rights on a
     * directory are harmless and it is opened for reading. */
    if (oflags & IWASI_OFLAG_DIRECTORY) {
        if (rights & IWASI_RIGHT_FD_WRITE) {
            iwasi_resolved_done(&r);
            return IWASI_EISDIR;
        }
        wr = false;
    }
    int flags = O_CLOEXEC | O_NOFOLLOW | (wr ? (rd ? O_RDWR : O_WRONLY) : O_RDONLY);
    if (oflags & IWASI_OFLAG_CREAT) flags |= O_CREAT;
    if (oflags & IWASI_OFLAG_EXCL) flags |= O_EXCL;
    if (oflags & IWASI_OFLAG_TRUNC) flags |= O_TRUNC;
    if ((oflags & IWASI_OFLAG_DIRECTORY) || r.trailing_slash) flags |= O_DIRECTORY;
    if (fdflags & IWASI_FDFLAG_APPEND) flags |= O_APPEND;
    if (fdflags & IWASI_FDFLAG_DSYNC) flags |= O_DSYNC;
    if (fdflags & (IWASI_FDFLAG_SYNC | IWASI_FDFLAG_RSYNC)) flags |= O_SYNC;
    struct stat st;
    int h = iwasi__open_plain(r.dirfd, r.name, flags, fdflags & IWASI_FDFLAG_NONBLOCK, &st, &e);
    iwasi_resolved_done(&r);
    if (h < 0) return e;
    bool is_dir = S_ISDIR(st.st_mode);
    *out = (iwasi_fd_t){ .ops = is_dir ? &iwasi_dir_ops : &iwasi_file_ops,
                         .filetype = iwasi_filetype_from_mode(st.st_mode), .flags = fdflags,
                         .host_fd = h, .stream = -1, .rights_base = rights,
                         .rights_inheriting = inheriting };
    return 0;
}

static iwasi_errno_t iwasi__dir_mkdir(iwasi_fd_t *dir, const char *path, size_t len)
{
    iwasi_resolved_t r;
    iwasi_errno_t e = iwasi_resolve(dir->host_fd, path, len, false, &r);
    if (e) return e;
    e = iwasi__host(mkdirat(r.dirfd, r.name, 0777));
    iwasi_resolved_done(&r);
    return e;
}

static iwasi_errno_t iwasi__dir_rmdir(iwasi_fd_t *dir, const char *path, size_t len)
{
    iwasi_resolved_t r;
    iwasi_errno_t e = iwasi_resolve(dir->host_fd, path, len, false, &r);
    if (e) return e;
    e = iwasi__host(unlinkat(r.dirfd, r.name, AT_REMOVEDIR));
    iwasi_resolved_done(&r);
    return e;
}

static iwasi_errno_t iwasi__dir_unlink(iwasi_fd_t *dir, const char *path, size_t len)
{
    iwasi_resolved_t r;
    iwasi_errno_t e = iwasi_resolve(dir->host_fd, path, len, false, &r);
    if (e) return e;
    struct stat st;
    /* "file/" names a directory that is not there; a directory is not a file. */
    if (fstatat(r.dirfd, r.name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) e = IWASI_EISDIR;
    else if (r.trailing_slash) e = IWASI_ENOTDIR;
    else e = iwasi__host(unlinkat(r.dirfd, r.name, 0));
    iwasi_resolved_done(&r);
    return e;
}

/* Resolves both paths (no following), then runs op on them. */
static iwasi_errno_t iwasi__two_paths(iwasi_fd_t *dir, bool follow, const char *path, size_t len,
                                      iwasi_fd_t *to_dir, const char *to, size_t to_len, bool rename)
{
    iwasi_resolved_t a, b;
    iwasi_errno_t e = iwasi_resolve(dir->host_fd, path, len, follow, &a);
    if (e) return e;
    if ((e = iwasi_resolve(to_dir->host_fd, to, to_len, false, &b))) {
        iwasi_resolved_done(&a);
        return e;
    }
    if (rename) e = iwasi__host(renameat(a.dirfd, a.name, b.dirfd, b.name));
    else if (b.trailing_slash) e = IWASI_ENOENT;   /* a link to a file is not a directory */
    else e = iwasi__host(linkat(a.dirfd, a.name, b.dirfd, b.name, 0));
    iwasi_resolved_done(&a);
    iwasi_resolved_done(&b);
    return e;
}

static iwasi_errno_t iwasi__dir_rename(iwasi_fd_t *dir, const char *path, size_t len, iwasi_fd_t *to_dir,
                                       const char *to, size_t to_len)
{
    return iwasi__two_paths(dir, false, path, len, to_dir, to, to_len, true);
}

static iwasi_errno_t iwasi__dir_link(iwasi_fd_t *dir, uint32_t lookup, const char *path, size_t len,
                                     iwasi_fd_t *to_dir, const char *to, size_t to_len)
{
    return iwasi__two_paths(dir, lookup & IWASI_LOOKUP_SYMLINK_FOLLOW, path, len, to_dir, to, to_len, false);
}

/* An absolute target is refused: it could never be followed inside the
 * sandbox, and host programs following it would leave it. */
static iwasi_errno_t iwasi__dir_symlink(const char *target, size_t target_len, iwasi_fd_t *dir,
                                        const char *path, size_t len)
{
    if (target_len == 0) return IWASI_ENOENT;
    if (target[0] == '/') return IWASI_EPERM;
    char t[4097];
    if (target_len >= sizeof t) return IWASI_ENAMETOOLONG;
    memcpy(t, target, target_len);
    t[target_len] = 0;
    iwasi_resolved_t r;
    iwasi_errno_t e = iwasi_resolve(dir->host_fd, path, len, false, &r);
    if (e) return e;
    e = r.trailing_slash ? IWASI_ENOENT : iwasi__host(symlinkat(t, r.dirfd, r.name));
    iwasi_resolved_done(&r);
    return e;
}

static iwasi_errno_t iwasi__dir_readlink(iwasi_fd_t *dir, const char *path, size_t len, char *buf,
                                         size_t cap, size_t *n)
{
    iwasi_resolved_t r;
    iwasi_errno_t e = iwasi_resolve(dir->host_fd, path, len, false, &r);
    if (e) return e;
    ssize_t k = readlinkat(r.dirfd, r.name, buf, cap);
    e = k < 0 ? iwasi_errno_from_host(errno) : 0;
    *n = k < 0 ? 0 : (size_t)k;
    iwasi_resolved_done(&r);
    return e;
}

static iwasi_errno_t iwasi__dir_stat(iwasi_fd_t *dir, uint32_t lookup, const char *path, size_t len,
                                     iwasi_filestat_t *out)
{
    iwasi_resolved_t r;
    iwasi_errno_t e = iwasi_resolve(dir->host_fd, path, len, lookup & IWASI_LOOKUP_SYMLINK_FOLLOW, &r);
    if (e) return e;
    struct stat st;
    e = iwasi__host(fstatat(r.dirfd, r.name, &st, AT_SYMLINK_NOFOLLOW));
    if (!e && r.trailing_slash && !S_ISDIR(st.st_mode)) e = IWASI_ENOTDIR;
    if (!e) iwasi_filestat_from_host(&st, out);
    iwasi_resolved_done(&r);
    return e;
}

static iwasi_errno_t iwasi__dir_path_set_times(iwasi_fd_t *dir, uint32_t lookup, const char *path, size_t len,
                                               uint64_t atim, uint64_t mtim, uint16_t fst)
{
    iwasi_resolved_t r;
    iwasi_errno_t e = iwasi_resolve(dir->host_fd, path, len, lookup & IWASI_LOOKUP_SYMLINK_FOLLOW, &r);
    if (e) return e;
    struct timespec ts[2];
    iwasi_times_to_host(atim, mtim, fst, ts);
    e = iwasi__host(utimensat(r.dirfd, r.name, ts, AT_SYMLINK_NOFOLLOW));
    iwasi_resolved_done(&r);
    return e;
}

const iwasi_fd_ops_t iwasi_dir_ops = {
    .filestat = iwasi__dir_filestat,
    .set_times = iwasi__dir_set_times,
    .sync = iwasi__dir_sync,
    .readdir = iwasi__dir_readdir,
    .dup = iwasi__dir_dup,
    .close = iwasi__dir_close,
    .path_open = iwasi__dir_open,
    .path_mkdir = iwasi__dir_mkdir,
    .path_rmdir = iwasi__dir_rmdir,
    .path_unlink = iwasi__dir_unlink,
    .path_rename = iwasi__dir_rename,
    .path_link = iwasi__dir_link,
    .path_symlink = iwasi__dir_symlink,
    .path_readlink = iwasi__dir_readlink,
    .path_stat = iwasi__dir_stat,
    .path_set_times = iwasi__dir_path_set_times,
};
