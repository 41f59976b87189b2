/* The network rules of outbound calls, as pure functions (unit-tested in
 * tests/unit/fn/test_host_net.c): which URLs a guest may give, which
 * hosts allow_host covers, and which addresses are public. The backend
 * checks the address of every connection it opens (after resolving the
 * name, so a name that resolves to 127.0.0.1 is caught), and compares the
 * host it parsed from the URL with the one parsed here, so the two parsers
 * cannot be played against each other. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fn/fn_host_call.h"

static int fn__url_fail(char *why, size_t size, const char *text)
{
    snprintf(why, size, "%s", text);
    return -1;
}

int fn_host_url_parse(ifr_str_t url, fn_url_t *u, char *hbuf, size_t hsize, char *why, size_t size)
{
    for (size_t i = 0; i < url.len; i++)
        if ((unsigned char)url.ptr[i] <= 0x20 || url.ptr[i] == 0x7f)
            return fn__url_fail(why, size, "the URL has a space or a control byte");
    size_t at;
    if (url.len >= 7 && strncasecmp(url.ptr, "http://", 7) == 0) {
        u->https = false;
        at = 7;
    } else if (url.len >= 8 && strncasecmp(url.ptr, "https://", 8) == 0) {
        u->https = true;
        at = 8;
    } else {
        return fn__url_fail(why, size, "the URL must start with http:// or https://");
    }
    size_t end = at;
    while (end < url.len && url.ptr[end] != '/' && url.ptr[end] != '?' && url.ptr[end] != '#') end++;
    ifr_str_t auth = ifr_str_sub(url, at, end);
    if (ifr_str_find_char(auth, '@') >= 0) return fn__url_fail(why, size, "the URL has user information");
    if (ifr_str_find_char(auth, '%') >= 0) return fn__url_fail(why, size, "the URL's host is percent-encoded");
    ifr_str_t host, port = { 0 };
    if (auth.len && auth.ptr[0] == '[') {
        long close = ifr_str_find_char(auth, ']');
        if (close < 2) return fn__url_fail(why, size, "the URL has an unclosed IPv6 address");
        host = ifr_str_sub(auth, 1, (size_t)close);
        ifr_str_t rest = ifr_str_sub(auth, (size_t)close + 1, auth.len);
        if (rest.len && rest.ptr[0] != ':') return fn__url_fail(why, size, "the URL has bytes after its IPv6 address");
        if (rest.len) port = ifr_str_sub(rest, 1, rest.len);
    } else {
        long colon = ifr_str_find_char(auth, ':');
        host = colon >= 0 ? ifr_str_sub(auth, 0, (size_t)colon) : auth;
        if (colon >= 0) port = ifr_str_sub(auth, (size_t)colon + 1, auth.len);
        if (colon >= 0 && port.len == 0) return fn__url_fail(why, size, "the URL has an empty port");
    }
    if (host.len == 0) return fn__url_fail(why, size, "the URL has no host");
    if (host.len >= hsize) return fn__url_fail(why, size, "the URL's host is too long");
    for (size_t i = 0; i < host.len; i++) {
        char ch = host.ptr[i];
        hbuf[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
    }
    hbuf[host.len] = '\0';
    u->host = ifr_str(hbuf, host.len);
    uint64_t p = u->https ? 443 : 80;
    if (port.len && (!ifr_str_to_u64(port, 65535, &p) || p == 0))
        return fn__url_fail(why, size, "the URL's port is not a number from 1 to 65535");
    u->port = (unsigned)p;
    return 0;
}

int fn_host_allowed(const fn_host_config_t *h, ifr_str_t host)
{
    int best = 0;
    for (size_t i = 0; i < h->nallow_hosts; i++) {
        ifr_str_t e = ifr_cstr(h->allow_hosts[i]);
        if (e.len >= 2 && e.ptr[0] == '[' && e.ptr[e.len - 1] == ']') e = ifr_str_sub(e, 1, e.len - 1);
        if (ifr_str_eq_cstr(e, "*")) {
            if (best < 1) best = 1;
        } else if (e.len > 2 && e.ptr[0] == '*' && e.ptr[1] == '.') {
            ifr_str_t dot_domain = ifr_str_sub(e, 1, e.len);   /* ".example.com": subdomains only */
            if (host.len > dot_domain.len &&
                ifr_str_eq_nocase(ifr_str_sub(host, host.len - dot_domain.len, host.len), dot_domain) && best < 1)
                best = 1;
        } else if (ifr_str_eq_nocase(e, host)) {
            best = 2;
        }
    }
    return best;
}

