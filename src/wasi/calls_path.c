/* path_*: lift the guest's path strings and hand them to the directory's
 * operations, which resolve them beneath that directory (fs_dir.c,
 * fs_resolve.c). */
#include "wasi/call.h"

/* The longest path a guest may pass (as Linux's PATH_MAX). */
#define IWASI__PATH_MAX 4096

/* Path calls on a descriptor that is not a directory answer ENOTDIR
 * (its operations table has no path_* members). */

/* Looks up a directory descriptor and lifts the path (ptr at args[p],
 * length at args[p+1]). */
static iwasi_errno_t iwasi__dir_path(const iwasi_call_t *c, int fd_arg, uint64_t rights, int p,
                                     iwasi_fd_t **dir, const char **path, size_t *len)
{
    iwasi_errno_t e = iwasi_fd_lookup_dir(c, iwasi_arg32(c, fd_arg), rights, dir);
    if (e) return e;
    *len = iwasi_arg32(c, p + 1);
    if (*len > IWASI__PATH_MAX) return IWASI_ENAMETOOLONG;
    *path = (const char *)iwasi_lift(c->mem, iwasi_arg32(c, p), *len);
    if (!*path) return *len ? IWASI_EFAULT : IWASI_ENOENT;
    if (memchr(*path, 0, *len)) return IWASI_EILSEQ;   /* a NUL cannot be in a host path */
    return 0;
}

int iwasi_call_path_open(const iwasi_call_t *c)
{
    iwasi_fd_t *dir;
    const char *path;
    size_t len;
    iwasi_errno_t e = iwasi__dir_path(c, 0, IWASI_RIGHT_PATH_OPEN, 2, &dir, &path, &len);
    if (e) return e;
    uint32_t lookup = iwasi_arg32(c, 1), oflags = iwasi_arg32(c, 4), fdflags = iwasi_arg32(c, 7);
    uint64_t rights = iwasi_arg64(c, 5), inheriting = iwasi_arg64(c, 6);
    uint32_t result = iwasi_arg32(c, 8);
    if ((oflags & ~IWASI_OFLAGS_ALL) || (fdflags & ~IWASI_FDFLAGS_ALL) || (lookup & ~IWASI_LOOKUP_SYMLINK_FOLLOW))
        return IWASI_EINVAL;
    /* A directory is never created or truncated by path_open: EINVAL, as
     * wasmtime (the kernel would say EISDIR for some of these). */
    if ((oflags & IWASI_OFLAG_DIRECTORY) && (oflags & (IWASI_OFLAG_CREAT | IWASI_OFLAG_EXCL | IWASI_OFLAG_TRUNC)))
        return IWASI_EINVAL;
    /* CREAT and TRUNC need their rights on the directory (the witx's
     * path_create_file and path_filestat_set_size). */
    if ((oflags & IWASI_OFLAG_CREAT) && !(dir->rights_base & IWASI_RIGHT_PATH_CREATE_FILE)) return IWASI_ENOTCAPABLE;
    if ((oflags & IWASI_OFLAG_TRUNC) && !(dir->rights_base & IWASI_RIGHT_PATH_FILESTAT_SET_SIZE)) return IWASI_ENOTCAPABLE;
    if (!iwasi_lift_aligned(c->mem, result, 4, 4)) return IWASI_EFAULT;
    if (!dir->ops->path_open) return IWASI_ENOTDIR;
    /* A new descriptor gets at most what its directory lets it inherit. */
    rights &= dir->rights_inheriting;
    inheriting &= dir->rights_inheriting;
    iwasi_fd_t entry;
    if ((e = dir->ops->path_open(dir, lookup, path, len, (uint16_t)oflags, rights, inheriting,
                                 (uint16_t)fdflags, &entry)))
        return e;
    uint32_t fd;
    if ((e = iwasi_fd_insert(c->ctx, &entry, &fd))) {
        entry.ops->close(&entry);
        return e;
    }
    return iwasi_store_u32(c->mem, result, fd);
}

int iwasi_call_path_create_directory(const iwasi_call_t *c)
{
    iwasi_fd_t *dir;
    const char *path;
    size_t len;
    iwasi_errno_t e = iwasi__dir_path(c, 0, IWASI_RIGHT_PATH_CREATE_DIRECTORY, 1, &dir, &path, &len);
    if (e) return e;
    if (!dir->ops->path_mkdir) return IWASI_ENOTDIR;
    return dir->ops->path_mkdir(dir, path, len);
}

int iwasi_call_path_remove_directory(const iwasi_call_t *c)
{
    iwasi_fd_t *dir;
    const char *path;
    size_t len;
    iwasi_errno_t e = iwasi__dir_path(c, 0, IWASI_RIGHT_PATH_REMOVE_DIRECTORY, 1, &dir, &path, &len);
    if (e) return e;
    if (!dir->ops->path_rmdir) return IWASI_ENOTDIR;
    return dir->ops->path_rmdir(dir, path, len);
}

int iwasi_call_path_unlink_file(const iwasi_call_t *c)
{
    iwasi_fd_t *dir;
    const char *path;
    size_t len;
    iwasi_errno_t e = iwasi__dir_path(c, 0, IWASI_RIGHT_PATH_UNLINK_FILE, 1, &dir, &path, &len);
    if (e) return e;
    if (!dir->ops->path_unlink) return IWASI_ENOTDIR;
    return dir->ops->path_unlink(dir, path, len);
}

