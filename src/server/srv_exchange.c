/* The host side of an exchange: route_io_t for native connections
 * (response head framing, body, files, request body delivery). See
 * route/exchange.h for the contract and srv_conn.h for the state. */
#include "server/srv_conn.h"

#include <errno.h>
#include <unistd.h>

#include "base/log.h"
#include "http/response_writer.h"
#include "server/srv_date.h"
#include "server/srv_offload.h"
#include "server/srv_tunnel.h"

static srv_exchange_t *ex_of(route_exchange_t *x) { return (srv_exchange_t *)x; }

static bool ex_usable(const srv_exchange_t *ex)
{
    return ex->conn && ex->conn->ex_active && &ex->conn->ex == ex && !ex->resp_done;
}

/* Parses a handler's own Content-Length header value; -1 if unusable. */
static int64_t parse_length(ifr_str_t v)
{
    if (v.len == 0 || v.len > 18) return -1;
    int64_t n = 0;
    for (size_t i = 0; i < v.len; i++) {
        if (v.ptr[i] < '0' || v.ptr[i] > '9') return -1;
        n = n * 10 + (v.ptr[i] - '0');
    }
    return n;
}

/* Decides whether the connection can be reused after this response, given
 * what is left of the request body. */
static bool must_close(const srv_exchange_t *ex)
{
    const srv_conn_t *c = ex->conn;
    if (ex->close_after || !ex->req.keep_alive || c->worker->stopping) return true;
    if (c->body.done || ex->body_reading) return false;
    /* The client waits for 100 Continue that will never come: it may or
     * may not send the body, so the framing is lost. */
    if (ex->req.expect_continue && !ex->continue_sent) return true;
    if (c->body.kind == HTTP_BODY_LENGTH && c->body.remaining > SRV_DISCARD_MAX) return true;
    return false;
}

static int io_send_head(route_exchange_t *x)
{
    srv_exchange_t *ex = ex_of(x);
    if (!ex_usable(ex) || ex->head_sent) return -1;
    srv_conn_t *c = ex->conn;
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
                declared = parse_length(h->value);
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
        ex->chunked = true;
    } else {
        ex->close_after = true;   /* HTTP/1.0: the body ends at close */
    }
    if (must_close(ex)) {
        ex->close_after = true;
        http_write_known_field(b, IFR_LIT("Connection"), IFR_LIT("close"));
    } else if (ex->req.version_minor == 0) {
        http_write_known_field(b, IFR_LIT("Connection"), IFR_LIT("keep-alive"));
    }
    if (ifr_buf_append(b, "\r\n", 2) < 0 || srv_outq_append(&c->out, b->data, b->len) < 0) {
        ex->close_after = ex->resp_done = true;
        srv_conn_wake(c);
        return -1;
    }
    ex->head_sent = x->head_sent = true;
    srv_conn_wake(c);
    return 0;
}

/* Trims len to what the declared Content-Length still allows. */
static uint64_t fit_declared(srv_exchange_t *ex, uint64_t len)
{
    if (ex->declared_len < 0 || ex->body_sent + len <= (uint64_t)ex->declared_len) return len;
    ifr_log_warn("http", "handler sent more than its Content-Length; truncating");
    ex->close_after = true;
    return (uint64_t)ex->declared_len - ex->body_sent;
}

/* The last chunk, with trailer fields if any: a field with bytes we would
 * not send is dropped alone, as in send_head. */
static int last_chunk(srv_conn_t *c, const http_headers_t *trailers)
{
    if (!trailers || !trailers->count) return srv_outq_append(&c->out, HTTP_CHUNKED_LAST, 5);
    ifr_buf_t *b = &c->worker->scratch;
    ifr_buf_clear(b);
    if (ifr_buf_append(b, "0\r\n", 3) < 0) return -1;
    for (uint32_t i = 0; i < trailers->count; i++) {
        const http_header_t *h = &trailers->items[i];
        if (http_write_field(b, h->name, h->value) < 0)
            ifr_log_warn("http", "dropped trailer %.*s with invalid bytes", (int)h->name.len, h->name.ptr);
    }
    if (ifr_buf_append(b, "\r\n", 2) < 0) return -1;
    return srv_outq_append(&c->out, b->data, b->len);
}

/* trailers: see route_io_t.send_trailers; NULL for none. */
static int body_end(srv_exchange_t *ex, bool is_last, const http_headers_t *trailers)
{
    srv_conn_t *c = ex->conn;
    if (is_last) {
        if (ex->chunked && last_chunk(c, trailers) < 0) ex->close_after = true;
        /* A short body breaks the framing: the client learns by the close. */
        if (!ex->no_body && ex->declared_len >= 0 && ex->body_sent < (uint64_t)ex->declared_len)
            ex->close_after = true;
        ex->resp_done = true;
    }
    srv_conn_wake(c);
    return 0;
}

