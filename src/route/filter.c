/* Output filters and the route layer's own io, which every exchange's
 * handlers write through (see filter.h). */
#include "route/filter.h"

#include <errno.h>
#include <unistd.h>

#include "route/state.h"

int route_filter_head(route_exchange_t *x, route_filter_t *f)
{
    while (f && !f->ops->on_head) f = f->next;
    if (f) return f->ops->on_head(x, f);
    route_state_t *st = route_state(x);
    return st->host_io->send_head(x);
}

int route_filter_body(route_exchange_t *x, route_filter_t *f, const void *data, size_t len,
                      bool is_last)
{
    while (f && (f->bypass || !f->ops->on_body)) f = f->next;
    if (f) return f->ops->on_body(x, f, data, len, is_last);
    route_state_t *st = route_state(x);
    st->bytes_sent += len;
    return st->host_io->send_body(x, data, len, is_last);
}

/* Server goes in before the filters run: deferred `header` edits (and
 * plugins) see it and may change or remove it; a handler's own (an
 * upstream's) is kept. An arena too full for one more field only costs the
 * response its Server field. */
static int route__io_send_head(route_exchange_t *x)
{
    if (!http_headers_get(&x->resp.headers, IFR_LIT("Server")))
        http_headers_add(&x->resp.headers, x->arena, IFR_LIT("Server"), IFR_LIT(ROUTE_SERVER_NAME));
    return route_filter_head(x, route_state(x)->filters);
}

static int route__io_send_body(route_exchange_t *x, const void *data, size_t len, bool is_last)
{
    return route_filter_body(x, route_state(x)->filters, data, len, is_last);
}

/* Whether some filter wants to see body bytes. */
static bool route__filters_touch_body(route_state_t *st)
{
    for (route_filter_t *f = st->filters; f; f = f->next)
        if (!f->bypass && f->ops->on_body) return true;
    return false;
}

/* Filters speak bodies, not trailers: a filter that sees the body (encode
 * compressing it) makes the trailers go, as they may no longer hold for
 * what the client gets (a checksum of the uncompressed bytes). */
static int route__io_send_trailers(route_exchange_t *x, const http_headers_t *trailers)
{
    route_state_t *st = route_state(x);
    if (route__filters_touch_body(st) || !st->host_io->send_trailers) return route__io_send_body(x, NULL, 0, true);
    return st->host_io->send_trailers(x, trailers);
}

static int route__io_send_file(route_exchange_t *x, int fd, off_t offset, uint64_t len, bool is_last)
{
    route_state_t *st = route_state(x);
    if (!route__filters_touch_body(st) && st->host_io->send_file) {
        st->bytes_sent += len;
        return st->host_io->send_file(x, fd, offset, len, is_last);
    }
    /* A filter must see the bytes (or the host has no send_file): read the
     * file through a fixed buffer, so memory stays flat for big files. */
    char buf[16384];
    int rc = 0;
    while (len > 0 && rc == 0) {
        size_t want = len < sizeof(buf) ? (size_t)len : sizeof(buf);
        ssize_t n = pread(fd, buf, want, offset);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) { rc = -1; break; }
        offset += n;
        len -= (uint64_t)n;
        rc = route__io_send_body(x, buf, (size_t)n, is_last && len == 0);
    }
    close(fd);
    return rc;
}

static route_splice_t route__io_splice_body(route_exchange_t *x, int src_fd, uint64_t max, size_t *moved)
{
    route_state_t *st = route_state(x);
    if (route__filters_touch_body(st) || !st->host_io->splice_body) return ROUTE_SPLICE_NO;
    route_splice_t rc = st->host_io->splice_body(x, src_fd, max, moved);
    if (rc == ROUTE_SPLICE_MOVED) st->bytes_sent += *moved;
    return rc;
}

/* The handler reading the request body, for the filters that see it. */
struct route_body_tap {
    route_body_cb cb;
    void *ud;
};

static route_filter_t *route__next_request_body(route_filter_t *f)
{
    while (f && !f->ops->on_request_body) f = f->next;
    return f;
}

int route_filter_request_body(route_exchange_t *x, route_filter_t *f, const void *data, size_t len, bool is_last)
{
    route_filter_t *n = route__next_request_body(f->next);
    if (n) return n->ops->on_request_body(x, n, data, len, is_last);
    return f->tap->cb(x, data, len, is_last, f->tap->ud);
}

static int route__tap_first(route_exchange_t *x, const void *data, size_t len, bool is_last, void *ud)
{
    route_filter_t *f = ud;
    return f->ops->on_request_body(x, f, data, len, is_last);
}

/* With filters that see the request body, the host delivers it to the
 * first of them; the last passes it to the handler's callback. */
static int route__io_read_body(route_exchange_t *x, route_body_cb cb, void *ud)
{
    route_state_t *st = route_state(x);
    route_filter_t *first = route__next_request_body(st->filters);
    if (!first) return st->host_io->read_body(x, cb, ud);
    struct route_body_tap *tap = ifr_arena_alloc(x->arena, sizeof(*tap));
    if (!tap) return -1;
    *tap = (struct route_body_tap){ cb, ud };
    for (route_filter_t *f = first; f; f = route__next_request_body(f->next)) f->tap = tap;
    return st->host_io->read_body(x, route__tap_first, first);
}

