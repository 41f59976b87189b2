/* See edge_proxy.h. */
#include "edge/edge_proxy.h"

#include "route/proxy_transport.h"

struct route_proxy_call {
    edge_exchange_t *ex;
    route_proxy_request_t req;
    const route_proxy_call_cb_t *cb;
    void *ud;
};

static int edge__proxy_start(route_exchange_t *x, const route_proxy_request_t *req, const route_proxy_call_cb_t *cb, void *ud,
                            route_proxy_call_t **out)
{
    edge_exchange_t *ex = x->io_ctx;
    route_proxy_call_t *call = ifr_arena_alloc(x->arena, sizeof(*call));
    if (!call) return -1;
    *call = (route_proxy_call_t){ .ex = ex, .req = *req, .cb = cb, .ud = ud };
    ex->call = *out = call;
    return 0;
}

static void edge__proxy_cancel(route_proxy_call_t *call)
{
    if (call->ex->call != call) return;
    call->ex->call = NULL;
    call->ex->upstream_body = false;
}

static const route_proxy_transport_t edge__proxy_transport = {
    .start = edge__proxy_start,
    .cancel = edge__proxy_cancel,
};

void edge_proxy_register(void)
{
    route_proxy_transport_register(&edge__proxy_transport);
}

int edge_proxy_request(edge_exchange_t *ex, ifr_buf_t *out, bool *with_body)
{
    const route_proxy_call_t *call = ex->call;
    if (!call || !call->req.upstream->host) return -1;   /* unix sockets are not reachable from here */
    ifr_buf_clear(out);
    const route_proxy_request_t *r = &call->req;
    /* An https upstream is fetched over https: the Workers runtime makes
     * the TLS connection and verifies it its own way (docs/edge.md). */
    const char *scheme = r->upstream->tls ? "https" : "http";
    char *url = ifr_arena_printf(&ex->arena, "%s://%.*s%.*s", scheme, (int)r->upstream->hostport.len,
                                 r->upstream->hostport.ptr, (int)r->target.len, r->target.ptr);
    if (!url || edge_item_put(out, r->method) < 0 || edge_item_put(out, ifr_cstr(url)) < 0) return -1;
    for (uint32_t i = 0; i < r->headers->count; i++) {
        const http_header_t *h = &r->headers->items[i];
        if (edge_item_put(out, h->name) < 0 || edge_item_put(out, h->value) < 0) return -1;
    }
    *with_body = r->with_body;
    return 0;
}

void edge_proxy_head(edge_exchange_t *ex, int status, ifr_str_t fields, int64_t length)
{
    route_proxy_call_t *call = ex->call;
    if (!call) return;
    ex->call = NULL;
    route_exchange_t *x = &ex->x;
    bool no_body = ifr_str_eq(ex->req.method, IFR_LIT("HEAD")) || status < 200 || status == 204 || status == 304;
    http_upstream_response_t r = {
        .status = status,
        .version_minor = 1,
        .body_kind = no_body ? HTTP_BODY_NONE : length >= 0 ? HTTP_BODY_LENGTH : HTTP_BODY_UNTIL_CLOSE,
        .content_length = length >= 0 ? (uint64_t)length : 0,
    };
    ifr_str_t name, value;
    size_t off = 0;
    /* Slices must live in x->arena: fields is the shim's buffer. */
    while (edge_item_next(fields, &off, &name) && edge_item_next(fields, &off, &value))
        if (http_headers_add(&r.headers, x->arena, ifr_arena_str(x->arena, name), ifr_arena_str(x->arena, value)) != 0) {
            call->cb->on_fail(call->ud, ROUTE_PROXY_FAIL_PROTOCOL, "out of memory", true);
            return;
        }
    int taken = call->cb->on_head(call->ud, &r);
    if (taken != 0) {
        /* ROUTE_PROXY_HEAD_DONE: the head was all the handler wanted. */
        call->cb->on_end(call->ud, taken == ROUTE_PROXY_HEAD_DONE);
        return;
    }
    ex->call = call;
    ex->upstream_body = true;
}

void edge_proxy_body(edge_exchange_t *ex, ifr_str_t bytes, bool last, bool broken)
{
    route_proxy_call_t *call = ex->call;
    if (!call || !ex->upstream_body) return;
    route_exchange_t *x = &ex->x;
    bool ok = !broken && x->io->send_body(x, bytes.ptr, bytes.len, last) == 0;
    if (ok && !last) return;
    ex->call = NULL;
    ex->upstream_body = false;
    call->cb->on_end(call->ud, ok);
}

void edge_proxy_failed(edge_exchange_t *ex, ifr_str_t why)
{
    route_proxy_call_t *call = ex->call;
    if (!call) return;
    ex->call = NULL;
    const char *detail = ifr_arena_strndup(&ex->arena, why.ptr, why.len);
    /* Whether the request reached the upstream is unknown: say it did, so
     * only requests safe to repeat are retried. */
    call->cb->on_fail(call->ud, ROUTE_PROXY_FAIL_DIAL, detail ? detail : "fetch failed", true);
}
