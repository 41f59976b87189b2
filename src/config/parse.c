/* The Caddyfile grammar on top of the token stream (source.h):
 *
 *   document  = [ "{" options "}" ] { snippet | site }
 *   snippet   = "(" name ")" "{" tokens "}"
 *   route     = "&(" name ")" "{" directives "}"     (a named route)
 *   site      = address { [","] address } ( "{" block "}" | block-to-EOF )
 *   block     = { directive }
 *   directive = name { arg } [ "{" NEWLINE block "}" ] NEWLINE
 *
 * Lines matter: a directive's arguments are the tokens on its (logical)
 * line; "{" opening a block must end its line; "}" must start its line and
 * be the only thing on it. As in Caddy, "{" may also sit alone on the line
 * after a site's addresses.
 */
#include <stdlib.h>
#include <string.h>

#include "config/dispense.h"
#include "config/lex.h"
#include "config/site_keys.h"
#include "config/source.h"

typedef struct {
    cfg_cursor_t cur;
    ifr_arena_t *a;
    cfg_error_t *err;
    size_t nsites;
} cfg__parser_t;

/* A growable heap array, copied into the arena once complete. */
typedef struct {
    void *items;
    size_t n, cap;
} cfg__vec_t;

static int cfg__vec_push(cfg__vec_t *v, const void *item, size_t size)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        void *p = realloc(v->items, cap * size);
        if (!p) return -1;
        v->items = p;
        v->cap = cap;
    }
    memcpy((char *)v->items + v->n * size, item, size);
    v->n++;
    return 0;
}

/* Moves the items into the arena (NULL for none) and frees the heap copy. */
static int cfg__vec_finish(cfg__vec_t *v, ifr_arena_t *a, size_t size, void **out)
{
    *out = NULL;
    int rc = 0;
    if (v->n) {
        *out = ifr_arena_alloc(a, v->n * size);
        if (*out) memcpy(*out, v->items, v->n * size);
        else rc = -1;
    }
    free(v->items);
    v->items = NULL;
    return rc;
}

static int cfg__oom(cfg__parser_t *p)
{
    return cfg_errorf(p->err, NULL, "out of memory while parsing the Caddyfile");
}

static bool cfg__on_new_line(const cfg_token_t *t)
{
    return (t->flags & CFG_TOK_LINE_START) != 0;
}

/* After a brace, the line must end. */
static int cfg__expect_line_end(cfg__parser_t *p, const char *after)
{
    const cfg_token_t *n;
    int rc = cfg_peek(&p->cur, &n);
    if (rc < 0) return -1;
    if (rc == 1 && !cfg__on_new_line(n)) {
        if (strcmp(after, "{") == 0)
            return cfg_errorf(p->err, n, "unexpected '%s' after '{': a block's contents start on "
                              "the next line", n->text.ptr);
        return cfg_errorf(p->err, n, "unexpected '%s' after '}': expected a new line", n->text.ptr);
    }
    return 0;
}

static int cfg__parse_block(cfg__parser_t *p, const cfg_token_t *open, int depth, cfg_block_t *out);

/* Refuses "word{" as the last token of a line (see cfg_glued_brace). */
static int cfg__check_glued(cfg__parser_t *p, const cfg_token_t *t)
{
    if (!cfg_glued_brace(t)) return 0;
    const cfg_token_t *n;
    int rc = cfg_peek(&p->cur, &n);
    if (rc < 0) return -1;
    if (rc == 1 && !cfg__on_new_line(n)) return 0;
    return cfg_errorf(p->err, t, "'%s' ends with '{': put a space before the brace to open a "
                      "block, or quote the token", t->text.ptr);
}