static int io_send_body(route_exchange_t *x, const void *data, size_t len, bool is_last)
{
    srv_exchange_t *ex = ex_of(x);
    if (!ex_usable(ex)) return -1;
    if (!ex->head_sent && io_send_head(x) < 0) return -1;
    srv_conn_t *c = ex->conn;
    if (len && !ex->no_body) {
        len = (size_t)fit_declared(ex, len);
        int rc = 0;
        if (len && ex->chunked) {
            char head[HTTP_CHUNK_HEAD_MAX];
            size_t hl = http_chunk_head(head, len);
            rc |= srv_outq_append(&c->out, head, hl);
            rc |= srv_outq_append(&c->out, data, len);
            rc |= srv_outq_append(&c->out, "\r\n", 2);
        } else if (len) {
            rc = srv_outq_append(&c->out, data, len);
        }
        if (rc < 0) {
            ex->close_after = ex->resp_done = true;
            srv_conn_wake(c);
            return -1;
        }
        ex->body_sent += len;
    }
    return body_end(ex, is_last, NULL);
}

static int io_send_trailers(route_exchange_t *x, const http_headers_t *trailers)
{
    srv_exchange_t *ex = ex_of(x);
    if (!ex_usable(ex)) return -1;
    if (!ex->head_sent && io_send_head(x) < 0) return -1;
    return body_end(ex, true, trailers);
}

static int io_send_file(route_exchange_t *x, int fd, off_t offset, uint64_t len, bool is_last)
{
    srv_exchange_t *ex = ex_of(x);
    if (!ex_usable(ex) || (!ex->head_sent && io_send_head(x) < 0)) {
        close(fd);
        return -1;
    }
    srv_conn_t *c = ex->conn;
    if (ex->no_body || len == 0) {
        close(fd);
        return body_end(ex, is_last, NULL);
    }
    len = fit_declared(ex, len);
    int rc = 0;
    if (ex->chunked) {
        char head[HTTP_CHUNK_HEAD_MAX];
        size_t hl = http_chunk_head(head, len);
        rc |= srv_outq_append(&c->out, head, hl);
        rc |= srv_outq_append_file(&c->out, fd, offset, len);
        rc |= srv_outq_append(&c->out, "\r\n", 2);
    } else {
        rc = srv_outq_append_file(&c->out, fd, offset, len);
    }
    if (rc < 0) {
        ex->close_after = ex->resp_done = true;
        srv_conn_wake(c);
        return -1;
    }
    ex->body_sent += len;
    return body_end(ex, is_last, NULL);
}

/* The bytes go from src_fd into the connection's output queue through its
 * pipe (srv_outq_splice_in) and leave in order behind the head; not where
 * the transport must see them (TLS without kTLS). */
static route_splice_t io_splice_body(route_exchange_t *x, int src_fd, uint64_t max, size_t *moved)
{
    srv_exchange_t *ex = ex_of(x);
    *moved = 0;
    if (!ex_usable(ex) || (!ex->head_sent && io_send_head(x) < 0)) return ROUTE_SPLICE_GONE;
    srv_conn_t *c = ex->conn;
    if (ex->chunked || ex->no_body || !c->tp.ops->can_splice(&c->tp)) return ROUTE_SPLICE_NO;
    max = fit_declared(ex, max);
    if (max == 0) return ROUTE_SPLICE_NO;
    ssize_t n = srv_outq_splice_in(&c->out, src_fd, max < (1u << 30) ? (size_t)max : (1u << 30));
    if (n > 0) {
        ex->body_sent += (uint64_t)n;
        *moved = (size_t)n;
        srv_conn_wake(c);
        return ROUTE_SPLICE_MOVED;
    }
    if (n == 0) return ROUTE_SPLICE_SRC_END;
    if (errno == EAGAIN) return ROUTE_SPLICE_SRC_EMPTY;
    if (errno == ENOBUFS) {
        ex->wait_pipe_empty = true;   /* see srv_exchange_check_writable */
        return ROUTE_SPLICE_CLIENT_FULL;
    }
    if (errno == ENFILE || errno == EMFILE || errno == ENOMEM || errno == EINVAL) return ROUTE_SPLICE_NO;
    return ROUTE_SPLICE_SRC_END;
}

