/* Evaluating the CEL subset of cel.h for one request. */
#include <stdio.h>
#include <string.h>

#include "route/cel_int.h"

static const route_cel_val_t route__cel_error = { .type = ROUTE_CEL_ERR };

static route_cel_val_t route__cel_bool(bool b) { return (route_cel_val_t){ .type = ROUTE_CEL_BOOL, .b = b }; }

static route_cel_val_t route__cel_eval(route_exchange_t *x, const route_cel_node_t *n);

static bool route__cel_equal(const route_cel_val_t *a, const route_cel_val_t *b)
{
    if (a->type != b->type) return false;
    switch (a->type) {
    case ROUTE_CEL_NULL: return true;
    case ROUTE_CEL_BOOL: return a->b == b->b;
    case ROUTE_CEL_INT: return a->i == b->i;
    case ROUTE_CEL_STR: return ifr_str_eq(a->s, b->s);
    case ROUTE_CEL_LIST:
        if (a->n != b->n) return false;
        for (size_t i = 0; i < a->n; i++)
            if (!route__cel_equal(&a->items[i], &b->items[i])) return false;
        return true;
    case ROUTE_CEL_ERR: break;
    }
    return false;
}

/* <0, 0, >0; or 2 when a and b cannot be ordered (an error in CEL). */
static int route__cel_order(const route_cel_val_t *a, const route_cel_val_t *b)
{
    if (a->type != b->type) return 2;
    if (a->type == ROUTE_CEL_INT) return (a->i > b->i) - (a->i < b->i);
    if (a->type == ROUTE_CEL_STR) {
        size_t n = a->s.len < b->s.len ? a->s.len : b->s.len;
        int c = n ? memcmp(a->s.ptr, b->s.ptr, n) : 0;
        return c ? (c > 0) - (c < 0) : (a->s.len > b->s.len) - (a->s.len < b->s.len);
    }
    if (a->type == ROUTE_CEL_BOOL) return (a->b > b->b) - (a->b < b->b);
    return 2;
}

/* Equality compares values of one type; across types CEL has no
 * overload, an error. */
static route_cel_val_t route__cel_compare(route_cel_kind_t k, const route_cel_val_t *a, const route_cel_val_t *b)
{
    if (a->type == ROUTE_CEL_ERR || b->type == ROUTE_CEL_ERR) return route__cel_error;
    if (k == ROUTE_CEL_N_EQ || k == ROUTE_CEL_N_NE) {
        bool null_side = a->type == ROUTE_CEL_NULL || b->type == ROUTE_CEL_NULL;
        if (a->type != b->type && !null_side) return route__cel_error;
        return route__cel_bool(route__cel_equal(a, b) == (k == ROUTE_CEL_N_EQ));
    }
    int o = route__cel_order(a, b);
    if (o == 2) return route__cel_error;
    switch (k) {
    case ROUTE_CEL_N_LT: return route__cel_bool(o < 0);
    case ROUTE_CEL_N_LE: return route__cel_bool(o <= 0);
    case ROUTE_CEL_N_GT: return route__cel_bool(o > 0);
    default: return route__cel_bool(o >= 0);
    }
}

static route_cel_val_t route__cel_str(route_exchange_t *x, const route_cel_node_t *n, bool *ok)
{
    route_cel_val_t v = route__cel_eval(x, n);
    *ok = v.type == ROUTE_CEL_STR;
    return v;
}

static bool route__cel_find(ifr_str_t hay, ifr_str_t needle)
{
    if (needle.len == 0) return true;
    for (size_t i = 0; i + needle.len <= hay.len; i++)
        if (memcmp(hay.ptr + i, needle.ptr, needle.len) == 0) return true;
    return false;
}

