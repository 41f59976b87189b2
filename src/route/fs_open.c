/* Opening a file system path without following any symlink, in one call
 * where the system can (Linux: openat2 with RESOLVE_NO_SYMLINKS). See fs.h.
 * Elsewhere (wasi-libc) it reports ENOSYS and callers walk the path with
 * route_fs_resolve instead. Regular files opened here are kept open in
 * fs_open_cache.c, so a repeated request costs a stat instead of an open. */
#include "route/fs.h"

#include <errno.h>

#ifdef __linux__
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Set once a call said the kernel (or a seccomp filter) has no openat2, so
 * the failing call is not repeated for every request. */
static _Thread_local bool route__no_openat2;

int route_fs_open_nofollow(const char *path, struct stat *st)
{
    if (route__no_openat2) {
        errno = ENOSYS;
        return -1;
    }
    int fd = route_fs_cache_open(path, st);
    if (fd >= 0 || fd == ROUTE_FS_IN_CACHE) return fd;
    /* O_NONBLOCK: a FIFO must not block the worker in open (it is refused
     * after fstat, like every file that is not regular or a directory). */
    struct open_how how = {
        .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
        .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
    };
    fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
    if (fd < 0) {
        if (errno == ENOSYS || errno == EPERM) {
            route__no_openat2 = true;
            errno = ENOSYS;
        }
        return -1;
    }
    if (fstat(fd, st) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    route_fs_cache_put(path, fd, st);
    return fd;
}

#else

int route_fs_open_nofollow(const char *path, struct stat *st)
{
    (void)path;
    (void)st;
    errno = ENOSYS;
    return -1;
}

#endif