static int cfg__parse_directive(cfg__parser_t *p, const cfg_token_t *name, int depth, cfg_directive_t *d)
{
    *d = (cfg_directive_t){ .name = *name };
    if (cfg_is_word(name, "{"))
        return cfg_errorf(p->err, name, "unexpected '{' at the start of a line: put it at the "
                          "end of the previous line");
    if (cfg__check_glued(p, name)) return -1;
    cfg__vec_t args = { 0 };
    const cfg_token_t *t;
    int rc;
    while ((rc = cfg_peek(&p->cur, &t)) == 1 && !cfg__on_new_line(t)) {
        cfg_next(&p->cur, &t);
        if (cfg_is_word(t, "{")) {
            if (depth >= CFG_MAX_NESTING) {
                rc = cfg_errorf(p->err, t, "blocks are nested more than %d deep", CFG_MAX_NESTING);
                break;
            }
            if ((rc = cfg__expect_line_end(p, "{"))) break;
            d->block = ifr_arena_calloc(p->a, 1, sizeof *d->block);
            if (!d->block) { rc = cfg__oom(p); break; }
            if ((rc = cfg__parse_block(p, t, depth + 1, d->block))) break;
            rc = cfg__expect_line_end(p, "}");
            break;
        }
        if (cfg_is_word(t, "}")) {
            rc = cfg_errorf(p->err, t, "unexpected '}' after '%s': a closing brace must be on "
                            "a line of its own", name->text.ptr);
            break;
        }
        if ((rc = cfg__check_glued(p, t))) break;
        if (cfg__vec_push(&args, t, sizeof *t)) { rc = cfg__oom(p); break; }
    }
    if (rc > 0) rc = 0;
    /* An unquoted {} ending the line is almost always a block left empty
     * on one line; Caddy refuses it too. */
    if (rc == 0 && args.n && cfg_is_word(&((cfg_token_t *)args.items)[args.n - 1], "{}") && !d->block)
        rc = cfg_errorf(p->err, &((cfg_token_t *)args.items)[args.n - 1],
                        "unexpected '{}' at the end of the line: open a block with '{' and "
                        "close it on its own line, or quote it");
    void *items;
    if (cfg__vec_finish(&args, p->a, sizeof(cfg_token_t), &items) && rc == 0) rc = cfg__oom(p);
    d->args = items;
    d->nargs = args.n;
    return rc;
}

/* Directives up to the "}" matching open, or to the end of the input when
 * open is NULL (a site written without braces). */
static int cfg__parse_block(cfg__parser_t *p, const cfg_token_t *open, int depth, cfg_block_t *out)
{
    *out = (cfg_block_t){ .open = open };
    cfg__vec_t items = { 0 };
    const cfg_token_t *t;
    int rc;
    while ((rc = cfg_next(&p->cur, &t)) == 1) {
        if (cfg_is_word(t, "}")) {
            if (!open) { rc = cfg_errorf(p->err, t, "unexpected '}': no block is open"); break; }
            out->close = t;
            break;
        }
        cfg_directive_t d;
        if ((rc = cfg__parse_directive(p, t, depth, &d))) break;
        if (cfg__vec_push(&items, &d, sizeof d)) { rc = cfg__oom(p); break; }
    }
    if (rc == 0 && open)
        rc = cfg_errorf(p->err, open, "this '{' is never closed: expected '}'");
    if (rc > 0) rc = 0;
    void *arr;
    if (cfg__vec_finish(&items, p->a, sizeof(cfg_directive_t), &arr) && rc == 0) rc = cfg__oom(p);
    out->items = arr;
    out->count = items.n;
    return rc;
}

static bool cfg__is_snippet_name(ifr_str_t s)
{
    return s.len > 2 && s.ptr[0] == '(' && s.ptr[s.len - 1] == ')';
}

/* Addresses as Caddy reads them: separated by spaces and/or commas; a
 * trailing comma continues the list on the next line; "{" ends it. */
