/* Parsing the CEL subset of cel.h: a lexer and a recursive descent over
 * the expression's text, into a tree in the plan's arena. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config/dispense.h"
#include "route/cel_int.h"

typedef enum { ROUTE__CEL_END, ROUTE__CEL_INT, ROUTE__CEL_STR, ROUTE__CEL_IDENT, ROUTE__CEL_PH, ROUTE__CEL_OP } route__cel_tok_t;

typedef struct {
    route_parse_t *p;
    const cfg_token_t *at;
    ifr_str_t s;
    size_t pos;          /* where the lexer is */
    int depth;
    size_t nodes;
    route__cel_tok_t tk; /* the current token */
    ifr_str_t text;      /* its text (a string's decoded value, an op's characters) */
    size_t tpos;         /* its offset, for errors */
    int64_t ival;
} route__cel_t;

static int route__cel_err(route__cel_t *c, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return cfg_errorf(c->p->err, c->at, "expression: %s (at character %zu of '%.*s')", msg, c->tpos + 1,
                      (int)(c->s.len > 120 ? 120 : c->s.len), c->s.ptr);
}

static bool route__cel_ident_char(char ch, bool first)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' || (!first && ch >= '0' && ch <= '9');
}

static bool route__cel_ph_char(char ch)
{
    return route__cel_ident_char(ch, false) || ch == '.' || ch == '-';
}

/* A quoted string from c->pos (at the quote), decoded. */
static int route__cel_string(route__cel_t *c)
{
    char q = c->s.ptr[c->pos++];
    char *b = ifr_arena_alloc(c->p->arena, c->s.len - c->pos + 1);
    if (!b) return cfg_errorf(c->p->err, NULL, "out of memory");
    size_t n = 0;
    while (c->pos < c->s.len && c->s.ptr[c->pos] != q) {
        char ch = c->s.ptr[c->pos++];
        if (ch == '\\' && c->pos < c->s.len) {
            char e = c->s.ptr[c->pos++];
            ch = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
            if (!strchr("ntr\\'\"", e)) return route__cel_err(c, "escape \\%c is not supported", e);
        }
        b[n++] = ch;
    }
    if (c->pos >= c->s.len) return route__cel_err(c, "a string is never closed");
    c->pos++;
    b[n] = '\0';
    c->tk = ROUTE__CEL_STR;
    c->text = ifr_str(b, n);
    return 0;
}

/* Reads the next token into c. */
static int route__cel_next(route__cel_t *c)
{
    while (c->pos < c->s.len && strchr(" \t\r\n", c->s.ptr[c->pos])) c->pos++;
    c->tpos = c->pos;
    if (c->pos >= c->s.len) { c->tk = ROUTE__CEL_END; c->text = IFR_LIT(""); return 0; }
    const char *s = c->s.ptr;
    char ch = s[c->pos];
    if (ch == '\'' || ch == '"') return route__cel_string(c);
    if (ch >= '0' && ch <= '9') {
        size_t st = c->pos;
        uint64_t v;
        c->pos += ifr_str_digits(ifr_str_sub(c->s, c->pos, c->s.len), &v, NULL);
        if (v > INT64_MAX) return route__cel_err(c, "an integer out of range");
        c->tk = ROUTE__CEL_INT;
        c->ival = (int64_t)v;
        c->text = ifr_str(s + st, c->pos - st);
        return 0;
    }
    if (route__cel_ident_char(ch, true)) {
        size_t st = c->pos;
        while (c->pos < c->s.len && route__cel_ident_char(s[c->pos], false)) c->pos++;
        c->tk = ROUTE__CEL_IDENT;
        c->text = ifr_str(s + st, c->pos - st);
        return 0;
    }
    if (ch == '{') {   /* a placeholder, else a map's brace */
        size_t j = c->pos + 1;
        while (j < c->s.len && route__cel_ph_char(s[j])) j++;
        if (j > c->pos + 1 && j < c->s.len && s[j] == '}') {
            c->tk = ROUTE__CEL_PH;
            c->text = ifr_str(s + c->pos, j + 1 - c->pos);
            c->pos = j + 1;
            return 0;
        }
    }
    static const char *const two[] = { "&&", "||", "==", "!=", "<=", ">=" };
    for (size_t i = 0; i < 6; i++)
        if (c->pos + 1 < c->s.len && s[c->pos] == two[i][0] && s[c->pos + 1] == two[i][1]) {
            c->tk = ROUTE__CEL_OP;
            c->text = ifr_str(s + c->pos, 2);
            c->pos += 2;
            return 0;
        }
    if (strchr("()[]{},.:!<>+-?", ch)) {
        c->tk = ROUTE__CEL_OP;
        c->text = ifr_str(s + c->pos++, 1);
        return 0;
    }
    return route__cel_err(c, "unexpected character '%c'", ch);
}

