/* Data on descriptors: fd_read, fd_write, fd_pread, fd_pwrite, fd_seek,
 * fd_tell. */
#include "wasi/call.h"

/* The guest's results are checked before any data moves, so a bad result
 * pointer cannot make the guest lose what was read or written. A
 * positioned call needs FD_SEEK besides FD_READ / FD_WRITE (the witx: "If
 * rights::fd_seek is set, includes the right to invoke fd_pread"); a
 * stream answers ESPIPE before its rights are looked at. */
static int iwasi__rw(const iwasi_call_t *c, bool write, bool positioned)
{
    iwasi_fd_t *f;
    struct iovec iov[IWASI_IOV_MAX];
    uint32_t count = iwasi_arg32(c, 2);
    uint32_t result = iwasi_arg32(c, positioned ? 4 : 3);
    iwasi_errno_t e = iwasi_fd_lookup_data(c, iwasi_arg32(c, 0), 0, &f);
    if (e) return e;
    if (positioned && !(write ? f->ops->pwrite : f->ops->pread)) return IWASI_ESPIPE;
    uint64_t need = (write ? IWASI_RIGHT_FD_WRITE : IWASI_RIGHT_FD_READ) | (positioned ? IWASI_RIGHT_FD_SEEK : 0);
    if (!iwasi_fd_has_rights(f, need)) return IWASI_ENOTCAPABLE;
    if (!iwasi_lift_aligned(c->mem, result, 4, 4)) return IWASI_EFAULT;
    if ((e = iwasi_iovs_lift(c->mem, iwasi_arg32(c, 1), count, iov))) return e;
    size_t done = 0;
    if (positioned) {
        uint64_t off = iwasi_arg64(c, 3);
        if (off > INT64_MAX) return IWASI_EINVAL;
        e = write ? f->ops->pwrite(f, iov, count, off, &done) : f->ops->pread(f, iov, count, off, &done);
    } else {
        if (!(write ? f->ops->write : f->ops->read)) return IWASI_EBADF;
        e = write ? f->ops->write(c->ctx, f, iov, count, &done) : f->ops->read(c->ctx, f, iov, count, &done);
    }
    if (e == IWASI_READ_PENDING) return IWASI_CALL_SUSPEND;
    if (e) return e;
    /* A guest asks at most 4 GiB per buffer; a total past u32 is clamped
     * the way a short write would be. */
    return iwasi_store_u32(c->mem, result, done > UINT32_MAX ? UINT32_MAX : (uint32_t)done);
}

int iwasi_call_fd_read(const iwasi_call_t *c) { return iwasi__rw(c, false, false); }
int iwasi_call_fd_write(const iwasi_call_t *c) { return iwasi__rw(c, true, false); }
int iwasi_call_fd_pread(const iwasi_call_t *c) { return iwasi__rw(c, false, true); }
int iwasi_call_fd_pwrite(const iwasi_call_t *c) { return iwasi__rw(c, true, true); }

/* A stream answers ESPIPE, as a pipe does, although it lacks the seek
 * rights too (wasi-libc's isatty wants those rights absent on terminals);
 * a directory EBADF, as wasmtime. */
static iwasi_errno_t iwasi__seekable(const iwasi_call_t *c, uint64_t right, iwasi_fd_t **f)
{
    iwasi_errno_t e = iwasi_fd_lookup_data(c, iwasi_arg32(c, 0), 0, f);
    if (e) return e;
    if (!(*f)->ops->seek) return IWASI_ESPIPE;
    return iwasi_fd_has_rights(*f, right) ? 0 : IWASI_ENOTCAPABLE;
}

int iwasi_call_fd_seek(const iwasi_call_t *c)
{
    iwasi_fd_t *f;
    uint32_t whence = iwasi_arg32(c, 2), result = iwasi_arg32(c, 3);
    int64_t off = (int64_t)iwasi_arg64(c, 1);
    /* Seeking to where one is needs only the tell right. */
    uint64_t right = (off == 0 && whence == IWASI_WHENCE_CUR) ? IWASI_RIGHT_FD_TELL : IWASI_RIGHT_FD_SEEK;
    iwasi_errno_t e = iwasi__seekable(c, right, &f);
    if (e) return e;
    if (whence > IWASI_WHENCE_END) return IWASI_EINVAL;
    if (!iwasi_lift_aligned(c->mem, result, 8, 8)) return IWASI_EFAULT;
    uint64_t pos;
    if ((e = f->ops->seek(f, off, (uint8_t)whence, &pos))) return e;
    return iwasi_store_u64(c->mem, result, pos);
}

int iwasi_call_fd_tell(const iwasi_call_t *c)
{
    iwasi_fd_t *f;
    iwasi_errno_t e = iwasi__seekable(c, IWASI_RIGHT_FD_TELL, &f);
    if (e) return e;
    if (!iwasi_lift_aligned(c->mem, iwasi_arg32(c, 1), 8, 8)) return IWASI_EFAULT;
    uint64_t pos;
    if ((e = f->ops->seek(f, 0, IWASI_WHENCE_CUR, &pos))) return e;
    return iwasi_store_u64(c->mem, iwasi_arg32(c, 1), pos);
}
