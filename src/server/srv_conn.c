/* The HTTP/1.1 connection state machine; see srv_conn.h. */
#include "server/srv_conn.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "http/response_writer.h"
#include "server/srv_date.h"
#include "server/srv_h2.h"
#include "server/srv_tunnel.h"

#define SRV__CONN_READ_CHUNK (16 * 1024)
/* The head limits (8 KiB line + 32 KiB fields) fit with room to spare; the
 * body is consumed as it is delivered, so this bounds the buffer. */
#define SRV__CONN_RBUF_LIMIT (64 * 1024)
/* Driver iterations per turn before yielding to other connections. */
#define SRV__CONN_RUN_BUDGET 64

enum { SRV__STEP_IDLE, SRV__STEP_AGAIN, SRV__STEP_CLOSED };

static void srv__conn_on_io(srv_watch_t *w, uint32_t events);
static void srv__conn_on_timer(srv_timer_t *t);
static void srv__conn_on_task(srv_task_t *t);

static void srv__addr_text(const struct sockaddr_storage *ss, char *out, size_t out_len, uint16_t *port)
{
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const void *)ss;
        /* Show IPv4 clients of a dual-stack socket as plain IPv4. */
        if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) inet_ntop(AF_INET, &a->sin6_addr.s6_addr[12], out, (socklen_t)out_len);
        else inet_ntop(AF_INET6, &a->sin6_addr, out, (socklen_t)out_len);
        *port = ntohs(a->sin6_port);
    } else {
        const struct sockaddr_in *a = (const void *)ss;
        inet_ntop(AF_INET, &a->sin_addr, out, (socklen_t)out_len);
        *port = ntohs(a->sin_port);
    }
}

/* The peer's address (from accept4, or asked for) and ours: for a
 * listener bound to an IP address that address, else asked for. */
static void srv__conn_addresses(srv_conn_t *c, int fd, const struct sockaddr_storage *peer, const char *bound)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (peer) srv__addr_text(peer, c->remote_ip, sizeof c->remote_ip, &c->info.remote_port);
    else if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0)
        srv__addr_text(&ss, c->remote_ip, sizeof c->remote_ip, &c->info.remote_port);
    if (bound && (!strncmp(bound, "tcp4/", 5) || !strncmp(bound, "tcp6/", 5))) bound += 5;
    unsigned char ip[sizeof(struct in6_addr)];
    if (bound && inet_pton(AF_INET, bound, ip) == 1) {
        inet_ntop(AF_INET, ip, c->local_ip, sizeof c->local_ip);
    } else if (bound && inet_pton(AF_INET6, bound, ip) == 1) {
        inet_ntop(AF_INET6, ip, c->local_ip, sizeof c->local_ip);
    } else {
        len = sizeof ss;
        if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
            srv__addr_text(&ss, c->local_ip, sizeof c->local_ip, &c->info.local_port);
    }
    c->info.remote_ip = ifr_cstr(c->remote_ip);
    c->info.local_ip = ifr_cstr(c->local_ip);
}

