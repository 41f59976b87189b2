/* Caddy's file selection (file_match.h): candidates, policies, split_path,
 * globs in the last path element. */
#include "route/file_match.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "config/dispense.h"
#include "route/fs.h"
#include "route/path.h"
#include "route/state.h"

/* Names a glob may expand to in one directory; past it the rest of the
 * directory is not looked at (a config error cannot know the directory). */
#define ROUTE__FILE_GLOB_MAX 256

static const char *const route__file_policies[] = {
    "first_exist", "smallest_size", "largest_size", "most_recently_modified",
};

int route_file_parse_policy(route_parse_t *p, route_file_conf_t *c, const cfg_token_t *name)
{
    for (size_t k = 0; k < 4; k++)
        if (ifr_str_eq_cstr(name->text, route__file_policies[k])) {
            c->policy = (route_file_policy_t)k;
            return 0;
        }
    return cfg_error_unknown(p->err, name, "try policy", route__file_policies, 4);
}

/* Caddy's `=<status>` candidate: '=' and a number from 100 to 999; any
 * other text is a file name. */
static int route__file_status(ifr_str_t s)
{
    uint64_t n;
    if (s.len < 2 || s.ptr[0] != '=' || !ifr_str_to_u64(ifr_str_sub(s, 1, s.len), 999, &n) || n < 100)
        return 0;
    return (int)n;
}

/* Whether the last path element of s has a glob character outside
 * placeholders; -1 when an earlier element has one (not supported). */
static int route__file_glob_kind(ifr_str_t s)
{
    size_t end = s.len;
    if (end && s.ptr[end - 1] == '/') end--;
    size_t last = 0;
    for (size_t i = 0; i < end; i++)
        if (s.ptr[i] == '/') last = i + 1;
    int depth = 0, kind = 0;
    for (size_t i = 0; i < end; i++) {
        char ch = s.ptr[i];
        if (ch == '{') depth++;
        else if (ch == '}' && depth) depth--;
        else if (!depth && (ch == '*' || ch == '?' || ch == '[')) {
            if (i < last) return -1;
            kind = 1;
        }
    }
    return kind;
}

int route_file_add_candidates(route_parse_t *p, route_file_conf_t *c, const cfg_token_t *args, size_t n)
{
    if (n == 0) return 0;
    route_file_cand_t *all = ifr_arena_calloc(p->arena, c->ncands + n, sizeof(*all));
    if (!all) return cfg_errorf(p->err, NULL, "out of memory");
    if (c->ncands) memcpy(all, c->cands, c->ncands * sizeof(*all));
    for (size_t i = 0; i < n; i++) {
        ifr_str_t a = args[i].text;
        route_file_cand_t *f = &all[c->ncands + i];
        f->status = route__file_status(a);
        int glob = route__file_glob_kind(a);
        if (glob < 0 && !f->status)
            return cfg_errorf(p->err, &args[i],
                              "'%.*s': ifrit supports a glob (* ? [) only in the last path element",
                              (int)a.len, a.ptr);
        f->glob = glob > 0;
        f->dir = a.len > 0 && a.ptr[a.len - 1] == '/';
        if (!(f->tmpl = route_tmpl_compile(p->arena, a))) return cfg_errorf(p->err, NULL, "out of memory");
    }
    c->cands = all;
    c->ncands += n;
    return 0;
}

/* ---- per request ---- */

/* One candidate that exists, with what the placeholders will say. */
typedef struct {
    ifr_str_t rel;          /* cleaned, from the root: "/a.txt", "/dir/" */
    ifr_str_t remainder;
    struct stat sb;
} route__file_hit_t;

/* Go's filepath.Clean of a root: "." for nothing, no trailing slash. */
static ifr_str_t route__file_clean_root(route_exchange_t *x, ifr_str_t root)
{
    if (root.len == 0) return IFR_LIT(".");
    bool abs = root.ptr[0] == '/';
    char *b = ifr_arena_alloc(x->arena, root.len + 2);
    if (!b) return IFR_NULL_STR;
    b[0] = '/';
    memcpy(b + 1, root.ptr, root.len);
    size_t n = route_path_clean(b, root.len + 1);
    if (n > 1 && b[n - 1] == '/') n--;
    if (abs) return ifr_str(b, n);
    return n == 1 ? IFR_LIT(".") : ifr_str(b + 1, n - 1);
}

