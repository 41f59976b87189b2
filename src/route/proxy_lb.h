/* reverse_proxy's load-balancing policies: pick one available upstream for
 * an exchange. The hash policies (ip_hash, uri_hash, header, cookie) use
 * rendezvous hashing, so a key keeps its upstream while others come and go;
 * header and cookie fall back to random when the request lacks the key. */
#ifndef IFRIT_ROUTE_PROXY_LB_H
#define IFRIT_ROUTE_PROXY_LB_H

#include <stdint.h>

#include "route/exchange.h"
#include "route/proxy_conf.h"

/* The upstream's value for the cookie policy's cookie (16 hex digits). */
void route_proxy_lb_cookie_value(const route_proxy_upstream_t *u, char out[17]);

/* An available upstream by the lb_policy, or NULL when every upstream is
 * down. A retry asks again with nothing remembered of earlier attempts, as
 * Caddy 2.6.2 does: `first` with a dead first upstream that is still
 * counted available (no fail_duration) picks it again. *set_cookie becomes
 * true when the cookie policy wants the choice remembered. */
route_proxy_upstream_t *route_proxy_lb_select(const route_proxy_conf_t *c, route_exchange_t *x, int64_t now,
                                              bool *set_cookie);

#endif
