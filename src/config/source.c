/* The parser's token stream: a stack of sources with `import` expanded on
 * the fly (see source.h for the rules and limits). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/log.h"
#include "config/dispense.h"
#include "config/lex.h"
#include "config/source.h"

/* Bytes all imported files together may add (each one is also capped). */
#define CFG__MAX_IMPORT_BYTES (64u << 20)

void cfg_cursor_init(cfg_cursor_t *c, ifr_arena_t *a, const cfg_parse_opts_t *opts,
                      cfg_error_t *err, const cfg_token_t *toks, size_t n, const char *file,
                      uint64_t dev, uint64_t ino)
{
    static const cfg_parse_opts_t defaults = { 0 };
    *c = (cfg_cursor_t){ .a = a, .opts = opts ? opts : &defaults, .err = err,
                          .budget_tokens = CFG_MAX_TOKENS > n ? CFG_MAX_TOKENS - n : 0,
                          .budget_bytes = CFG__MAX_IMPORT_BYTES };
    c->stack[0] = (cfg_src_t){ .toks = toks, .n = n, .what = file, .is_file = dev || ino,
                                .dev = dev, .ino = ino };
    c->depth = 1;
}

static int cfg__src_fail(cfg_cursor_t *c, const cfg_token_t *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int cfg__src_fail(cfg_cursor_t *c, const cfg_token_t *at, const char *fmt, ...)
{
    char msg[sizeof c->err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cfg_errorf(c->err, at, "%s", msg);
}

static const cfg_snippet_t *cfg__find_snippet(const cfg_cursor_t *c, ifr_str_t name)
{
    for (const cfg_snippet_t *s = c->snippets; s; s = s->next)
        if (ifr_str_eq(s->key, name)) return s;
    return NULL;
}

/* Pushes toks (already substituted) as a new source. */
static int cfg__push_source(cfg_cursor_t *c, const cfg_token_t *at, cfg_src_t src)
{
    if (c->depth > CFG_MAX_IMPORT_DEPTH)
        return cfg__src_fail(c, at, "imports are nested more than %d deep", CFG_MAX_IMPORT_DEPTH);
    if (src.n > c->budget_tokens)
        return cfg__src_fail(c, at, "imports expand to more than %d tokens", CFG_MAX_TOKENS);
    c->budget_tokens -= src.n;
    c->stack[c->depth++] = src;
    return 0;
}

static int cfg__import_snippet(cfg_cursor_t *c, const cfg_token_t *at, const cfg_snippet_t *s,
                          const cfg_import_args_t *args)
{
    for (int i = 0; i < c->depth; i++)
        if (c->stack[i].snippet == s)
            return cfg__src_fail(c, at, "import cycle: snippet '%.*s' imports itself", (int)s->key.len,
                            s->key.ptr);
    cfg_token_t *toks;
    size_t n;
    if (cfg_substitute_args(c->a, s->toks, s->n, args, c->budget_tokens, &toks, &n, c->err))
        return -1;
    const char *what = ifr_arena_printf(c->a, "snippet '%.*s'", (int)s->key.len, s->key.ptr);
    return cfg__push_source(c, at, (cfg_src_t){ .toks = toks, .n = n, .what = what, .snippet = s });
}

static int cfg__import_file(cfg_cursor_t *c, const cfg_token_t *at, const char *path,
                       const cfg_import_args_t *args)
{
    char why[200];
    char *text;
    size_t len;
    uint64_t dev, ino;
    size_t max = c->budget_bytes < CFG_MAX_FILE_SIZE ? c->budget_bytes : CFG_MAX_FILE_SIZE;
    if (c->opts->on_import) c->opts->on_import(c->opts->on_import_ud, path);
    if (cfg_read_file(c->a, path, max, &text, &len, &dev, &ino, why, sizeof why))
        return cfg__src_fail(c, at, "import '%s': %s", path, why);
    c->budget_bytes -= len;
    for (int i = 0; i < c->depth; i++)
        if (c->stack[i].is_file && c->stack[i].dev == dev && c->stack[i].ino == ino)
            return cfg__src_fail(c, at, "import cycle: '%s' is already being imported", path);
    cfg_lex_opts_t lo = { .substitute_env = true, .env = c->opts->env, .env_ud = c->opts->env_ud };
    cfg_toks_t lexed;
    if (cfg_lex(c->a, text, len, path, &lo, &lexed, c->err)) return -1;
    cfg_token_t *toks;
    size_t n;
    if (cfg_substitute_args(c->a, lexed.toks, lexed.count, args, c->budget_tokens, &toks,
                             &n, c->err))
        return -1;
    return cfg__push_source(c, at, (cfg_src_t){ .toks = toks, .n = n, .what = path, .is_file = true,
                                            .dev = dev, .ino = ino });
}

/* Pushes paths[0] of a glob's n matches; the others wait on its source and
 * replace it one by one when it ends (next_token). */
static int cfg__import_glob_file(cfg_cursor_t *c, const cfg_token_t *at, char **paths, size_t n,
                            const cfg_import_args_t *args)
{
    cfg_import_args_t keep = *args;   /* args may live in the source this replaces */
    if (cfg__import_file(c, at, paths[0], &keep)) return -1;
    cfg_src_t *top = &c->stack[c->depth - 1];
    top->glob_rest = paths + 1;
    top->glob_left = n - 1;
    top->glob_at = at;
    top->glob_args = keep;
    return 0;
}

static int cfg__import_glob(cfg_cursor_t *c, const cfg_token_t *at, const char *pattern,
                       const cfg_import_args_t *args)
{
    char why[200];
    char **paths;
    size_t n;
    if (cfg_glob(c->a, pattern, &paths, &n, why, sizeof why))
        return cfg__src_fail(c, at, "import '%s': %s", pattern, why);
    if (n == 0) {
        ifr_log_warn("config", "%s:%d:%d: no files matching import glob pattern '%s'", at->file,
                     at->line, at->col, at->text.ptr);
        return 0;
    }
    return cfg__import_glob_file(c, at, paths, n, args);
}

static int cfg__suggest_snippet(cfg_cursor_t *c, const cfg_token_t *name, const char *why)
{
    const char *names[64];
    size_t k = 0;
    for (const cfg_snippet_t *s = c->snippets; s && k < 64; s = s->next) names[k++] = s->name->text.ptr;
    /* snippet names are stored with their parentheses: compare likewise */
    char want[160];
    snprintf(want, sizeof want, "(%.*s)", (int)(name->text.len < 150 ? name->text.len : 150),
             name->text.ptr);
    const char *close = cfg_closest(ifr_cstr(want), names, k);
    if (close)
        return cfg__src_fail(c, name, "import '%s': no snippet by that name and no such file (%s); "
                        "did you mean snippet '%.*s'?", name->text.ptr, why,
                        (int)strlen(close) - 2, close + 1);
    return cfg__src_fail(c, name, "import '%s': no snippet by that name and no such file (%s)",
                    name->text.ptr, why);
}

/* `import NAME args...` at the current position of the top source. */
static int cfg__do_import(cfg_cursor_t *c, const cfg_token_t *kw)
{
    cfg_src_t *top = &c->stack[c->depth - 1];
    const cfg_token_t *args = top->toks + top->pos;
    size_t nargs = 0;
    while (top->pos < top->n && !(top->toks[top->pos].flags & CFG_TOK_LINE_START)) {
        top->pos++;
        nargs++;
    }
    if (nargs == 0) return cfg__src_fail(c, kw, "import: expected a snippet name or a file path");
    const cfg_token_t *name = &args[0];
    cfg_import_args_t ia = { args + 1, nargs - 1, NULL, 0 };
    if (nargs > 1 && cfg_is_word(&args[nargs - 1], "{")) {
        /* A block for {block} and {blocks.NAME}: the tokens up to the
         * matching brace, which must end its line. */
        const cfg_token_t *open = &args[nargs - 1];
        size_t start = top->pos, depth = 1, i = start;
        for (; i < top->n; i++) {
            if (cfg_is_word(&top->toks[i], "{")) depth++;
            else if (cfg_is_word(&top->toks[i], "}") && --depth == 0) break;
        }
        if (i == top->n) return cfg__src_fail(c, open, "import: this '{' is never closed: expected '}'");
        if (i + 1 < top->n && !(top->toks[i + 1].flags & CFG_TOK_LINE_START))
            return cfg__src_fail(c, &top->toks[i + 1], "unexpected '%s' after '}': expected a new line",
                                 top->toks[i + 1].text.ptr);
        ia = (cfg_import_args_t){ args + 1, nargs - 2, top->toks + start, i - start };
        top->pos = i + 1;
        nargs--;
    }
    /* A brace among the arguments is a layout mistake (a block closed on
     * the import's line), not an argument: quote it to pass one. */
    for (size_t i = 0; i < nargs; i++)
        if (cfg_is_word(&args[i], "{") || cfg_is_word(&args[i], "}"))
            return cfg__src_fail(c, &args[i], "import: unexpected '%s' (a brace must be on a line of "
                            "its own; quote it to pass it as an argument)", args[i].text.ptr);
    const cfg_snippet_t *s = cfg__find_snippet(c, name->text);
    if (s) return cfg__import_snippet(c, name, s, &ia);
    if (c->opts->no_file_imports)
        return cfg__src_fail(c, name, "import '%s': no snippet by that name (file imports are disabled)",
                        name->text.ptr);
    char *path = cfg_path_relative_to(c->a, name->file, name->text.ptr);
    if (!path) return cfg__src_fail(c, name, "out of memory");
    if (cfg_has_wildcard(name->text.ptr)) return cfg__import_glob(c, name, path, &ia);
    /* Tell a missing file apart from a misspelt snippet before reading. */
    struct stat st;
    if (stat(path, &st) < 0 && errno == ENOENT) return cfg__suggest_snippet(c, name, strerror(ENOENT));
    return cfg__import_file(c, name, path, &ia);
}

static int cfg__next_token(cfg_cursor_t *c, const cfg_token_t **out)
{
    for (;;) {
        cfg_src_t *top = &c->stack[c->depth - 1];
        if (top->pos == top->n) {
            if (c->depth == 1) return 0;
            c->depth--;
            if (top->glob_left &&
                cfg__import_glob_file(c, top->glob_at, top->glob_rest, top->glob_left, &top->glob_args))
                return -1;
            continue;
        }
        const cfg_token_t *t = &top->toks[top->pos++];
        if ((t->flags & CFG_TOK_LINE_START) && cfg_is_word(t, "import")) {
            if (cfg__do_import(c, t)) return -1;
            continue;
        }
        *out = t;
        return 1;
    }
}

int cfg_peek(cfg_cursor_t *c, const cfg_token_t **out)
{
    if (!c->peeked) {
        int rc = cfg__next_token(c, &c->peeked);
        if (rc <= 0) { c->peeked = NULL; return rc; }
    }
    *out = c->peeked;
    return 1;
}

int cfg_next(cfg_cursor_t *c, const cfg_token_t **out)
{
    int rc = cfg_peek(c, out);
    c->peeked = NULL;
    return rc;
}

int cfg_define_snippet(cfg_cursor_t *c, const cfg_token_t *name, const cfg_token_t *open)
{
    ifr_str_t key = ifr_str_sub(name->text, 1, name->text.len - 1);
    if (cfg__find_snippet(c, key))
        return cfg__src_fail(c, name, "snippet '%.*s' is already defined", (int)key.len, key.ptr);
    /* The body is the rest of the source the brace came from, up to the
     * matching brace: imports inside stay unexpanded until it is used. */
    cfg_src_t *top = &c->stack[c->depth - 1];
    size_t start = top->pos, depth = 1, i = start;
    if (i < top->n && !(top->toks[i].flags & CFG_TOK_LINE_START))
        return cfg__src_fail(c, &top->toks[i], "unexpected '%s' after '{': a block's contents start "
                        "on the next line", top->toks[i].text.ptr);
    for (; i < top->n; i++) {
        if (cfg_is_word(&top->toks[i], "{")) depth++;
        else if (cfg_is_word(&top->toks[i], "}") && --depth == 0) break;
    }
    if (i == top->n)
        return cfg__src_fail(c, open, "snippet '%.*s' is not closed: expected '}' for this '{'",
                        (int)key.len, key.ptr);
    cfg_snippet_t *s = ifr_arena_calloc(c->a, 1, sizeof *s);
    if (!s) return cfg__src_fail(c, name, "out of memory");
    *s = (cfg_snippet_t){ name, key, top->toks + start, i - start, c->snippets };
    c->snippets = s;
    top->pos = i + 1;
    if (top->pos < top->n && !(top->toks[top->pos].flags & CFG_TOK_LINE_START))
        return cfg__src_fail(c, &top->toks[top->pos], "unexpected '%s' after '}': expected a new line",
                        top->toks[top->pos].text.ptr);
    return 0;
}
