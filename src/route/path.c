/* Path decoding, cleaning and Caddy's path patterns. */
#include "route/path.h"

static int route__hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = ifr_ascii_lower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

long route_url_decode(ifr_str_t s, char *dst, bool plus_space)
{
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (c == '%') {
            if (i + 2 >= s.len) return -1;
            int hi = route__hexval(s.ptr[i + 1]), lo = route__hexval(s.ptr[i + 2]);
            if (hi < 0 || lo < 0) return -1;
            c = (char)(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_space) {
            c = ' ';
        }
        if (c == '\0') return -1;
        dst[n++] = c;
    }
    return (long)n;
}

size_t route_path_clean(char *p, size_t len)
{
    /* Rebuild the path segment by segment into the same buffer: the write
     * position never passes the read position. */
    bool trailing = len > 0 && p[len - 1] == '/';
    size_t w = 0, r = 0;
    p[w++] = '/';
    if (len > 0 && p[0] == '/') r = 1;
    while (r < len) {
        size_t start = r;
        while (r < len && p[r] != '/') r++;
        size_t seg = r - start;
        if (r < len) r++;   /* skip the slash */
        if (seg == 0 || (seg == 1 && p[start] == '.')) continue;
        if (seg == 2 && p[start] == '.' && p[start + 1] == '.') {
            /* Back up to the previous slash, never above the root. */
            if (w > 1) {
                w--;                    /* the slash ending the last segment */
                while (w > 1 && p[w - 1] != '/') w--;
            }
            continue;
        }
        if (w > 1 && p[w - 1] != '/') p[w++] = '/';
        memmove(p + w, p + start, seg);
        w += seg;
        p[w++] = '/';
    }
    /* Every kept segment ends with '/': drop it unless the input had one. */
    if (w > 1 && p[w - 1] == '/' && !trailing) w--;
    return w;
}

static bool route__char_eq(char a, char b, bool nocase)
{
    return nocase ? ifr_ascii_lower(a) == ifr_ascii_lower(b) : a == b;
}

/* One [...] class at pattern[*pi]; advances *pi past it. -1 malformed. */
static int route__glob_class(ifr_str_t pat, size_t *pi, char c, bool nocase)
{
    size_t i = *pi + 1;
    bool negate = false, hit = false;
    if (i < pat.len && (pat.ptr[i] == '^' || pat.ptr[i] == '!')) { negate = true; i++; }
    bool first = true;
    while (i < pat.len && (first || pat.ptr[i] != ']')) {
        first = false;
        char lo = pat.ptr[i], hi = lo;
        if (i + 2 < pat.len && pat.ptr[i + 1] == '-' && pat.ptr[i + 2] != ']') {
            hi = pat.ptr[i + 2];
            i += 2;
        }
        char cc = nocase ? ifr_ascii_lower(c) : c;
        char l2 = nocase ? ifr_ascii_lower(lo) : lo, h2 = nocase ? ifr_ascii_lower(hi) : hi;
        if (cc >= l2 && cc <= h2) hit = true;
        i++;
    }
    if (i >= pat.len) return -1;
    *pi = i + 1;
    return hit != negate;
}

bool route_glob(ifr_str_t pat, ifr_str_t s, bool nocase, bool slash_stops)
{
    /* Iterative matcher with one backtrack point for the last '*'. */
    size_t pi = 0, si = 0, star_p = (size_t)-1, star_s = 0;
    while (si < s.len) {
        if (pi < pat.len) {
            char pc = pat.ptr[pi];
            if (pc == '*') { star_p = ++pi; star_s = si; continue; }
            if (pc == '?' && !(slash_stops && s.ptr[si] == '/')) { pi++; si++; continue; }
            if (pc == '[') {
                size_t np = pi;
                int m = route__glob_class(pat, &np, s.ptr[si], nocase);
                if (m < 0) return false;
                if (m == 1 && !(slash_stops && s.ptr[si] == '/')) { pi = np; si++; continue; }
            } else if (pc == '\\' && pi + 1 < pat.len) {
                if (route__char_eq(pat.ptr[pi + 1], s.ptr[si], nocase)) { pi += 2; si++; continue; }
            } else if (pc != '?' && route__char_eq(pc, s.ptr[si], nocase)) {
                pi++; si++; continue;
            }
        }
        /* Mismatch: let the last star eat one more byte, if it may. */
        if (star_p == (size_t)-1 || (slash_stops && s.ptr[star_s] == '/')) return false;
        pi = star_p;
        si = ++star_s;
    }
    while (pi < pat.len && pat.ptr[pi] == '*') pi++;
    return pi == pat.len;
}

