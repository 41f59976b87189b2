/* The KV, lock and log host functions of both modules. They run on the
 * worker, inside the guest's call: the embedded store answers in
 * microseconds (fn_host.h). Every one checks the guest's pointers first (a
 * range outside its memory traps the call), then the grant (a denied call
 * gets the module's error value and a log line, and never reaches the
 * store), then the limits.
 *
 * Gojinn's forms keep Gojinn's conventions (docs/functions.md):
 * host_kv_set returns nothing and fails silently; host_kv_get returns the
 * number of bytes written, at most max (a longer value is cut), or -1 (all
 * ones, in the width the guest declared) when the key is absent, denied or
 * the store failed; host_mutex_lock/unlock return 1 on success, 0
 * otherwise. ifrit's forms return an FN_HOST_E_* code.
 *
 * On a shared store (`kv redis://...`, f->kv_remote) the same checks run
 * first, then the call suspends the guest while the store answers
 * (fn_host_kv_remote.c) and fn__kv_remote_complete turns the answer into
 * the same results. */
#include <string.h>

#include "fn/fn_function.h"
#include "fn/fn_host_call.h"

/* The request a call serves; NULL while the function loads (logged). */
static fn_call_t *fn__kv_request(fn_function_t *f, const char *call)
{
    fn_call_t *c = fn_host_current();
    if (c && c->f == f) return c;
    ifr_log_warn(f->logger, "%s while the function loads (before its first read of stdin or of its "
                 "environment): host calls are not available there, it fails", call);
    return NULL;
}

/* FN_HOST_E_OK, or why the call may not touch key. */
static int fn__kv_check(fn_call_t *c, const char *call, unsigned perm, ifr_str_t key)
{
    const fn_host_config_t *h = &c->f->conf->host;
    const char *what = perm == FN_PERM_KV_READ ? "kv_read" : perm == FN_PERM_KV_WRITE ? "kv_write" : "mutex";
    if (!(h->perms & perm)) {
        fn_host_log(c, IFR_LOG_WARN, "%s denied: the function's permissions do not grant %s", call, what);
        return FN_HOST_E_DENIED;
    }
    const fn_key_scope_t *scope = perm == FN_PERM_KV_READ ? &h->kv_read : perm == FN_PERM_KV_WRITE ? &h->kv_write : NULL;
    if (scope && !fn_host_key_allowed(scope, key)) {
        fn_host_log(c, IFR_LOG_WARN, "%s denied: %s does not cover the key '%.*s'", call, what,
                    (int)(key.len > 100 ? 100 : key.len), key.ptr);
        return FN_HOST_E_DENIED;
    }
    if (key.len == 0 || key.len > FN_KV_MAX_KEY) {
        fn_host_log(c, IFR_LOG_WARN, "%s: a key must have 1 to %u bytes (it has %zu)", call, FN_KV_MAX_KEY, key.len);
        return key.len ? FN_HOST_E_TOO_LARGE : FN_HOST_E_INVALID;
    }
    return FN_HOST_E_OK;
}

static ifr_str_t fn__kv_ns(const fn_function_t *f) { return ifr_cstr(f->kv_ns); }

static void fn__put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* ---- a shared store's answers --------------------------------------------- */

/* Which host function a shared store's call serves (h->kv_form). */
enum {
    FN__KV_GOJINN_GET32, FN__KV_GOJINN_GET64, FN__KV_IFRIT_GET, FN__KV_GOJINN_SET, FN__KV_IFRIT_SET,
    FN__KV_IFRIT_DELETE, FN__KV_GOJINN_LOCK, FN__KV_IFRIT_LOCK, FN__KV_GOJINN_UNLOCK, FN__KV_IFRIT_UNLOCK,
};

static const char *const fn__kv_form_call[] = {
    [FN__KV_GOJINN_GET32] = "host_kv_get", [FN__KV_GOJINN_GET64] = "host_kv_get", [FN__KV_IFRIT_GET] = "kv_get",
    [FN__KV_GOJINN_SET] = "host_kv_set", [FN__KV_IFRIT_SET] = "kv_set", [FN__KV_IFRIT_DELETE] = "kv_delete",
    [FN__KV_GOJINN_LOCK] = "host_mutex_lock", [FN__KV_IFRIT_LOCK] = "lock",
    [FN__KV_GOJINN_UNLOCK] = "host_mutex_unlock", [FN__KV_IFRIT_UNLOCK] = "unlock",
};

