/* One client connection speaking HTTP/1.1 over a transport
 * (srv_transport.h: every byte in or out goes through it), and the one
 * exchange (srv_exchange.h) it is serving; srv_h1.c is the HTTP/1.1
 * framing of that exchange's response.
 * Requests on a connection are served one at a time, in order; pipelined
 * requests wait in the read buffer (or the kernel) until the previous
 * response is complete and the output queue is below its high-water mark,
 * which gives both in-order responses and back-pressure.
 *
 * Ownership: a connection belongs to its worker and frees itself on close
 * (also ending an in-flight exchange through route_exchange_done). It owns
 * its transport, read buffer, output queue and its exchange (whose arena
 * it reuses request after request). */
#ifndef IFRIT_SERVER_SRV_CONN_H
#define IFRIT_SERVER_SRV_CONN_H

#include <stdbool.h>
#include <sys/socket.h>
#include <stdint.h>

#include "base/buf.h"
#include "http/chunked.h"
#include "http/request_parser.h"
#include "server/srv_exchange.h"
#include "server/srv_listener.h"
#include "server/srv_loop.h"
#include "server/srv_outq.h"
#include "server/srv_transport.h"
#include "server/srv_worker.h"

#define SRV_OUT_HIGH_WATER (256 * 1024)   /* stop reading new requests above */
#define SRV_OUT_LOW_WATER (64 * 1024)     /* wake wait_writable below */
#define SRV_DISCARD_MAX (1024 * 1024)     /* unread body we skip to keep alive */
/* Lingering close (nginx's lingering_timeout and lingering_time): after
 * our last response the write side is shut and input is read and dropped
 * until the client's EOF, a pause this long, or this long in all. */
#define SRV_LINGER_IDLE_NS (5 * 1000000000LL)
#define SRV_LINGER_MAX_NS (30 * 1000000000LL)

typedef enum {
    SRV_CONN_PROXY_HEADER,  /* waiting for a PROXY header (srv_proxy_header.c) */
    SRV_CONN_HTTP_REDIRECT, /* TLS listener: cleartext HTTP or TLS? (srv_http_redirect.c) */
    SRV_CONN_HANDSHAKE,     /* the transport's handshake (TLS) is under way */
    SRV_CONN_READ_HEAD,     /* waiting for (the rest of) a request head */
    SRV_CONN_EXCHANGE,      /* a handler owns the exchange */
    SRV_CONN_DISCARD_BODY,  /* skipping a body the handler did not read */
    SRV_CONN_CLOSING,       /* flushing the last response, then shutdown */
    SRV_CONN_LINGER,        /* write side shut, draining input until EOF */
    SRV_CONN_H2             /* an HTTP/2 session (srv_h2.h) carries the connection */
} srv_conn_state_t;

/* How far the current request body has been read; lives in the
 * connection, not the exchange, because an unread body is skipped after
 * the exchange ended. */
typedef struct {
    http_body_kind_t kind;
    uint64_t remaining;          /* HTTP_BODY_LENGTH: bytes still to come */
    http_chunked_decoder_t chunked;
    uint64_t received;           /* body bytes seen so far */
    bool done;                   /* the whole body was read */
    char *trailer;               /* a read body's trailer section (exchange arena,
                                    HTTP_CHUNK_TRAILER_MAX bytes once one starts) */
    size_t trailer_len;
} srv_body_t;

/* What HTTP/1.1 keeps about the exchange it is serving (srv_h1.c). */
typedef struct {
    bool chunked;                /* the response uses chunked coding */
    bool continue_sent;          /* "100 Continue" is queued */
    bool wait_pipe_empty;        /* the writable waiter also needs the output pipe empty */
    int *upgrade_fd;             /* route_io_t.upgrade's peer socket (srv_tunnel.c), or NULL */
} srv_h1_state_t;

