/* From a site block's directives to a sorted route list. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/dispense.h"
#include "route/chain.h"
#include "route/directive.h"
#include "route/matcher.h"
#include "route/site.h"

/* Caddy directives ifrit does not have yet: a clear error instead of a
 * "did you mean". */
static const char *const route__unsupported[] = {
    "abort", "acme_server", "fs",
    "metrics",
    "push", "templates", "tracing",
};

static bool route__is_matcher_token(const cfg_token_t *t)
{
    if (cfg_token_is_literal(t) || t->text.len == 0) return false;
    char c = t->text.ptr[0];
    return (c == '*' && t->text.len == 1) || c == '/' || c == '@';
}

int route_parse_matcher_token(route_parse_t *p, const cfg_token_t *t, const route_matcher_set_t **out)
{
    ifr_str_t s = t->text;
    if (s.len == 1 && s.ptr[0] == '*') { *out = NULL; return 0; }
    if (s.ptr[0] == '@') {
        const route_matcher_set_t *m = route_scope_find(p->scope, ifr_str_sub(s, 1, s.len));
        if (!m) return cfg_errorf(p->err, t, "matcher %.*s is not defined", (int)s.len, s.ptr);
        *out = m;
        return 0;
    }
    route_matcher_set_t *m;
    if (route_matcher_inline_path(p, t, &m) != 0) return -1;
    *out = m;
    return 0;
}

const char *route_parse_path(route_parse_t *p, ifr_str_t path)
{
    if (path.len && path.ptr[0] == '/') return ifr_arena_strndup(p->arena, path.ptr, path.len);
    if (!p->base_dir || !p->base_dir[0]) return ifr_arena_strndup(p->arena, path.ptr, path.len);
    size_t n = strlen(p->base_dir);
    const char *sep = p->base_dir[n - 1] == '/' ? "" : "/";   /* a Caddyfile in "/" */
    return ifr_arena_printf(p->arena, "%s%s%.*s", p->base_dir, sep, (int)path.len, path.ptr);
}

void route_parse_site_address(const route_parse_t *p, ifr_str_t *host, unsigned *port)
{
    const route_site_addr_t *a = p->site && p->site->naddrs ? &p->site->addrs[0] : NULL;
    *host = a ? a->host : IFR_LIT("");
    *port = a ? a->port : 0;
}

void **route_parse_list_slot(route_parse_t *p) { return &p->scope->list_slot; }

typedef struct {
    route_entry_t e;
    size_t pos;       /* the directive's row in the table */
} route__sortable_t;

extern const route_directive_t route_directive_vars;

/* Caddy's sortRoutes: directive order first; for the same directive, the
 * longer single path pattern first; with no path on either, the one with a
 * matcher first; otherwise file order (the sort is stable). */
static bool route__sorts_before(const route__sortable_t *a, const route__sortable_t *b)
{
    if (a->pos != b->pos) return a->pos < b->pos;
    size_t al = a->e.match ? a->e.match->sort_len : 0, bl = b->e.match ? b->e.match->sort_len : 0;
    /* vars the other way round (Caddy 2.6.2): the shorter path first, so
     * the most specific one that matches sets the value last. */
    if (a->e.dir == &route_directive_vars) return al < bl;
    if (al == 0 && bl == 0) return a->e.match && !b->e.match;
    return al > bl;
}

static int route__parse_one(route_parse_t *p, const cfg_directive_t *d, route__sortable_t *out, bool *emit)
{
    size_t pos = 0;
    const route_directive_t *dir = route_directive_find(d->name.text, &pos);
    *emit = false;
    if (!dir) {
        if (route_directive_unregistered(d->name.text))
            return cfg_errorf(p->err, &d->name, "the %.*s directive is not part of this program",
                              (int)d->name.text.len, d->name.text.ptr);
        for (size_t i = 0; i < sizeof(route__unsupported) / sizeof(route__unsupported[0]); i++)
            if (ifr_str_eq_cstr(d->name.text, route__unsupported[i]))
                return cfg_errorf(p->err, &d->name, "the %s directive is not supported by ifrit yet",
                                  route__unsupported[i]);
        const char *const *names;
        size_t n = route_directive_names(&names);
        return cfg_error_unknown(p->err, &d->name, "directive", names, n);
    }
    if ((dir->flags & ROUTE_DIR_SITE) && p->depth > 0)
        return cfg_errorf(p->err, &d->name, "%s: only allowed directly in a site block", dir->name);
    cfg_directive_t args = *d;
    const route_matcher_set_t *match = NULL;
    p->matcher_token = NULL;
    size_t min_args = (dir->flags & ROUTE_DIR_BLOCK_ARGS) && d->block ? 0 : dir->min_args;
    if ((dir->flags & ROUTE_DIR_MATCHER) && d->nargs > min_args && route__is_matcher_token(&d->args[0])) {
        if (route_parse_matcher_token(p, &d->args[0], &match) != 0) return -1;
        p->matcher_token = &d->args[0];
        args.args++;
        args.nargs--;
    }
    if ((dir->flags & ROUTE_DIR_NEEDS_PATH) &&
        (!p->matcher_token || p->matcher_token->text.ptr[0] != '/'))
        return cfg_errorf(p->err, &d->name, "%s: expected a path matcher such as /api/*", dir->name);
    void *conf = NULL;
    if (dir->parse(p, &args, &conf) != 0) return -1;
    if (dir->flags & ROUTE_DIR_SITE) return 0;
    out->e = (route_entry_t){ dir, match, conf, dir->flags & ROUTE_DIR_GROUPS };
    /* handle_path sorts as handle (Caddy's sortRoutes does the same), so a
     * catch-all `handle { }` never shadows a more specific `handle_path`. */
    if (dir->flags & ROUTE_DIR_GROUP_HANDLE) route_directive_find(IFR_LIT("handle"), &pos);
    out->pos = p->plan && p->plan->order_rank ? p->plan->order_rank[pos] : pos;
    *emit = true;
    return 0;
}

