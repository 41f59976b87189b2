/* `header_regexp [<name>] <field> <regexp>`: a request header field against
 * a regexp; captures become {re.<name>.N}. Several fields: all must match. */
#include "config/dispense.h"
#include "http/message.h"
#include "route/matcher.h"
#include "route/regexp.h"
#include "route/state.h"

typedef struct route__hdr_re {
    ifr_str_t name, field;
    route_regex_t *rx;
    struct route__hdr_re *next;
} route__hdr_re_t;

static int route__header_re_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    if (cfg_expect_args(d, 2, 3, p->err) != 0) return -1;
    route__hdr_re_t *c = ifr_arena_calloc(p->arena, 1, sizeof(*c));
    if (!c) return cfg_errorf(p->err, NULL, "out of memory");
    c->name = d->nargs == 3 ? d->args[0].text : p->matcher_name;
    c->field = d->args[d->nargs - 2].text;
    const cfg_token_t *re = &d->args[d->nargs - 1];
    char msg[200];
    if (route_regex_compile(p->arena, re->text, &c->rx, msg, sizeof(msg)) != 0)
        return cfg_errorf(p->err, re, "header_regexp: %s", msg);
    c->next = *conf;   /* lines of one set chain up; all must match */
    *conf = c;
    return 0;
}

static bool route__header_re_match(route_exchange_t *x, const void *conf)
{
    for (const route__hdr_re_t *c = conf; c; c = c->next) {
        ifr_str_t value = IFR_NULL_STR;
        bool found = false;
        if (ifr_str_eq_nocase(c->field, IFR_LIT("Host"))) {
            value = x->req->host;
            found = true;
        } else {
            const http_header_t *h = http_headers_get(&x->req->headers, c->field);
            if (h) { value = h->value; found = true; }
        }
        ifr_str_t g[ROUTE_MAX_GROUPS];
        if (!found || !route_regex_match(c->rx, value, g)) return false;
        route_capture_t *cap = route_capture_add(x, c->name);
        if (cap) {
            memcpy(cap->groups, g, sizeof(g));
            cap->group_names = c->rx->names;
        }
    }
    return true;
}

const route_matcher_t route_match_header_regexp = {
    .name = "header_regexp", .parse = route__header_re_parse, .match = route__header_re_match,
};
