/* Saving a header list so a trapped hook's changes can be undone. */
#ifndef IFRIT_PLUGIN_UNDO_H
#define IFRIT_PLUGIN_UNDO_H

#include "http/message.h"

/* Copies h's fields into arena memory; restoring is `*h = *saved`.
 * 0, or -1 when the arena is exhausted. */
int plugin_headers_save(ifr_arena_t *a, const http_headers_t *h, http_headers_t *saved);

#endif
