/* The Caddyfile lexer; the rules are listed in lex.h. Works on the text
 * after {$VAR} substitution and maps every token back to its place in the
 * original text. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "config/lex.h"

typedef struct {
    const char *s;                /* text being tokenized (after substitution) */
    size_t n, i;
    const cfg_expanded_t *map;   /* NULL when s is the original text */
    const char *src;              /* the original text, for line/col */
    size_t src_len;
    size_t origin;                /* where tokens may start in src: after a BOM */
    size_t cur_off;               /* line/col cursor into src, moves forward */
    int cur_line, cur_col;
    const char *file;
    const cfg_lex_opts_t *o;
    ifr_arena_t *a;
    cfg_error_t *err;
    ifr_buf_t val;                /* the token being built */
    cfg_token_t *toks;            /* heap while lexing, copied to the arena at the end */
    cfg_raw_t *raw;
    size_t count, cap;
} cfg__lexer_t;

int cfg_errorf_at(cfg_error_t *err, const char *file, int line, int col, const char *fmt, ...)
{
    snprintf(err->file, sizeof err->file, "%s", file ? file : "<input>");
    err->line = line;
    err->col = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return -1;
}

static bool cfg__lx_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Whitespace that does not end a line. */
static bool cfg__lx_blank(char c)
{
    return c != '\n' && cfg__lx_space(c);
}

/* Line and column in the original text of byte i of s. Tokens are asked
 * for in order, so the cursor only walks forward (restarting if not). */
static void cfg__lx_pos(cfg__lexer_t *lx, size_t i, int *line, int *col)
{
    size_t off = lx->map ? cfg_expanded_src_off(lx->map, i) : i;
    if (off > lx->src_len) off = lx->src_len;
    if (off < lx->cur_off) { lx->cur_off = lx->origin; lx->cur_line = 1; lx->cur_col = 1; }
    for (; lx->cur_off < off; lx->cur_off++) {
        if (lx->src[lx->cur_off] == '\n') { lx->cur_line++; lx->cur_col = 1; }
        else lx->cur_col++;
    }
    *line = lx->cur_line;
    *col = lx->cur_col;
}

