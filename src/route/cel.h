/* The part of CEL (Common Expression Language) that Caddy's `expression`
 * matcher is written with in published configs, parsed at load into a
 * tree and evaluated per request (match_expression.c).
 *
 * Values: strings, integers, booleans, null, lists. Operators: `!`, unary
 * `-`, `+` (strings, integers), `==`, `!=`, `<`, `<=`, `>`, `>=`, `in`
 * (a list), `&&`, `||`, `? :`, parentheses. Methods on strings:
 * startsWith, endsWith, contains, matches (a literal regexp), size;
 * `size(x)`, `int(x)`, `string(x)`. Placeholders `{path}` give their
 * value as text (`{err.status_code}` as an integer, as in Caddy). Caddy's
 * matcher functions build ifrit's own matchers: path, path_regexp,
 * header, header_regexp, host, method, query, remote_ip, protocol, file,
 * vars, vars_regexp (string arguments, or a map for header, query and
 * vars). Anything else is a config error naming it.
 *
 * As in CEL, `&&` and `||` are commutative over errors: a type error on
 * one side does not matter when the other side decides; an error that
 * reaches the top makes the matcher false.
 *
 * Ownership: the tree lives in the plan's arena; values in x->arena. */
#ifndef IFRIT_ROUTE_CEL_H
#define IFRIT_ROUTE_CEL_H

#include <stdbool.h>
#include <stdint.h>

#include "route/directive.h"

/* Bounds on what one expression may be (a config error past them). */
#define ROUTE_CEL_MAX_DEPTH 64     /* nesting of operators and calls */
#define ROUTE_CEL_MAX_NODES 256 

typedef struct route_cel_node route_cel_node_t;

/* Parses text (the matcher's arguments joined by spaces; at is the first
 * one, for errors). 0, or -1 with p->err filled. */
int route_cel_parse(route_parse_t *p, const cfg_token_t *at, ifr_str_t text, route_cel_node_t **out);

/* True when the expression is true for x. */
bool route_cel_eval(route_exchange_t *x, const route_cel_node_t *n);

#endif
