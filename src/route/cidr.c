/* See cidr.h. */
#include "route/cidr.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include "config/dispense.h"

static const char *const route__private_ranges[] = {
    "192.168.0.0/16", "172.16.0.0/12", "10.0.0.0/8", "127.0.0.1/8", "fd00::/8", "::1",
};

int route_cidr_parse(ifr_str_t s, route_cidr_t *c)
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

static int route__cidrs_push(ifr_arena_t *a, route_cidrs_t *l, const route_cidr_t *c, cfg_error_t *err)
{
    route_cidr_t *n = ifr_arena_alloc(a, (l->count + 1) * sizeof(*n));
    if (!n) return cfg_errorf(err, NULL, "out of memory");
    if (l->count) memcpy(n, l->items, l->count * sizeof(*n));
    n[l->count++] = *c;
    l->items = n;
    return 0;
}

int route_cidrs_add(ifr_arena_t *a, route_cidrs_t *l, const cfg_token_t *t, const char *what,
                    cfg_error_t *err)
{
    route_cidr_t c;
    if (ifr_str_eq_cstr(t->text, "private_ranges")) {
        for (size_t k = 0; k < sizeof(route__private_ranges) / sizeof(route__private_ranges[0]); k++) {
            if (route_cidr_parse(ifr_cstr(route__private_ranges[k]), &c) != 0 ||
                route__cidrs_push(a, l, &c, err) != 0)
                return -1;
        }
        return 0;
    }
    if (route_cidr_parse(t->text, &c) != 0)
        return cfg_errorf(err, t, "%s: expected an IP address or CIDR range, got '%.*s'", what,
                          (int)t->text.len, t->text.ptr);
    return route__cidrs_push(a, l, &c, err);
}

static bool route__cidr_contains(const route_cidr_t *c, const uint8_t *addr)
{
    int full = c->bits / 8, rest = c->bits % 8;
    if (memcmp(c->addr, addr, (size_t)full) != 0) return false;
    if (rest == 0) return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (c->addr[full] & mask) == (addr[full] & mask);
}

bool route_cidrs_contain(const route_cidrs_t *l, ifr_str_t ip)
{
    route_cidr_t client;
    if (!l || l->count == 0 || route_cidr_parse(ip, &client) != 0 || client.bits != (client.family == AF_INET ? 32 : 128))
        return false;
    /* An IPv4 client on a dual-stack socket shows up as ::ffff:a.b.c.d. */
    static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    uint8_t v4[4];
    bool has_v4 = client.family == AF_INET;
    if (has_v4) memcpy(v4, client.addr, 4);
    else if (memcmp(client.addr, v4mapped, 12) == 0) { memcpy(v4, client.addr + 12, 4); has_v4 = true; }
    for (size_t i = 0; i < l->count; i++) {
        const route_cidr_t *c = &l->items[i];
        if (c->family == AF_INET ? has_v4 && route__cidr_contains(c, v4)
                                 : client.family == AF_INET6 && route__cidr_contains(c, client.addr))
            return true;
    }
    return false;
}
