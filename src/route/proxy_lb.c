/* See proxy_lb.h. */
#include "route/proxy_lb.h"

#include <stdio.h>

#include "route/proxy_health.h"

static uint64_t route__lb_fnv(uint64_t h, ifr_str_t s)
{
    for (size_t i = 0; i < s.len; i++) {
        h ^= (unsigned char)s.ptr[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* splitmix64: a cheap, well-mixed per-thread random source. */
static uint64_t route__lb_random(void)
{
    static _Thread_local uint64_t state;
    if (!state) state = (uint64_t)route_proxy_now_ns() ^ (uint64_t)(uintptr_t)&state;
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void route_proxy_lb_cookie_value(const route_proxy_upstream_t *u, char out[17])
{
    snprintf(out, 17, "%016llx", (unsigned long long)route__lb_fnv(0xcbf29ce484222325ULL, u->hostport));
}

typedef struct {
    const route_proxy_conf_t *c;
    int64_t now;
} route__lb_filter_t;

static bool route__lb_ok(const route__lb_filter_t *f, size_t i)
{
    return route_proxy_upstream_available(f->c, &f->c->upstreams[i], f->now);
}

static route_proxy_upstream_t *route__lb_random_pick(const route__lb_filter_t *f)
{
    size_t n = 0, pick = 0;
    for (size_t i = 0; i < f->c->nupstreams; i++)
        if (route__lb_ok(f, i) && route__lb_random() % ++n == 0) pick = i;   /* reservoir sampling */
    return n ? &f->c->upstreams[pick] : NULL;
}

/* FNV-1a, 32 bits, continued from h over s. */
static uint32_t route__lb_fnv32a(uint32_t h, ifr_str_t s)
{
    for (size_t i = 0; i < s.len; i++) {
        h ^= (unsigned char)s.ptr[i];
        h *= 16777619u;
    }
    return h;
}

/* Rendezvous hashing exactly as Caddy 2.6's hostByHashing: the upstream
 * whose FNV-1a-32 of the key then its dial address is highest, the first on
 * a tie, so a key picks the same upstream under ifrit and under Caddy. */
static route_proxy_upstream_t *route__lb_hash_pick(const route__lb_filter_t *f, ifr_str_t key)
{
    uint32_t best = 0, kh = route__lb_fnv32a(2166136261u, key);
    route_proxy_upstream_t *choice = NULL;
    for (size_t i = 0; i < f->c->nupstreams; i++) {
        if (!route__lb_ok(f, i)) continue;
        uint32_t score = route__lb_fnv32a(kh, f->c->upstreams[i].hostport);
        if (!choice || score > best) { best = score; choice = &f->c->upstreams[i]; }
    }
    return choice;
}

/* The value of cookie name in the request's Cookie fields. */
static bool route__lb_cookie(route_exchange_t *x, ifr_str_t name, ifr_str_t *out)
{
    const http_headers_t *h = &x->req->headers;
    for (uint32_t i = 0; i < h->count; i++) {
        if (!ifr_str_eq_nocase(h->items[i].name, IFR_LIT("cookie"))) continue;
        ifr_str_t v = h->items[i].value;
        size_t pos = 0;
        while (pos < v.len) {
            while (pos < v.len && (v.ptr[pos] == ' ' || v.ptr[pos] == ';')) pos++;
            size_t end = pos;
            while (end < v.len && v.ptr[end] != ';') end++;
            ifr_str_t pair = ifr_str_sub(v, pos, end);
            long eq = ifr_str_find_char(pair, '=');
            if (eq >= 0 && ifr_str_eq(ifr_str_sub(pair, 0, (size_t)eq), name)) {
                *out = ifr_str_sub(pair, (size_t)eq + 1, pair.len);
                return true;
            }
            pos = end;
        }
    }
    return false;
}

static route_proxy_upstream_t *route__lb_cookie_pick(const route__lb_filter_t *f, route_exchange_t *x, bool *set_cookie)
{
    ifr_str_t v;
    if (route__lb_cookie(x, f->c->lb_key, &v)) {
        for (size_t i = 0; i < f->c->nupstreams; i++) {
            char want[17];
            route_proxy_lb_cookie_value(&f->c->upstreams[i], want);
            if (ifr_str_eq(v, ifr_str(want, 16)) && route__lb_ok(f, i)) return &f->c->upstreams[i];
        }
    }
    *set_cookie = true;
    return route__lb_random_pick(f);
}

static route_proxy_upstream_t *route__lb_pick(const route__lb_filter_t *f, route_exchange_t *x, bool *set_cookie)
{
    const route_proxy_conf_t *c = f->c;
    switch (c->lb) {
    case ROUTE_PROXY_LB_FIRST:
        for (size_t i = 0; i < c->nupstreams; i++)
            if (route__lb_ok(f, i)) return &c->upstreams[i];
        return NULL;
    case ROUTE_PROXY_LB_ROUND_ROBIN: {
        /* rr_next is shared state in an immutable conf: an atomic on purpose. */
        unsigned start = atomic_fetch_add_explicit((atomic_uint *)&c->rr_next, 1, memory_order_relaxed);
        for (size_t k = 0; k < c->nupstreams; k++) {
            size_t i = (start + k) % c->nupstreams;
            if (route__lb_ok(f, i)) return &c->upstreams[i];
        }
        return NULL;
    }
    case ROUTE_PROXY_LB_LEAST_CONN: {
        route_proxy_upstream_t *best = NULL;
        int best_n = 0;
        size_t ties = 0;
        for (size_t i = 0; i < c->nupstreams; i++) {
            if (!route__lb_ok(f, i)) continue;
            int n = atomic_load_explicit(&c->upstreams[i].in_flight, memory_order_relaxed);
            if (!best || n < best_n) { best = &c->upstreams[i]; best_n = n; ties = 1; }
            else if (n == best_n && route__lb_random() % ++ties == 0) best = &c->upstreams[i];
        }
        return best;
    }
    case ROUTE_PROXY_LB_IP_HASH:
        return route__lb_hash_pick(f, x->conn->remote_ip);
    case ROUTE_PROXY_LB_URI_HASH:
        return route__lb_hash_pick(f, x->req->target);
    case ROUTE_PROXY_LB_HEADER: {
        const http_header_t *h = http_headers_get(&x->req->headers, c->lb_key);
        return h ? route__lb_hash_pick(f, h->value) : route__lb_random_pick(f);
    }
    case ROUTE_PROXY_LB_COOKIE:
        return route__lb_cookie_pick(f, x, set_cookie);
    case ROUTE_PROXY_LB_RANDOM:
    default:
        return route__lb_random_pick(f);
    }
}

route_proxy_upstream_t *route_proxy_lb_select(const route_proxy_conf_t *c, route_exchange_t *x, int64_t now,
                                              bool *set_cookie)
{
    *set_cookie = false;
    route__lb_filter_t f = { c, now };
    return route__lb_pick(&f, x, set_cookie);
}
