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
 * Files: proxy_wasm_load.c (checks, start-up, image), proxy_wasm_vm.c (VMs,
 * contexts, callbacks), proxy_wasm_host.c (the "env" functions),
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

typedef struct plugin_pw_vm plugin_pw_vm_t;

struct plugin_pw {
    plugin_t *plugin;                       /* the owner */
    iw_image_t *image;                      /* after _initialize */
    const char *alloc_name;                 /* proxy_on_memory_allocate or malloc */
    bool has[PLUGIN_PW_NCALLBACKS];
    plugin_pw_vm_t *vms[PLUGIN_PW_MAX_VMS]; /* by worker; each touched by its worker only */
};

/* One VM of a filter. */
struct plugin_pw_vm {
    iw_instance_t *inst;
    iw_func_t *cb[PLUGIN_PW_NCALLBACKS];
    uint64_t fuel_limit;                    /* the instance's cumulative fuel limit */
    uint32_t next_id;                       /* the next stream context id */
    uint64_t generation;                    /* tells a recreated VM from the one a stream started in */
    int64_t tick_period_ns, next_tick_ns;   /* 0 = no tick */
    bool broken;                            /* trapped: recreate before the next callback */
    void **streams;                         /* the open stream contexts (proxy_wasm_vm.c) */
    size_t nstreams, cap_streams;
};

/* A property a filter set (proxy_set_property) for its request. */
typedef struct plugin_pw_prop {
    ifr_str_t path, value;                  /* the exchange's arena */
    struct plugin_pw_prop *next;
} plugin_pw_prop_t;

/* What the host functions of one callback work on (the instance's user
 * data during the call). */
typedef struct {
    plugin_pw_vm_t *vm;
    plugin_t *plugin;
    plugin_pw_cb_t cb;
    uint32_t context_id;                    /* the effective context */
    plugin_call_t *call;                    /* the hook call, NULL outside a request */
    plugin_pw_prop_t **props;               /* the request's set properties; NULL outside a request */
    bool local_response;                    /* proxy_send_local_response was called */
} plugin_pw_call_t;

/* Whether m is a proxy-wasm filter. */
bool plugin_pw_is_filter(const iw_module_t *m);
/* Makes p->pw for p->module: checks the callbacks, runs start-up, takes
 * the image, and starts one VM to see that the filter takes its
 * configuration. 0, or -1 with a sentence in err. */
int plugin_pw_load(plugin_t *p, char *err, size_t errlen);
void plugin_pw_free(plugin_pw_t *pw);
/* The name of a callback's export. */
const char *plugin_pw_cb_name(plugin_pw_cb_t cb);

/* A new VM in its plugin context (proxy_on_vm_start and
 * proxy_on_configure returned true). NULL with a sentence in err. */
plugin_pw_vm_t *plugin_pw_vm_new(plugin_pw_t *pw, char *err, size_t errlen);
void plugin_pw_vm_free(plugin_pw_vm_t *vm);

/* One hook call of a filter (plugin_call_hook hands it over). */
plugin_action_t plugin_pw_hook(plugin_call_t *c, int32_t a0, int32_t a1);

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
