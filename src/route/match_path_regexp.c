/* `path_regexp [<name>] <regexp>`: the cleaned, decoded path against a
 * regexp; captures become {re.<name>.N} (name defaults to the matcher's). */
#include "config/dispense.h"
#include "route/matcher.h"
#include "route/regexp.h"
#include "route/state.h"

typedef struct {
    ifr_str_t name;
    route_regex_t *rx;
} route__path_re_t;

static int route__path_re_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    if (*conf) return cfg_errorf(p->err, &d->name, "path_regexp: only one per matcher set");
    if (cfg_expect_args(d, 1, 2, p->err) != 0) return -1;
    route__path_re_t *c = ifr_arena_calloc(p->arena, 1, sizeof(*c));
    if (!c) return cfg_errorf(p->err, NULL, "out of memory");
    c->name = d->nargs == 2 ? d->args[0].text : p->matcher_name;
    const cfg_token_t *re = &d->args[d->nargs - 1];
    char msg[200];
    if (route_regex_compile(p->arena, re->text, &c->rx, msg, sizeof(msg)) != 0)
        return cfg_errorf(p->err, re, "path_regexp: %s", msg);
    *conf = c;
    return 0;
}

static bool route__path_re_match(route_exchange_t *x, const void *conf)
{
    const route__path_re_t *c = conf;
    ifr_str_t g[ROUTE_MAX_GROUPS];
    if (!route_regex_match(c->rx, route_clean_path(x), g)) return false;
    route_capture_t *cap = route_capture_add(x, c->name);
    if (cap) {
        memcpy(cap->groups, g, sizeof(g));
        cap->group_names = c->rx->names;
    }
    return true;
}

const route_matcher_t route_match_path_regexp = {
    .name = "path_regexp", .parse = route__path_re_parse, .match = route__path_re_match,
};
