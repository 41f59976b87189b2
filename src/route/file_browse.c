/* The `browse` directory listing: an HTML page with a row per entry (name,
 * size, modification time), names sorted, HTML-escaped and URL-encoded in
 * links; hidden files left out, and so is every entry file_server would not
 * serve: a symlink that resolves outside the root (its target's size and
 * time are not shown either) or dangles, anything but a regular file or a
 * directory. A client asking for application/json gets
 * the entries as JSON, as Caddy's browse does:
 *   [{"name":"a.txt","size":3,"url":"./a.txt","mod_time":"...","is_dir":false}, ...] */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "base/json.h"
#include "http/message.h"
#include "route/file_server.h"
#include "route/path.h"
#include "route/response.h"
#include "route/value_text.h"

#define ROUTE__BROWSE_MAX 10000   /* entries listed at most without file_limit (Caddy's default too) */

typedef struct {
    char *name;
    bool dir;
    uint64_t size;
    time_t mtime;
} route__entry_info_t;

static int route__entry_cmp(const void *a, const void *b)
{
    return strcmp(((const route__entry_info_t *)a)->name, ((const route__entry_info_t *)b)->name);
}

/* browse { sort }: Caddy's orders. Names compare without case; size puts
 * directories first (by name), as their sizes mean nothing. */
static int route__name_cmp(const route__entry_info_t *a, const route__entry_info_t *b)
{
    return strcasecmp(a->name, b->name);
}

static int route__sort_namedirfirst(const void *a, const void *b)
{
    const route__entry_info_t *x = a, *y = b;
    if (x->dir != y->dir) return x->dir ? -1 : 1;
    return route__name_cmp(x, y);
}

static int route__sort_name(const void *a, const void *b) { return route__name_cmp(a, b); }

static int route__sort_size(const void *a, const void *b)
{
    const route__entry_info_t *x = a, *y = b;
    if (x->dir || y->dir) return x->dir && y->dir ? route__name_cmp(x, y) : x->dir ? -1 : 1;
    return x->size < y->size ? -1 : x->size > y->size;
}

static int route__sort_time(const void *a, const void *b)
{
    const route__entry_info_t *x = a, *y = b;
    return x->mtime < y->mtime ? -1 : x->mtime > y->mtime;
}

static void route__entries_sort(const route_file_conf_t *c, route__entry_info_t *ents, size_t n)
{
    static int (*const by[])(const void *, const void *) = { route__sort_name, route__sort_namedirfirst,
                                                              route__sort_size, route__sort_time };
    if (!c->browse_sort_set) {
        qsort(ents, n, sizeof(*ents), route__entry_cmp);
        return;
    }
    qsort(ents, n, sizeof(*ents), by[c->browse_sort]);
    for (size_t i = 0; c->browse_desc && i < n / 2; i++) {
        route__entry_info_t t = ents[i];
        ents[i] = ents[n - 1 - i];
        ents[n - 1 - i] = t;
    }
}

/* Appends to a growing arena buffer. */
typedef struct {
    ifr_arena_t *a;
    char *b;
    size_t n, cap;
    bool failed;
} route__page_t;

static void route__page_put(route__page_t *p, ifr_str_t s)
{
    if (p->failed) return;
    if (p->n + s.len > p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 4096;
        while (cap < p->n + s.len) cap *= 2;
        char *nb = ifr_arena_alloc(p->a, cap);
        if (!nb) { p->failed = true; return; }
        if (p->n) memcpy(nb, p->b, p->n);
        p->b = nb;
        p->cap = cap;
    }
    memcpy(p->b + p->n, s.ptr, s.len);
    p->n += s.len;
}

/* Whether the entry name in the directory real (canonical, under
 * real_root) is listed, and its stat (of the target, for a symlink): the
 * same rules as for serving it, so every row links to something served. */
static bool route__entry_listed(const route_file_conf_t *c, const char *real_root, const char *real,
                               const char *full, const char *name, struct stat *es)
{
    if (route_file_hidden(c, ifr_cstr(full)) || lstat(full, es) != 0) return false;
    if (S_ISLNK(es->st_mode)) {
        char target[ROUTE_PATH_MAX];
        if (route_fs_resolve(real, name, target, es) != 0 || !route_fs_within(real_root, target) ||
            route_file_hidden(c, ifr_cstr(target)))
            return false;
    }
    return S_ISREG(es->st_mode) || S_ISDIR(es->st_mode);
}