struct srv_conn {
    srv_watch_t watch;           /* tp.fd in the worker's loop */
    srv_transport_t tp;          /* owns the socket */
    srv_worker_t *worker;
    srv_conn_t *prev, *next;
    srv_conn_state_t state;
    ifr_buf_t rbuf;
    http_head_scanner_t scan;
    srv_outq_t out;
    srv_timer_t timer;
    srv_task_t task;             /* runs srv_conn_run on the next turn */
    route_conn_info_t info;
    char remote_ip[48], local_ip[48];
    char listener[sizeof(((srv_listener_t *)0)->host)];   /* info.listener's text */
    bool running;                /* inside srv_conn_run */
    srv_exchange_t ex;           /* ex.active while one is being served */
    srv_h1_state_t h1;           /* its HTTP/1.1 side */
    struct srv_h2_session *h2;   /* in SRV_CONN_H2: the session and its streams' exchanges */
    srv_body_t body;
    uint64_t served;             /* exchanges finished on this connection */
    uint64_t discarded;
    int64_t head_since, idle_since, body_since, write_since;
    int64_t linger_since, linger_last;  /* lingering began; its last byte */
    int64_t body_used;           /* read_body time spent before the last pause */
    cfg_proxy_policy_t proxy_policy; /* proxy_protocol's policy for this peer; SKIP: none */
};

/* Takes over an accepted socket with the transport ops (started with
 * ctx, see srv_transport_ops_t.start). NULL (and fd closed) on failure. */
srv_conn_t *srv_conn_new(srv_worker_t *w, int fd, const srv_transport_ops_t *ops, void *ctx);
/* srv_conn_new for a socket l accepted from peer (accept4's address, so
 * it is not asked for again): l's transport, and l's address and port in
 * the connection's info (they choose its sites). */
srv_conn_t *srv_conn_accepted(srv_worker_t *w, int fd, const srv_listener_t *l, const struct sockaddr_storage *peer);
/* Drives the connection as far as it can go now. */
void srv_conn_run(srv_conn_t *c);
/* Asks for srv_conn_run on the next loop turn (safe from anywhere on the
 * worker thread, including inside handlers). */
void srv_conn_wake(srv_conn_t *c);
/* Closes at once: used on errors and forced shutdown. */
void srv_conn_close(srv_conn_t *c);
/* Frees c like srv_conn_close but hands its transport (the socket out of
 * the epoll set, still open) to the caller: a connection becoming a
 * tunnel. The caller closes it with srv_transport_close. */
srv_transport_t srv_conn_detach(srv_conn_t *c);

/* In SRV_CONN_PROXY_HEADER (srv_proxy_header.c): 0 when the header was
 * taken (or none was there and the policy lets that be) and c has moved
 * on to its handshake or first head, 1 to wait for more bytes, -1 when c
 * was closed. */
int srv_proxy_header_step(srv_conn_t *c);

/* The state a connection starts its transport in once any PROXY header
 * is off: HTTP_REDIRECT on a TLS listener with listener_wrappers {
 * http_redirect }, else the handshake or the first head. */
void srv_conn_begin_transport(srv_conn_t *c);
/* In SRV_CONN_HTTP_REDIRECT (srv_http_redirect.c): as
 * srv_proxy_header_step; a cleartext request is answered with the
 * redirect and c closed (-1). */
int srv_http_redirect_step(srv_conn_t *c);
/* Graceful stop: close if idle, else after the current response. */
void srv_conn_stop(srv_conn_t *c);
/* Closes after the responses already queued, lingering (see
 * SRV_LINGER_IDLE_NS): for a client that may still be sending when we are
 * done with it, so the kernel does not answer its unread bytes with a
 * reset that would destroy a response the client has not read yet. */
void srv_conn_close_lingering(srv_conn_t *c);

/* Reads and delivers request body bytes (or skips them when discarding).
 * Returns 1 if progress was made, 0 if it must wait, -1 if c was closed. */
int srv_body_pump(srv_conn_t *c, bool discard);
/* Reads from the socket into rbuf: >0 bytes, 0 would block, -1 EOF or error. */
int srv_conn_read(srv_conn_t *c);

/* The HTTP/1.1 protocol ops of a connection's exchange (srv_h1.c). */
extern const srv_proto_ops_t srv_h1_proto;

#endif
