/* `root [<matcher>] <path>`: the site root for file_server ({http.vars.root}).
 * Placeholders allowed; relative paths are relative to the working
 * directory, as in Caddy. Roots of one block are mutually exclusive (the
 * most specific matching one applies), so they never overwrite each other. */
#include "config/dispense.h"
#include "route/directive.h"
#include "route/tmpl.h"
#include "route/response.h"
#include "route/state.h"

static int route__root_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    if (cfg_expect_args(d, 1, 1, p->err) != 0 || cfg_expect_no_block(d, p->err) != 0) return -1;
    if (!(*conf = route_tmpl_compile(p->arena, d->args[0].text)))
        return cfg_errorf(p->err, NULL, "out of memory");
    return 0;
}

static route_result_t route__root_handle(route_exchange_t *x, const void *conf)
{
    route_state_t *st = route_state(x);
    if (!st || route_tmpl_render(x, conf, &st->root) != 0) return route_fail(x, 500, "out of memory");
    return ROUTE_NEXT;
}

const route_directive_t route_directive_root = {
    .name = "root", .flags = ROUTE_DIR_MATCHER | ROUTE_DIR_GROUP_ROOT, .min_args = 1, .parse = route__root_parse,
    .handle = route__root_handle,
};
