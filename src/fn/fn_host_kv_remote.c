/* KV calls on a shared store (`kv redis://...`, fn_host_call.h
 * fn_host_kv_remote_prepare): the store answers over the network, so the
 * call suspends the guest like an outbound HTTP call, but the backend
 * does it on the worker's own loop (kv_remote_start), not on a helper
 * thread. If the exchange ends while the call waits (the client left, the
 * deadline passed), the cleanup registered with the exchange's arena
 * cancels it before the arena, which holds the job, is reset. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fn/fn_function.h"
#include "fn/fn_host_call.h"

static void fn__kv_remote_cleanup(void *data)
{
    fn_call_t *c = data;
    fn_host_call_t *h = c->host;
    if (h && h->kv_job && h->kv_job->inflight) fn_host_backend()->kv_remote_cancel(h->kv_job);
}

static int fn__kv_remote_start(fn_call_t *c)
{
    return fn_host_backend()->kv_remote_start(c->x, c->host->kv_job, fn_host_resume, c);
}

/* This request's lock owner: 32 random hex digits, made at its first lock
 * or unlock. 0, or -1 when no randomness could be had. */
static int fn__kv_owner(fn_host_call_t *h)
{
    if (h->kv_owner[0]) return 0;
    unsigned char r[16];
    if (getentropy(r, sizeof r) != 0) return -1;
    for (size_t i = 0; i < sizeof r; i++) snprintf(h->kv_owner + 2 * i, 3, "%02x", r[i]);
    return 0;
}

int fn_host_kv_remote_prepare(fn_call_t *c, const char *call, fn_kv_op_t op, ifr_str_t key, ifr_str_t value,
                              int64_t ttl_ms, uint64_t cap, void (*complete)(fn_call_t *c))
{
    const fn_host_backend_t *b = fn_host_backend();
    fn_host_call_t *h = fn_host_state(c);
    if (!h || !b || !b->kv_remote_start) {
        fn_host_log(c, IFR_LOG_ERROR, "%s: %s", call, h ? "no shared KV store in this build" : "out of memory");
        return FN_HOST_E_UNAVAILABLE;
    }
    bool locking = op == FN_KV_OP_LOCK || op == FN_KV_OP_UNLOCK;
    if (locking && fn__kv_owner(h) < 0) {
        fn_host_log(c, IFR_LOG_ERROR, "%s: no randomness for the lock's owner token", call);
        return FN_HOST_E_UNAVAILABLE;
    }
    if (!h->kv_cleanup) {
        if (ifr_arena_on_cleanup(c->x->arena, fn__kv_remote_cleanup, c) < 0) {
            fn_host_log(c, IFR_LOG_ERROR, "%s: out of memory", call);
            return FN_HOST_E_UNAVAILABLE;
        }
        h->kv_cleanup = true;
    }
    ifr_str_t ns = ifr_cstr(c->f->kv_ns);
    size_t owner_len = locking ? strlen(h->kv_owner) : 0;
    uint64_t room = op == FN_KV_OP_GET ? cap : op == FN_KV_OP_SET ? value.len : 0;
    size_t size = sizeof(fn_kv_job_t) + ns.len + key.len + owner_len + room;
    fn_kv_job_t *j = h->kv_job && h->kv_job_size >= size ? h->kv_job : ifr_arena_alloc(c->x->arena, size);
    if (!j) {
        fn_host_log(c, IFR_LOG_ERROR, "%s: out of memory", call);
        return FN_HOST_E_UNAVAILABLE;
    }
    if (j != h->kv_job) {
        h->kv_job = j;
        h->kv_job_size = size;
    }
    memset(j, 0, sizeof *j);
    j->store = c->f->kv_remote;
    j->op = op;
    j->ttl_ms = ttl_ms;
    j->ns_len = (uint32_t)ns.len;
    j->key_len = (uint32_t)key.len;
    j->owner_len = (uint32_t)owner_len;
    j->value_len = room;
    memcpy(fn_kv_job_ns(j), ns.ptr, ns.len);
    memcpy(fn_kv_job_key(j), key.ptr, key.len);
    if (owner_len) memcpy(fn_kv_job_owner(j), h->kv_owner, owner_len);
    if (op == FN_KV_OP_SET && value.len) memcpy(fn_kv_job_value(j), value.ptr, value.len);
    h->start = fn__kv_remote_start;
    h->complete = complete;
    h->suspended = true;
    return FN_HOST_E_OK;
}
