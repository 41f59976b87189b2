/* The native FastCGI call: see srv_fastcgi.h. A call moves DIAL -> HEAD
 * (the request going up, standard output gathered until its CGI head is
 * whole) -> BODY (relaying the rest of standard output) -> DONE, which
 * END_REQUEST brings. As in srv_proxy.c, writing the request and reading
 * the answer are independent. The call type is this file's own: the
 * fastcgi transport's calls never reach srv_proxy.c's functions. */
#include "server/srv_fastcgi.h"

#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>

#include "base/log.h"
#include "http/fastcgi.h"
#include "route/fastcgi.h"
#include "route/proxy_transport.h"
#include "server/srv_exchange.h"
#include "server/srv_proxy.h"
#include "server/srv_upcall.h"

/* One request at a time on a connection: always request id 1. */
#define SRV__FCGI_ID 1

/* A body of unknown length (no CGI Content-Length) that ends within this
 * many bytes goes to the client with its length, as Go's server (Caddy's)
 * sizes what a handler wrote whole before its first flush; a longer one
 * streams. That length is what encode's minimum_length looks at. */
#define SRV__FCGI_HOLD 2048

typedef enum { SRV__FCGI_DIAL, SRV__FCGI_HEAD, SRV__FCGI_BODY, SRV__FCGI_DONE } srv__fcgi_state_t;

struct route_proxy_call {
    route_exchange_t *x;
    srv_exchange_t *ex;
    srv_upcall_t u;              /* connection, timer (dial_timeout, then read_timeout /
                                    write_timeout), records to write and bytes read; its
                                    task runs srv__fcgi_kick */
    route_proxy_request_t req;
    const route_fastcgi_conf_t *conf;
    const route_proxy_call_cb_t *cb;
    void *ud;
    srv__fcgi_state_t state;
    ifr_buf_t head;              /* standard output until the CGI head is whole; owned */
    ifr_buf_t err;               /* standard error kept for the log; owned */
    ifr_buf_t hold;              /* a short body held back (SRV__FCGI_HOLD); owned */
    bool holding;                /* the head waits with hold for the end or more */
    size_t err_dropped;          /* standard error bytes past SRV_FASTCGI_STDERR_KEEP */
    http_fcgi_reader_t rd;
    http_upstream_response_t resp;
    uint64_t body_left;          /* HTTP_BODY_LENGTH: body bytes still to come */
    bool with_body;              /* the client's body goes to STDIN */
    bool overflow;               /* standard output past Content-Length: the connection is not reused */
};

static void srv__fcgi_pump(route_proxy_call_t *c);

static void srv__fcgi_release(route_proxy_call_t *c, bool keep)
{
    c->state = SRV__FCGI_DONE;
    srv_upcall_release(&c->u, c->req.conf, keep);
    ifr_buf_free(&c->head);
    ifr_buf_free(&c->err);
    ifr_buf_free(&c->hold);
}

/* capture_stderr: what the application wrote to stderr, in one line. */
static void srv__fcgi_log_stderr(route_proxy_call_t *c, int status)
{
    if (!c->conf->capture_stderr || (!c->err.len && !c->err_dropped)) return;
    const route_proxy_upstream_t *u = c->req.upstream;
    const char *fmt = "upstream %.*s stderr for %.*s %.*s: %.*s%s";
    char more[48] = "";
    if (c->err_dropped) snprintf(more, sizeof more, " ... (%zu more bytes)", c->err_dropped);
    ifr_str_t m = c->x->req->method, t = c->x->req->target;
    if (status >= 400)
        ifr_log_error("fastcgi", fmt, (int)u->hostport.len, u->hostport.ptr, (int)m.len, m.ptr, (int)t.len, t.ptr,
                      (int)c->err.len, c->err.data ? c->err.data : "", more);
    else
        ifr_log_warn("fastcgi", fmt, (int)u->hostport.len, u->hostport.ptr, (int)m.len, m.ptr, (int)t.len, t.ptr,
                     (int)c->err.len, c->err.data ? c->err.data : "", more);
    ifr_buf_clear(&c->err);
    c->err_dropped = 0;
}

/* Fails the call before a head went to the client. A pooled connection
 * the application closed while idle looks like this: that is tried again
 * at once on a fresh one, as long as nothing of the body was consumed. */
