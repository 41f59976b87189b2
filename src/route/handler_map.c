/* `map [<matcher>] <source> <destinations...> { [~]<input> <outputs...>
 * default <defaults...> }`: destination placeholders whose values depend
 * on the source, as Caddy's map: the first line whose input equals the
 * source (or whose `~regexp` matches it, its outputs expanding $1, ${1},
 * ${name}) and that gives an output there; else the default; else empty.
 * An output `-` gives nothing there (the next lines are looked at). Values
 * are worked out when a template asks for them (vars.h). */
#include "config/dispense.h"
#include "route/directive.h"
#include "route/response.h"
#include "route/vars.h"

/* A destination is one whole placeholder: {name}. */
static int route__map_dest(route_parse_t *p, const cfg_token_t *t, ifr_str_t *name)
{
    ifr_str_t s = t->text;
    if (s.len < 3 || s.ptr[0] != '{' || s.ptr[s.len - 1] != '}' || ifr_str_find_char(ifr_str_sub(s, 1, s.len - 1), '{') >= 0)
        return cfg_errorf(p->err, t, "map: a destination must be a placeholder such as {my_var}, got '%.*s'",
                          (int)s.len, s.ptr);
    *name = ifr_str_sub(s, 1, s.len - 1);
    return 0;
}

static int route__map_line(route_parse_t *p, route_map_conf_t *c, const cfg_directive_t *s, route_map_line_t *l)
{
    if (s->nargs > c->ndests)
        return cfg_errorf(p->err, &s->args[c->ndests], "map: %zu outputs for %zu destinations", s->nargs,
                          c->ndests);
    if (s->nargs == 0) return cfg_errorf(p->err, &s->name, "map: expected an output after the input");
    if (cfg_expect_no_block(s, p->err) != 0) return -1;
    ifr_str_t in = s->name.text;
    if (in.len && in.ptr[0] == '~' && !cfg_token_is_literal(&s->name)) {
        char msg[200];
        if (route_regex_compile(p->arena, ifr_str_sub(in, 1, in.len), &l->rx, msg, sizeof(msg)) != 0)
            return cfg_errorf(p->err, &s->name, "map: %s", msg);
        if (!(l->raw = ifr_arena_calloc(p->arena, c->ndests, sizeof(ifr_str_t))))
            return cfg_errorf(p->err, NULL, "out of memory");
    } else if (!(l->outputs = ifr_arena_calloc(p->arena, c->ndests, sizeof(route_tmpl_t *)))) {
        return cfg_errorf(p->err, NULL, "out of memory");
    }
    l->input = in;
    for (size_t k = 0; k < s->nargs; k++) {
        ifr_str_t o = s->args[k].text;
        if (ifr_str_eq_cstr(o, "-") && !cfg_token_is_literal(&s->args[k])) continue;
        if (l->rx) l->raw[k] = o;
        else if (!(l->outputs[k] = route_tmpl_compile(p->arena, o))) return cfg_errorf(p->err, NULL, "out of memory");
    }
    return 0;
}

static int route__map_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    if (cfg_expect_args(d, 2, SIZE_MAX, p->err) != 0) return -1;
    route_map_conf_t *c = ifr_arena_calloc(p->arena, 1, sizeof(*c));
    size_t nlines = d->block ? d->block->count : 0;
    if (!c || !(c->source = route_tmpl_compile(p->arena, d->args[0].text)) ||
        !(c->dests = ifr_arena_calloc(p->arena, d->nargs - 1, sizeof(ifr_str_t))) ||
        !(c->defaults = ifr_arena_calloc(p->arena, d->nargs - 1, sizeof(route_tmpl_t *))) ||
        (nlines && !(c->lines = ifr_arena_calloc(p->arena, nlines, sizeof(route_map_line_t)))))
        return cfg_errorf(p->err, NULL, "out of memory");
    c->ndests = d->nargs - 1;
    for (size_t i = 0; i < c->ndests; i++)
        if (route__map_dest(p, &d->args[i + 1], &c->dests[i]) != 0) return -1;
    bool have_default = false;
    for (size_t i = 0; i < nlines; i++) {
        const cfg_directive_t *s = &d->block->items[i];
        if (ifr_str_eq_cstr(s->name.text, "default") && !cfg_token_is_literal(&s->name)) {
            if (have_default) return cfg_errorf(p->err, &s->name, "map: default given twice");
            if (s->nargs == 0 || s->nargs > c->ndests)
                return cfg_errorf(p->err, &s->name, "map: default takes one value per destination (%zu)", c->ndests);
            for (size_t k = 0; k < s->nargs; k++)
                if (!(c->defaults[k] = route_tmpl_compile(p->arena, s->args[k].text)))
                    return cfg_errorf(p->err, NULL, "out of memory");
            have_default = true;
            continue;
        }
        for (size_t k = 0; k < c->nlines; k++)
            if (ifr_str_eq(c->lines[k].input, s->name.text))
                return cfg_errorf(p->err, &s->name, "map: input '%.*s' given twice", (int)s->name.text.len,
                                  s->name.text.ptr);
        if (route__map_line(p, c, s, &c->lines[c->nlines]) != 0) return -1;
        c->nlines++;
    }
    *conf = c;
    return 0;
}

static route_result_t route__map_handle(route_exchange_t *x, const void *conf)
{
    return route_map_activate(x, conf) != 0 ? route_fail(x, 500, "out of memory") : ROUTE_NEXT;
}

const route_directive_t route_directive_map = {
    .name = "map", .flags = ROUTE_DIR_MATCHER, .min_args = 2,
    .parse = route__map_parse, .handle = route__map_handle,
};
