/* The VMs of a proxy-wasm filter and the callbacks ifrit makes into them:
 * one VM per worker thread, made on the worker's first request (and again
 * after a trap), its plugin context set up by proxy_on_context_create,
 * proxy_on_vm_start and proxy_on_configure; a stream context per request
 * from its first hook to the end of the exchange. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "plugin/plugin_proxy_wasm.h"

/* Tells VMs apart across recreations (a stream remembers its VM's). */
static atomic_ulong plugin__pw_generations;
/* The worker thread's index into plugin_pw_t.vms, 1-based (0 = not yet). */
static atomic_uint plugin__pw_workers;
static _Thread_local unsigned plugin__pw_worker;

/* Runs callback pc->cb with args under the plugin's per-callback limits.
 * true when it finished (*ret its i32 result, if it has one); a trap
 * leaves a sentence in why and marks the VM broken. */
static bool plugin__pw_run(plugin_pw_vm_t *vm, plugin_pw_call_t *pc, const int32_t *args, uint32_t nargs,
                           int32_t *ret, char *why, size_t whylen)
{
    const plugin_options_t *o = &pc->plugin->opt;
    iw_func_t *f = vm->cb[pc->cb];
    /* Each callback gets the plugin's fuel afresh: the instance's limit
     * is cumulative, so it is raised to what is used so far plus it. */
    uint64_t need = iw_instance_fuel_used(vm->inst) + o->fuel;
    if (need > vm->fuel_limit) {
        iw_instance_add_fuel(vm->inst, need - vm->fuel_limit);
        vm->fuel_limit = need;
    }
    iw_instance_set_deadline(vm->inst, ifr_monotonic_ns() + o->timeout_ns);
    iw_val_t a[5], r = { .type = IW_I32 };   /* the most a callback takes: proxy_on_http_call_response */
    for (uint32_t i = 0; i < nargs; i++) a[i] = (iw_val_t){ .type = IW_I32, .of.i32 = args[i] };
    iw_instance_set_user_data(vm->inst, pc);
    iw_status_t st = iw_call(vm->inst, f, a, nargs, &r, 1);
    iw_instance_set_user_data(vm->inst, NULL);
    if (st == IW_FINISHED) {
        if (ret) *ret = r.of.i32;
        return true;
    }
    if (st == IW_SUSPENDED) iw_instance_abort_call(vm->inst);
    const iw_trap_t *t = st == IW_TRAPPED ? iw_instance_trap(vm->inst) : NULL;
    snprintf(why, whylen, "%s", t ? t->message : "the callback did not finish");
    vm->broken = true;
    return false;
}

void plugin_pw_vm_free(plugin_pw_vm_t *vm)
{
    if (!vm) return;
    iw_instance_free(vm->inst);
    free(vm->streams);
    free(vm);
}

plugin_pw_vm_t *plugin_pw_vm_new(plugin_pw_t *pw, char *err, size_t errlen)
{
    plugin_t *p = pw->plugin;
    plugin_pw_vm_t *vm = calloc(1, sizeof(*vm));
    iw_limits_t lim = { .max_memory_bytes = p->opt.memory_bytes, .fuel = p->opt.fuel };
    iw_error_t e = { 0 };
    if (!vm || !(vm->inst = iw_instance_from_image(pw->image, &lim, &e))) {
        snprintf(err, errlen, "wasm_plugin %s: cannot make a VM: %s", p->path, vm ? e.message : "out of memory");
        free(vm);
        return NULL;
    }
    for (int cb = 0; cb < PLUGIN_PW_NCALLBACKS; cb++)
        if (pw->has[cb])
            vm->cb[cb] = iw_instance_func(vm->inst, cb == PLUGIN_PW_ALLOCATE ? pw->alloc_name : plugin_pw_cb_name(cb));
    vm->fuel_limit = p->opt.fuel;
    vm->next_id = PLUGIN_PW_ROOT_ID + 1;
    vm->next_token = 1;
    vm->generation = atomic_fetch_add(&plugin__pw_generations, 1) + 1;
    /* The plugin context: created, then its VM and plugin configuration
     * (the VM's is empty; the plugin's is the `config` of wasm_plugin). */
    static const plugin_pw_cb_t start[] = { PLUGIN_PW_CONTEXT_CREATE, PLUGIN_PW_VM_START, PLUGIN_PW_CONFIGURE };
    for (size_t i = 0; i < sizeof start / sizeof start[0]; i++) {
        if (!vm->cb[start[i]]) continue;
        plugin_pw_call_t pc = { .vm = vm, .plugin = p, .cb = start[i], .context_id = PLUGIN_PW_ROOT_ID };
        int32_t args[2] = { (int32_t)PLUGIN_PW_ROOT_ID, 0 };
        if (start[i] == PLUGIN_PW_CONFIGURE) args[1] = (int32_t)p->opt.config.len;
        int32_t ok = 1;
        char why[200];
        if (!plugin__pw_run(vm, &pc, args, 2, &ok, why, sizeof why)) {
            snprintf(err, errlen, "wasm_plugin %s: %s trapped: %s", p->path, plugin_pw_cb_name(start[i]), why);
        } else if (start[i] != PLUGIN_PW_CONTEXT_CREATE && !ok) {
            snprintf(err, errlen, "wasm_plugin %s: %s returned false (the filter refused its %s configuration)",
                     p->path, plugin_pw_cb_name(start[i]), start[i] == PLUGIN_PW_VM_START ? "VM" : "plugin");
        } else {
            continue;
        }
        plugin_pw_vm_free(vm);
        return NULL;
    }
    return vm;
}