static void srv__fcgi_fail(route_proxy_call_t *c, route_proxy_fail_t why, const char *detail)
{
    if (c->state == SRV__FCGI_DONE) return;
    if (why == ROUTE_PROXY_FAIL_PROTOCOL && c->u.reused && !c->u.got_any && !c->u.body_started &&
        c->state == SRV__FCGI_HEAD) {
        c->state = SRV__FCGI_DIAL;
        srv_upcall_retry_fresh(&c->u);
        return;
    }
    bool sent = c->u.sent_any || c->u.body_started;
    srv__fcgi_log_stderr(c, 502);
    srv__fcgi_release(c, false);
    c->cb->on_fail(c->ud, why, detail, sent);
}

/* The answer broke off after its head went to the client. */
static void srv__fcgi_fail(route_proxy_call_t *c, route_proxy_fail_t why, const char *detail);

static void srv__fcgi_abort(route_proxy_call_t *c, const char *why)
{
    if (c->state == SRV__FCGI_DONE) return;
    if (c->holding) {   /* nothing went to the client yet: a plain failure */
        srv__fcgi_fail(c, ROUTE_PROXY_FAIL_PROTOCOL, why);
        return;
    }
    ifr_log_warn("fastcgi", "upstream %.*s: %s", (int)c->req.upstream->hostport.len, c->req.upstream->hostport.ptr,
                 why);
    srv__fcgi_log_stderr(c, 502);
    srv__fcgi_release(c, false);
    srv_exchange_fail(c->ex, 502);
    c->cb->on_end(c->ud, false);
}

/* The reader's words, kept in the exchange's arena (they are static, but
 * a prefix says what spoke). */
static const char *srv__fcgi_words(route_proxy_call_t *c, const char *what, const char *why)
{
    const char *s = ifr_arena_printf(c->x->arena, "%s%s", what, why);
    return s ? s : why;
}

/* Arms the one timer at the nearest deadline: dial_timeout while
 * dialing, else read_timeout (once the request is written, from the last
 * byte read, while not waiting for the client) and write_timeout (from
 * the last byte written, while records wait). */
static void srv__fcgi_arm(route_proxy_call_t *c)
{
    if (c->state != SRV__FCGI_HEAD && c->state != SRV__FCGI_BODY) return;
    bool written = c->u.wbuf.len == 0 && (!c->with_body || c->u.body_done);
    srv_upcall_arm(&c->u, srv_upcall_earliest(srv_upcall_read_deadline(&c->u, c->conf->read_timeout_ns, written),
                                              srv_upcall_write_deadline(&c->u, c->conf->write_timeout_ns)));
}

/* The client's request body as STDIN records (route_body_cb); the empty
 * record after its last byte. */
static int srv__fcgi_client_body(route_exchange_t *x, const void *data, size_t len, bool is_last, void *ud)
{
    route_proxy_call_t *c = ud;
    if (c->state == SRV__FCGI_DONE || c->u.write_failed) return 1;
    bool was_empty = c->u.wbuf.len == 0;
    int rc = len ? http_fcgi_stream(&c->u.wbuf, HTTP_FCGI_STDIN, SRV__FCGI_ID, data, len) : 0;
    if (is_last) {
        c->u.body_done = true;
        rc |= http_fcgi_stream(&c->u.wbuf, HTTP_FCGI_STDIN, SRV__FCGI_ID, NULL, 0);
    }
    if (rc) {
        c->u.kick_error = "out of memory";
        srv_loop_post(c->u.loop, &c->u.task);
        return 1;
    }
    if (was_empty) c->u.write_since = c->u.loop->now;
    srv_upcall_flush(&c->u, x);   /* an error shows when the answer is read */
    srv__fcgi_arm(c);
    return srv_upcall_body_taken(&c->u, is_last);
}

static void srv__fcgi_client_writable(route_exchange_t *x, void *ud)
{
    (void)x;
    route_proxy_call_t *c = ud;
    srv_upcall_client_writable(&c->u);
    srv__fcgi_pump(c);
}

/* END_REQUEST with the body complete: the connection goes back to the
 * pool when nothing is left on it either way. */
static void srv__fcgi_complete(route_proxy_call_t *c)
{
    route_exchange_t *x = c->x;
    bool keep = c->req.conf->keepalive_ns > 0 && !c->overflow && !c->u.write_failed && c->u.wbuf.len == 0 &&
                c->u.rbuf.len == 0 && (!c->with_body || c->u.body_done);
    srv__fcgi_log_stderr(c, c->resp.status);
    srv__fcgi_release(c, keep);
    x->io->send_trailers(x, NULL);
    c->cb->on_end(c->ud, true);
}

