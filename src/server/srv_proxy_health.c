/* See srv_proxy_health.h. */
#include "server/srv_proxy_health.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/buf.h"
#include "http/response_parser.h"
#include "route/proxy_health.h"
#include "server/srv_exchange.h"
#include "server/srv_upstream.h"

#define SRV__PROBE_READ_MAX 8192   /* the status line is all a probe needs */

typedef struct srv__health_watch srv__health_watch_t;

/* One upstream's probe in flight (or waiting for the next round). */
typedef struct {
    srv__health_watch_t *watch;
    route_proxy_upstream_t *u;
    srv_upconn_t *conn;          /* NULL between probes */
    srv_upwait_t wait;           /* queued while the name is looked up */
    ifr_buf_t out, in;
    srv_timer_t timeout;
    unsigned dials;              /* failed dials in this round (see srv__probe_redial) */
} srv__probe_t;

struct srv__health_watch {
    srv__health_watch_t *next;
    const route_proxy_conf_t *conf;
    route_plan_t *plan;          /* one reference, so conf stays alive */
    srv_worker_t *worker;
    srv_timer_t tick;
    srv__probe_t *probes;         /* one per upstream */
};

static _Thread_local srv__health_watch_t *srv__health_watches;

static void srv__probe_end(srv__probe_t *p, bool healthy, const char *why)
{
    if (p->conn) srv_upconn_close(p->conn);
    p->conn = NULL;
    srv_upwait_cancel(&p->wait);
    srv_timer_stop(&p->watch->worker->loop, &p->timeout);
    ifr_buf_free(&p->out);
    ifr_buf_free(&p->in);
    route_proxy_upstream_probed(p->u, healthy, why);
}

static void srv__probe_start(srv__probe_t *p);

/* As a proxied request does, a probe whose dial failed tries the name's
 * next address (localhost: ::1, then 127.0.0.1) before it judges. */
static bool srv__probe_redial(srv__probe_t *p)
{
    if (++p->dials >= srv_upstream_addr_count(p->u)) return false;
    srv_upconn_close(p->conn);
    p->conn = NULL;
    srv_timer_stop(&p->watch->worker->loop, &p->timeout);
    srv__probe_start(p);
    return true;
}

