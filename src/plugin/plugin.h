/* Plugins: WebAssembly modules that run around every request of a site
 * (the `wasm_plugin` directive). This is the interface the directive
 * (plugin_directive.c) uses; the guest's side is
 * include/ifrit_plugin.h and docs/plugins.md.
 *
 * A plugin_t is loaded once per config load: the file is read, compiled,
 * instantiated, its start-up code run, and the result captured as an
 * image; every hook call then runs in an instance in that image's state
 * (an idle one reset, plugin_pool.c) with the plugin's limits. A trap never fails the request: it counts as
 * `continue` (fail-open), and after PLUGIN_MAX_TRAPS consecutive traps the
 * plugin is disabled until a config load finds a changed file at its path
 * (counted per configured plugin: plugin_options_t.key).
 *
 * Threads: a loaded plugin and a chain are immutable (apart from the
 * atomic trap counter and the atomic slots of idle instances) and shared
 * by every worker.
 *
 * Ownership: plugin_load returns a plugin the caller owns and frees with
 * plugin_free (the handler ties it to the plan's arena). A chain and its
 * array live in the plan's arena and point at plugins they do not own. */
#ifndef IFRIT_PLUGIN_PLUGIN_H
#define IFRIT_PLUGIN_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/str.h"
#include "route/exchange.h"

#define PLUGIN_MAX_TRAPS 10
#define PLUGIN_DEFAULT_FUEL 1000000u
#define PLUGIN_DEFAULT_MEMORY (16u << 20)
#define PLUGIN_DEFAULT_TIMEOUT_NS (50 * 1000000LL)
/* on_body gets chunks of at most this many bytes (longer ones are cut), so
 * the per-call fuel bounds the work per byte; include/ifrit_plugin.h says
 * the same as IFRIT_BODY_CHUNK_MAX. */
#define PLUGIN_BODY_CHUNK_MAX 16384u

typedef struct plugin_obj plugin_t;

/* One `config key=value` pair. */
typedef struct {
    ifr_str_t key;
    ifr_str_t value;
} plugin_kv_t;

typedef struct {
    int64_t priority;         /* lower runs first */
    uint64_t fuel;            /* per hook call */
    uint64_t memory_bytes;    /* cap on linear memory per hook call */
    int64_t timeout_ns;       /* wall clock per hook call */
    ifr_str_t config;         /* `config "string"`, or the pairs as key=value lines */
    const plugin_kv_t *pairs; /* `config key=value` lines; may be NULL */
    size_t npairs;
    /* Names the configured plugin across config loads (the wasm_plugin
     * line: its site and place); the trap count and the disabled flag are
     * kept per key, file path and file content. NULL: per path and content. */
    const char *key;
} plugin_options_t;

/* Fills o with the defaults. */
void plugin_options_init(plugin_options_t *o);

/* Loads the module at path. o (and what it points to) must outlive the
 * plugin. On failure returns NULL with a sentence in err naming the file. */
plugin_t *plugin_load(const char *path, const plugin_options_t *o, char *err, size_t errlen);
void plugin_free(plugin_t *p);

/* The plugins of one route list in running order (ascending priority,
 * ties in file order). */
typedef struct {
    plugin_t **items;
    size_t count;
} plugin_chain_t;

/* Inserts p at its place; -1 if the arena is exhausted. */
int plugin_chain_add(plugin_chain_t *c, ifr_arena_t *a, plugin_t *p);

/* Runs the chain's on_request hooks and wraps the response with the
 * on_response/on_body hooks of the plugins that ran. Returns ROUTE_NEXT
 * (the request goes on), ROUTE_DONE (a plugin answered) or ROUTE_ERROR. */
route_result_t plugin_chain_run(route_exchange_t *x, const plugin_chain_t *c);

/* Worker timers, which the host offers for proxy-wasm ticks. every runs
 * cb(ud, false) on the calling worker thread's loop after delay_ns, and
 * again after each delay cb returns (0: the timer is gone); when the
 * worker exits, cb(ud, true) runs once and the timer is gone. 0, or -1
 * when there is no worker here or no memory. Without a registered one, a
 * filter ticks only before its other callbacks. */
typedef int64_t (*plugin_tick_cb)(void *ud, bool exiting);
typedef struct {
    int (*every)(int64_t delay_ns, plugin_tick_cb cb, void *ud);
} plugin_ticker_t;
/* Once, at start-up, before a plan is loaded; t must live as long. */
void plugin_ticker_register(const plugin_ticker_t *t);

/* Registers the `wasm_plugin` directive with route
 * (route_directive_register): once, at start-up, before a plan is loaded.
 * 0, or -1 when route's table has no place for it. */
int plugin_register_directives(void);

#endif
