/* `file [<files...>] { root <path>  try_files <files...>  try_policy <p>
 * split_path <delims...> }`: true when a file exists, as Caddy's file
 * matcher (file_match.h). Lines written several times in one set add up:
 * their candidates join, the last root, policy and split_path win. A
 * `=<status>` candidate reached under first_exist fails the request with
 * that status, as in Caddy. */
#include "config/dispense.h"
#include "route/file_match.h"
#include "route/matcher.h"
#include "route/response.h"
#include "route/state.h"

static int route__file_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    route_file_conf_t *c = *conf;
    if (!c && !(c = *conf = ifr_arena_calloc(p->arena, 1, sizeof(*c))))
        return cfg_errorf(p->err, NULL, "out of memory");
    if (route_file_add_candidates(p, c, d->args, d->nargs) != 0) return -1;
    static const char *const opts[] = { "root", "try_files", "try_policy", "split_path" };
    for (size_t i = 0; d->block && i < d->block->count; i++) {
        const cfg_directive_t *s = &d->block->items[i];
        ifr_str_t n = s->name.text;
        if (ifr_str_eq_cstr(n, "root")) {
            if (cfg_expect_args(s, 1, 1, p->err) != 0) return -1;
            if (!(c->root = route_tmpl_compile(p->arena, s->args[0].text)))
                return cfg_errorf(p->err, NULL, "out of memory");
        } else if (ifr_str_eq_cstr(n, "try_files")) {
            if (cfg_expect_args(s, 1, SIZE_MAX, p->err) != 0 ||
                route_file_add_candidates(p, c, s->args, s->nargs) != 0)
                return -1;
        } else if (ifr_str_eq_cstr(n, "try_policy")) {
            if (cfg_expect_args(s, 1, 1, p->err) != 0 || route_file_parse_policy(p, c, &s->args[0]) != 0)
                return -1;
        } else if (ifr_str_eq_cstr(n, "split_path")) {
            if (cfg_expect_args(s, 1, SIZE_MAX, p->err) != 0) return -1;
            if (!(c->split = ifr_arena_calloc(p->arena, s->nargs, sizeof(ifr_str_t))))
                return cfg_errorf(p->err, NULL, "out of memory");
            for (size_t k = 0; k < s->nargs; k++) c->split[k] = s->args[k].text;
            c->nsplit = s->nargs;
        } else {
            return cfg_error_unknown(p->err, &s->name, "file matcher option", opts, 4);
        }
        if (s->block) return cfg_errorf(p->err, &s->name, "file: %.*s takes no block", (int)n.len, n.ptr);
    }
    return 0;
}

static bool route__file_match(route_exchange_t *x, const void *conf)
{
    int status;
    int r = route_file_select(x, conf, &status);
    if (r < 0) status = 500;
    if (status) route_match_fail(x, status);
    return r > 0;
}

const route_matcher_t route_match_file = {
    .name = "file", .flags = ROUTE_MATCH_BLOCK, .parse = route__file_parse, .match = route__file_match,
};
