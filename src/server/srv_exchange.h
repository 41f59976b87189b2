/* One request/response exchange of the native host, apart from the
 * connection it arrived on. The route layer sees only x (route_exchange_t,
 * through srv_exchange_io); the protocol that carries the exchange (a
 * session: HTTP/1.1 in srv_h1.c over a srv_conn_t now, HTTP/2 with one
 * exchange per stream next) frames and queues what x->io asks for through
 * a small ops table. srv_exchange.c keeps what does not depend on the
 * protocol: the checks of the route_io_t contract, the declared length,
 * request body delivery state, the writable waiter, defer/timer/offload
 * (srv_defer.c, srv_offload.c), and the lifecycle (begin: the plan
 * reference and route_dispatch; end: route_exchange_done exactly once).
 *
 * Ownership: the session owns the exchange (HTTP/1.1 embeds its one
 * exchange in the connection and reuses it, arena included, request after
 * request) and ends it with srv_exchange_end before freeing it. The
 * exchange owns its arena (reset at the end), its plan reference and its
 * pending continuations. worker is where everything about it runs. */
#ifndef IFRIT_SERVER_SRV_EXCHANGE_H
#define IFRIT_SERVER_SRV_EXCHANGE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "http/message.h"
#include "route/exchange.h"
#include "route/plan.h"
#include "server/srv_loop.h"
#include "server/srv_worker.h"

typedef struct srv_exchange srv_exchange_t;

/* What a protocol does for its exchanges. Each returns 0, or -1 when the
 * bytes cannot be queued (the exchange then ends, cut off). The generic
 * code has already checked that the exchange is going, sent the head
 * first where one is needed, and trimmed bodies to the declared length. */
typedef struct {
    /* Frames and queues x->resp's head; sets ex->no_body (HEAD, 204, 304)
     * and ex->declared_len from what it announced. */
    int (*send_head)(srv_exchange_t *ex);
    /* Queues len > 0 body bytes (copied). */
    int (*send_body)(srv_exchange_t *ex, const void *data, size_t len);
    /* Queues len > 0 bytes of fd from offset; takes fd. */
    int (*send_file)(srv_exchange_t *ex, int fd, off_t offset, uint64_t len);
    /* route_io_t.splice_body past the generic checks (max > 0). */
    route_splice_t (*splice_body)(srv_exchange_t *ex, int src_fd, uint64_t max, size_t *moved);
    /* Ends the body, with trailer fields where the framing carries them
     * (NULL: none). */
    int (*send_end)(srv_exchange_t *ex, const http_headers_t *trailers);
    /* Queues an informational head (102..199 but 101) before the final
     * one; 0 also when the protocol drops it. */
    int (*send_interim)(srv_exchange_t *ex, int status, const http_headers_t *headers);
    /* The handler wants the request body (again, when resumed): answer an
     * Expect: 100-continue, restart the body's read timeout, deliver. */
    void (*body_wanted)(srv_exchange_t *ex, bool resumed);
    /* Response bytes queued and not yet written to the client. */
    uint64_t (*queued)(srv_exchange_t *ex);
    /* Whether the wait_writable waiter may run now. */
    bool (*writable)(srv_exchange_t *ex);
    /* route_io_t.upgrade (takes peer_fd); NULL where the protocol has no
     * upgrade (HTTP/2). */
    int (*upgrade)(srv_exchange_t *ex, int peer_fd, const void *pending, size_t len);
    /* Runs the session's driver on a later turn: queued bytes go out, a
     * finished response ends the exchange, the body is read. */
    void (*wake)(srv_exchange_t *ex);
} srv_proto_ops_t;

struct srv_exchange {
    route_exchange_t x;          /* first: route_exchange_t* casts to this */
    http_request_t req;
    ifr_arena_t arena;           /* x.arena: the exchange's memory */
    srv_worker_t *worker;
    const srv_proto_ops_t *proto;
    void *session;               /* the protocol's state (HTTP/1.1: the srv_conn_t) */
    /* From here on, per exchange: zeroed by srv_exchange_begin. */
    route_plan_t *plan;          /* reference held for the exchange */
    bool active;                 /* begun and not ended */
    bool resp_done;
    bool no_body;                /* HEAD, 1xx, 204, 304 */
    bool close_after;            /* the session must not carry another exchange after
                                    this one (HTTP/1.1: the connection closes) */
    int64_t declared_len;        /* the length the head announced, or -1 */
    uint64_t body_sent;
    /* The request body as route_io_t.read_body delivers it. */
    route_body_cb body_cb;
    void *body_ud;
    bool body_started, body_reading, last_delivered;
    route_resume_cb writable_cb;  /* wait_writable's waiter, or NULL */
    void *writable_ud;
    /* route_io_t.defer and .timer (srv_defer.c): one of each at a time. */
    srv_task_t defer_task;
    route_resume_cb defer_cb;
    void *defer_ud;
    srv_timer_t delay_timer;
    bool delay_armed;
    route_resume_cb delay_cb;
    void *delay_ud;
    struct srv_offload_job *offload_job; /* route_io_t.offload's job in flight (srv_offload.c), or NULL */
};

/* The route_io_t of native exchanges. */
extern const route_io_t srv_exchange_io;

/* Prepares ex for its session once (arena included); srv_exchange_free
 * undoes it. */
void srv_exchange_init(srv_exchange_t *ex, srv_worker_t *w, const srv_proto_ops_t *proto, void *session);
void srv_exchange_free(srv_exchange_t *ex);
/* Starts the exchange whose request ex->req the session has just parsed
 * (into ex->arena) and dispatches it on the worker's current plan. The
 * handler may answer at once or later. */
void srv_exchange_begin(srv_exchange_t *ex, const route_conn_info_t *info);
/* Ends an active exchange: cancels its continuations, calls
 * route_exchange_done, drops the plan and resets the arena. */
void srv_exchange_end(srv_exchange_t *ex);

/* Ends the exchange from the host side with status (413, 408, 400...):
 * a bare response if nothing was sent yet, else the response is cut off;
 * either way the session closes after it. */
void srv_exchange_fail(srv_exchange_t *ex, int status);
/* Queues a complete response with no body. With keep_headers, fields the
 * handler already set stay (a 416's Content-Range, a 405's Allow);
 * host-made errors drop them. */
void srv_exchange_send_bare(srv_exchange_t *ex, int status, bool keep_headers);
/* Runs the wait_writable waiter if the protocol says it may. */
void srv_exchange_check_writable(srv_exchange_t *ex);
/* Whether ex is going and its response not complete. */
static inline bool srv_exchange_usable(const srv_exchange_t *ex) { return ex->active && !ex->resp_done; }

/* route_io_t.resume_body, .defer and .timer, and the cancellation of
 * defer, timer and offload when the exchange ends (srv_defer.c). */
int srv_exchange_resume_body(route_exchange_t *x);
int srv_exchange_defer(route_exchange_t *x, route_resume_cb cb, void *ud);
int srv_exchange_timer(route_exchange_t *x, int64_t delay_ns, route_resume_cb cb, void *ud);
void srv_exchange_cancel_async(srv_exchange_t *ex);

#endif
