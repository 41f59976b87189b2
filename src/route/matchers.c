/* The matcher table, matcher sets, named-matcher scopes. */
#include "route/matcher.h"

#include "config/dispense.h"
#include "route/state.h"

extern const route_matcher_t route_match_path, route_match_path_regexp, route_match_method,
    route_match_header, route_match_header_regexp, route_match_host, route_match_query,
    route_match_protocol, route_match_remote_ip, route_match_client_ip, route_match_not, route_match_file, route_match_vars, route_match_vars_regexp,
    route_match_expression;

/* Adding a matcher kind: one file and one row here. */
static const route_matcher_t *const route__matchers[] = {
    &route_match_path, &route_match_path_regexp, &route_match_method, &route_match_header,
    &route_match_header_regexp, &route_match_host, &route_match_query, &route_match_protocol,
    &route_match_remote_ip, &route_match_client_ip, &route_match_not, &route_match_file,
    &route_match_vars, &route_match_vars_regexp, &route_match_expression,
};
#define ROUTE__NMATCHERS (sizeof(route__matchers) / sizeof(route__matchers[0]))

const route_matcher_t *route_matcher_find(ifr_str_t name)
{
    for (size_t i = 0; i < ROUTE__NMATCHERS; i++)
        if (ifr_str_eq_cstr(name, route__matchers[i]->name)) return route__matchers[i];
    return NULL;
}

void route_match_fail(route_exchange_t *x, int status)
{
    route_state_t *st = route_state(x);
    if (st) st->match_error = status;
}

bool route_match(route_exchange_t *x, const route_matcher_set_t *s)
{
    if (!s) return true;
    for (size_t i = 0; i < s->count; i++)
        if (!s->conds[i].m->match(x, s->conds[i].conf)) return false;
    return true;
}

/* Caddy matchers ifrit does not have, so the error can say so. */
static const char *const route__unsupported_matchers[] = {
    "tls",
};

int route_matcher_parse_set(route_parse_t *p, const cfg_directive_t *lines, size_t count,
                            ifr_str_t name, route_matcher_set_t **out)
{
    route_matcher_set_t *set = ifr_arena_calloc(p->arena, 1, sizeof(*set));
    if (!set || (count && !(set->conds = ifr_arena_calloc(p->arena, count, sizeof(route_cond_t)))))
        return cfg_errorf(p->err, NULL, "out of memory");
    set->name = name;
    ifr_str_t saved = p->matcher_name;
    p->matcher_name = name;
    for (size_t i = 0; i < count; i++) {
        const cfg_directive_t *d = &lines[i];
        const route_matcher_t *m = route_matcher_find(d->name.text);
        if (!m) {
            for (size_t u = 0; u < sizeof(route__unsupported_matchers) / sizeof(char *); u++)
                if (ifr_str_eq_cstr(d->name.text, route__unsupported_matchers[u]))
                    return cfg_errorf(p->err, &d->name, "the %s matcher is not supported by ifrit yet",
                                      route__unsupported_matchers[u]);
            const char *names[ROUTE__NMATCHERS];
            for (size_t k = 0; k < ROUTE__NMATCHERS; k++) names[k] = route__matchers[k]->name;
            return cfg_error_unknown(p->err, &d->name, "matcher", names, ROUTE__NMATCHERS);
        }
        if (d->block && !(m->flags & ROUTE_MATCH_BLOCK))
            return cfg_errorf(p->err, d->block->open, "the %s matcher takes no block", m->name);
        route_cond_t *c = NULL;
        if (!(m->flags & ROUTE_MATCH_SEPARATE))
            for (size_t k = 0; k < set->count; k++)
                if (set->conds[k].m == m) c = &set->conds[k];
        if (!c) {
            c = &set->conds[set->count++];
            c->m = m;
        }
        if (m->parse(p, d, &c->conf) != 0) return -1;
    }
    p->matcher_name = saved;
    for (size_t k = 0; k < set->count; k++)
        if (set->conds[k].m->sort_len) set->sort_len = set->conds[k].m->sort_len(set->conds[k].conf);
    *out = set;
    return 0;
}

int route_matcher_inline_path(route_parse_t *p, const cfg_token_t *t, route_matcher_set_t **out)
{
    cfg_directive_t line = { .name = *t, .args = (cfg_token_t *)t, .nargs = 1 };
    line.name.text = IFR_LIT("path");
    return route_matcher_parse_set(p, &line, 1, IFR_LIT(""), out);
}

/* One `@name ...` definition: a block of matchers, or one matcher on the line. */
static int route__scope_define(route_parse_t *p, const cfg_directive_t *d, route_matcher_set_t **out)
{
    ifr_str_t name = ifr_str_sub(d->name.text, 1, d->name.text.len);
    if (name.len == 0) return cfg_errorf(p->err, &d->name, "a named matcher needs a name after '@'");
    if (d->nargs == 0) {
        if (!d->block || d->block->count == 0)
            return cfg_errorf(p->err, &d->name, "matcher @%.*s: expected matchers on the line or in a block",
                              (int)name.len, name.ptr);
        return route_matcher_parse_set(p, d->block->items, d->block->count, name, out);
    }
    cfg_directive_t line = { .name = d->args[0], .args = d->args + 1, .nargs = d->nargs - 1,
                             .block = d->block };
    if (cfg_token_is_literal(&d->args[0])) {   /* @name `cel`: the expression matcher's short form */
        line = (cfg_directive_t){ .name = d->args[0], .args = d->args, .nargs = d->nargs, .block = d->block };
        line.name.text = IFR_LIT("expression");
    }
    return route_matcher_parse_set(p, &line, 1, name, out);
}

int route_scope_open(route_parse_t *p, const cfg_block_t *blk, route_scope_t *parent, route_scope_t **out)
{
    route_scope_t *s = ifr_arena_calloc(p->arena, 1, sizeof(*s));
    if (!s) return cfg_errorf(p->err, NULL, "out of memory");
    s->parent = parent;
    size_t n = 0;
    for (size_t i = 0; blk && i < blk->count; i++)
        n += blk->items[i].name.text.len > 0 && blk->items[i].name.text.ptr[0] == '@' &&
             !cfg_token_is_literal(&blk->items[i].name);
    if (n && !(s->sets = ifr_arena_calloc(p->arena, n, sizeof(*s->sets))))
        return cfg_errorf(p->err, NULL, "out of memory");
    /* Definitions are visible to each other's `not` blocks only once made;
     * open the scope first so later lookups see earlier definitions. */
    route_scope_t *saved = p->scope;
    p->scope = s;
    for (size_t i = 0; blk && i < blk->count; i++) {
        const cfg_directive_t *d = &blk->items[i];
        if (d->name.text.len == 0 || d->name.text.ptr[0] != '@' || cfg_token_is_literal(&d->name)) continue;
        ifr_str_t name = ifr_str_sub(d->name.text, 1, d->name.text.len);
        for (size_t k = 0; k < s->count; k++)
            if (ifr_str_eq(s->sets[k]->name, name))
                return cfg_errorf(p->err, &d->name, "matcher @%.*s is defined more than once in this block",
                                  (int)name.len, name.ptr);
        if (route__scope_define(p, d, &s->sets[s->count]) != 0) { p->scope = saved; return -1; }
        s->count++;
    }
    p->scope = saved;
    *out = s;
    return 0;
}

const route_matcher_set_t *route_scope_find(const route_scope_t *s, ifr_str_t name)
{
    for (; s; s = s->parent)
        for (size_t i = 0; i < s->count; i++)
            if (ifr_str_eq(s->sets[i]->name, name)) return s->sets[i];
    return NULL;
}