int route_parse_list(route_parse_t *p, const cfg_block_t *blk, bool literal, route_list_t *out)
{
    route_scope_t *scope;
    route_scope_t *saved = p->scope;
    if (route_scope_open(p, blk, p->scope, &scope) != 0) return -1;
    p->scope = scope;
    size_t n = blk ? blk->count : 0;
    route__sortable_t *tmp = n ? ifr_arena_calloc(p->arena, n, sizeof(*tmp)) : NULL;
    if (n && !tmp) return cfg_errorf(p->err, NULL, "out of memory");
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        const cfg_directive_t *d = &blk->items[i];
        if (d->name.text.len && d->name.text.ptr[0] == '@' && !cfg_token_is_literal(&d->name)) continue;
        bool emit;
        if (route__parse_one(p, d, &tmp[count], &emit) != 0) { p->scope = saved; return -1; }
        if (!emit) continue;
        /* Insertion sort keeps equal entries in file order. */
        for (size_t k = count; !literal && k > 0 && route__sorts_before(&tmp[k], &tmp[k - 1]); k--) {
            route__sortable_t t = tmp[k];
            tmp[k] = tmp[k - 1];
            tmp[k - 1] = t;
        }
        count++;
    }
    p->scope = saved;
    out->count = count;
    out->items = count ? ifr_arena_calloc(p->arena, count, sizeof(route_entry_t)) : NULL;
    if (count && !out->items) return cfg_errorf(p->err, NULL, "out of memory");
    for (size_t i = 0; i < count; i++) out->items[i] = tmp[i].e;
    return 0;
}

/* The table row of an `order` line's directive name; -1 (err filled) for
 * one this program does not know. */
static long route__order_row(const cfg_token_t *t, cfg_error_t *err)
{
    size_t pos;
    if (route_directive_find(t->text, &pos) && !(route_directive_find(t->text, NULL)->flags & ROUTE_DIR_SITE))
        return (long)pos;
    const char *const *names;
    size_t n = route_directive_names(&names);
    return cfg_error_unknown(err, t, "directive to order", names, n);
}

int route_plan_order(route_plan_t *p, cfg_error_t *err)
{
    const cfg_options_t *o = &p->options;
    if (o->norder == 0) return 0;
    const char *const *names;
    size_t n = route_directive_names(&names);
    size_t *seq = ifr_arena_calloc(&p->arena, n, sizeof(size_t));
    p->order_rank = ifr_arena_calloc(&p->arena, n, sizeof(size_t));
    if (!seq || !p->order_rank) return cfg_errorf(err, NULL, "out of memory");
    for (size_t i = 0; i < n; i++) seq[i] = i;
    /* Each line takes its directive out of the sequence and puts it back
     * where it says, as Caddy's order does. */
    for (size_t k = 0; k < o->norder; k++) {
        const struct cfg_order *r = &o->order[k];
        long dir = route__order_row(r->dir, err);
        long other = r->other ? route__order_row(r->other, err) : 0;
        if (dir < 0 || other < 0) return -1;
        if (r->other && dir == other)
            return cfg_errorf(err, r->other, "order: %s cannot be ordered against itself", r->dir->text.ptr);
        size_t at = 0;
        while (seq[at] != (size_t)dir) at++;
        memmove(seq + at, seq + at + 1, (n - at - 1) * sizeof(size_t));
        size_t to = 0;
        if (cfg_is_word(r->where, "last")) to = n - 1;
        else if (r->other) {
            while (seq[to] != (size_t)other) to++;
            if (cfg_is_word(r->where, "after")) to++;
        }
        memmove(seq + to + 1, seq + to, (n - 1 - to) * sizeof(size_t));
        seq[to] = (size_t)dir;
    }
    for (size_t i = 0; i < n; i++) p->order_rank[seq[i]] = i;
    return 0;
}

/* A status code token: three digits, 100..999. */
int route_parse_status(const cfg_token_t *t, int *out)
{
    ifr_str_t s = t->text;
    if (s.len != 3 || cfg_token_is_literal(t)) return -1;
    for (size_t i = 0; i < 3; i++)
        if (s.ptr[i] < '0' || s.ptr[i] > '9') return -1;
    int v = atoi(s.ptr);
    if (v < 100) return -1;
    *out = v;
    return 0;
}
