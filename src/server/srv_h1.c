/* HTTP/1.1 framing of a connection's exchange: the protocol ops
 * (srv_exchange.h) that turn x->resp into a status line and fields with
 * Content-Length, chunked coding or an end at close, keep-alive or
 * Connection: close, interim heads and 100 Continue, and queue it all on
 * the connection's output queue. The connection's state machine (reading
 * heads and bodies, ending exchanges, closing) is srv_conn.c. */
#include "server/srv_conn.h"

#include <errno.h>

#include "base/log.h"
#include "http/response_writer.h"
#include "server/srv_date.h"
#include "server/srv_fields.h"
#include "server/srv_tunnel.h"

static srv_conn_t *srv__conn_of(srv_exchange_t *ex) { return ex->session; }

/* Parses a handler's own Content-Length header value; -1 if unusable. */
static int64_t srv__parse_length(ifr_str_t v)
{
    uint64_t n;
    if (v.len > 18 || !ifr_str_to_u64(v, UINT64_MAX, &n)) return -1;
    return (int64_t)n;
}

/* Decides whether the connection can be reused after this response, given
 * what is left of the request body. */
static bool srv__must_close(const srv_exchange_t *ex)
{
    const srv_conn_t *c = ex->session;
    if (ex->close_after || !ex->req.keep_alive || c->worker->stopping) return true;
    if (c->body.done || ex->body_reading) return false;
    /* The client waits for 100 Continue that will never come: it may or
     * may not send the body, so the framing is lost. */
    if (ex->req.expect_continue && !c->h1.continue_sent) return true;
    if (c->body.kind == HTTP_BODY_LENGTH && c->body.remaining > SRV_DISCARD_MAX) return true;
    return false;
}

static int srv__h1_send_head(srv_exchange_t *ex)
{
    srv_conn_t *c = srv__conn_of(ex);
    route_exchange_t *x = &ex->x;
    ifr_buf_t *b = &c->worker->scratch;
    int status = x->resp.status ? x->resp.status : 200;
    ifr_buf_clear(b);
    if (status < 200 || http_write_status_line(b, status) < 0) {
        ifr_log_warn("http", "handler set invalid status %d; sending 500", status);
        status = 500;
        ifr_buf_clear(b);
        http_write_status_line(b, status);
    }
    bool is_head = ifr_str_eq(ex->req.method, IFR_LIT("HEAD"));
    bool bodiless_status = status == 204 || status == 304;
    int64_t declared = x->resp.content_length;
    bool has_date = false;
    for (uint32_t i = 0; i < x->resp.headers.count; i++) {
        const http_header_t *h = &x->resp.headers.items[i];
        if (http_is_connection_field(h->name)) {
            /* Framing is ours; a handler's Content-Length only informs it,
             * and its "Connection: close" (respond's `close`) is obeyed. */
            if (declared < 0 && ifr_str_eq_nocase(h->name, IFR_LIT("content-length")))
                declared = srv__parse_length(h->value);
            else if (ifr_str_eq_nocase(h->name, IFR_LIT("connection")) && http_list_has(h->value, IFR_LIT("close")))
                ex->close_after = true;
            continue;
        }
        if (ifr_str_eq_nocase(h->name, IFR_LIT("date"))) has_date = true;
        if (http_write_field(b, h->name, h->value) < 0)
            ifr_log_warn("http", "dropped response header %.*s with invalid bytes", (int)h->name.len, h->name.ptr);
    }
    if (!has_date) http_write_known_field(b, IFR_LIT("Date"), srv_date_now());
    ex->no_body = is_head || bodiless_status;
    ex->declared_len = -1;
    if (bodiless_status) {
        /* 204 and 304 carry no framing fields. */
    } else if (declared >= 0) {
        http_write_field_uint(b, IFR_LIT("Content-Length"), (uint64_t)declared);
        ex->declared_len = declared;
    } else if (is_head) {
        /* Unknown length: say nothing rather than promise a coding. */
    } else if (ex->req.version_minor >= 1) {
        http_write_known_field(b, IFR_LIT("Transfer-Encoding"), IFR_LIT("chunked"));
        c->h1.chunked = true;
    } else {
        ex->close_after = true;   /* HTTP/1.0: the body ends at close */
    }
    if (srv__must_close(ex)) {
        ex->close_after = true;
        http_write_known_field(b, IFR_LIT("Connection"), IFR_LIT("close"));
    } else if (ex->req.version_minor == 0) {
        http_write_known_field(b, IFR_LIT("Connection"), IFR_LIT("keep-alive"));
    }
    if (ifr_buf_append(b, "\r\n", 2) < 0) return -1;
    return srv_outq_append(&c->out, b->data, b->len);
}

static int srv__h1_send_body(srv_exchange_t *ex, const void *data, size_t len)
{
    srv_conn_t *c = srv__conn_of(ex);
    if (!c->h1.chunked) return srv_outq_append(&c->out, data, len);
    char head[HTTP_CHUNK_HEAD_MAX];
    size_t hl = http_chunk_head(head, len);
    int rc = srv_outq_append(&c->out, head, hl);
    rc |= srv_outq_append(&c->out, data, len);
    rc |= srv_outq_append(&c->out, "\r\n", 2);
    return rc;
}

