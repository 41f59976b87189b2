/* The registered reverse_proxy transports, HTTP and FastCGI (see
 * proxy_transport.h): written once at start-up, read-only while serving. */
#include "route/proxy_transport.h"

static const route_proxy_transport_t *route__proxy_transport_current;
static const route_proxy_transport_t *route__proxy_transport_fastcgi;

int64_t route_proxy_flush_delay(int64_t flush_interval_ns, const http_upstream_response_t *r)
{
    if (flush_interval_ns <= 0 || r->body_kind != HTTP_BODY_LENGTH) return 0;
    const http_header_t *ct = http_headers_get(&r->headers, IFR_LIT("content-type"));
    if (ct) {
        ifr_str_t v = ct->value;
        long semi = ifr_str_find_char(v, ';');
        if (semi >= 0) v.len = (size_t)semi;
        while (v.len && (v.ptr[v.len - 1] == ' ' || v.ptr[v.len - 1] == '\t')) v.len--;
        if (ifr_str_eq_nocase(v, IFR_LIT("text/event-stream"))) return 0;
    }
    return flush_interval_ns;
}

void route_proxy_transport_register(const route_proxy_transport_t *t) { route__proxy_transport_current = t; }

const route_proxy_transport_t *route_proxy_transport_get(void) { return route__proxy_transport_current; }

void route_proxy_transport_register_fastcgi(const route_proxy_transport_t *t) { route__proxy_transport_fastcgi = t; }

const route_proxy_transport_t *route_proxy_transport_get_fastcgi(void) { return route__proxy_transport_fastcgi; }