/* The held head goes out, and the bytes held with it. 0, or -1 when
 * the call ended (aborted, or the client is gone). */
static int srv__fcgi_unhold(route_proxy_call_t *c)
{
    route_exchange_t *x = c->x;
    c->holding = false;
    if (c->cb->on_head(c->ud, &c->resp) != 0) {
        srv__fcgi_abort(c, "response head could not be passed on");
        return -1;
    }
    int rc = c->hold.len ? x->io->send_body(x, c->hold.data, c->hold.len, false) : 0;
    ifr_buf_free(&c->hold);
    if (rc != 0) {
        srv__fcgi_release(c, false);
        c->cb->on_end(c->ud, false);
        return -1;
    }
    return 0;
}

/* Body bytes of standard output for the client. 0, or -1 when it is gone. */
static int srv__fcgi_body(route_proxy_call_t *c, ifr_str_t data)
{
    route_exchange_t *x = c->x;
    if (c->resp.body_kind == HTTP_BODY_NONE) return 0;
    if (c->holding) {
        if (ifr_buf_append(&c->hold, data.ptr, data.len) != 0) {
            srv__fcgi_fail(c, ROUTE_PROXY_FAIL_PROTOCOL, "out of memory");
            return 0;
        }
        if (c->hold.len > SRV__FCGI_HOLD) srv__fcgi_unhold(c);   /* a failure there ended the call */
        return 0;
    }
    if (c->resp.body_kind == HTTP_BODY_LENGTH && data.len > c->body_left) {
        c->overflow = true;   /* more than its Content-Length: the rest is dropped */
        data.len = (size_t)c->body_left;
    }
    if (!data.len) return 0;
    if (c->resp.body_kind == HTTP_BODY_LENGTH) c->body_left -= data.len;
    if (x->io->send_body(x, data.ptr, data.len, false) != 0) return -1;
    if (x->io->queued && x->io->queued(x) >= SRV_PROXY_HIGH_WATER &&
        x->io->wait_writable(x, srv__fcgi_client_writable, c) == 0)
        c->u.waiting_client = true;
    return 0;
}

/* Standard output before the head is whole: gather, and once it is, send
 * the head and what followed it. */
static void srv__fcgi_head_data(route_proxy_call_t *c, ifr_str_t data)
{
    route_exchange_t *x = c->x;
    size_t room = HTTP_FCGI_HEAD_MAX - c->head.len;
    if (ifr_buf_append(&c->head, data.ptr, data.len < room ? data.len : room) != 0) {
        srv__fcgi_fail(c, ROUTE_PROXY_FAIL_PROTOCOL, "out of memory");
        return;
    }
    const char *why = NULL;
    http_upstream_response_t r;
    bool head_req = ifr_str_eq(c->req.method, IFR_LIT("HEAD"));
    http_fcgi_head_status_t st = http_fcgi_head(c->head.data, c->head.len, head_req, x->arena, &r, &why);
    if (st == HTTP_FCGI_HEAD_AGAIN) return;
    if (st == HTTP_FCGI_HEAD_ERROR) {
        srv__fcgi_fail(c, ROUTE_PROXY_FAIL_PROTOCOL, srv__fcgi_words(c, "FastCGI response: ", why));
        return;
    }
    /* The head outlives the buffer: keep an arena copy. Bytes past it
     * that did not fit the buffer are still in data. */
    char *copy = ifr_arena_alloc(x->arena, r.head_len);
    if (!copy) {
        srv__fcgi_fail(c, ROUTE_PROXY_FAIL_PROTOCOL, "out of memory");
        return;
    }
    memcpy(copy, c->head.data, r.head_len);
    http_resp_rebase(&r, c->head.data, copy);
    size_t before = c->head.len - (data.len < room ? data.len : room);   /* head bytes of earlier records */
    ifr_str_t rest = r.head_len >= before ? ifr_str_sub(data, r.head_len - before, data.len) : IFR_LIT("");
    c->resp = r;
    c->body_left = r.content_length;
    c->state = SRV__FCGI_BODY;
    ifr_buf_free(&c->head);
    c->holding = r.body_kind == HTTP_BODY_UNTIL_CLOSE;
    if (!c->holding && c->cb->on_head(c->ud, &c->resp) != 0) {
        srv__fcgi_abort(c, "response head could not be passed on");
        return;
    }
    if (rest.len && srv__fcgi_body(c, rest) != 0) {
        srv__fcgi_release(c, false);
        c->cb->on_end(c->ud, false);
    }
}

