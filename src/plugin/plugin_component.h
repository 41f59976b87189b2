/* Dwaar plugin components (docs/plugins.md, "Dwaar plugin components"):
 * a WebAssembly component for Dwaar's dwaar-plugin world, in either of its
 * published shapes, run with the same limits and fail-open accounting as
 * a core plugin. */
#ifndef IFRIT_PLUGIN_COMPONENT_H
#define IFRIT_PLUGIN_COMPONENT_H

#include "plugin/plugin_int.h"

typedef struct plugin_cmp plugin_cmp_t;

/* Loads bytes (a component: iw_is_component) into p: p->cmp and the hooks
 * it exports. Instantiates it once, as start-up, to check that it links.
 * 0, or -1 with the sentence in err. */
int plugin_cmp_load(plugin_t *p, const uint8_t *bytes, size_t len, char *err, size_t errlen);
void plugin_cmp_free(plugin_cmp_t *k);
/* One hook call in an instance in its snapshot's state, as fresh
 * (plugin_call_hook's contract). */
plugin_action_t plugin_cmp_hook(plugin_call_t *c, int32_t a0, int32_t a1);

/* plugin_component_pool.c: idle snapshotted instances of one component.
 *   plugin_cmp_pool_new   a new instance (start-up under `start`),
 *                         snapshotted; NULL and *err or *trap on failure
 *   plugin_cmp_pool_take  an idle one reset to its snapshot with `lim`,
 *                         or NULL when none is idle (make one then)
 *   plugin_cmp_pool_put   gives ci (owned by the caller until then) back;
 *                         freed when every slot is taken
 *   plugin_cmp_pool_free  frees the idle ones */
typedef struct {
    _Atomic(iw_cinstance_t *) idle[PLUGIN_POOL_SLOTS];   /* owned; NULL = empty slot */
} plugin_cmp_pool_t;
iw_cinstance_t *plugin_cmp_pool_new(iw_component_t *c, const iw_chost_def_t *defs, uint32_t ndefs,
                                    const iw_limits_t *start, iw_error_t *err, iw_trap_t *trap);
iw_cinstance_t *plugin_cmp_pool_take(plugin_cmp_pool_t *pool, const iw_limits_t *lim);
void plugin_cmp_pool_put(plugin_cmp_pool_t *pool, iw_cinstance_t *ci);
void plugin_cmp_pool_free(plugin_cmp_pool_t *pool);

#endif
