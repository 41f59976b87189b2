/* `protocol http|https|http/1.0|http/1.1|http/2[+]...`: scheme or HTTP
 * version; a trailing + means "this version or newer". */
#include "config/dispense.h"
#include "route/matcher.h"

typedef struct {
    int scheme;        /* 0 any, 1 http, 2 https */
    int version;       /* major*10+minor, 0 = any */
    bool or_newer;
} route__proto_conf_t;

static int route__protocol_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    if (*conf) return cfg_errorf(p->err, &d->name, "protocol: only one per matcher set");
    if (cfg_expect_args(d, 1, 1, p->err) != 0) return -1;
    route__proto_conf_t *c = ifr_arena_calloc(p->arena, 1, sizeof(*c));
    if (!c) return cfg_errorf(p->err, NULL, "out of memory");
    ifr_str_t a = d->args[0].text;
    if (ifr_str_eq_cstr(a, "http")) c->scheme = 1;
    else if (ifr_str_eq_cstr(a, "https")) c->scheme = 2;
    else if (a.len >= 6 && ifr_str_starts_with(a, IFR_LIT("http/"))) {
        ifr_str_t v = ifr_str_sub(a, 5, a.len);
        if (v.len && v.ptr[v.len - 1] == '+') { c->or_newer = true; v.len--; }
        if (ifr_str_eq_cstr(v, "1.0")) c->version = 10;
        else if (ifr_str_eq_cstr(v, "1.1")) c->version = 11;
        else if (ifr_str_eq_cstr(v, "2") || ifr_str_eq_cstr(v, "2.0")) c->version = 20;
        else if (ifr_str_eq_cstr(v, "3") || ifr_str_eq_cstr(v, "3.0")) c->version = 30;
    }
    if (!c->scheme && !c->version)
        return cfg_errorf(p->err, &d->args[0],
                          "protocol: expected http, https, http/1.0, http/1.1, http/2 or http/3 (optionally with +), got '%.*s'",
                          (int)a.len, a.ptr);
    *conf = c;
    return 0;
}

static bool route__protocol_match(route_exchange_t *x, const void *conf)
{
    const route__proto_conf_t *c = conf;
    if (c->scheme) return (c->scheme == 2) == x->conn->tls;
    int v = x->req->version_major >= 2 ? x->req->version_major * 10
                                       : x->req->version_major * 10 + x->req->version_minor;
    return c->or_newer ? v >= c->version : v == c->version;
}

const route_matcher_t route_match_protocol = {
    .name = "protocol", .parse = route__protocol_parse, .match = route__protocol_match,
};