/* END_REQUEST: done, or why not. */
static void srv__fcgi_end(route_proxy_call_t *c)
{
    static const char *const refusals[] = {
        [HTTP_FCGI_CANT_MPX_CONN] = "the FastCGI application refused a second request on the connection",
        [HTTP_FCGI_OVERLOADED] = "the FastCGI application is overloaded",
        [HTTP_FCGI_UNKNOWN_ROLE] = "the FastCGI application does not take the Responder role",
    };
    uint8_t ps = c->rd.protocol_status;
    if (ps != HTTP_FCGI_REQUEST_COMPLETE) {
        const char *why = ps < sizeof refusals / sizeof *refusals && refusals[ps]
                              ? refusals[ps] : "END_REQUEST with an unknown protocol status";
        if (c->state == SRV__FCGI_HEAD) srv__fcgi_fail(c, ROUTE_PROXY_FAIL_PROTOCOL, why);
        else srv__fcgi_abort(c, why);
        return;
    }
    if (c->state == SRV__FCGI_HEAD) {
        srv__fcgi_fail(c, ROUTE_PROXY_FAIL_PROTOCOL, c->head.len ? "FastCGI response ended inside its CGI head"
                                                                  : "FastCGI application ended without a response");
        return;
    }
    if (c->resp.body_kind == HTTP_BODY_LENGTH && c->body_left) {
        srv__fcgi_abort(c, "FastCGI response shorter than its Content-Length");
        return;
    }
    if (c->holding) {   /* the whole body is held: it goes with its length */
        c->resp.body_kind = HTTP_BODY_LENGTH;
        c->resp.content_length = c->hold.len;
        if (srv__fcgi_unhold(c) != 0) return;
    }
    srv__fcgi_complete(c);
}

/* Hands what was read to the reader, event by event. */
static void srv__fcgi_records(route_proxy_call_t *c)
{
    size_t off = 0;
    while (c->state != SRV__FCGI_DONE && c->state != SRV__FCGI_DIAL && off < c->u.rbuf.len && !c->u.waiting_client) {
        size_t used;
        ifr_str_t data;
        http_fcgi_event_t ev = http_fcgi_read(&c->rd, c->u.rbuf.data + off, c->u.rbuf.len - off, &used, &data);
        off += used;
        switch (ev) {
        case HTTP_FCGI_STDOUT_DATA:
            if (c->state == SRV__FCGI_HEAD) srv__fcgi_head_data(c, data);
            else if (srv__fcgi_body(c, data) != 0) {
                srv__fcgi_release(c, false);   /* the client is gone; the exchange ends */
                c->cb->on_end(c->ud, false);
            }
            break;
        case HTTP_FCGI_STDERR_DATA: {
            size_t room = SRV_FASTCGI_STDERR_KEEP - c->err.len, n = data.len < room ? data.len : room;
            if (!c->conf->capture_stderr || ifr_buf_append(&c->err, data.ptr, n) != 0) n = 0;
            c->err_dropped += c->conf->capture_stderr ? data.len - n : 0;
            break;
        }
        case HTTP_FCGI_END:
            ifr_buf_consume(&c->u.rbuf, off);
            off = 0;
            srv__fcgi_end(c);
            return;
        case HTTP_FCGI_ERROR:
            if (c->state == SRV__FCGI_HEAD)
                srv__fcgi_fail(c, ROUTE_PROXY_FAIL_PROTOCOL, srv__fcgi_words(c, "FastCGI: ", c->rd.error));
            else
                srv__fcgi_abort(c, srv__fcgi_words(c, "FastCGI: ", c->rd.error));
            return;
        case HTTP_FCGI_STDOUT_END:
        case HTTP_FCGI_AGAIN:
            break;
        }
    }
    if (c->state != SRV__FCGI_DONE) ifr_buf_consume(&c->u.rbuf, off);
}

