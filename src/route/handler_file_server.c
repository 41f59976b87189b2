/* `file_server [<matcher>] [browse] { root <path>; hide <files...>; index <names...>;
 *     browse; precompressed [<formats...>]; status <code>; pass_thru; disable_canonical_uris }`:
 * serves files under the site root. The path is decoded and cleaned before
 * it is joined to the root, then every symlink is resolved and the result
 * must still lie under the (resolved) root, so neither "..", encoded
 * slashes or dots, nor symlinks can leave it. Paths without symlinks take
 * one open that refuses them (route_fs_open_nofollow); the others, the
 * element-by-element walk. The Caddyfile itself is
 * hidden. Only GET and HEAD (else 405);
 * a missing file is a 404 error for handle_errors (or, with pass_thru, the
 * next handler's turn). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config/dispense.h"
#include "route/directive.h"
#include "route/file_server.h"
#include "route/path.h"
#include "route/response.h"
#include "route/state.h"

static int route__file_list(route_parse_t *p, const cfg_directive_t *s, route_strs_t *l, size_t min)
{
    if (cfg_expect_args(s, min, SIZE_MAX, p->err) != 0) return -1;
    l->count = 0;
    for (size_t i = 0; i < s->nargs; i++)
        if (route_strs_add(p->arena, l, s->args[i].text) != 0) return cfg_errorf(p->err, NULL, "out of memory");
    return 0;
}

/* browse { sort <name|namedirfirst|size|time> [asc|desc]; file_limit <n> }
 * (Caddy 2.8); reveal_symlinks is refused as not built yet. */
static int route__browse_options(route_parse_t *p, const cfg_directive_t *s, route_file_conf_t *c)
{
    static const char *const fields[] = { "name", "namedirfirst", "size", "time" };
    for (size_t i = 0; s->block && i < s->block->count; i++) {
        const cfg_directive_t *o = &s->block->items[i];
        if (cfg_is_word(&o->name, "sort")) {
            if (cfg_expect_args(o, 1, 2, p->err) || cfg_expect_no_block(o, p->err)) return -1;
            size_t k = 0;
            while (k < 4 && !cfg_is_word(&o->args[0], fields[k])) k++;
            if (k == 4) return cfg_error_unknown(p->err, &o->args[0], "browse sort field", fields, 4);
            c->browse_sort = (int)k;
            c->browse_sort_set = true;
            c->browse_desc = false;
            if (o->nargs == 2) {
                if (cfg_is_word(&o->args[1], "desc")) c->browse_desc = true;
                else if (!cfg_is_word(&o->args[1], "asc"))
                    return cfg_errorf(p->err, &o->args[1], "file_server browse sort: expected asc or desc, got '%s'",
                                      o->args[1].text.ptr);
            }
        } else if (cfg_is_word(&o->name, "file_limit")) {
            int64_t v;
            if (cfg_expect_args(o, 1, 1, p->err) || cfg_expect_no_block(o, p->err) ||
                cfg_parse_int(&o->args[0], 1, 1000000, &v, p->err))
                return -1;
            c->browse_limit = (int)v;
        } else if (cfg_is_word(&o->name, "reveal_symlinks")) {
            return cfg_errorf(p->err, &o->name, "file_server browse: option 'reveal_symlinks' is not supported by ifrit yet");
        } else {
            static const char *const known[] = { "sort", "file_limit", "reveal_symlinks" };
            return cfg_error_unknown(p->err, &o->name, "file_server browse option", known, 3);
        }
    }
    return 0;
}

