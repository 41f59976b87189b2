/* The request body through a proxy-wasm filter, as the route layer hands
 * it over (route_filter_ops_t.on_request_body: while the handler after
 * the chain reads it). Each piece is added to what the filter keeps and
 * proxy_on_request_body(context, size, end_of_stream) sees all of it:
 * CONTINUE passes what is kept on (as set_buffer_bytes left it), PAUSE
 * keeps it for the next piece, so a filter can rewrite a body across
 * chunks by pausing until end_of_stream. At the end the request's
 * trailers go to proxy_on_request_trailers first (end_of_stream is then
 * false for the body, as in Envoy). */
#include "base/log.h"
#include "plugin/plugin_proxy_wasm.h"
#include "plugin/plugin_undo.h"

static void plugin__pw_held_free(void *ud)
{
    ifr_buf_free(&((plugin_pw_stream_t *)ud)->held);
}

void plugin_pw_request_body_unframe(route_exchange_t *x, const plugin_t *p)
{
    if (!p->sees_request_body || x->req->body_kind != HTTP_BODY_LENGTH) return;
    x->req->body_kind = HTTP_BODY_CHUNKED;
    http_headers_remove(&x->req->headers, IFR_LIT("Content-Length"));
}

/* Runs one body or trailers callback; its set_buffer_bytes result
 * replaces what is kept only when it finished. false after a trap. */
static bool plugin__pw_body_cb(plugin_pw_vm_t *vm, plugin_pw_stream_t *s, plugin_pw_cb_t cb, const int32_t *args,
                               uint32_t nargs, int32_t *ret, http_headers_t *trailers)
{
    plugin_t *p = s->pw->plugin;
    plugin_call_t call = { .plugin = p, .x = s->x, .hook = PLUGIN_ON_REQUEST };
    ifr_buf_t out = IFR_BUF_INIT;
    plugin_pw_call_t pc = { .vm = vm, .plugin = p, .cb = cb, .context_id = s->id, .call = &call, .props = &s->props,
                            .stream = s, .req_body = &s->held, .req_body_out = &out,
                            .req_trailers = trailers };
    bool ok = plugin_pw_request_cb(vm, &pc, args, nargs, ret);
    if (!ok) plugin_undo_restore(&call);
    if (ok && pc.req_body_replaced) {
        ifr_buf_free(&s->held);
        s->held = out;
    } else {
        ifr_buf_free(&out);
    }
    return ok;
}

/* Passes what is kept on and empties it. */
static int plugin__pw_release(plugin_pw_stream_t *s, bool is_last, plugin_pw_body_next_t next, void *ud)
{
    if (!s->held.len && !is_last) return 0;
    ifr_buf_t give = s->held;
    s->held = IFR_BUF_INIT;
    int rc = next(ud, give.data, give.len, is_last);
    ifr_buf_free(&give);
    return rc;
}

int plugin_pw_request_body(route_exchange_t *x, plugin_t *p, const void *data, size_t len, bool is_last,
                           plugin_pw_body_next_t next, void *ud, size_t ud_size)
{
    plugin_pw_t *pw = p->pw;
    /* The stream the request callback made, in this worker's VM if that still runs. */
    plugin_pw_vm_t *vm = plugin_pw_running_vm(pw);
    plugin_pw_stream_t *s = NULL;
    for (size_t i = 0; vm && i < vm->nstreams && !s; i++)
        if (((plugin_pw_stream_t *)vm->streams[i])->x == x) s = vm->streams[i];
    if (!s || s->hold_given_up || plugin_is_disabled(p)) {
        if (s && s->held.len && plugin__pw_release(s, false, next, ud) != 0) return 1;
        return len || is_last ? next(ud, data, len, is_last) : 0;
    }
    if (!s->held_freed_at_end) {
        if (ifr_arena_on_cleanup(x->arena, plugin__pw_held_free, s) != 0) return next(ud, data, len, is_last);
        s->held_freed_at_end = true;
    }
    if (s->held.len + len > PLUGIN_PW_BODY_HOLD_MAX) {
        ifr_log_warn(p->logger, "request %llu: the body kept for proxy_on_request_body passed %u bytes: it goes on "
                     "without the filter", (unsigned long long)x->id, PLUGIN_PW_BODY_HOLD_MAX);
        s->hold_given_up = true;
        if (plugin__pw_release(s, false, next, ud) != 0) return 1;
        return next(ud, data, len, is_last);
    }
    if (len && ifr_buf_append(&s->held, data, len) != 0) {
        s->hold_given_up = true;
        if (plugin__pw_release(s, false, next, ud) != 0) return 1;
        return next(ud, data, len, is_last);
    }
    const http_headers_t *tr = x->req_trailers;
    bool trailers = is_last && tr && tr->count && vm->cb[PLUGIN_PW_REQUEST_TRAILERS];
    int32_t action = 0;
    if (vm->cb[PLUGIN_PW_REQUEST_BODY]) {
        int32_t args[3] = { (int32_t)s->id, (int32_t)s->held.len, is_last && !trailers };
        if (!plugin__pw_body_cb(vm, s, PLUGIN_PW_REQUEST_BODY, args, 3, &action, NULL)) action = 0;
    }
    /* PAUSE keeps the body for the next piece; at the end it waits for
     * proxy_continue_stream if something could resume it (an http_call). */
    if (action == 1 && !is_last) return 0;
    if (action == 1 && !trailers && plugin_pw_stream_body_wait(s, vm, next, ud, ud_size)) return 1;
    /* The trailers become the exchange's own copy, which the callback may edit. */
    http_headers_t *copy = trailers && !vm->broken ? ifr_arena_calloc(x->arena, 1, sizeof(*copy)) : NULL;
    if (copy) {
        for (uint32_t i = 0; i < tr->count; i++)
            if (http_headers_add(copy, x->arena, tr->items[i].name, tr->items[i].value) != 0) copy = NULL;
    }
    if (copy) {
        x->req_trailers = copy;
        int32_t args[2] = { (int32_t)s->id, (int32_t)copy->count };
        plugin__pw_body_cb(vm, s, PLUGIN_PW_REQUEST_TRAILERS, args, 2, NULL, copy);
    }
    return plugin__pw_release(s, is_last, next, ud);
}
