/* See srv_tunnel.h. */
#include "server/srv_tunnel.h"

#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "base/log.h"
#include "http/response_writer.h"
#include "server/srv_date.h"

/* One direction: bytes read from one side, not yet written to the other. */
typedef struct {
    char *buf;                   /* SRV_TUNNEL_BUFFER bytes; owned */
    size_t start, end;           /* unwritten bytes are buf[start, end) */
    bool eof;                    /* the source side ended its input */
    bool shut;                   /* ... and that was passed on */
} srv__tun_dir_t;

/* One side of the tunnel: the client's transport (taken over from its
 * connection) or a plain one over the peer's socket. */
typedef struct {
    srv_watch_t watch;           /* tp.fd in the loop */
    srv_transport_t tp;
} srv__tun_side_t;

typedef struct srv_tunnel srv__tunnel_t;
struct srv_tunnel {
    srv__tunnel_t *prev, *next;   /* this thread's srv__tunnels */
    srv_worker_t *worker;
    srv__tun_side_t client, peer;
    srv__tun_dir_t up, down;          /* client -> peer, peer -> client */
    srv_outq_t head;             /* the 101 head and early peer bytes, to the client first */
    srv_timer_t idle;
    srv_task_t task;             /* pumps once after the start, then frees */
    int64_t last_active;
    bool closed;
};

static _Thread_local srv__tunnel_t *srv__tunnels;

/* Peers' transports kept by srv_tunnel_peer_keep, by socket. */
typedef struct srv__tun_kept {
    struct srv__tun_kept *next;
    srv_transport_t tp;
} srv__tun_kept_t;

static _Thread_local srv__tun_kept_t *srv__kept_peers;

int srv_tunnel_peer_keep(const srv_transport_t *tp)
{
    srv__tun_kept_t *k = malloc(sizeof *k);
    if (!k) {
        srv_transport_t copy = *tp;
        srv_transport_close(&copy);
        return -1;
    }
    k->tp = *tp;
    k->next = srv__kept_peers;
    srv__kept_peers = k;
    return tp->fd;
}

/* The kept transport of fd, taken out of the list; false if none. */
static bool srv__peer_take(int fd, srv_transport_t *out)
{
    for (srv__tun_kept_t **pp = &srv__kept_peers; *pp; pp = &(*pp)->next) {
        srv__tun_kept_t *k = *pp;
        if (k->tp.fd != fd) continue;
        *pp = k->next;
        *out = k->tp;
        free(k);
        return true;
    }
    return false;
}

void srv_tunnel_peer_drop(int fd)
{
    srv_transport_t tp;
    if (fd < 0) return;
    if (srv__peer_take(fd, &tp)) srv_transport_close(&tp);
    else close(fd);
}

/* Owned by the exchange's arena until claimed: closes an unclaimed peer. */
static void srv__peer_fd_cleanup(void *data)
{
    int *fd = data;
    srv_tunnel_peer_drop(*fd);
    *fd = -1;
}

/* The 101 head: the handler's fields minus framing ones, and Date. */
static int srv__upgrade_head(srv_exchange_t *ex, ifr_buf_t *b)
{
    const http_headers_t *h = &ex->x.resp.headers;
    bool has_date = false;
    int rc = http_write_status_line(b, 101);
    for (uint32_t i = 0; i < h->count; i++) {
        ifr_str_t n = h->items[i].name;
        if (ifr_str_eq_nocase(n, IFR_LIT("content-length")) || ifr_str_eq_nocase(n, IFR_LIT("transfer-encoding")) ||
            ifr_str_eq_nocase(n, IFR_LIT("keep-alive")))
            continue;
        if (ifr_str_eq_nocase(n, IFR_LIT("date"))) has_date = true;
        if (http_write_field(b, n, h->items[i].value) < 0)
            ifr_log_warn("http", "dropped response header %.*s with invalid bytes", (int)n.len, n.ptr);
    }
    if (!has_date) rc |= http_write_field(b, IFR_LIT("Date"), srv_date_now());
    rc |= ifr_buf_append(b, "\r\n", 2);
    return rc < 0 ? -1 : 0;
}