/* A get's value into the guest's buffer at h->out: the bytes copied. */
static uint64_t fn__kv_remote_copy(fn_call_t *c, fn_kv_job_t *j)
{
    uint64_t n = j->len < j->value_len ? j->len : j->value_len;
    void *dst = n ? iw_memory_lift(c->inst, c->host->out, n) : NULL;
    if (dst) memcpy(dst, fn_kv_job_value(j), n);
    return dst ? n : 0;
}

static void fn__kv_remote_complete(fn_call_t *c)
{
    fn_host_call_t *h = c->host;
    fn_kv_job_t *j = h->kv_job;
    int form = h->kv_form;
    if (j->rc < 0) fn_host_log(c, IFR_LOG_WARN, "%s: UNAVAILABLE (%s)", fn__kv_form_call[form], j->detail);
    /* ifrit's code for each answer: found/done, absent/held, failed. */
    uint32_t code = j->rc < 0 ? FN_HOST_E_UNAVAILABLE : j->rc > 0 ? FN_HOST_E_OK
                  : form == FN__KV_IFRIT_LOCK ? FN_HOST_E_BUSY : FN_HOST_E_NOT_FOUND;
    switch (form) {
    case FN__KV_GOJINN_GET32:
    case FN__KV_GOJINN_GET64:
        h->results[0] = j->rc > 0 ? fn__kv_remote_copy(c, j) : form == FN__KV_GOJINN_GET64 ? UINT64_MAX : UINT32_MAX;
        break;
    case FN__KV_IFRIT_GET:
        if (j->rc > 0 && j->len > FN_KV_MAX_VALUE) {   /* written there by another client */
            fn_host_log(c, IFR_LOG_WARN, "kv_get: the value has %llu bytes, more than the %u a value may have",
                        (unsigned long long)j->len, FN_KV_MAX_VALUE);
            code = FN_HOST_E_TOO_LARGE;
        } else if (j->rc > 0) {
            fn__kv_remote_copy(c, j);
            uint8_t *lenp = iw_memory_lift(c->inst, h->kv_len_ptr, 4);
            if (lenp) fn__put_u32(lenp, (uint32_t)j->len);
            if (j->len > j->value_len) code = FN_HOST_E_BUFFER_TOO_SMALL;
        }
        h->results[0] = code;
        break;
    case FN__KV_GOJINN_SET: break;
    case FN__KV_GOJINN_LOCK:
    case FN__KV_GOJINN_UNLOCK: h->results[0] = j->rc > 0; break;
    default: h->results[0] = code;
    }
}

/* Suspends the guest in a call on f's shared store (the checks passed):
 * IW_HOST_SUSPEND, or IW_HOST_OK with results[0] = fail when it could not
 * start (logged; host_kv_set, which has no result, only logs). out/len_ptr: a get's buffer and length field. */
static iw_host_result_t fn__kv_remote(fn_call_t *c, int form, fn_kv_op_t op, ifr_str_t key, ifr_str_t value,
                                      int64_t ttl_ms, uint32_t out, uint64_t cap, uint32_t len_ptr,
                                      uint64_t *results, uint64_t fail)
{
    if (cap > FN_KV_MAX_VALUE) cap = FN_KV_MAX_VALUE;
    if (fn_host_kv_remote_prepare(c, fn__kv_form_call[form], op, key, value, ttl_ms, cap, fn__kv_remote_complete)) {
        if (form != FN__KV_GOJINN_SET) results[0] = fail;   /* host_kv_set has no result */
        return IW_HOST_OK;
    }
    c->host->kv_form = (uint8_t)form;
    c->host->out = out;
    c->host->kv_len_ptr = len_ptr;
    return IW_HOST_SUSPEND;
}

/* ---- log ---------------------------------------------------------------- */

