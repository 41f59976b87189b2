/* A logger's `sampling { interval first thereafter }` (log.h), as zap's
 * sampler that Caddy puts in front of a logger: entries are counted per
 * level and message in windows of `interval`; in each window the first
 * `first` entries of a kind are written, then every `thereafter`-th. The
 * counters are shared by every worker, lock-free: a window that ends is
 * restarted by the first entry after it (a compare-and-swap decides
 * which one, the others count on in the new window). */
#include <stdatomic.h>

#include "base/clock.h"
#include "route/log.h"

/* Messages share counters by a hash; a collision only makes two kinds
 * of entry share a window's count (zap has the same, with more slots). */
#define ROUTE__SAMPLE_SLOTS 64

typedef struct {
    _Atomic int64_t reset_at_ns;   /* monotonic end of the current window */
    _Atomic uint64_t count;        /* entries seen in it */
} route__sample_counter_t;

struct route_log_sampler {
    int64_t interval_ns;
    uint64_t first, thereafter;
    route__sample_counter_t counters[ROUTE_LOG_NLEVELS][ROUTE__SAMPLE_SLOTS];
};

route_log_sampler_t *route_log_sampler_new(ifr_arena_t *a, int64_t interval_ns, uint64_t first, uint64_t thereafter)
{
    route_log_sampler_t *s = ifr_arena_calloc(a, 1, sizeof(*s));
    if (!s) return NULL;
    s->interval_ns = interval_ns;
    s->first = first;
    s->thereafter = thereafter;
    for (int l = 0; l < ROUTE_LOG_NLEVELS; l++)
        for (int k = 0; k < ROUTE__SAMPLE_SLOTS; k++) {
            atomic_init(&s->counters[l][k].reset_at_ns, 0);
            atomic_init(&s->counters[l][k].count, 0);
        }
    return s;
}

static uint64_t route__sample_count(route__sample_counter_t *c, int64_t now_ns, int64_t interval_ns)
{
    int64_t reset_at = atomic_load(&c->reset_at_ns);
    if (reset_at > now_ns) return atomic_fetch_add(&c->count, 1) + 1;
    atomic_store(&c->count, 1);
    int64_t next = now_ns > INT64_MAX - interval_ns ? INT64_MAX : now_ns + interval_ns;
    if (!atomic_compare_exchange_strong(&c->reset_at_ns, &reset_at, next))
        return atomic_fetch_add(&c->count, 1) + 1;   /* another worker restarted the window */
    return 1;
}

bool route_log_sample_keep(route_log_sampler_t *s, int level, ifr_str_t msg)
{
    if (!s) return true;
    uint32_t h = 2166136261u;   /* FNV-1a */
    for (size_t i = 0; i < msg.len; i++) h = (h ^ (uint8_t)msg.ptr[i]) * 16777619u;
    if (level < 0 || level >= ROUTE_LOG_NLEVELS) level = ROUTE_LOG_INFO;
    uint64_t n = route__sample_count(&s->counters[level][h % ROUTE__SAMPLE_SLOTS], ifr_monotonic_ns(), s->interval_ns);
    return n <= s->first || (n - s->first) % s->thereafter == 0;
}
