/* The field filters of `format filter` (log.h), as Caddy's: each names a
 * field by its path (`request>headers>Authorization`) and changes it
 * before the wrapped encoder writes the entry. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config/dispense.h"
#include "route/log.h"

#define ROUTE__FILTER_DEPTH 8   /* a path deeper than any field an entry has is refused */

typedef enum {
    ROUTE__F_DELETE, ROUTE__F_RENAME, ROUTE__F_REPLACE, ROUTE__F_HASH, ROUTE__F_IP_MASK,
    ROUTE__F_QUERY, ROUTE__F_COOKIE, ROUTE__F_REGEXP,
} route__filter_kind_t;

typedef enum { ROUTE__ACT_DELETE, ROUTE__ACT_REPLACE, ROUTE__ACT_HASH } route__act_kind_t;

typedef struct {
    route__act_kind_t kind;
    ifr_str_t name, value;
} route__act_t;

struct route_log_filter {
    ifr_str_t path[ROUTE__FILTER_DEPTH];
    size_t depth;
    route__filter_kind_t kind;
    ifr_str_t value;            /* rename, replace; the regexp's replacement */
    int v4bits, v6bits;         /* ip_mask; -1: that family is left as it is */
    route_regex_t *rx;
    route__act_t *acts;         /* query, cookie */
    size_t nacts;
    route_log_filter_t *next;
};

static const char *const route__filter_names[] = { "delete", "rename", "replace", "hash", "ip_mask",
                                                   "query",  "cookie", "regexp" };

static int route__mask_bits(const cfg_token_t *t, int max, int *out, cfg_error_t *err)
{
    int64_t v;
    if (cfg_parse_int(t, 0, max, &v, err)) return -1;
    *out = (int)v;
    return 0;
}

static int route__parse_actions(ifr_arena_t *a, const cfg_directive_t *f, route_log_filter_t *lf, cfg_error_t *err)
{
    const char *what = lf->kind == ROUTE__F_QUERY ? "query" : "cookie";
    lf->acts = ifr_arena_calloc(a, f->block->count, sizeof(route__act_t));
    if (!lf->acts) return cfg_errorf(err, NULL, "out of memory");
    for (size_t i = 0; i < f->block->count; i++) {
        const cfg_directive_t *d = &f->block->items[i];
        route__act_t *act = &lf->acts[lf->nacts++];
        size_t want = 1;
        if (cfg_is_word(&d->name, "delete")) act->kind = ROUTE__ACT_DELETE;
        else if (cfg_is_word(&d->name, "hash")) act->kind = ROUTE__ACT_HASH;
        else if (cfg_is_word(&d->name, "replace")) act->kind = ROUTE__ACT_REPLACE, want = 2;
        else {
            static const char *const known[] = { "delete", "replace", "hash" };
            return cfg_error_unknown(err, &d->name, what[0] == 'q' ? "query filter action" : "cookie filter action",
                                     known, 3);
        }
        if (cfg_expect_args(d, want, want, err) || cfg_expect_no_block(d, err)) return -1;
        act->name = d->args[0].text;
        if (want == 2) act->value = d->args[1].text;
    }
    return 0;
}

