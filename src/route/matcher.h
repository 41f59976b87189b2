/* Request matchers. Each matcher kind (path, method, header, ...) is one
 * file defining one route_matcher_t, listed in matchers.c.
 *
 * A matcher set is what a directive's matcher token names: the inline path
 * token `/api/...`, or a named set `@name`. Its conditions are AND-ed. A
 * matcher written twice in one set is merged by its module the way Caddy
 * merges it (`path /a` + `path /b` = either path; `header A x` + `header B y`
 * = both fields), except kinds flagged ROUTE_MATCH_SEPARATE (`not`), where
 * each line is its own AND-ed condition.
 *
 * Ownership: sets and their configs live in the plan's arena. */
#ifndef IFRIT_ROUTE_MATCHER_H
#define IFRIT_ROUTE_MATCHER_H

#include <stdbool.h>
#include <stddef.h>

#include "route/directive.h"

enum {
    ROUTE_MATCH_SEPARATE = 1u << 0,
    ROUTE_MATCH_STRS = 1u << 1,      /* conf is a route_strs_t of the values Caddy's JSON lists */
    ROUTE_MATCH_BLOCK = 1u << 2,     /* takes a block (not, file); others refuse one */
};

typedef struct route_matcher {
    const char *name;
    unsigned flags;
    /* *conf is NULL for the first line of this kind in a set, else the
     * config to extend. d->name is the matcher name, d->args its arguments. */
    int (*parse)(route_parse_t *p, const cfg_directive_t *d, void **conf);
    bool (*match)(route_exchange_t *x, const void *conf);
    /* Optional: the length Caddy sorts directives by when this is the set's
     * path matcher with exactly one pattern; 0 otherwise. */
    size_t (*sort_len)(const void *conf);
} route_matcher_t;

typedef struct {
    const route_matcher_t *m;
    void *conf;
} route_cond_t;

struct route_matcher_set {
    ifr_str_t name;         /* "api" for @api, empty for an inline path */
    route_cond_t *conds;
    size_t count;
    size_t sort_len;        /* see route_matcher_t.sort_len */
};

/* True when every condition of s matches (s NULL matches everything). */
bool route_match(route_exchange_t *x, const route_matcher_set_t *s);

const route_matcher_t *route_matcher_find(ifr_str_t name);

/* For a matcher that must fail the request rather than only not match
 * (Caddy's matcher error: the file matcher's `=404`): the route loop
 * fails the request with status when the set it was in does not match. */
void route_match_fail(route_exchange_t *x, int status);

/* Parses matcher lines (the body of `@name { ... }`, of `not { ... }`, or one
 * line when blk has one item) into a new set called name. */
int route_matcher_parse_set(route_parse_t *p, const cfg_directive_t *lines, size_t count,
                            ifr_str_t name, route_matcher_set_t **out);

/* Builds the one-condition set of an inline path token. */
int route_matcher_inline_path(route_parse_t *p, const cfg_token_t *t, route_matcher_set_t **out);

/* Scope of named matchers: a block's definitions, then its parents'. One
 * per route list, so it also carries what a list's directives share while
 * it is parsed. */
struct route_scope {
    route_scope_t *parent;
    route_matcher_set_t **sets;
    size_t count;
    void *list_slot;        /* route_parse_list_slot (directive.h), NULL at first */
};
/* Reads every `@name` definition of blk into a new scope above parent. */
int route_scope_open(route_parse_t *p, const cfg_block_t *blk, route_scope_t *parent,
                     route_scope_t **out);
const route_matcher_set_t *route_scope_find(const route_scope_t *s, ifr_str_t name);

#endif
