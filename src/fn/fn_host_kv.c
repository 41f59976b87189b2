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
 * otherwise. ifrit's forms return an FN_HOST_E_* code. */
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

/* Looks key up into out (cap bytes): FN_HOST_E_OK with *len, or an error. */
static int fn__kv_get(fn_function_t *f, const char *call, ifr_str_t key, void *out, size_t cap, size_t *len)
{
    fn_call_t *c = fn__kv_request(f, call);
    if (!c) return FN_HOST_E_UNAVAILABLE;
    int e = fn__kv_check(c, call, FN_PERM_KV_READ, key);
    if (e) return e;
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
    int e = fn__kv_get(f, "host_kv_get", ifr_str(key, (uint32_t)args[1]), out, cap, &len);
    if (e) results[0] = wide ? UINT64_MAX : UINT32_MAX;
    else results[0] = len < cap ? len : cap;
    return IW_HOST_OK;
}

FN_HOST_FN(fn_gojinn_kv_get32) { return fn__gojinn_kv_get(inst, env, args, results, false); }
FN_HOST_FN(fn_gojinn_kv_get64) { return fn__gojinn_kv_get(inst, env, args, results, true); }

FN_HOST_FN(fn_ifrit_kv_get)
{
    const char *key = fn_host_lift(inst, "kv_get", "key", (uint32_t)args[0], (uint32_t)args[1]);
    void *out = key ? fn_host_lift(inst, "kv_get", "buffer", (uint32_t)args[2], (uint32_t)args[3]) : NULL;
    uint8_t *lenp = out ? fn_host_lift(inst, "kv_get", "length", (uint32_t)args[4], 4) : NULL;
    if (!lenp) return IW_HOST_TRAP;
    size_t cap = (uint32_t)args[3], len = 0;
    int e = fn__kv_get(env, "kv_get", ifr_str(key, (uint32_t)args[1]), out, cap, &len);
    if (e == FN_HOST_E_OK) {
        fn__put_u32(lenp, (uint32_t)len);
        if (len > cap) e = FN_HOST_E_BUFFER_TOO_SMALL;
    }
    results[0] = (uint32_t)e;
    return IW_HOST_OK;
}

/* ---- set and delete ------------------------------------------------------ */

static int fn__kv_set(fn_function_t *f, const char *call, ifr_str_t key, ifr_str_t value, int64_t ttl_ms)
{
    fn_call_t *c = fn__kv_request(f, call);
    if (!c) return FN_HOST_E_UNAVAILABLE;
    int e = fn__kv_check(c, call, FN_PERM_KV_WRITE, key);
    if (e) return e;
    if (value.len > FN_KV_MAX_VALUE) {
        fn_host_log(c, IFR_LOG_WARN, "%s: the value has %zu bytes, more than the %u a value may have", call,
                    value.len, FN_KV_MAX_VALUE);
        return FN_HOST_E_TOO_LARGE;
    }
    if (ttl_ms < 0) {
        fn_host_log(c, IFR_LOG_WARN, "%s: a negative TTL", call);
        return FN_HOST_E_INVALID;
    }
    return fn_host_backend()->kv_set(f->kv, fn__kv_ns(f), key, value, ttl_ms) == 0 ? FN_HOST_E_OK
                                                                                    : FN_HOST_E_UNAVAILABLE;
}

FN_HOST_FN(fn_gojinn_kv_set)
{
    (void)results;
    const char *key = fn_host_lift(inst, "host_kv_set", "key", (uint32_t)args[0], (uint32_t)args[1]);
    const char *value = key ? fn_host_lift(inst, "host_kv_set", "value", (uint32_t)args[2], (uint32_t)args[3]) : NULL;
    if (!value) return IW_HOST_TRAP;
    fn__kv_set(env, "host_kv_set", ifr_str(key, (uint32_t)args[1]), ifr_str(value, (uint32_t)args[3]), 0);
    return IW_HOST_OK;
}

FN_HOST_FN(fn_ifrit_kv_set)
{
    const char *key = fn_host_lift(inst, "kv_set", "key", (uint32_t)args[0], (uint32_t)args[1]);
    const char *value = key ? fn_host_lift(inst, "kv_set", "value", (uint32_t)args[2], (uint32_t)args[3]) : NULL;
    if (!value) return IW_HOST_TRAP;
    results[0] = (uint32_t)fn__kv_set(env, "kv_set", ifr_str(key, (uint32_t)args[1]),
                                      ifr_str(value, (uint32_t)args[3]), (int64_t)args[4]);
    return IW_HOST_OK;
}