int route_log_filter_parse(ifr_arena_t *a, const cfg_directive_t *f, const route_log_filter_t **list, cfg_error_t *err)
{
    route_log_filter_t *lf = ifr_arena_calloc(a, 1, sizeof(*lf));
    if (!lf) return cfg_errorf(err, NULL, "out of memory");
    /* The path: names split at '>'. */
    ifr_str_t p = f->name.text;
    while (p.len) {
        long gt = ifr_str_find_char(p, '>');
        ifr_str_t part = gt < 0 ? p : ifr_str_sub(p, 0, (size_t)gt);
        if (part.len == 0) return cfg_errorf(err, &f->name, "log filter: empty name in field path '%s'", f->name.text.ptr);
        if (lf->depth == ROUTE__FILTER_DEPTH)
            return cfg_errorf(err, &f->name, "log filter: field path '%s' is deeper than any field", f->name.text.ptr);
        lf->path[lf->depth++] = part;
        p = gt < 0 ? ifr_str(p.ptr + p.len, 0) : ifr_str_sub(p, (size_t)gt + 1, p.len);
    }
    if (lf->depth == 0 || f->name.text.ptr[f->name.text.len - 1] == '>')
        return cfg_errorf(err, &f->name, "log filter: expected a field path like request>remote_ip");
    static const char *const fixed[] = { "ts", "level", "logger", "msg" };
    for (size_t i = 0; lf->depth == 1 && i < 4; i++)
        if (ifr_str_eq_cstr(lf->path[0], fixed[i]))
            return cfg_errorf(err, &f->name, "log filter: '%s' is written by the encoder itself and cannot be "
                                             "filtered", fixed[i]);
    if (f->nargs == 0) return cfg_errorf(err, &f->name, "log filter: expected a filter after the field '%s'",
                                         f->name.text.ptr);
    const cfg_token_t *k = &f->args[0];
    size_t kind = 0;
    while (kind < sizeof route__filter_names / sizeof route__filter_names[0] &&
           !cfg_is_word(k, route__filter_names[kind]))
        kind++;
    if (kind == sizeof route__filter_names / sizeof route__filter_names[0])
        return cfg_error_unknown(err, k, "log field filter", route__filter_names, kind);
    lf->kind = (route__filter_kind_t)kind;
    switch (lf->kind) {
    case ROUTE__F_DELETE:
    case ROUTE__F_HASH:
        if (cfg_expect_args(f, 1, 1, err) || cfg_expect_no_block(f, err)) return -1;
        break;
    case ROUTE__F_RENAME:
    case ROUTE__F_REPLACE:
        if (cfg_expect_args(f, lf->kind == ROUTE__F_RENAME ? 2 : 1, 2, err) || cfg_expect_no_block(f, err)) return -1;
        lf->value = f->nargs == 2 ? f->args[1].text : IFR_LIT("");
        break;
    case ROUTE__F_IP_MASK:
        lf->v4bits = lf->v6bits = -1;
        if (cfg_expect_args(f, 1, 3, err)) return -1;
        if (f->nargs >= 2 && route__mask_bits(&f->args[1], 32, &lf->v4bits, err)) return -1;
        if (f->nargs == 3 && route__mask_bits(&f->args[2], 128, &lf->v6bits, err)) return -1;
        for (size_t i = 0; f->block && i < f->block->count; i++) {
            const cfg_directive_t *d = &f->block->items[i];
            bool v4 = cfg_is_word(&d->name, "ipv4");
            if (!v4 && !cfg_is_word(&d->name, "ipv6")) {
                static const char *const known[] = { "ipv4", "ipv6" };
                return cfg_error_unknown(err, &d->name, "ip_mask option", known, 2);
            }
            if (cfg_expect_args(d, 1, 1, err) || cfg_expect_no_block(d, err)) return -1;
            if (route__mask_bits(&d->args[0], v4 ? 32 : 128, v4 ? &lf->v4bits : &lf->v6bits, err)) return -1;
        }
        if (lf->v4bits < 0 && lf->v6bits < 0)
            return cfg_errorf(err, k, "log filter ip_mask: expected the bits to keep, like ip_mask 16 32");
        break;
    case ROUTE__F_QUERY:
    case ROUTE__F_COOKIE:
        if (cfg_expect_args(f, 1, 1, err)) return -1;
        if (!f->block || f->block->count == 0)
            return cfg_errorf(err, k, "log filter %s: expected a block of delete, replace or hash lines",
                              route__filter_names[kind]);
        if (route__parse_actions(a, f, lf, err)) return -1;
        break;
    case ROUTE__F_REGEXP: {
        if (cfg_expect_args(f, 2, 3, err) || cfg_expect_no_block(f, err)) return -1;
        char why[256];
        if (route_regex_compile(a, f->args[1].text, &lf->rx, why, sizeof why) != 0)
            return cfg_errorf(err, &f->args[1], "log filter regexp: %s", why);
        lf->value = f->nargs == 3 ? f->args[2].text : IFR_LIT("");
        break;
    }
    }
    /* Appended: filters run in the order written. */
    if (!*list) *list = lf;
    else {
        route_log_filter_t *last = (route_log_filter_t *)*list;
        while (last->next) last = last->next;
        last->next = lf;
    }
    return 0;
}

