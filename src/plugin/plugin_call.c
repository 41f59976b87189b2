/* One hook call: an instance in the state of the plugin's image (reset
 * after the previous call, plugin_pool.c) with the plugin's limits (fuel,
 * memory cap, wall-clock deadline: whichever fires first traps the call),
 * then fail-open accounting. */
#include <time.h>

#include "base/clock.h"
#include "base/log.h"
#include "plugin/plugin_component.h"
#include "plugin/plugin_int.h"
#include "plugin/plugin_proxy_wasm.h"

static int64_t plugin__now_ns(void) { return ifr_monotonic_ns(); }

plugin_action_t plugin_call_hook(plugin_call_t *c, int32_t a0, int32_t a1)
{
    plugin_t *p = c->plugin;
    if (p->pw) return plugin_pw_hook(c, a0, a1);
    if (p->cmp) return plugin_cmp_hook(c, a0, a1);
    iw_limits_t lim = {
        .max_memory_bytes = p->opt.memory_bytes,
        .fuel = p->opt.fuel,
        .deadline_ns = plugin__now_ns() + p->opt.timeout_ns,
    };
    iw_error_t e;
    plugin_inst_t *pi = plugin_pool_take(p, &lim, &e);
    if (!pi) {
        c->trapped = true;
        plugin_count_trap(p, plugin_hook_name(c->hook), e.message);
        return PLUGIN_CONTINUE;
    }
    iw_instance_t *inst = pi->inst;
    iw_instance_set_user_data(inst, c);
    iw_func_t *f = pi->hooks[c->hook];
    iw_val_t args[2] = { { .type = IW_I32, .of.i32 = a0 }, { .type = IW_I32, .of.i32 = a1 } };
    iw_val_t result = { .type = IW_I32 };
    uint32_t nargs = c->hook == PLUGIN_ON_BODY ? 2 : 0;
    iw_status_t st = f ? iw_call(inst, f, args, nargs, &result, 1) : IW_TRAPPED;
    plugin_action_t action = PLUGIN_CONTINUE;
    if (st == IW_FINISHED) {
        atomic_store_explicit(&p->state->traps, 0, memory_order_relaxed);
        if (result.of.i32 == PLUGIN_RESPOND || result.of.i32 == PLUGIN_SKIP) action = (plugin_action_t)result.of.i32;
    } else {
        c->trapped = true;
        const iw_trap_t *t = st == IW_TRAPPED && f ? iw_instance_trap(inst) : NULL;
        plugin_count_trap(p, plugin_hook_name(c->hook), t ? t->message : "the hook did not finish");
    }
    iw_instance_set_user_data(inst, NULL);
    plugin_pool_put(p, pi);
    return action;
}
