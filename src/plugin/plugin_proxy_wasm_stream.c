/* Stream contexts of a proxy-wasm filter: one per request, made by its
 * first callback, ended with the exchange (proxy_on_done, proxy_on_log,
 * proxy_on_delete); and a request kept waiting by PAUSE until the filter
 * lets it go on (proxy_continue_stream), answers it
 * (proxy_send_local_response), or leaves nothing that could resume it. */
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "plugin/plugin_proxy_wasm.h"

static void plugin__pw_stream_forget(plugin_pw_vm_t *vm, const plugin_pw_stream_t *s)
{
    for (size_t i = 0; i < vm->nstreams; i++)
        if (vm->streams[i] == s) {
            vm->streams[i] = vm->streams[--vm->nstreams];
            return;
        }
}

/* The end of an exchange: proxy_on_done, proxy_on_log, proxy_on_delete
 * for its stream context, if the VM it started in still runs. The
 * exchange is ending, so these callbacks see no request or response. */
static void plugin__pw_stream_end(void *ud)
{
    plugin_pw_stream_t *s = ud;
    plugin_pw_vm_t *vm = plugin_pw_stream_vm(s);
    if (!vm) return;
    plugin__pw_stream_forget(vm, s);
    static const plugin_pw_cb_t end[] = { PLUGIN_PW_DONE, PLUGIN_PW_LOG, PLUGIN_PW_DELETE };
    for (size_t i = 0; i < sizeof end / sizeof end[0]; i++) {
        if (!vm->cb[end[i]]) continue;
        plugin_pw_call_t pc = { .vm = vm, .plugin = s->pw->plugin, .cb = end[i], .context_id = s->id };
        int32_t arg = (int32_t)s->id;
        if (!plugin_pw_request_cb(vm, &pc, &arg, 1, NULL)) return;
    }
}

plugin_pw_stream_t *plugin_pw_stream_find(plugin_pw_vm_t *vm, uint32_t id)
{
    for (size_t i = 0; i < vm->nstreams; i++) {
        plugin_pw_stream_t *s = vm->streams[i];
        if (s->id == id) return s;
    }
    return NULL;
}

plugin_pw_stream_t *plugin_pw_stream(plugin_pw_vm_t *vm, plugin_t *p, route_exchange_t *x, unsigned worker)
{
    for (size_t i = 0; i < vm->nstreams; i++) {
        plugin_pw_stream_t *s = vm->streams[i];
        if (s->x == x) return s;
    }
    if (vm->nstreams == vm->cap_streams) {
        size_t cap = vm->cap_streams ? vm->cap_streams * 2 : 16;
        void **n = realloc(vm->streams, cap * sizeof(*n));
        if (!n) return NULL;
        vm->streams = n;
        vm->cap_streams = cap;
    }
    /* not ifr_arena_calloc: the assignment below zeroes what it does not set */
    plugin_pw_stream_t *s = ifr_arena_alloc(x->arena, sizeof(*s));
    if (!s) return NULL;
    *s = (plugin_pw_stream_t){ .pw = p->pw, .worker = worker, .generation = vm->generation, .id = vm->next_id++,
                               .x = x };
    if (ifr_arena_on_cleanup(x->arena, plugin__pw_stream_end, s) != 0) return NULL;
    vm->streams[vm->nstreams++] = s;
    if (vm->cb[PLUGIN_PW_CONTEXT_CREATE]) {
        plugin_pw_call_t pc = { .vm = vm, .plugin = p, .cb = PLUGIN_PW_CONTEXT_CREATE, .context_id = s->id };
        int32_t args[2] = { (int32_t)s->id, (int32_t)PLUGIN_PW_ROOT_ID };
        if (!plugin_pw_request_cb(vm, &pc, args, 2, NULL)) return NULL;
    }
    return s;
}

/* Whether anything could still resume s: an http_call in flight, or a
 * worker timer ticking its VM (a tick may continue the stream). */
