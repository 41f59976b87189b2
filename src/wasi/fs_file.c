/* Open files: the descriptor operations on a host descriptor, and the
 * conversions from host stat/time values shared with directories. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "wasi/fs.h"

uint8_t iwasi_filetype_from_mode(mode_t mode)
{
    if (S_ISREG(mode)) return IWASI_FILETYPE_REGULAR_FILE;
    if (S_ISDIR(mode)) return IWASI_FILETYPE_DIRECTORY;
    if (S_ISLNK(mode)) return IWASI_FILETYPE_SYMBOLIC_LINK;
    if (S_ISCHR(mode)) return IWASI_FILETYPE_CHARACTER_DEVICE;
    if (S_ISBLK(mode)) return IWASI_FILETYPE_BLOCK_DEVICE;
    if (S_ISSOCK(mode)) return IWASI_FILETYPE_SOCKET_STREAM;
    return IWASI_FILETYPE_UNKNOWN;
}

static uint64_t iwasi__ts_ns(struct timespec ts)
{
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void iwasi_filestat_from_host(const struct stat *st, iwasi_filestat_t *out)
{
    out->dev = (uint64_t)st->st_dev;
    out->ino = (uint64_t)st->st_ino;
    out->filetype = iwasi_filetype_from_mode(st->st_mode);
    out->nlink = (uint64_t)st->st_nlink;
    out->size = (uint64_t)st->st_size;
    out->atim = iwasi__ts_ns(st->st_atim);
    out->mtim = iwasi__ts_ns(st->st_mtim);
    out->ctim = iwasi__ts_ns(st->st_ctim);
}

void iwasi_times_to_host(uint64_t atim, uint64_t mtim, uint16_t fst, struct timespec ts[2])
{
    uint64_t t[2] = { atim, mtim };
    uint16_t set[2] = { IWASI_FSTFLAG_ATIM, IWASI_FSTFLAG_MTIM };
    uint16_t now[2] = { IWASI_FSTFLAG_ATIM_NOW, IWASI_FSTFLAG_MTIM_NOW };
    for (int i = 0; i < 2; i++) {
        ts[i].tv_sec = (time_t)(t[i] / 1000000000u);
        ts[i].tv_nsec = (long)(t[i] % 1000000000u);
        if (fst & now[i]) ts[i].tv_nsec = UTIME_NOW;
        else if (!(fst & set[i])) ts[i].tv_nsec = UTIME_OMIT;
    }
}

static iwasi_errno_t iwasi__result(ssize_t r, size_t *done)
{
    if (r < 0) return iwasi_errno_from_host(errno);
    *done = (size_t)r;
    return 0;
}

static iwasi_errno_t iwasi__file_read(iwasi_ctx_t *ctx, iwasi_fd_t *fd, const struct iovec *iov, size_t n, size_t *done)
{
    (void)ctx;
    return iwasi__result(readv(fd->host_fd, iov, (int)n), done);
}

static iwasi_errno_t iwasi__file_write(iwasi_ctx_t *ctx, iwasi_fd_t *fd, const struct iovec *iov, size_t n, size_t *done)
{
    (void)ctx;
    return iwasi__result(writev(fd->host_fd, iov, (int)n), done);
}

static iwasi_errno_t iwasi__file_pread(iwasi_fd_t *fd, const struct iovec *iov, size_t n, uint64_t off, size_t *done)
{
    return iwasi__result(preadv(fd->host_fd, iov, (int)n, (off_t)off), done);
}

static iwasi_errno_t iwasi__file_pwrite(iwasi_fd_t *fd, const struct iovec *iov, size_t n, uint64_t off, size_t *done)
{
    return iwasi__result(pwritev(fd->host_fd, iov, (int)n, (off_t)off), done);
}

static iwasi_errno_t iwasi__file_seek(iwasi_fd_t *fd, int64_t off, uint8_t whence, uint64_t *pos)
{
    int w = whence == IWASI_WHENCE_SET ? SEEK_SET : whence == IWASI_WHENCE_CUR ? SEEK_CUR : SEEK_END;
    off_t r = lseek(fd->host_fd, (off_t)off, w);
    if (r < 0) return iwasi_errno_from_host(errno);
    *pos = (uint64_t)r;
    return 0;
}

static iwasi_errno_t iwasi__file_set_flags(iwasi_fd_t *fd, uint16_t flags)
{
    /* Only APPEND and NONBLOCK come here (fd_fdstat_set_flags refuses the rest). */
    int fl = fcntl(fd->host_fd, F_GETFL);
    if (fl < 0) return iwasi_errno_from_host(errno);
    fl &= ~(O_APPEND | O_NONBLOCK);
    if (flags & IWASI_FDFLAG_APPEND) fl |= O_APPEND;
    if (flags & IWASI_FDFLAG_NONBLOCK) fl |= O_NONBLOCK;
    if (fcntl(fd->host_fd, F_SETFL, fl) < 0) return iwasi_errno_from_host(errno);
    fd->flags = flags;
    return 0;
}

