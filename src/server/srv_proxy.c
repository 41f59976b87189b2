/* The native reverse_proxy call: see srv_proxy.h and route/proxy_transport.h.
 *
 * A call moves DIAL -> HEAD (request going up, waiting for the response
 * head) -> BODY (relaying the response) -> DONE. Writing the request and
 * reading the response are independent, so an upstream that answers before
 * it read the whole request body (a 413, say) is handled like any other. */
#include "server/srv_proxy.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "http/chunked.h"
#include "http/response_writer.h"
#include "route/proxy_headers.h"
#include "route/proxy_transport.h"
#include "server/srv_exchange.h"
#include "server/srv_fields.h"
#include "server/srv_h2_upstream.h"
#include "server/srv_proxy_health.h"
#include "server/srv_transport_tls_client.h"
#include "server/srv_tunnel.h"
#include "server/srv_upcall.h"
#include "server/srv_upstream.h"

/* Room in the read buffer beyond read_buffer, so a head at the parser's
 * limits always fits and the parser, not the buffer, refuses it. */
#define SRV__CALL_HEAD_ROOM (HTTP_RESP_MAX_STATUS_LINE + HTTP_RESP_MAX_FIELD_SECTION + 1024)

/* A body of known length at least this long goes from socket to socket
 * through a pipe (route_io_t.splice_body): past a few pages, the two
 * copies through user space cost more than the splices. */
#define SRV__CALL_SPLICE_MIN (64 * 1024)

typedef enum { SRV__CALL_DIAL, SRV__CALL_HEAD, SRV__CALL_BODY, SRV__CALL_DONE } srv__call_state_t;

struct route_proxy_call {
    route_exchange_t *x;
    srv_exchange_t *ex;
    srv_upcall_t u;              /* connection, timer (dial_timeout, then the nearest of
                                    response_header_timeout, read_timeout and write_timeout:
                                    srv__call_arm), buffers; its task runs srv__call_kick */
    route_proxy_request_t req;
    const route_proxy_call_cb_t *cb;
    void *ud;
    srv__call_state_t state;
    int64_t header_at;           /* response_header_timeout's deadline once the request is written; 0 = none */
    ifr_buf_t hold;              /* body bytes held for flush_interval; owned */
    int64_t flush_ns;            /* 0: every body write goes on at once */
    bool flush_armed;            /* the exchange timer will pass hold on */
    http_resp_parser_t parser;
    http_upstream_response_t resp;
    http_chunked_decoder_t chunked;
    char *trailer;               /* the upstream's trailer section as read (x->arena,
                                    HTTP_CHUNK_TRAILER_MAX bytes once one starts) */
    size_t trailer_len;
    uint64_t body_left;          /* HTTP_BODY_LENGTH: response bytes still to come */
    bool body_chunked;           /* the request body goes up chunked */
    bool splicing;               /* the body goes by splice_body (while it says yes) */
    bool request_whole;          /* the request was all written: header_at and read_since set */
    unsigned interim;            /* informational heads seen */
    srv_h2up_call_t *h2;         /* the call went over HTTP/2 (srv_h2_upstream.h): it runs there */
};

static void srv__call_pump(route_proxy_call_t *c);

/* Releases the connection (to the pool when keep), timers and buffers. */
static void srv__call_release(route_proxy_call_t *c, bool keep)
{
    c->state = SRV__CALL_DONE;
    srv_upcall_release(&c->u, c->req.conf, keep);
    ifr_buf_free(&c->hold);
}

