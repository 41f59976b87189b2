/* One request running a function: the state shared by fn_run.c (the state
 * machine), fn_sandbox.c (making and freeing the sandbox), fn_stdio.c (the
 * guest's stdout/stderr sinks) and fn_reply.c (turning the outcome into a
 * response). Lives in x->arena; the heap pieces (sandbox, buffers) are
 * freed by fn_call_release, which an arena cleanup hook also runs. */
#ifndef IFRIT_FN_FN_CALL_H
#define IFRIT_FN_FN_CALL_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "fn/fn_function.h"

/* Fuel per slice: about a millisecond of guest work between two turns of
 * the worker's loop. */
#define FN_SLICE_FUEL 2000000u
/* cgi output is held back up to this much, so that small answers get a
 * Content-Length and a failing guest still gets a clean 5xx; past it the
 * head goes out and stdout streams. */
#define FN_STREAM_AFTER (64u * 1024)
/* Stop running the guest while the client has this much unread. */
#define FN_QUEUE_HIGH (256u * 1024)
/* stderr kept per line, and logged per request at most. */
#define FN_LOG_LINE_MAX 4096u
#define FN_LOG_TOTAL_MAX (1u << 20)
/* How often a request waiting for a free sandbox (pool_size) looks again. */
#define FN_POOL_POLL_NS 1000000

struct fn_host_call;

typedef struct fn_call {
    route_exchange_t *x;
    fn_function_t *f;
    iw_instance_t *inst;       /* owned while the guest runs */
    iwasi_ctx_t *ctx;          /* owned, with inst */
    struct fn_host_call *host; /* a host call in progress and the last outbound response (fn_host_call.h) */
    ifr_buf_t body;            /* the request body */
    ifr_buf_t input;           /* json: the request document (stdin) */
    ifr_buf_t out;             /* stdout not sent yet (all of it for json) */
    ifr_buf_t err_line;        /* stderr since the last newline */
    uint64_t out_total;        /* stdout bytes, prelude included */
    uint64_t err_total;        /* stderr bytes logged */
    int64_t deadline;          /* monotonic ns */
    bool body_pending;         /* the request body is still arriving */
    bool counted;              /* admitted (fn_admit): holds its pool slot and memory reserve */
    bool started;              /* the guest's call has begun */
    bool streaming;            /* head sent: stdout goes to the client */
    bool overflow;             /* stdout past max_output (or out of memory) */
    bool client_gone;
    bool finished;             /* the response is complete */
    bool job;                  /* X-Gojinn-Async: queued as a job once its body is in (fn_jobs.h) */
} fn_call_t;

int64_t fn_clock_ns(void);

/* fn_sandbox.c: an instance from the function's image with its own WASI
 * state (stdin, env, sinks) and limits. -1 on failure (logged). */
int fn_sandbox_open(fn_call_t *c);
/* Adds the config's env entries rendered for this request: those with
 * request placeholders (dynamic; the static ones are in the image's
 * state natively) or the others. */
int fn_env_add(fn_call_t *c, bool dynamic, int (*add)(void *ud, const char *kv), void *ud);
/* Runs the guest until it stops or its slice ends. */
iw_status_t fn_sandbox_step(fn_call_t *c);
void fn_sandbox_close(fn_call_t *c);

/* fn_stdio.c */
iwasi_errno_t fn_stdout_sink(void *ud, const void *data, size_t len);
iwasi_errno_t fn_stderr_sink(void *ud, const void *data, size_t len);
/* Logs a last stderr line without newline. */
void fn_stderr_flush(fn_call_t *c);
/* Sends the head (200, sniffed Content-Type) and what stdout holds. */
int fn_stream_start(fn_call_t *c);

/* How a guest stopped, whoever ran it (the engine here, or a host). */
typedef struct {
    iw_status_t st;
    int32_t exit_code;         /* IW_EXITED */
    iw_trap_t trap;            /* IW_TRAPPED */
} fn_end_t;

/* fn_reply.c: answers from how the guest stopped; frees the sandbox first. */
void fn_reply(fn_call_t *c, iw_status_t st);
/* The same, for a guest that ran elsewhere (fn_runner.h). */
void fn_reply_end(fn_call_t *c, const fn_end_t *end);
/* Answers status with an empty body (no guest output involved). */
void fn_reply_status(fn_call_t *c, int status);

/* Frees everything the call holds (idempotent). */
void fn_call_release(fn_call_t *c);

#endif
