/* Health bookkeeping for reverse_proxy upstreams, shared by all workers
 * through the atomics in route_proxy_upstream_t:
 *   passive: a failed request (dial error, timeout, unhealthy_status)
 *            counts against the upstream for fail_duration; with max_fails
 *            failures in that window it is skipped;
 *   active:  the host's health checker (see proxy_transport.h) reports each
 *            probe's outcome here; a failed probe takes the upstream out
 *            until a probe succeeds.
 * No allocation, no locks; the edge build uses the same code. */
#ifndef IFRIT_ROUTE_PROXY_HEALTH_H
#define IFRIT_ROUTE_PROXY_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#include "route/proxy_conf.h"

/* Monotonic clock in ns. */
int64_t route_proxy_now_ns(void);

/* May the upstream take a request now? */
bool route_proxy_upstream_available(const route_proxy_conf_t *c, route_proxy_upstream_t *u, int64_t now);

/* Why the upstream is not available now, for a log line: "failed its
 * health check", "2 failures within fail_duration", or "available". */
const char *route_proxy_upstream_why_down(const route_proxy_conf_t *c, route_proxy_upstream_t *u, int64_t now, char *buf, size_t n);

/* A passive failure (no-op when fail_duration is 0). */
void route_proxy_upstream_failed(const route_proxy_conf_t *c, route_proxy_upstream_t *u, int64_t now);

/* The outcome of an active probe; logs when the upstream changes state. */
void route_proxy_upstream_probed(route_proxy_upstream_t *u, bool healthy, const char *why);

/* Is status what health_status asks for? */
bool route_proxy_health_status_ok(const route_proxy_conf_t *c, int status);

#endif
