/* The idle instances of a plugin. A hook call takes one (or makes one from
 * the image the first time), resets it to the image's state with the
 * call's limits, and gives it back afterwards; so a call costs a reset in
 * proportion to what the previous call changed, not a new instance.
 *
 * The slots are atomic pointers: taking one is an exchange with NULL,
 * giving one back a compare-exchange into an empty slot, so workers share
 * a plugin without a lock and no instance is ever in two hands. An
 * instance that finds no free slot is freed. */
#include <stdio.h>
#include <stdlib.h>

#include "plugin/plugin_int.h"

static plugin_inst_t *plugin__inst_new(const plugin_t *p, const iw_limits_t *lim, iw_error_t *e)
{
    plugin_inst_t *pi = calloc(1, sizeof(*pi));
    if (!pi) {
        snprintf(e->message, sizeof(e->message), "out of memory");
        return NULL;
    }
    pi->inst = iw_instance_from_image_resettable(p->image, lim, e);
    if (!pi->inst) {
        free(pi);
        return NULL;
    }
    for (int h = 0; h < PLUGIN_NHOOKS; h++)
        if (p->has_hook[h]) pi->hooks[h] = iw_instance_func(pi->inst, plugin_hook_name(h));
    return pi;
}

static void plugin__inst_free(plugin_inst_t *pi)
{
    if (!pi) return;
    iw_instance_free(pi->inst);
    free(pi);
}

plugin_inst_t *plugin_pool_take(plugin_t *p, const iw_limits_t *lim, iw_error_t *e)
{
    for (size_t i = 0; i < PLUGIN_POOL_SLOTS; i++) {
        plugin_inst_t *pi = atomic_exchange_explicit(&p->idle[i], NULL, memory_order_acquire);
        if (!pi) continue;
        if (iw_instance_reset(pi->inst, lim) == 0) return pi;
        plugin__inst_free(pi);
        break;
    }
    return plugin__inst_new(p, lim, e);
}

void plugin_pool_put(plugin_t *p, plugin_inst_t *pi)
{
    for (size_t i = 0; i < PLUGIN_POOL_SLOTS; i++) {
        plugin_inst_t *empty = NULL;
        if (atomic_compare_exchange_strong_explicit(&p->idle[i], &empty, pi, memory_order_release,
                                                    memory_order_relaxed))
            return;
    }
    plugin__inst_free(pi);
}

void plugin_pool_free(plugin_t *p)
{
    for (size_t i = 0; i < PLUGIN_POOL_SLOTS; i++)
        plugin__inst_free(atomic_exchange_explicit(&p->idle[i], NULL, memory_order_relaxed));
}
