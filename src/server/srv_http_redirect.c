/* listener_wrappers { http_redirect } (srv_conn.h): on a TLS listener, a
 * connection whose first bytes are a cleartext HTTP request gets Caddy's
 * answer instead of a failed handshake: "HTTP/1.0 308 Permanent Redirect"
 * to https:// with the request's Host and target, then the connection
 * closes. As Caddy 2.6.2, the first five bytes decide ("GET /", "HEAD ",
 * "POST ", "PUT /", "OPTIO"; anything else goes to TLS), and only the
 * head is read (at most SRV__REDIRECT_HEAD_MAX bytes, else closed). The
 * bytes are peeked, so TLS still gets every byte of a ClientHello. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "base/log.h"
#include "server/srv_conn.h"

#define SRV__REDIRECT_HEAD_MAX 8192

void srv_conn_begin_transport(srv_conn_t *c)
{
    bool tls = c->tp.ops->handshake != NULL;
    if (tls && route_plan_options(c->worker->plan)->http_redirect) c->state = SRV_CONN_HTTP_REDIRECT;
    else c->state = tls ? SRV_CONN_HANDSHAKE : SRV_CONN_READ_HEAD;
}

static const char *const srv__http_starts[] = { "GET /", "HEAD ", "POST ", "PUT /", "OPTIO" };

/* 1: the first bytes are a request's, 0: they are not, -1: too few to say. */
static int srv__looks_like_http(const char *p, size_t n)
{
    bool prefix = false;
    for (size_t i = 0; i < sizeof srv__http_starts / sizeof *srv__http_starts; i++) {
        size_t k = n < 5 ? n : 5;
        if (memcmp(p, srv__http_starts[i], k) == 0) {
            if (n >= 5) return 1;
            prefix = true;
        }
    }
    return prefix ? -1 : 0;
}

/* The Host field's value in the head (trimmed), or "". */
static ifr_str_t srv__head_host(const char *head, size_t len)
{
    const char *p = memchr(head, '\n', len), *end = head + len;
    while (p && p + 1 < end) {
        const char *line = p + 1, *eol = memchr(line, '\n', (size_t)(end - line));
        if (!eol) break;
        size_t n = (size_t)(eol - line);
        if (n >= 5 && strncasecmp(line, "host:", 5) == 0) {
            const char *v = line + 5, *ve = eol;
            while (v < ve && (*v == ' ' || *v == '\t')) v++;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t')) ve--;
            return ifr_str(v, (size_t)(ve - v));
        }
        p = eol;
    }
    return IFR_LIT("");
}

int srv_http_redirect_step(srv_conn_t *c)
{
    char buf[SRV__REDIRECT_HEAD_MAX];
    ssize_t n;
    do n = recv(c->tp.fd, buf, sizeof buf, MSG_PEEK);
    while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 1;
    if (n <= 0) {
        srv_conn_close(c);
        return -1;
    }
    int http = srv__looks_like_http(buf, (size_t)n);
    if (http < 0) return 1;
    if (http == 0) {
        c->state = SRV_CONN_HANDSHAKE;
        return 0;
    }
    const char *end = memmem(buf, (size_t)n, "\r\n\r\n", 4);
    if (!end && (size_t)n < sizeof buf) return 1;
    if (!end) {
        ifr_log_debug("http", "http_redirect: a cleartext head over %d bytes from %s: closed", SRV__REDIRECT_HEAD_MAX,
                      c->remote_ip);
        srv_conn_close(c);
        return -1;
    }
    size_t head_len = (size_t)(end - buf) + 4;
    /* The target: between the first and the second space of the request line. */
    const char *sp1 = memchr(buf, ' ', head_len), *lf = memchr(buf, '\n', head_len);
    const char *sp2 = sp1 && lf ? memchr(sp1 + 1, ' ', (size_t)(lf - sp1 - 1)) : NULL;
    if (!sp2) {
        srv_conn_close(c);
        return -1;
    }
    ifr_str_t host = srv__head_host(buf, head_len), target = ifr_str(sp1 + 1, (size_t)(sp2 - sp1 - 1));
    char out[SRV__REDIRECT_HEAD_MAX + 128];
    int len = snprintf(out, sizeof out,
                       "HTTP/1.0 308 Permanent Redirect\r\nLocation: https://%.*s%.*s\r\nContent-Length: 0\r\n\r\n",
                       (int)host.len, host.ptr, (int)target.len, target.ptr);
    /* Take the head off first, so the close does not reset what we send. */
    size_t off = 0;
    while (off < head_len) {
        ssize_t got = recv(c->tp.fd, buf, head_len - off, 0);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        off += (size_t)got;
    }
    if (len > 0 && (size_t)len < sizeof out) (void)send(c->tp.fd, out, (size_t)len, MSG_NOSIGNAL);
    shutdown(c->tp.fd, SHUT_WR);
    srv_conn_close(c);
    return -1;
}
