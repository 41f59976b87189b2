/* The client's timing decisions as pure functions, so they are tested
 * without waiting: the backoff between retries of a failed request, how
 * long to wait before polling again, and when a certificate is due for
 * renewal. */
#ifndef IFRIT_ACME_SCHEDULE_H
#define IFRIT_ACME_SCHEDULE_H

#include <stdint.h>

/* Backoff before retry number attempt (1 for the first retry): initial_ms
 * doubled each time, never above max_ms. */
long acme_backoff_ms(int attempt, long initial_ms, long max_ms);

/* The wait before the next poll of an order or authorization: the CA's
 * Retry-After (seconds, -1 when it sent none) if any, else default_ms;
 * never above max_ms. */
long acme_poll_wait_ms(long retry_after_s, long default_ms, long max_ms);

/* When a certificate valid from not_before to not_after (Unix seconds)
 * should be renewed: when ratio (renewal_window_ratio, 0 < ratio < 1; Caddy's
 * default is 1/3) of its lifetime is left. A ratio outside (0, 1) is taken
 * as 1/3. */
int64_t acme_renew_at(int64_t not_before, int64_t not_after, double ratio);

#endif
