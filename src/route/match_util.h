/* Helpers shared by matcher modules at config time. */
#ifndef IFRIT_ROUTE_MATCH_UTIL_H
#define IFRIT_ROUTE_MATCH_UTIL_H

#include <string.h>

#include "base/arena.h"
#include "base/str.h"
#include "config/caddyfile.h"

/* A growable list of slices in the plan arena (config time only: growing
 * copies into a new array and leaves the old one to the arena). */
typedef struct {
    ifr_str_t *items;
    size_t count;
} route_strs_t;

static inline int route_strs_add(ifr_arena_t *a, route_strs_t *l, ifr_str_t s)
{
    ifr_str_t *n = ifr_arena_alloc(a, (l->count + 1) * sizeof(ifr_str_t));
    if (!n) return -1;
    if (l->count) memcpy(n, l->items, l->count * sizeof(ifr_str_t));
    n[l->count++] = s;
    l->items = n;
    return 0;
}

/* Lowercased arena copy. */
static inline ifr_str_t route_str_lower(ifr_arena_t *a, ifr_str_t s)
{
    char *b = ifr_arena_strndup(a, s.ptr, s.len);
    if (!b) return IFR_NULL_STR;
    for (size_t i = 0; i < s.len; i++) b[i] = ifr_ascii_lower(b[i]);
    return ifr_str(b, s.len);
}

#endif
