/* The KV store's memory (srv_fnhost_kv_cache.h): 64 stripes, each a
 * chained hash table with its own mutex, its least-recently-used list and
 * its list of entries whose write waits for the file. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "server/srv_fnhost_kv_cache.h"

#define SRV__KV_STRIPES 64
/* Entries looked at from the cold end per eviction pass, so a stripe full
 * of waiting writes costs a set a bounded walk. */
#define SRV__KV_EVICT_SCAN 32

typedef struct srv__kv_entry {
    struct srv__kv_entry *chain;
    struct srv__kv_entry *lru_prev, *lru_next;     /* prev: more recent */
    struct srv__kv_entry *wait_prev, *wait_next;
    uint64_t hash, version;
    int64_t expires;
    unsigned char *value;
    size_t value_len;
    uint32_t ns_len, key_len;
    bool present, waiting;
    unsigned char name[];                           /* ns, then key */
} srv__kv_entry_t;

typedef struct {
    pthread_mutex_t mu;
    srv__kv_entry_t **buckets;
    size_t nbuckets, count;
    srv__kv_entry_t *lru_head, *lru_tail;
    srv__kv_entry_t *wait_head, *wait_tail;
} srv__kv_stripe_t;

struct srv_kv_cache {
    srv__kv_stripe_t stripes[SRV__KV_STRIPES];
    atomic_size_t bytes, waiting_bytes, waiting;
    size_t max_bytes, max_waiting;
    srv_kv_load_fn load;
    void *ud;
};

static uint64_t srv__kv_hash(ifr_str_t ns, ifr_str_t key)
{
    /* FNV-1a over ns, a separator and key, then a final mix. */
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < ns.len; i++) h = (h ^ (unsigned char)ns.ptr[i]) * 0x100000001b3ull;
    h = (h ^ 0xff) * 0x100000001b3ull;
    for (size_t i = 0; i < key.len; i++) h = (h ^ (unsigned char)key.ptr[i]) * 0x100000001b3ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

static size_t srv__kv_entry_size(const srv__kv_entry_t *e)
{
    return sizeof *e + e->ns_len + e->key_len + e->value_len;
}

static srv__kv_stripe_t *srv__kv_stripe(srv_kv_cache_t *c, uint64_t h)
{
    return &c->stripes[h & (SRV__KV_STRIPES - 1)];
}

static size_t srv__kv_bucket(const srv__kv_stripe_t *s, uint64_t h)
{
    return (size_t)(h >> 6) & (s->nbuckets - 1);
}

static srv__kv_entry_t *srv__kv_find(srv__kv_stripe_t *s, uint64_t h, ifr_str_t ns, ifr_str_t key)
{
    for (srv__kv_entry_t *e = s->buckets[srv__kv_bucket(s, h)]; e; e = e->chain)
        if (e->hash == h && e->ns_len == ns.len && e->key_len == key.len && memcmp(e->name, ns.ptr, ns.len) == 0 &&
            memcmp(e->name + ns.len, key.ptr, key.len) == 0)
            return e;
    return NULL;
}

static void srv__kv_lru_unlink(srv__kv_stripe_t *s, srv__kv_entry_t *e)
{
    if (e->lru_prev) e->lru_prev->lru_next = e->lru_next;
    else s->lru_head = e->lru_next;
    if (e->lru_next) e->lru_next->lru_prev = e->lru_prev;
    else s->lru_tail = e->lru_prev;
    e->lru_prev = e->lru_next = NULL;
}

static void srv__kv_lru_front(srv__kv_stripe_t *s, srv__kv_entry_t *e)
{
    if (s->lru_head == e) return;
    if (e->lru_prev || e->lru_next || s->lru_tail == e) srv__kv_lru_unlink(s, e);
    e->lru_next = s->lru_head;
    if (s->lru_head) s->lru_head->lru_prev = e;
    s->lru_head = e;
    if (!s->lru_tail) s->lru_tail = e;
}

/* Marks e as written again: its write waits for the file. */
static void srv__kv_wait(srv_kv_cache_t *c, srv__kv_stripe_t *s, srv__kv_entry_t *e)
{
    e->version++;
    if (e->waiting) return;
    e->waiting = true;
    e->wait_prev = s->wait_tail;
    e->wait_next = NULL;
    if (s->wait_tail) s->wait_tail->wait_next = e;
    else s->wait_head = e;
    s->wait_tail = e;
    atomic_fetch_add(&c->waiting, 1);
}