static int route__io_resume_body(route_exchange_t *x)
{
    const route_io_t *h = route_state(x)->host_io;
    return h->resume_body ? h->resume_body(x) : -1;
}

static uint64_t route__io_queued(route_exchange_t *x)
{
    const route_io_t *h = route_state(x)->host_io;
    return h->queued ? h->queued(x) : 0;
}

/* A host without an output queue is always writable: resume at once. */
static int route__io_wait_writable(route_exchange_t *x, route_resume_cb cb, void *ud)
{
    const route_io_t *h = route_state(x)->host_io;
    if (h->wait_writable) return h->wait_writable(x, cb, ud);
    cb(x, ud);
    return 0;
}

/* defer and timer pass straight to the host; -1 tells the caller that the
 * host has none (it then continues at once, or gives up waiting). */
static int route__io_defer(route_exchange_t *x, route_resume_cb cb, void *ud)
{
    const route_io_t *h = route_state(x)->host_io;
    return h->defer ? h->defer(x, cb, ud) : -1;
}

static int route__io_timer(route_exchange_t *x, int64_t delay_ns, route_resume_cb cb, void *ud)
{
    const route_io_t *h = route_state(x)->host_io;
    return h->timer ? h->timer(x, delay_ns, cb, ud) : -1;
}

static int route__io_abort(route_exchange_t *x)
{
    const route_io_t *h = route_state(x)->host_io;
    return h->abort ? h->abort(x) : -1;
}

/* A tunnel is bytes, not a response: filters stay out of it. */
static int route__io_upgrade(route_exchange_t *x, int peer_fd, const void *pending, size_t len)
{
    const route_io_t *h = route_state(x)->host_io;
    if (!h->upgrade) {
        close(peer_fd);
        return -1;
    }
    if (!http_headers_get(&x->resp.headers, IFR_LIT("Server")))
        http_headers_add(&x->resp.headers, x->arena, IFR_LIT("Server"), IFR_LIT(ROUTE_SERVER_NAME));
    return h->upgrade(x, peer_fd, pending, len);
}

/* Output filters work on the final response; a hint passes them by. */
static int route__io_send_interim(route_exchange_t *x, int status, const http_headers_t *headers)
{
    const route_io_t *h = route_state(x)->host_io;
    return h->send_interim ? h->send_interim(x, status, headers) : 0;
}

/* -1 without helpers: the caller runs the work inline. */
static int route__io_offload(route_exchange_t *x, void (*work)(void *arg), void *arg, size_t size,
                            route_resume_cb done, void *ud)
{
    const route_io_t *h = route_state(x)->host_io;
    return h->offload ? h->offload(x, work, arg, size, done, ud) : -1;
}

static const route_io_t route__filter_io = {
    .send_head = route__io_send_head,
    .send_body = route__io_send_body,
    .send_trailers = route__io_send_trailers,
    .send_file = route__io_send_file,
    .splice_body = route__io_splice_body,
    .read_body = route__io_read_body,
    .resume_body = route__io_resume_body,
    .queued = route__io_queued,
    .wait_writable = route__io_wait_writable,
    .defer = route__io_defer,
    .timer = route__io_timer,
    .abort = route__io_abort,
    .upgrade = route__io_upgrade,
    .offload = route__io_offload,
    .send_interim = route__io_send_interim,
};

/* Puts the route io in front of the host's (once per exchange). */
static void route__filter_wrap_io(route_exchange_t *x, route_state_t *st)
{
    if (x->io != &route__filter_io) {
        st->host_io = x->io;
        x->io = &route__filter_io;
    }
}

int route_filter_push(route_exchange_t *x, const route_filter_ops_t *ops, void *ctx)
{
    route_state_t *st = route_state(x);
    if (!st || x->head_sent) return -1;
    route_filter_t *f = ifr_arena_calloc(x->arena, 1, sizeof(*f));
    if (!f) return -1;
    route__filter_wrap_io(x, st);
    f->ops = ops;
    f->ctx = ctx;
    route_filter_t **at = &st->filters;
    if (!ops->inner)
        while (*at && (*at)->ops->inner) at = &(*at)->next;
    f->next = *at;
    *at = f;
    return 0;
}

void route_filter_clear(route_exchange_t *x)
{
    route_state_t *st = route_state(x);
    if (!st) return;
    route_filter_t **link = &st->filters;
    for (route_filter_t *f = st->filters; f; f = f->next)
        if (f->ops->keep_on_error) {
            *link = f;
            link = &f->next;
        }
    *link = NULL;
}

uint64_t route_filter_bytes_sent(route_exchange_t *x)
{
    route_state_t *st = x->route_state;
    return st ? st->bytes_sent : 0;
}

void route_filter_install(route_exchange_t *x)
{
    route_state_t *st = route_state(x);
    if (st) route__filter_wrap_io(x, st);
}
