/* `path <patterns...>`: the cleaned, decoded request path against Caddy's
 * path patterns (see route_path_match). Several patterns or lines: any. */
#include "config/dispense.h"
#include "route/match_util.h"
#include "route/matcher.h"
#include "route/path.h"
#include "route/state.h"

static int route__path_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    if (cfg_expect_args(d, 1, SIZE_MAX, p->err) != 0) return -1;
    route_strs_t *l = *conf;
    if (!l && !(l = *conf = ifr_arena_calloc(p->arena, 1, sizeof(*l))))
        return cfg_errorf(p->err, NULL, "out of memory");
    for (size_t i = 0; i < d->nargs; i++) {
        ifr_str_t pat = d->args[i].text;
        if (pat.len == 0 || (pat.ptr[0] != '/' && pat.ptr[0] != '*'))
            return cfg_errorf(p->err, &d->args[i], "path: a path pattern must start with / or *, got '%.*s'",
                              (int)pat.len, pat.ptr);
        if (route_strs_add(p->arena, l, pat) != 0) return cfg_errorf(p->err, NULL, "out of memory");
    }
    return 0;
}

static bool route__path_matches(route_exchange_t *x, const void *conf)
{
    const route_strs_t *l = conf;
    ifr_str_t path = route_clean_path(x);
    if (path.len == 0) return false;
    for (size_t i = 0; i < l->count; i++)
        if (route_path_match(l->items[i], path)) return true;
    return false;
}

static size_t route__path_sort_len(const void *conf)
{
    const route_strs_t *l = conf;
    return l->count == 1 ? l->items[0].len : 0;
}

const route_matcher_t route_match_path = {
    .name = "path", .flags = ROUTE_MATCH_STRS, .parse = route__path_parse, .match = route__path_matches,
    .sort_len = route__path_sort_len,
};
