/* The inside of a loaded function, shared by the fn_*.c files (not part of
 * the public interface in fn.h). */
#ifndef IFRIT_FN_FN_FUNCTION_H
#define IFRIT_FN_FN_FUNCTION_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/log_budget.h"
#include "fn/fn.h"
#include "fn/fn_host.h"
#include "wasi/wasi.h"
#include "wasm/wasm.h"

struct fn_function {
    const fn_config_t *conf;       /* the plan's; outlives the function */
    iw_module_t *module;           /* owned reference */
    iw_image_t *image;             /* owned reference: where every request starts */
    /* True: the image is suspended inside `_start` at its first stdin read
     * or environ_* call (requests supply stdin and variables, and resume). False: the image is the freshly
     * instantiated module (requests call `_start`). */
    bool image_suspended;
    iwasi_ctx_t *ctx;              /* owned: the WASI state requests clone */
    char *prelude;                 /* owned: stdout written before the snapshot */
    size_t prelude_len;
    atomic_uint live;              /* sandboxes alive now (pool_size) */
    uint64_t reserve;              /* memory budget bytes a sandbox holds (0: runs elsewhere) */
    char logger[96];               /* "fn:hello.wasm" */
    ifr_log_budget_t log_budget;   /* what its requests' stderr may log (fn_stdio.c) */
    fn_kv_store_t *kv;             /* the backend's embedded store, when its block grants a KV capability */
    fn_kv_remote_t *kv_remote;     /* the backend's shared store instead (`kv redis://...`), or NULL */
    char *kv_ns;                   /* owned: its KV namespace (kv_namespace, or "fn:" and its path) */
    fn_traffic_t *traffic;         /* owned: rate_limit's buckets, or NULL */
    fn_db_t *db;                   /* the backend's database (db_dsn), when its block grants db */
    fn_pg_t *pg;                   /* or its PostgreSQL database (db_driver postgres) */
};

struct fn_call;

/* Why a request may not open a sandbox yet (fn_admit). */
typedef enum {
    FN_ADMIT_OK,             /* a pool slot and the memory are its own */
    FN_ADMIT_POOL_FULL,      /* all pool_size sandboxes are alive: wait */
    FN_ADMIT_NO_MEMORY,      /* the memory budget is in use: wait */
    FN_ADMIT_NEVER,          /* memory_limit is over the whole budget */
} fn_admit_t;

/* fn_budget.c: reserves bytes of the server-wide budget, or says why not
 * (FN_ADMIT_NO_MEMORY, FN_ADMIT_NEVER); release gives them back. */
fn_admit_t fn_budget_take(uint64_t bytes);
void fn_budget_release(uint64_t bytes);

/* fn_sandbox.c: takes what a request's sandbox needs before it opens (a
 * pool slot under pool_size, the function's reserve of the budget); all
 * or nothing. fn_sandbox_close gives them back. */
fn_admit_t fn_admit(struct fn_call *c);
/* Logs why a request gets 503 after waiting (or at once, for NEVER). */
void fn_admit_refused(struct fn_call *c, fn_admit_t why);
/* For a guest that failed: logs it when its memory had reached (nearly)
 * its cap, where malloc most likely returned NULL. */
void fn_sandbox_note_memory(struct fn_call *c);

#endif