static srv_conn_t *srv__conn_create(srv_worker_t *w, int fd, const srv_transport_ops_t *ops, void *ctx)
{
    srv_conn_t *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        return NULL;
    }
    if (ops->start(&c->tp, fd, ctx) != 0) {
        free(c);
        return NULL;
    }
    c->watch = (srv_watch_t){ fd, srv__conn_on_io, c };
    c->worker = w;
    c->state = ops->handshake ? SRV_CONN_HANDSHAKE : SRV_CONN_READ_HEAD;
    /* servers { max_header_size }: the buffer must hold a head that big
     * for the scanner to see it end (or pass the cap). */
    uint64_t max_head = route_plan_options(w->plan)->max_header_size;
    c->rbuf = IFR_BUF_INIT;
    c->rbuf.limit = max_head >= SRV__CONN_RBUF_LIMIT ? (size_t)max_head + 1 : SRV__CONN_RBUF_LIMIT;
    http_head_scan_init(&c->scan);
    c->scan.max_head = (size_t)max_head;
    srv_outq_init(&c->out);
    srv_timer_init(&c->timer, srv__conn_on_timer, c);
    srv_task_init(&c->task, srv__conn_on_task, c);
    srv_exchange_init(&c->ex, w, &srv_h1_proto, c);

    c->info.remote_ip = c->info.local_ip = IFR_LIT("");
    c->info.listener = IFR_LIT("");
    c->info.tls_server_name = IFR_LIT("");

    /* Responses leave in one writev; Nagle would only add delay. */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (srv_loop_add(&w->loop, &c->watch, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET) < 0) {
        srv_exchange_free(&c->ex);
        srv_transport_close(&c->tp);
        free(c);
        return NULL;
    }
    c->next = w->conns;
    if (w->conns) w->conns->prev = c;
    w->conns = c;
    w->conn_count++;
    /* The handshake and the first request must be done within
     * read_header of the connect. */
    c->head_since = w->loop.now;
    return c;
}

/* servers { keepalive_interval }: TCP keep-alive probes after that much
 * silence and then at that interval, as Go sets them (0: none). */
static void srv__conn_keepalive(int fd, const struct sockaddr_storage *peer, int64_t interval_ns)
{
    if (interval_ns <= 0 || (peer->ss_family != AF_INET && peer->ss_family != AF_INET6)) return;
    int on = 1, secs = (int)(interval_ns / 1000000000LL);
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &secs, sizeof secs);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &secs, sizeof secs);
}

srv_conn_t *srv_conn_new(srv_worker_t *w, int fd, const srv_transport_ops_t *ops, void *ctx)
{
    srv_conn_t *c = srv__conn_create(w, fd, ops, ctx);
    if (c) srv__conn_addresses(c, fd, NULL, NULL);
    return c;
}

srv_conn_t *srv_conn_accepted(srv_worker_t *w, int fd, const srv_listener_t *l, const struct sockaddr_storage *peer)
{
    srv_conn_t *c = srv__conn_create(w, fd, l->transport, l->transport_ctx);
    if (!c) return NULL;
    srv__conn_addresses(c, fd, peer, l->host);
    srv__conn_keepalive(fd, peer, route_plan_options(w->plan)->keepalive_interval_ns);
    c->proxy_policy = route_plan_proxy_policy(w->plan, c->info.remote_ip, peer->ss_family == AF_UNIX);
    if (c->proxy_policy != CFG_PROXY_SKIP) c->state = SRV_CONN_PROXY_HEADER;
    else srv_conn_begin_transport(c);
    /* Sites are chosen by the listener's address and port (a unix
     * socket has no port of its own: the site's is the listener's). */
    snprintf(c->listener, sizeof c->listener, "%s", l->host);
    c->info.listener = ifr_cstr(c->listener);
    c->info.local_port = l->port;
    return c;
}

/* A fresh scan for the next head, with the connection's max_head. */
static void srv__conn_scan_reset(srv_conn_t *c)
{
    size_t max_head = c->scan.max_head;
    http_head_scan_init(&c->scan);
    c->scan.max_head = max_head;
}

static void srv__conn_free(srv_conn_t *c, bool close_fd)
{
    srv_worker_t *w = c->worker;
    srv_h2_free(c);              /* ends its streams' exchanges */
    srv_exchange_free(&c->ex);   /* ends one in flight (route_exchange_done) */
    srv_timer_stop(&w->loop, &c->timer);
    srv_loop_cancel(&w->loop, &c->task);
    if (close_fd) srv_transport_close(&c->tp);   /* also takes the fd out of the epoll set */
    else srv_loop_del(&w->loop, &c->watch);
    srv_outq_free(&c->out);
    ifr_buf_free(&c->rbuf);
    if (c->prev) c->prev->next = c->next;
    else w->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    w->conn_count--;
    free(c);
}

void srv_conn_close(srv_conn_t *c) { srv__conn_free(c, true); }