/* -- applying ----------------------------------------------------------------- */

static route_lf_t *route__find(route_lf_t *obj, const ifr_str_t *path, size_t depth)
{
    for (size_t d = 0; d < depth; d++) {
        if (obj->kind != ROUTE_LF_OBJ) return NULL;
        route_lf_t *next = NULL;
        for (uint32_t i = 0; i < obj->n && !next; i++)
            if (!obj->kids[i].skip && ifr_str_eq_nocase(obj->kids[i].key, path[d])) next = &obj->kids[i];
        if (!next) return NULL;
        obj = next;
    }
    return obj;
}

static ifr_str_t route__hashed(ifr_arena_t *a, ifr_str_t s)
{
    char *h = ifr_arena_alloc(a, 9);
    if (!h) return IFR_LIT("");
    route_log_hash(s, h);
    return ifr_str(h, 8);
}

/* One address (with or without a port) masked to its family's bits. */
static void route__mask_one(const route_log_filter_t *f, ifr_str_t v, ifr_buf_t *b)
{
    ifr_str_t host = v, port = IFR_LIT("");
    bool bracket = v.len && v.ptr[0] == '[';
    long close = bracket ? ifr_str_find_char(v, ']') : -1;
    if (bracket && close > 0) {
        host = ifr_str_sub(v, 1, (size_t)close);
        if ((size_t)close + 1 < v.len && v.ptr[close + 1] == ':') port = ifr_str_sub(v, (size_t)close + 2, v.len);
    } else {
        long colon = ifr_str_find_char(v, ':');
        /* One colon: host:port; more: an IPv6 address without a port. */
        if (colon >= 0 && ifr_str_find_char(ifr_str_sub(v, (size_t)colon + 1, v.len), ':') < 0) {
            host = ifr_str_sub(v, 0, (size_t)colon);
            port = ifr_str_sub(v, (size_t)colon + 1, v.len);
        }
    }
    char text[64];
    unsigned char addr[16];
    int fam = 0;
    if (host.len < sizeof text) {
        memcpy(text, host.ptr, host.len);
        text[host.len] = '\0';
        if (inet_pton(AF_INET, text, addr) == 1) fam = AF_INET;
        else if (inet_pton(AF_INET6, text, addr) == 1) fam = AF_INET6;
    }
    int bits = fam == AF_INET ? f->v4bits : f->v6bits;
    if (!fam || bits < 0) {
        ifr_buf_append_str(b, v);
        return;
    }
    /* An IPv4-mapped IPv6 address is masked as IPv4, as Go does. */
    static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    if (fam == AF_INET6 && memcmp(addr, mapped, 12) == 0 && f->v4bits >= 0) {
        memmove(addr, addr + 12, 4);
        fam = AF_INET;
        bits = f->v4bits;
    }
    size_t nbytes = fam == AF_INET ? 4 : 16;
    for (size_t i = 0; i < nbytes; i++) {
        int keep = bits - (int)i * 8;
        addr[i] &= keep >= 8 ? 0xff : keep <= 0 ? 0 : (unsigned char)(0xff << (8 - keep));
    }
    inet_ntop(fam, addr, text, sizeof text);
    bool v6port = fam == AF_INET6 && port.len;
    if (v6port) ifr_buf_append_byte(b, '[');
    ifr_buf_append_cstr(b, text);
    if (v6port) ifr_buf_append_byte(b, ']');
    if (port.len) {
        ifr_buf_append_byte(b, ':');
        ifr_buf_append_str(b, port);
    }
}

/* Caddy's ip_mask: the value may be a comma-separated list; the masked
 * ones are joined with ", ". */
