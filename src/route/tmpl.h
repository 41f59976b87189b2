/* Templates (route_tmpl_*): text with placeholders such as `{path}`,
 * `{http.request.header.X-Id}`, `{env.HOME}`.
 *
 * Config text is compiled once at load into a template of literal pieces and
 * placeholder references; rendering per request only copies slices (into the
 * exchange's arena or a caller's buffer), never calls malloc. `{env.*}` and
 * `{system.*}` are resolved at load, since they cannot change while serving.
 * Unknown placeholders stay as written, and `\{` writes a literal brace.
 *
 * Ownership: templates live in the arena given to route_tmpl_compile (the
 * plan's); rendered text lives in x->arena. */
#ifndef IFRIT_ROUTE_TMPL_H
#define IFRIT_ROUTE_TMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/str.h"
#include "route/exchange.h"

typedef struct route_tmpl route_tmpl_t;

/* NULL only when the arena is exhausted. */
route_tmpl_t *route_tmpl_compile(ifr_arena_t *a, ifr_str_t text);
/* A template with no runtime placeholder renders to this text. */
bool route_tmpl_is_static(const route_tmpl_t *t);

/* Renders into x->arena. 0, or -1 when the arena is exhausted. A static
 * template renders to its own text and may be given x == NULL. */
int route_tmpl_render(route_exchange_t *x, const route_tmpl_t *t, ifr_str_t *out);
/* Renders a URI the way Caddy's rewrite builds one: in the query (after
 * the first literal '?'), placeholder values are query-escaped, except
 * {query} where a key begins, which is escaped already. */
int route_tmpl_render_uri(route_exchange_t *x, const route_tmpl_t *t, ifr_str_t *out);
/* Renders into buf; returns the full length (writes at most cap bytes, no NUL). */
size_t route_tmpl_render_to(route_exchange_t *x, const route_tmpl_t *t, char *buf, size_t cap);

/* The value of one placeholder given by its name without braces. False when
 * the name is unknown or has no value for this request (empty *out). */
bool route_tmpl_get(route_exchange_t *x, ifr_str_t name, ifr_str_t *out);

#endif
