/* Private to src/config: the Caddyfile lexer. Turns text into tokens
 * (config/caddyfile.h cfg_token_t) following Caddy's lexical rules:
 *
 * - tokens are separated by whitespace; a newline ends a directive's line
 *   unless the line ends with a backslash (line continuation);
 * - "double quotes" may span lines; inside them only \" is an escape, any
 *   other backslash is kept as written;
 * - `backticks` take everything up to the next backtick, no escapes;
 * - a quote or backtick only opens a literal at the start of a token;
 * - <<MARK followed by a newline starts a heredoc that ends at a line whose
 *   first non-blank text is MARK; the closing line's leading whitespace is
 *   removed from every line; text after MARK on that line is more tokens;
 *   \<< at the start of a token is a literal "<<";
 * - # at the start of a token begins a comment up to the end of the line;
 * - {$NAME} and {$NAME:default} are replaced by the environment before
 *   tokenizing (so they may produce parts of tokens or several tokens);
 * - a NUL byte anywhere is an error;
 * - a UTF-8 byte order mark at the very start is skipped, as Caddy does.
 */
#ifndef IFRIT_CONFIG_LEX_H
#define IFRIT_CONFIG_LEX_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "config/caddyfile.h"
#include "config/error.h"

/* What the formatter needs beyond the token: where it was in the text and
 * what separated it from the one before. Only filled without env
 * substitution (offsets are then offsets into the original text). */
typedef struct {
    size_t off, len;        /* raw bytes of the token as written */
    int newlines_before;    /* unescaped line breaks since the previous token */
    bool continued;         /* a backslash line continuation came before it */
    bool comment;           /* a # comment (only with keep_comments) */
} cfg_raw_t;

typedef struct {
    bool substitute_env;    /* replace {$VAR}; when false env/env_ud are unused */
    cfg_env_cb env;         /* NULL: getenv(3) */
    void *env_ud;
    bool keep_comments;     /* emit comments as tokens (for the formatter) */
} cfg_lex_opts_t;

typedef struct {
    cfg_token_t *toks;      /* arena array of count tokens */
    cfg_raw_t *raw;        /* arena array, parallel to toks */
    size_t count;
} cfg_toks_t;

/* A UTF-8 byte order mark at the start of text (the lexer skips it). */
#define CFG_BOM_LEN 3
bool cfg_has_bom(const char *text, size_t len);

/* Tokenizes text[0..len). file (arena-owned or static) goes into every
 * token. Returns 0, or -1 with *err filled. */
int cfg_lex(ifr_arena_t *a, const char *text, size_t len, const char *file,
             const cfg_lex_opts_t *opts, cfg_toks_t *out, cfg_error_t *err);

/* Environment substitution, the lexer's first pass. The result is a new
 * text plus a map from its offsets back to the original ones, so tokens
 * still point at what the user wrote. A segment covers out[out_off..) up
 * to the next segment; from_env segments map every byte to src_off (the
 * position of the `{$`). */
typedef struct {
    size_t out_off;
    size_t src_off;
    bool from_env;
} cfg_seg_t;

typedef struct {
    char *text;             /* heap; freed by cfg_expanded_free */
    size_t len;
    cfg_seg_t *segs;       /* heap; at least one segment */
    size_t nsegs;
} cfg_expanded_t;

/* Returns 0, or -1 when memory runs out or the result would exceed
 * CFG_MAX_FILE_SIZE. */
int cfg_expand_env(const char *text, size_t len, cfg_env_cb env, void *ud, cfg_expanded_t *out);
void cfg_expanded_free(cfg_expanded_t *e);
/* Length of the {$...} reference starting at text[i], or 0 if none. */
size_t cfg_env_ref_len(const char *text, size_t len, size_t i);

/* Offset in the original text of byte off of the expanded text. */
size_t cfg_expanded_src_off(const cfg_expanded_t *e, size_t off);

/* An unquoted word ending in a '{' that its other braces do not balance
 * ("example.com{", "handle /x{"): at the end of a line this is a block
 * opener missing its space, and the parser refuses it there. */
bool cfg_glued_brace(const cfg_token_t *t);

/* Fills *err with file:line:col and a formatted message; returns -1. */
int cfg_errorf_at(cfg_error_t *err, const char *file, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
