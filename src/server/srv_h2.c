/* The HTTP/2 session of a connection: nghttp2's callbacks collect each
 * stream's request, and the driver (srv_h2_step, the connection's step
 * in SRV_CONN_H2) moves bytes between the connection and nghttp2, begins the
 * exchanges of complete requests, delivers request bodies, hands
 * responses to nghttp2, and frees closed streams. See srv_h2.h. */
#include "server/srv_h2.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "http/request_parser.h"

/* A request's field section, counted as HPACK does (32 bytes a field):
 * HTTP/1.1's request line and fields together. */
#define SRV__H2_FIELD_BYTES_MAX (HTTP_MAX_REQUEST_LINE + HTTP_MAX_FIELD_SECTION)
#define SRV__H2_FIELDS_MAX (HTTP_MAX_FIELDS + 4)
/* Field lists nghttp2 may take in one header block (CONTINUATION frames
 * after a HEADERS): past this the connection ends (the 2024 floods). */
#define SRV__H2_CONTINUATIONS_MAX 8
/* Client bytes fed to nghttp2 per step, so one busy connection yields. */
#define SRV__H2_READ_CHUNK (16 * 1024)

static srv_h2_session_t *srv__session_of(void *ud) { return ud; }

static srv_h2_stream_t *srv__stream_get(srv_h2_session_t *h2, int32_t id)
{
    return nghttp2_session_get_stream_user_data(h2->ng, id);
}

static void srv__stream_free(srv_h2_session_t *h2, srv_h2_stream_t *st)
{
    if (!st->closed) nghttp2_session_set_stream_user_data(h2->ng, st->id, NULL);
    srv_exchange_free(&st->ex);   /* ends it (route_exchange_done) if active */
    srv_h2_stream_drop_body(st);
    ifr_buf_free(&st->body);
    if (st->prev) st->prev->next = st->next;
    else h2->streams = st->next;
    if (st->next) st->next->prev = st->prev;
    free(st);
    if (--h2->nstreams == 0) h2->last_active = h2->conn->worker->loop.now;
}

static int srv__on_begin_headers(nghttp2_session *ng, const nghttp2_frame *frame, void *ud)
{
    srv_h2_session_t *h2 = srv__session_of(ud);
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    srv_h2_stream_t *st = calloc(1, sizeof *st);
    if (!st) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;   /* RST_STREAM for this one */
    srv_exchange_init(&st->ex, h2->conn->worker, &srv_h2_proto, st);
    st->h2 = h2;
    st->id = frame->hd.stream_id;
    st->body = IFR_BUF_INIT;
    st->body.limit = SRV_H2_STREAM_WINDOW;
    st->next = h2->streams;
    if (h2->streams) h2->streams->prev = st;
    h2->streams = st;
    h2->nstreams++;
    nghttp2_session_set_stream_user_data(ng, st->id, st);
    return 0;
}

/* One request field, or a request trailer field, into the stream's
 * arena; past the limits the rest is only counted (431 at the end). */
static int srv__on_header(nghttp2_session *ng, const nghttp2_frame *frame, const uint8_t *name, size_t namelen,
                     const uint8_t *value, size_t valuelen, uint8_t flags, void *ud)
{
    (void)flags;
    srv_h2_session_t *h2 = srv__session_of(ud);
    (void)ng;
    srv_h2_stream_t *st = srv__stream_get(h2, frame->hd.stream_id);
    if (!st) return 0;
    st->field_bytes += (uint32_t)(namelen + valuelen + 32);
    st->fields++;
    if (st->field_bytes > h2->max_field_bytes || st->fields > SRV__H2_FIELDS_MAX) st->fields_over = true;
    if (st->fields_over) return 0;
    ifr_arena_t *a = &st->ex.arena;
    ifr_str_t n = ifr_arena_str(a, ifr_str((const char *)name, namelen));
    ifr_str_t v = ifr_arena_str(a, ifr_str((const char *)value, valuelen));
    if ((namelen && !n.ptr) || (valuelen && !v.ptr)) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    if (frame->headers.cat != NGHTTP2_HCAT_REQUEST) {
        /* Trailers (nghttp2 has checked they carry no pseudo-fields). */
        if (!st->trailers_in && !(st->trailers_in = ifr_arena_calloc(a, 1, sizeof *st->trailers_in)))
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
        return http_headers_add(st->trailers_in, a, n, v) < 0 ? NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE : 0;
    }
    if (namelen && name[0] == ':') {
        if (ifr_str_eq(n, IFR_LIT(":method"))) st->method = v;
        else if (ifr_str_eq(n, IFR_LIT(":path"))) st->path = v;
        else if (ifr_str_eq(n, IFR_LIT(":authority"))) st->authority = v;
        else if (ifr_str_eq(n, IFR_LIT(":scheme"))) st->scheme = v;
        return 0;
    }
    return http_headers_add(&st->ex.req.headers, a, n, v) < 0 ? NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE : 0;
}

