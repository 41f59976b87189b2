/* reverse_proxy's configuration: the upstreams, the load-balancing and
 * health settings, header rules and the transport options, as parsed from
 * the Caddyfile (proxy_parse.c).
 *
 * Ownership: a route_proxy_conf_t and everything it points to live in the plan's
 * arena and are immutable while serving, except the fields marked "shared
 * state": those are atomics that every worker updates (health, counters),
 * so they need no lock and cost nothing on the edge build. */
#ifndef IFRIT_ROUTE_PROXY_CONF_H
#define IFRIT_ROUTE_PROXY_CONF_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/str.h"
#include "route/chain.h"
#include "route/cidr.h"
#include "route/directive.h"
#include "route/header_ops.h"
#include "route/resp_match.h"
#include "route/tmpl.h"

/* Passive health remembers this many recent failures per upstream, so
 * max_fails is at most this. */
#define ROUTE_PROXY_FAIL_RING 32

/* transport http's tls options: TLS to the upstreams (Caddy's names).
 * Strings are NUL-terminated, in the plan's arena; NULL when not given. */
typedef struct {
    bool enabled;                /* tls, or https:// upstreams */
    bool insecure_skip_verify;   /* tls_insecure_skip_verify */
    const char *server_name;     /* tls_server_name: SNI and the name verified; default the host */
    const char **ca_files;       /* tls_trusted_ca_certs: trust only these (PEM); NULL: the system store */
    size_t nca_files;
    const char *client_cert;     /* tls_client_auth <cert_file> <key_file> */
    const char *client_key;
    int64_t timeout_ns;          /* tls_timeout: the handshake's limit; default 10s */
    bool alpn_h2, alpn_h1;       /* ALPN offers h2 / http/1.1 (from versions) */
    /* Every option above as text: upstream pools are keyed by it, so a
     * reload that changes a TLS option never reuses a connection (or a
     * context) made under the old ones. */
    const char *key;
} route_proxy_tls_conf_t;

typedef struct {
    ifr_str_t hostport;      /* {upstream_hostport}: "127.0.0.1:8080", or the socket path */
    const char *host;        /* NUL-terminated host to dial; NULL for a unix socket */
    uint16_t port;
    const char *unix_path;   /* NUL-terminated socket path, or NULL */
    const route_proxy_tls_conf_t *tls;   /* TLS to this upstream, or NULL (plain) */
    bool h2c;                /* written h2c://host:port: HTTP/2 over cleartext */
    /* Shared state. */
    atomic_int in_flight;                   /* requests using it now (least_conn) */
    atomic_bool active_down;                /* the last active health check failed */
    atomic_llong fail_at[ROUTE_PROXY_FAIL_RING];  /* monotonic ns of recent failures */
    atomic_uint fail_next;
} route_proxy_upstream_t;

typedef enum {
    ROUTE_PROXY_LB_RANDOM, ROUTE_PROXY_LB_ROUND_ROBIN, ROUTE_PROXY_LB_LEAST_CONN, ROUTE_PROXY_LB_FIRST,
    ROUTE_PROXY_LB_IP_HASH, ROUTE_PROXY_LB_URI_HASH, ROUTE_PROXY_LB_HEADER, ROUTE_PROXY_LB_COOKIE
} route_proxy_lb_kind_t;

/* transport http's versions (Caddy's names), a set of bits. */
#define ROUTE_PROXY_V1 1u     /* 1.1 */
#define ROUTE_PROXY_V2 2u     /* 2: HTTP/2 over TLS, chosen by ALPN */
#define ROUTE_PROXY_V2C 4u    /* h2c: HTTP/2 over cleartext with prior knowledge */

