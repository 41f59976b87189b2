/* The shared KV store's address (`kv redis://[USER:PASSWORD@]HOST[:PORT][/DB]`,
 * fn_host.h fn_kv_url_parse): read by the config and again by the
 * backend that connects, so both agree on every part. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fn/fn_host.h"

/* Reads the decimal digits at [*i, end) into *v (at most max): 0, or -1. */
static int fn__kv_url_number(ifr_str_t s, size_t *i, size_t end, unsigned max, unsigned *v)
{
    size_t start = *i;
    unsigned long n = 0;
    while (*i < end && s.ptr[*i] >= '0' && s.ptr[*i] <= '9') {
        n = n * 10 + (unsigned)(s.ptr[*i] - '0');
        if (n > max) return -1;
        (*i)++;
    }
    if (*i == start || *i != end) return -1;
    *v = (unsigned)n;
    return 0;
}

/* Percent-decodes s into out (cap bytes, NUL-terminated): its length, or
 * -1 (a bad escape, a NUL, too long). */
static long fn__kv_url_decode(ifr_str_t s, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char ch = (unsigned char)s.ptr[i];
        if (ch <= 0x20 || ch >= 0x7f) return -1;
        if (ch == '%') {
            if (i + 2 >= s.len || !isxdigit((unsigned char)s.ptr[i + 1]) || !isxdigit((unsigned char)s.ptr[i + 2]))
                return -1;
            char hex[3] = { s.ptr[i + 1], s.ptr[i + 2], 0 };
            ch = (unsigned char)strtoul(hex, NULL, 16);
            i += 2;
        }
        if (ch == 0 || n + 1 >= cap) return -1;
        out[n++] = (char)ch;
    }
    out[n] = '\0';
    return (long)n;
}

/* USER:PASSWORD (or :PASSWORD) before the host's '@'. */
static int fn__kv_url_userinfo(ifr_str_t info, fn_kv_url_t *u, char *why, size_t size)
{
    long colon = ifr_str_find_char(info, ':');
    long pl;
    if (colon < 0 || fn__kv_url_decode(ifr_str_sub(info, 0, (size_t)colon), u->user, sizeof u->user) < 0 ||
        (pl = fn__kv_url_decode(ifr_str_sub(info, (size_t)colon + 1, info.len), u->password, sizeof u->password)) <= 0) {
        snprintf(why, size, "expected USER:PASSWORD or :PASSWORD before '@' (percent-encoded, the password 1 to "
                 "255 bytes)");
        return -1;
    }
    u->auth = true;
    u->password_len = (size_t)pl;
    return 0;
}

int fn_kv_url_parse(ifr_str_t url, fn_kv_url_t *u, char *why, size_t size)
{
    static const char scheme[] = "redis://";
    memset(u, 0, sizeof *u);
    u->port = 6379;
    if (!ifr_str_starts_with(url, ifr_cstr(scheme))) {
        snprintf(why, size, "expected redis://HOST[:PORT][/DB] (or sqlite, the embedded store)");
        return -1;
    }
    ifr_str_t rest = ifr_str_sub(url, sizeof scheme - 1, url.len);
    long first_slash = ifr_str_find_char(rest, '/');
    ifr_str_t authority = ifr_str_sub(rest, 0, first_slash < 0 ? rest.len : (size_t)first_slash);
    long at = -1;
    for (size_t i = 0; i < authority.len; i++)
        if (authority.ptr[i] == '@') at = (long)i;
    if (at >= 0) {
        if (fn__kv_url_userinfo(ifr_str_sub(rest, 0, (size_t)at), u, why, size) < 0) return -1;
        rest = ifr_str_sub(rest, (size_t)at + 1, rest.len);
    }
    for (size_t i = 0; i < rest.len; i++) {
        unsigned char ch = (unsigned char)rest.ptr[i];
        if (ch == '@' || ch == '?' || ch == '#' || ch <= 0x20 || ch >= 0x7f) {
            snprintf(why, size, "the URL has a query, a fragment or a byte that is no part of HOST:PORT/DB (a "
                     "password's '/', '@', '?' or '#' must be percent-encoded)");
            return -1;
        }
    }
    long slash = ifr_str_find_char(rest, '/');
    size_t hp_end = slash < 0 ? rest.len : (size_t)slash;
    size_t host_start = 0, host_end, i;
    if (hp_end && rest.ptr[0] == '[') {
        ifr_str_t hp = ifr_str_sub(rest, 0, hp_end);
        long close = ifr_str_find_char(hp, ']');
        if (close < 0) {
            snprintf(why, size, "an IPv6 address needs its closing ']'");
            return -1;
        }
        host_start = 1;
        host_end = (size_t)close;
        i = (size_t)close + 1;
    } else {
        long colon = ifr_str_find_char(ifr_str_sub(rest, 0, hp_end), ':');
        host_end = colon < 0 ? hp_end : (size_t)colon;
        i = host_end;
    }
    if (host_end <= host_start || host_end - host_start >= sizeof u->host) {
        snprintf(why, size, "expected a host of 1 to %zu bytes", sizeof u->host - 1);
        return -1;
    }
    memcpy(u->host, rest.ptr + host_start, host_end - host_start);
    if (i < hp_end) {
        if (rest.ptr[i] != ':') {
            snprintf(why, size, "expected ':' and a port after the host");
            return -1;
        }
        i++;
        if (fn__kv_url_number(rest, &i, hp_end, 65535, &u->port) < 0 || u->port == 0) {
            snprintf(why, size, "the port must be a number from 1 to 65535");
            return -1;
        }
    }
    if (slash >= 0 && (size_t)slash + 1 < rest.len) {
        i = (size_t)slash + 1;
        if (fn__kv_url_number(rest, &i, rest.len, 9999, &u->db) < 0) {
            snprintf(why, size, "the database (after '/') must be a number from 0 to 9999");
            return -1;
        }
    }
    bool v6 = strchr(u->host, ':') != NULL;
    snprintf(u->shown, sizeof u->shown, "redis://%s%s%s:%u/%u", v6 ? "[" : "", u->host, v6 ? "]" : "", u->port, u->db);
    return 0;
}
