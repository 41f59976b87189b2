/* The Caddyfile formatter (fmt.h). It re-lays the tokens the lexer finds,
 * writing each one's raw bytes exactly as they were (quotes, escapes,
 * heredoc bodies, {$VAR}), so only whitespace ever changes. */
#include <string.h>

#include "config/fmt.h"
#include "config/lex.h"

/* Indentation stops growing here, so a pathological nesting cannot make
 * the output quadratic in size. */
#define CFG__FMT_MAX_INDENT CFG_MAX_NESTING

typedef struct {
    ifr_buf_t *out;
    const char *text;
    const char *masked;    /* text with each {$VAR} masked (see cfg_format) */
    int depth;
    bool mid_line;         /* something was written on the current line */
    bool line_has_comment; /* ... and it ends with a comment */
    bool after_open;       /* the last thing written was an opening brace */
    bool after_close;      /* ... or a closing brace */
    bool glue_next;        /* the last token must not end its line (see below) */
    bool heredoc_like;     /* ... because it is a word that starts with "<<" */
    size_t word_at;        /* where in out the last word starts */
    bool import_line;      /* the current top-level line starts with `import` */
    bool split_glued;      /* braces glued to words are read as braces (see below) */
    size_t origin;         /* out's length before the first token (after a mark) */
    bool failed;
} cfg__fmt_t;

static void cfg__fmt_put(cfg__fmt_t *f, const char *p, size_t n)
{
    if (!f->failed && ifr_buf_append(f->out, p, n) < 0) f->failed = true;
}

/* A line break (or a continuation) right after a word "<<WORD" would
 * make it a heredoc: such a word gets the backslash that keeps it a word
 * (`\<<WORD`), written in front of it. */
static void cfg__fmt_keep_word(cfg__fmt_t *f)
{
    if (f->mid_line && f->heredoc_like && !f->failed) {
        if (ifr_buf_reserve(f->out, 1) < 0) {
            f->failed = true;
        } else {
            memmove(f->out->data + f->word_at + 1, f->out->data + f->word_at, f->out->len - f->word_at);
            f->out->data[f->word_at] = '\\';
            f->out->len++;
        }
    }
    f->heredoc_like = false;
}

static void cfg__fmt_end_line(cfg__fmt_t *f)
{
    cfg__fmt_keep_word(f);
    f->glue_next = false;
    if (f->mid_line) cfg__fmt_put(f, "\n", 1);
    f->mid_line = false;
    f->line_has_comment = false;
}

static void cfg__fmt_indent(cfg__fmt_t *f, int extra)
{
    int n = f->depth + extra;
    if (n > CFG__FMT_MAX_INDENT) n = CFG__FMT_MAX_INDENT;
    for (int i = 0; i < n; i++) cfg__fmt_put(f, "\t", 1);
}

/* Starts a new line, with at most one blank line before it. */
static void cfg__fmt_new_line(cfg__fmt_t *f, int newlines, bool closing)
{
    bool had_output = f->mid_line || f->out->len > f->origin;
    cfg__fmt_end_line(f);
    if (newlines >= 2 && had_output && !f->after_open && !closing) cfg__fmt_put(f, "\n", 1);
    cfg__fmt_indent(f, 0);
}

static void cfg__fmt_open_brace(cfg__fmt_t *f, bool at_line_start, int newlines)
{
    /* "{" belongs at the end of the line it opens, unless that line ends
     * with a comment or a brace (or there is no such line: the global
     * options), or is a top-level import (the "{" then opens the global
     * options block, and `import x {` would not parse). After a top-level
     * "}" it starts a new block, one blank line down (as caddy fmt). */
    if (f->after_close && f->depth == 0) {
        cfg__fmt_new_line(f, 2, false);
        cfg__fmt_put(f, "{", 1);
    } else if (f->after_close ||
               (at_line_start && (!f->mid_line || f->line_has_comment || f->after_open ||
                                  (f->import_line && f->depth == 0)))) {
        cfg__fmt_new_line(f, newlines, false);
        cfg__fmt_put(f, "{", 1);
    } else {
        cfg__fmt_put(f, " {", 2);
    }
    f->mid_line = true;
    f->line_has_comment = false;
    f->depth++;
    f->glue_next = f->heredoc_like = false;
    f->after_open = true;
    f->after_close = false;
}