static int cfg__parse_keys(cfg__parser_t *p, const cfg_token_t *t, cfg__vec_t *keys, const cfg_token_t **open)
{
    bool expecting = false;
    *open = NULL;
    for (;;) {
        if (cfg_is_word(t, "{")) {
            if (expecting) return cfg_errorf(p->err, t, "expected another address after ','");
            *open = t;
            return 0;
        }
        if (cfg_is_word(t, "}")) return cfg_errorf(p->err, t, "unexpected '}': no block is open");
        cfg_token_t key = *t;
        if (!cfg_token_is_literal(t) && key.text.len && key.text.ptr[0] == '@')
            return cfg_errorf(p->err, t, "matcher '%s' must be defined inside a site block",
                              key.text.ptr);
        if (!cfg_token_is_literal(t) && key.text.len > 1 && key.text.ptr[key.text.len - 1] == '{')
            return cfg_errorf(p->err, t, "site address '%s' ends with '{': put a space before "
                              "the brace", key.text.ptr);
        expecting = key.text.len && key.text.ptr[key.text.len - 1] == ',';
        if (expecting) {
            char *s = ifr_arena_strndup(p->a, key.text.ptr, key.text.len - 1);
            if (!s) return cfg__oom(p);
            key.text = ifr_str(s, key.text.len - 1);
        }
        if (key.text.len && cfg__vec_push(keys, &key, sizeof key)) return cfg__oom(p);
        const cfg_token_t *n;
        int rc = cfg_peek(&p->cur, &n);
        if (rc < 0) return -1;
        if (rc == 0) {
            if (expecting) return cfg_errorf(p->err, t, "expected another address after ','");
            return 0;
        }
        if (!expecting && cfg__on_new_line(n) && !cfg_is_word(n, "{")) return 0;
        cfg_next(&p->cur, &t);
    }
}

static bool cfg__is_route_name(ifr_str_t s)
{
    return s.len > 3 && s.ptr[0] == '&' && s.ptr[1] == '(' && s.ptr[s.len - 1] == ')';
}

static int cfg__parse_site(cfg__parser_t *p, const cfg_token_t *first, cfg__vec_t *sites, cfg__vec_t *routes)
{
    cfg__vec_t keys = { 0 };
    const cfg_token_t *open;
    int rc = cfg__parse_keys(p, first, &keys, &open);
    cfg_token_t *k = keys.items;
    if (rc == 0 && keys.n == 0) rc = cfg_errorf(p->err, first, "expected a site address");
    for (size_t i = 0; rc == 0 && i < keys.n; i++) {
        if (cfg__is_snippet_name(k[i].text) && keys.n > 1)
            rc = cfg_errorf(p->err, &k[i], "a snippet is defined alone: '%s' cannot share its "
                            "line with other addresses", k[i].text.ptr);
        else if (k[i].text.len > 1 && k[i].text.ptr[0] == '&' && k[i].text.ptr[1] == '(' &&
                 (keys.n > 1 || !cfg__is_route_name(k[i].text)))
            rc = cfg_errorf(p->err, &k[i], "a named route is defined alone, as &(name): '%s'", k[i].text.ptr);
    }
    bool named_route = rc == 0 && cfg__is_route_name(k[0].text);
    if (named_route && !open)
        rc = cfg_errorf(p->err, &k[0], "named route %s: expected '{' after its name", k[0].text.ptr);
    if (rc == 0 && cfg__is_snippet_name(k[0].text)) {
        cfg_token_t *name = ifr_arena_alloc(p->a, sizeof *name);
        if (!name) rc = cfg__oom(p);
        else if (!open) {
            *name = k[0];
            rc = cfg_errorf(p->err, name, "snippet %s: expected '{' after its name", name->text.ptr);
        } else {
            *name = k[0];
            rc = cfg_define_snippet(&p->cur, name, open);
        }
        free(keys.items);
        return rc;
    }
    cfg_site_t site = { 0 };
    if (rc == 0 && open && !(rc = cfg__expect_line_end(p, "{"))) {
        if (!(rc = cfg__parse_block(p, open, 1, &site.body))) rc = cfg__expect_line_end(p, "}");
    } else if (rc == 0) {
        rc = cfg__parse_block(p, NULL, 1, &site.body);
    }
    void *arr;
    if (cfg__vec_finish(&keys, p->a, sizeof(cfg_token_t), &arr) && rc == 0) rc = cfg__oom(p);
    site.keys = arr;
    site.nkeys = keys.n;
    if (named_route) {
        for (size_t i = 0; rc == 0 && i < routes->n; i++)
            if (ifr_str_eq(((cfg_site_t *)routes->items)[i].keys[0].text, site.keys[0].text))
                rc = cfg_errorf(p->err, &site.keys[0], "named route %s is defined twice", site.keys[0].text.ptr);
    }
    if (rc == 0 && cfg__vec_push(named_route ? routes : sites, &site, sizeof site)) rc = cfg__oom(p);
    return rc;
}

