/* Active health checks for reverse_proxy (health_uri): every
 * health_interval, each upstream gets `GET <health_uri>` on a fresh
 * connection; a status matching health_status within health_timeout keeps
 * or makes it healthy, anything else (refused, timeout, garbage, another
 * status) takes it out (route/proxy_health.h keeps the state).
 *
 * A worker starts checking a proxy's upstreams when the proxy first serves
 * a request there, and stops when the worker moves to another plan
 * (reload) or its loop ends; it holds a reference to the plan meanwhile, so
 * the configuration it reads stays alive. Each worker probes on its own
 * loop; the verdicts land in the same shared state. */
#ifndef IFRIT_SERVER_SRV_PROXY_HEALTH_H
#define IFRIT_SERVER_SRV_PROXY_HEALTH_H

#include "route/exchange.h"
#include "route/proxy_conf.h"

/* route_proxy_transport_t.watch_health: idempotent per worker and conf. */
void srv_proxy_health_watch(route_exchange_t *x, const route_proxy_conf_t *conf);

/* Stops every check of this thread and drops its plan references. */
void srv_proxy_health_thread_exit(void);

#endif
