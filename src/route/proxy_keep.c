/* x->io while a handle_response block that copies the response waits for
 * the upstream's body (proxy_keep.h): body bytes go into the kept buffer,
 * the end and trailers are dropped (copy_response sends its own end), and
 * splicing is refused so every byte passes through send_body. The rest
 * (timers, defer) is the route io's. */
#include "route/proxy_keep.h"

#include "route/state.h"

static route_proxy_kept_t *route__keep_of(route_exchange_t *x)
{
    const route_state_t *st = route_state(x);
    return st && st->proxy_answer ? st->proxy_answer->kept : NULL;
}

static int route__keep_body(route_exchange_t *x, const void *data, size_t len, bool is_last)
{
    (void)is_last;
    route_proxy_kept_t *k = route__keep_of(x);
    if (!k) return -1;
    if (k->body.len + len > ROUTE_PROXY_KEEP_MAX) {
        k->over = true;
        return -1;
    }
    return len ? ifr_buf_append(&k->body, data, len) : 0;
}

static int route__keep_trailers(route_exchange_t *x, const http_headers_t *trailers)
{
    (void)trailers;
    return route__keep_of(x) ? 0 : -1;
}

static route_splice_t route__keep_splice(route_exchange_t *x, int src_fd, uint64_t max, size_t *moved)
{
    (void)x, (void)src_fd, (void)max;
    *moved = 0;
    return ROUTE_SPLICE_NO;
}

static void route__keep_free(void *data)
{
    ifr_buf_free(&((route_proxy_kept_t *)data)->body);
}

int route_proxy_keep_start(route_exchange_t *x, route_proxy_kept_t *k)
{
    if (ifr_arena_on_cleanup(x->arena, route__keep_free, k) != 0) return -1;
    k->io = x->io;
    k->gather = *x->io;
    k->gather.send_body = route__keep_body;
    k->gather.send_trailers = route__keep_trailers;
    k->gather.splice_body = route__keep_splice;
    k->gather.queued = NULL;          /* nothing queues for the client meanwhile */
    k->gather.wait_writable = NULL;
    x->io = &k->gather;
    return 0;
}

void route_proxy_keep_stop(route_exchange_t *x, route_proxy_kept_t *k)
{
    if (x->io == &k->gather) x->io = k->io;
}