static int srv__h1_send_file(srv_exchange_t *ex, int fd, off_t offset, uint64_t len)
{
    srv_conn_t *c = srv__conn_of(ex);
    if (!c->h1.chunked) return srv_outq_append_file(&c->out, fd, offset, len);
    char head[HTTP_CHUNK_HEAD_MAX];
    size_t hl = http_chunk_head(head, len);
    int rc = srv_outq_append(&c->out, head, hl);
    rc |= srv_outq_append_file(&c->out, fd, offset, len);
    rc |= srv_outq_append(&c->out, "\r\n", 2);
    return rc;
}

/* The bytes go from src_fd into the connection's output queue through its
 * pipe (srv_outq_splice_in) and leave in order behind the head; not where
 * the transport must see them (TLS without kTLS), nor chunked. */
static route_splice_t srv__h1_splice_body(srv_exchange_t *ex, int src_fd, uint64_t max, size_t *moved)
{
    srv_conn_t *c = srv__conn_of(ex);
    if (c->h1.chunked || !c->tp.ops->can_splice(&c->tp)) return ROUTE_SPLICE_NO;
    ssize_t n = srv_outq_splice_in(&c->out, src_fd, max < (1u << 30) ? (size_t)max : (1u << 30));
    if (n > 0) {
        *moved = (size_t)n;
        srv_conn_wake(c);
        return ROUTE_SPLICE_MOVED;
    }
    if (n == 0) return ROUTE_SPLICE_SRC_END;
    if (errno == EAGAIN) return ROUTE_SPLICE_SRC_EMPTY;
    if (errno == ENOBUFS) {
        c->h1.wait_pipe_empty = true;   /* see h1_writable */
        return ROUTE_SPLICE_CLIENT_FULL;
    }
    if (errno == ENFILE || errno == EMFILE || errno == ENOMEM || errno == EINVAL) return ROUTE_SPLICE_NO;
    return ROUTE_SPLICE_SRC_END;
}

/* The last chunk, with trailer fields if any: a field with bytes we would
 * not send is dropped alone, as in send_head. Without chunks there is
 * nothing to send. */
static int srv__h1_send_end(srv_exchange_t *ex, const http_headers_t *trailers)
{
    srv_conn_t *c = srv__conn_of(ex);
    if (!c->h1.chunked) return 0;
    if (!trailers || !trailers->count) return srv_outq_append(&c->out, HTTP_CHUNKED_LAST, 5);
    ifr_buf_t *b = &c->worker->scratch;
    ifr_buf_clear(b);
    if (ifr_buf_append(b, "0\r\n", 3) < 0) return -1;
    srv_write_fields(b, trailers, "trailer");
    if (ifr_buf_append(b, "\r\n", 2) < 0) return -1;
    return srv_outq_append(&c->out, b->data, b->len);
}

/* Only to HTTP/1.1 clients (RFC 9110 15.2). A field with bytes we would
 * not send costs the hint that field only. */
static int srv__h1_send_interim(srv_exchange_t *ex, int status, const http_headers_t *headers)
{
    srv_conn_t *c = srv__conn_of(ex);
    if (ex->req.version_minor < 1) return 0;
    ifr_buf_t *b = &c->worker->scratch;
    ifr_buf_clear(b);
    if (http_write_status_line(b, status) < 0) return 0;
    srv_write_fields(b, headers, NULL);
    if (ifr_buf_append(b, "\r\n", 2) < 0) return -1;
    return srv_outq_append(&c->out, b->data, b->len);
}

static void srv__h1_body_wanted(srv_exchange_t *ex, bool resumed)
{
    srv_conn_t *c = srv__conn_of(ex);
    c->body_since = c->worker->loop.now;
    if (!resumed) {
        c->body_used = 0;
        /* 100 Continue only now: a handler that never reads the body never
         * makes the client send it. */
        if (ex->req.expect_continue && !c->h1.continue_sent && !ex->x.head_sent && !c->body.done) {
            static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
            if (srv_outq_append(&c->out, cont, sizeof cont - 1) == 0) c->h1.continue_sent = true;
        }
    }
    srv_conn_wake(c);
}

static uint64_t srv__h1_queued(srv_exchange_t *ex) { return srv__conn_of(ex)->out.bytes; }

static bool srv__h1_writable(srv_exchange_t *ex)
{
    srv_conn_t *c = srv__conn_of(ex);
    if (c->out.bytes >= SRV_OUT_LOW_WATER) return false;
    /* A pipe can run out of slots with few bytes in it: a splicer told the
     * client was full waits for the pipe to drain, or it would spin. */
    if (c->h1.wait_pipe_empty && c->out.pipe_bytes) return false;
    c->h1.wait_pipe_empty = false;
    return true;
}

static void srv__h1_wake(srv_exchange_t *ex) { srv_conn_wake(srv__conn_of(ex)); }

const srv_proto_ops_t srv_h1_proto = {
    .send_head = srv__h1_send_head,
    .send_body = srv__h1_send_body,
    .send_file = srv__h1_send_file,
    .splice_body = srv__h1_splice_body,
    .send_end = srv__h1_send_end,
    .send_interim = srv__h1_send_interim,
    .body_wanted = srv__h1_body_wanted,
    .queued = srv__h1_queued,
    .writable = srv__h1_writable,
    .upgrade = srv_h1_upgrade,
    .wake = srv__h1_wake,
};
