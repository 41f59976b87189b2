/* A transport: how bytes move on one client connection, between the
 * protocol on top (HTTP/1.1 now, HTTP/2 next) and the socket below. One
 * small table of operations, as Redis's ConnectionType: nothing above a
 * transport calls recv, send, writev, sendfile, splice or shutdown on a
 * client's socket; the connection (srv_conn.c), its output queue
 * (srv_outq.c), request bodies (srv_body.c), the lingering close and the
 * tunnel (srv_tunnel.c) all go through these.
 *
 * Implementations:
 *   srv_transport_plain.c  the socket as it is (srv_transport_plain)
 *   srv_transport_tls.c    OpenSSL; kTLS where the kernel takes the
 *                          records over (written by the TLS work, against
 *                          this header)
 *
 * The model is edge-triggered epoll. The owner feeds each epoll event to
 * srv_transport_events(); the implementation says through can_read and
 * can_write whether another call may make progress now, and clears them
 * when a call would block. An operation that cannot go on returns
 * SRV_IO_AGAIN after clearing the flag of the direction it waits for; an
 * implementation that must write to read (a TLS handshake or key update
 * in the middle of a read) or read to write also sets read_wants_write or
 * write_wants_read, so that readiness of the other direction wakes it.
 *
 * Ownership: srv_transport_t is a value embedded in its owner: a client
 * connection, then the tunnel that takes it over (srv_conn_detach moves it
 * by copy; nothing keeps its address). The owner registers fd in its loop
 * (the transport never touches the loop) and ends the transport exactly
 * once with srv_transport_close(), which closes fd and frees impl. impl is
 * the implementation's own state (the TLS session); no one else looks
 * inside. Everything runs on the owning worker's thread.
 *
 * Stability: the TLS transport is written against this header in parallel.
 * New operations go at the end of srv_transport_ops_t and may be NULL
 * where noted; changing a signature means changing every implementation
 * in the same commit. */
#ifndef IFRIT_SERVER_SRV_TRANSPORT_H
#define IFRIT_SERVER_SRV_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "route/exchange.h"

/* What an operation returns besides a byte count. */
#define SRV_IO_ERROR (-1)   /* the connection is broken (reset, bad record, alert): close it */
#define SRV_IO_AGAIN (-2)   /* would block: retry once the flags say so */

typedef struct srv_transport srv_transport_t;
struct srv_worker;
struct srv_task;

typedef struct {
    const char *name;   /* "plain", "tls", "ktls": for logs */
    /* Sets t up over an accepted (or connected) non-blocking socket with
     * the listener's transport_ctx. Takes fd: on failure (-1) fd is
     * closed and t needs no close. 0 on success. */
    int (*start)(srv_transport_t *t, int fd, void *ctx);
    /* Drives the handshake: 0 when done (call it again after that and it
     * is 0 at once), SRV_IO_AGAIN, or SRV_IO_ERROR (a failed handshake is
     * logged by the implementation; the owner just closes). NULL when the
     * transport has none (plain): the protocol starts at once. */
    int (*handshake)(srv_transport_t *t);
    /* Reads up to len bytes: >0 bytes, 0 at the peer's end of input (FIN,
     * or TLS close_notify), SRV_IO_AGAIN or SRV_IO_ERROR. A read shorter
     * than len may clear can_read when the socket is known to be drained,
     * never while the implementation still holds input of its own. */
    ssize_t (*read)(srv_transport_t *t, void *buf, size_t len);
    /* Writes from cnt buffers (cnt >= 1, bytes in total > 0): the bytes
     * taken (maybe fewer than given), SRV_IO_AGAIN or SRV_IO_ERROR. A
     * TLS implementation that took bytes into a record it could not send
     * yet reports them taken and sends the record before anything else. */
    ssize_t (*writev)(srv_transport_t *t, const struct iovec *iov, int cnt);
    /* Sends up to len bytes of file_fd from *offset, advancing *offset by
     * what it took: >0 bytes, 0 when the file ended before offset + len
     * (it shrank: a framing error, close), SRV_IO_AGAIN or SRV_IO_ERROR.
     * Plain and kTLS use sendfile(2); TLS without kTLS reads the file
     * through a buffer of its own. */
    ssize_t (*sendfile)(srv_transport_t *t, int file_fd, off_t *offset, size_t len);
    /* Whether bytes written straight to fd (splice(2) from a pipe) reach
     * the client as they are: plain, or kTLS sending. When false the
     * output queue never splices (route_io_t.splice_body says NO and the
     * proxy relays through send_body). */
    bool (*can_splice)(const srv_transport_t *t);
    /* Ends our side: TLS close_notify, then shutdown(fd, SHUT_WR). 0 when
     * done, SRV_IO_AGAIN (call again when can_write), SRV_IO_ERROR
     * (nothing more can be sent: close). Reads still work after it (the
     * lingering close drains input). */
    int (*shutdown)(srv_transport_t *t);
    /* Input the implementation holds already (decrypted bytes, a buffered
     * record): a read returns it without waiting for the socket. NULL
     * when it never holds any (plain). */
    bool (*has_pending_input)(const srv_transport_t *t);
    /* Fills the transport's part of info once the handshake is done: tls,
     * tls_server_name (SNI; the slice stays valid while t lives). NULL for
     * plain (info keeps tls false and an empty name). */
    void (*describe)(const srv_transport_t *t, route_conn_info_t *info);
    /* Frees impl and closes fd, without waiting for anything. */
    void (*close)(srv_transport_t *t);
    /* After handshake said SRV_IO_AGAIN: when the handshake waits for
     * something other than the socket (TLS: an on-demand certificate
     * being obtained), arranges for wake to be posted on w's loop when
     * it comes (at once if it came already) and returns true; false when
     * it waits for the socket. NULL: it never waits elsewhere (plain). */
    bool (*wait_elsewhere)(srv_transport_t *t, struct srv_worker *w, struct srv_task *wake);
} srv_transport_ops_t;

