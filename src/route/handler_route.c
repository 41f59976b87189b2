/* `route [<matcher>] { ... }`: a block whose directives run in the order
 * written, not sorted. */
#include "route/block.h"

static int route__route_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    return route_parse_block(p, d, true, conf);
}

const route_directive_t route_directive_route = {
    .name = "route", .flags = ROUTE_DIR_MATCHER, .parse = route__route_parse, .handle = route_enter_block,
};
