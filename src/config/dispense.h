/* Helpers for the code that gives directives their meaning (Caddy calls
 * this the "dispenser"): argument counts, typed values and errors that point
 * at the offending token.
 *
 * Every function that can fail returns 0 on success and -1 on failure after
 * filling *err with the token's file:line:col and a sentence saying what was
 * expected, e.g.
 *   site.caddy:4:11: timeout: expected a duration like 2s, 1m30s or 500ms, got '2 seconds'
 * Values are written through out-pointers only on success.
 *
 * Nothing here allocates: the directive and its tokens stay owned by the
 * document's arena (config/caddyfile.h).
 */
#ifndef IFRIT_CONFIG_DISPENSE_H
#define IFRIT_CONFIG_DISPENSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/caddyfile.h"
#include "config/error.h"

/* Fills *err at token at (or without position when at is NULL) with a
 * printf-style message; always returns -1 so callers can `return cfg_errorf(...)`. */
int cfg_errorf(cfg_error_t *err, const cfg_token_t *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* After a failure inside the directives of blk: a value error of the
 * helpers below ("expected an integer ..., got 'many'") gets the name of
 * the option whose argument it points at in front ("lb_retries: expected
 * ..."), as Caddy's messages name it. Other errors are left as they are. */
void cfg_error_name_option(cfg_error_t *err, const cfg_block_t *blk);

/* Is t an unquoted word with exactly this text? (A quoted "off" is an
 * argument, never a keyword.) */
bool cfg_is_word(const cfg_token_t *t, const char *word);

/* Checks min <= d->nargs <= max (max SIZE_MAX for "no limit"). The error
 * names the directive and points at the first surplus argument, or at the
 * name when arguments are missing:
 *   "respond: expected at most 2 arguments, got 3" */
int cfg_expect_args(const cfg_directive_t *d, size_t min, size_t max, cfg_error_t *err);

/* Fails when the directive has a { } block ("timeout: does not take a block"). */
int cfg_expect_no_block(const cfg_directive_t *d, cfg_error_t *err);

/* Durations as Caddy writes them (Go's time.ParseDuration plus `d` for days):
 * "2s", "1m30s", "500ms", "1.5h", "250us", "3d". Result in nanoseconds. */
enum {
    CFG_DUR_BARE_SECONDS = 1u << 0, /* also accept "30" as 30 seconds */
    CFG_DUR_NEGATIVE = 1u << 1,     /* also accept "-1s" */
};
int cfg_parse_duration(const cfg_token_t *t, unsigned flags, int64_t *out_ns, cfg_error_t *err);

/* Sizes as Caddy reads them (go-humanize): a number with an optional unit,
 * case-insensitive. "512", "4k"/"4KB" = 4000, "50MB" = 50e6, "1GiB" = 2^30,
 * "1.5MiB". With CFG_SIZE_BINARY, the decimal units (k, KB, MB, GB, TB)
 * mean powers of 1024 too, as memory limits are usually meant. */
enum { CFG_SIZE_BINARY = 1u << 0 };
int cfg_parse_size(const cfg_token_t *t, unsigned flags, uint64_t *out_bytes, cfg_error_t *err);

/* A decimal integer in [min, max]: "workers: expected an integer from 0 to 1024, got 'x'". */
int cfg_parse_int(const cfg_token_t *t, int64_t min, int64_t max, int64_t *out, cfg_error_t *err);

/* on/off, true/false, yes/no: "expected on or off, got 'maybe'". */
int cfg_parse_bool(const cfg_token_t *t, bool *out, cfg_error_t *err);

/* The entry of known[0..n) closest to word (optimal string alignment
 * distance: Levenshtein with a swap of neighbouring letters as one edit; at
 * most about a third of the word's length), or NULL when none is close. */
const char *cfg_closest(ifr_str_t word, const char *const *known, size_t n);

/* "unknown <what> 'respnd' (did you mean 'respond'?)" at t, with the hint
 * only when cfg_closest finds one. Returns -1. */
int cfg_error_unknown(cfg_error_t *err, const cfg_token_t *t, const char *what,
                      const char *const *known, size_t n);

#endif
