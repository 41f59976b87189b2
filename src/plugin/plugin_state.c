/* The process-wide registry of plugin states (see plugin_int.h), and the
 * fail-open accounting of traps in them. The registry is touched only when
 * plugins are loaded and freed, i.e. at config (re)load time, so a spin
 * lock on an atomic flag is enough and keeps the wasm32 build free of
 * pthreads; trap counts are atomics of their own. */
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "plugin/plugin_int.h"

static atomic_flag plugin__state_lock = ATOMIC_FLAG_INIT;
static plugin_state_t *plugin__states;

static void plugin__state_acquire(void)
{
    while (atomic_flag_test_and_set_explicit(&plugin__state_lock, memory_order_acquire)) {
    }
}

static void plugin__state_release(void)
{
    atomic_flag_clear_explicit(&plugin__state_lock, memory_order_release);
}

/* FNV-1a over the bytes, mixed with the length: "did the file change". */
static uint64_t plugin__fingerprint(const uint8_t *bytes, size_t len)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)len;
    for (size_t i = 0; i < len; i++) h = (h ^ bytes[i]) * 1099511628211ull;
    return h;
}

static bool plugin__same_key(const char *a, const char *b)
{
    return a && b ? strcmp(a, b) == 0 : a == b;
}

plugin_state_t *plugin_state_get(const char *key, const char *path, const uint8_t *bytes, size_t len)
{
    uint64_t fp = plugin__fingerprint(bytes, len);
    plugin__state_acquire();
    plugin_state_t *s = plugin__states;
    while (s && !(s->fingerprint == fp && strcmp(s->path, path) == 0 && plugin__same_key(s->key, key))) s = s->next;
    if (s) {
        s->refs++;
    } else if ((s = calloc(1, sizeof(*s))) && (s->path = strdup(path)) && (!key || (s->key = strdup(key)))) {
        s->fingerprint = fp;
        atomic_init(&s->traps, 0);
        atomic_init(&s->disabled, false);
        s->refs = 1;
        s->next = plugin__states;
        plugin__states = s;
    } else {
        if (s) free(s->path);
        free(s);
        s = NULL;
    }
    plugin__state_release();
    return s;
}

void plugin_state_put(plugin_state_t *s)
{
    if (!s) return;
    plugin__state_acquire();
    bool last = --s->refs == 0;
    if (last) {
        plugin_state_t **pp = &plugin__states;
        while (*pp != s) pp = &(*pp)->next;
        *pp = s->next;
    }
    plugin__state_release();
    if (last) {
        free(s->key);
        free(s->path);
        free(s);
    }
}

/* Fail-open: the call counts as `continue`; the tenth trap in a row turns
 * the plugin off for every worker until a load finds a changed file. */
void plugin_count_trap(const plugin_t *p, const char *hook, const char *why)
{
    unsigned n = atomic_fetch_add_explicit(&p->state->traps, 1, memory_order_relaxed) + 1;
    ifr_log_warn(p->logger, "plugin %s trapped in %s (%u consecutive): %s; continuing without it",
                 p->path, hook, n, why);
    /* the key says which wasm_plugin line: each counts its own traps */
    if (n >= PLUGIN_MAX_TRAPS && !atomic_exchange(&p->state->disabled, true))
        ifr_log_error(p->logger,
                      "plugin %s disabled after %u consecutive traps (wasm_plugin of site %s); "
                      "reload with a changed file to enable it",
                      p->path, n, p->opt.key ? p->opt.key : "?");
}