static bool route__contains_nocase(ifr_str_t hay, ifr_str_t needle, bool nocase)
{
    if (needle.len == 0) return true;
    for (size_t i = 0; i + needle.len <= hay.len; i++) {
        size_t k = 0;
        while (k < needle.len && route__char_eq(hay.ptr[i + k], needle.ptr[k], nocase)) k++;
        if (k == needle.len) return true;
    }
    return false;
}

static bool route__prefix(ifr_str_t s, ifr_str_t pre, bool nocase)
{
    if (s.len < pre.len) return false;
    for (size_t i = 0; i < pre.len; i++)
        if (!route__char_eq(s.ptr[i], pre.ptr[i], nocase)) return false;
    return true;
}

static bool route__suffix(ifr_str_t s, ifr_str_t suf, bool nocase)
{
    return s.len >= suf.len && route__prefix(ifr_str(s.ptr + s.len - suf.len, suf.len), suf, nocase);
}

bool route_wild_match(ifr_str_t pat, ifr_str_t s, bool nocase)
{
    if (pat.len == 1 && pat.ptr[0] == '*') return true;
    bool lead = pat.len > 0 && pat.ptr[0] == '*';
    bool trail = pat.len > 1 && pat.ptr[pat.len - 1] == '*';
    if (lead && trail) return route__contains_nocase(s, ifr_str_sub(pat, 1, pat.len - 1), nocase);
    if (lead) return route__suffix(s, ifr_str_sub(pat, 1, pat.len), nocase);
    if (trail) return route__prefix(s, ifr_str_sub(pat, 0, pat.len - 1), nocase);
    return s.len == pat.len && route__prefix(s, pat, nocase);
}

bool route_path_match(ifr_str_t pat, ifr_str_t path)
{
    size_t stars = 0;
    bool glob = false;
    for (size_t i = 0; i < pat.len; i++) {
        if (pat.ptr[i] == '*') stars++;
        else if (pat.ptr[i] == '?' || pat.ptr[i] == '[') glob = true;
    }
    if (!glob) {
        bool lead = pat.len > 0 && pat.ptr[0] == '*';
        bool trail = pat.len > 0 && pat.ptr[pat.len - 1] == '*';
        /* The fast forms: only stars at the ends. */
        if (stars == 0 || (stars == 1 && (lead || trail)) || (stars == 2 && lead && trail && pat.len > 1))
            return route_wild_match(pat, path, true);
    }
    return route_glob(pat, path, true, true);
}

bool route_query_get(ifr_arena_t *a, ifr_str_t q, ifr_str_t key, ifr_str_t *value)
{
    size_t i = 0;
    while (i <= q.len) {
        size_t start = i;
        while (i < q.len && q.ptr[i] != '&') i++;
        ifr_str_t pair = ifr_str_sub(q, start, i);
        i++;
        if (pair.len == 0) continue;
        long eq = ifr_str_find_char(pair, '=');
        ifr_str_t k = eq < 0 ? pair : ifr_str_sub(pair, 0, (size_t)eq);
        ifr_str_t v = eq < 0 ? IFR_LIT("") : ifr_str_sub(pair, (size_t)eq + 1, pair.len);
        char *kb = ifr_arena_alloc(a, k.len + 1);
        if (!kb) return false;
        long kl = route_url_decode(k, kb, true);
        if (kl < 0 || !ifr_str_eq(ifr_str(kb, (size_t)kl), key)) continue;
        char *vb = ifr_arena_alloc(a, v.len + 1);
        if (!vb) return false;
        long vl = route_url_decode(v, vb, true);
        if (vl < 0) vl = 0;
        vb[vl] = '\0';
        *value = ifr_str(vb, (size_t)vl);
        return true;
    }
    return false;
}

/* Label-wise match: a '*' label matches any one label. */
bool route_host_matches(ifr_str_t pat, ifr_str_t host)
{
    size_t pi = 0, hi = 0;
    while (pi < pat.len && hi < host.len) {
        size_t pe = pi, he = hi;
        while (pe < pat.len && pat.ptr[pe] != '.') pe++;
        while (he < host.len && host.ptr[he] != '.') he++;
        ifr_str_t pl = ifr_str_sub(pat, pi, pe), hl = ifr_str_sub(host, hi, he);
        if (!(pl.len == 1 && pl.ptr[0] == '*' && hl.len > 0) && !ifr_str_eq_nocase(pl, hl)) return false;
        pi = pe + (pe < pat.len);
        hi = he + (he < host.len);
        if ((pe < pat.len) != (he < host.len)) return false;
    }
    return pi >= pat.len && hi >= host.len;
}

ifr_str_t route_host_only(ifr_str_t h)
{
    if (h.len && h.ptr[0] == '[') {
        long close = ifr_str_find_char(h, ']');
        return close < 0 ? h : ifr_str_sub(h, 1, (size_t)close);
    }
    long colon = ifr_str_find_char(h, ':');
    return colon < 0 ? h : ifr_str_sub(h, 0, (size_t)colon);
}
