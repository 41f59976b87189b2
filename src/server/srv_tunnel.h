/* Byte tunnels: what a client connection becomes after a 101 Switching
 * Protocols (a WebSocket through reverse_proxy). route_io_t.upgrade queues
 * the 101 head and keeps the peer's socket with the exchange; when the
 * exchange ends, the connection hands its transport (srv_transport.h: the
 * client side is read and written through it, TLS or not), its unread
 * input and its queued output to a tunnel and goes away.
 *
 * A tunnel relays each direction through one fixed buffer
 * (SRV_TUNNEL_BUFFER): it reads from a side only while the buffer has room,
 * so a slow reader slows the writer down (back-pressure through TCP). An
 * end of input on one side is passed on as a half-close (shutdown of the
 * write side) once the buffered bytes are out; the tunnel closes both
 * sockets when both directions ended, on any error (a reset), or after the
 * server's idle timeout without a byte either way.
 *
 * Ownership: a tunnel owns both sockets and its buffers, lives on its
 * worker's thread, and frees itself (on a later loop task, so events
 * already fetched for it are ignored). */
#ifndef IFRIT_SERVER_SRV_TUNNEL_H
#define IFRIT_SERVER_SRV_TUNNEL_H

#include "server/srv_conn.h"

#define SRV_TUNNEL_BUFFER (64 * 1024)

/* route_io_t.upgrade passes the peer as a socket; the proxy's peer has a
 * transport (plain, or an https upstream's TLS client, whose session must
 * go on). srv_tunnel_peer_keep holds it by its socket until the tunnel
 * takes it over, or the exchange drops the socket (then it is closed as
 * a transport). Returns the socket to pass, or -1 (out of memory: the
 * transport is closed). */
int srv_tunnel_peer_keep(const srv_transport_t *tp);

/* Closes a peer socket route_io_t.upgrade could not take: its kept
 * transport if it has one, else the socket. */
void srv_tunnel_peer_drop(int fd);

/* route_io_t.upgrade on HTTP/1.1 (srv_proto_ops_t.upgrade of srv_h1.c). */
int srv_h1_upgrade(srv_exchange_t *ex, int peer_fd, const void *pending, size_t len);

/* The peer socket c's upgraded exchange holds, taken out of it (the
 * exchange then no longer closes it), or -1 when it did not upgrade. */
int srv_tunnel_claim(srv_conn_t *c);

/* Turns c (its exchange finished) into a tunnel with peer_fd (through
 * its kept transport, else a plain one): takes c's transport, unread
 * input and queued output, and frees c. Both sockets are closed if the
 * tunnel cannot start. */
void srv_tunnel_start(srv_conn_t *c, int peer_fd);

/* Closes this thread's tunnels (the worker's loop is ending). */
void srv_tunnel_thread_exit(void);

#endif