srv_transport_t srv_conn_detach(srv_conn_t *c)
{
    srv_transport_t tp = c->tp;
    srv__conn_free(c, false);
    return tp;
}

void srv_conn_wake(srv_conn_t *c)
{
    if (!c->running) srv_loop_post(&c->worker->loop, &c->task);
}

void srv_conn_stop(srv_conn_t *c)
{
    if (c->state == SRV_CONN_H2) {
        srv_h2_stop(c);   /* GOAWAY; the streams in flight finish */
        return;
    }
    bool idle = c->state == SRV_CONN_HANDSHAKE || c->state == SRV_CONN_PROXY_HEADER ||
                c->state == SRV_CONN_HTTP_REDIRECT ||
                (c->state == SRV_CONN_READ_HEAD && c->rbuf.len == 0);
    if (idle && srv_outq_empty(&c->out)) {
        srv_conn_close(c);
        return;
    }
    /* In-flight work finishes; keep-alive is refused from now on (the
     * worker's stopping flag does that) and the driver closes after. */
    srv_conn_wake(c);
}

int srv_conn_read(srv_conn_t *c)
{
    size_t room = c->rbuf.limit - c->rbuf.len;
    if (room == 0) return 0;
    if (room > SRV__CONN_READ_CHUNK) room = SRV__CONN_READ_CHUNK;
    if (ifr_buf_reserve(&c->rbuf, room) < 0) return -1;
    ssize_t r = srv_transport_read(&c->tp, c->rbuf.data + c->rbuf.len, room);
    if (r > 0) {
        c->rbuf.len += (size_t)r;
        return (int)r;
    }
    return r == SRV_IO_AGAIN ? 0 : -1;
}

/* A bare error outside any exchange (the head could not be parsed, or
 * never completed): status line, Date, Server, empty body, and close. */
static void srv__conn_queue_error(srv_conn_t *c, int status)
{
    ifr_buf_t *b = &c->worker->scratch;
    ifr_buf_clear(b);
    http_write_status_line(b, status);
    http_write_field(b, IFR_LIT("Server"), IFR_LIT(ROUTE_SERVER_NAME));
    http_write_field(b, IFR_LIT("Date"), srv_date_now());
    http_write_field(b, IFR_LIT("Content-Length"), IFR_LIT("0"));
    http_write_field(b, IFR_LIT("Connection"), IFR_LIT("close"));
    ifr_buf_append(b, "\r\n", 2);
    srv_outq_append(&c->out, b->data, b->len);
    c->state = SRV_CONN_CLOSING;
}

/* The connection's side of a new exchange: its body framing and
 * HTTP/1.1 state; then the exchange itself starts. */
static void srv__exchange_begin(srv_conn_t *c)
{
    srv_worker_t *w = c->worker;
    const http_request_t *req = &c->ex.req;
    c->h1 = (srv_h1_state_t){ 0 };
    c->body = (srv_body_t){ .kind = req->body_kind, .remaining = req->content_length };
    http_chunked_decoder_init(&c->body.chunked);
    c->body.done = req->body_kind == HTTP_BODY_NONE;
    c->body_since = w->loop.now;
    c->body_used = 0;
    c->state = SRV_CONN_EXCHANGE;
    srv_exchange_begin(&c->ex, &c->info);
}

/* Copies a complete head into the exchange arena (so the read buffer can
 * move and be reused) and starts the exchange. */
static void srv__conn_start_exchange(srv_conn_t *c)
{
    size_t start = c->scan.head_start, len = c->scan.head_end - c->scan.head_start;
    char *head = ifr_arena_alloc(&c->ex.arena, len);
    if (!head) {
        srv__conn_queue_error(c, 500);
        return;
    }
    memcpy(head, c->rbuf.data + start, len);
    ifr_buf_consume(&c->rbuf, c->scan.head_end);
    srv__conn_scan_reset(c);
    http_parse_error_t err;
    if (http_request_parse(&c->ex.req, head, len, &c->ex.arena, &err) < 0) {
        ifr_log_debug("http", "refused request from %s: %s (%d)", c->remote_ip, err.reason, err.status);
        ifr_arena_reset(&c->ex.arena);
        srv__conn_queue_error(c, err.status);
        return;
    }
    srv__exchange_begin(c);
}