static int srv__call_serialize(route_proxy_call_t *c)
{
    const route_proxy_request_t *r = &c->req;
    const http_request_t *in = c->x->req;
    ifr_buf_t *b = &c->u.wbuf;
    ifr_buf_clear(b);
    int rc = ifr_buf_append_str(b, r->method) | ifr_buf_append_byte(b, ' ') | ifr_buf_append_str(b, r->target) |
             ifr_buf_append_cstr(b, " HTTP/1.1\r\n");
    srv_write_fields(b, r->headers, "request header");
    if (!http_headers_get(r->headers, IFR_LIT("host"))) rc |= http_write_field(b, IFR_LIT("Host"), r->upstream->hostport);
    c->body_chunked = false;
    if (r->with_body && in->body_kind == HTTP_BODY_LENGTH) {
        rc |= http_write_field_uint(b, IFR_LIT("Content-Length"), in->content_length);
    } else if (r->with_body) {
        rc |= http_write_field(b, IFR_LIT("Transfer-Encoding"), IFR_LIT("chunked"));
        c->body_chunked = true;
    } else if (ifr_str_eq(r->method, IFR_LIT("POST")) || ifr_str_eq(r->method, IFR_LIT("PUT")) ||
               ifr_str_eq(r->method, IFR_LIT("PATCH"))) {
        /* As Go's transport (so Caddy): many servers want a length for these. */
        rc |= http_write_field(b, IFR_LIT("Content-Length"), IFR_LIT("0"));
    }
    if (r->conf->keepalive_ns <= 0 && !r->upgrade) rc |= http_write_field(b, IFR_LIT("Connection"), IFR_LIT("close"));
    rc |= ifr_buf_append(b, "\r\n", 2);
    return rc ? -1 : 0;
}

/* Fails the call before a head arrived. A pooled connection the upstream
 * closed while idle looks like this too: that is retried at once on a
 * fresh connection, as long as nothing of the body was consumed. */
static void srv__call_fail(route_proxy_call_t *c, route_proxy_fail_t why, const char *detail)
{
    if (c->state == SRV__CALL_DONE) return;
    if (why == ROUTE_PROXY_FAIL_PROTOCOL && c->u.reused && !c->u.got_any && !c->u.body_started && c->state == SRV__CALL_HEAD) {
        c->request_whole = false;
        c->header_at = 0;
        c->state = SRV__CALL_DIAL;
        srv_upcall_retry_fresh(&c->u);
        return;
    }
    /* Once the client's body started flowing it cannot be read again, so
     * the request counts as sent even if no byte reached the socket (a
     * reset before the first write): a retry would find no body. */
    bool sent = c->u.sent_any || c->u.body_started;
    srv__call_release(c, false);
    c->cb->on_fail(c->ud, why, detail, sent);
}

/* The response broke off after its head went to the client: the client
 * learns by the connection closing (no final chunk). */
static void srv__call_abort(route_proxy_call_t *c, const char *why)
{
    if (c->state == SRV__CALL_DONE) return;
    ifr_log_warn("reverse_proxy", "upstream %.*s: %s", (int)c->req.upstream->hostport.len,
                 c->req.upstream->hostport.ptr, why);
    srv__call_release(c, false);
    srv_exchange_fail(c->ex, 502);
    c->cb->on_end(c->ud, false);
}

/* The trailer fields that go on to the client (none if the arena is full). */
static http_headers_t srv__call_trailers(route_proxy_call_t *c)
{
    http_headers_t t = { 0 };
    if (!c->trailer_len) return t;
    if (http_chunked_trailers(ifr_str(c->trailer, c->trailer_len), c->x->arena, &t) != 0) {
        ifr_log_debug("reverse_proxy", "trailers dropped: out of memory");
        t.count = 0;
    }
    route_proxy_trailers_down(&c->resp, &t);
    return t;
}

static void srv__call_complete(route_proxy_call_t *c)
{
    route_exchange_t *x = c->x;
    bool keep = c->resp.keep_alive && !c->u.write_failed && c->u.wbuf.len == 0 && c->u.rbuf.len == 0 &&
                (!c->req.with_body || c->u.body_done);
    ifr_buf_t held = c->hold;    /* what flush_interval still holds goes out with the end */
    c->hold = IFR_BUF_INIT;
    http_headers_t trailers = srv__call_trailers(c);
    srv__call_release(c, keep);
    if (held.len) x->io->send_body(x, held.data, held.len, false);
    x->io->send_trailers(x, &trailers);   /* with none, the plain end of the body */
    ifr_buf_free(&held);
    c->cb->on_end(c->ud, true);
}

/* Keeps a piece of the upstream's trailer section for srv__call_complete. The
 * decoder bounds the whole section by HTTP_CHUNK_TRAILER_MAX. -1 out of memory. */
static int srv__call_keep_trailer(route_proxy_call_t *c, ifr_str_t piece)
{
    if (!c->trailer) c->trailer = ifr_arena_alloc(c->x->arena, HTTP_CHUNK_TRAILER_MAX);
    if (!c->trailer || c->trailer_len + piece.len > HTTP_CHUNK_TRAILER_MAX) return -1;
    memcpy(c->trailer + c->trailer_len, piece.ptr, piece.len);
    c->trailer_len += piece.len;
    return 0;
}