static bool route__cel_is(const route__cel_t *c, const char *op)
{
    return c->tk == ROUTE__CEL_OP && ifr_str_eq_cstr(c->text, op);
}

static int route__cel_expect(route__cel_t *c, const char *op)
{
    if (!route__cel_is(c, op))
        return route__cel_err(c, "expected '%s', got '%.*s'", op, (int)c->text.len, c->text.ptr);
    return route__cel_next(c);
}

static route_cel_node_t *route__cel_node(route__cel_t *c, route_cel_kind_t k)
{
    if (++c->nodes > ROUTE_CEL_MAX_NODES) {
        route__cel_err(c, "more than %d parts", ROUTE_CEL_MAX_NODES);
        return NULL;
    }
    route_cel_node_t *n = ifr_arena_calloc(c->p->arena, 1, sizeof(*n));
    if (!n) cfg_errorf(c->p->err, NULL, "out of memory");
    else n->kind = k;
    return n;
}

static int route__cel_cond(route__cel_t *c, route_cel_node_t **out);

/* ---- Caddy's matcher functions ---- */

/* The words of one argument of a matcher function: a string or a
 * placeholder is one word; a map gives (key, values...) lines. */
typedef struct {
    ifr_str_t words[64];
    size_t n;
} route__cel_words_t;

static int route__cel_word(route__cel_t *c, route__cel_words_t *w)
{
    if (c->tk != ROUTE__CEL_STR && c->tk != ROUTE__CEL_PH)
        return route__cel_err(c, "a matcher function takes strings here, got '%.*s'", (int)c->text.len, c->text.ptr);
    if (w->n == 64) return route__cel_err(c, "more than 64 values");
    /* A copy ending in NUL: matchers may read their arguments as C strings. */
    char *t = ifr_arena_strndup(c->p->arena, c->text.ptr, c->text.len);
    if (!t) return cfg_errorf(c->p->err, NULL, "out of memory");
    w->words[w->n++] = ifr_str(t, c->text.len);
    return route__cel_next(c);
}

static int route__cel_line(route__cel_t *c, cfg_directive_t *lines, size_t *nlines, ifr_str_t name,
                           const route__cel_words_t *w)
{
    if (*nlines == 64) return route__cel_err(c, "more than 64 conditions in one call");
    cfg_directive_t *d = &lines[(*nlines)++];
    memset(d, 0, sizeof(*d));
    char *n = ifr_arena_strndup(c->p->arena, name.ptr, name.len);
    if (!n) return cfg_errorf(c->p->err, NULL, "out of memory");
    d->name = *c->at;
    d->name.text = ifr_str(n, name.len);
    d->name.flags = 0;
    if (w->n && !(d->args = ifr_arena_calloc(c->p->arena, w->n, sizeof(cfg_token_t))))
        return cfg_errorf(c->p->err, NULL, "out of memory");
    for (size_t i = 0; i < w->n; i++) {
        d->args[i] = *c->at;
        d->args[i].flags = CFG_TOK_QUOTED;
        d->args[i].text = w->words[i];
    }
    d->nargs = w->n;
    return 0;
}

/* header({'X': 'y', 'Z': ['a', 'b']}), query({...}), vars({...}): one
 * line per key; query's values become key=value. */
static int route__cel_map_arg(route__cel_t *c, ifr_str_t fn, cfg_directive_t *lines, size_t *nlines)
{
    if (route__cel_expect(c, "{") != 0) return -1;
    while (!route__cel_is(c, "}")) {
        if (c->tk != ROUTE__CEL_STR) return route__cel_err(c, "a map key must be a string");
        ifr_str_t key = c->text;
        route__cel_words_t vals = { .n = 0 };
        if (route__cel_next(c) != 0 || route__cel_expect(c, ":") != 0) return -1;
        if (route__cel_is(c, "[")) {
            if (route__cel_next(c) != 0) return -1;
            while (!route__cel_is(c, "]")) {
                if (route__cel_word(c, &vals) != 0) return -1;
                if (!route__cel_is(c, "]") && route__cel_expect(c, ",") != 0) return -1;
            }
            if (route__cel_next(c) != 0) return -1;
        } else if (route__cel_word(c, &vals) != 0) {
            return -1;
        }
        route__cel_words_t w = { .n = 0 };
        if (ifr_str_eq_cstr(fn, "query")) {
            for (size_t i = 0; i < vals.n; i++) {
                char *kv = ifr_arena_printf(c->p->arena, "%.*s=%.*s", (int)key.len, key.ptr, (int)vals.words[i].len,
                                            vals.words[i].ptr);
                if (!kv) return cfg_errorf(c->p->err, NULL, "out of memory");
                w.words[w.n++] = ifr_cstr(kv);
            }
        } else {
            w.words[w.n++] = key;
            for (size_t i = 0; i < vals.n && w.n < 64; i++) w.words[w.n++] = vals.words[i];
        }
        if (route__cel_line(c, lines, nlines, fn, &w) != 0) return -1;
        if (!route__cel_is(c, "}") && route__cel_expect(c, ",") != 0) return -1;
    }
    return route__cel_next(c);
}