static int io_read_body(route_exchange_t *x, route_body_cb cb, void *ud)
{
    srv_exchange_t *ex = ex_of(x);
    if (!ex_usable(ex) || ex->body_started) return -1;
    srv_conn_t *c = ex->conn;
    if (x->body_limit && ex->req.body_kind == HTTP_BODY_LENGTH && ex->req.content_length > x->body_limit) {
        srv_exchange_fail(ex, 413);
        return -1;
    }
    ex->body_started = ex->body_reading = true;
    ex->body_cb = cb;
    ex->body_ud = ud;
    c->body_since = c->worker->loop.now;
    c->body_used = 0;
    /* 100 Continue only now: a handler that never reads the body never
     * makes the client send it. */
    if (ex->req.expect_continue && !ex->continue_sent && !ex->head_sent && !c->body.done) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        if (srv_outq_append(&c->out, cont, sizeof cont - 1) == 0) ex->continue_sent = true;
    }
    srv_conn_wake(c);
    return 0;
}

static uint64_t io_queued(route_exchange_t *x)
{
    srv_exchange_t *ex = ex_of(x);
    return ex_usable(ex) ? ex->conn->out.bytes : 0;
}

static int io_wait_writable(route_exchange_t *x, route_resume_cb cb, void *ud)
{
    srv_exchange_t *ex = ex_of(x);
    if (!ex_usable(ex) || ex->writable_cb) return -1;
    ex->writable_cb = cb;
    ex->writable_ud = ud;
    /* Even when the queue is already low, the callback comes from the
     * loop, never from inside this call. */
    srv_conn_wake(ex->conn);
    return 0;
}

void srv_exchange_check_writable(srv_exchange_t *ex)
{
    if (!ex->writable_cb || ex->conn->out.bytes >= SRV_OUT_LOW_WATER) return;
    /* A pipe can run out of slots with few bytes in it: a splicer told the
     * client was full waits for the pipe to drain, or it would spin. */
    if (ex->wait_pipe_empty && ex->conn->out.pipe_bytes) return;
    ex->wait_pipe_empty = false;
    route_resume_cb cb = ex->writable_cb;
    ex->writable_cb = NULL;
    cb(&ex->x, ex->writable_ud);
}

/* The host's 500 path does it: no last chunk, and the connection closes. */
static int io_abort(route_exchange_t *x)
{
    srv_exchange_t *ex = ex_of(x);
    if (!ex_usable(ex)) return -1;
    srv_exchange_fail(ex, 500);
    return 0;
}

/* A 1xx head ahead of the final one (route_io_t.send_interim). Only to
 * HTTP/1.1 clients and before the final head; dropped otherwise. A field
 * with bytes we would not send costs the hint that field only. */
static int io_send_interim(route_exchange_t *x, int status, const http_headers_t *headers)
{
    srv_exchange_t *ex = ex_of(x);
    if (!ex_usable(ex)) return -1;
    if (ex->head_sent || ex->req.version_minor < 1 || status < 102 || status > 199) return 0;
    srv_conn_t *c = ex->conn;
    ifr_buf_t *b = &c->worker->scratch;
    ifr_buf_clear(b);
    if (http_write_status_line(b, status) < 0) return 0;
    for (uint32_t i = 0; i < headers->count; i++)
        http_write_field(b, headers->items[i].name, headers->items[i].value);
    if (ifr_buf_append(b, "\r\n", 2) < 0 || srv_outq_append(&c->out, b->data, b->len) < 0) {
        ex->close_after = ex->resp_done = true;
        srv_conn_wake(c);
        return -1;
    }
    srv_conn_wake(c);
    return 0;
}

const route_io_t srv_exchange_io = {
    .send_head = io_send_head,
    .send_body = io_send_body,
    .send_trailers = io_send_trailers,
    .send_file = io_send_file,
    .splice_body = io_splice_body,
    .read_body = io_read_body,
    .resume_body = srv_exchange_resume_body,
    .queued = io_queued,
    .wait_writable = io_wait_writable,
    .defer = srv_exchange_defer,
    .timer = srv_exchange_timer,
    .abort = io_abort,
    .upgrade = srv_exchange_upgrade,
    .offload = srv_exchange_offload,
    .send_interim = io_send_interim,
};

void srv_exchange_send_bare(srv_exchange_t *ex, int status, bool keep_headers)
{
    route_exchange_t *x = &ex->x;
    x->resp.status = status;
    if (!keep_headers) x->resp.headers.count = 0;
    /* No handler answers here, so the route layer does not add Server. */
    if (!http_headers_get(&x->resp.headers, IFR_LIT("Server")))
        http_headers_add(&x->resp.headers, x->arena, IFR_LIT("Server"), IFR_LIT(ROUTE_SERVER_NAME));
    x->resp.content_length = 0;
    io_send_body(&ex->x, NULL, 0, true);
}

void srv_exchange_fail(srv_exchange_t *ex, int status)
{
    ex->body_reading = false;
    ex->close_after = true;
    if (!ex->head_sent) srv_exchange_send_bare(ex, status, false);
    else ex->resp_done = true;
    srv_conn_wake(ex->conn);
}
