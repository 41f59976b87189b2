/* See client_ip.h. */
#include "route/client_ip.h"

#include <arpa/inet.h>
#include <string.h>

#include "config/dispense.h"
#include "route/site.h"
#include "route/state.h"

int route_trust_build(ifr_arena_t *a, const cfg_options_t *o, route_trust_t *t, cfg_error_t *err)
{
    *t = (route_trust_t){ .headers = o->client_ip_headers, .nheaders = o->nclient_ip_headers,
                          .strict = o->trusted_proxies_strict };
    for (size_t i = 0; i < o->ntrusted_proxies; i++)
        if (route_cidrs_add(a, &t->proxies, &o->trusted_proxies[i], "trusted_proxies", err) != 0) return -1;
    const cfg_block_t *pp = o->proxy_protocol ? o->proxy_protocol->block : NULL;
    for (size_t i = 0; pp && i < pp->count; i++) {
        const cfg_directive_t *d = &pp->items[i];
        bool allow = cfg_is_word(&d->name, "allow");
        if (!allow && !cfg_is_word(&d->name, "deny")) continue;
        for (size_t k = 0; k < d->nargs; k++)
            if (route_cidrs_add(a, allow ? &t->proxy_allow : &t->proxy_deny, &d->args[k],
                                allow ? "proxy_protocol allow" : "proxy_protocol deny", err) != 0)
                return -1;
    }
    return 0;
}

/* Caddy's order: unix sockets are trusted, then deny, then allow, then
 * the fallback policy. */
cfg_proxy_policy_t route_plan_proxy_policy(const route_plan_t *p, ifr_str_t peer_ip, bool unix_peer)
{
    const cfg_options_t *o = &p->options;
    if (!o->proxy_protocol) return CFG_PROXY_SKIP;
    if (unix_peer) return CFG_PROXY_USE;
    if (route_cidrs_contain(&p->trust.proxy_deny, peer_ip)) return CFG_PROXY_REJECT;
    if (route_cidrs_contain(&p->trust.proxy_allow, peer_ip)) return CFG_PROXY_USE;
    return o->proxy_protocol_fallback;
}

static const route_trust_t *route__trust_of(route_exchange_t *x)
{
    route_state_t *st = route_state(x);
    return st && st->plan ? &st->plan->trust : NULL;
}

bool route_peer_trusted(route_exchange_t *x)
{
    const route_trust_t *t = route__trust_of(x);
    return t && route_cidrs_contain(&t->proxies, x->conn->remote_ip);
}

/* One comma-separated entry as Go's net.SplitHostPort then
 * netip.ParseAddr read it: spaces trimmed, "[v6]:port" and "v4:port"
 * lose the port, a zone ("%eth0") is cut off. The address, as inet_ntop
 * writes it, into buf; false when the entry is not an address. */
static bool route__entry_addr(ifr_str_t e, char *buf, size_t size)
{
    while (e.len && (e.ptr[0] == ' ' || e.ptr[0] == '\t')) { e.ptr++; e.len--; }
    while (e.len && (e.ptr[e.len - 1] == ' ' || e.ptr[e.len - 1] == '\t')) e.len--;
    const char *colon = memchr(e.ptr, ':', e.len);
    if (e.len && e.ptr[0] == '[') {
        const char *close = memchr(e.ptr, ']', e.len);
        if (!close || (close + 1 != e.ptr + e.len && close[1] != ':')) return false;
        e = ifr_str(e.ptr + 1, (size_t)(close - e.ptr - 1));
    } else if (colon && !memchr(colon + 1, ':', e.len - (size_t)(colon + 1 - e.ptr))) {
        e.len = (size_t)(colon - e.ptr);
    }
    const char *zone = memchr(e.ptr, '%', e.len);
    if (zone) e.len = (size_t)(zone - e.ptr);
    char text[INET6_ADDRSTRLEN + 1];
    uint8_t bin[16];
    if (e.len == 0 || e.len >= sizeof(text)) return false;
    memcpy(text, e.ptr, e.len);
    text[e.len] = '\0';
    int family = memchr(text, ':', e.len) ? AF_INET6 : AF_INET;
    return inet_pton(family, text, bin) == 1 && inet_ntop(family, bin, buf, (socklen_t)size) != NULL;
}

/* Calls each entry of every value of field, in order (reverse: from the
 * last), until take returns true; the entry's address is in buf then. */
static bool route__header_entries(const http_request_t *r, ifr_str_t field, bool reverse, const route_cidrs_t *skip,
                                 char *buf, size_t size)
{
    const http_headers_t *h = &r->headers;
    for (uint32_t k = 0; k < h->count; k++) {
        uint32_t i = reverse ? h->count - 1 - k : k;
        if (!ifr_str_eq_nocase(h->items[i].name, field)) continue;
        ifr_str_t v = h->items[i].value;
        while (v.len) {
            const char *comma = reverse ? memrchr(v.ptr, ',', v.len) : memchr(v.ptr, ',', v.len);
            ifr_str_t e;
            if (!comma) { e = v; v.len = 0; }
            else if (reverse) { e = ifr_str(comma + 1, v.len - (size_t)(comma + 1 - v.ptr)); v.len = (size_t)(comma - v.ptr); }
            else { e = ifr_str(v.ptr, (size_t)(comma - v.ptr)); v = ifr_str(comma + 1, v.len - e.len - 1); }
            if (route__entry_addr(e, buf, size) && !(skip && route_cidrs_contain(skip, ifr_cstr(buf)))) return true;
        }
    }
    return false;
}

static ifr_str_t route__client_ip_find(route_exchange_t *x)
{
    const route_trust_t *t = route__trust_of(x);
    if (!t || !route_cidrs_contain(&t->proxies, x->conn->remote_ip)) return x->conn->remote_ip;
    char buf[INET6_ADDRSTRLEN + 1];
    size_t n = t->headers ? t->nheaders : 1;
    for (size_t i = 0; i < n; i++) {
        ifr_str_t field = t->headers ? t->headers[i].text : IFR_LIT("X-Forwarded-For");
        if (t->strict) {
            /* Every header in turn, right to left, skipping trusted hops. */
            if (route__header_entries(x->req, field, true, &t->proxies, buf, sizeof(buf))) goto found;
            continue;
        }
        /* The first header present decides, as Caddy: its leftmost address. */
        if (!http_headers_get(&x->req->headers, field)) continue;
        if (route__header_entries(x->req, field, false, NULL, buf, sizeof(buf))) goto found;
        break;
    }
    return x->conn->remote_ip;
found:;
    char *copy = ifr_arena_strndup(x->arena, buf, strlen(buf));
    return copy ? ifr_cstr(copy) : x->conn->remote_ip;
}

ifr_str_t route_client_ip(route_exchange_t *x)
{
    route_state_t *st = route_state(x);
    if (!st) return x->conn->remote_ip;
    if (!st->client_ip.ptr) st->client_ip = route__client_ip_find(x);
    return st->client_ip;
}
