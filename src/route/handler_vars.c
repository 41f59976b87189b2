/* `vars [<matcher>] [<name> <value>] { <name> <value>... }`: sets request
 * variables ({vars.NAME}, {http.vars.NAME}, the vars matchers); values
 * take placeholders, worked out when the directive runs, as in Caddy.
 * `vars root <path>` is the site root, as `root` is. */
#include "config/dispense.h"
#include "route/directive.h"
#include "route/response.h"
#include "route/vars.h"

typedef struct {
    ifr_str_t *names;
    route_tmpl_t **values;
    size_t count;
} route__vars_conf_t;

static int route__vars_add(route_parse_t *p, route__vars_conf_t *c, const cfg_token_t *name, const cfg_token_t *value)
{
    c->names[c->count] = name->text;
    if (!(c->values[c->count++] = route_tmpl_compile(p->arena, value ? value->text : IFR_LIT(""))))
        return cfg_errorf(p->err, NULL, "out of memory");
    return 0;
}

static int route__vars_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    if (cfg_expect_args(d, 0, 2, p->err) != 0) return -1;
    if (d->nargs == 0 && (!d->block || d->block->count == 0))
        return cfg_errorf(p->err, &d->name, "vars: expected <name> <value>, or a block of them");
    size_t n = (d->nargs ? 1 : 0) + (d->block ? d->block->count : 0);
    route__vars_conf_t *c = ifr_arena_calloc(p->arena, 1, sizeof(*c));
    if (!c || !(c->names = ifr_arena_calloc(p->arena, n, sizeof(ifr_str_t))) ||
        !(c->values = ifr_arena_calloc(p->arena, n, sizeof(route_tmpl_t *))))
        return cfg_errorf(p->err, NULL, "out of memory");
    if (d->nargs && route__vars_add(p, c, &d->args[0], d->nargs > 1 ? &d->args[1] : NULL) != 0) return -1;
    for (size_t i = 0; d->block && i < d->block->count; i++) {
        const cfg_directive_t *s = &d->block->items[i];
        if (cfg_expect_args(s, 0, 1, p->err) != 0 || cfg_expect_no_block(s, p->err) != 0) return -1;
        if (route__vars_add(p, c, &s->name, s->nargs ? &s->args[0] : NULL) != 0) return -1;
    }
    *conf = c;
    return 0;
}

static route_result_t route__vars_handle(route_exchange_t *x, const void *conf)
{
    const route__vars_conf_t *c = conf;
    for (size_t i = 0; i < c->count; i++) {
        ifr_str_t v;
        if (route_tmpl_render(x, c->values[i], &v) != 0 || route_var_set(x, c->names[i], v) != 0)
            return route_fail(x, 500, "out of memory");
    }
    return ROUTE_NEXT;
}

const route_directive_t route_directive_vars = {
    .name = "vars", .flags = ROUTE_DIR_MATCHER | ROUTE_DIR_BLOCK_ARGS, .min_args = 2,
    .parse = route__vars_parse, .handle = route__vars_handle,
};
