/* The rate limit's buckets (fn_traffic.h): a fixed table of
 * FN_TRAFFIC_CLIENTS token buckets per function, found by a hash of the
 * client's key and a short probe; a new client takes the probed bucket
 * seen longest ago. Guarded by a spin lock on an atomic flag (held for a
 * few instructions; the wasm32 build has no pthreads). Unit-tested in
 * tests/unit/fn/test_traffic.c. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "fn/fn_traffic.h"

#define FN__TRAFFIC_PROBE 8
#define FN__TRAFFIC_KEY 64      /* bytes of the client's key kept beside its hash */

typedef struct {
    uint64_t hash;             /* 0: free */
    uint8_t key_len;
    char key[FN__TRAFFIC_KEY];
    double tokens;
    int64_t last_ns;
} fn__bucket_t;

struct fn_traffic {
    atomic_flag lock;
    fn__bucket_t buckets[FN_TRAFFIC_CLIENTS];
};

fn_traffic_t *fn_traffic_new(const fn_traffic_config_t *t)
{
    if (t->rate <= 0) return NULL;
    fn_traffic_t *tr = calloc(1, sizeof *tr);
    if (tr) atomic_flag_clear(&tr->lock);
    return tr;
}

void fn_traffic_free(fn_traffic_t *tr) { free(tr); }

static uint64_t fn__traffic_hash(ifr_str_t s)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < s.len; i++) h = (h ^ (uint8_t)s.ptr[i]) * 1099511628211ull;
    return h ? h : 1;
}

bool fn_traffic_take(fn_traffic_t *tr, const fn_traffic_config_t *t, ifr_str_t client, int64_t now_ns)
{
    if (!tr) return true;
    double burst = t->burst ? (double)t->burst : (t->rate >= 1 ? (double)(uint64_t)t->rate : 1);
    uint64_t h = fn__traffic_hash(client);
    size_t klen = client.len < FN__TRAFFIC_KEY ? client.len : FN__TRAFFIC_KEY;
    while (atomic_flag_test_and_set_explicit(&tr->lock, memory_order_acquire)) {
    }
    fn__bucket_t *b = NULL, *oldest = NULL;
    for (size_t i = 0; i < FN__TRAFFIC_PROBE && !b; i++) {
        fn__bucket_t *s = &tr->buckets[(h + i) % FN_TRAFFIC_CLIENTS];
        if (s->hash == h && s->key_len == klen && memcmp(s->key, client.ptr, klen) == 0) b = s;
        else if (!oldest || s->hash == 0 || (oldest->hash && s->last_ns < oldest->last_ns)) oldest = s;
    }
    if (!b) {
        b = oldest;
        b->hash = h;
        b->key_len = (uint8_t)klen;
        memcpy(b->key, client.ptr, klen);
        b->tokens = burst;
        b->last_ns = now_ns;
    }
    double refill = (double)(now_ns - b->last_ns) / 1e9 * t->rate;
    if (refill > 0) b->tokens = b->tokens + refill > burst ? burst : b->tokens + refill;
    if (now_ns > b->last_ns) b->last_ns = now_ns;
    bool ok = b->tokens >= 1;
    if (ok) b->tokens -= 1;
    atomic_flag_clear_explicit(&tr->lock, memory_order_release);
    return ok;
}