/* `&&` and `||`: false (true) on either side decides, even past an error. */
static route_cel_val_t route__cel_logic(route_exchange_t *x, const route_cel_node_t *n, bool is_or)
{
    route_cel_val_t a = route__cel_eval(x, n->kids[0]);
    if (a.type == ROUTE_CEL_BOOL && a.b == is_or) return a;
    route_cel_val_t b = route__cel_eval(x, n->kids[1]);
    if (b.type == ROUTE_CEL_BOOL && b.b == is_or) return b;
    if (a.type != ROUTE_CEL_BOOL || b.type != ROUTE_CEL_BOOL) return route__cel_error;
    return route__cel_bool(!is_or);
}

static route_cel_val_t route__cel_placeholder(route_exchange_t *x, const route_cel_node_t *n)
{
    ifr_str_t s;
    if (route_tmpl_render(x, n->tmpl, &s) != 0) return route__cel_error;
    if (n->as_int) {
        uint64_t v;
        if (!ifr_str_to_u64(s, INT64_MAX, &v)) return route__cel_error;
        return (route_cel_val_t){ .type = ROUTE_CEL_INT, .i = (int64_t)v };
    }
    return (route_cel_val_t){ .type = ROUTE_CEL_STR, .s = s };
}

static route_cel_val_t route__cel_convert(route_exchange_t *x, const route_cel_node_t *n)
{
    route_cel_val_t v = route__cel_eval(x, n->kids[0]);
    switch (n->kind) {
    case ROUTE_CEL_N_SIZE:
        if (v.type == ROUTE_CEL_STR) return (route_cel_val_t){ .type = ROUTE_CEL_INT, .i = (int64_t)v.s.len };
        if (v.type == ROUTE_CEL_LIST) return (route_cel_val_t){ .type = ROUTE_CEL_INT, .i = (int64_t)v.n };
        return route__cel_error;
    case ROUTE_CEL_N_INT: {
        if (v.type == ROUTE_CEL_INT) return v;
        uint64_t u;
        bool neg = v.type == ROUTE_CEL_STR && v.s.len && v.s.ptr[0] == '-';
        if (v.type != ROUTE_CEL_STR || !ifr_str_to_u64(ifr_str_sub(v.s, neg, v.s.len), INT64_MAX, &u))
            return route__cel_error;
        return (route_cel_val_t){ .type = ROUTE_CEL_INT, .i = neg ? -(int64_t)u : (int64_t)u };
    }
    default:   /* string() */
        if (v.type == ROUTE_CEL_STR) return v;
        if (v.type == ROUTE_CEL_INT) {
            char *b = ifr_arena_printf(x->arena, "%lld", (long long)v.i);
            return b ? (route_cel_val_t){ .type = ROUTE_CEL_STR, .s = ifr_cstr(b) } : route__cel_error;
        }
        if (v.type == ROUTE_CEL_BOOL) return (route_cel_val_t){ .type = ROUTE_CEL_STR, .s = v.b ? IFR_LIT("true") : IFR_LIT("false") };
        return route__cel_error;
    }
}

static route_cel_val_t route__cel_add(route_exchange_t *x, const route_cel_node_t *n)
{
    route_cel_val_t a = route__cel_eval(x, n->kids[0]), b = route__cel_eval(x, n->kids[1]);
    if (a.type == ROUTE_CEL_INT && b.type == ROUTE_CEL_INT) {
        int64_t r;
        if (__builtin_add_overflow(a.i, b.i, &r)) return route__cel_error;
        return (route_cel_val_t){ .type = ROUTE_CEL_INT, .i = r };
    }
    if (a.type != ROUTE_CEL_STR || b.type != ROUTE_CEL_STR) return route__cel_error;
    char *s = ifr_arena_printf(x->arena, "%.*s%.*s", (int)a.s.len, a.s.ptr, (int)b.s.len, b.s.ptr);
    return s ? (route_cel_val_t){ .type = ROUTE_CEL_STR, .s = ifr_str(s, a.s.len + b.s.len) } : route__cel_error;
}