static iw_host_result_t fn__log(iw_instance_t *inst, fn_function_t *f, const char *call, uint32_t level,
                                uint64_t ptr, uint64_t len, bool gojinn)
{
    const char *msg = fn_host_lift(inst, call, "message", ptr, len);
    if (!msg) return IW_HOST_TRAP;
    ifr_log_level_t lv = gojinn ? (level == 3 ? IFR_LOG_ERROR : IFR_LOG_INFO)
                                : level >= 3 ? IFR_LOG_ERROR : level == 2 ? IFR_LOG_WARN : level == 1 ? IFR_LOG_INFO
                                                                                                      : IFR_LOG_DEBUG;
    int n = len > 2000 ? 2000 : (int)len;
    fn_call_t *c = fn_host_current();
    if (c && c->f == f) fn_host_log(c, lv, "%.*s", n, msg);
    else ifr_log(lv, f->logger, "at load: %.*s", n, msg);
    return IW_HOST_OK;
}

FN_HOST_FN(fn_gojinn_log)
{
    (void)results;
    return fn__log(inst, env, "host_log", (uint32_t)args[0], (uint32_t)args[1], (uint32_t)args[2], true);
}

FN_HOST_FN(fn_ifrit_log)
{
    (void)results;
    return fn__log(inst, env, "log", (uint32_t)args[0], (uint32_t)args[1], (uint32_t)args[2], false);
}

/* ---- get ---------------------------------------------------------------- */

/* The checks every KV call makes (the grant, the key): the request, or
 * NULL with *e the error (logged). */
static fn_call_t *fn__kv_begin(fn_function_t *f, const char *call, unsigned perm, ifr_str_t key, int *e)
{
    fn_call_t *c = fn__kv_request(f, call);
    *e = c ? fn__kv_check(c, call, perm, key) : FN_HOST_E_UNAVAILABLE;
    return *e ? NULL : c;
}

/* Looks key up in the embedded store into out (cap bytes): FN_HOST_E_OK
 * with *len, or an error. */
static int fn__kv_get(fn_function_t *f, ifr_str_t key, void *out, size_t cap, size_t *len)
{
    int rc = fn_host_backend()->kv_get(f->kv, fn__kv_ns(f), key, out, cap, len);
    return rc > 0 ? FN_HOST_E_OK : rc == 0 ? FN_HOST_E_NOT_FOUND : FN_HOST_E_UNAVAILABLE;
}

static iw_host_result_t fn__gojinn_kv_get(iw_instance_t *inst, fn_function_t *f, const uint64_t *args,
                                          uint64_t *results, bool wide)
{
    const char *key = fn_host_lift(inst, "host_kv_get", "key", (uint32_t)args[0], (uint32_t)args[1]);
    void *out = key ? fn_host_lift(inst, "host_kv_get", "buffer", (uint32_t)args[2], (uint32_t)args[3]) : NULL;
    if (!out) return IW_HOST_TRAP;
    size_t cap = (uint32_t)args[3], len = 0;
    uint64_t absent = wide ? UINT64_MAX : UINT32_MAX;
    ifr_str_t k = ifr_str(key, (uint32_t)args[1]);
    int e;
    fn_call_t *c = fn__kv_begin(f, "host_kv_get", FN_PERM_KV_READ, k, &e);
    if (c && f->kv_remote)
        return fn__kv_remote(c, wide ? FN__KV_GOJINN_GET64 : FN__KV_GOJINN_GET32, FN_KV_OP_GET, k, IFR_LIT(""), 0,
                             (uint32_t)args[2], cap, 0, results, absent);
    if (c) e = fn__kv_get(f, k, out, cap, &len);
    results[0] = e ? absent : len < cap ? len : cap;
    return IW_HOST_OK;
}

FN_HOST_FN(fn_gojinn_kv_get32) { return fn__gojinn_kv_get(inst, env, args, results, false); }
FN_HOST_FN(fn_gojinn_kv_get64) { return fn__gojinn_kv_get(inst, env, args, results, true); }

