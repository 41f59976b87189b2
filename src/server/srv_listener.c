/* Listening sockets; see srv_listener.h. */
#include "server/srv_listener.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LISTEN_BACKLOG 4096

static int srv__bind_listen(const struct sockaddr *addr, socklen_t len, int family, char *err, size_t err_len)
{
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, err_len, "socket: %s", strerror(errno));
        return -1;
    }
    int one = 1, zero = 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    /* One socket for IPv4 and IPv6 when listening on all interfaces. */
    if (family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    if (bind(fd, addr, len) < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
        snprintf(err, err_len, "%s", strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

srv_listener_t *srv_listener_open(const char *host, uint16_t port, char *err, size_t err_len)
{
    int fd = -1;
    if (!host || !*host) {
        struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = in6addr_any };
        fd = srv__bind_listen((struct sockaddr *)&a6, sizeof a6, AF_INET6, err, err_len);
        if (fd < 0 && errno != EADDRINUSE) {
            struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(port) };
            a4.sin_addr.s_addr = htonl(INADDR_ANY);
            fd = srv__bind_listen((struct sockaddr *)&a4, sizeof a4, AF_INET, err, err_len);
        }
    } else {
        struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
        struct addrinfo *res = NULL;
        char service[8];
        snprintf(service, sizeof service, "%u", port);
        int rc = getaddrinfo(host, service, &hints, &res);
        if (rc != 0) {
            snprintf(err, err_len, "cannot resolve %s: %s", host, gai_strerror(rc));
            return NULL;
        }
        for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next)
            fd = srv__bind_listen(ai->ai_addr, ai->ai_addrlen, ai->ai_family, err, err_len);
        freeaddrinfo(res);
    }
    if (fd < 0) {
        char why[200];
        snprintf(why, sizeof why, "%s", err);
        snprintf(err, err_len, "cannot listen on %s:%u: %s", host && *host ? host : "", port, why);
        return NULL;
    }
    srv_listener_t *l = calloc(1, sizeof *l);
    if (!l) {
        close(fd);
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    l->fd = fd;
    snprintf(l->host, sizeof l->host, "%s", host ? host : "");
    l->port = port;
    l->transport = &srv_transport_plain;
    atomic_init(&l->refs, 1);
    return l;
}

void srv_listener_retain(srv_listener_t *l)
{
    atomic_fetch_add_explicit(&l->refs, 1, memory_order_relaxed);
}

void srv_listener_release(srv_listener_t *l)
{
    if (atomic_fetch_sub_explicit(&l->refs, 1, memory_order_acq_rel) != 1) return;
    close(l->fd);
    if (l->transport_ctx_free) l->transport_ctx_free(l->transport_ctx);
    free(l);
}
