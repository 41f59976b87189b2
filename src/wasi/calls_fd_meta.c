/* Descriptors themselves: close, renumber, sync, advise, allocate, fdstat,
 * filestat, prestat, readdir. */
#include "wasi/call.h"

int iwasi_call_fd_close(const iwasi_call_t *c)
{
    uint32_t fd = iwasi_arg32(c, 0);
    if (!iwasi_fd_get(c->ctx, fd)) return IWASI_EBADF;
    iwasi_fd_close(c->ctx, fd);
    return 0;
}

int iwasi_call_fd_renumber(const iwasi_call_t *c)
{
    return iwasi_fd_renumber(c->ctx, iwasi_arg32(c, 0), iwasi_arg32(c, 1));
}

static int iwasi__sync(const iwasi_call_t *c, bool data_only)
{
    iwasi_fd_t *f;
    iwasi_errno_t e = iwasi_fd_lookup(c, iwasi_arg32(c, 0), data_only ? IWASI_RIGHT_FD_DATASYNC : IWASI_RIGHT_FD_SYNC, &f);
    if (e) return e;
    return f->ops->sync ? f->ops->sync(f, data_only) : IWASI_EINVAL;
}

int iwasi_call_fd_sync(const iwasi_call_t *c) { return iwasi__sync(c, false); }
int iwasi_call_fd_datasync(const iwasi_call_t *c) { return iwasi__sync(c, true); }

int iwasi_call_fd_advise(const iwasi_call_t *c)
{
    iwasi_fd_t *f;
    iwasi_errno_t e = iwasi_fd_lookup_data(c, iwasi_arg32(c, 0), IWASI_RIGHT_FD_ADVISE, &f);
    if (e) return e;
    uint32_t advice = iwasi_arg32(c, 3);
    if (advice > IWASI_ADVICE_MAX) return IWASI_EINVAL;
    if (!f->ops->advise) return IWASI_ESPIPE;
    return f->ops->advise(f, iwasi_arg64(c, 1), iwasi_arg64(c, 2), (uint8_t)advice);
}

int iwasi_call_fd_allocate(const iwasi_call_t *c)
{
    iwasi_fd_t *f;
    iwasi_errno_t e = iwasi_fd_lookup_data(c, iwasi_arg32(c, 0), IWASI_RIGHT_FD_ALLOCATE, &f);
    if (e) return e;
    if (!f->ops->allocate) return IWASI_ESPIPE;
    return f->ops->allocate(f, iwasi_arg64(c, 1), iwasi_arg64(c, 2));
}

int iwasi_call_fd_fdstat_get(const iwasi_call_t *c)
{
    iwasi_fd_t *f = iwasi_fd_get(c->ctx, iwasi_arg32(c, 0));
    if (!f) return IWASI_EBADF;
    uint8_t *p = iwasi_lift_aligned(c->mem, iwasi_arg32(c, 1), IWASI_FDSTAT_SIZE, 8);
    if (!p) return IWASI_EFAULT;
    memset(p, 0, IWASI_FDSTAT_SIZE);
    p[0] = f->filetype;
    iwasi_put_u16(p + 2, f->flags);
    iwasi_put_u64(p + 8, f->rights_base);
    iwasi_put_u64(p + 16, f->rights_inheriting);
    return 0;
}

int iwasi_call_fd_fdstat_set_flags(const iwasi_call_t *c)
{
    iwasi_fd_t *f;
    /* A directory has no flags to set: EBADF, as wasmtime (a file call). */
    iwasi_errno_t e = iwasi_fd_lookup_data(c, iwasi_arg32(c, 0), IWASI_RIGHT_FD_FDSTAT_SET_FLAGS, &f);
    if (e) return e;
    uint32_t flags = iwasi_arg32(c, 1);
    /* Bits the witx does not define, and the sync flags, which an open
     * descriptor cannot take on: EINVAL, as wasmtime. */
    if (flags & ~IWASI_FDFLAGS_ALL) return IWASI_EINVAL;
    if (flags & (IWASI_FDFLAG_DSYNC | IWASI_FDFLAG_RSYNC | IWASI_FDFLAG_SYNC)) return IWASI_EINVAL;
    return f->ops->set_flags(f, (uint16_t)flags);   /* files and streams have one */
}

/* Rights can only be dropped, never gained. */
int iwasi_call_fd_fdstat_set_rights(const iwasi_call_t *c)
{
    iwasi_fd_t *f = iwasi_fd_get(c->ctx, iwasi_arg32(c, 0));
    if (!f) return IWASI_EBADF;
    uint64_t base = iwasi_arg64(c, 1), inheriting = iwasi_arg64(c, 2);
    if ((base & ~f->rights_base) || (inheriting & ~f->rights_inheriting)) return IWASI_ENOTCAPABLE;
    f->rights_base = base;
    f->rights_inheriting = inheriting;
    return 0;
}

void iwasi_filestat_put(uint8_t *p, const iwasi_filestat_t *st)
{
    memset(p, 0, IWASI_FILESTAT_SIZE);
    iwasi_put_u64(p + 0, st->dev);
    iwasi_put_u64(p + 8, st->ino);
    p[16] = st->filetype;
    iwasi_put_u64(p + 24, st->nlink);
    iwasi_put_u64(p + 32, st->size);
    iwasi_put_u64(p + 40, st->atim);
    iwasi_put_u64(p + 48, st->mtim);
    iwasi_put_u64(p + 56, st->ctim);
}