/* The index of needle in hay, ASCII case-insensitively; -1 if absent. */
static long route__file_index_fold(ifr_str_t hay, ifr_str_t needle)
{
    if (needle.len == 0 || needle.len > hay.len) return needle.len == 0 ? 0 : -1;
    for (size_t i = 0; i + needle.len <= hay.len; i++)
        if (ifr_str_eq_nocase(ifr_str(hay.ptr + i, needle.len), needle)) return (long)i;
    return -1;
}

/* Whether rel (cleaned, under the root) exists, into sb: under
 * first_exist a directory only for a candidate written with '/', else
 * a regular file; the other policies take any kind. */
static bool route__file_exists(route_exchange_t *x, const char *real_root, ifr_str_t rel, bool strict,
                               bool want_dir, struct stat *sb)
{
    char *path = ifr_arena_strndup(x->arena, rel.ptr, rel.len);
    char *real = ifr_arena_alloc(x->arena, ROUTE_PATH_MAX);
    if (!path || !real || route_fs_resolve(real_root, path, real, sb) != 0 || !route_fs_within(real_root, real))
        return false;
    if (!strict) return true;
    return want_dir ? S_ISDIR(sb->st_mode) : S_ISREG(sb->st_mode);
}

static bool route__file_better(route_file_policy_t policy, const struct stat *sb, const struct stat *best)
{
    switch (policy) {
    case ROUTE_FILE_LARGEST: return sb->st_size > (best ? best->st_size : 0);
    case ROUTE_FILE_SMALLEST: return !best || best->st_size == 0 || sb->st_size < best->st_size;
    case ROUTE_FILE_NEWEST:
        return !best || sb->st_mtim.tv_sec > best->st_mtim.tv_sec ||
               (sb->st_mtim.tv_sec == best->st_mtim.tv_sec && sb->st_mtim.tv_nsec > best->st_mtim.tv_nsec);
    case ROUTE_FILE_FIRST_EXIST: break;
    }
    return !best;
}

