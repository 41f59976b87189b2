/* One-second windows rather than a token bucket: one atomic add per line,
 * and a burst at a window's edge is at most twice the rate. */
#include "base/log_budget.h"

#include <time.h>

static int64_t ifr__log_budget_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec;
}

int64_t (*ifr_log_budget_clock)(void) = ifr__log_budget_monotonic;

bool ifr_log_budget_take(ifr_log_budget_t *b, uint64_t rate, size_t n, uint64_t *report)
{
    *report = 0;
    int64_t now = ifr_log_budget_clock(), sec = atomic_load(&b->second);
    if (now != sec && atomic_compare_exchange_strong(&b->second, &sec, now)) {
        atomic_store(&b->used, 0);
        *report = atomic_exchange(&b->dropped, 0);
    }
    if (atomic_fetch_add(&b->used, n) + n <= rate) return true;
    /* over: count this line, and keep a report this call cannot make */
    atomic_fetch_add(&b->dropped, *report + 1);
    *report = 0;
    return false;
}
