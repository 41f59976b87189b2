/* WASI preview1 ("wasi_snapshot_preview1") for ifrit's engine.
 *
 *   iwasi_ctx_t *ctx = iwasi_ctx_new();
 *   iwasi_ctx_add_arg(ctx, "prog.wasm");
 *   iwasi_ctx_output_buffer(ctx, 1, 16 << 20);       // collect stdout
 *   iwasi_link(linker);                              // once per linker
 *   inst = iw_instance_new(module, linker, ...);
 *   iw_instance_set_user_data(inst, ctx);            // host calls find ctx here
 *   status = iw_call(inst, iw_instance_func(inst, "_start"), ...);
 *
 * One context per instance. The context owns its copies of args and env,
 * its fd table and the host descriptors it opened; it never owns the host
 * descriptors, buffers or callbacks it is given for stdio. Free it after the
 * instance (iwasi_ctx_free), or reuse it for nothing else.
 *
 * Files exist only under preopened directories (none by default); guest
 * paths can never reach outside them. The file-system part lives in
 * fs_file.c, fs_dir.c and fs_resolve.c behind the descriptor operations
 * table (fd.h): a build that
 * never calls iwasi_ctx_preopen links without it. See docs/wasi.md. */
#ifndef IFRIT_WASI_WASI_H
#define IFRIT_WASI_WASI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasi/abi.h"
#include "wasm/wasm.h"

typedef struct iwasi_ctx iwasi_ctx_t;

/* Receives bytes the guest writes to stdout/stderr, as it writes them.
 * Returns 0 or a WASI errno (e.g. IWASI_EPIPE when the reader is gone),
 * which the guest's fd_write returns. */
typedef iwasi_errno_t (*iwasi_write_cb)(void *ud, const void *data, size_t len);
/* Supplies stdin bytes: fills at most cap bytes, sets *nread (0 = end of
 * input) and returns 0, or returns a WASI errno, or IWASI_READ_PENDING to
 * say "no input yet": the guest's fd_read then suspends (IW_SUSPENDED)
 * until the host calls iwasi_resume. */
typedef iwasi_errno_t (*iwasi_read_cb)(void *ud, void *buf, size_t cap, size_t *nread);
#define IWASI_READ_PENDING ((iwasi_errno_t)0xFFFF)

/* NULL on out-of-memory. stdin, stdout and stderr start as the host's
 * descriptors 0, 1, 2. */
iwasi_ctx_t *iwasi_ctx_new(void);
void iwasi_ctx_free(iwasi_ctx_t *ctx);

/* Copies the string. -1 on out-of-memory. Arguments are argv[0..]. */
int iwasi_ctx_add_arg(iwasi_ctx_t *ctx, const char *arg);
/* "KEY=VALUE", copied. -1 on out-of-memory or without '='. */
int iwasi_ctx_add_env(iwasi_ctx_t *ctx, const char *key_value);

/* ---- stdio: which is 0 (stdin), 1 (stdout) or 2 (stderr) ---------------- */

/* A host descriptor, not owned: the guest reads or writes it directly. */
void iwasi_ctx_stdio_host_fd(iwasi_ctx_t *ctx, int which, int host_fd);
/* Reads give end-of-input; writes are accepted and dropped. */
void iwasi_ctx_stdio_null(iwasi_ctx_t *ctx, int which);
/* stdin reads these bytes, then end-of-input. Borrowed: they must stay
 * valid and unchanged while the instance may run. */
void iwasi_ctx_stdin_bytes(iwasi_ctx_t *ctx, const void *data, size_t len);
void iwasi_ctx_stdin_callback(iwasi_ctx_t *ctx, iwasi_read_cb cb, void *ud);
/* Suspend-on-stdin: the guest's first read of stdin (fd_read, or a
 * poll_oneoff on it) suspends the call until one of the stdin setters above
 * supplies input and the host calls iwasi_resume. The functions runtime
 * snapshots the instance at that point. */
void iwasi_ctx_stdin_pending(iwasi_ctx_t *ctx);
/* Suspend-on-environment (on = true): the guest's first environ_sizes_get
 * or environ_get suspends the same way, so a snapshot taken there holds
 * nothing derived from the environment. The host turns it off (after
 * setting the variables) and calls iwasi_resume, which redoes the call. */
