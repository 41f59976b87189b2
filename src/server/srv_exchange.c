/* The native host's route_io_t, whatever the protocol: the contract's
 * checks (route/exchange.h), the declared length, request body delivery
 * state, the writable waiter and the exchange's lifecycle; the protocol's
 * ops (srv_h1.c) do the framing and the queueing. See srv_exchange.h. */
#include "server/srv_exchange.h"

#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "server/srv_offload.h"
#include "server/srv_tunnel.h"

static srv_exchange_t *srv__ex_of(route_exchange_t *x) { return (srv_exchange_t *)x; }

void srv_exchange_init(srv_exchange_t *ex, srv_worker_t *w, const srv_proto_ops_t *proto, void *session)
{
    *ex = (srv_exchange_t){ .worker = w, .proto = proto, .session = session, .declared_len = -1 };
    ifr_arena_init(&ex->arena, 8192);
}

void srv_exchange_free(srv_exchange_t *ex)
{
    if (ex->active) srv_exchange_end(ex);
    ifr_arena_destroy(&ex->arena);
}

/* A queueing op failed: the response cannot be finished, the session
 * closes after what is queued. */
static int srv__cut_off(srv_exchange_t *ex)
{
    ex->close_after = ex->resp_done = true;
    ex->proto->wake(ex);
    return -1;
}

static int srv__io_send_head(route_exchange_t *x)
{
    srv_exchange_t *ex = srv__ex_of(x);
    if (!srv_exchange_usable(ex) || ex->x.head_sent) return -1;
    if (ex->proto->send_head(ex) < 0) return srv__cut_off(ex);
    x->head_sent = true;
    ex->proto->wake(ex);
    return 0;
}

/* Trims len to what the declared length still allows. */
static uint64_t srv__fit_declared(srv_exchange_t *ex, uint64_t len)
{
    if (ex->declared_len < 0 || ex->body_sent + len <= (uint64_t)ex->declared_len) return len;
    ifr_log_warn("http", "handler sent more than its Content-Length; truncating");
    ex->close_after = true;
    return (uint64_t)ex->declared_len - ex->body_sent;
}

/* trailers: see route_io_t.send_trailers; NULL for none. */
static int srv__body_end(srv_exchange_t *ex, bool is_last, const http_headers_t *trailers)
{
    if (is_last) {
        if (ex->proto->send_end(ex, trailers) < 0) ex->close_after = true;
        /* A short body breaks the framing: the client learns by the close. */
        if (!ex->no_body && ex->declared_len >= 0 && ex->body_sent < (uint64_t)ex->declared_len)
            ex->close_after = true;
        ex->resp_done = true;
    }
    ex->proto->wake(ex);
    return 0;
}

static int srv__io_send_body(route_exchange_t *x, const void *data, size_t len, bool is_last)
{
    srv_exchange_t *ex = srv__ex_of(x);
    if (!srv_exchange_usable(ex)) return -1;
    if (!ex->x.head_sent && srv__io_send_head(x) < 0) return -1;
    if (len && !ex->no_body) {
        len = (size_t)srv__fit_declared(ex, len);
        if (len && ex->proto->send_body(ex, data, len) < 0) return srv__cut_off(ex);
        ex->body_sent += len;
    }
    return srv__body_end(ex, is_last, NULL);
}

static int srv__io_send_trailers(route_exchange_t *x, const http_headers_t *trailers)
{
    srv_exchange_t *ex = srv__ex_of(x);
    if (!srv_exchange_usable(ex)) return -1;
    if (!ex->x.head_sent && srv__io_send_head(x) < 0) return -1;
    return srv__body_end(ex, true, trailers);
}

static int srv__io_send_file(route_exchange_t *x, int fd, off_t offset, uint64_t len, bool is_last)
{
    srv_exchange_t *ex = srv__ex_of(x);
    if (!srv_exchange_usable(ex) || (!ex->x.head_sent && srv__io_send_head(x) < 0)) {
        close(fd);
        return -1;
    }
    len = ex->no_body ? 0 : srv__fit_declared(ex, len);
    if (len == 0) {
        close(fd);
        return srv__body_end(ex, is_last, NULL);
    }
    if (ex->proto->send_file(ex, fd, offset, len) < 0) return srv__cut_off(ex);
    ex->body_sent += len;
    return srv__body_end(ex, is_last, NULL);
}

static route_splice_t srv__io_splice_body(route_exchange_t *x, int src_fd, uint64_t max, size_t *moved)
{
    srv_exchange_t *ex = srv__ex_of(x);
    *moved = 0;
    if (!srv_exchange_usable(ex) || (!ex->x.head_sent && srv__io_send_head(x) < 0)) return ROUTE_SPLICE_GONE;
    if (ex->no_body) return ROUTE_SPLICE_NO;
    max = srv__fit_declared(ex, max);
    if (max == 0) return ROUTE_SPLICE_NO;
    route_splice_t r = ex->proto->splice_body(ex, src_fd, max, moved);
    ex->body_sent += *moved;
    return r;
}

static int srv__io_read_body(route_exchange_t *x, route_body_cb cb, void *ud)
{
    srv_exchange_t *ex = srv__ex_of(x);
    if (!srv_exchange_usable(ex) || ex->body_started) return -1;
    if (x->body_limit && ex->req.body_kind == HTTP_BODY_LENGTH && ex->req.content_length > x->body_limit) {
        srv_exchange_fail(ex, 413);
        return -1;
    }
    ex->body_started = ex->body_reading = true;
    ex->body_cb = cb;
    ex->body_ud = ud;
    ex->proto->body_wanted(ex, false);
    return 0;
}

