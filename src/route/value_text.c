/* Caddy's (Go's) text forms of values; see value_text.h. */
#include "route/value_text.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static bool route__query_safe(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.' || c == '~';
}

/* Unreserved bytes stay, every other byte is %XX; a space is '+' when
 * space_plus. v itself when nothing needs escaping. */
static ifr_str_t route__escape(ifr_arena_t *a, ifr_str_t v, bool space_plus)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t safe = 0;
    while (safe < v.len && route__query_safe((unsigned char)v.ptr[safe])) safe++;
    if (safe == v.len) return v;
    char *b = ifr_arena_alloc(a, v.len * 3 + 1);
    if (!b) return IFR_LIT("");
    size_t n = 0;
    for (size_t i = 0; i < v.len; i++) {
        unsigned char c = (unsigned char)v.ptr[i];
        if (route__query_safe(c)) {
            b[n++] = (char)c;
        } else if (c == ' ' && space_plus) {
            b[n++] = '+';
        } else {
            b[n++] = '%';
            b[n++] = hex[c >> 4];
            b[n++] = hex[c & 15];
        }
    }
    return ifr_str(b, n);
}

ifr_str_t route_query_escape(ifr_arena_t *a, ifr_str_t v) { return route__escape(a, v, true); }

ifr_str_t route_path_escape(ifr_arena_t *a, ifr_str_t v) { return route__escape(a, v, false); }

/* Writes "." and the digits of frac (of width digits) without trailing
 * zeros; nothing when frac is 0. */
static size_t route__put_fraction(char *b, int64_t frac, int width)
{
    if (frac == 0) return 0;
    char digits[10];
    for (int i = width - 1; i >= 0; i--, frac /= 10) digits[i] = (char)('0' + frac % 10);
    while (width > 0 && digits[width - 1] == '0') width--;
    b[0] = '.';
    memcpy(b + 1, digits, (size_t)width);
    return (size_t)width + 1;
}

ifr_str_t route_go_duration(ifr_arena_t *a, int64_t ns)
{
    if (ns == 0) return IFR_LIT("0s");
    char *b = ifr_arena_alloc(a, 48);
    if (!b) return IFR_LIT("");
    int n;
    if (ns < 1000) return ifr_str(b, (size_t)snprintf(b, 48, "%lldns", (long long)ns));
    if (ns < 1000000000) {
        bool micro = ns < 1000000;
        int64_t unit = micro ? 1000 : 1000000;
        n = snprintf(b, 48, "%lld", (long long)(ns / unit));
        n += (int)route__put_fraction(b + n, ns % unit, micro ? 3 : 6);
        memcpy(b + n, micro ? "\xc2\xb5s" : "ms", micro ? 3 : 2);   /* U+00B5, as Go */
        return ifr_str(b, (size_t)n + (micro ? 3 : 2));
    }
    int64_t h = ns / 3600000000000, m = ns / 60000000000 % 60, sec = ns / 1000000000 % 60;
    n = 0;
    if (h) n += snprintf(b + n, 48, "%lldh", (long long)h);
    if (h || m) n += snprintf(b + n, 48 - (size_t)n, "%lldm", (long long)m);
    n += snprintf(b + n, 48 - (size_t)n, "%lld", (long long)sec);
    n += (int)route__put_fraction(b + n, ns % 1000000000, 9);
    b[n++] = 's';
    return ifr_str(b, (size_t)n);
}

ifr_str_t route_duration_ms(ifr_arena_t *a, int64_t ns)
{
    char *b = ifr_arena_alloc(a, 32);
    if (!b) return IFR_LIT("");
    int n = snprintf(b, 32, "%lld", (long long)(ns / 1000000));
    n += (int)route__put_fraction(b + n, ns % 1000000, 6);
    return ifr_str(b, (size_t)n);
}
