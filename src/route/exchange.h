/* One request/response exchange as the router and handlers see it, and the
 * I/O interface the host (the native server in src/server, or the edge
 * entry point in src/edge) implements for it. This header is the contract
 * between the host and everything in src/route, src/fn and src/plugin.
 *
 * Flow: the host parses a request head, creates an exchange (arena, request,
 * connection info, io), and calls route_dispatch() with the current config
 * plan. Handlers build x->resp and emit it through x->io. A handler that
 * must wait (for a file, an upstream, a guest) returns ROUTE_ASYNC and later
 * finishes the response through the same io calls. The host ends the
 * exchange when the last body byte was sent (is_last) or the client is gone.
 *
 * Ownership: the host owns the exchange and its arena; handlers allocate
 * from x->arena and never free. x->io and x->io_ctx belong to the host. */
#ifndef IFRIT_ROUTE_EXCHANGE_H
#define IFRIT_ROUTE_EXCHANGE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/arena.h"
#include "http/message.h"

typedef struct route_exchange route_exchange_t;

/* The Server field of every response, unless a handler sets its own or
 * removes it; hosts also put it in the bare responses they make themselves
 * (host-side errors), which no handler sees. */
#define ROUTE_SERVER_NAME "ifrit"

/* What a handler (or the dispatcher) returns. */
typedef enum {
    ROUTE_DONE = 0,   /* the response is complete or fully queued */
    ROUTE_NEXT = 1,   /* not handled here: go on to the next handler */
    ROUTE_ASYNC = 2,  /* the handler will finish the response later */
    ROUTE_ERROR = -1  /* failed before sending anything: x->error_status says
                         which status; handle_errors routes may take over */
} route_result_t;

typedef struct {
    ifr_str_t remote_ip;     /* textual client address, "127.0.0.1" or "::1" */
    uint16_t remote_port;
    ifr_str_t local_ip;
    uint16_t local_port;     /* the listener's port */
    ifr_str_t listener;      /* the listener's bind address as route_listener_t.host has it
                                ("" every interface): which sites it serves */
    bool tls;                /* scheme is https */
    ifr_str_t tls_server_name; /* SNI, empty without TLS */
    ifr_str_t tls_version;   /* "tls1.2", "tls1.3"; empty without TLS */
    ifr_str_t tls_cipher;    /* the suite's standard name, TLS_AES_128_GCM_SHA256 */
    ifr_str_t tls_proto;     /* the ALPN protocol agreed, or empty */
    bool tls_resumed;        /* the session was resumed */
    uint16_t tls_version_id, tls_cipher_id;  /* their numbers on the wire (0x0304, 0x1301), for logs */
    /* The client certificate (client_auth), empty without one: subject
     * and issuer as RFC 2253 text, the serial in decimal, the SHA-256 of
     * the DER in lowercase hex. */
    ifr_str_t tls_client_subject, tls_client_issuer, tls_client_serial, tls_client_fingerprint;
} route_conn_info_t;

/* Receives request body bytes. data/len is valid only during the call.
 * is_last marks the end of the body. Returning non-zero pauses the stream
 * (back-pressure) until route_io_t.resume_body, or for good. */
typedef int (*route_body_cb)(route_exchange_t *x, const void *data, size_t len,
                             bool is_last, void *ud);

/* What route_io_t.splice_body did. */
typedef enum {
    ROUTE_SPLICE_MOVED,       /* *moved bytes are on their way to the client */
    ROUTE_SPLICE_SRC_EMPTY,   /* the source has nothing now: wait until it is readable */
    ROUTE_SPLICE_CLIENT_FULL, /* the client is behind: wait_writable, then again */
    ROUTE_SPLICE_SRC_END,     /* the source ended or failed (errno says) */
    ROUTE_SPLICE_NO,          /* not here: send the body with send_body */
    ROUTE_SPLICE_GONE         /* the client connection is gone */
} route_splice_t;