static bool srv__call_request_written(const route_proxy_call_t *c)
{
    return c->u.wbuf.len == 0 && (!c->req.with_body || c->u.body_done);
}

/* read_timeout's deadline: the upstream owes bytes (the request is
 * written, or its response began) and the client is not what holds them
 * back. 0 when it does not run. */
static int64_t srv__call_read_deadline(const route_proxy_call_t *c)
{
    int64_t t = c->req.conf->read_timeout_ns;
    return t > 0 ? srv_upcall_read_deadline(&c->u, t, srv__call_request_written(c)) : 0;
}

/* write_timeout's deadline: request bytes wait for the upstream to take them. */
static int64_t srv__call_write_deadline(const route_proxy_call_t *c)
{
    return srv_upcall_write_deadline(&c->u, c->req.conf->write_timeout_ns);
}

/* Once connected, the one timer waits for the nearest deadline (left
 * alone when that did not move). */
static void srv__call_arm(route_proxy_call_t *c)
{
    if (c->state != SRV__CALL_HEAD && c->state != SRV__CALL_BODY) return;
    int64_t at = c->state == SRV__CALL_HEAD ? c->header_at : 0;
    at = srv_upcall_earliest(at, srv__call_read_deadline(c));
    at = srv_upcall_earliest(at, srv__call_write_deadline(c));
    srv_upcall_arm(&c->u, at);
}

/* Writes what the socket takes. -1 on a write error. */
static int srv__call_flush(route_proxy_call_t *c)
{
    if (srv_upcall_flush(&c->u, c->x) != 0) return -1;
    if (c->state == SRV__CALL_HEAD && srv__call_request_written(c) && !c->request_whole) {
        /* The wait for the response begins. */
        c->request_whole = true;
        c->u.read_since = c->u.loop->now;
        if (c->req.conf->response_header_timeout_ns > 0)
            c->header_at = c->u.loop->now + c->req.conf->response_header_timeout_ns;
    }
    srv__call_arm(c);
    return 0;
}

/* The last chunk of a chunked request body, with the client's trailer
 * fields that may go on (route_proxy_trailers_up); a field with bytes that
 * could split the message is dropped, as in a head. Nonzero out of memory. */
static int srv__call_body_end(route_proxy_call_t *c)
{
    const http_headers_t *in = c->x->req_trailers;
    if (!in || in->count == 0) return ifr_buf_append(&c->u.wbuf, HTTP_CHUNKED_LAST, 5);
    http_headers_t t = { .count = in->count, .cap = in->count };
    t.items = ifr_arena_alloc(c->x->arena, in->count * sizeof(*t.items));
    if (!t.items) return -1;
    memcpy(t.items, in->items, in->count * sizeof(*t.items));
    route_proxy_trailers_up(c->x->req, &t);
    int rc = ifr_buf_append(&c->u.wbuf, "0\r\n", 3);
    srv_write_fields(&c->u.wbuf, &t, "request trailer");
    return rc | ifr_buf_append(&c->u.wbuf, "\r\n", 2);
}

/* The client's request body, chunk by chunk (route_body_cb). */
static int srv__call_client_body(route_exchange_t *x, const void *data, size_t len, bool is_last, void *ud)
{
    (void)x;
    route_proxy_call_t *c = ud;
    if (c->state == SRV__CALL_DONE || c->u.write_failed) return 1;
    if (!c->u.wbuf.len) c->u.write_since = c->u.loop->now;
    int rc = 0;
    if (len && c->body_chunked) {
        char head[HTTP_CHUNK_HEAD_MAX];
        size_t hl = http_chunk_head(head, len);
        rc |= ifr_buf_append(&c->u.wbuf, head, hl) | ifr_buf_append(&c->u.wbuf, data, len) | ifr_buf_append(&c->u.wbuf, "\r\n", 2);
    } else if (len) {
        rc |= ifr_buf_append(&c->u.wbuf, data, len);
    }
    if (is_last) {
        c->u.body_done = true;
        if (c->body_chunked) rc |= srv__call_body_end(c);
    }
    if (rc) {
        c->u.kick_error = "out of memory";
        srv_loop_post(c->u.loop, &c->u.task);
        return 1;
    }
    srv__call_flush(c);   /* an error shows when the response is read */
    return srv_upcall_body_taken(&c->u, is_last);
}

