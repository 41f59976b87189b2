/* HTTP/2 on a client connection (RFC 9113), on nghttp2: the session
 * (srv_h2.c: framing, HPACK, flow control and the protocol's state
 * machine are nghttp2's; the bytes move through the connection's read
 * buffer, output queue and transport), and one exchange per stream
 * (srv_h2_stream.c: the protocol ops of srv_exchange.h), so every stream
 * goes through the same route layer as an HTTP/1.1 request.
 *
 * A connection becomes HTTP/2 after a TLS handshake that agreed on ALPN
 * "h2", or, where servers { protocols } has h2c, when its first bytes are
 * the client preface (prior knowledge). It stays HTTP/2 until it closes.
 *
 * Limits (docs/server.md says why each default):
 *   SETTINGS_MAX_CONCURRENT_STREAMS 250 (Caddy's), a stream's receive
 *   window 64 KiB (what it buffers of an unread request body), the
 *   connection's 1 MiB, a request's fields as HTTP/1.1's (32 KiB, 100
 *   fields: 431), HPACK tables 4096 bytes; control frames (SETTINGS, PING,
 *   WINDOW_UPDATE, PRIORITY, empty DATA) and streams the client resets
 *   each draw from a budget that refills with time (srv_h2_guard.c): an
 *   empty budget ends the connection with GOAWAY ENHANCE_YOUR_CALM.
 *
 * Ownership: the connection owns its session (c->h2); the session owns
 * its streams, and each stream its exchange, request body buffer and
 * response pieces. A stream nghttp2 closed is freed by the session's
 * driver, never inside an nghttp2 callback. */
#ifndef IFRIT_SERVER_SRV_H2_H
#define IFRIT_SERVER_SRV_H2_H

#include <nghttp2/nghttp2.h>
#include <stdbool.h>
#include <stdint.h>

#include "server/srv_conn.h"

#define SRV_H2_MAX_STREAMS 250
#define SRV_H2_STREAM_WINDOW 65535
#define SRV_H2_CONN_WINDOW (1024 * 1024)
#define SRV_H2_HEADER_TABLE 4096
/* Output frames nghttp2 makes are taken into the connection's queue
 * while it holds less than this: a stream's body waits in the stream
 * (its handler sees it through queued) rather than in the queue. */
#define SRV_H2_OUT_HIGH_WATER (64 * 1024)

/* The client preface's first line, what prior knowledge starts with. */
#define SRV_H2_PREFACE "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#define SRV_H2_PREFACE_LEN 24

typedef struct srv_h2_seg srv_h2_seg_t;
typedef struct srv_h2_stream srv_h2_stream_t;
typedef struct srv_h2_session srv_h2_session_t;

/* A piece of a response body waiting for the stream's window: bytes
 * (data[len]) or a file range (fd >= 0, from off). */
struct srv_h2_seg {
    srv_h2_seg_t *next;
    int fd;
    off_t off;
    uint64_t len;      /* bytes left */
    size_t pos;        /* bytes of data[] already sent */
    char data[];
};

struct srv_h2_stream {
    srv_exchange_t ex;           /* first; ex.session is this stream */
    srv_h2_session_t *h2;
    srv_h2_stream_t *prev, *next;
    int32_t id;
    /* The request as its fields arrive. */
    ifr_str_t method, scheme, authority, path;
    uint32_t field_bytes, fields;
    bool fields_over;            /* past the limits: 431 */
    bool fields_bad;             /* a :path we would not pass on: 400 */
    bool ready;                  /* the head is complete: begin the exchange */
    bool began;                  /* the exchange was begun (or refused) */
    bool req_done;               /* the client ended its side (END_STREAM) */
    bool no_body;                /* ... on the request's HEADERS: there is no body */
    bool closed;                 /* nghttp2 closed the stream: free it */
    http_headers_t *trailers_in; /* request trailer fields, as they arrive */
    ifr_buf_t body;              /* request body bytes not delivered yet */
    uint64_t body_received;
    /* The response. */
    nghttp2_nv *nva;             /* the final head, built by send_head */
    size_t nnv;
    bool submitted;              /* its HEADERS is with nghttp2 */
    bool deferred;               /* the data source said DEFERRED: resume on new bytes */
    bool end_queued;             /* send_end was called */
    bool cut;                    /* the response ends short: RST_STREAM, not END_STREAM */
    bool reset_sent;
    nghttp2_nv *trailers;        /* the response's trailer fields, or NULL */
    size_t ntrailers;
    srv_h2_seg_t *seg_head, *seg_tail;
    uint64_t seg_bytes;          /* bytes (not file ranges) waiting in segs */
};

struct srv_h2_session {
    nghttp2_session *ng;
    srv_conn_t *conn;
    srv_h2_stream_t *streams;    /* every stream not yet freed */
    size_t nstreams;
    uint32_t max_field_bytes;    /* SETTINGS_MAX_HEADER_LIST_SIZE we sent; past it: 431 */
    int64_t last_recv;           /* the last bytes from the client */
    int64_t last_active;         /* the last stream ended (or the session began) */
    int64_t blocked_since;       /* response bytes wait and no DATA left; 0 = not blocked */
    bool sent_data;              /* a DATA frame went out during this mem_send */
    bool terminated;             /* GOAWAY with an error (or idle) is queued: close after it */
    bool stop_sent;              /* the graceful GOAWAY is queued */
    /* The abuse budgets (srv_h2_guard.c). */
    double ctl_budget, reset_budget;
    int64_t budget_at;
};

/* Makes c an HTTP/2 connection (its read buffer may already hold the
 * client's first bytes). 0, or -1 when out of memory (c unchanged). */
int srv_h2_start(srv_conn_t *c);
/* Frees the session and every stream (ending their exchanges). */
void srv_h2_free(srv_conn_t *c);
/* The driver, as the connection's step: 1 progress, 0 wait, -1 c closed. */
int srv_h2_step(srv_conn_t *c);
/* Graceful stop: GOAWAY, the streams in flight finish, then close. */
void srv_h2_stop(srv_conn_t *c);
/* The session's next deadline (idle, a stalled window, a stalled body),
 * or 0; and what to do when it passes. */
int64_t srv_h2_deadline(const srv_conn_t *c);
void srv_h2_timeout(srv_conn_t *c);

/* The protocol ops of a stream's exchange (srv_h2_stream.c). */
extern const srv_proto_ops_t srv_h2_proto;
/* The data source of a stream's response body (srv_h2_stream.c). */
ssize_t srv_h2_read_body(nghttp2_session *ng, int32_t id, uint8_t *buf, size_t len, uint32_t *flags,
                         nghttp2_data_source *src, void *ud);
/* Submits the stream's final head (and the body's source) if send_head
 * made it and it is not with nghttp2 yet; RST_STREAM for a response cut
 * off. */
void srv_h2_stream_submit(srv_h2_stream_t *st);
/* Frees a stream's response pieces (closing their files). */
void srv_h2_stream_drop_body(srv_h2_stream_t *st);

/* The abuse budgets (srv_h2_guard.c): false when this frame emptied one
 * and the session was terminated with ENHANCE_YOUR_CALM. */
void srv_h2_guard_init(srv_h2_session_t *h2);
bool srv_h2_guard_control(srv_h2_session_t *h2, const char *what);
bool srv_h2_guard_reset(srv_h2_session_t *h2);

#endif