static int route__file_server_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    route_file_conf_t *c = ifr_arena_calloc(p->arena, 1, sizeof(*c));
    if (!c) return cfg_errorf(p->err, NULL, "out of memory");
    c->canonical = true;
    if (cfg_expect_args(d, 0, 1, p->err) != 0) return -1;
    if (d->nargs == 1) {
        if (!ifr_str_eq_cstr(d->args[0].text, "browse"))
            return cfg_errorf(p->err, &d->args[0], "file_server: expected browse, got '%s'", d->args[0].text.ptr);
        c->browse = true;
    }
    for (size_t i = 0; d->block && i < d->block->count; i++) {
        const cfg_directive_t *s = &d->block->items[i];
        ifr_str_t n = s->name.text;
        int rc = 0;
        if (ifr_str_eq_cstr(n, "root")) {
            if ((rc = cfg_expect_args(s, 1, 1, p->err)) == 0 && !(c->root = route_tmpl_compile(p->arena, s->args[0].text)))
                rc = cfg_errorf(p->err, NULL, "out of memory");
        } else if (ifr_str_eq_cstr(n, "hide")) {
            rc = route__file_list(p, s, &c->hide, 1);
        } else if (ifr_str_eq_cstr(n, "index")) {
            rc = route__file_list(p, s, &c->index, 0);
        } else if (ifr_str_eq_cstr(n, "browse")) {
            if (s->nargs) return cfg_errorf(p->err, &s->args[0], "file_server browse: custom templates are not supported by ifrit yet");
            if (route__browse_options(p, s, c) != 0) return -1;
            c->browse = true;
        } else if (ifr_str_eq_cstr(n, "etag_file_extensions")) {
            if ((rc = route__file_list(p, s, &c->etag_exts, 1)) == 0)
                for (size_t k = 0; k < s->nargs; k++)
                    if (ifr_str_find_char(s->args[k].text, '/') >= 0)
                        return cfg_errorf(p->err, &s->args[k], "file_server etag_file_extensions: an extension "
                                          "cannot hold '/', got '%s'", s->args[k].text.ptr);
        } else if (ifr_str_eq_cstr(n, "precompressed")) {
            if ((rc = route__file_list(p, s, &c->precompressed, 0)) == 0) {
                for (size_t k = 0; k < c->precompressed.count; k++) {
                    ifr_str_t f = c->precompressed.items[k];
                    if (!ifr_str_eq_cstr(f, "br") && !ifr_str_eq_cstr(f, "zstd") && !ifr_str_eq_cstr(f, "gzip"))
                        return cfg_errorf(p->err, &s->args[k], "file_server precompressed: expected br, zstd or gzip");
                }
                if (c->precompressed.count == 0) {
                    route_strs_add(p->arena, &c->precompressed, IFR_LIT("br"));
                    route_strs_add(p->arena, &c->precompressed, IFR_LIT("zstd"));
                    if (route_strs_add(p->arena, &c->precompressed, IFR_LIT("gzip")) != 0)
                        return cfg_errorf(p->err, NULL, "out of memory");
                }
            }
        } else if (ifr_str_eq_cstr(n, "status")) {
            if ((rc = cfg_expect_args(s, 1, 1, p->err)) == 0 && route_parse_status(&s->args[0], &c->status) != 0)
                rc = cfg_errorf(p->err, &s->args[0], "file_server status: expected a status code");
        } else if (ifr_str_eq_cstr(n, "pass_thru")) {
            c->pass_thru = true;
        } else if (ifr_str_eq_cstr(n, "disable_canonical_uris")) {
            c->canonical = false;
        } else {
            static const char *const known[] = { "root", "hide", "index", "browse", "precompressed",
                                                 "status", "pass_thru", "disable_canonical_uris",
                                                 "etag_file_extensions" };
            return cfg_error_unknown(p->err, &s->name, "file_server option", known, 9);
        }
        if (rc != 0) return -1;
    }
    /* As Caddy does, the Caddyfile is never served, even from inside the root. */
    char conf_real[ROUTE_PATH_MAX];
    if (d->name.file && route_fs_realpath(d->name.file, conf_real) == 0) {
        const char *hidden = ifr_arena_strndup(p->arena, conf_real, strlen(conf_real));
        if (!hidden || route_strs_add(p->arena, &c->hide, ifr_cstr(hidden)) != 0)
            return cfg_errorf(p->err, NULL, "out of memory");
    }
    if (c->index.items == NULL) {
        route_strs_add(p->arena, &c->index, IFR_LIT("index.html"));
        if (route_strs_add(p->arena, &c->index, IFR_LIT("index.txt")) != 0)
            return cfg_errorf(p->err, NULL, "out of memory");
    }
    *conf = c;
    return 0;
}

bool route_file_hidden(const route_file_conf_t *c, ifr_str_t fs_path)
{
    for (size_t i = 0; i < c->hide.count; i++) {
        ifr_str_t pat = c->hide.items[i];
        if (ifr_str_find_char(pat, '/') >= 0) {
            /* A path: the file itself or anything under it. */
            if (route_glob(pat, fs_path, false, true)) return true;
            if (fs_path.len > pat.len && ifr_str_starts_with(fs_path, pat) && fs_path.ptr[pat.len] == '/')
                return true;
            continue;
        }
        /* A name: any element of the path. */
        size_t p = 0;
        while (p < fs_path.len) {
            while (p < fs_path.len && fs_path.ptr[p] == '/') p++;
            size_t st = p;
            while (p < fs_path.len && fs_path.ptr[p] != '/') p++;
            if (p > st && route_glob(pat, ifr_str_sub(fs_path, st, p), false, true)) return true;
        }
    }
    return false;
}

