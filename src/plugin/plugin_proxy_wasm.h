/* proxy-wasm filters (ABI v0.2.1) behind `wasm_plugin`: a module that
 * exports proxy_abi_version_0_2_1 is served through the proxy-wasm
 * callbacks instead of ifrit's own hooks (docs/plugins.md, "proxy-wasm
 * filters"). Private to src/plugin.
 *
 * Model: one VM (instance) per worker thread and filter, kept across
 * requests as the ABI wants (filters keep state in their memory); it is
 * made from the image taken after _initialize, then gets its plugin
 * context (proxy_on_context_create, proxy_on_vm_start, proxy_on_configure).
 * Each request gets a stream context, created by its first callback and
 * finished (proxy_on_done, proxy_on_log, proxy_on_delete) when the
 * exchange ends. Every callback runs with the plugin's fuel, memory cap
 * and deadline; a trap is fail-open and counted like a hook's, and the
 * trapping VM is thrown away: the worker's next callback makes a new one.
 *
 * A request callback answering PAUSE keeps the request waiting (the chain
 * returns ROUTE_ASYNC) until proxy_continue_stream, a local response, or
 * nothing being left that could resume it; proxy_http_call goes through
 * the host's upstream client (route/proxy_transport.h) on the worker's
 * loop, and its answer comes back as proxy_on_http_call_response.
 *
 * Files: proxy_wasm_load.c (checks, start-up, image), proxy_wasm_vm.c (VMs,
 * contexts, callbacks), proxy_wasm_stream.c (stream contexts, pause and
 * resume), proxy_wasm_http.c (http_call), proxy_wasm_host.c (the "env" functions),
 * proxy_wasm_maps.c (header maps and their serialisation),
 * proxy_wasm_shared.c (shared data, queues and metrics: process-wide),
 * proxy_wasm_wasi.c (the WASI preview1 subset). */
#ifndef IFRIT_PLUGIN_PROXY_WASM_H
#define IFRIT_PLUGIN_PROXY_WASM_H

#include "plugin/plugin_int.h"

/* The callbacks ifrit calls (those a filter exports). */
typedef enum {
    PLUGIN_PW_CONTEXT_CREATE,
    PLUGIN_PW_VM_START,
    PLUGIN_PW_CONFIGURE,
    PLUGIN_PW_REQUEST_HEADERS,
    PLUGIN_PW_RESPONSE_HEADERS,
    PLUGIN_PW_RESPONSE_BODY,
    PLUGIN_PW_DONE,
    PLUGIN_PW_LOG,
    PLUGIN_PW_DELETE,
    PLUGIN_PW_TICK,
    PLUGIN_PW_HTTP_CALL_RESPONSE,
    PLUGIN_PW_REQUEST_BODY,
    PLUGIN_PW_REQUEST_TRAILERS,
    PLUGIN_PW_ALLOCATE,
    PLUGIN_PW_NCALLBACKS
} plugin_pw_cb_t;

/* proxy_status_t */
enum {
    PLUGIN_PW_OK = 0, PLUGIN_PW_NOT_FOUND = 1, PLUGIN_PW_BAD_ARGUMENT = 2, PLUGIN_PW_SERIALIZATION_FAILURE = 3,
    PLUGIN_PW_INVALID_MEMORY_ACCESS = 6, PLUGIN_PW_EMPTY = 7, PLUGIN_PW_CAS_MISMATCH = 8,
    PLUGIN_PW_INTERNAL_FAILURE = 10, PLUGIN_PW_UNIMPLEMENTED = 12
};

/* The plugin context's id in every VM; stream contexts count up from 2. */
#define PLUGIN_PW_ROOT_ID 1u
/* VMs a filter keeps: one per worker thread (docs/plugins.md). */
#define PLUGIN_PW_MAX_VMS 64

/* A paused stream that nothing resumes goes on after this (fail-open). */
#define PLUGIN_PW_PAUSE_MAX_NS (60 * 1000000000LL)
/* http_call: calls in flight per stream, the answer's body kept. */
#define PLUGIN_PW_HTTP_MAX_CALLS 8
#define PLUGIN_PW_HTTP_BODY_MAX (1u << 20)
/* A request body a filter keeps buffered (PAUSE from proxy_on_request_body)
 * goes on past this without it. */