/* transport http { ... } */
typedef struct {
    unsigned versions;                   /* ROUTE_PROXY_V*; default 1.1 2; h2c:// upstreams: h2c 2 */
    int64_t dial_timeout_ns;             /* default 3s, as Caddy */
    int64_t response_header_timeout_ns;  /* 0 = none */
    int64_t read_timeout_ns;             /* each wait for the upstream's next bytes; 0 = none */
    int64_t write_timeout_ns;            /* each wait for the upstream to take request bytes; 0 = none */
    int64_t keepalive_ns;                /* idle pooled connections close after; 0 = no pooling */
    uint32_t keepalive_idle_conns;       /* idle connections kept per upstream per worker; UINT32_MAX: no limit */
    uint32_t read_buffer;                /* bytes read from the upstream at a time */
    route_proxy_tls_conf_t tls;
    /* transport fastcgi { ... } (route/fastcgi.h), or NULL: HTTP. */
    const struct route_fastcgi_conf *fastcgi;
} route_proxy_transport_conf_t;

/* forward_auth: reverse_proxy asking an auth service first (see
 * handler_forward_auth.c). copy: response field -> request field. */
typedef struct {
    route_tmpl_t *uri;           /* the auth request's path and query */
    ifr_str_t *copy_from, *copy_to;
    size_t ncopy;
} route_proxy_auth_conf_t;

typedef struct {
    route_proxy_upstream_t *upstreams;
    size_t nupstreams;
    const route_proxy_auth_conf_t *auth;   /* forward_auth's, or NULL for reverse_proxy */

    route_proxy_lb_kind_t lb;
    ifr_str_t lb_key;                /* header or cookie name */
    uint32_t lb_retries;
    int64_t lb_try_duration_ns;
    int64_t lb_try_interval_ns;      /* default 250ms */
    /* lb_retry_match { <matchers> }, each block one set: a request that
     * reached an upstream is tried again only if it matches one (none
     * given: only GET, as Caddy). */
    const route_matcher_set_t **retry_match;
    size_t nretry_match;
    /* handle_response [<@matcher>] { <routes> } and replace_status
     * [<@matcher>] <code>, in file order: the first whose response matcher
     * (NULL: any) takes the upstream's final head runs its routes instead
     * of passing the answer on, or passes it on with another status. */
    struct route_proxy_handle_response {
        const route_resp_match_t *match;
        int status;              /* replace_status: the answer goes on with this status; 0: routes */
        bool copies;             /* the routes hold copy_response: the body is kept for it */
        route_list_t routes;
    } *handle_response;
    size_t nhandle_response;

    ifr_str_t health_uri;            /* empty: no active checks */
    int64_t health_interval_ns;      /* default 30s */
    int64_t health_timeout_ns;       /* default 5s */
    int health_status;               /* 0: any 2xx; 200..599 exact; 1..5: that class */

    int64_t fail_duration_ns;        /* 0: passive health off */
    uint32_t max_fails;              /* default 1 */
    int *unhealthy_status;           /* codes, or 1..5 for a class ("5xx") */
    size_t nunhealthy_status;

    route_hdr_ops_t header_up, header_down;   /* route/header_ops.h */
    /* trusted_proxies (Caddy 2.6's option): peers whose X-Forwarded-*
     * fields are kept; empty: the server's trusted_proxies decide. */
    route_cidrs_t trusted_proxies;
    int64_t flush_interval_ns;       /* -1: flush every write */
    route_proxy_transport_conf_t transport;

    atomic_uint rr_next;             /* shared state: round_robin position */
} route_proxy_conf_t;

/* The status matches a list entry (exact code, or class 1..5 for "Nxx"). */
static inline bool route_proxy_status_in(const int *list, size_t n, int status)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == status || (list[i] < 10 && status / 100 == list[i])) return true;
    return false;
}

/* Parses `reverse_proxy [<upstreams...>] { ... }` (the matcher token is
 * already taken off d). 0, or -1 with p->err filled. */
int route_proxy_conf_parse(route_parse_t *p, const cfg_directive_t *d, route_proxy_conf_t **out);
/* The `@name` response matchers, `handle_response` and `replace_status`
 * lines of blk into c->handle_response (other lines are left alone; the
 * intercept directive reads its block with it too). 0, or -1 with p->err set. */
int route_proxy_parse_responses(route_parse_t *p, const cfg_block_t *blk, route_proxy_conf_t *c);

/* reverse_proxy's handler (handler_reverse_proxy.c); conf is a
 * route_proxy_conf_t, also forward_auth's (with auth set). */
route_result_t route_proxy_handle(route_exchange_t *x, const void *conf);

#endif
