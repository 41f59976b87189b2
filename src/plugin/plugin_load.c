/* Loading a plugin: read the file, compile it, check its hooks, run its
 * start-up code once and keep the result as an image that every hook call
 * starts from. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/file.h"
#include "plugin/plugin_component.h"
#include "plugin/plugin_int.h"
#include "plugin/plugin_proxy_wasm.h"

/* Start-up (start function and _initialize) runs once per load with no
 * fuel limit but this much wall clock, so a plugin that loops forever in
 * start-up fails the load instead of hanging it. */
#define PLUGIN__START_TIMEOUT_NS (2 * 1000000000LL)
#define PLUGIN__MAX_FILE_BYTES (64u << 20)

static const struct {
    const char *name;
    const char *sig;
} plugin__hooks[PLUGIN_NHOOKS] = {
    [PLUGIN_ON_REQUEST] = { "on_request", ":i" },
    [PLUGIN_ON_RESPONSE] = { "on_response", ":i" },
    [PLUGIN_ON_BODY] = { "on_body", "ii:i" },
};

const char *plugin_hook_name(plugin_hook_t h)
{
    return h < PLUGIN_NHOOKS ? plugin__hooks[h].name : "?";
}

void plugin_options_init(plugin_options_t *o)
{
    *o = (plugin_options_t){
        .fuel = PLUGIN_DEFAULT_FUEL,
        .memory_bytes = PLUGIN_DEFAULT_MEMORY,
        .timeout_ns = PLUGIN_DEFAULT_TIMEOUT_NS,
    };
}

