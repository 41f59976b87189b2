/* `method <verbs...>`: any of the methods (case-sensitive, as HTTP is). */
#include "config/dispense.h"
#include "route/match_util.h"
#include "route/matcher.h"

static int route__method_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    if (cfg_expect_args(d, 1, SIZE_MAX, p->err) != 0) return -1;
    route_strs_t *l = *conf;
    if (!l && !(l = *conf = ifr_arena_calloc(p->arena, 1, sizeof(*l))))
        return cfg_errorf(p->err, NULL, "out of memory");
    for (size_t i = 0; i < d->nargs; i++) {
        /* Caddy upper-cases configured methods. */
        char *m = ifr_arena_strndup(p->arena, d->args[i].text.ptr, d->args[i].text.len);
        if (!m) return cfg_errorf(p->err, NULL, "out of memory");
        for (char *c = m; *c; c++) if (*c >= 'a' && *c <= 'z') *c = (char)(*c - 32);
        if (route_strs_add(p->arena, l, ifr_cstr(m)) != 0) return cfg_errorf(p->err, NULL, "out of memory");
    }
    return 0;
}

static bool route__method_match(route_exchange_t *x, const void *conf)
{
    const route_strs_t *l = conf;
    for (size_t i = 0; i < l->count; i++)
        if (ifr_str_eq(l->items[i], x->req->method)) return true;
    return false;
}

const route_matcher_t route_match_method = {
    .name = "method", .flags = ROUTE_MATCH_STRS, .parse = route__method_parse, .match = route__method_match,
};