/* HTTP/2 with prior knowledge (servers { protocols h2c }): the first
 * bytes of a cleartext connection are the client preface. 1 it is (c is
 * now HTTP/2), 0 it is not, -1 too few bytes yet to say. */
static int srv__conn_prior_knowledge(srv_conn_t *c)
{
    if (c->served || c->info.tls || !c->rbuf.len) return 0;
    if (!(route_plan_options(c->worker->plan)->protocols & CFG_PROTO_H2C)) return 0;
    size_t n = c->rbuf.len < SRV_H2_PREFACE_LEN ? c->rbuf.len : SRV_H2_PREFACE_LEN;
    if (memcmp(c->rbuf.data, SRV_H2_PREFACE, n) != 0) return 0;
    if (n < SRV_H2_PREFACE_LEN) return -1;
    return srv_h2_start(c) == 0 ? 1 : 0;
}

static int srv__step_read_head(srv_conn_t *c)
{
    srv_worker_t *w = c->worker;
    int pk = srv__conn_prior_knowledge(c);
    if (pk > 0) return SRV__STEP_AGAIN;
    if (c->rbuf.len == 0 && w->stopping) {
        c->state = SRV_CONN_CLOSING;
        return SRV__STEP_AGAIN;
    }
    /* Back-pressure: a client that pipelines without reading gets no new
     * responses queued until it drains the ones it has. */
    if (c->out.bytes > SRV_OUT_HIGH_WATER) return SRV__STEP_IDLE;
    /* Bytes the scanner already looked at cannot complete a head: only new
     * ones are worth a scan (most turns start with an empty buffer). */
    http_head_status_t st = pk == 0 && c->rbuf.len > c->scan.scanned
                                ? http_head_scan(&c->scan, c->rbuf.data, c->rbuf.len)
                                : HTTP_HEAD_INCOMPLETE;
    if (st == HTTP_HEAD_ERROR) {
        ifr_log_debug("http", "refused request from %s: %s (%d)", c->remote_ip, c->scan.err.reason,
                      c->scan.err.status);
        srv__conn_queue_error(c, c->scan.err.status);
        return SRV__STEP_AGAIN;
    }
    if (st == HTTP_HEAD_COMPLETE) {
        srv__conn_start_exchange(c);
        return SRV__STEP_AGAIN;
    }
    if (!srv_transport_readable(&c->tp)) return SRV__STEP_IDLE;
    size_t before = c->rbuf.len;
    int r = srv_conn_read(c);
    if (r < 0) {
        /* EOF or error between or inside heads. A client that half-closed
         * after its requests still gets the responses already queued. */
        if (srv_outq_empty(&c->out)) {
            srv_conn_close(c);
            return SRV__STEP_CLOSED;
        }
        c->rbuf.len = 0;
        c->state = SRV_CONN_CLOSING;
        return SRV__STEP_AGAIN;
    }
    if (r > 0 && before == 0 && c->served > 0) c->head_since = w->loop.now;
    return r > 0 ? SRV__STEP_AGAIN : SRV__STEP_IDLE;
}

static int srv__exchange_finish(srv_conn_t *c)
{
    srv_exchange_t *ex = &c->ex;
    srv_worker_t *w = c->worker;
    bool keep = !ex->close_after && ex->req.keep_alive && !w->stopping;
    bool expect_pending = ex->req.expect_continue && !c->h1.continue_sent;
    int tunnel_peer = srv_tunnel_claim(c);   /* a 101 went out: the connection becomes a tunnel */
    srv_exchange_end(ex);
    c->served++;
    if (tunnel_peer >= 0) {
        srv_tunnel_start(c, tunnel_peer);
        return SRV__STEP_CLOSED;
    }
    /* A body too long to skip is drained by the lingering close instead:
     * a handler that answered early (an upstream's 413) left it unread. */
    bool too_long = c->body.kind == HTTP_BODY_LENGTH && c->body.remaining > SRV_DISCARD_MAX;
    if (!keep || (!c->body.done && (expect_pending || too_long))) {
        c->state = SRV_CONN_CLOSING;
    } else if (!c->body.done) {
        c->state = SRV_CONN_DISCARD_BODY;
        c->discarded = 0;
        c->body_since = w->loop.now;
        c->body_used = 0;
    } else {
        c->state = SRV_CONN_READ_HEAD;
        c->idle_since = c->head_since = w->loop.now;
    }
    return SRV__STEP_AGAIN;
}

