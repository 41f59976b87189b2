/* See srv_upstream.h. */
#include "server/srv_upstream.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "server/srv_resolve.h"
#include "server/srv_transport_tls_client.h"

/* Addresses kept per upstream name: "localhost" is usually ::1 and
 * 127.0.0.1, and a server often listens on only one of them. */
#define SRV__UP_MAX_ADDRS 4

struct srv_upstream_pool {
    srv_upstream_pool_t *next;
    char *key;                        /* hostport or socket path; owned */
    char *tls_key;                    /* route_proxy_tls_conf_t.key, or NULL for plain; owned */
    SSL_CTX *ssl_ctx;                 /* made at the first TLS dial */
    /* The name's addresses in getaddrinfo's order, resolved once. Dials go
     * to addrs[cur]; a failed one moves cur on, so a name whose first
     * address refuses still works, and the one that answered is kept, as
     * Go's dialer (Caddy's) tries each address in turn. After every
     * address failed in a row the name is resolved again. */
    struct sockaddr_storage addrs[SRV__UP_MAX_ADDRS];
    socklen_t lens[SRV__UP_MAX_ADDRS];
    unsigned naddrs;                  /* 0 = not resolved */
    unsigned cur;
    unsigned failed_in_row;
    srv_lookup_t *lookup;             /* the name's lookup in flight, or NULL */
    srv_upwait_t *waiters;            /* owners waiting for it */
    srv_loop_t *loop;                 /* this worker's, for lookups */
    srv_upconn_t *idle;               /* most recently used first */
    uint32_t idle_count;
};

/* Per worker thread: the pools, and closed connections waiting to be freed. */
static _Thread_local srv_upstream_pool_t *srv__up_pools;
static _Thread_local srv_upconn_t *srv__up_dead;
static _Thread_local srv_task_t srv__up_reaper;
static _Thread_local srv_loop_t *srv__up_reaper_loop;   /* where srv__up_reaper is queued, or NULL */

static srv_upstream_pool_t *srv__up_pool_find(const route_proxy_upstream_t *u, bool create)
{
    const char *tls_key = u->tls ? u->tls->key : NULL;
    for (srv_upstream_pool_t *p = srv__up_pools; p; p = p->next)
        if (ifr_str_eq(ifr_cstr(p->key), u->hostport) && !p->tls_key == !tls_key &&
            (!tls_key || strcmp(p->tls_key, tls_key) == 0))
            return p;
    if (!create) return NULL;
    srv_upstream_pool_t *p = calloc(1, sizeof(*p));
    if (!p || !(p->key = strndup(u->hostport.ptr, u->hostport.len)) || (tls_key && !(p->tls_key = strdup(tls_key)))) {
        if (p) free(p->key);
        free(p);
        return NULL;
    }
    p->next = srv__up_pools;
    srv__up_pools = p;
    return p;
}

/* Keeps up to SRV__UP_MAX_ADDRS of res's addresses. 0, or -1 when none fits. */
static int srv__up_take_addrs(srv_upstream_pool_t *p, const struct addrinfo *res)
{
    unsigned n = 0;
    for (const struct addrinfo *a = res; a && n < SRV__UP_MAX_ADDRS; a = a->ai_next) {
        if (a->ai_addrlen > sizeof p->addrs[n]) continue;
        memcpy(&p->addrs[n], a->ai_addr, a->ai_addrlen);
        p->lens[n++] = a->ai_addrlen;
    }
    p->cur = p->failed_in_row = 0;
    p->naddrs = n;
    return n ? 0 : -1;
}

void srv_upwait_cancel(srv_upwait_t *w)
{
    if (!w->pprev) return;
    *w->pprev = w->next;
    if (w->next) w->next->pprev = w->pprev;
    w->next = NULL;
    w->pprev = NULL;
}