static bool fn__ip4_is_public(const uint8_t *a)
{
    uint32_t v = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
    static const struct { uint32_t net; int bits; } blocked[] = {
        { 0x00000000, 8 },    /* "this network" */
        { 0x0a000000, 8 },    /* private */
        { 0x64400000, 10 },   /* shared address space (carrier NAT) */
        { 0x7f000000, 8 },    /* loopback */
        { 0xa9fe0000, 16 },   /* link-local (cloud metadata lives here) */
        { 0xac100000, 12 },   /* private */
        { 0xc0000000, 24 },   /* IETF protocol assignments */
        { 0xc0000200, 24 },   /* documentation */
        { 0xc0586300, 24 },   /* 6to4 relay anycast */
        { 0xc0a80000, 16 },   /* private */
        { 0xc6120000, 15 },   /* benchmarking */
        { 0xc6336400, 24 },   /* documentation */
        { 0xcb007100, 24 },   /* documentation */
        { 0xe0000000, 4 },    /* multicast */
        { 0xf0000000, 4 },    /* reserved, and broadcast */
    };
    for (size_t i = 0; i < sizeof blocked / sizeof blocked[0]; i++) {
        uint32_t mask = 0xffffffffu << (32 - blocked[i].bits);
        if ((v & mask) == blocked[i].net) return false;
    }
    return true;
}

static bool fn__ip6_prefix(const uint8_t *a, const uint8_t *prefix, int bits)
{
    int full = bits / 8;
    if (memcmp(a, prefix, (size_t)full) != 0) return false;
    if (bits % 8 == 0) return true;
    uint8_t mask = (uint8_t)(0xff << (8 - bits % 8));
    return (a[full] & mask) == (prefix[full] & mask);
}

bool fn_host_ip_is_public(const uint8_t *ip, size_t len)
{
    if (len == 4) return fn__ip4_is_public(ip);
    if (len != 16) return false;
    static const uint8_t zero[16] = { 0 };
    static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    static const uint8_t nat64[12] = { 0x00, 0x64, 0xff, 0x9b };
    static const uint8_t six_to_four[2] = { 0x20, 0x02 };
    /* An IPv4 address carried inside: judged as that address. */
    if (memcmp(ip, mapped, 12) == 0 || memcmp(ip, nat64, 12) == 0) return fn__ip4_is_public(ip + 12);
    if (memcmp(ip, six_to_four, 2) == 0) return fn__ip4_is_public(ip + 2);
    if (memcmp(ip, zero, 12) == 0) return false;   /* ::, ::1 and the old IPv4-compatible form */
    static const struct { uint8_t prefix[16]; int bits; } blocked[] = {
        { { 0x01, 0x00 }, 64 },           /* discard-only */
        { { 0x20, 0x01, 0x0d, 0xb8 }, 32 }, /* documentation */
        { { 0x20, 0x01, 0x00, 0x00 }, 23 }, /* IETF protocol assignments (Teredo, benchmarking, ...) */
        { { 0xfc }, 7 },                   /* unique local */
        { { 0xfe, 0x80 }, 10 },            /* link-local */
        { { 0xfe, 0xc0 }, 10 },            /* site-local (deprecated) */
        { { 0xff }, 8 },                   /* multicast */
    };
    for (size_t i = 0; i < sizeof blocked / sizeof blocked[0]; i++)
        if (fn__ip6_prefix(ip, blocked[i].prefix, blocked[i].bits)) return false;
    return true;
}
