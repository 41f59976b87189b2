/* Connections to reverse_proxy upstreams: non-blocking dialing (TCP or unix
 * socket) on the worker's loop, and a keep-alive pool per upstream per
 * worker thread with an idle timeout and a cap on idle connections.
 *
 * Pools are keyed by the upstream's address text, so a reload that keeps an
 * upstream keeps its warm connections. Everything here is per thread: no
 * locks, and a pooled connection is only ever used by the worker that
 * dialed it. An upstream with TLS (route_proxy_upstream_t.tls) gets the OpenSSL
 * client transport (srv_transport_tls_client.h) and a pool of its own,
 * keyed by its TLS options too; its pooled connections are reused as
 * plain ones are. A name with several addresses (localhost: ::1 and
 * 127.0.0.1) is dialed at the first; a failed dial moves on to the next,
 * and the one that answered is kept.
 *
 * Ownership: a busy connection belongs to its owner (a proxy call or a
 * health probe) until srv_upconn_release (back to the pool) or
 * srv_upconn_close. Memory is freed on a later loop task, never inside an
 * event callback, so an event already fetched for a closed connection in
 * the same epoll batch is ignored safely. */
#ifndef IFRIT_SERVER_SRV_UPSTREAM_H
#define IFRIT_SERVER_SRV_UPSTREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "route/proxy_conf.h"
#include "server/srv_loop.h"
#include "server/srv_transport.h"

typedef struct srv_upstream_pool srv_upstream_pool_t;
typedef struct srv_upconn srv_upconn_t;

/* Events for the owner of a busy connection (EPOLLIN/OUT/ERR/HUP/RDHUP). */
typedef void (*srv_upconn_event_cb)(void *owner, uint32_t events);

struct srv_upconn {
    srv_watch_t watch;           /* watch.fd is tr.fd */
    srv_transport_t tr;          /* every byte to and from the upstream goes through it */
    srv_loop_t *loop;
    srv_upstream_pool_t *pool;
    srv_upconn_t *next;          /* idle list, or the free-later list */
    srv_timer_t idle_timer;
    srv_upconn_event_cb on_event;
    void *owner;                 /* NULL while idle or closed */
    bool connecting;             /* non-blocking connect (and TLS handshake) in progress */
    bool handshaking;            /* connected; the TLS handshake is under way */
    bool closed;
    bool idle;                   /* in its pool's idle list */
    uint32_t uses;               /* requests carried so far */
    unsigned addr_idx;           /* which of the pool's addresses it dialed */
    char failure[256];           /* why the TLS handshake failed (lives until c is freed) */
};

/* An owner waiting for its upstream's name to resolve (see
 * srv_upconn_acquire). Owned by the owner; queued on the pool while it
 * waits. */
typedef struct srv_upwait srv_upwait_t;
typedef void (*srv_upwait_cb)(void *owner, const char *err);
struct srv_upwait {
    srv_upwait_t *next, **pprev;   /* pprev NULL: not waiting */
    srv_upwait_cb cb;              /* err NULL: resolved, acquire again; else why not */
    void *owner;
};

/* srv_upconn_acquire's flags. */
#define SRV_UPCONN_FRESH 1u   /* always dial (health probes must not judge an upstream
                                 by a connection that went stale in the pool) */
#define SRV_UPCONN_H2 2u      /* the owner speaks HTTP/2 too: TLS offers ALPN h2 when the
                                 transport's versions have 2 (srv_tls_client_chose_h2 says
                                 whether the upstream took it) */

/* An idle pooled connection to u (*reused = true), or a new one being
 * dialed (connecting set; EPOLLOUT tells the owner when it completed; see
 * srv_upconn_connected). flags: SRV_UPCONN_*.
 * A name that is not a numeric address is looked up off the loop
 * (srv_resolve.h) the first time this worker dials it, and again after
 * every one of its addresses failed in a row: acquire then returns 1 with
 * wait queued, and wait->cb runs from the loop once the lookup ended (one
 * lookup serves every waiter). 0, 1, or -1 with *err a static reason. */
int srv_upconn_acquire(srv_loop_t *loop, const route_proxy_upstream_t *u, unsigned flags, srv_upconn_event_cb cb, void *owner,
                       srv_upwait_t *wait, srv_upconn_t **out, bool *reused, const char **err);

/* Stops waiting (the owner gave up: timeout, client gone); safe when w
 * is not waiting. The lookup goes on for the other waiters. */
void srv_upwait_cancel(srv_upwait_t *w);

/* After EPOLLOUT on a connecting socket, and then after every event
 * while handshaking: 0 connected (and, for an https upstream, the TLS
 * handshake done), 1 the handshake goes on (handshaking is set: call
 * again on the next event), or -1 with *err (a failed TCP dial moves the
 * pool's next dial to the name's next address; a failed handshake says
 * why, with OpenSSL's words). */
int srv_upconn_connected(srv_upconn_t *c, const char **err);

/* The owner gave up on a dial still in progress (dial_timeout): as for a
 * failed one, the next dial goes to the name's next address. */
void srv_upconn_dial_failed(srv_upconn_t *c);

/* How many addresses u's name has (1 until resolved, or after every one
 * failed in a row and the name is due to be resolved again): how many
 * dials a request may make before its dial counts as failed. */
unsigned srv_upstream_addr_count(const route_proxy_upstream_t *u);

/* Back to the pool for another request (closed instead when keepalive is
 * off or the pool holds keepalive_idle_conns already). */
void srv_upconn_release(srv_upconn_t *c, const route_proxy_transport_conf_t *tc);

/* Closes now (the fd) and frees on a later task. */
void srv_upconn_close(srv_upconn_t *c);

/* Like srv_upconn_close, but hands the connection's transport (its
 * socket out of the loop's epoll set, still open; a TLS session goes on)
 * to the caller, who closes it: a connection that switched protocols
 * leaves the pool's world for a tunnel. */
srv_transport_t srv_upconn_detach(srv_upconn_t *c);

/* Number of idle connections this thread keeps for u (tests, logs). */
uint32_t srv_upstream_idle_count(const route_proxy_upstream_t *u);

/* Closes every pooled connection and frees the pools of this thread. Called
 * by a worker when its loop ends. */
void srv_upstream_thread_exit(void);

#endif