static void srv__call_client_writable(route_exchange_t *x, void *ud)
{
    (void)x;
    route_proxy_call_t *c = ud;
    srv_upcall_client_writable(&c->u);
    srv__call_pump(c);
}

/* Passes on what flush_interval held. 0, or -1 when the client is gone. */
static int srv__call_send_held(route_proxy_call_t *c)
{
    if (!c->hold.len) return 0;
    int rc = c->x->io->send_body(c->x, c->hold.data, c->hold.len, false);
    ifr_buf_clear(&c->hold);
    return rc;
}

static void srv__call_flush_due(route_exchange_t *x, void *ud)
{
    (void)x;
    route_proxy_call_t *c = ud;
    c->flush_armed = false;
    if (c->state != SRV__CALL_BODY) return;
    if (srv__call_send_held(c) != 0) {
        srv__call_release(c, false);
        c->cb->on_end(c->ud, false);
        return;
    }
    srv__call_pump(c);
}

/* Body bytes for the client: at once, or held for flush_interval (until
 * the timer, a buffer's worth, or the end). 0, or -1 when the client is gone. */
static int srv__call_send_body(route_proxy_call_t *c, ifr_str_t data)
{
    route_exchange_t *x = c->x;
    if (!c->flush_ns) return x->io->send_body(x, data.ptr, data.len, false);
    if (ifr_buf_append(&c->hold, data.ptr, data.len) != 0) return -1;
    if (c->hold.len >= c->req.conf->read_buffer) return srv__call_send_held(c);
    if (!c->flush_armed && x->io->timer(x, c->flush_ns, srv__call_flush_due, c) == 0) c->flush_armed = true;
    if (!c->flush_armed) return srv__call_send_held(c);   /* a host without timers */
    return 0;
}

/* Hands response body bytes in rbuf to the client. */
static void srv__call_relay_body(route_proxy_call_t *c)
{
    route_exchange_t *x = c->x;
    while (c->state == SRV__CALL_BODY && c->u.rbuf.len && !c->u.waiting_client) {
        ifr_str_t data = IFR_NULL_STR;
        size_t used = 0;
        bool end = false;
        if (c->resp.body_kind == HTTP_BODY_CHUNKED) {
            http_chunked_status_t st = http_chunked_decode(&c->chunked, c->u.rbuf.data, c->u.rbuf.len, &used, &data);
            if (st == HTTP_CHUNKED_ERROR) {
                const char *why = ifr_arena_printf(x->arena, "malformed chunked response body: %s", c->chunked.error);
                srv__call_abort(c, why ? why : "malformed chunked response body");
                return;
            }
            if (st == HTTP_CHUNKED_TRAILER && srv__call_keep_trailer(c, data) != 0) {
                srv__call_abort(c, "out of memory");
                return;
            }
            if (st != HTTP_CHUNKED_DATA) data = IFR_NULL_STR;
            end = st == HTTP_CHUNKED_END;
            if (st == HTTP_CHUNKED_AGAIN && used == 0) break;
        } else if (c->resp.body_kind == HTTP_BODY_LENGTH) {
            used = c->u.rbuf.len < c->body_left ? c->u.rbuf.len : (size_t)c->body_left;
            data = ifr_str(c->u.rbuf.data, used);
            c->body_left -= used;
            end = c->body_left == 0;
        } else {
            used = c->u.rbuf.len;
            data = ifr_str(c->u.rbuf.data, used);
        }
        if (data.len && srv__call_send_body(c, data) != 0) {
            srv__call_release(c, false);   /* the client is gone; the exchange ends */
            c->cb->on_end(c->ud, false);
            return;
        }
        ifr_buf_consume(&c->u.rbuf, used);
        if (end) {
            srv__call_complete(c);
            return;
        }
        if (x->io->queued && x->io->queued(x) >= SRV_PROXY_HIGH_WATER &&
            x->io->wait_writable(x, srv__call_client_writable, c) == 0)
            c->u.waiting_client = true;
    }
}

/* Moves the body by splice_body once rbuf is drained. false when the
 * host said no: the caller reads the body instead, from now on. */
