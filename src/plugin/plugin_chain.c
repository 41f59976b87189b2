/* The request side of a plugin chain: on_request hooks in priority order,
 * then the output filter for the response side. */
#include "plugin/plugin_int.h"
#include "plugin/plugin_undo.h"
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

route_result_t plugin_chain_run(route_exchange_t *x, const plugin_chain_t *c)
{
    /* The plugins whose response hooks wrap this response (made when the
     * first one is found: a chain of on_request plugins needs none). */
    plugin_t **wrap = NULL;
    size_t nwrap = 0;
    for (size_t i = 0; i < c->count; i++) {
        plugin_t *p = c->items[i];
        if (plugin_is_disabled(p)) continue;
        plugin_action_t a = PLUGIN_CONTINUE;
        plugin_call_t call = { 0 };
        if (p->has_hook[PLUGIN_ON_REQUEST]) a = plugin__on_request(x, p, &call);
        if (a == PLUGIN_RESPOND) {
            if (nwrap && plugin_filter_push(x, wrap, nwrap) != 0) return route_fail(x, 500, "out of memory");
            return plugin__respond(x, &call);
        }
        if (p->has_hook[PLUGIN_ON_RESPONSE] || p->has_hook[PLUGIN_ON_BODY]) {
            if (!wrap && !(wrap = ifr_arena_alloc(x->arena, c->count * sizeof(*wrap))))
                return route_fail(x, 500, "out of memory");
            wrap[nwrap++] = p;
        }
        if (a == PLUGIN_SKIP) break;
    }
    if (nwrap && plugin_filter_push(x, wrap, nwrap) != 0) return route_fail(x, 500, "out of memory");
    return ROUTE_NEXT;
}
