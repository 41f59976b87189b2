/* The plain socket transport; see srv_transport.h. Socket calls (recv,
 * send) rather than read and write where they exist: they skip the file
 * layer the generic calls pass through. */
#include "server/srv_transport.h"

#include <errno.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

static int srv__plain_start(srv_transport_t *t, int fd, void *ctx)
{
    (void)ctx;
    srv_transport_init(t, &srv_transport_plain, fd, NULL);
    return 0;
}

/* errno after a failed call: AGAIN clears the direction's flag. */
static ssize_t srv__plain_failed(bool *flag)
{
    *flag = false;
    return errno == EAGAIN ? SRV_IO_AGAIN : SRV_IO_ERROR;
}

static ssize_t srv__plain_read(srv_transport_t *t, void *buf, size_t len)
{
    for (;;) {
        ssize_t r = recv(t->fd, buf, len, 0);
        if (r > 0) {
            /* A short read drained the socket: skip the read that would
             * only say EAGAIN (edge-triggered epoll reports new data). Not
             * after the peer's FIN was signalled: its edge is already used. */
            if ((size_t)r < len && !t->peer_closed) t->can_read = false;
            return r;
        }
        if (r == 0) {
            t->can_read = false;
            return 0;
        }
        if (errno != EINTR) return srv__plain_failed(&t->can_read);
    }
}

static ssize_t srv__plain_writev(srv_transport_t *t, const struct iovec *iov, int cnt)
{
    for (;;) {
        /* The usual case, one response in one piece, goes by send(). */
        ssize_t r = cnt == 1 ? send(t->fd, iov[0].iov_base, iov[0].iov_len, MSG_NOSIGNAL) : writev(t->fd, iov, cnt);
        if (r >= 0) return r;
        if (errno != EINTR) return srv__plain_failed(&t->can_write);
    }
}

static ssize_t srv__plain_sendfile(srv_transport_t *t, int file_fd, off_t *offset, size_t len)
{
    for (;;) {
        ssize_t r = sendfile(t->fd, file_fd, offset, len);
        if (r >= 0) return r;
        if (errno != EINTR) return srv__plain_failed(&t->can_write);
    }
}

static bool srv__plain_can_splice(const srv_transport_t *t)
{
    (void)t;
    return true;
}

static int srv__plain_shutdown(srv_transport_t *t)
{
    return shutdown(t->fd, SHUT_WR) == 0 || errno == ENOTCONN ? 0 : SRV_IO_ERROR;
}

static void srv__plain_close(srv_transport_t *t)
{
    if (t->fd >= 0) close(t->fd);   /* also takes it out of any epoll set */
}

const srv_transport_ops_t srv_transport_plain = {
    .name = "plain",
    .start = srv__plain_start,
    .read = srv__plain_read,
    .writev = srv__plain_writev,
    .sendfile = srv__plain_sendfile,
    .can_splice = srv__plain_can_splice,
    .shutdown = srv__plain_shutdown,
    .close = srv__plain_close,
};
