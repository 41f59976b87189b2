/* `host <hosts...>`: the Host header without its port, case-insensitive;
 * `*.example.com` matches exactly one label in place of the star. */
#include "config/dispense.h"
#include "route/match_util.h"
#include "route/matcher.h"
#include "route/path.h"

static int route__host_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    if (cfg_expect_args(d, 1, SIZE_MAX, p->err) != 0) return -1;
    route_strs_t *l = *conf;
    if (!l && !(l = *conf = ifr_arena_calloc(p->arena, 1, sizeof(*l))))
        return cfg_errorf(p->err, NULL, "out of memory");
    for (size_t i = 0; i < d->nargs; i++)
        if (route_strs_add(p->arena, l, route_str_lower(p->arena, d->args[i].text)) != 0)
            return cfg_errorf(p->err, NULL, "out of memory");
    return 0;
}

static bool route__host_match(route_exchange_t *x, const void *conf)
{
    const route_strs_t *l = conf;
    ifr_str_t h = route_host_only(x->req->host);
    for (size_t i = 0; i < l->count; i++)
        if (route_host_matches(l->items[i], h)) return true;
    return false;
}

const route_matcher_t route_match_host = {
    .name = "host", .flags = ROUTE_MATCH_STRS, .parse = route__host_parse, .match = route__host_match,
};
