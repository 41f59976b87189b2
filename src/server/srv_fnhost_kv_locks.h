/* The functions' locks (host_mutex_lock, lock) of a KV store
 * (srv_fnhost_kv.c): in memory, in 64 stripes with a mutex each, never in
 * the file. A lock belongs to the requests of this process: a restart
 * frees every lock, whose holders are gone with it. */
#ifndef IFRIT_SERVER_SRV_FNHOST_KV_LOCKS_H
#define IFRIT_SERVER_SRV_FNHOST_KV_LOCKS_H

#include <stddef.h>
#include <stdint.h>

#include "base/str.h"

typedef struct srv_kv_locks srv_kv_locks_t;

/* At most max locks held at once. NULL when out of memory. */
srv_kv_locks_t *srv_kv_locks_new(size_t max);
void srv_kv_locks_free(srv_kv_locks_t *l);
/* Takes ns/key unless it is held and not expired at now: 1 taken, 0 held,
 * -1 max locks are held (or out of memory). expires 0: until unlocked. */
int srv_kv_locks_take(srv_kv_locks_t *l, ifr_str_t ns, ifr_str_t key, int64_t expires, int64_t now);
/* 1 released, 0 not held (or expired). */
int srv_kv_locks_release(srv_kv_locks_t *l, ifr_str_t ns, ifr_str_t key, int64_t now);

#endif