static int srv__on_frame_recv(nghttp2_session *ng, const nghttp2_frame *frame, void *ud)
{
    (void)ng;
    srv_h2_session_t *h2 = srv__session_of(ud);
    srv_h2_stream_t *st = frame->hd.stream_id ? srv__stream_get(h2, frame->hd.stream_id) : NULL;
    bool end = frame->hd.flags & NGHTTP2_FLAG_END_STREAM;
    switch (frame->hd.type) {
    case NGHTTP2_HEADERS:
        if (!st) break;
        if (frame->headers.cat == NGHTTP2_HCAT_REQUEST) st->ready = true, st->no_body = end;
        if (end) st->req_done = true;
        break;
    case NGHTTP2_DATA:
        if (st && end) st->req_done = true;
        if (frame->hd.length == 0 && !end) srv_h2_guard_control(h2, "empty DATA");
        break;
    case NGHTTP2_SETTINGS:
        if (!(frame->hd.flags & NGHTTP2_FLAG_ACK)) srv_h2_guard_control(h2, "SETTINGS");
        break;
    case NGHTTP2_PING:
        if (!(frame->hd.flags & NGHTTP2_FLAG_ACK)) srv_h2_guard_control(h2, "PING");
        break;
    case NGHTTP2_WINDOW_UPDATE: srv_h2_guard_control(h2, "WINDOW_UPDATE"); break;
    case NGHTTP2_PRIORITY: srv_h2_guard_control(h2, "PRIORITY"); break;
    case NGHTTP2_RST_STREAM: srv_h2_guard_reset(h2); break;
    default: break;
    }
    return 0;
}

/* Request body bytes wait in the stream until its handler takes them:
 * the connection's window opens at once (one stream's unread body does
 * not stall the others), the stream's only as the handler reads. */
static int srv__on_data_chunk(nghttp2_session *ng, uint8_t flags, int32_t id, const uint8_t *data, size_t len, void *ud)
{
    (void)flags;
    srv_h2_session_t *h2 = srv__session_of(ud);
    nghttp2_session_consume_connection(ng, len);
    srv_h2_stream_t *st = srv__stream_get(h2, id);
    if (!st) return 0;
    st->body_received += len;
    if (st->ex.resp_done || (st->began && !st->ex.active)) {
        nghttp2_session_consume_stream(ng, id, len);   /* no one will read it */
        return 0;
    }
    if (ifr_buf_append(&st->body, data, len) < 0) {
        /* More than the window we gave: nghttp2 refuses that first, so
         * this is memory. */
        nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE, id, NGHTTP2_INTERNAL_ERROR);
    }
    return 0;
}

static int srv__on_stream_close(nghttp2_session *ng, int32_t id, uint32_t error_code, void *ud)
{
    (void)ng; (void)error_code;
    srv_h2_stream_t *st = srv__stream_get(srv__session_of(ud), id);
    if (st) st->closed = true;
    return 0;
}

static int srv__on_frame_send(nghttp2_session *ng, const nghttp2_frame *frame, void *ud)
{
    srv_h2_session_t *h2 = srv__session_of(ud);
    if (frame->hd.type == NGHTTP2_GOAWAY) {
        uint32_t code = frame->goaway.error_code;
        if (code == NGHTTP2_NO_ERROR)
            ifr_log_debug("http", "h2: GOAWAY NO_ERROR to %s (last stream %d)", h2->conn->remote_ip,
                          (int)frame->goaway.last_stream_id);
        else
            ifr_log_warn("http", "h2: GOAWAY %s to %s (last stream %d)", nghttp2_http2_strerror(code),
                         h2->conn->remote_ip, (int)frame->goaway.last_stream_id);
        return 0;
    }
    if (frame->hd.type == NGHTTP2_DATA) h2->sent_data = true;
    if ((frame->hd.type == NGHTTP2_DATA || frame->hd.type == NGHTTP2_HEADERS) &&
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
        /* The response is whole but the request is not: the client may
         * stop sending it (RFC 9113 8.1). */
        srv_h2_stream_t *st = srv__stream_get(h2, frame->hd.stream_id);
        if (st && !st->req_done) {
            nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_NO_ERROR);
            st->reset_sent = true;
        }
    }
    return 0;
}

