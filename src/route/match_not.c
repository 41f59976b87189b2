/* `not <matcher> <args...>` or `not { <matchers...> }`: true when the
 * enclosed set (its matchers AND-ed) does not match. Each `not` line is its
 * own condition. */
#include "config/dispense.h"
#include "route/matcher.h"

static int route__not_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    route_matcher_set_t *set;
    if (d->nargs == 0) {
        if (!d->block || d->block->count == 0)
            return cfg_errorf(p->err, &d->name, "not: expected a matcher on the line or in a block");
        if (route_matcher_parse_set(p, d->block->items, d->block->count, p->matcher_name, &set) != 0)
            return -1;
    } else {
        if (d->block) return cfg_errorf(p->err, d->block->open, "not: give the matcher on the line or in a block, not both");
        cfg_directive_t line = { .name = d->args[0], .args = d->args + 1, .nargs = d->nargs - 1 };
        if (route_matcher_parse_set(p, &line, 1, p->matcher_name, &set) != 0) return -1;
    }
    *conf = set;
    return 0;
}

static bool route__not_match(route_exchange_t *x, const void *conf)
{
    return !route_match(x, conf);
}

const route_matcher_t route_match_not = {
    .name = "not", .flags = ROUTE_MATCH_SEPARATE | ROUTE_MATCH_BLOCK, .parse = route__not_parse, .match = route__not_match,
};