static const char *const route__cel_matchers[] = {
    "path", "path_regexp", "header", "header_regexp", "host", "method", "query", "remote_ip",
    "protocol", "file", "vars", "vars_regexp",
};

/* name( args ) for one of Caddy's matchers: the current token is '('. */
static int route__cel_matcher_call(route__cel_t *c, ifr_str_t fn, route_cel_node_t **out)
{
    cfg_directive_t lines[64];
    size_t nlines = 0;
    bool by_map = ifr_str_eq_cstr(fn, "header") || ifr_str_eq_cstr(fn, "query") || ifr_str_eq_cstr(fn, "vars");
    if (route__cel_next(c) != 0) return -1;
    route__cel_words_t w = { .n = 0 };
    if (by_map) {
        if (route__cel_map_arg(c, fn, lines, &nlines) != 0) return -1;
    } else {
        while (!route__cel_is(c, ")")) {
            if (route__cel_word(c, &w) != 0) return -1;
            if (!route__cel_is(c, ")") && route__cel_expect(c, ",") != 0) return -1;
        }
        if (route__cel_line(c, lines, &nlines, fn, &w) != 0) return -1;
    }
    if (route__cel_expect(c, ")") != 0) return -1;
    route_cel_node_t *n = route__cel_node(c, ROUTE_CEL_N_MATCHER);
    route_matcher_set_t *set;
    if (!n || route_matcher_parse_set(c->p, lines, nlines, c->p->matcher_name, &set) != 0) return -1;
    n->set = set;
    *out = n;
    return 0;
}

/* ---- expressions ---- */

static int route__cel_call(route__cel_t *c, ifr_str_t fn, route_cel_node_t **out)
{
    for (size_t i = 0; i < sizeof(route__cel_matchers) / sizeof(route__cel_matchers[0]); i++)
        if (ifr_str_eq_cstr(fn, route__cel_matchers[i])) return route__cel_matcher_call(c, fn, out);
    route_cel_kind_t k = ifr_str_eq_cstr(fn, "size") ? ROUTE_CEL_N_SIZE
                       : ifr_str_eq_cstr(fn, "int") ? ROUTE_CEL_N_INT
                       : ifr_str_eq_cstr(fn, "string") ? ROUTE_CEL_N_STRING : ROUTE_CEL_N_LIT;
    if (k == ROUTE_CEL_N_LIT)
        return route__cel_err(c, "the function %.*s() is not supported by ifrit", (int)fn.len, fn.ptr);
    route_cel_node_t *n = route__cel_node(c, k);
    if (!n || route__cel_next(c) != 0 || route__cel_cond(c, &n->kids[0]) != 0 || route__cel_expect(c, ")") != 0)
        return -1;
    *out = n;
    return 0;
}