#define PLUGIN_PW_BODY_HOLD_MAX (16u << 20)

typedef struct plugin_pw_vm plugin_pw_vm_t;
typedef struct plugin_pw_http plugin_pw_http_t;

struct plugin_pw {
    plugin_t *plugin;                       /* the owner */
    iw_image_t *image;                      /* after _initialize */
    const char *alloc_name;                 /* proxy_on_memory_allocate or malloc */
    bool has[PLUGIN_PW_NCALLBACKS];
    plugin_pw_vm_t *vms[PLUGIN_PW_MAX_VMS]; /* by worker; each touched by its worker only */
    /* The plugin's reference and one per worker timer ticking a VM: the
     * plugin (and this) is destroyed when the last goes, so a worker's
     * tick never runs on a freed filter; retired once plugin_free ran. */
    atomic_uint refs;
    atomic_bool retired;
};

/* One VM of a filter. */
struct plugin_pw_vm {
    iw_instance_t *inst;
    iw_func_t *cb[PLUGIN_PW_NCALLBACKS];
    uint64_t fuel_limit;                    /* the instance's cumulative fuel limit */
    uint32_t next_id;                       /* the next stream context id */
    uint64_t generation;                    /* tells a recreated VM from the one a stream started in */
    int64_t tick_period_ns, next_tick_ns;   /* 0 = no tick */
    bool ticking;                           /* a worker timer ticks it (proxy_wasm_tick.c) */
    bool broken;                            /* trapped: recreate before the next callback */
    uint32_t next_token;                    /* the next http_call token */
    void **streams;                         /* the open stream contexts (plugin_pw_stream_t) */
    size_t nstreams, cap_streams;
};

/* A property a filter set (proxy_set_property) for its request. */
typedef struct plugin_pw_prop {
    ifr_str_t path, value;                  /* the exchange's arena */
    struct plugin_pw_prop *next;
} plugin_pw_prop_t;

/* Where the request body goes on from a filter (proxy_wasm_body.c). */
typedef int (*plugin_pw_body_next_t)(void *ud, const void *data, size_t len, bool is_last);

/* A stream context: one request through one filter, from its first
 * callback to the end of the exchange. Lives in the exchange's arena. */
typedef struct {
    plugin_pw_t *pw;
    unsigned worker;                        /* 1-based index into pw->vms */
    uint64_t generation;                    /* of the VM it started in */
    uint32_t id;
    route_exchange_t *x;
    plugin_pw_prop_t *props;
    /* PAUSE from the request callback: the request waits. call is the
     * request hook's (its undo record, the local response), pause what
     * the chain said about going on. */
    bool paused;
    bool continue_wanted;                   /* proxy_continue_stream(request) while paused */
    plugin_call_t call;
    plugin_pause_t pause;
    unsigned calls_out;                     /* http_calls in flight */
    /* The request body the filter keeps (proxy_wasm_body.c); freed with the exchange. */
    ifr_buf_t held;
    bool hold_given_up;                     /* it grew past PLUGIN_PW_BODY_HOLD_MAX */
    bool held_freed_at_end;                 /* its cleanup is registered */
    /* PAUSE at the end of the body while something could resume it: what
     * is kept waits for proxy_continue_stream, then goes on with
     * body_next(body_ud, ...) (body_ud: a copy in the arena). */
    bool body_waiting;
    plugin_pw_body_next_t body_next;
    void *body_ud;
} plugin_pw_stream_t;

/* What the host functions of one callback work on (the instance's user
 * data during the call). */
