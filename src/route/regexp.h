/* Regular expressions for path_regexp, header_regexp and uri path_regexp.
 *
 * The syntax is Go's RE2 (what Caddy uses), matched on bytes: literals and
 * escapes (\n \t \x41 \x{41} \Q...\E, punctuation), classes [...] with
 * ranges, [:alpha:] names, \d \w \s and their negations, `.`, anchors ^ $ \A
 * \z \b \B, groups ( ) (?:...) (?P<name>...) (?<name>...), flags i m s U as
 * (?i) or (?i:...), and * + ? {n} {n,} {n,m} with lazy forms. Unicode
 * classes (\pL), back-references and look-arounds are a compile error, as
 * in Go. Matching is leftmost-first like Go's FindStringSubmatch.
 *
 * Bounds: a repeat count is at most 1000 (Go's limit) and the compiled
 * program, counted repetitions expanded, at most ROUTE_REGEX_MAX_PROGRAM
 * instructions; a pattern past either is refused at compile time. Matching
 * is a Pike VM (a Thompson NFA simulation with captures): it takes
 * O(program x subject) steps whatever the pattern, never backtracks.
 *
 * Ownership: a compiled regexp lives in the arena given at compile time.
 * Matching is thread-safe (its scratch is on the stack or malloc'd). */
#ifndef IFRIT_ROUTE_REGEXP_H
#define IFRIT_ROUTE_REGEXP_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/str.h"
#include "route/state.h"

#define ROUTE_REGEX_MAX_REPEAT 1000
#define ROUTE_REGEX_MAX_PROGRAM 5000

typedef struct route_rx_inst route_rx_inst_t;

typedef struct {
    const route_rx_inst_t *prog;
    uint32_t ninst;
    uint32_t nslots;                      /* capture slots kept: 2 per group, group 0 included */
    bool anchored;                        /* starts with ^ (not multi-line): try offset 0 only */
    const uint8_t *first;                 /* bytes a match can start with; NULL: any, or empty */
    const char *names[ROUTE_MAX_GROUPS];  /* group n's name, or NULL */
} route_regex_t;

/* 0, or -1 with a message in err. */
int route_regex_compile(ifr_arena_t *a, ifr_str_t pattern, route_regex_t **out, char *err,
                        size_t errcap);

/* Finds the leftmost-first match of rx in subject (any bytes). On a match
 * fills groups[0..ROUTE_MAX_GROUPS) (unset groups are empty slices into
 * nothing) when groups is not NULL. */
bool route_regex_match(const route_regex_t *rx, ifr_str_t subject, ifr_str_t *groups);

/* The same, for a match starting at or after offset from; the assertions
 * (^, \b, ...) still see the whole subject. */
bool route_regex_match_from(const route_regex_t *rx, ifr_str_t subject, size_t from, ifr_str_t *groups);

#endif