static int srv__on_invalid_frame(nghttp2_session *ng, const nghttp2_frame *frame, int lib_error, void *ud)
{
    (void)ng;
    ifr_log_debug("http", "h2: invalid frame (type %d, stream %d) from %s: %s", frame->hd.type,
                  (int)frame->hd.stream_id, srv__session_of(ud)->conn->remote_ip, nghttp2_strerror(lib_error));
    return 0;
}

int srv_h2_start(srv_conn_t *c)
{
    srv_h2_session_t *h2 = calloc(1, sizeof *h2);
    nghttp2_session_callbacks *cb = NULL;
    nghttp2_option *opt = NULL;
    if (!h2 || nghttp2_session_callbacks_new(&cb) != 0 || nghttp2_option_new(&opt) != 0) goto fail;
    nghttp2_session_callbacks_set_on_begin_headers_callback(cb, srv__on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cb, srv__on_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, srv__on_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, srv__on_data_chunk);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, srv__on_stream_close);
    nghttp2_session_callbacks_set_on_frame_send_callback(cb, srv__on_frame_send);
    nghttp2_session_callbacks_set_on_invalid_frame_recv_callback(cb, srv__on_invalid_frame);
    /* Windows open as handlers read, not as bytes arrive. */
    nghttp2_option_set_no_auto_window_update(opt, 1);
    nghttp2_option_set_max_deflate_dynamic_table_size(opt, SRV_H2_HEADER_TABLE);
    nghttp2_option_set_max_continuations(opt, SRV__H2_CONTINUATIONS_MAX);
    /* SETTINGS and PING acknowledgements queued and not yet sent (a
     * client that sends them and does not read), and entries per
     * SETTINGS frame: nghttp2's defaults, set here on purpose. */
    nghttp2_option_set_max_outbound_ack(opt, 1000);
    nghttp2_option_set_max_settings(opt, 32);
    h2->conn = c;
    if (nghttp2_session_server_new2(&h2->ng, cb, h2, opt) != 0) goto fail;
    nghttp2_session_callbacks_del(cb);
    nghttp2_option_del(opt);
    cb = NULL;
    opt = NULL;
    /* servers { max_header_size } is the header list's size here (RFC
     * 9113's measure: name, value and 32 per field). */
    uint64_t max_head = route_plan_options(c->worker->plan)->max_header_size;
    h2->max_field_bytes = max_head ? (uint32_t)max_head : SRV__H2_FIELD_BYTES_MAX;
    const nghttp2_settings_entry iv[] = {
        { NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, SRV_H2_MAX_STREAMS },
        { NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, SRV_H2_STREAM_WINDOW },
        { NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, SRV_H2_HEADER_TABLE },
        { NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, h2->max_field_bytes },
    };
    if (nghttp2_submit_settings(h2->ng, NGHTTP2_FLAG_NONE, iv, sizeof iv / sizeof iv[0]) != 0 ||
        nghttp2_session_set_local_window_size(h2->ng, NGHTTP2_FLAG_NONE, 0, SRV_H2_CONN_WINDOW) != 0) {
        nghttp2_session_del(h2->ng);
        goto fail;
    }
    h2->last_recv = h2->last_active = c->worker->loop.now;
    srv_h2_guard_init(h2);
    c->h2 = h2;
    c->state = SRV_CONN_H2;
    return 0;
fail:
    if (cb) nghttp2_session_callbacks_del(cb);
    if (opt) nghttp2_option_del(opt);
    free(h2);
    return -1;
}

void srv_h2_free(srv_conn_t *c)
{
    srv_h2_session_t *h2 = c->h2;
    if (!h2) return;
    while (h2->streams) srv__stream_free(h2, h2->streams);
    nghttp2_session_del(h2->ng);
    free(h2);
    c->h2 = NULL;
}

