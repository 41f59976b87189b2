/* `remote_ip <ranges...>` (and `client_ip`, the same here since ifrit has
 * no trusted proxies yet): the client address against IPs and CIDR ranges,
 * v4 and v6; `private_ranges` stands for the private and loopback ranges. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "config/dispense.h"
#include "route/matcher.h"

typedef struct {
    uint8_t addr[16];
    int family;        /* AF_INET or AF_INET6 */
    int bits;
} route_cidr_t;

typedef struct {
    route_cidr_t *items;
    size_t count;
} route_cidrs_t;

static const char *const route_private_ranges[] = {
    "192.168.0.0/16", "172.16.0.0/12", "10.0.0.0/8", "127.0.0.1/8", "fd00::/8", "::1",
};

static int route_cidr_parse(ifr_str_t s, route_cidr_t *c)
{
    char buf[64];
    if (s.len == 0 || s.len >= sizeof(buf)) return -1;
    memcpy(buf, s.ptr, s.len);
    buf[s.len] = '\0';
    char *slash = strchr(buf, '/');
    if (slash) *slash = '\0';
    c->family = strchr(buf, ':') ? AF_INET6 : AF_INET;
    if (inet_pton(c->family, buf, c->addr) != 1) return -1;
    int max = c->family == AF_INET ? 32 : 128;
    c->bits = max;
    if (slash) {
        char *end;
        long b = strtol(slash + 1, &end, 10);
        if (*end || end == slash + 1 || b < 0 || b > max) return -1;
        c->bits = (int)b;
    }
    return 0;
}

static int route_cidrs_add(route_parse_t *p, route_cidrs_t *l, ifr_str_t s, const cfg_token_t *at)
{
    route_cidr_t c;
    if (route_cidr_parse(s, &c) != 0)
        return cfg_errorf(p->err, at, "remote_ip: expected an IP address or CIDR range, got '%.*s'",
                          (int)s.len, s.ptr);
    route_cidr_t *n = ifr_arena_alloc(p->arena, (l->count + 1) * sizeof(*n));
    if (!n) return cfg_errorf(p->err, NULL, "out of memory");
    if (l->count) memcpy(n, l->items, l->count * sizeof(*n));
    n[l->count++] = c;
    l->items = n;
    return 0;
}

static int route_remote_ip_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    if (cfg_expect_args(d, 1, SIZE_MAX, p->err) != 0) return -1;
    route_cidrs_t *l = *conf;
    if (!l && !(l = *conf = ifr_arena_calloc(p->arena, 1, sizeof(*l))))
        return cfg_errorf(p->err, NULL, "out of memory");
    for (size_t i = 0; i < d->nargs; i++) {
        if (ifr_str_eq_cstr(d->args[i].text, "private_ranges")) {
            for (size_t k = 0; k < sizeof(route_private_ranges) / sizeof(char *); k++)
                if (route_cidrs_add(p, l, ifr_cstr(route_private_ranges[k]), &d->args[i]) != 0) return -1;
        } else if (route_cidrs_add(p, l, d->args[i].text, &d->args[i]) != 0) {
            return -1;
        }
    }
    return 0;
}

static bool route_cidr_contains(const route_cidr_t *c, const uint8_t *addr)
{
    int full = c->bits / 8, rest = c->bits % 8;
    if (memcmp(c->addr, addr, (size_t)full) != 0) return false;
    if (rest == 0) return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (c->addr[full] & mask) == (addr[full] & mask);
}

static bool route_remote_ip_match(route_exchange_t *x, const void *conf)
{
    const route_cidrs_t *l = conf;
    route_cidr_t client;
    if (route_cidr_parse(x->conn->remote_ip, &client) != 0) return false;
    /* An IPv4 client on a dual-stack socket shows up as ::ffff:a.b.c.d. */
    static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    uint8_t v4[4];
    bool has_v4 = client.family == AF_INET;
    if (has_v4) memcpy(v4, client.addr, 4);
    else if (memcmp(client.addr, v4mapped, 12) == 0) { memcpy(v4, client.addr + 12, 4); has_v4 = true; }
    for (size_t i = 0; i < l->count; i++) {
        const route_cidr_t *c = &l->items[i];
        if (c->family == AF_INET ? has_v4 && route_cidr_contains(c, v4)
                                 : client.family == AF_INET6 && route_cidr_contains(c, client.addr))
            return true;
    }
    return false;
}

const route_matcher_t route_match_remote_ip = {
    .name = "remote_ip", .parse = route_remote_ip_parse, .match = route_remote_ip_match,
};
const route_matcher_t route_match_client_ip = {
    .name = "client_ip", .parse = route_remote_ip_parse, .match = route_remote_ip_match,
};