/* Finds rel (cleaned, relative) under base (a canonical directory under
 * real_root): real gets the canonical path and sb its stat. Returns the
 * open file when the direct open found it (or ROUTE_FS_IN_CACHE: its
 * bytes are in the open-file cache), else -1 with *err 0 (the walk found
 * it; it is not open) or the reason it is not served. */
static int route__file_find(const char *real_root, const char *base, const char *rel, char *real,
                           struct stat *sb, int *err)
{
    size_t bl = strlen(base), rl = strlen(rel);
    if (bl == 1) bl = 0;   /* "/" */
    while (rl > 0 && rel[rl - 1] == '/') rl--;
    if (bl + 1 + rl >= ROUTE_PATH_MAX) {
        *err = ENAMETOOLONG;
        return -1;
    }
    memcpy(real, base, bl);
    size_t n = bl;
    if (rl && rel[0] != '/') real[n++] = '/';
    memcpy(real + n, rel, rl);
    n += rl;
    if (n == 0) real[n++] = '/';
    real[n] = '\0';
    int fd = route_fs_open_nofollow(real, sb);
    if (fd >= 0 || fd == ROUTE_FS_IN_CACHE) {
        *err = 0;
        return fd;
    }
    if (errno == ENOENT || errno == ENOTDIR) {
        *err = errno;
        return -1;
    }
    *err = route_fs_resolve(base, rel, real, sb);
    /* The symlink check: whatever the path named, it must end up inside root. */
    if (*err == 0 && !route_fs_within(real_root, real)) *err = ENOENT;
    return -1;
}

static route_result_t route__file_missing(route_exchange_t *x, const route_file_conf_t *c, int err)
{
    if (c->pass_thru) return ROUTE_NEXT;
    if (err == EACCES || err == EPERM) return route_fail(x, 403, "permission denied");
    if (err == ENOENT || err == ENOTDIR || err == ELOOP || err == ENAMETOOLONG || err == 0)
        return route_fail(x, 404, "file not found");
    return route_fail(x, 500, "cannot read file");
}

/* A redirect that keeps the query: Caddy's canonical-URI 308. */
static route_result_t route__file_redirect(route_exchange_t *x, bool add_slash)
{
    ifr_str_t orig = x->orig_uri.len ? x->orig_uri : x->req->target;
    long q = ifr_str_find_char(orig, '?');
    ifr_str_t path = q < 0 ? orig : ifr_str_sub(orig, 0, (size_t)q);
    ifr_str_t query = q < 0 ? IFR_LIT("") : ifr_str_sub(orig, (size_t)q, orig.len);
    if (!add_slash && path.len > 1) path.len--;
    char *loc = ifr_arena_printf(x->arena, "%.*s%s%.*s", (int)path.len, path.ptr, add_slash ? "/" : "",
                                 (int)query.len, query.ptr);
    if (!loc || http_headers_set(&x->resp.headers, x->arena, IFR_LIT("Location"), ifr_cstr(loc)) != 0)
        return route_fail(x, 500, "out of memory");
    /* As Go's http.Redirect, which Caddy uses: a GET or HEAD gets a short
     * HTML body with the link. */
    bool get = ifr_str_eq_cstr(x->req->method, "GET"), head = ifr_str_eq_cstr(x->req->method, "HEAD");
    if (!get && !head) return route_send_simple(x, 308, IFR_LIT(""));
    ifr_str_t href = route_html_escape(x->arena, ifr_cstr(loc));
    char *body = ifr_arena_printf(x->arena, "<a href=\"%.*s\">Permanent Redirect</a>.\n\n", (int)href.len, href.ptr);
    if (!body || http_headers_set(&x->resp.headers, x->arena, IFR_LIT("Content-Type"),
                                  IFR_LIT("text/html; charset=utf-8")) != 0)
        return route_fail(x, 500, "out of memory");
    return route_send_simple(x, 308, ifr_cstr(body));
}

/* Whether the last path element was changed by a rewrite: then Caddy does
 * not redirect to the canonical form (it would undo the rewrite). */
static bool route__file_rewritten(route_exchange_t *x)
{
    ifr_str_t orig = x->orig_uri.len ? x->orig_uri : x->req->target;
    long q = ifr_str_find_char(orig, '?');
    if (q >= 0) orig.len = (size_t)q;
    ifr_str_t cur = x->req->path;
    size_t a = orig.len, b = cur.len;
    while (a > 0 && orig.ptr[a - 1] == '/') a--;
    while (b > 0 && cur.ptr[b - 1] == '/') b--;
    size_t as = a, bs = b;
    while (as > 0 && orig.ptr[as - 1] != '/') as--;
    while (bs > 0 && cur.ptr[bs - 1] != '/') bs--;
    return !ifr_str_eq(ifr_str_sub(orig, as, a), ifr_str_sub(cur, bs, b));
}

