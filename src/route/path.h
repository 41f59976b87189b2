/* Path helpers shared by matchers, uri/rewrite and file_server. Pure
 * functions on slices; results go to caller-given memory. */
#ifndef IFRIT_ROUTE_PATH_H
#define IFRIT_ROUTE_PATH_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/str.h"

/* Percent-decodes s into dst (room for s.len bytes). Returns the length,
 * or -1 on a malformed escape or a decoded NUL byte. With plus_space,
 * '+' becomes ' ' (query strings). */
long route_url_decode(ifr_str_t s, char *dst, bool plus_space);

/* Cleans an absolute path in place like Go's path.Clean, but keeps a
 * trailing slash: collapses "//", drops ".", resolves ".." without ever
 * climbing above "/". Returns the new length (at least 1, for "/"). */
size_t route_path_clean(char *p, size_t len);

/* Caddy's path pattern: case-insensitive; "*" alone matches all; "*x*"
 * contains, "*x" suffix, "x*" prefix; other patterns with * ? [ are globs
 * where * stops at '/'; otherwise exact. */
bool route_path_match(ifr_str_t pattern, ifr_str_t path);

/* A glob (* ? [...]) over all of s; * never crosses '/' when slash_stops. */
bool route_glob(ifr_str_t pattern, ifr_str_t s, bool nocase, bool slash_stops);

/* Caddy's fast string patterns for header and query values: "*" any,
 * "*x*" contains, "*x" suffix, "x*" prefix, else exact. */
bool route_wild_match(ifr_str_t pattern, ifr_str_t s, bool nocase);

/* Returns the value of key in a query string (first occurrence, decoded
 * into arena memory); false when absent. */
bool route_query_get(ifr_arena_t *a, ifr_str_t query, ifr_str_t key, ifr_str_t *value);

/* Host pattern: case-insensitive, label by label; a '*' label matches any
 * one label ("*.example.com"). */
bool route_host_matches(ifr_str_t pattern, ifr_str_t host);

/* The host part of a Host header value: port and IPv6 brackets removed. */
ifr_str_t route_host_only(ifr_str_t hostport);

#endif
