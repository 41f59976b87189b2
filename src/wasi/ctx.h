/* Private: what a WASI context holds. */
#ifndef IFRIT_WASI_CTX_H
#define IFRIT_WASI_CTX_H

#include "base/buf.h"
#include "wasi/fd.h"
#include "wasi/wasi.h"

typedef enum {
    IWASI_STREAM_HOST_FD,   /* host descriptor, not owned */
    IWASI_STREAM_NULL,      /* end-of-input / discard */
    IWASI_STREAM_BYTES,     /* stdin: borrowed bytes */
    IWASI_STREAM_READ_CB,   /* stdin: callback */
    IWASI_STREAM_PENDING,   /* stdin: suspend until input is supplied */
    IWASI_STREAM_BUFFER,    /* output: collected in out */
    IWASI_STREAM_WRITE_CB   /* output: callback */
} iwasi_stream_kind_t;

typedef struct {
    iwasi_stream_kind_t kind;
    int host_fd;
    const uint8_t *bytes;   /* BYTES: borrowed */
    size_t len, pos;
    iwasi_read_cb read_cb;
    iwasi_write_cb write_cb;
    void *ud;
    ifr_buf_t out;          /* BUFFER: owned */
} iwasi_stream_t;

/* NUL-terminated strings one after another in buf (owned). */
typedef struct {
    ifr_buf_t buf;
    uint32_t count;
} iwasi_strlist_t;

struct iwasi_hostcall;

/* A sleep or yield suspended in suspend-waits mode (iwasi_ctx_suspend_waits).
 * The call is redone on resume; its clocks count from when it first ran
 * (mono, real), so the redone call waits no longer than the first asked. */
typedef struct {
    bool timed;             /* the pending call is such a wait */
    int64_t mono, real;     /* CLOCK_MONOTONIC / CLOCK_REALTIME ns at its first run */
    int64_t wake;           /* CLOCK_MONOTONIC ns from which redoing it can complete */
} iwasi_wait_t;

struct iwasi_ctx {
    iwasi_strlist_t args, env;
    iwasi_stream_t stdio[3];
    iwasi_fd_t *fds;        /* owned; nfds slots */
    uint32_t nfds;
    /* The call that suspended waiting for stdin (a row of the host-function
     * table), redone by iwasi_resume; NULL when none. */
    const struct iwasi_hostcall *pending;
    int32_t exit_code;      /* proc_exit's argument */
    int64_t deadline_ns;    /* CLOCK_MONOTONIC; 0 = none: poll_oneoff never waits past it */
    bool suspend_waits;     /* sleeps and yields suspend instead of blocking the thread */
    bool env_pending;       /* environ_* suspend until the host turns this off (iwasi_ctx_env_pending) */
    iwasi_wait_t wait;
};

/* Makes stdio stream `which` behave as `s` (kind and its fields; the
 * output buffer is emptied and keeps s->out.limit) and updates the file
 * type of the descriptors showing it. */
void iwasi_stream_set(iwasi_ctx_t *ctx, int which, const iwasi_stream_t *s);

#endif
