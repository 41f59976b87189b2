/* `vars <variable> <values...>` and `vars_regexp [<name>] <variable>
 * <regexp>`: a request variable (a name set by `vars`) or a placeholder
 * (`{kind}`, written as one whole placeholder) against values (exact,
 * placeholders allowed, OR-ed) or a regexp (captures as {re.<name>.N},
 * name defaulting to the matcher's). Lines of one set are AND-ed. */
#include "config/dispense.h"
#include "route/match_util.h"
#include "route/matcher.h"
#include "route/regexp.h"
#include "route/vars.h"

typedef struct route__vars_cond {
    ifr_str_t var;              /* a variable's name, when key is NULL */
    route_tmpl_t *key;          /* a placeholder */
    route_tmpl_t **values;      /* vars */
    size_t nvalues;
    route_regex_t *rx;          /* vars_regexp */
    ifr_str_t capture;
    struct route__vars_cond *next;
} route__vars_cond_t;

static int route__vars_key(route_parse_t *p, const cfg_token_t *t, route__vars_cond_t *c)
{
    ifr_str_t s = t->text;
    bool placeholder = s.len > 2 && s.ptr[0] == '{' && s.ptr[s.len - 1] == '}';
    if (!placeholder) {
        c->var = s;
        return 0;
    }
    if (!(c->key = route_tmpl_compile(p->arena, s))) return cfg_errorf(p->err, NULL, "out of memory");
    return 0;
}

static int route__vars_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    if (cfg_expect_args(d, 2, SIZE_MAX, p->err) != 0 || cfg_expect_no_block(d, p->err) != 0) return -1;
    route__vars_cond_t *c = ifr_arena_calloc(p->arena, 1, sizeof(*c));
    if (!c || !(c->values = ifr_arena_calloc(p->arena, d->nargs - 1, sizeof(route_tmpl_t *))))
        return cfg_errorf(p->err, NULL, "out of memory");
    if (route__vars_key(p, &d->args[0], c) != 0) return -1;
    for (size_t i = 1; i < d->nargs; i++)
        if (!(c->values[c->nvalues++] = route_tmpl_compile(p->arena, d->args[i].text)))
            return cfg_errorf(p->err, NULL, "out of memory");
    c->next = *conf;
    *conf = c;
    return 0;
}

static int route__vars_re_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    if (cfg_expect_args(d, 2, 3, p->err) != 0 || cfg_expect_no_block(d, p->err) != 0) return -1;
    route__vars_cond_t *c = ifr_arena_calloc(p->arena, 1, sizeof(*c));
    if (!c) return cfg_errorf(p->err, NULL, "out of memory");
    c->capture = d->nargs == 3 ? d->args[0].text : p->matcher_name;
    if (route__vars_key(p, &d->args[d->nargs - 2], c) != 0) return -1;
    const cfg_token_t *re = &d->args[d->nargs - 1];
    char msg[200];
    if (route_regex_compile(p->arena, re->text, &c->rx, msg, sizeof(msg)) != 0)
        return cfg_errorf(p->err, re, "vars_regexp: %s", msg);
    c->next = *conf;
    *conf = c;
    return 0;
}

static bool route__vars_value(route_exchange_t *x, const route__vars_cond_t *c, ifr_str_t *v)
{
    if (c->key) return route_tmpl_render(x, c->key, v) == 0;
    route_var_get(x, c->var, v);
    return true;
}

static bool route__vars_match(route_exchange_t *x, const void *conf)
{
    for (const route__vars_cond_t *c = conf; c; c = c->next) {
        ifr_str_t v, want;
        if (!route__vars_value(x, c, &v)) return false;
        bool any = false;
        for (size_t i = 0; i < c->nvalues && !any; i++)
            any = route_tmpl_render(x, c->values[i], &want) == 0 && ifr_str_eq(v, want);
        if (!any) return false;
    }
    return true;
}

static bool route__vars_re_match(route_exchange_t *x, const void *conf)
{
    for (const route__vars_cond_t *c = conf; c; c = c->next) {
        ifr_str_t v, g[ROUTE_MAX_GROUPS];
        if (!route__vars_value(x, c, &v) || !route_regex_match(c->rx, v, g)) return false;
        route_capture_t *cap = route_capture_add(x, c->capture);
        if (cap) {
            memcpy(cap->groups, g, sizeof(g));
            cap->group_names = c->rx->names;
        }
    }
    return true;
}

const route_matcher_t route_match_vars = {
    .name = "vars", .parse = route__vars_parse, .match = route__vars_match,
};

const route_matcher_t route_match_vars_regexp = {
    .name = "vars_regexp", .parse = route__vars_re_parse, .match = route__vars_re_match,
};
