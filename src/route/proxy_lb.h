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

/* An available upstream, preferring ones not in tried (bit i = upstream i,
 * for the first 64), or NULL when every upstream is down. *set_cookie
 * becomes true when the cookie policy wants the choice remembered. */
route_proxy_upstream_t *route_proxy_lb_select(const route_proxy_conf_t *c, route_exchange_t *x, uint64_t tried,
                                  int64_t now, bool *set_cookie);

#endif
