/* `remote_ip [forwarded] <ranges...>` and `client_ip <ranges...>`: an
 * address against IPs and CIDR ranges, v4 and v6 (cidr.h; `private_ranges`
 * stands for the private and loopback ranges). remote_ip takes the peer,
 * or with `forwarded` (Caddy 2.6) the leftmost X-Forwarded-For entry
 * whoever sent it; client_ip (Caddy 2.7) takes route_client_ip, which
 * believes the headers only from trusted proxies (client_ip.h). */
#include <stdint.h>
#include <string.h>

#include "config/dispense.h"
#include "route/cidr.h"
#include "route/client_ip.h"
#include "route/matcher.h"

typedef struct {
    route_cidrs_t ranges;
    bool forwarded;
} route__ip_match_t;

static int route__ip_parse(route_parse_t *p, const cfg_directive_t *d, void **conf, bool remote)
{
    if (cfg_expect_args(d, 1, SIZE_MAX, p->err) != 0) return -1;
    route__ip_match_t *m = *conf;
    if (!m && !(m = *conf = ifr_arena_calloc(p->arena, 1, sizeof(*m))))
        return cfg_errorf(p->err, NULL, "out of memory");
    size_t first = 0;
    if (remote && cfg_is_word(&d->args[0], "forwarded")) {
        if (d->nargs < 2) return cfg_errorf(p->err, &d->args[0], "remote_ip: expected ranges after 'forwarded'");
        m->forwarded = true;
        first = 1;
    }
    for (size_t i = first; i < d->nargs; i++)
        if (route_cidrs_add(p->arena, &m->ranges, &d->args[i], remote ? "remote_ip" : "client_ip", p->err) != 0)
            return -1;
    return 0;
}

static int route__remote_ip_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    return route__ip_parse(p, d, conf, true);
}

static int route__client_ip_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    return route__ip_parse(p, d, conf, false);
}

/* Caddy 2.6's `forwarded`: the first entry of the first X-Forwarded-For
 * field, trimmed, with a port cut off; the peer when there is none. */
static ifr_str_t route__forwarded_first(route_exchange_t *x)
{
    const http_header_t *h = http_headers_get(&x->req->headers, IFR_LIT("x-forwarded-for"));
    if (!h || h->value.len == 0) return x->conn->remote_ip;
    ifr_str_t v = h->value;
    const char *comma = memchr(v.ptr, ',', v.len);
    if (comma) v.len = (size_t)(comma - v.ptr);
    while (v.len && v.ptr[0] == ' ') { v.ptr++; v.len--; }
    while (v.len && v.ptr[v.len - 1] == ' ') v.len--;
    const char *colon = memchr(v.ptr, ':', v.len);
    if (v.len && v.ptr[0] == '[') {
        const char *close = memchr(v.ptr, ']', v.len);
        if (close) v = ifr_str(v.ptr + 1, (size_t)(close - v.ptr - 1));
    } else if (colon && !memchr(colon + 1, ':', v.len - (size_t)(colon + 1 - v.ptr))) {
        v.len = (size_t)(colon - v.ptr);
    }
    return v;
}

static bool route__remote_ip_match(route_exchange_t *x, const void *conf)
{
    const route__ip_match_t *m = conf;
    return route_cidrs_contain(&m->ranges, m->forwarded ? route__forwarded_first(x) : x->conn->remote_ip);
}

static bool route__client_ip_match(route_exchange_t *x, const void *conf)
{
    const route__ip_match_t *m = conf;
    return route_cidrs_contain(&m->ranges, route_client_ip(x));
}

const route_matcher_t route_match_remote_ip = {
    .name = "remote_ip", .parse = route__remote_ip_parse, .match = route__remote_ip_match,
};
const route_matcher_t route_match_client_ip = {
    .name = "client_ip", .parse = route__client_ip_parse, .match = route__client_ip_match,
};