static bool srv__call_splice(route_proxy_call_t *c)
{
    route_exchange_t *x = c->x;
    while (c->state == SRV__CALL_BODY && !c->u.waiting_client && c->u.up->tr.can_read) {
        size_t moved = 0;
        switch (x->io->splice_body(x, c->u.up->tr.fd, c->body_left, &moved)) {
        case ROUTE_SPLICE_MOVED:
            c->u.got_any = true;
            c->u.read_since = c->u.loop->now;
            c->body_left -= moved;
            if (c->body_left == 0) {
                srv__call_complete(c);
                return true;
            }
            if (x->io->queued(x) >= SRV_PROXY_HIGH_WATER && x->io->wait_writable(x, srv__call_client_writable, c) == 0)
                c->u.waiting_client = true;
            break;
        case ROUTE_SPLICE_SRC_EMPTY:
            c->u.up->tr.can_read = false;
            return true;
        case ROUTE_SPLICE_CLIENT_FULL:
            if (x->io->wait_writable(x, srv__call_client_writable, c) == 0) c->u.waiting_client = true;
            else srv__call_abort(c, "client output stalled");
            return true;
        case ROUTE_SPLICE_SRC_END:
            srv__call_abort(c, "upstream closed the connection in the middle of the response body");
            return true;
        case ROUTE_SPLICE_GONE:
            srv__call_release(c, false);
            c->cb->on_end(c->ud, false);
            return true;
        case ROUTE_SPLICE_NO:
            c->splicing = false;
            return false;
        }
    }
    return true;
}

/* A 101 to an upgrade request: the client gets the head, and both
 * connections become a tunnel (never back to the pool). */
static void srv__call_upgrade(route_proxy_call_t *c)
{
    route_exchange_t *x = c->x;
    if (c->cb->on_head(c->ud, &c->resp) != 0) {
        srv__call_abort(c, "response head could not be passed on");
        return;
    }
    /* The tunnel relays through the connection's transport: over TLS
     * the session goes on (srv_tunnel_peer_keep). */
    srv_transport_t tp = srv_upconn_detach(c->u.up);
    c->u.up = NULL;
    int fd = srv_tunnel_peer_keep(&tp);
    ifr_buf_t pending = c->u.rbuf;   /* what the upstream sent past its head */
    c->u.rbuf = IFR_BUF_INIT;
    srv__call_release(c, false);
    int rc = fd < 0 ? -1 : x->io->upgrade(x, fd, pending.data, pending.len);
    ifr_buf_free(&pending);
    if (rc != 0) {
        ifr_log_warn("reverse_proxy", "upstream %.*s: could not switch protocols", (int)c->req.upstream->hostport.len,
                     c->req.upstream->hostport.ptr);
        srv_exchange_fail(c->ex, 502);
    }
    c->cb->on_end(c->ud, rc == 0);
}

