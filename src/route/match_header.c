/* `header <field> [<value>...]` and `header !<field>`: request header
 * fields. Values use Caddy's fast patterns ("*x*", "*x", "x*", "*"); no value
 * means the field must be present, `!field` that it must be absent.
 * Different fields are AND-ed, values of one field OR-ed. */
#include "config/dispense.h"
#include "http/message.h"
#include "route/match_util.h"
#include "route/matcher.h"
#include "route/path.h"

typedef struct {
    ifr_str_t name;
    bool absent;           /* !field */
    route_strs_t values;   /* empty: present with any value */
} route__hdr_field_t;

typedef struct {
    route__hdr_field_t *fields;
    size_t count;
} route__hdr_conf_t;

static int route__header_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    if (cfg_expect_args(d, 1, SIZE_MAX, p->err) != 0) return -1;
    route__hdr_conf_t *c = *conf;
    if (!c && !(c = *conf = ifr_arena_calloc(p->arena, 1, sizeof(*c))))
        return cfg_errorf(p->err, NULL, "out of memory");
    ifr_str_t name = d->args[0].text;
    bool absent = name.len > 0 && name.ptr[0] == '!';
    if (absent) name = ifr_str_sub(name, 1, name.len);
    if (name.len == 0) return cfg_errorf(p->err, &d->args[0], "header: expected a field name");
    if (absent && d->nargs > 1)
        return cfg_errorf(p->err, &d->args[1], "header: !%.*s takes no value", (int)name.len, name.ptr);
    route__hdr_field_t *f = NULL;
    for (size_t i = 0; i < c->count; i++)
        if (ifr_str_eq_nocase(c->fields[i].name, name) && c->fields[i].absent == absent) f = &c->fields[i];
    if (!f) {
        route__hdr_field_t *n = ifr_arena_calloc(p->arena, c->count + 1, sizeof(*n));
        if (!n) return cfg_errorf(p->err, NULL, "out of memory");
        if (c->count) memcpy(n, c->fields, c->count * sizeof(*n));
        c->fields = n;
        f = &c->fields[c->count++];
        f->name = name;
        f->absent = absent;
    }
    for (size_t i = 1; i < d->nargs; i++)
        if (route_strs_add(p->arena, &f->values, d->args[i].text) != 0)
            return cfg_errorf(p->err, NULL, "out of memory");
    return 0;
}

/* Whether any value of the field called name matches one of the patterns. */
static bool route__field_match(const http_request_t *r, const route__hdr_field_t *f)
{
    /* Host is not in the header list on every host (HTTP/2 :authority). */
    if (ifr_str_eq_nocase(f->name, IFR_LIT("Host"))) {
        bool present = r->host.len > 0;
        for (size_t k = 0; present && k < f->values.count; k++)
            if (route_wild_match(f->values.items[k], r->host, false)) return true;
        return present && f->values.count == 0;
    }
    for (uint32_t i = 0; i < r->headers.count; i++) {
        const http_header_t *h = &r->headers.items[i];
        if (!ifr_str_eq_nocase(h->name, f->name)) continue;
        if (f->values.count == 0) return true;
        for (size_t k = 0; k < f->values.count; k++)
            if (route_wild_match(f->values.items[k], h->value, false)) return true;
    }
    return false;
}

static bool route__header_match(route_exchange_t *x, const void *conf)
{
    const route__hdr_conf_t *c = conf;
    for (size_t i = 0; i < c->count; i++) {
        const route__hdr_field_t *f = &c->fields[i];
        if (f->absent) {
            route__hdr_field_t any = { f->name, false, { NULL, 0 } };
            if (route__field_match(x->req, &any)) return false;
        } else if (!route__field_match(x->req, f)) {
            return false;
        }
    }
    return true;
}

const route_matcher_t route_match_header = {
    .name = "header", .parse = route__header_parse, .match = route__header_match,
};
