/* `invoke [<matcher>] <route-name>` (Caddy 2.7): runs a named route
 * (`&(name) { ... }` at the top of the Caddyfile) here, as a block of its
 * own: its directives sorted in directive order, its named matchers its
 * own (a site's are not visible inside). The route is built once per
 * plan and shared by every invoke of it. */
#include "config/dispense.h"
#include "route/block.h"
#include "route/site.h"

static int route__invoke_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    if (cfg_expect_args(d, 1, 1, p->err) != 0 || cfg_expect_no_block(d, p->err) != 0) return -1;
    route_plan_t *plan = p->plan;
    const cfg_doc_t *doc = plan->doc;
    ifr_str_t want = d->args[0].text;
    for (size_t i = 0; doc && i < doc->nroutes; i++) {
        ifr_str_t key = doc->routes[i].keys[0].text;   /* "&(name)" */
        if (!ifr_str_eq(ifr_str_sub(key, 2, key.len - 1), want)) continue;
        route_named_t *r = &plan->named[i];
        if (r->state == ROUTE_NAMED_BUILDING)
            return cfg_errorf(p->err, &d->args[0], "invoke: named route '%.*s' invokes itself", (int)want.len,
                              want.ptr);
        if (r->state == ROUTE_NAMED_NONE) {
            r->state = ROUTE_NAMED_BUILDING;
            route_scope_t *scope = p->scope;
            int depth = p->depth;
            p->scope = NULL;
            p->depth = 1;
            int rc = route_parse_list(p, &doc->routes[i].body, false, &r->block.routes);
            p->scope = scope;
            p->depth = depth;
            if (rc != 0) return -1;
            r->state = ROUTE_NAMED_BUILT;
        }
        *conf = &r->block;
        return 0;
    }
    return cfg_errorf(p->err, &d->args[0], "invoke: no named route '%.*s' (define it as &(%.*s) { ... })",
                      (int)want.len, want.ptr, (int)want.len, want.ptr);
}

const route_directive_t route_directive_invoke = {
    .name = "invoke", .flags = ROUTE_DIR_MATCHER, .min_args = 1, .parse = route__invoke_parse,
    .handle = route_enter_block,
};