static void srv__kv_unwait(srv_kv_cache_t *c, srv__kv_stripe_t *s, srv__kv_entry_t *e)
{
    if (!e->waiting) return;
    e->waiting = false;
    if (e->wait_prev) e->wait_prev->wait_next = e->wait_next;
    else s->wait_head = e->wait_next;
    if (e->wait_next) e->wait_next->wait_prev = e->wait_prev;
    else s->wait_tail = e->wait_prev;
    e->wait_prev = e->wait_next = NULL;
    atomic_fetch_sub(&c->waiting, 1);
    atomic_fetch_sub(&c->waiting_bytes, srv__kv_entry_size(e));
}

static void srv__kv_remove(srv_kv_cache_t *c, srv__kv_stripe_t *s, srv__kv_entry_t *e)
{
    srv__kv_entry_t **p = &s->buckets[srv__kv_bucket(s, e->hash)];
    while (*p != e) p = &(*p)->chain;
    *p = e->chain;
    srv__kv_lru_unlink(s, e);
    s->count--;
    atomic_fetch_sub(&c->bytes, srv__kv_entry_size(e));
    free(e->value);
    free(e);
}

/* Past max_bytes, drops entries no write waits on from the cold end of
 * s, never keep (the entry the caller is using). */
static void srv__kv_evict(srv_kv_cache_t *c, srv__kv_stripe_t *s, const srv__kv_entry_t *keep)
{
    srv__kv_entry_t *e = s->lru_tail;
    for (int n = 0; e && n < SRV__KV_EVICT_SCAN && atomic_load(&c->bytes) > c->max_bytes; n++) {
        srv__kv_entry_t *prev = e->lru_prev;
        if (e != keep && !e->waiting) srv__kv_remove(c, s, e);
        e = prev;
    }
}

static void srv__kv_grow(srv__kv_stripe_t *s)
{
    size_t n = s->nbuckets * 2;
    srv__kv_entry_t **b = calloc(n, sizeof *b);
    if (!b) return;   /* longer chains, still correct */
    for (size_t i = 0; i < s->nbuckets; i++)
        for (srv__kv_entry_t *e = s->buckets[i], *next; e; e = next) {
            next = e->chain;
            size_t j = (size_t)(e->hash >> 6) & (n - 1);
            e->chain = b[j];
            b[j] = e;
        }
    free(s->buckets);
    s->buckets = b;
    s->nbuckets = n;
}

/* A new entry for ns/key holding value (taken over), linked in. */
static srv__kv_entry_t *srv__kv_insert(srv_kv_cache_t *c, srv__kv_stripe_t *s, uint64_t h, ifr_str_t ns,
                                       ifr_str_t key)
{
    srv__kv_entry_t *e = calloc(1, sizeof *e + ns.len + key.len);
    if (!e) return NULL;
    e->hash = h;
    e->ns_len = (uint32_t)ns.len;
    e->key_len = (uint32_t)key.len;
    memcpy(e->name, ns.ptr, ns.len);
    if (key.len) memcpy(e->name + ns.len, key.ptr, key.len);
    if (s->count >= s->nbuckets) srv__kv_grow(s);
    size_t i = srv__kv_bucket(s, h);
    e->chain = s->buckets[i];
    s->buckets[i] = e;
    s->count++;
    srv__kv_lru_front(s, e);
    atomic_fetch_add(&c->bytes, srv__kv_entry_size(e));
    return e;
}

/* The entry of ns/key, read from the file when memory has none. NULL with
 * *rc -1 when the file could not be read or memory is short. */
