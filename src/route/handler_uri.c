/* `uri [<matcher>] strip_prefix <p> | strip_suffix <s> | replace <find> <repl> [<limit>]
 *                  | path_regexp <regexp> <replacement>`:
 * edits the request path. Replacements may use placeholders; path_regexp's
 * replacement may use $1 or ${1} for groups and replaces every match. */
#include <stdlib.h>

#include "base/buf.h"
#include "config/dispense.h"
#include "route/directive.h"
#include "route/tmpl.h"
#include "route/regexp.h"
#include "route/request.h"
#include "route/response.h"

/* The longest path path_regexp may make (a replacement with groups, for
 * each of many matches, could grow it without end). */
#define ROUTE__URI_REGEXP_MAX 65536

typedef enum { ROUTE__URI_STRIP_PREFIX, ROUTE__URI_STRIP_SUFFIX, ROUTE__URI_REPLACE, ROUTE__URI_REGEXP } route__uri_op_t;

typedef struct {
    route__uri_op_t op;
    route_tmpl_t *a, *b;    /* prefix/suffix/find; replacement */
    long limit;             /* replace: at most this many (0 = all) */
    route_regex_t *rx;
} route__uri_conf_t;

static int route__uri_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    static const char *const ops[] = { "strip_prefix", "strip_suffix", "replace", "path_regexp" };
    if (cfg_expect_args(d, 2, 4, p->err) != 0 || cfg_expect_no_block(d, p->err) != 0) return -1;
    route__uri_conf_t *c = ifr_arena_calloc(p->arena, 1, sizeof(*c));
    if (!c) return cfg_errorf(p->err, NULL, "out of memory");
    size_t op = 0;
    while (op < 4 && !ifr_str_eq_cstr(d->args[0].text, ops[op])) op++;
    if (op == 4) return cfg_error_unknown(p->err, &d->args[0], "uri operation", ops, 4);
    c->op = (route__uri_op_t)op;
    size_t want_min = op < 2 ? 2 : 3, want_max = op < 2 ? 2 : op == 2 ? 4 : 3;
    if (d->nargs < want_min || d->nargs > want_max)
        return cfg_errorf(p->err, &d->args[0], "uri %s: expected %zu argument(s)", ops[op], want_min - 1);
    if (c->op == ROUTE__URI_REGEXP) {
        char msg[200];
        if (route_regex_compile(p->arena, d->args[1].text, &c->rx, msg, sizeof(msg)) != 0)
            return cfg_errorf(p->err, &d->args[1], "uri path_regexp: %s", msg);
    } else if (!(c->a = route_tmpl_compile(p->arena, d->args[1].text))) {
        return cfg_errorf(p->err, NULL, "out of memory");
    }
    if (d->nargs >= 3 && !(c->b = route_tmpl_compile(p->arena, d->args[2].text)))
        return cfg_errorf(p->err, NULL, "out of memory");
    if (d->nargs == 4) {
        int64_t lim;
        if (cfg_parse_int(&d->args[3], 0, 1000000, &lim, p->err) != 0) return -1;
        c->limit = (long)lim;
    }
    *conf = c;
    return 0;
}

/* Appends s to b (arena, size known to the caller). */
static size_t route__put(char *b, size_t n, ifr_str_t s)
{
    if (s.len) memcpy(b + n, s.ptr, s.len);
    return n + s.len;
}

/* Appends repl to b with $N / ${N} expanded from the groups g. */
static int route__uri_expand(ifr_buf_t *b, ifr_str_t repl, const ifr_str_t *g)
{
    for (size_t i = 0; i < repl.len; i++) {
        size_t j = i + 1;
        bool brace = j < repl.len && repl.ptr[j] == '{';
        if (repl.ptr[i] != '$' || j + brace >= repl.len || repl.ptr[j + brace] < '0' || repl.ptr[j + brace] > '9') {
            if (ifr_buf_append_byte(b, repl.ptr[i]) != 0) return -1;
            continue;
        }
        j += brace;
        int k = repl.ptr[j++] - '0';
        if (brace) {
            if (j >= repl.len || repl.ptr[j] != '}') {
                if (ifr_buf_append_byte(b, repl.ptr[i]) != 0) return -1;
                continue;
            }
            j++;
        }
        if (ifr_buf_append_str(b, g[k]) != 0) return -1;
        i = j - 1;
    }
    return 0;
}