static int srv__step_exchange(srv_conn_t *c)
{
    if (c->ex.resp_done) return srv__exchange_finish(c);
    if (c->ex.writable_cb && c->out.bytes < SRV_OUT_LOW_WATER) {
        srv_exchange_check_writable(&c->ex);
        return SRV__STEP_AGAIN;
    }
    if (!c->ex.body_reading) return SRV__STEP_IDLE;
    int r = srv_body_pump(c, false);
    return r < 0 ? SRV__STEP_CLOSED : r > 0 ? SRV__STEP_AGAIN : SRV__STEP_IDLE;
}

static int srv__step_discard(srv_conn_t *c)
{
    if (c->body.done) {
        c->state = SRV_CONN_READ_HEAD;
        c->idle_since = c->head_since = c->worker->loop.now;
        return SRV__STEP_AGAIN;
    }
    int r = srv_body_pump(c, true);
    return r < 0 ? SRV__STEP_CLOSED : r > 0 ? SRV__STEP_AGAIN : SRV__STEP_IDLE;
}

/* After our last response: shut the write side, then read and drop what
 * the client still sends until it closes, so the kernel does not answer
 * its unread data with a reset that would destroy our response. */
static int srv__step_closing(srv_conn_t *c)
{
    if (!srv_outq_empty(&c->out)) return SRV__STEP_IDLE;
    int r = c->tp.ops->shutdown(&c->tp);
    if (r == SRV_IO_AGAIN) return SRV__STEP_IDLE;
    if (r < 0) {
        srv_conn_close(c);
        return SRV__STEP_CLOSED;
    }
    c->state = SRV_CONN_LINGER;
    c->linger_since = c->linger_last = c->worker->loop.now;
    return SRV__STEP_AGAIN;
}

void srv_conn_close_lingering(srv_conn_t *c)
{
    c->rbuf.len = 0;
    srv__conn_scan_reset(c);
    c->state = SRV_CONN_CLOSING;
    srv_conn_wake(c);
}

static int srv__step_linger(srv_conn_t *c)
{
    char sink[16 * 1024];
    while (srv_transport_readable(&c->tp)) {
        ssize_t r = srv_transport_read(&c->tp, sink, sizeof sink);
        if (r > 0) {
            c->linger_last = c->worker->loop.now;
            continue;
        }
        if (r == SRV_IO_AGAIN) break;
        srv_conn_close(c);   /* the client's end of input, or an error */
        return SRV__STEP_CLOSED;
    }
    return SRV__STEP_IDLE;
}

/* The transport's handshake; then the first request head. */
static int srv__step_handshake(srv_conn_t *c)
{
    int r = c->tp.ops->handshake(&c->tp);
    if (r == SRV_IO_AGAIN) {
        /* Parked (an on-demand certificate): woken through the task. */
        if (c->tp.ops->wait_elsewhere) c->tp.ops->wait_elsewhere(&c->tp, c->worker, &c->task);
        return SRV__STEP_IDLE;
    }
    if (r < 0) {
        srv_conn_close(c);
        return SRV__STEP_CLOSED;
    }
    if (c->tp.ops->describe) c->tp.ops->describe(&c->tp, &c->info);
    c->state = SRV_CONN_READ_HEAD;
    /* ALPN chose HTTP/2 (offered only where servers { protocols } has h2). */
    if (ifr_str_eq(c->info.tls_proto, IFR_LIT("h2")) && srv_h2_start(c) != 0) {
        srv_conn_close(c);
        return SRV__STEP_CLOSED;
    }
    return SRV__STEP_AGAIN;
}