/* Looks for the response head in rbuf. */
static void srv__call_read_head(route_proxy_call_t *c)
{
    route_exchange_t *x = c->x;
    while (c->state == SRV__CALL_HEAD && c->u.rbuf.len) {
        http_upstream_response_t r;
        http_resp_status_t st = http_resp_parse(&c->parser, c->u.rbuf.data, c->u.rbuf.len, x->arena, &r);
        if (st == HTTP_RESP_INCOMPLETE) return;
        if (st == HTTP_RESP_ERROR) {
            srv__call_fail(c, ROUTE_PROXY_FAIL_PROTOCOL, c->parser.reason);
            return;
        }
        if (r.status == 101 && !c->req.upgrade) {
            srv__call_fail(c, ROUTE_PROXY_FAIL_PROTOCOL, "101 Switching Protocols to a request that did not ask to upgrade");
            return;
        }
        if (r.status < 200 && r.status != 101) {   /* interim: the final head follows */
            if (++c->interim > ROUTE_PROXY_MAX_INTERIM) {
                srv__call_fail(c, ROUTE_PROXY_FAIL_PROTOCOL, "too many informational (1xx) responses");
                return;
            }
            /* 100 Continue is between the upstream and us: the server
             * answers the client's Expect itself when the body is read. */
            if (r.status != 100 && c->cb->on_interim) c->cb->on_interim(c->ud, &r);
            if (c->state != SRV__CALL_HEAD) return;
            ifr_buf_consume(&c->u.rbuf, r.head_len);
            http_resp_parser_init(&c->parser, ifr_str_eq(c->req.method, IFR_LIT("HEAD")));
            continue;
        }
        /* The head outlives the read buffer: keep an arena copy. */
        char *copy = ifr_arena_alloc(x->arena, r.head_len);
        if (!copy) {
            srv__call_fail(c, ROUTE_PROXY_FAIL_PROTOCOL, "out of memory");
            return;
        }
        memcpy(copy, c->u.rbuf.data, r.head_len);
        http_resp_rebase(&r, c->u.rbuf.data, copy);
        c->resp = r;
        ifr_buf_consume(&c->u.rbuf, r.head_len);
        srv_timer_stop(c->u.loop, &c->u.timer);
        c->state = SRV__CALL_BODY;
        c->body_left = c->resp.content_length;
        c->flush_ns = route_proxy_flush_delay(c->req.flush_interval_ns, &c->resp);
        c->splicing = c->resp.body_kind == HTTP_BODY_LENGTH && c->body_left >= SRV__CALL_SPLICE_MIN && !c->flush_ns &&
                      x->io->splice_body && x->io->queued && x->io->wait_writable && c->u.up->tr.ops->can_splice &&
                      c->u.up->tr.ops->can_splice(&c->u.up->tr);
        http_chunked_decoder_init(&c->chunked);
        c->chunked.keep_trailers = true;
        if (c->resp.status == 101) {
            srv__call_upgrade(c);
            return;
        }
        int taken = c->cb->on_head(c->ud, &c->resp);
        if (taken == ROUTE_PROXY_HEAD_DONE) {
            /* The handler wanted the head only: the body stays unread,
             * so the connection cannot serve another request. */
            srv__call_release(c, false);
            c->cb->on_end(c->ud, true);
            return;
        }
        if (taken != 0) {
            srv__call_abort(c, "response head could not be passed on");
            return;
        }
        if (c->resp.body_kind == HTTP_BODY_NONE) srv__call_complete(c);
    }
}

/* Reads from the upstream as far as buffers and back-pressure allow. */
static void srv__call_read(route_proxy_call_t *c)
{
    size_t chunk = c->req.conf->read_buffer;
    for (;;) {
        /* A read may hold the end of the head and the start of the body. */
        if (c->state == SRV__CALL_HEAD) srv__call_read_head(c);
        if (c->state == SRV__CALL_BODY) srv__call_relay_body(c);
        if (c->state == SRV__CALL_DONE || c->u.waiting_client || !srv_transport_readable(&c->u.up->tr)) return;
        if (c->state == SRV__CALL_BODY && c->splicing && c->u.rbuf.len == 0 && srv__call_splice(c)) return;
        if (c->u.rbuf.len >= chunk + SRV__CALL_HEAD_ROOM) return;   /* the parser refuses long before */
        if (ifr_buf_reserve(&c->u.rbuf, chunk) != 0) {
            srv__call_fail(c, ROUTE_PROXY_FAIL_PROTOCOL, "out of memory");
            return;
        }
        /* The transport clears can_read on a short read that drained the
         * socket, so the read that would only say EAGAIN is skipped. */
        ssize_t n = srv_transport_read(&c->u.up->tr, c->u.rbuf.data + c->u.rbuf.len, chunk);
        if (n > 0) {
            c->u.got_any = true;
            c->u.read_since = c->u.loop->now;
            c->u.rbuf.len += (size_t)n;
            continue;
        }
        if (n == SRV_IO_AGAIN) return;
        /* EOF or reset. */
        if (c->state == SRV__CALL_HEAD) {
            srv__call_fail(c, ROUTE_PROXY_FAIL_PROTOCOL, c->u.got_any ? "upstream closed inside the response head"
                                                          : "upstream closed the connection without responding");
        } else if (c->resp.body_kind == HTTP_BODY_UNTIL_CLOSE) {
            c->resp.keep_alive = false;
            srv__call_relay_body(c);
            if (c->state != SRV__CALL_BODY) return;
            if (c->u.waiting_client) c->u.up->tr.can_read = true;   /* read the EOF again after the wait */
            else srv__call_complete(c);
        } else {
            srv__call_abort(c, "upstream closed the connection in the middle of the response body");
        }
        return;
    }
}

static void srv__call_pump(route_proxy_call_t *c)
{
    if (c->state == SRV__CALL_DONE || c->state == SRV__CALL_DIAL) return;
    if (c->u.wbuf.len && c->u.up->tr.can_write) srv__call_flush(c);
    srv__call_read(c);
    srv__call_arm(c);
}

