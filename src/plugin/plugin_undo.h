/* Fail-open means a trapped hook changes nothing. The request path and the
 * response status are saved by the caller (they are plain values); a
 * header list is saved by the first host function that is about to change
 * it, so a hook that changes no header costs no copy. */
#ifndef IFRIT_PLUGIN_UNDO_H
#define IFRIT_PLUGIN_UNDO_H

#include "plugin/plugin_int.h"

/* Keeps a copy of h's fields in the exchange's arena unless this call
 * already saved a list. 0, or -1 when the arena is exhausted (the change
 * must then not be made). */
int plugin_undo_save(plugin_call_t *c, http_headers_t *h);
/* After a trapped call: puts the saved list back, if any. */
void plugin_undo_restore(plugin_call_t *c);

#endif
