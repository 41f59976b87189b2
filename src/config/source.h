/* Private to src/config: the token stream the parser reads, with `import`
 * expanded on the fly.
 *
 * The stream is a stack of token sources: the main file at the bottom,
 * then whatever is being imported. When the next token is an unquoted
 * `import` at the start of a line, the cursor takes the rest of that line as
 * the import's arguments and pushes the snippet of that name, or the file(s)
 * the path or glob names, with {args[...]} substituted. A source stays on
 * the stack until its last token has been read, so an import that comes
 * back to a snippet or file still open is a cycle (an error), and nesting is
 * bounded by CFG_MAX_IMPORT_DEPTH (the files of one glob are read one after
 * the other at the same level); the total of imported tokens is bounded
 * by CFG_MAX_TOKENS, which also stops exponential snippet fan-out.
 */
#ifndef IFRIT_CONFIG_SOURCE_H
#define IFRIT_CONFIG_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "config/caddyfile.h"
#include "config/error.h"

/* What an `import` passes: its arguments and the tokens of its block
 * (between the braces; Caddy 2.9's `import name { ... }`). */
typedef struct {
    const cfg_token_t *args;
    size_t nargs;
    const cfg_token_t *block;
    size_t nblock;
} cfg_import_args_t;

typedef struct cfg_snippet {
    const cfg_token_t *name;      /* the "(name)" token that defined it */
    ifr_str_t key;                /* name without parentheses */
    const cfg_token_t *toks;      /* body between the braces (arena) */
    size_t n;
    struct cfg_snippet *next;
} cfg_snippet_t;

typedef struct {
    const cfg_token_t *toks;
    size_t n, pos;
    const char *what;             /* "snippet 'x'" or "file 'y'", for messages */
    const cfg_snippet_t *snippet;/* set for snippet sources */
    bool is_file;
    uint64_t dev, ino;            /* identity of a file source */
    /* A file a glob matched: the files after it, read in its place once it
     * ends (siblings take one level of nesting, not one each), and the
     * import that names them. */
    char **glob_rest;
    size_t glob_left;
    const cfg_token_t *glob_at;
    cfg_import_args_t glob_args;
} cfg_src_t;

typedef struct {
    ifr_arena_t *a;
    const cfg_parse_opts_t *opts;
    cfg_error_t *err;
    cfg_src_t stack[CFG_MAX_IMPORT_DEPTH + 1];
    int depth;
    cfg_snippet_t *snippets;
    size_t budget_tokens;         /* tokens imports may still add */
    size_t budget_bytes;          /* bytes imported files may still add */
    const cfg_token_t *peeked;    /* one token of lookahead, or NULL */
    bool at_eof;
} cfg_cursor_t;

/* Starts a stream on the main file's tokens. dev/ino identify the file
 * (0/0 for text in memory). */
void cfg_cursor_init(cfg_cursor_t *c, ifr_arena_t *a, const cfg_parse_opts_t *opts,
                      cfg_error_t *err, const cfg_token_t *toks, size_t n, const char *file,
                      uint64_t dev, uint64_t ino);

/* The next token, imports expanded: 1 with *out set, 0 at the end, -1 on
 * an error (*err filled). Tokens live in the arena. */
int cfg_next(cfg_cursor_t *c, const cfg_token_t **out);
int cfg_peek(cfg_cursor_t *c, const cfg_token_t **out);

/* Reads a snippet body after its opening brace without expanding imports
 * (they are expanded when the snippet is imported) and records it.
 * open is the "{" token, for the error when the body is not closed. */
int cfg_define_snippet(cfg_cursor_t *c, const cfg_token_t *name, const cfg_token_t *open);

/* Copies toks[0..n) into the arena with {args[N]}, {args.N} and the
 * variadic {args[A:B]} (a whole token only) replaced by the import's
 * arguments, and a whole-token {block} by the import's block, {blocks.NAME}
 * by the contents of its NAME { ... } (nothing when absent); the first copy
 * is marked as a line start. At most budget
 * tokens are produced. Returns 0 or -1 with *err filled. */
int cfg_substitute_args(ifr_arena_t *a, const cfg_token_t *toks, size_t n,
                         const cfg_import_args_t *args, size_t budget,
                         cfg_token_t **out, size_t *outn, cfg_error_t *err);

/* Files, with plain POSIX calls that wasi-libc also has. */

/* The path of rel as seen from the directory of the file base ("<input>"
 * or NULL: the working directory). Absolute paths are returned as they are. */
char *cfg_path_relative_to(ifr_arena_t *a, const char *base, const char *rel);

/* Reads a whole regular file of at most max bytes into the arena, under
 * base/file.h's rule (a FIFO or a device is refused, never waited on).
 * Returns 0, or -1 with a reason in why ("is a directory", ...). */
int cfg_read_file(ifr_arena_t *a, const char *path, size_t max, char **text, size_t *len,
                   uint64_t *dev, uint64_t *ino, char *why, size_t whysize);

bool cfg_has_wildcard(const char *s);

/* Shell-style match of one path element: * ? [abc] [a-z] [!x]. */
bool cfg_glob_match(const char *pat, const char *name);

/* Expands pattern (wildcards allowed in any element, as filepath.Glob)
 * into the sorted list of matching regular files; an element's wildcard
 * skips hidden names (.name) unless the element starts with '.'. Returns 0
 * (possibly with no match, also when a directory does not exist) or -1
 * with why filled. */
int cfg_glob(ifr_arena_t *a, const char *pattern, char ***paths, size_t *n, char *why,
              size_t whysize);

#endif
