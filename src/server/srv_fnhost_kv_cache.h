/* The functions' KV store's memory (srv_fnhost_kv.c): every key a call
 * touched, with its value or its absence, in a hash table split in
 * stripes with a mutex each, in front of the SQLite file. A get that finds
 * its key costs a hash, a stripe lock and a copy; a set changes memory and
 * leaves a write waiting, which the store's thread commits with the other
 * waiting writes in one transaction (srv_kv_cache_take / _done).
 *
 * The invariant that keeps it right: a key not in memory is as the file
 * says. A waiting write's entry is never evicted, an entry stops waiting
 * only once the file has it, and a miss reads the file under its stripe's
 * lock, so no write to that key can come between the read and the entry. */
#ifndef IFRIT_SERVER_SRV_FNHOST_KV_CACHE_H
#define IFRIT_SERVER_SRV_FNHOST_KV_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/str.h"

typedef struct srv_kv_cache srv_kv_cache_t;

/* What a miss read from the file: value (malloc'd, NULL when empty) and
 * its expiry (ms since the epoch, 0: none). */
typedef struct {
    unsigned char *value;
    size_t len;
    int64_t expires;
} srv_kv_loaded_t;

/* Reads key from the file: 1 found (out filled), 0 absent, -1 failed. */
typedef int (*srv_kv_load_fn)(void *ud, ifr_str_t ns, ifr_str_t key, int64_t now, srv_kv_loaded_t *out);

/* max_bytes: keys and values kept in memory (entries no write waits on
 * are evicted past it, least recently used first); max_waiting: bytes of
 * waiting writes past which srv_kv_cache_full says so.
 * NULL when out of memory. */
srv_kv_cache_t *srv_kv_cache_new(size_t max_bytes, size_t max_waiting, srv_kv_load_fn load, void *ud);
void srv_kv_cache_free(srv_kv_cache_t *c);

/* 1 found (min(len, cap) bytes copied, *len its length), 0 absent or
 * expired at now, -1 the file could not be read. */
int srv_kv_cache_get(srv_kv_cache_t *c, ifr_str_t ns, ifr_str_t key, void *out, size_t cap, size_t *len,
                     int64_t now);
/* Stores value with its expiry (0: none); the write waits for the file.
 * 0, or -1 out of memory (nothing changed). */
int srv_kv_cache_set(srv_kv_cache_t *c, ifr_str_t ns, ifr_str_t key, ifr_str_t value, int64_t expires);
/* 1 deleted, 0 was absent, -1 the file could not be read. */
int srv_kv_cache_delete(srv_kv_cache_t *c, ifr_str_t ns, ifr_str_t key, int64_t now);

/* One waiting write, copied: the key and, when present, the value and
 * its expiry (absent: a delete). */
typedef struct {
    unsigned char *bytes;        /* ns, key, value, one malloc */
    uint32_t ns_len, key_len;
    size_t value_len;
    int64_t expires;
    uint64_t version;            /* the entry's, to tell it was not written again since */
    bool present;
} srv_kv_write_t;

typedef struct {
    srv_kv_write_t *w;
    size_t n, cap, bytes;
} srv_kv_batch_t;

/* Appends copies of waiting writes to b until it holds max_bytes or
 * there are no more; the writes keep waiting. 0, or -1 out of memory. */
int srv_kv_cache_take(srv_kv_cache_t *c, srv_kv_batch_t *b, size_t max_bytes);
/* b is in the file: each of its writes whose key was not written again
 * since it was taken stops waiting. */
void srv_kv_cache_done(srv_kv_cache_t *c, const srv_kv_batch_t *b);
/* Empties b (keeps its array). */
void srv_kv_batch_clear(srv_kv_batch_t *b);
void srv_kv_batch_free(srv_kv_batch_t *b);
/* Whether the waiting writes' bytes are past max_waiting: the caller
 * commits them before it adds one more. */
bool srv_kv_cache_full(srv_kv_cache_t *c);
/* The number of writes waiting for the file. */
size_t srv_kv_cache_waiting(srv_kv_cache_t *c);

#endif