static ifr_str_t route__ip_mask(ifr_arena_t *a, const route_log_filter_t *f, ifr_str_t s)
{
    ifr_buf_t b = IFR_BUF_INIT;
    while (true) {
        long comma = ifr_str_find_char(s, ',');
        ifr_str_t v = comma < 0 ? s : ifr_str_sub(s, 0, (size_t)comma);
        while (v.len && (v.ptr[0] == ' ' || v.ptr[0] == '\t')) v = ifr_str_sub(v, 1, v.len);
        while (v.len && (v.ptr[v.len - 1] == ' ' || v.ptr[v.len - 1] == '\t')) v.len--;
        if (b.len) ifr_buf_append_cstr(&b, ", ");
        route__mask_one(f, v, &b);
        if (comma < 0) break;
        s = ifr_str_sub(s, (size_t)comma + 1, s.len);
    }
    ifr_str_t out = ifr_arena_str(a, ifr_buf_str(&b));
    ifr_buf_free(&b);
    return out;
}

/* Go's regexp Expand: $1, ${1}, $name, ${name}, $$. */
static void route__expand(const route_regex_t *rx, ifr_str_t repl, const ifr_str_t *g, ifr_buf_t *b)
{
    for (size_t i = 0; i < repl.len; i++) {
        if (repl.ptr[i] != '$' || i + 1 == repl.len) {
            ifr_buf_append_byte(b, repl.ptr[i]);
            continue;
        }
        if (repl.ptr[i + 1] == '$') {
            ifr_buf_append_byte(b, '$');
            i++;
            continue;
        }
        bool brace = repl.ptr[i + 1] == '{';
        size_t s = i + 1 + brace, e = s;
        while (e < repl.len && (repl.ptr[e] == '_' || (repl.ptr[e] >= '0' && repl.ptr[e] <= '9') ||
                                ((repl.ptr[e] | 0x20) >= 'a' && (repl.ptr[e] | 0x20) <= 'z')))
            e++;
        if (e == s || (brace && (e == repl.len || repl.ptr[e] != '}'))) {
            ifr_buf_append_byte(b, '$');
            continue;
        }
        ifr_str_t name = ifr_str_sub(repl, s, e);
        uint64_t n;
        int group = -1;
        if (ifr_str_to_u64(name, ROUTE_MAX_GROUPS - 1, &n)) group = (int)n;
        for (int k = 0; group < 0 && k < ROUTE_MAX_GROUPS; k++)
            if (rx->names[k] && ifr_str_eq_cstr(name, rx->names[k])) group = k;
        /* An unknown group is empty, as in Go. */
        if (group >= 0 && g[group].ptr) ifr_buf_append_str(b, g[group]);
        i = e - 1 + brace;
    }
}

/* Go's ReplaceAllString: every non-overlapping match, an empty match
 * right after a previous match left alone. */
static ifr_str_t route__regexp(ifr_arena_t *a, const route_log_filter_t *f, ifr_str_t s)
{
    ifr_str_t g[ROUTE_MAX_GROUPS];
    ifr_buf_t b = IFR_BUF_INIT;
    size_t at = 0, copied = 0;
    bool prev_match = false;
    size_t prev_end = 0;
    while (at <= s.len && route_regex_match_from(f->rx, s, at, g)) {
        size_t m0 = (size_t)(g[0].ptr - s.ptr), m1 = m0 + g[0].len;
        if (!(g[0].len == 0 && prev_match && m0 == prev_end)) {
            ifr_buf_append_str(&b, ifr_str_sub(s, copied, m0));
            route__expand(f->rx, f->value, g, &b);
            copied = m1;
        }
        prev_match = true;
        prev_end = m1;
        at = m1 > m0 ? m1 : m0 + 1;
    }
    ifr_buf_append_str(&b, ifr_str_sub(s, copied < s.len ? copied : s.len, s.len));
    ifr_str_t out = ifr_arena_str(a, ifr_buf_str(&b));
    ifr_buf_free(&b);
    return out;
}

/* Go's url.QueryEscape. */
static void route__query_escape(ifr_buf_t *b, ifr_str_t s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                     c == '_' || c == '.' || c == '~';
        if (plain) ifr_buf_append_byte(b, (char)c);
        else if (c == ' ') ifr_buf_append_byte(b, '+');
        else {
            char e[3] = { '%', hex[c >> 4], hex[c & 15] };
            ifr_buf_append(b, e, 3);
        }
    }
}

/* Go's url.QueryUnescape of s into *out (the arena's); false when it
 * does not decode (Go then drops the pair). */