static srv__kv_entry_t *srv__kv_entry(srv_kv_cache_t *c, srv__kv_stripe_t *s, uint64_t h, ifr_str_t ns,
                                      ifr_str_t key, int64_t now, int *rc)
{
    srv__kv_entry_t *e = srv__kv_find(s, h, ns, key);
    if (e) {
        srv__kv_lru_front(s, e);
        return e;
    }
    srv_kv_loaded_t got = { 0 };
    int found = c->load(c->ud, ns, key, now, &got);
    if (found < 0 || !(e = srv__kv_insert(c, s, h, ns, key))) {
        free(got.value);
        *rc = -1;
        return NULL;
    }
    if (found) {
        e->present = true;
        e->value = got.value;
        e->value_len = got.len;
        e->expires = got.expires;
        atomic_fetch_add(&c->bytes, got.len);
    }
    return e;
}

static bool srv__kv_live(const srv__kv_entry_t *e, int64_t now)
{
    return e->present && (e->expires == 0 || e->expires > now);
}

int srv_kv_cache_get(srv_kv_cache_t *c, ifr_str_t ns, ifr_str_t key, void *out, size_t cap, size_t *len,
                     int64_t now)
{
    uint64_t h = srv__kv_hash(ns, key);
    srv__kv_stripe_t *s = srv__kv_stripe(c, h);
    int rc = 0;
    pthread_mutex_lock(&s->mu);
    srv__kv_entry_t *e = srv__kv_entry(c, s, h, ns, key, now, &rc);
    if (e && srv__kv_live(e, now)) {
        if (e->value_len && cap) memcpy(out, e->value, e->value_len < cap ? e->value_len : cap);
        *len = e->value_len;
        rc = 1;
    }
    if (e) srv__kv_evict(c, s, e);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int srv_kv_cache_set(srv_kv_cache_t *c, ifr_str_t ns, ifr_str_t key, ifr_str_t value, int64_t expires)
{
    unsigned char *copy = NULL;
    if (value.len && !(copy = malloc(value.len))) return -1;
    if (value.len) memcpy(copy, value.ptr, value.len);
    uint64_t h = srv__kv_hash(ns, key);
    srv__kv_stripe_t *s = srv__kv_stripe(c, h);
    pthread_mutex_lock(&s->mu);
    /* No read of the file: the write replaces whatever it holds. */
    srv__kv_entry_t *e = srv__kv_find(s, h, ns, key);
    if (e) srv__kv_lru_front(s, e);
    else if (!(e = srv__kv_insert(c, s, h, ns, key))) {
        pthread_mutex_unlock(&s->mu);
        free(copy);
        return -1;
    }
    size_t before = srv__kv_entry_size(e);
    if (e->waiting) atomic_fetch_sub(&c->waiting_bytes, before);
    free(e->value);
    e->value = copy;
    e->value_len = value.len;
    e->expires = expires;
    e->present = true;
    atomic_fetch_add(&c->bytes, value.len);
    atomic_fetch_sub(&c->bytes, before - sizeof *e - e->ns_len - e->key_len);
    srv__kv_wait(c, s, e);
    atomic_fetch_add(&c->waiting_bytes, srv__kv_entry_size(e));
    srv__kv_evict(c, s, e);
    pthread_mutex_unlock(&s->mu);
    return 0;
}

int srv_kv_cache_delete(srv_kv_cache_t *c, ifr_str_t ns, ifr_str_t key, int64_t now)
{
    uint64_t h = srv__kv_hash(ns, key);
    srv__kv_stripe_t *s = srv__kv_stripe(c, h);
    int rc = 0;
    pthread_mutex_lock(&s->mu);
    srv__kv_entry_t *e = srv__kv_entry(c, s, h, ns, key, now, &rc);
    if (e && e->present) {
        /* An expired value is deleted too (the file may still hold it),
         * but it was not there to delete. */
        rc = srv__kv_live(e, now);
        if (e->waiting) atomic_fetch_sub(&c->waiting_bytes, srv__kv_entry_size(e));
        atomic_fetch_sub(&c->bytes, e->value_len);
        free(e->value);
        e->value = NULL;
        e->value_len = 0;
        e->expires = 0;
        e->present = false;
        srv__kv_wait(c, s, e);
        atomic_fetch_add(&c->waiting_bytes, srv__kv_entry_size(e));
    }
    if (e) srv__kv_evict(c, s, e);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static int srv__kv_batch_add(srv_kv_batch_t *b, const srv__kv_entry_t *e)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        srv_kv_write_t *w = realloc(b->w, cap * sizeof *w);
        if (!w) return -1;
        b->w = w;
        b->cap = cap;
    }
    size_t size = (size_t)e->ns_len + e->key_len + e->value_len;
    unsigned char *bytes = malloc(size ? size : 1);
    if (!bytes) return -1;
    memcpy(bytes, e->name, (size_t)e->ns_len + e->key_len);
    if (e->value_len) memcpy(bytes + e->ns_len + e->key_len, e->value, e->value_len);
    b->w[b->n++] = (srv_kv_write_t){ .bytes = bytes, .ns_len = e->ns_len, .key_len = e->key_len,
                                     .value_len = e->value_len, .expires = e->expires,
                                     .version = e->version, .present = e->present };
    b->bytes += size;
    return 0;
}

