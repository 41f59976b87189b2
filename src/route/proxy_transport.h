/* The transport interface of reverse_proxy: how the route layer (policy:
 * which upstream, which headers, whether to retry) asks a host to carry one
 * request to an upstream and its response back. The native server
 * implements it with sockets, a keep-alive pool and timers
 * (src/server/srv_proxy*.c); the edge build implements it with fetch().
 *
 * A call streams on its own once the handler accepted the head: request
 * body bytes from x->io->read_body to the upstream, response body bytes to
 * x->io->send_body, with back-pressure both ways, and ends the response.
 *
 * Ownership: route_proxy_call_t is the transport's; it is valid from start until
 * on_fail / on_end ran or cancel was called, whichever is first. Callbacks
 * never run inside start or cancel. The request's slices must stay valid
 * until the call ends (they live in x->arena). */
#ifndef IFRIT_ROUTE_PROXY_TRANSPORT_H
#define IFRIT_ROUTE_PROXY_TRANSPORT_H

#include <stdbool.h>

#include "http/response_parser.h"
#include "route/exchange.h"
#include "route/proxy_conf.h"

typedef struct route_proxy_call route_proxy_call_t;

/* route_proxy_call_cb_t.on_head's answer when the handler needs no body. */
#define ROUTE_PROXY_HEAD_DONE 1

/* A bound on informational heads per response, so an upstream cannot
 * stream hints forever (Go's transport, Caddy's, allows 5). */
#define ROUTE_PROXY_MAX_INTERIM 16

typedef struct {
    const route_proxy_upstream_t *upstream;
    const route_proxy_transport_conf_t *conf;
    ifr_str_t method;
    ifr_str_t target;               /* origin-form: path and query */
    const http_headers_t *headers;  /* end-to-end fields, Host included; the transport adds framing */
    bool with_body;                 /* forward the client's request body */
    int64_t flush_interval_ns;      /* flush_interval: see route_proxy_flush_delay */
    bool upgrade;                   /* the client asked to switch protocols (headers say so);
                                       a 101 then becomes a tunnel, else it is a 502 */
} route_proxy_request_t;

typedef enum {
    ROUTE_PROXY_FAIL_DIAL,            /* refused / unreachable / dial_timeout: 502 */
    ROUTE_PROXY_FAIL_HEADER_TIMEOUT,  /* response_header_timeout: 504 */
    ROUTE_PROXY_FAIL_PROTOCOL,        /* garbage, oversized head, early close: 502 */
    ROUTE_PROXY_FAIL_CLIENT,          /* the client went away or its body was refused */
} route_proxy_fail_t;

typedef struct {
    /* The upstream's final head (1xx interim heads go to on_interim, except a
     * 101 to an upgrade request); slices live in x->arena. Return 0 once x->resp is set and the head sent,
     * and the transport streams the body; -1 aborts the call (it then
     * ends with on_end(false)); ROUTE_PROXY_HEAD_DONE: the head was all the
     * handler wanted (forward_auth's 2xx): nothing goes to the client, the
     * body is not read (the upstream connection is closed), and the call
     * ends with on_end(true). */
    int (*on_head)(void *ud, const http_upstream_response_t *r);
    /* Failed before a head arrived. request_sent: bytes of the request
     * reached the upstream, or the client's body started to be consumed
     * (then only idempotent requests without a body may be retried). */
    void (*on_fail)(void *ud, route_proxy_fail_t why, const char *detail, bool request_sent);
    /* After on_head: the body was relayed completely (ok) or broke off. */
    void (*on_end)(void *ud, bool ok);
    /* An informational head (1xx other than 100 and 101, such as 103 Early
     * Hints) before the final one; r's slices last only for the call. At
     * most ROUTE_PROXY_MAX_INTERIM per response (more is a 502). May be NULL. */
    void (*on_interim)(void *ud, const http_upstream_response_t *r);
} route_proxy_call_cb_t;

typedef struct {
    /* Starts a call for x. 0, or -1 when it could not even start (out of
     * memory): nothing will be called back then. */
    int (*start)(route_exchange_t *x, const route_proxy_request_t *req, const route_proxy_call_cb_t *cb, void *ud,
                 route_proxy_call_t **out);
    /* Stops a call at once; no callback follows. */
    void (*cancel)(route_proxy_call_t *call);
    /* Carries upgrades: on a 101 to an upgrade request, on_head runs
     * (it sets x->resp and sends nothing), then the transport hands its
     * connection to x->io->upgrade and ends with on_end. */
    bool tunnels;
    /* Makes sure conf's active health checks run on this host (called on
     * each request; cheap once they run). May be NULL. */
    void (*watch_health)(route_exchange_t *x, const route_proxy_conf_t *conf);
} route_proxy_transport_t;

/* How long a transport may hold response body bytes before passing them
 * on (it passes them on sooner when it holds a buffer's worth, and at the
 * end); 0 = every write at once. Caddy's rule: a positive flush_interval,
 * except that server-sent events (text/event-stream) and bodies of unknown
 * length always go at once; 0 (the default) and -1 mean at once here. */
int64_t route_proxy_flush_delay(int64_t flush_interval_ns, const http_upstream_response_t *r);

/* Registered once by the host before plans are loaded. */
void route_proxy_transport_register(const route_proxy_transport_t *t);
/* NULL when the host registered none: reverse_proxy then answers 502. */
const route_proxy_transport_t *route_proxy_transport_get(void);
/* The same for `transport fastcgi` (route/fastcgi.h): a call's
 * req->conf->fastcgi is set. NULL on a host without one (the edge). */
void route_proxy_transport_register_fastcgi(const route_proxy_transport_t *t);
const route_proxy_transport_t *route_proxy_transport_get_fastcgi(void);

#endif
