/* shutdown_delay; see srv_shutdown_delay.h. */
#include "server/srv_shutdown_delay.h"

#include <string.h>
#include <time.h>

#include "base/log.h"
#include "server/srv_loop.h"

/* How often the stop's wait looks at the clock between signals. */
#define SRV__SHUTDOWN_DELAY_POLL_NS (50 * 1000000LL)

static bool srv__listener_kept(const route_listener_t *l, const route_plan_t *next)
{
    const route_listener_t *want;
    size_t n = route_plan_listeners(next, &want);
    const char *host = l->host ? l->host : "";
    for (size_t i = 0; i < n; i++)
        if (want[i].port == l->port && want[i].tls == l->tls && strcmp(want[i].host ? want[i].host : "", host) == 0)
            return true;
    return false;
}

bool srv_shutdown_delay_needed(const route_plan_t *cur, const route_plan_t *next)
{
    if (route_plan_options(cur)->shutdown_delay_ns <= 0) return false;
    if (!next) return true;
    const route_listener_t *have;
    size_t n = route_plan_listeners(cur, &have);
    for (size_t i = 0; i < n; i++)
        if (!srv__listener_kept(&have[i], next)) return true;
    return false;
}

/* The time the shutdown happens: the one already scheduled, else now
 * plus the delay (scheduled here). */
static int64_t srv__shutdown_schedule(route_plan_t *cur, const char *why)
{
    int64_t at = route_plan_shutdown_at(cur);
    if (at) return at;
    int64_t delay = route_plan_options(cur)->shutdown_delay_ns;
    at = srv_clock_ns() + delay;
    route_plan_shutdown_schedule(cur, at);
    ifr_log_info("server", "%s scheduled in %lld ms (shutdown_delay): serving on until then",
                 why, (long long)(delay / 1000000));
    return at;
}

void srv_shutdown_delay_wait(route_plan_t *cur, const sigset_t *signals)
{
    if (!srv_shutdown_delay_needed(cur, NULL)) return;
    int64_t at = srv__shutdown_schedule(cur, "shutdown");
    for (int64_t now = srv_clock_ns(); now < at; now = srv_clock_ns()) {
        int64_t left = at - now < SRV__SHUTDOWN_DELAY_POLL_NS ? at - now : SRV__SHUTDOWN_DELAY_POLL_NS;
        struct timespec wait = { (time_t)(left / 1000000000LL), (long)(left % 1000000000LL) };
        int sig = sigtimedwait(signals, NULL, &wait);
        if (sig == SIGTERM || sig == SIGINT) {
            ifr_log_warn("server", "second stop signal: the shutdown delay ends now");
            return;
        }
    }
}

bool srv_shutdown_delay_pending(route_plan_t *cur)
{
    return srv_clock_ns() < srv__shutdown_schedule(cur, "reload");
}
