/* The expression tree shared by cel_parse.c and cel_eval.c. */
#ifndef IFRIT_ROUTE_CEL_INT_H
#define IFRIT_ROUTE_CEL_INT_H

#include "route/cel.h"
#include "route/matcher.h"
#include "route/regexp.h"
#include "route/tmpl.h"

typedef enum {
    ROUTE_CEL_NULL, ROUTE_CEL_BOOL, ROUTE_CEL_INT, ROUTE_CEL_STR, ROUTE_CEL_LIST, ROUTE_CEL_ERR,
} route_cel_type_t;

typedef struct route_cel_val {
    route_cel_type_t type;
    bool b;
    int64_t i;
    ifr_str_t s;
    struct route_cel_val *items;   /* a list's values */
    size_t n;
} route_cel_val_t;

typedef enum {
    ROUTE_CEL_N_LIT,        /* val */
    ROUTE_CEL_N_PH,         /* tmpl; as_int for {err.status_code} */
    ROUTE_CEL_N_LIST,       /* kids */
    ROUTE_CEL_N_NOT, ROUTE_CEL_N_NEG,                       /* kids[0] */
    ROUTE_CEL_N_AND, ROUTE_CEL_N_OR, ROUTE_CEL_N_ADD,        /* kids[0], kids[1] */
    ROUTE_CEL_N_EQ, ROUTE_CEL_N_NE, ROUTE_CEL_N_LT, ROUTE_CEL_N_LE, ROUTE_CEL_N_GT, ROUTE_CEL_N_GE,
    ROUTE_CEL_N_IN,
    ROUTE_CEL_N_COND,       /* kids[0] ? kids[1] : kids[2] */
    ROUTE_CEL_N_STARTS, ROUTE_CEL_N_ENDS, ROUTE_CEL_N_CONTAINS,   /* kids[0].f(kids[1]) */
    ROUTE_CEL_N_MATCHES,    /* kids[0] against rx */
    ROUTE_CEL_N_SIZE, ROUTE_CEL_N_INT, ROUTE_CEL_N_STRING,       /* f(kids[0]) */
    ROUTE_CEL_N_MATCHER,    /* set: one of Caddy's matchers */
} route_cel_kind_t;

struct route_cel_node {
    route_cel_kind_t kind;
    route_cel_val_t val;
    route_tmpl_t *tmpl;
    bool as_int;
    route_regex_t *rx;
    const route_matcher_set_t *set;
    route_cel_node_t *kids[3];
    route_cel_node_t **items;   /* a list literal's elements */
    size_t nitems;
};

#endif
