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
/* One hook call in a fresh instance (plugin_call_hook's contract). */
plugin_action_t plugin_cmp_hook(plugin_call_t *c, int32_t a0, int32_t a1);

#endif