void iwasi_ctx_env_pending(iwasi_ctx_t *ctx, bool on);
/* Collects output in a buffer owned by the context (limit 0 = none; a write
 * past the limit fails with IWASI_ENOSPC and nothing of it is kept). */
void iwasi_ctx_output_buffer(iwasi_ctx_t *ctx, int which, size_t limit);
/* The collected bytes (owned by the context, valid until the next write or
 * iwasi_ctx_free); empty for other kinds. */
const char *iwasi_ctx_output(const iwasi_ctx_t *ctx, int which, size_t *len);
void iwasi_ctx_output_callback(iwasi_ctx_t *ctx, int which, iwasi_write_cb cb, void *ud);

/* ---- files -------------------------------------------------------------- */

/* Gives the guest host_dir as the preopened directory guest_path (e.g. "/"
 * or "/data"; NULL = host_dir as written). Returns 0, or a WASI errno
 * (the host directory cannot be opened). Defined by the POSIX file-system
 * part (fs_dir.c). */
iwasi_errno_t iwasi_ctx_preopen(iwasi_ctx_t *ctx, const char *host_dir, const char *guest_path);

/* ---- running ------------------------------------------------------------ */

/* Defines every wasi_snapshot_preview1 function in the linker. Each finds
 * its context with iw_instance_user_data(): set it on every instance
 * (an instance without a context gets IWASI_EBADF from every call).
 * Returns 0, or -1 on out-of-memory. */
int iwasi_link(iw_linker_t *l);

/* The instance's wall-clock deadline (CLOCK_MONOTONIC ns, as
 * iw_limits_t.deadline_ns; 0 = none). The engine interrupts running code
 * at its deadline, but not a guest asleep in poll_oneoff: with this set, a
 * sleep that would pass the deadline wakes at it and returns IWASI_EINTR,
 * and the engine's check then stops the guest. */
void iwasi_ctx_set_deadline(iwasi_ctx_t *ctx, int64_t deadline_ns);

/* Suspend-waits mode, for hosts with an event loop (off by default: a
 * sleep then blocks the calling thread). With it on, a poll_oneoff that
 * would wait for a clock (a sleep) and sched_yield suspend the guest
 * inside the call (IW_HOST_SUSPEND) instead of blocking; host descriptors
 * in a poll are then only looked at, never waited on (the call wakes on
 * every turn to look again). iwasi_ctx_wake_at says when to resume. */
void iwasi_ctx_suspend_waits(iwasi_ctx_t *ctx, bool on);

/* True while a WASI call of this context is suspended: waiting for stdin,
 * or (suspend-waits mode) sleeping or yielding. */
bool iwasi_ctx_waiting(const iwasi_ctx_t *ctx);
/* True while the suspended call is a sleep or yield; *at is the
 * CLOCK_MONOTONIC ns from which resuming completes it (now or earlier for
 * a yield: resume on the loop's next turn). Never past the deadline of
 * iwasi_ctx_set_deadline: a sleep that reaches it stays suspended with
 * *at = the deadline, for the host to end the guest (a guest that has
 * passed its deadline must not go on as if its sleep had ended). */
bool iwasi_ctx_wake_at(const iwasi_ctx_t *ctx, int64_t *at);
/* Completes the suspended WASI call of inst (after stdin was supplied, or
 * from the time of iwasi_ctx_wake_at) and continues the guest: returns
 * like iw_resume. If stdin is still pending or the wake time has not come,
 * returns IW_SUSPENDED without running the guest. A sleep resumed after
 * suspend-waits mode was turned off sleeps its rest blocking. */
iw_status_t iwasi_resume(iw_instance_t *inst);

/* A new context in the same WASI state (args, env, open descriptors and
 * preopens, duplicated; stdio kinds and a pending read), for an instance
 * made from a snapshot of the instance that used ctx. Output buffers start
 * empty. NULL on out-of-memory or if a descriptor cannot be duplicated. */
iwasi_ctx_t *iwasi_ctx_clone(const iwasi_ctx_t *ctx);

/* The WASI name of an errno value ("BADF"); "?" if unknown. */
const char *iwasi_errno_name(iwasi_errno_t e);
/* Maps a host errno value to its WASI errno (IWASI_EIO if no counterpart). */
iwasi_errno_t iwasi_errno_from_host(int host_errno);

#endif
