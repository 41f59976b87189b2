/* The edge host's side of one exchange: the request as the shim handed it
 * over (head and whole body), and the response collected in memory for the
 * shim to turn into a `Response`, or to take out piece by piece while an
 * upstream's body streams through (edge_proxy.h). route_io_t for the edge:
 * send_file names a file of the shim's assets for the shim to stream; one
 * timer at a time, which the shim waits out (reverse_proxy's
 * lb_try_interval); no queue and no defer (NULL: the route layer goes on at
 * once).
 *
 * Ownership: an edge_exchange_t owns its arena and its response buffers;
 * edge_exchange_end() releases everything. */
#ifndef IFRIT_EDGE_EXCHANGE_H
#define IFRIT_EDGE_EXCHANGE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "route/exchange.h"
#include "route/plan.h"

typedef struct {
    route_exchange_t x;
    http_request_t req;
    route_conn_info_t conn;
    const route_plan_t *plan;
    ifr_arena_t arena;
    ifr_str_t body;             /* the whole request body (arena copy) */
    bool body_pending;          /* the head declares a body the shim still holds:
                                   read whole when a handler asks (EDGE_WAIT_REQUEST_BODY),
                                   else streamed by the shim straight to an upstream */
    route_body_cb body_cb;      /* set by read_body, called after dispatch */
    void *body_ud;
    bool body_asked;
    bool done;                  /* the last body byte was sent */
    int status;                 /* the status sent with the head (0: not sent yet) */
    int64_t length;             /* the Content-Length the head declared (-1: none) */
    bool aborted;               /* a handler gave up on the response it began */
    bool host_encodes;          /* the edge's gzip codec ran (edge_codec.h) */
    ifr_buf_t head;             /* header fields: u32 name len, name, u32 value len, value */
    uint32_t nfields;
    ifr_buf_t out;              /* response body bytes */
    /* Or the body is a stretch of an open file (send_file): the shim sends
     * it from the asset's bytes itself, never through core memory. The fd
     * is the exchange's (-1: none) and closed when the exchange ends. */
    int file_fd;
    uint64_t file_offset, file_len;
    /* Work only the shim can do, waiting between calls into the core:
     * an upstream request (edge_proxy.c), a function run (edge_function.c)
     * or a timer. */
    struct route_proxy_call *call;
    bool upstream_body;         /* call's head is in: the core waits for its body */
    struct fn_call *fn;
    route_resume_cb timer_cb;
    void *timer_ud;
    int64_t timer_ns;
} edge_exchange_t;

/* What edge_exchange_run and edge_exchange_settle return besides a status:
 * the core waits for the shim to fetch ex->call, to wait ex->timer_ns, or
 * to run the function ex->fn. */
#define EDGE_WAIT_FETCH 1
#define EDGE_WAIT_TIMER 2
#define EDGE_WAIT_FUNCTION 3
/* ... or for the next piece of the upstream's body (edge_proxy_body). */
#define EDGE_WAIT_BODY 4
/* ... or for the request body the shim still holds (edge_exchange_take_body). */
#define EDGE_WAIT_REQUEST_BODY 5

/* Lists of byte strings between the core and the shim: (u32 length,
 * bytes) items, little-endian. edge_item_put appends one (-1 when out of
 * memory); edge_item_next reads the one at *off (false at the end). */
int edge_item_put(ifr_buf_t *b, ifr_str_t s);
bool edge_item_next(ifr_str_t s, size_t *off, ifr_str_t *item);

/* Parses head (a complete HTTP/1.1 request head the shim composed) into a
 * fresh exchange on plan and runs it as far as it goes: dispatch, then the
 * body for a handler that asked for it (body_pending: the head declares a
 * body the shim hands over only when asked). Returns the status of the complete
 * response (in ex), EDGE_WAIT_FETCH / _TIMER / _FUNCTION, or -1 when not even
 * an error response could be made. */
int edge_exchange_run(edge_exchange_t *ex, const route_plan_t *plan, const char *head, size_t head_len,
                      const void *body, size_t body_len, bool body_pending, ifr_str_t remote_ip, bool tls);

/* After the shim did what the core waited for: the same answers. */
int edge_exchange_settle(edge_exchange_t *ex);

/* The pending request body, whole (copied); then the same answers as settle. */
int edge_exchange_take_body(edge_exchange_t *ex, const void *body, size_t len);

/* The response body collected so far has been taken by the shim. */
void edge_exchange_drain(edge_exchange_t *ex);

/* The timer the core waited for has run out: continue. */
int edge_exchange_fire_timer(edge_exchange_t *ex);

/* Ends the exchange (access log, route state) and frees its memory. */
void edge_exchange_end(edge_exchange_t *ex);

#endif