route_result_t route_file_browse(route_exchange_t *x, const route_file_conf_t *c,
                                 const char *real_root, const char *real)
{
    DIR *d = opendir(real);
    if (!d) return route_fail(x, 403, "cannot list directory");
    size_t cap = 64, n = 0;
    route__entry_info_t *ents = ifr_arena_alloc(x->arena, cap * sizeof(*ents));
    struct dirent *de;
    /* file_limit, as Caddy's: the entries read, before they are sorted. */
    size_t limit = c->browse_limit ? (size_t)c->browse_limit : ROUTE__BROWSE_MAX;
    while (ents && (de = readdir(d)) && n < limit) {
        if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2]))) continue;
        char *full = ifr_arena_printf(x->arena, "%s/%s", real, de->d_name);
        struct stat es;
        if (!full || !route__entry_listed(c, real_root, real, full, de->d_name, &es)) continue;
        if (n == cap) {
            route__entry_info_t *ne = ifr_arena_alloc(x->arena, cap * 2 * sizeof(*ents));
            if (!ne) break;
            memcpy(ne, ents, n * sizeof(*ents));
            ents = ne;
            cap *= 2;
        }
        ents[n++] = (route__entry_info_t){ ifr_arena_strndup(x->arena, de->d_name, strlen(de->d_name)),
                                          S_ISDIR(es.st_mode), (uint64_t)es.st_size, es.st_mtim.tv_sec };
        if (!ents[n - 1].name) n--;
    }
    closedir(d);
    if (!ents) return route_fail(x, 500, "out of memory");
    route__entries_sort(c, ents, n);

    route__page_t page = { .a = x->arena };
    const http_header_t *accept = http_headers_get(&x->req->headers, IFR_LIT("Accept"));
    if (accept && route_wild_match(IFR_LIT("*application/json*"), accept->value, true)) {
        route__page_put(&page, IFR_LIT("["));
        for (size_t i = 0; i < n; i++) {
            char date[ROUTE_HTTP_DATE_SIZE], num[64];
            route_http_date(ents[i].mtime, date);
            ifr_str_t url = route_path_escape(x->arena, ifr_cstr(ents[i].name));
            char *esc = ifr_arena_alloc(x->arena, strlen(ents[i].name) * 6 + 3);
            char *uesc = ifr_arena_alloc(x->arena, url.len * 6 + 8);
            if (!esc || !uesc) return route_fail(x, 500, "out of memory");
            size_t el = ifr_json_escape_to(esc, strlen(ents[i].name) * 6 + 3, ifr_cstr(ents[i].name));
            char *u = ifr_arena_printf(x->arena, "./%.*s%s", (int)url.len, url.ptr, ents[i].dir ? "/" : "");
            size_t ul = u ? ifr_json_escape_to(uesc, url.len * 6 + 8, ifr_cstr(u)) : 0;
            route__page_put(&page, i ? IFR_LIT(",{\"name\":") : IFR_LIT("{\"name\":"));
            route__page_put(&page, ifr_str(esc, el));
            snprintf(num, sizeof(num), ",\"size\":%" PRIu64 ",\"url\":", ents[i].size);
            route__page_put(&page, ifr_cstr(num));
            route__page_put(&page, ifr_str(uesc, ul));
            route__page_put(&page, IFR_LIT(",\"mod_time\":\""));
            route__page_put(&page, ifr_cstr(date));
            route__page_put(&page, ents[i].dir ? IFR_LIT("\",\"is_dir\":true}") : IFR_LIT("\",\"is_dir\":false}"));
        }
        route__page_put(&page, IFR_LIT("]"));
        if (page.failed || http_headers_set(&x->resp.headers, x->arena, IFR_LIT("Content-Type"),
                                            IFR_LIT("application/json")) != 0)
            return route_fail(x, 500, "out of memory");
        return route_send_simple(x, 200, ifr_str(page.b, page.n));
    }
    ifr_str_t title = route_html_escape(x->arena, x->req->path);
    route__page_put(&page, IFR_LIT("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>"));
    route__page_put(&page, title);
    route__page_put(&page, IFR_LIT("</title>\n</head>\n<body>\n<h1>"));
    route__page_put(&page, title);
    route__page_put(&page, IFR_LIT("</h1>\n<table>\n<tr><th>Name</th><th>Size</th><th>Modified</th></tr>\n"));
    if (x->req->path.len > 1) route__page_put(&page, IFR_LIT("<tr><td><a href=\"../\">../</a></td><td></td><td></td></tr>\n"));
    for (size_t i = 0; i < n; i++) {
        char date[ROUTE_HTTP_DATE_SIZE], size[32];
        route_http_date(ents[i].mtime, date);
        snprintf(size, sizeof(size), "%" PRIu64, ents[i].size);
        ifr_str_t esc = route_html_escape(x->arena, ifr_cstr(ents[i].name));
        route__page_put(&page, IFR_LIT("<tr><td><a href=\"./"));
        route__page_put(&page, route_html_escape(x->arena, route_path_escape(x->arena, ifr_cstr(ents[i].name))));
        if (ents[i].dir) route__page_put(&page, IFR_LIT("/"));
        route__page_put(&page, IFR_LIT("\">"));
        route__page_put(&page, esc);
        if (ents[i].dir) route__page_put(&page, IFR_LIT("/"));
        route__page_put(&page, IFR_LIT("</a></td><td>"));
        route__page_put(&page, ents[i].dir ? IFR_LIT("") : ifr_cstr(size));
        route__page_put(&page, IFR_LIT("</td><td>"));
        route__page_put(&page, ifr_cstr(date));
        route__page_put(&page, IFR_LIT("</td></tr>\n"));
    }
    route__page_put(&page, IFR_LIT("</table>\n</body>\n</html>\n"));
    if (page.failed) return route_fail(x, 500, "out of memory");
    if (route_header_default(x, IFR_LIT("Content-Type"), IFR_LIT("text/html; charset=utf-8")) != 0)
        return route_fail(x, 500, "out of memory");
    return route_send_simple(x, 200, ifr_str(page.b, page.n));
}
