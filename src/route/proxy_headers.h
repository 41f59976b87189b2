/* The header rules of reverse_proxy, as Caddy applies them:
 * going up, the client's fields minus hop-by-hop ones (and those the
 * Connection field names; `TE: trailers` stays), X-Forwarded-For / -Proto / -Host set from the
 * connection (incoming values are replaced unless the peer is a trusted
 * proxy: then they are kept, the peer appended to X-Forwarded-For), Host
 * passed through, then header_up; coming down, the upstream's fields minus
 * hop-by-hop and framing ones (the server frames the response itself; the
 * Trailer field stays), then header_down; its trailer fields minus
 * hop-by-hop and forbidden ones. Values may use request placeholders and
 * {upstream_hostport}. Everything is allocated from x->arena. */
#ifndef IFRIT_ROUTE_PROXY_HEADERS_H
#define IFRIT_ROUTE_PROXY_HEADERS_H

#include "http/message.h"
#include "http/response_parser.h"
#include "route/exchange.h"
#include "route/proxy_conf.h"

/* True for fields that describe one connection, not the message (RFC 9110
 * section 7.6.1), framing fields included. */
bool route_proxy_is_hop_field(ifr_str_t name);

/* Whether the client asks to switch protocols (Connection: upgrade with an
 * Upgrade field, and no body), which reverse_proxy then passes on. */
bool route_proxy_upgrade_requested(const http_request_t *req);

/* Fills *out with the fields to send upstream; with upgrade, Connection:
 * Upgrade and the client's Upgrade field survive. 0, or -1 out of memory. */
int route_proxy_headers_up(route_exchange_t *x, const route_proxy_conf_t *c, const route_proxy_upstream_t *u, bool upgrade,
                     http_headers_t *out);

/* Sets x->resp (status, fields, content_length) from the upstream's head.
 * The fields start as `ours` (what handlers before reverse_proxy set, e.g.
 * `header X-Served-By ifrit`); an upstream field replaces ours of the same
 * name, as in Caddy. A 101 keeps Upgrade and says `Connection: Upgrade`.
 * 0, or -1 out of memory. */
int route_proxy_headers_down(route_exchange_t *x, const route_proxy_conf_t *c, const route_proxy_upstream_t *u,
                       const http_headers_t *ours, const http_upstream_response_t *r);

/* Filters an upstream's trailer fields in place, keeping those that may go
 * on to the client: not hop-by-hop (nor named by r's Connection field) and
 * none a recipient must not take from a trailer (RFC 9110 section 6.5.1:
 * Host, Content-Type, Content-Encoding, Content-Range, Authorization,
 * WWW-Authenticate, Cookie, Set-Cookie, Cache-Control, Expect,
 * Max-Forwards, Pragma, Range). Allocates nothing. */
void route_proxy_trailers_down(const http_upstream_response_t *r, http_headers_t *t);

/* The same for a client's request trailers going up (x->req_trailers,
 * copied first: the filter works in place), by req's Connection field. */
void route_proxy_trailers_up(const http_request_t *req, http_headers_t *t);

/* The fields of an upstream's informational (1xx) head to pass on: its
 * end-to-end ones only; header_down is for the final response. 0, or -1
 * out of memory. */
int route_proxy_headers_interim(route_exchange_t *x, const http_upstream_response_t *r, http_headers_t *out);

#endif