static int route__cel_primary(route__cel_t *c, route_cel_node_t **out)
{
    route_cel_node_t *n;
    switch (c->tk) {
    case ROUTE__CEL_INT: case ROUTE__CEL_STR:
        if (!(n = route__cel_node(c, ROUTE_CEL_N_LIT))) return -1;
        n->val = c->tk == ROUTE__CEL_INT ? (route_cel_val_t){ .type = ROUTE_CEL_INT, .i = c->ival }
                                : (route_cel_val_t){ .type = ROUTE_CEL_STR, .s = c->text };
        *out = n;
        return route__cel_next(c);
    case ROUTE__CEL_PH: {
        if (!(n = route__cel_node(c, ROUTE_CEL_N_PH))) return -1;
        if (!(n->tmpl = route_tmpl_compile(c->p->arena, c->text))) return cfg_errorf(c->p->err, NULL, "out of memory");
        /* Caddy's status code placeholder is an integer, the others text. */
        n->as_int = ifr_str_eq_cstr(c->text, "{err.status_code}") || ifr_str_eq_cstr(c->text, "{http.error.status_code}");
        *out = n;
        return route__cel_next(c);
    }
    case ROUTE__CEL_IDENT: {
        ifr_str_t id = c->text;
        if (route__cel_next(c) != 0) return -1;
        if (route__cel_is(c, "(")) return route__cel_call(c, id, out);
        if (!(n = route__cel_node(c, ROUTE_CEL_N_LIT))) return -1;
        if (ifr_str_eq_cstr(id, "true") || ifr_str_eq_cstr(id, "false"))
            n->val = (route_cel_val_t){ .type = ROUTE_CEL_BOOL, .b = id.ptr[0] == 't' };
        else if (ifr_str_eq_cstr(id, "null"))
            n->val = (route_cel_val_t){ .type = ROUTE_CEL_NULL };
        else
            return route__cel_err(c, "'%.*s' is not supported by ifrit (write placeholders as {name})", (int)id.len,
                                  id.ptr);
        *out = n;
        return 0;
    }
    case ROUTE__CEL_OP:
        if (route__cel_is(c, "(")) {
            if (route__cel_next(c) != 0 || route__cel_cond(c, out) != 0) return -1;
            return route__cel_expect(c, ")");
        }
        if (route__cel_is(c, "[")) {
            route_cel_node_t *items[64];
            size_t count = 0;
            if (!(n = route__cel_node(c, ROUTE_CEL_N_LIST)) || route__cel_next(c) != 0) return -1;
            while (!route__cel_is(c, "]")) {
                if (count == 64) return route__cel_err(c, "a list of more than 64 values");
                if (route__cel_cond(c, &items[count++]) != 0) return -1;
                if (!route__cel_is(c, "]") && route__cel_expect(c, ",") != 0) return -1;
            }
            if (count && !(n->items = ifr_arena_calloc(c->p->arena, count, sizeof(*items))))
                return cfg_errorf(c->p->err, NULL, "out of memory");
            if (count) memcpy(n->items, items, count * sizeof(*items));
            n->nitems = count;
            *out = n;
            return route__cel_next(c);
        }
        if (route__cel_is(c, "{")) return route__cel_err(c, "a map is supported only as the argument of header(), query() or vars()");
        break;
    case ROUTE__CEL_END:
        return route__cel_err(c, "the expression ends too early");
    }
    return route__cel_err(c, "unexpected '%.*s'", (int)c->text.len, c->text.ptr);
}

/* primary { .method(args) } */
static int route__cel_postfix(route__cel_t *c, route_cel_node_t **out)
{
    if (route__cel_primary(c, out) != 0) return -1;
    while (route__cel_is(c, ".")) {
        if (route__cel_next(c) != 0) return -1;
        if (c->tk != ROUTE__CEL_IDENT) return route__cel_err(c, "expected a method name after '.'");
        ifr_str_t m = c->text;
        route_cel_kind_t k = ifr_str_eq_cstr(m, "startsWith") ? ROUTE_CEL_N_STARTS
                           : ifr_str_eq_cstr(m, "endsWith") ? ROUTE_CEL_N_ENDS
                           : ifr_str_eq_cstr(m, "contains") ? ROUTE_CEL_N_CONTAINS
                           : ifr_str_eq_cstr(m, "matches") ? ROUTE_CEL_N_MATCHES
                           : ifr_str_eq_cstr(m, "size") ? ROUTE_CEL_N_SIZE : ROUTE_CEL_N_LIT;
        if (k == ROUTE_CEL_N_LIT) return route__cel_err(c, "the method %.*s() is not supported by ifrit", (int)m.len, m.ptr);
        route_cel_node_t *n = route__cel_node(c, k);
        if (!n || route__cel_next(c) != 0 || route__cel_expect(c, "(") != 0) return -1;
        n->kids[0] = *out;
        if (k == ROUTE_CEL_N_MATCHES) {
            if (c->tk != ROUTE__CEL_STR) return route__cel_err(c, "matches() takes a string literal");
            char msg[200];
            if (route_regex_compile(c->p->arena, c->text, &n->rx, msg, sizeof(msg)) != 0)
                return route__cel_err(c, "%s", msg);
            if (route__cel_next(c) != 0) return -1;
        } else if (k != ROUTE_CEL_N_SIZE && route__cel_cond(c, &n->kids[1]) != 0) {
            return -1;
        }
        if (route__cel_expect(c, ")") != 0) return -1;
        *out = n;
    }
    return 0;
}

