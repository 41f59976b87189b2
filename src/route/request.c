/* Request rewriting helpers. */
#include "route/request.h"

int route_set_path(route_exchange_t *x, ifr_str_t path)
{
    /* A path always starts with '/': stripping may leave "" or "foo". */
    bool slash = path.len == 0 || path.ptr[0] != '/';
    char *b = ifr_arena_alloc(x->arena, path.len + 2);
    if (!b) return -1;
    if (slash) b[0] = '/';
    if (path.len) memcpy(b + slash, path.ptr, path.len);
    b[path.len + slash] = '\0';
    x->req->path = ifr_str(b, path.len + slash);
    return 0;
}

int route_set_query(route_exchange_t *x, ifr_str_t query)
{
    char *b = ifr_arena_strndup(x->arena, query.ptr ? query.ptr : "", query.len);
    if (!b) return -1;
    x->req->query = ifr_str(b, query.len);
    return 0;
}

int route_set_uri(route_exchange_t *x, ifr_str_t to)
{
    long q = ifr_str_find_char(to, '?');
    ifr_str_t path = q < 0 ? to : ifr_str_sub(to, 0, (size_t)q);
    if (q >= 0 && route_set_query(x, ifr_str_sub(to, (size_t)q + 1, to.len)) != 0) return -1;
    if (path.len == 0 && q >= 0) return 0;
    return route_set_path(x, path);
}

static int route__hex(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = ifr_ascii_lower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

long route_raw_prefix_len(ifr_str_t raw, ifr_str_t prefix)
{
    size_t r = 0;
    for (size_t i = 0; i < prefix.len; i++) {
        if (r >= raw.len) return -1;
        char c = raw.ptr[r];
        /* An escape in the raw path stands for one byte of the prefix,
         * unless the prefix itself was written with that escape. */
        if (c == '%' && r + 2 < raw.len && prefix.ptr[i] != '%') {
            int hi = route__hex(raw.ptr[r + 1]), lo = route__hex(raw.ptr[r + 2]);
            if (hi >= 0 && lo >= 0) {
                c = (char)(hi * 16 + lo);
                r += 2;
            }
        }
        if (ifr_ascii_lower(c) != ifr_ascii_lower(prefix.ptr[i])) return -1;
        r++;
    }
    return (long)r;
}