/* Picks the one deadline that applies in the current state. */
static void srv__conn_arm_timer(srv_conn_t *c)
{
    const srv_timeouts_t *t = &c->worker->timeouts;
    int64_t deadline = 0;
    if (!srv_outq_empty(&c->out) && !c->tp.can_write) {
        /* Without a write timeout, a connection we are closing anyway is
         * still not kept forever by a client that stopped reading. */
        int64_t limit = t->write ? t->write : c->state == SRV_CONN_CLOSING || c->state == SRV_CONN_H2 ? t->idle : 0;
        if (limit) deadline = c->write_since + limit;
    } else {
        switch (c->state) {
        case SRV_CONN_PROXY_HEADER: {
            /* proxy_protocol's timeout, within read_header's (the handshake
             * and the first head are in that too). */
            int64_t pp = route_plan_options(c->worker->plan)->proxy_protocol_timeout_ns;
            if (t->read_header) deadline = c->head_since + t->read_header;
            if (pp && (!deadline || c->head_since + pp < deadline)) deadline = c->head_since + pp;
            break;
        }
        case SRV_CONN_HANDSHAKE:
        case SRV_CONN_HTTP_REDIRECT:
            if (t->read_header) deadline = c->head_since + t->read_header;
            break;
        case SRV_CONN_READ_HEAD:
            if (c->rbuf.len == 0 && c->served > 0) {
                if (t->idle) deadline = c->idle_since + t->idle;
            } else if (t->read_header) {
                deadline = c->head_since + t->read_header;
            }
            break;
        case SRV_CONN_EXCHANGE:
            /* read_body bounds the whole body, as Caddy's (Go's ReadTimeout)
             * does, less the time the handler kept it paused. */
            if (c->ex.body_reading && !c->body.done && t->read_body)
                deadline = c->body_since + t->read_body - c->body_used;
            break;
        case SRV_CONN_DISCARD_BODY:
            if (t->read_body) deadline = c->body_since + t->read_body - c->body_used;
            else if (t->read_header) deadline = c->body_since + t->read_header;
            break;
        case SRV_CONN_LINGER:
            deadline = c->linger_last + SRV_LINGER_IDLE_NS;
            if (deadline > c->linger_since + SRV_LINGER_MAX_NS) deadline = c->linger_since + SRV_LINGER_MAX_NS;
            break;
        case SRV_CONN_H2:
            deadline = srv_h2_deadline(c);
            break;
        case SRV_CONN_CLOSING:
            break;
        }
    }
    if (deadline) srv_timer_start_at(&c->worker->loop, &c->timer, deadline);
    else srv_timer_stop(&c->worker->loop, &c->timer);
}

/* Writes what the output queue holds while the socket takes it. Sets
 * *progress if bytes left; false if the connection had to be closed. */
static bool srv__conn_flush(srv_conn_t *c, bool *progress)
{
    *progress = false;
    if (srv_outq_empty(&c->out) || !c->tp.can_write) return true;
    uint64_t written = 0;
    int r = srv_outq_flush(&c->out, &c->tp, &written);
    if (r < 0) {
        srv_conn_close(c);
        return false;
    }
    /* write_since: the last progress, or when waiting began. */
    if (written || r == 1) c->write_since = c->worker->loop.now;
    *progress = written > 0;
    return true;
}

