/* Request variables (`vars`, {http.vars.NAME}) and `map` outputs, kept in
 * the exchange's route state.
 *
 * A `vars` directive sets variables at once; a `map` directive that ran
 * makes its destination placeholders known, and each is worked out when a
 * template asks for it, as Caddy's map does (so a later rewrite changes
 * what a map of {path} gives). The newest map naming a destination wins.
 *
 * Ownership: maps' configs are the plan's; variables live in x->arena. */
#ifndef IFRIT_ROUTE_VARS_H
#define IFRIT_ROUTE_VARS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/str.h"
#include "route/exchange.h"
#include "route/regexp.h"
#include "route/tmpl.h"

typedef struct route_var {
    ifr_str_t name, value;
    struct route_var *next;
} route_var_t;

/* One `map` line: an exact input or a regexp (`~`), and an output per
 * destination (NULL: `-` or missing, this line gives nothing there). */
typedef struct {
    ifr_str_t input;
    route_regex_t *rx;
    route_tmpl_t **outputs;   /* exact inputs: templates */
    ifr_str_t *raw;           /* regexp inputs: text with $1 / ${name} */
} route_map_line_t;

typedef struct route_map_conf {
    route_tmpl_t *source;
    ifr_str_t *dests;         /* placeholder names without braces */
    size_t ndests;
    route_map_line_t *lines;
    size_t nlines;
    route_tmpl_t **defaults;  /* ndests entries, NULL where none */
} route_map_conf_t;

typedef struct route_map_active {
    const route_map_conf_t *conf;
    struct route_map_active *next;
} route_map_active_t;

/* Sets a variable (name "root" is also the site root). -1: out of memory. */
int route_var_set(route_exchange_t *x, ifr_str_t name, ifr_str_t value);
/* A variable's value; false (and "") when not set. */
bool route_var_get(route_exchange_t *x, ifr_str_t name, ifr_str_t *value);

/* Makes a map's destinations known for the rest of the exchange. */
int route_map_activate(route_exchange_t *x, const route_map_conf_t *m);
/* The value of a destination placeholder of a map that ran; false when no
 * map that ran names it. */
bool route_map_get(route_exchange_t *x, ifr_str_t name, ifr_str_t *value);

/* Go's regexp Expand: $1, ${1}, $name, ${name} and $$ in tmpl, from the
 * groups of a match of rx (group names from rx). Into x->arena. */
ifr_str_t route_regex_expand(route_exchange_t *x, const route_regex_t *rx, const ifr_str_t *groups, ifr_str_t tmpl);

#endif