/* Reads as far as buffers and back-pressure allow. */
static void srv__fcgi_read(route_proxy_call_t *c)
{
    size_t chunk = c->req.conf->read_buffer;
    for (;;) {
        srv__fcgi_records(c);
        if (c->state == SRV__FCGI_DONE || c->state == SRV__FCGI_DIAL || c->u.waiting_client ||
            !srv_transport_readable(&c->u.up->tr))
            return;
        if (ifr_buf_reserve(&c->u.rbuf, chunk) != 0) {
            srv__fcgi_fail(c, ROUTE_PROXY_FAIL_PROTOCOL, "out of memory");
            return;
        }
        ssize_t n = srv_transport_read(&c->u.up->tr, c->u.rbuf.data + c->u.rbuf.len, chunk);
        if (n > 0) {
            c->u.got_any = true;
            c->u.read_since = c->u.loop->now;
            c->u.rbuf.len += (size_t)n;
            continue;
        }
        if (n == SRV_IO_AGAIN) return;
        /* EOF or reset before END_REQUEST. */
        if (c->state == SRV__FCGI_HEAD)
            srv__fcgi_fail(c, ROUTE_PROXY_FAIL_PROTOCOL, c->u.got_any ? "FastCGI application closed the connection mid-response"
                                                                    : "FastCGI application closed the connection without responding");
        else
            srv__fcgi_abort(c, "FastCGI application closed the connection before END_REQUEST");
        return;
    }
}

static void srv__fcgi_pump(route_proxy_call_t *c)
{
    if (c->state == SRV__FCGI_DONE || c->state == SRV__FCGI_DIAL) return;
    /* A write error: the application stopped reading; what it answered may still come. */
    if (c->u.wbuf.len && c->u.up->tr.can_write) srv_upcall_flush(&c->u, c->x);
    if (c->state != SRV__FCGI_DONE) srv__fcgi_read(c);
    srv__fcgi_arm(c);
}

/* The records that open the request: BEGIN_REQUEST and the PARAMS stream;
 * without a body, the empty STDIN too. 0, or an HTTP status with *why. */
static int srv__fcgi_request(route_proxy_call_t *c, const char **why)
{
    ifr_buf_t params = IFR_BUF_INIT;
    int status = route_fastcgi_params(c->x, c->conf, c->req.headers, &params, why);
    if (status == 0 &&
        (http_fcgi_begin_request(&c->u.wbuf, SRV__FCGI_ID, c->req.conf->keepalive_ns > 0) != 0 ||
         http_fcgi_stream(&c->u.wbuf, HTTP_FCGI_PARAMS, SRV__FCGI_ID, params.data, params.len) != 0 ||
         http_fcgi_stream(&c->u.wbuf, HTTP_FCGI_PARAMS, SRV__FCGI_ID, NULL, 0) != 0 ||
         (!c->with_body && http_fcgi_stream(&c->u.wbuf, HTTP_FCGI_STDIN, SRV__FCGI_ID, NULL, 0) != 0))) {
        *why = "out of memory";
        status = 500;
    }
    ifr_buf_free(&params);
    return status;
}

static void srv__fcgi_connected(route_proxy_call_t *c)
{
    c->state = SRV__FCGI_HEAD;
    srv_upcall_connected(&c->u);
    if (c->with_body && !c->u.body_started) {
        c->u.body_started = true;
        if (c->x->io->read_body(c->x, srv__fcgi_client_body, c) != 0) {
            srv__fcgi_fail(c, ROUTE_PROXY_FAIL_CLIENT, "request body refused");
            return;
        }
    }
    srv__fcgi_pump(c);
}

static bool srv__fcgi_redial(route_proxy_call_t *c) { return srv_upcall_redial(&c->u, c->req.upstream); }

static const char *srv__fcgi_copy(route_proxy_call_t *c, const char *err) { return srv_upcall_words(c->x, err); }

static void srv__fcgi_event(void *owner, uint32_t events)
{
    route_proxy_call_t *c = owner;
    if (c->state == SRV__FCGI_DIAL) {
        if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
        const char *err;
        int rc = srv_upconn_connected(c->u.up, &err);
        if (rc < 0) {
            if (!srv__fcgi_redial(c)) srv__fcgi_fail(c, ROUTE_PROXY_FAIL_DIAL, srv__fcgi_copy(c, err));
            return;
        }
        if (rc == 0) srv__fcgi_connected(c);
        return;
    }
    srv__fcgi_pump(c);
}

