/* `log_name [<matcher>] <names...>` (Caddy 2.8): the request's access
 * log entry goes to the site loggers of these names (`log <name>`, in any
 * site, with or without no_hostname) instead of the ones the site's hosts
 * pick. The last log_name that ran decides, as Caddy's variable does; an
 * empty name is the default access logger. The entry is still written
 * only where the site has a `log` (the server logs at all) and skip_log
 * did not match (access_log.c). */
#include "config/dispense.h"
#include "route/directive.h"
#include "route/response.h"
#include "route/state.h"

static int route__log_name_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    if (cfg_expect_args(d, 1, SIZE_MAX, p->err) != 0 || cfg_expect_no_block(d, p->err) != 0) return -1;
    route_log_names_t *c = ifr_arena_calloc(p->arena, 1, sizeof(*c));
    if (!c || !(c->loggers = ifr_arena_calloc(p->arena, d->nargs, sizeof(ifr_str_t))))
        return cfg_errorf(p->err, NULL, "out of memory");
    for (size_t i = 0; i < d->nargs; i++) {
        ifr_str_t n = d->args[i].text;
        const char *full = n.len ? ifr_arena_printf(p->arena, "http.log.access.%.*s", (int)n.len, n.ptr)
                                 : "http.log.access";
        if (!full) return cfg_errorf(p->err, NULL, "out of memory");
        c->loggers[i] = ifr_cstr(full);
    }
    c->count = d->nargs;
    *conf = c;
    return 0;
}

static route_result_t route__log_name_handle(route_exchange_t *x, const void *conf)
{
    route_state_t *st = route_state(x);
    if (!st) return route_fail(x, 500, "out of memory");
    st->log_names = conf;
    return ROUTE_NEXT;
}

const route_directive_t route_directive_log_name = {
    .name = "log_name", .flags = ROUTE_DIR_MATCHER, .parse = route__log_name_parse,
    .handle = route__log_name_handle,
};
