/* The client's address as Caddy works it out (Caddy 2.7 and later; 2.6.2
 * has none of this: its {client_ip} does not exist and its logs show the
 * peer): the peer's address, unless the peer is in the server's
 * `trusted_proxies static ...` ranges, in which case the first of the
 * `client_ip_headers` (default X-Forwarded-For) that the request carries
 * names it: its values joined by commas, the leftmost entry that parses
 * as an IP address (a port and an IPv6 zone are cut off), or with
 * `trusted_proxies_strict` the rightmost one outside the trusted ranges
 * (looking through each header in turn). Nothing usable: the peer.
 * {client_ip}, the client_ip matcher and the access log's client_ip use
 * it; reverse_proxy's X-Forwarded-* handling asks route_peer_trusted. */
#ifndef IFRIT_ROUTE_CLIENT_IP_H
#define IFRIT_ROUTE_CLIENT_IP_H

#include <stdbool.h>

#include "config/options.h"
#include "route/cidr.h"
#include "route/exchange.h"

typedef struct {
    route_cidrs_t proxies;       /* empty: no peer is trusted */
    const cfg_token_t *headers;  /* client_ip_headers, or NULL: X-Forwarded-For */
    size_t nheaders;
    bool strict;
    /* servers { listener_wrappers { proxy_protocol { allow; deny } } } */
    route_cidrs_t proxy_allow, proxy_deny;
} route_trust_t;

/* Builds t from the global options (the ranges checked: an error names
 * the bad token). 0, or -1 with *err. */
int route_trust_build(ifr_arena_t *a, const cfg_options_t *o, route_trust_t *t, cfg_error_t *err);

/* The client's address for this request (arena text, normalised as
 * inet_ntop writes it when it came from a header). Cached per exchange. */
ifr_str_t route_client_ip(route_exchange_t *x);

/* Whether the peer is in the server's trusted_proxies ranges. */
bool route_peer_trusted(route_exchange_t *x);

#endif