/* A request the route layer never sees (its fields were refused). */
static void srv__stream_refuse(srv_h2_stream_t *st, int status)
{
    char code[4];
    snprintf(code, sizeof code, "%d", status);
    nghttp2_nv nva[] = {
        { (uint8_t *)":status", (uint8_t *)code, 7, 3, NGHTTP2_NV_FLAG_NONE },
        { (uint8_t *)"server", (uint8_t *)ROUTE_SERVER_NAME, 6, sizeof ROUTE_SERVER_NAME - 1, NGHTTP2_NV_FLAG_NONE },
    };
    ifr_log_debug("http", "h2: refused stream %d from %s (%d)", (int)st->id, st->h2->conn->remote_ip, status);
    nghttp2_submit_response(st->h2->ng, st->id, nva, 2, NULL);
}

/* Whether the :path bytes are ones HTTP/1.1's parser would take (they
 * may be passed on to an HTTP/1.1 upstream as they are). */
static bool srv__path_ok(ifr_str_t p)
{
    if (!p.len) return false;
    for (size_t i = 0; i < p.len; i++) {
        unsigned char ch = (unsigned char)p.ptr[i];
        if (ch <= 0x20 || ch >= 0x7f) return false;
    }
    return true;
}

/* Several cookie fields become one, as RFC 9113 8.2.3 says for passing
 * the request on to HTTP/1.1. 0, or -1 out of memory. */
static int srv__join_cookies(http_request_t *r, ifr_arena_t *a)
{
    size_t total = 0, count = 0;
    for (uint32_t i = 0; i < r->headers.count; i++)
        if (ifr_str_eq(r->headers.items[i].name, IFR_LIT("cookie"))) total += r->headers.items[i].value.len + 2, count++;
    if (count < 2) return 0;
    char *joined = ifr_arena_alloc(a, total), *p = joined;
    if (!joined) return -1;
    for (uint32_t i = 0; i < r->headers.count; i++) {
        ifr_str_t v = r->headers.items[i].value;
        if (!ifr_str_eq(r->headers.items[i].name, IFR_LIT("cookie"))) continue;
        if (p != joined) *p++ = ';', *p++ = ' ';
        memcpy(p, v.ptr, v.len);
        p += v.len;
    }
    http_headers_set(&r->headers, a, IFR_LIT("cookie"), ifr_str(joined, (size_t)(p - joined)));
    return 0;
}

/* The request from the stream's fields, then its exchange. */
static void srv__stream_begin(srv_h2_stream_t *st)
{
    srv_conn_t *c = st->h2->conn;
    http_request_t *r = &st->ex.req;
    ifr_arena_t *a = &st->ex.arena;
    st->began = true;
    if (st->fields_over) return srv__stream_refuse(st, 431);
    if (ifr_str_eq(st->method, IFR_LIT("CONNECT"))) return srv__stream_refuse(st, 501);
    if (!srv__path_ok(st->path) || !st->method.len) return srv__stream_refuse(st, 400);
    r->method = st->method;
    r->target = st->path;
    const char *q = memchr(st->path.ptr, '?', st->path.len);
    r->path = q ? ifr_str(st->path.ptr, (size_t)(q - st->path.ptr)) : st->path;
    r->query = q ? ifr_str(q + 1, st->path.len - r->path.len - 1) : IFR_LIT("");
    r->version_major = 2;
    r->version_minor = 0;
    r->keep_alive = true;
    const http_header_t *host = http_headers_get(&r->headers, IFR_LIT("host"));
    r->host = st->authority.len ? st->authority : host ? host->value : IFR_LIT("");
    if (!host && st->authority.len && http_headers_add(&r->headers, a, IFR_LIT("host"), st->authority) < 0)
        return srv__stream_refuse(st, 500);
    if (srv__join_cookies(r, a) < 0) return srv__stream_refuse(st, 500);
    const http_header_t *cl = http_headers_get(&r->headers, IFR_LIT("content-length"));
    uint64_t len = 0;
    if (cl && !ifr_str_to_u64(cl->value, UINT64_MAX, &len)) return srv__stream_refuse(st, 400);
    /* Without content-length the body's length is the stream's; the
     * route layer sees it as HTTP/1.1's chunked (a length not known
     * before the end). */
    r->body_kind = cl ? HTTP_BODY_LENGTH : st->no_body ? HTTP_BODY_NONE : HTTP_BODY_CHUNKED;
    r->content_length = cl ? len : 0;
    const http_header_t *expect = http_headers_get(&r->headers, IFR_LIT("expect"));
    r->expect_continue = expect && ifr_str_eq_nocase(expect->value, IFR_LIT("100-continue"));
    srv_exchange_begin(&st->ex, &c->info);
}

