/* Listening sockets; see srv_listener.h. */
#include "server/srv_listener.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define SRV__LISTEN_BACKLOG 4096

static int srv__bind_listen(const struct sockaddr *addr, socklen_t len, int family, bool v6only, char *err,
                            size_t err_len)
{
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, err_len, "socket: %s", strerror(errno));
        return -1;
    }
    int one = 1, v6 = v6only;
    if (family != AF_UNIX) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    /* One socket for IPv4 and IPv6 when listening on all interfaces
     * (unless tcp6/ asked for IPv6 alone). */
    if (family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6, sizeof v6);
    if (bind(fd, addr, len) < 0 || listen(fd, SRV__LISTEN_BACKLOG) < 0) {
        snprintf(err, err_len, "%s", strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* A unix socket at path. A socket file left by an earlier run is removed
 * first (as Caddy does), but only one nobody listens on: a live server's
 * socket is refused (EADDRINUSE), and what is not a socket is never touched. */
static int srv__listen_unix(const char *path, char *err, size_t err_len)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    size_t n = strlen(path);
    if (n >= sizeof a.sun_path) {
        snprintf(err, err_len, "socket path too long");
        return -1;
    }
    memcpy(a.sun_path, path, n + 1);
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        bool live = probe >= 0 && connect(probe, (struct sockaddr *)&a, sizeof a) == 0;
        if (probe >= 0) close(probe);
        if (!live) unlink(path);
    }
    return srv__bind_listen((struct sockaddr *)&a, sizeof a, AF_UNIX, false, err, err_len);
}

/* Every interface: one dual-stack socket, or IPv4 alone where IPv6 is off. */
static int srv__listen_any(int family, uint16_t port, char *err, size_t err_len)
{
    int fd = -1;
    if (family != AF_INET) {
        struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = in6addr_any };
        fd = srv__bind_listen((struct sockaddr *)&a6, sizeof a6, AF_INET6, family == AF_INET6, err, err_len);
        if (fd >= 0 || errno == EADDRINUSE || family == AF_INET6) return fd;
    }
    struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(port) };
    a4.sin_addr.s_addr = htonl(INADDR_ANY);
    return srv__bind_listen((struct sockaddr *)&a4, sizeof a4, AF_INET, false, err, err_len);
}

srv_listener_t *srv_listener_open(const char *host, uint16_t port, char *err, size_t err_len)
{
    int fd = -1, family = AF_UNSPEC;
    const char *name = host ? host : "";
    if (strncmp(name, "tcp4/", 5) == 0) family = AF_INET, name += 5;
    else if (strncmp(name, "tcp6/", 5) == 0) family = AF_INET6, name += 5;
    if (strncmp(name, "unix/", 5) == 0) {
        fd = srv__listen_unix(name + 5, err, err_len);
    } else if (!*name) {
        fd = srv__listen_any(family, port, err, err_len);
    } else {
        struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
        struct addrinfo *res = NULL;
        char service[8];
        snprintf(service, sizeof service, "%u", port);
        int rc = getaddrinfo(name, service, &hints, &res);
        if (rc != 0) {
            snprintf(err, err_len, "cannot resolve %s: %s", name, gai_strerror(rc));
            return NULL;
        }
        for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next)
            fd = srv__bind_listen(ai->ai_addr, ai->ai_addrlen, ai->ai_family, false, err, err_len);
        freeaddrinfo(res);
    }
    if (fd < 0) {
        char why[200];
        snprintf(why, sizeof why, "%s", err);
        if (strncmp(name, "unix/", 5) == 0) snprintf(err, err_len, "cannot listen on %s: %s", name, why);
        else snprintf(err, err_len, "cannot listen on %s:%u: %s", host ? host : "", port, why);
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
    /* As Go's unix listener, the socket file goes with the socket. */
    if (strncmp(l->host, "unix/", 5) == 0) unlink(l->host + 5);
    if (l->transport_ctx_free) l->transport_ctx_free(l->transport_ctx);
    free(l);
}