static route_cel_val_t route__cel_eval(route_exchange_t *x, const route_cel_node_t *n)
{
    route_cel_val_t a, b;
    bool ok_a, ok_b;
    switch (n->kind) {
    case ROUTE_CEL_N_LIT: return n->val;
    case ROUTE_CEL_N_PH: return route__cel_placeholder(x, n);
    case ROUTE_CEL_N_LIST: {
        route_cel_val_t *items = n->nitems ? ifr_arena_alloc(x->arena, n->nitems * sizeof(*items)) : NULL;
        if (n->nitems && !items) return route__cel_error;
        for (size_t i = 0; i < n->nitems; i++) items[i] = route__cel_eval(x, n->items[i]);
        return (route_cel_val_t){ .type = ROUTE_CEL_LIST, .items = items, .n = n->nitems };
    }
    case ROUTE_CEL_N_NOT:
        a = route__cel_eval(x, n->kids[0]);
        return a.type == ROUTE_CEL_BOOL ? route__cel_bool(!a.b) : route__cel_error;
    case ROUTE_CEL_N_NEG:
        a = route__cel_eval(x, n->kids[0]);
        if (a.type != ROUTE_CEL_INT || a.i == INT64_MIN) return route__cel_error;
        return (route_cel_val_t){ .type = ROUTE_CEL_INT, .i = -a.i };
    case ROUTE_CEL_N_AND: return route__cel_logic(x, n, false);
    case ROUTE_CEL_N_OR: return route__cel_logic(x, n, true);
    case ROUTE_CEL_N_ADD: return route__cel_add(x, n);
    case ROUTE_CEL_N_EQ: case ROUTE_CEL_N_NE: case ROUTE_CEL_N_LT: case ROUTE_CEL_N_LE: case ROUTE_CEL_N_GT:
    case ROUTE_CEL_N_GE:
        a = route__cel_eval(x, n->kids[0]);
        b = route__cel_eval(x, n->kids[1]);
        return route__cel_compare(n->kind, &a, &b);
    case ROUTE_CEL_N_IN:
        a = route__cel_eval(x, n->kids[0]);
        b = route__cel_eval(x, n->kids[1]);
        if (a.type == ROUTE_CEL_ERR || b.type != ROUTE_CEL_LIST) return route__cel_error;
        for (size_t i = 0; i < b.n; i++)
            if (route__cel_equal(&a, &b.items[i])) return route__cel_bool(true);
        return route__cel_bool(false);
    case ROUTE_CEL_N_COND:
        a = route__cel_eval(x, n->kids[0]);
        if (a.type != ROUTE_CEL_BOOL) return route__cel_error;
        return route__cel_eval(x, n->kids[a.b ? 1 : 2]);
    case ROUTE_CEL_N_STARTS: case ROUTE_CEL_N_ENDS: case ROUTE_CEL_N_CONTAINS:
        a = route__cel_str(x, n->kids[0], &ok_a);
        b = route__cel_str(x, n->kids[1], &ok_b);
        if (!ok_a || !ok_b) return route__cel_error;
        if (n->kind == ROUTE_CEL_N_CONTAINS) return route__cel_bool(route__cel_find(a.s, b.s));
        if (b.s.len > a.s.len) return route__cel_bool(false);
        return route__cel_bool(memcmp(n->kind == ROUTE_CEL_N_STARTS ? a.s.ptr : a.s.ptr + a.s.len - b.s.len,
                                      b.s.ptr, b.s.len) == 0);
    case ROUTE_CEL_N_MATCHES:
        a = route__cel_str(x, n->kids[0], &ok_a);
        return ok_a ? route__cel_bool(route_regex_match(n->rx, a.s, NULL)) : route__cel_error;
    case ROUTE_CEL_N_SIZE: case ROUTE_CEL_N_INT: case ROUTE_CEL_N_STRING:
        return route__cel_convert(x, n);
    case ROUTE_CEL_N_MATCHER: return route__cel_bool(route_match(x, n->set));
    }
    return route__cel_error;
}

bool route_cel_eval(route_exchange_t *x, const route_cel_node_t *n)
{
    route_cel_val_t v = route__cel_eval(x, n);
    return v.type == ROUTE_CEL_BOOL && v.b;
}
