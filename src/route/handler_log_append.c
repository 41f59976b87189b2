/* `log_append [<matcher>] <key> <value>` (Caddy 2.8): a field added to
 * the request's access log entry, after resp_headers. As Caddy, the value
 * is worked out once the rest of the routes ran (here: when the entry is
 * written): a lone placeholder `{name}` gives that placeholder's value, a
 * word naming a variable set by `vars` gives the variable, anything else
 * is the text with its placeholders replaced. Fields come out in the
 * reverse of the order their directives ran, as Caddy adds each on the
 * way back up its handler chain. */
#include <string.h>

#include "config/dispense.h"
#include "route/directive.h"
#include "route/response.h"
#include "route/state.h"
#include "route/tmpl.h"
#include "route/vars.h"

struct route_log_append {
    ifr_str_t key;
    ifr_str_t text;          /* the value as written */
    bool lone_placeholder;   /* text is `{name}` and nothing else */
    route_tmpl_t *value;
};

/* One log_append that ran, newest first. */
struct route_log_extra {
    const route_log_append_t *append;
    struct route_log_extra *next;
};

static int route__log_append_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    if (cfg_expect_args(d, 2, 2, p->err) != 0 || cfg_expect_no_block(d, p->err) != 0) return -1;
    route_log_append_t *c = ifr_arena_calloc(p->arena, 1, sizeof(*c));
    if (!c) return cfg_errorf(p->err, NULL, "out of memory");
    c->key = d->args[0].text;
    c->text = d->args[1].text;
    ifr_str_t v = c->text;
    c->lone_placeholder = v.len >= 2 && v.ptr[0] == '{' && v.ptr[v.len - 1] == '}' &&
                          memchr(v.ptr + 1, '{', v.len - 1) == NULL;
    if (!(c->value = route_tmpl_compile(p->arena, v))) return cfg_errorf(p->err, NULL, "out of memory");
    *conf = c;
    return 0;
}

static route_result_t route__log_append_handle(route_exchange_t *x, const void *conf)
{
    route_state_t *st = route_state(x);
    route_log_extra_t *e = st ? ifr_arena_calloc(x->arena, 1, sizeof(*e)) : NULL;
    if (!e) return route_fail(x, 500, "out of memory");
    e->append = conf;
    e->next = st->log_extra;
    st->log_extra = e;
    return ROUTE_NEXT;
}

const route_directive_t route_directive_log_append = {
    .name = "log_append", .flags = ROUTE_DIR_MATCHER, .min_args = 2, .parse = route__log_append_parse,
    .handle = route__log_append_handle,
};

size_t route_log_extra_count(const route_exchange_t *x)
{
    const route_state_t *st = x->route_state;
    size_t n = 0;
    for (const route_log_extra_t *e = st ? st->log_extra : NULL; e; e = e->next) n++;
    return n;
}

bool route_log_extra_next(route_exchange_t *x, const route_log_extra_t **it, ifr_str_t *key, ifr_str_t *value)
{
    const route_state_t *st = x->route_state;
    const route_log_extra_t *e = *it ? (*it)->next : (st ? st->log_extra : NULL);
    if (!e) return false;
    *it = e;
    const route_log_append_t *c = e->append;
    *key = c->key;
    ifr_str_t trimmed = c->text;
    while (trimmed.len && trimmed.ptr[0] == '{') trimmed = ifr_str_sub(trimmed, 1, trimmed.len);
    while (trimmed.len && trimmed.ptr[trimmed.len - 1] == '}') trimmed.len--;
    if (c->lone_placeholder) {
        if (!route_tmpl_get(x, trimmed, value)) *value = IFR_LIT("");
    } else if (!route_var_get(x, trimmed, value) && route_tmpl_render(x, c->value, value) != 0) {
        *value = IFR_LIT("");
    }
    return true;
}
