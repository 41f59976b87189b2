/* Saving a header list the first time a hook call changes it, so that a
 * trapped call's changes can be undone (plugin_undo.h). */
#include "plugin/plugin_undo.h"

int plugin_undo_save(plugin_call_t *c, http_headers_t *h)
{
    /* a call may change one real list: the request's in on_request, the
     * response's in on_response (c->headers is its own, dropped on trap) */
    if (c->undo_of || h == &c->headers) return 0;
    http_headers_t saved = *h;
    if (h->count) {
        saved.items = ifr_arena_alloc(c->x->arena, h->count * sizeof(http_header_t));
        if (!saved.items) return -1;
        memcpy(saved.items, h->items, h->count * sizeof(http_header_t));
        saved.cap = h->count;
    }
    c->undo = saved;
    c->undo_of = h;
    return 0;
}

void plugin_undo_restore(plugin_call_t *c)
{
    if (c->undo_of) *c->undo_of = c->undo;
}