/* Hands buffered request body bytes to the handler that reads them. */
static void srv__stream_pump_body(srv_h2_stream_t *st)
{
    srv_exchange_t *ex = &st->ex;
    if (!srv_exchange_usable(ex) || !ex->body_reading || ex->last_delivered) return;
    if (ex->x.body_limit && st->body_received > ex->x.body_limit) {
        srv_exchange_fail(ex, 413);
        return;
    }
    if (!st->body.len && !st->req_done) return;
    bool last = st->req_done;
    if (last) {
        ex->last_delivered = true;
        ex->body_reading = false;
        ex->x.req_trailers = st->trailers_in;
    }
    size_t len = st->body.len;
    int stop = ex->body_cb ? ex->body_cb(&ex->x, st->body.data, len, last, ex->body_ud) : 0;
    st->body.len = 0;
    if (len) nghttp2_session_consume_stream(st->h2->ng, st->id, len);
    if (stop) ex->body_reading = false;   /* paused until resume_body */
}

/* One pass over the streams: begin, deliver, wake writers, submit, and
 * free the closed ones. Whether any response bytes wait for a window. */
static bool srv__streams_pass(srv_h2_session_t *h2)
{
    bool waiting = false;
    for (srv_h2_stream_t *st = h2->streams, *next; st; st = next) {
        next = st->next;
        if (st->closed) {
            srv__stream_free(h2, st);
            continue;
        }
        if (st->ready && !st->began) srv__stream_begin(st);
        if (!st->ex.active) continue;
        srv__stream_pump_body(st);
        if (st->ex.writable_cb) srv_exchange_check_writable(&st->ex);
        srv_h2_stream_submit(st);
        if (st->submitted && !st->reset_sent && st->seg_head) waiting = true;
    }
    return waiting;
}

/* Ends the session after a fatal error: GOAWAY if nghttp2 can still
 * send it, then the connection closes after what is queued. */
static int srv__h2_fail(srv_conn_t *c, int lib_error)
{
    srv_h2_session_t *h2 = c->h2;
    uint32_t code = lib_error == NGHTTP2_ERR_FLOODED || lib_error == NGHTTP2_ERR_TOO_MANY_CONTINUATIONS
                        ? NGHTTP2_ENHANCE_YOUR_CALM
                        : NGHTTP2_PROTOCOL_ERROR;
    ifr_log_warn("http", "h2: closing the connection from %s: %s", c->remote_ip, nghttp2_strerror(lib_error));
    nghttp2_session_terminate_session(h2->ng, code);
    const uint8_t *data;
    ssize_t n;
    while ((n = nghttp2_session_mem_send(h2->ng, &data)) > 0) srv_outq_append(&c->out, data, (size_t)n);
    srv_h2_free(c);
    srv_conn_close_lingering(c);
    return 1;
}

/* Client bytes into nghttp2. 1 progress, 0 nothing to read, -1 c closed. */
static int srv__h2_recv(srv_conn_t *c)
{
    srv_h2_session_t *h2 = c->h2;
    if (!nghttp2_session_want_read(h2->ng) || c->out.bytes > SRV_OUT_HIGH_WATER) return 0;
    if (!c->rbuf.len) {
        if (!srv_transport_readable(&c->tp)) return 0;
        int r = srv_conn_read(c);
        if (r == 0) return 0;
        if (r < 0) {
            /* The client is gone (or half-closed): nothing more to read. */
            srv_h2_free(c);
            if (srv_outq_empty(&c->out)) {
                srv_conn_close(c);
                return -1;
            }
            c->state = SRV_CONN_CLOSING;
            return 1;
        }
    }
    size_t len = c->rbuf.len < SRV__H2_READ_CHUNK ? c->rbuf.len : SRV__H2_READ_CHUNK;
    ssize_t n = nghttp2_session_mem_recv(h2->ng, (const uint8_t *)c->rbuf.data, len);
    if (n < 0) return srv__h2_fail(c, (int)n);
    ifr_buf_consume(&c->rbuf, (size_t)n);
    h2->last_recv = c->worker->loop.now;
    return 1;
}

