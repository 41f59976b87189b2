/* Per-exchange route state, the cleaned-path cache and regexp captures. */
#include "route/state.h"

#include "route/path.h"

route_state_t *route_state(route_exchange_t *x)
{
    if (!x->route_state) x->route_state = ifr_arena_calloc(x->arena, 1, sizeof(route_state_t));
    return x->route_state;
}

ifr_str_t route_clean_path(route_exchange_t *x)
{
    route_state_t *st = route_state(x);
    ifr_str_t raw = x->req->path;
    if (!st) return IFR_LIT("");
    /* Handlers rewrite req->path by pointing it at new memory, so pointer
     * and length identify the version the cache was made from. */
    if (st->path_clean.ptr && st->path_raw.ptr == raw.ptr && st->path_raw.len == raw.len)
        return st->path_clean;
    char *buf = ifr_arena_alloc(x->arena, raw.len + 2);
    if (!buf) return IFR_LIT("");
    size_t off = 0;
    if (raw.len == 0 || raw.ptr[0] != '/') buf[off++] = '/';
    long n = route_url_decode(raw, buf + off, false);
    if (n < 0) return IFR_LIT("");
    size_t len = route_path_clean(buf, off + (size_t)n);
    buf[len] = '\0';
    st->path_raw = raw;
    st->path_clean = ifr_str(buf, len);
    return st->path_clean;
}

route_capture_t *route_capture_add(route_exchange_t *x, ifr_str_t name)
{
    route_state_t *st = route_state(x);
    if (!st) return NULL;
    route_capture_t *c = ifr_arena_calloc(x->arena, 1, sizeof(*c));
    if (!c) return NULL;
    c->name = name;
    c->next = st->captures;
    st->captures = c;
    return c;
}