FN_HOST_FN(fn_ifrit_kv_get)
{
    fn_function_t *f = env;
    const char *key = fn_host_lift(inst, "kv_get", "key", (uint32_t)args[0], (uint32_t)args[1]);
    void *out = key ? fn_host_lift(inst, "kv_get", "buffer", (uint32_t)args[2], (uint32_t)args[3]) : NULL;
    uint8_t *lenp = out ? fn_host_lift(inst, "kv_get", "length", (uint32_t)args[4], 4) : NULL;
    if (!lenp) return IW_HOST_TRAP;
    size_t cap = (uint32_t)args[3], len = 0;
    ifr_str_t k = ifr_str(key, (uint32_t)args[1]);
    int e;
    fn_call_t *c = fn__kv_begin(f, "kv_get", FN_PERM_KV_READ, k, &e);
    if (c && f->kv_remote)
        return fn__kv_remote(c, FN__KV_IFRIT_GET, FN_KV_OP_GET, k, IFR_LIT(""), 0, (uint32_t)args[2], cap,
                             (uint32_t)args[4], results, FN_HOST_E_UNAVAILABLE);
    if (c) e = fn__kv_get(f, k, out, cap, &len);
    if (e == FN_HOST_E_OK) {
        fn__put_u32(lenp, (uint32_t)len);
        if (len > cap) e = FN_HOST_E_BUFFER_TOO_SMALL;
    }
    results[0] = (uint32_t)e;
    return IW_HOST_OK;
}

/* ---- set and delete ------------------------------------------------------ */

/* The value's limits: FN_HOST_E_OK, or the error (logged). */
static int fn__kv_value_check(fn_call_t *c, const char *call, ifr_str_t value, int64_t ttl_ms)
{
    if (value.len > FN_KV_MAX_VALUE) {
        fn_host_log(c, IFR_LOG_WARN, "%s: the value has %zu bytes, more than the %u a value may have", call,
                    value.len, FN_KV_MAX_VALUE);
        return FN_HOST_E_TOO_LARGE;
    }
    if (ttl_ms < 0) {
        fn_host_log(c, IFR_LOG_WARN, "%s: a negative TTL", call);
        return FN_HOST_E_INVALID;
    }
    return FN_HOST_E_OK;
}

static iw_host_result_t fn__kv_set(fn_function_t *f, const char *call, int form, ifr_str_t key, ifr_str_t value,
                                   int64_t ttl_ms, uint64_t *results)
{
    int e;
    fn_call_t *c = fn__kv_begin(f, call, FN_PERM_KV_WRITE, key, &e);
    if (c) e = fn__kv_value_check(c, call, value, ttl_ms);
    if (c && !e && f->kv_remote)
        return fn__kv_remote(c, form, FN_KV_OP_SET, key, value, ttl_ms, 0, 0, 0, results, FN_HOST_E_UNAVAILABLE);
    if (c && !e && fn_host_backend()->kv_set(f->kv, fn__kv_ns(f), key, value, ttl_ms) != 0) e = FN_HOST_E_UNAVAILABLE;
    if (form != FN__KV_GOJINN_SET) results[0] = (uint32_t)e;   /* host_kv_set has no result */
    return IW_HOST_OK;
}

FN_HOST_FN(fn_gojinn_kv_set)
{
    const char *key = fn_host_lift(inst, "host_kv_set", "key", (uint32_t)args[0], (uint32_t)args[1]);
    const char *value = key ? fn_host_lift(inst, "host_kv_set", "value", (uint32_t)args[2], (uint32_t)args[3]) : NULL;
    if (!value) return IW_HOST_TRAP;
    return fn__kv_set(env, "host_kv_set", FN__KV_GOJINN_SET, ifr_str(key, (uint32_t)args[1]),
                      ifr_str(value, (uint32_t)args[3]), 0, results);
}

FN_HOST_FN(fn_ifrit_kv_set)
{
    const char *key = fn_host_lift(inst, "kv_set", "key", (uint32_t)args[0], (uint32_t)args[1]);
    const char *value = key ? fn_host_lift(inst, "kv_set", "value", (uint32_t)args[2], (uint32_t)args[3]) : NULL;
    if (!value) return IW_HOST_TRAP;
    return fn__kv_set(env, "kv_set", FN__KV_IFRIT_SET, ifr_str(key, (uint32_t)args[1]),
                      ifr_str(value, (uint32_t)args[3]), (int64_t)args[4], results);
}

