/* Loading a proxy-wasm filter: its callbacks' signatures, start-up
 * (_initialize, or _start without it) once, the image every VM starts
 * from, and one VM made at load so that a filter refusing its
 * configuration fails the load instead of every request. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "plugin/plugin_proxy_wasm.h"

/* Start-up runs without fuel but this much wall clock (as plugin_load.c). */
#define PLUGIN__PW_START_TIMEOUT_NS (2 * 1000000000LL)

static const struct {
    const char *name;
    const char *sig;
} plugin__pw_callbacks[PLUGIN_PW_NCALLBACKS] = {
    [PLUGIN_PW_CONTEXT_CREATE] = { "proxy_on_context_create", "ii:" },
    [PLUGIN_PW_VM_START] = { "proxy_on_vm_start", "ii:i" },
    [PLUGIN_PW_CONFIGURE] = { "proxy_on_configure", "ii:i" },
    [PLUGIN_PW_REQUEST_HEADERS] = { "proxy_on_request_headers", "iii:i" },
    [PLUGIN_PW_RESPONSE_HEADERS] = { "proxy_on_response_headers", "iii:i" },
    [PLUGIN_PW_RESPONSE_BODY] = { "proxy_on_response_body", "iii:i" },
    [PLUGIN_PW_DONE] = { "proxy_on_done", "i:i" },
    [PLUGIN_PW_LOG] = { "proxy_on_log", "i:" },
    [PLUGIN_PW_DELETE] = { "proxy_on_delete", "i:" },
    [PLUGIN_PW_TICK] = { "proxy_on_tick", "i:" },
    [PLUGIN_PW_HTTP_CALL_RESPONSE] = { "proxy_on_http_call_response", "iiiii:" },
    [PLUGIN_PW_REQUEST_BODY] = { "proxy_on_request_body", "iii:i" },
    [PLUGIN_PW_REQUEST_TRAILERS] = { "proxy_on_request_trailers", "ii:i" },
    [PLUGIN_PW_ALLOCATE] = { "proxy_on_memory_allocate", "i:i" },
};

const char *plugin_pw_cb_name(plugin_pw_cb_t cb)
{
    return cb < PLUGIN_PW_NCALLBACKS ? plugin__pw_callbacks[cb].name : "?";
}

/* The export named name, or NULL. */
static bool plugin__pw_export(const iw_module_t *m, const char *name, iw_extern_info_t *out)
{
    uint32_t n = iw_module_export_count(m);
    for (uint32_t i = 0; i < n; i++) {
        iw_module_export_info(m, i, out);
        if (strcmp(out->name, name) == 0) return true;
    }
    return false;
}

bool plugin_pw_is_filter(const iw_module_t *m)
{
    iw_extern_info_t e;
    return plugin__pw_export(m, "proxy_abi_version_0_2_1", &e) && e.kind == IW_EXTERN_FUNC;
}

/* Finds the callbacks and checks their signatures; the allocator is
 * proxy_on_memory_allocate, or malloc in its absence (the spec's order). */
static int plugin__pw_callbacks_find(plugin_pw_t *pw, char *err, size_t errlen)
{
    const iw_module_t *m = pw->plugin->module;
    for (int cb = 0; cb < PLUGIN_PW_NCALLBACKS; cb++) {
        const char *name = plugin__pw_callbacks[cb].name;
        iw_extern_info_t e;
        bool found = plugin__pw_export(m, name, &e);
        if (!found && cb == PLUGIN_PW_ALLOCATE) found = plugin__pw_export(m, name = "malloc", &e);
        if (!found || e.kind != IW_EXTERN_FUNC) continue;
        const char *sig = iw_module_func_sig(m, e.index);
        if (strcmp(sig, plugin__pw_callbacks[cb].sig) != 0) {
            snprintf(err, errlen, "wasm_plugin %s: proxy-wasm export %s has the signature (%s), expected (%s)",
                     pw->plugin->path, name, sig, plugin__pw_callbacks[cb].sig);
            return -1;
        }
        pw->has[cb] = true;
        if (cb == PLUGIN_PW_ALLOCATE) pw->alloc_name = name;
    }
    if (!pw->has[PLUGIN_PW_ALLOCATE]) {
        snprintf(err, errlen, "wasm_plugin %s: a proxy-wasm filter must export proxy_on_memory_allocate or malloc",
                 pw->plugin->path);
        return -1;
    }
    return 0;
}