FN_HOST_FN(fn_ifrit_kv_delete)
{
    fn_function_t *f = env;
    const char *key = fn_host_lift(inst, "kv_delete", "key", (uint32_t)args[0], (uint32_t)args[1]);
    if (!key) return IW_HOST_TRAP;
    ifr_str_t k = ifr_str(key, (uint32_t)args[1]);
    fn_call_t *c = fn__kv_request(f, "kv_delete");
    int e = c ? fn__kv_check(c, "kv_delete", FN_PERM_KV_WRITE, k) : FN_HOST_E_UNAVAILABLE;
    if (!e) {
        int rc = fn_host_backend()->kv_delete(f->kv, fn__kv_ns(f), k);
        e = rc > 0 ? FN_HOST_E_OK : rc == 0 ? FN_HOST_E_NOT_FOUND : FN_HOST_E_UNAVAILABLE;
    }
    results[0] = (uint32_t)e;
    return IW_HOST_OK;
}

/* ---- locks --------------------------------------------------------------- */

/* lock (ttl_ms >= 0) or unlock (ttl_ms < 0): FN_HOST_E_OK, BUSY (held),
 * NOT_FOUND (unlock of a lock not held) or an error. */
static int fn__lock(fn_function_t *f, const char *call, ifr_str_t key, int64_t ttl_ms, bool unlock)
{
    fn_call_t *c = fn__kv_request(f, call);
    if (!c) return FN_HOST_E_UNAVAILABLE;
    int e = fn__kv_check(c, call, FN_PERM_MUTEX, key);
    if (e) return e;
    const fn_host_backend_t *b = fn_host_backend();
    int rc = unlock ? b->unlock(f->kv, fn__kv_ns(f), key) : b->lock(f->kv, fn__kv_ns(f), key, ttl_ms);
    return rc > 0 ? FN_HOST_E_OK : rc < 0 ? FN_HOST_E_UNAVAILABLE : unlock ? FN_HOST_E_NOT_FOUND : FN_HOST_E_BUSY;
}

FN_HOST_FN(fn_gojinn_mutex_lock)
{
    const char *key = fn_host_lift(inst, "host_mutex_lock", "key", (uint32_t)args[0], (uint32_t)args[1]);
    if (!key) return IW_HOST_TRAP;
    int64_t ttl_ms = (int64_t)(uint32_t)args[2] * 1000;
    results[0] = fn__lock(env, "host_mutex_lock", ifr_str(key, (uint32_t)args[1]), ttl_ms, false) == 0;
    return IW_HOST_OK;
}

FN_HOST_FN(fn_gojinn_mutex_unlock)
{
    const char *key = fn_host_lift(inst, "host_mutex_unlock", "key", (uint32_t)args[0], (uint32_t)args[1]);
    if (!key) return IW_HOST_TRAP;
    results[0] = fn__lock(env, "host_mutex_unlock", ifr_str(key, (uint32_t)args[1]), 0, true) == 0;
    return IW_HOST_OK;
}

FN_HOST_FN(fn_ifrit_lock)
{
    const char *key = fn_host_lift(inst, "lock", "key", (uint32_t)args[0], (uint32_t)args[1]);
    if (!key) return IW_HOST_TRAP;
    int64_t ttl_ms = (int64_t)args[2];
    results[0] = ttl_ms < 0 ? FN_HOST_E_INVALID
                            : (uint32_t)fn__lock(env, "lock", ifr_str(key, (uint32_t)args[1]), ttl_ms, false);
    return IW_HOST_OK;
}

FN_HOST_FN(fn_ifrit_unlock)
{
    const char *key = fn_host_lift(inst, "unlock", "key", (uint32_t)args[0], (uint32_t)args[1]);
    if (!key) return IW_HOST_TRAP;
    results[0] = (uint32_t)fn__lock(env, "unlock", ifr_str(key, (uint32_t)args[1]), 0, true);
    return IW_HOST_OK;
}
