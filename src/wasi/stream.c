/* stdio streams: what fds 0, 1 and 2 read from and write to. A stream is a
 * host descriptor, nothing, borrowed bytes, a callback, or collected output;
 * stdin may also be "pending" (the guest suspends until input arrives). */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi/ctx.h"
#include "wasi/mem.h"

static iwasi_stream_t *iwasi__stream_of(iwasi_ctx_t *ctx, const iwasi_fd_t *fd)
{
    return &ctx->stdio[fd->stream];
}

/* Copies from the borrowed bytes into the iovecs. */
static size_t iwasi__read_bytes(iwasi_stream_t *s, const struct iovec *iov, size_t n)
{
    size_t done = 0;
    for (size_t i = 0; i < n && s->pos < s->len; i++) {
        size_t k = s->len - s->pos;
        if (k > iov[i].iov_len) k = iov[i].iov_len;
        if (k == 0) continue;   /* an empty iovec may have no address */
        memcpy(iov[i].iov_base, s->bytes + s->pos, k);
        s->pos += k;
        done += k;
    }
    return done;
}

/* Fills the iovecs from the callback, one buffer after another, stopping
 * at a short read so the guest never waits for more than it could get. */
static iwasi_errno_t iwasi__read_cb(iwasi_stream_t *s, const struct iovec *iov, size_t n, size_t *done)
{
    *done = 0;
    for (size_t i = 0; i < n; i++) {
        if (iov[i].iov_len == 0) continue;
        size_t got = 0;
        iwasi_errno_t e = s->read_cb(s->ud, iov[i].iov_base, iov[i].iov_len, &got);
        /* Bytes already delivered win over a later error or pending state. */
        if (e) return *done ? 0 : e;
        if (got > iov[i].iov_len) got = iov[i].iov_len;
        *done += got;
        if (got < iov[i].iov_len) break;
    }
    return 0;
}

static iwasi_errno_t iwasi__stream_read(iwasi_ctx_t *ctx, iwasi_fd_t *fd, const struct iovec *iov,
                                        size_t n, size_t *done)
{
    iwasi_stream_t *s = iwasi__stream_of(ctx, fd);
    *done = 0;
    switch (s->kind) {
    case IWASI_STREAM_HOST_FD: {
        ssize_t r;
        do r = readv(s->host_fd, iov, (int)n); while (r < 0 && errno == EINTR);
        if (r < 0) return iwasi_errno_from_host(errno);
        *done = (size_t)r;
        return 0;
    }
    case IWASI_STREAM_NULL: return 0;
    case IWASI_STREAM_BYTES: *done = iwasi__read_bytes(s, iov, n); return 0;
    case IWASI_STREAM_READ_CB: return iwasi__read_cb(s, iov, n, done);
    case IWASI_STREAM_PENDING: return IWASI_READ_PENDING;
    case IWASI_STREAM_BUFFER:
    case IWASI_STREAM_WRITE_CB: return IWASI_EBADF;   /* an output stream */
    }
    return IWASI_EBADF;
}

static iwasi_errno_t iwasi__stream_write(iwasi_ctx_t *ctx, iwasi_fd_t *fd, const struct iovec *iov,
                                         size_t n, size_t *done)
{
    iwasi_stream_t *s = iwasi__stream_of(ctx, fd);
    *done = 0;
    switch (s->kind) {
    case IWASI_STREAM_HOST_FD: {
        ssize_t r;
        do r = writev(s->host_fd, iov, (int)n); while (r < 0 && errno == EINTR);
        if (r < 0) return iwasi_errno_from_host(errno);
        *done = (size_t)r;
        return 0;
    }
    case IWASI_STREAM_NULL: *done = iwasi_iovs_total(iov, n); return 0;
    case IWASI_STREAM_BUFFER: {
        /* All or nothing, so the output never ends in a torn write. */
        size_t total = iwasi_iovs_total(iov, n);
        if (ifr_buf_reserve(&s->out, total) < 0) return IWASI_ENOSPC;
        for (size_t i = 0; i < n; i++) ifr_buf_append(&s->out, iov[i].iov_base, iov[i].iov_len);
        *done = total;
        return 0;
    }
    case IWASI_STREAM_WRITE_CB:
        for (size_t i = 0; i < n; i++) {
            if (iov[i].iov_len == 0) continue;
            iwasi_errno_t e = s->write_cb(s->ud, iov[i].iov_base, iov[i].iov_len);
            if (e) return *done ? 0 : e;
            *done += iov[i].iov_len;
        }
        return 0;
    case IWASI_STREAM_BYTES:
    case IWASI_STREAM_READ_CB:
    case IWASI_STREAM_PENDING: return IWASI_EBADF;   /* an input stream */
    }
    return IWASI_EBADF;
}