static void srv__fcgi_timeout(srv_timer_t *t)
{
    route_proxy_call_t *c = t->data;
    if (c->state == SRV__FCGI_DIAL && !c->u.up) {
        srv_upwait_cancel(&c->u.wait);
        srv__fcgi_fail(c, ROUTE_PROXY_FAIL_DIAL, "dial timeout (name lookup)");
        return;
    }
    if (c->state == SRV__FCGI_DIAL) {
        srv_upconn_dial_failed(c->u.up);
        if (!srv__fcgi_redial(c)) srv__fcgi_fail(c, ROUTE_PROXY_FAIL_DIAL, "dial timeout");
        return;
    }
    const route_fastcgi_conf_t *f = c->conf;
    bool wrote_late = f->write_timeout_ns > 0 && c->u.wbuf.len && c->u.loop->now >= c->u.write_since + f->write_timeout_ns;
    const char *why = wrote_late ? "write_timeout" : "read_timeout";
    if (!wrote_late && !(f->read_timeout_ns > 0 && c->u.loop->now >= c->u.read_since + f->read_timeout_ns)) {
        srv__fcgi_arm(c);   /* progress since it was armed */
        return;
    }
    if (c->state == SRV__FCGI_HEAD) srv__fcgi_fail(c, ROUTE_PROXY_FAIL_HEADER_TIMEOUT, why);
    else srv__fcgi_abort(c, why);
}

static void srv__fcgi_resolved(void *owner, const char *err)
{
    route_proxy_call_t *c = owner;
    if (c->state != SRV__FCGI_DIAL) return;
    if (err) {
        const char *why = ifr_arena_printf(c->x->arena, "cannot resolve %s: %s", c->req.upstream->host, err);
        srv__fcgi_fail(c, ROUTE_PROXY_FAIL_DIAL, why ? why : "cannot resolve host");
        return;
    }
    srv_loop_post(c->u.loop, &c->u.task);
}

/* From the loop: report an early error, or take a connection and go. */
static void srv__fcgi_kick(srv_task_t *t)
{
    route_proxy_call_t *c = t->data;
    if (c->state == SRV__FCGI_DONE) return;
    if (c->u.kick_error) {
        srv__fcgi_fail(c, c->u.up ? ROUTE_PROXY_FAIL_PROTOCOL : ROUTE_PROXY_FAIL_DIAL, c->u.kick_error);
        return;
    }
    ifr_buf_clear(&c->u.wbuf);
    http_fcgi_reader_init(&c->rd, SRV__FCGI_ID);
    const char *why = "";
    int status = srv__fcgi_request(c, &why);
    if (status) {
        srv__fcgi_fail(c, status == 400 ? ROUTE_PROXY_FAIL_CLIENT : ROUTE_PROXY_FAIL_PROTOCOL, why);
        return;
    }
    const char *err = NULL;
    int rc = srv_upconn_acquire(c->u.loop, c->req.upstream, 0, srv__fcgi_event, c, &c->u.wait, &c->u.up, &c->u.reused, &err);
    if (rc < 0) {
        c->u.up = NULL;
        srv__fcgi_fail(c, ROUTE_PROXY_FAIL_DIAL, srv__fcgi_copy(c, err));
        return;
    }
    if (rc > 0 || c->u.up->connecting) {
        if (rc > 0) c->u.up = NULL;   /* the name is being looked up: srv__fcgi_resolved goes on */
        srv_upcall_dial_wait(&c->u, c->req.conf);
        return;
    }
    srv__fcgi_connected(c);
}

static int srv__fcgi_start(route_exchange_t *x, const route_proxy_request_t *req, const route_proxy_call_cb_t *cb,
                           void *ud, route_proxy_call_t **out)
{
    srv_exchange_t *ex = x->io_ctx;
    route_proxy_call_t *c = ifr_arena_calloc(x->arena, 1, sizeof(*c));
    if (!c) return -1;
    *c = (route_proxy_call_t){ .x = x, .ex = ex, .req = *req, .conf = req->conf->fastcgi, .cb = cb, .ud = ud,
                               .state = SRV__FCGI_DIAL, .head = IFR_BUF_INIT, .err = IFR_BUF_INIT,
                               .hold = IFR_BUF_INIT, .with_body = req->with_body && route_fastcgi_sends_body(x) };
    srv_upcall_init(&c->u, &ex->worker->loop, srv__fcgi_timeout, srv__fcgi_kick, srv__fcgi_resolved, c);
    srv_loop_post(c->u.loop, &c->u.task);
    *out = c;
    return 0;
}

static void srv__fcgi_cancel(route_proxy_call_t *c)
{
    if (c->state != SRV__FCGI_DONE) srv__fcgi_release(c, false);
}

static const route_proxy_transport_t srv__fastcgi_transport = {
    .start = srv__fcgi_start,
    .cancel = srv__fcgi_cancel,
    .tunnels = false,
};

void srv_fastcgi_register(void) { route_proxy_transport_register_fastcgi(&srv__fastcgi_transport); }