/* The name's lookup ended: every waiter hears (and may acquire again). */
static void srv__up_lookup_done(void *ud, const struct addrinfo *res, const char *err)
{
    srv_upstream_pool_t *p = ud;
    p->lookup = NULL;
    if (!err && srv__up_take_addrs(p, res) != 0) err = "no usable address";
    /* The waiters of this lookup only: one that acquires again may start
     * the next lookup (its dial failed at once) and queue on p anew. */
    srv_upwait_t *list = p->waiters;
    p->waiters = NULL;
    if (list) list->pprev = &list;
    while (list) {
        srv_upwait_t *w = list;
        srv_upwait_cancel(w);
        w->cb(w->owner, err);
    }
}

/* 0: p has addresses; 1: a lookup runs (wait queued); -1 with *err. */
static int srv__up_resolve(srv_upstream_pool_t *p, const route_proxy_upstream_t *u, srv_upwait_t *wait, const char **err)
{
    p->cur = p->failed_in_row = 0;
    if (u->unix_path) {
        struct sockaddr_un *sun = (struct sockaddr_un *)&p->addrs[0];
        size_t n = strlen(u->unix_path);
        if (n >= sizeof sun->sun_path) {
            *err = "unix socket path too long";
            return -1;
        }
        memset(sun, 0, sizeof *sun);
        sun->sun_family = AF_UNIX;
        memcpy(sun->sun_path, u->unix_path, n);
        p->lens[0] = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
        p->naddrs = 1;
        return 0;
    }
    /* A numeric address needs no lookup: getaddrinfo answers at once. */
    char port[8];
    snprintf(port, sizeof port, "%u", (unsigned)u->port);
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_NUMERICSERV | AI_NUMERICHOST };
    struct addrinfo *res = NULL;
    if (getaddrinfo(u->host, port, &hints, &res) == 0 && res) {
        int rc = srv__up_take_addrs(p, res);
        freeaddrinfo(res);
        if (rc != 0) *err = "cannot resolve host";
        return rc;
    }
    /* A name: looked up on a helper thread, so a DNS that hangs never
     * stalls this loop (srv_resolve.h). */
    if (!p->lookup && !(p->lookup = srv_lookup_start(p->loop, u->host, u->port, srv__up_lookup_done, p, err)))
        return -1;
    wait->next = p->waiters;
    if (wait->next) wait->next->pprev = &wait->next;
    wait->pprev = &p->waiters;
    p->waiters = wait;
    return 1;
}

/* A dial to address idx failed: the next dial tries the next address. */
static void srv__up_dial_failed(srv_upstream_pool_t *p, unsigned idx)
{
    if (!p->naddrs || idx != p->cur) return;   /* another dial moved on already */
    p->cur = (p->cur + 1) % p->naddrs;
    if (++p->failed_in_row >= p->naddrs) p->naddrs = 0;   /* resolve again */
}

void srv_upconn_dial_failed(srv_upconn_t *c)
{
    srv__up_dial_failed(c->pool, c->addr_idx);
}

unsigned srv_upstream_addr_count(const route_proxy_upstream_t *u)
{
    srv_upstream_pool_t *p = srv__up_pool_find(u, false);
    return p && p->naddrs ? p->naddrs : 1;
}

static void srv__up_reap(srv_task_t *t)
{
    (void)t;
    srv__up_reaper_loop = NULL;
    while (srv__up_dead) {
        srv_upconn_t *c = srv__up_dead;
        srv__up_dead = c->next;
        free(c);
    }
}

static void srv__up_unlink_idle(srv_upconn_t *c)
{
    srv_upstream_pool_t *p = c->pool;
    for (srv_upconn_t **pp = &p->idle; *pp; pp = &(*pp)->next) {
        if (*pp != c) continue;
        *pp = c->next;
        p->idle_count--;
        break;
    }
    c->next = NULL;
    c->idle = false;
}

/* Forgets c (freed on a later task); the caller did what the fd needs. */
static void srv__up_retire(srv_upconn_t *c)
{
    if (c->idle) srv__up_unlink_idle(c);
    srv_timer_stop(c->loop, &c->idle_timer);
    c->closed = true;
    c->owner = NULL;
    c->next = srv__up_dead;
    srv__up_dead = c;
    if (!srv__up_reaper_loop) {
        srv_task_init(&srv__up_reaper, srv__up_reap, NULL);
        srv__up_reaper_loop = c->loop;
        srv_loop_post(c->loop, &srv__up_reaper);
    }
}