/* A TLS upstream chose h2 by ALPN: the connection becomes an HTTP/2
 * session and the call goes on there. */
static void srv__call_to_h2(route_proxy_call_t *c)
{
    int rc = srv_h2up_adopt(c->u.up, &c->req);
    c->u.up = NULL;
    srv__call_release(c, false);
    if (rc != 0 || srv_h2up_start(c->x, &c->req, c->cb, c->ud, &c->h2) != 0)
        c->cb->on_fail(c->ud, ROUTE_PROXY_FAIL_DIAL, "cannot start an HTTP/2 session", false);
}

/* The connection is ready: start the request body, if any, and write. */
static void srv__call_connected(route_proxy_call_t *c)
{
    if (c->u.up->tr.ops == &srv_transport_tls_client && srv_tls_client_chose_h2(&c->u.up->tr)) {
        srv__call_to_h2(c);
        return;
    }
    c->state = SRV__CALL_HEAD;
    srv_upcall_connected(&c->u);
    if (c->req.with_body && !c->u.body_started) {
        c->u.body_started = true;
        if (c->x->io->read_body(c->x, srv__call_client_body, c) != 0) {
            srv__call_fail(c, ROUTE_PROXY_FAIL_CLIENT, "request body refused");
            return;
        }
    }
    srv__call_pump(c);
}

static bool srv__call_redial(route_proxy_call_t *c) { return srv_upcall_redial(&c->u, c->req.upstream); }

static const char *srv__call_copy(route_proxy_call_t *c, const char *err) { return srv_upcall_words(c->x, err); }