/* continued: the brace came after a backslash line continuation, which is
 * kept so that lines are never joined (joining could make a {$VAR} span
 * what were two lines). */
static void cfg__fmt_close_brace(cfg__fmt_t *f, bool continued, bool line_start)
{
    if (f->depth > 0) f->depth--;
    if (f->mid_line && continued) {
        cfg__fmt_keep_word(f);
        cfg__fmt_put(f, " \\\n", 3);
        cfg__fmt_indent(f, 0);
    } else if (f->mid_line && f->glue_next && !line_start) cfg__fmt_put(f, " ", 1);
    else {
        cfg__fmt_end_line(f);
        cfg__fmt_indent(f, 0);
    }
    cfg__fmt_put(f, "}", 1);
    f->glue_next = f->heredoc_like = false;
    f->mid_line = true;
    f->after_open = false;
    f->after_close = true;
}

static bool cfg__fmt_is(const cfg_token_t *t, const char *s)
{
    return !cfg_token_is_literal(t) && ifr_str_eq_cstr(t->text, s);
}

/* Writes the bytes r->off .. r->off+len of one word (len may be shorter
 * than the token when a glued brace is split off, see below). */
static void cfg__fmt_word(cfg__fmt_t *f, const cfg_token_t *t, const cfg_raw_t *r, size_t len,
                     bool line_start)
{
    int newlines = r->newlines_before;
    /* Nothing but a comment shares a line with a closing brace: the word
     * moves down, a blank line below a top-level block (as caddy fmt). */
    if (f->after_close && !line_start && !r->comment) {
        line_start = true;
        newlines = f->depth == 0 ? 2 : 1;
    }
    if (line_start) cfg__fmt_new_line(f, newlines, false);
    else if (r->continued) { cfg__fmt_keep_word(f); cfg__fmt_put(f, " \\\n", 3); cfg__fmt_indent(f, 1); }
    else cfg__fmt_put(f, " ", 1);
    f->word_at = f->out->len;
    cfg__fmt_put(f, f->text + r->off, len);
    /* A line break after "word\\" would make a line continuation, and one
     * after "<<WORD" a heredoc: a closing brace that follows such a token
     * stays on its line rather than change the meaning (and see
     * fmt_end_line). */
    f->heredoc_like = !r->comment && !cfg_token_is_literal(t) && len >= 2 && f->text[r->off] == '<' &&
                      f->text[r->off + 1] == '<';
    f->glue_next = f->heredoc_like || (!r->comment && !cfg_token_is_literal(t) && len &&
                                       f->text[r->off + len - 1] == '\\');
    if (line_start && f->depth == 0)
        f->import_line = !r->comment && len == 6 && !memcmp(f->text + r->off, "import", 6);
    f->mid_line = true;
    f->line_has_comment = r->comment;
    f->after_open = false;
    f->after_close = false;
}

/* caddy fmt reads a "{" that ends a plain word (`:8080{`) as a block's
 * brace, and likewise the "}"s that end a plain word with no "{" in it
 * (`respond hi}`, not `{path}`). Returns how many such braces end the
 * token: they are written as braces of their own. A brace after a
 * backslash is escaped and stays. */
static size_t cfg__fmt_glued_braces(const cfg__fmt_t *f, const cfg_token_t *t, const cfg_raw_t *r,
                               bool *opens)
{
    *opens = false;
    if (!f->split_glued || r->comment || cfg_token_is_literal(t) || r->len < 2) return 0;
    const char *w = f->text + r->off;
    if (w[0] == '<' && w[1] == '<') return 0;
    if (w[r->len - 1] == '{') {
        /* What stays must read as the same word on the next run: not
         * one ending in a brace of its own (`{{`, `x}{`), but `{path}{`. */
        char before = w[r->len - 2];
        *opens = before != '\\' && before != '{' &&
                 (before != '}' || memchr(f->masked + r->off, '{', r->len - 1));
        return *opens;
    }
    if (memchr(w, '{', r->len)) return 0;
    size_t n = 0;
    while (n < r->len && w[r->len - 1 - n] == '}') n++;
    if (n > 0 && n < r->len && w[r->len - 1 - n] == '\\') n--;   /* `x\}`: that one is escaped */
    /* All of them or none, so the next run reads the same: `e}}` with one
     * block open stays a word. */
    return n <= (size_t)f->depth ? n : 0;
}