/* Replaces every match of rx in path with repl, as Go's ReplaceAllString
 * (so Caddy): matches do not overlap, and an empty match right after a
 * match is not replaced. The new path is at most ROUTE__URI_REGEXP_MAX
 * bytes. */
static int route__uri_regexp(route_exchange_t *x, const route__uri_conf_t *c, ifr_str_t repl)
{
    ifr_str_t path = x->req->path, g[ROUTE_MAX_GROUPS];
    if (!route_regex_match(c->rx, path, g)) return 0;
    ifr_buf_t b = IFR_BUF_INIT;
    b.limit = ROUTE__URI_REGEXP_MAX;
    size_t search = 0, last_end = 0;
    bool first = true;
    int rc = 0;
    while (rc == 0 && search <= path.len && (first || route_regex_match_from(c->rx, path, search, g))) {
        first = false;
        size_t a0 = (size_t)(g[0].ptr - path.ptr), a1 = a0 + g[0].len;
        rc = ifr_buf_append_str(&b, ifr_str_sub(path, last_end, a0));
        if (rc == 0 && (a1 > last_end || a0 == 0)) rc = route__uri_expand(&b, repl, g);
        last_end = a1;
        /* Past this match, and at least one character (UTF-8) on. */
        size_t width = 1;
        while (search + width < path.len && ((unsigned char)path.ptr[search + width] & 0xC0) == 0x80) width++;
        search = search + width > a1 ? search + width : a1;
    }
    if (rc == 0) rc = ifr_buf_append_str(&b, ifr_str_sub(path, last_end, path.len));
    if (rc == 0) rc = route_set_path(x, ifr_buf_str(&b));
    ifr_buf_free(&b);
    return rc;
}

static route_result_t route__uri_handle(route_exchange_t *x, const void *conf)
{
    const route__uri_conf_t *c = conf;
    ifr_str_t a = IFR_LIT(""), b = IFR_LIT(""), path = x->req->path;
    if ((c->a && route_tmpl_render(x, c->a, &a) != 0) || (c->b && route_tmpl_render(x, c->b, &b) != 0))
        return route_fail(x, 500, "out of memory");
    int rc = 0;
    switch (c->op) {
    case ROUTE__URI_STRIP_PREFIX: {
        /* Caddy lets the prefix be written with or without its leading slash. */
        if (a.len && a.ptr[0] != '/' && path.len && path.ptr[0] == '/') path = ifr_str_sub(path, 1, path.len);
        long n = route_raw_prefix_len(path, a);
        if (n >= 0) rc = route_set_path(x, ifr_str_sub(path, (size_t)n, path.len));
        break;
    }
    case ROUTE__URI_STRIP_SUFFIX:
        if (ifr_str_ends_with(path, a)) rc = route_set_path(x, ifr_str_sub(path, 0, path.len - a.len));
        break;
    case ROUTE__URI_REPLACE: {
        if (a.len == 0) break;
        size_t hits = 0;
        for (size_t i = 0; i + a.len <= path.len; i++)
            if (memcmp(path.ptr + i, a.ptr, a.len) == 0) { hits++; i += a.len - 1; }
        if (c->limit && hits > (size_t)c->limit) hits = (size_t)c->limit;
        if (!hits) break;
        char *buf = ifr_arena_alloc(x->arena, path.len + hits * b.len + 1);
        if (!buf) { rc = -1; break; }
        size_t n = 0, done = 0;
        for (size_t i = 0; i < path.len;) {
            if (done < hits && i + a.len <= path.len && memcmp(path.ptr + i, a.ptr, a.len) == 0) {
                n = route__put(buf, n, b);
                i += a.len;
                done++;
            } else {
                buf[n++] = path.ptr[i++];
            }
        }
        rc = route_set_path(x, ifr_str(buf, n));
        break;
    }
    case ROUTE__URI_REGEXP:
        rc = route__uri_regexp(x, c, b);
        break;
    }
    return rc == 0 ? ROUTE_NEXT : route_fail(x, 500, "out of memory");
}

const route_directive_t route_directive_uri = {
    .name = "uri", .flags = ROUTE_DIR_MATCHER, .min_args = 2, .parse = route__uri_parse,
    .handle = route__uri_handle,
};