struct srv_transport {
    const srv_transport_ops_t *ops;
    int fd;                  /* the socket; the transport's, closed by close */
    void *impl;              /* the implementation's state; NULL for plain */
    bool can_read;           /* a read may make progress now */
    bool can_write;          /* a write may make progress now */
    bool peer_closed;        /* EPOLLRDHUP/HUP/ERR seen: read until the end */
    bool read_wants_write;   /* the last read waits for the socket to be writable */
    bool write_wants_read;   /* the last write waits for it to be readable */
};

/* The plain socket transport (srv_transport_plain.c); ctx is unused. */
extern const srv_transport_ops_t srv_transport_plain;

/* Sets ops and fd and the readiness a new socket has: writable, and
 * readable until a read says otherwise. For implementations' start. */
static inline void srv_transport_init(srv_transport_t *t, const srv_transport_ops_t *ops, int fd, void *impl)
{
    *t = (srv_transport_t){ .ops = ops, .fd = fd, .impl = impl, .can_read = true, .can_write = true };
}

/* Records one epoll event's readiness (the owner calls it from its watch
 * callback before it does anything else). */
static inline void srv_transport_events(srv_transport_t *t, uint32_t events)
{
    bool in = events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR);
    bool out = events & (EPOLLOUT | EPOLLHUP | EPOLLERR);
    if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) t->peer_closed = true;
    if (in) {
        t->can_read = true;
        if (t->write_wants_read) t->can_write = true, t->write_wants_read = false;
    }
    if (out) {
        t->can_write = true;
        if (t->read_wants_write) t->can_read = true, t->read_wants_write = false;
    }
}

/* Whether a read is worth trying: the socket may have bytes, or the
 * implementation holds some (so a short read that cleared can_read never
 * strands input the TLS library decrypted already). */
static inline bool srv_transport_readable(const srv_transport_t *t)
{
    return t->can_read || (t->ops->has_pending_input && t->ops->has_pending_input(t));
}

static inline ssize_t srv_transport_read(srv_transport_t *t, void *buf, size_t len)
{
    return t->ops->read(t, buf, len);
}

static inline ssize_t srv_transport_writev(srv_transport_t *t, const struct iovec *iov, int cnt)
{
    return t->ops->writev(t, iov, cnt);
}

static inline void srv_transport_close(srv_transport_t *t)
{
    t->ops->close(t);
    t->fd = -1;
}

#endif