FN_HOST_FN(fn_ifrit_kv_delete)
{
    fn_function_t *f = env;
    const char *key = fn_host_lift(inst, "kv_delete", "key", (uint32_t)args[0], (uint32_t)args[1]);
    if (!key) return IW_HOST_TRAP;
    ifr_str_t k = ifr_str(key, (uint32_t)args[1]);
    int e;
    fn_call_t *c = fn__kv_begin(f, "kv_delete", FN_PERM_KV_WRITE, k, &e);
    if (c && f->kv_remote)
        return fn__kv_remote(c, FN__KV_IFRIT_DELETE, FN_KV_OP_DELETE, k, IFR_LIT(""), 0, 0, 0, 0, results,
                             FN_HOST_E_UNAVAILABLE);
    if (c) {
        int rc = fn_host_backend()->kv_delete(f->kv, fn__kv_ns(f), k);
        e = rc > 0 ? FN_HOST_E_OK : rc == 0 ? FN_HOST_E_NOT_FOUND : FN_HOST_E_UNAVAILABLE;
    }
    results[0] = (uint32_t)e;
    return IW_HOST_OK;
}

/* ---- locks --------------------------------------------------------------- */

/* lock (ttl_ms >= 0) or unlock: ifrit's code (OK, BUSY when held,
 * NOT_FOUND for an unlock of a lock not held, or an error) in results[0],
 * or for Gojinn's forms 1 on success and 0 otherwise. */
static iw_host_result_t fn__lock(fn_function_t *f, const char *call, int form, ifr_str_t key, int64_t ttl_ms,
                                 uint64_t *results)
{
    bool unlock = form == FN__KV_GOJINN_UNLOCK || form == FN__KV_IFRIT_UNLOCK;
    bool gojinn = form == FN__KV_GOJINN_LOCK || form == FN__KV_GOJINN_UNLOCK;
    int e;
    fn_call_t *c = fn__kv_begin(f, call, FN_PERM_MUTEX, key, &e);
    if (c && f->kv_remote)
        return fn__kv_remote(c, form, unlock ? FN_KV_OP_UNLOCK : FN_KV_OP_LOCK, key, IFR_LIT(""), ttl_ms, 0, 0, 0,
                             results, gojinn ? 0 : FN_HOST_E_UNAVAILABLE);
    if (c) {
        const fn_host_backend_t *b = fn_host_backend();
        int rc = unlock ? b->unlock(f->kv, fn__kv_ns(f), key) : b->lock(f->kv, fn__kv_ns(f), key, ttl_ms);
        e = rc > 0 ? FN_HOST_E_OK : rc < 0 ? FN_HOST_E_UNAVAILABLE : unlock ? FN_HOST_E_NOT_FOUND : FN_HOST_E_BUSY;
    }
    results[0] = gojinn ? e == FN_HOST_E_OK : (uint32_t)e;
    return IW_HOST_OK;
}

FN_HOST_FN(fn_gojinn_mutex_lock)
{
    const char *key = fn_host_lift(inst, "host_mutex_lock", "key", (uint32_t)args[0], (uint32_t)args[1]);
    if (!key) return IW_HOST_TRAP;
    int64_t ttl_ms = (int64_t)(uint32_t)args[2] * 1000;
    return fn__lock(env, "host_mutex_lock", FN__KV_GOJINN_LOCK, ifr_str(key, (uint32_t)args[1]), ttl_ms, results);
}

FN_HOST_FN(fn_gojinn_mutex_unlock)
{
    const char *key = fn_host_lift(inst, "host_mutex_unlock", "key", (uint32_t)args[0], (uint32_t)args[1]);
    if (!key) return IW_HOST_TRAP;
    return fn__lock(env, "host_mutex_unlock", FN__KV_GOJINN_UNLOCK, ifr_str(key, (uint32_t)args[1]), 0, results);
}

FN_HOST_FN(fn_ifrit_lock)
{
    const char *key = fn_host_lift(inst, "lock", "key", (uint32_t)args[0], (uint32_t)args[1]);
    if (!key) return IW_HOST_TRAP;
    int64_t ttl_ms = (int64_t)args[2];
    if (ttl_ms < 0) {
        results[0] = FN_HOST_E_INVALID;
        return IW_HOST_OK;
    }
    return fn__lock(env, "lock", FN__KV_IFRIT_LOCK, ifr_str(key, (uint32_t)args[1]), ttl_ms, results);
}

FN_HOST_FN(fn_ifrit_unlock)
{
    const char *key = fn_host_lift(inst, "unlock", "key", (uint32_t)args[0], (uint32_t)args[1]);
    if (!key) return IW_HOST_TRAP;
    return fn__lock(env, "unlock", FN__KV_IFRIT_UNLOCK, ifr_str(key, (uint32_t)args[1]), 0, results);
}
