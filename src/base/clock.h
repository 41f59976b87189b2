/* The monotonic clock, read one way everywhere: nanoseconds since an
 * arbitrary start, for durations and deadlines (never wall time). Inline:
 * the access log and placeholders read it per request. */
#ifndef IFRIT_BASE_CLOCK_H
#define IFRIT_BASE_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t ifr_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

#endif
