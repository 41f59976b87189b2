/* Regular expressions for path_regexp, header_regexp and uri path_regexp.
 *
 * Caddy uses Go's RE2 syntax; ifrit uses POSIX extended regexps (regcomp,
 * present in glibc and in wasi-libc) after translating the RE2 forms people
 * actually write: (?P<name>...) and (?<name>...) named groups, (?:...)
 * groups, a leading (?i), \d \w \s \D \W \S (also inside [...]), and
 * backslash escapes inside [...]. Lazy quantifiers (*? +? ??) are read as
 * greedy. Group numbers are the RE2 ones: non-capturing groups do not count.
 *
 * Ownership: compiled regexps belong to the arena given at compile time
 * (regfree runs as one of its cleanups). Matching is thread-safe. */
#ifndef IFRIT_ROUTE_REGEXP_H
#define IFRIT_ROUTE_REGEXP_H

#include <regex.h>
#include <stdbool.h>

#include "base/arena.h"
#include "base/str.h"
#include "route/state.h"

typedef struct {
    regex_t re;
    size_t nposix;                        /* POSIX groups, including non-capturing ones */
    int map[ROUTE_MAX_GROUPS];            /* RE2 group n -> POSIX group index (0 = whole) */
    const char *names[ROUTE_MAX_GROUPS];  /* RE2 group n's name, or NULL */
} route_regex_t;

/* 0, or -1 with a message in err. */
int route_regex_compile(ifr_arena_t *a, ifr_str_t pattern, route_regex_t **out, char *err,
                        size_t errcap);

/* Matches subject (any bytes except NUL; scratch copies it with a NUL in
 * arena a). On a match fills groups[0..ROUTE_MAX_GROUPS) (unset groups are
 * empty) when groups is not NULL. */
bool route_regex_match(const route_regex_t *rx, ifr_arena_t *a, ifr_str_t subject,
                       ifr_str_t *groups);

#endif
