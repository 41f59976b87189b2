/* `intercept [<matcher>] { @name status|header ...; replace_status [@name] <code> }`
 * (Caddy 2.8): the response any later handler writes (file_server,
 * respond, reverse_proxy, a function) goes out with the status of the
 * first replace_status whose response matcher takes it (none given: any),
 * its fields and body untouched. The lines are read as reverse_proxy's
 * (proxy_parse.c). `handle_response` inside intercept is not built yet:
 * a config error naming it, never a silent pass-through. */
#include "config/dispense.h"
#include "route/directive.h"
#include "route/filter.h"
#include "route/proxy_conf.h"
#include "route/resp_match.h"
#include "route/response.h"

static int route__intercept_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    if (cfg_expect_args(d, 0, 0, p->err) != 0) return -1;
    if (!d->block) return cfg_errorf(p->err, &d->name, "intercept: expected a block of replace_status lines");
    for (size_t i = 0; i < d->block->count; i++) {
        const cfg_token_t *n = &d->block->items[i].name;
        if (cfg_is_word(n, "handle_response"))
            return cfg_errorf(p->err, n, "intercept: handle_response is not supported yet (replace_status is)");
        if (!cfg_is_word(n, "replace_status") && !(n->text.len && n->text.ptr[0] == '@')) {
            static const char *const known[] = { "replace_status", "handle_response" };
            return cfg_error_unknown(p->err, n, "intercept option", known, 2);
        }
    }
    route_proxy_conf_t *c = ifr_arena_calloc(p->arena, 1, sizeof(*c));
    if (!c) return cfg_errorf(p->err, NULL, "out of memory");
    if (route_proxy_parse_responses(p, d->block, c) != 0) return -1;
    *conf = c;
    return 0;
}

static int route__intercept_on_head(route_exchange_t *x, route_filter_t *f)
{
    const route_proxy_conf_t *c = f->ctx;
    for (size_t i = 0; i < c->nhandle_response; i++) {
        const struct route_proxy_handle_response *hr = &c->handle_response[i];
        if (hr->match && !route_resp_match(hr->match, &x->resp)) continue;
        x->resp.status = hr->status;
        break;
    }
    f->bypass = true;
    return route_filter_head(x, f->next);
}

static const route_filter_ops_t route__intercept_filter = { .name = "intercept", .on_head = route__intercept_on_head };

static route_result_t route__intercept_handle(route_exchange_t *x, const void *conf)
{
    if (route_filter_push(x, &route__intercept_filter, (void *)conf) != 0) return route_fail(x, 500, "out of memory");
    return ROUTE_NEXT;
}

const route_directive_t route_directive_intercept = {
    .name = "intercept", .flags = ROUTE_DIR_MATCHER, .parse = route__intercept_parse, .handle = route__intercept_handle,
};