static iwasi_errno_t iwasi__stream_filestat(iwasi_fd_t *fd, iwasi_filestat_t *st)
{
    memset(st, 0, sizeof *st);
    st->filetype = fd->filetype;
    return 0;
}

static iwasi_errno_t iwasi__stream_set_flags(iwasi_fd_t *fd, uint16_t flags)
{
    /* Streams are always appended to and never block the guest's view:
     * APPEND and NONBLOCK (the only ones fd_fdstat_set_flags lets through)
     * are only remembered. */
    fd->flags = flags;
    return 0;
}

static iwasi_errno_t iwasi__stream_ready(iwasi_ctx_t *ctx, iwasi_fd_t *fd, bool write,
                                         uint64_t *nbytes, int *wait_fd)
{
    iwasi_stream_t *s = iwasi__stream_of(ctx, fd);
    *nbytes = 0;
    *wait_fd = -1;
    switch (s->kind) {
    case IWASI_STREAM_HOST_FD: *wait_fd = s->host_fd; return 0;
    case IWASI_STREAM_PENDING: return write ? IWASI_EBADF : IWASI_READ_PENDING;
    case IWASI_STREAM_BYTES: *nbytes = s->len - s->pos; return write ? IWASI_EBADF : 0;
    case IWASI_STREAM_READ_CB: return write ? IWASI_EBADF : 0;
    case IWASI_STREAM_BUFFER:
    case IWASI_STREAM_WRITE_CB: return write ? 0 : IWASI_EBADF;
    case IWASI_STREAM_NULL: return 0;
    }
    return IWASI_EBADF;
}

static iwasi_errno_t iwasi__stream_dup(const iwasi_fd_t *src, iwasi_fd_t *dst)
{
    (void)src; (void)dst;   /* the stream itself belongs to the context */
    return 0;
}

static void iwasi__stream_close(iwasi_fd_t *fd) { (void)fd; }

const iwasi_fd_ops_t iwasi_stream_ops = {
    .read = iwasi__stream_read,
    .write = iwasi__stream_write,
    .set_flags = iwasi__stream_set_flags,
    .filestat = iwasi__stream_filestat,
    .ready = iwasi__stream_ready,
    .dup = iwasi__stream_dup,
    .close = iwasi__stream_close,
};

/* What a guest sees as the type of a stream: a host descriptor's own type;
 * anything else looks like a pipe (UNKNOWN), so wasi-libc buffers stdout
 * fully instead of per line. */
static uint8_t iwasi__stream_filetype(const iwasi_stream_t *s)
{
    struct stat st;
    if (s->kind != IWASI_STREAM_HOST_FD || fstat(s->host_fd, &st) < 0) return IWASI_FILETYPE_UNKNOWN;
    if (S_ISCHR(st.st_mode)) return IWASI_FILETYPE_CHARACTER_DEVICE;
    if (S_ISREG(st.st_mode)) return IWASI_FILETYPE_REGULAR_FILE;
    if (S_ISDIR(st.st_mode)) return IWASI_FILETYPE_DIRECTORY;
    if (S_ISBLK(st.st_mode)) return IWASI_FILETYPE_BLOCK_DEVICE;
    return IWASI_FILETYPE_UNKNOWN;
}

void iwasi_stream_set(iwasi_ctx_t *ctx, int which, const iwasi_stream_t *s)
{
    iwasi_stream_t *dst = &ctx->stdio[which];
    ifr_buf_t keep = dst->out;
    *dst = *s;
    dst->out = keep;
    ifr_buf_clear(&dst->out);
    dst->out.limit = s->out.limit;
    uint8_t type = iwasi__stream_filetype(dst);
    for (uint32_t i = 0; i < ctx->nfds; i++)
        if (ctx->fds[i].ops == &iwasi_stream_ops && ctx->fds[i].stream == which) ctx->fds[i].filetype = type;
}
