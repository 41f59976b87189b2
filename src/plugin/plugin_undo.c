/* Fail-open means a trapped hook changes nothing: the caller saves what a
 * hook may change and puts it back when the call trapped. */
#include "plugin/plugin_undo.h"

int plugin_headers_save(ifr_arena_t *a, const http_headers_t *h, http_headers_t *saved)
{
    *saved = *h;
    if (!h->count) return 0;
    saved->items = ifr_arena_alloc(a, h->count * sizeof(http_header_t));
    if (!saved->items) return -1;
    memcpy(saved->items, h->items, h->count * sizeof(http_header_t));
    saved->cap = h->count;
    return 0;
}