int srv_h1_upgrade(srv_exchange_t *ex, int peer_fd, const void *pending, size_t len)
{
    srv_conn_t *c = ex->session;
    route_exchange_t *x = &ex->x;
    /* Only a request whose body (none) is behind us: what the client sends
     * next belongs to the new protocol. */
    int *fd = !c->body.done || c->h1.upgrade_fd ? NULL : ifr_arena_alloc(x->arena, sizeof *fd);
    if (!fd || ifr_arena_on_cleanup(x->arena, srv__peer_fd_cleanup, fd) != 0) {
        srv_tunnel_peer_drop(peer_fd);
        return -1;
    }
    *fd = peer_fd;
    ifr_buf_t *b = &c->worker->scratch;
    ifr_buf_clear(b);
    if (srv__upgrade_head(ex, b) != 0 || srv_outq_append(&c->out, b->data, b->len) != 0 ||
        (len && srv_outq_append(&c->out, pending, len) != 0))
        return -1;   /* the caller fails the exchange; the cleanup closes the peer */
    c->h1.upgrade_fd = fd;
    x->head_sent = true;
    ex->resp_done = true;
    srv_conn_wake(c);
    return 0;
}

int srv_tunnel_claim(srv_conn_t *c)
{
    if (!c->h1.upgrade_fd) return -1;
    int fd = *c->h1.upgrade_fd;
    *c->h1.upgrade_fd = -1;
    c->h1.upgrade_fd = NULL;
    return fd;
}

static void srv__tun_free(srv_task_t *t)
{
    srv__tunnel_t *tn = t->data;
    free(tn->up.buf);
    free(tn->down.buf);
    free(tn);
}

static void srv__tun_close(srv__tunnel_t *t, const char *why)
{
    if (t->closed) return;
    ifr_log_debug("http", "tunnel closed: %s", why);
    t->closed = true;
    srv_loop_t *loop = &t->worker->loop;
    srv_timer_stop(loop, &t->idle);
    srv_loop_cancel(loop, &t->task);
    srv_transport_close(&t->client.tp);
    srv_transport_close(&t->peer.tp);
    srv_outq_free(&t->head);
    if (t->prev) t->prev->next = t->next;
    else srv__tunnels = t->next;
    if (t->next) t->next->prev = t->prev;
    /* Freed on a later task: an event already fetched for it is ignored. */
    srv_task_init(&t->task, srv__tun_free, t);
    srv_loop_post(loop, &t->task);
}

/* Moves bytes from src to dst as far as both allow. 1 on progress, 0 none,
 * -1 on an error (the tunnel is over). */
static int srv__tun_relay(srv__tun_dir_t *d, srv__tun_side_t *src, srv__tun_side_t *dst)
{
    int progress = 0;
    for (;;) {
        bool moved = false;
        if (d->end > d->start && dst->tp.can_write) {
            struct iovec iov = { d->buf + d->start, d->end - d->start };
            ssize_t n = srv_transport_writev(&dst->tp, &iov, 1);
            if (n > 0) {
                d->start += (size_t)n;
                moved = true;
            } else if (n != SRV_IO_AGAIN) {
                return -1;
            }
        }
        if (d->start == d->end) d->start = d->end = 0;
        if (!d->eof && d->end < SRV_TUNNEL_BUFFER && srv_transport_readable(&src->tp)) {
            ssize_t n = srv_transport_read(&src->tp, d->buf + d->end, SRV_TUNNEL_BUFFER - d->end);
            if (n > 0) {
                d->end += (size_t)n;
                moved = true;
            } else if (n == 0) {
                d->eof = true;
            } else if (n != SRV_IO_AGAIN) {
                return -1;
            }
        }
        if (!moved) break;
        progress = 1;
    }
    if (d->eof && !d->shut && d->start == d->end) {
        /* Passed on as the other side's end (TLS close_notify and a
         * half-close); one that must wait for room is tried again. */
        int r = dst->tp.ops->shutdown(&dst->tp);
        if (r == SRV_IO_ERROR) return -1;
        d->shut = r == 0;
    }
    return progress;
}

static void srv__tun_pump(srv__tunnel_t *t)
{
    if (t->closed) return;
    int up = srv__tun_relay(&t->up, &t->client, &t->peer);
    int down = 0;
    if (up >= 0 && !srv_outq_empty(&t->head) && t->client.tp.can_write) {
        uint64_t written = 0;
        if (srv_outq_flush(&t->head, &t->client.tp, &written) < 0) down = -1;
        else if (written) down = 1;
    }
    if (up >= 0 && down >= 0 && srv_outq_empty(&t->head)) {
        int r = srv__tun_relay(&t->down, &t->peer, &t->client);
        down = r < 0 ? -1 : down | r;
    }
    if (up < 0 || down < 0) {
        srv__tun_close(t, "connection error");
        return;
    }
    if (up || down) t->last_active = t->worker->loop.now;
    if (t->up.shut && t->down.shut) srv__tun_close(t, "both sides done");
}

