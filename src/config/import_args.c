/* {args[...]} in imported snippets and files, as Caddy has them:
 *   {args[0]}  {args.0}   the first import argument, anywhere in a token
 *                         (empty when there is no such argument)
 *   {args[:]} {args[1:]} {args[:2]} {args[1:3]}
 *                         a range of arguments, each its own token; must
 *                         be a whole token
 *   {block}               the import's block (Caddy 2.9), a whole token
 *   {blocks.NAME}         the contents of NAME { ... } in that block
 */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "config/dispense.h"
#include "config/lex.h"
#include "config/source.h"

typedef struct {
    size_t len;        /* bytes of the placeholder, 0 if none here */
    bool range;
    size_t from, to;   /* [from, to) for ranges; from for single */
} cfg__arg_ref_t;

/* Reads a decimal index (bounded so it cannot overflow). */
static size_t cfg__ref_number(const char *p, const char *end, const char **after)
{
    uint64_t v;
    *after = p + ifr_str_digits(ifr_str(p, (size_t)(end - p)), &v, NULL);
    return v < 10000000 ? (size_t)v : 10000000;
}

/* Recognizes a placeholder at p; nargs bounds open ranges. */
static cfg__arg_ref_t cfg__ref_at(const char *p, const char *end, size_t nargs)
{
    cfg__arg_ref_t r = { 0 };
    const char *q;
    if ((size_t)(end - p) > 7 && memcmp(p, "{args.", 6) == 0 && p[6] >= '0' && p[6] <= '9') {
        r.from = cfg__ref_number(p + 6, end, &q);
        if (q < end && *q == '}') r.len = (size_t)(q + 1 - p);
        return r;
    }
    if ((size_t)(end - p) < 8 || memcmp(p, "{args[", 6) != 0) return r;
    q = p + 6;
    bool has_from = q < end && *q >= '0' && *q <= '9';
    size_t from = cfg__ref_number(q, end, &q);
    if (q < end && *q == ']') {
        if (!has_from || q + 1 >= end || q[1] != '}') return r;
        r.from = from;
        r.len = (size_t)(q + 2 - p);
        return r;
    }
    if (q >= end || *q != ':') return r;
    q++;
    bool has_to = q < end && *q >= '0' && *q <= '9';
    size_t to = has_to ? cfg__ref_number(q, end, &q) : nargs;
    if (q + 1 >= end || q[0] != ']' || q[1] != '}') return r;
    r.range = true;
    r.from = from < nargs ? from : nargs;
    r.to = to < nargs ? to : nargs;
    if (r.to < r.from) r.to = r.from;
    r.len = (size_t)(q + 2 - p);
    return r;
}

typedef struct {
    ifr_arena_t *a;
    cfg_error_t *err;
    cfg_token_t *out;
    size_t n, cap, budget;
} cfg__subst_t;

static int cfg__subst_push(cfg__subst_t *s, const cfg_token_t *t)
{
    if (s->n == s->budget)
        return cfg_errorf_at(s->err, t->file, t->line, t->col,
                              "imports expand to more than %d tokens", CFG_MAX_TOKENS);
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        cfg_token_t *o = realloc(s->out, cap * sizeof *o);
        if (!o) return cfg_errorf_at(s->err, t->file, t->line, t->col, "out of memory");
        s->out = o;
        s->cap = cap;
    }
    s->out[s->n++] = *t;
    return 0;
}

/* Replaces single placeholders inside t's text; a range is only allowed
 * as the whole token (handled by the caller). */
static int cfg__subst_text(cfg__subst_t *s, cfg_token_t *t, const cfg_token_t *args, size_t nargs)
{
    const char *p = t->text.ptr, *end = p + t->text.len;
    if (!memchr(p, '{', t->text.len)) return 0;
    ifr_buf_t b = IFR_BUF_INIT;
    const char *copied = p;
    int rc = 0;
    for (const char *q = p; q < end; q++) {
        if (*q != '{') continue;
        cfg__arg_ref_t r = cfg__ref_at(q, end, nargs);
        if (!r.len) continue;
        if (r.range) {
            rc = cfg_errorf_at(s->err, t->file, t->line, t->col,
                                "%.*s: an argument range must be a whole token",
                                (int)r.len, q);
            break;
        }
        ifr_str_t v = r.from < nargs ? args[r.from].text : IFR_LIT("");
        if (ifr_buf_append(&b, copied, (size_t)(q - copied)) < 0 || ifr_buf_append_str(&b, v) < 0) {
            rc = cfg_errorf_at(s->err, t->file, t->line, t->col, "out of memory");
            break;
        }
        q += r.len - 1;
        copied = q + 1;
    }
    if (rc == 0 && copied != p) {
        char *text = NULL;
        if (ifr_buf_append(&b, copied, (size_t)(end - copied)) == 0)
            text = ifr_arena_strndup(s->a, b.data ? b.data : "", b.len);
        if (!text) rc = cfg_errorf_at(s->err, t->file, t->line, t->col, "out of memory");
        else t->text = ifr_str(text, b.len);
    }
    ifr_buf_free(&b);
    return rc;
}