static int cfg__lx_fail(cfg__lexer_t *lx, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int cfg__lx_fail(cfg__lexer_t *lx, size_t at, const char *fmt, ...)
{
    int line, col;
    cfg__lx_pos(lx, at, &line, &col);
    char msg[sizeof lx->err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cfg_errorf_at(lx->err, lx->file, line, col, "%s", msg);
}

static int cfg__lx_oom(cfg__lexer_t *lx)
{
    return cfg_errorf_at(lx->err, lx->file, 0, 0, "out of memory while reading the Caddyfile");
}

/* Adds the token held in lx->val, written at s[start..end). */
static int cfg__lx_emit(cfg__lexer_t *lx, size_t start, size_t end, unsigned flags, int nl, bool cont,
                   bool comment)
{
    if (lx->count == CFG_MAX_TOKENS)
        return cfg__lx_fail(lx, start, "too many tokens (the limit is %d)", CFG_MAX_TOKENS);
    if (lx->count == lx->cap) {
        size_t cap = lx->cap ? lx->cap * 2 : 64;
        cfg_token_t *t = realloc(lx->toks, cap * sizeof *t);
        if (!t) return cfg__lx_oom(lx);
        lx->toks = t;
        cfg_raw_t *r = realloc(lx->raw, cap * sizeof *r);
        if (!r) return cfg__lx_oom(lx);
        lx->raw = r;
        lx->cap = cap;
    }
    cfg_token_t *t = &lx->toks[lx->count];
    char *text = ifr_arena_strndup(lx->a, lx->val.data ? lx->val.data : "", lx->val.len);
    if (!text) return cfg__lx_oom(lx);
    t->text = ifr_str(text, lx->val.len);
    t->file = lx->file;
    cfg__lx_pos(lx, start, &t->line, &t->col);
    t->flags = flags;
    lx->raw[lx->count] = (cfg_raw_t){ start, end - start, nl, cont, comment };
    lx->count++;
    ifr_buf_clear(&lx->val);
    return 0;
}

static int cfg__lx_put(cfg__lexer_t *lx, const char *p, size_t n)
{
    return ifr_buf_append(&lx->val, p, n) < 0 ? cfg__lx_oom(lx) : 0;
}

/* "double quoted": only \" is an escape; other backslashes stay, together
 * with the byte they precede (as Caddy reads them). */
static int cfg__lx_quoted(cfg__lexer_t *lx, size_t start)
{
    size_t i = start + 1;
    for (;;) {
        if (i >= lx->n)
            return cfg__lx_fail(lx, start, "unterminated quoted string: expected a closing '\"'");
        char c = lx->s[i];
        if (c == '"') break;
        if (c == '\\' && i + 1 < lx->n) {
            if (lx->s[i + 1] == '"') { if (cfg__lx_put(lx, "\"", 1)) return -1; }
            else if (cfg__lx_put(lx, lx->s + i, 2)) return -1;
            i += 2;
            continue;
        }
        if (cfg__lx_put(lx, &c, 1)) return -1;
        i++;
    }
    lx->i = i + 1;
    return 0;
}

static int cfg__lx_backtick(cfg__lexer_t *lx, size_t start)
{
    const char *end = memchr(lx->s + start + 1, '`', lx->n - start - 1);
    if (!end) return cfg__lx_fail(lx, start, "unterminated backtick string: expected a closing '`'");
    if (cfg__lx_put(lx, lx->s + start + 1, (size_t)(end - lx->s) - start - 1)) return -1;
    lx->i = (size_t)(end - lx->s) + 1;
    return 0;
}

static bool cfg__lx_marker_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
}

/* Is s[k..) the closing marker, i.e. MARK followed by a space or the end
 * of the line? */
static bool cfg__lx_closes_heredoc(const cfg__lexer_t *lx, size_t k, const char *mark, size_t mlen)
{
    if (lx->n - k < mlen || memcmp(lx->s + k, mark, mlen)) return false;
    return k + mlen == lx->n || cfg__lx_space(lx->s[k + mlen]);
}

/* Appends one body line (s[b..e)) without its padding and without CRs. */
static int cfg__lx_heredoc_line(cfg__lexer_t *lx, size_t b, size_t e, size_t padlen)
{
    for (size_t k = b + padlen; k < e; k++)
        if (lx->s[k] != '\r' && cfg__lx_put(lx, lx->s + k, 1)) return -1;
    return 0;
}

/* <<MARK\n ... \n<padding>MARK: start is the first '<', body the byte
 * after the marker's line break. */
static int cfg__lx_heredoc(cfg__lexer_t *lx, size_t start, size_t mark_at, size_t mlen, size_t body)
{
    const char *mark = lx->s + mark_at;
    size_t line = body;
    for (;;) {
        size_t k = line;
        while (k < lx->n && (lx->s[k] == ' ' || lx->s[k] == '\t')) k++;
        if (cfg__lx_closes_heredoc(lx, k, mark, mlen)) break;
        const char *nl = memchr(lx->s + line, '\n', lx->n - line);
        if (!nl)
            return cfg__lx_fail(lx, start, "heredoc <<%.*s is not closed: expected a line with %.*s",
                           (int)mlen, mark, (int)mlen, mark);
        line = (size_t)(nl - lx->s) + 1;
    }
    /* line is the closing line; its leading blanks are the padding. */
    size_t close = line, padlen = 0;
    while (lx->s[close + padlen] == ' ' || lx->s[close + padlen] == '\t') padlen++;
    const char *pad = lx->s + close;
    bool first = true;
    for (size_t b = body; b < close;) {
        size_t e = (size_t)((const char *)memchr(lx->s + b, '\n', close - b) - lx->s);
        bool blank = (e == b) || (e == b + 1 && lx->s[b] == '\r');
        if (!blank && (e - b < padlen || memcmp(lx->s + b, pad, padlen)))
            return cfg__lx_fail(lx, b, "heredoc <<%.*s: this line must start with the same "
                           "whitespace as the closing %.*s (%zu byte%s of tabs/spaces)",
                           (int)mlen, mark, (int)mlen, mark, padlen, padlen == 1 ? "" : "s");
        if (!first && cfg__lx_put(lx, "\n", 1)) return -1;
        first = false;
        if (!blank && cfg__lx_heredoc_line(lx, b, e, padlen)) return -1;
        b = e + 1;
    }
    lx->i = close + padlen + mlen;
    return 0;
}

static size_t cfg__lx_continuation(const cfg__lexer_t *lx, size_t i);

/* A token starting with "<<": a heredoc when the marker ends the line,
 * otherwise an ordinary word. Returns 1 when it was a heredoc. */
static int cfg__lx_try_heredoc(cfg__lexer_t *lx, size_t start)
{
    size_t j = start + 2;
    while (j < lx->n && !cfg__lx_space(lx->s[j])) j++;
    /* The marker must end its line. Trailing blanks are allowed (unlike
     * Caddy) so that fmt, which drops them, cannot turn a word into a
     * heredoc; for the same reason the end of the input counts as a line
     * end (and the heredoc is then unclosed). */
    size_t body = j, cont;
    while (body < lx->n && cfg__lx_blank(lx->s[body])) body++;
    if (body < lx->n && (cont = cfg__lx_continuation(lx, body))) body += cont; /* "<<END \" too */
    else if (body < lx->n && lx->s[body] != '\n') return 0;
    else if (body < lx->n) body++;
    size_t mark_at = start + 2, mlen = j - mark_at;
    if (mlen == 0)
        return cfg__lx_fail(lx, start, "expected a heredoc marker after '<<', like <<END");
    if (lx->s[mark_at] == '<')
        return cfg__lx_fail(lx, start, "too many '<' for a heredoc: write two, like <<END");
    for (size_t k = mark_at; k < j; k++)
        if (!cfg__lx_marker_char(lx->s[k]))
            return cfg__lx_fail(lx, start, "a heredoc marker may only contain letters, digits, "
                           "'-' and '_'; got '%.*s'", (int)mlen, lx->s + mark_at);
    return cfg__lx_heredoc(lx, start, mark_at, mlen, body) < 0 ? -1 : 1;
}

/* Is s[i] a backslash that continues the line? That is a backslash with
 * only blanks after it up to the line break (or the end of the input, so
 * that a formatter adding a final newline does not change the meaning).
 * Returns the bytes to skip, line break included; 0 if not. */
static size_t cfg__lx_continuation(const cfg__lexer_t *lx, size_t i)
{
    if (lx->s[i] != '\\') return 0;
    size_t k = i + 1;
    while (k < lx->n && cfg__lx_blank(lx->s[k])) k++;
    if (k == lx->n) return k - i;
    return lx->s[k] == '\n' ? k + 1 - i : 0;
}

/* An unquoted word. A backslash keeps itself and the byte after it (as
 * Caddy does), except before '<' (where it only stops a heredoc), before
 * a blank (dropped) and before a line break (a continuation, handled by
 * the caller). */
static int cfg__lx_word(cfg__lexer_t *lx, size_t i)
{
    size_t start = i;
    while (i < lx->n && !cfg__lx_space(lx->s[i])) {
        char c = lx->s[i];
        if (c == '\\') {
            if (cfg__lx_continuation(lx, i)) break;
            if (i + 1 < lx->n && lx->s[i + 1] == '<') { if (cfg__lx_put(lx, "<", 1)) return -1; i += 2; continue; }
            /* Before a blank a backslash escapes nothing and is dropped, so
             * no word ends with a lone backslash (which a line break after
             * it would turn into a continuation). */
            if (i + 1 < lx->n && cfg__lx_blank(lx->s[i + 1])) {
                if (i == start) i++; /* consumed here only when it is all there is */
                break;
            }
            if (cfg__lx_put(lx, "\\", 1)) return -1;
            i++;
            if (i < lx->n && !cfg__lx_space(lx->s[i])) { if (cfg__lx_put(lx, lx->s + i, 1)) return -1; i++; }
            continue;
        }
        if (cfg__lx_put(lx, &c, 1)) return -1;
        i++;
    }
    lx->i = i;
    return 0;
}

/* Returns 1 when a token was added, 0 when the text made none, -1 on error. */
static int cfg__lx_token(cfg__lexer_t *lx, int nl, bool cont)
{
    size_t start = lx->i;
    unsigned flags = (nl > 0 || lx->count == 0) ? CFG_TOK_LINE_START : 0;
    char c = lx->s[start];
    int rc;
    if (c == '"') { rc = cfg__lx_quoted(lx, start); flags |= CFG_TOK_QUOTED; }
    else if (c == '`') { rc = cfg__lx_backtick(lx, start); flags |= CFG_TOK_BACKTICK; }
    else if (c == '<' && start + 1 < lx->n && lx->s[start + 1] == '<') {
        rc = cfg__lx_try_heredoc(lx, start);
        if (rc == 1) flags |= CFG_TOK_HEREDOC;
        else if (rc == 0) rc = cfg__lx_word(lx, start);
    } else rc = cfg__lx_word(lx, start);
    if (rc < 0) return -1;
    /* a lone "\ " makes no token */
    if (!(flags & (CFG_TOK_QUOTED | CFG_TOK_BACKTICK | CFG_TOK_HEREDOC)) && lx->val.len == 0) return 0;
    return cfg__lx_emit(lx, start, lx->i, flags, nl, cont, false) < 0 ? -1 : 1;
}

/* A comment runs to the end of the line; trailing blanks are dropped. */
static int cfg__lx_comment(cfg__lexer_t *lx, int nl, bool cont)
{
    size_t start = lx->i, end = start;
    while (end < lx->n && lx->s[end] != '\n') end++;
    lx->i = end;
    if (!lx->o->keep_comments) return 0;
    while (end > start && cfg__lx_space(lx->s[end - 1])) end--;
    if (cfg__lx_put(lx, lx->s + start, end - start)) return -1;
    unsigned flags = (nl > 0 || lx->count == 0) ? CFG_TOK_LINE_START : 0;
    return cfg__lx_emit(lx, start, end, flags, nl, cont, true);
}

static int cfg__lx_run(cfg__lexer_t *lx)
{
    const char *nul = lx->n ? memchr(lx->s, '\0', lx->n) : NULL;
    if (nul) return cfg__lx_fail(lx, (size_t)(nul - lx->s), "unexpected NUL byte");
    int nl = 0;
    bool cont = false;
    while (lx->i < lx->n) {
        char c = lx->s[lx->i];
        size_t k;
        if (c == '\n') { nl++; lx->i++; }
        else if (cfg__lx_space(c)) lx->i++;
        else if ((k = cfg__lx_continuation(lx, lx->i))) { cont = true; lx->i += k; }
        else if (c == '#') {
            /* a comment ends at its line break, which still counts */
            if (cfg__lx_comment(lx, nl, cont)) return -1;
            if (lx->o->keep_comments) { nl = 0; cont = false; }
        } else {
            int made = cfg__lx_token(lx, nl, cont); /* 1: a token, 0: none */
            if (made < 0) return -1;
            if (made) { nl = 0; cont = false; }
        }
    }
    return 0;
}

bool cfg_has_bom(const char *text, size_t len)
{
    return len >= CFG_BOM_LEN && memcmp(text, "\xef\xbb\xbf", CFG_BOM_LEN) == 0;
}

bool cfg_glued_brace(const cfg_token_t *t)
{
    /* "x{{" is left alone: once split, "x{" would be glued again. */
    if (cfg_token_is_literal(t) || t->text.len < 2 || t->text.ptr[t->text.len - 1] != '{' ||
        t->text.ptr[t->text.len - 2] == '{')
        return false;
    long balance = 0;
    for (size_t i = 0; i < t->text.len; i++)
        balance += t->text.ptr[i] == '{' ? 1 : t->text.ptr[i] == '}' ? -1 : 0;
    return balance > 0;
}

int cfg_lex(ifr_arena_t *a, const char *text, size_t len, const char *file,
             const cfg_lex_opts_t *opts, cfg_toks_t *out, cfg_error_t *err)
{
    static const cfg_lex_opts_t defaults = { 0 };
    if (!opts) opts = &defaults;
    *out = (cfg_toks_t){ 0 };
    if (len > CFG_MAX_FILE_SIZE)
        return cfg_errorf_at(err, file, 0, 0, "file is larger than %u bytes", CFG_MAX_FILE_SIZE);
    cfg_expanded_t exp = { 0 };
    cfg__lexer_t lx = { .s = text, .n = len, .src = text, .src_len = len, .cur_line = 1,
                   .cur_col = 1, .file = file ? file : "<input>", .o = opts, .a = a,
                   .err = err, .val = IFR_BUF_INIT };
    if (opts->substitute_env) {
        if (cfg_expand_env(text, len, opts->env, opts->env_ud, &exp) < 0)
            return cfg_errorf_at(err, lx.file, 0, 0,
                                  "out of memory or over %u bytes substituting {$VARIABLES}",
                                  CFG_MAX_FILE_SIZE);
        lx.s = exp.text;
        lx.n = exp.len;
        lx.map = &exp;
    }
    /* A byte order mark is not text; columns count from after it. The
     * substituted text starts with it too: {$VAR} cannot. */
    if (cfg_has_bom(text, len)) lx.i = lx.origin = lx.cur_off = CFG_BOM_LEN;
    int rc = cfg__lx_run(&lx);
    if (rc == 0 && lx.count) {
        out->toks = ifr_arena_alloc(a, lx.count * sizeof *out->toks);
        out->raw = ifr_arena_alloc(a, lx.count * sizeof *out->raw);
        if (!out->toks || !out->raw) rc = cfg__lx_oom(&lx);
        else {
            memcpy(out->toks, lx.toks, lx.count * sizeof *out->toks);
            memcpy(out->raw, lx.raw, lx.count * sizeof *out->raw);
            out->count = lx.count;
        }
    }
    free(lx.toks);
    free(lx.raw);
    ifr_buf_free(&lx.val);
    cfg_expanded_free(&exp);
    return rc;
}
