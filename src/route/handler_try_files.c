/* `try_files <files...> [=<status>] { policy <p> }`: rewrites the request
 * to a candidate under the site root (a candidate ending in "/" must be a
 * directory). Policies, as Caddy's file matcher: first_exist (default: the
 * first regular file or, for "/", directory), smallest_size, largest_size,
 * most_recently_modified (of the candidates that exist, of any kind; a
 * size policy skips empty files, as Caddy). Candidates take placeholders
 * and may carry a query ("/index.php?{query}"). A last `=404` fails with
 * that status when nothing exists (first_exist only, as Caddy). Like every
 * file lookup, a candidate that resolves outside the root (through .. or a
 * symlink) does not exist. As in Caddy, try_files takes no matcher: a first
 * `@name` is a file name. */
#include <errno.h>

#include "config/dispense.h"
#include "route/directive.h"
#include "route/fs.h"
#include "route/path.h"
#include "route/tmpl.h"
#include "route/request.h"
#include "route/response.h"
#include "route/state.h"

typedef enum {
    ROUTE_TRY_FIRST_EXIST, ROUTE_TRY_SMALLEST, ROUTE_TRY_LARGEST, ROUTE_TRY_NEWEST,
} route_try_policy_t;

static const char *const route__try_policies[] = {
    "first_exist", "smallest_size", "largest_size", "most_recently_modified",
};

typedef struct {
    route_tmpl_t **files;
    size_t count;
    int fallback_status;   /* 0: none, ROUTE_NEXT when nothing exists */
    route_try_policy_t policy;
} route_try_files_conf_t;

static int route__try_files_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    if (cfg_expect_args(d, 1, SIZE_MAX, p->err) != 0) return -1;
    route_try_files_conf_t *c = ifr_arena_calloc(p->arena, 1, sizeof(*c));
    if (!c || !(c->files = ifr_arena_calloc(p->arena, d->nargs, sizeof(*c->files))))
        return cfg_errorf(p->err, NULL, "out of memory");
    for (size_t i = 0; i < d->nargs; i++) {
        ifr_str_t a = d->args[i].text;
        if (a.len && a.ptr[0] == '=') {
            cfg_token_t code = d->args[i];
            code.text = ifr_str_sub(a, 1, a.len);
            if (i + 1 != d->nargs || route_parse_status(&code, &c->fallback_status) != 0 || c->fallback_status < 400)
                return cfg_errorf(p->err, &d->args[i], "try_files: =<status> must be last and from 400 to 599");
            continue;
        }
        if (!(c->files[c->count++] = route_tmpl_compile(p->arena, a)))
            return cfg_errorf(p->err, NULL, "out of memory");
    }
    for (size_t i = 0; d->block && i < d->block->count; i++) {
        const cfg_directive_t *s = &d->block->items[i];
        if (!ifr_str_eq_cstr(s->name.text, "policy"))
            return cfg_error_unknown(p->err, &s->name, "try_files option", (const char *const[]){ "policy" }, 1);
        if (cfg_expect_args(s, 1, 1, p->err) != 0) return -1;
        size_t k = 0;
        while (k < 4 && !ifr_str_eq_cstr(s->args[0].text, route__try_policies[k])) k++;
        if (k == 4) return cfg_error_unknown(p->err, &s->args[0], "try_files policy", route__try_policies, 4);
        c->policy = (route_try_policy_t)k;
    }
    *conf = c;
    return 0;
}

/* Whether candidate (a decoded URL path) exists under root, with its stat
 * in sb: first_exist wants a regular file, or a directory when the
 * candidate ends with '/'; the other policies take any kind. */
static bool route__try_exists(route_exchange_t *x, const char *real_root, ifr_str_t cand, bool strict,
                              struct stat *sb)
{
    char *clean = ifr_arena_alloc(x->arena, cand.len + 2);
    if (!clean) return false;
    size_t off = cand.len && cand.ptr[0] == '/' ? 0 : 1;
    clean[0] = '/';
    memcpy(clean + off, cand.ptr, cand.len);
    size_t n = route_path_clean(clean, cand.len + off);
    bool want_dir = clean[n - 1] == '/';
    clean[n] = '\0';
    char *real = ifr_arena_alloc(x->arena, ROUTE_PATH_MAX);
    if (!real || route_fs_resolve(real_root, clean, real, sb) != 0 || !route_fs_within(real_root, real))
        return false;
    if (!strict) return true;
    return want_dir ? S_ISDIR(sb->st_mode) : S_ISREG(sb->st_mode);
}

/* Whether a candidate with stat sb beats the best so far (best_sb, NULL
 * when none), in Caddy's terms: a size policy ignores empty files (its
 * zero means "none yet") and the first of equals wins. */
static bool route__try_better(route_try_policy_t policy, const struct stat *sb, const struct stat *best_sb)
{
    switch (policy) {
    case ROUTE_TRY_LARGEST: return sb->st_size > (best_sb ? best_sb->st_size : 0);
    case ROUTE_TRY_SMALLEST: return !best_sb || best_sb->st_size == 0 || sb->st_size < best_sb->st_size;
    case ROUTE_TRY_NEWEST:
        return !best_sb || sb->st_mtim.tv_sec > best_sb->st_mtim.tv_sec ||
               (sb->st_mtim.tv_sec == best_sb->st_mtim.tv_sec && sb->st_mtim.tv_nsec > best_sb->st_mtim.tv_nsec);
    case ROUTE_TRY_FIRST_EXIST: break;
    }
    return !best_sb;
}

static route_result_t route__try_files_handle(route_exchange_t *x, const void *conf)
{
    const route_try_files_conf_t *c = conf;
    route_state_t *st = route_state(x);
    if (!st) return route_fail(x, 500, "out of memory");
    ifr_str_t root = st->root.len ? st->root : IFR_LIT(".");
    char *real_root = ifr_arena_alloc(x->arena, ROUTE_PATH_MAX);
    if (!real_root) return route_fail(x, 500, "out of memory");
    bool have_root = route_fs_root(root, real_root) == 0;
    bool first = c->policy == ROUTE_TRY_FIRST_EXIST;
    ifr_str_t best = IFR_NULL_STR;
    struct stat best_sb, sb;
    for (size_t i = 0; have_root && i < c->count; i++) {
        ifr_str_t to;
        if (route_tmpl_render(x, c->files[i], &to) != 0) return route_fail(x, 500, "out of memory");
        long q = ifr_str_find_char(to, '?');
        ifr_str_t path = q < 0 ? to : ifr_str_sub(to, 0, (size_t)q);
        if (!route__try_exists(x, real_root, path, first, &sb) ||
            !route__try_better(c->policy, &sb, best.ptr ? &best_sb : NULL))
            continue;
        best = to;
        best_sb = sb;
        if (first) break;
    }
    /* The rewrite keeps the query unless the candidate gives one. */
    if (best.ptr) return route_set_uri(x, best) != 0 ? route_fail(x, 500, "out of memory") : ROUTE_NEXT;
    return c->fallback_status && first ? route_fail(x, c->fallback_status, "no file found") : ROUTE_NEXT;
}

const route_directive_t route_directive_try_files = {
    .name = "try_files", .min_args = 1, .parse = route__try_files_parse,
    .handle = route__try_files_handle,
};
