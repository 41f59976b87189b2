/* `php_fastcgi [<matcher>] <php-fpm_gateways...> { ... }`: Caddy's
 * shortcut for PHP applications, expanded as Caddy 2.6.2 expands it into
 * a literal block of routes:
 *
 *   route [<matcher>] {
 *       @canonical { file {http.request.uri.path}/<index>  not path <ending in "/"> }
 *       redir @canonical {http.request.orig_uri.path}/ 308
 *       @index { file { try_files <try_files>  split_path <split> } }
 *       rewrite @index {http.matchers.file.relative}
 *       @php path *<split>...
 *       reverse_proxy @php <gateways...> {
 *           <the other subdirectives, as reverse_proxy reads them>
 *           transport fastcgi { split <split>  root  env  resolve_root_symlink
 *                               dial_timeout  read_timeout  write_timeout  capture_stderr }
 *       }
 *   }
 *
 * with try_files {http.request.uri.path} {http.request.uri.path}/<index>
 * <index> unless given, index index.php and split .php by default; `index
 * off` leaves out the redirect and the rewrite. The directives are built
 * as tokens: the user's keep their places (errors point at them), the
 * ones written here take php_fastcgi's. */
#include <string.h>

#include "config/dispense.h"
#include "route/block.h"
#include "route/directive.h"

/* Matcher names of the expansion: the route block's own scope. */
#define ROUTE__PHP_CANONICAL "@php_fastcgi_canonical"
#define ROUTE__PHP_INDEX "@php_fastcgi_index"
#define ROUTE__PHP_FILES "@php_fastcgi_files"

/* The options php_fastcgi takes itself; the transport's go into
 * `transport fastcgi` as they are written. */
static const char *const route__php_transport_opts[] = {
    "root", "split", "env", "resolve_root_symlink", "dial_timeout", "read_timeout", "write_timeout", "capture_stderr",
    "keepalive",
};

typedef struct {
    route_parse_t *p;
    cfg_token_t at;      /* php_fastcgi's name: the place of every token written here */
    bool oom;
} route__php_t;

static cfg_token_t route__php_tok(route__php_t *b, const char *text)
{
    cfg_token_t t = b->at;
    t.text = ifr_cstr(text);
    t.flags = 0;
    return t;
}

static cfg_token_t *route__php_toks(route__php_t *b, size_t n)
{
    cfg_token_t *t = n ? ifr_arena_calloc(b->p->arena, n, sizeof *t) : NULL;
    if (n && !t) b->oom = true;
    return t;
}

static cfg_block_t *route__php_block(route__php_t *b, size_t n)
{
    cfg_block_t *blk = ifr_arena_calloc(b->p->arena, 1, sizeof *blk);
    cfg_directive_t *items = n ? ifr_arena_calloc(b->p->arena, n, sizeof *items) : NULL;
    if (!blk || (n && !items)) {
        b->oom = true;
        return NULL;
    }
    blk->items = items;
    return blk;
}

/* Appends `name args...` (args as given, or written here from texts). */
static cfg_directive_t *route__php_add(route__php_t *b, cfg_block_t *blk, const char *name, const char *const *texts,
                                       size_t n)
{
    if (!blk) return NULL;
    cfg_directive_t *d = &blk->items[blk->count++];
    *d = (cfg_directive_t){ .name = route__php_tok(b, name), .args = route__php_toks(b, n), .nargs = n };
    for (size_t i = 0; d->args && i < n; i++) d->args[i] = route__php_tok(b, texts[i]);
    return d;
}

static const char *route__php_printf(route__php_t *b, const char *fmt, const char *s)
{
    char *t = ifr_arena_printf(b->p->arena, fmt, s);
    if (!t) b->oom = true;
    return t ? t : "";
}

static bool route__php_is_transport_opt(const cfg_token_t *n)
{
    for (size_t i = 0; i < sizeof route__php_transport_opts / sizeof *route__php_transport_opts; i++)
        if (cfg_is_word(n, route__php_transport_opts[i])) return true;
    return false;
}

/* The redirect and the rewrite to the index file. */
static void route__php_index_routes(route__php_t *b, cfg_block_t *out, const char *index, const cfg_directive_t *try_files,
                                    const cfg_directive_t *split)
{
    cfg_directive_t *m = route__php_add(b, out, ROUTE__PHP_CANONICAL, NULL, 0);
    if (m && (m->block = route__php_block(b, 2))) {
        const char *dir_index = route__php_printf(b, "{http.request.uri.path}/%s", index);
        route__php_add(b, m->block, "file", &dir_index, 1);
        static const char *const not_dir[] = { "path", "*/" };
        route__php_add(b, m->block, "not", not_dir, 2);
    }
    const char *redir[] = { ROUTE__PHP_CANONICAL, "{http.request.orig_uri.path}/", "308" };
    route__php_add(b, out, "redir", redir, 3);

    m = route__php_add(b, out, ROUTE__PHP_INDEX, NULL, 0);
    cfg_directive_t *file = m && (m->block = route__php_block(b, 1)) ? route__php_add(b, m->block, "file", NULL, 0) : NULL;
    if (file && (file->block = route__php_block(b, 2))) {
        if (try_files) {
            cfg_directive_t *tf = route__php_add(b, file->block, "try_files", NULL, 0);
            if (tf) tf->args = try_files->args, tf->nargs = try_files->nargs;
        } else {
            const char *def[] = { "{http.request.uri.path}", route__php_printf(b, "{http.request.uri.path}/%s", index),
                                  index };
            route__php_add(b, file->block, "try_files", def, 3);
        }
        cfg_directive_t *sp = route__php_add(b, file->block, "split_path", NULL, 0);
        if (sp) sp->args = split->args, sp->nargs = split->nargs;
    }
    const char *rewrite[] = { ROUTE__PHP_INDEX, "{http.matchers.file.relative}" };
    route__php_add(b, out, "rewrite", rewrite, 2);
}