typedef struct {
    plugin_pw_vm_t *vm;
    plugin_t *plugin;
    plugin_pw_cb_t cb;
    uint32_t context_id;                    /* the effective context */
    plugin_call_t *call;                    /* the hook call, NULL outside a request */
    plugin_pw_prop_t **props;               /* the request's set properties; NULL outside a request */
    plugin_pw_stream_t *stream;             /* the callback's stream, NULL in the plugin context */
    const plugin_pw_http_t *http;           /* proxy_on_http_call_response's call, else NULL */
    /* proxy_on_request_body: the body so far, and what set_buffer_bytes
     * makes of it (taken when the callback finishes). NULL elsewhere. */
    const ifr_buf_t *req_body;
    ifr_buf_t *req_body_out;
    bool req_body_replaced;
    http_headers_t *req_trailers;           /* proxy_on_request_trailers: the request's, writable */
    bool local_response;                    /* proxy_send_local_response was called */
} plugin_pw_call_t;

/* An http_call's answer as the filter reads it (proxy_wasm_http.c). */
struct plugin_pw_http {
    int status;                             /* 0: the call failed */
    http_headers_t headers, trailers;       /* the exchange's arena */
    ifr_buf_t body;                         /* at most PLUGIN_PW_HTTP_BODY_MAX */
};

/* Whether m is a proxy-wasm filter. */
bool plugin_pw_is_filter(const iw_module_t *m);
/* Makes p->pw for p->module: checks the callbacks, runs start-up, takes
 * the image, and starts one VM to see that the filter takes its
 * configuration. 0, or -1 with a sentence in err. */
int plugin_pw_load(plugin_t *p, char *err, size_t errlen);
void plugin_pw_free(plugin_pw_t *pw);
/* plugin_free's part: marks pw retired and drops the plugin's reference.
 * true when it was the last (the caller destroys the plugin now); else
 * the last ticking worker does (plugin_destroy). */
bool plugin_pw_retire(plugin_pw_t *pw);
/* The name of a callback's export. */
const char *plugin_pw_cb_name(plugin_pw_cb_t cb);

/* A new VM in its plugin context (proxy_on_vm_start and
 * proxy_on_configure returned true). NULL with a sentence in err. */
plugin_pw_vm_t *plugin_pw_vm_new(plugin_pw_t *pw, char *err, size_t errlen);
void plugin_pw_vm_free(plugin_pw_vm_t *vm);

/* One hook call of a filter (plugin_call_hook hands it over). */
plugin_action_t plugin_pw_hook(plugin_call_t *c, int32_t a0, int32_t a1);

/* Runs callback pc->cb of a request with args under the plugin's limits;
 * a trap is counted (fail-open) and marks the VM broken. true when it
 * finished (*ret its result, if ret). */
bool plugin_pw_request_cb(plugin_pw_vm_t *vm, plugin_pw_call_t *pc, const int32_t *args, uint32_t nargs,
                          int32_t *ret);
/* The calling worker's VM of pw, NULL when it has none running. */
plugin_pw_vm_t *plugin_pw_running_vm(plugin_pw_t *pw);
/* Ticks (proxy_wasm_tick.c): starts the worker timer of this worker's vm
 * when it has a tick period and none runs yet (a no-op without a host
 * ticker: vm is then ticked before callbacks, plugin_pw_tick_due). */
void plugin_pw_tick_arm(plugin_pw_t *pw, plugin_pw_vm_t *vm, unsigned worker);
/* Runs proxy_on_tick if the period has passed (for VMs no timer ticks),
 * then lets paused streams that may go on go on. */
void plugin_pw_tick_due(plugin_pw_vm_t *vm, plugin_t *p);
/* The worker's VM that s started in, NULL when it is gone (trapped,
 * recreated) or broken. */
plugin_pw_vm_t *plugin_pw_stream_vm(const plugin_pw_stream_t *s);

/* Stream contexts (proxy_wasm_stream.c). The stream of x in vm: found,
 * or created (proxy_on_context_create); NULL when it cannot be. */
plugin_pw_stream_t *plugin_pw_stream(plugin_pw_vm_t *vm, plugin_t *p, route_exchange_t *x, unsigned worker);
/* The open stream of vm with this context id, or NULL. */
plugin_pw_stream_t *plugin_pw_stream_find(plugin_pw_vm_t *vm, uint32_t id);
/* After a request callback answered PAUSE: whether the stream waits
 * (PLUGIN_PAUSE, c->pause set) or goes on at once (nothing could resume
 * it; PLUGIN_CONTINUE). */