static iwasi_errno_t iwasi__file_filestat(iwasi_fd_t *fd, iwasi_filestat_t *out)
{
    struct stat st;
    if (fstat(fd->host_fd, &st) < 0) return iwasi_errno_from_host(errno);
    iwasi_filestat_from_host(&st, out);
    return 0;
}

static iwasi_errno_t iwasi__file_set_size(iwasi_fd_t *fd, uint64_t size)
{
    if (size > INT64_MAX) return IWASI_EINVAL;
    return ftruncate(fd->host_fd, (off_t)size) < 0 ? iwasi_errno_from_host(errno) : 0;
}

static iwasi_errno_t iwasi__file_set_times(iwasi_fd_t *fd, uint64_t atim, uint64_t mtim, uint16_t fst)
{
    struct timespec ts[2];
    iwasi_times_to_host(atim, mtim, fst, ts);
    return futimens(fd->host_fd, ts) < 0 ? iwasi_errno_from_host(errno) : 0;
}

static iwasi_errno_t iwasi__file_sync(iwasi_fd_t *fd, bool data_only)
{
    int r = data_only ? fdatasync(fd->host_fd) : fsync(fd->host_fd);
    return r < 0 ? iwasi_errno_from_host(errno) : 0;
}

static iwasi_errno_t iwasi__file_advise(iwasi_fd_t *fd, uint64_t off, uint64_t len, uint8_t advice)
{
    static const int host[] = { POSIX_FADV_NORMAL, POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                                POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE };
    if (off > INT64_MAX || len > INT64_MAX) return IWASI_EINVAL;
    int r = posix_fadvise(fd->host_fd, (off_t)off, (off_t)len, host[advice]);
    return r ? iwasi_errno_from_host(r) : 0;
}

static iwasi_errno_t iwasi__file_allocate(iwasi_fd_t *fd, uint64_t off, uint64_t len)
{
    if (off > INT64_MAX || len > INT64_MAX || len == 0) return IWASI_EINVAL;
    int r = posix_fallocate(fd->host_fd, (off_t)off, (off_t)len);
    return r ? iwasi_errno_from_host(r) : 0;
}

/* Files never block: ready at once; for reading, the bytes left. */
static iwasi_errno_t iwasi__file_ready(iwasi_ctx_t *ctx, iwasi_fd_t *fd, bool write, uint64_t *nbytes, int *wait_fd)
{
    (void)ctx;
    struct stat st;
    *wait_fd = -1;
    *nbytes = 0;
    if (!write && fstat(fd->host_fd, &st) == 0 && S_ISREG(st.st_mode)) {
        off_t pos = lseek(fd->host_fd, 0, SEEK_CUR);
        if (pos >= 0 && st.st_size > pos) *nbytes = (uint64_t)(st.st_size - pos);
    }
    return 0;
}

/* The copy shares the file offset with the original (as dup does). */
static iwasi_errno_t iwasi__file_dup(const iwasi_fd_t *src, iwasi_fd_t *dst)
{
#ifdef F_DUPFD_CLOEXEC
    dst->host_fd = fcntl(src->host_fd, F_DUPFD_CLOEXEC, 0);
    return dst->host_fd < 0 ? iwasi_errno_from_host(errno) : 0;
#else
    (void)src; (void)dst;   /* WASI itself has no dup (the edge build) */
    return IWASI_ENOTSUP;
#endif
}

static void iwasi__file_close(iwasi_fd_t *fd) { close(fd->host_fd); }

const iwasi_fd_ops_t iwasi_file_ops = {
    .read = iwasi__file_read,
    .write = iwasi__file_write,
    .pread = iwasi__file_pread,
    .pwrite = iwasi__file_pwrite,
    .seek = iwasi__file_seek,
    .set_flags = iwasi__file_set_flags,
    .filestat = iwasi__file_filestat,
    .set_size = iwasi__file_set_size,
    .set_times = iwasi__file_set_times,
    .sync = iwasi__file_sync,
    .advise = iwasi__file_advise,
    .allocate = iwasi__file_allocate,
    .ready = iwasi__file_ready,
    .dup = iwasi__file_dup,
    .close = iwasi__file_close,
};
