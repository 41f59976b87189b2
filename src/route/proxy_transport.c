/* The one registered reverse_proxy transport (see proxy_transport.h):
 * written once at start-up, read-only while serving. */
#include "route/proxy_transport.h"

static const proxy_transport_t *proxy_transport_current;

void proxy_transport_register(const proxy_transport_t *t) { proxy_transport_current = t; }

const proxy_transport_t *proxy_transport_get(void) { return proxy_transport_current; }
