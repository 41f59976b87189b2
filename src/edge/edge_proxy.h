/* reverse_proxy at the edge: the proxy transport (route/proxy_transport.h)
 * as a request the shim carries out with fetch(). The core asks (start
 * records the call and the exchange waits with EDGE_WAIT_FETCH), the shim
 * reads the request with edge_proxy_request, fetches, and hands the
 * answer's head to edge_proxy_head, then its body piece by piece to
 * edge_proxy_body (the exchange waits with EDGE_WAIT_BODY in between), or
 * the failure to edge_proxy_failed; the core continues from there
 * (headers, retries, handle_errors) exactly as natively. */
#ifndef IFRIT_EDGE_PROXY_H
#define IFRIT_EDGE_PROXY_H

#include "base/buf.h"
#include "edge/edge_exchange.h"

/* Registers the fetch transport; once, before the plan is loaded. */
void edge_proxy_register(void);

/* The waiting call as (u32 length, bytes) items: method, URL, then header
 * name/value pairs. The request body, when it goes along, is ex->body. */
int edge_proxy_request(edge_exchange_t *ex, ifr_buf_t *out, bool *with_body);

/* The upstream answered: status, fields as the same (u32 length, bytes)
 * pairs, the body's length (-1: unknown, it ends when the shim says so). */
void edge_proxy_head(edge_exchange_t *ex, int status, ifr_str_t fields, int64_t length);

/* The next piece of the upstream's body (bytes are copied); last: it
 * ended there. broken: it broke off instead (bytes unused). */
void edge_proxy_body(edge_exchange_t *ex, ifr_str_t bytes, bool last, bool broken);

/* fetch() threw before a head: the upstream could not be reached. */
void edge_proxy_failed(edge_exchange_t *ex, ifr_str_t why);

#endif
