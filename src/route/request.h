/* Changing the request as rewrite, uri and handle_path do. New values are
 * copied into x->arena; req->path keeps its percent-encoding. */
#ifndef IFRIT_ROUTE_REQUEST_H
#define IFRIT_ROUTE_REQUEST_H

#include "base/str.h"
#include "route/exchange.h"

/* 0, or -1 when the arena is exhausted. */
int route_set_path(route_exchange_t *x, ifr_str_t path);
int route_set_query(route_exchange_t *x, ifr_str_t query);

/* Caddy's rewrite: "to" with a '?' replaces the query (and the path when
 * the part before '?' is not empty); without one, only the path changes. */
int route_set_uri(route_exchange_t *x, ifr_str_t to);

/* How many bytes of the raw (percent-encoded) path make up prefix, compared
 * decoded and case-insensitively; -1 when the path does not start with it. */
long route_raw_prefix_len(ifr_str_t raw, ifr_str_t prefix);

#endif