static int route__php_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    route__php_t b = { .p = p, .at = d->name };
    const cfg_directive_t *index = NULL, *try_files = NULL, *split = NULL;
    size_t ntransport = 0, nproxy = 0;
    bool to = false;
    for (size_t i = 0; d->block && i < d->block->count; i++) {
        const cfg_directive_t *o = &d->block->items[i];
        if (cfg_is_word(&o->name, "index")) {
            if (o->nargs != 1 || o->block)
                return cfg_errorf(p->err, &o->name, "php_fastcgi: index takes one file name, or off");
            index = o;
        } else if (cfg_is_word(&o->name, "try_files")) {
            if (o->nargs < 1 || o->block) return cfg_errorf(p->err, &o->name, "php_fastcgi: try_files needs files to try");
            try_files = o;
        } else if (cfg_is_word(&o->name, "transport")) {
            return cfg_errorf(p->err, &o->name, "php_fastcgi: the transport is php_fastcgi's own (fastcgi); its "
                              "options go in the php_fastcgi block");
        } else if (route__php_is_transport_opt(&o->name)) {
            if (cfg_is_word(&o->name, "split") && (split = o)->nargs == 0)
                return cfg_errorf(p->err, &o->name, "php_fastcgi: split needs the substrings that end a script's "
                                  "name (.php)");
            ntransport++;
        } else {
            to |= cfg_is_word(&o->name, "to");
            nproxy++;
        }
    }
    if (d->nargs == 0 && !to)
        return cfg_errorf(p->err, &d->name, "php_fastcgi: expected the address of a FastCGI server, such as "
                          "127.0.0.1:9000 or unix//run/php/php-fpm.sock");
    const char *index_file = index ? index->args[0].text.ptr : "index.php";
    bool index_off = index && cfg_is_word(&index->args[0], "off");

    cfg_directive_t def_split = { .name = route__php_tok(&b, "split") };
    cfg_token_t php = route__php_tok(&b, ".php");
    if (!split) {
        def_split.args = &php, def_split.nargs = 1;
        split = &def_split;
    }
    cfg_block_t *routes = route__php_block(&b, 7);
    if (routes && !index_off) route__php_index_routes(&b, routes, index_file, try_files, split);

    /* @php path *.php ... */
    cfg_directive_t *files = route__php_add(&b, routes, ROUTE__PHP_FILES, NULL, 0);
    if (files && (files->args = route__php_toks(&b, split->nargs + 1))) {
        files->nargs = split->nargs + 1;
        files->args[0] = route__php_tok(&b, "path");
        for (size_t i = 0; i < split->nargs; i++)
            files->args[i + 1] = route__php_tok(&b, route__php_printf(&b, "*%s", split->args[i].text.ptr));
    }

    /* reverse_proxy @php <gateways...> { ... transport fastcgi { ... } } */
    cfg_directive_t *rp = route__php_add(&b, routes, "reverse_proxy", NULL, 0);
    if (rp && (rp->args = route__php_toks(&b, d->nargs + 1)) && (rp->block = route__php_block(&b, nproxy + 1))) {
        rp->nargs = d->nargs + 1;
        rp->args[0] = route__php_tok(&b, ROUTE__PHP_FILES);
        if (d->nargs) memcpy(rp->args + 1, d->args, d->nargs * sizeof *d->args);
        rp->block->open = d->block ? d->block->open : NULL;
        rp->block->close = d->block ? d->block->close : NULL;
        const char *fastcgi = "fastcgi";
        cfg_directive_t *tr = NULL;
        for (size_t i = 0; d->block && i < d->block->count; i++) {
            const cfg_directive_t *o = &d->block->items[i];
            if (cfg_is_word(&o->name, "index") || cfg_is_word(&o->name, "try_files") || route__php_is_transport_opt(&o->name))
                continue;
            rp->block->items[rp->block->count++] = *o;
        }
        tr = route__php_add(&b, rp->block, "transport", &fastcgi, 1);
        if (tr && (tr->block = route__php_block(&b, ntransport + 1))) {
            if (split == &def_split) tr->block->items[tr->block->count++] = def_split;
            for (size_t i = 0; d->block && i < d->block->count; i++)
                if (route__php_is_transport_opt(&d->block->items[i].name))
                    tr->block->items[tr->block->count++] = d->block->items[i];
        }
    }
    if (b.oom || !routes) return cfg_errorf(p->err, NULL, "out of memory");
    cfg_directive_t route = { .name = route__php_tok(&b, "route"), .block = routes };
    return route_parse_block(p, &route, true, conf);
}

const route_directive_t route_directive_php_fastcgi = {
    .name = "php_fastcgi", .flags = ROUTE_DIR_MATCHER, .parse = route__php_parse, .handle = route_enter_block,
};
