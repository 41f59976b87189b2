/* See proxy_health.h. */
#include "route/proxy_health.h"

#include <stdio.h>
#include <time.h>

#include "base/clock.h"
#include "base/log.h"

int64_t route_proxy_now_ns(void) { return ifr_monotonic_ns(); }

/* Failures are stamped into a ring; those younger than fail_duration count. */
static uint32_t route__health_recent_fails(const route_proxy_conf_t *c, route_proxy_upstream_t *u, int64_t now)
{
    uint32_t recent = 0;
    for (int i = 0; i < ROUTE_PROXY_FAIL_RING; i++) {
        long long at = atomic_load_explicit(&u->fail_at[i], memory_order_relaxed);
        if (at && now - at < c->fail_duration_ns) recent++;
    }
    return recent;
}

bool route_proxy_upstream_available(const route_proxy_conf_t *c, route_proxy_upstream_t *u, int64_t now)
{
    if (atomic_load_explicit(&u->active_down, memory_order_relaxed)) return false;
    if (c->fail_duration_ns <= 0) return true;
    return route__health_recent_fails(c, u, now) < c->max_fails;
}

const char *route_proxy_upstream_why_down(const route_proxy_conf_t *c, route_proxy_upstream_t *u, int64_t now, char *buf, size_t n)
{
    if (atomic_load_explicit(&u->active_down, memory_order_relaxed)) return "failed its health check";
    uint32_t recent = c->fail_duration_ns > 0 ? route__health_recent_fails(c, u, now) : 0;
    if (recent < c->max_fails || c->fail_duration_ns <= 0) return "available";
    snprintf(buf, n, "%u failure%s within fail_duration", recent, recent == 1 ? "" : "s");
    return buf;
}

void route_proxy_upstream_failed(const route_proxy_conf_t *c, route_proxy_upstream_t *u, int64_t now)
{
    if (c->fail_duration_ns <= 0) return;
    unsigned slot = atomic_fetch_add_explicit(&u->fail_next, 1, memory_order_relaxed) % ROUTE_PROXY_FAIL_RING;
    atomic_store_explicit(&u->fail_at[slot], now ? now : 1, memory_order_relaxed);
}

void route_proxy_upstream_probed(route_proxy_upstream_t *u, bool healthy, const char *why)
{
    bool was_down = atomic_exchange_explicit(&u->active_down, !healthy, memory_order_relaxed);
    if (was_down == !healthy) return;
    if (healthy)
        ifr_log_info("reverse_proxy", "upstream %.*s is healthy again", (int)u->hostport.len, u->hostport.ptr);
    else
        ifr_log_warn("reverse_proxy", "upstream %.*s is unhealthy: %s", (int)u->hostport.len, u->hostport.ptr, why);
}

bool route_proxy_health_status_ok(const route_proxy_conf_t *c, int status)
{
    if (c->health_status == 0) return status >= 200 && status < 300;
    if (c->health_status < 10) return status / 100 == c->health_status;
    return status == c->health_status;
}
