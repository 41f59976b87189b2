/* `handle [<matcher>] { ... }`: a block of directives, mutually exclusive
 * with the other handle blocks beside it (the first that matches wins;
 * blocks are sorted by path specificity like any directive). A block that
 * does not answer falls through to the directives after it. */
#include "config/dispense.h"
#include "route/directive.h"
#include "route/block.h"
#include "route/response.h"

int route_parse_block(route_parse_t *p, const cfg_directive_t *d, bool literal, void **conf)
{
    if (cfg_expect_args(d, 0, 0, p->err) != 0) return -1;
    route_block_conf_t *c = ifr_arena_calloc(p->arena, 1, sizeof(*c));
    if (!c) return cfg_errorf(p->err, NULL, "out of memory");
    p->depth++;
    int rc = route_parse_list(p, d->block, literal, &c->routes);
    p->depth--;
    if (rc != 0) return -1;
    *conf = c;
    return 0;
}

static int route__handle_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    return route_parse_block(p, d, false, conf);
}

route_result_t route_enter_block(route_exchange_t *x, const void *conf)
{
    const route_block_conf_t *c = conf;
    if (route_chain_enter(x, &c->routes) != 0) return route_fail(x, 500, "routes nested too deeply");
    return ROUTE_NEXT;
}

const route_directive_t route_directive_handle = {
    .name = "handle", .flags = ROUTE_DIR_MATCHER | ROUTE_DIR_GROUP_HANDLE,
    .parse = route__handle_parse, .handle = route_enter_block,
};
