/* The request side of a plugin chain: on_request hooks in priority order,
 * then the output filter for the response side. A proxy-wasm filter may
 * keep the request paused (an http_call to an auth service): the chain
 * then waits and goes on from the next plugin when the filter lets it. */
#include "plugin/plugin_int.h"
#include "plugin/plugin_undo.h"
#include "route/directive.h"
#include "route/response.h"

int plugin_chain_add(plugin_chain_t *c, ifr_arena_t *a, plugin_t *p)
{
    plugin_t **n = ifr_arena_alloc(a, (c->count + 1) * sizeof(*n));
    if (!n) return -1;
    /* After every plugin of lower or equal priority: ties keep file order. */
    size_t at = c->count;
    while (at > 0 && c->items[at - 1]->opt.priority > p->opt.priority) at--;
    if (at) memcpy(n, c->items, at * sizeof(*n));
    n[at] = p;
    if (c->count > at) memcpy(n + at + 1, c->items + at, (c->count - at) * sizeof(*n));
    c->items = n;
    c->count++;
    return 0;
}

/* Runs p's on_request; a trapped call's changes to the request are undone. */
static plugin_action_t plugin__on_request(route_exchange_t *x, plugin_t *p, plugin_call_t *call)
{
    http_request_t *r = x->req;
    ifr_str_t path = r->path, query = r->query;
    *call = (plugin_call_t){ .plugin = p, .x = x, .hook = PLUGIN_ON_REQUEST };
    plugin_action_t a = plugin_call_hook(call, 0, 0);
    if (call->trapped) {
        plugin_undo_restore(call);
        r->path = path;
        r->query = query;
    }
    return a;
}

/* Answers with the response the plugin built (503 when it set no status). */
static route_result_t plugin__respond(route_exchange_t *x, const plugin_call_t *call)
{
    for (uint32_t i = 0; i < call->headers.count; i++)
        if (http_headers_add(&x->resp.headers, x->arena, call->headers.items[i].name, call->headers.items[i].value) != 0)
            return route_fail(x, 500, "out of memory");
    return route_send_simple(x, call->status ? call->status : 503, call->body);
}

/* Where a chain stands: the plugins whose response hooks wrap the
 * response so far (made when the first is found: a chain of on_request
 * plugins needs none), and, while a filter keeps the request paused, the
 * plugin that paused it. In x->arena once the chain waits. */
typedef struct {
    const plugin_chain_t *c;
    size_t at;
    plugin_t **wrap;
    size_t nwrap;
} plugin__chain_pos_t;

static route_result_t plugin__chain_from(route_exchange_t *x, plugin__chain_pos_t *pos);

/* p ran on the request: its response hooks wrap the response (and its
 * request body callbacks see the body the handler reads). -1 out of memory. */
static int plugin__chain_wrap(route_exchange_t *x, plugin__chain_pos_t *pos, plugin_t *p)
{
    if (!p->has_hook[PLUGIN_ON_RESPONSE] && !p->has_hook[PLUGIN_ON_BODY] && !p->sees_request_body) return 0;
    if (!pos->wrap && !(pos->wrap = ifr_arena_alloc(x->arena, pos->c->count * sizeof(*pos->wrap)))) return -1;
    pos->wrap[pos->nwrap++] = p;
    return 0;
}

/* The response a plugin built, through the response hooks of those before it. */
static route_result_t plugin__chain_respond(route_exchange_t *x, plugin__chain_pos_t *pos, const plugin_call_t *call)
{
    if (pos->nwrap && plugin_filter_push(x, pos->wrap, pos->nwrap) != 0) return route_fail(x, 500, "out of memory");
    return plugin__respond(x, call);
}

/* A paused filter let the request go on (plugin_pause_t.resume): the
 * chain runs on after it, then the routes after the chain. */
static void plugin__chain_resume(route_exchange_t *x, void *ud, plugin_call_t *call, plugin_action_t a)
{
    plugin__chain_pos_t *pos = ud;
    route_result_t r;
    if (a == PLUGIN_RESPOND) {
        r = plugin__chain_respond(x, pos, call);
    } else if (plugin__chain_wrap(x, pos, pos->c->items[pos->at]) != 0) {
        r = route_fail(x, 500, "out of memory");
    } else {
        pos->at++;
        r = plugin__chain_from(x, pos);
    }
    if (r != ROUTE_ASYNC) route_resume(x, r);
}

/* Runs the chain from pos->at on; ROUTE_ASYNC while a filter keeps the
 * request paused (pos then lives in the arena). */
static route_result_t plugin__chain_from(route_exchange_t *x, plugin__chain_pos_t *pos)
{
    const plugin_chain_t *c = pos->c;
    for (; pos->at < c->count; pos->at++) {
        plugin_t *p = c->items[pos->at];
        if (plugin_is_disabled(p)) continue;
        plugin_action_t a = PLUGIN_CONTINUE;
        plugin_call_t call = { 0 };
        if (p->has_hook[PLUGIN_ON_REQUEST]) a = plugin__on_request(x, p, &call);
        if (a == PLUGIN_RESPOND) return plugin__chain_respond(x, pos, &call);
        if (a == PLUGIN_PAUSE) {
            plugin__chain_pos_t *kept = ifr_arena_alloc(x->arena, sizeof(*kept));
            if (!kept) return route_fail(x, 500, "out of memory");
            *kept = *pos;
            *call.pause = (plugin_pause_t){ plugin__chain_resume, kept };
            return ROUTE_ASYNC;
        }
        if (plugin__chain_wrap(x, pos, p) != 0) return route_fail(x, 500, "out of memory");
        if (a == PLUGIN_SKIP) break;
    }
    if (pos->nwrap && plugin_filter_push(x, pos->wrap, pos->nwrap) != 0) return route_fail(x, 500, "out of memory");
    return ROUTE_NEXT;
}

route_result_t plugin_chain_run(route_exchange_t *x, const plugin_chain_t *c)
{
    plugin__chain_pos_t pos = { .c = c };
    return plugin__chain_from(x, &pos);
}
