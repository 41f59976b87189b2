/* A loaded configuration: the checked, typed result of a Caddyfile, ready
 * to serve. The host (native server or edge) loads a plan, opens its
 * listeners, and hands every request to route_dispatch().
 *
 * Ownership and lifetime: a plan is immutable once loaded and reference
 * counted. The host holds one reference for "the current config"; every
 * in-flight exchange holds another, so a reload can swap plans without
 * disturbing requests already running on the old one. */
#ifndef IFRIT_ROUTE_PLAN_H
#define IFRIT_ROUTE_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/caddyfile.h"
#include "config/error.h"
#include "config/options.h"
#include "route/exchange.h"

typedef struct route_plan route_plan_t;

/* One address to listen on. host is NULL/empty for all interfaces, else
 * a bind address: a name or IP address ("::1" without brackets), that
 * with "tcp4/" or "tcp6/" before it for one family, or "unix/PATH" for a
 * unix socket (route/bind_directive.c). */
typedef struct {
    const char *host;
    uint16_t port;
    bool tls;
} route_listener_t;


/* A site's `tls` directive (route/tls_directive.c), for the host to build
 * its TLS contexts from. Strings live in the plan. */
typedef struct {
    cfg_token_t at;                  /* the directive's name, for errors */
    const char *cert_file, *key_file; /* tls CERT KEY (resolved against the Caddyfile), or NULL */
    bool internal;                   /* tls internal / issuer internal */
    int64_t lifetime_s;              /* issuer internal { lifetime D }; 0 = the local CA's default */
    const char *protocol_min, *protocol_max;   /* NULL = default */
    const char **ciphers;
    size_t nciphers;
    const char **curves;
    size_t ncurves;
    const char **alpn;
    size_t nalpn;
    int client_auth;                 /* 0 none, 1 request, 2 require, 3 verify_if_given, 4 require_and_verify */
    const char **client_ca_files;
    size_t nclient_ca_files;
    /* ACME (tls_issuer_acme.h); NULL: the global options' */
    const char *acme_email, *acme_ca, *acme_ca_root;
    bool acme_no_http01, acme_no_tlsalpn01;   /* disable_http_challenge, disable_tlsalpn_challenge */
    const char *acme_eab_key_id, *acme_eab_mac_key;   /* issuer acme { eab K M }; NULL: acme_eab's */
    bool on_demand;                  /* tls { on_demand }: certificates obtained at the first handshake */
} route_tls_conf_t;

/* One host a TLS listener serves, and where its certificate comes from. */
typedef struct {
    uint16_t port;
    const char *host;                /* lowercase; "" any name; "*.x" wildcard; an IP */
    const route_tls_conf_t *conf;    /* the site's tls directive, or NULL */
    bool local_ca;                   /* from the local CA (tls internal, local_certs, localhost, IPs, ...) */
    bool wants_acme;                 /* a public name with no certificate given: ACME's */
    bool on_demand;                  /* ... obtained at the first handshake for a name (not wants_acme) */
} route_tls_site_t;

/* Reads, parses and checks the Caddyfile at path (imports resolve relative
 * to it). On error returns NULL and fills *err; nothing is half-loaded. */
route_plan_t *route_plan_load(const char *path, cfg_error_t *err);
/* The same from text in memory (tests, the edge build); filename is used
 * in error messages and as the base for relative paths. */
route_plan_t *route_plan_load_text(const char *text, size_t len, const char *filename,
                                   cfg_error_t *err);
/* Whether TLS is terminated outside this process (the edge): then the tls
 * directive is accepted and ignored with a notice instead of refused.
 * Process-wide; set before loading plans. */
void route_plan_tls_outside(bool outside);
void route_plan_retain(route_plan_t *p);
void route_plan_release(route_plan_t *p);

/* The hosts of the plan's TLS listeners, in Caddyfile order; owned by
 * the plan. */
size_t route_plan_tls_sites(const route_plan_t *p, const route_tls_site_t **out);

/* The listeners the plan needs; the array is owned by the plan. */
size_t route_plan_listeners(const route_plan_t *p, const route_listener_t **out);
const cfg_options_t *route_plan_options(const route_plan_t *p);
/* What to do with a PROXY header on a connection from peer_ip (a unix
 * socket peer: unix_peer) under servers { listener_wrappers {
 * proxy_protocol } } (client_ip.c); SKIP without proxy_protocol. */
cfg_proxy_policy_t route_plan_proxy_policy(const route_plan_t *p, ifr_str_t peer_ip, bool unix_peer);

/* shutdown_delay: the host is going to stop serving this plan at at_ns
 * (ifr_monotonic_ns's clock); from now on {http.shutting_down} is true and
 * {http.time_until_shutdown} counts down to at_ns. Any thread. */
void route_plan_shutdown_schedule(route_plan_t *p, int64_t at_ns);
/* The time set above, or 0 when no shutdown is scheduled. */
int64_t route_plan_shutdown_at(const route_plan_t *p);

/* Picks the site by Host and listener port, runs its routes and handlers.
 * Returns ROUTE_DONE, ROUTE_ASYNC, or ROUTE_ERROR with x->error_status when
 * no response could be sent (the host then sends a bare status, or ends the
 * connection if the head is out). A request no route handles gets Caddy's
 * default: 200 with an empty body; an error no handle_errors route answers
 * is sent by the route layer as its status with an empty body, keeping the
 * headers handlers set (WWW-Authenticate, Allow), as Caddy does. */
route_result_t route_dispatch(const route_plan_t *p, route_exchange_t *x);

/* Called by the host when the exchange ends (response sent or client gone):
 * writes the access log line if the site has `log`, releases per-exchange
 * route state. */
void route_exchange_done(const route_plan_t *p, route_exchange_t *x);

/* The life of an exchange as every host (src/server, src/edge) runs it,
 * around route_dispatch and route_exchange_done (exchange_run.c).
 * route_exchange_run takes a reference to p for the exchange (in-flight
 * exchanges finish on their plan across a reload) and dispatches x, which
 * the host has set up (arena, parsed request, conn, io). On ROUTE_ERROR
 * x->error_status is a 4xx or 5xx (500 when no handler set a usable one),
 * for the host to answer if no head is out. route_exchange_finish, once
 * for every exchange run, when it ends: route_exchange_done, then the
 * reference is dropped. */
route_result_t route_exchange_run(route_plan_t *p, route_exchange_t *x);
void route_exchange_finish(route_plan_t *p, route_exchange_t *x);

/* A host's answer before any site or route (ACME's HTTP-01 challenge
 * responses, which must come before the HTTP->HTTPS redirect): returns
 * true with *r when it answered x. Process-wide; set once at start. */
typedef bool (*route_early_fn)(route_exchange_t *x, route_result_t *r);
void route_exchange_set_early(route_early_fn fn);

#endif