/* The part of an import's block {blocks.NAME} stands for: the contents
 * of a top-level `NAME {` ... `}` in it; none when there is no such line. */
static void cfg__named_block(const cfg_import_args_t *ia, ifr_str_t name, const cfg_token_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t depth = 0;
    for (size_t i = 0; i < ia->nblock; i++) {
        const cfg_token_t *t = &ia->block[i];
        if (cfg_is_word(t, "{")) { depth++; continue; }
        if (cfg_is_word(t, "}")) { if (depth) depth--; continue; }
        /* The brace may end NAME's line or stand alone below it, as the
         * parser takes it (so `ifrit fmt` moving it changes nothing). */
        if (depth || !(t->flags & CFG_TOK_LINE_START) || cfg_token_is_literal(t) || !ifr_str_eq(t->text, name) ||
            i + 1 >= ia->nblock || !cfg_is_word(&ia->block[i + 1], "{"))
            continue;
        size_t k = i + 2, d = 1;
        for (; k < ia->nblock; k++) {
            if (cfg_is_word(&ia->block[k], "{")) d++;
            else if (cfg_is_word(&ia->block[k], "}") && --d == 0) break;
        }
        *out = ia->block + i + 2;
        *n = k - (i + 2);
        return;
    }
}

/* If toks[i] starts a snippet definition "(name) {", returns the index
 * just past its closing brace (or n when unclosed); else 0. */
static size_t cfg__snippet_end(const cfg_token_t *toks, size_t n, size_t i)
{
    const cfg_token_t *t = &toks[i];
    if (cfg_token_is_literal(t) || t->text.len < 3 || t->text.ptr[0] != '(' ||
        t->text.ptr[t->text.len - 1] != ')')
        return 0;
    if (i + 1 >= n || !cfg_is_word(&toks[i + 1], "{") || (toks[i + 1].flags & CFG_TOK_LINE_START))
        return 0;
    size_t depth = 0;
    for (size_t k = i + 1; k < n; k++) {
        if (cfg_is_word(&toks[k], "{")) depth++;
        else if (cfg_is_word(&toks[k], "}") && --depth == 0) return k + 1;
    }
    return n;
}

int cfg_substitute_args(ifr_arena_t *a, const cfg_token_t *toks, size_t n,
                         const cfg_import_args_t *ia, size_t budget,
                         cfg_token_t **out, size_t *outn, cfg_error_t *err)
{
    const cfg_token_t *args = ia->args;
    size_t nargs = ia->nargs;
    cfg__subst_t s = { a, err, NULL, 0, 0, budget };
    bool line_start = true; /* the import's first token starts a line */
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        cfg_token_t t = toks[i];
        if (t.flags & CFG_TOK_LINE_START) line_start = true;
        /* A snippet defined in an imported file keeps its placeholders for
         * its own imports (as in Caddy): copy the definition as it is. */
        size_t end = line_start ? cfg__snippet_end(toks, n, i) : 0;
        if (end) {
            for (; i < end && rc == 0; i++) {
                t = toks[i];
                if (line_start) t.flags |= CFG_TOK_LINE_START;
                line_start = false;
                rc = cfg__subst_push(&s, &t);
            }
            i--;
            continue;
        }
        if (!cfg_token_is_literal(&t) && (ifr_str_eq_cstr(t.text, "{block}") ||
                                          (ifr_str_starts_with(t.text, IFR_LIT("{blocks.")) && t.text.len > 9 &&
                                           t.text.ptr[t.text.len - 1] == '}'))) {
            const cfg_token_t *b = ia->block;
            size_t nb = ia->nblock;
            if (t.text.ptr[6] == 's') cfg__named_block(ia, ifr_str_sub(t.text, 8, t.text.len - 1), &b, &nb);
            for (size_t k = 0; k < nb && rc == 0; k++) rc = cfg__subst_push(&s, &b[k]);
            line_start = false;
            continue;
        }
        cfg__arg_ref_t r = cfg__ref_at(t.text.ptr, t.text.ptr + t.text.len, nargs);
        if (r.range && r.len == t.text.len) {
            /* Each argument becomes a token where the user wrote it. */
            for (size_t k = r.from; k < r.to && rc == 0; k++) {
                cfg_token_t v = args[k];
                v.flags = (v.flags & ~(unsigned)CFG_TOK_LINE_START) |
                          (line_start ? CFG_TOK_LINE_START : 0);
                line_start = false;
                rc = cfg__subst_push(&s, &v);
            }
            continue;
        }
        if ((rc = cfg__subst_text(&s, &t, args, nargs))) break;
        t.flags = (t.flags & ~(unsigned)CFG_TOK_LINE_START) | (line_start ? CFG_TOK_LINE_START : 0);
        line_start = false;
        rc = cfg__subst_push(&s, &t);
    }
    *out = NULL;
    *outn = 0;
    if (rc == 0 && s.n) {
        *out = ifr_arena_alloc(a, s.n * sizeof **out);
        if (!*out) rc = cfg_errorf_at(err, toks[0].file, toks[0].line, toks[0].col, "out of memory");
        else { memcpy(*out, s.out, s.n * sizeof **out); *outn = s.n; }
    }
    free(s.out);
    return rc;
}
