/* Private: the WASI host functions, declared once in a table with their
 * core-wasm signatures (iw_sig_t). Each implementation reads its raw
 * arguments, touches guest memory only through the checked lift of mem.h,
 * and returns the errno the guest receives, or asks to suspend or exit.
 * Implementations never call the engine, so unit tests drive them over a
 * plain buffer (iwasi_hostcall_run); link.c binds them to the engine. */
#ifndef IFRIT_WASI_CALL_H
#define IFRIT_WASI_CALL_H

#include <stddef.h>
#include <stdint.h>

#include "wasi/ctx.h"
#include "wasi/mem.h"

typedef struct {
    iwasi_ctx_t *ctx;
    const iwasi_mem_t *mem;
    const uint64_t *args;   /* raw slots in signature order */
} iwasi_call_t;

/* Besides an errno (0..76), an implementation may return: */
#define IWASI_CALL_SUSPEND (-1)   /* stdin or the environment not supplied yet, or a wait (ctx->wait.timed): suspend, redo on resume */
#define IWASI_CALL_EXIT (-2)      /* proc_exit: ctx->exit_code holds the code */

static inline uint32_t iwasi_arg32(const iwasi_call_t *c, int i) { return (uint32_t)c->args[i]; }
static inline uint64_t iwasi_arg64(const iwasi_call_t *c, int i) { return c->args[i]; }

/* name, signature (params ':' results; i = i32, I = i64). */
#define IWASI_HOSTCALLS(X)                                                     \
    X(args_get, "ii:i") X(args_sizes_get, "ii:i")                              \
    X(environ_get, "ii:i") X(environ_sizes_get, "ii:i")                        \
    X(clock_res_get, "ii:i") X(clock_time_get, "iIi:i")                        \
    X(fd_advise, "iIIi:i") X(fd_allocate, "iII:i") X(fd_close, "i:i")          \
    X(fd_datasync, "i:i") X(fd_fdstat_get, "ii:i") X(fd_fdstat_set_flags, "ii:i") \
    X(fd_fdstat_set_rights, "iII:i") X(fd_filestat_get, "ii:i")                \
    X(fd_filestat_set_size, "iI:i") X(fd_filestat_set_times, "iIIi:i")         \
    X(fd_pread, "iiiIi:i") X(fd_prestat_get, "ii:i") X(fd_prestat_dir_name, "iii:i") \
    X(fd_pwrite, "iiiIi:i") X(fd_read, "iiii:i") X(fd_readdir, "iiiIi:i")      \
    X(fd_renumber, "ii:i") X(fd_seek, "iIii:i") X(fd_sync, "i:i")              \
    X(fd_tell, "ii:i") X(fd_write, "iiii:i")                                   \
    X(path_create_directory, "iii:i") X(path_filestat_get, "iiiii:i")          \
    X(path_filestat_set_times, "iiiiIIi:i") X(path_link, "iiiiiii:i")          \
    X(path_open, "iiiiiIIii:i") X(path_readlink, "iiiiii:i")                   \
    X(path_remove_directory, "iii:i") X(path_rename, "iiiiii:i")               \
    X(path_symlink, "iiiii:i") X(path_unlink_file, "iii:i")                    \
    X(poll_oneoff, "iiii:i") X(proc_exit, "i:") X(proc_raise, "i:i")           \
    X(sched_yield, ":i") X(random_get, "ii:i")                                 \
    X(sock_accept, "iii:i") X(sock_recv, "iiiiii:i") X(sock_send, "iiiii:i")   \
    X(sock_shutdown, "ii:i")

#define IWASI__DECLARE(name, sig) int iwasi_call_##name(const iwasi_call_t *c);
IWASI_HOSTCALLS(IWASI__DECLARE)
#undef IWASI__DECLARE

typedef int (*iwasi_impl_t)(const iwasi_call_t *c);

typedef struct iwasi_hostcall {
    const char *name;
    iw_sig_t sig;
    iwasi_impl_t impl;
} iwasi_hostcall_t;

extern const iwasi_hostcall_t iwasi_hostcalls[];
extern const size_t iwasi_hostcall_count;

/* The row named name, or NULL. */
const iwasi_hostcall_t *iwasi_hostcall_find(const char *name);

/* Runs one host call for ctx over mem. Returns the errno for the guest
 * (>= 0) or IWASI_CALL_SUSPEND (ctx->pending is then h) or IWASI_CALL_EXIT.
 * A NULL ctx answers IWASI_EBADF. */
int iwasi_hostcall_run(const iwasi_hostcall_t *h, iwasi_ctx_t *ctx, const iwasi_mem_t *mem,
                       const uint64_t *args);

/* Whether f has every right in rights, FD_SEEK counting as FD_TELL too
 * (the witx: "This flag implies rights::fd_tell"). */
bool iwasi_fd_has_rights(const iwasi_fd_t *f, uint64_t rights);
/* The open descriptor fd if it has every right in rights: 0, or
 * IWASI_EBADF / IWASI_ENOTCAPABLE. */
iwasi_errno_t iwasi_fd_lookup(const iwasi_call_t *c, uint32_t fd, uint64_t rights, iwasi_fd_t **out);
/* The same for calls on a file's data (read, write, seek, tell, size,
 * allocate, advise): a directory answers IWASI_EBADF before its rights are
 * looked at, as wasmtime does (the spec is silent). */
iwasi_errno_t iwasi_fd_lookup_data(const iwasi_call_t *c, uint32_t fd, uint64_t rights, iwasi_fd_t **out);
/* The same for calls needing a directory (path_*, fd_readdir): a file
 * answers IWASI_ENOTDIR and a stdio stream IWASI_EBADF, both before the
 * rights, as wasmtime does. */
iwasi_errno_t iwasi_fd_lookup_dir(const iwasi_call_t *c, uint32_t fd, uint64_t rights, iwasi_fd_t **out);

/* Writes st as the ABI's 64-byte filestat at p. */
void iwasi_filestat_put(uint8_t *p, const iwasi_filestat_t *st);
/* 0 if fst is a valid fstflags value, else IWASI_EINVAL. */
iwasi_errno_t iwasi_fstflags_check(uint32_t fst);

#endif