int iwasi_call_fd_filestat_get(const iwasi_call_t *c)
{
    iwasi_fd_t *f;
    iwasi_errno_t e = iwasi_fd_lookup(c, iwasi_arg32(c, 0), IWASI_RIGHT_FD_FILESTAT_GET, &f);
    if (e) return e;
    uint8_t *p = iwasi_lift_aligned(c->mem, iwasi_arg32(c, 1), IWASI_FILESTAT_SIZE, 8);
    if (!p) return IWASI_EFAULT;
    iwasi_filestat_t st;
    if (!f->ops->filestat) return IWASI_EBADF;
    if ((e = f->ops->filestat(f, &st))) return e;
    iwasi_filestat_put(p, &st);
    return 0;
}

int iwasi_call_fd_filestat_set_size(const iwasi_call_t *c)
{
    iwasi_fd_t *f;
    iwasi_errno_t e = iwasi_fd_lookup_data(c, iwasi_arg32(c, 0), IWASI_RIGHT_FD_FILESTAT_SET_SIZE, &f);
    if (e) return e;
    return f->ops->set_size ? f->ops->set_size(f, iwasi_arg64(c, 1)) : IWASI_EINVAL;
}

iwasi_errno_t iwasi_fstflags_check(uint32_t fst)
{
    if (fst & ~0xFu) return IWASI_EINVAL;
    if ((fst & IWASI_FSTFLAG_ATIM) && (fst & IWASI_FSTFLAG_ATIM_NOW)) return IWASI_EINVAL;
    if ((fst & IWASI_FSTFLAG_MTIM) && (fst & IWASI_FSTFLAG_MTIM_NOW)) return IWASI_EINVAL;
    return 0;
}

int iwasi_call_fd_filestat_set_times(const iwasi_call_t *c)
{
    iwasi_fd_t *f;
    iwasi_errno_t e = iwasi_fd_lookup(c, iwasi_arg32(c, 0), IWASI_RIGHT_FD_FILESTAT_SET_TIMES, &f);
    if (e) return e;
    uint32_t fst = iwasi_arg32(c, 3);
    if ((e = iwasi_fstflags_check(fst))) return e;
    if (!f->ops->set_times) return IWASI_EBADF;
    return f->ops->set_times(f, iwasi_arg64(c, 1), iwasi_arg64(c, 2), (uint16_t)fst);
}

int iwasi_call_fd_prestat_get(const iwasi_call_t *c)
{
    iwasi_fd_t *f = iwasi_fd_get(c->ctx, iwasi_arg32(c, 0));
    if (!f || !f->preopen) return IWASI_EBADF;
    uint8_t *p = iwasi_lift_aligned(c->mem, iwasi_arg32(c, 1), IWASI_PRESTAT_SIZE, 4);
    if (!p) return IWASI_EFAULT;
    memset(p, 0, IWASI_PRESTAT_SIZE);
    p[0] = IWASI_PREOPEN_DIR;
    iwasi_put_u32(p + 4, (uint32_t)strlen(f->preopen));
    return 0;
}

int iwasi_call_fd_prestat_dir_name(const iwasi_call_t *c)
{
    iwasi_fd_t *f = iwasi_fd_get(c->ctx, iwasi_arg32(c, 0));
    if (!f || !f->preopen) return IWASI_EBADF;
    size_t n = strlen(f->preopen);
    uint32_t cap = iwasi_arg32(c, 2);
    uint8_t *p = iwasi_lift(c->mem, iwasi_arg32(c, 1), cap);
    if (!p && cap) return IWASI_EFAULT;
    if (cap < n) return IWASI_ENAMETOOLONG;
    if (n) memcpy(p, f->preopen, n);   /* p may be NULL when cap is 0 */
    return 0;
}

/* fd_readdir packs dirents (24-byte header, then the name) into the guest
 * buffer; the last one may be cut off, and the guest then asks again from
 * its cookie with a larger buffer. */
typedef struct {
    uint8_t *buf;
    uint32_t cap, used;
} iwasi__dirents_t;

static bool iwasi__emit_dirent(void *ud, uint64_t next, uint64_t ino, uint8_t type, const char *name,
                               uint32_t namelen)
{
    iwasi__dirents_t *d = ud;
    uint8_t head[IWASI_DIRENT_SIZE] = { 0 };
    iwasi_put_u64(head, next);
    iwasi_put_u64(head + 8, ino);
    iwasi_put_u32(head + 16, namelen);
    head[20] = type;
    uint32_t k = d->cap - d->used < IWASI_DIRENT_SIZE ? d->cap - d->used : IWASI_DIRENT_SIZE;
    memcpy(d->buf + d->used, head, k);
    d->used += k;
    k = d->cap - d->used < namelen ? d->cap - d->used : namelen;
    memcpy(d->buf + d->used, name, k);
    d->used += k;
    return d->used < d->cap;
}

int iwasi_call_fd_readdir(const iwasi_call_t *c)
{
    iwasi_fd_t *f;
    iwasi_errno_t e = iwasi_fd_lookup_dir(c, iwasi_arg32(c, 0), IWASI_RIGHT_FD_READDIR, &f);
    if (e) return e;
    uint32_t cap = iwasi_arg32(c, 2), result = iwasi_arg32(c, 4);
    iwasi__dirents_t d = { iwasi_lift(c->mem, iwasi_arg32(c, 1), cap), cap, 0 };
    if ((!d.buf && cap) || !iwasi_lift_aligned(c->mem, result, 4, 4)) return IWASI_EFAULT;
    if (!f->ops->readdir) return IWASI_ENOTDIR;
    if (cap && (e = f->ops->readdir(f, iwasi_arg64(c, 3), iwasi__emit_dirent, &d))) return e;
    return iwasi_store_u32(c->mem, result, d.used);
}