int srv_exchange_resume_body(route_exchange_t *x)
{
    srv_exchange_t *ex = srv__ex_of(x);
    if (!srv_exchange_usable(ex) || !ex->body_started) return -1;
    if (!ex->last_delivered && !ex->body_reading) {
        ex->body_reading = true;
        ex->proto->body_wanted(ex, true);
    }
    return 0;
}

static uint64_t srv__io_queued(route_exchange_t *x)
{
    srv_exchange_t *ex = srv__ex_of(x);
    return srv_exchange_usable(ex) ? ex->proto->queued(ex) : 0;
}

static int srv__io_wait_writable(route_exchange_t *x, route_resume_cb cb, void *ud)
{
    srv_exchange_t *ex = srv__ex_of(x);
    if (!srv_exchange_usable(ex) || ex->writable_cb) return -1;
    ex->writable_cb = cb;
    ex->writable_ud = ud;
    /* Even when the queue is already low, the callback comes from the
     * loop, never from inside this call. */
    ex->proto->wake(ex);
    return 0;
}

void srv_exchange_check_writable(srv_exchange_t *ex)
{
    if (!ex->writable_cb || !ex->proto->writable(ex)) return;
    route_resume_cb cb = ex->writable_cb;
    ex->writable_cb = NULL;
    cb(&ex->x, ex->writable_ud);
}

/* The host's 500 path does it: the response is cut off and the session
 * closes. */
static int srv__io_abort(route_exchange_t *x)
{
    srv_exchange_t *ex = srv__ex_of(x);
    if (!srv_exchange_usable(ex)) return -1;
    srv_exchange_fail(ex, 500);
    return 0;
}

static int srv__io_send_interim(route_exchange_t *x, int status, const http_headers_t *headers)
{
    srv_exchange_t *ex = srv__ex_of(x);
    if (!srv_exchange_usable(ex)) return -1;
    if (ex->x.head_sent || status < 102 || status > 199) return 0;
    if (ex->proto->send_interim(ex, status, headers) < 0) return srv__cut_off(ex);
    ex->proto->wake(ex);
    return 0;
}

static int srv__io_upgrade(route_exchange_t *x, int peer_fd, const void *pending, size_t len)
{
    srv_exchange_t *ex = srv__ex_of(x);
    if (!srv_exchange_usable(ex) || ex->x.head_sent || !ex->proto->upgrade) {
        srv_tunnel_peer_drop(peer_fd);
        return -1;
    }
    return ex->proto->upgrade(ex, peer_fd, pending, len);
}

const route_io_t srv_exchange_io = {
    .send_head = srv__io_send_head,
    .send_body = srv__io_send_body,
    .send_trailers = srv__io_send_trailers,
    .send_file = srv__io_send_file,
    .splice_body = srv__io_splice_body,
    .read_body = srv__io_read_body,
    .resume_body = srv_exchange_resume_body,
    .queued = srv__io_queued,
    .wait_writable = srv__io_wait_writable,
    .defer = srv_exchange_defer,
    .timer = srv_exchange_timer,
    .abort = srv__io_abort,
    .upgrade = srv__io_upgrade,
    .offload = srv_exchange_offload,
    .send_interim = srv__io_send_interim,
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
    srv__io_send_body(&ex->x, NULL, 0, true);
}

void srv_exchange_fail(srv_exchange_t *ex, int status)
{
    ex->body_reading = false;
    ex->close_after = true;
    if (!ex->x.head_sent) srv_exchange_send_bare(ex, status, false);
    else ex->resp_done = true;
    ex->proto->wake(ex);
}

void srv_exchange_begin(srv_exchange_t *ex, const route_conn_info_t *info)
{
    srv_worker_t *w = ex->worker;
    /* The request was just parsed into the arena and the session's fields
     * stay; the rest starts afresh (in place: the struct is large). */
    size_t keep = offsetof(srv_exchange_t, plan);
    memset((char *)ex + keep, 0, sizeof *ex - keep);
    ex->declared_len = -1;
    ex->active = true;
    ex->plan = w->plan;
    ex->x = (route_exchange_t){
        .arena = &ex->arena,
        .req = &ex->req,
        .resp = { .status = 0, .content_length = -1 },
        .conn = info,
        .io = &srv_exchange_io,
        .io_ctx = ex,
        .id = ((uint64_t)w->id << 48) | ++w->exchange_seq,
        .start_ns = w->loop.now,
        .orig_uri = ex->req.target,
    };
    route_result_t r = route_exchange_run(ex->plan, &ex->x);
    if (r == ROUTE_ERROR) {
        if (!ex->x.head_sent) srv_exchange_send_bare(ex, ex->x.error_status, true);
        else ex->close_after = ex->resp_done = true;
    } else if (!ex->x.head_sent && !ex->body_started && r != ROUTE_ASYNC) {
        /* DONE (or NEXT) without a response is a handler bug: answer
         * rather than leave the client waiting forever. */
        ifr_log_warn("http", "handler returned %d without responding to %.*s", (int)r,
                     (int)ex->req.target.len, ex->req.target.ptr);
        srv_exchange_send_bare(ex, 500, false);
    }
}

void srv_exchange_end(srv_exchange_t *ex)
{
    ex->active = false;
    srv_exchange_cancel_async(ex);
    route_exchange_finish(ex->plan, &ex->x);
    ex->plan = NULL;
    ifr_arena_reset(&ex->arena);
}
