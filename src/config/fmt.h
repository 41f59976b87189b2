/* The canonical layout of a Caddyfile, as `caddy fmt` writes it and
 * `ifrit fmt` prints: one tab per nesting level, one space between tokens,
 * `{` at the end of the line that opens the block, `}` alone on its line,
 * at most one blank line in a row and none just inside braces, comments
 * kept where they were, quoted strings and heredocs untouched, and a single
 * newline at the end. {$VAR} is not substituted and imports are not read:
 * formatting only rewrites whitespace, except that (like caddy fmt) a brace
 * glued to the end of a plain word (`:8080{`, `respond hi}`) is split off
 * as a brace of its own. */
#ifndef IFRIT_CONFIG_FMT_H
#define IFRIT_CONFIG_FMT_H

#include <stddef.h>

#include "base/buf.h"
#include "config/error.h"

/* Appends the formatted text to out (which the caller owns and frees).
 * Returns 0, or -1 when the text cannot be tokenized (an unterminated
 * quote or heredoc, a NUL byte: *err says where) or out cannot grow
 * (err->message says so). */
int cfg_format(const char *text, size_t len, const char *filename, ifr_buf_t *out,
               cfg_error_t *err);

#endif