static int srv__conn_step(srv_conn_t *c)
{
    switch (c->state) {
    case SRV_CONN_PROXY_HEADER: {
        int r = srv_proxy_header_step(c);
        return r < 0 ? SRV__STEP_CLOSED : r > 0 ? SRV__STEP_IDLE : SRV__STEP_AGAIN;
    }
    case SRV_CONN_HTTP_REDIRECT: {
        int r = srv_http_redirect_step(c);
        return r < 0 ? SRV__STEP_CLOSED : r > 0 ? SRV__STEP_IDLE : SRV__STEP_AGAIN;
    }
    case SRV_CONN_HANDSHAKE: return srv__step_handshake(c);
    case SRV_CONN_READ_HEAD: return srv__step_read_head(c);
    case SRV_CONN_EXCHANGE: return srv__step_exchange(c);
    case SRV_CONN_DISCARD_BODY: return srv__step_discard(c);
    case SRV_CONN_CLOSING: return srv__step_closing(c);
    case SRV_CONN_LINGER: return srv__step_linger(c);
    case SRV_CONN_H2: {
        int r = srv_h2_step(c);
        return r < 0 ? SRV__STEP_CLOSED : r > 0 ? SRV__STEP_AGAIN : SRV__STEP_IDLE;
    }
    }
    return SRV__STEP_IDLE;
}

/* Pipelined requests are waiting in the read buffer: their responses
 * gather in the queue and leave in one send, not one send each. */
static bool srv__conn_batching(const srv_conn_t *c)
{
    if (c->rbuf.len == 0 || c->out.bytes >= SRV_OUT_LOW_WATER) return false;
    return c->state == SRV_CONN_READ_HEAD || (c->state == SRV_CONN_EXCHANGE && c->ex.resp_done);
}

void srv_conn_run(srv_conn_t *c)
{
    c->running = true;
    bool progress;
    for (int budget = SRV__CONN_RUN_BUDGET; budget > 0; budget--) {
        /* Anything that may close the connection runs after a flush, so
         * responses already queued are not lost. */
        if (!srv__conn_batching(c) && !srv__conn_flush(c, &progress)) return;
        int step = srv__conn_step(c);
        if (step == SRV__STEP_CLOSED) return;
        if (step == SRV__STEP_IDLE) {
            /* What batching held back leaves now; steps that wait on the
             * queue (back-pressure, closing) get another look after it. */
            if (!srv__conn_flush(c, &progress)) return;
            if (!progress) {
                c->running = false;
                srv__conn_arm_timer(c);
                return;
            }
        }
    }
    /* Out of budget with work left: send what is ready, continue next turn. */
    if (!srv__conn_flush(c, &progress)) return;
    c->running = false;
    srv_loop_post(&c->worker->loop, &c->task);
    srv__conn_arm_timer(c);
}

static void srv__conn_on_io(srv_watch_t *w, uint32_t events)
{
    srv_conn_t *c = w->data;
    srv_transport_events(&c->tp, events);
    srv_conn_run(c);
}

static void srv__conn_on_task(srv_task_t *t)
{
    srv_conn_run(t->data);
}

static void srv__conn_on_timer(srv_timer_t *t)
{
    srv_conn_t *c = t->data;
    if (!srv_outq_empty(&c->out) && !c->tp.can_write) {
        ifr_log_debug("http", "write timeout, closing connection from %s", c->remote_ip);
        srv_conn_close(c);
        return;
    }
    switch (c->state) {
    case SRV_CONN_READ_HEAD:
        if (c->rbuf.len == 0) {
            srv_conn_close(c);   /* idle keep-alive, or connected and silent */
            return;
        }
        ifr_log_debug("http", "read_header timeout for %s", c->remote_ip);
        c->rbuf.len = 0;
        srv__conn_scan_reset(c);
        srv__conn_queue_error(c, 408);
        break;
    case SRV_CONN_EXCHANGE:
        ifr_log_debug("http", "read_body timeout for %s", c->remote_ip);
        srv_exchange_fail(&c->ex, 408);
        break;
    case SRV_CONN_H2:
        srv_h2_timeout(c);
        break;
    case SRV_CONN_PROXY_HEADER:
        ifr_log_warn("http", "proxy_protocol: closing the connection from %s: no complete PROXY header in time",
                     c->remote_ip);
        srv_conn_close(c);
        return;
    default:
        srv_conn_close(c);
        return;
    }
    srv_conn_run(c);
}
