/* Listening sockets, shared by every worker (each registers the same fd in
 * its own epoll with EPOLLEXCLUSIVE, so one connection wakes one worker).
 *
 * Ownership: reference counted across threads. The server holds one
 * reference while the listener is in the current configuration, each
 * worker one while it is registered in its loop; the last release closes
 * the socket. That is how a reload closes removed addresses without
 * yanking an fd out from under a worker's epoll. */
#ifndef IFRIT_SERVER_SRV_LISTENER_H
#define IFRIT_SERVER_SRV_LISTENER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "server/srv_transport.h"

typedef struct {
    int fd;
    char host[256];      /* the bind address as route_listener_t.host has it; "" = all interfaces */
    uint16_t port;
    atomic_int refs;
    /* How accepted connections talk: srv_transport_plain (what open sets),
     * or srv_transport_tls with its srv_tls_port_t (srv_server.c sets
     * both before any worker sees the listener); ctx_free frees the ctx
     * with the listener (NULL: nothing to free). */
    const srv_transport_ops_t *transport;
    void *transport_ctx;
    void (*transport_ctx_free)(void *ctx);
} srv_listener_t;

/* Opens a non-blocking listening socket on a bind address (route/plan.h's
 * route_listener_t.host: "", a host, "tcp4/" or "tcp6/" and a host, or
 * "unix/PATH"; the port is not used for a unix socket); NULL with a
 * sentence in err. */
srv_listener_t *srv_listener_open(const char *host, uint16_t port, char *err, size_t err_len);
void srv_listener_retain(srv_listener_t *l);
void srv_listener_release(srv_listener_t *l);

#endif
