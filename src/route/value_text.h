/* Text forms of values as Caddy (Go) prints them, for placeholders.
 * Results live in the given arena (or are the input itself, unchanged);
 * on allocation failure they are "". */
#ifndef IFRIT_ROUTE_VALUE_TEXT_H
#define IFRIT_ROUTE_VALUE_TEXT_H

#include <stdint.h>

#include "base/arena.h"
#include "base/str.h"

/* Go's url.QueryEscape: letters, digits and -_.~ stay, a space becomes
 * '+', every other byte %XX. v itself when nothing needs escaping. */
ifr_str_t route_query_escape(ifr_arena_t *a, ifr_str_t v);

/* The same, but a space is %20: one path segment (a link to a name). */
ifr_str_t route_path_escape(ifr_arena_t *a, ifr_str_t v);

/* Nanoseconds as Go's time.Duration prints them: "850ns", "12.5µs" (µ in
 * UTF-8), "3.25ms", "1.5s", "2m3s", "1h0m0s"; "0s" for zero. */
ifr_str_t route_go_duration(ifr_arena_t *a, int64_t ns);

/* Nanoseconds as milliseconds with up to six decimals: "3.25". */
ifr_str_t route_duration_ms(ifr_arena_t *a, int64_t ns);

#endif