/* This worker's VM of pw, made (or made again after a trap) as needed.
 * NULL with a sentence in why. */
static plugin_pw_vm_t *plugin__pw_worker_vm(plugin_pw_t *pw, char *why, size_t whylen)
{
    if (!plugin__pw_worker) plugin__pw_worker = atomic_fetch_add(&plugin__pw_workers, 1) + 1;
    if (plugin__pw_worker > PLUGIN_PW_MAX_VMS) {
        snprintf(why, whylen, "more than %d worker threads run proxy-wasm filters", PLUGIN_PW_MAX_VMS);
        return NULL;
    }
    plugin_pw_vm_t **slot = &pw->vms[plugin__pw_worker - 1];
    if (*slot && (*slot)->broken) {
        plugin_pw_vm_free(*slot);
        *slot = NULL;
    }
    if (!*slot && (*slot = plugin_pw_vm_new(pw, why, whylen))) plugin_pw_tick_arm(pw, *slot, plugin__pw_worker);
    return *slot;
}

static void plugin__pw_trap(plugin_t *p, plugin_pw_cb_t cb, const char *why)
{
    plugin_count_trap(p, plugin_pw_cb_name(cb), why);
}

bool plugin_pw_request_cb(plugin_pw_vm_t *vm, plugin_pw_call_t *pc, const int32_t *args, uint32_t nargs, int32_t *ret)
{
    char why[200];
    if (plugin__pw_run(vm, pc, args, nargs, ret, why, sizeof why)) {
        atomic_store_explicit(&pc->plugin->state->traps, 0, memory_order_relaxed);
        return true;
    }
    plugin__pw_trap(pc->plugin, pc->cb, why);
    return false;
}

plugin_pw_vm_t *plugin_pw_running_vm(plugin_pw_t *pw)
{
    if (!plugin__pw_worker || plugin__pw_worker > PLUGIN_PW_MAX_VMS) return NULL;
    plugin_pw_vm_t *vm = pw->vms[plugin__pw_worker - 1];
    return vm && !vm->broken ? vm : NULL;
}

plugin_pw_vm_t *plugin_pw_stream_vm(const plugin_pw_stream_t *s)
{
    plugin_pw_vm_t *vm = s->pw->vms[s->worker - 1];
    return vm && vm->generation == s->generation && !vm->broken ? vm : NULL;
}

plugin_action_t plugin_pw_hook(plugin_call_t *c, int32_t a0, int32_t a1)
{
    plugin_t *p = c->plugin;
    static const plugin_pw_cb_t of_hook[PLUGIN_NHOOKS] = {
        [PLUGIN_ON_REQUEST] = PLUGIN_PW_REQUEST_HEADERS,
        [PLUGIN_ON_RESPONSE] = PLUGIN_PW_RESPONSE_HEADERS,
        [PLUGIN_ON_BODY] = PLUGIN_PW_RESPONSE_BODY,
    };
    plugin_pw_cb_t cb = of_hook[c->hook];
    char why[200];
    plugin_pw_vm_t *vm = plugin__pw_worker_vm(p->pw, why, sizeof why);
    if (!vm) {
        c->trapped = true;
        plugin__pw_trap(p, cb, why);
        return PLUGIN_CONTINUE;
    }
    plugin_pw_tick_due(vm, p);
    plugin_pw_stream_t *s = vm->broken ? NULL : plugin_pw_stream(vm, p, c->x, plugin__pw_worker);
    if (s && c->hook == PLUGIN_ON_REQUEST) plugin_pw_request_body_unframe(c->x, p);
    if (!s || !vm->cb[cb]) {
        c->trapped = vm->broken;
        return PLUGIN_CONTINUE;
    }
    int32_t args[3] = { (int32_t)s->id, 0, 0 };
    if (c->hook == PLUGIN_ON_REQUEST) {
        args[1] = (int32_t)c->x->req->headers.count;
        args[2] = c->x->req->body_kind == HTTP_BODY_NONE;
    } else if (c->hook == PLUGIN_ON_RESPONSE) {
        args[1] = (int32_t)c->x->resp.headers.count;
    } else {
        args[1] = a0;
        args[2] = a1;
    }
    plugin_pw_call_t pc = { .vm = vm, .plugin = p, .cb = cb, .context_id = s->id, .call = c, .props = &s->props,
                            .stream = s };
    int32_t action = 0;
    if (!plugin_pw_request_cb(vm, &pc, args, 3, &action)) {
        c->trapped = true;
        return PLUGIN_CONTINUE;
    }
    plugin_pw_tick_arm(p->pw, vm, plugin__pw_worker);   /* the callback may have set a period */
    if (pc.local_response) return PLUGIN_RESPOND;
    /* Only the request may wait: the response side has no way to (its
     * filter cannot return later), so PAUSE there counts as CONTINUE. */
    if (action == 1 && c->hook == PLUGIN_ON_REQUEST) return plugin_pw_stream_pause(s, vm, c);
    return PLUGIN_CONTINUE;
}
