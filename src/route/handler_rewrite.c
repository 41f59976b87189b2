/* `rewrite [<matcher>] <to>`: changes the request URI internally. With a
 * '?', `to` also replaces the query ({query} keeps the old one); only the
 * first matching rewrite of a block runs (Caddy groups them). */
#include "config/dispense.h"
#include "route/directive.h"
#include "route/tmpl.h"
#include "route/request.h"
#include "route/response.h"

static int route__rewrite_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    if (cfg_expect_args(d, 1, 1, p->err) != 0 || cfg_expect_no_block(d, p->err) != 0) return -1;
    if (!(*conf = route_tmpl_compile(p->arena, d->args[0].text)))
        return cfg_errorf(p->err, NULL, "out of memory");
    return 0;
}

static route_result_t route__rewrite_handle(route_exchange_t *x, const void *conf)
{
    ifr_str_t to;
    if (route_tmpl_render_uri(x, conf, &to) != 0 || route_set_uri(x, to) != 0)
        return route_fail(x, 500, "out of memory");
    return ROUTE_NEXT;
}

const route_directive_t route_directive_rewrite = {
    .name = "rewrite", .flags = ROUTE_DIR_MATCHER | ROUTE_DIR_GROUP_REWRITE, .min_args = 1,
    .parse = route__rewrite_parse, .handle = route__rewrite_handle,
};
