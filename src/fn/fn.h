/* Functions: the `wasm` directive's runtime. A function is a WASI preview1
 * command module (`_start`) that answers requests on a route, each request
 * in a fresh sandbox (see docs/functions.md).
 *
 *   fn_config_t   what the Caddyfile says (fn_directive.c fills it)
 *   fn_function_t the loaded function: compiled module and the snapshot
 *                 image every request starts from; shared by all workers
 *   fn_run()      runs one request: reads the body, starts a sandbox from
 *                 the image, runs it in fuel slices on the host's loop,
 *                 streams or decodes its output, maps failures to 5xx.
 *
 * Ownership: a config lives in the plan's arena; a function is heap memory
 * owned by whoever loaded it (the plan frees it with fn_function_free when
 * its arena goes). Per-request state lives in x->arena; the sandbox is
 * freed as soon as the guest stops (or when the exchange ends). */
#ifndef IFRIT_FN_FN_H
#define IFRIT_FN_FN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/str.h"
#include "fn/fn_host_conf.h"
#include "fn/fn_sign.h"
#include "fn/fn_traffic.h"
#include "route/exchange.h"
#include "route/tmpl.h"

typedef enum { FN_PROTOCOL_CGI, FN_PROTOCOL_JSON } fn_protocol_t;

/* `env KEY VALUE`: a value without request placeholders is resolved once at
 * load ({env.X}); one with them is rendered per request. */
typedef struct {
    const char *key;
    route_tmpl_t *value;
} fn_env_t;

/* `mount HOST_DIR GUEST_DIR`: a preopened directory. */
typedef struct {
    const char *host_dir;
    const char *guest_dir;
} fn_mount_t;

#define FN_DEFAULT_TIMEOUT_NS (60LL * 1000000000LL)   /* Gojinn's default */
/* memory_limit when the block sets none: Gojinn's default, and room for a
 * request handler's heap; a guest that asks for more gets NULL from
 * malloc instead of taking the server's memory. */
#define FN_DEFAULT_MEMORY_LIMIT (128ull << 20)
/* Loading a function (its start section, then `_start` up to its first
 * read of stdin or of its environment) may take its timeout, and never longer than this: a
 * start-up that loops forever fails the load instead of hanging it. */
#define FN_LOAD_TIMEOUT_NS (10LL * 1000000000LL)
/* The largest module file a function may have. */
#define FN_MAX_MODULE_BYTES (256u << 20)
#define FN_DEFAULT_MAX_OUTPUT (16u << 20)
/* Request bodies beyond this need a `request_body max_size` to raise it. */
#define FN_DEFAULT_BODY_MAX (64u << 20)

typedef struct {
    const char *path;          /* the module file, resolved against the Caddyfile's directory */
    const char *name;          /* its base name, for logs ("fn:hello.wasm") */
    int64_t timeout_ns;        /* wall clock per request */
    uint64_t memory_limit;     /* bytes; 0 = FN_DEFAULT_MEMORY_LIMIT (fn_memory_limit) */
    uint64_t fuel;             /* instructions per request; 0 = no cap */
    uint64_t max_output;       /* bytes of stdout per request */
    fn_protocol_t protocol;
    bool snapshot;             /* start requests from the image at the first stdin or environ read */
    /* false (`request_env off`): the guest's environment is the static
     * `env` only, the same in every request (no CGI variables, no
     * placeholders), so a snapshot waits for the first stdin read. */
    bool request_env;
    uint32_t pool_size;        /* live sandboxes at once; 0 = no cap */
    const char **args;         /* argv[1..]; argv[0] is the module's name */
    size_t nargs;
    fn_env_t *env;
    size_t nenv;
    fn_mount_t *mounts;
    size_t nmounts;
    fn_host_config_t host;     /* what its host calls may do (permissions, allow_host, ...) */
    fn_traffic_config_t traffic; /* api_key, cors_origin, rate_limit */
    fn_sign_config_t sign;     /* security { policy; trusted_key } */
    struct fn_cron_entry *crons; /* `cron "SPEC" FILE` (fn_cron.h): each runs FILE with this block's options */
    size_t ncrons;
} fn_config_t;

/* Defaults for everything but path and name. */
void fn_config_defaults(fn_config_t *c);
/* The memory cap a native sandbox of c gets: memory_limit, or the default. */
uint64_t fn_memory_limit(const fn_config_t *c);

typedef struct fn_function fn_function_t;

/* Reads, validates and compiles the module, checks it exports `_start`,
 * and prepares the image requests start from (running `_start` up to its
 * first read of stdin or of its environment when c->snapshot). c must outlive the function.
 * NULL on failure with a sentence in why ("cannot read file: No such file
 * or directory", "malformed module at byte 8: ..."). */
fn_function_t *fn_function_load(const fn_config_t *c, char *why, size_t why_size);
void fn_function_free(fn_function_t *f);

/* The server-wide budget for functions' guest memory, in bytes (0: none,
 * the default; the native server sets one from `wasm_memory_budget`).
 * Each native sandbox reserves its whole memory cap (fn_memory_limit)
 * while it lives, so guests together never hold more than the budget; a
 * request that finds it used up waits for memory as for a pool slot, up
 * to its timeout, then gets 503. Any thread, at any time: sandboxes alive
 * keep their reservations. */
void fn_memory_budget_set(uint64_t bytes);
uint64_t fn_memory_budget(void);

/* Answers x with the function (ROUTE_DONE or ROUTE_ASYNC). */
route_result_t fn_run(route_exchange_t *x, fn_function_t *f);

/* Registers the `wasm` directive (also spelled reactor) and `gojinn` with
 * route (route_directive_register): once, at start-up, before a plan is
 * loaded. 0, or -1 when route's table has no place for them. */
int fn_register_directives(void);

#endif