static int route__cel_unary(route__cel_t *c, route_cel_node_t **out)
{
    if (route__cel_is(c, "!") || route__cel_is(c, "-")) {
        route_cel_node_t *n = route__cel_node(c, route__cel_is(c, "!") ? ROUTE_CEL_N_NOT : ROUTE_CEL_N_NEG);
        if (!n || ++c->depth > ROUTE_CEL_MAX_DEPTH) return n ? route__cel_err(c, "nested too deep") : -1;
        if (route__cel_next(c) != 0 || route__cel_unary(c, &n->kids[0]) != 0) return -1;
        c->depth--;
        *out = n;
        return 0;
    }
    return route__cel_postfix(c, out);
}

static int route__cel_add(route__cel_t *c, route_cel_node_t **out)
{
    if (route__cel_unary(c, out) != 0) return -1;
    while (route__cel_is(c, "+")) {
        route_cel_node_t *n = route__cel_node(c, ROUTE_CEL_N_ADD);
        if (!n) return -1;
        n->kids[0] = *out;
        if (route__cel_next(c) != 0 || route__cel_unary(c, &n->kids[1]) != 0) return -1;
        *out = n;
    }
    if (route__cel_is(c, "-")) return route__cel_err(c, "subtraction is not supported by ifrit");
    return 0;
}

static int route__cel_rel(route__cel_t *c, route_cel_node_t **out)
{
    if (route__cel_add(c, out) != 0) return -1;
    static const struct { const char *op; route_cel_kind_t k; } ops[] = {
        { "==", ROUTE_CEL_N_EQ }, { "!=", ROUTE_CEL_N_NE }, { "<=", ROUTE_CEL_N_LE },
        { ">=", ROUTE_CEL_N_GE }, { "<", ROUTE_CEL_N_LT }, { ">", ROUTE_CEL_N_GT },
    };
    route_cel_kind_t k = ROUTE_CEL_N_LIT;
    for (size_t i = 0; i < 6; i++)
        if (route__cel_is(c, ops[i].op)) k = ops[i].k;
    if (c->tk == ROUTE__CEL_IDENT && ifr_str_eq_cstr(c->text, "in")) k = ROUTE_CEL_N_IN;
    if (k == ROUTE_CEL_N_LIT) return 0;
    route_cel_node_t *n = route__cel_node(c, k);
    if (!n) return -1;
    n->kids[0] = *out;
    if (route__cel_next(c) != 0 || route__cel_add(c, &n->kids[1]) != 0) return -1;
    *out = n;
    return 0;
}

static int route__cel_binary(route__cel_t *c, route_cel_node_t **out, bool is_or)
{
    if ((is_or ? route__cel_binary(c, out, false) : route__cel_rel(c, out)) != 0) return -1;
    while (route__cel_is(c, is_or ? "||" : "&&")) {
        route_cel_node_t *n = route__cel_node(c, is_or ? ROUTE_CEL_N_OR : ROUTE_CEL_N_AND);
        if (!n) return -1;
        n->kids[0] = *out;
        if (route__cel_next(c) != 0 ||
            (is_or ? route__cel_binary(c, &n->kids[1], false) : route__cel_rel(c, &n->kids[1])) != 0)
            return -1;
        *out = n;
    }
    return 0;
}

static int route__cel_cond(route__cel_t *c, route_cel_node_t **out)
{
    if (++c->depth > ROUTE_CEL_MAX_DEPTH) return route__cel_err(c, "nested too deep");
    if (route__cel_binary(c, out, true) != 0) return -1;
    if (route__cel_is(c, "?")) {
        route_cel_node_t *n = route__cel_node(c, ROUTE_CEL_N_COND);
        if (!n) return -1;
        n->kids[0] = *out;
        if (route__cel_next(c) != 0 || route__cel_cond(c, &n->kids[1]) != 0 || route__cel_expect(c, ":") != 0 ||
            route__cel_cond(c, &n->kids[2]) != 0)
            return -1;
        *out = n;
    }
    c->depth--;
    return 0;
}

int route_cel_parse(route_parse_t *p, const cfg_token_t *at, ifr_str_t text, route_cel_node_t **out)
{
    route__cel_t c = { .p = p, .at = at, .s = text };
    if (route__cel_next(&c) != 0 || route__cel_cond(&c, out) != 0) return -1;
    if (c.tk != ROUTE__CEL_END) return route__cel_err(&c, "unexpected '%.*s' after the expression", (int)c.text.len, c.text.ptr);
    return 0;
}
