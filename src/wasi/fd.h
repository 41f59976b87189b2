/* Private: the guest's descriptors. Each open descriptor is an entry with an
 * operations table saying what it can do: stdio streams (stream.c), or
 * files and directories of the POSIX file-system part (fs_file.c,
 * fs_dir.c, resolved by fs_resolve.c). An
 * operation left NULL answers the errno the caller picks for "not this kind
 * of descriptor" (ESPIPE for seek on a stream, ENOTDIR for a path call on a
 * file, ...). */
#ifndef IFRIT_WASI_FD_H
#define IFRIT_WASI_FD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "wasi/wasi.h"

typedef struct iwasi_fd iwasi_fd_t;
typedef struct iwasi_fd_ops iwasi_fd_ops_t;

/* The host side of the ABI's filestat. */
typedef struct {
    uint64_t dev, ino, nlink, size, atim, mtim, ctim;
    uint8_t filetype;
} iwasi_filestat_t;

/* One directory entry for fd_readdir; name is not NUL-terminated. Returns
 * false when the guest's buffer is full (stop reading). */
typedef bool (*iwasi_dirent_cb)(void *ud, uint64_t next_cookie, uint64_t ino, uint8_t type,
                                const char *name, uint32_t namelen);

struct iwasi_fd {
    const iwasi_fd_ops_t *ops;  /* NULL = free slot */
    uint8_t filetype;
    uint16_t flags;             /* fdflags */
    uint64_t rights_base, rights_inheriting;
    int host_fd;                /* files and directories; owned; -1 for streams */
    int stream;                 /* streams: which stdio stream of the context (0..2) */
    char *preopen;              /* guest name of a preopened directory, owned; else NULL */
    void *dir;                  /* directories: the fs part's readdir state, owned */
    uint64_t dir_pos;           /* cookie of the entry the readdir state is at */
};

struct iwasi_fd_ops {
    /* read/write may return IWASI_READ_PENDING (stdin not supplied yet). */
    iwasi_errno_t (*read)(iwasi_ctx_t *ctx, iwasi_fd_t *fd, const struct iovec *iov, size_t n, size_t *done);
    iwasi_errno_t (*write)(iwasi_ctx_t *ctx, iwasi_fd_t *fd, const struct iovec *iov, size_t n, size_t *done);
    iwasi_errno_t (*pread)(iwasi_fd_t *fd, const struct iovec *iov, size_t n, uint64_t off, size_t *done);
    iwasi_errno_t (*pwrite)(iwasi_fd_t *fd, const struct iovec *iov, size_t n, uint64_t off, size_t *done);
    iwasi_errno_t (*seek)(iwasi_fd_t *fd, int64_t off, uint8_t whence, uint64_t *pos);
    iwasi_errno_t (*set_flags)(iwasi_fd_t *fd, uint16_t flags);   /* every kind but directories */
    iwasi_errno_t (*filestat)(iwasi_fd_t *fd, iwasi_filestat_t *st);
    iwasi_errno_t (*set_size)(iwasi_fd_t *fd, uint64_t size);
    iwasi_errno_t (*set_times)(iwasi_fd_t *fd, uint64_t atim, uint64_t mtim, uint16_t fst);
    iwasi_errno_t (*sync)(iwasi_fd_t *fd, bool data_only);
    iwasi_errno_t (*advise)(iwasi_fd_t *fd, uint64_t off, uint64_t len, uint8_t advice);
    iwasi_errno_t (*allocate)(iwasi_fd_t *fd, uint64_t off, uint64_t len);
    iwasi_errno_t (*readdir)(iwasi_fd_t *fd, uint64_t cookie, iwasi_dirent_cb emit, void *ud);
    /* For poll_oneoff: 0 with *wait_fd = -1 if ready now (*nbytes known),
     * 0 with *wait_fd >= 0 to wait on that host descriptor, or
     * IWASI_READ_PENDING (stdin not supplied yet). */
    iwasi_errno_t (*ready)(iwasi_ctx_t *ctx, iwasi_fd_t *fd, bool write, uint64_t *nbytes, int *wait_fd);
    /* Fills dst (already a copy of src) with its own host resources. */
    iwasi_errno_t (*dup)(const iwasi_fd_t *src, iwasi_fd_t *dst);
    void (*close)(iwasi_fd_t *fd);   /* releases host resources, not the slot */

    /* Directories only: paths relative to fd, sandboxed beneath it. */
    iwasi_errno_t (*path_open)(iwasi_fd_t *dir, uint32_t lookup, const char *path, size_t len,
                               uint16_t oflags, uint64_t rights, uint64_t inheriting,
                               uint16_t fdflags, iwasi_fd_t *out);
    iwasi_errno_t (*path_mkdir)(iwasi_fd_t *dir, const char *path, size_t len);
    iwasi_errno_t (*path_rmdir)(iwasi_fd_t *dir, const char *path, size_t len);
    iwasi_errno_t (*path_unlink)(iwasi_fd_t *dir, const char *path, size_t len);
    iwasi_errno_t (*path_rename)(iwasi_fd_t *dir, const char *path, size_t len,
                                 iwasi_fd_t *to_dir, const char *to, size_t to_len);
    iwasi_errno_t (*path_link)(iwasi_fd_t *dir, uint32_t lookup, const char *path, size_t len,
                               iwasi_fd_t *to_dir, const char *to, size_t to_len);
    iwasi_errno_t (*path_symlink)(const char *target, size_t target_len, iwasi_fd_t *dir,
                                  const char *path, size_t len);
    iwasi_errno_t (*path_readlink)(iwasi_fd_t *dir, const char *path, size_t len, char *buf,
                                   size_t cap, size_t *n);
    iwasi_errno_t (*path_stat)(iwasi_fd_t *dir, uint32_t lookup, const char *path, size_t len,
                               iwasi_filestat_t *st);
    iwasi_errno_t (*path_set_times)(iwasi_fd_t *dir, uint32_t lookup, const char *path, size_t len,
                                    uint64_t atim, uint64_t mtim, uint16_t fst);
};

/* The descriptors the context allows at most. */
#define IWASI_FD_MAX 1024

/* The open entry for a guest descriptor, or NULL (IWASI_EBADF). */
iwasi_fd_t *iwasi_fd_get(iwasi_ctx_t *ctx, uint32_t fd);
/* Stores *entry in the lowest free slot and sets *fd. Returns 0, or
 * IWASI_EMFILE / IWASI_ENOMEM; the entry's resources then stay the
 * caller's. */
iwasi_errno_t iwasi_fd_insert(iwasi_ctx_t *ctx, const iwasi_fd_t *entry, uint32_t *fd);
/* Releases the entry's resources and frees the slot. */
void iwasi_fd_close(iwasi_ctx_t *ctx, uint32_t fd);
/* Moves from onto to (closing what to held). Both must be open. */
iwasi_errno_t iwasi_fd_renumber(iwasi_ctx_t *ctx, uint32_t from, uint32_t to);

/* The stream operations of stdio (stream.c). */
extern const iwasi_fd_ops_t iwasi_stream_ops;

/* Rights a stdio stream entry carries. */
#define IWASI_STREAM_RIGHTS (IWASI_RIGHT_FD_READ | IWASI_RIGHT_FD_WRITE | IWASI_RIGHT_FD_FDSTAT_SET_FLAGS | \
                             IWASI_RIGHT_FD_FILESTAT_GET | IWASI_RIGHT_POLL_FD_READWRITE)

#endif
