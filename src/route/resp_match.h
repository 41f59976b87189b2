/* Caddy's response matcher (`match { status <codes...>; header <field>
 * [<values...>] }`), as `encode` and `header` take it: status codes OR-ed
 * (`2xx` for a class), header lines AND-ed, each with OR-ed value
 * patterns (Caddy's `*x`, `x*`, `*x*`, `*`; no value: present).
 *
 * Ownership: the plan's arena. */
#ifndef IFRIT_ROUTE_RESP_MATCH_H
#define IFRIT_ROUTE_RESP_MATCH_H

#include <stdbool.h>

#include "http/message.h"
#include "route/directive.h"

#define ROUTE_RESP_MATCH_CODES 16
#define ROUTE_RESP_MATCH_HEADERS 8
#define ROUTE_RESP_MATCH_VALUES 8

typedef struct {
    int codes[ROUTE_RESP_MATCH_CODES];   /* 1..5: a class such as 2xx */
    size_t ncodes;
    struct route_resp_match_hdr {
        ifr_str_t field;
        ifr_str_t values[ROUTE_RESP_MATCH_VALUES];
        size_t nvalues;
    } headers[ROUTE_RESP_MATCH_HEADERS];
    size_t nheaders;
} route_resp_match_t;

/* Parses d (a `match` line with a block) for the directive called who. */
int route_resp_match_parse(route_parse_t *p, const cfg_directive_t *d, const char *who, route_resp_match_t **out);

bool route_resp_match(const route_resp_match_t *m, const http_response_t *r);

#endif
