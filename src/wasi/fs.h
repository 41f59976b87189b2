/* Private: the POSIX file-system part (fs_*.c). Nothing outside these
 * files refers to them except through iwasi_ctx_preopen and the
 * descriptor operations tables, so a build that never preopens a
 * directory leaves all of it out. */
#ifndef IFRIT_WASI_FS_H
#define IFRIT_WASI_FS_H

#include <stdbool.h>
#include <sys/stat.h>

#include "wasi/fd.h"

/* A guest path resolved beneath a directory: the directory that holds its
 * last component, and that component. Every step was opened with
 * O_NOFOLLOW and symlinks were expanded here, so an *at() call on
 * (dirfd, name) with AT_SYMLINK_NOFOLLOW / O_NOFOLLOW stays inside. */
typedef struct {
    int dirfd;
    bool owned;             /* dirfd is ours to close (iwasi_resolved_done) */
    bool trailing_slash;    /* the path ended in '/': it must be a directory */
    char name[256];         /* NAME_MAX + 1; "." for the directory itself */
} iwasi_resolved_t;

/* Resolves path (len bytes, no NUL) beneath root. follow: expand a symlink
 * in the last component too. Returns 0, or IWASI_ENOTCAPABLE (absolute
 * path, "..", or a symlink leading outside root), IWASI_ELOOP, or the
 * errno of a failed step. */
iwasi_errno_t iwasi_resolve(int root, const char *path, size_t len, bool follow, iwasi_resolved_t *out);
void iwasi_resolved_done(iwasi_resolved_t *r);

/* struct stat -> the ABI's filestat. */
void iwasi_filestat_from_host(const struct stat *st, iwasi_filestat_t *out);
/* The WASI filetype of a host mode. */
uint8_t iwasi_filetype_from_mode(mode_t mode);
/* The timespec pair futimens/utimensat want for fstflags. */
void iwasi_times_to_host(uint64_t atim, uint64_t mtim, uint16_t fst, struct timespec ts[2]);

/* Operations of open regular files (and other non-directories) and of
 * directories. */
extern const iwasi_fd_ops_t iwasi_file_ops;
extern const iwasi_fd_ops_t iwasi_dir_ops;

#endif