void srv_upconn_close(srv_upconn_t *c)
{
    if (c->closed) return;
    srv_transport_close(&c->tr);   /* closing the fd also leaves the epoll set */
    srv__up_retire(c);
}

srv_transport_t srv_upconn_detach(srv_upconn_t *c)
{
    srv_transport_t tr = c->tr;
    srv_loop_del(c->loop, &c->watch);
    srv__up_retire(c);
    return tr;
}

static void srv__up_io(srv_watch_t *w, uint32_t events)
{
    srv_upconn_t *c = w->data;
    if (c->closed) return;
    srv_transport_events(&c->tr, events);
    if (c->owner) {
        c->on_event(c->owner, events);
        return;
    }
    /* Idle: an upstream has nothing to say between requests; anything it
     * sends (usually its FIN at its own idle timeout) ends the connection.
     * Over TLS, records that carry no data (a TLS 1.3 session ticket) may
     * come late: a read takes them and says AGAIN. */
    if (!(events & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP))) return;
    if (c->tr.ops->handshake && !c->tr.peer_closed) {
        char b[64];
        if (srv_transport_read(&c->tr, b, sizeof b) == SRV_IO_AGAIN) return;
    }
    srv_upconn_close(c);
}

static void srv__up_idle_expired(srv_timer_t *t)
{
    srv_upconn_close(t->data);
}

int srv_upconn_acquire(srv_loop_t *loop, const route_proxy_upstream_t *u, unsigned flags, srv_upconn_event_cb cb, void *owner,
                       srv_upwait_t *wait, srv_upconn_t **out, bool *reused, const char **err)
{
    srv_upstream_pool_t *p = srv__up_pool_find(u, true);
    if (!p) {
        *err = "out of memory";
        return -1;
    }
    p->loop = loop;
    if (p->idle && !(flags & SRV_UPCONN_FRESH)) {
        srv_upconn_t *c = p->idle;
        srv__up_unlink_idle(c);
        srv_timer_stop(loop, &c->idle_timer);
        c->on_event = cb;
        c->owner = owner;
        c->uses++;
        *out = c;
        *reused = true;
        return 0;
    }
    *reused = false;
    int fd = -1;
    bool connecting = false;
    unsigned idx = 0;
    /* A refusal that shows at once (a unix socket, sometimes loopback)
     * moves on to the next address here; one that shows later, in
     * srv_upconn_connected, lets the owner dial again. */
    if (u->tls && !p->ssl_ctx) {
        static _Thread_local char ctx_error[256];
        if (!(p->ssl_ctx = srv_tls_client_ctx_new(u->tls, ctx_error, sizeof ctx_error))) {
            *err = ctx_error;
            return -1;
        }
    }
    if (!p->naddrs) {
        int rc = srv__up_resolve(p, u, wait, err);
        if (rc != 0) return rc;
    }
    for (unsigned tries = 0;;) {
        idx = p->cur;
        const struct sockaddr_storage *addr = &p->addrs[idx];
        fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            *err = strerror(errno);
            return -1;
        }
        if (addr->ss_family != AF_UNIX) {
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        }
        if (connect(fd, (const struct sockaddr *)addr, p->lens[idx]) == 0) break;
        if (errno == EINPROGRESS || errno == EAGAIN) {
            connecting = true;
            break;
        }
        *err = strerror(errno);
        close(fd);
        unsigned n = p->naddrs;
        srv__up_dial_failed(p, idx);
        if (++tries >= n || !p->naddrs) return -1;   /* all failed: *err says why the last did */
    }
    if (!connecting) p->failed_in_row = 0;
    /* malloc, not calloc: the assignment below zeroes it, and glibc's
     * calloc skips the thread cache (a dial per request showed it). */
    srv_upconn_t *c = malloc(sizeof(*c));
    if (!c) {
        close(fd);
        *err = "out of memory";
        return -1;
    }
    *c = (srv_upconn_t){ .watch = { .fd = fd, .cb = srv__up_io, .data = c }, .loop = loop, .pool = p,
                         .on_event = cb, .owner = owner, .connecting = connecting, .uses = 1, .addr_idx = idx };
    if (u->tls) {
        /* The handshake follows the connect: the owner drives both through
         * srv_upconn_connected (a connect that finished at once still gets
         * its EPOLLOUT when the socket joins the loop). */
        c->connecting = true;
        srv_tls_client_start_t st = { .ssl_ctx = p->ssl_ctx, .host = u->host, .conf = u->tls,
                                      .offer_h2 = (flags & SRV_UPCONN_H2) && u->tls->alpn_h2 };
        if (srv_transport_tls_client.start(&c->tr, fd, &st) != 0) {
            free(c);
            *err = "cannot start TLS";
            return -1;
        }
    } else {
        srv_transport_plain.start(&c->tr, fd, NULL);
    }
    /* An upstream says nothing before the request: no read until epoll
     * reports input (a read now would only say EAGAIN). */
    c->tr.can_read = false;
    srv_timer_init(&c->idle_timer, srv__up_idle_expired, c);
    if (srv_loop_add(loop, &c->watch, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET) != 0) {
        *err = strerror(errno);
        srv_transport_close(&c->tr);
        free(c);
        return -1;
    }
    *out = c;
    return 0;
}