static bool route__query_unescape(ifr_arena_t *a, ifr_str_t s, ifr_str_t *out)
{
    char *o = ifr_arena_alloc(a, s.len + 1);
    if (!o) return false;
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (c == '+') c = ' ';
        else if (c == '%') {
            if (i + 2 >= s.len) return false;
            int v = 0;
            for (int k = 1; k <= 2; k++) {
                char h = s.ptr[i + (size_t)k];
                int d = h >= '0' && h <= '9' ? h - '0' : (h | 0x20) >= 'a' && (h | 0x20) <= 'f' ? (h | 0x20) - 'a' + 10 : -1;
                if (d < 0) return false;
                v = v * 16 + d;
            }
            c = (char)v;
            i += 2;
        }
        o[n++] = c;
    }
    *out = ifr_str(o, n);
    return true;
}

typedef struct {
    ifr_str_t key, value;
    size_t order;
    bool deleted;
} route__qv_t;

static int route__qv_cmp(const void *pa, const void *pb)
{
    const route__qv_t *x = pa, *y = pb;
    size_t n = x->key.len < y->key.len ? x->key.len : y->key.len;
    int c = memcmp(x->key.ptr, y->key.ptr, n);
    if (c) return c;
    if (x->key.len != y->key.len) return x->key.len < y->key.len ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Caddy's query filter: the URI's query parsed (Go's url.Query), the
 * actions applied, and written again by url.Values.Encode: keys sorted,
 * each value escaped. A URI without a query keeps what it was. */
static ifr_str_t route__query(ifr_arena_t *a, const route_log_filter_t *f, ifr_str_t uri)
{
    long q = ifr_str_find_char(uri, '?');
    if (q < 0) return uri;
    ifr_str_t head = ifr_str_sub(uri, 0, (size_t)q), query = ifr_str_sub(uri, (size_t)q + 1, uri.len);
    long hash = ifr_str_find_char(query, '#');
    ifr_str_t frag = IFR_LIT("");
    if (hash >= 0) {
        frag = ifr_str_sub(query, (size_t)hash, query.len);
        query = ifr_str_sub(query, 0, (size_t)hash);
    }
    size_t cap = 1;
    for (size_t i = 0; i < query.len; i++) cap += query.ptr[i] == '&';
    route__qv_t *vs = ifr_arena_calloc(a, cap, sizeof(*vs));
    if (!vs) return uri;
    size_t n = 0;
    while (query.len || n == 0) {
        long amp = ifr_str_find_char(query, '&');
        ifr_str_t kv = amp < 0 ? query : ifr_str_sub(query, 0, (size_t)amp);
        if (kv.len) {
            long eq = ifr_str_find_char(kv, '=');
            ifr_str_t k = eq < 0 ? kv : ifr_str_sub(kv, 0, (size_t)eq);
            ifr_str_t v = eq < 0 ? IFR_LIT("") : ifr_str_sub(kv, (size_t)eq + 1, kv.len);
            if (route__query_unescape(a, k, &vs[n].key) && route__query_unescape(a, v, &vs[n].value)) {
                vs[n].order = n;
                n++;
            }
        }
        if (amp < 0) break;
        query = ifr_str_sub(query, (size_t)amp + 1, query.len);
    }
    for (size_t i = 0; i < f->nacts; i++) {
        const route__act_t *act = &f->acts[i];
        for (size_t k = 0; k < n; k++) {
            if (!ifr_str_eq(vs[k].key, act->name)) continue;
            if (act->kind == ROUTE__ACT_DELETE) vs[k].deleted = true;
            else if (act->kind == ROUTE__ACT_REPLACE) vs[k].value = act->value;
            else vs[k].value = route__hashed(a, vs[k].value);
        }
    }
    qsort(vs, n, sizeof(*vs), route__qv_cmp);
    ifr_buf_t b = IFR_BUF_INIT;
    ifr_buf_append_str(&b, head);
    size_t written = 0;
    for (size_t k = 0; k < n; k++) {
        if (vs[k].deleted) continue;
        ifr_buf_append_byte(&b, written++ ? '&' : '?');
        route__query_escape(&b, vs[k].key);
        ifr_buf_append_byte(&b, '=');
        route__query_escape(&b, vs[k].value);
    }
    ifr_buf_append_str(&b, frag);
    ifr_str_t out = ifr_arena_str(a, ifr_buf_str(&b));
    ifr_buf_free(&b);
    return out;
}

/* Caddy's cookie filter: the Cookie values parsed into pairs (Go's
 * readCookies: split at ';', trimmed), the first action naming a cookie
 * applied, and written again as one "a=1; b=2" value. */
static void route__cookie(ifr_arena_t *a, const route_log_filter_t *f, route_lf_t *field)
{
    ifr_buf_t b = IFR_BUF_INIT;
    for (uint32_t i = 0; i < field->n; i++) {
        ifr_str_t s = field->strs[i];
        while (s.len) {
            long semi = ifr_str_find_char(s, ';');
            ifr_str_t part = semi < 0 ? s : ifr_str_sub(s, 0, (size_t)semi);
            s = semi < 0 ? ifr_str(s.ptr + s.len, 0) : ifr_str_sub(s, (size_t)semi + 1, s.len);
            while (part.len && part.ptr[0] == ' ') part = ifr_str_sub(part, 1, part.len);
            while (part.len && part.ptr[part.len - 1] == ' ') part.len--;
            if (!part.len) continue;
            long eq = ifr_str_find_char(part, '=');
            ifr_str_t name = eq < 0 ? part : ifr_str_sub(part, 0, (size_t)eq);
            ifr_str_t value = eq < 0 ? IFR_LIT("") : ifr_str_sub(part, (size_t)eq + 1, part.len);
            if (!name.len) continue;
            bool drop = false;
            for (size_t k = 0; k < f->nacts; k++) {
                if (!ifr_str_eq(f->acts[k].name, name)) continue;
                if (f->acts[k].kind == ROUTE__ACT_DELETE) drop = true;
                else if (f->acts[k].kind == ROUTE__ACT_REPLACE) value = f->acts[k].value;
                else value = route__hashed(a, value);
                break;
            }
            if (drop) continue;
            if (b.len) ifr_buf_append_cstr(&b, "; ");
            ifr_buf_append_str(&b, name);
            ifr_buf_append_byte(&b, '=');
            ifr_buf_append_str(&b, value);
        }
    }
    ifr_str_t *one = ifr_arena_alloc(a, sizeof(ifr_str_t));
    if (one) {
        *one = ifr_arena_str(a, ifr_buf_str(&b));
        field->strs = one;
        field->n = b.len ? 1 : 0;
    }
    ifr_buf_free(&b);
}

static ifr_str_t route__one(ifr_arena_t *a, const route_log_filter_t *f, ifr_str_t s)
{
    switch (f->kind) {
    case ROUTE__F_HASH: return route__hashed(a, s);
    case ROUTE__F_IP_MASK: return route__ip_mask(a, f, s);
    case ROUTE__F_REGEXP: return route__regexp(a, f, s);
    case ROUTE__F_QUERY: return route__query(a, f, s);
    default: return s;
    }
}

void route_log_filters_apply(ifr_arena_t *a, const route_log_filter_t *list, route_log_entry_t *e)
{
    for (const route_log_filter_t *f = list; f; f = f->next) {
        route_lf_t *field = route__find(&e->fields, f->path, f->depth);
        if (!field) continue;
        switch (f->kind) {
        case ROUTE__F_DELETE: field->skip = true; break;
        case ROUTE__F_RENAME: field->key = f->value; break;
        case ROUTE__F_REPLACE:
            field->kind = ROUTE_LF_STR;
            field->str = f->value;
            break;
        case ROUTE__F_COOKIE:
            if (field->kind == ROUTE_LF_STRS) route__cookie(a, f, field);
            break;
        default:
            /* Strings and arrays of strings; numbers and objects stay. */
            if (field->kind == ROUTE_LF_STR) field->str = route__one(a, f, field->str);
            else if (field->kind == ROUTE_LF_STRS) {
                ifr_str_t *copy = ifr_arena_calloc(a, field->n ? field->n : 1, sizeof(ifr_str_t));
                if (!copy) break;
                for (uint32_t i = 0; i < field->n; i++) copy[i] = route__one(a, f, field->strs[i]);
                field->strs = copy;
            }
            break;
        }
    }
}