int srv_kv_cache_take(srv_kv_cache_t *c, srv_kv_batch_t *b, size_t max_bytes)
{
    for (int i = 0; i < SRV__KV_STRIPES && b->bytes < max_bytes; i++) {
        srv__kv_stripe_t *s = &c->stripes[i];
        pthread_mutex_lock(&s->mu);
        int rc = 0;
        for (srv__kv_entry_t *e = s->wait_head; e && rc == 0 && b->bytes < max_bytes; e = e->wait_next)
            rc = srv__kv_batch_add(b, e);
        pthread_mutex_unlock(&s->mu);
        if (rc) return -1;
    }
    return 0;
}

void srv_kv_cache_done(srv_kv_cache_t *c, const srv_kv_batch_t *b)
{
    for (size_t i = 0; i < b->n; i++) {
        const srv_kv_write_t *w = &b->w[i];
        ifr_str_t ns = ifr_str((const char *)w->bytes, w->ns_len);
        ifr_str_t key = ifr_str((const char *)w->bytes + w->ns_len, w->key_len);
        uint64_t h = srv__kv_hash(ns, key);
        srv__kv_stripe_t *s = srv__kv_stripe(c, h);
        pthread_mutex_lock(&s->mu);
        srv__kv_entry_t *e = srv__kv_find(s, h, ns, key);
        if (e && e->waiting && e->version == w->version) {
            srv__kv_unwait(c, s, e);
            srv__kv_evict(c, s, NULL);
        }
        pthread_mutex_unlock(&s->mu);
    }
}

void srv_kv_batch_clear(srv_kv_batch_t *b)
{
    for (size_t i = 0; i < b->n; i++) free(b->w[i].bytes);
    b->n = 0;
    b->bytes = 0;
}

void srv_kv_batch_free(srv_kv_batch_t *b)
{
    srv_kv_batch_clear(b);
    free(b->w);
    b->w = NULL;
    b->cap = 0;
}

size_t srv_kv_cache_waiting(srv_kv_cache_t *c) { return atomic_load(&c->waiting); }

bool srv_kv_cache_full(srv_kv_cache_t *c) { return atomic_load(&c->waiting_bytes) > c->max_waiting; }

srv_kv_cache_t *srv_kv_cache_new(size_t max_bytes, size_t max_waiting, srv_kv_load_fn load, void *ud)
{
    srv_kv_cache_t *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->max_bytes = max_bytes;
    c->max_waiting = max_waiting;
    c->load = load;
    c->ud = ud;
    for (int i = 0; i < SRV__KV_STRIPES; i++) {
        srv__kv_stripe_t *s = &c->stripes[i];
        pthread_mutex_init(&s->mu, NULL);
        s->nbuckets = 16;
        if (!(s->buckets = calloc(s->nbuckets, sizeof *s->buckets))) {
            srv_kv_cache_free(c);
            return NULL;
        }
    }
    return c;
}

void srv_kv_cache_free(srv_kv_cache_t *c)
{
    if (!c) return;
    for (int i = 0; i < SRV__KV_STRIPES; i++) {
        srv__kv_stripe_t *s = &c->stripes[i];
        for (size_t j = 0; s->buckets && j < s->nbuckets; j++)
            for (srv__kv_entry_t *e = s->buckets[j], *next; e; e = next) {
                next = e->chain;
                free(e->value);
                free(e);
            }
        free(s->buckets);
        pthread_mutex_destroy(&s->mu);
    }
    free(c);
}
