/* Private to src/plugin: the loaded plugin, the per-call context host
 * functions work on, and the shared trap/disable state. */
#ifndef IFRIT_PLUGIN_INT_H
#define IFRIT_PLUGIN_INT_H

#include <stdatomic.h>
#include <stdbool.h>

#include "base/buf.h"
#include "base/log_budget.h"
#include "http/message.h"
#include "plugin/plugin.h"
#include "wasm/wasm.h"

typedef enum { PLUGIN_ON_REQUEST, PLUGIN_ON_RESPONSE, PLUGIN_ON_BODY, PLUGIN_NHOOKS } plugin_hook_t;

/* What the guest's return value means (include/ifrit_plugin.h).
 * PLUGIN_PAUSE is never a guest's answer: a proxy-wasm filter's request
 * callback paused the stream (plugin_call_t.pause says how it goes on). */
typedef enum { PLUGIN_CONTINUE = 0, PLUGIN_RESPOND = 1, PLUGIN_SKIP = 2, PLUGIN_PAUSE = 3 } plugin_action_t;

typedef struct plugin_call plugin_call_t;

/* A request hook that answered PLUGIN_PAUSE: the chain fills resume and
 * ud before it returns ROUTE_ASYNC, and the filter calls resume once,
 * from the loop (outside any guest call), with the call that holds the
 * request's state (its response, for PLUGIN_RESPOND) and CONTINUE or
 * RESPOND. Lives in the exchange's arena. */
typedef struct {
    void (*resume)(route_exchange_t *x, void *ud, plugin_call_t *call, plugin_action_t a);
    void *ud;
} plugin_pause_t;

/* Trap counting and the disabled flag of one configured plugin (its key)
 * with one file at one path, shared by every load of it from the same
 * bytes, so a reload that finds the file unchanged keeps a disabled plugin
 * disabled. */
typedef struct plugin_state {
    char *key;                   /* owned; NULL = none */
    char *path;                  /* owned */
    uint64_t fingerprint;        /* of the file's bytes */
    atomic_uint traps;           /* consecutive traps, any hook, any worker */
    atomic_bool disabled;
    unsigned refs;               /* guarded by the registry lock */
    struct plugin_state *next;
} plugin_state_t;

/* The state for key (may be NULL) and path with these bytes: an existing
 * one (same key, path and fingerprint) or a fresh one. NULL when out of
 * memory. */
plugin_state_t *plugin_state_get(const char *key, const char *path, const uint8_t *bytes, size_t len);
void plugin_state_put(plugin_state_t *s);

/* An instance of a plugin between calls, with its hooks looked up. */
typedef struct {
    iw_instance_t *inst;              /* owned; resettable */
    iw_func_t *hooks[PLUGIN_NHOOKS];  /* NULL for hooks not exported */
} plugin_inst_t;

/* A proxy-wasm filter's side of a plugin (plugin/plugin_proxy_wasm.h). */
typedef struct plugin_pw plugin_pw_t;

/* Idle instances a plugin keeps: about one per worker running it. */
#define PLUGIN_POOL_SLOTS 16

struct plugin_obj {
    char *path;                       /* owned */
    const char *name;                 /* file name, inside path: for logs */
    char logger[96];                  /* "plugin:auth.wasm" */
    plugin_options_t opt;
    iw_module_t *module;              /* owned reference */
    iw_image_t *image;                /* owned reference: state after start-up */
    bool has_hook[PLUGIN_NHOOKS];
    bool sees_request_body;           /* a proxy-wasm filter with request body/trailer callbacks */
    plugin_state_t *state;            /* owned reference */
    _Atomic(plugin_inst_t *) idle[PLUGIN_POOL_SLOTS];  /* owned; NULL = empty slot */
    ifr_log_budget_t log_budget;      /* what its log calls may write (plugin_host.c) */
    plugin_pw_t *pw;                  /* owned; set for a proxy-wasm filter, whose hooks it runs */
    struct plugin_cmp *cmp;           /* owned; set for a Dwaar plugin component (plugin_component.h) */
};

/* An instance reset to the image's state with these limits: an idle one,
 * or a new one. NULL with a sentence in e when none can be made. */
plugin_inst_t *plugin_pool_take(plugin_t *p, const iw_limits_t *lim, iw_error_t *e);
/* Gives pi back after a call (or frees it when every slot is taken). */
void plugin_pool_put(plugin_t *p, plugin_inst_t *pi);
/* Frees the idle instances (plugin_free). */
void plugin_pool_free(plugin_t *p);

/* One hook call: what the host functions read and change. Lives on the C
 * stack of the caller for the duration of the call. */
struct plugin_call {
    plugin_t *plugin;
    route_exchange_t *x;
    plugin_hook_t hook;
    /* on_request: the response built for `respond`. */
    int status;                       /* 0 = not set (503) */
    http_headers_t headers;           /* x->arena */
    ifr_str_t body;                   /* x->arena */
    /* on_body: the chunk in, and its replacement (when replaced). */
    ifr_str_t chunk;
    ifr_buf_t *out;
    bool replaced;
    bool trapped;                     /* set by plugin_call_hook */
    /* The header list this call changed, as it was before (plugin_undo.h). */
    http_headers_t *undo_of;          /* NULL = none changed */
    http_headers_t undo;              /* x->arena */
    plugin_pause_t *pause;            /* set with PLUGIN_PAUSE; the filter's */
};

const char *plugin_hook_name(plugin_hook_t h);

/* Defines every host function of the "ifrit" import module, with p as
 * their env (what config and log read, also at start-up). 0 or -1. */
int plugin_host_define(iw_linker_t *l, plugin_t *p);
/* A header name a plugin may set (an RFC 9110 token), and a value (tabs
 * and visible bytes: never CR, LF, NUL or other controls). */
bool plugin_is_token(ifr_str_t s);
bool plugin_is_field_value(ifr_str_t s);
/* Whether module.name is one of those host functions. */
bool plugin_host_has(const char *module, const char *name);

/* Frees p and what it owns (plugin_free, once nothing ticks it). */
void plugin_destroy(plugin_t *p);

/* Runs c->plugin's hook with up to two i32 arguments in an instance in the
 * image's state.
 * Traps are logged, counted and answered with PLUGIN_CONTINUE. */
plugin_action_t plugin_call_hook(plugin_call_t *c, int32_t a0, int32_t a1);

/* Fail-open accounting of a trap in the named hook or callback: logs it
 * and disables the plugin at the PLUGIN_MAX_TRAPS-th in a row. */
void plugin_count_trap(const plugin_t *p, const char *hook, const char *why);

static inline bool plugin_is_disabled(const plugin_t *p)
{
    return atomic_load_explicit(&p->state->disabled, memory_order_relaxed);
}

/* Pushes the output filter that runs on_response/on_body for plugins[0..n)
 * (the array must live in x->arena). -1 if the arena is exhausted. */
int plugin_filter_push(route_exchange_t *x, plugin_t *const *plugins, size_t n);

#endif