static int route__file_name_cmp(const void *a, const void *b)
{
    const ifr_str_t *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->ptr, y->ptr, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* The names in directory dir (cleaned, under the root) that the glob
 * pattern matches, sorted; *count of them. */
static ifr_str_t *route__file_glob(route_exchange_t *x, const char *real_root, ifr_str_t dir, ifr_str_t pattern,
                                   size_t *count)
{
    *count = 0;
    char *path = ifr_arena_strndup(x->arena, dir.ptr, dir.len);
    char *real = ifr_arena_alloc(x->arena, ROUTE_PATH_MAX);
    ifr_str_t *names = ifr_arena_alloc(x->arena, ROUTE__FILE_GLOB_MAX * sizeof(ifr_str_t));
    if (!path || !real || !names || route_fs_resolve(real_root, path, real, NULL) != 0 ||
        !route_fs_within(real_root, real))
        return names;
    DIR *d = opendir(real);
    if (!d) return names;
    struct dirent *de;
    while (*count < ROUTE__FILE_GLOB_MAX && (de = readdir(d))) {
        ifr_str_t name = ifr_cstr(de->d_name);
        if (ifr_str_eq_cstr(name, ".") || ifr_str_eq_cstr(name, "..")) continue;
        if (!route_glob(pattern, name, false, true)) continue;
        if (!(names[*count].ptr = ifr_arena_strndup(x->arena, name.ptr, name.len))) break;
        names[(*count)++].len = name.len;
    }
    closedir(d);
    qsort(names, *count, sizeof(*names), route__file_name_cmp);
    return names;
}

/* Renders candidate f into its cleaned path from the root and remainder
 * (split_path), as Caddy: clean, split, the written trailing '/' back. */
static int route__file_prepare(route_exchange_t *x, const route_file_conf_t *c, const route_file_cand_t *f,
                               ifr_str_t *rel, ifr_str_t *remainder)
{
    ifr_str_t s;
    if (!f->tmpl) route_tmpl_get(x, IFR_LIT("http.request.uri.path"), &s);   /* no candidates: the path */
    else if (route_tmpl_render(x, f->tmpl, &s) != 0) return -1;
    char *b = ifr_arena_alloc(x->arena, s.len + 3);
    if (!b) return -1;
    b[0] = '/';
    memcpy(b + 1, s.ptr, s.len);
    size_t n = route_path_clean(b, s.len + 1);
    if (n > 1 && b[n - 1] == '/') n--;
    ifr_str_t clean = ifr_str(b, n);
    *remainder = IFR_LIT("");
    for (size_t i = 0; i < c->nsplit; i++) {
        long at = route__file_index_fold(clean, c->split[i]);
        if (at < 0) continue;
        size_t pos = (size_t)at + c->split[i].len;
        if (pos != clean.len && clean.ptr[pos] != '/') continue;   /* must end a path element */
        *remainder = ifr_str_sub(clean, pos, clean.len);
        clean.len = pos;
        break;
    }
    if (f->dir && clean.len > 1) b[clean.len++] = '/';
    *rel = clean;
    return 0;
}

/* Keeps what the placeholders say about the chosen file. */
static int route__file_keep(route_exchange_t *x, ifr_str_t root, const route__file_hit_t *h)
{
    route_state_t *st = route_state(x);
    route_file_found_t *fm = st ? ifr_arena_calloc(x->arena, 1, sizeof(*fm)) : NULL;
    if (!fm) return -1;
    /* Go's filepath.Join(root, rel), then the root taken off the front. */
    if (ifr_str_eq_cstr(root, ".") || ifr_str_eq_cstr(root, "/")) {
        ifr_str_t tail = h->rel.len > 1 ? ifr_str_sub(h->rel, 1, h->rel.len) : IFR_LIT("");
        fm->absolute = root.ptr[0] == '.' ? (tail.len ? tail : root) : h->rel;
        fm->relative = root.ptr[0] == '.' ? fm->absolute : tail;
    } else {
        char *a = ifr_arena_printf(x->arena, "%.*s%.*s", (int)root.len, root.ptr, (int)h->rel.len, h->rel.ptr);
        if (!a) return -1;
        fm->absolute = ifr_cstr(a);
        fm->relative = h->rel;
    }
    fm->remainder = h->remainder;
    fm->is_dir = S_ISDIR(h->sb.st_mode);
    st->file_match = fm;
    return 0;
}

int route_file_select(route_exchange_t *x, const route_file_conf_t *c, int *status)
{
    *status = 0;
    route_state_t *st = route_state(x);
    if (!st) return -1;
    ifr_str_t root_text = st->root;
    if (c->root && route_tmpl_render(x, c->root, &root_text) != 0) return -1;
    ifr_str_t root = route__file_clean_root(x, root_text);
    char *real_root = ifr_arena_alloc(x->arena, ROUTE_PATH_MAX);
    if (!root.ptr || !real_root) return -1;
    bool have_root = route_fs_root(root, real_root) == 0;
    bool first = c->policy == ROUTE_FILE_FIRST_EXIST;
    static const route_file_cand_t route__file_request_path = { 0 };
    size_t ncands = c->ncands ? c->ncands : 1;
    route__file_hit_t best = { 0 }, hit;
    bool found = false;
    for (size_t i = 0; i < ncands; i++) {
        const route_file_cand_t *f = c->ncands ? &c->cands[i] : &route__file_request_path;
        if (f->status) {
            if (!first) continue;   /* a file called "=404" that is never there */
            *status = f->status;
            return 0;
        }
        if (!have_root) continue;
        ifr_str_t rel;
        if (route__file_prepare(x, c, f, &rel, &hit.remainder) != 0) return -1;
        ifr_str_t one = rel, *names = &one;
        size_t count = 1, dir_len = 0;
        if (f->glob) {
            ifr_str_t el = rel;
            if (f->dir && el.len > 1) el.len--;
            dir_len = el.len;
            while (dir_len > 0 && el.ptr[dir_len - 1] != '/') dir_len--;
            names = route__file_glob(x, real_root, ifr_str_sub(el, 0, dir_len),
                                     ifr_str_sub(el, dir_len, el.len), &count);
            if (!names) return -1;
        }
        for (size_t k = 0; k < count; k++) {
            hit.rel = names[k];
            if (f->glob) {
                char *r = ifr_arena_printf(x->arena, "%.*s%.*s%s", (int)dir_len, rel.ptr, (int)names[k].len,
                                           names[k].ptr, f->dir ? "/" : "");
                if (!r) return -1;
                hit.rel = ifr_cstr(r);
            }
            if (!route__file_exists(x, real_root, hit.rel, first, f->dir, &hit.sb) ||
                !route__file_better(c->policy, &hit.sb, found ? &best.sb : NULL))
                continue;
            best = hit;
            found = true;
            if (first) return route__file_keep(x, root, &best) != 0 ? -1 : 1;
        }
    }
    if (!found) return 0;
    return route__file_keep(x, root, &best) != 0 ? -1 : 1;
}