static bool plugin__pw_resumable(const plugin_pw_stream_t *s, const plugin_pw_vm_t *vm)
{
    return s->calls_out > 0 || (vm && vm->ticking);
}

static void plugin__pw_resume(plugin_pw_stream_t *s, plugin_action_t a)
{
    s->paused = false;
    s->continue_wanted = false;
    s->pause.resume(s->x, s->pause.ud, &s->call, a);
}

/* The end of the body that waited goes on, as the filter left it. */
static void plugin__pw_body_go(plugin_pw_stream_t *s)
{
    s->body_waiting = false;
    s->continue_wanted = false;
    ifr_buf_t give = s->held;
    s->held = IFR_BUF_INIT;
    s->body_next(s->body_ud, give.data, give.len, true);
    ifr_buf_free(&give);
}

/* PLUGIN_PW_PAUSE_MAX_NS after a pause: a stream still waiting goes on. */
static void plugin__pw_pause_expired(route_exchange_t *x, void *ud)
{
    (void)x;
    plugin_pw_stream_t *s = ud;
    if (s->body_waiting) {
        ifr_log_warn(s->pw->plugin->logger, "request %llu: its body waited %lld s without proxy_continue_stream: it goes on",
                     (unsigned long long)s->x->id, PLUGIN_PW_PAUSE_MAX_NS / 1000000000LL);
        plugin__pw_body_go(s);
        return;
    }
    if (!s->paused) return;
    ifr_log_warn(s->pw->plugin->logger, "request %llu paused for %lld s without proxy_continue_stream: it goes on",
                 (unsigned long long)s->x->id, PLUGIN_PW_PAUSE_MAX_NS / 1000000000LL);
    plugin__pw_resume(s, PLUGIN_CONTINUE);
}

plugin_action_t plugin_pw_stream_pause(plugin_pw_stream_t *s, plugin_pw_vm_t *vm, plugin_call_t *c)
{
    route_exchange_t *x = c->x;
    /* A host without timers could not bound the wait: PAUSE is CONTINUE there. */
    if (s->continue_wanted || !plugin__pw_resumable(s, vm) || !x->io->timer ||
        x->io->timer(x, PLUGIN_PW_PAUSE_MAX_NS, plugin__pw_pause_expired, s) != 0) {
        s->continue_wanted = false;
        return PLUGIN_CONTINUE;
    }
    s->paused = true;
    s->call = *c;
    c->pause = &s->pause;
    return PLUGIN_PAUSE;
}

bool plugin_pw_stream_body_wait(plugin_pw_stream_t *s, plugin_pw_vm_t *vm, plugin_pw_body_next_t next, const void *ud,
                                size_t ud_size)
{
    route_exchange_t *x = s->x;
    void *copy = NULL;
    if (s->continue_wanted || !plugin__pw_resumable(s, vm) || !(copy = ifr_arena_alloc(x->arena, ud_size))) {
        s->continue_wanted = false;
        return false;
    }
    memcpy(copy, ud, ud_size);
    s->body_waiting = true;
    s->body_next = next;
    s->body_ud = copy;
    /* The bound, where the host has timers (the handler reading the body uses none of the exchange's). */
    if (x->io->timer) x->io->timer(x, PLUGIN_PW_PAUSE_MAX_NS, plugin__pw_pause_expired, s);
    return true;
}

void plugin_pw_stream_settle(plugin_pw_stream_t *s, bool local_response)
{
    /* A VM that trapped since gives its streams no more callbacks. */
    plugin_pw_vm_t *vm = plugin_pw_stream_vm(s);
    if (s->body_waiting) {
        if (!vm || s->continue_wanted || !plugin__pw_resumable(s, vm)) plugin__pw_body_go(s);
        return;
    }
    if (!s->paused) return;
    if (local_response) plugin__pw_resume(s, PLUGIN_RESPOND);
    else if (!vm || s->continue_wanted || !plugin__pw_resumable(s, vm)) plugin__pw_resume(s, PLUGIN_CONTINUE);
}