/* Called by the host when a waiting handler may continue. */
typedef void (*route_resume_cb)(route_exchange_t *x, void *ud);

/* route_io_t.offload's answer when its helpers are all busy and its queue
 * is full: the caller should fail the request (503) rather than block the
 * loop with the work. */
#define ROUTE_OFFLOAD_BUSY 1

/* Implemented by the host. Every function returns 0, or -1 when the client
 * connection is gone (the handler then stops and returns). */
typedef struct {
    /* Sends x->resp.status and x->resp.headers. The host adds Date,
     * Content-Length or Transfer-Encoding and Connection as needed, but not
     * Server: the route layer puts ROUTE_SERVER_NAME in every head it passes
     * on, so `header -Server` can take it out again. */
    int (*send_head)(route_exchange_t *x);
    /* Sends body bytes (copied or queued by the host before it returns).
     * is_last ends the response. */
    int (*send_body)(route_exchange_t *x, const void *data, size_t len, bool is_last);
    /* Ends the body as send_body(x, NULL, 0, true) does, with trailer
     * fields after the last chunk when the response goes out chunked (to an
     * HTTP/1.1 client, no length known); elsewhere (Content-Length, HTTP/1.0,
     * HEAD, a filter that sees the body, such as encode) they are dropped and
     * the body just ends. The caller chooses the fields (no framing or
     * hop-by-hop ones: the host only refuses bytes that could split the
     * message); trailers and its slices stay the caller's and need live only
     * for the call (the host copies what it sends). NULL in hosts that
     * cannot (through x->io: the body ends without them). */
    int (*send_trailers)(route_exchange_t *x, const http_headers_t *trailers);
    /* Sends len bytes of an open file from offset; the host takes ownership
     * of fd and closes it. Hosts without files (the edge) set this to NULL. */
    int (*send_file)(route_exchange_t *x, int fd, off_t offset, uint64_t len, bool is_last);
    /* Moves up to max body bytes from the socket src_fd (the caller keeps
     * it) to the client without copying them through user space: how the
     * native proxy relays a large body. ROUTE_SPLICE_NO where a filter must
     * see the body, the response is chunked, or the host cannot (NULL in
     * hosts without sockets); the caller then reads and uses send_body. A
     * body that ends this way still ends with send_body(x, NULL, 0, true). */
    route_splice_t (*splice_body)(route_exchange_t *x, int src_fd, uint64_t max, size_t *moved);
    /* Starts delivering the request body to cb; bytes beyond x->body_limit
     * end the exchange with 413. Sends "100 Continue" first if asked for. */
    int (*read_body)(route_exchange_t *x, route_body_cb cb, void *ud);
    /* Delivers the request body again after the callback paused it (from
     * the host's loop, never inside this call); the time it was paused
     * does not count toward the body's read timeout. NULL in hosts that
     * deliver the body whole (-1 through x->io). */
    int (*resume_body)(route_exchange_t *x);
    /* Back-pressure for handlers that produce a body over time (upstreams,
     * guests): the bytes queued for the client and not yet written. Above
     * a few hundred KiB, stop producing and call wait_writable, whose cb
     * runs from the host's loop once the queue has drained below its
     * low-water mark (at once if it already is). One waiter at a time.
     * Both may be NULL in hosts without a queue (the edge). */
    uint64_t (*queued)(route_exchange_t *x);
    int (*wait_writable)(route_exchange_t *x, route_resume_cb cb, void *ud);
    /* Runs cb from the host's loop on a later turn, after the I/O events
     * ready by then had their turn: how a guest yields between fuel slices
     * without starving other exchanges. One pending continuation per
     * exchange (a new call replaces it); the host drops it when the
     * exchange ends. NULL in hosts without a loop; through x->io (the
     * route layer's) it then returns -1: continue at once. */
    int (*defer)(route_exchange_t *x, route_resume_cb cb, void *ud);
    /* Runs cb from the host's loop after delay_ns. One pending timer per
     * exchange (a new call replaces it); dropped when the exchange ends.
     * NULL in hosts without timers (-1 through x->io). */
    int (*timer)(route_exchange_t *x, int64_t delay_ns, route_resume_cb cb, void *ud);
    /* Gives up on a response whose head is already out (a guest failed
     * mid-stream): the body stops short and the connection closes, so the
     * client sees the failure instead of a shorter body that looks whole.
     * NULL in hosts that cannot (-1 through x->io): end the body instead. */
    int (*abort)(route_exchange_t *x);
    /* Switches protocols (an upstream's 101 to a client that asked to
     * upgrade): sends x->resp as the 101 head (fields as they are: the
     * caller puts Connection and Upgrade in), then the len pending bytes
     * (what the peer already sent past its head), and from then on relays
     * bytes both ways between the client connection and peer_fd until
     * either side is done. The host takes peer_fd, also on failure; the
     * exchange is complete once this returns 0. Output filters do not see
     * the head. NULL in hosts that cannot (-1 through x->io). */
    int (*upgrade)(route_exchange_t *x, int peer_fd, const void *pending, size_t len);
    /* Sends an informational (1xx) head before the final one: an
     * upstream's 103 Early Hints passed on, as Caddy does. status is 102
     * to 199 except 101 (100 Continue is the host's own business, see
     * read_body); the fields are sent as given, nothing added. Hints are
     * optional, so the host drops one (and returns 0) where it cannot be
     * sent: after the final head, to an HTTP/1.0 client (RFC 9110 15.2).
     * NULL in hosts that cannot (through x->io: 0, dropped). */
    int (*send_interim)(route_exchange_t *x, int status, const http_headers_t *headers);
    /* Runs work(copy) on a helper thread, off the host's loop: how a
     * handler does blocking CPU work (a bcrypt check) without stalling
     * every other exchange on this loop. The host copies the size bytes at
     * arg (usually in x->arena) into a record it owns, so arg must be
     * self-contained: no pointers into the arena or anything else the
     * exchange owns, and work must touch nothing but its copy and
     * thread-safe state. When work has returned and the exchange is still
     * going, the host writes the copy back over arg and runs done(x, ud)
     * from its loop. If the exchange ends first (client gone), the job
     * still completes or is skipped, its copy is wiped and freed, and done
     * is never called: nothing touches the exchange or its reset arena.
     * One job per exchange at a time. Returns 0 (the handler returns
     * ROUTE_ASYNC and finishes from done), ROUTE_OFFLOAD_BUSY (the queue is
     * full), or -1: no helpers here (NULL in hosts without threads, such
     * as the edge) or the exchange is over; the caller then runs work
     * inline. */
    int (*offload)(route_exchange_t *x, void (*work)(void *arg), void *arg, size_t size,
                   route_resume_cb done, void *ud);
} route_io_t;

struct route_exchange {
    ifr_arena_t *arena;            /* lives exactly as long as the exchange */
    http_request_t *req;           /* handlers may rewrite path/query/headers */
    http_response_t resp;          /* being built by handlers */
    const route_conn_info_t *conn;
    const route_io_t *io;
    void *io_ctx;                  /* the host's state for this exchange */
    uint64_t body_limit;           /* 0 = no limit; set by request_body */
    int error_status;              /* set with ROUTE_ERROR */
    const char *error_message;     /* for {http.error.message}; arena or static */
    uint64_t id;                   /* unique per process, for logs ({http.request.uuid} analogue) */
    int64_t start_ns;              /* monotonic time the head was complete */
    ifr_str_t orig_uri;            /* the target before any rewrite */
    ifr_str_t orig_method;         /* the method before a `method` directive changed it */
    bool head_sent;                /* set by the host after send_head */
    /* The request's trailer fields (a chunked body's, checked as header
     * fields are), set by the host before the body callback's is_last
     * call; NULL when there were none. In x->arena. */
    const http_headers_t *req_trailers;
    void *route_state;             /* the router's own per-exchange state */
};

#endif
