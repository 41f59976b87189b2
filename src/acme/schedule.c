/* Backoff, poll waits and renewal times: see schedule.h. */
#include "acme/schedule.h"

long acme_backoff_ms(int attempt, long initial_ms, long max_ms)
{
    long wait = initial_ms;
    for (int i = 1; i < attempt && wait < max_ms; i++) wait *= 2;
    return wait < max_ms ? wait : max_ms;
}

long acme_poll_wait_ms(long retry_after_s, long default_ms, long max_ms)
{
    long wait = default_ms;
    if (retry_after_s >= 0) wait = retry_after_s > max_ms / 1000 ? max_ms : retry_after_s * 1000;
    return wait < max_ms ? wait : max_ms;
}

int64_t acme_renew_at(int64_t not_before, int64_t not_after, double ratio)
{
    if (not_after <= not_before) return not_before;
    if (!(ratio > 0 && ratio < 1)) ratio = 1.0 / 3;
    int64_t lifetime = not_after - not_before;
    return not_after - (int64_t)((double)lifetime * ratio);
}