static int cfg__parse_document(cfg__parser_t *p, cfg_doc_t *doc)
{
    const cfg_token_t *t;
    int rc = cfg_peek(&p->cur, &t);
    if (rc == 1 && cfg_is_word(t, "{")) {
        cfg_next(&p->cur, &t);
        doc->global = ifr_arena_calloc(p->a, 1, sizeof *doc->global);
        if (!doc->global) return cfg__oom(p);
        if ((rc = cfg__expect_line_end(p, "{"))) return rc;
        if ((rc = cfg__parse_block(p, t, 1, doc->global))) return rc;
        if ((rc = cfg__expect_line_end(p, "}"))) return rc;
    }
    if (rc < 0) return -1;
    cfg__vec_t sites = { 0 }, routes = { 0 };
    while ((rc = cfg_next(&p->cur, &t)) == 1) {
        if (cfg_is_word(t, "{")) {
            rc = cfg_errorf(p->err, t, "unexpected '{': expected a site address (a global "
                            "options block may only come first)");
            break;
        }
        if ((rc = cfg__parse_site(p, t, &sites, &routes))) break;
    }
    if (rc > 0) rc = 0;
    void *arr;
    if (cfg__vec_finish(&sites, p->a, sizeof(cfg_site_t), &arr) && rc == 0) rc = cfg__oom(p);
    doc->sites = arr;
    doc->nsites = sites.n;
    if (cfg__vec_finish(&routes, p->a, sizeof(cfg_site_t), &arr) && rc == 0) rc = cfg__oom(p);
    doc->routes = arr;
    doc->nroutes = routes.n;
    if (rc == 0) rc = cfg_check_site_keys(doc, p->err);
    return rc;
}

static int cfg__parse_tokens(ifr_arena_t *a, const cfg_toks_t *toks, const char *file, uint64_t dev,
                        uint64_t ino, const cfg_parse_opts_t *opts, cfg_doc_t **out,
                        cfg_error_t *err)
{
    cfg__parser_t p = { .a = a, .err = err };
    cfg_cursor_init(&p.cur, a, opts, err, toks->toks, toks->count, file, dev, ino);
    cfg_doc_t *doc = ifr_arena_calloc(a, 1, sizeof *doc);
    if (!doc) return cfg__oom(&p);
    if (cfg__parse_document(&p, doc)) return -1;
    *out = doc;
    return 0;
}

int cfg_parse_text(ifr_arena_t *a, const char *text, size_t len, const char *filename,
                   const cfg_parse_opts_t *opts, cfg_doc_t **out, cfg_error_t *err)
{
    const char *file = filename ? ifr_arena_strndup(a, filename, strlen(filename)) : "<input>";
    if (!file) return cfg_errorf(err, NULL, "out of memory");
    cfg_lex_opts_t lo = { .substitute_env = true, .env = opts ? opts->env : NULL,
                           .env_ud = opts ? opts->env_ud : NULL };
    cfg_toks_t toks;
    if (cfg_lex(a, text, len, file, &lo, &toks, err)) return -1;
    return cfg__parse_tokens(a, &toks, file, 0, 0, opts, out, err);
}

int cfg_parse_file(ifr_arena_t *a, const char *path, const cfg_parse_opts_t *opts,
                   cfg_doc_t **out, cfg_error_t *err)
{
    char why[200];
    char *text;
    size_t len;
    uint64_t dev, ino;
    const char *file = ifr_arena_strndup(a, path, strlen(path));
    if (!file) return cfg_errorf(err, NULL, "out of memory");
    if (cfg_read_file(a, path, CFG_MAX_FILE_SIZE, &text, &len, &dev, &ino, why, sizeof why))
        return cfg_errorf_at(err, path, 0, 0, "cannot read the Caddyfile: %s", why);
    cfg_lex_opts_t lo = { .substitute_env = true, .env = opts ? opts->env : NULL,
                           .env_ud = opts ? opts->env_ud : NULL };
    cfg_toks_t toks;
    if (cfg_lex(a, text, len, file, &lo, &toks, err)) return -1;
    return cfg__parse_tokens(a, &toks, file, dev, ino, opts, out, err);
}