static route_result_t route__file_server_handle(route_exchange_t *x, const void *conf)
{
    const route_file_conf_t *c = conf;
    route_state_t *st = route_state(x);
    if (!st) return route_fail(x, 500, "out of memory");
    ifr_str_t root = st->root.len ? st->root : IFR_LIT(".");
    if (c->root && route_tmpl_render(x, c->root, &root) != 0) return route_fail(x, 500, "out of memory");
    ifr_str_t path = route_clean_path(x);
    if (path.len == 0) return route_fail(x, 400, "malformed path");
    if (!ifr_str_eq_cstr(x->req->method, "GET") && !ifr_str_eq_cstr(x->req->method, "HEAD")) {
        if (c->pass_thru) return ROUTE_NEXT;
        http_headers_set(&x->resp.headers, x->arena, IFR_LIT("Allow"), IFR_LIT("GET, HEAD"));
        return route_fail(x, 405, "method not allowed");
    }

    /* Paths live on the stack: they are used only until this returns, and
     * 4 KiB arena allocations would each be a malloc of their own. */
    char real_root[ROUTE_PATH_MAX], real[ROUTE_PATH_MAX];
    char *rel = ifr_arena_strndup(x->arena, path.ptr, path.len);
    if (!rel) return route_fail(x, 500, "out of memory");
    int err = route_fs_root(root, real_root);
    if (err) return route__file_missing(x, c, err);
    struct stat sb;
    int fd = route__file_find(real_root, real_root, rel, real, &sb, &err);
    if (err) return route__file_missing(x, c, err);
    bool regular = S_ISREG(sb.st_mode);
    if (!regular && fd >= 0) {
        close(fd);
        fd = -1;
    }
    if (route_file_hidden(c, path) || route_file_hidden(c, ifr_cstr(real))) {
        if (fd >= 0) close(fd);
        return route__file_missing(x, c, ENOENT);
    }

    /* Caddy's canonical URIs: the trailing slash is judged on the path as
     * the client sent it, and only when a rewrite did not change the last
     * element (which would make the redirect undo it, or loop). */
    ifr_str_t orig = x->orig_uri.len ? x->orig_uri : x->req->target;
    long q = ifr_str_find_char(orig, '?');
    if (q >= 0) orig.len = (size_t)q;
    bool orig_slash = orig.len > 0 && orig.ptr[orig.len - 1] == '/';
    bool redirectable = !route__file_rewritten(x);
    if (S_ISDIR(sb.st_mode)) {
        for (size_t i = 0; i < c->index.count; i++) {
            ifr_str_t ix = c->index.items[i];
            char *name = ifr_arena_strndup(x->arena, ix.ptr, ix.len);
            char cand_real[ROUTE_PATH_MAX];
            struct stat isb;
            if (!name) continue;
            int ifd = route__file_find(real_root, real, name, cand_real, &isb, &err);
            if (err || route_file_hidden(c, ifr_cstr(cand_real)) || !S_ISREG(isb.st_mode)) {
                if (ifd >= 0) close(ifd);
                continue;
            }
            if (c->canonical && redirectable && !orig_slash) {
                if (ifd >= 0) close(ifd);
                return route__file_redirect(x, true);
            }
            return route_file_send(x, c, cand_real, &isb, ifd);
        }
        /* A listing needs the slash for its relative links, whatever
         * canonical_uris says (Caddy's browse redirects too). */
        if (c->browse) {
            if (redirectable && !orig_slash) return route__file_redirect(x, true);
            return route_file_browse(x, c, real_root, real);
        }
        return route__file_missing(x, c, ENOENT);
    }
    /* A file asked for as a directory ("/f.txt/") is not there when no
     * redirect will fix the slash (Caddy: the stat of "f.txt/" fails). */
    if (!regular || (!c->canonical && path.ptr[path.len - 1] == '/')) {
        if (fd >= 0) close(fd);
        return route__file_missing(x, c, ENOENT);
    }
    if (c->canonical && redirectable && orig_slash) {
        if (fd >= 0) close(fd);
        return route__file_redirect(x, false);
    }
    return route_file_send(x, c, real, &sb, fd);
}

const route_directive_t route_directive_file_server = {
    .name = "file_server", .flags = ROUTE_DIR_MATCHER, .parse = route__file_server_parse,
    .handle = route__file_server_handle,
};
