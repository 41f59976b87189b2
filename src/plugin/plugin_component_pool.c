/* The idle instances of a Dwaar plugin component. Each is instantiated
 * once (its start-up under the start-up limits), snapshotted, and put back
 * into that snapshot before every hook call with the call's limits, so a
 * call starts from the same state a fresh instance would have and costs
 * the blocks the previous call wrote, not a new instance's zeroed memory.
 * Slots are atomic pointers, as in plugin_pool.c: no lock, and no instance
 * in two hands. */
#include <stdio.h>
#include <stdlib.h>

#include "plugin/plugin_component.h"

iw_cinstance_t *plugin_cmp_pool_new(iw_component_t *c, const iw_chost_def_t *defs, uint32_t ndefs,
                                    const iw_limits_t *start, iw_error_t *err, iw_trap_t *trap)
{
    iw_cinstance_t *ci = iw_cinstance_new(c, defs, ndefs, start, err, trap);
    if (ci && iw_cinstance_snapshot(ci) != 0) {
        snprintf(err->message, sizeof err->message, "out of memory for the component's snapshot");
        iw_cinstance_free(ci);
        return NULL;
    }
    return ci;
}

iw_cinstance_t *plugin_cmp_pool_take(plugin_cmp_pool_t *pool, const iw_limits_t *lim)
{
    for (size_t i = 0; i < PLUGIN_POOL_SLOTS; i++) {
        iw_cinstance_t *ci = atomic_exchange_explicit(&pool->idle[i], NULL, memory_order_acquire);
        if (!ci) continue;
        if (iw_cinstance_reset(ci, lim) == 0) return ci;
        iw_cinstance_free(ci);
        break;
    }
    return NULL;
}

void plugin_cmp_pool_put(plugin_cmp_pool_t *pool, iw_cinstance_t *ci)
{
    for (size_t i = 0; i < PLUGIN_POOL_SLOTS; i++) {
        iw_cinstance_t *empty = NULL;
        if (atomic_compare_exchange_strong_explicit(&pool->idle[i], &empty, ci, memory_order_release,
                                                    memory_order_relaxed))
            return;
    }
    iw_cinstance_free(ci);
}

void plugin_cmp_pool_free(plugin_cmp_pool_t *pool)
{
    for (size_t i = 0; i < PLUGIN_POOL_SLOTS; i++)
        iw_cinstance_free(atomic_exchange_explicit(&pool->idle[i], NULL, memory_order_relaxed));
}