static void *plugin__fail(char *err, size_t errlen, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void *plugin__fail(char *err, size_t errlen, const char *path, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(err, errlen, "wasm_plugin %s: %s", path, msg);
    return NULL;
}

/* Finds the hooks among the exports and checks their signatures. */
static int plugin__find_hooks(plugin_t *p, char *err, size_t errlen)
{
    uint32_t n = iw_module_export_count(p->module);
    for (uint32_t i = 0; i < n; i++) {
        iw_extern_info_t e;
        iw_module_export_info(p->module, i, &e);
        for (int h = 0; h < PLUGIN_NHOOKS; h++) {
            if (e.kind != IW_EXTERN_FUNC || strcmp(e.name, plugin__hooks[h].name) != 0) continue;
            const char *sig = iw_module_func_sig(p->module, e.index);
            if (strcmp(sig, plugin__hooks[h].sig) != 0) {
                plugin__fail(err, errlen, p->path, "export %s has the signature (%s), expected (%s)",
                            e.name, sig, plugin__hooks[h].sig);
                return -1;
            }
            p->has_hook[h] = true;
        }
    }
    if (!p->has_hook[PLUGIN_ON_REQUEST] && !p->has_hook[PLUGIN_ON_RESPONSE] && !p->has_hook[PLUGIN_ON_BODY]) {
        plugin__fail(err, errlen, p->path, "exports none of on_request, on_response, on_body");
        return -1;
    }
    return 0;
}

/* Whether m imports anything but the "ifrit" host functions (what the
 * hint on a failed instantiation is about). */
static bool plugin__imports_unknown(const iw_module_t *m)
{
    uint32_t n = iw_module_import_count(m);
    for (uint32_t i = 0; i < n; i++) {
        iw_extern_info_t im;
        iw_module_import_info(m, i, &im);
        if (im.kind != IW_EXTERN_FUNC || !plugin_host_has(im.module, im.name)) return true;
    }
    return false;
}

/* Instantiates, runs _initialize (reactor modules) and captures the image. */
static int plugin__start(plugin_t *p, char *err, size_t errlen)
{
    iw_linker_t *l = iw_linker_new();
    if (!l || plugin_host_define(l, p) != 0) {
        iw_linker_free(l);
        plugin__fail(err, errlen, p->path, "out of memory");
        return -1;
    }
    iw_limits_t lim = {
        .max_memory_bytes = p->opt.memory_bytes,
        .deadline_ns = ifr_monotonic_ns() + PLUGIN__START_TIMEOUT_NS,
    };
    iw_error_t e = { 0 };
    iw_trap_t trap = { 0 };
    iw_instance_t *inst = iw_instance_new(p->module, l, &lim, &e, &trap);
    iw_linker_free(l);
    if (!inst) {
        if (trap.kind != IW_TRAP_NONE)
            plugin__fail(err, errlen, p->path, "start function trapped: %s", trap.message);
        else if (plugin__imports_unknown(p->module))
            plugin__fail(err, errlen, p->path, "%s (plugins may import only the \"ifrit\" host functions)",
                        e.message);
        else
            plugin__fail(err, errlen, p->path, "%s", e.message);
        return -1;
    }
    iw_func_t *init = iw_instance_func(inst, "_initialize");
    if (init && iw_call(inst, init, NULL, 0, NULL, 0) != IW_FINISHED) {
        const iw_trap_t *t = iw_instance_trap(inst);
        plugin__fail(err, errlen, p->path, "_initialize failed: %s", t ? t->message : "did not finish");
        iw_instance_free(inst);
        return -1;
    }
    p->image = iw_image_capture(inst);
    iw_instance_free(inst);
    if (!p->image) {
        plugin__fail(err, errlen, p->path, "out of memory taking the snapshot");
        return -1;
    }
    return 0;
}

plugin_t *plugin_load(const char *path, const plugin_options_t *o, char *err, size_t errlen)
{
    size_t len = 0;
    char why[160];
    uint8_t *bytes = (uint8_t *)ifr_read_file(path, PLUGIN__MAX_FILE_BYTES, &len, why, sizeof why);
    if (!bytes) return plugin__fail(err, errlen, path, "cannot read the file: %s", why);
    plugin_t *p = calloc(1, sizeof(*p));
    if (!p || !(p->path = strdup(path))) {
        free(p);
        free(bytes);
        return plugin__fail(err, errlen, path, "out of memory");
    }
    const char *slash = strrchr(p->path, '/');
    p->name = slash ? slash + 1 : p->path;
    snprintf(p->logger, sizeof(p->logger), "plugin:%s", p->name);
    p->opt = *o;
    for (size_t i = 0; i < PLUGIN_POOL_SLOTS; i++) atomic_init(&p->idle[i], NULL);
    iw_error_t e = { 0 };
    bool loaded = false;
    if (iw_is_component(bytes, len)) {
        loaded = plugin_cmp_load(p, bytes, len, err, errlen) == 0;
    } else if (!(p->module = iw_module_new(bytes, len, &e))) {
        plugin__fail(err, errlen, path, "not a valid WebAssembly module: %s (at byte %llu)", e.message,
                    (unsigned long long)e.offset);
    } else if (plugin_pw_is_filter(p->module)) {
        loaded = plugin_pw_load(p, err, errlen) == 0;
    } else {
        loaded = plugin__find_hooks(p, err, errlen) == 0 && plugin__start(p, err, errlen) == 0;
    }
    if (loaded) {
        p->state = plugin_state_get(p->opt.key, p->path, bytes, len);
        if (!p->state) plugin__fail(err, errlen, path, "out of memory");
    }
    free(bytes);
    if (!p->state) {
        plugin_free(p);
        return NULL;
    }
    return p;
}

void plugin_free(plugin_t *p)
{
    if (!p) return;
    /* A proxy-wasm filter whose VMs workers tick lives until they let go. */
    if (p->pw && !plugin_pw_retire(p->pw)) return;
    plugin_destroy(p);
}

void plugin_destroy(plugin_t *p)
{
    plugin_pool_free(p);
    plugin_cmp_free(p->cmp);
    plugin_pw_free(p->pw);
    if (p->image) iw_image_release(p->image);
    if (p->module) iw_module_release(p->module);
    plugin_state_put(p->state);
    free(p->path);
    free(p);
}
