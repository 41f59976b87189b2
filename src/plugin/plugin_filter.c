/* The response side of a plugin chain: one output filter (route/filter.h)
 * that runs on_response on the head and on_body on every chunk, for the
 * plugins that ran on the request, in the same priority order; and the
 * request body on its way to the handler, for proxy-wasm filters with
 * request body callbacks. */
#include <stdlib.h>

#include "plugin/plugin_int.h"
#include "plugin/plugin_proxy_wasm.h"
#include "plugin/plugin_undo.h"
#include "route/filter.h"

typedef struct {
    plugin_t *const *plugins;   /* x->arena */
    size_t count;               /* lowered when a hook answers skip */
    ifr_buf_t bufs[2];          /* replacement chunks, ping-pong between plugins */
} plugin__filter_ctx_t;

static void plugin__filter_free(void *ud)
{
    plugin__filter_ctx_t *fc = ud;
    ifr_buf_free(&fc->bufs[0]);
    ifr_buf_free(&fc->bufs[1]);
}

/* Runs p's on_response; a trapped call's changes to the head are undone. */
static plugin_action_t plugin__on_response(route_exchange_t *x, plugin_t *p)
{
    http_response_t *r = &x->resp;
    int status = r->status;
    plugin_call_t call = { .plugin = p, .x = x, .hook = PLUGIN_ON_RESPONSE };
    plugin_action_t a = plugin_call_hook(&call, 0, 0);
    if (call.trapped) {
        plugin_undo_restore(&call);
        r->status = status;
    }
    return a;
}

static bool plugin__bodiless(route_exchange_t *x)
{
    int s = x->resp.status;
    return s < 200 || s == 204 || s == 304 || ifr_str_eq_cstr(x->req->method, "HEAD");
}

static int plugin__filter_head(route_exchange_t *x, route_filter_t *f)
{
    plugin__filter_ctx_t *fc = f->ctx;
    for (size_t i = 0; i < fc->count; i++) {
        plugin_t *p = fc->plugins[i];
        if (!p->has_hook[PLUGIN_ON_RESPONSE] || plugin_is_disabled(p)) continue;
        if (plugin__on_response(x, p) != PLUGIN_CONTINUE) fc->count = i + 1;
    }
    bool body_hooks = false;
    for (size_t i = 0; i < fc->count; i++) body_hooks |= fc->plugins[i]->has_hook[PLUGIN_ON_BODY];
    if (!body_hooks || plugin__bodiless(x)) {
        f->bypass = true;
    } else {
        /* on_body may change the length: the host frames the body itself. */
        x->resp.content_length = -1;
        http_headers_remove(&x->resp.headers, IFR_LIT("Content-Length"));
    }
    return route_filter_head(x, f->next);
}

/* Runs the on_body hooks over one piece of at most PLUGIN_BODY_CHUNK_MAX
 * bytes and passes what they leave on. */
static int plugin__filter_piece(route_exchange_t *x, route_filter_t *f, ifr_str_t cur, bool is_last)
{
    plugin__filter_ctx_t *fc = f->ctx;
    int k = 0;
    for (size_t i = 0; i < fc->count; i++) {
        plugin_t *p = fc->plugins[i];
        if (!p->has_hook[PLUGIN_ON_BODY] || plugin_is_disabled(p)) continue;
        plugin_call_t call = { .plugin = p, .x = x, .hook = PLUGIN_ON_BODY, .chunk = cur, .out = &fc->bufs[k] };
        plugin_action_t a = plugin_call_hook(&call, (int32_t)(cur.len > INT32_MAX ? INT32_MAX : cur.len), is_last);
        if (call.replaced && !call.trapped) {
            cur = ifr_buf_str(&fc->bufs[k]);
            k ^= 1;
        }
        if (a != PLUGIN_CONTINUE) break;
    }
    if (cur.len == 0 && !is_last) return 0;
    return route_filter_body(x, f->next, cur.ptr, cur.len, is_last);
}

/* A chunk longer than PLUGIN_BODY_CHUNK_MAX goes to the hooks in pieces:
 * the per-call fuel then buys a known amount of work per byte. */
static int plugin__filter_body(route_exchange_t *x, route_filter_t *f, const void *data, size_t len, bool is_last)
{
    const char *at = data;
    while (len > PLUGIN_BODY_CHUNK_MAX) {
        if (plugin__filter_piece(x, f, ifr_str(at, PLUGIN_BODY_CHUNK_MAX), false) != 0) return -1;
        at += PLUGIN_BODY_CHUNK_MAX;
        len -= PLUGIN_BODY_CHUNK_MAX;
    }
    return plugin__filter_piece(x, f, ifr_str(at, len), is_last);
}

/* The request body through the plugins that see it, in priority order:
 * what plugin i lets go goes to the next one, the last one's to the
 * handler (route_filter_request_body). */
typedef struct {
    route_exchange_t *x;
    route_filter_t *f;
    size_t next;
} plugin__body_step_t;

static int plugin__request_body_from(void *ud, const void *data, size_t len, bool is_last)
{
    plugin__body_step_t *st = ud;
    plugin__filter_ctx_t *fc = st->f->ctx;
    for (size_t i = st->next; i < fc->count; i++)
        if (fc->plugins[i]->sees_request_body) {
            plugin__body_step_t next = { st->x, st->f, i + 1 };
            return plugin_pw_request_body(st->x, fc->plugins[i], data, len, is_last, plugin__request_body_from, &next,
                                          sizeof next);
        }
    return route_filter_request_body(st->x, st->f, data, len, is_last);
}

static int plugin__filter_request_body(route_exchange_t *x, route_filter_t *f, const void *data, size_t len,
                                       bool is_last)
{
    plugin__body_step_t first = { x, f, 0 };
    return plugin__request_body_from(&first, data, len, is_last);
}

static const route_filter_ops_t plugin__filter_ops = {
    .name = "wasm_plugin", .on_head = plugin__filter_head, .on_body = plugin__filter_body,
    .on_request_body = plugin__filter_request_body,
    .inner = true, .keep_on_error = true,
};

int plugin_filter_push(route_exchange_t *x, plugin_t *const *plugins, size_t n)
{
    plugin__filter_ctx_t *fc = ifr_arena_calloc(x->arena, 1, sizeof(*fc));
    if (!fc) return -1;
    fc->plugins = plugins;
    fc->count = n;
    fc->bufs[0] = IFR_BUF_INIT;
    fc->bufs[1] = IFR_BUF_INIT;
    if (ifr_arena_on_cleanup(x->arena, plugin__filter_free, fc) != 0) return -1;
    return route_filter_push(x, &plugin__filter_ops, fc);
}