static void cfg__fmt_token(cfg__fmt_t *f, const cfg_token_t *t, const cfg_raw_t *r, bool first,
                      bool after_brace_line)
{
    bool line_start = first || r->newlines_before > 0 || after_brace_line;
    if (cfg__fmt_is(t, "{")) { cfg__fmt_open_brace(f, line_start, r->newlines_before); return; }
    if (cfg__fmt_is(t, "}")) { cfg__fmt_close_brace(f, r->continued && !line_start, line_start); return; }
    bool opens;
    size_t braces = cfg__fmt_glued_braces(f, t, r, &opens);
    if (braces < r->len) cfg__fmt_word(f, t, r, r->len - braces, line_start);
    if (opens) cfg__fmt_open_brace(f, false, 0);
    for (size_t i = 0; !opens && i < braces; i++)
        cfg__fmt_close_brace(f, false, braces == r->len && i == 0 && line_start);
}

/* Whether the brace tokens pair up as they are, glued ones being plain
 * words (the parser's view). A config that does has its glued braces
 * left as words, so formatting never changes what a valid config means;
 * one that does not is read as caddy fmt reads it, which mends the
 * usual `:8080{`. */
static bool cfg__fmt_braces_balance(const cfg_toks_t *toks)
{
    long depth = 0;
    for (size_t i = 0; i < toks->count; i++) {
        const cfg_token_t *t = &toks->toks[i];
        if (toks->raw[i].comment || cfg_token_is_literal(t)) continue;
        if (ifr_str_eq_cstr(t->text, "{")) depth++;
        else if (ifr_str_eq_cstr(t->text, "}") && --depth < 0) return false;
    }
    return depth == 0;
}

int cfg_format(const char *text, size_t len, const char *filename, ifr_buf_t *out,
               cfg_error_t *err)
{
    ifr_arena_t a;
    ifr_arena_init(&a, 0);
    /* {$VAR} is replaced before tokenizing, so its inside must not count
     * as quotes, braces or spaces here: tokenize a copy where each
     * reference is masked by as many 'x' (offsets stay the same), and
     * write the original bytes. */
    char *masked = len ? ifr_arena_alloc(&a, len) : NULL;
    if (len && !masked) {
        ifr_arena_destroy(&a);
        return cfg_errorf_at(err, filename, 0, 0, "out of memory while formatting");
    }
    if (len) memcpy(masked, text, len);
    for (size_t i = 0; i < len; i++) {
        size_t ref = cfg_env_ref_len(masked, len, i);
        if (ref) { memset(masked + i, 'x', ref); i += ref - 1; }
    }
    cfg_lex_opts_t lo = { .keep_comments = true };
    cfg_toks_t toks;
    if (cfg_lex(&a, masked, len, filename, &lo, &toks, err)) {
        ifr_arena_destroy(&a);
        return -1;
    }
    cfg__fmt_t f = { .out = out, .text = text, .masked = masked, .split_glued = !cfg__fmt_braces_balance(&toks) };
    /* The lexer skips a byte order mark; it is kept where it was. A first
     * token that itself starts with those bytes (after blanks, so not a
     * mark in the input) gets one written before it: at the start of the
     * output it would be taken for the mark and lose them. */
    size_t first = toks.count ? toks.raw[0].off : len;
    if (cfg_has_bom(text, len) || cfg_has_bom(text + first, len - first))
        cfg__fmt_put(&f, "\xef\xbb\xbf", CFG_BOM_LEN);
    f.origin = out->len; /* a mark is not output: no blank line below it */
    bool after_brace_line = false; /* the rest of a line after "{" moves down */
    for (size_t i = 0; i < toks.count; i++) {
        const cfg_token_t *t = &toks.toks[i];
        const cfg_raw_t *r = &toks.raw[i];
        if (r->newlines_before > 0) after_brace_line = false;
        cfg__fmt_token(&f, t, r, i == 0, after_brace_line);
        after_brace_line = f.after_open;
    }
    /* The final line break must not turn a last "word\\" into a line
     * continuation: end with an explicit (empty) one instead. */
    if (f.mid_line && f.glue_next && !f.heredoc_like) {
        cfg__fmt_put(&f, " \\", 2);
        f.glue_next = false;
    }
    cfg__fmt_end_line(&f);
    ifr_arena_destroy(&a);
    if (f.failed) {
        cfg_errorf_at(err, filename, 0, 0, "out of memory while formatting");
        return -1;
    }
    return 0;
}