static void srv__tun_on_io(srv_watch_t *w, uint32_t events)
{
    srv__tunnel_t *t = w->data;
    if (t->closed) return;
    srv__tun_side_t *s = w == &t->client.watch ? &t->client : &t->peer;
    srv_transport_events(&s->tp, events);
    srv__tun_pump(t);
}

static void srv__tun_on_idle(srv_timer_t *tm)
{
    srv__tunnel_t *t = tm->data;
    int64_t limit = t->worker->timeouts.idle;
    if (!limit) return;
    int64_t deadline = t->last_active + limit;
    if (t->worker->loop.now >= deadline) srv__tun_close(t, "idle timeout");
    else srv_timer_start_at(&t->worker->loop, &t->idle, deadline);
}

/* The first pump, from the loop: the sockets may hold bytes already. */
static void srv__tun_first_pump(srv_task_t *task)
{
    srv__tunnel_t *t = task->data;
    srv_task_init(&t->task, srv__tun_free, t);
    srv__tun_pump(t);
}

void srv_tunnel_start(srv_conn_t *c, int peer_fd)
{
    srv_worker_t *w = c->worker;
    srv__tunnel_t *t = calloc(1, sizeof *t);
    char *ubuf = malloc(SRV_TUNNEL_BUFFER), *dbuf = malloc(SRV_TUNNEL_BUFFER);
    srv_transport_t peer_tp;
    bool kept = srv__peer_take(peer_fd, &peer_tp);
    if (!t || !ubuf || !dbuf || c->rbuf.len > SRV_TUNNEL_BUFFER) {
        free(t);
        free(ubuf);
        free(dbuf);
        if (kept) srv_transport_close(&peer_tp);
        else close(peer_fd);
        srv_conn_close(c);
        return;
    }
    *t = (srv__tunnel_t){
        .worker = w,
        .client = { .watch = { .cb = srv__tun_on_io, .data = t } },
        .peer = { .watch = { .fd = peer_fd, .cb = srv__tun_on_io, .data = t } },
        .up = { .buf = ubuf, .end = c->rbuf.len },
        .down = { .buf = dbuf },
        .head = c->out,
        .last_active = w->loop.now,
    };
    /* Bytes the client sent right after its request go up first. */
    if (c->rbuf.len) memcpy(ubuf, c->rbuf.data, c->rbuf.len);
    srv_outq_init(&c->out);
    if (kept) t->peer.tp = peer_tp;
    else srv_transport_plain.start(&t->peer.tp, peer_fd, NULL);
    t->client.tp = srv_conn_detach(c);
    t->client.watch.fd = t->client.tp.fd;
    /* Both sides may hold bytes already (a TLS peer, decrypted ones):
     * the first pump tries them. */
    t->client.tp.can_read = t->client.tp.can_write = true;
    t->peer.tp.can_read = t->peer.tp.can_write = true;
    srv_timer_init(&t->idle, srv__tun_on_idle, t);
    srv_task_init(&t->task, srv__tun_first_pump, t);
    t->next = srv__tunnels;
    if (srv__tunnels) srv__tunnels->prev = t;
    srv__tunnels = t;
    if (srv_loop_add(&w->loop, &t->client.watch, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET) != 0 ||
        srv_loop_add(&w->loop, &t->peer.watch, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET) != 0) {
        srv__tun_close(t, "cannot watch the sockets");
        return;
    }
    if (w->timeouts.idle) srv_timer_start_at(&w->loop, &t->idle, w->loop.now + w->timeouts.idle);
    srv_loop_post(&w->loop, &t->task);
}

void srv_tunnel_thread_exit(void)
{
    srv_transport_t tp;
    while (srv__kept_peers && srv__peer_take(srv__kept_peers->tp.fd, &tp)) srv_transport_close(&tp);
    while (srv__tunnels) {
        srv__tunnel_t *t = srv__tunnels;
        srv__tun_close(t, "server stopping");
        srv_loop_cancel(&t->worker->loop, &t->task);
        srv__tun_free(&t->task);
    }
}