/* Instantiates, runs _initialize (or _start) and captures the image. */
static int plugin__pw_start(plugin_pw_t *pw, char *err, size_t errlen)
{
    plugin_t *p = pw->plugin;
    iw_linker_t *l = iw_linker_new();
    if (!l || plugin_pw_host_define(l, pw) != 0 || plugin_pw_wasi_define(l, pw) != 0) {
        iw_linker_free(l);
        snprintf(err, errlen, "wasm_plugin %s: out of memory", p->path);
        return -1;
    }
    iw_limits_t lim = {
        .max_memory_bytes = p->opt.memory_bytes,
        .deadline_ns = ifr_monotonic_ns() + PLUGIN__PW_START_TIMEOUT_NS,
    };
    iw_error_t e = { 0 };
    iw_trap_t trap = { 0 };
    iw_instance_t *inst = iw_instance_new(p->module, l, &lim, &e, &trap);
    iw_linker_free(l);
    if (!inst) {
        snprintf(err, errlen, "wasm_plugin %s: %s%s", p->path,
                 trap.kind != IW_TRAP_NONE ? "start function trapped: " : "",
                 trap.kind != IW_TRAP_NONE ? trap.message : e.message);
        return -1;
    }
    iw_func_t *init = iw_instance_func(inst, "_initialize");
    if (!init) init = iw_instance_func(inst, "_start");
    if (init && iw_call(inst, init, NULL, 0, NULL, 0) != IW_FINISHED) {
        const iw_trap_t *t = iw_instance_trap(inst);
        snprintf(err, errlen, "wasm_plugin %s: start-up failed: %s", p->path, t ? t->message : "did not finish");
        iw_instance_free(inst);
        return -1;
    }
    pw->image = iw_image_capture(inst);
    iw_instance_free(inst);
    if (!pw->image) {
        snprintf(err, errlen, "wasm_plugin %s: out of memory taking the snapshot", p->path);
        return -1;
    }
    return 0;
}

int plugin_pw_load(plugin_t *p, char *err, size_t errlen)
{
    plugin_pw_t *pw = calloc(1, sizeof(*pw));
    if (!pw) {
        snprintf(err, errlen, "wasm_plugin %s: out of memory", p->path);
        return -1;
    }
    pw->plugin = p;
    atomic_init(&pw->refs, 1);
    p->pw = pw;
    if (plugin__pw_callbacks_find(pw, err, errlen) != 0 || plugin__pw_start(pw, err, errlen) != 0) return -1;
    plugin_pw_vm_t *vm = plugin_pw_vm_new(pw, err, errlen);
    if (!vm) return -1;
    plugin_pw_vm_free(vm);
    /* Every hook runs: the request one makes the stream context. */
    p->has_hook[PLUGIN_ON_REQUEST] = true;
    p->has_hook[PLUGIN_ON_RESPONSE] = pw->has[PLUGIN_PW_RESPONSE_HEADERS];
    p->has_hook[PLUGIN_ON_BODY] = pw->has[PLUGIN_PW_RESPONSE_BODY];
    p->sees_request_body = pw->has[PLUGIN_PW_REQUEST_BODY] || pw->has[PLUGIN_PW_REQUEST_TRAILERS];
    return 0;
}

bool plugin_pw_retire(plugin_pw_t *pw)
{
    atomic_store(&pw->retired, true);
    return atomic_fetch_sub(&pw->refs, 1) == 1;
}

void plugin_pw_free(plugin_pw_t *pw)
{
    if (!pw) return;
    for (size_t i = 0; i < PLUGIN_PW_MAX_VMS; i++) plugin_pw_vm_free(pw->vms[i]);
    if (pw->image) iw_image_release(pw->image);
    free(pw);
}
