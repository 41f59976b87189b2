/* Gojinn's traffic options on a function's request path, and parsing them
 * (fn_traffic_check.c; the buckets: fn_traffic.h). */
#ifndef IFRIT_FN_FN_TRAFFIC_CHECK_H
#define IFRIT_FN_FN_TRAFFIC_CHECK_H

#include "fn/fn_traffic.h"
#include "route/directive.h"

struct fn_call;

/* 0: the request goes on to the guest (CORS headers set when its Origin
 * is allowed). Otherwise the status to answer with, at once: 204 (a CORS
 * preflight), 401 (no or a wrong API key), 429 (over the rate limit),
 * 500 (out of memory). Refusals are logged. */
int fn_traffic_check(struct fn_call *c);

/* True for api_key, cors_origin and rate_limit. */
bool fn_traffic_is_option(ifr_str_t name);
int fn_traffic_option(route_parse_t *p, const cfg_directive_t *s, fn_traffic_config_t *t);

#endif
