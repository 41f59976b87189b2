/* reverse_proxy at the edge: the proxy transport (route/proxy_transport.h)
 * as a request the shim carries out with fetch(). The core asks (start
 * records the call and the exchange waits with EDGE_WAIT_FETCH), the shim
 * reads the request with edge_proxy_request, fetches, and hands the answer
 * back with edge_proxy_done or edge_proxy_failed; the core continues from
 * there (headers, retries, handle_errors) exactly as natively. */
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
 * pairs, the whole body. */
void edge_proxy_done(edge_exchange_t *ex, int status, ifr_str_t fields, ifr_str_t body);

/* fetch() threw: the upstream could not be reached, or broke off. */
void edge_proxy_failed(edge_exchange_t *ex, ifr_str_t why);

#endif