static void srv__call_event(void *owner, uint32_t events)
{
    route_proxy_call_t *c = owner;
    if (c->state == SRV__CALL_DIAL) {
        bool handshaking = c->u.up->handshaking;
        if (!handshaking && !(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
        const char *err;
        int rc = srv_upconn_connected(c->u.up, &err);
        if (rc > 0) {
            /* Connected: the TLS handshake has tls_timeout from now. */
            srv_timer_stop(c->u.loop, &c->u.timer);
            if (!handshaking && c->req.upstream->tls->timeout_ns > 0)
                srv_timer_start_at(c->u.loop, &c->u.timer, c->u.loop->now + c->req.upstream->tls->timeout_ns);
            return;
        }
        if (rc < 0 && handshaking) {
            srv__call_fail(c, ROUTE_PROXY_FAIL_DIAL, srv__call_copy(c, err));   /* the name's other addresses serve the same certificate */
            return;
        }
        if (rc < 0) {
            if (!srv__call_redial(c)) srv__call_fail(c, ROUTE_PROXY_FAIL_DIAL, srv__call_copy(c, err));
            return;
        }
        srv__call_connected(c);
        return;
    }
    srv__call_pump(c);
}

/* A deadline of srv__call_arm passed (or moved since it was armed). Before
 * the head the client gets a 504; after it, a response cut off. */
static void srv__call_io_timeout(route_proxy_call_t *c)
{
    int64_t now = c->u.loop->now, r = srv__call_read_deadline(c), w = srv__call_write_deadline(c);
    const char *why = c->state == SRV__CALL_HEAD && c->header_at && now >= c->header_at ? "response_header_timeout"
                      : w && now >= w                                                 ? "write_timeout"
                      : r && now >= r                                                 ? "read_timeout"
                                                                                      : NULL;
    if (!why) srv__call_arm(c);
    else if (c->state == SRV__CALL_HEAD) srv__call_fail(c, ROUTE_PROXY_FAIL_HEADER_TIMEOUT, why);
    else if (c->state == SRV__CALL_BODY) srv__call_abort(c, why);
}

static void srv__call_timeout(srv_timer_t *t)
{
    route_proxy_call_t *c = t->data;
    if (c->state == SRV__CALL_DIAL && !c->u.up) {
        /* Still waiting for the name: the lookup counts against dial_timeout, as in Go's dialer. */
        srv_upwait_cancel(&c->u.wait);
        srv__call_fail(c, ROUTE_PROXY_FAIL_DIAL, srv__call_copy(c, "dial timeout (name lookup)"));
    } else if (c->state == SRV__CALL_DIAL && c->u.up->handshaking) {
        srv__call_fail(c, ROUTE_PROXY_FAIL_DIAL, "TLS handshake timeout (tls_timeout)");
    } else if (c->state == SRV__CALL_DIAL) {
        srv_upconn_dial_failed(c->u.up);
        if (!srv__call_redial(c)) srv__call_fail(c, ROUTE_PROXY_FAIL_DIAL, "dial timeout");
    }
    else srv__call_io_timeout(c);
}

/* The upstream's name lookup ended (srv_upwait_t.cb). */
static void srv__call_resolved(void *owner, const char *err)
{
    route_proxy_call_t *c = owner;
    if (c->state != SRV__CALL_DIAL) return;
    if (err) {
        const char *why = ifr_arena_printf(c->x->arena, "cannot resolve %s: %s", c->req.upstream->host, err);
        srv__call_fail(c, ROUTE_PROXY_FAIL_DIAL, why ? why : "cannot resolve host");
        return;
    }
    srv_loop_post(c->u.loop, &c->u.task);   /* srv__call_kick acquires again */
}

/* From the loop: report an early error, or take a connection and go. */
static void srv__call_kick(srv_task_t *t)
{
    route_proxy_call_t *c = t->data;
    if (c->state == SRV__CALL_DONE) return;
    if (c->u.kick_error) {
        srv__call_fail(c, c->u.up ? ROUTE_PROXY_FAIL_PROTOCOL : ROUTE_PROXY_FAIL_DIAL, c->u.kick_error);
        return;
    }
    const char *err = NULL;
    if (srv__call_serialize(c) != 0) {
        srv__call_fail(c, ROUTE_PROXY_FAIL_PROTOCOL, "out of memory");
        return;
    }
    unsigned flags = c->req.upgrade ? 0 : SRV_UPCONN_H2;
    int rc = srv_upconn_acquire(c->u.loop, c->req.upstream, flags, srv__call_event, c, &c->u.wait, &c->u.up, &c->u.reused, &err);
    if (rc < 0) {
        c->u.up = NULL;
        srv__call_fail(c, ROUTE_PROXY_FAIL_DIAL, srv__call_copy(c, err));
        return;
    }
    if (rc > 0) {
        /* The name is being looked up: srv__call_resolved goes on. */
        c->u.up = NULL;
        srv_upcall_dial_wait(&c->u, c->req.conf);
        return;
    }
    if (c->u.up->connecting) {
        srv_upcall_dial_wait(&c->u, c->req.conf);
        return;   /* EPOLLOUT says when */
    }
    srv__call_connected(c);
}

static int srv__proxy_start(route_exchange_t *x, const route_proxy_request_t *req, const route_proxy_call_cb_t *cb, void *ud,
                       route_proxy_call_t **out)
{
    srv_exchange_t *ex = x->io_ctx;
    route_proxy_call_t *c = ifr_arena_calloc(x->arena, 1, sizeof(*c));
    if (!c) return -1;
    *c = (route_proxy_call_t){ .x = x, .ex = ex, .req = *req, .cb = cb, .ud = ud, .state = SRV__CALL_DIAL,
                               .hold = IFR_BUF_INIT };
    srv_upcall_init(&c->u, &ex->worker->loop, srv__call_timeout, srv__call_kick, srv__call_resolved, c);
    http_resp_parser_init(&c->parser, ifr_str_eq(req->method, IFR_LIT("HEAD")));
    *out = c;
    if (srv_h2up_wanted(req)) {
        c->state = SRV__CALL_DONE;
        return srv_h2up_start(x, req, cb, ud, &c->h2);
    }
    srv_loop_post(c->u.loop, &c->u.task);
    return 0;
}

static void srv__proxy_cancel(route_proxy_call_t *c)
{
    if (c->h2) srv_h2up_cancel(c->h2);
    else if (c->state != SRV__CALL_DONE) srv__call_release(c, false);
}

static const route_proxy_transport_t srv__proxy_transport = {
    .start = srv__proxy_start,
    .cancel = srv__proxy_cancel,
    .tunnels = true,
    .watch_health = srv_proxy_health_watch,
};

void srv_proxy_register(void) { route_proxy_transport_register(&srv__proxy_transport); }

void srv_proxy_thread_exit(void)
{
    srv_tunnel_thread_exit();
    srv_proxy_health_thread_exit();
    srv_h2up_thread_exit();
    srv_upstream_thread_exit();
}
