/* proxy_on_tick: a VM with a tick period (proxy_set_tick_period_milliseconds)
 * is ticked by a timer on its worker's loop, which the host offers
 * (plugin_ticker_t), so it ticks while its worker serves no request
 * through the filter. Without a host ticker (or when the timer cannot
 * start) the VM ticks before the filter's next callback once the period
 * has passed. After a tick, paused streams the tick let go (or left with
 * nothing that could resume them) go on.
 *
 * The timer names its VM by worker and generation, not by pointer: a VM
 * made anew after a trap, or a reload's new filter, stops the old timer
 * at its next firing. It holds a reference on the filter, so a filter
 * unloaded meanwhile stays until the timer lets go. */
#include <stdlib.h>

#include "base/clock.h"
#include "plugin/plugin_proxy_wasm.h"

static const plugin_ticker_t *plugin__pw_ticker;

void plugin_ticker_register(const plugin_ticker_t *t) { plugin__pw_ticker = t; }

typedef struct {
    plugin_pw_t *pw;
    unsigned worker;             /* 1-based index into pw->vms */
    uint64_t generation;
} plugin__pw_tick_t;

static void plugin__pw_unref(plugin_pw_t *pw)
{
    if (atomic_fetch_sub(&pw->refs, 1) == 1) plugin_destroy(pw->plugin);
}

/* Resumes the paused streams of vm that may go on. A stream that goes on
 * may end its exchange (and leave vm->streams), so each is looked up again. */
static void plugin__pw_settle_paused(plugin_pw_t *pw, unsigned worker, uint64_t generation)
{
    uint32_t ids[64];
    size_t n = 0;
    plugin_pw_vm_t *vm = pw->vms[worker - 1];
    for (size_t i = 0; vm && i < vm->nstreams && n < sizeof ids / sizeof ids[0]; i++) {
        plugin_pw_stream_t *s = vm->streams[i];
        if (s->paused || s->body_waiting) ids[n++] = s->id;
    }
    for (size_t i = 0; i < n; i++) {
        vm = pw->vms[worker - 1];
        if (!vm || vm->generation != generation) return;
        plugin_pw_stream_t *s = plugin_pw_stream_find(vm, ids[i]);
        if (s) plugin_pw_stream_settle(s, false);
    }
}

/* proxy_on_tick(root) under the plugin's limits; a trap is counted. */
static void plugin__pw_tick_run(plugin_pw_vm_t *vm, plugin_t *p)
{
    plugin_pw_call_t pc = { .vm = vm, .plugin = p, .cb = PLUGIN_PW_TICK, .context_id = PLUGIN_PW_ROOT_ID };
    int32_t arg = (int32_t)PLUGIN_PW_ROOT_ID;
    plugin_pw_request_cb(vm, &pc, &arg, 1, NULL);
}

/* The worker timer (plugin_tick_cb): the next delay, 0 once its VM is gone. */
static int64_t plugin__pw_tick_fire(void *ud, bool exiting)
{
    plugin__pw_tick_t *t = ud;
    plugin_pw_t *pw = t->pw;
    plugin_pw_vm_t *vm = NULL;
    if (!exiting && !atomic_load(&pw->retired)) {
        vm = pw->vms[t->worker - 1];
        if (vm && (vm->generation != t->generation || vm->broken)) vm = NULL;
    }
    if (vm && vm->tick_period_ns > 0) {
        vm->next_tick_ns = ifr_monotonic_ns() + vm->tick_period_ns;
        plugin__pw_tick_run(vm, pw->plugin);
        plugin__pw_settle_paused(pw, t->worker, t->generation);
        vm = pw->vms[t->worker - 1];
        if (vm && vm->generation == t->generation && !vm->broken && vm->tick_period_ns > 0) return vm->tick_period_ns;
    }
    if (vm) vm->ticking = false;
    free(t);
    plugin__pw_unref(pw);
    return 0;
}

void plugin_pw_tick_arm(plugin_pw_t *pw, plugin_pw_vm_t *vm, unsigned worker)
{
    if (vm->ticking || vm->broken || vm->tick_period_ns <= 0 || !vm->cb[PLUGIN_PW_TICK] || !plugin__pw_ticker) return;
    plugin__pw_tick_t *t = malloc(sizeof(*t));
    if (!t) return;
    *t = (plugin__pw_tick_t){ pw, worker, vm->generation };
    atomic_fetch_add(&pw->refs, 1);
    if (plugin__pw_ticker->every(vm->tick_period_ns, plugin__pw_tick_fire, t) != 0) {
        atomic_fetch_sub(&pw->refs, 1);   /* the plugin still holds its own */
        free(t);
        return;
    }
    vm->ticking = true;
}

void plugin_pw_tick_due(plugin_pw_vm_t *vm, plugin_t *p)
{
    if (vm->ticking || !vm->tick_period_ns || !vm->cb[PLUGIN_PW_TICK]) return;
    int64_t now = ifr_monotonic_ns();
    if (now < vm->next_tick_ns) return;
    vm->next_tick_ns = now + vm->tick_period_ns;
    plugin__pw_tick_run(vm, p);
}