/* Drives the TLS handshake: as srv_upconn_connected. */
static int srv__up_handshake(srv_upconn_t *c, const char **err)
{
    int r = c->tr.ops->handshake(&c->tr);
    if (r == SRV_IO_AGAIN) return 1;
    c->handshaking = false;
    if (r != 0) {
        snprintf(c->failure, sizeof c->failure, "%s", srv_tls_client_failure(&c->tr));
        *err = c->failure;
        return -1;
    }
    c->connecting = false;
    return 0;
}

int srv_upconn_connected(srv_upconn_t *c, const char **err)
{
    if (c->handshaking) return srv__up_handshake(c, err);
    int e = 0;
    socklen_t len = sizeof e;
    if (getsockopt(c->watch.fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0) e = errno;
    if (e) {
        *err = strerror(e);
        srv__up_dial_failed(c->pool, c->addr_idx);
        return -1;
    }
    if (c->addr_idx == c->pool->cur) c->pool->failed_in_row = 0;
    if (c->tr.ops->handshake) {
        c->handshaking = true;
        return srv__up_handshake(c, err);
    }
    c->connecting = false;
    return 0;
}

void srv_upconn_release(srv_upconn_t *c, const route_proxy_transport_conf_t *tc)
{
    srv_upstream_pool_t *p = c->pool;
    /* One the upstream already half-closed would only fail the next request. */
    if (tc->keepalive_ns <= 0 || p->idle_count >= tc->keepalive_idle_conns || c->closed || c->tr.peer_closed) {
        srv_upconn_close(c);
        return;
    }
    c->owner = NULL;
    c->idle = true;
    c->next = p->idle;
    p->idle = c;
    p->idle_count++;
    srv_timer_start_at(c->loop, &c->idle_timer, c->loop->now + tc->keepalive_ns);
}

uint32_t srv_upstream_idle_count(const route_proxy_upstream_t *u)
{
    srv_upstream_pool_t *p = srv__up_pool_find(u, false);
    return p ? p->idle_count : 0;
}

void srv_upstream_thread_exit(void)
{
    while (srv__up_pools) {
        srv_upstream_pool_t *p = srv__up_pools;
        srv__up_pools = p->next;
        while (p->idle) srv_upconn_close(p->idle);
        srv_lookup_cancel(p->lookup, true);
        srv_tls_client_ctx_free(p->ssl_ctx);
        free(p->tls_key);
        free(p->key);
        free(p);
    }
    if (srv__up_reaper_loop) srv_loop_cancel(srv__up_reaper_loop, &srv__up_reaper);
    srv__up_reap(NULL);
}
