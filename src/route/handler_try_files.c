/* `try_files <files...> [=<status>] { policy <p> }`: rewrites the request
 * to the first candidate that exists, as Caddy builds it: a file matcher
 * (file_match.h) and a rewrite to {file_match.relative}. A candidate with
 * a query ("/index.php?{query}") is a selection of its own whose rewrite
 * sets that query; the others keep the request's, and consecutive ones
 * form one selection under the policy; the first selection that finds a
 * file rewrites (Caddy groups the routes). Policies: first_exist (default:
 * the first regular file or, for a candidate ending in "/", directory),
 * smallest_size, largest_size, most_recently_modified. A `=404` reached
 * under first_exist fails the request with that status. As in Caddy,
 * try_files takes no matcher: a first `@name` is a file name. */
#include "config/dispense.h"
#include "route/directive.h"
#include "route/file_match.h"
#include "route/request.h"
#include "route/response.h"
#include "route/state.h"

typedef struct {
    route_file_conf_t sel;
    route_tmpl_t *query;    /* "?..." the rewrite appends, or NULL to keep the request's */
} route__try_group_t;

typedef struct {
    route__try_group_t *groups;
    size_t count;
} route__try_files_conf_t;

static int route__try_files_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    if (cfg_expect_args(d, 1, SIZE_MAX, p->err) != 0) return -1;
    route__try_files_conf_t *c = ifr_arena_calloc(p->arena, 1, sizeof(*c));
    if (!c || !(c->groups = ifr_arena_calloc(p->arena, d->nargs, sizeof(*c->groups))))
        return cfg_errorf(p->err, NULL, "out of memory");
    route_file_conf_t policy = { 0 };
    for (size_t i = 0; d->block && i < d->block->count; i++) {
        const cfg_directive_t *s = &d->block->items[i];
        if (!ifr_str_eq_cstr(s->name.text, "policy"))
            return cfg_error_unknown(p->err, &s->name, "try_files option", (const char *const[]){ "policy" }, 1);
        if (cfg_expect_args(s, 1, 1, p->err) != 0 || cfg_expect_no_block(s, p->err) != 0 ||
            route_file_parse_policy(p, &policy, &s->args[0]) != 0)
            return -1;
    }
    route__try_group_t *open = NULL;   /* the selection that takes plain candidates */
    for (size_t i = 0; i < d->nargs; i++) {
        cfg_token_t t = d->args[i];
        long q = ifr_str_find_char(t.text, '?');
        route__try_group_t *g = q < 0 && open ? open : &c->groups[c->count++];
        g->sel.policy = policy.policy;
        if (q >= 0) {
            if (!(g->query = route_tmpl_compile(p->arena, ifr_str_sub(t.text, (size_t)q, t.text.len))))
                return cfg_errorf(p->err, NULL, "out of memory");
            t.text = ifr_str_sub(t.text, 0, (size_t)q);
            open = NULL;
        } else {
            open = g;
        }
        if (route_file_add_candidates(p, &g->sel, &t, 1) != 0) return -1;
    }
    *conf = c;
    return 0;
}

static route_result_t route__try_files_handle(route_exchange_t *x, const void *conf)
{
    const route__try_files_conf_t *c = conf;
    for (size_t i = 0; i < c->count; i++) {
        const route__try_group_t *g = &c->groups[i];
        int status;
        int r = route_file_select(x, &g->sel, &status);
        if (r < 0) return route_fail(x, 500, "out of memory");
        if (status) {
            const char *msg = ifr_arena_printf(x->arena, "%d", status);   /* Caddy's message */
            return route_fail(x, status, msg ? msg : "no file found");
        }
        if (r == 0) continue;
        route_state_t *st = route_state(x);
        ifr_str_t to = st->file_match->relative, query = IFR_LIT("");
        if (g->query && route_tmpl_render_uri(x, g->query, &query) != 0) return route_fail(x, 500, "out of memory");
        if (query.len) {
            char *b = ifr_arena_printf(x->arena, "%.*s%.*s", (int)to.len, to.ptr, (int)query.len, query.ptr);
            if (!b) return route_fail(x, 500, "out of memory");
            to = ifr_cstr(b);
        }
        return route_set_uri(x, to) != 0 ? route_fail(x, 500, "out of memory") : ROUTE_NEXT;
    }
    return ROUTE_NEXT;
}

const route_directive_t route_directive_try_files = {
    .name = "try_files", .min_args = 1, .parse = route__try_files_parse,
    .handle = route__try_files_handle,
};
