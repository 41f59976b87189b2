/* A gRPC-style h2c responder for bench/http2.sh: HTTP/2 with prior
 * knowledge on 127.0.0.1:PORT, one epoll thread on nghttp2's server
 * session. Every request's body is read and dropped; every stream gets
 * :status 200, content-type application/grpc, one length-prefixed message
 * ("pong") and the trailers grpc-status 0. It answers as fast as nghttp2
 * frames, so the proxy in front of it is what the bench measures.
 *
 * Usage: h2c_grpc_responder PORT (runs until killed). */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct {
    int fd;
    nghttp2_session *ng;
} h2r__conn_t;

static const uint8_t h2r__message[] = { 0, 0, 0, 0, 4, 'p', 'o', 'n', 'g' };

static ssize_t h2r__body(nghttp2_session *ng, int32_t id, uint8_t *buf, size_t len, uint32_t *flags,
                         nghttp2_data_source *src, void *ud)
{
    (void)src;
    (void)ud;
    size_t n = sizeof h2r__message < len ? sizeof h2r__message : len;
    memcpy(buf, h2r__message, n);
    *flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
    static const nghttp2_nv trailers[] = {
        { (uint8_t *)"grpc-status", (uint8_t *)"0", 11, 1, NGHTTP2_NV_FLAG_NONE },
    };
    nghttp2_submit_trailer(ng, id, trailers, 1);
    return (ssize_t)n;
}

static int h2r__frame(nghttp2_session *ng, const nghttp2_frame *f, void *ud)
{
    (void)ud;
    bool request_done = (f->hd.type == NGHTTP2_HEADERS || f->hd.type == NGHTTP2_DATA) &&
                        (f->hd.flags & NGHTTP2_FLAG_END_STREAM);
    if (!request_done) return 0;
    static const nghttp2_nv head[] = {
        { (uint8_t *)":status", (uint8_t *)"200", 7, 3, NGHTTP2_NV_FLAG_NONE },
        { (uint8_t *)"content-type", (uint8_t *)"application/grpc", 12, 16, NGHTTP2_NV_FLAG_NONE },
    };
    nghttp2_data_provider body = { .read_callback = h2r__body };
    nghttp2_submit_response(ng, f->hd.stream_id, head, 2, &body);
    return 0;
}

static int h2r__data(nghttp2_session *ng, uint8_t flags, int32_t id, const uint8_t *d, size_t len, void *ud)
{
    (void)ng;
    (void)flags;
    (void)id;
    (void)d;
    (void)len;
    (void)ud;
    return 0;
}

static h2r__conn_t *h2r__accept(int lfd)
{
    /* Blocking: reads say MSG_DONTWAIT, writes wait for the peer (the
     * answers are small), so nothing spins. */
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) return NULL;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    h2r__conn_t *c = calloc(1, sizeof *c);
    nghttp2_session_callbacks *cbs;
    if (!c || nghttp2_session_callbacks_new(&cbs) != 0) {
        free(c);
        close(fd);
        return NULL;
    }
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, h2r__frame);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, h2r__data);
    int rc = nghttp2_session_server_new(&c->ng, cbs, c);
    nghttp2_session_callbacks_del(cbs);
    const nghttp2_settings_entry iv[] = { { NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 1000 } };
    if (rc != 0 || nghttp2_submit_settings(c->ng, NGHTTP2_FLAG_NONE, iv, 1) != 0) {
        free(c);
        close(fd);
        return NULL;
    }
    c->fd = fd;
    return c;
}

static void h2r__close(h2r__conn_t *c)
{
    nghttp2_session_del(c->ng);
    close(c->fd);
    free(c);
}

/* Reads what came, answers, writes what nghttp2 made. -1: the connection is over. */
static int h2r__serve(h2r__conn_t *c)
{
    uint8_t buf[65536];
    for (;;) {
        ssize_t n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n == 0) return -1;
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            return -1;
        }
        if (nghttp2_session_mem_recv(c->ng, buf, (size_t)n) < 0) return -1;
    }
    for (;;) {
        const uint8_t *out;
        ssize_t n = nghttp2_session_mem_send(c->ng, &out);
        if (n < 0) return -1;
        if (n == 0) break;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(c->fd, out + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) return -1;
            off += w;
        }
    }
    return nghttp2_session_want_read(c->ng) || nghttp2_session_want_write(c->ng) ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PORT\n", argv[0]);
        return 2;
    }
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1])),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event lev = { .events = EPOLLIN, .data.ptr = NULL };
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(lfd, 512) != 0 ||
        ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev) != 0) {
        perror("h2c_grpc_responder");
        return 1;
    }
    for (;;) {
        struct epoll_event evs[64];
        int n = epoll_wait(ep, evs, 64, -1);
        for (int i = 0; i < n; i++) {
            h2r__conn_t *c = evs[i].data.ptr;
            if (!c) {
                while ((c = h2r__accept(lfd))) {
                    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
                    if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) != 0 || h2r__serve(c) != 0) h2r__close(c);
                }
                continue;
            }
            if (h2r__serve(c) != 0) h2r__close(c);   /* closing the fd leaves the epoll set */
        }
    }
}
