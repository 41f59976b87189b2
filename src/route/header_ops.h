/* Edits of a header field list: the engine behind the `header` directive
 * and reverse_proxy's header_up / header_down. An op sets a field, adds
 * one, deletes one (or, with prefix, every field whose name starts so),
 * adds one only when absent (default), or replaces a substring in every
 * value of a field. Values are templates rendered per request; ops and
 * their templates live in the plan's arena, what they make in x->arena. */
#ifndef IFRIT_ROUTE_HEADER_OPS_H
#define IFRIT_ROUTE_HEADER_OPS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/str.h"
#include "http/message.h"
#include "route/exchange.h"
#include "route/tmpl.h"

typedef enum { ROUTE_HDR_SET, ROUTE_HDR_ADD, ROUTE_HDR_DELETE, ROUTE_HDR_DEFAULT, ROUTE_HDR_REPLACE } route_hdr_kind_t;

typedef struct {
    route_hdr_kind_t kind;
    ifr_str_t field;
    bool prefix;               /* delete: every field starting with field */
    route_tmpl_t *value;       /* set/add/default value, or replace's replacement */
    ifr_str_t find;            /* replace: the substring to replace */
} route_hdr_op_t;

typedef struct {
    route_hdr_op_t *ops;
    size_t count;
} route_hdr_ops_t;

/* Appends op; -1 when the arena is exhausted. */
int route_hdr_ops_add(ifr_arena_t *a, route_hdr_ops_t *ops, route_hdr_op_t op);

/* How an op's value is rendered: route_tmpl_render when NULL, or a user's
 * own (reverse_proxy adds the upstream's placeholders). 0 or -1. */
typedef int (*route_hdr_render_t)(route_exchange_t *x, const void *ctx, const route_tmpl_t *t, ifr_str_t *out);

/* Applies the ops to h in order. 0, or -1 out of memory. */
int route_hdr_ops_apply(route_exchange_t *x, const route_hdr_ops_t *ops, http_headers_t *h, route_hdr_render_t render,
                        const void *ctx);

/* Every `from` in s replaced by `to` into *out (s itself when nothing
 * changes, else an arena copy). 0, or -1 out of memory. */
int route_hdr_replace_all(ifr_arena_t *a, ifr_str_t s, ifr_str_t from, ifr_str_t to, ifr_str_t *out);

#endif
