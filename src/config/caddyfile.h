/* The Caddyfile syntax tree: what the lexer and parser make of a Caddyfile
 * before any directive gives it meaning.
 *
 *   {                               <- global options block (doc->global)
 *       admin off                   <- a cfg_directive_t: name + args
 *   }
 *   (common) {                      <- snippet: expanded away by `import`
 *       header X-Frame-Options DENY
 *   }
 *   example.com, www.example.com {  <- a site: keys + body
 *       import common               <- replaced by the snippet's directives
 *       @api path /api/x            <- matcher definitions are directives too
 *       handle @api {               <- a directive with a nested block
 *           reverse_proxy localhost:9000 {
 *               transport http {    <- blocks nest to any depth (up to a limit)
 *                   dial_timeout 2s
 *               }
 *           }
 *       }
 *   }
 *
 * By the time a document is handed out, environment variables ({$VAR},
 * {$VAR:default}) are substituted, snippets and file imports are inlined,
 * and {args[N]} placeholders are replaced. Every token keeps the file, line
 * and column where its text was written (for an imported snippet: inside the
 * snippet), so errors point at what the user wrote.
 *
 * Runtime placeholders such as {path} or {env.NAME} are plain token text
 * here: only the route layer gives them meaning.
 *
 * Ownership: every cfg_doc_t, block, directive, token, string and file name
 * lives in the arena passed to the parse function and dies with it. Nothing
 * in a document needs to be freed on its own; nothing in it is modified
 * after parsing, so a document can be shared read-only.
 */
#ifndef IFRIT_CONFIG_CADDYFILE_H
#define IFRIT_CONFIG_CADDYFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/str.h"
#include "config/error.h"

/* cfg_token_t.flags */
enum {
    CFG_TOK_QUOTED = 1u << 0,     /* written "like this" (escapes removed) */
    CFG_TOK_BACKTICK = 1u << 1,   /* written `like this` */
    CFG_TOK_HEREDOC = 1u << 2,    /* written <<MARK ... MARK (indent stripped) */
    CFG_TOK_LINE_START = 1u << 3, /* first token of its line (parser detail) */
};

/* One word of the Caddyfile. text is unescaped; text.ptr is followed by a
 * NUL byte, so it can be used as a C string (the lexer refuses NUL bytes in
 * the input, so text never contains one). file is the path as given to the
 * parser or as resolved for an import. line and col are 1-based; col counts
 * bytes. A token produced by {$VAR} substitution carries the position of
 * the `{$`. */
typedef struct {
    ifr_str_t text;
    const char *file;
    int line;
    int col;
    unsigned flags;
} cfg_token_t;

/* True for a token written with quotes, backticks or as a heredoc: such a
 * token is never a brace, a matcher or a keyword, whatever its text. */
static inline bool cfg_token_is_literal(const cfg_token_t *t)
{
    return (t->flags & (CFG_TOK_QUOTED | CFG_TOK_BACKTICK | CFG_TOK_HEREDOC)) != 0;
}

typedef struct cfg_directive cfg_directive_t;

/* The contents of a { } block: directives (or options, or subdirectives,
 * or matcher conditions) in file order. open and close point at the braces
 * (both NULL for the body of a site written without braces). */
typedef struct {
    cfg_directive_t *items;
    size_t count;
    const cfg_token_t *open;
    const cfg_token_t *close;
} cfg_block_t;

/* One line of configuration: `name arg arg ... [{ block }]`.
 * args[0..nargs) are the tokens after the name on the same (logical) line.
 * block is NULL when the line does not end with `{`. */
struct cfg_directive {
    cfg_token_t name;
    cfg_token_t *args;
    size_t nargs;
    cfg_block_t *block;
};

/* A site block: one or more addresses (keys), then directives. Key text has
 * commas removed ("a.com, b.com" gives two keys "a.com" and "b.com").
 * See config/address.h to parse keys into scheme/host/port/path. */
typedef struct {
    cfg_token_t *keys;
    size_t nkeys;
    cfg_block_t body;
} cfg_site_t;

/* A whole Caddyfile with its imports. global is NULL when the file has no
 * global options block (see config/options.h to read it). */
typedef struct {
    cfg_block_t *global;
    cfg_site_t *sites;
    size_t nsites;
    /* Named routes (`&(name) { ... }`, Caddy 2.7): one key, the `&(name)`
     * token, and the route's directives; `invoke name` runs one. */
    cfg_site_t *routes;
    size_t nroutes;
} cfg_doc_t;

/* Looks up an environment variable for {$NAME}; returns NULL when unset. */
typedef const char *(*cfg_env_cb)(void *ud, const char *name);

typedef struct {
    cfg_env_cb env;          /* NULL: getenv(3) */
    void *env_ud;
    bool no_file_imports;    /* refuse `import FILE` (fuzzing, untrusted text) */
    /* Told the path of every file an `import` reads (as resolved, before
     * it is read), e.g. so `ifrit edge config` can bundle it. May be NULL. */
    void (*on_import)(void *ud, const char *path);
    void *on_import_ud;
} cfg_parse_opts_t;

/* Limits that keep any input from exhausting memory, stack or time. */
#define CFG_MAX_NESTING 64           /* depth of { } blocks */
#define CFG_MAX_IMPORT_DEPTH 32      /* imports within imports (files and snippets) */
#define CFG_MAX_TOKENS 1000000       /* tokens after expanding every import */
#define CFG_MAX_FILE_SIZE (16u << 20)/* bytes in one Caddyfile or imported file */

/* Reads and parses the Caddyfile at path; imports resolve relative to it.
 * Returns 0 and sets *out (allocated in a), or -1 with *err filled (file,
 * line, column, and what was expected). opts may be NULL. On error the
 * arena may hold partial allocations: destroy or reset it. */
int cfg_parse_file(ifr_arena_t *a, const char *path, const cfg_parse_opts_t *opts,
                   cfg_doc_t **out, cfg_error_t *err);

/* The same from text in memory. filename is used in tokens and errors and
 * as the base for relative imports ("<input>" when NULL: imports are then
 * relative to the working directory). text need not be NUL-terminated. */
int cfg_parse_text(ifr_arena_t *a, const char *text, size_t len, const char *filename,
                   const cfg_parse_opts_t *opts, cfg_doc_t **out, cfg_error_t *err);

/* Formats an error as "FILE:LINE:COL: MESSAGE" (or "FILE: MESSAGE" when it
 * has no line) into buf; returns buf. */
const char *cfg_error_str(const cfg_error_t *err, char *buf, size_t size);

#endif
