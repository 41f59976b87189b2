/* The PROXY header on a listener with servers { listener_wrappers {
 * proxy_protocol } } (srv_conn.h): read before TLS and HTTP, straight
 * from the socket, so the transport (OpenSSL) sees only what follows it.
 * The bytes are peeked until the parser (http/proxy_header.h) can tell,
 * and only a whole header is taken off the socket: a connection that
 * does not start with one keeps every byte for TLS or HTTP. A bad
 * header, one the policy refuses, or none where one is required closes
 * the connection with a log line. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "base/log.h"
#include "http/proxy_header.h"
#include "server/srv_conn.h"

static const char *const srv__policy_names[] = { "ignore", "use", "reject", "require", "skip" };

static int srv__proxy_refuse(srv_conn_t *c, const char *why)
{
    ifr_log_warn("http", "proxy_protocol: closing the connection from %s (policy %s): %s", c->remote_ip,
                 srv__policy_names[c->proxy_policy], why);
    srv_conn_close(c);
    return -1;
}

/* The header's source as the connection's remote address. */
static void srv__proxy_use(srv_conn_t *c, const http_proxy_header_t *h)
{
    snprintf(c->remote_ip, sizeof c->remote_ip, "%s", h->src_ip);
    c->info.remote_ip = ifr_cstr(c->remote_ip);
    c->info.remote_port = h->src_port;
}

int srv_proxy_header_step(srv_conn_t *c)
{
    uint8_t buf[HTTP_PROXY_HEADER_MAX];
    ssize_t n;
    do n = recv(c->tp.fd, buf, sizeof buf, MSG_PEEK);
    while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 1;
    if (n < 0) return srv__proxy_refuse(c, strerror(errno));
    http_proxy_header_t h;
    http_proxy_result_t r = http_proxy_header_parse(buf, (size_t)n, &h);
    if (r == HTTP_PROXY_NEED_MORE && n == 0) return srv__proxy_refuse(c, "closed before the PROXY header ended");
    /* A full buffer can always be judged; fewer bytes wait for more. */
    if (r == HTTP_PROXY_NEED_MORE) return 1;
    if (r == HTTP_PROXY_BAD) return srv__proxy_refuse(c, h.error);
    if (r == HTTP_PROXY_ABSENT) {
        if (c->proxy_policy == CFG_PROXY_REQUIRE) return srv__proxy_refuse(c, "no PROXY header");
    } else {
        if (c->proxy_policy == CFG_PROXY_REJECT) return srv__proxy_refuse(c, "a PROXY header from a denied source");
        /* Take exactly the header off; what follows stays in the socket. */
        size_t off = 0;
        while (off < h.len) {
            ssize_t got = recv(c->tp.fd, buf, h.len - off, 0);
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0) return srv__proxy_refuse(c, "the PROXY header could not be read again");
            off += (size_t)got;
        }
        if (h.has_addresses && (c->proxy_policy == CFG_PROXY_USE || c->proxy_policy == CFG_PROXY_REQUIRE))
            srv__proxy_use(c, &h);
    }
    srv_conn_begin_transport(c);
    return 0;
}
