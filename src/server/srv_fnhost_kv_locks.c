/* Locks in memory (srv_fnhost_kv_locks.h): each stripe a chained hash
 * table of held locks; an expired lock is dropped when its chain is
 * walked, so expired ones cost no sweep. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "server/srv_fnhost_kv_locks.h"

#define SRV__LOCKS_STRIPES 64
#define SRV__LOCKS_BUCKETS 256   /* per stripe */

typedef struct srv__lock {
    struct srv__lock *next;
    uint64_t hash;
    int64_t expires;
    uint32_t ns_len, key_len;
    unsigned char name[];        /* ns, then key */
} srv__lock_t;

typedef struct {
    pthread_mutex_t mu;
    srv__lock_t *buckets[SRV__LOCKS_BUCKETS];
} srv__locks_stripe_t;

struct srv_kv_locks {
    srv__locks_stripe_t stripes[SRV__LOCKS_STRIPES];
    atomic_size_t count;
    size_t max;
};

static uint64_t srv__locks_hash(ifr_str_t ns, ifr_str_t key)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < ns.len; i++) h = (h ^ (unsigned char)ns.ptr[i]) * 0x100000001b3ull;
    h = (h ^ 0xff) * 0x100000001b3ull;
    for (size_t i = 0; i < key.len; i++) h = (h ^ (unsigned char)key.ptr[i]) * 0x100000001b3ull;
    return h ^ (h >> 29);
}

static bool srv__locks_live(const srv__lock_t *k, int64_t now) { return k->expires == 0 || k->expires > now; }

/* The slot holding ns/key's lock in its chain (a pointer to NULL when
 * none), dropping the expired locks it passes. */
static srv__lock_t **srv__locks_find(srv_kv_locks_t *l, srv__lock_t **p, uint64_t h, ifr_str_t ns, ifr_str_t key,
                                     int64_t now)
{
    while (*p) {
        srv__lock_t *k = *p;
        if (k->hash == h && k->ns_len == ns.len && k->key_len == key.len && memcmp(k->name, ns.ptr, ns.len) == 0 &&
            memcmp(k->name + ns.len, key.ptr, key.len) == 0)
            return p;
        if (!srv__locks_live(k, now)) {
            *p = k->next;
            free(k);
            atomic_fetch_sub(&l->count, 1);
            continue;
        }
        p = &k->next;
    }
    return p;
}

int srv_kv_locks_take(srv_kv_locks_t *l, ifr_str_t ns, ifr_str_t key, int64_t expires, int64_t now)
{
    uint64_t h = srv__locks_hash(ns, key);
    srv__locks_stripe_t *s = &l->stripes[h % SRV__LOCKS_STRIPES];
    int rc = 1;
    pthread_mutex_lock(&s->mu);
    srv__lock_t **slot = srv__locks_find(l, &s->buckets[(h / SRV__LOCKS_STRIPES) % SRV__LOCKS_BUCKETS], h, ns, key, now);
    if (*slot && srv__locks_live(*slot, now)) {
        rc = 0;
    } else if (*slot) {
        (*slot)->expires = expires;   /* its holder's TTL ran out: taken again */
    } else if (atomic_load(&l->count) >= l->max) {
        rc = -1;
    } else {
        srv__lock_t *k = malloc(sizeof *k + ns.len + key.len);
        if (!k) {
            rc = -1;
        } else {
            k->next = NULL;
            k->hash = h;
            k->expires = expires;
            k->ns_len = (uint32_t)ns.len;
            k->key_len = (uint32_t)key.len;
            memcpy(k->name, ns.ptr, ns.len);
            if (key.len) memcpy(k->name + ns.len, key.ptr, key.len);
            *slot = k;
            atomic_fetch_add(&l->count, 1);
        }
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int srv_kv_locks_release(srv_kv_locks_t *l, ifr_str_t ns, ifr_str_t key, int64_t now)
{
    uint64_t h = srv__locks_hash(ns, key);
    srv__locks_stripe_t *s = &l->stripes[h % SRV__LOCKS_STRIPES];
    pthread_mutex_lock(&s->mu);
    srv__lock_t **slot = srv__locks_find(l, &s->buckets[(h / SRV__LOCKS_STRIPES) % SRV__LOCKS_BUCKETS], h, ns, key, now);
    int rc = 0;
    if (*slot) {
        srv__lock_t *k = *slot;
        rc = srv__locks_live(k, now);
        *slot = k->next;
        free(k);
        atomic_fetch_sub(&l->count, 1);
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

srv_kv_locks_t *srv_kv_locks_new(size_t max)
{
    srv_kv_locks_t *l = calloc(1, sizeof *l);
    if (!l) return NULL;
    l->max = max;
    for (int i = 0; i < SRV__LOCKS_STRIPES; i++) pthread_mutex_init(&l->stripes[i].mu, NULL);
    return l;
}

void srv_kv_locks_free(srv_kv_locks_t *l)
{
    if (!l) return;
    for (int i = 0; i < SRV__LOCKS_STRIPES; i++) {
        for (int b = 0; b < SRV__LOCKS_BUCKETS; b++)
            for (srv__lock_t *k = l->stripes[i].buckets[b], *next; k; k = next) {
                next = k->next;
                free(k);
            }
        pthread_mutex_destroy(&l->stripes[i].mu);
    }
    free(l);
}
