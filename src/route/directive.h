/* The directive module interface: every Caddyfile directive that becomes
 * part of a site's routes (respond, header, file_server, handle, ...) is one
 * file defining one route_directive_t, listed in directives.c (the order).
 *
 * A directive has two halves:
 *   parse   at config load: reads its arguments and block (the matcher token,
 *           if any, is already taken off) into a config struct allocated from
 *           p->arena, the plan's arena. Errors go to p->err with file:line:col.
 *   handle  per request: acts on the exchange. Returns ROUTE_NEXT to let the
 *           following handlers run, ROUTE_DONE / ROUTE_ASYNC when it answered,
 *           or ROUTE_ERROR with x->error_status set (handle_errors may take over).
 *
 * Ownership: conf belongs to the plan (immutable while serving; handlers keep
 * per-request state in x->arena only). */
#ifndef IFRIT_ROUTE_DIRECTIVE_H
#define IFRIT_ROUTE_DIRECTIVE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "config/caddyfile.h"
#include "config/error.h"
#include "route/exchange.h"
#include "route/plan.h"

typedef struct route_site route_site_t;
typedef struct route_scope route_scope_t;
typedef struct route_list route_list_t;
typedef struct route_matcher_set route_matcher_set_t;

/* What a directive's parse function gets. */
typedef struct {
    ifr_arena_t *arena;      /* the plan's arena: everything parsed lives here */
    cfg_error_t *err;        /* filled on failure */
    route_site_t *site;      /* the site block being built */
    route_scope_t *scope;    /* named matchers visible here */
    const char *base_dir;    /* directory of the Caddyfile, for relative paths ("" = cwd) */
    int depth;               /* nesting of handle/route blocks */
    route_plan_t *plan;      /* the plan being built (to keep files open: log) */
    ifr_str_t matcher_name;  /* while parsing a named matcher set: its name */
    const cfg_token_t *matcher_token; /* the matcher token taken off this directive, or NULL */
} route_parse_t;

/* route_directive_t.flags */
enum {
    ROUTE_DIR_MATCHER = 1u << 0,   /* accepts a matcher token as first argument */
    ROUTE_DIR_SITE = 1u << 1,      /* configures the site (log, handle_errors): no route entry */
    ROUTE_DIR_GROUP_HANDLE = 1u << 2,  /* mutually exclusive with the other handle blocks */
    ROUTE_DIR_GROUP_REWRITE = 1u << 3, /* only the first matching rewrite runs (Caddy #2959) */
    ROUTE_DIR_NEEDS_PATH = 1u << 4,    /* needs an inline path matcher (handle_path) */
    ROUTE_DIR_GROUP_ROOT = 1u << 5,    /* only the first matching root of a block applies */
    ROUTE_DIR_BLOCK_ARGS = 1u << 6,    /* a block stands for the arguments: with one, even a
                                          lone first argument may be the matcher (header) */
};
#define ROUTE_DIR_GROUPS (ROUTE_DIR_GROUP_HANDLE | ROUTE_DIR_GROUP_REWRITE | ROUTE_DIR_GROUP_ROOT)

typedef struct route_directive {
    const char *name;
    const char *alias;             /* an older spelling Caddy still accepts, or NULL */
    unsigned flags;
    /* Arguments that can never be a matcher: with nargs <= min_args the first
     * argument is a value (`redir /new` is a target, not a matcher). */
    size_t min_args;
    /* d->args excludes the matcher token. Returns 0 or -1 (p->err filled). */
    int (*parse)(route_parse_t *p, const cfg_directive_t *d, void **conf);
    route_result_t (*handle)(route_exchange_t *x, const void *conf);
} route_directive_t;

/* For a handler that returned ROUTE_ASYNC and later wants the rest of the
 * routes to run (result ROUTE_NEXT) or wants handle_errors to answer
 * (ROUTE_ERROR with x->error_status); ROUTE_DONE when it answered. The
 * route layer then finishes the response itself (default 200, or the
 * error status). Directives registered from above (wasm_plugin's paused
 * proxy-wasm filters) call it too. */
route_result_t route_resume(route_exchange_t *x, route_result_t result);

/* The directive table in Caddy's standard order (position = sort key).
 * Returns NULL for an unknown name; *pos gets the position. */
const route_directive_t *route_directive_find(ifr_str_t name, size_t *pos);
/* Directives whose code lives above route (wasm and gojinn in src/fn,
 * wasm_plugin in src/plugin) have their place in the order here and are
 * registered by the host at start-up, before it loads a plan and before
 * any thread runs (fn_register_directives, plugin_register_directives).
 * Returns 0, or -1 when the table has no row of d->name or the row holds
 * another directive. */
int route_directive_register(const route_directive_t *d);
/* A hook a layer above route registers at start-up (fn: the `engine`
 * option picks the engine the plan's modules load on). A plan calls it
 * once its global options are parsed, before any directive loads a
 * module; route itself knows no engine. NULL: no hook. */
typedef void (*route_options_hook_t)(const cfg_options_t *options);
void route_options_hook_register(route_options_hook_t hook);
void route_options_hook_run(const cfg_options_t *options);
/* A row of the table whose directive this program did not register. */
bool route_directive_unregistered(ifr_str_t name);
/* All names (for "did you mean"). */
size_t route_directive_names(const char *const **out);

/* Parses the directives of blk into a route list (sorted in directive order
 * unless literal, as inside `route`). Named matchers defined in blk are
 * visible to blk and the blocks nested in it. */
int route_parse_list(route_parse_t *p, const cfg_block_t *blk, bool literal, route_list_t *out);

/* Resolves a matcher token (`*`, `/path*`, `@name`) to a set; *out is NULL
 * for `*`. */
int route_parse_matcher_token(route_parse_t *p, const cfg_token_t *t, const route_matcher_set_t **out);

/* A status code token: three digits, 100..999. 0, or -1 (no error filled). */
int route_parse_status(const cfg_token_t *t, int *out);

/* Joins a relative path from the Caddyfile to its directory; arena copy. */
const char *route_parse_path(route_parse_t *p, ifr_str_t path);

/* The first address of the site being parsed ("" and 0 outside a site). */
void route_parse_site_address(const route_parse_t *p, ifr_str_t *host, unsigned *port);

/* One slot per route list, NULL when the list's parse begins, for a
 * directive whose entries in one list share one object (wasm_plugin's
 * chain: the first entry runs it). */
void **route_parse_list_slot(route_parse_t *p);

#endif