static void srv__probe_io(void *owner, uint32_t events)
{
    srv__probe_t *p = owner;
    srv_upconn_t *c = p->conn;
    const char *err;
    if (c->connecting) {
        bool handshaking = c->handshaking;
        if (!handshaking && !(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
        int rc = srv_upconn_connected(c, &err);
        if (rc > 0) return;   /* https upstream: the TLS handshake goes on */
        if (rc < 0) {
            if (handshaking || !srv__probe_redial(p)) srv__probe_end(p, false, err);
            return;
        }
    }
    while (p->out.len && c->tr.can_write) {
        struct iovec iov = { p->out.data, p->out.len };
        ssize_t n = srv_transport_writev(&c->tr, &iov, 1);
        if (n > 0) ifr_buf_consume(&p->out, (size_t)n);
        else if (n != SRV_IO_AGAIN) {
            srv__probe_end(p, false, "write failed");
            return;
        }
    }
    while (srv_transport_readable(&c->tr)) {
        if (p->in.len >= SRV__PROBE_READ_MAX || ifr_buf_reserve(&p->in, 2048) != 0) {
            srv__probe_end(p, false, "response head too large");
            return;
        }
        ssize_t n = srv_transport_read(&c->tr, p->in.data + p->in.len, 2048);
        if (n == SRV_IO_AGAIN) break;
        if (n <= 0) {
            srv__probe_end(p, false, "closed without a response");
            return;
        }
        if (n > 0) p->in.len += (size_t)n;
        /* Only the status line matters: read the three digits. */
        const char *lf = memchr(p->in.data, '\n', p->in.len);
        if (!lf) continue;
        uint64_t code = 0;
        if (p->in.len >= 12 && !memcmp(p->in.data, "HTTP/1.", 7))
            ifr_str_to_u64(ifr_str(p->in.data + 9, 3), 999, &code);
        if (code < 100) {
            srv__probe_end(p, false, "malformed status line");
            return;
        }
        int status = (int)code;
        bool ok = route_proxy_health_status_ok(p->watch->conf, status);
        char why[32];
        snprintf(why, sizeof why, "unexpected status %d", status);
        srv__probe_end(p, ok, ok ? "" : why);
        return;
    }
}

static void srv__probe_timeout(srv_timer_t *t)
{
    srv__probe_t *p = t->data;
    if (p->conn && p->conn->connecting) {
        srv_upconn_dial_failed(p->conn);
        if (srv__probe_redial(p)) return;
    }
    srv__probe_end(p, false, "health_timeout");
}

/* The name lookup ended (srv_upwait_t.cb): dial, or judge. */
static void srv__probe_resolved(void *owner, const char *err)
{
    srv__probe_t *p = owner;
    if (err) {
        char why[192];
        snprintf(why, sizeof why, "cannot resolve %s: %s", p->u->host, err);
        srv__probe_end(p, false, why);
        return;
    }
    srv__probe_start(p);
}

static void srv__probe_start(srv__probe_t *p)
{
    srv__health_watch_t *w = p->watch;
    if (p->conn || p->wait.pprev) return;   /* the last one is still running: let it finish */
    const char *err;
    bool reused;
    ifr_buf_clear(&p->out);
    if (ifr_buf_printf(&p->out, "GET %.*s HTTP/1.1\r\nHost: %.*s\r\nUser-Agent: ifrit-health-check\r\nConnection: close\r\n\r\n",
                       (int)w->conf->health_uri.len, w->conf->health_uri.ptr, (int)p->u->hostport.len,
                       p->u->hostport.ptr) != 0)
        return;
    int rc = srv_upconn_acquire(&w->worker->loop, p->u, SRV_UPCONN_FRESH, srv__probe_io, p, &p->wait, &p->conn, &reused, &err);
    if (rc < 0) {
        p->conn = NULL;
        srv__probe_end(p, false, err);
        return;
    }
    /* A lookup counts against health_timeout; the dial after it keeps that deadline. */
    if (!srv_timer_active(&p->timeout))
        srv_timer_start_at(&w->worker->loop, &p->timeout, w->worker->loop.now + w->conf->health_timeout_ns);
    if (rc > 0) {
        p->conn = NULL;
        return;
    }
    if (!p->conn->connecting) srv__probe_io(p, EPOLLOUT);
}

static void srv__watch_free(srv__health_watch_t *w)
{
    for (srv__health_watch_t **pp = &srv__health_watches; *pp; pp = &(*pp)->next)
        if (*pp == w) {
            *pp = w->next;
            break;
        }
    srv_timer_stop(&w->worker->loop, &w->tick);
    for (size_t i = 0; i < w->conf->nupstreams; i++) {
        srv__probe_t *p = &w->probes[i];
        if (p->conn) srv_upconn_close(p->conn);
        srv_upwait_cancel(&p->wait);
        srv_timer_stop(&w->worker->loop, &p->timeout);
        ifr_buf_free(&p->out);
        ifr_buf_free(&p->in);
    }
    route_plan_release(w->plan);
    free(w->probes);
    free(w);
}

static void srv__watch_tick(srv_timer_t *t)
{
    srv__health_watch_t *w = t->data;
    /* A reload gave this worker another plan: this config is retired. */
    if (w->worker->plan != w->plan || w->worker->stopping) {
        srv__watch_free(w);
        return;
    }
    for (size_t i = 0; i < w->conf->nupstreams; i++) {
        if (!w->probes[i].conn) w->probes[i].dials = 0;
        srv__probe_start(&w->probes[i]);
    }
    srv_timer_start_at(&w->worker->loop, &w->tick, w->worker->loop.now + w->conf->health_interval_ns);
}

void srv_proxy_health_watch(route_exchange_t *x, const route_proxy_conf_t *conf)
{
    for (srv__health_watch_t *w = srv__health_watches; w; w = w->next)
        if (w->conf == conf) return;
    srv_exchange_t *ex = x->io_ctx;
    if (!ex->plan) return;
    srv__health_watch_t *w = calloc(1, sizeof(*w));
    srv__probe_t *probes = calloc(conf->nupstreams, sizeof(*probes));
    if (!w || !probes) {
        free(w);
        free(probes);
        return;
    }
    w->plan = ex->plan;   /* the exchange's own reference: it runs on this plan */
    route_plan_retain(w->plan);
    w->conf = conf;
    w->worker = ex->worker;
    w->probes = probes;
    for (size_t i = 0; i < conf->nupstreams; i++) {
        probes[i] = (srv__probe_t){ .watch = w, .u = &conf->upstreams[i], .out = IFR_BUF_INIT, .in = IFR_BUF_INIT,
                                   .wait = { .cb = srv__probe_resolved, .owner = &probes[i] } };
        srv_timer_init(&probes[i].timeout, srv__probe_timeout, &probes[i]);
    }
    srv_timer_init(&w->tick, srv__watch_tick, w);
    w->next = srv__health_watches;
    srv__health_watches = w;
    srv__watch_tick(&w->tick);
}

void srv_proxy_health_thread_exit(void)
{
    while (srv__health_watches) srv__watch_free(srv__health_watches);
}
