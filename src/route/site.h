/* Sites and the loaded plan (private to src/route; the public face is
 * plan.h). */
#ifndef IFRIT_ROUTE_SITE_H
#define IFRIT_ROUTE_SITE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "route/block.h"
#include "route/chain.h"
#include "route/client_ip.h"
#include "route/plan.h"

typedef struct route_log_conf route_log_conf_t;

/* One address of a site block, resolved. */
typedef struct {
    ifr_str_t host;         /* lowercase; "" = any host; "*.example.com" = one label */
    uint16_t port;
    bool tls;
} route_site_addr_t;

/* One handle_errors block: the statuses it takes (none = all) and its routes. */
typedef struct {
    int *codes;             /* exact codes; 1..5 = a class such as 4xx */
    size_t ncodes;
    route_list_t routes;
} route_errors_t;

struct route_site {
    route_site_addr_t *addrs;
    size_t naddrs;
    const route_matcher_set_t *path;    /* from an address like example.com/api/..., or NULL */
    route_list_t routes;
    route_errors_t *errors;
    size_t nerrors;
    route_log_conf_t *log;              /* NULL: no access log; else a list, one per `log` (log.h) */
    const route_tls_conf_t *tls;        /* the tls directive, or NULL */
    /* The listener addresses of bind (or default_bind), as
     * route_listener_t.host has them; none: every interface. */
    const char **binds;
    size_t nbinds;
};

/* A named route (`&(name)`), built by its first `invoke` (handler_invoke.c). */
typedef struct {
    enum { ROUTE_NAMED_NONE, ROUTE_NAMED_BUILDING, ROUTE_NAMED_BUILT } state;
    route_block_conf_t block;
} route_named_t;

struct route_plan {
    ifr_arena_t arena;       /* owns everything below */
    atomic_int refs;
    _Atomic int64_t shutdown_at_ns;   /* route_plan_shutdown_schedule; 0: none */
    cfg_options_t options;
    route_trust_t trust;     /* servers { trusted_proxies ... }, from options */
    route_listener_t *listeners;
    size_t nlisteners;
    route_site_t *sites;
    size_t nsites;
    route_tls_site_t *tls_sites;
    size_t ntls_sites;
    uint16_t *strict_sni_ports;  /* TLS ports where Host must equal the SNI */
    size_t nstrict_sni_ports;
    const cfg_doc_t *doc;    /* the Caddyfile while the plan is built, NULL after */
    route_named_t *named;    /* one per doc->routes */
    size_t *order_rank;      /* the global `order` lines: table row -> sort key; NULL: the table's */
    /* The global `log` options (log_global.c), in file order, and the
     * one of them named default (or NULL); site `log` directives numbered
     * so far (their names log0, log1, ...). */
    route_log_conf_t *loggers;
    const route_log_conf_t *default_log;
    unsigned site_logs;
};

/* Builds one site block into site (plan.c): its addresses, listeners
 * and routes. */
int route_site_build(route_plan_t *p, const cfg_site_t *cs, route_site_t *site, const char *base_dir,
                     cfg_error_t *err);
/* After a site's directives are parsed (plan_tls.c): a tls directive
 * turns its addresses to TLS (refusing http:// and the http_port). */
int route_site_tls_addresses(route_plan_t *p, const cfg_site_t *cs, route_site_t *site, cfg_error_t *err);
/* After every site is built (plan_tls.c): the addresses a tls directive
 * turns to TLS, the TLS host list, and the HTTP->HTTPS redirect site. */
int route_plan_tls_finish(route_plan_t *p, const char *base_dir, cfg_error_t *err);
/* Caddy's strict_sni_host, on by itself where a site of the port uses
 * client_auth (servers { strict_sni_host on|insecure_off } sets it for
 * every TLS port): a request whose Host differs from the connection's SNI
 * gets 421 (plan_tls.c), so a client cannot send a benign SNI and then
 * the Host of a site that wanted its certificate. true when refused
 * (x->error_status set). */
bool route_tls_host_refused(const route_plan_t *p, route_exchange_t *x);
/* Adds the listener an address needs on one bind address (NULL: every
 * interface) (plan.c). */
int route_plan_add_listener(route_plan_t *p, const cfg_token_t *key, const route_site_addr_t *a, const char *bind,
                            cfg_error_t *err);
/* After a site's directives are parsed (bind_directive.c): a site without
 * bind takes the global default_bind. */
int route_site_default_bind(route_plan_t *p, route_site_t *site, cfg_error_t *err);
/* Whether the site is served on the listener whose address is this
 * (route_conn_info_t.listener; "" every interface). */
bool route_site_bound(const route_site_t *site, ifr_str_t listener);

/* Applies the global options' `order` lines to the directive order
 * (plan_build.c). 0, or -1 with err at a line naming no directive. */
int route_plan_order(route_plan_t *p, cfg_error_t *err);

/* The site for this request, or NULL. */
const route_site_t *route_site_pick(const route_plan_t *p, route_exchange_t *x);

/* Access log (access_log.c): writes x's entry to each of the site's logs. */
void route_access_log_write(const route_log_conf_t *log, route_exchange_t *x);

#endif