int iwasi_call_path_rename(const iwasi_call_t *c)
{
    iwasi_fd_t *dir, *to_dir;
    const char *path, *to;
    size_t len, to_len;
    iwasi_errno_t e = iwasi__dir_path(c, 0, IWASI_RIGHT_PATH_RENAME_SOURCE, 1, &dir, &path, &len);
    if (e || (e = iwasi__dir_path(c, 3, IWASI_RIGHT_PATH_RENAME_TARGET, 4, &to_dir, &to, &to_len))) return e;
    if (!dir->ops->path_rename) return IWASI_ENOTDIR;
    if (!to_dir->ops->path_rename) return IWASI_ENOTDIR;
    return dir->ops->path_rename(dir, path, len, to_dir, to, to_len);
}

int iwasi_call_path_link(const iwasi_call_t *c)
{
    iwasi_fd_t *dir, *to_dir;
    const char *path, *to;
    size_t len, to_len;
    iwasi_errno_t e = iwasi__dir_path(c, 0, IWASI_RIGHT_PATH_LINK_SOURCE, 2, &dir, &path, &len);
    if (e || (e = iwasi__dir_path(c, 4, IWASI_RIGHT_PATH_LINK_TARGET, 5, &to_dir, &to, &to_len))) return e;
    if (iwasi_arg32(c, 1) & ~IWASI_LOOKUP_SYMLINK_FOLLOW) return IWASI_EINVAL;
    if (!dir->ops->path_link) return IWASI_ENOTDIR;
    if (!to_dir->ops->path_link) return IWASI_ENOTDIR;
    return dir->ops->path_link(dir, iwasi_arg32(c, 1), path, len, to_dir, to, to_len);
}

int iwasi_call_path_symlink(const iwasi_call_t *c)
{
    iwasi_fd_t *dir;
    const char *path;
    size_t len;
    size_t target_len = iwasi_arg32(c, 1);
    if (target_len > IWASI__PATH_MAX) return IWASI_ENAMETOOLONG;
    const char *target = (const char *)iwasi_lift(c->mem, iwasi_arg32(c, 0), target_len);
    if (!target) return IWASI_EFAULT;
    if (memchr(target, 0, target_len)) return IWASI_EILSEQ;
    iwasi_errno_t e = iwasi__dir_path(c, 2, IWASI_RIGHT_PATH_SYMLINK, 3, &dir, &path, &len);
    if (e) return e;
    if (!dir->ops->path_symlink) return IWASI_ENOTDIR;
    return dir->ops->path_symlink(target, target_len, dir, path, len);
}

int iwasi_call_path_readlink(const iwasi_call_t *c)
{
    iwasi_fd_t *dir;
    const char *path;
    size_t len;
    iwasi_errno_t e = iwasi__dir_path(c, 0, IWASI_RIGHT_PATH_READLINK, 1, &dir, &path, &len);
    if (e) return e;
    uint32_t cap = iwasi_arg32(c, 4), result = iwasi_arg32(c, 5);
    char *buf = (char *)iwasi_lift(c->mem, iwasi_arg32(c, 3), cap);
    if ((!buf && cap) || !iwasi_lift_aligned(c->mem, result, 4, 4)) return IWASI_EFAULT;
    if (!dir->ops->path_readlink) return IWASI_ENOTDIR;
    size_t n = 0;
    if ((e = dir->ops->path_readlink(dir, path, len, buf, cap, &n))) return e;
    return iwasi_store_u32(c->mem, result, (uint32_t)n);
}

int iwasi_call_path_filestat_get(const iwasi_call_t *c)
{
    iwasi_fd_t *dir;
    const char *path;
    size_t len;
    iwasi_errno_t e = iwasi__dir_path(c, 0, IWASI_RIGHT_PATH_FILESTAT_GET, 2, &dir, &path, &len);
    if (e) return e;
    if (iwasi_arg32(c, 1) & ~IWASI_LOOKUP_SYMLINK_FOLLOW) return IWASI_EINVAL;
    uint8_t *p = iwasi_lift_aligned(c->mem, iwasi_arg32(c, 4), IWASI_FILESTAT_SIZE, 8);
    if (!p) return IWASI_EFAULT;
    if (!dir->ops->path_stat) return IWASI_ENOTDIR;
    iwasi_filestat_t st;
    if ((e = dir->ops->path_stat(dir, iwasi_arg32(c, 1), path, len, &st))) return e;
    iwasi_filestat_put(p, &st);
    return 0;
}

int iwasi_call_path_filestat_set_times(const iwasi_call_t *c)
{
    iwasi_fd_t *dir;
    const char *path;
    size_t len;
    iwasi_errno_t e = iwasi__dir_path(c, 0, IWASI_RIGHT_PATH_FILESTAT_SET_TIMES, 2, &dir, &path, &len);
    if (e) return e;
    uint32_t fst = iwasi_arg32(c, 6);
    if (iwasi_arg32(c, 1) & ~IWASI_LOOKUP_SYMLINK_FOLLOW) return IWASI_EINVAL;
    if ((e = iwasi_fstflags_check(fst))) return e;
    if (!dir->ops->path_set_times) return IWASI_ENOTDIR;
    return dir->ops->path_set_times(dir, iwasi_arg32(c, 1), path, len, iwasi_arg64(c, 4),
                                    iwasi_arg64(c, 5), (uint16_t)fst);
}
