/* Small helpers for handlers that answer with a complete response in
 * memory (respond, redir, the default 200, basic_auth's 401, ...). */
#ifndef IFRIT_ROUTE_RESPONSE_H
#define IFRIT_ROUTE_RESPONSE_H

#include "base/arena.h"
#include "base/str.h"
#include "route/exchange.h"

/* Sets status and Content-Length, sends head and body (body may be empty).
 * ROUTE_DONE, or ROUTE_DONE as well when the client is gone (nothing else
 * to do); ROUTE_ERROR with 500 only if the arena is exhausted. */
route_result_t route_send_simple(route_exchange_t *x, int status, ifr_str_t body);

/* Sets a response header unless the response already has one by that name. */
int route_header_default(route_exchange_t *x, ifr_str_t name, ifr_str_t value);

/* Adds token (e.g. "Accept-Encoding") to the response's Vary: appended to
 * the existing field ("Origin, Accept-Encoding") unless it is listed there
 * already (case-insensitive) or the field is "*"; a new field otherwise.
 * 0, or -1 if the arena is exhausted. */
int route_vary_add(route_exchange_t *x, ifr_str_t token);

/* Fails the exchange with status: sets x->error_status/message, returns ROUTE_ERROR. */
route_result_t route_fail(route_exchange_t *x, int status, const char *message);

/* HTML-escapes s (< > & " ') into arena memory; empty if exhausted. */
ifr_str_t route_html_escape(ifr_arena_t *a, ifr_str_t s);

#endif