/* nghttp2's frames into the output queue while it has room. 0, 1 when
 * the session ended (c closes after its queue), -1 when c was closed. */
static int srv__h2_send(srv_conn_t *c, bool *progress)
{
    srv_h2_session_t *h2 = c->h2;
    while (c->out.bytes < SRV_H2_OUT_HIGH_WATER) {
        const uint8_t *data;
        ssize_t n = nghttp2_session_mem_send(h2->ng, &data);
        if (n < 0) return srv__h2_fail(c, (int)n);
        if (n == 0) break;
        if (srv_outq_append(&c->out, data, (size_t)n) < 0) {
            srv_h2_free(c);
            srv_conn_close(c);
            return -1;
        }
        *progress = true;
    }
    return 0;
}

int srv_h2_step(srv_conn_t *c)
{
    srv_h2_session_t *h2 = c->h2;
    if (c->worker->stopping && !h2->stop_sent) srv_h2_stop(c);
    int r = srv__h2_recv(c);
    if (r < 0 || c->state != SRV_CONN_H2) return r;
    bool progress = r > 0;
    h2->sent_data = false;
    bool waiting = srv__streams_pass(h2);
    int s = srv__h2_send(c, &progress);
    if (s != 0) return s;
    /* Response bytes wait and none went: the client's windows (or its
     * socket) hold them; srv_h2_deadline bounds how long. */
    if (h2->sent_data || !waiting) h2->blocked_since = 0;
    else if (!h2->blocked_since) h2->blocked_since = c->worker->loop.now;
    if (!nghttp2_session_want_read(h2->ng) && !nghttp2_session_want_write(h2->ng)) {
        srv_h2_free(c);
        c->state = SRV_CONN_CLOSING;
        return 1;
    }
    return progress;
}

void srv_h2_stop(srv_conn_t *c)
{
    srv_h2_session_t *h2 = c->h2;
    if (h2->stop_sent) return;
    h2->stop_sent = true;
    nghttp2_submit_goaway(h2->ng, NGHTTP2_FLAG_NONE, nghttp2_session_get_last_proc_stream_id(h2->ng),
                          NGHTTP2_NO_ERROR, NULL, 0);
    srv_conn_wake(c);
}

/* A stream whose handler waits for request body bytes. */
static bool srv__body_awaited(const srv_h2_session_t *h2)
{
    for (const srv_h2_stream_t *st = h2->streams; st; st = st->next)
        if (st->ex.active && st->ex.body_reading && !st->req_done) return true;
    return false;
}

static int64_t srv__earliest(int64_t a, int64_t b) { return !a ? b : !b ? a : a < b ? a : b; }

int64_t srv_h2_deadline(const srv_conn_t *c)
{
    const srv_h2_session_t *h2 = c->h2;
    const srv_timeouts_t *t = &c->worker->timeouts;
    int64_t d = 0;
    if (h2->nstreams == 0 && t->idle) d = h2->last_active + t->idle;
    int64_t stall = t->write ? t->write : t->idle;
    if (h2->blocked_since && stall) d = srv__earliest(d, h2->blocked_since + stall);
    int64_t body = t->read_body ? t->read_body : t->idle;
    if (body && srv__body_awaited(h2)) d = srv__earliest(d, h2->last_recv + body);
    return d;
}

void srv_h2_timeout(srv_conn_t *c)
{
    srv_h2_session_t *h2 = c->h2;
    int64_t now = c->worker->loop.now;
    const char *why = h2->nstreams == 0 ? "idle"
                      : h2->blocked_since ? "its window (or socket) stayed closed"
                                          : "a request body stopped coming";
    /* A deadline that moved since the timer was set is not a timeout. */
    int64_t d = srv_h2_deadline(c);
    if (!d || d > now) return;
    if (h2->nstreams) ifr_log_info("http", "h2: closing the connection from %s: %s", c->remote_ip, why);
    nghttp2_session_terminate_session(h2->ng, NGHTTP2_NO_ERROR);
    h2->terminated = true;
}