plugin_action_t plugin_pw_stream_pause(plugin_pw_stream_t *s, plugin_pw_vm_t *vm, plugin_call_t *c);
/* After a callback ran for a paused stream (outside it): resumes the
 * request if the filter let it go on, answered it, or left nothing that
 * could resume it. s may be gone when this returns. */
void plugin_pw_stream_settle(plugin_pw_stream_t *s, bool local_response);

/* The request body through a filter (proxy_wasm_body.c): runs
 * proxy_on_request_body (and proxy_on_request_trailers at the end) for
 * the piece, and passes on what the filter lets go with next(ud, ...)
 * (ud_size bytes at ud, copied if the body must wait). Returns what next
 * returned (non-zero pauses the host), 0 while it holds, 1 while the end
 * of the body waits. */
int plugin_pw_request_body(route_exchange_t *x, plugin_t *p, const void *data, size_t len, bool is_last,
                           plugin_pw_body_next_t next, void *ud, size_t ud_size);
/* After the body callback answered PAUSE at the end: whether the body
 * waits (something could resume it; true, with next and a copy of ud
 * kept), or goes on now. */
bool plugin_pw_stream_body_wait(plugin_pw_stream_t *s, plugin_pw_vm_t *vm, plugin_pw_body_next_t next, const void *ud,
                                size_t ud_size);
/* At the request callback: a filter that sees the request body may change
 * its length, so a Content-Length body goes on without one (chunked). */
void plugin_pw_request_body_unframe(route_exchange_t *x, const plugin_t *p);

/* proxy_http_call's host function (proxy_wasm_http.c). */
iw_host_result_t plugin_pw_http_call(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results);

/* Defines the "env" functions and the WASI subset, with pw as env. */
int plugin_pw_host_define(iw_linker_t *l, plugin_pw_t *pw);
int plugin_pw_wasi_define(iw_linker_t *l, plugin_pw_t *pw);

/* Guest memory for host functions: a checked lift (NULL after trapping),
 * and a block the guest's allocator made and filled with v, its address
 * and length written at ret_ptr / ret_len. PLUGIN_PW_OK, or a status; -1
 * after a trap. */
void *plugin_pw_lift(iw_instance_t *inst, uint32_t ptr, uint32_t len);
int plugin_pw_give(iw_instance_t *inst, ifr_str_t v, uint32_t ret_ptr, uint32_t ret_len);
/* Writes a little-endian u32 / u64 at ptr; false after trapping. */
bool plugin_pw_put_u32(iw_instance_t *inst, uint32_t ptr, uint32_t v);
bool plugin_pw_put_u64(iw_instance_t *inst, uint32_t ptr, uint64_t v);

/* Header maps (proxy_wasm_maps.c): the serialised pairs of a map, in
 * a's memory; parsing a serialised map into h. */
ifr_str_t plugin_pw_map_serialize(ifr_arena_t *a, const http_headers_t *pseudo, const http_headers_t *h);
int plugin_pw_map_parse(ifr_arena_t *a, ifr_str_t data, http_headers_t *out);

/* Shared data, queues and metrics (proxy_wasm_shared.c): process-wide,
 * under one lock. */
int plugin_pw_shared_get(ifr_str_t key, ifr_buf_t *value, uint32_t *cas);
int plugin_pw_shared_set(ifr_str_t key, ifr_str_t value, uint32_t cas);
int plugin_pw_queue_register(ifr_str_t name, uint32_t *id);
int plugin_pw_queue_resolve(ifr_str_t name, uint32_t *id);
int plugin_pw_queue_enqueue(uint32_t id, ifr_str_t value);
int plugin_pw_queue_dequeue(uint32_t id, ifr_buf_t *value);
int plugin_pw_metric_define(uint32_t type, ifr_str_t name, uint32_t *id);
int plugin_pw_metric_change(uint32_t id, int64_t v, bool record);
int plugin_pw_metric_get(uint32_t id, uint64_t *v);

#endif
